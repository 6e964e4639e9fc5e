//! The document-level pipeline behind `nearcopy scan`.
//!
//! 1. **Sign** (one streaming read, parallel per batch): tokenise, shingle,
//!    fingerprint, MinHash, band keys. Documents whose normalised token
//!    sequence is identical to an earlier one are exact duplicates and skip
//!    LSH (the fast path). Memory per document: the signature (4 bytes × K),
//!    the band keys (8 bytes × b) and the id.
//! 2. **Candidates**: LSH banding ([`crate::lsh`]).
//! 3. **Verify**: with [`Verify::Exact`], a second read recomputes the shingle
//!    sets of the documents that appear in a candidate pair, and only those,
//!    keeping each set until its last partner has been seen; standard input
//!    was spooled to a temporary file so it can be read twice. With
//!    [`Verify::Estimate`], the signatures decide.
//! 4. **Cluster**: union-find over the verified pairs and the exact groups.
//! 5. **Passages** (unless disabled): [`crate::passages::find_in`] on the
//!    same inputs, three more reads.
//!
//! Every step orders its results by document number (input order), so the
//! output is the same whatever the thread count.

use std::sync::Arc;
use std::time::Instant;

use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;
use serde::Serialize;

use crate::cluster::UnionFind;
use crate::config::{ScanConfig, Verify};
use crate::document::{Document, Origin};
use crate::error::{Error, Result};
use crate::input::{Corpus, Inputs, Skipped};
use crate::lsh;
use crate::progress::Progress;
use crate::shingle::Shingler;
use crate::sketch::{self, Sketch, Sketcher};
use crate::text::{self, Token};
use crate::verify;

/// Exact-duplicate groups larger than this report pairs against their first
/// member only, instead of all pairs (which grow quadratically).
pub const EXACT_PAIRS_LIMIT: usize = 200;

/// Clusters with more members than this list one link per member instead
/// of every verified pair: all pairs of a cluster of `n` near-copies are
/// `n²/2` (a template site of 50,000 pages would list over a billion). The
/// links are the exact copies paired with their first copy and, taking the
/// verified pairs in order (by first then second document), each pair
/// joining two parts of the cluster not yet joined: a spanning tree, so
/// every member but the first has one pair linking it into the group, and
/// the cluster lists `members - 1` pairs. Smaller clusters list every
/// verified pair, and every pair of copies, as before.
pub const CLUSTER_PAIRS_LIMIT: usize = crate::cluster::LARGE_GROUP;

/// The parameters of a run, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct Params {
    /// Jaccard threshold.
    pub threshold: f64,
    /// Tokens per shingle.
    pub shingle: usize,
    /// `words` or `chars`.
    pub tokens: text::TokenKind,
    /// The sketch that signed the documents (`oph`, `minhash` or
    /// `cminhash`).
    pub sketch: Sketch,
    /// Values per signature (`--perms`).
    pub perms: usize,
    /// LSH bands.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
    /// How candidates were verified.
    pub verify: Verify,
    /// Probability that a pair exactly at the threshold becomes a candidate.
    pub candidate_probability_at_threshold: f64,
    /// `1 - candidate_probability_at_threshold`.
    pub false_negative_rate_at_threshold: f64,
    /// Area under the S-curve below the threshold.
    pub false_positive_area: f64,
    /// Area above the S-curve above the threshold.
    pub false_negative_area: f64,
    /// Seed of the sketch's hash functions.
    pub seed: u64,
    /// Passage search parameters (absent with passages disabled).
    pub passages: Option<crate::passages::Params>,
}

impl Params {
    /// The reported parameters of `cfg`.
    pub fn new(cfg: &ScanConfig) -> Params {
        let b = cfg.banding();
        let p = b.probability(cfg.threshold);
        Params {
            threshold: cfg.threshold,
            shingle: cfg.shingle.size,
            tokens: cfg.shingle.kind,
            sketch: cfg.sketch,
            perms: cfg.perms,
            bands: b.bands,
            rows: b.rows,
            verify: cfg.verify,
            candidate_probability_at_threshold: round6(p),
            false_negative_rate_at_threshold: round6(1.0 - p),
            false_positive_area: round6(b.false_positive_area(cfg.threshold)),
            false_negative_area: round6(b.false_negative_area(cfg.threshold)),
            seed: cfg.sketch.seed(),
            passages: None,
        }
    }
}

/// Rounds to 6 decimals so reports are stable and readable.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// One document as reported.
#[derive(Debug, Clone, Serialize)]
pub struct DocInfo {
    /// Document id.
    pub id: String,
    /// Source name (shared between the documents of a source).
    pub source: Arc<str>,
    /// Bytes of text.
    pub bytes: u64,
    /// Tokens (words, or characters with `--char-ngrams`).
    pub words: u64,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
    /// The first earlier document with the same normalised token sequence
    /// (an exact duplicate: Jaccard 1 with it), by document number.
    #[serde(skip)]
    pub same_as: Option<u32>,
}

/// A verified near-duplicate pair.
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    /// First document id (earlier in the input).
    pub a: String,
    /// Second document id.
    pub b: String,
    /// Jaccard similarity: exact with `--verify exact`, else the estimate.
    pub jaccard: f64,
    /// MinHash estimate.
    pub estimate: f64,
    /// `exact` (same normalised text) or `near`.
    pub kind: &'static str,
    #[serde(skip)]
    pub(crate) ai: u32,
    #[serde(skip)]
    pub(crate) bi: u32,
}

impl Pair {
    /// Document numbers (input order) of the pair.
    pub fn indices(&self) -> (u32, u32) {
        (self.ai, self.bi)
    }
}

/// A group of near-duplicate documents.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    /// Member ids in input order.
    pub members: Vec<String>,
    /// Verified pairs inside the group.
    pub pairs: Vec<Pair>,
    /// Document numbers of the members.
    #[serde(skip)]
    pub member_indices: Vec<u32>,
}

/// Counts of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Documents read.
    pub documents: u64,
    /// Bytes of text read.
    pub bytes: u64,
    /// Documents without a single token (no shingle, never a duplicate).
    pub too_short: u64,
    /// Documents identical (after normalisation) to an earlier one.
    pub exact_duplicates: u64,
    /// Candidate pairs produced by LSH.
    pub candidate_pairs: u64,
    /// Candidate pairs confirmed at the threshold.
    pub verified_pairs: u64,
    /// Near-duplicate groups.
    pub clusters: u64,
    /// Documents in some group.
    pub documents_in_clusters: u64,
    /// Passage search counts (absent with passages disabled).
    pub passages: Option<crate::passages::Summary>,
}

/// Wall-clock seconds per stage; the only part of a report that may differ
/// between two runs of the same input.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    /// Reading, tokenising and signing.
    pub sign: f64,
    /// LSH candidate generation.
    pub candidates: f64,
    /// Verification (including the second read for exact verification).
    pub verify: f64,
    /// Everything.
    pub total: f64,
    /// Text megabytes (10^6 bytes) per second over the whole run.
    pub mb_per_s: f64,
    /// The passage search (absent with passages disabled).
    pub passages: Option<crate::passages::Timings>,
}

/// The result of a scan.
#[derive(Debug, Clone, Serialize)]
pub struct Scan {
    /// Parameters.
    pub params: Params,
    /// Every document read, in input order.
    pub documents: Vec<DocInfo>,
    /// Near-duplicate groups, by their first member.
    pub clusters: Vec<Cluster>,
    /// Repeated passages (empty with passages disabled): within, across,
    /// boilerplate; most words first.
    pub passages: Vec<crate::passages::PassageGroup>,
    /// Counts.
    pub summary: Summary,
    /// What was skipped while reading.
    pub skipped: Skipped,
    /// Stage timings.
    pub timings: Timings,
}

impl Scan {
    /// For each document, the index of the cluster it belongs to.
    pub fn cluster_of(&self) -> Vec<Option<usize>> {
        let mut of = vec![None; self.documents.len()];
        for (c, cluster) in self.clusters.iter().enumerate() {
            for &m in &cluster.member_indices {
                of[m as usize] = Some(c);
            }
        }
        of
    }
}

/// Fixed-width rows (signatures, band keys) stored in chunks of exact
/// capacity, so memory grows by one chunk at a time instead of doubling as
/// one large `Vec` would: at a million documents the difference is hundreds of
/// megabytes.
struct Rows<T> {
    width: usize,
    chunks: Vec<Vec<T>>,
}

impl<T: Copy> Rows<T> {
    const PER_CHUNK: usize = 4096;

    fn new(width: usize) -> Rows<T> {
        Rows {
            width,
            chunks: Vec::new(),
        }
    }

    fn push(&mut self, row: &[T]) {
        debug_assert_eq!(row.len(), self.width);
        let cap = Self::PER_CHUNK * self.width;
        match self.chunks.last_mut() {
            Some(c) if c.len() < cap => c.extend_from_slice(row),
            _ => {
                let mut c = Vec::with_capacity(cap);
                c.extend_from_slice(row);
                self.chunks.push(c);
            }
        }
    }

    fn row(&self, slot: usize) -> &[T] {
        let chunk = &self.chunks[slot / Self::PER_CHUNK];
        let at = (slot % Self::PER_CHUNK) * self.width;
        &chunk[at..at + self.width]
    }
}

/// Per-thread scratch buffers for the hot path.
#[derive(Default)]
struct Scratch {
    tokens: Vec<Token>,
    shingler: Shingler,
    /// The shingle fingerprints of the last text, in text order.
    fps: Vec<u64>,
}

impl Scratch {
    /// Elements a buffer keeps between documents; one grown past this by
    /// a huge document is let go.
    const KEEP: usize = 1 << 20;

    fn trim(&mut self) {
        if self.tokens.capacity() > Scratch::KEEP {
            self.tokens = Vec::new();
        }
        if self.fps.capacity() > Scratch::KEEP {
            self.fps = Vec::new();
        }
        self.shingler.trim(Scratch::KEEP * 8);
    }
}

thread_local! {
    /// The signing step's buffers, kept by each worker thread for the whole
    /// run. Made afresh for each piece of work rayon splits off, they grew
    /// again every time, and each growth took fresh pages that the kernel
    /// had to clear: about a fifth of a document-level scan's time.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// What the signing stage keeps of one document.
struct Signed {
    info: DocInfo,
    content: u64,
    sig: Vec<u32>,
    keys: Vec<u64>,
}

/// Tokenises and shingles `text` into `scratch.fps` (in text order, with
/// repeats: a sketch does not need a set); returns the token count and the
/// fingerprint of the whole token sequence.
fn shingle_text(text: &str, cfg: &ScanConfig, scratch: &mut Scratch) -> (u64, u64) {
    let s = scratch.shingler.text_fingerprints(
        text,
        cfg.shingle.kind,
        cfg.shingle.size,
        crate::shingle::PIECE_BYTES,
        &mut scratch.tokens,
        &mut scratch.fps,
    );
    (s.tokens, s.content)
}

/// Runs `f` on the shingle fingerprints of `text` (in text order, with
/// repeats), its token count and the fingerprint of its whole token
/// sequence, in this thread's scratch buffers.
pub(crate) fn with_fingerprints<R>(
    text: &str,
    cfg: &ScanConfig,
    f: impl FnOnce(&[u64], u64, u64) -> R,
) -> R {
    SCRATCH.with_borrow_mut(|scratch| {
        let (words, content) = shingle_text(text, cfg, scratch);
        let r = f(&scratch.fps, words, content);
        scratch.trim();
        r
    })
}

/// Finds near-duplicate documents in `corpus` (paths, or texts in memory).
pub fn scan<'a>(
    corpus: impl Into<Corpus<'a>>,
    cfg: &ScanConfig,
    progress: &dyn Progress,
) -> Result<Scan> {
    let corpus = corpus.into();
    cfg.validate()?;
    let pool = cfg.pool()?;
    pool.install(|| {
        let inputs = corpus.open(&cfg.input)?;
        scan_inputs(&inputs, cfg, progress)
    })
}

/// [`scan`] of inputs already opened, for jobs that read them again
/// afterwards (standard input is spooled once, in [`Inputs::open`]). Runs on
/// the current rayon pool: call it inside the caller's `pool.install`.
/// Stops with [`Error::Interrupted`] between batches once
/// [`Progress::cancelled`] says so.
pub fn scan_inputs(inputs: &Inputs, cfg: &ScanConfig, progress: &dyn Progress) -> Result<Scan> {
    let start = Instant::now();
    let banding = cfg.banding();
    let hasher = Sketcher::new(cfg.sketch, cfg.perms);
    let total_bytes: u64 = inputs.total_bytes();

    // 1. Sign.
    progress.stage("signing", Some(total_bytes));
    let mut documents: Vec<DocInfo> = Vec::new();
    let mut sigs: Rows<u32> = Rows::new(cfg.perms);
    let mut keys: Rows<u64> = Rows::new(banding.bands);
    let mut lsh_docs: Vec<u32> = Vec::new();
    let mut exact_of: AHashMap<u64, u32> = AHashMap::new();
    let mut exact_groups: AHashMap<u32, Vec<u32>> = AHashMap::new();
    let mut sources: AHashSet<Arc<str>> = AHashSet::new();
    let mut summary = Summary::default();
    // Each document is signed in the parallel step that parses it.
    let sign = |doc: Document| {
        let (words, content, sig) = with_fingerprints(&doc.text, cfg, |fps, words, content| {
            let sig = (!fps.is_empty()).then(|| hasher.signature(fps));
            (words, content, sig)
        });
        let info = DocInfo {
            id: doc.id,
            source: Arc::from(doc.source),
            bytes: doc.text.len() as u64,
            words,
            origin: doc.origin,
            same_as: None,
        };
        let Some(sig) = sig else {
            return Signed {
                info,
                content,
                sig: Vec::new(),
                keys: Vec::new(),
            };
        };
        let mut k = vec![0u64; banding.bands];
        banding.keys(&sig, &mut k);
        Signed {
            info,
            content,
            sig,
            keys: k,
        }
    };
    let skipped = inputs.read_with(&cfg.input, sign, |signed, raw_bytes| {
        if progress.cancelled() {
            return Err(Error::Interrupted);
        }
        let docs = signed.len() as u64;
        for mut s in signed {
            let index = documents.len() as u32;
            // One allocation per distinct source, not per document.
            match sources.get(&s.info.source) {
                Some(shared) => s.info.source = shared.clone(),
                None => {
                    sources.insert(s.info.source.clone());
                }
            }
            summary.bytes += s.info.bytes;
            if s.sig.is_empty() {
                summary.too_short += 1;
            } else if let Some(&first) = exact_of.get(&s.content) {
                exact_groups.entry(first).or_default().push(index);
                s.info.same_as = Some(first);
                summary.exact_duplicates += 1;
            } else {
                exact_of.insert(s.content, index);
                lsh_docs.push(index);
                sigs.push(&s.sig);
                keys.push(&s.keys);
            }
            documents.push(s.info);
        }
        progress.advance(docs, raw_bytes);
        Ok(())
    })?;
    drop(exact_of);
    summary.documents = documents.len() as u64;
    if documents.is_empty() {
        progress.finish();
        return Err(skipped.empty_input());
    }
    let t_sign = start.elapsed().as_secs_f64();

    // 2. Candidates.
    let t = Instant::now();
    let candidates = lsh::candidates(|slot, band| keys.row(slot)[band], &lsh_docs, banding.bands);
    drop(keys);
    summary.candidate_pairs = candidates.len() as u64;
    let t_candidates = t.elapsed().as_secs_f64();

    // 3. Verify.
    let t = Instant::now();
    // `lsh_docs` is ascending: a document's slot is found by binary search.
    let sig_of = |d: u32| -> &[u32] { sigs.row(lsh_docs.binary_search(&d).unwrap_or_default()) };
    let estimates: Vec<f64> = candidates
        .par_iter()
        .map(|&(a, b)| sketch::estimate(sig_of(a), sig_of(b)))
        .collect();
    let verified: Vec<Verified> = match cfg.verify {
        Verify::Estimate => candidates
            .iter()
            .zip(&estimates)
            .filter(|(_, &e)| e >= cfg.threshold)
            .map(|(&(a, b), &e)| Verified {
                a,
                b,
                jaccard: e,
                estimate: e,
            })
            .collect(),
        Verify::Exact => {
            progress.stage("verifying", Some(total_bytes));
            let exact = pair_jaccards(inputs, cfg, &candidates, &documents, progress)?;
            candidates
                .iter()
                .zip(&estimates)
                .zip(exact)
                .filter(|(_, j)| *j >= cfg.threshold)
                .map(|((&(a, b), &e), j)| Verified {
                    a,
                    b,
                    jaccard: j,
                    estimate: e,
                })
                .collect()
        }
    };
    summary.verified_pairs = verified.len() as u64;
    let t_verify = t.elapsed().as_secs_f64();

    // 4. Cluster.
    let clusters = build_clusters(&documents, &exact_groups, &verified);
    summary.clusters = clusters.len() as u64;
    summary.documents_in_clusters = clusters.iter().map(|c| c.members.len() as u64).sum();
    progress.finish();

    // 5. Passages: three more reads.
    let mut params = Params::new(cfg);
    let mut passages = Vec::new();
    let mut t_passages = None;
    if cfg.passages.enabled {
        let known = crate::passages::Known {
            families: crate::passages::Families::new(
                documents.len(),
                clusters.iter().map(|c| c.member_indices.as_slice()),
            ),
            text_bytes: Some(summary.bytes),
        };
        let found = crate::passages::find_in_known(inputs, cfg, &known, progress)?;
        params.passages = Some(found.params);
        summary.passages = Some(found.summary);
        t_passages = Some(found.timings);
        passages = found.passages;
    }
    let total = start.elapsed().as_secs_f64();
    Ok(Scan {
        params,
        documents,
        clusters,
        passages,
        timings: Timings {
            sign: round6(t_sign),
            candidates: round6(t_candidates),
            verify: round6(t_verify),
            total: round6(total),
            mb_per_s: round6(summary.bytes as f64 / 1e6 / total.max(1e-9)),
            passages: t_passages,
        },
        summary,
        skipped,
    })
}

/// Exact Jaccard of every pair `(a, b)` of document numbers (`a < b`,
/// indices into `documents` as numbered by [`scan_inputs`] on the same
/// inputs), by one read that rebuilds the shingle sets of the documents in
/// some pair, and only those. Records are read raw and only those of such
/// documents are parsed, so the second read costs little more than the
/// bytes. Sets are dropped as soon as the last pair that needs them is
/// verified. Runs on the current rayon pool.
pub fn pair_jaccards(
    inputs: &Inputs,
    cfg: &ScanConfig,
    candidates: &[(u32, u32)],
    documents: &[DocInfo],
    progress: &dyn Progress,
) -> Result<Vec<f64>> {
    // For each document in a pair, the last document whose arrival needs
    // its set (pairs are verified when their later member arrives).
    let mut last_use: AHashMap<u32, u32> = AHashMap::new();
    for &(a, b) in candidates {
        for d in [a, b] {
            let l = last_use.entry(d).or_insert(b);
            *l = (*l).max(b);
        }
    }
    let wanted: AHashMap<Origin, u32> = last_use
        .keys()
        .map(|&d| (documents[d as usize].origin, d))
        .collect();
    let mut in_order: Vec<Origin> = wanted.keys().copied().collect();
    in_order.sort_unstable();
    // Pairs ordered by their later member, so each batch verifies a run.
    let mut by_later: Vec<usize> = (0..candidates.len()).collect();
    by_later.sort_unstable_by_key(|&i| (candidates[i].1, candidates[i].0));
    let mut result = vec![0.0; candidates.len()];
    let mut sets: AHashMap<u32, Vec<u64>> = AHashMap::new();
    let mut cursor = 0usize;
    let mut built_total = 0usize;
    inputs.read_raw_subset(&cfg.input, &in_order, |batch, raw_bytes| {
        if progress.cancelled() {
            return Err(Error::Interrupted);
        }
        let built: Vec<Result<(u32, Vec<u64>)>> = batch
            .into_par_iter()
            .filter_map(|raw| wanted.get(&raw.origin).map(|&d| (d, raw)))
            .map(|(d, raw)| {
                let text = inputs.text_of(&raw, &cfg.input)?;
                let mut set = SCRATCH.with_borrow_mut(|scratch| {
                    shingle_text(&text.text, cfg, scratch);
                    let set = scratch.fps.clone();
                    scratch.trim();
                    set
                });
                set.sort_unstable();
                set.dedup();
                Ok((d, set))
            })
            .collect();
        for b in built {
            let (d, set) = b?;
            sets.insert(d, set);
            built_total += 1;
        }
        // Every document up to the highest one read so far is in.
        let Some(&seen) = sets.keys().max() else {
            progress.advance(0, raw_bytes);
            return Ok(());
        };
        let end = by_later[cursor..].partition_point(|&p| candidates[p].1 <= seen) + cursor;
        let done: Vec<(usize, f64)> = by_later[cursor..end]
            .par_iter()
            .map(|&p| {
                let (a, b) = candidates[p];
                (p, verify::jaccard(&sets[&a], &sets[&b]))
            })
            .collect();
        for (p, j) in done {
            result[p] = j;
        }
        cursor = end;
        sets.retain(|d, _| last_use[d] > seen);
        progress.advance(0, raw_bytes);
        Ok(())
    })?;
    if built_total != wanted.len() || cursor != candidates.len() {
        return Err(Error::Config(
            "the input changed between the two reads of exact verification; \
             rerun on files that are not being written, or use --verify estimate"
                .into(),
        ));
    }
    Ok(result)
}

/// A candidate pair at or above the threshold, by document number.
#[derive(Debug, Clone, Copy)]
struct Verified {
    a: u32,
    b: u32,
    jaccard: f64,
    estimate: f64,
}

/// A pair listed in a cluster, by document number.
#[derive(Debug, Clone, Copy)]
struct Listed {
    a: u32,
    b: u32,
    jaccard: f64,
    estimate: f64,
    kind: &'static str,
}

/// Groups documents by union-find over the exact copies and the verified
/// pairs, and lists each group's pairs: all of them up to
/// [`CLUSTER_PAIRS_LIMIT`] members, else one link per member (see there).
/// `verified` is sorted by `(a, b)`.
fn build_clusters(
    documents: &[DocInfo],
    exact_groups: &AHashMap<u32, Vec<u32>>,
    verified: &[Verified],
) -> Vec<Cluster> {
    let mut uf = UnionFind::new(documents.len());
    // Exact groups by first copy: the order of a hash map is not stable.
    let mut exact: Vec<(u32, &[u32])> = exact_groups
        .iter()
        .map(|(&first, rest)| (first, rest.as_slice()))
        .collect();
    exact.sort_unstable_by_key(|&(first, _)| first);
    for &(first, rest) in &exact {
        for &m in rest {
            uf.union(first, m);
        }
    }
    for v in verified {
        uf.union(v.a, v.b);
    }
    let groups = uf.groups();
    let mut cluster_of = vec![usize::MAX; documents.len()];
    for (c, g) in groups.iter().enumerate() {
        for &m in g {
            cluster_of[m as usize] = c;
        }
    }
    let large = |d: u32| groups[cluster_of[d as usize]].len() > CLUSTER_PAIRS_LIMIT;

    let mut pairs: Vec<Listed> = Vec::new();
    let copies = |d: u32| -> Vec<u32> {
        let mut v = vec![d];
        if let Some(g) = exact_groups.get(&d) {
            v.extend_from_slice(g);
        }
        v
    };
    // The spanning links of large clusters, joined as they are listed.
    let mut links = UnionFind::new(documents.len());
    for &(first, rest) in &exact {
        let group = copies(first);
        if large(first) || group.len() > EXACT_PAIRS_LIMIT {
            for &m in rest {
                links.union(first, m);
                pairs.push(Listed {
                    a: first,
                    b: m,
                    jaccard: 1.0,
                    estimate: 1.0,
                    kind: "exact",
                });
            }
        } else {
            for (i, &x) in group.iter().enumerate() {
                for &y in &group[i + 1..] {
                    pairs.push(Listed {
                        a: x,
                        b: y,
                        jaccard: 1.0,
                        estimate: 1.0,
                        kind: "exact",
                    });
                }
            }
        }
    }
    for v in verified {
        let near = |a: u32, b: u32| Listed {
            a: a.min(b),
            b: a.max(b),
            jaccard: v.jaccard,
            estimate: v.estimate,
            kind: "near",
        };
        if large(v.a) {
            if links.find(v.a) != links.find(v.b) {
                links.union(v.a, v.b);
                pairs.push(near(v.a, v.b));
            }
            continue;
        }
        // Every copy of a is as similar to every copy of b.
        let (ca, cb) = (copies(v.a), copies(v.b));
        if ca.len() * cb.len() <= EXACT_PAIRS_LIMIT * EXACT_PAIRS_LIMIT {
            for &x in &ca {
                for &y in &cb {
                    pairs.push(near(x, y));
                }
            }
        } else {
            pairs.push(near(v.a, v.b));
        }
    }
    pairs.sort_unstable_by_key(|p| (p.a, p.b));
    pairs.dedup_by_key(|p| (p.a, p.b));
    let mut clusters: Vec<Cluster> = groups
        .into_iter()
        .map(|g| Cluster {
            members: g
                .iter()
                .map(|&m| documents[m as usize].id.clone())
                .collect(),
            pairs: Vec::new(),
            member_indices: g,
        })
        .collect();
    for p in pairs {
        let c = cluster_of[p.a as usize];
        clusters[c].pairs.push(Pair {
            a: documents[p.a as usize].id.clone(),
            b: documents[p.b as usize].id.clone(),
            jaccard: round6(p.jaccard),
            estimate: round6(p.estimate),
            kind: p.kind,
            ai: p.a,
            bi: p.b,
        });
    }
    clusters
}
