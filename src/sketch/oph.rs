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
//! targets are a fixed function of (round, source bin), the same for every
//! document, so a bin's value comes from the first bin, in one
//! data-independent order, that is not empty: two sets agree on a densified
//! bin with probability their Jaccard similarity too, and the variance
//! stays close to classic MinHash's even for sets smaller than `K` (Shrivastava
//! 2017 shows this for the equivalent "optimal densification"). Filling takes
//! about `K ln K` steps whatever the number of empty bins; a document with
//! many shingles has few or none.

use crate::hash::SplitMix64;

/// Seed of the bin hash. Changing it changes every signature.
pub const SEED: u64 = 0x6f70_6869_6e67_0001; // "ophing", 1
/// Seed of the densification targets.
const DENSIFY_SEED: u64 = 0x6465_6e73_6966_7901; // "densify", 1

/// Densification stops sending after this many rounds and fills what is
/// left from the first non-empty bin. Sending reaches every bin within
/// `K ln K / m` rounds for `m` sending bins on average, so this is never
/// reached in practice; it only bounds the work by construction.
const MAX_ROUNDS: u64 = 1 << 20;

/// Signs fingerprint lists by one-permutation hashing.
#[derive(Debug, Clone)]
pub struct OnePermutationHasher {
    perms: usize,
}

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
        OnePermutationHasher { perms }
    }

    /// Number of bins (the signature length).
    pub fn perms(&self) -> usize {
        self.perms
    }

    /// Writes the signature of `fps` into `sig` (`sig.len() == perms()`).
    pub fn sign(&self, fps: &[u64], sig: &mut [u32]) {
        let k = self.perms;
        assert_eq!(sig.len(), k, "signature length");
        sig.fill(u32::MAX);
        // Which bins hold a value of their own; a value of u32::MAX is
        // possible, so emptiness is tracked apart from the values.
        let mut own = [0u64; super::MAX_PERMS / 64];
        for &x in fps {
            let h = mix(x ^ SEED);
            let b = bin(h, k);
            sig[b] = sig[b].min(h as u32);
            own[b >> 6] |= 1 << (b & 63);
        }
        densify(sig, &own);
    }
}

/// Fills the bins of `sig` not marked in `own` (see the module docs).
fn densify(sig: &mut [u32], own: &[u64; super::MAX_PERMS / 64]) {
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

    impl OnePermutationHasher {
        fn signature_for_test(&self, fps: &[u64]) -> Vec<u32> {
            let mut sig = vec![0; self.perms];
            self.sign(fps, &mut sig);
            sig
        }
    }
}
