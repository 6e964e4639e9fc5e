//! Pinned fingerprints and signatures.
//!
//! Signatures are written to disk and compared across runs, machines and
//! versions. If one of these values changes, every stored signature becomes
//! incomparable: change them only on purpose, with a note in the changelog.

use nearcopy::{hash, lsh, minhash, shingle, text};

#[test]
fn token_fingerprint_is_xxh3_of_the_normalised_word() {
    // XXH3-64 (seed 0) of "hello", the published test value.
    assert_eq!(hash::token(b"hello"), 0x9555_e855_5c62_dcfd);
    let mut toks = Vec::new();
    text::words("HELLO Ｈｅｌｌｏ", &mut toks);
    assert!(toks.iter().all(|t| t.hash == 0x9555_e855_5c62_dcfd));
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
            0xe44a_d0d4_a2fe_ccde,
            0xb8f7_dd4e_d98c_54e4,
            0x5a24_85b2_b09e_f47a,
            0x70b0_4d43_115e_c42e,
            0x8b39_57db_677a_eb48,
        ]
    );
    let sig = minhash::MinHasher::new(128).signature(&fps);
    assert_eq!(
        &sig[..8],
        &[1235508907, 150329554, 519945261, 732881043, 32187393, 658726829, 507100505, 1190583483]
    );
}

#[test]
fn default_banding_is_pinned() {
    let b = lsh::Banding::optimal(0.8, 128, lsh::Weights::default());
    assert_eq!((b.bands, b.rows), (16, 6));
}
