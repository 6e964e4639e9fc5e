//! Which records are kept: one keeper per near-duplicate group, and the
//! lines common enough to be boilerplate (`--boilerplate N`).

use ahash::AHashMap;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::figures::round6;
use crate::input::Inputs;
use crate::progress::Progress;
use crate::scan::{self, DocInfo, Scan};

use super::*;

/// The document kept from `members` (document numbers in input order).
pub(super) fn keeper(members: &[u32], documents: &[DocInfo], keep: Keep) -> u32 {
    match keep {
        Keep::First => members[0],
        // Longest first, then earliest: a total order, so the choice is the
        // same whatever order the members were found in.
        Keep::Longest => *members
            .iter()
            .max_by_key(|&&m| (documents[m as usize].bytes, std::cmp::Reverse(m)))
            .unwrap_or(&members[0]),
    }
}

/// For every document, why it is removed (`None`: kept).
pub(super) fn plan(
    inputs: &Inputs,
    cfg: &DedupConfig,
    scan: &Scan,
    progress: &dyn Progress,
) -> Result<Vec<Option<Removal>>> {
    let docs = &scan.documents;
    let root = |d: u32| docs[d as usize].same_as.unwrap_or(d);
    let mut removals: Vec<Option<Removal>> = vec![None; docs.len()];
    let mut unmeasured: Vec<(u32, u32)> = Vec::new();
    for cluster in &scan.clusters {
        let k = keeper(&cluster.member_indices, docs, cfg.keep);
        let mut to_keeper: AHashMap<u32, f64> = AHashMap::new();
        for p in &cluster.pairs {
            let (a, b) = p.indices();
            if a == k {
                to_keeper.insert(b, p.jaccard);
            } else if b == k {
                to_keeper.insert(a, p.jaccard);
            }
        }
        for &m in &cluster.member_indices {
            if m == k {
                continue;
            }
            let exact = root(m) == root(k);
            let jaccard = if exact {
                1.0
            } else if let Some(&j) = to_keeper.get(&m) {
                j
            } else {
                unmeasured.push((m.min(k), m.max(k)));
                f64::NAN
            };
            removals[m as usize] = Some(Removal {
                keeper: k,
                indexed: None,
                jaccard,
                exact,
            });
        }
    }
    if !unmeasured.is_empty() {
        unmeasured.sort_unstable();
        progress.stage("measuring", None);
        let measured = scan::pair_jaccards(inputs, &cfg.scan, &unmeasured, docs, progress)?;
        for (&(a, b), j) in unmeasured.iter().zip(measured) {
            for d in [a, b] {
                if let Some(r) = removals[d as usize].as_mut() {
                    if r.jaccard.is_nan() && (r.keeper == a || r.keeper == b) {
                        r.jaccard = round6(j);
                    }
                }
            }
        }
    }
    Ok(removals)
}

/// With `--index`: every group with a member found in the index goes whole
/// (its keeper too: the indexed document came first), and so does every
/// other document found there. A member found only through its group is
/// logged against the indexed document its group matched, with their
/// Jaccard measured by one more read. Returns the ids of the indexed
/// documents named.
pub(super) fn plan_index(
    index: &Index,
    inputs: &Inputs,
    cfg: &crate::config::ScanConfig,
    scan: &Scan,
    found: &[Option<crate::index::Found>],
    removals: &mut [Option<Removal>],
    progress: &dyn Progress,
) -> Result<AHashMap<u64, String>> {
    let cluster_of = scan.cluster_of();
    let group_match: Vec<Option<&crate::index::Found>> = scan
        .clusters
        .iter()
        .map(|c| {
            c.member_indices
                .iter()
                .find_map(|&m| found[m as usize].as_ref())
        })
        .collect();
    let mut names = AHashMap::new();
    let mut unmeasured: Vec<(u32, u64)> = Vec::new();
    for (d, f) in found.iter().enumerate() {
        let (f, direct) = match (f, cluster_of[d]) {
            (Some(f), _) => (f, true),
            (None, Some(c)) => match group_match[c] {
                Some(f) => (f, false),
                None => continue,
            },
            (None, None) => continue,
        };
        names.insert(f.indexed, f.id.clone());
        if !direct {
            unmeasured.push((d as u32, f.indexed));
        }
        removals[d] = Some(Removal {
            keeper: d as u32,
            indexed: Some(f.indexed),
            jaccard: if direct { f.jaccard } else { f64::NAN },
            exact: direct && f.exact,
        });
    }
    if !unmeasured.is_empty() {
        progress.stage("measuring", None);
        let measured = crate::index::measure(index, inputs, cfg, scan, &unmeasured, progress)?;
        for (&(d, _), j) in unmeasured.iter().zip(measured) {
            if let Some(r) = removals[d as usize].as_mut() {
                r.jaccard = round6(j);
            }
        }
    }
    Ok(names)
}

/// The key of a line for boilerplate counting: its bytes without leading
/// and trailing white space. Stable (XXH3) although only used in memory,
/// so that counting and cutting agree by construction.
pub(super) fn line_key(line: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(line.trim().as_bytes())
}

/// The non-blank lines of `text`: (start, end after the line break or at the
/// end of the text, trimmed content).
pub(super) fn lines(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < text.len() {
            let start = at;
            let end = match text[start..].find('\n') {
                Some(i) => start + i + 1,
                None => text.len(),
            };
            at = end;
            let content = text[start..end].trim();
            if !content.is_empty() {
                return Some((start, end, content));
            }
        }
        None
    })
}

/// In how many kept documents each line occurs, for the lines that occur in
/// at least `min_docs` of them.
pub(super) fn count_lines(
    inputs: &Inputs,
    cfg: &DedupConfig,
    scan: &Scan,
    removals: &[Option<Removal>],
    min_docs: usize,
    progress: &dyn Progress,
) -> Result<AHashMap<u64, u32>> {
    progress.stage("counting lines", None);
    let mut counts: AHashMap<u64, u32> = AHashMap::new();
    let mut next = 0usize;
    inputs.read(&cfg.scan.input, |batch, raw_bytes| {
        if progress.cancelled() {
            return Err(Error::Interrupted);
        }
        let first = next;
        next += batch.len();
        if next > removals.len() {
            return Err(changed());
        }
        let keys: Vec<Vec<u64>> = batch
            .into_par_iter()
            .enumerate()
            .filter(|(i, _)| removals[first + i].is_none())
            .map(|(_, doc)| {
                let mut keys: Vec<u64> = lines(&doc.text).map(|(_, _, l)| line_key(l)).collect();
                keys.sort_unstable();
                keys.dedup();
                keys
            })
            .collect();
        for k in keys.into_iter().flatten() {
            let c = counts.entry(k).or_default();
            *c = c.saturating_add(1);
        }
        progress.advance(0, raw_bytes);
        Ok(())
    })?;
    if next != scan.documents.len() {
        return Err(changed());
    }
    counts.retain(|_, c| *c as usize >= min_docs);
    Ok(counts)
}
