//! The suffix array of the repeated positions by parallel prefix doubling
//! (Manber and Myers): the positions start ordered by their first symbol,
//! and each round sorts the groups still tied by the rank `h` positions
//! further, doubling `h`. Only tied groups are sorted again, so most
//! positions of news text are settled in a few rounds; periodic text and
//! long doubled documents keep theirs tied for `log2` of the repeat's
//! length rounds, so past [`DOUBLING_BUDGET`] sorts a position the search
//! gives way to libsais ([`super::exact`]), linear whatever the text.
//!
//! Which entries start a group and which are still tied are two bits per
//! entry of the suffix array. A list of the tied groups took 8 bytes a
//! group, twice over while a round wrote the next one: at the first round
//! every class is a group, and those lists were the peak of the whole
//! passage search at four threads or more.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use rayon::prelude::*;

use super::exact::{cut, NONE, PARALLEL_MIN};

/// From this many threads the suffix array is first tried by prefix
/// doubling, which runs on all of them, where libsais runs on one. At 2
/// threads the two took the same time on generated news, whose doubling
/// rounds sort each position about 5 times in all.
pub(super) const DOUBLING_THREADS: usize = 4;

/// Prefix doubling gives up, for libsais, once its rounds have sorted this
/// many times the positions: so periodic text and long doubled documents,
/// whose positions are sorted again in each of `log2` of the repeat's
/// length rounds, cost linear time whatever the thread count.
const DOUBLING_BUDGET: u64 = 8;

/// A bit for each entry of the suffix array, which threads set and clear
/// in their own ranges of entries (so words at the ends of two ranges are
/// shared, and changed atomically).
struct Bits(Vec<AtomicU64>);

impl Bits {
    fn new(len: usize, set: bool) -> Bits {
        let mut words: Vec<AtomicU64> = (0..len.div_ceil(64))
            .map(|_| AtomicU64::new(if set { u64::MAX } else { 0 }))
            .collect();
        if let (true, Some(last)) = (set && !len.is_multiple_of(64), words.last_mut()) {
            *last.get_mut() = (1u64 << (len % 64)) - 1;
        }
        Bits(words)
    }

    fn get(&self, i: usize) -> bool {
        self.0[i / 64].load(Ordering::Relaxed) >> (i % 64) & 1 == 1
    }

    fn set(&self, i: usize) {
        self.0[i / 64].fetch_or(1 << (i % 64), Ordering::Relaxed);
    }

    fn clear(&self, i: usize) {
        self.0[i / 64].fetch_and(!(1 << (i % 64)), Ordering::Relaxed);
    }

    /// The first set bit in `from..end`, or `end`.
    fn next(&self, from: usize, end: usize) -> usize {
        let mut w = from / 64;
        if from >= end {
            return end;
        }
        let mut word = self.0[w].load(Ordering::Relaxed) & (u64::MAX << (from % 64));
        loop {
            if word != 0 {
                return (w * 64 + word.trailing_zeros() as usize).min(end);
            }
            w += 1;
            if w * 64 >= end {
                return end;
            }
            word = self.0[w].load(Ordering::Relaxed);
        }
    }

    fn count(&self) -> u64 {
        self.0
            .par_iter()
            .map(|w| w.load(Ordering::Relaxed).count_ones() as u64)
            .sum()
    }
}

/// The repeated positions by class (their first symbol), positions
/// ascending within a class: where prefix doubling starts.
pub(super) struct FirstOrder {
    pub sa: Vec<u32>,
    /// Where each class starts in `sa`.
    starts: Bits,
}

/// The first order from the classes, by counting: built once the sorted
/// fingerprints are freed, where building it beside them held both.
pub(super) fn first_order(cls: &[u32], classes: u32, repeated: usize) -> FirstOrder {
    // next[c]: where the next position of class c goes.
    let mut next = vec![0u32; classes as usize + 1];
    for &c in cls.iter().filter(|&&c| c != NONE) {
        next[c as usize + 1] += 1;
    }
    for k in 1..next.len() {
        next[k] += next[k - 1];
    }
    let starts = Bits::new(repeated, false);
    for &s in &next[..classes as usize] {
        starts.set(s as usize);
    }
    let mut sa = vec![0u32; repeated];
    for (p, &c) in cls.iter().enumerate().filter(|&(_, &c)| c != NONE) {
        sa[next[c as usize] as usize] = p as u32;
        next[c as usize] += 1;
    }
    FirstOrder { sa, starts }
}

/// The suffix array of the repeated positions (`n` slots in all) and their
/// ranks, from their first order, in the same order as libsais gives
/// ([`super::exact`]); `None` past [`DOUBLING_BUDGET`].
pub(super) fn doubling(first: FirstOrder, n: usize) -> Option<(Vec<u32>, Vec<u32>)> {
    let FirstOrder { mut sa, starts } = first;
    let repeated = sa.len();
    // rank[i] is the start of i's group in `sa`; positions not in `sa` get
    // unique ranks above all others (fewer than 2^31 slots: no overflow).
    let n_sa = repeated as u32;
    let rank: Vec<AtomicU32> = (0..n as u32)
        .into_par_iter()
        .map(|i| AtomicU32::new(n_sa + i))
        .collect();
    // Every class has two positions or more: all are tied.
    let tied = Bits::new(repeated, true);
    let step = Step {
        rank: &rank,
        starts: &starts,
        tied: &tied,
    };
    // Pieces of the suffix array that each start a group, cut again after
    // each round: groups only split, so pieces that held a large group
    // become several.
    let mut pieces = cut(repeated, |i| starts.get(i));
    step.settle(&sa, &pieces);
    let (mut h, mut sorted) = (1usize, 0u64);
    loop {
        let still = tied.count();
        if still == 0 {
            break;
        }
        sorted += still;
        if sorted > DOUBLING_BUDGET * repeated as u64 {
            return None;
        }
        step.refine(&mut sa, &pieces, h);
        step.settle(&sa, &pieces);
        pieces = cut(repeated, |i| starts.get(i));
        h *= 2;
    }
    Some((sa, rank.into_iter().map(AtomicU32::into_inner).collect()))
}

/// What a doubling round reads and writes.
struct Step<'a> {
    rank: &'a [AtomicU32],
    starts: &'a Bits,
    tied: &'a Bits,
}

impl Step<'_> {
    /// Sorts every tied group by the rank `h` positions further, marking
    /// in `starts` where each one splits. `pieces` cover the suffix array
    /// and each starts a group, so each is refined on its own.
    fn refine(&self, sa: &mut [u32], pieces: &[(usize, usize)], h: usize) {
        let len = sa.len();
        let mut slices: Vec<(usize, &mut [u32])> = Vec::with_capacity(pieces.len());
        let mut rest: &mut [u32] = sa;
        for &(a, b) in pieces {
            let (piece, tail) = std::mem::take(&mut rest).split_at_mut(b - a);
            slices.push((a, piece));
            rest = tail;
        }
        let key = |p: u32| {
            self.rank
                .get(p as usize + h)
                .map_or(u32::MAX, |r| r.load(Ordering::Relaxed))
        };
        // `keyed` is a thread's scratch: `(key << 32) | position` of the
        // group being sorted, so sorting makes no random access.
        let work = |mut keyed: Vec<u64>, (a, piece): (usize, &mut [u32])| {
            let end = a + piece.len();
            let mut s = self.tied.next(a, end);
            while s < end {
                let e = self.starts.next(s + 1, end);
                let group = &mut piece[s - a..e - a];
                keyed.clear();
                keyed.extend(group.iter().map(|&p| ((key(p) as u64) << 32) | p as u64));
                keyed.sort_unstable();
                for (slot, &kp) in group.iter_mut().zip(keyed.iter()) {
                    *slot = kp as u32;
                }
                for i in 1..keyed.len() {
                    if keyed[i] >> 32 != keyed[i - 1] >> 32 {
                        self.starts.set(s + i);
                    }
                }
                s = self.tied.next(e, end);
            }
            keyed
        };
        // Small inputs (one document) are not worth waking the pool for.
        if len < PARALLEL_MIN {
            slices.into_iter().fold(Vec::new(), work);
        } else {
            slices.into_par_iter().fold(Vec::new, work).for_each(drop);
        }
    }

    /// After a round (or before the first): the rank of each position of a
    /// tied group becomes the start of its group, and the entries left
    /// alone in theirs are tied no more. Each position is in one group, so
    /// the writes are disjoint; the round before read only older ranks.
    fn settle(&self, sa: &[u32], pieces: &[(usize, usize)]) {
        let len = sa.len();
        let one = |&(a, end): &(usize, usize)| {
            let mut start = a;
            let mut k = self.tied.next(a, end);
            while k < end {
                let starts_here = self.starts.get(k);
                if starts_here {
                    start = k;
                }
                self.rank[sa[k] as usize].store(start as u32, Ordering::Relaxed);
                if starts_here && (k + 1 == len || self.starts.get(k + 1)) {
                    self.tied.clear(k);
                }
                k = self.tied.next(k + 1, end);
            }
        };
        if len < PARALLEL_MIN {
            pieces.iter().for_each(one);
        } else {
            pieces.par_iter().for_each(one);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_find_the_next_set_one_within_a_range() {
        let b = Bits::new(200, false);
        for i in [3, 64, 130, 199] {
            b.set(i);
        }
        assert_eq!(b.next(0, 200), 3);
        assert_eq!(b.next(4, 200), 64);
        assert_eq!(b.next(65, 130), 130);
        assert_eq!(b.next(65, 131), 130);
        assert_eq!(b.next(131, 199), 199);
        assert_eq!(b.next(131, 200), 199);
        assert_eq!(b.next(200, 200), 200);
        b.clear(64);
        assert_eq!(b.next(4, 200), 130);
        assert_eq!(b.count(), 3);
        let full = Bits::new(130, true);
        assert_eq!(full.count(), 130);
        assert_eq!(full.next(129, 130), 129);
    }
}
