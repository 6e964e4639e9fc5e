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

/// Every sketch's values for a fixed input. A change here makes stored
/// signatures incomparable with new ones.
#[test]
fn every_sketch_is_pinned() {
    use nearcopy::sketch::{Sketch, Sketcher};
    let fps: Vec<u64> = (0..300u64)
        .map(|i| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()))
        .collect();
    // Few shingles: most one-permutation bins are densified.
    let few = &fps[..5];
    let cases: [(Sketch, &[u64], [u32; 8]); 6] = [
        (Sketch::MinHash, &fps, PIN_MINHASH),
        (Sketch::MinHash, few, PIN_MINHASH_FEW),
        (Sketch::Oph, &fps, PIN_OPH),
        (Sketch::Oph, few, PIN_OPH_FEW),
        (Sketch::CMinHash, &fps, PIN_CMINHASH),
        (Sketch::CMinHash, few, PIN_CMINHASH_FEW),
    ];
    for (kind, input, pinned) in cases {
        let sig = Sketcher::new(kind, 128).signature(input);
        let at: Vec<u32> = [0, 1, 2, 3, 63, 64, 126, 127]
            .iter()
            .map(|&i| sig[i])
            .collect();
        assert_eq!(at, pinned, "{kind} on {} fingerprints", input.len());
    }
}

const PIN_MINHASH: [u32; 8] = [
    644736, 18436215, 8607238, 1452869, 15136060, 35331799, 9337176, 968458,
];
const PIN_MINHASH_FEW: [u32; 8] = [
    1117826600, 569731588, 2122100217, 603630505, 172982020, 595026804, 1176869443, 1328241336,
];
const PIN_OPH: [u32; 8] = [
    1678719684, 3763632883, 1346747087, 3625753628, 1131365845, 607480725, 1436690112, 283971892,
];
const PIN_OPH_FEW: [u32; 8] = [
    1876634732, 3136680426, 4154537880, 1869766011, 3136680426, 2681891947, 1876634732, 3136680426,
];
const PIN_CMINHASH: [u32; 8] = [
    1822883, 33800251, 1686551, 2118504, 12919885, 1306504, 17931257, 14361548,
];
const PIN_CMINHASH_FEW: [u32; 8] = [
    228272631, 606357193, 70781775, 90809054, 156936387, 969049987, 979446142, 443870724,
];

#[test]
fn default_banding_is_pinned() {
    // Paragraphs (and `similarity`): the 0.99 floor.
    let b = lsh::Banding::optimal(0.8, 128, lsh::Weights::default());
    assert_eq!((b.bands, b.rows), (16, 6));
    // Documents: the 0.998 floor, as `scan` prints it.
    let d = nearcopy::config::ScanConfig::default().banding();
    assert_eq!((d.bands, d.rows), (21, 6));
}
