//! `nearcopy scan`: near-duplicate documents, then repeated passages.
//!
//! 1. **Sign** (`sign.rs`, one streaming read, parallel per batch):
//!    tokenise, shingle, fingerprint, sketch, band keys; exact copies of an
//!    earlier document skip LSH.
//! 2. **Candidates**: LSH banding ([`crate::lsh`]).
//! 3. **Verify** (`verify.rs`): exact Jaccard by a second read of the
//!    candidate documents only, or the sketches' estimate.
//! 4. **Cluster** (`clusters.rs`): union-find over the verified pairs and the
//!    exact groups.
//! 5. **Passages** (unless disabled): [`crate::passages::find_in_known`] on
//!    the same inputs, told the groups; three more reads.
//!
//! Every step orders its results by document number (input order), so the
//! output is the same whatever the thread count.

mod clusters;
mod result;
mod share;
mod sign;
mod verify;

use std::time::Instant;

use crate::config::{ScanConfig, ShingleConfig, Verify};
use crate::error::Result;
use crate::figures::round6;
use crate::input::{Corpus, Inputs};
use crate::lsh;
use crate::passages::{Families, Known, Passages};
use crate::progress::Progress;

pub use result::{Cluster, DocInfo, Pair, Scan, ScanParams, ScanSummary, ScanTimings};
pub use share::serve;
pub(crate) use sign::{shingle_set, with_fingerprints, Sketches};
pub use verify::pair_jaccards;

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

/// Finds near-duplicate documents in `corpus` (paths, or texts in memory).
pub fn scan<'a>(
    corpus: impl Into<Corpus<'a>>,
    cfg: &ScanConfig,
    progress: &dyn Progress,
) -> Result<Scan> {
    cfg.run_on(corpus.into(), |inputs| scan_inputs(inputs, cfg, progress))
}

/// The passage search of `nearcopy passages`: [`crate::passages::find`]
/// told the near-duplicate groups of more than
/// [`crate::cluster::LARGE_GROUP`] documents, found first by one
/// document-level read (the sketches' estimate decides; nothing is read
/// twice for it). Each such group takes part through its first member, as
/// in [`scan`]: the stretches between the edits of thousands of near-copies
/// of one page would otherwise each be a passage with a place in most
/// copies, a cost that grows with the square of the group. Smaller groups,
/// and every document outside a large group, take part in full, so on a
/// corpus without such groups the result is that of
/// [`crate::passages::find`].
pub fn passages<'a>(
    corpus: impl Into<Corpus<'a>>,
    cfg: &ScanConfig,
    progress: &dyn Progress,
) -> Result<Passages> {
    cfg.passages.validate()?;
    cfg.run_on(corpus.into(), |inputs| {
        let start = Instant::now();
        // As in `scan_inputs`: a document-level read comes first.
        crate::memory::enter(crate::memory::Phase::Reading);
        let groups = large_groups(inputs, cfg, progress)?;
        let t_groups = start.elapsed().as_secs_f64();
        let mut found = crate::passages::find_in_known(inputs, cfg, &groups, progress)?;
        let t = &mut found.timings;
        t.groups = Some(round6(t_groups));
        t.total = round6(t.total + t_groups);
        t.mb_per_s = round6(found.summary.bytes as f64 / 1e6 / t.total.max(1e-9));
        Ok(found)
    })
}

/// The near-duplicate groups of more than [`crate::cluster::LARGE_GROUP`]
/// documents, and the text bytes of the corpus, by one read that signs
/// every document with `cfg`'s options (words or characters as the passage
/// search counts them) and verifies by the sketches' estimate.
fn large_groups(inputs: &Inputs, cfg: &ScanConfig, progress: &dyn Progress) -> Result<Known> {
    let mut doc_cfg = cfg.clone();
    doc_cfg.verify = Verify::Estimate;
    doc_cfg.passages.enabled = false;
    if cfg.passages.tokens != cfg.shingle.kind {
        doc_cfg.shingle = ShingleConfig {
            kind: cfg.passages.tokens,
            ..ShingleConfig::default()
        };
    }
    let docs = scan_inputs(inputs, &doc_cfg, progress)?;
    let large = docs
        .clusters
        .iter()
        .filter(|c| c.member_indices.len() > crate::cluster::LARGE_GROUP)
        .map(|c| c.member_indices.as_slice());
    Ok(Known {
        families: Families::new(docs.documents.len(), large),
        text_bytes: Some(docs.summary.bytes),
    })
}

/// [`scan`] of inputs already opened, for jobs that read them again
/// afterwards (standard input is spooled once, in [`Inputs::open`]). Runs on
/// the current rayon pool: call it inside the caller's `pool.install`.
/// Stops with [`crate::Error::Interrupted`] between batches once
/// [`Progress::cancelled`] says so.
pub fn scan_inputs(inputs: &Inputs, cfg: &ScanConfig, progress: &dyn Progress) -> Result<Scan> {
    if cfg.passages.enabled {
        // The document-level reads free and take again their batch
        // buffers as the passage search's reads do; the search gives back
        // what they kept before it starts.
        crate::memory::enter(crate::memory::Phase::Reading);
    }
    let mut scan = scan_documents(inputs, cfg, progress)?;
    add_passages(&mut scan, inputs, cfg, progress)?;
    Ok(scan)
}

/// The passage search of a scan (when `cfg` enables it), told the
/// near-duplicate groups `scan` found, added to it.
pub(crate) fn add_passages(
    scan: &mut Scan,
    inputs: &Inputs,
    cfg: &ScanConfig,
    progress: &dyn Progress,
) -> Result<()> {
    if !cfg.passages.enabled {
        return Ok(());
    }
    let known = crate::passages::Known {
        families: crate::passages::Families::new(
            scan.documents.len(),
            scan.clusters.iter().map(|c| c.member_indices.as_slice()),
        ),
        text_bytes: Some(scan.summary.bytes),
    };
    let found = crate::passages::find_in_known(inputs, cfg, &known, progress)?;
    scan.params.passages = Some(found.params);
    scan.summary.passages = Some(found.summary);
    let t = &mut scan.timings;
    t.total = round6(t.total + found.timings.total);
    t.mb_per_s = round6(scan.summary.bytes as f64 / 1e6 / t.total.max(1e-9));
    t.passages = Some(found.timings);
    scan.passages = found.passages;
    Ok(())
}

/// The document-level part of [`scan_inputs`] (no passages: see
/// [`add_passages`]), also returning the sketches of the documents that
/// went to LSH, for the jobs that go on with them (the index).
pub(crate) fn scan_sketched(
    inputs: &Inputs,
    cfg: &ScanConfig,
    progress: &dyn Progress,
) -> Result<(Scan, Sketches)> {
    document_level(inputs, cfg, true, progress)
}

/// The document-level part of [`scan_inputs`], keeping no signature past
/// the step that needs it ([`sign::Signing::sigs`]).
pub(crate) fn scan_documents(
    inputs: &Inputs,
    cfg: &ScanConfig,
    progress: &dyn Progress,
) -> Result<Scan> {
    document_level(inputs, cfg, false, progress).map(|(scan, _)| scan)
}

/// [`scan_sketched`]; the sketches hold signatures only if
/// `keep_signatures` (else their `sigs` has no rows).
fn document_level(
    inputs: &Inputs,
    cfg: &ScanConfig,
    keep_signatures: bool,
    progress: &dyn Progress,
) -> Result<(Scan, Sketches)> {
    let start = Instant::now();

    // 1. Sign.
    progress.stage("signing", Some(inputs.total_bytes()));
    let signing = sign::sign(inputs, cfg, keep_signatures, progress)?;
    if signing.documents.is_empty() {
        progress.finish();
        return Err(signing.skipped.empty_input());
    }
    let t_sign = start.elapsed().as_secs_f64();

    // 2. Candidates.
    let t = Instant::now();
    let candidates = lsh::candidates(
        |slot, band| signing.keys.row(slot)[band],
        &signing.lsh_docs,
        cfg.banding().bands,
    );
    let t_candidates = t.elapsed().as_secs_f64();

    // 3. Verify.
    let t = Instant::now();
    let verified = verify::verify(inputs, cfg, &signing, &candidates, progress)?;
    let t_verify = t.elapsed().as_secs_f64();
    let sign::Signing {
        documents,
        sigs,
        keys,
        lsh_docs,
        contents,
        exact_groups,
        mut summary,
        skipped,
    } = signing;
    let sketches = Sketches {
        lsh_docs,
        sigs: sigs.unwrap_or_else(|| sign::Rows::new(cfg.perms)),
        keys,
        contents,
    };
    summary.candidate_pairs = candidates.len() as u64;
    summary.verified_pairs = verified.len() as u64;

    // 4. Cluster.
    let clusters = clusters::build_clusters(&documents, &exact_groups, &verified);
    summary.clusters = clusters.len() as u64;
    summary.documents_in_clusters = clusters.iter().map(|c| c.members.len() as u64).sum();
    progress.finish();

    let params = ScanParams::new(cfg);
    let total = start.elapsed().as_secs_f64();
    let scan = Scan {
        params,
        documents,
        clusters,
        passages: Vec::new(),
        timings: ScanTimings {
            sign: round6(t_sign),
            candidates: round6(t_candidates),
            verify: round6(t_verify),
            total: round6(total),
            mb_per_s: round6(summary.bytes as f64 / 1e6 / total.max(1e-9)),
            passages: None,
        },
        summary,
        skipped,
        index: None,
    };
    Ok((scan, sketches))
}
