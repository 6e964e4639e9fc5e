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
    /// Set by [`Analysis::start`]: whether the document is read a piece
    /// at a time ([`Window`]) instead of tokenized whole into `tokens`.
    windowed: bool,
    window: Window,
    /// Tokens before each line end of a windowed document, counted as its
    /// stretches are taken.
    line_ends: LineEnds,
    /// The next position [`Analysis::next_stretch`] takes.
    next_position: usize,
}

/// The tokens of a document too long to hold whole, tokenized a piece at a
/// time (cut where no token can cross, [`shingle::piece_end`]) and handed
/// out by range. Going forward it holds about a piece; a range before
/// what it holds is tokenized again from the start of the piece that
/// holds it (pieces are cut at the same places every time).
#[derive(Debug, Default)]
pub(super) struct Window {
    /// Tokens `first ..`, absolute offsets.
    buf: Vec<Token>,
    first: usize,
    /// The next byte of the text to tokenize.
    at: usize,
    /// Where each piece started: its first token and byte.
    starts: Vec<(usize, usize)>,
    /// Tokens tokenized so far at least once.
    seen: usize,
    piece: Vec<Token>,
}

impl Window {
    fn reset(&mut self) {
        self.buf.clear();
        self.first = 0;
        self.at = 0;
        self.starts.clear();
        self.seen = 0;
    }

    /// The tokens `r` of `text` (fewer where the text has fewer), calling
    /// `fresh` with every token tokenized for the first time.
    pub(super) fn get(
        &mut self,
        text: &str,
        kind: text::TokenKind,
        piece_bytes: usize,
        r: Range<usize>,
        mut fresh: impl FnMut(&Token),
    ) -> &[Token] {
        if r.start < self.first {
            let p = self.starts.partition_point(|&(t, _)| t <= r.start) - 1;
            let (t, at) = self.starts[p];
            self.buf.clear();
            self.first = t;
            self.at = at;
        }
        // Tokens before the range are let go once they are half the buffer:
        // amortised, a token is moved at most once.
        let dead = (r.start - self.first).min(self.buf.len());
        if dead > 0 && 2 * dead >= self.buf.len() {
            self.buf.drain(..dead);
            self.first += dead;
        }
        while self.first + self.buf.len() < r.end && self.at < text.len() {
            let next = self.first + self.buf.len();
            if self.starts.last().is_none_or(|&(t, _)| next > t) {
                self.starts.push((next, self.at));
            }
            let end = shingle::piece_end(text.as_bytes(), self.at + piece_bytes.max(1), kind);
            text::tokenize(&text[self.at..end], kind, &mut self.piece);
            for (i, t) in self.piece.iter().enumerate() {
                let t = Token::new(t.start as usize + self.at, t.end as usize + self.at, t.hash);
                if next + i >= self.seen {
                    fresh(&t);
                }
                self.buf.push(t);
            }
            self.seen = self.seen.max(next + self.piece.len());
            self.at = end;
        }
        let lo = (r.start - self.first).min(self.buf.len());
        let hi = r.end.saturating_sub(self.first).clamp(lo, self.buf.len());
        &self.buf[lo..hi]
    }
}

/// For [`Units::find_with`]: how many tokens start before each line end
/// (each end of `text.split_inclusive('\n')`), counted as tokens come.
#[derive(Debug, Default)]
struct LineEnds {
    counts: Vec<u32>,
    /// The end of the line being counted, and its tokens so far.
    end: usize,
    tokens: u32,
}

impl LineEnds {
    fn reset(&mut self, text: &str) {
        self.counts.clear();
        self.tokens = 0;
        self.end = line_end(text, 0);
    }

    /// A token starting at byte `start`, the next one of the text.
    fn token(&mut self, text: &str, start: usize) {
        while start >= self.end {
            self.counts.push(self.tokens);
            self.end = line_end(text, self.end);
        }
        self.tokens += 1;
    }

    /// Every token seen: the lines left, up to one count a line.
    fn finish(&mut self, text: &str) {
        let newlines = text.bytes().filter(|&b| b == b'\n').count();
        let lines = newlines + usize::from(!text.is_empty() && !text.ends_with('\n'));
        self.counts
            .resize(lines.max(self.counts.len()), self.tokens);
    }
}

/// The end of the line starting at byte `from`: after its `\n`, or the
/// end of the text.
fn line_end(text: &str, from: usize) -> usize {
    text.as_bytes()[from.min(text.len())..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| from + i + 1)
}

/// Positions whose `m`-grams are fingerprinted at a time by the reads that
/// go through a document once ([`Analysis::next_stretch`]).
const STRETCH: usize = 1 << 14;

/// The fingerprints of the `m`-grams of `tokens` into `grams` (cleared
/// first), through one serialised copy of their fingerprints in `bytes`.
fn grams_of(tokens: &[Token], m: usize, bytes: &mut Vec<u8>, grams: &mut Vec<u64>) {
    grams.clear();
    if tokens.len() < m.max(1) {
        return;
    }
    bytes.clear();
    for t in tokens {
        bytes.extend_from_slice(&t.hash.to_le_bytes());
    }
    crate::hash::token_windows(bytes, m, grams);
}

/// The tokens of a unit (a range of the document's tokens), handed over a
/// range at a time for [`Signer::keys_from`] and [`Signer::content_from`]:
/// from the whole document's tokens, or from the window of a windowed one.
struct UnitTokens<'a> {
    text: &'a str,
    cfg: &'a PassageConfig,
    windowed: bool,
    window: &'a mut Window,
    tokens: &'a [Token],
    start: usize,
}

impl UnitTokens<'_> {
    /// Calls `f` with the unit's tokens `r`.
    fn with(&mut self, r: Range<usize>, f: &mut dyn FnMut(&[Token])) {
        let r = self.start + r.start..self.start + r.end;
        if self.windowed {
            let (text, kind, piece) = (self.text, self.cfg.tokens, self.cfg.piece_bytes);
            f(self.window.get(text, kind, piece, r, |_| {}))
        } else {
            f(&self.tokens[r])
        }
    }
}

/// Tokens a thread's buffer keeps between documents (16 MiB of them).
const KEEP_TOKENS: usize = 1 << 20;

impl Analysis {
    /// Tokenises `text` and fingerprints all its `m`-grams into `grams`.
    pub fn tokens_and_grams(&mut self, text: &str, cfg: &PassageConfig) -> Result<()> {
        self.tokenize(text, cfg)?;
        self.grams_at(0..self.positions(cfg.min_words), cfg.min_words);
        Ok(())
    }

    /// Tokenises `text` whole; its `m`-grams are then fingerprinted a
    /// stretch at a time by [`Analysis::grams_at`]. A text longer than
    /// `piece_bytes` is read through a [`Window`] instead.
    pub fn tokenize(&mut self, text: &str, cfg: &PassageConfig) -> Result<()> {
        text::check_len(text)?;
        text::tokenize(text, cfg.tokens, &mut self.tokens);
        Ok(())
    }

    /// Lets go of buffers a huge document grew, so that the threads'
    /// buffers do not keep them for the rest of the corpus.
    pub fn trim(&mut self) {
        if self.tokens.capacity() > KEEP_TOKENS {
            self.tokens = Vec::new();
        }
        if self.window.buf.capacity() + self.window.piece.capacity() > KEEP_TOKENS {
            self.window = Window::default();
        }
    }

    /// Number of `m`-gram positions of the tokens.
    pub fn positions(&self, m: usize) -> usize {
        (self.tokens.len() + 1).saturating_sub(m)
    }

    /// Fingerprints of the `m`-grams starting at `positions` into `grams`
    /// (cleared first): [`crate::hash::tokens`] of the `m` token fingerprints from
    /// each position, hashing each window of one serialised copy of the
    /// stretch's tokens.
    pub fn grams_at(&mut self, positions: Range<usize>, m: usize) {
        if positions.is_empty() {
            self.grams.clear();
            return;
        }
        let tokens = &self.tokens[positions.start..positions.end + m - 1];
        grams_of(tokens, m, &mut self.bytes, &mut self.grams);
    }

    /// Starts the reads' pass over `text`: tokenizes it whole, or, past
    /// `cfg.piece_bytes`, sets it up to be read a piece at a time. Its
    /// `m`-grams then come a stretch at a time ([`Analysis::next_stretch`]).
    pub fn start(&mut self, text: &str, cfg: &PassageConfig) -> Result<()> {
        text::check_len(text)?;
        self.next_position = 0;
        self.windowed = text.len() > cfg.piece_bytes;
        if self.windowed {
            self.tokens.clear();
            self.window.reset();
            self.line_ends.reset(text);
        } else {
            text::tokenize(text, cfg.tokens, &mut self.tokens);
        }
        Ok(())
    }

    /// The next stretch of at most [`STRETCH`] positions with the
    /// fingerprints of their `m`-grams in `grams`; `None` past the last.
    /// A windowed document is only fully counted ([`Analysis::token_count`])
    /// once this has returned `None`.
    pub fn next_stretch(&mut self, text: &str, cfg: &PassageConfig) -> Option<Range<usize>> {
        let m = cfg.min_words;
        let p = self.next_position;
        self.next_position += STRETCH;
        if !self.windowed {
            let n = self.positions(m);
            if p >= n {
                return None;
            }
            let r = p..(p + STRETCH).min(n);
            self.grams_at(r.clone(), m);
            return Some(r);
        }
        let line_ends = &mut self.line_ends;
        let tokens = self.window.get(
            text,
            cfg.tokens,
            cfg.piece_bytes,
            p..p + STRETCH + m - 1,
            |t| line_ends.token(text, t.start as usize),
        );
        if tokens.len() < m.max(1) {
            return None;
        }
        grams_of(tokens, m, &mut self.bytes, &mut self.grams);
        Some(p..p + self.grams.len())
    }

    /// Number of tokens of the document.
    pub fn token_count(&self) -> usize {
        if self.windowed {
            self.window.seen
        } else {
            self.tokens.len()
        }
    }

    /// Finds lines and paragraphs, and the band keys of the eligible
    /// paragraphs. A windowed document has had all its stretches taken.
    pub fn paragraphs(&mut self, text: &str, cfg: &PassageConfig, signer: &Signer) {
        if self.windowed {
            self.line_ends.finish(text);
            let mut lines = self.line_ends.counts.iter();
            self.units
                .find_with(text, |_| lines.next().copied().unwrap_or(u32::MAX));
        } else {
            self.units.find(text, &self.tokens);
        }
        self.eligible.clear();
        self.keys.clear();
        for i in 0..self.units.paragraphs.len() {
            let p = self.units.paragraphs[i].clone();
            if p.len() >= cfg.min_words {
                self.eligible.push(i as u32);
                let (mut unit, sign, keys) = self.unit(text, cfg, p.start);
                let tokens_of = &mut |r, f: &mut dyn FnMut(&[Token])| unit.with(r, f);
                signer.keys_from(p.len(), tokens_of, sign, keys);
            }
        }
    }

    /// The token range of eligible paragraph `k`.
    pub fn eligible_range(&self, k: usize) -> Range<u32> {
        self.units.paragraphs[self.eligible[k] as usize].clone()
    }

    /// Fingerprint of the tokens in `r`.
    pub fn content(&mut self, text: &str, cfg: &PassageConfig, r: Range<u32>) -> u64 {
        let (mut unit, sign, _) = self.unit(text, cfg, r.start);
        let tokens_of = &mut |r, f: &mut dyn FnMut(&[Token])| unit.with(r, f);
        Signer::content_from(r.len(), tokens_of, sign)
    }

    /// The tokens from `start` on, with the signing buffers and the band
    /// keys, borrowed apart.
    fn unit<'a>(
        &'a mut self,
        text: &'a str,
        cfg: &'a PassageConfig,
        start: u32,
    ) -> (UnitTokens<'a>, &'a mut SignScratch, &'a mut Vec<u64>) {
        let unit = UnitTokens {
            text,
            cfg,
            windowed: self.windowed,
            window: &mut self.window,
            tokens: &self.tokens,
            start: start as usize,
        };
        (unit, &mut self.sign, &mut self.keys)
    }

    /// Finds the short lines (fewer than `m` tokens, at least
    /// [`MIN_LINE_WORDS`]: a line of one or two words is as often the tail
    /// of a hard-wrapped sentence as a phrase) with their content
    /// fingerprints, into `self.short`.
    pub fn short_lines(&mut self, text: &str, cfg: &PassageConfig) {
        self.short.clear();
        for k in 0..self.units.lines.len() {
            let r = self.units.lines[k].clone();
            if r.len() < cfg.min_words && r.len() >= MIN_LINE_WORDS as usize {
                let c = self.content(text, cfg, r.clone());
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
        // Whole, and read a piece at a time.
        for piece_bytes in [usize::MAX, 1000] {
            let cfg = PassageConfig {
                piece_bytes,
                ..cfg.clone()
            };
            a.start(&text, &cfg).unwrap();
            let (mut got, mut stretches) = (Vec::new(), 0);
            while let Some(r) = a.next_stretch(&text, &cfg) {
                assert_eq!(r.start, got.len());
                got.extend_from_slice(&a.grams);
                stretches += 1;
            }
            assert!(stretches > 2);
            assert_eq!(got, want, "pieces of {piece_bytes}");
            assert_eq!(a.token_count(), hashes.len());
        }
        a.tokens_and_grams(&text, &cfg).unwrap();
        assert_eq!(a.grams, want);
        a.tokens_and_grams("too short", &cfg).unwrap();
        assert!(a.grams.is_empty());
    }

    /// A window hands out the tokens the text gives whole, whatever the
    /// piece size and however the ranges go (forward, overlapping, back to
    /// the start), for words and characters, ASCII or not, and calls
    /// `fresh` once for each token, the first time it is tokenized.
    #[test]
    fn a_window_gives_the_tokens_of_the_whole() {
        let text = "Hello, world! The U.S. economy grew 3.5 % in 2023; naïve café \
                    a\u{301}b 東京タワー  résumé\r\nline two — done. "
            .repeat(40);
        for kind in [text::TokenKind::Words, text::TokenKind::Chars] {
            let mut whole = Vec::new();
            text::tokenize(&text, kind, &mut whole);
            let n = whole.len();
            let ranges = [
                0..5,
                3..40,
                40..41,
                n / 2..n / 2 + 70,
                10..20,
                n - 30..n + 5,
                0..n,
            ];
            for piece_bytes in [1, 7, 100, 1000, text.len() - 1, text.len()] {
                let mut window = Window::default();
                let mut fresh = Vec::new();
                for r in ranges.iter().cloned() {
                    let got = window.get(&text, kind, piece_bytes, r.clone(), |t| fresh.push(*t));
                    let want = &whole[r.start.min(n)..r.end.min(n)];
                    assert_eq!(got, want, "{kind:?} {r:?} in pieces of {piece_bytes}");
                }
                assert_eq!(fresh, whole, "{kind:?} in pieces of {piece_bytes}");
            }
        }
    }
}
