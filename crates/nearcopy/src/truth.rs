//! The truth file of a synthetic corpus: what `nearcopy synth` planted,
//! as `synth` writes it and `eval` reads it.

use serde::{Deserialize, Serialize};

/// The truth file of a synthetic corpus.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Truth {
    /// How the corpus was made.
    pub params: TruthParams,
    /// The sites, with the byte lengths of their boilerplate: every document
    /// of a site starts with its header and ends with its footer.
    pub sites: Vec<SiteInfo>,
    /// Counts.
    pub summary: TruthSummary,
    /// Planted pairs and every other related pair at Jaccard ≥
    /// `params.complete_from`, by (a, b) in corpus order.
    pub pairs: Vec<TruthPair>,
    /// Planted passages, by first occurrence.
    pub passages: Vec<TruthPassage>,
}

/// Parameters of a synthetic corpus.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthParams {
    /// `"nearcopy synth"`.
    pub generator: String,
    /// Generator version ([`crate::synth::VERSION`]).
    pub version: u32,
    /// Documents.
    pub docs: u64,
    /// Seed.
    pub seed: u64,
    /// Sites.
    pub sites: u64,
    /// Vocabulary size.
    pub vocabulary: u64,
    /// Mean body words.
    pub words: u64,
    /// Share of near-duplicates.
    pub near: f64,
    /// Share of exact and reformatted copies.
    pub exact: f64,
    /// Share of documents with a doubled block.
    pub doubled: f64,
    /// Share of documents with received paragraphs.
    pub passages: f64,
    /// Lowest target Jaccard.
    pub min_jaccard: f64,
    /// Words per shingle of every Jaccard figure.
    pub shingle: u64,
    /// `"words"`: Unicode words, NFKC and lowercase, as `scan` tokenises.
    pub tokens: String,
    /// Every pair with Jaccard at or above this is listed.
    pub complete_from: f64,
}

/// A site and its boilerplate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteInfo {
    /// The site's name (the documents' `source`).
    pub name: String,
    /// Documents of the site.
    pub documents: u64,
    /// Bytes of the header every document of the site starts with.
    pub header_bytes: u64,
    /// Bytes of the footer every document of the site ends with.
    pub footer_bytes: u64,
}

/// Counts of a synthetic corpus.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TruthSummary {
    /// Documents.
    pub documents: u64,
    /// Originals.
    pub originals: u64,
    /// Near-duplicates.
    pub near: u64,
    /// Exact copies.
    pub exact: u64,
    /// Reformatted copies.
    pub reformat: u64,
    /// Documents with a doubled block or headline.
    pub doubled: u64,
    /// Documents with received paragraphs.
    pub received: u64,
    /// Pairs listed.
    pub pairs: u64,
    /// Passages listed.
    pub passages: u64,
}

/// A pair of documents and the exact Jaccard of their shingle sets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthPair {
    /// The earlier document.
    pub a: String,
    /// The later document.
    pub b: String,
    /// `shared / union`, rounded to 6 decimals.
    pub jaccard: f64,
    /// Shingles in both.
    pub shared: u64,
    /// Shingles in either.
    pub union: u64,
    /// Share of a's shingles in b.
    pub a_in_b: f64,
    /// Share of b's shingles in a.
    pub b_in_a: f64,
    /// How b was made from a: `exact`, `reformat`, `edit`, `reorder`,
    /// `truncate`, `extend`, `passage` (b received paragraphs of a, or the
    /// reverse); `related` for pairs related only through others (two
    /// near-duplicates of one original).
    pub kind: String,
    /// The target Jaccard of a near-duplicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
}

/// A planted passage and where it occurs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthPassage {
    /// `double` (printed twice in one document) or `copy` (paragraphs copied
    /// from one document into another).
    pub kind: String,
    /// Words in the shortest occurrence.
    pub words: u64,
    /// Occurrences, by document and offset.
    pub occurrences: Vec<TruthOccurrence>,
}

/// One occurrence of a passage: from the first character of its first word
/// to the end of its last word.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthOccurrence {
    /// Document id.
    pub doc: String,
    /// Byte offset of the start.
    pub start: u64,
    /// Byte offset of the end (exclusive).
    pub end: u64,
    /// 1-based line of the start.
    pub line_start: u64,
    /// 1-based line of the end.
    pub line_end: u64,
}
