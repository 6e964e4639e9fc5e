//! The per-document work every read repeats: tokens, `m`-gram fingerprints,
//! lines and paragraphs, paragraph band keys. Each read recomputes them from
//! the text instead of keeping them, which is what keeps memory independent
//! of the corpus size.

use std::ops::Range;

use super::assemble::MIN_LINE_WORDS;
use super::edited::{SignScratch, Signer};
use super::units::Units;
use crate::config::PassageConfig;
use crate::error::{Error, Result};
use crate::hash;
use crate::text::{self, Token};

/// Per-thread buffers for one document at a time.
#[derive(Debug, Default)]
pub(crate) struct Analysis {
    pub tokens: Vec<Token>,
    /// `grams[p]`: fingerprint of tokens `p .. p + m`.
    pub grams: Vec<u64>,
    /// `repeated[p]`: whether the filter calls `grams[p]` repeated.
    pub repeated: Vec<bool>,
    pub units: Units,
    /// Indices into `units.paragraphs` of the paragraphs of at least `m`
    /// tokens (the ones compared for edited copies).
    pub eligible: Vec<u32>,
    /// Band keys of the eligible paragraphs, paragraph-major.
    pub keys: Vec<u64>,
    pub sign: SignScratch,
    /// Short lines and their content fingerprints ([`Analysis::short_lines`]).
    pub short: Vec<(Range<u32>, u64)>,
    fps: Vec<u64>,
    bytes: Vec<u8>,
}

impl Analysis {
    /// Tokenises `text` and fingerprints its `m`-grams.
    pub fn tokens_and_grams(&mut self, text: &str, cfg: &PassageConfig) -> Result<()> {
        text::tokenize(text, cfg.tokens, &mut self.tokens);
        if self.tokens.len() >= u32::MAX as usize {
            return Err(Error::TooLarge(
                "a document of more than 4 billion tokens".into(),
            ));
        }
        let m = cfg.min_words;
        self.grams.clear();
        if self.tokens.len() >= m {
            self.fps.clear();
            self.fps.extend(self.tokens.iter().map(|t| t.hash));
            self.grams.reserve(self.fps.len() + 1 - m);
            for w in self.fps.windows(m) {
                self.grams.push(hash::tokens(w, &mut self.bytes));
            }
        }
        Ok(())
    }

    /// Finds lines and paragraphs, and the band keys of the eligible
    /// paragraphs.
    pub fn paragraphs(&mut self, text: &str, cfg: &PassageConfig, signer: &Signer) {
        self.units.find(text, &self.tokens);
        self.eligible.clear();
        self.keys.clear();
        for (i, p) in self.units.paragraphs.iter().enumerate() {
            if p.len() >= cfg.min_words {
                self.eligible.push(i as u32);
                let toks = &self.tokens[p.start as usize..p.end as usize];
                signer.keys(toks, &mut self.sign, &mut self.keys);
            }
        }
    }

    /// The token range of eligible paragraph `k`.
    pub fn eligible_range(&self, k: usize) -> Range<u32> {
        self.units.paragraphs[self.eligible[k] as usize].clone()
    }

    /// Fingerprint of the tokens in `r`.
    pub fn content(&mut self, r: Range<u32>) -> u64 {
        Signer::content(
            &self.tokens[r.start as usize..r.end as usize],
            &mut self.sign,
        )
    }

    /// Finds the short lines (fewer than `m` tokens, at least
    /// [`MIN_LINE_WORDS`]: a line of one or two words is as often the tail
    /// of a hard-wrapped sentence as a phrase) with their content
    /// fingerprints, into `self.short`.
    pub fn short_lines(&mut self, m: usize) {
        self.short.clear();
        for k in 0..self.units.lines.len() {
            let r = self.units.lines[k].clone();
            if r.len() < m && r.len() >= MIN_LINE_WORDS as usize {
                let c = self.content(r.clone());
                self.short.push((r, c));
            }
        }
    }
}
