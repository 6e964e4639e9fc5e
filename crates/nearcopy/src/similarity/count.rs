//! Exact counts of the shingles two sources share: an inverted index of
//! the shingles found in more than one source.

use rayon::prelude::*;

use crate::verify;

use super::*;

/// Scores of one shingle size.
pub(super) struct Scored {
    /// `(a, b, jaccard, a_in_b, b_in_a, shared)` with `a < b`, sorted.
    pub(super) pairs: Vec<(u32, u32, f64, f64, f64, u64)>,
    /// Distinct shingles per source.
    pub(super) lens: Vec<u64>,
    /// Shingles of each source that another source has.
    pub(super) shared: Vec<u64>,
    /// Shingles of each source in more than `boilerplate` documents.
    pub(super) boilerplate: Option<Vec<u64>>,
}

/// The shingles held by two or more sources: for each such shingle (by a
/// dense id, in fingerprint order) the sources holding it, and for each
/// source the ids of its shared shingles.
pub(super) struct SharedIndex {
    pub(super) postings: Lists<u32>,
    pub(super) ids_of: Lists<u32>,
}

impl SharedIndex {
    pub(super) fn build(sets: &Lists<u64>) -> SharedIndex {
        let n = sets.len();
        let mut entries: Vec<(u64, u32)> = (0..n)
            .into_par_iter()
            .flat_map_iter(|s| sets.get(s).iter().map(move |&f| (f, s as u32)))
            .collect();
        entries.par_sort_unstable();
        let mut postings = Lists::default();
        let mut by_source: Vec<(u32, u32)> = Vec::new();
        let mut i = 0;
        while i < entries.len() {
            let mut j = i + 1;
            while j < entries.len() && entries[j].0 == entries[i].0 {
                j += 1;
            }
            if j - i >= 2 {
                let id = postings.len() as u32;
                for e in &entries[i..j] {
                    postings.data.push(e.1);
                    by_source.push((e.1, id));
                }
                postings.ends.push(postings.data.len());
            }
            i = j;
        }
        drop(entries);
        by_source.par_sort_unstable();
        SharedIndex {
            postings,
            ids_of: Lists::from_sorted(by_source.into_iter(), n),
        }
    }
}

/// Exact scores at one shingle size.
pub(super) fn exact_size(
    doc_sets: &Lists<u64>,
    src_sets: &Lists<u64>,
    cfg: &SimilarityConfig,
    top: Option<usize>,
) -> Scored {
    let n = src_sets.len();
    let lens: Vec<u64> = (0..n).map(|s| src_sets.get(s).len() as u64).collect();
    let index = SharedIndex::build(src_sets);
    let shared: Vec<u64> = (0..n).map(|s| index.ids_of.get(s).len() as u64).collect();
    let boilerplate = if cfg.grouping == Grouping::Doc {
        // Sources are documents: a shingle's document count is its
        // posting length.
        (0..n)
            .map(|s| {
                index
                    .ids_of
                    .get(s)
                    .iter()
                    .filter(|&&id| index.postings.get(id as usize).len() > cfg.boilerplate)
                    .count() as u64
            })
            .collect()
    } else {
        let common = frequent_shingles(doc_sets, cfg.boilerplate);
        (0..n)
            .into_par_iter()
            .map(|s| verify::intersection(src_sets.get(s), &common) as u64)
            .collect()
    };
    let counts = match top {
        None => all_pair_counts(&index, n),
        Some(k) => top_pair_counts(&index, &lens, n, k, cfg.max_df, cfg.rank),
    };
    let pairs = counts
        .into_iter()
        .map(|(a, b, inter)| {
            let (la, lb, i) = (
                lens[a as usize] as f64,
                lens[b as usize] as f64,
                inter as f64,
            );
            (
                a,
                b,
                ratio(i, la + lb - i),
                ratio(i, la),
                ratio(i, lb),
                inter,
            )
        })
        .collect();
    Scored {
        pairs,
        lens,
        shared,
        boilerplate: Some(boilerplate),
    }
}

/// The fingerprints found in more than `min_other` documents (so in at least
/// `min_other` other documents than any one that has them), sorted.
pub(super) fn frequent_shingles(doc_sets: &Lists<u64>, min_other: usize) -> Vec<u64> {
    let mut all = doc_sets.data.clone();
    all.par_sort_unstable();
    let mut out = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let mut j = i + 1;
        while j < all.len() && all[j] == all[i] {
            j += 1;
        }
        if j - i > min_other {
            out.push(all[i]);
        }
        i = j;
    }
    out
}

/// The shared-shingle count of every pair `a < b` that shares one.
pub(super) fn all_pair_counts(index: &SharedIndex, n: usize) -> Vec<(u32, u32, u64)> {
    (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0u32; n], Vec::<u32>::new()),
            |(counts, touched), a| {
                for &id in index.ids_of.get(a) {
                    let post = index.postings.get(id as usize);
                    let from = post.partition_point(|&b| b <= a as u32);
                    for &b in &post[from..] {
                        if counts[b as usize] == 0 {
                            touched.push(b);
                        }
                        counts[b as usize] += 1;
                    }
                }
                touched.sort_unstable();
                let out: Vec<(u32, u32, u64)> = touched
                    .iter()
                    .map(|&b| (a as u32, b, counts[b as usize] as u64))
                    .collect();
                for &b in touched.iter() {
                    counts[b as usize] = 0;
                }
                touched.clear();
                out
            },
        )
        .flatten_iter()
        .collect()
}

/// The frequent shingles (held by more than `max_df` sources) of every
/// source, for counting what two sources share among them.
pub(super) enum Frequent {
    /// One bitset of `words` u64 per source, when that fits
    /// [`Frequent::BITSET_BUDGET`]: a pair then costs `words` AND-popcounts.
    Bits { words: usize, bits: Vec<u64> },
    /// Sorted shingle ids per source, merged pair by pair.
    Lists(Lists<u32>),
}

impl Frequent {
    /// Bytes the bitsets may take.
    const BITSET_BUDGET: usize = 256 << 20;

    pub(super) fn new(index: &SharedIndex, n: usize, max_df: usize) -> Frequent {
        let is_frequent = |id: u32| index.postings.get(id as usize).len() > max_df;
        let ids: Vec<u32> = (0..index.postings.len() as u32)
            .filter(|&id| is_frequent(id))
            .collect();
        let words = ids.len().div_ceil(64);
        if n.saturating_mul(words).saturating_mul(8) <= Frequent::BITSET_BUDGET {
            let mut bits = vec![0u64; n * words];
            bits.par_chunks_mut(words.max(1))
                .enumerate()
                .take(n)
                .for_each(|(s, row)| {
                    for &id in index.ids_of.get(s) {
                        if let Ok(bit) = ids.binary_search(&id) {
                            row[bit / 64] |= 1 << (bit % 64);
                        }
                    }
                });
            Frequent::Bits { words, bits }
        } else {
            let mut l = Lists::default();
            for s in 0..n {
                let f: Vec<u32> = index
                    .ids_of
                    .get(s)
                    .iter()
                    .copied()
                    .filter(|&id| is_frequent(id))
                    .collect();
                l.push(&f);
            }
            Frequent::Lists(l)
        }
    }

    /// Frequent shingles that sources `a` and `b` both hold.
    pub(super) fn common(&self, a: usize, b: usize) -> u64 {
        match self {
            Frequent::Bits { words, bits } => {
                let (x, y) = (
                    &bits[a * words..(a + 1) * words],
                    &bits[b * words..(b + 1) * words],
                );
                x.iter()
                    .zip(y)
                    .map(|(p, q)| (p & q).count_ones() as u64)
                    .sum()
            }
            Frequent::Lists(l) => verify::intersection(l.get(a), l.get(b)) as u64,
        }
    }
}

/// The `k` best partners of every source, as pairs `a < b` with their exact
/// shared count. Candidates are the sources sharing a shingle held by at most
/// `max_df` sources; shingles held by more are counted from per-source
/// bitsets (or lists).
pub(super) fn top_pair_counts(
    index: &SharedIndex,
    lens: &[u64],
    n: usize,
    k: usize,
    max_df: usize,
    rank: Rank,
) -> Vec<(u32, u32, u64)> {
    let frequent = Frequent::new(index, n, max_df);
    let mut pairs: Vec<(u32, u32, u64)> = (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0u32; n], Vec::<u32>::new()),
            |(counts, touched), a| {
                for &id in index.ids_of.get(a) {
                    let post = index.postings.get(id as usize);
                    if post.len() > max_df {
                        continue;
                    }
                    for &b in post {
                        if b as usize == a {
                            continue;
                        }
                        if counts[b as usize] == 0 {
                            touched.push(b);
                        }
                        counts[b as usize] += 1;
                    }
                }
                let la = lens[a] as f64;
                let mut scored: Vec<(f64, u32, u64)> = touched
                    .iter()
                    .map(|&b| {
                        let inter = counts[b as usize] as u64 + frequent.common(a, b as usize);
                        let (lb, i) = (lens[b as usize] as f64, inter as f64);
                        let key = match rank {
                            Rank::Jaccard => ratio(i, la + lb - i),
                            Rank::Containment => ratio(i, la).max(ratio(i, lb)),
                        };
                        (key, b, inter)
                    })
                    .collect();
                for &b in touched.iter() {
                    counts[b as usize] = 0;
                }
                touched.clear();
                scored.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
                scored.truncate(k);
                scored
                    .into_iter()
                    .map(|(_, b, inter)| {
                        (a.min(b as usize) as u32, a.max(b as usize) as u32, inter)
                    })
                    .collect::<Vec<_>>()
            },
        )
        .flatten_iter()
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}
