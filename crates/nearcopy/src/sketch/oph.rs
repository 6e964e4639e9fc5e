//! One-permutation hashing with densification.
//!
//! Each shingle fingerprint `x` is mixed once, `h = mix(x ⊕ SEED)`; the high
//! 32 bits of `h` choose one of `K` bins (by multiply-shift, so `K` need not
//! be a power of two) and the low 32 bits are its value. A bin keeps the
//! smallest value that falls into it. Two sets agree on a bin that is not
//! empty in both with probability their Jaccard similarity, exactly as for
//! MinHash, at one hash per shingle instead of `K` (Li, Owen and Zhang, 2012).
//!
//! Bins no shingle fell into are filled by *densification*: each bin that
//! holds a value of its own sends that value to pseudo-random target bins,
//! round after round, and an empty target takes the first value sent to it
//! (Mai et al., "On Densification for MinWise Hashing", UAI 2019). The
//! targets are a fixed function of (round, sender), the same for every
//! document, so a bin's value comes from the first bin, in one
//! data-independent order, that holds one: two sets agree on a densified
//! bin with probability their Jaccard similarity too. Each sender fills
//! about the same number of bins, which keeps the estimate's spread at
//! classic MinHash's even for sets of a dozen shingles (measured in
//! `sketch`'s tests; drawing each empty bin's source independently, as
//! "optimal densification" does, spread 25 % wider there).
//!
//! Sending round by round takes about `K ln K` steps, each a branch that
//! cannot be predicted, which made short documents slower to sign than by
//! classic MinHash. For `K` up to [`TABLE_MAX`] the rounds are played once,
//! when the hasher is made: a table holds, for every sender `j` and bin `i`,
//! the round in which `j` first sends to `i`, and a bin's source is the
//! sender with the smallest such claim, found for all bins at once by a
//! vectorised minimum over the senders' rows (or, when few bins are empty,
//! by walking each one's senders in order). The values are exactly those of
//! the rounds (a unit test checks it).

use crate::hash::SplitMix64;

/// Seed of the bin hash. Changing it changes every signature.
pub const SEED: u64 = 0x6f70_6869_6e67_0001; // "ophing", 1
/// Seed of the densification targets.
const DENSIFY_SEED: u64 = 0x6465_6e73_6966_7901; // "densify", 1

/// Densification by rounds stops sending after this many rounds and fills
/// what is left from the first non-empty bin. Sending reaches every bin within
/// `K ln K / m` rounds for `m` sending bins on average, so this is never
/// reached in practice; it only bounds the work by construction.
const MAX_ROUNDS: u64 = 1 << 20;

/// Largest `K` densified by tables (2 MiB of them at 1024).
pub const TABLE_MAX: usize = 1024;

/// Signs fingerprint lists by one-permutation hashing.
#[derive(Debug, Clone)]
pub struct OnePermutationHasher {
    perms: usize,
    /// Row `i`: the bins in bin `i`'s densification order (`K ≤ TABLE_MAX`).
    order: Vec<u16>,
    /// Row `j`, entry `i`: `(first round in which bin j sends to bin i)
    /// << 16 | j`, so that the smallest claim on bin `i` among the bins
    /// holding values names the one whose value reaches it first.
    claims: Vec<u32>,
}

/// The round of a claim that is never made within `u16` rounds (one bin
/// misses another for 65,535 rounds with probability below e^-64 at
/// `K = 1024`).
const UNREACHED: u32 = 0xffff;

/// The mix of one fingerprint: SplitMix64's finaliser (a bijection of
/// 64-bit words), so structured fingerprints still spread over the bins.
#[inline(always)]
fn mix(x: u64) -> u64 {
    SplitMix64::new(x).next()
}

/// The bin of the high half of a mixed value, uniformly in `0..k`.
#[inline(always)]
fn bin(h: u64, k: usize) -> usize {
    (((h >> 32) * k as u64) >> 32) as usize
}

impl OnePermutationHasher {
    /// A hasher with `perms` bins (`1 ..= super::MAX_PERMS`).
    pub fn new(perms: usize) -> OnePermutationHasher {
        assert!(
            (1..=super::MAX_PERMS).contains(&perms),
            "one-permutation hashing takes 1 to {} bins, got {perms}",
            super::MAX_PERMS
        );
        let (mut order, mut claims) = (Vec::new(), Vec::new());
        if perms <= TABLE_MAX {
            // Where each bin's value would arrive from, by the rounds of
            // `densify_by_rounds`: the first round in which holder `j`
            // sends to bin `i`.
            claims = vec![0u32; perms * perms];
            for j in 0..perms {
                let row = &mut claims[j * perms..(j + 1) * perms];
                row.fill(UNREACHED << 16 | j as u32);
                let mut left = perms;
                for round in 1..u64::from(UNREACHED) {
                    let t = bin(mix(DENSIFY_SEED ^ (round << 12 | j as u64)), perms);
                    if row[t] >> 16 == UNREACHED {
                        row[t] = (round as u32) << 16 | j as u32;
                        left -= 1;
                        if left == 0 {
                            break;
                        }
                    }
                }
            }
            // Bin `i`'s order: the bins by their claim on it.
            order = vec![0u16; perms * perms];
            let mut row: Vec<u32> = Vec::with_capacity(perms);
            for i in 0..perms {
                row.clear();
                row.extend((0..perms).map(|j| claims[j * perms + i]));
                row.sort_unstable();
                for (pos, &c) in row.iter().enumerate() {
                    order[i * perms + pos] = (c & 0xffff) as u16;
                }
            }
        }
        OnePermutationHasher {
            perms,
            order,
            claims,
        }
    }

    /// Number of bins (the signature length).
    pub fn perms(&self) -> usize {
        self.perms
    }

    /// Writes the signature of `fps` into `sig` (`sig.len() == perms()`).
    pub fn sign(&self, fps: &[u64], sig: &mut [u32]) {
        self.sign_parts(sig, |add| add(fps));
    }

    /// Writes into `sig` the signature of all the fingerprints that `parts`
    /// hands to the function it is given, a part at a time: the same as
    /// [`OnePermutationHasher::sign`] of them all (a bin keeps its least
    /// value, whatever the order and the repeats), without holding them
    /// at once.
    #[inline(always)]
    pub fn sign_parts(&self, sig: &mut [u32], parts: impl FnOnce(&mut dyn FnMut(&[u64]))) {
        let k = self.perms;
        assert_eq!(sig.len(), k, "signature length");
        sig.fill(u32::MAX);
        // Which bins hold a value of their own; a value of u32::MAX is
        // possible, so emptiness is tracked apart from the values.
        let mut own = [0u64; super::MAX_PERMS / 64];
        parts(&mut |fps: &[u64]| {
            for &x in fps {
                let h = mix(x ^ SEED);
                let b = bin(h, k);
                sig[b] = sig[b].min(h as u32);
                own[b >> 6] |= 1 << (b & 63);
            }
        });
        if self.order.is_empty() {
            densify_by_rounds(sig, &own);
        } else {
            self.densify(sig, &own);
        }
    }

    /// Fills the bins of `sig` not marked in `own` from the first bin of
    /// their order that is (see the module docs).
    fn densify(&self, sig: &mut [u32], own: &[u64; super::MAX_PERMS / 64]) {
        let k = self.perms;
        let holds = |b: usize| own[b >> 6] & (1 << (b & 63)) != 0;
        let m = own.iter().map(|w| w.count_ones() as usize).sum::<usize>();
        if m == 0 || m == k {
            return;
        }
        if 48 * (k - m) < m * m {
            // Few empty bins for many holders: walk their orders (about
            // K / m steps each, a mispredicted exit each) rather than
            // minimise over m rows of K claims. (The factor is measured:
            // `cargo bench --bench stages -- paragraph`, where 24 took a
            // fifth longer on 60 shingles in 105 bins.)
            for i in bins(own, k, false) {
                let order = &self.order[i * k..(i + 1) * k];
                let src = order.iter().copied().find(|&j| holds(usize::from(j)));
                sig[i] = sig[usize::from(src.unwrap_or(0))];
            }
            return;
        }
        // Many: each holder's row of claims, minimised over the holders,
        // names for every bin the holder first in its order, K bins at a
        // time in vector registers.
        let mut stack = [u32::MAX; 256];
        let mut heap = Vec::new();
        let best: &mut [u32] = if k <= stack.len() {
            &mut stack[..k]
        } else {
            heap.resize(k, u32::MAX);
            &mut heap
        };
        let rows = bins(own, k, true).map(|j| &self.claims[j * k..(j + 1) * k]);
        min_rows(best, rows);
        for i in bins(own, k, false) {
            sig[i] = sig[(best[i] & 0xffff) as usize];
        }
        debug_assert!(best.iter().all(|&b| b >> 16 != UNREACHED));
    }
}

/// The bins below `k` whose bit in `own` is `set`, in increasing order, a
/// word of bits at a time: a test of each bin mispredicted about a third of
/// the time on a paragraph's signature, whose bins are a third full.
fn bins(
    own: &[u64; super::MAX_PERMS / 64],
    k: usize,
    set: bool,
) -> impl Iterator<Item = usize> + '_ {
    (0..k.div_ceil(64)).flat_map(move |w| {
        let in_range = match k - w * 64 {
            64.. => u64::MAX,
            left => (1u64 << left) - 1,
        };
        let mut word = if set { own[w] } else { !own[w] } & in_range;
        std::iter::from_fn(move || {
            let b = word.trailing_zeros() as usize;
            word &= word.wrapping_sub(1);
            (b < 64).then_some(w * 64 + b)
        })
    })
}

/// `best[i] = min(best[i], row[i])` over all `rows`.
fn min_rows<'a>(best: &mut [u32], rows: impl Iterator<Item = &'a [u32]>) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports the feature the function is compiled
            // for, checked just above.
            return unsafe { min_rows_avx2(best, rows) };
        }
    }
    min_rows_kernel(best, rows)
}

#[inline(always)]
fn min_rows_kernel<'a>(best: &mut [u32], rows: impl Iterator<Item = &'a [u32]>) {
    for row in rows {
        for (b, &r) in best.iter_mut().zip(row) {
            *b = (*b).min(r);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn min_rows_avx2<'a>(best: &mut [u32], rows: impl Iterator<Item = &'a [u32]>) {
    min_rows_kernel(best, rows)
}

/// Fills the bins of `sig` not marked in `own` by rounds of sending, for
/// `K` past [`TABLE_MAX`] (see the module docs).
fn densify_by_rounds(sig: &mut [u32], own: &[u64; super::MAX_PERMS / 64]) {
    let k = sig.len();
    let mut senders = [0u16; super::MAX_PERMS];
    let mut m = 0;
    for (w, &word) in own.iter().enumerate().take(k.div_ceil(64)) {
        let mut bits = word;
        while bits != 0 {
            senders[m] = (w * 64 + bits.trailing_zeros() as usize) as u16;
            m += 1;
            bits &= bits - 1;
        }
    }
    if m == 0 || m == k {
        return;
    }
    let senders = &senders[..m];
    let mut filled = *own;
    let mut empty = k - m;
    for round in 1..=MAX_ROUNDS {
        for &j in senders {
            let t = bin(mix(DENSIFY_SEED ^ (round << 12 | u64::from(j))), k);
            if filled[t >> 6] & (1 << (t & 63)) == 0 {
                filled[t >> 6] |= 1 << (t & 63);
                sig[t] = sig[usize::from(j)];
                empty -= 1;
                if empty == 0 {
                    return;
                }
            }
        }
    }
    let first = sig[usize::from(senders[0])];
    for t in 0..k {
        if filled[t >> 6] & (1 << (t & 63)) == 0 {
            sig[t] = first;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bins a word at a time are the bins tested one by one, at every
    /// length around a word's edge, for sparse, dense and edge patterns.
    #[test]
    fn bins_by_words_are_the_bins_by_tests() {
        let mut rng = crate::hash::SplitMix64::new(5);
        for k in [1, 2, 63, 64, 65, 105, 127, 128, 129, 200, 4096] {
            for pattern in 0..6 {
                let mut own = [0u64; super::super::MAX_PERMS / 64];
                for (w, word) in own.iter_mut().enumerate() {
                    *word = match pattern {
                        0 => 0,
                        1 => u64::MAX,
                        2 => rng.next() & rng.next(),
                        3 => rng.next() | rng.next(),
                        4 => 1 << 63 | 1,
                        _ => (w as u64).wrapping_mul(0x9E37_79B9),
                    };
                }
                let holds = |b: usize| own[b >> 6] & (1 << (b & 63)) != 0;
                for set in [true, false] {
                    let want: Vec<usize> = (0..k).filter(|&b| holds(b) == set).collect();
                    let got: Vec<usize> = bins(&own, k, set).collect();
                    assert_eq!(got, want, "k={k} pattern={pattern} set={set}");
                }
            }
        }
    }

    #[test]
    fn a_single_shingle_fills_every_bin_with_its_value() {
        let h = OnePermutationHasher::new(128);
        let sig = h.signature_for_test(&[42]);
        let v = mix(42 ^ SEED) as u32;
        assert!(sig.iter().all(|&x| x == v));
    }

    #[test]
    fn densified_bins_copy_a_bin_of_the_same_set() {
        let h = OnePermutationHasher::new(64);
        let fps: Vec<u64> = (0..10).collect();
        let sig = h.signature_for_test(&fps);
        let values: Vec<u32> = fps.iter().map(|&x| mix(x ^ SEED) as u32).collect();
        assert!(sig.iter().all(|v| values.contains(v)));
    }

    /// The tables give exactly the values of playing the rounds.
    #[test]
    fn tables_give_the_values_of_the_rounds() {
        for k in [1, 2, 7, 64, 100, 128, 300] {
            let tables = OnePermutationHasher::new(k);
            let mut rounds = tables.clone();
            rounds.order.clear();
            rounds.claims.clear();
            for n in [0, 1, 2, 3, 5, 12, 40, 100, 400, 2000] {
                let fps: Vec<u64> = (0..n as u64).map(|i| mix(i ^ (k as u64) << 32)).collect();
                assert_eq!(
                    tables.signature_for_test(&fps),
                    rounds.signature_for_test(&fps),
                    "K = {k}, {n} fingerprints"
                );
            }
        }
    }

    impl OnePermutationHasher {
        fn signature_for_test(&self, fps: &[u64]) -> Vec<u32> {
            let mut sig = vec![0; self.perms];
            self.sign(fps, &mut sig);
            sig
        }
    }
}
