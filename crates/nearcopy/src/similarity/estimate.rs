//! MinHash estimates of set sizes and overlaps, for corpora too large to
//! count exactly (`--estimate`).

use rayon::prelude::*;

use crate::lsh::{self, Banding};
use crate::minhash::{self};

use super::*;

/// The estimated size of a set from its MinHash signature: each value is the
/// minimum of `n` uniform draws, so `-ln(1 - u)` is exponential with rate `n`
/// and `(K - 1) / Σ -ln(1 - u_i)` is an unbiased estimate of `n`.
pub fn estimate_cardinality(sig: &[u32]) -> f64 {
    if sig.is_empty() || sig.iter().all(|&v| v == u32::MAX) {
        return 0.0;
    }
    let sum: f64 = sig
        .iter()
        .map(|&v| -(1.0 - (v as f64 + 0.5) / 4_294_967_296.0).ln())
        .sum();
    ((sig.len() as f64 - 1.0) / sum).max(1.0)
}

/// `(jaccard, a_in_b, b_in_a, shared)` from a Jaccard estimate and set sizes.
pub(super) fn from_jaccard(j: f64, la: f64, lb: f64) -> (f64, f64, f64, u64) {
    if j <= 0.0 || la <= 0.0 || lb <= 0.0 {
        return (0.0, 0.0, 0.0, 0);
    }
    let inter = (j / (1.0 + j) * (la + lb)).min(la).min(lb);
    (
        j,
        (inter / la).min(1.0),
        (inter / lb).min(1.0),
        inter.round() as u64,
    )
}

/// Estimated scores at one shingle size.
pub(super) fn estimate_size(
    c: &Corpus,
    si: usize,
    members: &Lists<u32>,
    cfg: &SimilarityConfig,
    top: Option<usize>,
    banding: Option<Banding>,
) -> Scored {
    let n = c.names.len();
    let perms = cfg.perms;
    let sigs = &c.src_sigs[si];
    let sig = |s: usize| &sigs[s * perms..(s + 1) * perms];
    let lens_f: Vec<f64> = (0..n)
        .map(|s| {
            let m = members.get(s);
            if m.len() == 1 {
                c.doc_lens[si][m[0] as usize] as f64
            } else {
                estimate_cardinality(sig(s))
            }
        })
        .collect();
    let score =
        |a: usize, b: usize| from_jaccard(minhash::estimate(sig(a), sig(b)), lens_f[a], lens_f[b]);
    let nonempty: Vec<u32> = (0..n as u32)
        .filter(|&s| lens_f[s as usize] > 0.0)
        .collect();
    let pairs: Vec<(u32, u32, f64, f64, f64, u64)> = match (top, banding) {
        (Some(k), Some(banding)) => {
            let mut keys = vec![0u64; nonempty.len() * banding.bands];
            keys.par_chunks_mut(banding.bands.max(1))
                .zip(nonempty.par_iter())
                .for_each(|(out, &s)| banding.keys(sig(s as usize), out));
            let candidates = lsh::candidates_limited(
                |slot, band| keys[slot * banding.bands + band],
                &nonempty,
                banding.bands,
                cfg.max_df,
                lsh::Oversize::Skip,
            );
            let mut partners: Vec<(u32, u32)> = candidates
                .iter()
                .flat_map(|&(a, b)| [(a, b), (b, a)])
                .collect();
            partners.par_sort_unstable();
            let adjacency = Lists::from_sorted(partners.into_iter(), n);
            let mut kept: Vec<(u32, u32)> = (0..n)
                .into_par_iter()
                .flat_map_iter(|a| {
                    let mut scored: Vec<(f64, u32)> = adjacency
                        .get(a)
                        .iter()
                        .filter_map(|&b| {
                            let (j, ab, ba, _) = score(a, b as usize);
                            let key = match cfg.rank {
                                Rank::Jaccard => j,
                                Rank::Containment => ab.max(ba),
                            };
                            (j > 0.0).then_some((key, b))
                        })
                        .collect();
                    scored.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
                    scored.truncate(k);
                    scored
                        .into_iter()
                        .map(move |(_, b)| (a.min(b as usize) as u32, a.max(b as usize) as u32))
                })
                .collect();
            kept.par_sort_unstable();
            kept.dedup();
            kept.into_iter()
                .map(|(a, b)| {
                    let (j, ab, ba, inter) = score(a as usize, b as usize);
                    (a, b, j, ab, ba, inter)
                })
                .collect()
        }
        _ => nonempty
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, &a)| {
                nonempty[i + 1..].iter().filter_map(move |&b| {
                    let (j, ab, ba, inter) = score(a as usize, b as usize);
                    (j > 0.0).then_some((a, b, j, ab, ba, inter))
                })
            })
            .collect(),
    };
    // Each source against the union of all others, whose signature is the
    // element-wise minimum of theirs: per position the smallest value and
    // how many sources have it, and the second smallest.
    let mut first = vec![u32::MAX; perms];
    let mut holders = vec![0u32; perms];
    let mut second = vec![u32::MAX; perms];
    for s in 0..n {
        for (i, &v) in sig(s).iter().enumerate() {
            if v < first[i] {
                second[i] = first[i];
                first[i] = v;
                holders[i] = 1;
            } else if v == first[i] {
                holders[i] += 1;
            } else if v < second[i] {
                second[i] = v;
            }
        }
    }
    let shared: Vec<u64> = (0..n)
        .into_par_iter()
        .map(|s| {
            let own = sig(s);
            let others: Vec<u32> = (0..perms)
                .map(|i| {
                    if own[i] == first[i] && holders[i] == 1 {
                        second[i]
                    } else {
                        first[i]
                    }
                })
                .collect();
            let j = minhash::estimate(own, &others);
            from_jaccard(j, lens_f[s], estimate_cardinality(&others)).3
        })
        .collect();
    Scored {
        pairs,
        lens: lens_f.iter().map(|&l| l.round() as u64).collect(),
        shared,
        boilerplate: None,
    }
}
