//! Repeated passages: text repeated inside one document or across documents,
//! with the exact byte range and lines of every copy.
//!
//! Three kinds of findings, all reported as *passage groups* (one distinct
//! text and every place it occurs):
//!
//! * **Exact repeats.** Every run of at least `min_words` tokens (default 8
//!   words, 16 characters with `--char-ngrams`) that occurs more than once,
//!   extended to its maximal length: a group is a *maximal repeat*, a token
//!   sequence that cannot be extended to the left or right in all its places
//!   at once. Copies of the same article block are one group with
//!   one place per copy; a shorter phrase that also occurs elsewhere is its
//!   own group with its own places.
//! * **Edited repeats.** Paragraphs of at least `min_words` tokens that are
//!   near-identical (Jaccard of 3-word shingles ≥ `passage_threshold`, default
//!   0.5) but not identical, found by MinHash and LSH and verified exactly;
//!   consecutive matching paragraphs form one block.
//! * **Lines.** Whole lines shorter than `min_words` but of at least three
//!   tokens, printed twice in one document (a doubled headline) or found in
//!   `boilerplate_docs` documents ("Leave a Reply", "Exit mobile version").
//!   Shorter lines are left out: in hard-wrapped text a line of one or two
//!   words is as often a sentence's tail ("the", "of the") as a phrase.
//! * **Boilerplate.** Any group found in at least `boilerplate_docs`
//!   documents (default 10).
//!
//! Told the near-duplicate groups of a `scan` ([`Families`],
//! [`find_in_known`]), the search leaves out what only the members of
//! one group share: it is why they are a group. What they share with other
//! documents, and what one of them repeats inside itself, is still found,
//! with its places in every member.
//!
//! A group in one document is `within`, in two or more `across`, in
//! `boilerplate_docs` or more `boilerplate`. Offsets are half-open byte
//! ranges into the original text, from the first character of the first
//! token to the end of the last token; lines are 1-based.
//!
//! ## The guarantee
//!
//! Every repeated run of `min_words` or more tokens is found, whatever its
//! length, in full (both ends exact): nothing is sampled. Tokens are equal
//! when their normalised forms (NFKC, lowercase) are, so case and Unicode
//! compatibility forms do not break a repeat, while punctuation and white
//! space are ignored. The only possible error is a collision of 64-bit
//! fingerprints. Edited paragraphs are found with probability at least
//! 0.99 at the passage threshold (the LSH shape is chosen for that) and
//! every reported pair is verified exactly.
//!
//! ## How: three reads, memory for what repeats
//!
//! Keeping every `m`-gram's positions for a whole corpus would take tens of
//! bytes per word. Instead ([`find`]):
//!
//! 1. **Count.** Every `m`-gram fingerprint, every paragraph band key and
//!    every short line is counted in a fixed-size two-level Bloom filter
//!    ([`filter`]) that says, afterwards, "seen at least twice" — never
//!    wrongly "once". Its size is about half the input size by default,
//!    at most 512 MiB (`filter_bytes`).
//! 2. **Extract.** A second read keeps only what the filter calls repeated:
//!    the runs of repeated `m`-gram fingerprints (8 bytes a position), the
//!    paragraphs with a repeated band key and the repeated short lines.
//!    Sorting the kept fingerprints removes the filter's false repeats;
//!    a suffix array over what remains gives the maximal repeats.
//! 3. **Locate and verify.** A third read, of the documents involved only,
//!    turns token positions into byte offsets, lines and previews, and
//!    computes exact Jaccard for candidate paragraph pairs.
//!
//! So memory is the filter plus about 30 bytes per repeated token (kept
//! fingerprints and the suffix array), plus a few hundred bytes per candidate
//! paragraph, whatever the size of the corpus. Standard input is spooled to a
//! temporary file so it can be read three times.
//!
//! [`within_document`] does the same for a single text in memory, for
//! callers that process documents one at a time (removing repeated
//! paragraphs from a kept document).

mod analysis;
pub(crate) mod assemble;
mod corpus;
pub(crate) mod edited;
pub(crate) mod exact;
mod families;
pub mod filter;
pub(crate) mod units;

use std::cmp::Reverse;
use std::ops::Range;

use serde::Serialize;

use crate::figures::round6;

pub use crate::config::PassageConfig;
pub use corpus::{
    find, find_in, find_in_known, Known, PassageParams, PassageSummary, PassageTimings, Passages,
};
pub use families::Families;

use analysis::Analysis;
use assemble::{Found, Place};
use edited::{Para, Signer, Verified};

/// Where a passage group was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Every place is in one document.
    Within,
    /// Places in two or more documents.
    Across,
    /// Places in at least `boilerplate_docs` documents.
    Boilerplate,
}

impl Kind {
    /// The label used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Within => "within",
            Kind::Across => "across",
            Kind::Boilerplate => "boilerplate",
        }
    }
}

/// How the places of a group match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    /// The same token sequence (a maximal repeat).
    Exact,
    /// Near-identical paragraphs (similarity below 1 or reordered words).
    Edited,
    /// The same whole short line.
    Line,
}

/// One place of a passage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Occurrence {
    /// Document id.
    pub doc: String,
    /// Byte offset of the first character of the first word.
    pub start: u64,
    /// Byte offset just past the last word.
    pub end: u64,
    /// 1-based line of `start`.
    pub line_start: u64,
    /// 1-based line of the last byte.
    pub line_end: u64,
    /// Tokens in this copy (edited copies differ in length).
    pub words: u64,
    /// Document number (input order).
    #[serde(skip)]
    pub doc_index: u32,
}

/// A passage and every place it occurs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassageGroup {
    /// `within`, `across` or `boilerplate`.
    pub kind: Kind,
    /// Tokens in the first copy.
    pub words: u64,
    /// A preview of the first copy.
    pub text: String,
    /// 1 for exact repeats; for edited copies the lowest Jaccard similarity
    /// of the shingle sets of two linked copies.
    pub similarity: f64,
    /// Number of distinct documents.
    pub documents: u64,
    /// `exact`, `edited` or `line`.
    #[serde(rename = "match")]
    pub matched: Match,
    /// Every place, by document (input order) and offset.
    pub occurrences: Vec<Occurrence>,
}

/// Bytes of text kept as the preview of a passage.
pub const PREVIEW_BYTES: usize = 200;

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

    /// The repeats inside `text`, as [`within_document`].
    pub fn find(&self, text: &str) -> Vec<Repeat> {
        let (cfg, signer) = (&self.cfg, &self.signer);
        let mut a = Analysis::default();
        if a.tokens_and_grams(text, cfg).is_err() {
            return Vec::new();
        }
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
        let mut found = match exact::maximal_repeats(runs, m, &Families::none()) {
            Ok(repeats) => assemble::exact(repeats.groups, m as u32),
            Err(_) => Vec::new(),
        };

        // Edited: all long-enough paragraphs of this text.
        a.paragraphs(text, cfg, signer);
        let mut paras = Vec::with_capacity(a.eligible.len());
        for k in 0..a.eligible.len() {
            let r = a.eligible_range(k);
            let content = a.content(r.clone());
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
            .map(|k| (a.keys[k], (k / bands) as u32))
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
        a.short_lines(m);
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
        let mut found = assemble::drop_fragments(found);
        assemble::classify_and_sort(&mut found, usize::MAX);
        found.sort_by_key(|f| (f.places[0], Reverse(f.places[0].words())));
        let bytes = |p: &Place| a.tokens[p.start as usize].start..a.tokens[p.end as usize - 1].end;
        found
            .iter()
            .map(|f| Repeat {
                first: bytes(&f.places[0]),
                later: f.places[1..].iter().map(bytes).collect(),
                words: f.places[0].words() as usize,
                similarity: round6(f.similarity),
                matched: f.matched,
            })
            .collect()
    }
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

/// Exact Jaccard of two sorted shingle sets, kept when it reaches
/// `threshold`.
fn verify_pair(a: u32, b: u32, sa: &[u64], sb: &[u64], threshold: f64) -> Option<Verified> {
    let inter = crate::verify::intersection(sa, sb) as u64;
    let union = sa.len() as u64 + sb.len() as u64 - inter;
    (union > 0 && inter as f64 / union as f64 >= threshold).then_some(Verified {
        a,
        b,
        inter,
        union,
    })
}

/// An edited group as a finding, in token ranges. `paras` is in (doc,
/// index) order and holds every paragraph a group can name.
fn edited_found(g: &edited::EditedGroup, paras: &[Para]) -> Found {
    let at = |doc: u32, index: u32| -> &Para {
        let k = paras.partition_point(|p| (p.doc, p.index) < (doc, index));
        &paras[k.min(paras.len() - 1)]
    };
    Found {
        matched: Match::Edited,
        similarity: g.similarity,
        places: g
            .places
            .iter()
            .map(|&(doc, i1, i2)| Place {
                doc,
                start: at(doc, i1).tokens.start,
                end: at(doc, i2).tokens.end,
            })
            .collect(),
        kind: Kind::Within,
    }
}
