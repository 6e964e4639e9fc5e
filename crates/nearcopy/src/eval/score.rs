//! Scoring a result against the truth: pairs, Jaccard bins, clusters
//! (adjusted Rand index) and passages by byte overlap.

use ahash::AHashMap;
use serde::Serialize;

use crate::cluster::UnionFind;
use crate::error::{Error, Result};
use crate::figures::round6;
use crate::truth::SiteInfo;

use super::*;

/// What the truth holds, as used.
#[derive(Debug, Clone, Serialize)]
pub struct TruthInfo {
    /// Kind of truth file.
    pub kind: TruthKind,
    /// Pairs listed.
    pub pairs: u64,
    /// Pairs at or above the threshold.
    pub positives: u64,
    /// Planted passages, when the truth has them.
    pub passages: Option<u64>,
    /// Every pair at or above this Jaccard is listed, when stated.
    pub complete_from: Option<f64>,
}

/// Pair-level scores.
#[derive(Debug, Clone, Serialize)]
pub struct PairScores {
    /// Distinct pairs reported.
    pub reported: u64,
    /// Reported pairs that are positives.
    pub true_positives: u64,
    /// Reported pairs that are not.
    pub false_positives: u64,
    /// Positives not reported.
    pub false_negatives: u64,
    /// `tp / reported` (absent when nothing was reported).
    pub precision: Option<f64>,
    /// `tp / positives` (absent when there are no positives).
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall.
    pub f1: Option<f64>,
}

/// Recall among the positives whose Jaccard falls in `[from, to)` (or is
/// exactly 1 for the last bin).
#[derive(Debug, Clone, Serialize)]
pub struct Bin {
    /// Lower edge.
    pub from: f64,
    /// Upper edge (exclusive, except for the bin `1.0`).
    pub to: f64,
    /// Truth pairs in the bin.
    pub truth: u64,
    /// Of those, pairs at or above the threshold.
    pub positives: u64,
    /// Of those, pairs reported.
    pub found: u64,
    /// `found / positives`.
    pub recall: Option<f64>,
}

/// Group-level agreement.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterScores {
    /// Documents compared (singletons included).
    pub documents: u64,
    /// Groups of two or more documents in the truth.
    pub truth_clusters: u64,
    /// Groups reported.
    pub reported_clusters: u64,
    /// Adjusted Rand index: 1 for identical groupings, about 0 for chance.
    pub ari: f64,
}

/// Bytes of reported occurrences by what explains them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExplainedBytes {
    /// Inside a planted occurrence.
    pub planted: u64,
    /// Inside the site's header or footer.
    pub boilerplate: u64,
    /// Shared with a related document (near-duplicates, copies).
    pub related: u64,
    /// None of these.
    pub unexplained: u64,
}

/// Recall of one kind of planted passage.
#[derive(Debug, Clone, Serialize)]
pub struct KindRecall {
    /// `double` or `copy`.
    pub kind: String,
    /// Passages of the kind.
    pub passages: u64,
    /// Their occurrences.
    pub occurrences: u64,
    /// Share of occurrences found.
    pub occurrence_recall: Option<f64>,
}

/// Passage-level scores.
#[derive(Debug, Clone, Serialize)]
pub struct PassageScores {
    /// Planted passages.
    pub truth_passages: u64,
    /// Their occurrences.
    pub truth_occurrences: u64,
    /// Reported passages.
    pub reported_passages: u64,
    /// Their occurrences.
    pub reported_occurrences: u64,
    /// Planted passages with every occurrence found.
    pub passage_recall: Option<f64>,
    /// Planted occurrences found (half their bytes covered).
    pub occurrence_recall: Option<f64>,
    /// Planted bytes covered.
    pub byte_recall: Option<f64>,
    /// Reported occurrences explained (half their bytes).
    pub occurrence_precision: Option<f64>,
    /// Reported bytes explained.
    pub byte_precision: Option<f64>,
    /// Reported bytes by explanation.
    pub bytes: ExplainedBytes,
    /// Recall by kind of planted passage.
    pub by_kind: Vec<KindRecall>,
}

/// An example pair for diagnosis.
#[derive(Debug, Clone, Serialize)]
pub struct ExamplePair {
    /// One document.
    pub a: String,
    /// The other.
    pub b: String,
    /// The truth's Jaccard if known, else the reported one.
    pub jaccard: Option<f64>,
}

/// The scores of one result against one truth.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Threshold used.
    pub threshold: f64,
    /// The truth as used.
    pub truth: TruthInfo,
    /// Pair scores.
    pub pairs: PairScores,
    /// Recall by Jaccard bin.
    pub bins: Vec<Bin>,
    /// Cluster scores.
    pub clusters: ClusterScores,
    /// Passage scores, when both the truth and the result have passages.
    pub passages: Option<PassageScores>,
    /// Caveats (mismatched shingle sizes, incomplete truth, missing parts).
    pub notes: Vec<String>,
    /// Up to 10 positives not reported, most similar first.
    pub missed: Vec<ExamplePair>,
    /// Up to 10 reported pairs that are not positives.
    pub unexpected: Vec<ExamplePair>,
}

/// Document ids to dense numbers.
#[derive(Default)]
struct Ids {
    of: AHashMap<String, u32>,
    names: Vec<String>,
}

impl Ids {
    fn get(&mut self, id: &str) -> u32 {
        if let Some(&n) = self.of.get(id) {
            return n;
        }
        let n = self.names.len() as u32;
        self.of.insert(id.to_string(), n);
        self.names.push(id.to_string());
        n
    }
}

fn key(a: u32, b: u32) -> u64 {
    ((a.min(b) as u64) << 32) | a.max(b) as u64
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| round6(n as f64 / d as f64))
}

/// Scores `found` against `truth`.
pub fn evaluate(truth: &Truth, found: &Found, cfg: &EvalConfig) -> Result<Evaluation> {
    let threshold = cfg.threshold.or(found.threshold).ok_or_else(|| {
        Error::Config("the result has no params.threshold; give --threshold".into())
    })?;
    if !(threshold > 0.0 && threshold <= 1.0) {
        return Err(Error::Config(format!(
            "--threshold must be in (0, 1], got {threshold}"
        )));
    }
    let mut notes = caveats(threshold, truth, found);
    let mut known = Known::new(truth, found);
    let positives = known.positives(threshold);
    let pairs = known.pair_scores(&positives);
    let bins = known.bins(threshold);
    let missed = known.missed(&positives);
    let unexpected = known.unexpected(threshold);
    // Passages: intern their ids before the document count is fixed.
    let passage_lists = [truth.passages.as_deref(), found.passages.as_deref()];
    for o in passage_lists
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|p| &p.occurrences)
    {
        known.ids.get(&o.doc);
    }
    let clusters = known.cluster_scores(&positives, found);
    let passages = match (&truth.passages, &found.passages) {
        (Some(t), Some(f)) => {
            let mut related = known.related();
            let ids = &known.ids;
            Some(passage_scores(
                t,
                f,
                truth,
                found,
                ids,
                &mut related,
                cfg.min_cover,
            ))
        }
        (None, _) => {
            notes.push("passage metrics: not available (the truth has no planted passages)".into());
            None
        }
        (_, None) => {
            notes.push("passage metrics: not available (the result has no \"passages\")".into());
            None
        }
    };
    Ok(Evaluation {
        threshold,
        truth: TruthInfo {
            kind: truth.kind,
            pairs: known.truth_j.len() as u64,
            positives: positives.len() as u64,
            passages: truth.passages.as_ref().map(|p| p.len() as u64),
            complete_from: truth.complete_from,
        },
        pairs,
        bins,
        clusters,
        passages,
        notes,
        missed,
        unexpected,
    })
}

/// What makes the scores at `threshold` compare unlike things: a different
/// shingle size, a threshold above the run's, or below where the truth is
/// complete.
fn caveats(threshold: f64, truth: &Truth, found: &Found) -> Vec<String> {
    let mut notes = Vec::new();
    if let (Some(t), Some(f)) = (truth.shingle, found.shingle) {
        if t != f {
            notes.push(format!(
                "the truth's Jaccard is on {t}-word shingles but the result used {f}: \
                 scores compare different similarities"
            ));
        }
    }
    if let Some(run) = found.threshold {
        if threshold > run {
            notes.push(format!(
                "the result was made at Jaccard {run}; at {threshold} its pairs below \
                 {threshold} count as false positives"
            ));
        }
    }
    if let Some(c) = truth.complete_from {
        if threshold < c {
            notes.push(format!(
                "the truth lists pairs only from Jaccard {c}; at {threshold} some \
                 true pairs are missing from it and count as false positives"
            ));
        }
    }
    notes
}

/// The pairs of both sides, by interned document numbers (see [`key`]).
struct Known {
    ids: Ids,
    /// Truth pairs with their Jaccard (the highest if listed twice).
    truth_j: AHashMap<u64, f64>,
    /// Reported pairs, with the Jaccard the result gives.
    reported: AHashMap<u64, Option<f64>>,
}

impl Known {
    fn new(truth: &Truth, found: &Found) -> Known {
        let mut ids = Ids::default();
        for d in &found.documents {
            ids.get(&d.id);
        }
        let mut truth_j: AHashMap<u64, f64> = AHashMap::new();
        for p in &truth.pairs {
            let (a, b) = (ids.get(&p.a), ids.get(&p.b));
            if a == b {
                continue;
            }
            let j = p.jaccard.unwrap_or(0.0);
            let e = truth_j.entry(key(a, b)).or_insert(j);
            *e = e.max(j);
        }
        let mut reported: AHashMap<u64, Option<f64>> = AHashMap::new();
        for p in &found.pairs {
            let (a, b) = (ids.get(&p.a), ids.get(&p.b));
            if a != b {
                reported.entry(key(a, b)).or_insert(p.jaccard);
            }
        }
        for m in found.clusters.iter().flatten().flatten() {
            ids.get(m);
        }
        Known {
            ids,
            truth_j,
            reported,
        }
    }

    /// Truth pairs at or above `threshold`, by key.
    fn positives(&self, threshold: f64) -> Vec<(u64, f64)> {
        let mut v: Vec<(u64, f64)> = self
            .truth_j
            .iter()
            .filter(|(_, &j)| j >= threshold)
            .map(|(&k, &j)| (k, j))
            .collect();
        v.sort_unstable_by_key(|p| p.0);
        v
    }

    fn pair_scores(&self, positives: &[(u64, f64)]) -> PairScores {
        let tp = positives
            .iter()
            .filter(|(k, _)| self.reported.contains_key(k))
            .count() as u64;
        let n_rep = self.reported.len() as u64;
        let n_pos = positives.len() as u64;
        let precision = ratio(tp, n_rep);
        let recall = ratio(tp, n_pos);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(round6(2.0 * p * r / (p + r))),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        PairScores {
            reported: n_rep,
            true_positives: tp,
            false_positives: n_rep - tp,
            false_negatives: n_pos - tp,
            precision,
            recall,
            f1,
        }
    }

    /// Recall by Jaccard bin of the true pair, from the threshold's bin (or
    /// 0.3) up, and a bin of Jaccard 1.
    fn bins(&self, threshold: f64) -> Vec<Bin> {
        let lowest = ((threshold * 10.0 + 1e-9).floor() as usize).min(3);
        let bin = |from: f64, to: f64| Bin {
            from,
            to,
            truth: 0,
            positives: 0,
            found: 0,
            recall: None,
        };
        let mut bins: Vec<Bin> = (lowest..10)
            .map(|k| bin(k as f64 / 10.0, (k + 1) as f64 / 10.0))
            .collect();
        bins.push(bin(1.0, 1.0));
        for (k, &j) in &self.truth_j {
            let at = if j >= 1.0 {
                Some(bins.len() - 1)
            } else {
                bins.iter().position(|b| j >= b.from && j < b.to)
            };
            if let Some(i) = at {
                bins[i].truth += 1;
                if j >= threshold {
                    bins[i].positives += 1;
                    bins[i].found += self.reported.contains_key(k) as u64;
                }
            }
        }
        for b in &mut bins {
            b.recall = ratio(b.found, b.positives);
        }
        bins
    }

    /// The pair of `k` as ids.
    fn example(&self, k: u64, jaccard: Option<f64>) -> ExamplePair {
        ExamplePair {
            a: self.ids.names[(k >> 32) as usize].clone(),
            b: self.ids.names[(k & 0xffff_ffff) as usize].clone(),
            jaccard: jaccard.map(round6),
        }
    }

    /// Up to ten true pairs not reported, most similar first.
    fn missed(&self, positives: &[(u64, f64)]) -> Vec<ExamplePair> {
        let mut missed: Vec<(u64, f64)> = positives
            .iter()
            .filter(|(k, _)| !self.reported.contains_key(k))
            .copied()
            .collect();
        missed.sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        missed
            .into_iter()
            .take(10)
            .map(|(k, j)| self.example(k, Some(j)))
            .collect()
    }

    /// Up to ten reported pairs that are not true at `threshold`.
    fn unexpected(&self, threshold: f64) -> Vec<ExamplePair> {
        let mut unexpected: Vec<(u64, Option<f64>)> = self
            .reported
            .iter()
            .filter(|(k, _)| self.truth_j.get(k).is_none_or(|&j| j < threshold))
            .map(|(&k, &j)| (k, self.truth_j.get(&k).copied().or(j)))
            .collect();
        unexpected.sort_unstable_by_key(|u| u.0);
        unexpected
            .into_iter()
            .take(10)
            .map(|(k, j)| self.example(k, j))
            .collect()
    }

    /// Adjusted Rand index of the reported groups (or, without groups, the
    /// components of the reported pairs) against the components of the
    /// positives.
    fn cluster_scores(&self, positives: &[(u64, f64)], found: &Found) -> ClusterScores {
        let n = self.ids.names.len();
        let documents = (n as u64).max(found.document_count.unwrap_or(0));
        let truth_groups = components(n, positives.iter().map(|p| p.0));
        let reported_groups: Vec<Vec<u32>> = match &found.clusters {
            Some(cs) => cs
                .iter()
                .filter(|c| c.len() > 1)
                .map(|c| {
                    let mut g: Vec<u32> = c.iter().map(|m| self.ids.of[m.as_str()]).collect();
                    g.sort_unstable();
                    g.dedup();
                    g
                })
                .collect(),
            None => components(n, self.reported.keys().copied()),
        };
        ClusterScores {
            documents,
            truth_clusters: truth_groups.len() as u64,
            reported_clusters: reported_groups.len() as u64,
            ari: round6(adjusted_rand(n, documents, &truth_groups, &reported_groups)),
        }
    }

    /// Documents related by any truth pair, whatever its Jaccard.
    fn related(&self) -> UnionFind {
        let mut related = UnionFind::new(self.ids.names.len());
        for k in self.truth_j.keys() {
            related.union((k >> 32) as u32, (k & 0xffff_ffff) as u32);
        }
        related
    }
}

/// The groups of two or more that the pairs `keys` join, of `n` documents.
fn components(n: usize, keys: impl Iterator<Item = u64>) -> Vec<Vec<u32>> {
    let mut uf = UnionFind::new(n);
    for k in keys {
        uf.union((k >> 32) as u32, (k & 0xffff_ffff) as u32);
    }
    uf.groups()
}

/// Adjusted Rand index of two groupings of `n` known documents (`total`
/// documents in all; those not in any group are singletons), each given as
/// its groups of two or more.
pub fn adjusted_rand(n: usize, total: u64, truth: &[Vec<u32>], found: &[Vec<u32>]) -> f64 {
    let c2 = |x: u64| (x * x.saturating_sub(1) / 2) as f64;
    let mut of = vec![u32::MAX; n];
    for (g, members) in truth.iter().enumerate() {
        for &m in members {
            of[m as usize] = g as u32;
        }
    }
    let mut cells: AHashMap<(u32, u32), u64> = AHashMap::new();
    for (g, members) in found.iter().enumerate() {
        for &m in members {
            let t = of[m as usize];
            if t != u32::MAX {
                *cells.entry((t, g as u32)).or_default() += 1;
            }
        }
    }
    let index: f64 = cells.values().map(|&c| c2(c)).sum();
    let sum_t: f64 = truth.iter().map(|g| c2(g.len() as u64)).sum();
    let sum_f: f64 = found.iter().map(|g| c2(g.len() as u64)).sum();
    let pairs = c2(total);
    if pairs == 0.0 {
        return 1.0;
    }
    let expected = sum_t * sum_f / pairs;
    let max = (sum_t + sum_f) / 2.0;
    if (max - expected).abs() < f64::EPSILON {
        // Both groupings all singletons (or identical and trivial).
        return 1.0;
    }
    (index - expected) / (max - expected)
}

/// Merges ranges into sorted, disjoint ones.
fn merge(mut v: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    v.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Bytes of `[s, e)` covered by the sorted disjoint `ranges`.
fn covered(ranges: &[(usize, usize)], s: usize, e: usize) -> usize {
    let i = ranges.partition_point(|r| r.1 <= s);
    ranges[i..]
        .iter()
        .take_while(|r| r.0 < e)
        .map(|r| e.min(r.1) - s.max(r.0))
        .sum()
}

fn passage_scores(
    truth: &[Passage],
    found: &[Passage],
    t: &Truth,
    f: &Found,
    ids: &Ids,
    related: &mut UnionFind,
    min_cover: f64,
) -> PassageScores {
    let by_doc = |ps: &[Passage]| {
        let mut m: AHashMap<u32, Vec<(usize, usize)>> = AHashMap::new();
        for p in ps {
            for o in &p.occurrences {
                m.entry(ids.of[o.doc.as_str()])
                    .or_default()
                    .push((o.start, o.end));
            }
        }
        m.into_iter()
            .map(|(d, v)| (d, merge(v)))
            .collect::<AHashMap<u32, Vec<(usize, usize)>>>()
    };
    let planted = by_doc(truth);
    let reported = by_doc(found);
    let empty: Vec<(usize, usize)> = Vec::new();
    let enough = |c: usize, len: usize| len > 0 && c as f64 >= min_cover * len as f64;

    // Recall.
    let (mut occ_found, mut occ_total, mut pass_found) = (0u64, 0u64, 0u64);
    let (mut bytes_cov, mut bytes_total) = (0u64, 0u64);
    let mut kinds: Vec<(String, u64, u64, u64)> = Vec::new();
    for p in truth {
        let mut all = true;
        let mut k_found = 0;
        for o in &p.occurrences {
            let r = reported.get(&ids.of[o.doc.as_str()]).unwrap_or(&empty);
            let c = covered(r, o.start, o.end);
            let len = o.end - o.start;
            bytes_cov += c as u64;
            bytes_total += len as u64;
            occ_total += 1;
            if enough(c, len) {
                occ_found += 1;
                k_found += 1;
            } else {
                all = false;
            }
        }
        pass_found += all as u64;
        match kinds.iter_mut().find(|k| k.0 == p.kind) {
            Some(k) => {
                k.1 += 1;
                k.2 += p.occurrences.len() as u64;
                k.3 += k_found;
            }
            None => kinds.push((p.kind.clone(), 1, p.occurrences.len() as u64, k_found)),
        }
    }
    kinds.sort();

    // Precision.
    let sites: AHashMap<&str, &SiteInfo> = t.sites.iter().map(|s| (s.name.as_str(), s)).collect();
    let boilerplate: AHashMap<u32, Vec<(usize, usize)>> = f
        .documents
        .iter()
        .filter_map(|d| {
            let site = sites.get(d.source.as_deref()?)?;
            let bytes = d.bytes? as usize;
            let h = (site.header_bytes as usize).min(bytes);
            let foot = bytes.saturating_sub(site.footer_bytes as usize);
            Some((ids.of[d.id.as_str()], merge(vec![(0, h), (foot, bytes)])))
        })
        .collect();
    let mut bytes = ExplainedBytes::default();
    let (mut occ_ok, mut occ_rep) = (0u64, 0u64);
    for p in found {
        let docs: Vec<u32> = p
            .occurrences
            .iter()
            .map(|o| ids.of[o.doc.as_str()])
            .collect();
        let roots: Vec<u32> = docs.iter().map(|&d| related.find(d)).collect();
        // Distinct documents of this passage in each group of related
        // documents: an occurrence is related when its group has another.
        let mut members: Vec<(u32, u32)> =
            roots.iter().copied().zip(docs.iter().copied()).collect();
        members.sort_unstable();
        members.dedup();
        let mut per_group: AHashMap<u32, u32> = AHashMap::new();
        for (root, _) in members {
            *per_group.entry(root).or_default() += 1;
        }
        for (i, o) in p.occurrences.iter().enumerate() {
            let len = o.end - o.start;
            occ_rep += 1;
            let d = docs[i];
            let is_related = per_group[&roots[i]] > 1;
            // The most specific explanation first: a planted passage, then
            // site boilerplate; relatedness explains only the rest.
            let pl = planted.get(&d).unwrap_or(&empty);
            let bp = boilerplate.get(&d).unwrap_or(&empty);
            let c_planted = covered(pl, o.start, o.end);
            let both = merge(pl.iter().chain(bp.iter()).copied().collect());
            let c_all = covered(&both, o.start, o.end);
            bytes.planted += c_planted as u64;
            bytes.boilerplate += (c_all - c_planted) as u64;
            let rest = (len - c_all) as u64;
            if is_related {
                bytes.related += rest;
                occ_ok += (len > 0) as u64;
            } else {
                bytes.unexplained += rest;
                occ_ok += enough(c_all, len) as u64;
            }
        }
    }
    let rep_bytes = bytes.planted + bytes.boilerplate + bytes.related + bytes.unexplained;
    PassageScores {
        truth_passages: truth.len() as u64,
        truth_occurrences: occ_total,
        reported_passages: found.len() as u64,
        reported_occurrences: occ_rep,
        passage_recall: ratio(pass_found, truth.len() as u64),
        occurrence_recall: ratio(occ_found, occ_total),
        byte_recall: ratio(bytes_cov, bytes_total),
        occurrence_precision: ratio(occ_ok, occ_rep),
        byte_precision: ratio(rep_bytes - bytes.unexplained, rep_bytes),
        bytes,
        by_kind: kinds
            .into_iter()
            .map(|(kind, passages, occurrences, found)| KindRecall {
                kind,
                passages,
                occurrences,
                occurrence_recall: ratio(found, occurrences),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjusted_rand_known_values() {
        // Identical groupings.
        let g = vec![vec![0, 1], vec![2, 3, 4]];
        assert!((adjusted_rand(6, 6, &g, &g) - 1.0).abs() < 1e-12);
        // sklearn: adjusted_rand_score([0,0,1,1], [0,0,1,2]) = 0.5714285714
        let t = vec![vec![0, 1], vec![2, 3]];
        let f = vec![vec![0, 1]];
        assert!((adjusted_rand(4, 4, &t, &f) - 0.571_428_571_4).abs() < 1e-9);
        // All singletons on both sides.
        assert_eq!(adjusted_rand(3, 3, &[], &[]), 1.0);
    }

    #[test]
    fn coverage_of_ranges() {
        let r = merge(vec![(10, 20), (15, 30), (40, 50)]);
        assert_eq!(r, vec![(10, 30), (40, 50)]);
        assert_eq!(covered(&r, 0, 100), 30);
        assert_eq!(covered(&r, 25, 45), 10);
        assert_eq!(covered(&r, 30, 40), 0);
    }
}
