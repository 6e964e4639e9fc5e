//! The search inside one text in memory ([`within_document`]), for
//! callers that process documents one at a time (`dedup --passages` cuts
//! the later copies from each kept document). It finds what the corpus
//! search finds in one document, counting exactly instead of with a
//! filter, and shares its finishing step.

use std::cmp::Reverse;
use std::ops::Range;

use super::analysis::Analysis;
use super::assemble::{self, Place};
use super::edited::{self, Para, Signer};
use super::exact;
use super::families::Families;
use super::tagged::Tagged;
use super::{edited_found, verify_pair, Match};
use crate::config::{PassageConfig, ScanConfig};
use crate::error::Result;
use crate::figures::round6;
use crate::input::Inputs;
use crate::progress::Silent;

/// A passage repeated inside one document, as byte ranges of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Repeat {
    /// The first copy.
    pub first: Range<usize>,
    /// Every later copy, ascending. None overlaps `first`, except in a
    /// periodic run whose period is shorter than `min_words` (`ha ha ha
    /// …`): it is reported as its two maximal copies, one period apart,
    /// so cutting the later one leaves a single period.
    pub later: Vec<Range<usize>>,
    /// Tokens in the first copy.
    pub words: usize,
    /// 1 for exact repeats, else the Jaccard similarity of the paragraphs.
    pub similarity: f64,
    /// How the copies match.
    pub matched: Match,
}

/// The repeats inside `text`: exact runs of at least `cfg.min_words`
/// tokens, edited paragraphs and whole lines printed twice (of three tokens
/// or more), each maximal, in the order of their first copy. Cutting every
/// [`Repeat::later`] range (see [`later_copies`]) leaves one copy of each. For many documents, build a [`RepeatFinder`] once.
pub fn within_document(text: &str, cfg: &PassageConfig) -> Vec<Repeat> {
    RepeatFinder::new(cfg).find(text)
}

/// Finds repeats inside single documents ([`within_document`]), with the
/// paragraph signer built once.
#[derive(Debug, Clone)]
pub struct RepeatFinder {
    cfg: PassageConfig,
    signer: Signer,
}

impl RepeatFinder {
    /// A finder for `cfg`. Values out of range (see
    /// [`PassageConfig::validate`]) are brought to the nearest valid one.
    pub fn new(cfg: &PassageConfig) -> RepeatFinder {
        let mut cfg = cfg.clone();
        cfg.min_words = cfg.min_words.clamp(2, 100_000);
        cfg.shingle = cfg.shingle.clamp(1, 64);
        cfg.perms = cfg.perms.clamp(1, 1024);
        if !(cfg.passage_threshold > 0.0 && cfg.passage_threshold <= 1.0) {
            cfg.passage_threshold = PassageConfig::default().passage_threshold;
        }
        RepeatFinder {
            signer: Signer::new(cfg.perms, cfg.banding(), cfg.shingle),
            cfg,
        }
    }

    /// The repeats inside `text`, as [`within_document`]; a text that
    /// cannot be searched (see [`RepeatFinder::try_find`]) has none.
    pub fn find(&self, text: &str) -> Vec<Repeat> {
        self.try_find(text).unwrap_or_default()
    }

    /// [`RepeatFinder::find`], or why `text` could not be searched: too
    /// large (more than 4 GiB, or more repeated positions than the suffix
    /// array holds), or, for a text past `piece_bytes`, what stopped the
    /// search of it (a signal, a full temporary directory).
    pub fn try_find(&self, text: &str) -> Result<Vec<Repeat>> {
        if text.len() > self.cfg.piece_bytes {
            let spool = self.spool(text)?;
            return self.find_spooled(&spool);
        }
        let (cfg, signer) = (&self.cfg, &self.signer);
        let mut a = Analysis::default();
        a.tokens_and_grams(text, cfg)?;
        let m = cfg.min_words;

        // Exact: count the m-grams of this one text exactly.
        let mut order: Vec<(u64, u32)> = a
            .grams
            .iter()
            .enumerate()
            .map(|(p, &g)| (g, p as u32))
            .collect();
        order.sort_unstable();
        let mut repeated = vec![false; a.grams.len()];
        let mut i = 0;
        while i < order.len() {
            let mut j = i + 1;
            while j < order.len() && order[j].0 == order[i].0 {
                j += 1;
            }
            if j - i >= 2 {
                for &(_, p) in &order[i..j] {
                    repeated[p as usize] = true;
                }
            }
            i = j;
        }
        let mut runs = exact::Runs::default();
        let mut p = 0;
        while p < repeated.len() {
            if !repeated[p] {
                p += 1;
                continue;
            }
            let q = repeated[p..]
                .iter()
                .position(|&r| !r)
                .map_or(repeated.len(), |k| p + k);
            runs.push(0, p as u32, &a.grams[p..q]);
            p = q;
        }
        let repeats = exact::maximal_repeats(runs, m, &Families::none())?;
        let mut found = assemble::exact(repeats.groups, m as u32);

        // Edited: all long-enough paragraphs of this text.
        a.paragraphs(text, cfg, signer);
        let mut paras = Vec::with_capacity(a.eligible.len());
        for k in 0..a.eligible.len() {
            let r = a.eligible_range(k);
            let content = a.content(text, cfg, r.clone());
            paras.push(Para {
                doc: 0,
                index: k as u32,
                tokens: r,
                content,
            });
        }
        let rep = edited::representatives(&paras);
        let bands = signer.bands();
        let entries = (0..a.keys.len())
            .map(|k| Tagged::new(a.keys[k], (k / bands) as u32))
            .collect();
        let pairs = edited::candidates(&rep, entries);
        let mut sets: ahash::AHashMap<u32, Vec<u64>> = ahash::AHashMap::new();
        let mut verified = Vec::new();
        for &(x, y) in &pairs {
            for z in [x, y] {
                if !sets.contains_key(&z) {
                    let r = paras[z as usize].tokens.clone();
                    signer.shingles(&a.tokens[r.start as usize..r.end as usize], &mut a.sign);
                    sets.insert(z, a.sign.set.clone());
                }
            }
            if let Some(v) = verify_pair(x, y, &sets[&x], &sets[&y], cfg.passage_threshold) {
                verified.push(v);
            }
        }
        let shingles =
            |i: u32| edited::shingle_count(paras[i as usize].tokens.len() as u32, cfg.shingle);
        for g in edited::groups(&paras, &rep, &verified, shingles) {
            found.push(edited_found(&g, &paras));
        }
        let mut found = assemble::drop_covered(found);

        // Lines: whole short lines printed twice or more.
        a.short_lines(text, cfg);
        let lines = a
            .short
            .iter()
            .map(|(r, c)| {
                let place = Place {
                    doc: 0,
                    start: r.start,
                    end: r.end,
                };
                (*c, place)
            })
            .collect();
        found.extend(assemble::lines(lines, usize::MAX));
        let mut found = assemble::finish(found, usize::MAX);
        found.sort_by_key(|f| (f.places[0], Reverse(f.places[0].words())));
        let bytes = |p: &Place| {
            a.tokens[p.start as usize].start as usize..a.tokens[p.end as usize - 1].end as usize
        };
        Ok(found
            .iter()
            .map(|f| Repeat {
                first: bytes(&f.places[0]),
                later: f.places[1..].iter().map(bytes).collect(),
                words: f.places[0].words() as usize,
                similarity: round6(f.similarity),
                matched: f.matched,
            })
            .collect())
    }
}

impl RepeatFinder {
    /// [`RepeatFinder::try_find`] for a caller that can let go of `text`
    /// while the search runs: it comes back with the repeats. A text past
    /// `piece_bytes` is freed once spooled for the corpus search and read
    /// back from the spool when the search is done, so memory holds it
    /// once, not twice, at the search's peak (`dedup --passages` of one
    /// enormous record). On an error the text is gone with it: for callers
    /// that stop on the error, as `dedup` does.
    pub fn try_find_owned(&self, text: String) -> Result<(Vec<Repeat>, String)> {
        if text.len() <= self.cfg.piece_bytes {
            let repeats = self.try_find(&text)?;
            return Ok((repeats, text));
        }
        let spool = self.spool(&text)?;
        drop(text);
        let repeats = self.find_spooled(&spool)?;
        Ok((repeats, spool.inputs.text_back(&spool.scan.input)?))
    }

    /// `text` written out for the corpus search.
    fn spool(&self, text: &str) -> Result<Spool> {
        let scan = ScanConfig {
            passages: self.cfg.clone(),
            ..ScanConfig::default()
        };
        let inputs = Inputs::from_text(text, &scan.input)?;
        Ok(Spool { inputs, scan })
    }

    /// [`RepeatFinder::find`] of a spooled text longer than `piece_bytes`, by the
    /// corpus search on it alone, which reads it a piece at a time and
    /// reports the same copies: this search holds every token, every
    /// `m`-gram and their order at once (40 bytes a word), the corpus
    /// search about what one read of the text needs.
    fn find_spooled(&self, spool: &Spool) -> Result<Vec<Repeat>> {
        let found = super::find_in(&spool.inputs, &spool.scan, &Silent)?;
        let mut out: Vec<Repeat> = found
            .passages
            .into_iter()
            .filter_map(|g| {
                let mut places = g
                    .occurrences
                    .iter()
                    .map(|o| o.start as usize..o.end as usize);
                let first = places.next()?;
                Some(Repeat {
                    first,
                    later: places.collect(),
                    words: g.words as usize,
                    similarity: g.similarity,
                    matched: g.matched,
                })
            })
            .collect();
        out.sort_by_key(|r| (r.first.start, r.first.end, Reverse(r.words)));
        Ok(out)
    }
}

/// One text written to a temporary file, read by the corpus search.
struct Spool {
    inputs: Inputs,
    scan: ScanConfig,
}

/// The later copies of `repeats` as sorted, merged byte ranges: what to cut
/// to keep one copy of each repeat.
pub fn later_copies(repeats: &[Repeat]) -> Vec<Range<usize>> {
    let mut all: Vec<Range<usize>> = repeats.iter().flat_map(|r| r.later.clone()).collect();
    all.sort_unstable_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::new();
    for r in all {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod huge {
    use super::*;
    use crate::passages::testing::words;

    /// A text past `piece_bytes` goes through the corpus search, read a
    /// piece at a time: the same repeats as the search of one text.
    #[test]
    fn a_huge_text_gives_the_same_repeats() {
        let block = format!("{}\n{}\n", words(40, 1), words(30, 2));
        let headline = "Storm hits the coast";
        let para = words(60, 3);
        let edited = para.replacen("w", "changed w", 5);
        let texts = [
            format!(
                "{headline}\n{headline}\n{block}{}\n{block}{para}\n\n{edited}\n",
                words(20, 6)
            ),
            format!("{} {}\n{}", words(3000, 4), words(50, 5), words(50, 5)),
            "ha ha ha ha ha ha ha ha ha ha ha ha ha ha ha ha ha ha".to_string(),
            words(100, 7),
            // A NUL byte: spooled as JSON Lines, not as a text file (which
            // would be skipped as binary).
            format!("\0{}\n{}\n", words(30, 8), words(30, 8)),
            // A byte-order mark is text: the offsets count it.
            format!("\u{feff}{}\n{}\n", words(30, 9), words(30, 9)),
        ];
        for kind in [crate::text::TokenKind::Words, crate::text::TokenKind::Chars] {
            let cfg = PassageConfig::for_tokens(kind);
            let pieces = PassageConfig {
                piece_bytes: 64,
                ..cfg.clone()
            };
            let finder = RepeatFinder::new(&pieces);
            for text in &texts {
                let want = within_document(text, &cfg);
                assert_eq!(within_document(text, &pieces), want, "{kind:?}: {text:.60}");
                // Given up during the search, the text comes back as it was.
                let (got, back) = finder.try_find_owned(text.clone()).unwrap();
                assert_eq!((got, &back), (want, text), "{kind:?}: {text:.60}");
            }
            let nul = within_document(&texts[4], &pieces);
            assert_eq!(nul.len(), 1, "{nul:?}");
            let first = within_document(&texts[0], &pieces);
            assert!(first.len() >= 3, "{first:?}");
        }
    }
}
