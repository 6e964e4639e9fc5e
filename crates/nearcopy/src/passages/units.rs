//! Lines and paragraphs of a document, as ranges of its tokens.
//!
//! News text often has one paragraph per line (the seed articles do), while
//! wire copy, e-mail and OCR output are hard-wrapped at a fixed width with
//! paragraphs separated by blank lines or indentation. So a paragraph is:
//!
//! * in a block of non-blank lines where every line but the last is at most
//!   [`WRAP_WIDTH`] characters (hard-wrapped text), the lines up to the next
//!   indented line (a line starting with white space begins a paragraph, as
//!   in Reuters copy);
//! * otherwise, each line.
//!
//! Lines are kept separately too: a short line (a menu entry, "Leave a
//! Reply") repeated across many documents is boilerplate even when it is
//! shorter than the shortest passage.

use std::ops::Range;

use crate::text::Token;

/// Lines longer than this (in characters) are not hard-wrapped text.
pub const WRAP_WIDTH: usize = 100;

/// The lines and paragraphs of one document, each as the range of its tokens
/// (only those holding at least one token).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Units {
    pub lines: Vec<Range<u32>>,
    pub paragraphs: Vec<Range<u32>>,
}

struct Line {
    tokens: Range<u32>,
    blank: bool,
    indented: bool,
    /// At most [`WRAP_WIDTH`] characters, trailing white space left out.
    narrow: bool,
}

impl Units {
    /// Finds the lines and paragraphs of `text`, whose tokens are `tokens`.
    pub fn find(&mut self, text: &str, tokens: &[Token]) {
        let mut t = 0usize;
        self.find_with(text, |end| {
            while t < tokens.len() && (tokens[t].start as usize) < end {
                t += 1;
            }
            t as u32
        });
    }

    /// [`Units::find`] told, for the end of each line in turn (the ends of
    /// `text.split_inclusive('\n')`), how many tokens start before it.
    pub fn find_with(&mut self, text: &str, mut before: impl FnMut(usize) -> u32) {
        self.lines.clear();
        self.paragraphs.clear();
        let mut lines = Vec::new();
        let mut t = 0u32;
        let mut at = 0usize;
        for raw in text.split_inclusive('\n') {
            let end = at + raw.len();
            let body = raw.trim_end_matches(['\n', '\r']);
            let first = t;
            t = before(end);
            let trimmed = body.trim_end();
            lines.push(Line {
                tokens: first..t,
                blank: trimmed.trim_start().is_empty(),
                indented: body.starts_with(char::is_whitespace),
                // Counted only as far as the limit: most lines of
                // unwrapped text are whole paragraphs.
                narrow: trimmed.len() <= WRAP_WIDTH || trimmed.chars().nth(WRAP_WIDTH).is_none(),
            });
            at = end;
        }
        let mut i = 0;
        while i < lines.len() {
            if lines[i].blank {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < lines.len() && !lines[j].blank {
                j += 1;
            }
            let block = &lines[i..j];
            let wrapped = block.len() >= 2 && block[..block.len() - 1].iter().all(|l| l.narrow);
            let mut para_start = block[0].tokens.start;
            for (k, line) in block.iter().enumerate() {
                if !line.tokens.is_empty() {
                    self.lines.push(line.tokens.clone());
                }
                if wrapped {
                    if k > 0 && line.indented {
                        self.push_paragraph(para_start..line.tokens.start);
                        para_start = line.tokens.start;
                    }
                } else {
                    self.push_paragraph(line.tokens.clone());
                }
            }
            if wrapped {
                self.push_paragraph(para_start..block[block.len() - 1].tokens.end);
            }
            i = j;
        }
    }

    fn push_paragraph(&mut self, r: Range<u32>) {
        if !r.is_empty() {
            self.paragraphs.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text;

    fn find(text: &str) -> (Vec<String>, Vec<String>) {
        let mut toks = Vec::new();
        text::words(text, &mut toks);
        let mut u = Units::default();
        u.find(text, &toks);
        let show = |r: &Range<u32>| {
            text[toks[r.start as usize].start as usize..toks[r.end as usize - 1].end as usize]
                .to_string()
        };
        (
            u.lines.iter().map(show).collect(),
            u.paragraphs.iter().map(show).collect(),
        )
    }

    #[test]
    fn long_lines_are_paragraphs() {
        let long = "word ".repeat(30);
        let text = format!("Title here\n{long}\n{long}end\n\n— \nLast line");
        let (lines, paras) = find(&text);
        assert_eq!(lines.len(), 4);
        assert_eq!(paras.len(), 4);
        assert_eq!(paras[0], "Title here");
        assert_eq!(paras[3], "Last line");
    }

    /// A line of exactly [`WRAP_WIDTH`] characters (two bytes each, so
    /// twice as many bytes) is still wrapped text; one more character is
    /// not. Trailing white space does not count.
    #[test]
    fn the_wrap_width_is_in_characters() {
        let line = |n: usize| {
            let words: Vec<&str> = std::iter::repeat_n("éé", n / 3).collect();
            let mut l = words.join(" ");
            while l.chars().count() < n {
                l.push('é');
            }
            l
        };
        for (width, joined) in [
            (WRAP_WIDTH - 1, true),
            (WRAP_WIDTH, true),
            (WRAP_WIDTH + 1, false),
        ] {
            let first = line(width);
            assert_eq!(first.chars().count(), width);
            let text = format!("{first}   \nlast line");
            let (_, paras) = find(&text);
            assert_eq!(paras.len(), if joined { 1 } else { 2 }, "width {width}");
        }
    }

    #[test]
    fn wrapped_text_joins_lines_and_splits_at_indent() {
        let text = "HEADLINE HERE\nLONDON, Feb 26 - The first\nparagraph goes on.\n    The second\nparagraph.\r\n\r\nThird one\nafter a blank.";
        let (lines, paras) = find(text);
        assert_eq!(lines.len(), 7);
        assert_eq!(
            paras,
            vec![
                "HEADLINE HERE\nLONDON, Feb 26 - The first\nparagraph goes on",
                "The second\nparagraph",
                "Third one\nafter a blank",
            ]
        );
    }
}
