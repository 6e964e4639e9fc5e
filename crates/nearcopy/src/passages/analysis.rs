//! The per-document work every read repeats: tokens, `m`-gram fingerprints,
//! lines and paragraphs, paragraph band keys. Each read recomputes them from
//! the text instead of keeping them, which is what keeps memory independent
//! of the corpus size.

use std::ops::Range;

use super::assemble::MIN_LINE_WORDS;
use super::edited::{SignScratch, Signer};
use super::units::Units;
use crate::config::PassageConfig;
use crate::error::Result;
use crate::shingle;
use xxhash_rust::xxh3::xxh3_64;

use crate::text::{self, Token};

/// Per-thread buffers for one document at a time.
#[derive(Debug, Default)]
pub(crate) struct Analysis {
    pub tokens: Vec<Token>,
    /// `grams[i]`: fingerprint of tokens `p .. p + m`, for the `i`-th
    /// position `p` of the stretch last fingerprinted.
    pub grams: Vec<u64>,
    /// `repeated[i]`: whether the filter calls `grams[i]` repeated.
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
    /// Which entries of its first member's set a family member has met,
    /// and the fingerprints it counts ([`super::firsts`]).
    pub seen: Vec<bool>,
    pub fresh: Vec<u64>,
    /// The token fingerprints of a stretch, serialised.
    bytes: Vec<u8>,
    /// The tokens of one piece of a huge text ([`tokenize_sized`]).
    piece: Vec<Token>,
}

/// Positions whose `m`-grams are fingerprinted at a time by the reads that
/// go through a document once ([`Analysis::stretches`]).
const STRETCH: usize = 1 << 14;

/// Tokens a thread's buffer keeps between documents (16 MiB of them).
const KEEP_TOKENS: usize = 1 << 20;

/// The tokens of `text` into `out`, as [`text::tokenize`] gives them.
///
/// A text longer than `piece_bytes` ([`shingle::PIECE_BYTES`] in the
/// reads) is tokenized a piece at a time (cut where no token can cross, [`shingle::piece_end`]) and `out`
/// is sized once, from the first piece's tokens per byte with a tenth to
/// spare, instead of doubling as it grows: doubling would hold the old
/// and the new buffer at once, half again the tokens of the record.
pub(crate) fn tokenize_sized(
    text: &str,
    kind: text::TokenKind,
    piece_bytes: usize,
    out: &mut Vec<Token>,
    piece: &mut Vec<Token>,
) {
    if text.len() <= piece_bytes {
        text::tokenize(text, kind, out);
        return;
    }
    out.clear();
    let mut at = 0;
    while at < text.len() {
        let end = shingle::piece_end(text.as_bytes(), at + piece_bytes.max(1), kind);
        text::tokenize(&text[at..end], kind, piece);
        if at == 0 {
            let per_byte = piece.len() as f64 / end as f64;
            let want = (per_byte * 1.1 * text.len() as f64) as usize + 16;
            *out = Vec::with_capacity(want);
        }
        let base = at as u32;
        out.extend(
            piece
                .iter()
                .map(|t| Token::new((t.start + base) as usize, (t.end + base) as usize, t.hash)),
        );
        at = end;
    }
}

impl Analysis {
    /// Tokenises `text` and fingerprints all its `m`-grams into `grams`.
    pub fn tokens_and_grams(&mut self, text: &str, cfg: &PassageConfig) -> Result<()> {
        self.tokenize(text, cfg)?;
        self.grams_at(0..self.positions(cfg.min_words), cfg.min_words);
        Ok(())
    }

    /// Tokenises `text`; its `m`-grams are then fingerprinted a stretch at a
    /// time by [`Analysis::grams_at`], so that a huge document does not hold
    /// them all.
    pub fn tokenize(&mut self, text: &str, cfg: &PassageConfig) -> Result<()> {
        text::check_len(text)?;
        tokenize_sized(
            text,
            cfg.tokens,
            shingle::PIECE_BYTES,
            &mut self.tokens,
            &mut self.piece,
        );
        Ok(())
    }

    /// Lets go of buffers a huge document grew, so that the threads'
    /// buffers do not keep them for the rest of the corpus.
    pub fn trim(&mut self) {
        if self.tokens.capacity() > KEEP_TOKENS {
            self.tokens = Vec::new();
        }
        if self.piece.capacity() > KEEP_TOKENS {
            self.piece = Vec::new();
        }
    }

    /// Number of `m`-gram positions of the tokens.
    pub fn positions(&self, m: usize) -> usize {
        (self.tokens.len() + 1).saturating_sub(m)
    }

    /// Stretches of positions of at most [`STRETCH`] covering `0..positions`.
    pub fn stretches(&self, m: usize) -> impl Iterator<Item = Range<usize>> {
        let n = self.positions(m);
        (0..n)
            .step_by(STRETCH)
            .map(move |a| a..(a + STRETCH).min(n))
    }

    /// Fingerprints of the `m`-grams starting at `positions` into `grams`
    /// (cleared first): [`crate::hash::tokens`] of the `m` token fingerprints from
    /// each position, hashing each window of one serialised copy of the
    /// stretch's tokens.
    pub fn grams_at(&mut self, positions: Range<usize>, m: usize) {
        self.grams.clear();
        if positions.is_empty() {
            return;
        }
        self.bytes.clear();
        for t in &self.tokens[positions.start..positions.end + m - 1] {
            self.bytes.extend_from_slice(&t.hash.to_le_bytes());
        }
        self.grams
            .extend(self.bytes.windows(8 * m).step_by(8).map(xxh3_64));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Stretch by stretch, the fingerprints are those of each window of
    /// `m` token fingerprints ([`crate::hash::tokens`]), as the reads and
    /// the within-document search have always taken them.
    #[test]
    fn stretches_give_each_window_its_fingerprint() {
        let text: String = (0..40_000).map(|i| format!("w{} ", i % 997)).collect();
        let cfg = PassageConfig::default();
        let m = cfg.min_words;
        let mut a = Analysis::default();
        a.tokenize(&text, &cfg).unwrap();
        let hashes: Vec<u64> = a.tokens.iter().map(|t| t.hash).collect();
        let mut scratch = Vec::new();
        let want: Vec<u64> = hashes
            .windows(m)
            .map(|w| crate::hash::tokens(w, &mut scratch))
            .collect();
        let mut got = Vec::new();
        let stretches: Vec<Range<usize>> = a.stretches(m).collect();
        assert!(stretches.len() > 2);
        for r in stretches {
            a.grams_at(r, m);
            got.extend_from_slice(&a.grams);
        }
        assert_eq!(got, want);
        a.tokens_and_grams(&text, &cfg).unwrap();
        assert_eq!(a.grams, want);
        a.tokens_and_grams("too short", &cfg).unwrap();
        assert!(a.grams.is_empty());
    }

    /// In pieces, a text gives the tokens it gives whole: the same byte
    /// ranges and fingerprints, whatever the piece size, for words and
    /// characters, ASCII or not.
    #[test]
    fn pieces_give_the_tokens_of_the_whole() {
        let text = "Hello, world! The U.S. economy grew 3.5 % in 2023; naïve café \
                    a\u{301}b 東京タワー  résumé\r\nline two — done. "
            .repeat(40);
        for kind in [text::TokenKind::Words, text::TokenKind::Chars] {
            let mut whole = Vec::new();
            text::tokenize(&text, kind, &mut whole);
            for piece_bytes in [1, 7, 100, 1000, text.len() - 1, text.len()] {
                let (mut out, mut piece) = (vec![whole[0]; 3], Vec::new());
                tokenize_sized(&text, kind, piece_bytes, &mut out, &mut piece);
                assert_eq!(out, whole, "{kind:?} in pieces of {piece_bytes}");
            }
        }
    }
}
