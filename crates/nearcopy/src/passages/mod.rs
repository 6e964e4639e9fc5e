//! Repeated passages: text repeated inside one document or across documents,
//! with the exact byte range and lines of every copy.
//!
//! Three kinds of findings, all reported as *passage groups* (one distinct
//! text and every place it occurs):
//!
//! * **Exact repeats.** Every run of at least `min_words` tokens (default 8
//!   words, 16 characters with `--char-ngrams`) that occurs more than once,
//!   extended to its maximal length: a group is a *maximal repeat*, a token
//!   sequence that cannot be extended to the left or right in all its places
//!   at once. Copies of the same article block are one group with
//!   one place per copy; a shorter phrase that also occurs elsewhere is its
//!   own group with its own places.
//! * **Edited repeats.** Paragraphs of at least `min_words` tokens that are
//!   near-identical (Jaccard of 3-word shingles ≥ `passage_threshold`, default
//!   0.5) but not identical, found by MinHash and LSH and verified exactly;
//!   consecutive matching paragraphs form one block.
//! * **Lines.** Whole lines shorter than `min_words` but of at least three
//!   tokens, printed twice in one document (a doubled headline) or found in
//!   `boilerplate_docs` documents ("Leave a Reply", "Exit mobile version").
//!   Shorter lines are left out: in hard-wrapped text a line of one or two
//!   words is as often a sentence's tail ("the", "of the") as a phrase.
//! * **Boilerplate.** Any group found in at least `boilerplate_docs`
//!   documents (default 10).
//!
//! Told the near-duplicate groups of a `scan` ([`Families`],
//! [`find_in_known`]), the search leaves out what only the members of
//! one group share: it is why they are a group. What they share with other
//! documents, and what one of them repeats inside itself, is still found,
//! with its places in every member.
//!
//! A group in one document is `within`, in two or more `across`, in
//! `boilerplate_docs` or more `boilerplate`. Offsets are half-open byte
//! ranges into the original text, from the first character of the first
//! token to the end of the last token; lines are 1-based.
//!
//! ## The guarantee
//!
//! Every repeated run of `min_words` or more tokens is found, whatever its
//! length, in full (both ends exact): nothing is sampled. Tokens are equal
//! when their normalised forms (NFKC, lowercase) are, so case and Unicode
//! compatibility forms do not break a repeat, while punctuation and white
//! space are ignored. The only possible error is a collision of 64-bit
//! fingerprints. Edited paragraphs are found with probability at least
//! 0.99 at the passage threshold (the LSH shape is chosen for that) and
//! every reported pair is verified exactly.
//!
//! ## How: three reads, memory for what repeats
//!
//! Keeping every `m`-gram's positions for a whole corpus would take tens of
//! bytes per word. Instead ([`find`]):
//!
//! 1. **Count.** Every `m`-gram fingerprint, every paragraph band key and
//!    every short line is counted in a fixed-size two-level Bloom filter
//!    ([`filter`]) that says, afterwards, "seen at least twice" — never
//!    wrongly "once". Its size is about half the input size by default,
//!    at most 8 GiB (`filter_bytes`). Told the near-duplicate families,
//!    the count takes what a family shares once for the whole family
//!    (`firsts.rs`), so it never passes the filter.
//! 2. **Extract.** A second read, asking only the filter's second level
//!    (kept alone: half its size), keeps only what the filter calls
//!    repeated: the runs of repeated `m`-gram fingerprints (8 bytes a position), the
//!    paragraphs with a repeated band key and the repeated short lines
//!    (band keys only for the first of identical paragraphs: its copies
//!    are paired through it; past 48 MiB the keys go to a temporary file,
//!    spread over parts that are paired one at a time: `keys.rs`).
//!    Sorting the kept fingerprints removes the filter's false repeats;
//!    what remains, with each stretch that is always copied whole
//!    shortened to one symbol (`chains.rs`), is suffix-sorted for the
//!    maximal repeats (`exact.rs`; built by libsais, or with four threads
//!    or more by
//!    parallel prefix doubling, `doubling.rs`, which keeps its groups as
//!    two bits an entry).
//! 3. **Locate and verify.** A third read, of the documents involved only,
//!    turns token positions into byte offsets, lines and previews, and
//!    computes exact Jaccard for candidate paragraph pairs. The preview of
//!    an edited group (its first paragraph) is known only once the pairs
//!    are verified: a last, small read of the documents that hold one
//!    takes it.
//!
//! So memory is the filter plus about 30 bytes per repeated token (kept
//! fingerprints and the suffix array), plus a few dozen bytes per candidate
//! paragraph, whatever the size of the corpus. Standard input is spooled to a
//! temporary file so it can be read three times.
//!
//! [`within_document`] does the same for a single text in memory, for
//! callers that process documents one at a time (removing repeated
//! paragraphs from a kept document).

mod analysis;
pub(crate) mod assemble;
mod chains;
mod corpus;
mod count;
mod doubling;
pub(crate) mod edited;
pub(crate) mod exact;
mod extract;
mod families;
pub mod filter;
mod firsts;
mod keys;
mod locate;
mod tagged;
#[cfg(test)]
mod testing;
pub(crate) mod units;
mod within;

use serde::Serialize;

pub use crate::config::PassageConfig;
pub use corpus::{
    find, find_in, find_in_known, Known, PassageParams, PassageSummary, PassageTimings, Passages,
};
pub use families::Families;
pub use within::{later_copies, within_document, Repeat, RepeatFinder};

use assemble::{Found, Place};
use edited::{Para, Verified};

/// Where a passage group was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Every place is in one document.
    Within,
    /// Places in two or more documents.
    Across,
    /// Places in at least `boilerplate_docs` documents.
    Boilerplate,
}

impl Kind {
    /// The label used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Within => "within",
            Kind::Across => "across",
            Kind::Boilerplate => "boilerplate",
        }
    }
}

/// How the places of a group match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    /// The same token sequence (a maximal repeat).
    Exact,
    /// Near-identical paragraphs (similarity below 1 or reordered words).
    Edited,
    /// The same whole short line.
    Line,
}

/// One place of a passage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Occurrence {
    /// Document id.
    pub doc: String,
    /// Byte offset of the first character of the first word.
    pub start: u64,
    /// Byte offset just past the last word.
    pub end: u64,
    /// 1-based line of `start`.
    pub line_start: u64,
    /// 1-based line of the last byte.
    pub line_end: u64,
    /// Tokens in this copy (edited copies differ in length).
    pub words: u64,
    /// Document number (input order).
    #[serde(skip)]
    pub doc_index: u32,
}

/// A passage and every place it occurs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassageGroup {
    /// `within`, `across` or `boilerplate`.
    pub kind: Kind,
    /// Tokens in the first copy.
    pub words: u64,
    /// A preview of the first copy.
    pub text: String,
    /// 1 for exact repeats; for edited copies the lowest Jaccard similarity
    /// of the shingle sets of two linked copies.
    pub similarity: f64,
    /// Number of distinct documents.
    pub documents: u64,
    /// `exact`, `edited` or `line`.
    #[serde(rename = "match")]
    pub matched: Match,
    /// Every place, by document (input order) and offset.
    pub occurrences: Vec<Occurrence>,
}

/// Bytes of text kept as the preview of a passage.
pub const PREVIEW_BYTES: usize = 200;

/// Exact Jaccard of two sorted shingle sets, kept when it reaches
/// `threshold`.
fn verify_pair(a: u32, b: u32, sa: &[u64], sb: &[u64], threshold: f64) -> Option<Verified> {
    let inter = crate::verify::intersection(sa, sb) as u64;
    let union = sa.len() as u64 + sb.len() as u64 - inter;
    (union > 0 && inter as f64 / union as f64 >= threshold).then_some(Verified {
        a,
        b,
        inter,
        union,
    })
}

/// An edited group as a finding, in token ranges. `paras` is in (doc,
/// index) order and holds every paragraph a group can name.
fn edited_found(g: &edited::EditedGroup, paras: &[Para]) -> Found {
    let at = |doc: u32, index: u32| -> &Para {
        let k = paras.partition_point(|p| (p.doc, p.index) < (doc, index));
        &paras[k.min(paras.len() - 1)]
    };
    Found {
        matched: Match::Edited,
        similarity: g.similarity,
        places: g
            .places
            .iter()
            .map(|&(doc, i1, i2)| Place {
                doc,
                start: at(doc, i1).tokens.start,
                end: at(doc, i2).tokens.end,
            })
            .collect(),
        kind: Kind::Within,
    }
}
