//! MinHash signatures.
//!
//! Permutation `i` maps a shingle fingerprint `x` to
//! `((a_i · x + b_i) mod 2^64) >> 32` — the multiply-add-shift family of
//! Dietzfelbinger — and the signature keeps the minimum per permutation as a
//! `u32`. The `a_i` (odd) and `b_i` come from SplitMix64 seeded with
//! [`SEED`], so signatures are identical on every machine and in every
//! version that keeps this seed (pinned by a golden test).
//!
//! The probability that two sets agree on one value is their Jaccard
//! similarity (up to 2^-32 collisions), so the fraction of agreeing values is
//! an unbiased estimate with standard error `sqrt(J(1-J)/K)`.
//!
//! Speed: this is the hottest loop of a scan (K multiply-adds per shingle).
//! The kernel is written so the compiler vectorises it, and it is compiled
//! twice more for AVX2 and AVX-512 and chosen at run time; integer arithmetic
//! makes every variant give the same values.

use crate::hash::SplitMix64;

/// Seed of the permutation parameters. Changing it changes every signature.
pub const SEED: u64 = 0x6e65_6172_636f_7079; // "nearcopy"

/// Computes MinHash signatures with a fixed number of permutations.
#[derive(Debug, Clone)]
pub struct MinHasher {
    a: Vec<u64>,
    b: Vec<u64>,
}

const LANES: usize = 16;

impl MinHasher {
    /// A hasher with `perms` permutations.
    pub fn new(perms: usize) -> MinHasher {
        let mut rng = SplitMix64::new(SEED);
        let mut a = Vec::with_capacity(perms);
        let mut b = Vec::with_capacity(perms);
        for _ in 0..perms {
            a.push(rng.next() | 1);
            b.push(rng.next());
        }
        MinHasher { a, b }
    }

    /// Number of permutations (the signature length).
    pub fn perms(&self) -> usize {
        self.a.len()
    }

    /// Writes the signature of the fingerprints `fps` into `sig`
    /// (`sig.len() == self.perms()`). Repeated fingerprints do not matter.
    /// An empty input gives all `u32::MAX`.
    pub fn sign(&self, fps: &[u64], sig: &mut [u32]) {
        assert_eq!(sig.len(), self.perms(), "signature length");
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512dq") {
                // SAFETY: the CPU supports the features the function is
                // compiled for, checked just above.
                return unsafe { sign_avx512(&self.a, &self.b, fps, sig) };
            }
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: as above.
                return unsafe { sign_avx2(&self.a, &self.b, fps, sig) };
            }
        }
        sign_generic(&self.a, &self.b, fps, sig)
    }

    /// A freshly allocated signature of `fps`.
    pub fn signature(&self, fps: &[u64]) -> Vec<u32> {
        let mut sig = vec![0; self.perms()];
        self.sign(fps, &mut sig);
        sig
    }
}

#[inline(always)]
fn sign_kernel(a: &[u64], b: &[u64], fps: &[u64], sig: &mut [u32]) {
    let mut chunks_a = a.chunks_exact(LANES);
    let mut chunks_b = b.chunks_exact(LANES);
    let mut chunks_s = sig.chunks_exact_mut(LANES);
    for ((ac, bc), sc) in (&mut chunks_a).zip(&mut chunks_b).zip(&mut chunks_s) {
        let mut ar = [0u64; LANES];
        let mut br = [0u64; LANES];
        ar.copy_from_slice(ac);
        br.copy_from_slice(bc);
        let mut m = [u32::MAX; LANES];
        for &x in fps {
            for j in 0..LANES {
                let v = (ar[j].wrapping_mul(x).wrapping_add(br[j]) >> 32) as u32;
                m[j] = m[j].min(v);
            }
        }
        sc.copy_from_slice(&m);
    }
    let (ra, rb, rs) = (
        chunks_a.remainder(),
        chunks_b.remainder(),
        chunks_s.into_remainder(),
    );
    for ((&aj, &bj), s) in ra.iter().zip(rb).zip(rs.iter_mut()) {
        *s = fps
            .iter()
            .map(|&x| (aj.wrapping_mul(x).wrapping_add(bj) >> 32) as u32)
            .min()
            .unwrap_or(u32::MAX);
    }
}

fn sign_generic(a: &[u64], b: &[u64], fps: &[u64], sig: &mut [u32]) {
    sign_kernel(a, b, fps, sig)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn sign_avx2(a: &[u64], b: &[u64], fps: &[u64], sig: &mut [u32]) {
    sign_kernel(a, b, fps, sig)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
unsafe fn sign_avx512(a: &[u64], b: &[u64], fps: &[u64], sig: &mut [u32]) {
    sign_kernel(a, b, fps, sig)
}

/// Estimated Jaccard similarity: the fraction of equal signature values.
pub fn estimate(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_gives_the_same_signature() {
        let h = MinHasher::new(100); // not a multiple of the lane count
        let fps: Vec<u64> = (0..1000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let mut generic = vec![0; 100];
        sign_generic(&h.a, &h.b, &fps, &mut generic);
        assert_eq!(h.signature(&fps), generic);
    }

    #[test]
    fn identical_sets_estimate_one_disjoint_near_zero() {
        let h = MinHasher::new(128);
        let a: Vec<u64> = (0..500).collect();
        let b: Vec<u64> = (1000..1500).collect();
        assert_eq!(estimate(&h.signature(&a), &h.signature(&a)), 1.0);
        assert!(estimate(&h.signature(&a), &h.signature(&b)) < 0.05);
    }
}
