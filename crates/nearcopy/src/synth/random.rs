//! Random streams that never change: SplitMix64 seeded per item and
//! purpose, and alias tables for fixed distributions.

use xxhash_rust::xxh3::xxh3_64;

use crate::hash::SplitMix64;

/// A small stable pseudo-random generator: SplitMix64 behind helpers.
/// Unlike general-purpose crates, its streams are fixed forever.
#[derive(Debug, Clone)]
pub struct Rng(SplitMix64);

impl Rng {
    /// A generator for one purpose (`tag`) of one item under `seed`.
    pub fn stream(seed: u64, item: u64, tag: u64) -> Rng {
        let mut b = [0u8; 24];
        b[..8].copy_from_slice(&seed.to_le_bytes());
        b[8..16].copy_from_slice(&item.to_le_bytes());
        b[16..].copy_from_slice(&tag.to_le_bytes());
        Rng(SplitMix64::new(xxh3_64(&b)))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next()
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-high.
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform in `[0, 1)` with 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

// Stream tags: one per purpose, so that changing how one thing is drawn
// leaves the others as they were.
pub(super) const ROLE: u64 = 1;
pub(super) const SITE: u64 = 2;
pub(super) const BASE: u64 = 3;
pub(super) const EDIT: u64 = 4;
pub(super) const FEATURES: u64 = 5;
pub(super) const DONOR: u64 = 6;
pub(super) const SOURCE: u64 = 7;
pub(super) const VOCAB: u64 = 8;
pub(super) const SITES: u64 = 9;
pub(super) const REFORMAT: u64 = 10;

/// Walker/Vose alias table: O(1) draws from a fixed discrete distribution.
#[derive(Debug, Clone)]
pub(super) struct Alias {
    pub(super) prob: Vec<f64>,
    pub(super) alias: Vec<u32>,
}

impl Alias {
    /// Zipf with exponent 1 over `n` ranks: weight `1 / (rank + 1)`.
    pub(super) fn zipf(n: usize) -> Alias {
        let weights: Vec<f64> = (0..n).map(|r| 1.0 / (r + 1) as f64).collect();
        let total: f64 = weights.iter().sum();
        let mut prob: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias = vec![0u32; n];
        let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| prob[i] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            alias[s] = l as u32;
            prob[l] -= 1.0 - prob[s];
            if prob[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for i in small.into_iter().chain(large) {
            prob[i] = 1.0;
        }
        Alias { prob, alias }
    }

    pub(super) fn sample(&self, rng: &mut Rng) -> usize {
        let x = rng.next_u64();
        let i = (((x >> 32) * self.prob.len() as u64) >> 32) as usize;
        let coin = (x & 0xffff_ffff) as f64 * (1.0 / 4_294_967_296.0);
        if coin < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}
