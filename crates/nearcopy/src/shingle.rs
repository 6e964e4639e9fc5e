//! Shingles: runs of `k` consecutive tokens, each reduced to a stable 64-bit
//! fingerprint.
//!
//! A document with at least one token but fewer than `k` yields a single
//! shingle of all its tokens, so very short documents (a headline, a one-line
//! comment) still compare: two identical three-word documents are duplicates
//! with Jaccard 1. A document without tokens yields no shingle and is reported
//! as too short.

use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use crate::text::{Token, TokenKind};

/// Shingles token sequences, reusing its buffer between documents.
///
/// The token fingerprints are laid out once as little-endian bytes; each
/// shingle's fingerprint is then XXH3-64 of its 8·k-byte window of that
/// buffer ([`crate::hash::tokens`] of the window), so nothing is copied per
/// shingle.
#[derive(Debug, Default, Clone)]
pub struct Shingler {
    bytes: Vec<u8>,
}

impl Shingler {
    /// A shingler with empty buffers.
    pub fn new() -> Shingler {
        Shingler::default()
    }

    /// Lets go of a buffer grown past `bytes` (by a huge document), so a
    /// shingler kept between documents does not hold it for good.
    pub fn trim(&mut self, bytes: usize) {
        if self.bytes.capacity() > bytes {
            self.bytes = Vec::new();
        }
    }

    /// Appends the fingerprint of every window of `k` tokens to `out`, in
    /// text order (cleared first; repeats are kept, see [`set`] for the set).
    /// Returns the fingerprint of the whole token sequence, which is equal
    /// for two texts exactly when their normalised tokens are (up to hash
    /// collisions): the exact-duplicate key.
    pub fn fingerprints(&mut self, tokens: &[Token], k: usize, out: &mut Vec<u64>) -> u64 {
        out.clear();
        self.bytes.clear();
        self.bytes.reserve(8 * tokens.len());
        for t in tokens {
            self.bytes.extend_from_slice(&t.hash.to_le_bytes());
        }
        let k = k.max(1);
        if tokens.is_empty() {
        } else if tokens.len() < k {
            out.push(xxh3_64(&self.bytes));
        } else {
            crate::hash::token_windows(&self.bytes, k, out);
        }
        xxh3_64(&self.bytes)
    }
}

/// Texts longer than this (in bytes) are tokenized and shingled piece by
/// piece ([`Shingler::text_fingerprints`]).
pub const PIECE_BYTES: usize = 1 << 24;

/// The result of [`Shingler::text_fingerprints`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shingled {
    /// Number of tokens.
    pub tokens: u64,
    /// Fingerprint of the whole token sequence, as returned by
    /// [`Shingler::fingerprints`].
    pub content: u64,
}

impl Shingler {
    /// Tokenizes `text` and appends its shingle fingerprints to `out`
    /// (cleared first), exactly as [`crate::text::tokenize`] followed by
    /// [`Shingler::fingerprints`] would, using `tokens` as scratch.
    ///
    /// A text longer than `piece` bytes is done in pieces of about that
    /// size, cut where no token can cross (see [`piece_end`]), carrying the
    /// last `k - 1` token fingerprints from one piece to the next: a token
    /// takes 16 bytes and its fingerprint 8 more, so a single 500 MB record
    /// would otherwise need about 1.4 GB besides its text.
    pub fn text_fingerprints(
        &mut self,
        text: &str,
        kind: TokenKind,
        k: usize,
        piece: usize,
        tokens: &mut Vec<Token>,
        out: &mut Vec<u64>,
    ) -> Shingled {
        if text.len() <= piece {
            crate::text::tokenize(text, kind, tokens);
            let content = self.fingerprints(tokens, k, out);
            return Shingled {
                tokens: tokens.len() as u64,
                content,
            };
        }
        out.clear();
        self.bytes.clear();
        let k = k.max(1);
        let mut content = Xxh3::new();
        let mut count = 0u64;
        let mut at = 0;
        while at < text.len() {
            let end = piece_end(text.as_bytes(), at + piece.max(1), kind);
            crate::text::tokenize(&text[at..end], kind, tokens);
            for t in tokens.iter() {
                let b = t.hash.to_le_bytes();
                self.bytes.extend_from_slice(&b);
                content.update(&b);
            }
            count += tokens.len() as u64;
            // Every window that starts in the buffer and ends in it; keep
            // the last k - 1 fingerprints, the start of the next windows.
            // Until k tokens are seen, everything is kept: a text of fewer
            // than k tokens is one shingle of all of them.
            let held = self.bytes.len() / 8;
            if held >= k {
                crate::hash::token_windows(&self.bytes, k, out);
                self.bytes.drain(..8 * (held - k + 1));
            }
            at = end;
        }
        if count > 0 && count < k as u64 {
            out.push(xxh3_64(&self.bytes));
        }
        // Scratch sized for a piece, not for the largest text seen.
        tokens.shrink_to(piece / 4);
        Shingled {
            tokens: count,
            content: content.digest(),
        }
    }

    /// The shingle set of `text` into `out` ([`set`]: sorted, without
    /// repeats), tokenized in pieces as [`Shingler::text_fingerprints`].
    pub fn text_set(
        &mut self,
        text: &str,
        kind: TokenKind,
        k: usize,
        piece: usize,
        tokens: &mut Vec<Token>,
        out: &mut Vec<u64>,
    ) -> Shingled {
        let shingled = self.text_fingerprints(text, kind, k, piece, tokens, out);
        out.sort_unstable();
        out.dedup();
        shingled
    }
}

/// The end of a piece of `bytes` that starts before `from`: the first
/// position at or after `from` where tokenizing the two sides apart gives
/// the same tokens as tokenizing the whole, or the end of the text.
///
/// * Words: after an ASCII white space and before an ASCII letter or
///   digit. Word boundaries (UAX #29) always break around ASCII white space
///   and look at most one character back from a letter, so no word crosses
///   such a point and the word after it does not depend on what precedes.
/// * Characters: between two ASCII bytes, where a grapheme cluster always
///   ends ([`crate::text::chars`] segments non-ASCII stretches up to such a
///   pair).
pub fn piece_end(bytes: &[u8], from: usize, kind: TokenKind) -> usize {
    let cut = |p: usize| -> bool {
        let (a, b) = (bytes[p - 1], bytes[p]);
        match kind {
            TokenKind::Words => a.is_ascii_whitespace() && b.is_ascii_alphanumeric(),
            TokenKind::Chars => a.is_ascii() && b.is_ascii(),
        }
    };
    (from.max(1)..bytes.len())
        .find(|&p| cut(p))
        .unwrap_or(bytes.len())
}

/// Appends the fingerprint of every window of `k` tokens to `out` (see
/// [`Shingler::fingerprints`]).
pub fn fingerprints(tokens: &[Token], k: usize, out: &mut Vec<u64>) {
    Shingler::new().fingerprints(tokens, k, out);
}

/// The shingle set of `tokens`: fingerprints sorted and deduplicated, the
/// form [`crate::verify`] intersects.
pub fn set(tokens: &[Token], k: usize, out: &mut Vec<u64>) {
    fingerprints(tokens, k, out);
    crate::verify::sort_set(out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text;

    #[test]
    fn pieces_give_the_same_shingles_as_the_whole() {
        let text = "Hello, world! The U.S. economy grew 3.5 % in 2023; naïve café \
                    a\u{301}b 東京タワー  résumé\r\nline two — done. "
            .repeat(7);
        for kind in [TokenKind::Words, TokenKind::Chars] {
            for k in [1, 3, 5, 400] {
                let mut toks = Vec::new();
                let mut whole = Vec::new();
                text::tokenize(&text, kind, &mut toks);
                let content = Shingler::new().fingerprints(&toks, k, &mut whole);
                for piece in [1, 7, 64, 1000] {
                    let mut out = Vec::new();
                    let got = Shingler::new().text_fingerprints(
                        &text,
                        kind,
                        k,
                        piece,
                        &mut Vec::new(),
                        &mut out,
                    );
                    assert_eq!(out, whole, "{kind:?} k={k} piece={piece}");
                    assert_eq!(got.content, content);
                    assert_eq!(got.tokens, toks.len() as u64);
                }
            }
        }
    }

    #[test]
    fn windows_and_short_documents() {
        let mut toks = Vec::new();
        text::words("a b c d e f", &mut toks);
        let mut fps = Vec::new();
        fingerprints(&toks, 5, &mut fps);
        assert_eq!(fps.len(), 2);
        text::words("A  b, c", &mut toks);
        fingerprints(&toks, 5, &mut fps);
        assert_eq!(fps.len(), 1);
        let short = fps[0];
        text::words("a b c", &mut toks);
        fingerprints(&toks, 5, &mut fps);
        assert_eq!(fps, vec![short]);
        text::words("  ,. ", &mut toks);
        fingerprints(&toks, 5, &mut fps);
        assert!(fps.is_empty());
    }

    #[test]
    fn window_fingerprint_is_hash_of_token_fingerprints() {
        let mut toks = Vec::new();
        text::words("one two three four five six", &mut toks);
        let mut fps = Vec::new();
        let seq = Shingler::new().fingerprints(&toks, 5, &mut fps);
        let hashes: Vec<u64> = toks.iter().map(|t| t.hash).collect();
        let mut scratch = Vec::new();
        assert_eq!(fps[1], crate::hash::tokens(&hashes[1..6], &mut scratch));
        assert_eq!(seq, crate::hash::tokens(&hashes, &mut scratch));
    }

    #[test]
    fn set_is_sorted_and_unique() {
        let mut toks = Vec::new();
        text::words("x y x y x y x y", &mut toks);
        let mut s = Vec::new();
        set(&toks, 2, &mut s);
        assert_eq!(s.len(), 2);
        assert!(s[0] < s[1]);
    }
}
