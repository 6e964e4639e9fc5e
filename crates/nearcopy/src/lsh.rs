//! Locality-sensitive hashing by banding.
//!
//! A signature of `K` values is cut into `b` bands of `r` rows; two documents
//! become a candidate pair when all rows of at least one band agree. For a
//! pair with Jaccard `s` that happens with probability `1 - (1 - s^r)^b`, the
//! S-curve. `b` and `r` are chosen from the threshold `t` the way datasketch
//! does, by minimising `w_fp · FP + w_fn · FN` where FP is the area under the
//! curve below `t` and FN the area above it, but only among the shapes that
//! find a pair *at* the threshold with probability at least a floor:
//! [`Banding::DOCUMENT_RECALL_FLOOR`] for documents, so that fewer than one
//! pair in a thousand is lost among pairs just above the threshold, and
//! [`Banding::RECALL_FLOOR`] for paragraphs. Every candidate is verified
//! afterwards, so a false positive costs only time while a false negative is
//! a duplicate lost; datasketch's unconstrained optimum for t = 0.8, K = 128
//! (b = 9, r = 13) finds only 40 % of pairs at J = 0.80.
//!
//! Every sketch of [`crate::sketch`] makes values that agree with probability
//! `s`, and the S-curve assumes the rows of a band agree independently. For
//! one-permutation hashing it holds for sets larger than the signature, and
//! for smaller ones (where densified bins copy each other's values) a band
//! of 6 rows was measured to agree as often as `s^6` to within 0.01
//! (`sketch`'s tests), so the same curve serves every sketch.
//!
//! Candidates are produced band by band: the `(band key, doc)` entries of a
//! band are sorted and each run of equal keys yields its pairs. Sorting
//! instead of hashing keeps memory at 12 bytes per document and band and
//! makes the order of pairs independent of thread count.

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The LSH shape: `bands × rows ≤ perms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Banding {
    /// Number of bands `b`.
    pub bands: usize,
    /// Rows per band `r`.
    pub rows: usize,
}

/// Weights of the false-positive and false-negative areas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Weight of the area under the S-curve below the threshold.
    pub false_positive: f64,
    /// Weight of the area above the S-curve above the threshold.
    pub false_negative: f64,
}

impl Default for Weights {
    fn default() -> Weights {
        Weights {
            false_positive: 0.5,
            false_negative: 0.5,
        }
    }
}

impl Banding {
    /// Minimum probability of finding a pair whose Jaccard equals the
    /// threshold, when some shape with `K` permutations reaches it.
    pub const RECALL_FLOOR: f64 = 0.99;

    /// The floor for whole documents: with it the mean probability of
    /// missing a pair with Jaccard in `[t, t + 0.1)` is at most 0.0006 for
    /// every threshold from 0.5 to 0.9 at 128 values.
    pub const DOCUMENT_RECALL_FLOOR: f64 = 0.998;

    /// The shape for `threshold` with `perms` values per signature, under
    /// [`Banding::RECALL_FLOOR`].
    pub fn optimal(threshold: f64, perms: usize, weights: Weights) -> Banding {
        Banding::optimal_with_floor(threshold, perms, weights, Banding::RECALL_FLOOR)
    }

    /// The shape for `threshold` with `perms` values per signature that
    /// finds a pair at the threshold with probability at least `floor`
    /// where any shape can.
    pub fn optimal_with_floor(
        threshold: f64,
        perms: usize,
        weights: Weights,
        floor: f64,
    ) -> Banding {
        let mut best: Option<(bool, f64, Banding)> = None;
        for bands in 1..=perms {
            for rows in 1..=perms / bands {
                let shape = Banding { bands, rows };
                let meets = shape.probability(threshold) >= floor;
                let cost = weights.false_positive * shape.false_positive_area(threshold)
                    + weights.false_negative * shape.false_negative_area(threshold);
                let better = match best {
                    None => true,
                    Some((m, c, _)) => (meets && !m) || (meets == m && cost < c),
                };
                if better {
                    best = Some((meets, cost, shape));
                }
            }
        }
        best.map(|(_, _, s)| s)
            .unwrap_or(Banding { bands: 1, rows: 1 })
    }

    /// Probability that a pair with Jaccard `s` becomes a candidate.
    pub fn probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// Area under the S-curve on `[0, t]`: the expected share of dissimilar
    /// pairs that are candidates, for pairs spread evenly below `t`.
    pub fn false_positive_area(&self, t: f64) -> f64 {
        integrate(|s| self.probability(s), 0.0, t)
    }

    /// Area above the S-curve on `[t, 1]`: the expected share of similar
    /// pairs that are missed, for pairs spread evenly above `t`.
    pub fn false_negative_area(&self, t: f64) -> f64 {
        integrate(|s| 1.0 - self.probability(s), t, 1.0)
    }

    /// Number of signature values the shape uses.
    pub fn used(&self) -> usize {
        self.bands * self.rows
    }

    /// Writes the `bands` keys of `sig` into `out` for use within one run
    /// only (the passage search's paragraphs): `hash::run_values`,
    /// a multiplication a pair of values, against XXH3 over the serialised
    /// band in [`Banding::keys`].
    /// The values are not stable across versions, so nothing that is
    /// stored (an index) may use them; equal rows in different bands do
    /// not collide, as the band number seeds each key.
    pub fn run_keys(&self, sig: &[u32], out: &mut [u64]) {
        for (band, key) in out.iter_mut().enumerate().take(self.bands) {
            let rows = &sig[band * self.rows..(band + 1) * self.rows];
            *key = crate::hash::run_values(band as u64, rows);
        }
    }

    /// Writes the `bands` keys of `sig` into `out` (stable: XXH3-64 of the
    /// band's little-endian values, seeded with the band number, so equal
    /// rows in different bands do not collide).
    pub fn keys(&self, sig: &[u32], out: &mut [u64]) {
        // Bands of up to 16 rows (all the usual shapes) are serialised on
        // the stack: this runs for every paragraph of the passage search.
        let mut stack = [0u8; 64];
        let mut heap = Vec::new();
        let buf: &mut [u8] = if 4 * self.rows <= stack.len() {
            &mut stack[..4 * self.rows]
        } else {
            heap.resize(4 * self.rows, 0);
            &mut heap
        };
        for (band, key) in out.iter_mut().enumerate().take(self.bands) {
            let rows = &sig[band * self.rows..(band + 1) * self.rows];
            for (b, v) in buf.chunks_exact_mut(4).zip(rows) {
                b.copy_from_slice(&v.to_le_bytes());
            }
            *key = xxh3_64_with_seed(buf, band as u64);
        }
    }
}

fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    const STEPS: usize = 200;
    let h = (b - a) / STEPS as f64;
    (0..STEPS).map(|i| f(a + (i as f64 + 0.5) * h)).sum::<f64>() * h
}

/// Buckets with more documents than this link their members (see
/// [`Oversize::Link`]) instead of yielding all pairs (see [`candidates`]).
///
/// All pairs of a bucket of `s` documents are `s²/2`: at a limit of `L`, a
/// band yields at most `n·L/2` pairs for `n` documents, and a giant group
/// of near-copies (tens of thousands of pages of one template) only about
/// `2n` per band instead of `n²/2`. Near-duplicate groups of real corpora
/// are far smaller than the limit, so for them nothing changes.
pub const MAX_BUCKET: usize = 200;

/// The first members of an oversized bucket that every member is paired
/// with ([`Oversize::Link`]).
pub const ANCHORS: usize = 3;

/// What becomes of a bucket with more documents than a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversize {
    /// Pair every member with the bucket's first [`ANCHORS`] documents and
    /// with the member before it: the group stays connected without a
    /// quadratic number of pairs (near-duplicate pages), and a member that
    /// fails verification against one anchor (two copies edited in
    /// different places can fall below the threshold while both are close
    /// to the original) still has the others and its neighbour.
    Link,
    /// Propose no pair: at low thresholds (one row per band) a band value is
    /// often the fingerprint of a very common shingle, and its bucket says
    /// little about similarity.
    Skip,
}

/// Candidate pairs `(i, j)`, `i < j`, sorted and unique. `docs` lists the
/// document numbers taking part (ascending); `key(slot, band)` gives the band
/// key of `docs[slot]`. Buckets larger than [`MAX_BUCKET`] link their
/// members ([`Oversize::Link`]).
pub fn candidates<K>(key: K, docs: &[u32], bands: usize) -> Vec<(u32, u32)>
where
    K: Fn(usize, usize) -> u64 + Sync,
{
    candidates_limited(key, docs, bands, MAX_BUCKET, Oversize::Link)
}

/// [`candidates`] with a chosen bucket limit and policy.
pub fn candidates_limited<K>(
    key: K,
    docs: &[u32],
    bands: usize,
    max_bucket: usize,
    oversize: Oversize,
) -> Vec<(u32, u32)>
where
    K: Fn(usize, usize) -> u64 + Sync,
{
    let mut pairs: Vec<u64> = (0..bands)
        .into_par_iter()
        .flat_map_iter(|band| {
            let mut entries: Vec<(u64, u32)> = docs
                .iter()
                .enumerate()
                .map(|(slot, &d)| (key(slot, band), d))
                .collect();
            entries.sort_unstable();
            let mut out = Vec::new();
            let pair = |x: &(u64, u32), y: &(u64, u32)| ((x.1 as u64) << 32) | y.1 as u64;
            for run in entries.chunk_by(|x, y| x.0 == y.0) {
                match (run.len() > max_bucket, oversize) {
                    (false, _) => {
                        for (i, x) in run.iter().enumerate() {
                            for y in &run[i + 1..] {
                                out.push(pair(x, y));
                            }
                        }
                    }
                    (true, Oversize::Link) => {
                        for (i, y) in run.iter().enumerate().skip(1) {
                            for x in &run[..i.min(ANCHORS)] {
                                out.push(pair(x, y));
                            }
                            if i > ANCHORS {
                                out.push(pair(&run[i - 1], y));
                            }
                        }
                    }
                    (true, Oversize::Skip) => {}
                }
            }
            out
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
        .into_iter()
        .map(|p| ((p >> 32) as u32, p as u32))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run keys tell bands apart even when their rows are equal, depend on
    /// every row (odd row counts included) and on nothing else.
    #[test]
    fn run_keys_separate_bands_and_rows() {
        for rows in [1, 2, 3, 4, 5] {
            let shape = Banding { bands: 4, rows };
            let same = vec![7u32; 4 * rows];
            let mut keys = [0u64; 4];
            shape.run_keys(&same, &mut keys);
            let distinct: std::collections::HashSet<u64> = keys.iter().copied().collect();
            assert_eq!(distinct.len(), 4, "{rows} rows");
            for at in 0..4 * rows {
                let mut changed = same.clone();
                changed[at] = 8;
                let mut other = [0u64; 4];
                shape.run_keys(&changed, &mut other);
                let band = at / rows;
                for b in 0..4 {
                    assert_eq!(keys[b] == other[b], b != band, "{rows} rows, value {at}");
                }
            }
            let mut again = [0u64; 4];
            shape.run_keys(&same, &mut again);
            assert_eq!(again, keys);
        }
    }

    #[test]
    fn shape_meets_the_recall_floor() {
        let s = Banding::optimal(0.8, 128, Weights::default());
        assert!(s.used() <= 128);
        assert!(s.probability(0.8) >= Banding::RECALL_FLOOR, "{s:?}");
        assert!(s.probability(0.3) < 0.05, "{s:?}");
        let s = Banding::optimal(0.5, 128, Weights::default());
        assert!(s.probability(0.5) >= Banding::RECALL_FLOOR, "{s:?}");
    }

    /// The document floor keeps the mean miss rate of the bin just above
    /// the threshold under one in a thousand.
    #[test]
    fn document_shapes_lose_under_one_in_a_thousand_just_above_the_threshold() {
        for t in [0.5, 0.6, 0.7, 0.8, 0.9] {
            let s = Banding::optimal_with_floor(
                t,
                128,
                Weights::default(),
                Banding::DOCUMENT_RECALL_FLOOR,
            );
            let miss = integrate(|x| 1.0 - s.probability(x), t, t + 0.1) / 0.1;
            assert!(miss < 0.0006, "{s:?} at {t}: {miss}");
        }
    }

    #[test]
    fn huge_buckets_link_to_their_first_members_and_a_chain() {
        let n = MAX_BUCKET as u32 + 1;
        let docs: Vec<u32> = (0..n).collect();
        let pairs = candidates(|_, _| 7, &docs, 1);
        // Members 1 and 2 pair with those before them (1 + 2), the others
        // with the three anchors and their predecessor.
        assert_eq!(pairs.len(), 3 + 4 * (n as usize - 4) + 3);
        assert!(pairs
            .iter()
            .all(|&(a, b)| (a as usize) < ANCHORS || b == a + 1));
    }

    #[test]
    fn candidates_from_equal_keys() {
        // docs 0 and 2 share band 1; 1 and 3 share band 0 and 1.
        let keys = [10, 20, 11, 21, 12, 20, 11, 21];
        let docs = vec![0, 1, 2, 3];
        assert_eq!(
            candidates(|slot, band| keys[slot * 2 + band], &docs, 2),
            vec![(0, 2), (1, 3)]
        );
        // Three documents share band 0: a limit of 2 skips that bucket.
        let keys = [5, 1, 5, 2, 5, 3, 9, 3];
        let key = |slot: usize, band: usize| keys[slot * 2 + band];
        assert_eq!(
            candidates(key, &docs, 2),
            vec![(0, 1), (0, 2), (1, 2), (2, 3)]
        );
        assert_eq!(
            candidates_limited(key, &docs, 2, 2, Oversize::Skip),
            vec![(2, 3)]
        );
        assert_eq!(
            candidates_limited(key, &docs, 2, 2, Oversize::Link),
            vec![(0, 1), (0, 2), (1, 2), (2, 3)]
        );
    }
}
