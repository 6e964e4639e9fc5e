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
///
/// Offsets are 32-bit, so a token takes 16 bytes instead of 24: the
/// passage search holds every token of a document at once, and of a huge
/// record that is most of its memory. Texts are tokenized whole only up to
/// [`MAX_TEXT_BYTES`]; longer ones are refused by [`check_len`] or
/// tokenized in pieces ([`crate::shingle::Shingler::text_fingerprints`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the token's first character in the original text.
    pub start: u32,
    /// Byte offset just past the token's last character.
    pub end: u32,
    /// Stable fingerprint of the normalised (NFKC, lowercase) token.
    pub hash: u64,
}

impl Token {
    /// A token of `text[start..end]`; both offsets are at most
    /// [`MAX_TEXT_BYTES`].
    #[inline]
    pub fn new(start: usize, end: usize, hash: u64) -> Token {
        debug_assert!(end <= MAX_TEXT_BYTES);
        Token {
            start: start as u32,
            end: end as u32,
            hash,
        }
    }

    /// The token's byte range in the text.
    #[inline]
    pub fn span(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// The longest text [`tokenize`] takes whole (4 GiB - 1): token offsets are
/// 32-bit.
pub const MAX_TEXT_BYTES: usize = u32::MAX as usize;

/// An error for a text longer than [`MAX_TEXT_BYTES`], which cannot be
/// tokenized whole.
pub fn check_len(text: &str) -> crate::error::Result<()> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(crate::error::Error::TooLarge(format!(
            "a document of {} bytes; documents are tokenized whole only up to {} bytes (4 GiB): split it, or use `--no-passages`",
            text.len(),
            MAX_TEXT_BYTES
        )));
    }
    Ok(())
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
/// `text` is at most [`MAX_TEXT_BYTES`] long ([`check_len`]).
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
    let n = bytes.len();
    let mut i = 0;
    // UAX #29 always breaks around ASCII white space, so the stretches between
    // are segmented independently: the ASCII state machine runs until it meets
    // a non-ASCII byte, then the tokens of the current stretch are taken back
    // and the stretch is segmented by the general Unicode path instead.
    let mut stretch = 0;
    let mut stretch_tokens = 0;
    while i < n {
        // An if-chain in order of frequency: the branches predict better
        // than the jump table a `match` becomes.
        let c = CLASS[bytes[i] as usize];
        if is_word_start(c) {
            i = ascii_word(bytes, i, out);
        } else if c == SPACE {
            i += 1;
            stretch = i;
            stretch_tokens = out.len();
        } else if c == NON_ASCII {
            out.truncate(stretch_tokens);
            let mut end = i;
            while end < n && !bytes[end].is_ascii_whitespace() {
                end += 1;
            }
            // Include the preceding white space so that a leading combining
            // mark attaches to it, as in the whole text: all of it, since a
            // run of spaces is one segment (WB3d, which joins the other
            // horizontal spaces such as U+3000 too) and the mark attaches
            // to the whole run (WB4). Such a run is never part of a word
            // of the stretch before, so no token of it is taken back twice.
            let mut from = stretch;
            loop {
                if from > 0 && bytes[from - 1].is_ascii_whitespace() {
                    from -= 1;
                    continue;
                }
                match text[..from].chars().next_back() {
                    Some(c) if is_wseg_space(c) => from -= c.len_utf8(),
                    _ => break,
                }
            }
            debug_assert!(out.last().is_none_or(|t| t.end as usize <= from));
            for (off, w) in text[from..end].unicode_word_indices() {
                let s = from + off;
                out.push(Token::new(s, s + w.len(), word_hash(w, &mut norm)));
            }
            i = end;
        } else {
            i += 1;
        }
    }
}

/// Horizontal white space that UAX #29 keeps in one segment (WSegSpace,
/// rule WB3d).
fn is_wseg_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{1680}'
            | '\u{2000}'..='\u{2006}'
            | '\u{2008}'..='\u{200A}'
            | '\u{205F}'
            | '\u{3000}'
    )
}

const OTHER: u8 = 0;
const UPPER: u8 = 1;
const LOWER: u8 = 2;
const DIGIT: u8 = 3;
/// `_` (ExtendNumLet)
const CONNECTOR: u8 = 4;
/// `:` (MidLetter)
const MID_LETTER: u8 = 5;
/// `.` and `'` (MidNumLet, Single_Quote)
const MID_NUM_LET: u8 = 6;
/// `,` and `;` (MidNum)
const MID_NUM: u8 = 7;
const SPACE: u8 = 8;
const NON_ASCII: u8 = 9;

/// Word-break class of every byte (ASCII by UAX #29's tables).
static CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c >= 0x80 {
            NON_ASCII
        } else if c.is_ascii_uppercase() {
            UPPER
        } else if c.is_ascii_lowercase() {
            LOWER
        } else if c.is_ascii_digit() {
            DIGIT
        } else if c.is_ascii_whitespace() {
            SPACE
        } else {
            match c {
                b'_' => CONNECTOR,
                b':' => MID_LETTER,
                b'.' | b'\'' => MID_NUM_LET,
                b',' | b';' => MID_NUM,
                _ => OTHER,
            }
        };
        b += 1;
    }
    t
};

/// Letters, digits and `_`: the classes 1 to 4.
#[inline]
fn is_word_start(c: u8) -> bool {
    c.wrapping_sub(UPPER) <= CONNECTOR - UPPER
}

#[inline]
fn is_letter(c: u8) -> bool {
    c == UPPER || c == LOWER
}

/// Scans the ASCII word starting at `start` (a letter, digit or `_`), pushes
/// it if it holds a letter or digit, and returns where scanning resumes.
#[inline]
fn ascii_word(bytes: &[u8], start: usize, out: &mut Vec<Token>) -> usize {
    let n = bytes.len();
    let mut i = word_run(bytes, start);
    // A run stops at anything but [A-Za-z0-9_]; UAX #29 continues across
    // one middle character between two letters (WB6/WB7) or two digits
    // (WB11/WB12): `don't`, `U.S`, `1,000.5`.
    while i + 1 < n {
        let c = CLASS[bytes[i] as usize];
        if !(MID_LETTER..=MID_NUM).contains(&c) {
            break;
        }
        let prev = CLASS[bytes[i - 1] as usize];
        let next = CLASS[bytes[i + 1] as usize];
        let joins = (is_letter(prev) && is_letter(next) && c != MID_NUM)
            || (prev == DIGIT && next == DIGIT && c != MID_LETTER);
        if !joins {
            break;
        }
        i = word_run(bytes, i + 1);
    }
    let word = &bytes[start..i];
    if word.iter().all(|&b| b == b'_') {
        return i;
    }
    out.push(Token::new(start, i, ascii_word_hash(bytes, start, i)));
    i
}

/// [`hash::token`] of the lowercased ASCII word `bytes[start..end]`.
#[inline]
fn ascii_word_hash(bytes: &[u8], start: usize, end: usize) -> u64 {
    let len = end - start;
    #[cfg(target_arch = "x86_64")]
    if len <= 16 && start + 16 <= bytes.len() {
        use std::arch::x86_64::*;
        // Keep the first `len` bytes of a 16-byte load, lowercase them:
        // the same two words `hash::token` builds, without a branch on the
        // length or the case.
        static MASKS: [u8; 32] = {
            let mut m = [0u8; 32];
            let mut i = 0;
            while i < 16 {
                m[i] = 0xff;
                i += 1;
            }
            m
        };
        // SAFETY: SSE2 is part of x86_64; both loads read 16 bytes in
        // bounds (checked above; MASKS[16 - len..32 - len] with len ≤ 16).
        let (lo, hi) = unsafe {
            let v = _mm_loadu_si128(bytes.as_ptr().add(start) as *const __m128i);
            let mask = _mm_loadu_si128(MASKS.as_ptr().add(16 - len) as *const __m128i);
            let v = _mm_and_si128(v, mask);
            let upper = _mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8(b'A' as i8 - 1)),
                _mm_cmplt_epi8(v, _mm_set1_epi8(b'Z' as i8 + 1)),
            );
            let v = _mm_add_epi8(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
            (
                _mm_cvtsi128_si64(v) as u64,
                _mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v)) as u64,
            )
        };
        return hash::short_token(lo, hi, len as u64);
    }
    let word = &bytes[start..end];
    if !word.iter().any(u8::is_ascii_uppercase) {
        hash::token(word)
    } else {
        hash::token(&word.to_ascii_lowercase())
    }
}

/// The end of the run of `[A-Za-z0-9_]` bytes starting at `i`.
///
/// Sixteen bytes at a time with SSE2 where available: one predictable
/// branch per word instead of one per byte, which was the cost of the
/// byte-at-a-time loop (a mispredicted exit per word).
#[inline]
fn word_run(bytes: &[u8], mut i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        while i + 16 <= bytes.len() {
            // SAFETY: SSE2 is part of x86_64; the load reads bytes[i..i+16],
            // in bounds by the loop condition, unaligned loads allowed.
            let stop = unsafe {
                let v = _mm_loadu_si128(bytes.as_ptr().add(i) as *const __m128i);
                let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
                let alpha = _mm_and_si128(
                    _mm_cmpgt_epi8(folded, _mm_set1_epi8(b'a' as i8 - 1)),
                    _mm_cmplt_epi8(folded, _mm_set1_epi8(b'z' as i8 + 1)),
                );
                let digit = _mm_and_si128(
                    _mm_cmpgt_epi8(v, _mm_set1_epi8(b'0' as i8 - 1)),
                    _mm_cmplt_epi8(v, _mm_set1_epi8(b'9' as i8 + 1)),
                );
                let under = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8));
                let word = _mm_or_si128(_mm_or_si128(alpha, digit), under);
                !(_mm_movemask_epi8(word) as u32) & 0xffff
            };
            if stop != 0 {
                return i + stop.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    while i < bytes.len() && is_word_start(CLASS[bytes[i] as usize]) {
        i += 1;
    }
    i
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
            // White space as the general path below sees it: Unicode's,
            // which unlike `is_ascii_whitespace` includes the vertical tab.
            if !(b as char).is_whitespace() {
                out.push(Token::new(i, i + 1, hash::token(&[b.to_ascii_lowercase()])));
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
            out.push(Token::new(s, s + g.len(), word_hash(g, &mut norm)));
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

/// A short one-line excerpt of `text`: white space folded, cut at a
/// character boundary after about `max` bytes.
pub fn excerpt(text: &str, max: usize) -> String {
    let folded: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.len() <= max {
        return folded;
    }
    let mut end = max;
    while !folded.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &folded[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_on_char_boundary() {
        assert_eq!(excerpt("a  b\nc", 10), "a b c");
        assert_eq!(excerpt("ééé", 3), "é…");
    }

    fn spans(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        words(text, &mut out);
        out.iter().map(|t| &text[t.span()]).collect()
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
                    .map(|t| (t.start as usize, &text[t.span()]))
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
        let got: Vec<&str> = out.iter().map(|t| &text[t.span()]).collect();
        assert_eq!(got, vec!["A", "b", "東", "京", "e\u{301}", "!"]);
    }

    #[test]
    fn a_mark_after_several_spaces_attaches_to_all_of_them() {
        // UAX #29 keeps a run of spaces together and attaches a following
        // mark to it; U+05C4 is alphabetic, so the whole run and the mark
        // are one word (found by fuzzing).
        for text in [
            "a  \u{5c4}b",
            "x.1   \u{5c4}A",
            "\t \u{301} \u{5c4}",
            "  \u{5c4}",
            // Other horizontal spaces join the run too (found by fuzzing).
            "\u{4eac}\u{3000} \u{5c4}b",
            "a\u{2003}\u{3000} \u{5c4}",
            "\u{3000}\u{5c4}\u{3000} \u{5c4}",
            "a\u{a0} \u{5c4}",
        ] {
            let mut out = Vec::new();
            words(text, &mut out);
            let got: Vec<(usize, &str)> = out
                .iter()
                .map(|t| (t.start as usize, &text[t.span()]))
                .collect();
            assert_eq!(got, reference(text), "{text:?}");
        }
    }

    #[test]
    fn vertical_tab_is_white_space_on_both_paths() {
        // U+000B is Unicode white space: skipped next to ASCII as it is
        // next to other characters (found by fuzzing).
        for text in ["a\u{b}b", "\u{b}", "é\u{b}b", "a\u{b}\u{b}é"] {
            let mut out = Vec::new();
            chars(text, &mut out);
            let got: Vec<(usize, &str)> = out
                .iter()
                .map(|t| (t.start as usize, &text[t.span()]))
                .collect();
            assert_eq!(got, grapheme_reference(text), "{text:?}");
            assert!(got.iter().all(|(_, g)| *g != "\u{b}"), "{text:?}");
        }
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
            let got: Vec<(usize, &str)> = out.iter().map(|t| (t.start as usize, &text[t.span()])).collect();
            proptest::prop_assert_eq!(got, reference(&text));
        }

        #[test]
        fn fast_word_fingerprint_equals_the_definition(text in "[a-zA-Z0-9_.' ]{0,60}") {
            let mut out = Vec::new();
            words(&text, &mut out);
            for t in &out {
                let lower = text[t.span()].to_ascii_lowercase();
                proptest::prop_assert_eq!(t.hash, hash::token(lower.as_bytes()));
            }
        }

        #[test]
        fn mixed_text_equals_unicode_segmentation(text in "[a-zé0-9.,' \u{301}\u{2019}\u{00a0}東京ー]{0,30}") {
            let mut out = Vec::new();
            words(&text, &mut out);
            let got: Vec<(usize, &str)> = out.iter().map(|t| (t.start as usize, &text[t.span()])).collect();
            proptest::prop_assert_eq!(got, reference(&text));
        }

        #[test]
        fn chars_equal_grapheme_clusters(text in "[a-zé0-9.,' \r\n\u{301}\u{200d}\u{2019}\u{00a0}東京ー]{0,30}") {
            let mut out = Vec::new();
            chars(&text, &mut out);
            let got: Vec<(usize, &str)> = out.iter().map(|t| (t.start as usize, &text[t.span()])).collect();
            proptest::prop_assert_eq!(got, grapheme_reference(&text));
        }
    }
}
