//! Shingles: runs of `k` consecutive tokens, each reduced to a stable 64-bit
//! fingerprint.
//!
//! A document with at least one token but fewer than `k` yields a single
//! shingle of all its tokens, so very short documents (a headline, a one-line
//! comment) still compare: two identical three-word documents are duplicates
//! with Jaccard 1. A document without tokens yields no shingle and is reported
//! as too short.

use crate::hash;
use crate::text::Token;

/// Appends the fingerprint of every window of `k` tokens to `out`, in text
/// order (cleared first; repeats are kept, see [`set`] for the set).
pub fn fingerprints(tokens: &[Token], k: usize, out: &mut Vec<u64>) {
    out.clear();
    let k = k.max(1);
    if tokens.is_empty() {
        return;
    }
    let mut scratch = Vec::with_capacity(8 * k);
    let mut window: Vec<u64> = Vec::with_capacity(k);
    if tokens.len() < k {
        window.extend(tokens.iter().map(|t| t.hash));
        out.push(hash::tokens(&window, &mut scratch));
        return;
    }
    let all: Vec<u64> = tokens.iter().map(|t| t.hash).collect();
    out.reserve(all.len() + 1 - k);
    for w in all.windows(k) {
        out.push(hash::tokens(w, &mut scratch));
    }
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
    fn set_is_sorted_and_unique() {
        let mut toks = Vec::new();
        text::words("x y x y x y x y", &mut toks);
        let mut s = Vec::new();
        set(&toks, 2, &mut s);
        assert_eq!(s.len(), 2);
        assert!(s[0] < s[1]);
    }
}
