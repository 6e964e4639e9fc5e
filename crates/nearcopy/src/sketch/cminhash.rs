//! C-MinHash: `K` values from two permutations (Li and Li, 2021).
//!
//! A shingle fingerprint `x` is first placed by the permutation
//! `σ(x) = mix(x ⊕ SEED)` (SplitMix64's finaliser, a bijection), and value
//! `k` is the high half of `π(σ(x) + k)`, where `π(y) = a·y + b mod 2^64` is
//! the affine permutation of the classic sketch's family: the `k`-th
//! circulant shift of one permutation instead of `K` independent ones. Since
//! `π(y + k) = a·y + (a·k + b)`, a shingle costs one multiplication and then
//! `K` additions, where classic MinHash needs `K` multiply-adds.
//!
//! Each value is still a min-hash of the set under a permutation, so two
//! sets agree on it with probability their Jaccard similarity. With an affine
//! `π` the `K` values of one set are the successors of `K` evenly spread
//! points on the circle of 64-bit words, not independent draws; the
//! estimate's spread for small sets shows it (see BENCHMARKS.md).

use crate::hash::SplitMix64;

/// Seed of `σ` and of `π`'s parameters. Changing it changes every signature.
pub const SEED: u64 = 0x636d_696e_6861_7368; // "cminhash"

const LANES: usize = 16;

/// Signs fingerprint lists by C-MinHash.
#[derive(Debug, Clone)]
pub struct CirculantMinHasher {
    /// The multiplier of `π`.
    a: u64,
    /// `a·k + b` for every shift `k`.
    shifts: Vec<u64>,
}

impl CirculantMinHasher {
    /// A hasher with `perms` values per signature.
    pub fn new(perms: usize) -> CirculantMinHasher {
        let mut rng = SplitMix64::new(SEED);
        let a = rng.next() | 1;
        let b = rng.next();
        let shifts = (0..perms as u64)
            .map(|k| a.wrapping_mul(k).wrapping_add(b))
            .collect();
        CirculantMinHasher { a, shifts }
    }

    /// Number of values (the signature length).
    pub fn perms(&self) -> usize {
        self.shifts.len()
    }

    /// Writes the signature of `fps` into `sig` (`sig.len() == perms()`).
    pub fn sign(&self, fps: &[u64], sig: &mut [u32]) {
        assert_eq!(sig.len(), self.perms(), "signature length");
        let placed: Vec<u64> = fps
            .iter()
            .map(|&x| self.a.wrapping_mul(SplitMix64::new(x ^ SEED).next()))
            .collect();
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports the feature the function is
                // compiled for, checked just above.
                return unsafe { sign_avx2(&self.shifts, &placed, sig) };
            }
        }
        sign_kernel(&self.shifts, &placed, sig)
    }
}

#[inline(always)]
fn sign_kernel(shifts: &[u64], placed: &[u64], sig: &mut [u32]) {
    let mut chunks_c = shifts.chunks_exact(LANES);
    let mut chunks_s = sig.chunks_exact_mut(LANES);
    for (cc, sc) in (&mut chunks_c).zip(&mut chunks_s) {
        let mut c = [0u64; LANES];
        c.copy_from_slice(cc);
        let mut m = [u32::MAX; LANES];
        for &y in placed {
            for j in 0..LANES {
                m[j] = m[j].min((y.wrapping_add(c[j]) >> 32) as u32);
            }
        }
        sc.copy_from_slice(&m);
    }
    for (&c, s) in chunks_c.remainder().iter().zip(chunks_s.into_remainder()) {
        *s = placed
            .iter()
            .map(|&y| (y.wrapping_add(c) >> 32) as u32)
            .min()
            .unwrap_or(u32::MAX);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn sign_avx2(shifts: &[u64], placed: &[u64], sig: &mut [u32]) {
    sign_kernel(shifts, placed, sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_gives_the_same_signature() {
        let h = CirculantMinHasher::new(100);
        let fps: Vec<u64> = (0..1000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let placed: Vec<u64> = fps
            .iter()
            .map(|&x| h.a.wrapping_mul(SplitMix64::new(x ^ SEED).next()))
            .collect();
        let mut generic = vec![0; 100];
        sign_kernel(&h.shifts, &placed, &mut generic);
        let mut sig = vec![0; 100];
        h.sign(&fps, &mut sig);
        assert_eq!(sig, generic);
    }
}
