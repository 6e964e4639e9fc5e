//! Normalisation and tokenisation with byte spans into the original text.
//!
//! Every later stage works on [`Token`]s: a fingerprint of the token's
//! normalised form plus the half-open byte range `[start, end)` of the token in
//! the *original* text. Keeping the original span (instead of normalising the
//! whole text first) is what lets passages be reported as exact byte ranges of
//! the file the user has.
//!
//! * **Words** are Unicode words by the default word boundaries of UAX #29
//!   (the segments of `unicode-segmentation`'s `unicode_words`): `don't`,
//!   `1,000.5` and `U.S` are one word each, punctuation is not a word.
//! * **Characters** (for `--char-ngrams`) are extended grapheme clusters that
//!   are not white space, so `e` + combining accent is one token and text
//!   without spaces (Chinese, Japanese) still yields tokens.
//!
//! Each token is normalised by Unicode NFKC and then lowercased before it is
//! fingerprinted, so `Ｃａｆé`, `CAFÉ` and `café` are the same word.
//!
//! Speed: most text is mostly ASCII. Runs of ASCII between white space are
//! segmented by a small state machine that implements exactly the UAX #29
//! rules that apply to ASCII (a property test checks it against
//! `unicode-segmentation`), and ASCII words are lowercased without the NFKC
//! machinery. Only stretches containing non-ASCII characters go through the
//! general (slower) Unicode path.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use crate::hash;

/// One token: the fingerprint of its normalised form and its span in the
/// original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the token's first character in the original text.
    pub start: usize,
    /// Byte offset just past the token's last character.
    pub end: usize,
    /// Stable fingerprint of the normalised (NFKC, lowercase) token.
    pub hash: u64,
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// Unicode words (UAX #29).
    Words,
    /// Non-white-space grapheme clusters.
    Chars,
}

/// Appends the tokens of `text` of the given kind to `out` (cleared first).
pub fn tokenize(text: &str, kind: TokenKind, out: &mut Vec<Token>) {
    match kind {
        TokenKind::Words => words(text, out),
        TokenKind::Chars => chars(text, out),
    }
}

/// Appends the Unicode words of `text` to `out` (cleared first).
pub fn words(text: &str, out: &mut Vec<Token>) {
    out.clear();
    let mut norm = String::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Skip ASCII white space: UAX #29 always breaks around it, so the
        // stretches between are segmented independently.
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        let mut ascii = true;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            ascii &= bytes[i] < 0x80;
            i += 1;
        }
        if start == i {
            break;
        }
        if ascii {
            ascii_words(bytes, start, i, &mut norm, out);
        } else {
            // Include one preceding white-space character so that a leading
            // combining mark attaches to it, exactly as in the whole text.
            let from = if start > 0 { start - 1 } else { 0 };
            for (off, w) in text[from..i].unicode_word_indices() {
                let s = from + off;
                out.push(Token {
                    start: s,
                    end: s + w.len(),
                    hash: word_hash(w, &mut norm),
                });
            }
        }
    }
}

/// Fingerprint of one word or character cluster after NFKC and lowercasing.
pub fn word_hash(word: &str, scratch: &mut String) -> u64 {
    scratch.clear();
    if word.is_ascii() {
        scratch.push_str(word);
        scratch.make_ascii_lowercase();
    } else {
        for c in word.nfkc() {
            scratch.extend(c.to_lowercase());
        }
    }
    hash::token(scratch.as_bytes())
}

/// The normalised form of a word (NFKC, lowercase), as fingerprinted.
pub fn normalise(word: &str) -> String {
    let mut s = String::new();
    word_hash(word, &mut s);
    s
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Digit,
    /// `_` (ExtendNumLet)
    Connector,
    /// `:` (MidLetter)
    MidLetter,
    /// `.` and `'` (MidNumLet, Single_Quote)
    MidNumLet,
    /// `,` and `;` (MidNum)
    MidNum,
    Other,
}

#[inline]
fn class(b: u8) -> Class {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' => Class::Letter,
        b'0'..=b'9' => Class::Digit,
        b'_' => Class::Connector,
        b':' => Class::MidLetter,
        b'.' | b'\'' => Class::MidNumLet,
        b',' | b';' => Class::MidNum,
        _ => Class::Other,
    }
}

/// UAX #29 word segmentation restricted to ASCII, for `bytes[from..to]`
/// (which holds no white space).
fn ascii_words(bytes: &[u8], from: usize, to: usize, norm: &mut String, out: &mut Vec<Token>) {
    let mut i = from;
    while i < to {
        let c = class(bytes[i]);
        if !matches!(c, Class::Letter | Class::Digit | Class::Connector) {
            i += 1;
            continue;
        }
        let start = i;
        let mut alnum = c != Class::Connector;
        let mut prev = c;
        i += 1;
        while i < to {
            let c = class(bytes[i]);
            match c {
                Class::Letter | Class::Digit | Class::Connector => {
                    alnum |= c != Class::Connector;
                    prev = c;
                    i += 1;
                }
                Class::MidLetter | Class::MidNumLet | Class::MidNum if i + 1 < to => {
                    let next = class(bytes[i + 1]);
                    // WB6/WB7: letter (MidLetter|MidNumLet) letter;
                    // WB11/WB12: digit (MidNum|MidNumLet) digit.
                    let joins = (prev == Class::Letter
                        && next == Class::Letter
                        && c != Class::MidNum)
                        || (prev == Class::Digit && next == Class::Digit && c != Class::MidLetter);
                    if !joins {
                        break;
                    }
                    prev = next;
                    i += 2;
                }
                _ => break,
            }
        }
        if alnum {
            // Safe: the range is ASCII.
            let w = std::str::from_utf8(&bytes[start..i]).unwrap_or_default();
            norm.clear();
            norm.push_str(w);
            norm.make_ascii_lowercase();
            out.push(Token {
                start,
                end: i,
                hash: hash::token(norm.as_bytes()),
            });
        }
    }
}

/// Appends the non-white-space grapheme clusters of `text` to `out` (cleared
/// first).
pub fn chars(text: &str, out: &mut Vec<Token>) {
    out.clear();
    let mut norm = String::new();
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        // Between two ASCII bytes a grapheme cluster always breaks, so an
        // ASCII byte followed by ASCII is a cluster of its own.
        while i < n && bytes[i] < 0x80 && (i + 1 == n || bytes[i + 1] < 0x80) {
            let b = bytes[i];
            if !b.is_ascii_whitespace() {
                out.push(Token {
                    start: i,
                    end: i + 1,
                    hash: hash::token(&[b.to_ascii_lowercase()]),
                });
            }
            i += 1;
        }
        if i >= n {
            break;
        }
        // A stretch with non-ASCII runs to the next pair of ASCII bytes, a
        // guaranteed cluster boundary, and is segmented in full.
        let from = i;
        i += 1;
        while i < n && !(bytes[i - 1] < 0x80 && bytes[i] < 0x80) {
            i += 1;
        }
        for (off, g) in text[from..i].grapheme_indices(true) {
            if g.chars().all(char::is_whitespace) {
                continue;
            }
            let s = from + off;
            out.push(Token {
                start: s,
                end: s + g.len(),
                hash: word_hash(g, &mut norm),
            });
        }
    }
}

/// 1-based line numbers for byte offsets: built once per document, then each
/// lookup is a binary search.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text.as_bytes()));
        LineIndex { starts }
    }

    /// The 1-based line that holds byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        words(text, &mut out);
        out.iter().map(|t| &text[t.start..t.end]).collect()
    }

    fn reference(text: &str) -> Vec<(usize, &str)> {
        text.unicode_word_indices().collect()
    }

    #[test]
    fn ascii_words_follow_uax29() {
        for text in [
            "Hello, world! Don't stop: 1,000.50 U.S. e.g. a:b 10:30",
            "__init__ _ a_b 3_a x.1 1.x a..b 'quoted' ,lead trail,",
            "tab\tsep\r\nline;two 1;2 a;b",
        ] {
            let got: Vec<(usize, &str)> = {
                let mut out = Vec::new();
                words(text, &mut out);
                out.iter()
                    .map(|t| (t.start, &text[t.start..t.end]))
                    .collect()
            };
            assert_eq!(got, reference(text), "{text:?}");
        }
    }

    #[test]
    fn unicode_words_keep_original_spans() {
        let text = "“Café” — naïve CAFÉ ｃａｆé";
        assert_eq!(spans(text), vec!["Café", "naïve", "CAFÉ", "ｃａｆé"]);
        let mut out = Vec::new();
        words(text, &mut out);
        assert_eq!(out[0].hash, out[2].hash);
        assert_eq!(out[0].hash, out[3].hash);
        assert_eq!(normalise("ｃａｆÉ"), "café");
    }

    fn grapheme_reference(text: &str) -> Vec<(usize, &str)> {
        text.grapheme_indices(true)
            .filter(|(_, g)| !g.chars().all(char::is_whitespace))
            .collect()
    }

    #[test]
    fn chars_skip_space_and_keep_clusters() {
        let text = "Ab 東京\u{3000}e\u{301}!";
        let mut out = Vec::new();
        chars(text, &mut out);
        let got: Vec<&str> = out.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(got, vec!["A", "b", "東", "京", "e\u{301}", "!"]);
    }

    #[test]
    fn line_index_is_one_based() {
        let idx = LineIndex::new("a\nbb\n\nc");
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(2), 2);
        assert_eq!(idx.line(5), 3);
        assert_eq!(idx.line(6), 4);
    }

    proptest::proptest! {
        #[test]
        fn ascii_fast_path_equals_unicode_segmentation(text in "[a-zA-Z0-9_:.',; \t\n\"!?-]{0,40}") {
            let mut out = Vec::new();
            words(&text, &mut out);
            let got: Vec<(usize, &str)> = out.iter().map(|t| (t.start, &text[t.start..t.end])).collect();
            proptest::prop_assert_eq!(got, reference(&text));
        }

        #[test]
        fn mixed_text_equals_unicode_segmentation(text in "[a-zé0-9.,' \u{301}\u{2019}\u{00a0}東京ー]{0,30}") {
            let mut out = Vec::new();
            words(&text, &mut out);
            let got: Vec<(usize, &str)> = out.iter().map(|t| (t.start, &text[t.start..t.end])).collect();
            proptest::prop_assert_eq!(got, reference(&text));
        }

        #[test]
        fn chars_equal_grapheme_clusters(text in "[a-zé0-9.,' \r\n\u{301}\u{200d}\u{2019}\u{00a0}東京ー]{0,30}") {
            let mut out = Vec::new();
            chars(&text, &mut out);
            let got: Vec<(usize, &str)> = out.iter().map(|t| (t.start, &text[t.start..t.end])).collect();
            proptest::prop_assert_eq!(got, grapheme_reference(&text));
        }
    }
}
