//! Typed configuration with defaults and validation.
//!
//! Each stage takes one small struct; the CLI fills them from flags and calls
//! [`ScanConfig::validate`] once, so a bad value is reported before any input
//! is read.

use crate::error::{Error, Result};
use crate::input::InputConfig;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verify {
    /// Exact Jaccard on the shingle sets (a second read of the input for the
    /// candidate documents only).
    #[default]
    Exact,
    /// The MinHash estimate alone: one read, about 1 KiB of memory per document.
    Estimate,
}

/// Document-level near-duplicate detection.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Shingling.
    pub shingle: ShingleConfig,
    /// MinHash permutations (signature length).
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
}

impl Default for ScanConfig {
    fn default() -> ScanConfig {
        ScanConfig {
            shingle: ShingleConfig::default(),
            perms: 128,
            threshold: 0.8,
            bands: None,
            rows: None,
            weights: Weights::default(),
            verify: Verify::Exact,
            threads: 0,
            input: InputConfig::default(),
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
        if self.perms == 0 || self.perms > 4096 {
            return Err(Error::Config(format!(
                "--perms must be 1 to 4096, got {}",
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
        Ok(())
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
            (None, None) => Banding::optimal(self.threshold, self.perms, self.weights),
        }
    }

    /// A rayon pool of the configured size, owned by the run.
    pub fn pool(&self) -> Result<rayon::ThreadPool> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads)
            .build()
            .map_err(|e| Error::Config(format!("cannot start {} threads: {e}", self.threads)))
    }
}
