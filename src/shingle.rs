//! Shingles: runs of `k` consecutive tokens, each reduced to a stable 64-bit
//! fingerprint.
//!
//! A document with at least one token but fewer than `k` yields a single
//! shingle of all its tokens, so very short documents (a headline, a one-line
//! comment) still compare: two identical three-word documents are duplicates
//! with Jaccard 1. A document without tokens yields no shingle and is reported
//! as too short.

use xxhash_rust::xxh3::xxh3_64;

use crate::text::Token;

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
            out.extend((0..=tokens.len() - k).map(|i| xxh3_64(&self.bytes[8 * i..8 * (i + k)])));
        }
        xxh3_64(&self.bytes)
    }
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
    out.sort_unstable();
    out.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text;

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
