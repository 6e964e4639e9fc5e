//! The tokeniser and normaliser of `src/text.rs` on arbitrary text.
//!
//! Properties checked on every input (invalid UTF-8 is made valid with
//! replacement characters first, so every input is a text):
//!
//! * spans lie within the text, on char boundaries, are non-empty, strictly
//!   increasing and never overlap, for words and for characters;
//! * the word tokens are exactly UAX #29's words (`unicode_word_indices`),
//!   whichever path (the block classifier or the Unicode one) made them,
//!   and the character tokens exactly the non-white-space grapheme clusters;
//! * every fingerprint equals the definition: `hash::token` of the
//!   normalised form, which is what `normalise` returns (so the SIMD ASCII
//!   hash agrees with the general one);
//! * `tokenize` gives what `words` / `chars` give;
//! * shingle fingerprints are `hash::tokens` of their window;
//! * `LineIndex::line` counts newlines before the offset.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nearcopy::hash;
use nearcopy::shingle;
use nearcopy::text::{self, LineIndex, Token, TokenKind};
use unicode_segmentation::UnicodeSegmentation;

fn check_spans(text: &str, tokens: &[Token], what: &str) {
    let mut prev_end = 0;
    for (k, tok) in tokens.iter().enumerate() {
        let t = tok.span();
        assert!(
            t.start < t.end && t.end <= text.len(),
            "{what} token {k} {}..{} out of bounds (len {}) in {text:?}",
            t.start,
            t.end,
            text.len()
        );
        assert!(
            text.is_char_boundary(t.start) && text.is_char_boundary(t.end),
            "{what} token {k} {}..{} not on char boundaries in {text:?}",
            t.start,
            t.end
        );
        assert!(
            k == 0 || t.start >= prev_end,
            "{what} token {k} {}..{} overlaps or precedes the previous one (ending {prev_end}) in {text:?}",
            t.start,
            t.end
        );
        prev_end = t.end;
    }
}

fn check_hashes(text: &str, tokens: &[Token], what: &str) {
    let mut scratch = String::new();
    for t in tokens {
        let w = &text[t.span()];
        let norm = text::normalise(w);
        let want = hash::token(norm.as_bytes());
        assert_eq!(
            t.hash, want,
            "{what} token {w:?} at {}: fingerprint is not hash::token(normalise) = {norm:?}",
            t.start
        );
        assert_eq!(text::word_hash(w, &mut scratch), want);
        assert_eq!(scratch, norm);
        if w.is_ascii() {
            assert_eq!(norm, w.to_ascii_lowercase());
        }
    }
}

fn run(text: &str) {
    let mut toks = Vec::new();

    // Words.
    text::words(text, &mut toks);
    check_spans(text, &toks, "word");
    let got: Vec<(usize, &str)> = toks
        .iter()
        .map(|t| (t.span().start, &text[t.span()]))
        .collect();
    let want: Vec<(usize, &str)> = text.unicode_word_indices().collect();
    assert_eq!(got, want, "words differ from UAX #29 in {text:?}");
    check_hashes(text, &toks, "word");
    let words = toks.clone();
    text::tokenize(text, TokenKind::Words, &mut toks);
    assert_eq!(toks, words);

    // Shingles of the words.
    let hashes: Vec<u64> = words.iter().map(|t| t.hash).collect();
    let mut fps = Vec::new();
    let mut scratch = Vec::new();
    for k in [1usize, 3] {
        shingle::fingerprints(&words, k, &mut fps);
        if words.len() >= k {
            assert_eq!(fps.len(), words.len() + 1 - k);
            for (i, f) in fps.iter().enumerate() {
                assert_eq!(*f, hash::tokens(&hashes[i..i + k], &mut scratch));
            }
        } else if words.is_empty() {
            assert!(fps.is_empty());
        } else {
            assert_eq!(fps, vec![hash::tokens(&hashes, &mut scratch)]);
        }
    }

    // Characters.
    text::chars(text, &mut toks);
    check_spans(text, &toks, "char");
    let got: Vec<(usize, &str)> = toks
        .iter()
        .map(|t| (t.span().start, &text[t.span()]))
        .collect();
    let want: Vec<(usize, &str)> = text
        .grapheme_indices(true)
        .filter(|(_, g)| !g.chars().all(char::is_whitespace))
        .collect();
    assert_eq!(got, want, "chars differ from grapheme clusters in {text:?}");
    check_hashes(text, &toks, "char");
    let chars = toks.clone();
    text::tokenize(text, TokenKind::Chars, &mut toks);
    assert_eq!(toks, chars);

    // Lines.
    let index = LineIndex::new(text);
    for offset in (0..=text.len()).step_by(1 + text.len() / 64) {
        let want = 1 + text.as_bytes()[..offset.min(text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        assert_eq!(
            index.line(offset),
            want,
            "line of byte {offset} in {text:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() > 1 << 16 {
        return;
    }
    let text = String::from_utf8_lossy(data);
    run(&text);
    // The same text at an odd offset into a larger buffer and followed by
    // more text: the 16-byte loads near the ends of the buffer see other
    // bytes, which must not change a token. A combining mark or joiner at
    // either end attaches differently next to the added space, and so does
    // one after leading white space (the spaces are one segment with the
    // added one, and the mark joins them: ` \u{5c4}` is a word, since the
    // mark is alphabetic), so only texts that start with an ASCII byte
    // other than white space and end with an ASCII byte are compared.
    let bytes = text.as_bytes();
    let starts_plain = |b: &u8| b.is_ascii() && !b.is_ascii_whitespace();
    if bytes.first().is_none_or(starts_plain) && bytes.last().is_none_or(u8::is_ascii) {
        let padded = format!("x {text} y");
        let mut toks = Vec::new();
        let mut words = Vec::new();
        text::words(&text, &mut words);
        text::words(&padded, &mut toks);
        assert!(toks.len() >= 2);
        let shifted: Vec<(u32, u32, u64)> = toks[1..toks.len() - 1]
            .iter()
            .map(|t| (t.start - 2, t.end - 2, t.hash))
            .collect();
        let plain: Vec<(u32, u32, u64)> =
            words.iter().map(|t| (t.start, t.end, t.hash)).collect();
        assert_eq!(
            shifted, plain,
            "words change inside \"x {{text}} y\": {text:?}"
        );
    }
});
