//! Stable hashing.
//!
//! Fingerprints and MinHash values are written to disk and compared across
//! runs, machines and versions, so every hash here is a documented function of
//! its input bytes alone: XXH3-64 (seed 0) from `xxhash-rust`, and SplitMix64
//! for deriving parameters. `ahash`, which is randomised per process and may
//! change between versions, is used only for in-memory maps. A golden test
//! (`tests/golden.rs`) pins the values so an accidental change is caught.

use xxhash_rust::xxh3::xxh3_64;

/// Fingerprint of one normalised token (a word or a character cluster):
/// XXH3-64 of its UTF-8 bytes.
#[inline]
pub fn token(normalised: &[u8]) -> u64 {
    xxh3_64(normalised)
}

/// Fingerprint of a run of token fingerprints (a shingle): XXH3-64 of the
/// fingerprints as consecutive little-endian `u64`s.
///
/// Hashing the token fingerprints instead of the text means each word is
/// normalised and hashed once, not once per shingle it belongs to.
#[inline]
pub fn tokens(fingerprints: &[u64], scratch: &mut Vec<u8>) -> u64 {
    scratch.clear();
    for f in fingerprints {
        scratch.extend_from_slice(&f.to_le_bytes());
    }
    xxh3_64(scratch)
}

/// SplitMix64 (Steele et al. 2014): a tiny, well-mixed, stable generator used
/// to derive MinHash parameters from a fixed seed.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting at `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next value.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
