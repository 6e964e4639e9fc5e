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

/// Two-level blocked Bloom filter over 64-bit fingerprints.
#[derive(Debug)]
pub struct RepeatFilter {
    once: Vec<AtomicU64>,
    twice: Vec<AtomicU64>,
    words: u64,
}

impl RepeatFilter {
    /// A filter using `bytes` bytes in all (rounded down to a multiple of
    /// 16, at least 16, at most 2^32 words per level).
    pub fn with_bytes(bytes: usize) -> RepeatFilter {
        let words = (bytes / 16).clamp(1, 1 << 32);
        let fill = || (0..words).map(|_| AtomicU64::new(0)).collect::<Vec<_>>();
        RepeatFilter {
            once: fill(),
            twice: fill(),
            words: words as u64,
        }
    }

    /// Bytes used by both levels.
    pub fn bytes(&self) -> usize {
        16 * self.once.len()
    }

    /// The word and the bit mask of `fp`. The word comes from the low 32
    /// bits of the fingerprint (scaled to the table by a multiply and shift,
    /// Lemire's fast range), the six bit positions from the top 36 bits of a
    /// multiplicative remix of all of it.
    #[inline]
    fn locate(&self, fp: u64) -> (usize, u64) {
        let word = (((fp & 0xFFFF_FFFF) * self.words) >> 32) as usize;
        let h = fp.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut bits = 0u64;
        for k in 0..6 {
            bits |= 1u64 << ((h >> (28 + 6 * k)) & 63);
        }
        (word, bits)
    }

    /// Records one occurrence of `fp`.
    #[inline]
    pub fn insert(&self, fp: u64) {
        let (w, bits) = self.locate(fp);
        let old = self.once[w].fetch_or(bits, Ordering::Relaxed);
        let seen = old & bits;
        if seen != 0 {
            self.twice[w].fetch_or(seen, Ordering::Relaxed);
        }
    }

    /// Whether `fp` may have been inserted at least twice; always true when
    /// it was.
    #[inline]
    pub fn repeated(&self, fp: u64) -> bool {
        let (w, bits) = self.locate(fp);
        self.twice[w].load(Ordering::Relaxed) & bits == bits
    }

    /// The share of bits set in the twice level (a measure of load).
    pub fn twice_fill(&self) -> f64 {
        let set: u64 = self
            .twice
            .iter()
            .map(|w| w.load(Ordering::Relaxed).count_ones() as u64)
            .sum();
        set as f64 / (64.0 * self.twice.len() as f64)
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
    fn sizes_are_multiples_of_sixteen() {
        assert_eq!(RepeatFilter::with_bytes(1000).bytes(), 992);
        assert_eq!(RepeatFilter::with_bytes(1024).bytes(), 1024);
        assert_eq!(RepeatFilter::with_bytes(0).bytes(), 16);
    }
}
