//! Synthetic corpora with known truth.
//!
//! Recall and precision need an answer key, and real labelled corpora are
//! small. This module writes English-like corpora of any size with
//! near-duplicates and repeated passages planted on purpose, and a truth file
//! that says exactly what was planted:
//!
//! * **Text.** Words are drawn from a generated vocabulary with Zipf
//!   frequencies (exponent 1: the top ranks are real English function words,
//!   the rest pronounceable made-up words, one in a hundred with an accent so
//!   the Unicode path of the tokeniser is exercised), in sentences and
//!   paragraphs with commas, numbers, quotations and a headline. Each
//!   document belongs to one of several *sites*, each with its own header and
//!   footer lines (navigation, copyright) and its own line wrapping.
//! * **Near-duplicates** of earlier documents at a target Jaccard drawn
//!   uniformly from `[min_jaccard, 1)`: word substitutions, insertions and
//!   deletions; reordered paragraphs; truncation; extension with new
//!   paragraphs; sometimes republished on another site. Plus **exact copies**
//!   (the same bytes) and **reformatted copies** (re-wrapped lines, a
//!   capitalised headline: Jaccard 1 after normalisation, different bytes).
//! * **Passages.** Documents that print a block of paragraphs (or their
//!   headline) twice, and documents that received one or two paragraphs
//!   copied from another document.
//!
//! The truth records, for every planted pair and every other pair of related
//! documents at Jaccard ≥ [`COMPLETE_FROM`], the exact Jaccard of their
//! shingle sets computed with the library's own tokeniser and shingler (so it
//! is the number `scan` computes), and the byte ranges of every occurrence of
//! every planted passage, including those inherited by copies. Unrelated
//! documents share only site boilerplate, which keeps their Jaccard well
//! under [`COMPLETE_FROM`] (a test checks this with the exact join).
//!
//! **Determinism.** Everything is a pure function of the seed and the
//! document number: each document draws from its own streams of a SplitMix64
//! generator seeded by XXH3 of `(seed, document, purpose)`, and no
//! floating-point function outside IEEE basic arithmetic is used (no `powf`,
//! `exp`, `ln`, whose last bits vary between platforms). So any document can
//! be regenerated on its own, which is how a near-duplicate finds the text of
//! its source far earlier in the corpus, and the output is byte-identical at
//! any thread count: documents are made in chunks of [`CHUNK`] in parallel
//! and written in order.
//!
//! **Truth cost.** After writing, documents linked by a planted relation are
//! grouped (union-find), each group is regenerated and shingled, and its
//! pairs are found with the exact join ([`crate::exact::join_sets`]); groups
//! stay small at the default rates.

use std::path::Path;
use std::sync::mpsc;
use std::time::Instant;

use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::cluster::UnionFind;
use crate::error::{Error, Result};
use crate::exact;
use crate::figures::round6;
use crate::hash::SplitMix64;
use crate::output;
use crate::progress::Progress;
use crate::shingle;
use crate::text::{self, LineIndex, Token};
use crate::verify;

/// Documents generated together (and with the same per-chunk work split);
/// fixed, so output never depends on the thread count.
pub const CHUNK: usize = 1024;

/// Every pair of related documents with Jaccard at or above this is in the
/// truth (planted pairs are there whatever their Jaccard).
pub const COMPLETE_FROM: f64 = 0.2;

/// Version of the generator; bumped whenever the same seed would give
/// different bytes.
pub const VERSION: u32 = 1;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Number of documents.
    pub docs: usize,
    /// Seed: the same seed and options give the same bytes.
    pub seed: u64,
    /// Number of sites (sources), each with its own boilerplate.
    pub sites: usize,
    /// Size of the generated vocabulary.
    pub vocabulary: usize,
    /// Mean number of words in a document body (headline and boilerplate
    /// not counted); about 6.5 bytes per word.
    pub words: usize,
    /// Share of documents that are near-duplicates of an earlier one.
    pub near: f64,
    /// Share of documents that are exact (two thirds) or reformatted (one
    /// third) copies of an earlier one.
    pub exact: f64,
    /// Share of documents that print a block of paragraphs, or the
    /// headline, twice.
    pub doubled: f64,
    /// Share of documents that received paragraphs copied from another.
    pub passages: f64,
    /// Lowest target Jaccard of a near-duplicate (targets are uniform in
    /// `[min_jaccard, 1)`).
    pub min_jaccard: f64,
    /// Words per shingle of the Jaccard figures in the truth.
    pub shingle: usize,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
}

impl Default for SynthConfig {
    fn default() -> SynthConfig {
        SynthConfig {
            docs: 10_000,
            seed: 0,
            sites: 8,
            vocabulary: 30_000,
            words: 700,
            near: 0.15,
            exact: 0.04,
            doubled: 0.05,
            passages: 0.05,
            min_jaccard: 0.3,
            shingle: 5,
            threads: 0,
        }
    }
}

impl SynthConfig {
    /// Checks every value, with a message that says what to change.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Config(m));
        if self.docs == 0 || self.docs >= u32::MAX as usize {
            return bad(format!(
                "--docs must be 1 to {}, got {}",
                u32::MAX - 1,
                self.docs
            ));
        }
        if self.sites == 0 || self.sites > 1000 {
            return bad(format!("--sites must be 1 to 1000, got {}", self.sites));
        }
        if self.vocabulary < 1000 || self.vocabulary > 1_000_000 {
            return bad(format!(
                "--vocabulary must be 1000 to 1000000, got {}",
                self.vocabulary
            ));
        }
        // Shorter bodies would let two unrelated documents of one site share
        // enough boilerplate to look related.
        if self.words < 100 || self.words > 100_000 {
            return bad(format!("--words must be 100 to 100000, got {}", self.words));
        }
        for (name, v) in [
            ("--near", self.near),
            ("--exact", self.exact),
            ("--doubled", self.doubled),
            ("--passages", self.passages),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(format!("{name} must be a share in [0, 1], got {v}"));
            }
        }
        // Above this, planted links chain most documents into one group whose
        // truth is slow to compute.
        if self.near + self.exact + self.passages > 0.6 + 1e-9 {
            return bad(format!(
                "--near + --exact + --passages must be at most 0.6, got {}",
                self.near + self.exact + self.passages
            ));
        }
        if !(0.05..1.0).contains(&self.min_jaccard) {
            return bad(format!(
                "--min-jaccard must be in [0.05, 1), got {}",
                self.min_jaccard
            ));
        }
        if self.shingle == 0 || self.shingle > 64 {
            return bad(format!("--shingle must be 1 to 64, got {}", self.shingle));
        }
        Ok(())
    }

    /// A rayon pool of the configured size, owned by the run.
    pub fn pool(&self) -> Result<rayon::ThreadPool> {
        crate::config::pool(self.threads)
    }

    /// Shortest body in words.
    fn body_min(&self) -> usize {
        (self.words / 4).max(100)
    }
}

/// A small stable pseudo-random generator: SplitMix64 behind helpers.
/// Unlike general-purpose crates, its streams are fixed forever.
#[derive(Debug, Clone)]
pub struct Rng(SplitMix64);

impl Rng {
    /// A generator for one purpose (`tag`) of one item under `seed`.
    pub fn stream(seed: u64, item: u64, tag: u64) -> Rng {
        let mut b = [0u8; 24];
        b[..8].copy_from_slice(&seed.to_le_bytes());
        b[8..16].copy_from_slice(&item.to_le_bytes());
        b[16..].copy_from_slice(&tag.to_le_bytes());
        Rng(SplitMix64::new(xxh3_64(&b)))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next()
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-high.
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform in `[0, 1)` with 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

// Stream tags: one per purpose, so that changing how one thing is drawn
// leaves the others as they were.
const ROLE: u64 = 1;
const SITE: u64 = 2;
const BASE: u64 = 3;
const EDIT: u64 = 4;
const FEATURES: u64 = 5;
const DONOR: u64 = 6;
const SOURCE: u64 = 7;
const VOCAB: u64 = 8;
const SITES: u64 = 9;
const REFORMAT: u64 = 10;

/// Walker/Vose alias table: O(1) draws from a fixed discrete distribution.
#[derive(Debug, Clone)]
struct Alias {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    /// Zipf with exponent 1 over `n` ranks: weight `1 / (rank + 1)`.
    fn zipf(n: usize) -> Alias {
        let weights: Vec<f64> = (0..n).map(|r| 1.0 / (r + 1) as f64).collect();
        let total: f64 = weights.iter().sum();
        let mut prob: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias = vec![0u32; n];
        let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| prob[i] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            alias[s] = l as u32;
            prob[l] -= 1.0 - prob[s];
            if prob[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for i in small.into_iter().chain(large) {
            prob[i] = 1.0;
        }
        Alias { prob, alias }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let x = rng.next_u64();
        let i = (((x >> 32) * self.prob.len() as u64) >> 32) as usize;
        let coin = (x & 0xffff_ffff) as f64 * (1.0 / 4_294_967_296.0);
        if coin < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

/// The most frequent English words, in order: the top of the vocabulary.
const FUNCTION_WORDS: &[&str] = &[
    "the", "of", "and", "to", "a", "in", "that", "is", "was", "he", "for", "it", "with", "as",
    "his", "on", "be", "at", "by", "had", "not", "are", "but", "from", "or", "have", "an", "they",
    "which", "one", "you", "were", "her", "all", "she", "there", "would", "their", "we", "him",
    "been", "has", "when", "who", "will", "more", "no", "if", "out", "so", "said", "what", "up",
    "its", "about", "into", "than", "them", "can", "only", "other", "new", "some", "could", "time",
    "these", "two", "may", "then", "do", "first", "any", "my", "now", "such", "like", "our",
    "over", "man", "me", "even", "most", "made", "after", "also", "did", "many", "before", "must",
    "through", "back", "years", "where", "much", "your", "way", "well", "down", "should",
    "because", "each", "just", "those", "people", "how", "too", "little", "state", "good", "very",
    "make", "world", "still", "own", "see", "men", "work", "long", "get", "here", "between",
    "both", "life", "being", "under", "never", "day", "same", "another", "know", "while", "last",
    "might", "great", "old", "year", "off", "come", "since", "against", "go", "came", "right",
    "used", "take", "three",
];

/// Made-up words never contain these, so that no generated text reads as
/// an insult.
const BLOCKED: &[&str] = &[
    "anal", "anus", "arse", "ass", "bitch", "cock", "crap", "cum", "cunt", "damn", "dick", "fag",
    "fuck", "jiz", "nig", "piss", "poo", "porn", "rape", "shit", "slut", "tit", "twat", "whor",
];

const ONSETS: &[&str] = &[
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br",
    "cr", "dr", "fl", "gr", "pl", "pr", "st", "tr", "ch", "sh", "th", "sl", "sp", "bl", "cl", "gl",
    "sc",
];
const VOWELS: &[&str] = &[
    "a", "e", "i", "o", "u", "a", "e", "i", "o", "ea", "ou", "ai", "ie", "oo",
];
const CODAS: &[&str] = &[
    "", "", "", "", "", "", "n", "r", "s", "l", "t", "m", "nd", "st", "ng", "ck", "x",
];

/// The vocabulary: words by rank, stored end to end, and a Zipf sampler.
#[derive(Debug, Clone)]
struct Vocab {
    arena: String,
    ends: Vec<u32>,
    zipf: Alias,
}

impl Vocab {
    fn new(seed: u64, size: usize) -> Vocab {
        let mut arena = String::new();
        let mut ends = Vec::with_capacity(size);
        let mut seen: AHashSet<String> = AHashSet::new();
        for rank in 0..size {
            let word = match FUNCTION_WORDS.get(rank) {
                Some(w) => w.to_string(),
                None => {
                    let mut rng = Rng::stream(seed, rank as u64, VOCAB);
                    loop {
                        let w = pseudo_word(&mut rng, rank);
                        if !seen.contains(&w) && !BLOCKED.iter().any(|b| w.contains(b)) {
                            break w;
                        }
                    }
                }
            };
            arena.push_str(&word);
            ends.push(arena.len() as u32);
            seen.insert(word);
        }
        Vocab {
            arena,
            ends,
            zipf: Alias::zipf(size),
        }
    }

    fn word(&self, rank: usize) -> &str {
        let start = if rank == 0 {
            0
        } else {
            self.ends[rank - 1] as usize
        };
        &self.arena[start..self.ends[rank] as usize]
    }

    fn sample(&self, rng: &mut Rng) -> &str {
        self.word(self.zipf.sample(rng))
    }

    fn len(&self) -> usize {
        self.ends.len()
    }
}

/// A pronounceable made-up word; rarer ranks get longer words, as in
/// natural languages.
fn pseudo_word(rng: &mut Rng, rank: usize) -> String {
    let syllables = match rank {
        0..=1999 => 1 + rng.below(2),
        2000..=9999 => 2,
        _ => 2 + rng.below(2),
    };
    let mut w = String::new();
    for s in 0..syllables {
        if s > 0 || !rng.chance(0.3) {
            w.push_str(ONSETS[rng.below(ONSETS.len())]);
        }
        w.push_str(VOWELS[rng.below(VOWELS.len())]);
        w.push_str(CODAS[rng.below(CODAS.len())]);
    }
    if rng.chance(0.01) {
        // An accented vowel: exercises the non-ASCII path of the tokeniser.
        if let Some(i) = w.rfind(['e', 'o', 'u', 'i']) {
            let acc = match &w[i..i + 1] {
                "e" => "é",
                "o" => "ö",
                "u" => "ü",
                _ => "ï",
            };
            w.replace_range(i..i + 1, acc);
        }
    }
    w
}

fn push_capitalized(out: &mut String, word: &str) {
    let mut chars = word.chars();
    if let Some(c) = chars.next() {
        out.extend(c.to_uppercase());
        out.push_str(chars.as_str());
    }
}

/// One site: its name, boilerplate and line wrapping.
#[derive(Debug, Clone)]
struct Site {
    slug: String,
    header: String,
    footer: String,
    /// Column at which body lines are wrapped; 0 = one line per paragraph.
    wrap: usize,
}

const SITE_KINDS: &[&str] = &[
    "Daily",
    "Times",
    "Post",
    "Herald",
    "Review",
    "Journal",
    "Tribune",
    "Gazette",
    "Observer",
    "Chronicle",
    "Courier",
    "Ledger",
];

fn make_sites(seed: u64, n: usize, vocab: &Vocab) -> Vec<Site> {
    let mut sites = Vec::with_capacity(n);
    let mut slugs: AHashSet<String> = AHashSet::new();
    let cap = |rng: &mut Rng, from: usize, to: usize| -> String {
        loop {
            let w = vocab.word(from + rng.below(to - from));
            if w.is_ascii() {
                let mut s = String::new();
                push_capitalized(&mut s, w);
                return s;
            }
        }
    };
    let mid = vocab.len().min(5000);
    for i in 0..n {
        let mut rng = Rng::stream(seed, i as u64, SITES);
        let brand = cap(&mut rng, FUNCTION_WORDS.len(), mid);
        let kind = SITE_KINDS[rng.below(SITE_KINDS.len())];
        let name = format!("{brand} {kind}");
        let mut slug = format!("{}-{}", brand.to_lowercase(), kind.to_lowercase());
        if !slugs.insert(slug.clone()) {
            slug = format!("{slug}-{i}");
            slugs.insert(slug.clone());
        }
        let mut nav = String::from("Home");
        for _ in 0..5 {
            nav.push_str(" | ");
            nav.push_str(&cap(&mut rng, FUNCTION_WORDS.len(), mid));
        }
        nav.push_str(" | Subscribe");
        let header = format!("{name}\n{nav}");
        let footer = format!(
            "© {} {name}. All rights reserved.\nAbout us | Contact | Privacy policy | Terms of use | {}\n\
             Follow {name} on {} and {} for more {} news.",
            1995 + rng.below(30),
            cap(&mut rng, FUNCTION_WORDS.len(), mid),
            cap(&mut rng, FUNCTION_WORDS.len(), mid),
            cap(&mut rng, FUNCTION_WORDS.len(), mid),
            vocab
                .word(FUNCTION_WORDS.len() + rng.below(mid - FUNCTION_WORDS.len())),
        );
        let wrap = if rng.chance(0.35) {
            64 + rng.below(17)
        } else {
            0
        };
        sites.push(Site {
            slug,
            header,
            footer,
            wrap,
        });
    }
    sites
}

/// How a near-duplicate was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// Word substitutions, insertions and deletions.
    Edit,
    /// Paragraphs shuffled, then edited.
    Reorder,
    /// Cut short.
    Truncate,
    /// New paragraphs added.
    Extend,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Edit => "edit",
            Op::Reorder => "reorder",
            Op::Truncate => "truncate",
            Op::Extend => "extend",
        }
    }
}

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Original,
    /// The same bytes as `source`.
    Exact {
        source: u32,
    },
    /// `source` with lines re-wrapped (and maybe the headline capitalised).
    Reformat {
        source: u32,
    },
    /// `source` edited towards a target Jaccard.
    Near {
        source: u32,
        op: Op,
        target: f64,
    },
}

impl Role {
    fn source(self) -> Option<u32> {
        match self {
            Role::Original => None,
            Role::Exact { source } | Role::Reformat { source } | Role::Near { source, .. } => {
                Some(source)
            }
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Role::Original => "original",
            Role::Exact { .. } => "exact",
            Role::Reformat { .. } => "reformat",
            Role::Near { op, .. } => op.name(),
        }
    }
}

/// A doubled block: the headline, or paragraphs `from..to` repeated at
/// paragraph boundary `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Double {
    Title,
    Block { from: usize, to: usize, at: usize },
}

/// Where a document's own planted passages go.
#[derive(Debug, Clone, Copy, Default)]
struct Features {
    double: Option<Double>,
    /// Paragraph boundary where received paragraphs are inserted.
    insert: Option<usize>,
}

/// A byte range `[start, end)`.
type Span = (usize, usize);

/// A passage planted in a document (spans not yet trimmed to words).
#[derive(Debug, Clone)]
enum Event {
    Double(Span, Span),
    Receive {
        donor: u32,
        run: (usize, usize),
        span: Span,
    },
}

/// Offsets of a re-wrapped copy: the body `[from, to)` was rebuilt chunk by
/// chunk (`(old start, new start)` of each white-space-free chunk); bytes
/// after it moved by `delta`.
#[derive(Debug, Clone)]
struct Rewrap {
    from: usize,
    to: usize,
    delta: isize,
    chunks: Vec<(usize, usize)>,
}

impl Rewrap {
    fn map(&self, off: usize) -> usize {
        if off < self.from {
            off
        } else if off >= self.to {
            (off as isize + self.delta) as usize
        } else {
            let i = self.chunks.partition_point(|c| c.0 <= off);
            match i.checked_sub(1).map(|i| self.chunks[i]) {
                Some((old, new)) => new + (off - old),
                None => off,
            }
        }
    }
}

/// A generated document with what the truth needs to know about it.
#[derive(Debug, Clone)]
struct Generated {
    text: String,
    site: u32,
    role: Role,
    events: Vec<Event>,
    /// Span of each body paragraph of an original's own text, by paragraph
    /// number (for donors).
    base_spans: Vec<Option<Span>>,
    /// For copies: how offsets of the source map into this text.
    copy_map: Option<Option<Rewrap>>,
    body: Span,
}

/// A document as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthDoc {
    /// Its id (`d` and a zero-padded number).
    pub id: String,
    /// Its site.
    pub source: String,
    /// Its text.
    pub text: String,
}

/// A generator for one configuration: the vocabulary and sites, from which
/// any document can be made on its own.
#[derive(Debug, Clone)]
pub struct Generator {
    cfg: SynthConfig,
    vocab: Vocab,
    sites: Vec<Site>,
    site_zipf: Alias,
    id_width: usize,
    edit_rates: Vec<f64>,
}

/// Edit rate `p` per word that leaves a share `(1 - p)^k` of `k`-shingles
/// intact, which for equal sizes gives Jaccard `q / (2 - q)`; solved for the
/// target Jaccard by bisection with multiplications only.
fn edit_rate(target: f64, k: usize) -> f64 {
    let q = 2.0 * target / (1.0 + target);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..50 {
        let mid = (lo + hi) / 2.0;
        let mut kept = 1.0;
        for _ in 0..k {
            kept *= 1.0 - mid;
        }
        if kept > q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// Fewest body words a truncated copy keeps. With about 30 words of site
/// boilerplate, two unrelated documents of one site then stay below Jaccard
/// 0.15, under [`COMPLETE_FROM`].
const MIN_KEPT: usize = 80;

/// Targets are quantised to this many steps so that edit rates can be
/// precomputed.
const TARGET_STEPS: usize = 1000;

impl Generator {
    /// The generator of `cfg` (validated here).
    pub fn new(cfg: &SynthConfig) -> Result<Generator> {
        cfg.validate()?;
        let vocab = Vocab::new(cfg.seed, cfg.vocabulary);
        let sites = make_sites(cfg.seed, cfg.sites, &vocab);
        let edit_rates = (0..=TARGET_STEPS)
            .map(|i| edit_rate(i as f64 / TARGET_STEPS as f64, cfg.shingle))
            .collect();
        Ok(Generator {
            id_width: (cfg.docs - 1).to_string().len(),
            cfg: cfg.clone(),
            vocab,
            sites,
            site_zipf: Alias::zipf(cfg.sites),
            edit_rates,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SynthConfig {
        &self.cfg
    }

    /// The id of document `j`.
    pub fn id(&self, j: u32) -> String {
        format!("d{:0w$}", j, w = self.id_width)
    }

    /// Document `j` (`j < docs`).
    pub fn document(&self, j: u32) -> SynthDoc {
        let g = self.generate(j);
        SynthDoc {
            id: self.id(j),
            source: self.sites[g.site as usize].slug.clone(),
            text: g.text,
        }
    }

    fn seed(&self) -> u64 {
        self.cfg.seed
    }

    /// The role drawn for `j` before its source is looked for: Original
    /// documents are the only possible sources and donors.
    fn drawn_original(&self, j: u32) -> bool {
        Rng::stream(self.seed(), j as u64, ROLE).unit() >= self.cfg.exact + self.cfg.near
    }

    fn role(&self, j: u32) -> Role {
        let mut rng = Rng::stream(self.seed(), j as u64, ROLE);
        let x = rng.unit();
        if x >= self.cfg.exact + self.cfg.near || j == 0 {
            return Role::Original;
        }
        let Some(source) = self.source(j) else {
            return Role::Original;
        };
        if x < self.cfg.exact * 2.0 / 3.0 {
            Role::Exact { source }
        } else if x < self.cfg.exact {
            Role::Reformat { source }
        } else {
            let op = match rng.below(20) {
                0..=8 => Op::Edit,
                9..=12 => Op::Reorder,
                13..=16 => Op::Truncate,
                _ => Op::Extend,
            };
            let step = rng.below(TARGET_STEPS);
            let lo = self.cfg.min_jaccard;
            let target = lo + (1.0 - lo) * step as f64 / TARGET_STEPS as f64;
            Role::Near { source, op, target }
        }
    }

    /// An earlier original: half the time a recent one (as a re-filed story),
    /// half the time any.
    fn source(&self, j: u32) -> Option<u32> {
        let mut rng = Rng::stream(self.seed(), j as u64, SOURCE);
        for _ in 0..16 {
            let span = if rng.chance(0.5) {
                (j as usize).min(2000)
            } else {
                j as usize
            };
            let i = j - 1 - rng.below(span) as u32;
            if self.drawn_original(i) {
                return Some(i);
            }
        }
        None
    }

    /// Flags of `j`'s own passages: (doubles a block, receives paragraphs).
    fn flags(&self, rng: &mut Rng) -> (bool, bool) {
        let d = rng.chance(self.cfg.doubled);
        let r = rng.chance(self.cfg.passages);
        (d, r)
    }

    /// Another original that gives `j` paragraphs, if `j` receives any.
    fn donor(&self, j: u32, role: Role) -> Option<u32> {
        if matches!(role, Role::Exact { .. } | Role::Reformat { .. }) {
            return None;
        }
        let mut rng = Rng::stream(self.seed(), j as u64, FEATURES);
        if !self.flags(&mut rng).1 {
            return None;
        }
        let mut rng = Rng::stream(self.seed(), j as u64, DONOR);
        for _ in 0..16 {
            let k = rng.below(self.cfg.docs) as u32;
            if k != j && Some(k) != role.source() && self.drawn_original(k) {
                return Some(k);
            }
        }
        None
    }

    fn doubles(&self, j: u32, role: Role) -> bool {
        !matches!(role, Role::Exact { .. } | Role::Reformat { .. })
            && self
                .flags(&mut Rng::stream(self.seed(), j as u64, FEATURES))
                .0
    }

    /// Positions of `j`'s own passages in a body of `n` paragraphs.
    fn features(&self, j: u32, role: Role, n: usize) -> Features {
        let mut rng = Rng::stream(self.seed(), j as u64, FEATURES);
        let (d, _) = self.flags(&mut rng);
        let mut f = Features::default();
        if d && !matches!(role, Role::Exact { .. } | Role::Reformat { .. }) {
            f.double = Some(if n == 0 || rng.chance(0.3) {
                Double::Title
            } else {
                let len = 1 + rng.below(n.min(3));
                let from = rng.below(n - len + 1);
                let to = from + len;
                let at = if rng.chance(0.6) { to } else { n };
                Double::Block { from, to, at }
            });
        }
        if self.donor(j, role).is_some() {
            let mut at = rng.below(n + 1);
            // Never inside the first occurrence of a doubled block, which
            // must stay one contiguous range.
            if let Some(Double::Block { from, to, .. }) = f.double {
                if from < at && at < to {
                    at = to;
                }
            }
            f.insert = Some(at);
        }
        f
    }

    fn site(&self, j: u32, role: Role) -> u32 {
        match role {
            Role::Exact { source } | Role::Reformat { source } => self.site(source, Role::Original),
            Role::Near { source, .. } => {
                let mut rng = Rng::stream(self.seed(), j as u64, SITE);
                if rng.chance(0.7) {
                    self.site(source, Role::Original)
                } else {
                    self.site_zipf.sample(&mut rng) as u32
                }
            }
            Role::Original => {
                self.site_zipf
                    .sample(&mut Rng::stream(self.seed(), j as u64, SITE)) as u32
            }
        }
    }

    fn number(&self, rng: &mut Rng, out: &mut String) {
        use std::fmt::Write as _;
        let _ = match rng.below(4) {
            0 => write!(out, "{}", 1950 + rng.below(75)),
            1 => write!(out, "{}", 1 + rng.below(100)),
            2 => write!(out, "{},{:03}", 1 + rng.below(999), rng.below(1000)),
            _ => write!(out, "{}.{}", rng.below(100), rng.below(10)),
        };
    }

    /// Appends one sentence; returns its number of words.
    fn sentence(&self, rng: &mut Rng, out: &mut String) -> usize {
        let n = 4 + rng.below(12) + rng.below(12);
        let quoted = rng.chance(0.04);
        if quoted {
            out.push('“');
        }
        for w in 0..n {
            if w > 0 {
                out.push(' ');
            }
            // One draw decides three things, 16 bits each: a number (2 %),
            // a capitalised name (3 %), a comma after the word (7 %).
            let x = rng.next_u64();
            if x & 0xffff < 1311 {
                self.number(rng, out);
            } else {
                let word = self.vocab.sample(rng);
                if w == 0 || (x >> 16) & 0xffff < 1966 {
                    push_capitalized(out, word);
                } else {
                    out.push_str(word);
                }
            }
            if w + 1 < n && (x >> 32) & 0xffff < 4588 {
                out.push(',');
            }
        }
        out.push(match rng.below(40) {
            0 => '?',
            1 => '!',
            _ => '.',
        });
        if quoted {
            out.push('”');
        }
        n
    }

    /// One paragraph; returns it with its number of words.
    fn paragraph(&self, rng: &mut Rng) -> (String, usize) {
        let mut p = String::with_capacity(512);
        let mut words = 0;
        for s in 0..1 + rng.below(3) + rng.below(3) {
            if s > 0 {
                p.push(' ');
            }
            words += self.sentence(rng, &mut p);
        }
        (p, words)
    }

    fn title(&self, rng: &mut Rng) -> String {
        let mut t = String::new();
        let n = 4 + rng.below(7);
        for w in 0..n {
            if w > 0 {
                t.push(' ');
            }
            let mut word = self.vocab.sample(rng);
            let small = FUNCTION_WORDS[..40].contains(&word);
            if small && w + 1 == n {
                // A headline does not end on "of" or "the".
                word = self.vocab.word(
                    FUNCTION_WORDS.len() + rng.below(self.vocab.len() - FUNCTION_WORDS.len()),
                );
            }
            if w > 0 && small && w + 1 < n {
                t.push_str(word);
            } else {
                push_capitalized(&mut t, word);
            }
        }
        t
    }

    /// The headline and body paragraphs of `j` as an original.
    fn base(&self, j: u32) -> (String, Vec<String>) {
        let mut rng = Rng::stream(self.seed(), j as u64, BASE);
        let title = self.title(&mut rng);
        let (u1, u2) = (rng.unit(), rng.unit());
        let target =
            ((self.cfg.words as f64 * (0.25 + 3.0 * u1 * u2)) as usize).max(self.cfg.body_min());
        let mut paras = Vec::new();
        let mut words = 0;
        while words < target {
            let (p, n) = self.paragraph(&mut rng);
            words += n;
            paras.push(p);
        }
        (title, paras)
    }

    /// The body of a near-duplicate of `source`.
    fn near_body(&self, j: u32, source: u32, op: Op, target: f64) -> (String, Vec<String>) {
        let (title, mut paras) = self.base(source);
        let mut rng = Rng::stream(self.seed(), j as u64, EDIT);
        let step = ((target * TARGET_STEPS as f64) as usize).min(TARGET_STEPS);
        let rate = self.edit_rates[step];
        match op {
            Op::Edit => {
                for p in &mut paras {
                    *p = self.edit(p, rate, &mut rng);
                }
            }
            Op::Reorder => {
                // One or two paragraphs moved elsewhere: each move changes
                // only the shingles across the boundaries it touches.
                for _ in 0..1 + rng.below(2) {
                    if paras.len() > 1 {
                        let p = paras.remove(rng.below(paras.len()));
                        let at = rng.below(paras.len() + 1);
                        paras.insert(at, p);
                    }
                }
                for p in &mut paras {
                    *p = self.edit(p, rate, &mut rng);
                }
            }
            Op::Truncate => {
                let total: usize = paras.iter().map(|p| p.split(' ').count()).sum();
                // Never below MIN_KEPT words: shorter bodies would leave two
                // unrelated documents of a site sharing mostly boilerplate.
                let mut keep = ((total as f64 * target) as usize)
                    .max(MIN_KEPT.min(total))
                    .max(1);
                let mut out = Vec::new();
                for p in paras {
                    let n = p.split(' ').count();
                    if n <= keep {
                        keep -= n;
                        out.push(p);
                        if keep == 0 {
                            break;
                        }
                    } else {
                        let mut cut: String = p.split(' ').take(keep).collect::<Vec<_>>().join(" ");
                        if !cut.ends_with(['.', '?', '!', '”']) {
                            cut.push('.');
                        }
                        out.push(cut);
                        break;
                    }
                }
                paras = out;
            }
            Op::Extend => {
                let total: usize = paras.iter().map(|p| p.split(' ').count()).sum();
                let want = (total as f64 * (1.0 / target - 1.0)) as usize;
                let mut added = 0;
                while added < want {
                    let (mut p, n) = self.paragraph(&mut rng);
                    if added + n > want {
                        // Only the words still wanted, so as not to overshoot.
                        p = p
                            .split(' ')
                            .take(want - added)
                            .collect::<Vec<_>>()
                            .join(" ");
                        if !p.ends_with(['.', '?', '!', '”']) {
                            p.push('.');
                        }
                    }
                    added += n;
                    let at = rng.below(paras.len() + 1);
                    paras.insert(at, p);
                }
            }
        }
        (title, paras)
    }

    /// `para` with each word edited with probability `rate`: substituted
    /// (half the edits), followed by an inserted word, or deleted.
    fn edit(&self, para: &str, rate: f64, rng: &mut Rng) -> String {
        let mut out = String::with_capacity(para.len() + 16);
        let push = |out: &mut String, s: &str| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(s);
        };
        for chunk in para.split(' ') {
            if !rng.chance(rate) {
                push(&mut out, chunk);
                continue;
            }
            let core_start = chunk.find(char::is_alphanumeric).unwrap_or(chunk.len());
            let core_end = chunk
                .rfind(char::is_alphanumeric)
                .map(|i| i + chunk[i..].chars().next().map_or(1, char::len_utf8))
                .unwrap_or(core_start)
                .max(core_start);
            let (lead, core, trail) = (
                &chunk[..core_start],
                &chunk[core_start..core_end],
                &chunk[core_end..],
            );
            match rng.below(4) {
                0 | 1 => {
                    let mut s = String::from(lead);
                    let w = self.vocab.sample(rng);
                    if core.starts_with(|c: char| c.is_uppercase()) {
                        push_capitalized(&mut s, w);
                    } else {
                        s.push_str(w);
                    }
                    s.push_str(trail);
                    push(&mut out, &s);
                }
                2 => {
                    push(&mut out, chunk);
                    let w = self.vocab.sample(rng);
                    push(&mut out, w);
                }
                _ => {
                    // Deleted; its closing punctuation stays with the
                    // previous word so sentences still end.
                    if !out.is_empty() {
                        out.push_str(trail);
                    }
                }
            }
        }
        if out.is_empty() {
            push_capitalized(&mut out, self.vocab.sample(rng));
            out.push('.');
        }
        out
    }

    /// Document `j` with everything the truth needs.
    fn generate(&self, j: u32) -> Generated {
        let role = self.role(j);
        match role {
            Role::Exact { source } => {
                let mut g = self.generate(source);
                g.role = role;
                g.events.clear();
                g.copy_map = Some(None);
                g
            }
            Role::Reformat { source } => {
                let g = self.generate(source);
                let mut rng = Rng::stream(self.seed(), j as u64, REFORMAT);
                let old_wrap = self.sites[g.site as usize].wrap;
                let wrap = if old_wrap > 0 && rng.chance(0.5) {
                    0
                } else {
                    56 + rng.below(40)
                };
                let (mut text, map) = rewrap(&g.text, g.body, wrap);
                if rng.chance(0.5) {
                    // The headline line(s) in capitals: same bytes' length.
                    let header = self.sites[g.site as usize].header.len() + 1;
                    let end = text[header..].find("\n\n").map_or(header, |e| header + e);
                    text[header..end].make_ascii_uppercase();
                }
                let body = (g.body.0, map.map(g.body.1));
                Generated {
                    text,
                    site: g.site,
                    role,
                    events: Vec::new(),
                    base_spans: Vec::new(),
                    copy_map: Some(Some(map)),
                    body,
                }
            }
            Role::Original => {
                let (title, paras) = self.base(j);
                self.assemble(j, role, title, paras, true)
            }
            Role::Near { source, op, target } => {
                let (title, paras) = self.near_body(j, source, op, target);
                self.assemble(j, role, title, paras, false)
            }
        }
    }

    /// Paragraphs `run` of original `k`, chosen for receiver `j` so that
    /// none of `k`'s own insertions splits them.
    fn donation(&self, j: u32, k: u32) -> ((usize, usize), Vec<String>) {
        let (_, paras) = self.base(k);
        let n = paras.len();
        let f = self.features(k, Role::Original, n);
        let mut rng = Rng::stream(self.seed(), j as u64, DONOR ^ 0xd0);
        let len = (1 + rng.below(2)).min(n);
        let from = rng.below(n - len + 1);
        let mut run = (from, from + len);
        let splits = |b: usize| run.0 < b && b < run.1;
        let split = f.insert.is_some_and(splits)
            || matches!(f.double, Some(Double::Block { at, .. }) if splits(at));
        if split {
            run.1 = run.0 + 1;
        }
        (run, paras[run.0..run.1].to_vec())
    }

    /// Lays out header, headline, body and footer, placing `j`'s doubled
    /// block and received paragraphs.
    fn assemble(
        &self,
        j: u32,
        role: Role,
        title: String,
        paras: Vec<String>,
        original: bool,
    ) -> Generated {
        let site_no = self.site(j, role);
        let site = &self.sites[site_no as usize];
        let n = paras.len();
        let f = self.features(j, role, n);
        let received = self.donor(j, role).map(|k| (k, self.donation(j, k)));

        // Items: (text, base paragraph number, kind: 0 own, 1 double copy, 2 received).
        let mut items: Vec<(&str, Option<usize>, u8)> = Vec::with_capacity(n + 4);
        for b in 0..=n {
            if let Some(Double::Block { from, to, at }) = f.double {
                if at == b {
                    for p in &paras[from..to] {
                        items.push((p, None, 1));
                    }
                }
            }
            if f.insert == Some(b) {
                if let Some((_, (_, ps))) = &received {
                    for p in ps {
                        items.push((p, None, 2));
                    }
                }
            }
            if b < n {
                items.push((&paras[b], Some(b), 0));
            }
        }

        let bytes: usize = items.iter().map(|i| i.0.len() + 2).sum::<usize>()
            + site.header.len()
            + site.footer.len()
            + 2 * title.len()
            + 8;
        let mut text = String::with_capacity(bytes);
        text.push_str(&site.header);
        text.push('\n');
        let t1 = (text.len(), text.len() + title.len());
        text.push_str(&title);
        let mut events = Vec::new();
        if f.double == Some(Double::Title) {
            text.push('\n');
            let t2 = (text.len(), text.len() + title.len());
            text.push_str(&title);
            events.push(Event::Double(t1, t2));
        }
        text.push_str("\n\n");
        let body_start = text.len();
        let mut spans = Vec::with_capacity(items.len());
        for (i, (p, _, _)) in items.iter().enumerate() {
            if i > 0 {
                text.push_str("\n\n");
            }
            let s = text.len();
            push_wrapped(&mut text, p, site.wrap);
            spans.push((s, text.len()));
        }
        let body_end = text.len();
        text.push_str("\n\n");
        text.push_str(&site.footer);

        let mut base_spans = vec![None; if original { n } else { 0 }];
        for (span, (_, base, _)) in spans.iter().zip(&items) {
            if let (Some(b), true) = (base, original) {
                base_spans[*b] = Some(*span);
            }
        }
        let join = |kind: u8| -> Option<Span> {
            let mut it = spans
                .iter()
                .zip(&items)
                .filter(|(_, i)| i.2 == kind)
                .map(|(s, _)| *s);
            let first = it.next()?;
            let last = it.next_back().unwrap_or(first);
            Some((first.0, last.1))
        };
        if let Some(Double::Block { from, to, .. }) = f.double {
            let mut first = spans
                .iter()
                .zip(&items)
                .filter(|(_, i)| i.2 == 0 && i.1.is_some_and(|b| b >= from && b < to))
                .map(|(s, _)| *s);
            let (a, b) = (first.clone().next(), first.next_back());
            if let (Some(a), Some(b), Some(second)) = (a, b, join(1)) {
                events.push(Event::Double((a.0, b.1), second));
            }
        }
        if let (Some((donor, (run, _))), Some(span)) = (&received, join(2)) {
            events.push(Event::Receive {
                donor: *donor,
                run: *run,
                span,
            });
        }
        Generated {
            text,
            site: site_no,
            role,
            events,
            base_spans,
            copy_map: None,
            body: (body_start, body_end),
        }
    }

    /// Writes the corpus as JSON Lines to `corpus` (compressed by its
    /// extension) and, if asked, the truth to `truth`.
    pub fn write(
        &self,
        corpus: &Path,
        truth: Option<&Path>,
        progress: &dyn Progress,
    ) -> Result<SynthSummary> {
        let pool = self.cfg.pool()?;
        let start = Instant::now();
        let chunks = self.cfg.docs.div_ceil(CHUNK);
        let wave = 2 * pool.current_num_threads().max(1);
        let estimate = self.cfg.docs as u64 * (self.cfg.words as u64 * 62 / 10 + 330);
        progress.stage("generating", Some(estimate));
        let mut lens: Vec<u32> = Vec::with_capacity(self.cfg.docs);
        let mut summary = SynthSummary::default();
        std::thread::scope(|scope| -> Result<()> {
            let (tx, rx) = mpsc::sync_channel::<Vec<Chunk>>(1);
            let pool = &pool;
            scope.spawn(move || {
                pool.install(|| {
                    for w in (0..chunks).step_by(wave) {
                        let out: Vec<Chunk> = (w..(w + wave).min(chunks))
                            .into_par_iter()
                            .map(|c| self.chunk(c))
                            .collect();
                        if tx.send(out).is_err() {
                            return;
                        }
                    }
                })
            });
            output::write_atomic(corpus, |w| {
                for batch in rx {
                    for c in batch {
                        w.write_all(&c.jsonl)?;
                        summary.add(&c);
                        progress
                            .advance(c.lens.len() as u64, c.lens.iter().map(|&l| l as u64).sum());
                        lens.extend(c.lens);
                    }
                }
                Ok(())
            })
        })?;
        summary.generate_seconds = round6(start.elapsed().as_secs_f64());
        if let Some(path) = truth {
            let t = Instant::now();
            let truth = pool.install(|| self.truth_with(&lens, progress));
            summary.truth_pairs = Some(truth.pairs.len() as u64);
            summary.truth_passages = Some(truth.passages.len() as u64);
            output::write_atomic(path, |w| {
                serde_json::to_writer_pretty(&mut *w, &truth)?;
                w.write_all(b"\n")
            })?;
            summary.truth_seconds = Some(round6(t.elapsed().as_secs_f64()));
        }
        progress.finish();
        let secs = start.elapsed().as_secs_f64();
        summary.seconds = round6(secs);
        summary.gb_per_minute = round6(summary.bytes as f64 / 1e9 / (secs / 60.0).max(1e-9));
        Ok(summary)
    }

    fn chunk(&self, c: usize) -> Chunk {
        let from = c * CHUNK;
        let to = ((c + 1) * CHUNK).min(self.cfg.docs);
        let mut chunk = Chunk::default();
        for j in from as u32..to as u32 {
            let g = self.generate(j);
            let line = &mut chunk.jsonl;
            line.extend_from_slice(b"{\"id\":");
            // Writing to a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *line, &self.id(j));
            line.extend_from_slice(b",\"source\":");
            let _ = serde_json::to_writer(&mut *line, &self.sites[g.site as usize].slug);
            line.extend_from_slice(b",\"text\":");
            let _ = serde_json::to_writer(&mut *line, &g.text);
            line.extend_from_slice(b"}\n");
            chunk.bytes += g.text.len() as u64;
            chunk.lens.push(g.text.len() as u32);
            match g.role {
                Role::Original => chunk.originals += 1,
                Role::Exact { .. } => chunk.exact += 1,
                Role::Reformat { .. } => chunk.reformat += 1,
                Role::Near { .. } => chunk.near += 1,
            }
            for e in &g.events {
                match e {
                    Event::Double(..) => chunk.doubled += 1,
                    Event::Receive { .. } => chunk.received += 1,
                }
            }
        }
        chunk
    }

    /// The truth of the whole corpus (regenerates the related documents).
    pub fn truth(&self, progress: &dyn Progress) -> Result<Truth> {
        let pool = self.cfg.pool()?;
        Ok(pool.install(|| self.truth_with(&[], progress)))
    }

    fn truth_with(&self, lens: &[u32], progress: &dyn Progress) -> Truth {
        let n = self.cfg.docs;
        let roles: Vec<Role> = (0..n as u32)
            .into_par_iter()
            .map(|j| self.role(j))
            .collect();
        let links: Vec<(u32, Option<u32>, Option<u32>, bool)> = (0..n as u32)
            .into_par_iter()
            .map(|j| {
                let r = roles[j as usize];
                (j, r.source(), self.donor(j, r), self.doubles(j, r))
            })
            .collect();
        let mut uf = UnionFind::new(n);
        for &(j, s, d, _) in &links {
            if let Some(s) = s {
                uf.union(j, s);
            }
            if let Some(d) = d {
                uf.union(j, d);
            }
        }
        let mut units = uf.groups();
        let mut grouped = vec![false; n];
        for g in &units {
            for &m in g {
                grouped[m as usize] = true;
            }
        }
        units.extend(
            links
                .iter()
                .filter(|l| l.3 && !grouped[l.0 as usize])
                .map(|l| vec![l.0]),
        );
        units.sort_unstable_by_key(|u| u[0]);
        let total: u64 = if lens.is_empty() {
            0
        } else {
            units
                .iter()
                .flatten()
                .map(|&m| lens[m as usize] as u64)
                .sum()
        };
        progress.stage("truth", (total > 0).then_some(total));

        let results: Vec<(UnitPairs, UnitPassages)> = units
            .par_iter()
            .map(|members| {
                let r = self.unit_truth(members, &roles);
                let bytes = members
                    .iter()
                    .map(|&m| lens.get(m as usize).copied().unwrap_or(0) as u64)
                    .sum();
                progress.advance(members.len() as u64, bytes);
                r
            })
            .collect();
        let mut pairs: Vec<(u32, u32, TruthPair)> = Vec::new();
        let mut passages: Vec<(Vec<(u32, usize)>, TruthPassage)> = Vec::new();
        for (p, q) in results {
            pairs.extend(p);
            passages.extend(q);
        }
        pairs.sort_unstable_by_key(|p| (p.0, p.1));
        passages.sort_unstable_by(|a, b| (&a.0, &a.1.kind).cmp(&(&b.0, &b.1.kind)));

        let mut sites: Vec<SiteInfo> = self
            .sites
            .iter()
            .map(|s| SiteInfo {
                name: s.slug.clone(),
                documents: 0,
                header_bytes: s.header.len() as u64,
                footer_bytes: s.footer.len() as u64,
            })
            .collect();
        let mut summary = TruthSummary {
            documents: n as u64,
            ..TruthSummary::default()
        };
        for (j, r) in roles.iter().enumerate() {
            sites[self.site(j as u32, *r) as usize].documents += 1;
            match r {
                Role::Original => summary.originals += 1,
                Role::Exact { .. } => summary.exact += 1,
                Role::Reformat { .. } => summary.reformat += 1,
                Role::Near { .. } => summary.near += 1,
            }
        }
        for l in &links {
            summary.doubled += l.3 as u64;
            summary.received += l.2.is_some() as u64;
        }
        summary.pairs = pairs.len() as u64;
        summary.passages = passages.len() as u64;
        let c = &self.cfg;
        Truth {
            params: TruthParams {
                generator: "nearcopy synth".into(),
                version: VERSION,
                docs: c.docs as u64,
                seed: c.seed,
                sites: c.sites as u64,
                vocabulary: c.vocabulary as u64,
                words: c.words as u64,
                near: c.near,
                exact: c.exact,
                doubled: c.doubled,
                passages: c.passages,
                min_jaccard: c.min_jaccard,
                shingle: c.shingle as u64,
                tokens: "words".into(),
                complete_from: COMPLETE_FROM,
            },
            sites,
            summary,
            pairs: pairs.into_iter().map(|p| p.2).collect(),
            passages: passages.into_iter().map(|p| p.1).collect(),
        }
    }

    /// Pairs and passages of one group of related documents.
    fn unit_truth(&self, members: &[u32], roles: &[Role]) -> (UnitPairs, UnitPassages) {
        let gens: Vec<Generated> = members.iter().map(|&m| self.generate(m)).collect();
        let pos: AHashMap<u32, usize> = members.iter().enumerate().map(|(i, &m)| (m, i)).collect();
        let mut tokens: Vec<Vec<Token>> = Vec::with_capacity(gens.len());
        let mut sets: Vec<Vec<u64>> = Vec::with_capacity(gens.len());
        for g in &gens {
            let mut t = Vec::new();
            text::words(&g.text, &mut t);
            let mut s = Vec::new();
            shingle::set(&t, self.cfg.shingle, &mut s);
            tokens.push(t);
            sets.push(s);
        }

        // Pairs: every planted link, and any other pair of the group at or
        // above COMPLETE_FROM.
        let mut planted: AHashMap<(usize, usize), (&'static str, Option<f64>)> = AHashMap::new();
        for (i, &m) in members.iter().enumerate() {
            let role = roles[m as usize];
            if let Some(s) = role.source() {
                let target = match role {
                    Role::Near { target, .. } => Some(target),
                    _ => None,
                };
                planted.insert(order(i, pos[&s]), (role.kind(), target));
            }
            for e in &gens[i].events {
                if let Event::Receive { donor, .. } = e {
                    planted
                        .entry(order(i, pos[donor]))
                        .or_insert(("passage", None));
                }
            }
        }
        let mut found: AHashMap<(usize, usize), usize> = AHashMap::new();
        if members.len() > 1 {
            for m in exact::join_sets(&sets, COMPLETE_FROM) {
                found.insert((m.a as usize, m.b as usize), m.shared as usize);
            }
        }
        let mut keys: Vec<(usize, usize)> = planted.keys().chain(found.keys()).copied().collect();
        keys.sort_unstable();
        keys.dedup();
        let pairs = keys
            .into_iter()
            .map(|(a, b)| {
                let shared = found
                    .get(&(a, b))
                    .copied()
                    .unwrap_or_else(|| verify::intersection(&sets[a], &sets[b]));
                let o = verify::overlap_counts(sets[a].len(), sets[b].len(), shared);
                let (kind, target) = planted.get(&(a, b)).copied().unwrap_or(("related", None));
                let (ma, mb) = (members[a], members[b]);
                (
                    ma,
                    mb,
                    TruthPair {
                        a: self.id(ma),
                        b: self.id(mb),
                        jaccard: round6(o.jaccard),
                        shared: shared as u64,
                        union: (sets[a].len() + sets[b].len() - shared) as u64,
                        a_in_b: round6(o.a_in_b),
                        b_in_a: round6(o.b_in_a),
                        kind: kind.into(),
                        target: target.map(round6),
                    },
                )
            })
            .collect();

        // Passages: raw spans per member, then copies inherit their source's.
        let mut raw: Vec<(&'static str, Vec<(usize, Span)>)> = Vec::new();
        for (i, g) in gens.iter().enumerate() {
            for e in &g.events {
                match *e {
                    Event::Double(a, b) => raw.push(("double", vec![(i, a), (i, b)])),
                    Event::Receive { donor, run, span } => {
                        let d = pos[&donor];
                        let spans = &gens[d].base_spans;
                        let from = spans.get(run.0).copied().flatten();
                        let to = spans.get(run.1 - 1).copied().flatten();
                        let mut occ = vec![(i, span)];
                        if let (Some(f), Some(t)) = (from, to) {
                            occ.push((d, (f.0, t.1)));
                        }
                        raw.push(("copy", occ));
                    }
                }
            }
        }
        for (c, g) in gens.iter().enumerate() {
            let (Some(map), Some(src)) = (&g.copy_map, g.role.source()) else {
                continue;
            };
            let s = pos[&src];
            for (_, occ) in raw.iter_mut() {
                let extra: Vec<(usize, Span)> = occ
                    .iter()
                    .filter(|o| o.0 == s)
                    .map(|&(_, (a, b))| match map {
                        None => (c, (a, b)),
                        Some(m) => (c, (m.map(a), m.map(b))),
                    })
                    .collect();
                occ.extend(extra);
            }
        }
        let lines: Vec<LineIndex> = gens.iter().map(|g| LineIndex::new(&g.text)).collect();
        let passages = raw
            .into_iter()
            .filter_map(|(kind, occ)| {
                let mut out: Vec<(u32, usize, TruthOccurrence, usize)> = occ
                    .into_iter()
                    .filter_map(|(i, (s, e))| {
                        let t = &tokens[i];
                        let first = t.partition_point(|k| k.start < s);
                        let last = t.partition_point(|k| k.end <= e);
                        (first < last).then(|| {
                            let (start, end) = (t[first].start, t[last - 1].end);
                            (
                                members[i],
                                start,
                                TruthOccurrence {
                                    doc: self.id(members[i]),
                                    start: start as u64,
                                    end: end as u64,
                                    line_start: lines[i].line(start) as u64,
                                    line_end: lines[i].line(end - 1) as u64,
                                },
                                last - first,
                            )
                        })
                    })
                    .collect();
                out.sort_unstable_by_key(|o| (o.0, o.1));
                out.dedup_by_key(|o| (o.0, o.1));
                if out.len() < 2 {
                    return None;
                }
                let words = out.iter().map(|o| o.3).min().unwrap_or(0) as u64;
                let key: Vec<(u32, usize)> = out.iter().map(|o| (o.0, o.1)).collect();
                Some((
                    key,
                    TruthPassage {
                        kind: kind.into(),
                        words,
                        occurrences: out.into_iter().map(|o| o.2).collect(),
                    },
                ))
            })
            .collect();
        (pairs, passages)
    }
}

/// Pairs of one group: document numbers and the pair.
type UnitPairs = Vec<(u32, u32, TruthPair)>;
/// Passages of one group, each keyed by its occurrences' (document, start).
type UnitPassages = Vec<(Vec<(u32, usize)>, TruthPassage)>;

fn order(a: usize, b: usize) -> (usize, usize) {
    (a.min(b), a.max(b))
}

/// Appends `para` (words separated by single spaces) wrapped at `width`
/// columns (0: one line).
fn push_wrapped(out: &mut String, para: &str, width: usize) {
    if width == 0 {
        out.push_str(para);
        return;
    }
    let mut col = 0;
    for (i, w) in para.split(' ').enumerate() {
        if i > 0 {
            if col + 1 + w.chars().count() > width {
                out.push('\n');
                col = 0;
            } else {
                out.push(' ');
                col += 1;
            }
        }
        out.push_str(w);
        col += w.chars().count();
    }
}

/// Re-wraps the body `[from, to)` of `text` at `width` (0: paragraphs on one
/// line), keeping paragraph breaks; returns the new text and the offset map.
fn rewrap(text: &str, (from, to): Span, width: usize) -> (String, Rewrap) {
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str(&text[..from]);
    let mut chunks = Vec::new();
    let body = &text[from..to];
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut col = 0;
    while i < bytes.len() {
        let sep_start = i;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let sep = &body[sep_start..i];
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if start == i {
            break;
        }
        let chunk = &body[start..i];
        let len = chunk.chars().count();
        if start > 0 {
            if sep.contains("\n\n") {
                out.push_str("\n\n");
                col = 0;
            } else if width > 0 && col + 1 + len > width {
                out.push('\n');
                col = 0;
            } else {
                out.push(' ');
                col += 1;
            }
        }
        chunks.push((from + start, out.len()));
        out.push_str(chunk);
        col += len;
    }
    let new_to = out.len();
    out.push_str(&text[to..]);
    let map = Rewrap {
        from,
        to,
        delta: new_to as isize - to as isize,
        chunks,
    };
    (out, map)
}

#[derive(Default)]
struct Chunk {
    jsonl: Vec<u8>,
    lens: Vec<u32>,
    bytes: u64,
    originals: u64,
    near: u64,
    exact: u64,
    reformat: u64,
    doubled: u64,
    received: u64,
}

/// What `synth` wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SynthSummary {
    /// Documents written.
    pub documents: u64,
    /// Bytes of text (not counting JSON syntax or compression).
    pub bytes: u64,
    /// Original documents.
    pub originals: u64,
    /// Near-duplicates.
    pub near: u64,
    /// Exact copies.
    pub exact: u64,
    /// Reformatted copies.
    pub reformat: u64,
    /// Documents with a doubled block or headline.
    pub doubled: u64,
    /// Documents that received copied paragraphs.
    pub received: u64,
    /// Pairs in the truth, when written.
    pub truth_pairs: Option<u64>,
    /// Passages in the truth, when written.
    pub truth_passages: Option<u64>,
    /// Seconds spent writing the corpus.
    pub generate_seconds: f64,
    /// Seconds spent computing and writing the truth.
    pub truth_seconds: Option<f64>,
    /// Seconds in all.
    pub seconds: f64,
    /// Text gigabytes (10^9 bytes) per minute over the whole run.
    pub gb_per_minute: f64,
}

impl SynthSummary {
    fn add(&mut self, c: &Chunk) {
        self.documents += c.lens.len() as u64;
        self.bytes += c.bytes;
        self.originals += c.originals;
        self.near += c.near;
        self.exact += c.exact;
        self.reformat += c.reformat;
        self.doubled += c.doubled;
        self.received += c.received;
    }
}

/// Writes a synthetic corpus to `corpus` and, if given, its truth to
/// `truth`; both atomically, compressed by extension.
pub fn generate(
    cfg: &SynthConfig,
    corpus: &Path,
    truth: Option<&Path>,
    progress: &dyn Progress,
) -> Result<SynthSummary> {
    Generator::new(cfg)?.write(corpus, truth, progress)
}

/// The truth file of a synthetic corpus.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Truth {
    /// How the corpus was made.
    pub params: TruthParams,
    /// The sites, with the byte lengths of their boilerplate: every document
    /// of a site starts with its header and ends with its footer.
    pub sites: Vec<SiteInfo>,
    /// Counts.
    pub summary: TruthSummary,
    /// Planted pairs and every other related pair at Jaccard ≥
    /// `params.complete_from`, by (a, b) in corpus order.
    pub pairs: Vec<TruthPair>,
    /// Planted passages, by first occurrence.
    pub passages: Vec<TruthPassage>,
}

/// Parameters of a synthetic corpus.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthParams {
    /// `"nearcopy synth"`.
    pub generator: String,
    /// Generator version ([`VERSION`]).
    pub version: u32,
    /// Documents.
    pub docs: u64,
    /// Seed.
    pub seed: u64,
    /// Sites.
    pub sites: u64,
    /// Vocabulary size.
    pub vocabulary: u64,
    /// Mean body words.
    pub words: u64,
    /// Share of near-duplicates.
    pub near: f64,
    /// Share of exact and reformatted copies.
    pub exact: f64,
    /// Share of documents with a doubled block.
    pub doubled: f64,
    /// Share of documents with received paragraphs.
    pub passages: f64,
    /// Lowest target Jaccard.
    pub min_jaccard: f64,
    /// Words per shingle of every Jaccard figure.
    pub shingle: u64,
    /// `"words"`: Unicode words, NFKC and lowercase, as `scan` tokenises.
    pub tokens: String,
    /// Every pair with Jaccard at or above this is listed.
    pub complete_from: f64,
}

/// A site and its boilerplate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteInfo {
    /// The site's name (the documents' `source`).
    pub name: String,
    /// Documents of the site.
    pub documents: u64,
    /// Bytes of the header every document of the site starts with.
    pub header_bytes: u64,
    /// Bytes of the footer every document of the site ends with.
    pub footer_bytes: u64,
}

/// Counts of a synthetic corpus.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TruthSummary {
    /// Documents.
    pub documents: u64,
    /// Originals.
    pub originals: u64,
    /// Near-duplicates.
    pub near: u64,
    /// Exact copies.
    pub exact: u64,
    /// Reformatted copies.
    pub reformat: u64,
    /// Documents with a doubled block or headline.
    pub doubled: u64,
    /// Documents with received paragraphs.
    pub received: u64,
    /// Pairs listed.
    pub pairs: u64,
    /// Passages listed.
    pub passages: u64,
}

/// A pair of documents and the exact Jaccard of their shingle sets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthPair {
    /// The earlier document.
    pub a: String,
    /// The later document.
    pub b: String,
    /// `shared / union`, rounded to 6 decimals.
    pub jaccard: f64,
    /// Shingles in both.
    pub shared: u64,
    /// Shingles in either.
    pub union: u64,
    /// Share of a's shingles in b.
    pub a_in_b: f64,
    /// Share of b's shingles in a.
    pub b_in_a: f64,
    /// How b was made from a: `exact`, `reformat`, `edit`, `reorder`,
    /// `truncate`, `extend`, `passage` (b received paragraphs of a, or the
    /// reverse); `related` for pairs related only through others (two
    /// near-duplicates of one original).
    pub kind: String,
    /// The target Jaccard of a near-duplicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
}

/// A planted passage and where it occurs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthPassage {
    /// `double` (printed twice in one document) or `copy` (paragraphs copied
    /// from one document into another).
    pub kind: String,
    /// Words in the shortest occurrence.
    pub words: u64,
    /// Occurrences, by document and offset.
    pub occurrences: Vec<TruthOccurrence>,
}

/// One occurrence of a passage: from the first character of its first word
/// to the end of its last word.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthOccurrence {
    /// Document id.
    pub doc: String,
    /// Byte offset of the start.
    pub start: u64,
    /// Byte offset of the end (exclusive).
    pub end: u64,
    /// 1-based line of the start.
    pub line_start: u64,
    /// 1-based line of the end.
    pub line_end: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> SynthConfig {
        SynthConfig {
            docs: 300,
            words: 150,
            vocabulary: 2000,
            near: 0.3,
            exact: 0.1,
            doubled: 0.2,
            passages: 0.2,
            ..SynthConfig::default()
        }
    }

    #[test]
    fn edit_rate_inverts_the_model() {
        for t in [0.3, 0.5, 0.8, 0.95] {
            let p = edit_rate(t, 5);
            let q = (1.0 - p).powi(5);
            assert!((q / (2.0 - q) - t).abs() < 1e-9);
        }
        assert!(edit_rate(1.0, 5) < 1e-12);
    }

    #[test]
    fn zipf_sampler_favours_low_ranks() {
        let a = Alias::zipf(1000);
        let mut rng = Rng::stream(1, 2, 3);
        let mut counts = vec![0u32; 1000];
        for _ in 0..200_000 {
            counts[a.sample(&mut rng)] += 1;
        }
        // Weight of rank 0 is 1/H(1000) ≈ 0.1336.
        let top = counts[0] as f64 / 200_000.0;
        assert!((top - 0.1336).abs() < 0.005, "{top}");
        assert!(counts[1] > counts[10] && counts[10] > counts[500]);
    }

    #[test]
    fn documents_are_pure_functions_of_seed_and_number() {
        let g = Generator::new(&small()).unwrap();
        let h = Generator::new(&small()).unwrap();
        for j in [0, 7, 150, 299] {
            assert_eq!(g.document(j), h.document(j));
        }
        let other = Generator::new(&SynthConfig { seed: 1, ..small() }).unwrap();
        assert_ne!(g.document(7).text, other.document(7).text);
    }

    #[test]
    fn rewrap_maps_offsets_of_words() {
        let text = "head\nTitle\n\nalpha beta gamma delta\n\nepsilon zeta\n\nfoot";
        let body = (12, text.len() - 6);
        let (out, map) = rewrap(text, body, 11);
        assert_eq!(
            out,
            "head\nTitle\n\nalpha beta\ngamma delta\n\nepsilon\nzeta\n\nfoot"
        );
        for w in ["alpha", "gamma", "delta", "zeta", "foot", "Title"] {
            let old = text.find(w).unwrap();
            let new = map.map(old);
            assert_eq!(&out[new..new + w.len()], w);
            assert_eq!(map.map(old + w.len()), new + w.len());
        }
    }

    #[test]
    fn copies_and_near_duplicates_look_like_their_sources() {
        let g = Generator::new(&small()).unwrap();
        let mut seen = [false; 3];
        for j in 0..300 {
            match g.role(j) {
                Role::Exact { source } => {
                    assert_eq!(g.document(j).text, g.document(source).text);
                    seen[0] = true;
                }
                Role::Reformat { source } => {
                    let (a, b) = (g.document(j).text, g.document(source).text);
                    let (mut ta, mut tb) = (Vec::new(), Vec::new());
                    text::words(&a, &mut ta);
                    text::words(&b, &mut tb);
                    let ha: Vec<u64> = ta.iter().map(|t| t.hash).collect();
                    let hb: Vec<u64> = tb.iter().map(|t| t.hash).collect();
                    assert_eq!(ha, hb, "same words after normalisation");
                    seen[1] = true;
                }
                Role::Near { .. } => seen[2] = true,
                Role::Original => {}
            }
        }
        assert_eq!(seen, [true; 3]);
    }
}
