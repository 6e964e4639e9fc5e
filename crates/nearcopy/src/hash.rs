//! Stable hashing.
//!
//! Fingerprints and MinHash values are written to disk and compared across
//! runs, machines and versions, so every hash here is a documented function of
//! its input bytes alone: a wyhash-style mix for tokens of up to 16 bytes,
//! XXH3-64 (seed 0) from `xxhash-rust` for everything longer, and SplitMix64
//! for deriving parameters. `ahash`, which is randomised per process and may
//! change between versions, is used only for in-memory maps. A golden test
//! (`tests/golden.rs`) pins the values so an accidental change is caught.

use xxhash_rust::xxh3::xxh3_64;

/// Fingerprint of one normalised token (a word or a character cluster).
///
/// Tokens of up to 16 bytes (nearly all words) are read as two
/// little-endian `u64`s, zero-padded, and mixed with their length by
/// [`short_token`]; longer ones take XXH3-64 of their UTF-8 bytes. Word
/// lengths vary from word to word, and XXH3's branches on length were the
/// largest cost of tokenising; the short mix has none.
#[inline]
pub fn token(normalised: &[u8]) -> u64 {
    let len = normalised.len();
    if len <= 16 {
        let mut buf = [0u8; 16];
        buf[..len].copy_from_slice(normalised);
        let lo = u64::from_le_bytes([
            buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[7],
        ]);
        let hi = u64::from_le_bytes([
            buf[8], buf[9], buf[10], buf[11], buf[12], buf[13], buf[14], buf[15],
        ]);
        short_token(lo, hi, len as u64)
    } else {
        xxh3_64(normalised)
    }
}

const P0: u64 = 0xa076_1d64_78bd_642f;
const P1: u64 = 0xe703_7ed1_a0b4_28db;
const P2: u64 = 0x8ebc_6af0_9c88_c6e3;

/// The fingerprint of a token of `len ≤ 16` bytes given as two
/// little-endian words `lo` (bytes 0–7) and `hi` (bytes 8–15), zero-padded:
/// wyhash's two-multiply mix (Wang Yi, public domain) with its constants.
/// The product of the first step cannot vanish for UTF-8 text: the
/// constants it is xored with are not valid UTF-8.
#[inline]
pub fn short_token(lo: u64, hi: u64, len: u64) -> u64 {
    let r = u128::from(lo ^ P1) * u128::from(hi ^ P0);
    mum(r as u64 ^ P0 ^ len, (r >> 64) as u64 ^ P2)
}

/// Fingerprint of `values` under `seed`, for keys compared within one run
/// only (not stable across versions): the seed mixed once, then wyhash's
/// multiply mix for each pair of values (the last one alone padded with
/// zero), with the constants of [`short_token`].
#[inline]
pub(crate) fn run_values(seed: u64, values: &[u32]) -> u64 {
    let mut h = mum(seed ^ P2, P0);
    for pair in values.chunks(2) {
        let hi = pair.get(1).copied().unwrap_or(0);
        let v = u64::from(pair[0]) | u64::from(hi) << 32;
        h = mum(h ^ P1, v ^ P0);
    }
    h
}

#[inline]
fn mum(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    r as u64 ^ (r >> 64) as u64
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
