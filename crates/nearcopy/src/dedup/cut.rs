//! What is cut inside a kept record: later copies of passages repeated
//! within it and boilerplate lines, widened to whole sentences or
//! paragraphs where that is safe.

use std::ops::Range;

use ahash::AHashMap;
use serde::Serialize;

use crate::passages::{Match, Repeat, RepeatFinder};
use crate::shingle;
use crate::text::{self, LineIndex, Token, TokenKind};

use super::*;

/// What was cut from a kept document, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cut {
    /// Byte range `[start, end)` cut from the original text.
    pub start: usize,
    /// End of the range.
    pub end: usize,
    /// 1-based line of the first byte cut.
    pub line_start: usize,
    /// 1-based line of the last byte cut.
    pub line_end: usize,
    /// Why.
    #[serde(flatten)]
    pub why: CutKind,
}

/// Why a range was cut.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CutKind {
    /// A later copy of a passage repeated in the document.
    Passage {
        /// The copy kept: its byte range in the original text.
        copy_of: Span,
        /// 1 for an exact repeat; for an edited paragraph, the Jaccard
        /// similarity of its shingles to the copy kept.
        similarity: f64,
    },
    /// A line found in many kept documents.
    Boilerplate {
        /// In how many kept documents the line occurs.
        documents: u32,
    },
}

/// Where a cut copy's text stays.
#[derive(Debug, Clone, Copy)]
pub(super) struct Source {
    pub(super) copy_of: Span,
    pub(super) similarity: f64,
    pub(super) edited: bool,
}

/// A byte range of a document's original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// Characters that end a sentence.
pub(super) const SENTENCE_END: &[char] = &['.', '!', '?', '…', '。', '！', '？'];

/// Words that end with a period without ending a sentence.
pub(super) const ABBREVIATIONS: &[&str] =
    &["mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs"];

/// Whether the sentence-ending character `c` at byte `i` ends a sentence.
/// A period does not after an initial or an abbreviation (`U.S.`, `J.`,
/// `e.g.`, `Mr.`), nor when a lowercase letter follows (`approx. three`).
pub(super) fn ends_at(text: &str, i: usize, c: char) -> bool {
    if c != '.' {
        return true;
    }
    let word_start = text[..i]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphanumeric() || c == '.')
        .last()
        .map_or(i, |(j, _)| j);
    let word = &text[word_start..i];
    if word.chars().count() == 1
        || word.contains('.')
        || ABBREVIATIONS.iter().any(|a| word.eq_ignore_ascii_case(a))
    {
        return false;
    }
    !text[i + 1..]
        .chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(char::is_lowercase)
}

/// How a word boundary separates the text around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Boundary {
    /// A sentence end, a blank line, or the start or end of the text.
    Strong,
    /// A single line break not followed by a lowercase letter or a digit: a
    /// headline, or a line of its own. (After a line break, a word in
    /// lowercase or a number is most likely the rest of a sentence wrapped
    /// at a fixed width: "…in\n1986.")
    Line,
    /// Inside a sentence.
    Weak,
}

/// Whether a line starting with `c` likely continues the line before.
pub(super) fn continues(c: char) -> bool {
    c.is_lowercase() || c.is_numeric()
}

/// The boundary before the word starting at `at`: what lies between it and
/// the previous letter or digit.
pub(super) fn boundary_before(text: &str, at: usize) -> Boundary {
    let mut breaks = 0;
    for (i, c) in text[..at].char_indices().rev() {
        if c == '\n' {
            breaks += 1;
        } else if SENTENCE_END.contains(&c) && ends_at(text, i, c) {
            return Boundary::Strong;
        } else if c.is_alphanumeric() {
            break;
        }
    }
    let lower = text[at..].chars().next().is_some_and(continues);
    match breaks {
        0 if at > 0 && text[..at].chars().any(char::is_alphanumeric) => Boundary::Weak,
        0 | 2.. => Boundary::Strong,
        _ if lower => Boundary::Weak,
        _ => Boundary::Line,
    }
}

/// The boundary after the word ending at `at`: what lies between it and the
/// next letter or digit.
pub(super) fn boundary_after(text: &str, at: usize) -> Boundary {
    let mut breaks = 0;
    for (i, c) in text[at..].char_indices() {
        if c == '\n' {
            breaks += 1;
        } else if SENTENCE_END.contains(&c) && ends_at(text, at + i, c) {
            return Boundary::Strong;
        } else if c.is_alphanumeric() {
            let lower = continues(c);
            return match breaks {
                0 => Boundary::Weak,
                1 if lower => Boundary::Weak,
                1 => Boundary::Line,
                _ => Boundary::Strong,
            };
        }
    }
    Boundary::Strong
}

/// Narrows the span of a copy (word to word) to the whole sentences or
/// lines inside it, or `None` when fewer than `min` tokens of them remain.
///
/// A phrase that happens to recur inside different sentences ("the success
/// of any negotiation process will depend on") is a repeat, but cutting it
/// would break the sentence it sits in; a doubled headline, paragraph or
/// sentence comes out whole. The span may shrink only to sentence ends or
/// blank lines; a single line break counts only at the span's own ends, so
/// that a line of text wrapped at a fixed width is not taken for a unit.
pub(super) fn whole_sentences(
    text: &str,
    span: Range<usize>,
    kind: TokenKind,
    min: usize,
    tokens: &mut Vec<Token>,
) -> Option<Range<usize>> {
    whole_sentences_in(text, span, kind, min, shingle::PIECE_BYTES, tokens)
}

/// [`whole_sentences`], tokenizing the span a piece of about `piece` bytes
/// at a time (cut where no token crosses): the copies of one enormous
/// record can be hundreds of megabytes, and their tokens take 16 bytes each.
fn whole_sentences_in(
    text: &str,
    span: Range<usize>,
    kind: TokenKind,
    min: usize,
    piece: usize,
    tokens: &mut Vec<Token>,
) -> Option<Range<usize>> {
    let base = span.start;
    let s = &text[span];
    let mut bounds = vec![0];
    let mut at = 0;
    while at < s.len() {
        let next = shingle::piece_end(s.as_bytes(), at + piece.max(1), kind);
        if next - at > text::MAX_TEXT_BYTES {
            return None;
        }
        bounds.push(next);
        at = next;
    }
    let pieces = bounds.len() - 1;
    // Piece k's tokens, offsets from the piece's start; the one loaded last
    // is kept, so a span of one piece is tokenized once.
    let mut loaded = usize::MAX;
    let mut load = |k: usize, tokens: &mut Vec<Token>| {
        if loaded != k {
            text::tokenize(&s[bounds[k]..bounds[k + 1]], kind, tokens);
            loaded = k;
        }
    };
    let mut before = Vec::with_capacity(pieces + 1);
    before.push(0);
    for k in 0..pieces {
        load(k, tokens);
        before.push(before[k] + tokens.len());
    }
    let n = before[pieces];
    let mut first = None;
    'first: for k in 0..pieces {
        load(k, tokens);
        for (i, t) in tokens.iter().enumerate() {
            let (index, start) = (before[k] + i, base + bounds[k] + t.start as usize);
            let found = match boundary_before(text, start) {
                Boundary::Strong => true,
                Boundary::Line => index == 0,
                Boundary::Weak => false,
            };
            if found {
                first = Some((index, start));
                break 'first;
            }
        }
    }
    let (first, from) = first?;
    let mut last = None;
    'last: for k in (0..pieces).rev() {
        load(k, tokens);
        for (i, t) in tokens.iter().enumerate().rev() {
            let (index, end) = (before[k] + i, base + bounds[k] + t.end as usize);
            if index < first {
                break 'last;
            }
            let found = match boundary_after(text, end) {
                Boundary::Strong => true,
                Boundary::Line => index == n - 1,
                Boundary::Weak => false,
            };
            if found {
                last = Some((index, end));
                break 'last;
            }
        }
    }
    let (last, to) = last?;
    (last + 1 - first >= min).then_some(from..to)
}

/// Widens the span of a passage copy (first word to last word) to what
/// should go with it, so the text left reads well:
///
/// * punctuation attached to its first or last word (`"`, `(`, `.`, `,`);
/// * when the copy fills whole lines, those lines with their line breaks;
/// * when the copy is followed by more text on its line, the spaces after
///   it; when it ends its line, the spaces before it.
///
/// Never reaches into a word outside the span.
pub fn tidy_span(text: &str, span: Range<usize>) -> Range<usize> {
    let b = text.as_bytes();
    let attached = |c: char| !c.is_whitespace() && !c.is_alphanumeric();
    let horizontal = |c: char| c.is_whitespace() && c != '\n';
    // Attached opening punctuation, if it starts a token of its own.
    let mut start = span.start;
    let p = text[..start]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| attached(c))
        .last()
        .map_or(start, |(i, _)| i);
    if p == 0
        || text[..p]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace)
    {
        start = p;
    }
    // Attached closing punctuation, if it ends the token.
    let mut end = span.end;
    let q = text[end..]
        .char_indices()
        .take_while(|&(_, c)| attached(c))
        .last()
        .map_or(end, |(i, c)| end + i + c.len_utf8());
    if q == b.len() || text[q..].chars().next().is_some_and(char::is_whitespace) {
        end = q;
    }
    let spaces_before = text[..start]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| horizontal(c))
        .last()
        .map_or(start, |(i, _)| i);
    let at_line_start = spaces_before == 0 || b[spaces_before - 1] == b'\n';
    let after = text[end..]
        .char_indices()
        .take_while(|&(_, c)| horizontal(c))
        .last()
        .map_or(end, |(i, c)| end + i + c.len_utf8());
    let blank_before = blank_line_before(text, spaces_before);
    match b.get(after) {
        // The last lines of a text without a final line break: the break
        // before them goes instead (with a blank line that separated them),
        // so the text still ends without one.
        None if at_line_start && spaces_before > 0 => {
            blank_before.unwrap_or(spaces_before).saturating_sub(1)..after
        }
        // Whole lines with their break; between two blank lines, one of
        // them too, so paragraphs stay one blank line apart.
        Some(b'\n') if at_line_start => {
            let end = after + 1;
            match blank_line_after(text, end) {
                Some(e) if spaces_before == 0 || blank_before.is_some() => spaces_before..e,
                _ => spaces_before..end,
            }
        }
        None if at_line_start => spaces_before..after,
        Some(&c) if c != b'\n' => start..after,
        // Ends its line but does not start it: take the spaces before.
        _ => spaces_before..end,
    }
}

/// Where the line before the line starting at `at` starts, if it is blank.
pub(super) fn blank_line_before(text: &str, at: usize) -> Option<usize> {
    let prev = text[..at].strip_suffix('\n')?;
    let start = prev.rfind('\n').map_or(0, |i| i + 1);
    prev[start..].trim().is_empty().then_some(start)
}

/// Where the line starting at `at` ends (after its break), if it is blank
/// and has one.
pub(super) fn blank_line_after(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at..];
    let end = rest.find('\n')?;
    rest[..end].trim().is_empty().then_some(at + end + 1)
}

/// Decides what to cut from a kept document.
pub(super) struct Cutter<'a> {
    pub(super) passages: Option<&'a RepeatFinder>,
    pub(super) min_words: usize,
    pub(super) passage_threshold: f64,
    pub(super) kind: TokenKind,
    pub(super) boilerplate: Option<&'a AHashMap<u64, u32>>,
}

impl Cutter<'_> {
    pub(super) fn active(&self) -> bool {
        self.passages.is_some() || self.boilerplate.is_some()
    }

    /// The cuts of `text`, sorted and not overlapping, with `text` given
    /// back: it is given up while its repeats are searched
    /// ([`RepeatFinder::try_find_owned`]), so an enormous record is not held
    /// twice. An error where its repeats could not be searched, rather than
    /// keeping it uncut unsaid.
    pub(super) fn cuts_owned(&self, text: String) -> Result<(Vec<Cut>, String)> {
        let (repeats, text) = match self.passages {
            Some(finder) => finder.try_find_owned(text)?,
            None => (Vec::new(), text),
        };
        let cuts = self.cuts_of(&text, repeats);
        Ok((cuts, text))
    }

    fn cuts_of(&self, text: &str, repeats: Vec<Repeat>) -> Vec<Cut> {
        let mut ranges: Vec<(Range<usize>, CutKind)> = Vec::new();
        if self.passages.is_some() {
            let min = self.min_words;
            let mut copies: Vec<(Range<usize>, Source)> = Vec::new();
            for r in repeats {
                if r.matched == Match::Edited && r.similarity < self.passage_threshold {
                    continue;
                }
                let source = Source {
                    copy_of: Span {
                        start: r.first.start,
                        end: r.first.end,
                    },
                    similarity: r.similarity,
                    edited: r.matched == Match::Edited,
                };
                copies.extend(r.later.into_iter().map(|c| (c, source)));
            }
            copies.sort_by_key(|(c, _)| (c.start, c.end));
            // Exact copies next to each other (nothing but spaces and
            // punctuation between them) are one cut, tidied as a whole.
            // The parts are kept: when the whole is not a run of whole
            // sentences (a copy that ends part-way into the next line of
            // a doubled headline), each part is tried on its own.
            let mut joined: Vec<(Range<usize>, Source, Vec<Range<usize>>)> =
                Vec::with_capacity(copies.len());
            for (c, of) in copies {
                match joined.last_mut() {
                    Some((last, last_of, parts))
                        if !of.edited
                            && !last_of.edited
                            && (c.start <= last.end
                                || !text[last.end..c.start].chars().any(char::is_alphanumeric)) =>
                    {
                        last.end = last.end.max(c.end);
                        parts.push(c);
                    }
                    _ => joined.push((c.clone(), of, vec![c])),
                }
            }
            let mut tokens = Vec::new();
            let mut tidied: Vec<(Range<usize>, CutKind)> = Vec::with_capacity(joined.len());
            let mut pieces: Vec<(Range<usize>, Source)> = Vec::with_capacity(joined.len());
            for (c, source, parts) in joined {
                let whole = source.edited
                    || parts.len() == 1
                    || whole_sentences(text, c.clone(), self.kind, min, &mut tokens).is_some();
                if whole {
                    pieces.push((c, source));
                } else {
                    pieces.extend(parts.into_iter().map(|p| (p, source)));
                }
            }
            for (c, source) in pieces {
                // Edited copies are paragraphs: cut whole lines or nothing.
                let c = if source.edited {
                    let alone = |between: &str| !between.chars().any(char::is_alphanumeric);
                    let line_start = text[..c.start].rfind('\n').map_or(0, |i| i + 1);
                    let line_end = text[c.end..].find('\n').map_or(text.len(), |i| c.end + i);
                    if !alone(&text[line_start..c.start]) || !alone(&text[c.end..line_end]) {
                        continue;
                    }
                    c
                } else {
                    match whole_sentences(text, c, self.kind, min, &mut tokens) {
                        Some(c) => c,
                        None => continue,
                    }
                };
                tidied.push((
                    tidy_span(text, c),
                    CutKind::Passage {
                        copy_of: source.copy_of,
                        similarity: source.similarity,
                    },
                ));
            }
            // Overlapping cuts are cut as one.
            tidied.sort_by_key(|(r, _)| (r.start, r.end));
            for (r, why) in tidied {
                match ranges.last_mut() {
                    Some((last, _)) if r.start <= last.end => last.end = last.end.max(r.end),
                    _ => ranges.push((r, why)),
                }
            }
        }
        if let Some(lines_of) = self.boilerplate {
            let passages = ranges.len();
            for (start, end, content) in lines(text) {
                let Some(&documents) = lines_of.get(&line_key(content)) else {
                    continue;
                };
                // A common line that is the end or start of a sentence
                // wrapped over several lines ("said.") is not boilerplate.
                let words = start..end;
                let first = text[words.clone()].find(char::is_alphanumeric);
                let last = text[words.clone()]
                    .char_indices()
                    .rev()
                    .find(|(_, c)| c.is_alphanumeric())
                    .map(|(i, c)| i + c.len_utf8());
                if let (Some(f), Some(l)) = (first, last) {
                    if boundary_before(text, start + f) == Boundary::Weak
                        || boundary_after(text, start + l) == Boundary::Weak
                    {
                        continue;
                    }
                }
                // What a passage cut already removed is not cut twice.
                let mut pieces: Vec<Range<usize>> = std::iter::once(start..end).collect();
                for (r, _) in &ranges[..passages] {
                    pieces = pieces
                        .into_iter()
                        .flat_map(|p| subtract(p, r.clone()))
                        .collect();
                }
                for p in pieces {
                    ranges.push((p, CutKind::Boilerplate { documents }));
                }
            }
            ranges.sort_by_key(|(r, _)| (r.start, r.end));
            // Cuts that run to the end of a text without a final line break
            // take the break before them instead, so the text still ends
            // without one.
            if !text.ends_with('\n') && ranges.last().is_some_and(|(r, _)| r.end == text.len()) {
                let mut i = ranges.len() - 1;
                while i > 0 && ranges[i - 1].0.end == ranges[i].0.start {
                    i -= 1;
                }
                let first = &mut ranges[i].0;
                if first.start > 0 && text.as_bytes()[first.start - 1] == b'\n' {
                    first.start -= 1;
                }
            }
        }
        if ranges.is_empty() {
            return Vec::new();
        }
        let lines = LineIndex::new(text);
        ranges
            .into_iter()
            .map(|(r, why)| Cut {
                line_start: lines.line(r.start),
                line_end: lines.line(r.end.saturating_sub(1).max(r.start)),
                start: r.start,
                end: r.end,
                why,
            })
            .collect()
    }
}

/// `a` without `b`: zero, one or two ranges.
pub(super) fn subtract(a: Range<usize>, b: Range<usize>) -> Vec<Range<usize>> {
    if b.end <= a.start || b.start >= a.end {
        return vec![a];
    }
    let mut out = Vec::new();
    if a.start < b.start {
        out.push(a.start..b.start);
    }
    if b.end < a.end {
        out.push(b.end..a.end);
    }
    out
}

/// `text` without the `cuts` (sorted, not overlapping).
pub(super) fn apply(text: &str, cuts: &[Cut]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for c in cuts {
        if c.start > at {
            out.push_str(&text[at..c.start]);
        }
        at = at.max(c.end);
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod pieces {
    use super::*;

    /// A span tokenized a piece at a time narrows to the same sentences as
    /// the span tokenized whole, for every span between word edges.
    #[test]
    fn whole_sentences_are_the_same_in_pieces() {
        let text = "Storm hits the coast\nStorm hits the coast\n\nThe U.S. said so. \
                    Mr. Smith went on and on,\nwrapped in 1986. Ünïcode wörds here!\n\
                    Another line\nand more. Last one";
        let mut edges: Vec<usize> = Vec::new();
        let mut tokens = Vec::new();
        for kind in [TokenKind::Words, TokenKind::Chars] {
            text::tokenize(text, kind, &mut tokens);
            edges.clear();
            edges.extend(tokens.iter().step_by(2).map(|t| t.start as usize));
            edges.extend(tokens.iter().step_by(3).map(|t| t.end as usize));
            let mut found = 0;
            for &start in &edges {
                for &end in edges.iter().filter(|&&e| e > start) {
                    for min in [1, 3, 6] {
                        let whole = whole_sentences_in(
                            text,
                            start..end,
                            kind,
                            min,
                            usize::MAX,
                            &mut tokens,
                        );
                        found += usize::from(whole.is_some());
                        for piece in [1, 7, 30] {
                            let got =
                                whole_sentences_in(text, start..end, kind, min, piece, &mut tokens);
                            assert_eq!(
                                got, whole,
                                "{kind:?} {start}..{end} min {min} piece {piece}"
                            );
                        }
                    }
                }
            }
            assert!(found > 50, "{kind:?}: {found}");
        }
    }
}
