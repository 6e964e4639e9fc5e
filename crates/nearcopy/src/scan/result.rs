//! What a scan returns: the documents, the near-duplicate groups with their
//! pairs, the passages, and the parameters, counts and timings reported.

use std::sync::Arc;

use serde::Serialize;

use crate::config::{ScanConfig, Verify};
use crate::document::Origin;
use crate::figures::round6;
use crate::input::Skipped;
use crate::sketch::Sketch;
use crate::text;

/// The parameters of a run, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct ScanParams {
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
    pub passages: Option<crate::passages::PassageParams>,
}

impl ScanParams {
    /// The reported parameters of `cfg`.
    pub fn new(cfg: &ScanConfig) -> ScanParams {
        let b = cfg.banding();
        let p = b.probability(cfg.threshold);
        ScanParams {
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
pub struct ScanSummary {
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
    pub passages: Option<crate::passages::PassageSummary>,
}

/// Wall-clock seconds per stage; the only part of a report that may differ
/// between two runs of the same input.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanTimings {
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
    pub passages: Option<crate::passages::PassageTimings>,
}

/// The result of a scan.
#[derive(Debug, Clone, Serialize)]
pub struct Scan {
    /// Parameters.
    pub params: ScanParams,
    /// Every document read, in input order.
    pub documents: Vec<DocInfo>,
    /// Near-duplicate groups, by their first member.
    pub clusters: Vec<Cluster>,
    /// Repeated passages (empty with passages disabled): within, across,
    /// boilerplate; most words first.
    pub passages: Vec<crate::passages::PassageGroup>,
    /// Counts.
    pub summary: ScanSummary,
    /// What was skipped while reading.
    pub skipped: Skipped,
    /// Stage timings.
    pub timings: ScanTimings,
    /// Matches against a persistent index (`scan --index`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<crate::index::IndexReport>,
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
