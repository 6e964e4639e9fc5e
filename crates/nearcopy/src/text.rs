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
//! Speed: most text is mostly ASCII. Runs of ASCII between white space,
//! with the curly quotes, dashes and no-break spaces of edited English, are
//! segmented 64 bytes at a time by bit masks that implement exactly the
//! UAX #29 rules that apply to those characters (property tests and a fuzz
//! target check it against `unicode-segmentation`), and their words are
//! lowercased without the NFKC machinery. Only stretches containing other
//! non-ASCII characters go through the general (slower) Unicode path.

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};
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
    // UAX #29 always breaks around ASCII white space, so the stretches
    // between are segmented independently: ASCII text, with the curly
    // quotes and dashes of news text, by the block classifier of
    // [`plain_words`]; each stretch that holds any other non-ASCII
    // character by the general Unicode path.
    let mut at = 0;
    while at < n {
        let p = at + first_general_char(&bytes[at..]);
        if p == n {
            plain_words(bytes, at, n, out);
            break;
        }
        let stretch = bytes[at..p]
            .iter()
            .rposition(u8::is_ascii_whitespace)
            .map_or(at, |i| at + i + 1);
        plain_words(bytes, at, stretch, out);
        let end = bytes[p..]
            .iter()
            .position(u8::is_ascii_whitespace)
            .map_or(n, |i| p + i);
        // Include the preceding white space so that a leading combining
        // mark attaches to it, as in the whole text: all of it, since a
        // run of spaces is one segment (WB3d, which joins the other
        // horizontal spaces such as U+3000 too) and the mark attaches
        // to the whole run (WB4). Such a run is never part of a word
        // of the stretch before, so no token of it is taken twice.
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
        at = end;
    }
}

/// The offset of the first character of `bytes` that needs the general
/// Unicode path (neither ASCII nor [`plain_non_ascii`]), or its length.
#[inline]
fn first_general_char(bytes: &[u8]) -> usize {
    let mut i = 0;
    loop {
        i += first_non_ascii(&bytes[i..]);
        match plain_non_ascii(&bytes[i..]) {
            0 => return i,
            len => i += len,
        }
    }
}

/// The length of the character at the start of `bytes` if it is one of the
/// non-ASCII characters of everyday English text that [`plain_words`]
/// handles, else 0: `‘` and `’` (MidNumLet, joining like `'`), and `“`,
/// `”`, `–`, `—`, `…` and the no-break space (Other: word breaks on both
/// sides). None of them is changed by NFKC or by lowercasing, which lets
/// a word holding them be fingerprinted from its bytes as they are. A
/// test checks the segmentation against `unicode-segmentation`.
#[inline]
fn plain_non_ascii(bytes: &[u8]) -> usize {
    match bytes {
        [0xe2, 0x80, 0x93 | 0x94 | 0x98 | 0x99 | 0x9c | 0x9d | 0xa6, ..] => 3,
        [0xc2, 0xa0, ..] => 2,
        _ => 0,
    }
}

/// The offset of the first byte of `bytes` that is not ASCII, or its length.
#[inline]
fn first_non_ascii(bytes: &[u8]) -> usize {
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        while i + 16 <= bytes.len() {
            // SAFETY: SSE2 is part of x86_64; the load reads bytes[i..i+16],
            // in bounds by the loop condition, unaligned loads allowed.
            let high = unsafe {
                _mm_movemask_epi8(_mm_loadu_si128(bytes.as_ptr().add(i) as *const __m128i))
            };
            if high != 0 {
                return i + high.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    bytes[i..]
        .iter()
        .position(|b| !b.is_ascii())
        .map_or(bytes.len(), |p| i + p)
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

/// Where the ASCII characters that matter to word boundaries are in a
/// block of 64 bytes: one bit per byte, bit `i` for byte `i`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Classes {
    /// `A-Z`, `a-z` (ALetter)
    alpha: u64,
    /// `0-9` (Numeric)
    digit: u64,
    /// `_` (ExtendNumLet)
    under: u64,
    /// `:` (MidLetter)
    mid_letter: u64,
    /// `.` and `'` (MidNumLet, Single_Quote)
    mid_num_let: u64,
    /// `,` and `;` (MidNum)
    mid_num: u64,
    /// 0xE2, the first byte of `‘` and `’` (and of `“`, `”`, `–`, `—`, `…`)
    lead: u64,
    /// 0x80, their second byte
    second: u64,
    /// 0x98 and 0x99, the last byte of `‘` and `’` (MidNumLet)
    quote_last: u64,
}

impl Classes {
    /// Classifies 64 bytes with SSE2, 16 at a time.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn of(block: &[u8; 64]) -> Classes {
        use std::arch::x86_64::*;
        let mut c = Classes::default();
        for part in 0..4 {
            // SAFETY: SSE2 is part of x86_64; the load reads 16 bytes of
            // the 64-byte block, unaligned loads allowed.
            unsafe {
                let v = _mm_loadu_si128(block.as_ptr().add(16 * part) as *const __m128i);
                let bits = |m: __m128i| u64::from(_mm_movemask_epi8(m) as u16) << (16 * part);
                let is = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
                let within = |v: __m128i, lo: u8, hi: u8| {
                    _mm_and_si128(
                        _mm_cmpgt_epi8(v, _mm_set1_epi8(lo as i8 - 1)),
                        _mm_cmplt_epi8(v, _mm_set1_epi8(hi as i8 + 1)),
                    )
                };
                // `| 0x20` maps A-Z onto a-z and nothing else into it.
                let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
                c.alpha |= bits(within(folded, b'a', b'z'));
                c.digit |= bits(within(v, b'0', b'9'));
                c.under |= bits(is(b'_'));
                c.mid_letter |= bits(is(b':'));
                c.mid_num_let |= bits(_mm_or_si128(is(b'.'), is(b'\'')));
                c.mid_num |= bits(_mm_or_si128(is(b','), is(b';')));
                c.lead |= bits(is(0xe2));
                c.second |= bits(is(0x80));
                c.quote_last |= bits(_mm_or_si128(is(0x98), is(0x99)));
            }
        }
        c
    }

    /// Classifies 64 bytes one at a time.
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    fn of_scalar(block: &[u8; 64]) -> Classes {
        let mut c = Classes::default();
        for (i, &b) in block.iter().enumerate() {
            let bit = 1u64 << i;
            match b {
                b'A'..=b'Z' | b'a'..=b'z' => c.alpha |= bit,
                b'0'..=b'9' => c.digit |= bit,
                b'_' => c.under |= bit,
                b':' => c.mid_letter |= bit,
                b'.' | b'\'' => c.mid_num_let |= bit,
                b',' | b';' => c.mid_num |= bit,
                0xe2 => c.lead |= bit,
                0x80 => c.second |= bit,
                0x98 | 0x99 => c.quote_last |= bit,
                _ => {}
            }
        }
        c
    }

    #[cfg(not(target_arch = "x86_64"))]
    #[inline]
    fn of(block: &[u8; 64]) -> Classes {
        Classes::of_scalar(block)
    }
}

/// Appends the words of `bytes[a..b]`, which is ASCII but for the
/// characters [`plain_non_ascii`] accepts, and starts and ends where a
/// word cannot continue (the text's ends or ASCII white space).
///
/// The bytes are classified 64 at a time into bit masks, and the UAX #29
/// rules that apply to ASCII become operations on whole masks: a word is
/// a run of letters, digits and `_` (WB8 to WB13a), joined across one
/// middle character between two letters (`don't`, `U.S`, `a:b`; WB6 and
/// WB7) or two digits (`1,000.5`; WB11 and WB12), the curly quotes `‘’`
/// included. The bytes of the other accepted characters belong to no class
/// and break words, as UAX #29 does around them. The word boundaries are
/// then the changes in the resulting mask, found a set bit at a time:
/// no branch per byte, and one per word that the predictor can learn.
fn plain_words(bytes: &[u8], a: usize, b: usize, out: &mut Vec<Token>) {
    let classes = |at: usize| -> Classes {
        if at >= b {
            return Classes::default();
        }
        match bytes[at..b].first_chunk::<64>() {
            Some(block) => Classes::of(block),
            None => {
                // Zero bytes belong to no class: nothing continues a word
                // past the end.
                let mut block = [0u8; 64];
                block[..b - at].copy_from_slice(&bytes[at..b]);
                Classes::of(&block)
            }
        }
    };
    let mut before = Classes::default();
    let mut cur = classes(a);
    let mut word_before = 0u64;
    let mut quote_spill = 0u64;
    let mut in_word = false;
    let mut start = a;
    let mut at = a;
    while at < b {
        let after = classes(at + 64);
        let letter_before = cur.alpha << 1 | before.alpha >> 63;
        let letter_after = cur.alpha >> 1 | after.alpha << 63;
        let digit_before = cur.digit << 1 | before.digit >> 63;
        let digit_after = cur.digit >> 1 | after.digit << 63;
        let joins = ((cur.mid_letter | cur.mid_num_let) & letter_before & letter_after)
            | ((cur.mid_num | cur.mid_num_let) & digit_before & digit_after);
        // `’` and `‘` join like `'`, three bytes wide: a bit at each
        // quote's first byte, its word bits set on all three, the last
        // one or two in the next block when it starts at bit 62 or 63.
        let quote = cur.lead
            & (cur.second >> 1 | after.second << 63)
            & (cur.quote_last >> 2 | after.quote_last << 62);
        let letter_after_quote = cur.alpha >> 3 | after.alpha << 61;
        let digit_after_quote = cur.digit >> 3 | after.digit << 61;
        let quote_joins =
            quote & ((letter_before & letter_after_quote) | (digit_before & digit_after_quote));
        let word = cur.alpha
            | cur.digit
            | cur.under
            | joins
            | quote_joins
            | quote_joins << 1
            | quote_joins << 2
            | quote_spill;
        quote_spill = quote_joins >> 62 | quote_joins >> 63;
        // A set bit wherever a word starts or the byte after one is.
        let mut edges = word ^ (word << 1 | word_before >> 63);
        while edges != 0 {
            let pos = at + edges.trailing_zeros() as usize;
            edges &= edges - 1;
            if in_word {
                if let Some(token) = plain_token(bytes, start, pos) {
                    out.push(token);
                }
            } else {
                start = pos;
            }
            in_word = !in_word;
        }
        word_before = word;
        before = cur;
        cur = after;
        at += 64;
    }
    if in_word {
        out.extend(plain_token(bytes, start, b));
    }
}

/// The token of the word `bytes[start..end]` found by [`plain_words`],
/// unless it is only `_`, which UAX #29 segments like a word but which
/// holds no letter or digit.
#[inline(always)]
fn plain_token(bytes: &[u8], start: usize, end: usize) -> Option<Token> {
    if bytes[start] == b'_' && bytes[start..end].iter().all(|&c| c == b'_') {
        return None;
    }
    Some(Token::new(start, end, ascii_word_hash(bytes, start, end)))
}

/// [`hash::token`] of `bytes[start..end]` with its ASCII letters
/// lowercased: the normalised form of a word of ASCII and the characters
/// of [`plain_non_ascii`], which NFKC and lowercasing leave as they are.
#[inline(always)]
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

/// Fingerprint of one word or character cluster after NFKC and lowercasing.
pub fn word_hash(word: &str, scratch: &mut String) -> u64 {
    scratch.clear();
    if word.is_ascii() {
        scratch.push_str(word);
        scratch.make_ascii_lowercase();
    } else if is_nfkc_quick(word.chars()) == IsNormalized::Yes {
        // Most non-ASCII words (`café`, `don’t`) are already in NFKC, which
        // a table lookup per character tells without building the
        // normalised form.
        for c in word.chars() {
            scratch.extend(c.to_lowercase());
        }
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

    /// The words of `text` with their offsets, as `reference` lists them.
    fn located(text: &str) -> Vec<(usize, &str)> {
        let mut out = Vec::new();
        words(text, &mut out);
        out.iter()
            .map(|t| (t.start as usize, &text[t.span()]))
            .collect()
    }

    #[test]
    fn ascii_words_follow_uax29() {
        for text in [
            "Hello, world! Don't stop: 1,000.50 U.S. e.g. a:b 10:30",
            "__init__ _ a_b 3_a x.1 1.x a..b 'quoted' ,lead trail,",
            "tab\tsep\r\nline;two 1;2 a;b",
        ] {
            assert_eq!(located(text), reference(text), "{text:?}");
        }
    }

    /// Words and joins on each side of the 64-byte blocks' edges, with
    /// the block starting at the text's start and after a non-ASCII
    /// stretch.
    #[test]
    fn words_across_block_edges() {
        for lead in ["", "é ", "東京 x ", "“x” "] {
            for pad in 55..70 {
                for tail in [
                    "abc def", "a.b", "1,2", "don't", "__ _x", "a:", ".b", "don’t", "1’2", "a’",
                    "’b", "“a”", "a—b", "a\u{a0}b",
                ] {
                    let text = format!("{lead}{} {tail} end", "w".repeat(pad));
                    assert_eq!(located(&text), reference(&text), "{text:?}");
                    let text = format!("{lead}{}{tail}", "x ".repeat(pad / 2));
                    assert_eq!(located(&text), reference(&text), "{text:?}");
                }
            }
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
            assert_eq!(located(text), reference(text), "{text:?}");
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
            proptest::prop_assert_eq!(located(&text), reference(&text));
        }

        /// Long enough to cross several 64-byte blocks, with words and
        /// joins across the blocks' edges.
        #[test]
        fn long_ascii_text_equals_unicode_segmentation(text in "[a-zA-Z0-9_:.',; \t\n\"!-]{0,300}") {
            proptest::prop_assert_eq!(located(&text), reference(&text));
        }

        #[test]
        fn long_mixed_text_equals_unicode_segmentation(text in "[a-z0-9_.,:' \u{301}\u{2019}\u{00a0}\u{3000}é東]{0,200}") {
            proptest::prop_assert_eq!(located(&text), reference(&text));
        }

        /// The non-ASCII characters of the fast path, among ASCII and
        /// next to the other characters that matter to them: combining
        /// marks and format characters (which attach to what precedes
        /// them), the zero-width joiner, another MidNumLet, letters.
        #[test]
        fn plain_non_ascii_text_equals_unicode_segmentation(text in "[a-zA-Z0-9_.,:;' \n\u{2018}\u{2019}\u{201c}\u{201d}\u{2013}\u{2014}\u{2026}\u{00a0}]{0,200}|[a-z0-9.' \u{2018}\u{2019}\u{201c}\u{2026}\u{00a0}\u{301}\u{ad}\u{200d}\u{2024}é]{0,60}") {
            proptest::prop_assert_eq!(located(&text), reference(&text));
            let mut out = Vec::new();
            words(&text, &mut out);
            for t in &out {
                proptest::prop_assert_eq!(t.hash, hash::token(normalise(&text[t.span()]).as_bytes()));
            }
        }

        #[test]
        fn block_classes_equal_the_scalar_ones(block in proptest::collection::vec(proptest::num::u8::ANY, 64)) {
            let block: [u8; 64] = block.try_into().unwrap_or([0; 64]);
            proptest::prop_assert_eq!(Classes::of(&block), Classes::of_scalar(&block));
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
            proptest::prop_assert_eq!(located(&text), reference(&text));
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
