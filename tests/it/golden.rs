//! Pinned fingerprints and signatures.
//!
//! Signatures are written to disk and compared across runs, machines and
//! versions. If one of these values changes, every stored signature becomes
//! incomparable: change them only on purpose, with a note in the changelog.

use nearcopy::{hash, lsh, minhash, shingle, text};

#[test]
fn token_fingerprints_are_pinned() {
    assert_eq!(hash::token(b"hello"), 0xd16c_7d72_e662_c047);
    // Longer than 16 bytes: XXH3-64 (seed 0) of the bytes.
    assert_eq!(hash::token(b"internationalisation"), 0xc3ae_0482_870c_03be);
    assert_eq!(
        hash::token(b"internationalisation"),
        xxhash_rust::xxh3::xxh3_64(b"internationalisation")
    );
    // Every path to the same normalised word gives the same fingerprint.
    let mut toks = Vec::new();
    text::words("hello HELLO Hello Ｈｅｌｌｏ", &mut toks);
    assert_eq!(toks.len(), 4);
    assert!(toks.iter().all(|t| t.hash == 0xd16c_7d72_e662_c047));
}

#[test]
fn shingle_fingerprints_and_signature_are_pinned() {
    let mut toks = Vec::new();
    text::words("The quick brown fox jumps over the lazy dog", &mut toks);
    let mut fps = Vec::new();
    shingle::fingerprints(&toks, 5, &mut fps);
    assert_eq!(
        fps,
        vec![
            0x9b8c_4af9_7905_4b2d,
            0xba77_4613_5cc1_86df,
            0x52d3_2ac5_0be1_40e9,
            0x4414_4f9e_a422_b30a,
            0x52a2_4f59_2ccb_805f,
        ]
    );
    let sig = minhash::MinHasher::new(128).signature(&fps);
    assert_eq!(
        &sig[..8],
        &[214914147, 654945465, 1013226462, 51807393, 64482563, 868668584, 2869230130, 851452498]
    );
}

#[test]
fn default_banding_is_pinned() {
    let b = lsh::Banding::optimal(0.8, 128, lsh::Weights::default());
    assert_eq!((b.bands, b.rows), (16, 6));
}
