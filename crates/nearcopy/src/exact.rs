//! The exact all-pairs Jaccard join: every pair of documents whose shingle
//! sets reach the threshold, found without sampling.
//!
//! MinHash and LSH find near-duplicates with a probability; to know what they
//! miss one needs the true answer. Comparing all `n²/2` pairs is out of reach
//! beyond a few thousand documents, but a join at a threshold `t` can skip
//! almost every pair with two classic filters (Bayardo et al., "Scaling up all
//! pairs similarity search", WWW 2007; Xiao et al., PPJoin, WWW 2008):
//!
//! * **Prefix filter.** Order every shingle by a global order and keep, of a
//!   set `x`, its first `|x| - ⌈t·|x|⌉ + 1` shingles (its *prefix*). Two sets
//!   with Jaccard ≥ `t` share at least one shingle of their prefixes, so only
//!   sets that meet in an inverted index of prefixes are candidates. The
//!   order is by document frequency, rarest first, so prefixes are made of
//!   rare shingles and their posting lists are short.
//! * **Length filter.** Jaccard ≥ `t` needs `|y| ≥ t·|x|`; documents are
//!   processed by size and each posting list is cut by binary search.
//!
//! Every candidate is then verified exactly with [`crate::verify`]. Shingles
//! that occur in a single document can never be shared: they are counted in
//! the set sizes but neither indexed nor stored (they come first in the
//! order, so they fill the start of a prefix without being probed). On real
//! and synthetic corpora most shingles are such singletons, which is what
//! keeps the join in memory for corpora of about 100,000 documents.
//!
//! Memory: the first of two reads counts document frequencies by sorting
//! every document's shingle fingerprints (8 bytes per distinct shingle per
//! document); the second keeps, per document, the ranks (4 bytes each) of its
//! shingles that occur in more than one document.
//!
//! The result is the same at any thread count: candidates are generated per
//! document in parallel, and pairs are sorted by input position.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use ahash::AHashMap;
use rayon::prelude::*;
use serde::Serialize;

use crate::config::ShingleConfig;
use crate::error::{Error, Result};
use crate::figures::round6;
use crate::input::{InputConfig, Inputs, Skipped};
use crate::progress::Progress;
use crate::shingle;
use crate::text::{Token, TokenKind};
use crate::verify;

/// Options of the exact join.
#[derive(Debug, Clone)]
pub struct ExactConfig {
    /// Shingling (5 words by default, as for `scan`).
    pub shingle: ShingleConfig,
    /// Jaccard threshold: pairs at or above it are reported.
    pub threshold: f64,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Input options.
    pub input: InputConfig,
    /// The most pairs a join may report; it stops with
    /// [`Error::TooLarge`] as soon as more reach the threshold. Pairs are
    /// kept in memory (about 100 bytes each with their ids) and grow with
    /// the square of a group of similar documents: a million copies of one
    /// text are 5·10¹¹ pairs.
    pub max_pairs: u64,
}

/// Default of [`ExactConfig::max_pairs`]: about a gigabyte of pairs.
pub const MAX_PAIRS: u64 = 10_000_000;

impl Default for ExactConfig {
    fn default() -> ExactConfig {
        ExactConfig {
            shingle: ShingleConfig::default(),
            threshold: 0.8,
            threads: 0,
            input: InputConfig::default(),
            max_pairs: MAX_PAIRS,
        }
    }
}

impl ExactConfig {
    /// Checks every value, with a message that says what to change.
    pub fn validate(&self) -> Result<()> {
        check_threshold(self.threshold)?;
        if self.shingle.size == 0 || self.shingle.size > 64 {
            return Err(Error::Config(format!(
                "shingle size must be 1 to 64 tokens, got {}",
                self.shingle.size
            )));
        }
        if self.input.text_field.is_empty() || self.input.id_field.is_empty() {
            return Err(Error::Config("field names must not be empty".into()));
        }
        Ok(())
    }

    /// A rayon pool of the configured size, owned by the run.
    pub fn pool(&self) -> Result<rayon::ThreadPool> {
        crate::config::pool(self.threads)
    }
}

fn check_threshold(t: f64) -> Result<()> {
    if t > 0.0 && t <= 1.0 {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "--threshold must be in (0, 1], got {t}"
        )))
    }
}

/// The parameters of a join, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct ExactParams {
    /// Jaccard threshold.
    pub threshold: f64,
    /// Tokens per shingle.
    pub shingle: usize,
    /// `words` or `chars`.
    pub tokens: TokenKind,
    /// How pairs were found: always `"exact"` (prefix-filtered all pairs,
    /// every pair verified on the full shingle sets).
    pub method: &'static str,
}

/// A pair at or above the threshold.
#[derive(Debug, Clone, Serialize)]
pub struct ExactPair {
    /// Id of the earlier document in the input.
    pub a: String,
    /// Id of the later document.
    pub b: String,
    /// Exact Jaccard similarity of the shingle sets.
    pub jaccard: f64,
    /// Share of a's shingles found in b.
    pub a_in_b: f64,
    /// Share of b's shingles found in a.
    pub b_in_a: f64,
}

/// Counts of a join.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExactSummary {
    /// Documents read.
    pub documents: u64,
    /// Bytes of text read.
    pub bytes: u64,
    /// Documents without a single token (never in a pair).
    pub too_short: u64,
    /// Distinct shingles in the corpus.
    pub distinct_shingles: u64,
    /// Distinct shingles found in more than one document.
    pub shared_shingles: u64,
    /// Candidate pairs that passed the prefix and length filters and were
    /// verified.
    pub candidates: u64,
    /// Pairs at or above the threshold.
    pub pairs: u64,
}

/// Wall-clock seconds per stage; the only part of a report that may differ
/// between two runs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExactTimings {
    /// First read: shingling and counting document frequencies.
    pub count: f64,
    /// Second read: ranking shingles and building the prefix index.
    pub index: f64,
    /// Probing the index and verifying candidates.
    pub join: f64,
    /// Everything.
    pub total: f64,
    /// Text megabytes (10^6 bytes) per second over the whole run.
    pub mb_per_s: f64,
}

/// The result of an exact join.
#[derive(Debug, Clone, Serialize)]
pub struct Join {
    /// Parameters.
    pub params: ExactParams,
    /// Counts.
    pub summary: ExactSummary,
    /// What was skipped while reading.
    pub skipped: Skipped,
    /// Pairs by (a, b) in input order.
    pub pairs: Vec<ExactPair>,
    /// Stage timings.
    pub timings: ExactTimings,
}

/// A pair found by [`join_sets`]: positions of the two sets (`a < b`) and
/// the number of shingles they share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Match {
    /// Position of the first set.
    pub a: u32,
    /// Position of the second set.
    pub b: u32,
    /// Size of the intersection.
    pub shared: u32,
}

/// Exact join of in-memory shingle sets (each sorted and deduplicated, as
/// [`shingle::set`] makes them): every pair with Jaccard ≥ `threshold`,
/// sorted by `(a, b)`.
pub fn join_sets(sets: &[Vec<u64>], threshold: f64) -> Vec<Match> {
    let mut all: Vec<u64> = Vec::with_capacity(sets.iter().map(Vec::len).sum());
    for s in sets {
        all.extend_from_slice(s);
    }
    let ranks = Ranks::count(all);
    let mut docs = Ranked::default();
    let mut scratch = Vec::new();
    for s in sets {
        ranks.rank(s, &mut scratch);
        docs.push(s.len(), &scratch);
    }
    match docs.join(threshold, u64::MAX, &|_| {}) {
        Ok((matches, _)) => matches,
        // Unreachable: the limit is u64::MAX.
        Err(_) => Vec::new(),
    }
}

/// Finds every pair of documents in `paths` at or above the threshold.
pub fn join(paths: &[PathBuf], cfg: &ExactConfig, progress: &dyn Progress) -> Result<Join> {
    cfg.validate()?;
    let pool = cfg.pool()?;
    pool.install(|| join_in_pool(paths, cfg, progress))
}

/// Per-thread scratch buffers.
#[derive(Default)]
struct Scratch {
    tokens: Vec<Token>,
    shingler: shingle::Shingler,
    set: Vec<u64>,
}

impl Scratch {
    /// The shingle set of `text`; a huge text is tokenized in pieces.
    fn set(&mut self, text: &str, cfg: &ShingleConfig) -> &[u64] {
        self.shingler.text_set(
            text,
            cfg.kind,
            cfg.size,
            shingle::PIECE_BYTES,
            &mut self.tokens,
            &mut self.set,
        );
        &self.set
    }
}

fn join_in_pool(paths: &[PathBuf], cfg: &ExactConfig, progress: &dyn Progress) -> Result<Join> {
    let start = Instant::now();
    let inputs = Inputs::open(paths, &cfg.input)?;
    let total_bytes: u64 = inputs.total_bytes();

    // 1. Count: every document's distinct shingles, for document frequencies.
    progress.stage("counting", Some(total_bytes));
    let mut all: Vec<u64> = Vec::new();
    let mut documents = 0u64;
    inputs.read(&cfg.input, |batch, raw_bytes| {
        documents += batch.len() as u64;
        let sets: Vec<Vec<u64>> = batch
            .par_iter()
            .map_init(Scratch::default, |s, doc| {
                s.set(&doc.text, &cfg.shingle).to_vec()
            })
            .collect();
        for s in sets {
            all.extend_from_slice(&s);
        }
        progress.advance(0, raw_bytes);
        Ok(())
    })?;
    if documents == 0 {
        progress.finish();
        return Err(Error::Empty(String::new()));
    }
    let distinct_total = all.len();
    let ranks = Ranks::count(all);
    let t_count = start.elapsed().as_secs_f64();

    // 2. Index: the same sets again, as ranks of their shared shingles.
    let t = Instant::now();
    progress.stage("indexing", Some(total_bytes));
    let mut ids: Vec<String> = Vec::new();
    let mut bytes: Vec<u64> = Vec::new();
    let mut docs = Ranked::default();
    let mut summary = ExactSummary::default();
    let skipped = inputs.read(&cfg.input, |batch, raw_bytes| {
        let ranked: Vec<(usize, Vec<u32>)> = batch
            .par_iter()
            .map_init(
                || (Scratch::default(), Vec::new()),
                |(s, out), doc| {
                    let set = s.set(&doc.text, &cfg.shingle);
                    ranks.rank(set, out);
                    (set.len(), out.clone())
                },
            )
            .collect();
        for (doc, (size, tokens)) in batch.into_iter().zip(ranked) {
            summary.bytes += doc.text.len() as u64;
            if size == 0 {
                summary.too_short += 1;
            }
            bytes.push(doc.text.len() as u64);
            ids.push(doc.id);
            docs.push(size, &tokens);
        }
        progress.advance(0, raw_bytes);
        Ok(())
    })?;
    if ids.len() as u64 != documents {
        return Err(Error::Changed("exact join".into()));
    }
    summary.documents = documents;
    summary.shared_shingles = ranks.len() as u64;
    let t_index = t.elapsed().as_secs_f64();

    // 3. Join.
    let t = Instant::now();
    progress.stage("joining", Some(summary.bytes));
    let (matches, candidates) = docs
        .join(cfg.threshold, cfg.max_pairs, &|d| {
            progress.advance(1, bytes[d as usize]);
        })
        .inspect_err(|_| progress.finish())?;
    summary.candidates = candidates;
    summary.distinct_shingles = distinct_count(distinct_total, &docs, &ranks);
    let pairs: Vec<ExactPair> = matches
        .into_iter()
        .map(|m| {
            let o = verify::overlap_counts(
                docs.size(m.a) as usize,
                docs.size(m.b) as usize,
                m.shared as usize,
            );
            ExactPair {
                a: ids[m.a as usize].clone(),
                b: ids[m.b as usize].clone(),
                jaccard: round6(o.jaccard),
                a_in_b: round6(o.a_in_b),
                b_in_a: round6(o.b_in_a),
            }
        })
        .collect();
    summary.pairs = pairs.len() as u64;
    let t_join = t.elapsed().as_secs_f64();
    progress.finish();
    let total = start.elapsed().as_secs_f64();
    Ok(Join {
        params: ExactParams {
            threshold: cfg.threshold,
            shingle: cfg.shingle.size,
            tokens: cfg.shingle.kind,
            method: "exact",
        },
        timings: ExactTimings {
            count: round6(t_count),
            index: round6(t_index),
            join: round6(t_join),
            total: round6(total),
            mb_per_s: round6(summary.bytes as f64 / 1e6 / total.max(1e-9)),
        },
        summary,
        skipped,
        pairs,
    })
}

/// Distinct shingles of the corpus: the shared ones plus every singleton.
/// `occurrences` counts each document's distinct shingles once.
fn distinct_count(occurrences: usize, docs: &Ranked, ranks: &Ranks) -> u64 {
    let shared_occurrences: usize = docs.tokens.len();
    (occurrences - shared_occurrences) as u64 + ranks.len() as u64
}

/// Ranks of the shingles that occur in more than one document, in the global
/// order of the prefix filter: by document frequency, rarest first, ties by
/// fingerprint (so the order is a function of the corpus alone).
struct Ranks {
    of: AHashMap<u64, u32>,
}

impl Ranks {
    /// Counts document frequencies in `all`, the concatenated distinct
    /// shingles of every document.
    fn count(mut all: Vec<u64>) -> Ranks {
        all.par_sort_unstable();
        let mut shared: Vec<(u32, u64)> = Vec::new();
        let mut i = 0;
        while i < all.len() {
            let mut j = i + 1;
            while j < all.len() && all[j] == all[i] {
                j += 1;
            }
            if j - i > 1 {
                shared.push(((j - i).min(u32::MAX as usize) as u32, all[i]));
            }
            i = j;
        }
        drop(all);
        shared.par_sort_unstable();
        let mut of = AHashMap::with_capacity(shared.len());
        for (rank, &(_, fp)) in shared.iter().enumerate() {
            of.insert(fp, rank as u32);
        }
        Ranks { of }
    }

    fn len(&self) -> usize {
        self.of.len()
    }

    /// The ranks of the shared shingles of `set`, ascending, into `out`.
    fn rank(&self, set: &[u64], out: &mut Vec<u32>) {
        out.clear();
        out.extend(set.iter().filter_map(|fp| self.of.get(fp).copied()));
        out.sort_unstable();
    }
}

/// Every document as its set size and the ascending ranks of its shared
/// shingles, stored end to end.
#[derive(Default)]
struct Ranked {
    sizes: Vec<u32>,
    offsets: Vec<usize>,
    tokens: Vec<u32>,
}

/// The smallest integer ≥ `t·n`. Rounding may only make it smaller, which
/// lengthens prefixes and widens length bounds: more candidates, never a
/// missed pair.
fn at_least(t: f64, n: u32) -> u32 {
    let x = t * n as f64 - 1e-9;
    (x.ceil().max(0.0) as u32).min(n)
}

impl Ranked {
    fn push(&mut self, size: usize, tokens: &[u32]) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.sizes.push(size.min(u32::MAX as usize) as u32);
        self.tokens.extend_from_slice(tokens);
        self.offsets.push(self.tokens.len());
    }

    fn len(&self) -> usize {
        self.sizes.len()
    }

    fn size(&self, d: u32) -> u32 {
        self.sizes[d as usize]
    }

    fn tokens(&self, d: u32) -> &[u32] {
        &self.tokens[self.offsets[d as usize]..self.offsets[d as usize + 1]]
    }

    /// The stored (shared) shingles of `d` that lie in its prefix. The
    /// singletons of `d` come first in the global order and fill the
    /// beginning of the prefix.
    fn prefix(&self, d: u32, t: f64) -> &[u32] {
        let size = self.size(d);
        let stored = self.tokens(d);
        let singletons = size as usize - stored.len();
        let prefix = (size - at_least(t, size).max(1) + 1) as usize;
        &stored[..prefix.saturating_sub(singletons).min(stored.len())]
    }

    /// All pairs at or above `t`, sorted, and the number of candidates
    /// verified. `done` is called once per document probed. Stops with
    /// [`Error::TooLarge`] once more than `max_pairs` pairs are found, so
    /// memory stays bounded whatever the input.
    fn join(
        &self,
        t: f64,
        max_pairs: u64,
        done: &(dyn Fn(u32) + Sync),
    ) -> Result<(Vec<Match>, u64)> {
        // Pairs found so far, by all threads; past the limit every
        // remaining document is skipped.
        let found_so_far = AtomicU64::new(0);
        let n = self.len();
        // Processing order: by size, then input position.
        let mut order: Vec<u32> = (0..n as u32).filter(|&d| self.size(d) > 0).collect();
        order.sort_unstable_by_key(|&d| (self.size(d), d));
        let sizes_in_order: Vec<u32> = order.iter().map(|&d| self.size(d)).collect();

        // Inverted index of prefixes: token → positions in `order`,
        // ascending. One offsets array: counts go to `starts[r + 2]`, whose
        // running sums make `starts[r + 1]` the start of list `r`; filling
        // advances it to the end of `r`, so afterwards list `r` is
        // `starts[r]..starts[r + 1]`.
        let vocabulary = self
            .tokens
            .iter()
            .map(|&r| r as usize + 1)
            .max()
            .unwrap_or(0);
        let mut starts = vec![0usize; vocabulary + 2];
        for &d in &order {
            for &r in self.prefix(d, t) {
                starts[r as usize + 2] += 1;
            }
        }
        for i in 2..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut postings = vec![0u32; starts[vocabulary + 1]];
        for (pos, &d) in order.iter().enumerate() {
            for &r in self.prefix(d, t) {
                postings[starts[r as usize + 1]] = pos as u32;
                starts[r as usize + 1] += 1;
            }
        }

        let found: Vec<(Vec<Match>, u64)> = (0..order.len())
            .into_par_iter()
            .map_init(
                || (vec![u32::MAX; order.len()], Vec::new()),
                |(seen, cands), pos| {
                    let x = order[pos];
                    if found_so_far.load(Ordering::Relaxed) > max_pairs {
                        done(x);
                        return (Vec::new(), 0);
                    }
                    let sx = self.size(x);
                    // Length filter: earlier positions hold sizes ≤ sx; keep
                    // those with size ≥ t·sx.
                    let lo = sizes_in_order.partition_point(|&s| s < at_least(t, sx)) as u32;
                    cands.clear();
                    for &r in self.prefix(x, t) {
                        let list = &postings[starts[r as usize]..starts[r as usize + 1]];
                        let from = list.partition_point(|&p| p < lo);
                        for &p in &list[from..] {
                            if p >= pos as u32 {
                                break;
                            }
                            if seen[p as usize] != pos as u32 {
                                seen[p as usize] = pos as u32;
                                cands.push(p);
                            }
                        }
                    }
                    let mut out = Vec::new();
                    let tx = self.tokens(x);
                    for &p in cands.iter() {
                        let y = order[p as usize];
                        let shared = verify::intersection(tx, self.tokens(y));
                        let o = verify::overlap_counts(sx as usize, self.size(y) as usize, shared);
                        if o.jaccard >= t {
                            out.push(Match {
                                a: x.min(y),
                                b: x.max(y),
                                shared: shared as u32,
                            });
                        }
                    }
                    found_so_far.fetch_add(out.len() as u64, Ordering::Relaxed);
                    done(x);
                    (out, cands.len() as u64)
                },
            )
            .collect();
        let total = found_so_far.into_inner();
        if total > max_pairs {
            return Err(Error::TooLarge(format!(
                "more than {max_pairs} pairs reach the threshold {t} (groups of many \
                 near-identical documents: n copies make n(n-1)/2 pairs); remove exact \
                 duplicates first (nearcopy dedup), use nearcopy scan (it lists one link \
                 per member of a large group), raise --threshold, or raise --max-pairs"
            )));
        }
        let candidates = found.iter().map(|f| f.1).sum();
        let mut matches: Vec<Match> = found.into_iter().flat_map(|f| f.0).collect();
        matches.sort_unstable();
        Ok((matches, candidates))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_rounds_up_without_overshooting() {
        assert_eq!(at_least(0.8, 5), 4);
        assert_eq!(at_least(0.8, 6), 5);
        assert_eq!(at_least(1.0, 7), 7);
        assert_eq!(at_least(0.5, 1), 1);
        assert_eq!(at_least(0.3, 10), 3);
    }

    #[test]
    fn singletons_fill_the_prefix() {
        // A set of 10 with 8 singletons: the prefix at 0.8 is 10 - 8 + 1 = 3
        // positions, all singletons; at 0.2 it is 9, one stored rank; at 0.1
        // it is all 10.
        let mut r = Ranked::default();
        r.push(10, &[4, 7]);
        assert_eq!(r.prefix(0, 0.8), &[] as &[u32]);
        assert_eq!(r.prefix(0, 0.5), &[] as &[u32]);
        assert_eq!(r.prefix(0, 0.2), &[4]);
        assert_eq!(r.prefix(0, 0.1), &[4, 7]);
    }

    #[test]
    fn identical_and_disjoint_sets() {
        let sets = vec![vec![1, 2, 3], vec![4, 5], vec![1, 2, 3], vec![]];
        assert_eq!(
            join_sets(&sets, 1.0),
            vec![Match {
                a: 0,
                b: 2,
                shared: 3
            }]
        );
        assert!(join_sets(&[vec![], vec![]], 0.1).is_empty());
    }
}
