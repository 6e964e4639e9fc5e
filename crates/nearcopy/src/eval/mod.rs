//! Scoring a result against known truth.
//!
//! A result is the JSON of `nearcopy scan` (its `clusters[].pairs`,
//! `clusters[].members` and, when present, `passages`) or of
//! `nearcopy exact` (top-level `pairs`). The truth is one of
//!
//! * the truth file of `nearcopy synth` (pairs with exact Jaccard, planted
//!   passages with byte ranges, site boilerplate lengths);
//! * the JSON of `nearcopy exact`, the true answer on any corpus at and above
//!   its threshold, so the recall of MinHash/LSH can be measured on corpora
//!   without labels;
//! * a tab-separated file with a header naming at least the columns `a`, `b`
//!   and `jaccard`, as in `../shared/evaldata`.
//!
//! Measures, at the result's threshold `t` (truth pairs with Jaccard ≥ `t`
//! are the positives):
//!
//! * **pairs**: precision, recall and F1 of the reported pairs;
//! * **recall by Jaccard bin** of the true pair, `[0.3, 0.4)` … `[0.9, 1.0)`
//!   and `1.0`, which shows where a sampling method loses pairs (just above
//!   the threshold);
//! * **clusters**: the adjusted Rand index (Hubert and Arabie 1985) between
//!   the reported groups and the connected components of the positives, over
//!   all documents (singletons included);
//! * **passages** (when both sides have them), by byte overlap: a planted
//!   occurrence is found when at least half of its bytes are covered by
//!   reported occurrences in the same document; a reported occurrence is
//!   explained when at least half of its bytes lie in a planted occurrence
//!   or in its site's boilerplate, or when the same reported passage also
//!   occurs in another document related to it by the truth (near-duplicates
//!   share their text). Byte-weighted figures are given as well.

mod read;
mod score;

use std::path::Path;

use serde::Serialize;

use crate::error::Result;
use crate::progress::Progress;
use crate::truth::SiteInfo;

pub use read::{read_result, read_truth};
pub use score::{
    adjusted_rand, evaluate, Bin, ClusterScores, Evaluation, ExamplePair, ExplainedBytes,
    KindRecall, PairScores, PassageScores, TruthInfo,
};

/// Options of an evaluation.
#[derive(Debug, Clone)]
pub struct EvalConfig {
    /// Jaccard threshold; by default the result's `params.threshold`.
    pub threshold: Option<f64>,
    /// Share of an occurrence's bytes that must be covered for it to count
    /// as found (or explained).
    pub min_cover: f64,
}

impl Default for EvalConfig {
    fn default() -> EvalConfig {
        EvalConfig {
            threshold: None,
            min_cover: 0.5,
        }
    }
}

/// Where the truth came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TruthKind {
    /// A `nearcopy synth` truth file.
    Synth,
    /// A JSON list of pairs (such as `nearcopy exact` output).
    Json,
    /// A tab-separated file of pairs.
    Tsv,
}

/// A pair of documents with its Jaccard similarity.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownPair {
    /// One document.
    pub a: String,
    /// The other.
    pub b: String,
    /// Jaccard similarity, when known.
    pub jaccard: Option<f64>,
}

/// One occurrence of a passage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Document id.
    pub doc: String,
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end (exclusive).
    pub end: usize,
}

/// A passage: a kind and its occurrences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// Its kind, as the file says (`double`, `copy`, …).
    pub kind: String,
    /// Where it occurs.
    pub occurrences: Vec<Occurrence>,
}

/// The known answer.
#[derive(Debug, Clone)]
pub struct Truth {
    /// What kind of file it was.
    pub kind: TruthKind,
    /// Words per shingle of its Jaccard figures, when stated.
    pub shingle: Option<usize>,
    /// Every pair at or above this Jaccard is listed, when stated.
    pub complete_from: Option<f64>,
    /// The pairs (each with a Jaccard).
    pub pairs: Vec<KnownPair>,
    /// Planted passages, when the truth has them.
    pub passages: Option<Vec<Passage>>,
    /// Sites and their boilerplate lengths.
    pub sites: Vec<SiteInfo>,
}

/// A document of a result.
#[derive(Debug, Clone)]
pub struct FoundDoc {
    /// Id.
    pub id: String,
    /// Source (site), if given.
    pub source: Option<String>,
    /// Bytes of text, if given.
    pub bytes: Option<u64>,
}

/// What a tool reported.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// The threshold it ran at (`params.threshold`).
    pub threshold: Option<f64>,
    /// Words per shingle (`params.shingle`).
    pub shingle: Option<usize>,
    /// Its documents, when listed.
    pub documents: Vec<FoundDoc>,
    /// Its document count (`summary.documents`), when given.
    pub document_count: Option<u64>,
    /// Every reported pair.
    pub pairs: Vec<KnownPair>,
    /// Its groups, when it reports groups.
    pub clusters: Option<Vec<Vec<String>>>,
    /// Its passages, when it reports passages.
    pub passages: Option<Vec<Passage>>,
}
/// Reads both files and scores them.
pub fn run(
    truth: &Path,
    result: &Path,
    cfg: &EvalConfig,
    progress: &dyn Progress,
) -> Result<Evaluation> {
    let t = read_truth(truth, progress)?;
    let f = read_result(result, progress)?;
    let e = evaluate(&t, &f, cfg);
    progress.finish();
    e
}
