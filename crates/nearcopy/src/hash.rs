//! Stable hashing.
//!
//! Fingerprints and MinHash values are written to disk and compared across
//! runs, machines and versions, so every hash here is a documented function of
//! its input bytes alone: a wyhash-style mix for tokens of up to 16 bytes,
//! XXH3-64 (seed 0) for everything longer (from `xxhash-rust`, but for
//! shingles of 3 to 16 tokens, whose fixed length [`token_windows`] turns
//! into straight-line code; a unit test holds it to `xxh3_64`), and
//! SplitMix64 for deriving parameters. `ahash`, which is randomised per process and may
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

/// Appends [`tokens`] of every run of `k` consecutive fingerprints of
/// `serialised` (fingerprints as consecutive little-endian `u64`s, the form
/// [`tokens`] hashes) to `out`, in order: `len / 8 - k + 1` values, none when
/// there are fewer than `k`.
///
/// Every shingle of every document goes through here, and XXH3's general
/// entry point, which branches on the input's length before it starts,
/// took an eighth of a document-level scan. For 3 to 16 fingerprints
/// (17 to 128 bytes) XXH3-64 is a fixed sum of 128-bit products of input
/// words with its secret; a private function computes exactly that with the
/// length known at compile time. Other lengths take `xxh3_64`.
#[inline]
pub fn token_windows(serialised: &[u8], k: usize, out: &mut Vec<u64>) {
    debug_assert!(serialised.len().is_multiple_of(8));
    let n = serialised.len() / 8;
    if k == 0 || n < k {
        return;
    }
    macro_rules! fixed {
        ($($k:literal)*) => {
            match k {
                $($k => {
                    let (words, _) = serialised.as_chunks::<8>();
                    // A plain loop: as an `extend` the compiler vectorised
                    // it, emulating the final 64-bit multiply with 32-bit
                    // ones, which ran a tenth slower.
                    out.reserve(n - $k + 1);
                    for w in words.windows($k) {
                        out.push(xxh3_words::<$k>(&std::array::from_fn(|j| u64::from_le_bytes(w[j]))));
                    }
                })*
                _ => out.extend(serialised.windows(8 * k).step_by(8).map(xxh3_64)),
            }
        };
    }
    fixed!(3 4 5 6 7 8 9 10 11 12 13 14 15 16);
}

/// The first 128 bytes of XXH3's default secret (the `kSecret` of the
/// specification) as little-endian words: all that inputs of up to 128
/// bytes use.
const XXH3_SECRET: [u64; 16] = [
    0xbe4b_a423_396c_feb8,
    0x1cad_21f7_2c81_017c,
    0xdb97_9083_e96d_d4de,
    0x1f67_b3b7_a4a4_4072,
    0x78e5_c0cc_4ee6_79cb,
    0x2172_ffcc_7dd0_5a82,
    0x8e24_43f7_7446_08b8,
    0x4c26_3a81_e690_35e0,
    0xcb00_c391_bb52_283c,
    0xa32e_531b_8b65_d088,
    0x4ef9_0da2_9748_6471,
    0xd8ac_dea9_46ef_1938,
    0x3f34_9ce3_3f76_faa8,
    0x1d4f_0bc7_c7bb_dcf9,
    0x3159_b4cd_4be0_518a,
    0x6473_78d9_c97e_9fc8,
];

/// XXH3-64 with seed 0 of the `K` words serialised little-endian, for
/// `3 <= K <= 16` (XXH3's 17-to-128-byte case, with offsets in words).
#[inline(always)]
fn xxh3_words<const K: usize>(w: &[u64; K]) -> u64 {
    const PRIME64_1: u64 = 0x9E37_79B1_85EB_CA87;
    // The 16 input bytes at word `at`, with the secret's 16 at `slot * 16`:
    // XXH3's mix16B, whose fold of the 128-bit product is [`mum`].
    let mix = |at: usize, slot: usize| {
        mum(
            w[at] ^ XXH3_SECRET[2 * slot],
            w[at + 1] ^ XXH3_SECRET[2 * slot + 1],
        )
    };
    let mut acc = (8 * K as u64).wrapping_mul(PRIME64_1);
    if K > 4 {
        if K > 8 {
            if K > 12 {
                acc = acc.wrapping_add(mix(6, 6)).wrapping_add(mix(K - 8, 7));
            }
            acc = acc.wrapping_add(mix(4, 4)).wrapping_add(mix(K - 6, 5));
        }
        acc = acc.wrapping_add(mix(2, 2)).wrapping_add(mix(K - 4, 3));
    }
    acc = acc.wrapping_add(mix(0, 0)).wrapping_add(mix(K - 2, 1));
    acc ^= acc >> 37;
    acc = acc.wrapping_mul(0x1656_6791_9E37_79F9);
    acc ^ (acc >> 32)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed-length path is XXH3-64 itself, at every length it takes
    /// and around it, for every window position.
    #[test]
    fn token_windows_are_xxh3_of_each_window() {
        let mut rng = SplitMix64::new(11);
        for n in [0, 1, 2, 3, 4, 5, 8, 16, 17, 40] {
            let words: Vec<u64> = (0..n).map(|_| rng.next()).collect();
            let mut bytes = Vec::new();
            for w in &words {
                bytes.extend_from_slice(&w.to_le_bytes());
            }
            for k in 0..=20 {
                let mut got = vec![7];
                token_windows(&bytes, k, &mut got);
                let mut want = vec![7];
                if k > 0 && n >= k {
                    want.extend(bytes.windows(8 * k).step_by(8).map(xxh3_64));
                }
                assert_eq!(got, want, "n={n} k={k}");
            }
        }
    }
}
