//! Verification of candidate pairs: exact Jaccard and containment on sorted
//! shingle sets, and the sort that makes those sets.

/// Size of the intersection of two sorted, deduplicated sets (of shingle
/// fingerprints, or of any ordered ids).
///
/// A galloping search is used when one set is much smaller than the other, a
/// linear merge otherwise.
pub fn intersection<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if small.is_empty() {
        return 0;
    }
    if large.len() / small.len() >= 16 {
        let mut rest = large;
        let mut n = 0;
        for x in small {
            match rest.binary_search(x) {
                Ok(i) => {
                    n += 1;
                    rest = &rest[i + 1..];
                }
                Err(i) => rest = &rest[i..],
            }
        }
        return n;
    }
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Sets with fewer elements than this are sorted by comparison.
const SMALL_SET: usize = 64;

/// A bucket holding more values than this is sorted by comparison.
const SMALL_BUCKET: usize = 24;

/// Sorts `values` and removes repeats: the set form every exact figure is
/// computed on.
///
/// Shingle fingerprints are hashes, spread evenly over the 64-bit range, so
/// one counting pass on their top bits places each value within a bucket of
/// about one, and insertion sort finishes: on a 5 KB document's set, two
/// thirds of the time of a comparison sort (the `verify/` criterion bench),
/// which exact verification makes for every document of a candidate pair.
/// Values that are not spread (one value repeated, or chosen to share
/// their top bits) fill a few large buckets, which are sorted by
/// comparison, so no input costs more than a comparison sort and a pass.
pub fn sort_set(values: &mut Vec<u64>) {
    if values.len() < SMALL_SET {
        values.sort_unstable();
        values.dedup();
    } else {
        *values = sorted_set(values);
    }
}

/// The values of `values`, sorted and without repeats, as [`sort_set`]
/// makes them, leaving `values` as it is.
pub fn sorted_set(values: &[u64]) -> Vec<u64> {
    let n = values.len();
    if n < SMALL_SET || n > u32::MAX as usize {
        let mut set = values.to_vec();
        set.sort_unstable();
        set.dedup();
        return set;
    }
    // About one bucket per value, at most 2^16 (larger sets are rare and
    // sort well in buckets of a few values too).
    let bits = (usize::BITS - (n - 1).leading_zeros()).min(16);
    let shift = 64 - bits;
    let bucket = |v: u64| (v >> shift) as usize;
    // `ends[b]` first counts bucket b - 1, then (summed) is where bucket b
    // starts, then (advanced while placing) where it ends.
    let mut ends = vec![0u32; (1 << bits) + 1];
    for &v in values {
        ends[bucket(v) + 1] += 1;
    }
    let mut largest = 0;
    for b in 1..ends.len() {
        largest = largest.max(ends[b]);
        ends[b] += ends[b - 1];
    }
    let mut placed = vec![0u64; n];
    for &v in values {
        let at = &mut ends[bucket(v)];
        placed[*at as usize] = v;
        *at += 1;
    }
    if largest as usize <= SMALL_BUCKET {
        // Values are out of order only within their bucket: one pass of
        // insertion sort over the whole finishes, each value moving past
        // at most its bucket.
        insertion_sort(&mut placed);
    } else {
        let mut start = 0;
        for &end in &ends[..1 << bits] {
            let part = &mut placed[start..end as usize];
            start = end as usize;
            if part.len() > SMALL_BUCKET {
                part.sort_unstable();
            } else {
                insertion_sort(part);
            }
        }
    }
    placed.dedup();
    placed
}

fn insertion_sort(part: &mut [u64]) {
    for i in 1..part.len() {
        let v = part[i];
        let mut j = i;
        while j > 0 && part[j - 1] > v {
            part[j] = part[j - 1];
            j -= 1;
        }
        part[j] = v;
    }
}

/// Overlap of two shingle sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overlap {
    /// `|A ∩ B| / |A ∪ B|`.
    pub jaccard: f64,
    /// `|A ∩ B| / |A|`: the share of A found in B.
    pub a_in_b: f64,
    /// `|A ∩ B| / |B|`: the share of B found in A.
    pub b_in_a: f64,
}

/// Exact Jaccard and both containments of two sorted, deduplicated sets.
/// Two empty sets have similarity 0 (nothing to compare).
pub fn overlap(a: &[u64], b: &[u64]) -> Overlap {
    overlap_counts(a.len(), b.len(), intersection(a, b))
}

/// The [`Overlap`] of two sets of `a_len` and `b_len` elements sharing
/// `shared`: the one formula every exact figure goes through, so that the
/// scan, the exact join and synthetic truth agree to the last bit.
pub fn overlap_counts(a_len: usize, b_len: usize, shared: usize) -> Overlap {
    let inter = shared as f64;
    let union = a_len as f64 + b_len as f64 - inter;
    let ratio = |n: f64, d: f64| if d > 0.0 { n / d } else { 0.0 };
    Overlap {
        jaccard: ratio(inter, union),
        a_in_b: ratio(inter, a_len as f64),
        b_in_a: ratio(inter, b_len as f64),
    }
}

/// Exact Jaccard similarity of two sorted, deduplicated sets.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    overlap(a, b).jaccard
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_and_gallop_agree() {
        let a: Vec<u64> = (0..1000).map(|x| x * 3).collect();
        let b: Vec<u64> = (0..40).map(|x| x * 7).collect();
        let brute = b.iter().filter(|x| a.contains(x)).count();
        assert_eq!(intersection(&a, &b), brute);
        assert_eq!(intersection(&b, &a), brute);
        let c: Vec<u64> = (0..900).map(|x| x * 2).collect();
        let brute = c.iter().filter(|x| a.contains(x)).count();
        assert_eq!(intersection(&a, &c), brute);
    }

    /// Values spread like hashes, values sharing their top bits (one large
    /// bucket), one value repeated, and sets around the size where the
    /// bucket sort takes over.
    #[test]
    fn sort_set_is_sort_and_dedup() {
        let spread = |n: u64, salt: u64| -> Vec<u64> {
            (0..n)
                .map(|i| {
                    (i ^ salt)
                        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                        .rotate_left(29)
                })
                .collect()
        };
        let mut cases: Vec<Vec<u64>> = vec![
            Vec::new(),
            vec![7],
            vec![u64::MAX, 0, u64::MAX, 0],
            vec![42; 5000],
            spread(63, 1),
            spread(64, 2),
            spread(65, 3),
            spread(1000, 4),
            spread(70_000, 5),
            spread(200_000, 6),
            // 3,000 values in one bucket of 2^12, with repeats.
            spread(3000, 7).iter().map(|v| (v >> 12) % 2000).collect(),
        ];
        let mut doubled = spread(900, 8);
        doubled.extend(spread(900, 8));
        doubled.extend(spread(50, 9));
        cases.push(doubled);
        for case in cases {
            let mut want = case.clone();
            want.sort_unstable();
            want.dedup();
            assert_eq!(sorted_set(&case), want, "{} values", case.len());
            let mut got = case.clone();
            sort_set(&mut got);
            assert_eq!(got, want, "{} values", case.len());
        }
    }

    proptest::proptest! {
        #[test]
        fn sort_set_matches_sort_on_any_values(
            mut v in proptest::collection::vec(proptest::prelude::any::<u64>(), 0..400),
            narrow in 0u32..64,
        ) {
            // Shifted right, values share their top bits and repeat.
            v.iter_mut().for_each(|x| *x >>= narrow);
            let mut want = v.clone();
            want.sort_unstable();
            want.dedup();
            sort_set(&mut v);
            proptest::prop_assert_eq!(v, want);
        }

        #[test]
        fn intersection_counts_shared_values(
            mut a in proptest::collection::vec(0u64..300, 0..200),
            mut b in proptest::collection::vec(0u64..300, 0..200),
        ) {
            a.sort_unstable();
            a.dedup();
            b.sort_unstable();
            b.dedup();
            let brute = a.iter().filter(|x| b.contains(x)).count();
            proptest::prop_assert_eq!(intersection(&a, &b), brute);
            proptest::prop_assert_eq!(intersection(&b, &a), brute);
        }
    }

    #[test]
    fn containment_is_asymmetric() {
        let small = [1, 2, 3];
        let large = [1, 2, 3, 4, 5, 6];
        let o = overlap(&small, &large);
        assert_eq!(o.a_in_b, 1.0);
        assert_eq!(o.b_in_a, 0.5);
        assert_eq!(o.jaccard, 0.5);
        assert_eq!(jaccard(&[], &[]), 0.0);
    }
}
