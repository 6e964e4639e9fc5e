//! Step 4 of a scan: near-duplicate groups from the exact copies and the
//! verified pairs, with the pairs each group lists.

use ahash::AHashMap;

use super::verify::Verified;
use super::{Cluster, DocInfo, Pair, CLUSTER_PAIRS_LIMIT, EXACT_PAIRS_LIMIT};
use crate::cluster::UnionFind;
use crate::figures::round6;

/// A pair listed in a cluster, by document number.
#[derive(Debug, Clone, Copy)]
struct Listed {
    a: u32,
    b: u32,
    jaccard: f64,
    estimate: f64,
    kind: &'static str,
}

/// Groups documents by union-find over the exact copies and the verified
/// pairs, and lists each group's pairs: all of them up to
/// [`CLUSTER_PAIRS_LIMIT`] members, else one link per member (see there).
/// `verified` is sorted by `(a, b)`.
pub(super) fn build_clusters(
    documents: &[DocInfo],
    exact_groups: &AHashMap<u32, Vec<u32>>,
    verified: &[Verified],
) -> Vec<Cluster> {
    let mut uf = UnionFind::new(documents.len());
    // Exact groups by first copy: the order of a hash map is not stable.
    let mut exact: Vec<(u32, &[u32])> = exact_groups
        .iter()
        .map(|(&first, rest)| (first, rest.as_slice()))
        .collect();
    exact.sort_unstable_by_key(|&(first, _)| first);
    for &(first, rest) in &exact {
        for &m in rest {
            uf.union(first, m);
        }
    }
    for v in verified {
        uf.union(v.a, v.b);
    }
    let groups = uf.groups();
    let mut cluster_of = vec![usize::MAX; documents.len()];
    for (c, g) in groups.iter().enumerate() {
        for &m in g {
            cluster_of[m as usize] = c;
        }
    }
    let large = |d: u32| groups[cluster_of[d as usize]].len() > CLUSTER_PAIRS_LIMIT;

    let mut pairs: Vec<Listed> = Vec::new();
    let copies = |d: u32| -> Vec<u32> {
        let mut v = vec![d];
        if let Some(g) = exact_groups.get(&d) {
            v.extend_from_slice(g);
        }
        v
    };
    // The spanning links of large clusters, joined as they are listed.
    let mut links = UnionFind::new(documents.len());
    for &(first, rest) in &exact {
        let group = copies(first);
        if large(first) || group.len() > EXACT_PAIRS_LIMIT {
            for &m in rest {
                links.union(first, m);
                pairs.push(Listed {
                    a: first,
                    b: m,
                    jaccard: 1.0,
                    estimate: 1.0,
                    kind: "exact",
                });
            }
        } else {
            for (i, &x) in group.iter().enumerate() {
                for &y in &group[i + 1..] {
                    pairs.push(Listed {
                        a: x,
                        b: y,
                        jaccard: 1.0,
                        estimate: 1.0,
                        kind: "exact",
                    });
                }
            }
        }
    }
    for v in verified {
        let near = |a: u32, b: u32| Listed {
            a: a.min(b),
            b: a.max(b),
            jaccard: v.jaccard,
            estimate: v.estimate,
            kind: "near",
        };
        if large(v.a) {
            if links.find(v.a) != links.find(v.b) {
                links.union(v.a, v.b);
                pairs.push(near(v.a, v.b));
            }
            continue;
        }
        // Every copy of a is as similar to every copy of b.
        let (ca, cb) = (copies(v.a), copies(v.b));
        if ca.len() * cb.len() <= EXACT_PAIRS_LIMIT * EXACT_PAIRS_LIMIT {
            for &x in &ca {
                for &y in &cb {
                    pairs.push(near(x, y));
                }
            }
        } else {
            pairs.push(near(v.a, v.b));
        }
    }
    pairs.sort_unstable_by_key(|p| (p.a, p.b));
    pairs.dedup_by_key(|p| (p.a, p.b));
    let mut clusters: Vec<Cluster> = groups
        .into_iter()
        .map(|g| Cluster {
            members: g
                .iter()
                .map(|&m| documents[m as usize].id.clone())
                .collect(),
            pairs: Vec::new(),
            member_indices: g,
        })
        .collect();
    for p in pairs {
        let c = cluster_of[p.a as usize];
        clusters[c].pairs.push(Pair {
            a: documents[p.a as usize].id.clone(),
            b: documents[p.b as usize].id.clone(),
            jaccard: round6(p.jaccard),
            estimate: round6(p.estimate),
            kind: p.kind,
            ai: p.a,
            bi: p.b,
        });
    }
    clusters
}
