//! Typed configuration with defaults and validation.
//!
//! Each stage takes one small struct; the CLI fills them from flags and calls
//! [`ScanConfig::validate`] once, so a bad value is reported before any input
//! is read.

use crate::error::{Error, Result};
use crate::input::{Corpus, InputConfig, Inputs};
use crate::lsh::{Banding, Weights};
use crate::text::TokenKind;

/// How documents are cut into shingles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShingleConfig {
    /// Words (default) or characters.
    pub kind: TokenKind,
    /// Tokens per shingle: 5 words by default.
    pub size: usize,
}

impl Default for ShingleConfig {
    fn default() -> ShingleConfig {
        ShingleConfig {
            kind: TokenKind::Words,
            size: 5,
        }
    }
}

/// How candidate pairs are confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verify {
    /// Exact Jaccard on the shingle sets (a second read of the input for the
    /// candidate documents only).
    #[default]
    Exact,
    /// The MinHash estimate alone: one read, about 1 KiB of memory per document.
    Estimate,
}

/// Repeated passages: exact runs, edited paragraphs and boilerplate
/// (see [`crate::passages`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PassageConfig {
    /// Whether `scan` looks for passages at all ([`crate::passages::find`]
    /// always does).
    pub enabled: bool,
    /// Words, or characters (with `--char-ngrams`); every length below is
    /// counted in these tokens.
    pub tokens: TokenKind,
    /// Shortest exact repeat reported, in tokens. Every repeated run at
    /// least this long is found (`--min-words`).
    pub min_words: usize,
    /// Jaccard similarity of the paragraph shingle sets at which two
    /// paragraphs are edited copies of each other (`--passage-threshold`).
    pub passage_threshold: f64,
    /// Tokens per paragraph shingle: small, so that one changed word breaks
    /// few shingles.
    pub shingle: usize,
    /// Signature length the paragraph banding is chosen for; one bin per
    /// value of a band is used.
    pub perms: usize,
    /// A passage found in at least this many documents is boilerplate
    /// (`--boilerplate-docs`).
    pub boilerplate_docs: usize,
    /// Leave boilerplate out of the results (`--hide-boilerplate`).
    pub hide_boilerplate: bool,
    /// Bytes of the table that counts fingerprints in the first read; 0
    /// sizes it from the input (see [`crate::passages`] on memory).
    pub filter_bytes: usize,
    /// Documents longer than this (in bytes) are read a piece of this size
    /// at a time, their tokens never held whole ([`crate::shingle::PIECE_BYTES`]
    /// by default): the same results, for a little more time on them.
    pub piece_bytes: usize,
}

impl Default for PassageConfig {
    fn default() -> PassageConfig {
        PassageConfig::for_tokens(TokenKind::Words)
    }
}

impl PassageConfig {
    /// Default shortest passage in words.
    pub const MIN_WORDS: usize = 8;
    /// Default shortest passage in characters (`--char-ngrams`): about as
    /// much text as eight words of Chinese or Japanese.
    pub const MIN_CHARS: usize = 16;
    /// Largest fingerprint table sized automatically: half the input up to
    /// a 16 GB corpus. A table smaller than that fills up, and every
    /// position it wrongly calls repeated is kept by the second read (8
    /// bytes, where the table spends about 3 a position): with 512 MiB, a
    /// 4.7 GB corpus kept 625 million positions for 141 million repeated,
    /// and peaked at 12.8 GiB.
    pub const MAX_AUTO_FILTER_BYTES: u64 = 1 << 33;

    /// The defaults for `tokens`: 8 words or 16 characters, 3-word or
    /// 5-character paragraph shingles.
    pub fn for_tokens(tokens: TokenKind) -> PassageConfig {
        let (min_words, shingle) = match tokens {
            TokenKind::Words => (PassageConfig::MIN_WORDS, 3),
            TokenKind::Chars => (PassageConfig::MIN_CHARS, 5),
        };
        PassageConfig {
            enabled: true,
            tokens,
            min_words,
            passage_threshold: 0.5,
            shingle,
            perms: 128,
            boilerplate_docs: 10,
            hide_boilerplate: false,
            filter_bytes: 0,
            piece_bytes: crate::shingle::PIECE_BYTES,
        }
    }

    /// Checks every value, with a message that says what to change.
    pub fn validate(&self) -> Result<()> {
        if self.min_words < 2 || self.min_words > 100_000 {
            return Err(Error::Config(format!(
                "--min-words must be 2 to 100000, got {}",
                self.min_words
            )));
        }
        if !(self.passage_threshold > 0.0 && self.passage_threshold <= 1.0) {
            return Err(Error::Config(format!(
                "--passage-threshold must be in (0, 1], got {}",
                self.passage_threshold
            )));
        }
        if self.shingle == 0 || self.shingle > 64 {
            return Err(Error::Config(format!(
                "paragraph shingle size must be 1 to 64 tokens, got {}",
                self.shingle
            )));
        }
        if self.perms == 0 || self.perms > 1024 {
            return Err(Error::Config(format!(
                "paragraph MinHash permutations must be 1 to 1024, got {}",
                self.perms
            )));
        }
        if self.boilerplate_docs < 2 {
            return Err(Error::Config(format!(
                "--boilerplate-docs must be at least 2, got {}",
                self.boilerplate_docs
            )));
        }
        Ok(())
    }

    /// The LSH shape for paragraphs: the optimum for the passage threshold.
    /// Choosing it integrates hundreds of S-curves, so results are
    /// remembered per (threshold, permutations) for the process.
    pub fn banding(&self) -> Banding {
        use std::collections::HashMap;
        use std::sync::{Mutex, OnceLock};
        static SHAPES: OnceLock<Mutex<HashMap<(u64, usize), Banding>>> = OnceLock::new();
        let key = (self.passage_threshold.to_bits(), self.perms);
        let shapes = SHAPES.get_or_init(|| Mutex::new(HashMap::new()));
        if let Some(b) = shapes.lock().ok().and_then(|m| m.get(&key).copied()) {
            return b;
        }
        let b = Banding::optimal(self.passage_threshold, self.perms, Weights::default());
        if let Ok(mut m) = shapes.lock() {
            m.insert(key, b);
        }
        b
    }
}

/// Document-level near-duplicate detection.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Shingling.
    pub shingle: ShingleConfig,
    /// The sketch that signs documents.
    pub sketch: crate::sketch::Sketch,
    /// Values per signature (`--perms`).
    pub perms: usize,
    /// Jaccard threshold for a near-duplicate pair.
    pub threshold: f64,
    /// Override of the number of bands.
    pub bands: Option<usize>,
    /// Override of the rows per band.
    pub rows: Option<usize>,
    /// Weights of the S-curve areas when choosing the banding.
    pub weights: Weights,
    /// How candidates are confirmed.
    pub verify: Verify,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Input options.
    pub input: InputConfig,
    /// Repeated passages.
    pub passages: PassageConfig,
    /// The cluster this process belongs to; `None` runs alone.
    pub cluster: Option<crate::distributed::Cluster>,
}

impl Default for ScanConfig {
    fn default() -> ScanConfig {
        ScanConfig {
            shingle: ShingleConfig::default(),
            sketch: crate::sketch::Sketch::default(),
            perms: 128,
            threshold: 0.8,
            bands: None,
            rows: None,
            weights: Weights::default(),
            verify: Verify::Exact,
            threads: 0,
            input: InputConfig::default(),
            passages: PassageConfig::default(),
            cluster: None,
        }
    }
}

impl ScanConfig {
    /// Checks every value, with a message that says what to change.
    pub fn validate(&self) -> Result<()> {
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(Error::Config(format!(
                "--threshold must be in (0, 1], got {}",
                self.threshold
            )));
        }
        if self.shingle.size == 0 || self.shingle.size > 64 {
            return Err(Error::Config(format!(
                "shingle size must be 1 to 64 tokens, got {}",
                self.shingle.size
            )));
        }
        if self.perms == 0 || self.perms > crate::sketch::MAX_PERMS {
            return Err(Error::Config(format!(
                "--perms must be 1 to {}, got {}",
                crate::sketch::MAX_PERMS,
                self.perms
            )));
        }
        let b = self.banding();
        if b.bands == 0 || b.rows == 0 || b.used() > self.perms {
            return Err(Error::Config(format!(
                "--bands {} × --rows {} needs {} signature values but --perms is {}",
                b.bands,
                b.rows,
                b.used(),
                self.perms
            )));
        }
        if self.input.text_field.is_empty() || self.input.id_field.is_empty() {
            return Err(Error::Config("field names must not be empty".into()));
        }
        self.passages.validate()
    }

    /// The LSH shape: the overrides where given, else the optimum for the
    /// threshold.
    pub fn banding(&self) -> Banding {
        match (self.bands, self.rows) {
            (Some(bands), Some(rows)) => Banding { bands, rows },
            (Some(bands), None) => Banding {
                bands,
                rows: self.perms / bands.max(1),
            },
            (None, Some(rows)) => Banding {
                bands: self.perms / rows.max(1),
                rows,
            },
            (None, None) => Banding::optimal_with_floor(
                self.threshold,
                self.perms,
                self.weights,
                Banding::DOCUMENT_RECALL_FLOOR,
            ),
        }
    }

    /// A rayon pool of the configured size, owned by the run.
    pub fn pool(&self) -> Result<rayon::ThreadPool> {
        pool(self.threads)
    }

    /// The frame of every job that reads a corpus with these options:
    /// checks them, then opens `corpus` and runs `job` on it, on a pool of
    /// [`ScanConfig::threads`].
    pub(crate) fn run_on<T: Send>(
        &self,
        corpus: Corpus<'_>,
        job: impl FnOnce(&Inputs) -> Result<T> + Send,
    ) -> Result<T> {
        self.validate()?;
        self.pool()?.install(|| {
            let inputs = corpus.open(&self.input)?;
            job(&inputs)
        })
    }
}

/// The most worker threads a run starts: four per core the process may use
/// (at least 8). Beyond that, threads only cost memory and start-up time,
/// and a mistyped `--threads 100000` would spawn them all.
pub fn max_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores * 4).max(8)
}

/// A rayon pool of `threads` workers (0: one per core; capped at
/// [`max_threads`]), owned by the run that asks for it, so no work lands on
/// the global pool.
pub fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    let threads = threads.min(max_threads());
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start {threads} threads: {e}")))
}
