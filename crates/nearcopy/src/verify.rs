//! Verification of candidate pairs: exact Jaccard and containment on sorted
//! shingle sets.

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
