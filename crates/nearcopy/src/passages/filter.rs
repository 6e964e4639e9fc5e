//! A fixed-size table that tells, after one read of the corpus, which
//! fingerprints were seen at least twice.
//!
//! It is a blocked Bloom filter with two levels: inserting a fingerprint sets
//! `k = 6` bits of one 64-bit word in the *once* level, and every one of those
//! bits that was already set is also set in the *twice* level. A fingerprint
//! inserted twice therefore has all its bits in the twice level; one inserted
//! once has them only if other insertions happened to cover each of its
//! bits. So [`RepeatFilter::repeated`] never misses a repeat (no false
//! negatives) and says "repeated" for a unique fingerprint with the
//! probability of a Bloom filter false positive, `(1 - e^(-k n / 64))^k`
//! for `n` insertions per word: about 0.4 % at 12 bits per insertion and
//! level, 3 % at 6 bits. A false "repeated" only costs memory in the second
//! read, where every candidate is counted exactly.
//!
//! Insertions are `fetch_or`s on atomics, so threads share one table without
//! locks, and the final state (a bit is in the twice level exactly when two
//! or more insertions set it) does not depend on the order of insertions:
//! the answers are the same at any thread count.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

/// Two-level blocked Bloom filter over 64-bit fingerprints.
///
/// The two levels are interleaved, word `w` of the once level beside word
/// `w` of the twice level, so an insertion touches one cache line. The
/// table is far larger than the caches and every access a miss, so the
/// batch forms ([`RepeatFilter::insert_all`], [`RepeatFilter::repeated_all`])
/// fetch words a fixed distance ahead of the one they work on, keeping many
/// misses in flight.
#[derive(Debug)]
pub struct RepeatFilter {
    /// `[once 0, twice 0, once 1, twice 1, …]`, [`BLOCK`] words of each
    /// level a block: [`RepeatFilter::freeze`] frees each block as soon as
    /// it has copied its twice level, so the filter and its frozen half are
    /// never both held whole.
    blocks: Vec<Vec<AtomicU64>>,
    words: u64,
}

/// How many fingerprints ahead of the one at work the batch forms fetch
/// table words: enough misses in flight to cover a memory access.
const AHEAD: usize = 16;

/// Calls `each` with the place of every fingerprint of `fps` in order,
/// having asked (`fetch`) for the table word of the fingerprint [`AHEAD`]
/// places further on. A rolling window rather than fetch-a-batch-then-use:
/// an atomic `fetch_or` that waits for its line stalls what comes after it,
/// so with batches every batch began with a whole memory access exposed.
#[inline(always)]
fn ahead(
    fps: &[u64],
    locate: impl Fn(u64) -> (usize, u64),
    fetch: impl Fn(usize),
    mut each: impl FnMut(usize, u64),
) {
    let mut ring = [(0usize, 0u64); AHEAD];
    for (slot, &fp) in ring.iter_mut().zip(fps) {
        *slot = locate(fp);
        fetch(slot.0);
    }
    for i in 0..fps.len() {
        let (w, bits) = ring[i % AHEAD];
        if let Some(&next) = fps.get(i + AHEAD) {
            let at = locate(next);
            fetch(at.0);
            ring[i % AHEAD] = at;
        }
        each(w, bits);
    }
}

/// Asks for the cache line of `x` without waiting for it.
#[inline(always)]
pub(super) fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, and `x` is a valid
    // reference anyway.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// The word and the bit mask of `fp` in a table of `words` words a level.
/// The word comes from the low 32 bits of the fingerprint (scaled to the
/// table by a multiply and shift, Lemire's fast range), the six bit
/// positions from the top 36 bits of a multiplicative remix of all of it.
#[inline]
fn locate(fp: u64, words: u64) -> (usize, u64) {
    let word = (((fp & 0xFFFF_FFFF) * words) >> 32) as usize;
    let h = fp.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut bits = 0u64;
    for k in 0..6 {
        bits |= 1u64 << ((h >> (28 + 6 * k)) & 63);
    }
    (word, bits)
}

/// Words of each level in a block of the table: 4 MiB. Unit tests use
/// tiny blocks, so fingerprints fall in many.
#[cfg(not(test))]
const BLOCK_BITS: u32 = 19;
#[cfg(test)]
const BLOCK_BITS: u32 = 5;
const BLOCK: usize = 1 << BLOCK_BITS;

/// The block of word `w`, and the word in it.
#[inline(always)]
fn split(w: usize) -> (usize, usize) {
    (w >> BLOCK_BITS, w & (BLOCK - 1))
}

/// The twice level of a [`RepeatFilter`] once counting is done: which
/// fingerprints may have been seen at least twice.
#[derive(Debug)]
pub struct Repeats {
    /// [`BLOCK`] words a block.
    twice: Vec<Vec<u64>>,
    words: u64,
}

impl Repeats {
    /// Whether `fp` may have been inserted at least twice; always true when
    /// it was.
    #[inline]
    pub fn repeated(&self, fp: u64) -> bool {
        let (w, bits) = locate(fp, self.words);
        self.word(w) & bits == bits
    }

    #[inline(always)]
    fn word(&self, w: usize) -> u64 {
        let (b, i) = split(w);
        self.twice[b][i]
    }

    /// [`Repeats::repeated`] of each of `fps`, into `out` (cleared first).
    pub fn repeated_all(&self, fps: &[u64], out: &mut Vec<bool>) {
        out.clear();
        out.reserve(fps.len());
        ahead(
            fps,
            |fp| locate(fp, self.words),
            |w| {
                let (b, i) = split(w);
                prefetch(&self.twice[b][i]);
            },
            |w, bits| out.push(self.word(w) & bits == bits),
        );
    }

    /// The share of bits set (a measure of load).
    pub fn twice_fill(&self) -> f64 {
        let set: u64 = self
            .twice
            .iter()
            .flatten()
            .map(|w| w.count_ones() as u64)
            .sum();
        set as f64 / (64.0 * self.words as f64)
    }
}

impl RepeatFilter {
    /// A filter using `bytes` bytes in all (rounded down to a multiple of
    /// 16, at least 16, at most 2^32 words per level).
    pub fn with_bytes(bytes: usize) -> RepeatFilter {
        let words = (bytes / 16).clamp(1, 1 << 32);
        let blocks = (0..words.div_ceil(BLOCK))
            .map(|b| {
                let len = (words - b * BLOCK).min(BLOCK);
                (0..2 * len).map(|_| AtomicU64::new(0)).collect()
            })
            .collect();
        RepeatFilter {
            blocks,
            words: words as u64,
        }
    }

    /// Bytes used by both levels.
    pub fn bytes(&self) -> usize {
        16 * self.words as usize
    }

    /// Word `w` of the once level; the twice level's is the next.
    #[inline(always)]
    fn once(&self, w: usize) -> &AtomicU64 {
        let (b, i) = split(w);
        &self.blocks[b][2 * i]
    }

    #[inline(always)]
    fn twice(&self, w: usize) -> &AtomicU64 {
        let (b, i) = split(w);
        &self.blocks[b][2 * i + 1]
    }

    #[inline]
    fn locate(&self, fp: u64) -> (usize, u64) {
        locate(fp, self.words)
    }

    /// The twice level alone, for the reads that only ask: half the
    /// memory, the same answers.
    pub fn freeze(self) -> Repeats {
        let twice = self
            .blocks
            .into_par_iter()
            .map(|block| {
                block
                    .iter()
                    .skip(1)
                    .step_by(2)
                    .map(|w| w.load(Ordering::Relaxed))
                    .collect()
            })
            .collect();
        Repeats {
            twice,
            words: self.words,
        }
    }

    /// Records one occurrence of `fp`.
    #[inline]
    pub fn insert(&self, fp: u64) {
        let (w, bits) = self.locate(fp);
        self.set(w, bits);
    }

    #[inline(always)]
    fn set(&self, w: usize, bits: u64) {
        let old = self.once(w).fetch_or(bits, Ordering::Relaxed);
        let seen = old & bits;
        if seen != 0 {
            self.twice(w).fetch_or(seen, Ordering::Relaxed);
        }
    }

    /// Records one occurrence of each of `fps`.
    pub fn insert_all(&self, fps: &[u64]) {
        ahead(
            fps,
            |fp| self.locate(fp),
            |w| prefetch(self.once(w)),
            |w, bits| self.set(w, bits),
        );
    }

    /// Whether `fp` may have been inserted at least twice; always true when
    /// it was.
    #[inline]
    pub fn repeated(&self, fp: u64) -> bool {
        let (w, bits) = self.locate(fp);
        self.twice(w).load(Ordering::Relaxed) & bits == bits
    }

    /// [`RepeatFilter::repeated`] of each of `fps`, into `out` (cleared
    /// first).
    pub fn repeated_all(&self, fps: &[u64], out: &mut Vec<bool>) {
        out.clear();
        out.reserve(fps.len());
        ahead(
            fps,
            |fp| self.locate(fp),
            |w| prefetch(self.twice(w)),
            |w, bits| out.push(self.twice(w).load(Ordering::Relaxed) & bits == bits),
        );
    }

    /// The share of bits set in the twice level (a measure of load).
    pub fn twice_fill(&self) -> f64 {
        let set: u64 = self
            .blocks
            .iter()
            .flat_map(|b| b.iter().skip(1).step_by(2))
            .map(|w| w.load(Ordering::Relaxed).count_ones() as u64)
            .sum();
        set as f64 / (64.0 * self.words as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(i: u64) -> u64 {
        xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes())
    }

    #[test]
    fn never_misses_a_repeat_and_rarely_invents_one() {
        let f = RepeatFilter::with_bytes(1 << 16);
        // 4096 words per level, 8 insertions per word: about 5 bits each.
        for i in 0..20_000 {
            f.insert(fp(i));
        }
        for i in 0..2_000 {
            f.insert(fp(i));
        }
        assert!((0..2_000).all(|i| f.repeated(fp(i))));
        let false_pos = (2_000..20_000).filter(|&i| f.repeated(fp(i))).count();
        assert!(false_pos < 18_000 / 5, "{false_pos} false repeats");
        let never = (100_000..110_000).filter(|&i| f.repeated(fp(i))).count();
        assert!(never < 10_000 / 5, "{never}");
    }

    #[test]
    fn frozen_it_answers_the_same() {
        let f = RepeatFilter::with_bytes(1 << 20);
        for i in (0..200_000).chain(0..3_000) {
            f.insert(fp(i));
        }
        let asked: Vec<u64> = (0..300_000).map(fp).collect();
        let mut before = Vec::new();
        f.repeated_all(&asked, &mut before);
        let fill = f.twice_fill();
        let frozen = f.freeze();
        let mut after = Vec::new();
        frozen.repeated_all(&asked, &mut after);
        assert_eq!(before, after);
        assert!(asked
            .iter()
            .zip(&after)
            .all(|(&x, &r)| frozen.repeated(x) == r));
        assert!(after[..3_000].iter().all(|&r| r));
        assert_eq!(frozen.twice_fill(), fill);
    }

    #[test]
    fn sizes_are_multiples_of_sixteen() {
        assert_eq!(RepeatFilter::with_bytes(1000).bytes(), 992);
        assert_eq!(RepeatFilter::with_bytes(1024).bytes(), 1024);
        assert_eq!(RepeatFilter::with_bytes(0).bytes(), 16);
    }
}
