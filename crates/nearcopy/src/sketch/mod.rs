//! Sketches: short signatures whose agreement estimates Jaccard similarity.
//!
//! Three sketches share one shape (`K` values of 32 bits, the `i`-th values
//! of two sets equal with probability their Jaccard similarity) so that LSH
//! banding, the estimate and every report work the same on each:
//!
//! - [`minhash`]: classic MinHash, `K` independent hash functions, `K`
//!   multiply-adds per shingle. The reference.
//! - [`oph`]: one-permutation hashing. One hash per shingle picks one of `K`
//!   bins and keeps the bin's minimum; bins left empty are filled by
//!   densification. About `K` times less arithmetic per shingle: the
//!   default.
//! - [`cminhash`]: C-MinHash, one hash per shingle followed by `K`
//!   circulant shifts of one affine permutation: `K` additions per shingle
//!   instead of `K` multiply-adds.
//!
//! Every sketch is a documented function of the shingle fingerprints and a
//! fixed seed, so signatures are identical on every machine and in every
//! version (pinned by the golden tests).

pub mod cminhash;
pub mod minhash;
pub mod oph;

use cminhash::CirculantMinHasher;
use minhash::MinHasher;
use oph::OnePermutationHasher;

/// Which sketch signs documents (`--sketch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sketch {
    /// Classic MinHash: `K` independent hash functions.
    MinHash,
    /// One-permutation hashing with densification.
    #[default]
    Oph,
    /// C-MinHash: circulant shifts of one permutation.
    CMinHash,
}

impl Sketch {
    /// Every sketch, in the order the CLI lists them.
    pub const ALL: [Sketch; 3] = [Sketch::Oph, Sketch::MinHash, Sketch::CMinHash];

    /// The seed of the sketch's hash functions, as reports print it.
    pub fn seed(self) -> u64 {
        match self {
            Sketch::MinHash => minhash::SEED,
            Sketch::Oph => oph::SEED,
            Sketch::CMinHash => cminhash::SEED,
        }
    }

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Sketch::MinHash => "minhash",
            Sketch::Oph => "oph",
            Sketch::CMinHash => "cminhash",
        }
    }
}

impl std::fmt::Display for Sketch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Largest signature any sketch makes (`--perms`).
pub const MAX_PERMS: usize = 4096;

/// Signs shingle fingerprint lists with one [`Sketch`].
#[derive(Debug, Clone)]
pub enum Sketcher {
    /// See [`minhash`].
    MinHash(MinHasher),
    /// See [`oph`].
    Oph(OnePermutationHasher),
    /// See [`cminhash`].
    CMinHash(CirculantMinHasher),
}

impl Sketcher {
    /// A sketcher of `kind` making `perms` values per signature
    /// (`1 ..= MAX_PERMS`).
    pub fn new(kind: Sketch, perms: usize) -> Sketcher {
        match kind {
            Sketch::MinHash => Sketcher::MinHash(MinHasher::new(perms)),
            Sketch::Oph => Sketcher::Oph(OnePermutationHasher::new(perms)),
            Sketch::CMinHash => Sketcher::CMinHash(CirculantMinHasher::new(perms)),
        }
    }

    /// The signature length.
    pub fn perms(&self) -> usize {
        match self {
            Sketcher::MinHash(h) => h.perms(),
            Sketcher::Oph(h) => h.perms(),
            Sketcher::CMinHash(h) => h.perms(),
        }
    }

    /// Writes the signature of `fps` into `sig` (`sig.len() == perms()`).
    /// Repeated fingerprints do not matter; an empty input gives all
    /// `u32::MAX`.
    pub fn sign(&self, fps: &[u64], sig: &mut [u32]) {
        match self {
            Sketcher::MinHash(h) => h.sign(fps, sig),
            Sketcher::Oph(h) => h.sign(fps, sig),
            Sketcher::CMinHash(h) => h.sign(fps, sig),
        }
    }

    /// A freshly allocated signature of `fps`.
    pub fn signature(&self, fps: &[u64]) -> Vec<u32> {
        let mut sig = vec![0; self.perms()];
        self.sign(fps, &mut sig);
        sig
    }
}

/// Estimated Jaccard similarity: the fraction of equal signature values
/// (the same for every sketch).
pub fn estimate(a: &[u32], b: &[u32]) -> f64 {
    minhash::estimate(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two sets of `n` elements with Jaccard `j` exactly (rounded to whole
    /// elements): a shared part and a private part each.
    fn pair(n: usize, j: f64, salt: u64) -> (Vec<u64>, Vec<u64>) {
        // |A ∩ B| = s, |A| = |B| = n: J = s / (2n - s).
        let s = ((2.0 * n as f64 * j) / (1.0 + j)).round() as usize;
        let h = |i: u64| crate::hash::SplitMix64::new(i ^ salt.rotate_left(32)).next();
        let shared: Vec<u64> = (0..s as u64).map(h).collect();
        let mut a = shared.clone();
        let mut b = shared;
        a.extend((0..(n - s) as u64).map(|i| h(i + 1_000_000)));
        b.extend((0..(n - s) as u64).map(|i| h(i + 2_000_000)));
        (a, b)
    }

    /// The mean estimate is the Jaccard similarity, for sets much larger
    /// than the signature and for sets much smaller (where one-permutation
    /// hashing densifies most bins), and the spread of one-permutation
    /// hashing stays near classic MinHash's `sqrt(J(1-J)/K)`. C-MinHash with
    /// an affine permutation spreads up to three times wider on sets of a
    /// dozen shingles (its values are not independent draws), which is why
    /// it is not the default. `--nocapture` prints the table.
    #[test]
    fn every_sketch_estimates_jaccard_without_bias() {
        for kind in Sketch::ALL {
            let s = Sketcher::new(kind, 128);
            for (n, j) in [(2000, 0.8), (2000, 0.5), (300, 0.8), (40, 0.8), (12, 0.5)] {
                let trials = 400;
                let ests: Vec<f64> = (0..trials)
                    .map(|t| {
                        let (a, b) = pair(n, j, t);
                        estimate(&s.signature(&a), &s.signature(&b))
                    })
                    .collect();
                let (a, b) = pair(n, j, 0);
                let exact = {
                    let i = a.iter().filter(|x| b.contains(x)).count() as f64;
                    i / (a.len() as f64 + b.len() as f64 - i)
                };
                let mean = ests.iter().sum::<f64>() / trials as f64;
                let sd =
                    (ests.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / trials as f64).sqrt();
                let classic = (exact * (1.0 - exact) / 128.0).sqrt();
                assert!(
                    (mean - exact).abs() < 4.0 * classic / (trials as f64).sqrt() + 0.01,
                    "{kind} n={n} J={exact}: mean {mean}"
                );
                println!("{kind:>8} n={n:>4} J={exact:.3}: mean {mean:.4} spread {sd:.4} (classic theory {classic:.4})");
                let limit = match kind {
                    Sketch::CMinHash if n < 100 => 3.5,
                    _ => 1.3,
                };
                assert!(
                    sd < limit * classic,
                    "{kind} n={n} J={exact}: spread {sd}, classic {classic}"
                );
            }
        }
    }

    /// The LSH S-curve assumes a band of `r` rows agrees with probability
    /// `J^r`. For one-permutation hashing that holds for large sets; for
    /// small ones densified bins share values, and bands still agree as
    /// often to within sampling error and 0.01, so the banding chosen from
    /// the curve serves this sketch too.
    #[test]
    fn one_permutation_bands_agree_at_least_as_often_as_the_curve_says() {
        let s = Sketcher::new(Sketch::Oph, 126);
        let rows = 6;
        for (n, j) in [(2000, 0.8), (300, 0.8), (40, 0.8), (12, 0.8), (40, 0.6)] {
            let (mut agree, mut bands) = (0usize, 0usize);
            let mut exact = 0.0;
            let trials = 300;
            for t in 0..trials {
                let (a, b) = pair(n, j, t + 10_000);
                let i = a.iter().filter(|x| b.contains(x)).count() as f64;
                exact += i / (a.len() as f64 + b.len() as f64 - i) / trials as f64;
                let (sa, sb) = (s.signature(&a), s.signature(&b));
                for (ra, rb) in sa.chunks(rows).zip(sb.chunks(rows)) {
                    bands += 1;
                    agree += usize::from(ra == rb);
                }
            }
            let p = agree as f64 / bands as f64;
            let curve = exact.powi(rows as i32);
            let sd = (curve * (1.0 - curve) / bands as f64).sqrt();
            println!("oph n={n:>4} J={exact:.3}: band agrees {p:.4}, J^{rows} = {curve:.4}");
            assert!(p > curve - 4.0 * sd - 0.01, "n={n}: {p} < {curve}");
        }
    }

    #[test]
    fn identical_sets_agree_everywhere_disjoint_hardly_anywhere() {
        for kind in Sketch::ALL {
            let s = Sketcher::new(kind, 100); // not a power of two
            let a: Vec<u64> = (0..500).collect();
            let b: Vec<u64> = (1000..1500).collect();
            assert_eq!(estimate(&s.signature(&a), &s.signature(&a)), 1.0, "{kind}");
            assert!(
                estimate(&s.signature(&a), &s.signature(&b)) < 0.05,
                "{kind}"
            );
            // Order and repeats do not matter.
            let mut r: Vec<u64> = a.iter().rev().copied().collect();
            r.extend_from_slice(&a[..100]);
            assert_eq!(s.signature(&a), s.signature(&r), "{kind}");
            // Empty input: all u32::MAX.
            assert!(s.signature(&[]).iter().all(|&v| v == u32::MAX), "{kind}");
        }
    }
}
