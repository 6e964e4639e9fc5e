//! Statistical properties of MinHash and LSH, checked with proptest.
//!
//! The seeds are fixed so a run is reproducible; the tolerances are several
//! standard errors wide, so a correct implementation fails with negligible
//! probability while a biased hash or a wrong band key fails at once.

use nearcopy::hash::SplitMix64;
use nearcopy::lsh::Banding;
use nearcopy::minhash::{estimate, MinHasher};
use nearcopy::verify::jaccard;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// Two sets sharing `common` elements, each with `only` of its own, drawn
/// from a generator so the elements look like real fingerprints.
fn sets(seed: u64, common: usize, only_a: usize, only_b: usize) -> (Vec<u64>, Vec<u64>) {
    let mut rng = SplitMix64::new(seed);
    let shared: Vec<u64> = (0..common).map(|_| rng.next()).collect();
    let mut a = shared.clone();
    a.extend((0..only_a).map(|_| rng.next()));
    let mut b = shared;
    b.extend((0..only_b).map(|_| rng.next()));
    a.sort_unstable();
    b.sort_unstable();
    (a, b)
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(0x6e65_6172),
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn estimate_is_within_the_expected_error(
        seed in any::<u64>(),
        common in 1usize..800,
        only_a in 0usize..800,
        only_b in 0usize..800,
    ) {
        let (a, b) = sets(seed, common, only_a, only_b);
        let j = jaccard(&a, &b);
        let h = MinHasher::new(128);
        let est = estimate(&h.signature(&a), &h.signature(&b));
        // Standard error sqrt(J(1-J)/K); 4.5 of them plus one value's worth.
        let tolerance = 4.5 * (j * (1.0 - j) / 128.0).sqrt() + 1.0 / 128.0;
        prop_assert!((est - j).abs() <= tolerance, "J {j:.3} estimate {est:.3}");
    }
}

/// Over many pairs at one Jaccard value, the share that becomes candidates
/// matches the S-curve `1 - (1 - J^r)^b`.
#[test]
fn lsh_candidate_rate_matches_the_s_curve() {
    let h = MinHasher::new(128);
    for (banding, common, only) in [
        (Banding { bands: 16, rows: 6 }, 600, 100), // J = 600/800 = 0.75
        (Banding { bands: 16, rows: 6 }, 400, 200), // J = 0.5
        (Banding { bands: 32, rows: 4 }, 300, 300), // J = 1/3
    ] {
        let trials = 400;
        let mut hits = 0;
        let mut j_sum = 0.0;
        for t in 0..trials {
            let (a, b) = sets(1000 + t, common, only, only);
            j_sum += jaccard(&a, &b);
            let (mut ka, mut kb) = (vec![0u64; banding.bands], vec![0u64; banding.bands]);
            banding.keys(&h.signature(&a), &mut ka);
            banding.keys(&h.signature(&b), &mut kb);
            if ka.iter().zip(&kb).any(|(x, y)| x == y) {
                hits += 1;
            }
        }
        let j = j_sum / trials as f64;
        let p = banding.probability(j);
        let rate = hits as f64 / trials as f64;
        let se = (p * (1.0 - p) / trials as f64).sqrt();
        assert!(
            (rate - p).abs() <= 5.0 * se + 0.02,
            "{banding:?} at J {j:.3}: candidate rate {rate:.3}, S-curve {p:.3}"
        );
    }
}

proptest! {
    #![proptest_config(config(32))]

    /// The chosen banding fits the signature and finds pairs at the
    /// threshold with at least the recall floor whenever that is possible.
    #[test]
    fn banding_meets_the_recall_floor(t in 0.3f64..0.95, perms in prop::sample::select(vec![64usize, 128, 256])) {
        let b = Banding::optimal(t, perms, Default::default());
        prop_assert!(b.used() <= perms);
        prop_assert!(b.probability(t) >= Banding::RECALL_FLOOR, "{b:?} at {t}");
        let floor = Banding::DOCUMENT_RECALL_FLOOR;
        let d = Banding::optimal_with_floor(t, perms, Default::default(), floor);
        prop_assert!(d.used() <= perms);
        prop_assert!(d.probability(t) >= floor, "{d:?} at {t}");
    }
}
