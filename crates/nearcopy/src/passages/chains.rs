//! Chains of classes: the text of repeated `m`-gram classes shortened to
//! one symbol per copied stretch before it is suffix-sorted.
//!
//! A text copied from one place to another is, as classes, the same long
//! sequence `c1 c2 … ck` in each copy, and every class of it occurs only
//! there. Then every place of `c1` is followed by `c2`, every place of `c2`
//! preceded by `c1`, and so on: no repeat can start or end inside the
//! sequence, since every place of a repeat would extend across it at once.
//! Such a *chain* (the longest sequence linked that way, a unitig of the
//! class graph) needs one symbol only, its first class. Suffix-sorting the
//! shortened text orders the chains' places as the whole text orders
//! them: two chains with the same first class are the same chain, and the
//! symbol after it starts the next chain in both. The maximal repeats of
//! the shortened text are those of the whole, with the same places; a
//! repeat of `l` symbols spans the slots from its first chain's to the
//! `l`-th chain's end, which [`Chained::slot`] gives.
//!
//! On generated news, where copied text is whole paragraphs and articles,
//! 28 million repeated positions are 2.4 million chains: the suffix array,
//! its LCP and the interval walk run on a tenth of the text. Periodic text
//! and text repeated in many differing contexts shorten little, and cost
//! what they did.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::exact::{NONE, PIECE};
use super::filter::prefetch;

/// A link not yet seen (the class has no place yet).
const UNSET: u32 = NONE - 1;
/// Places of the class are followed (or preceded) by different symbols.
const MIXED: u32 = NONE - 2;
/// A slot whose class is inside a chain, not its first (a value of the
/// rewritten class text, apart from the links' values above).
const INSIDE: u32 = NONE - 3;
/// How many slots ahead the lookups of a pass are asked for.
const AHEAD: usize = 16;
/// Both links of a class not yet seen.
const UNSET_LINK: u64 = (UNSET as u64) << 32 | UNSET as u64;

/// The text of classes with each chain shortened to one symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Chained {
    /// The chains' first classes, numbered again from 0 in the same order,
    /// and [`NONE`] for each stretch of slots that are not a repeated
    /// position (separators, positions that occur once).
    pub text: Vec<u32>,
    /// Number of chains: every symbol of `text` but `NONE` is below it.
    pub chains: u32,
    /// Symbols of `text` that are not `NONE`.
    pub places: usize,
    /// For each symbol of `text`, the slot of the class text it starts at.
    /// `text` ends with `NONE` when the class text does, so the slot after
    /// any run of chains is there.
    pub slot: Vec<u32>,
}

impl Chained {
    /// Slots (classes) spanned by the `symbols` symbols from `text[p]`, none
    /// of them `NONE`.
    pub fn span(&self, p: u32, symbols: u32) -> u32 {
        self.slot[(p + symbols) as usize] - self.slot[p as usize]
    }
}

/// Shortens `cls` (classes below `classes`, [`NONE`] elsewhere; at most
/// 2^31 slots) to its chains, rewriting it in place. Every class has two
/// places or more, and the text ends with `NONE` (the separator after the
/// last run).
pub(super) fn chain(mut cls: Vec<u32>, classes: u32) -> Chained {
    let heads = heads(&cls, classes);
    // Each slot as its chain's number, or INSIDE: one lookup a slot, ahead
    // of the two passes below, which then read `cls` in order only.
    cls.par_chunks_mut(PIECE).for_each(|part| {
        for j in 0..part.len() {
            if let Some(&c) = part.get(j + AHEAD) {
                if c != NONE {
                    prefetch(&heads[c as usize]);
                }
            }
            let c = &mut part[j];
            if *c != NONE {
                *c = heads[*c as usize];
            }
        }
    });
    let chains = heads.iter().filter(|&&h| h != INSIDE).count() as u32;
    drop(heads);
    let n = cls.len();
    // Stretches of slots that are not a class are one `NONE` each.
    let keeps = |i: usize| match cls[i] {
        NONE => i == 0 || cls[i - 1] != NONE,
        c => c != INSIDE,
    };
    let pieces: Vec<(usize, usize)> = (0..n)
        .step_by(PIECE)
        .map(|a| (a, (a + PIECE).min(n)))
        .collect();
    let sizes: Vec<usize> = pieces
        .par_iter()
        .map(|&(a, b)| (a..b).filter(|&i| keeps(i)).count())
        .collect();
    let len: usize = sizes.iter().sum();
    let mut text = vec![0u32; len];
    let mut slot = vec![0u32; len];
    let mut parts = Vec::with_capacity(pieces.len());
    let (mut text_rest, mut slot_rest) = (&mut text[..], &mut slot[..]);
    for (&piece, &size) in pieces.iter().zip(&sizes) {
        let (t, t_after) = text_rest.split_at_mut(size);
        let (s, s_after) = slot_rest.split_at_mut(size);
        parts.push((piece, t, s));
        (text_rest, slot_rest) = (t_after, s_after);
    }
    parts.into_par_iter().for_each(|((a, b), t, s)| {
        let kept = (a..b).filter(|&i| keeps(i));
        for ((t, s), i) in t.iter_mut().zip(s.iter_mut()).zip(kept) {
            *t = cls[i];
            *s = i as u32;
        }
    });
    let places = text.par_iter().filter(|&&c| c != NONE).count();
    Chained {
        text,
        chains,
        places,
        slot,
    }
}

/// For each class, its number among the classes that start a chain (in
/// class order), or [`INSIDE`] for a class inside a chain: one whose
/// places are all preceded by the same class `p`, whose places are all
/// followed by it.
fn heads(cls: &[u32], classes: u32) -> Vec<u32> {
    let links = links(cls, classes);
    let (succ, pred) = (|l: u64| (l >> 32) as u32, |l: u64| l as u32);
    let mut heads: Vec<u32> = links
        .par_iter()
        .enumerate()
        .map(|(c, l)| {
            let l = l.load(Ordering::Relaxed);
            let p = pred(l);
            let inside = p < classes && succ(links[p as usize].load(Ordering::Relaxed)) == c as u32;
            // A class with no place (never the case in a search) starts
            // no chain either.
            u32::from(l != UNSET_LINK && !inside)
        })
        .collect();
    drop(links);
    let mut next = 0u32;
    for h in &mut heads {
        if *h == 1 {
            *h = next;
            next += 1;
        } else {
            *h = INSIDE;
        }
    }
    heads
}

/// For each class, the symbol that follows all its places (high half) and
/// the one that precedes them all (low half), [`NONE`] at a run's edge, or
/// [`MIXED`]. Slots are taken in parallel pieces; each link only moves up
/// from [`UNSET`] to one symbol to `MIXED`, so the result does not depend
/// on the order they are taken in.
fn links(cls: &[u32], classes: u32) -> Vec<AtomicU64> {
    let links: Vec<AtomicU64> = (0..classes)
        .into_par_iter()
        .map(|_| AtomicU64::new(UNSET_LINK))
        .collect();
    let join = |cur: u32, seen: u32| match cur {
        UNSET => seen,
        _ if cur == seen => cur,
        _ => MIXED,
    };
    let n = cls.len();
    (0..n.div_ceil(PIECE)).into_par_iter().for_each(|piece| {
        let end = ((piece + 1) * PIECE).min(n);
        for i in piece * PIECE..end {
            if let Some(&c) = cls[..end].get(i + AHEAD) {
                if c != NONE {
                    prefetch(&links[c as usize]);
                }
            }
            let c = cls[i];
            if c == NONE {
                continue;
            }
            let after = cls.get(i + 1).copied().unwrap_or(NONE);
            let before = if i == 0 { NONE } else { cls[i - 1] };
            let with = |l: u64| {
                let succ = join((l >> 32) as u32, after);
                let pred = join(l as u32, before);
                u64::from(succ) << 32 | u64::from(pred)
            };
            let link = &links[c as usize];
            // Most places find their class's link already as they would
            // leave it: a load, no write.
            let cur = link.load(Ordering::Relaxed);
            if with(cur) != cur {
                let _ = link.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| {
                    let new = with(l);
                    (new != l).then_some(new)
                });
            }
        }
    });
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: u32 = NONE;

    /// Table: the class text, and the shortened text with the slot of each
    /// symbol.
    #[test]
    fn chains_shorten_to_their_first_class() {
        let cases: &[(&[u32], &[u32], &[u32])] = &[
            // One block in two runs: classes 0 1 2 always in that order.
            (&[0, 1, 2, N, 0, 1, 2, N], &[0, N, 0, N], &[0, 3, 4, 7]),
            // Class 1 is followed by 2 once and by the separator once: the
            // chain 0 1 ends there, 2 starts its own.
            (
                &[0, 1, 2, N, 0, 1, N, 2, 3, N, 3, N],
                &[0, 1, N, 0, N, 1, 2, N, 2, N],
                &[0, 2, 3, 4, 6, 7, 8, 9, 10, 11],
            ),
            // Periodic: 0 follows 1 and the run's start, 1 ends the run
            // once: the pair 0 1 is a chain, repeated.
            (&[0, 1, 0, 1, 0, 1, N], &[0, 0, 0, N], &[0, 2, 4, 6]),
            // One class after itself: nothing to shorten.
            (&[0, 0, 0, N], &[0, 0, 0, N], &[0, 1, 2, 3]),
            // Stretches of other slots are one separator each.
            (
                &[N, N, 0, 1, N, N, N, 0, 1, N],
                &[N, 0, N, 0, N],
                &[0, 2, 4, 7, 9],
            ),
            // Class 1 is preceded by 0 and by 2: both start a chain.
            (
                &[0, 1, N, 2, 1, N, 0, N, 2, N],
                &[0, 1, N, 2, 1, N, 0, N, 2, N],
                &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
            ),
        ];
        for &(cls, text, slot) in cases {
            let classes = cls.iter().filter(|&&c| c != N).max().map_or(0, |&c| c + 1);
            let got = chain(cls.to_vec(), classes);
            assert_eq!(got.text, text, "{cls:?}");
            assert_eq!(got.slot, slot, "{cls:?}");
            assert_eq!(got.places, text.iter().filter(|&&c| c != N).count());
            assert_eq!(
                got.chains,
                text.iter().filter(|&&c| c != N).max().map_or(0, |&c| c + 1)
            );
        }
    }

    /// Pieces taken in any order on any number of threads give the same
    /// chains (tests cut pieces of a few slots).
    #[test]
    fn chains_do_not_depend_on_the_thread_count() {
        let mut rng = crate::hash::SplitMix64::new(99);
        let mut next = |k: u64| rng.next() % k;
        // Blocks of fresh classes, each placed two or three times, in
        // shuffled order, runs of them closed by separators now and then:
        // some blocks always meet the same neighbour, most do not.
        let mut blocks = Vec::new();
        let mut classes = 0u32;
        for _ in 0..60 {
            let len = next(12) as u32 + 1;
            blocks.push(classes..classes + len);
            classes += len;
        }
        let mut order: Vec<usize> = (0..blocks.len())
            .flat_map(|b| std::iter::repeat_n(b, 2 + (b % 2)))
            .collect();
        for i in (1..order.len()).rev() {
            order.swap(i, next(i as u64 + 1) as usize);
        }
        let mut cls = Vec::new();
        for b in order {
            cls.extend(blocks[b].clone());
            if next(3) == 0 {
                cls.push(NONE);
            }
        }
        cls.push(NONE);
        let on = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| chain(cls.clone(), classes))
        };
        let one = on(1);
        assert!(
            one.places < cls.len() / 2,
            "{} of {}",
            one.places,
            cls.len()
        );
        assert_eq!(one, on(3));
    }
}
