//! Exact repeats: every maximal repeated run of at least `m` tokens, with all
//! its places, computed from the runs of repeated `m`-grams only.
//!
//! The input is, for each document, the runs of consecutive token positions
//! whose `m`-gram (the fingerprint of the `m` tokens starting there) occurs
//! somewhere else too. Any repeat of `m` or more tokens is made of such
//! positions, so nothing else of the corpus is needed. Positions whose
//! fingerprint turns out to occur only once (the first read's table may say
//! "repeated" wrongly) are dropped first, by sorting the fingerprints.
//!
//! The runs are then read as a text over the alphabet of repeated `m`-gram
//! classes, each run closed by a unique separator, and suffix-sorted by
//! induced sorting (SA-IS, Nong, Zhang and Chan 2009, as libsais implements
//! it: linear time whatever the text, on one thread) or, with four threads
//! or more, by prefix doubling on all of them (Manber and Myers), which
//! gives way to libsais when its rounds have sorted every position eight
//! times (periodic text). Before that, each stretch of classes that is
//! always copied whole (a *chain*: every place of one class followed by
//! the next, every place of the next preceded by it) is shortened to one
//! symbol, since no repeat starts or ends inside it (`chains.rs`): on news
//! text that is most of the text. Two suffixes sharing symbols that span
//! `l` classes share `l + m - 1` tokens. With the LCP array (Kasai et
//! al.), the lcp-intervals of the suffix array are exactly the
//! right-maximal repeats; those whose
//! suffixes do not all follow the same symbol are also left-maximal
//! (Abouelhoda, Kurtz and Ohlebusch 2004). Each such *maximal repeat* is one
//! group: a distinct token sequence and every place it occurs.
//!
//! Only the maximal repeats that have a *witness* are returned: a place
//! that no place of a longer repeat contains (the near-supermaximal repeats
//! of Gusfield 1997). The others would be dropped afterwards anyway (see
//! [`super::assemble::drop_covered`]), and listing them is what makes
//! periodic text quadratic: `word word word …` of `n` words has a maximal
//! repeat of every length, `n - l` places each, Θ(n²) places in all, of
//! which only the longest (two overlapping places) has a witness. A place
//! of the repeat `α` is contained in a longer repeat exactly when `α`
//! extends there to the right (its suffix is inside a child interval) or to
//! the left (the symbol before it, followed by `α`, occurs twice: the suffix
//! one position earlier shares more than `|α|` symbols with a neighbour in
//! the suffix array). Both tests take constant time with the LCP and rank
//! arrays, and each suffix is tested once, for its deepest interval, so the
//! test adds O(n).
//!
//! Why this is exact at run boundaries: if every occurrence of a repeat were
//! followed by the same token, the `m`-gram ending with that token would
//! itself repeat and the runs would not end there. The same holds on the
//! left. Two tokens count as equal when their normalised forms have the same
//! 64-bit fingerprint, and two `m`-grams when their fingerprints are equal;
//! a collision (probability about 2^-64 per pair) is the only way a reported
//! repeat can be wrong.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use rayon::prelude::*;

use super::chains::{chain, Chained};
use super::doubling::{doubling, first_order, DOUBLING_THREADS};
use super::families::Families;
use super::tagged::Tagged;
use crate::error::{Error, Result};

/// Marks a position whose `m`-gram occurs once, and the separator after each
/// run.
pub(super) const NONE: u32 = u32::MAX;

/// The most places the maximal repeats may have in all before the search
/// stops with [`Error::TooLarge`]. Each place costs some 60 bytes until the
/// fragments of edited groups are dropped (its byte offsets are looked up
/// first), so this is a few gigabytes. Periodic text no
/// longer comes near it (see the module documentation), but tens of
/// thousands of near-copies of one text do: each stretch between the
/// differences of the copies is its own maximal repeat with a place in most
/// copies. A corpus of 1.1 GB of news-like text reports about half a
/// million places.
const MAX_PLACES: u64 = 50_000_000;

/// Runs of repeated `m`-gram positions, document by document.
#[derive(Debug, Default, Clone)]
pub(crate) struct Runs {
    /// Fingerprints of all runs, each run followed by one separator slot,
    /// [`CHUNK`] slots a chunk: the second read appends without ever
    /// moving what it holds (a growing array would copy itself, and hold
    /// both copies for a moment), and [`gather`] frees each chunk as soon
    /// as it has taken its fingerprints.
    chunks: Vec<Vec<u64>>,
    /// Slots held.
    slots: usize,
    /// The runs, in the order pushed.
    runs: Vec<Run>,
    /// For every block of [`BLOCK`] slots, the run that holds its first
    /// slot ([`Runs::seal`]): [`Runs::place`] then searches only the runs
    /// that start inside one block. A search over all the runs (millions on
    /// a large corpus) missed the cache at most of its steps, for each of
    /// tens of millions of places.
    blocks: Vec<u32>,
}

/// Slots per entry of [`Runs::blocks`]. Unit tests use tiny blocks, so
/// runs span several and blocks hold several runs on small texts.
#[cfg(not(test))]
const BLOCK: usize = 1 << 8;
#[cfg(test)]
const BLOCK: usize = 4;

/// Slots of a chunk of [`Runs`]. Unit tests use tiny chunks, so runs
/// cross chunks on small texts.
#[cfg(not(test))]
const CHUNK: usize = 1 << 20;
#[cfg(test)]
const CHUNK: usize = 7;

#[derive(Debug, Clone, Copy)]
struct Run {
    doc: u32,
    /// Token position of the run's first `m`-gram in its document.
    start: u32,
    /// Slot of the run's first fingerprint.
    offset: usize,
}

/// A maximal repeat: `len` tokens found at each of `places`
/// (`(document, first token)`, ascending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExactGroup {
    pub len: u32,
    pub places: Vec<(u32, u32)>,
}

impl Runs {
    /// Adds a run: the `m`-gram fingerprints of positions `start`,
    /// `start + 1`, … of document `doc`.
    pub fn push(&mut self, doc: u32, start: u32, hashes: &[u64]) {
        self.push_parts(doc, start, |take| take(hashes));
    }

    /// Adds a run given in consecutive parts, as [`Runs::push`] of their
    /// concatenation: `parts` is called with a function that takes each
    /// part in turn, so the caller may free a part once it is taken.
    pub fn push_parts(&mut self, doc: u32, start: u32, parts: impl FnOnce(&mut dyn FnMut(&[u64]))) {
        let offset = self.slots;
        let mut any = false;
        parts(&mut |part: &[u64]| {
            if part.is_empty() {
                return;
            }
            if !any {
                self.runs.push(Run { doc, start, offset });
                any = true;
            }
            self.append(part);
        });
        if any {
            self.append(&[0]);
        }
    }

    fn append(&mut self, mut hashes: &[u64]) {
        while !hashes.is_empty() {
            // The first chunk grows as it fills, up to a full one: the
            // search inside one document makes a `Runs` per document, most
            // of them a few hundred slots.
            let first = self.chunks.is_empty();
            let chunk = match self.chunks.last_mut() {
                Some(c) if c.len() < CHUNK => c,
                _ => {
                    self.chunks
                        .push(Vec::with_capacity(if first { 0 } else { CHUNK }));
                    let last = self.chunks.len() - 1;
                    &mut self.chunks[last]
                }
            };
            let take = (CHUNK - chunk.len()).min(hashes.len());
            let need = chunk.len() + take;
            if need > chunk.capacity() {
                let want = (2 * chunk.capacity()).clamp(need, CHUNK);
                chunk.reserve_exact(want - chunk.len());
            }
            chunk.extend_from_slice(&hashes[..take]);
            hashes = &hashes[take..];
            self.slots += take;
        }
    }

    /// Number of positions held (separators excluded).
    pub fn positions(&self) -> usize {
        self.slots - self.runs.len()
    }

    /// Indexes the runs for [`Runs::place`], once they are all pushed.
    fn seal(&mut self) {
        self.blocks.clear();
        if self.runs.is_empty() {
            return;
        }
        let mut r = 0;
        for slot in (0..=self.slots).step_by(BLOCK) {
            while self.runs.get(r + 1).is_some_and(|next| next.offset <= slot) {
                r += 1;
            }
            self.blocks.push(r as u32);
        }
        // The block after the last holds no slot: its run bounds the search
        // of the last one.
        self.blocks.push((self.runs.len() - 1) as u32);
    }

    /// The document and token position of slot `i`.
    fn place(&self, i: u32) -> (u32, u32) {
        let slot = i as usize;
        let b = slot / BLOCK;
        let r = match (self.blocks.get(b), self.blocks.get(b + 1)) {
            (Some(&lo), Some(&hi)) => {
                let (lo, hi) = (lo as usize, hi as usize);
                lo + self.runs[lo..=hi].partition_point(|r| r.offset <= slot) - 1
            }
            // Runs not sealed: a search of them all.
            _ => self.runs.partition_point(|r| r.offset <= slot) - 1,
        };
        let run = self.runs[r];
        (run.doc, run.start + (i - run.offset as u32))
    }
}

/// The maximal repeats of a set of runs ([`maximal_repeats`]).
#[derive(Debug, Default)]
pub(crate) struct MaximalRepeats {
    /// The groups, with witnesses (see the module documentation).
    pub groups: Vec<ExactGroup>,
    /// Positions whose fingerprint really repeats.
    pub repeated: u64,
    /// Positions left out because their fingerprint repeats only between
    /// documents of one near-duplicate family.
    pub related: u64,
}

/// Every maximal repeat of at least `m` tokens in `runs`. `m` is the length
/// of the `m`-grams the fingerprints were taken over. An `m`-gram found only
/// in different documents of one of `families` does not count as repeated.
///
/// The steps run on the pool's threads, libsais excepted: the fingerprints
/// are gathered and their classes numbered piece by piece (pieces cut at
/// class boundaries), each chain of classes that always follow one another
/// becomes one symbol ([`chain`]), the suffixes of that shorter text are
/// sorted by libsais (on one thread, in linear time) or by
/// parallel prefix doubling ([`DOUBLING_THREADS`]), and the interval walk
/// runs on pieces of the suffix array cut where the LCP is zero (an
/// lcp-interval never spans such a cut). The result does not depend on
/// the number of threads: the suffix array is unique, and the groups are
/// concatenated in suffix-array order.
pub(crate) fn maximal_repeats(
    mut runs: Runs,
    m: usize,
    families: &Families,
) -> Result<MaximalRepeats> {
    let n = runs.slots;
    if n >= (u32::MAX / 2) as usize {
        return Err(Error::TooLarge(format!(
            "{} repeated word positions (at most 2^31 fit); raise --min-words or split the input",
            runs.positions()
        )));
    }
    // 1. Classes: repeated fingerprints get dense ids in fingerprint order,
    //    the others (and separators) NONE. The fingerprints are sorted
    //    one part of their range at a time, the last part taking them
    //    away; from here on the classes stand for them.
    runs.seal();
    let mut chunks = std::mem::take(&mut runs.chunks);
    let slot_families = SlotFamilies::new(&runs, families);
    let parts = parts_for(runs.positions());
    let mut numbering = Numbering::new(n);
    for part in 0..parts {
        let mut order = gather(&mut chunks, &runs, Part { part, parts });
        sort(&mut order);
        numbering.add(&order, &slot_families);
    }
    drop(slot_families);
    let Classes {
        cls,
        classes,
        repeated,
        related,
    } = numbering.finish();
    let try_doubling = rayon::current_num_threads() >= DOUBLING_THREADS;
    if repeated == 0 {
        return Ok(MaximalRepeats {
            groups: Vec::new(),
            repeated: 0,
            related,
        });
    }

    // 2. The text of classes with each chain of classes that always follow
    //    one another shortened to one symbol.
    let chained = chain(cls, classes);
    let text = &chained.text;

    // 3. Suffix array of the chains' places, and each one's entry in it.
    let doubled = try_doubling
        .then(|| {
            doubling(
                first_order(text, chained.chains, chained.places),
                text.len(),
            )
        })
        .flatten();
    let (sa, rank) = match doubled {
        Some(done) => done,
        None => {
            let sa = suffix_array(text, chained.chains)?;
            let rank = ranks(&sa, text.len());
            (sa, rank)
        }
    };
    debug_assert_eq!(sa.len(), chained.places);

    // 4. LCP (Kasai), in symbols (chains).
    let lcp = lcp_kasai(text, &sa, &rank);

    // 5. Maximal repeats: lcp-intervals that are left-diverse and have a
    //    witness (see the module documentation).
    let tree = Tree {
        sa: &sa,
        lcp: &lcp,
        chained: &chained,
        rank: &rank,
        runs: &runs,
        m,
    };
    let listed = AtomicU64::new(0);
    let pieces: Vec<Result<Vec<ExactGroup>>> = tree
        .pieces()
        .par_iter()
        .map(|&(a, b)| tree.walk(a, b, &listed))
        .collect();
    let mut out = Vec::new();
    for p in pieces {
        out.extend(p?);
    }
    Ok(MaximalRepeats {
        groups: out,
        repeated,
        related,
    })
}

/// Pieces of work: enough for every thread to have several, not so many
/// that handing them out costs more than they do. Unit tests use tiny
/// pieces so the joins between them are checked on small texts.
#[cfg(not(test))]
pub(super) const PIECE: usize = 1 << 16;
#[cfg(test)]
pub(super) const PIECE: usize = 5;

/// Cuts `0..len` into ranges of about [`PIECE`], each starting where
/// `starts_here` holds (and at 0).
pub(super) fn cut(len: usize, starts_here: impl Fn(usize) -> bool) -> Vec<(usize, usize)> {
    let mut bounds = vec![0usize];
    let mut at = PIECE;
    while at < len {
        while at < len && !starts_here(at) {
            at += 1;
        }
        if at < len {
            bounds.push(at);
        }
        at += PIECE;
    }
    bounds.push(len);
    bounds.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Fingerprints sorted together at most: 4 Mi, 48 MiB of [`Tagged`]
/// (more past [`MAX_PARTS`] parts). Past that, they are gathered and
/// sorted by parts of their range
/// ([`Part`]), while the fingerprints of the runs wait in their chunks (8
/// bytes a slot): the classes (4 bytes a slot) are then written beside
/// one part only, where all the tagged fingerprints (12 bytes a position)
/// beside the classes were the passage search's peak.
#[cfg(not(test))]
const PART_ENTRIES: usize = 1 << 22;
#[cfg(test)]
const PART_ENTRIES: usize = 8;

/// Parts at most: each reads all the runs' fingerprints again (8 bytes a
/// slot), so the reads stay linear in the slots, while a sixteenth of the
/// tagged fingerprints (under a byte a position) is already small beside
/// the classes and the waiting fingerprints.
const MAX_PARTS: usize = 16;

/// Parts for `positions` fingerprints: a power of two, so that a part is
/// a range of fingerprints' top bits.
fn parts_for(positions: usize) -> usize {
    positions
        .div_ceil(PART_ENTRIES)
        .next_power_of_two()
        .min(MAX_PARTS)
}

/// Part `part` of `parts` (a power of two): the fingerprints whose top
/// bits are `part`.
#[derive(Debug, Clone, Copy)]
struct Part {
    part: usize,
    parts: usize,
}

impl Part {
    fn holds(&self, fp: u64) -> bool {
        let bits = self.parts.trailing_zeros();
        bits == 0 || (fp >> (64 - bits)) as usize == self.part
    }

    fn last(&self) -> bool {
        self.part + 1 == self.parts
    }
}

/// The positions of the runs whose fingerprint is in `part`, each as its
/// fingerprint tagged with its slot, in slot order. Gathering the last
/// part frees each chunk of fingerprints once it is taken, and the result
/// is written as the chunks go, never filled ahead, so the memory of both
/// is never held at once. Members of large families other than their
/// first are never in `runs`: the second read keeps nothing of them.
fn gather(chunks: &mut Vec<Vec<u64>>, runs: &Runs, part: Part) -> Vec<Tagged> {
    let n = runs.slots;
    // Parts of random fingerprints are about equal; a larger one grows.
    let share = runs.positions() / part.parts;
    let mut order: Vec<Tagged> = Vec::with_capacity(if part.parts == 1 {
        share
    } else {
        share + share / 16
    });
    let list = &runs.runs;
    let take = |c: usize, chunk: &[u64], order: &mut Vec<Tagged>| {
        let base = c * CHUNK;
        let pieces: Vec<(usize, usize)> = (base..base + chunk.len())
            .step_by(PIECE)
            .map(|a| (a, (a + PIECE).min(base + chunk.len())))
            .collect();
        order.par_extend(pieces.into_par_iter().flat_map_iter(|(a, b)| {
            let mut k = list.partition_point(|r| r.offset <= a) - 1;
            (a..b).filter_map(move |i| {
                let fp = chunk[i - base];
                if !part.holds(fp) {
                    return None;
                }
                while list.get(k + 1).is_some_and(|r| r.offset <= i) {
                    k += 1;
                }
                let end = list.get(k + 1).map_or(n, |r| r.offset);
                // The run's separator is not a position.
                (i + 1 != end).then(|| Tagged::new(fp, i as u32))
            })
        }));
    };
    if part.last() {
        for (c, chunk) in std::mem::take(chunks).into_iter().enumerate() {
            take(c, &chunk, &mut order);
        }
    } else {
        for (c, chunk) in chunks.iter().enumerate() {
            take(c, chunk, &mut order);
        }
    }
    order
}

/// For the family test of [`classes`]: which slots are in a document of a
/// family (a bit each, so most classes are settled without a lookup), and
/// the document of such a slot, found among the runs.
struct SlotFamilies<'a> {
    families: &'a Families,
    runs: &'a Runs,
    grouped: Vec<u64>,
}

impl<'a> SlotFamilies<'a> {
    fn new(runs: &'a Runs, families: &'a Families) -> SlotFamilies<'a> {
        let mut grouped = Vec::new();
        if !families.is_empty() {
            grouped = vec![0u64; runs.slots.div_ceil(64)];
            for (k, r) in runs.runs.iter().enumerate() {
                if families.grouped(r.doc) {
                    let end = runs.runs.get(k + 1).map_or(runs.slots, |r| r.offset);
                    for i in r.offset..end {
                        grouped[i / 64] |= 1 << (i % 64);
                    }
                }
            }
        }
        SlotFamilies {
            families,
            runs,
            grouped,
        }
    }

    fn grouped(&self, slot: u32) -> bool {
        let i = slot as usize;
        self.grouped
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    /// Whether the places of a class only say what a family says already:
    /// repeated only within one family, one place per document.
    fn only_related(&self, class: &[Tagged], docs: &mut Vec<u32>) -> bool {
        if class.len() < 2 || !self.grouped(class[0].tag()) {
            return false;
        }
        docs.clear();
        docs.extend(class.iter().map(|t| self.runs.place(t.tag()).0));
        docs.sort_unstable();
        self.families.only_related_sorted(docs)
    }
}

/// The classes of repeated fingerprints ([`classes`]).
struct Classes {
    /// The class of each position, [`NONE`] where it does not repeat.
    cls: Vec<u32>,
    /// Number of classes.
    classes: u32,
    /// Positions of a repeated class.
    repeated: u64,
    /// Positions whose fingerprint repeats only within one family.
    related: u64,
}

/// The classes of `n` slots as they are numbered, part by part
/// ([`Numbering::add`]).
struct Numbering {
    cls: Vec<AtomicU32>,
    classes: u32,
    repeated: u64,
    related: u64,
}

impl Numbering {
    fn new(n: usize) -> Numbering {
        Numbering {
            cls: (0..n)
                .into_par_iter()
                .map(|_| AtomicU32::new(NONE))
                .collect(),
            classes: 0,
            repeated: 0,
            related: 0,
        }
    }

    /// Numbers the repeated fingerprints of sorted `order` in fingerprint
    /// order, after the classes of earlier parts (whose fingerprints are
    /// all below these). Pieces cut at class boundaries first find which
    /// of their classes are kept (a flag each: a list of their ranges
    /// would take 16 bytes a class), then, numbered from where the pieces
    /// before them end, walk their classes again to write them.
    fn add(&mut self, order: &[Tagged], families: &SlotFamilies) {
        struct Piece {
            range: (usize, usize),
            /// For each class of two or more positions, whether it is kept.
            kept: Vec<bool>,
            classes: u32,
            positions: usize,
            related: u64,
        }
        let bounds = cut(order.len(), |i| order[i].key() != order[i - 1].key());
        let pieces: Vec<Piece> = bounds
            .par_iter()
            .map(|&(a, b)| {
                let mut piece = Piece {
                    range: (a, b),
                    kept: Vec::new(),
                    classes: 0,
                    positions: 0,
                    related: 0,
                };
                let mut docs: Vec<u32> = Vec::new();
                each_class(order, a, b, |i, j| {
                    if j - i < 2 {
                        return;
                    }
                    // One family, not alone: repeated only if one document
                    // holds two.
                    let keep = !families.only_related(&order[i..j], &mut docs);
                    if keep {
                        piece.classes += 1;
                        piece.positions += j - i;
                    } else {
                        piece.related += (j - i) as u64;
                    }
                    piece.kept.push(keep);
                });
                piece
            })
            .collect();
        // Each piece writes its classes, numbered from where the pieces
        // before it end.
        let mut work = Vec::with_capacity(pieces.len());
        for p in &pieces {
            work.push((p, self.classes));
            self.classes += p.classes;
            self.repeated += p.positions as u64;
            self.related += p.related;
        }
        let cls = &self.cls;
        work.into_par_iter().for_each(|(p, mut c)| {
            let mut kept = p.kept.iter();
            each_class(order, p.range.0, p.range.1, |i, j| {
                if j - i < 2 || kept.next() != Some(&true) {
                    return;
                }
                for t in &order[i..j] {
                    cls[t.tag() as usize].store(c, Ordering::Relaxed);
                }
                c += 1;
            });
        });
    }

    fn finish(self) -> Classes {
        Classes {
            cls: self.cls.into_iter().map(AtomicU32::into_inner).collect(),
            classes: self.classes,
            repeated: self.repeated,
            related: self.related,
        }
    }
}

/// Numbers the repeated fingerprints of sorted `order` (over `n` slots), in
/// one part.
#[cfg(test)]
fn classes(order: &[Tagged], n: usize, families: &SlotFamilies) -> Classes {
    let mut numbering = Numbering::new(n);
    numbering.add(order, families);
    numbering.finish()
}

/// Calls `each(i, j)` for each class (run of equal fingerprints)
/// `order[i..j]` of `order[a..b]`.
fn each_class(order: &[Tagged], a: usize, b: usize, mut each: impl FnMut(usize, usize)) {
    let mut i = a;
    while i < b {
        let key = order[i].key();
        let mut j = i + 1;
        while j < b && order[j].key() == key {
            j += 1;
        }
        each(i, j);
        i = j;
    }
}

/// The suffix array of the positions of a repeated class, in the text of
/// `cls` where every other slot (a separator, or a position whose
/// fingerprint turned out to occur once) is a symbol of its own, above
/// every class and increasing with the position. So no common prefix runs
/// over such a slot, and the order is fully defined: the suffix array is
/// unique, whatever the thread count.
///
/// Built by induced sorting (libsais, SA-IS), which takes linear time on
/// any text. Prefix doubling ([`doubling`]) sorts every position inside a
/// long repeat again in each of `log2` of its length rounds: periodic text
/// and long doubled documents made it the slowest step.
///
/// libsais sorts a shorter text than `cls`: each stretch of other slots is
/// one separator symbol there. A comparison of two suffixes ends at the
/// first separator either meets, where both texts order them the same way
/// (a class below a separator, two separators by position), so the order
/// of the classes' positions is the same. libsais, on one thread, takes
/// time in proportion to its text and alphabet, and on generated news a
/// quarter of the slots are of this kind (separators, the filter's false
/// repeats, and positions repeated only inside one near-duplicate family).
///
/// Besides `cls` it holds the short text and the suffix array with free
/// space of two words a symbol: at most four words a slot, where every
/// slot repeats about what the LCP and the interval walk hold next
/// (BENCHMARKS.md, "The suffix array over a shorter text").
fn suffix_array(cls: &[u32], classes: u32) -> Result<Vec<u32>> {
    let n = cls.len();
    let opens_stretch = |i: usize| cls[i] == NONE && (i == 0 || cls[i - 1] != NONE);
    let pieces: Vec<(usize, usize)> = (0..n)
        .step_by(PIECE)
        .map(|a| (a, (a + PIECE).min(n)))
        .collect();
    // What each piece puts in the short text: its classes, and a separator
    // for each stretch that starts in it.
    let sizes: Vec<(usize, u32)> = pieces
        .par_iter()
        .map(|&(a, b)| {
            let kept = cls[a..b].iter().filter(|&&c| c != NONE).count();
            let opened = (a..b).filter(|&i| opens_stretch(i)).count();
            (kept + opened, opened as u32)
        })
        .collect();
    let len: usize = sizes.iter().map(|&(size, _)| size).sum();
    let mut firsts = Vec::with_capacity(sizes.len());
    let mut alphabet = classes;
    for &(_, opened) in &sizes {
        firsts.push(alphabet);
        alphabet += opened;
    }
    // Hands each piece of `cls` its part of a buffer of the short text's
    // length, with the first separator it numbers, to fill in parallel.
    let fill = |buffer: &mut [u32], each: &(dyn Fn(u32, u32) -> u32 + Sync)| {
        let mut parts = Vec::with_capacity(pieces.len());
        let mut rest = buffer;
        for ((&piece, &(size, _)), &first) in pieces.iter().zip(&sizes).zip(&firsts) {
            let (part, after) = rest.split_at_mut(size);
            parts.push((piece, part, first));
            rest = after;
        }
        parts
            .into_par_iter()
            .for_each(|((a, b), part, mut separator)| {
                let kept = (a..b).filter(|&i| cls[i] != NONE || opens_stretch(i));
                let mut filled = 0;
                for (out, i) in part.iter_mut().zip(kept) {
                    *out = each(i as u32, separator);
                    separator += u32::from(cls[i] == NONE);
                    filled += 1;
                }
                debug_assert_eq!(filled, part.len());
            });
    };
    let mut text = vec![0u32; len];
    fill(&mut text, &|i, separator| match cls[i as usize] {
        NONE => separator,
        class => class,
    });
    // Free space after the suffixes for libsais's buckets, so that it
    // allocates nothing of its own (this memory is the pool's, which has
    // the fingerprints' freed pages at hand): two words a symbol, with
    // which libsais takes its faster two-bucket path (4.4 s instead of 5.5
    // on 29 million symbols, for 48 MB more), capped where its `i32`
    // arithmetic ends.
    let fs = (2 * alphabet as usize + 1024).min(i32::MAX as usize - len);
    let mut sa = vec![0u32; len + fs];
    // SAFETY: `text` holds `len` and `sa` `len + fs` 32-bit slots (u32 and
    // i32 share their layout), `len <= n` < 2^31, every symbol is below
    // `alphabet` (at most `n`), and `len + fs` fits an `i32`; libsais
    // writes only inside `sa` and leaves `text` as it was.
    let status = unsafe {
        libsais_sys::libsais::libsais_int(
            text.as_mut_ptr().cast::<i32>(),
            sa.as_mut_ptr().cast::<i32>(),
            len as i32,
            alphabet as i32,
            fs as i32,
        )
    };
    if status != 0 {
        return Err(Error::TooLarge(format!(
            "the suffix array of {n} repeated word positions could not be built (libsais \
             error {status}: out of memory?); raise --min-words or split the input"
        )));
    }
    sa.truncate(len);
    // The text's buffer now names the slot of `cls` each symbol stands
    // for (NONE for separators); it goes before the result is gathered.
    let slot = &mut text;
    fill(slot, &|i, _| if cls[i as usize] == NONE { NONE } else { i });
    sa.par_iter_mut().for_each(|k| *k = slot[*k as usize]);
    drop(text);
    Ok(sa.par_iter().copied().filter(|&p| p != NONE).collect())
}

/// `rank[p]`: the entry of position `p` in `sa` (unset for positions not in
/// it, which are never asked).
fn ranks(sa: &[u32], n: usize) -> Vec<u32> {
    let rank: Vec<AtomicU32> = (0..n)
        .into_par_iter()
        .map(|_| AtomicU32::new(NONE))
        .collect();
    sa.par_iter().enumerate().for_each(|(k, &p)| {
        // Each position is in `sa` once: the writes are disjoint.
        rank[p as usize].store(k as u32, Ordering::Relaxed);
    });
    rank.into_iter().map(AtomicU32::into_inner).collect()
}

/// The suffix array of the shortened text with its LCP, for the interval
/// walk.
struct Tree<'a> {
    sa: &'a [u32],
    lcp: &'a [u32],
    chained: &'a Chained,
    rank: &'a [u32],
    runs: &'a Runs,
    m: usize,
}

impl Tree<'_> {
    /// What precedes the suffix at `pos`. A chain's first class stands for
    /// the whole chain, its last class included.
    fn left(&self, pos: u32) -> Left {
        let p = pos as usize;
        let text = &self.chained.text;
        if p == 0 || text[p - 1] == NONE {
            Left::Diverse
        } else {
            Left::Uniform(text[p - 1])
        }
    }

    /// Tokens of the repeat of `symbols` chains at text position `p`.
    fn tokens(&self, p: u32, symbols: u32) -> u32 {
        self.chained.span(p, symbols) + self.m as u32 - 1
    }

    /// The document and token position of text position `p`.
    fn place(&self, p: u32) -> (u32, u32) {
        self.runs.place(self.chained.slot[p as usize])
    }

    /// The longest common prefix of suffix-array entry `k` with either
    /// neighbour: the depth of the interval it is a direct child of.
    fn depth(&self, k: usize) -> u32 {
        let next = if k + 1 < self.lcp.len() {
            self.lcp[k + 1]
        } else {
            0
        };
        self.lcp[k].max(next)
    }

    /// Whether the place of entry `k`, as a place of the repeat of its
    /// deepest interval (`depth(k)` symbols), lies in no place of a longer
    /// repeat. It is not extensible to the right (it is a direct child), so
    /// only the left is tested: the suffix one symbol earlier must not share
    /// `depth + 1` symbols with another.
    fn witness(&self, k: usize) -> bool {
        let p = self.sa[k] as usize;
        if p == 0 || self.chained.text[p - 1] == NONE {
            return true;
        }
        self.depth(self.rank[p - 1] as usize) <= self.depth(k)
    }

    /// Pieces of the suffix array that start where the LCP is zero: no
    /// interval but the root spans two of them.
    fn pieces(&self) -> Vec<(usize, usize)> {
        cut(self.sa.len(), |k| self.lcp[k] == 0)
    }

    /// The maximal repeats with a witness among the entries `a..b`, a
    /// piece of [`Tree::pieces`]; `listed` counts places against
    /// [`MAX_PLACES`] across pieces.
    fn walk(&self, a: usize, b: usize, listed: &AtomicU64) -> Result<Vec<ExactGroup>> {
        let (sa, lcp, len) = (self.sa, self.lcp, self.sa.len());
        let mut out = Vec::new();
        let mut stack: Vec<Interval> = vec![Interval {
            lcp: 0,
            lb: a,
            left: Left::Empty,
            witness: false,
        }];
        for k in a + 1..=b {
            let cur = if k < len { lcp[k] } else { 0 };
            let prev = lcp[k - 1];
            // Entry k - 1 is a direct child of the interval on top of the
            // stack (of depth `prev`) unless the interval opened here is
            // deeper.
            let leaf_witness = self.witness(k - 1);
            if cur <= prev {
                if let Some(top) = stack.last_mut() {
                    top.witness |= leaf_witness;
                }
            }
            let mut lb = k - 1;
            let mut carry = self.left(sa[k - 1]);
            while cur < stack.last().map_or(0, |t| t.lcp) {
                let Some(mut top) = stack.pop() else { break };
                top.left = top.left.merge(carry);
                if top.left == Left::Diverse && top.witness {
                    let count = (k - top.lb) as u64;
                    if listed.fetch_add(count, Ordering::Relaxed) + count > MAX_PLACES {
                        return Err(Error::TooLarge(format!(
                            "more than {MAX_PLACES} places of repeated passages: the same \
                             text recurs in very many places, each time with other text \
                             around it (one text in very many near-identical copies, or \
                             sentences that all copy stretches of one shared text), and \
                             every stretch between those edges is a repeat of its own; \
                             remove near-duplicate documents first (nearcopy dedup), raise \
                             --min-words, or scan with --no-passages"
                        )));
                    }
                    let mut places: Vec<(u32, u32)> =
                        sa[top.lb..k].iter().map(|&p| self.place(p)).collect();
                    places.sort_unstable();
                    out.push(ExactGroup {
                        len: self.tokens(sa[top.lb], top.lcp),
                        places,
                    });
                }
                lb = top.lb;
                carry = top.left;
            }
            let top_lcp = stack.last().map_or(0, |t| t.lcp);
            if cur > top_lcp {
                stack.push(Interval {
                    lcp: cur,
                    lb,
                    left: carry,
                    witness: cur > prev && leaf_witness,
                });
            } else if let Some(top) = stack.last_mut() {
                top.left = top.left.merge(carry);
            }
        }
        Ok(out)
    }
}

/// The longest common prefix, in classes, of each suffix-array entry with
/// the one before it (`lcp[0] = 0`), by Kasai's algorithm: in text order,
/// the LCP falls by at most one from a position to the next, so each
/// comparison starts where the last one ended less one.
///
/// The text is cut into pieces done in parallel. A piece starts its first
/// comparison from zero, which costs at most that position's LCP again
/// (bounded by the longest repeat); after that it runs as the serial
/// algorithm. Each entry of `sa` is the rank of one position, so the pieces
/// write disjoint entries.
fn lcp_kasai(cls: &[u32], sa: &[u32], rank: &[u32]) -> Vec<u32> {
    let lcp: Vec<AtomicU32> = (0..sa.len()).map(|_| AtomicU32::new(0)).collect();
    let n = cls.len();
    (0..n.div_ceil(PIECE)).into_par_iter().for_each(|p| {
        let mut l = 0usize;
        for i in p * PIECE..((p + 1) * PIECE).min(n) {
            if cls[i] == NONE {
                l = 0;
                continue;
            }
            let r = rank[i] as usize;
            if r == 0 {
                l = 0;
                continue;
            }
            let j = sa[r - 1] as usize;
            while cls[i + l] != NONE && cls[i + l] == cls[j + l] {
                l += 1;
            }
            // Relaxed: the pieces write disjoint entries, and the join
            // at the end of the parallel loop orders them before the reads.
            lcp[r].store(l as u32, Ordering::Relaxed);
            l = l.saturating_sub(1);
        }
    });
    lcp.into_iter().map(AtomicU32::into_inner).collect()
}

/// What precedes the suffixes of an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Left {
    Empty,
    Uniform(u32),
    Diverse,
}

impl Left {
    fn merge(self, other: Left) -> Left {
        match (self, other) {
            (Left::Empty, x) | (x, Left::Empty) => x,
            (Left::Uniform(a), Left::Uniform(b)) if a == b => Left::Uniform(a),
            _ => Left::Diverse,
        }
    }
}

struct Interval {
    lcp: u32,
    lb: usize,
    left: Left,
    /// Whether a direct child is a witness place.
    witness: bool,
}

/// Below this many elements, sorting and refining run on the calling thread.
pub(super) const PARALLEL_MIN: usize = 1 << 16;

/// Sorts on the pool when `v` is large.
pub(crate) fn sort<T: Ord + Send>(v: &mut [T]) {
    if v.len() < PARALLEL_MIN {
        v.sort_unstable();
    } else {
        v.par_sort_unstable();
    }
}

/// [`sort`] by a key. Unstable, so only for keys that tell apart any two
/// elements that differ: then the order, and what is kept of equal ones,
/// does not depend on the thread count.
pub(crate) fn sort_by_key<T: Send, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K + Sync) {
    if v.len() < PARALLEL_MIN {
        v.sort_unstable_by_key(key);
    } else {
        v.par_sort_unstable_by_key(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;
    use std::collections::{BTreeMap, BTreeSet};

    /// Every slot's place through the block index is the one a search of
    /// all runs gives, for runs shorter than, as long as and much longer
    /// than a block, and for a single run.
    #[test]
    fn places_by_block_match_a_search_of_all_runs() {
        let lengths: [&[usize]; 4] = [
            &[1, 1, 2, 1, 9, 3, 4, 1, 1, 1, 17, 2],
            &[4, 4, 4],
            &[30],
            &[1],
        ];
        for lens in lengths {
            let mut runs = Runs::default();
            for (d, &len) in lens.iter().enumerate() {
                let fps: Vec<u64> = (0..len as u64).map(|x| x + 1).collect();
                runs.push(d as u32 * 3, 5 * d as u32, &fps);
            }
            runs.seal();
            for slot in 0..runs.slots {
                let r = runs.runs.partition_point(|r| r.offset <= slot) - 1;
                let run = runs.runs[r];
                let want = (run.doc, run.start + (slot - run.offset) as u32);
                assert_eq!(runs.place(slot as u32), want, "slot {slot} of {lens:?}");
            }
        }
    }

    /// Each fingerprint is in exactly one part, and the parts follow one
    /// another in fingerprint order, so numbering them part after part
    /// numbers the classes in fingerprint order.
    #[test]
    fn parts_cover_the_fingerprints_in_order() {
        for (positions, parts) in [
            (0, 1),
            (1, 1),
            (8, 1),
            (9, 2),
            (17, 4),
            (64, 8),
            (65, 16),
            (1 << 20, 16),
        ] {
            assert_eq!(parts_for(positions), parts, "{positions}");
        }
        let fps = [
            0,
            1,
            1 << 60,
            1 << 63,
            (1 << 63) + 5,
            u64::MAX - 1,
            u64::MAX,
        ];
        for parts in [1, 2, 4, 16] {
            let mut last_part = 0;
            for &fp in &fps {
                let holders: Vec<usize> = (0..parts)
                    .filter(|&part| Part { part, parts }.holds(fp))
                    .collect();
                assert_eq!(holders.len(), 1, "{fp:#x} in {parts}");
                assert!(holders[0] >= last_part);
                last_part = holders[0];
            }
            assert_eq!(last_part, parts - 1);
        }
    }

    /// m-gram fingerprints of a token sequence (tokens are small integers).
    fn grams(tokens: &[u64], m: usize) -> Vec<u64> {
        tokens
            .windows(m)
            .map(|w| {
                let mut b = Vec::new();
                crate::hash::tokens(w, &mut b)
            })
            .collect()
    }

    /// Runs over whole documents: the engine must drop unique positions
    /// itself.
    fn engine(docs: &[Vec<u64>], m: usize) -> BTreeSet<(u32, Vec<(u32, u32)>)> {
        let mut runs = Runs::default();
        for (d, t) in docs.iter().enumerate() {
            if t.len() >= m {
                runs.push(d as u32, 0, &grams(t, m));
            }
        }
        // One thread builds the suffix array with libsais, four try prefix
        // doubling first: the same repeats.
        let on = |threads: usize, runs: Runs| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let found = pool
                .install(|| maximal_repeats(runs, m, &Families::none()))
                .unwrap();
            found
                .groups
                .into_iter()
                .map(|g| (g.len, g.places))
                .collect::<Vec<_>>()
        };
        let copy = runs.clone();
        let one = on(1, runs);
        assert_eq!(one, on(DOUBLING_THREADS, copy));
        one.into_iter().collect()
    }

    /// Maximal repeats by brute force: every substring of length >= m that
    /// occurs at least twice and cannot be extended on either side in all
    /// its occurrences at once.
    fn brute(docs: &[Vec<u64>], m: usize) -> BTreeSet<(u32, Vec<(u32, u32)>)> {
        let mut occ: BTreeMap<Vec<u64>, Vec<(u32, u32)>> = BTreeMap::new();
        for (d, t) in docs.iter().enumerate() {
            for s in 0..t.len() {
                for e in s + m..=t.len() {
                    occ.entry(t[s..e].to_vec())
                        .or_default()
                        .push((d as u32, s as u32));
                }
            }
        }
        let mut out = BTreeSet::new();
        for (sub, places) in &occ {
            if places.len() < 2 {
                continue;
            }
            let at = |&(d, s): &(u32, u32), off: isize| -> Option<u64> {
                let t = &docs[d as usize];
                let i = s as isize + off;
                (i >= 0 && (i as usize) < t.len()).then(|| t[i as usize])
            };
            let lefts: BTreeSet<Option<u64>> = places.iter().map(|p| at(p, -1)).collect();
            let rights: BTreeSet<Option<u64>> =
                places.iter().map(|p| at(p, sub.len() as isize)).collect();
            let left_max = lefts.len() > 1 || lefts.contains(&None);
            let right_max = rights.len() > 1 || rights.contains(&None);
            if left_max && right_max {
                out.insert((sub.len() as u32, places.clone()));
            }
        }
        // Keep those with a witness: a place inside no place of a longer
        // maximal repeat.
        let inside = |&(d, s): &(u32, u32), len: u32| {
            out.iter().any(|(l, ps)| {
                *l > len
                    && ps
                        .iter()
                        .any(|&(d2, s2)| d2 == d && s2 <= s && s + len <= s2 + l)
            })
        };
        out.iter()
            .filter(|(len, places)| places.iter().any(|p| !inside(p, *len)))
            .cloned()
            .collect()
    }

    /// Enough positions for prefix doubling's rounds to run on the pool,
    /// over many pieces (tests cut pieces of about 5 entries): the same
    /// suffix array and ranks as libsais.
    #[test]
    fn doubling_on_the_pool_equals_libsais_on_a_large_text() {
        let mut x = 12345u64;
        let mut next = |k: u64| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) % k
        };
        let classes = 40u32;
        let mut cls: Vec<u32> = (0..200_000).map(|_| next(classes as u64) as u32).collect();
        // Copied blocks, so that some groups stay tied for several rounds.
        for _ in 0..300 {
            let (from, to) = (next(190_000) as usize, next(190_000) as usize);
            let len = next(200) as usize + 1;
            let block = cls[from..from + len].to_vec();
            let end = (to + len).min(cls.len());
            cls[to..end].copy_from_slice(&block[..end - to]);
        }
        // Separators, and one closing the text, as after every run.
        for i in (0..cls.len()).step_by(997) {
            cls[i] = NONE;
        }
        cls.push(NONE);
        let repeated = cls.iter().filter(|&&c| c != NONE).count();
        assert!(repeated >= 2 * PARALLEL_MIN);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(DOUBLING_THREADS)
            .build()
            .unwrap();
        let (sa, rank) = pool
            .install(|| doubling(first_order(&cls, classes, repeated), cls.len()))
            .expect("within its budget");
        let want = suffix_array(&cls, classes).unwrap();
        assert_eq!(sa, want);
        for (k, &p) in want.iter().enumerate() {
            assert_eq!(rank[p as usize], k as u32);
        }
    }

    #[test]
    fn periodic_text_is_one_repeat() {
        // word × 40 with m = 3: only the longest repeat, at 0 and 1, has a
        // place no longer repeat contains.
        let a: Vec<u64> = vec![1; 40];
        let got = engine(&[a], 3);
        assert_eq!(got, [(39, vec![(0, 0), (0, 1)])].into_iter().collect());
        // A unit of three tokens: the run at 0 and 3.
        let b: Vec<u64> = (0..60).map(|i| i % 3).collect();
        let got = engine(&[b], 4);
        assert_eq!(got, [(57, vec![(0, 0), (0, 3)])].into_iter().collect());
    }

    #[test]
    fn doubled_block_is_one_repeat() {
        let a: Vec<u64> = vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 10];
        let got = engine(&[a], 3);
        assert_eq!(got, [(8, vec![(0, 0), (0, 9)])].into_iter().collect());
    }

    #[test]
    fn nested_repeat_with_more_places_is_its_own_group() {
        let a: Vec<u64> = (0..20).collect();
        let b: Vec<u64> = (100..103).chain(0..20).chain(200..203).collect();
        let c: Vec<u64> = (300..305).chain(5..12).chain(400..405).collect();
        let got = engine(&[a.clone(), b.clone(), c.clone()], 4);
        assert_eq!(got, brute(&[a, b, c], 4));
        assert!(got.contains(&(20, vec![(0, 0), (1, 3)])));
        assert!(got.contains(&(7, vec![(0, 5), (1, 8), (2, 5)])));
    }

    /// The order the suffix array must have: symbol by symbol, a class
    /// below every separator, separators by position.
    fn naive_suffix_array(cls: &[u32]) -> Vec<u32> {
        let key = |p: usize| -> Vec<(u32, u32)> {
            cls[p..]
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    if c == NONE {
                        (1, (p + i) as u32)
                    } else {
                        (0, c)
                    }
                })
                .collect()
        };
        let mut sa: Vec<u32> = (0..cls.len() as u32)
            .filter(|&p| cls[p as usize] != NONE)
            .collect();
        sa.sort_by_key(|&p| key(p as usize));
        sa
    }

    proptest::proptest! {
        #[test]
        fn suffix_array_is_the_unique_order(
            text in (0.2f64..0.95).prop_flat_map(|dense| {
                proptest::collection::vec(proptest::option::weighted(dense, 0u32..5), 1..60)
            }),
        ) {
            // Symbols (None: a separator) numbered into classes as the
            // search numbers fingerprints; every text ends with a separator,
            // as the runs do. Sparse texts have long stretches of
            // separators, which the suffix array's text folds into one.
            let mut order: Vec<Tagged> = text
                .iter()
                .enumerate()
                .filter_map(|(p, c)| c.map(|c| Tagged::new(c as u64, p as u32)))
                .collect();
            order.sort_unstable();
            let (runs, none) = (Runs::default(), Families::none());
            let Classes { cls, classes, repeated, .. } =
                classes(&order, text.len() + 1, &SlotFamilies::new(&runs, &none));
            let first = first_order(&cls, classes, repeated as usize);
            let sa = suffix_array(&cls, classes).unwrap();
            let naive = naive_suffix_array(&cls);
            proptest::prop_assert_eq!(&sa, &naive);
            // Doubling, within its budget, gives the same order and ranks.
            proptest::prop_assert_eq!(first.sa.len(), naive.len());
            if let Some((doubled, rank)) = doubling(first, cls.len()) {
                proptest::prop_assert_eq!(&doubled, &naive);
                for (k, &p) in naive.iter().enumerate() {
                    proptest::prop_assert_eq!(rank[p as usize], k as u32);
                }
            }
        }

        #[test]
        fn equals_brute_force(
            docs in proptest::collection::vec(proptest::collection::vec(0u64..4, 0..30), 1..4),
            m in 1usize..4,
        ) {
            proptest::prop_assert_eq!(engine(&docs, m), brute(&docs, m));
        }

        /// Stretches copied from one source text into several documents,
        /// between tokens that occur once: long chains of classes, which
        /// the suffix array sees as one symbol each, ending and starting
        /// where the copies overlap.
        #[test]
        fn copied_stretches_equal_brute_force(
            source in proptest::collection::vec(0u64..12, 10..30),
            copies in proptest::collection::vec((0usize..30, 1usize..20, 0usize..3), 1..7),
            m in 1usize..5,
        ) {
            let mut docs = vec![Vec::new(); 3];
            for (k, &(from, len, doc)) in copies.iter().enumerate() {
                let from = from.min(source.len() - 1);
                let to = (from + len).min(source.len());
                docs[doc].extend_from_slice(&source[from..to]);
                docs[doc].push(100 + k as u64);
            }
            proptest::prop_assert_eq!(engine(&docs, m), brute(&docs, m));
        }
    }
}
