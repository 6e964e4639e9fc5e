//! Synthetic corpora with known truth.
//!
//! Recall and precision need an answer key, and real labelled corpora are
//! small. This module writes English-like corpora of any size with
//! near-duplicates and repeated passages planted on purpose, and a truth file
//! that says exactly what was planted:
//!
//! * **Text.** Words are drawn from a generated vocabulary with Zipf
//!   frequencies (exponent 1: the top ranks are real English function words,
//!   the rest pronounceable made-up words, one in a hundred with an accent so
//!   the Unicode path of the tokeniser is exercised), in sentences and
//!   paragraphs with commas, numbers, quotations and a headline. Each
//!   document belongs to one of several *sites*, each with its own header and
//!   footer lines (navigation, copyright) and its own line wrapping.
//! * **Near-duplicates** of earlier documents at a target Jaccard drawn
//!   uniformly from `[min_jaccard, 1)`: word substitutions, insertions and
//!   deletions; reordered paragraphs; truncation; extension with new
//!   paragraphs; sometimes republished on another site. Plus **exact copies**
//!   (the same bytes) and **reformatted copies** (re-wrapped lines, a
//!   capitalised headline: Jaccard 1 after normalisation, different bytes).
//! * **Passages.** Documents that print a block of paragraphs (or their
//!   headline) twice, and documents that received one or two paragraphs
//!   copied from another document.
//!
//! The truth records, for every planted pair and every other pair of related
//! documents at Jaccard ≥ [`COMPLETE_FROM`], the exact Jaccard of their
//! shingle sets computed with the library's own tokeniser and shingler (so it
//! is the number `scan` computes), and the byte ranges of every occurrence of
//! every planted passage, including those inherited by copies. Unrelated
//! documents share only site boilerplate, which keeps their Jaccard well
//! under [`COMPLETE_FROM`] (a test checks this with the exact join).
//!
//! **Determinism.** Everything is a pure function of the seed and the
//! document number: each document draws from its own streams of a SplitMix64
//! generator seeded by XXH3 of `(seed, document, purpose)`, and no
//! floating-point function outside IEEE basic arithmetic is used (no `powf`,
//! `exp`, `ln`, whose last bits vary between platforms). So any document can
//! be regenerated on its own, which is how a near-duplicate finds the text of
//! its source far earlier in the corpus, and the output is byte-identical at
//! any thread count: documents are made in chunks of [`CHUNK`] in parallel
//! and written in order.
//!
//! **Truth cost.** After writing, documents linked by a planted relation are
//! grouped (union-find), each group is regenerated and shingled, and its
//! pairs are found with the exact join ([`crate::exact::join_sets`]); groups
//! stay small at the default rates.

mod generator;
mod random;
mod vocab;

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::progress::Progress;

use generator::Chunk;
pub use generator::{Generator, SynthDoc};
pub use random::Rng;

/// Documents generated together (and with the same per-chunk work split);
/// fixed, so output never depends on the thread count.
pub const CHUNK: usize = 1024;

/// Every pair of related documents with Jaccard at or above this is in the
/// truth (planted pairs are there whatever their Jaccard).
pub const COMPLETE_FROM: f64 = 0.2;

/// Version of the generator; bumped whenever the same seed would give
/// different bytes.
pub const VERSION: u32 = 1;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Number of documents.
    pub docs: usize,
    /// Seed: the same seed and options give the same bytes.
    pub seed: u64,
    /// Number of sites (sources), each with its own boilerplate.
    pub sites: usize,
    /// Size of the generated vocabulary.
    pub vocabulary: usize,
    /// Mean number of words in a document body (headline and boilerplate
    /// not counted); about 6.5 bytes per word.
    pub words: usize,
    /// Share of documents that are near-duplicates of an earlier one.
    pub near: f64,
    /// Share of documents that are exact (two thirds) or reformatted (one
    /// third) copies of an earlier one.
    pub exact: f64,
    /// Share of documents that print a block of paragraphs, or the
    /// headline, twice.
    pub doubled: f64,
    /// Share of documents that received paragraphs copied from another.
    pub passages: f64,
    /// Lowest target Jaccard of a near-duplicate (targets are uniform in
    /// `[min_jaccard, 1)`).
    pub min_jaccard: f64,
    /// Words per shingle of the Jaccard figures in the truth.
    pub shingle: usize,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
}

impl Default for SynthConfig {
    fn default() -> SynthConfig {
        SynthConfig {
            docs: 10_000,
            seed: 0,
            sites: 8,
            vocabulary: 30_000,
            words: 700,
            near: 0.15,
            exact: 0.04,
            doubled: 0.05,
            passages: 0.05,
            min_jaccard: 0.3,
            shingle: 5,
            threads: 0,
        }
    }
}

impl SynthConfig {
    /// Checks every value, with a message that says what to change.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Config(m));
        if self.docs == 0 || self.docs >= u32::MAX as usize {
            return bad(format!(
                "--docs must be 1 to {}, got {}",
                u32::MAX - 1,
                self.docs
            ));
        }
        if self.sites == 0 || self.sites > 1000 {
            return bad(format!("--sites must be 1 to 1000, got {}", self.sites));
        }
        if self.vocabulary < 1000 || self.vocabulary > 1_000_000 {
            return bad(format!(
                "--vocabulary must be 1000 to 1000000, got {}",
                self.vocabulary
            ));
        }
        // Shorter bodies would let two unrelated documents of one site share
        // enough boilerplate to look related.
        if self.words < 100 || self.words > 100_000 {
            return bad(format!("--words must be 100 to 100000, got {}", self.words));
        }
        for (name, v) in [
            ("--near", self.near),
            ("--exact", self.exact),
            ("--doubled", self.doubled),
            ("--passages", self.passages),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(format!("{name} must be a share in [0, 1], got {v}"));
            }
        }
        // Above this, planted links chain most documents into one group whose
        // truth is slow to compute.
        if self.near + self.exact + self.passages > 0.6 + 1e-9 {
            return bad(format!(
                "--near + --exact + --passages must be at most 0.6, got {}",
                self.near + self.exact + self.passages
            ));
        }
        if !(0.05..1.0).contains(&self.min_jaccard) {
            return bad(format!(
                "--min-jaccard must be in [0.05, 1), got {}",
                self.min_jaccard
            ));
        }
        if self.shingle == 0 || self.shingle > 64 {
            return bad(format!("--shingle must be 1 to 64, got {}", self.shingle));
        }
        Ok(())
    }

    /// A rayon pool of the configured size, owned by the run.
    pub fn pool(&self) -> Result<rayon::ThreadPool> {
        crate::config::pool(self.threads)
    }

    /// Shortest body in words.
    fn body_min(&self) -> usize {
        (self.words / 4).max(100)
    }
}
/// What `synth` wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SynthSummary {
    /// Documents written.
    pub documents: u64,
    /// Bytes of text (not counting JSON syntax or compression).
    pub bytes: u64,
    /// Original documents.
    pub originals: u64,
    /// Near-duplicates.
    pub near: u64,
    /// Exact copies.
    pub exact: u64,
    /// Reformatted copies.
    pub reformat: u64,
    /// Documents with a doubled block or headline.
    pub doubled: u64,
    /// Documents that received copied paragraphs.
    pub received: u64,
    /// Pairs in the truth, when written.
    pub truth_pairs: Option<u64>,
    /// Passages in the truth, when written.
    pub truth_passages: Option<u64>,
    /// Seconds spent writing the corpus.
    pub generate_seconds: f64,
    /// Seconds spent computing and writing the truth.
    pub truth_seconds: Option<f64>,
    /// Seconds in all.
    pub seconds: f64,
    /// Text gigabytes (10^9 bytes) per minute over the whole run.
    pub gb_per_minute: f64,
}

impl SynthSummary {
    fn add(&mut self, c: &Chunk) {
        self.documents += c.lens.len() as u64;
        self.bytes += c.bytes;
        self.originals += c.originals;
        self.near += c.near;
        self.exact += c.exact;
        self.reformat += c.reformat;
        self.doubled += c.doubled;
        self.received += c.received;
    }
}

/// Writes a synthetic corpus to `corpus` and, if given, its truth to
/// `truth`; both atomically, compressed by extension.
pub fn generate(
    cfg: &SynthConfig,
    corpus: &Path,
    truth: Option<&Path>,
    progress: &dyn Progress,
) -> Result<SynthSummary> {
    Generator::new(cfg)?.write(corpus, truth, progress)
}
