//! Step 3 of a scan: confirm candidate pairs.
//!
//! With [`Verify::Exact`], a second read recomputes the shingle sets of the
//! documents that appear in a candidate pair, and only those, keeping each
//! set until its last partner has been seen; standard input was spooled to
//! a temporary file so it can be read twice. With [`Verify::Estimate`], the
//! signatures decide.

use ahash::AHashMap;
use rayon::prelude::*;

use super::sign::{shingle_set, Signing};
use super::DocInfo;
use crate::config::{ScanConfig, Verify};
use crate::document::Origin;
use crate::error::{Error, Result};
use crate::input::Inputs;
use crate::progress::Progress;
use crate::sketch;

/// A candidate pair at or above the threshold, by document number.
#[derive(Debug, Clone, Copy)]
pub(super) struct Verified {
    pub a: u32,
    pub b: u32,
    pub jaccard: f64,
    pub estimate: f64,
}

/// Step 3 of a scan: the candidate pairs at or above the threshold, by
/// exact Jaccard (a second read of the candidate documents only) or by the
/// sketches' estimate, with `--verify`.
pub(super) fn verify(
    inputs: &Inputs,
    cfg: &ScanConfig,
    signing: &Signing,
    candidates: &[(u32, u32)],
    progress: &dyn Progress,
) -> Result<Vec<Verified>> {
    let Signing {
        documents,
        sigs,
        lsh_docs,
        ..
    } = signing;
    let total_bytes = inputs.total_bytes();
    // `lsh_docs` is ascending: a document's slot is found by binary search.
    let sig_of = |d: u32| -> &[u32] { sigs.row(lsh_docs.binary_search(&d).unwrap_or_default()) };
    let estimates: Vec<f64> = candidates
        .par_iter()
        .map(|&(a, b)| sketch::estimate(sig_of(a), sig_of(b)))
        .collect();
    Ok(match cfg.verify {
        Verify::Estimate => candidates
            .iter()
            .zip(&estimates)
            .filter(|(_, &e)| e >= cfg.threshold)
            .map(|(&(a, b), &e)| Verified {
                a,
                b,
                jaccard: e,
                estimate: e,
            })
            .collect(),
        Verify::Exact => {
            progress.stage("verifying", Some(total_bytes));
            let exact = pair_jaccards(inputs, cfg, candidates, documents, progress)?;
            candidates
                .iter()
                .zip(&estimates)
                .zip(exact)
                .filter(|(_, j)| *j >= cfg.threshold)
                .map(|((&(a, b), &e), j)| Verified {
                    a,
                    b,
                    jaccard: j,
                    estimate: e,
                })
                .collect()
        }
    })
}

/// Exact Jaccard of every pair `(a, b)` of document numbers (`a < b`,
/// indices into `documents` as numbered by [`super::scan_inputs`] on the same
/// inputs), by one read that rebuilds the shingle sets of the documents in
/// some pair, and only those. Records are read raw and only those of such
/// documents are parsed, so the second read costs little more than the
/// bytes. Sets are dropped as soon as the last pair that needs them is
/// verified. Runs on the current rayon pool.
pub fn pair_jaccards(
    inputs: &Inputs,
    cfg: &ScanConfig,
    candidates: &[(u32, u32)],
    documents: &[DocInfo],
    progress: &dyn Progress,
) -> Result<Vec<f64>> {
    // For each document in a pair, the last document whose arrival needs
    // its set (pairs are verified when their later member arrives).
    let mut last_use: AHashMap<u32, u32> = AHashMap::new();
    for &(a, b) in candidates {
        for d in [a, b] {
            let l = last_use.entry(d).or_insert(b);
            *l = (*l).max(b);
        }
    }
    let wanted: AHashMap<Origin, u32> = last_use
        .keys()
        .map(|&d| (documents[d as usize].origin, d))
        .collect();
    let mut in_order: Vec<Origin> = wanted.keys().copied().collect();
    in_order.sort_unstable();
    // Pairs ordered by their later member, so each batch verifies a run.
    let mut by_later: Vec<usize> = (0..candidates.len()).collect();
    by_later.sort_unstable_by_key(|&i| (candidates[i].1, candidates[i].0));
    let mut result = vec![0.0; candidates.len()];
    let mut sets: AHashMap<u32, Vec<u64>> = AHashMap::new();
    let mut cursor = 0usize;
    let mut built_total = 0usize;
    inputs.read_raw_subset(&cfg.input, &in_order, |batch, raw_bytes| {
        if progress.cancelled() {
            return Err(Error::Interrupted);
        }
        let built: Vec<Result<(u32, Vec<u64>)>> = batch
            .into_par_iter()
            .filter_map(|raw| wanted.get(&raw.origin).map(|&d| (d, raw)))
            .map(|(d, raw)| {
                let text = inputs.text(raw, &cfg.input)?;
                let set = shingle_set(&text, cfg);
                Ok((d, set))
            })
            .collect();
        for b in built {
            let (d, set) = b?;
            sets.insert(d, set);
            built_total += 1;
        }
        // Every document up to the highest one read so far is in.
        let Some(&seen) = sets.keys().max() else {
            progress.advance(0, raw_bytes);
            return Ok(());
        };
        let end = by_later[cursor..].partition_point(|&p| candidates[p].1 <= seen) + cursor;
        let done: Vec<(usize, f64)> = by_later[cursor..end]
            .par_iter()
            .map(|&p| {
                let (a, b) = candidates[p];
                (p, crate::verify::jaccard(&sets[&a], &sets[&b]))
            })
            .collect();
        for (p, j) in done {
            result[p] = j;
        }
        cursor = end;
        sets.retain(|d, _| last_use[d] > seen);
        progress.advance(0, raw_bytes);
        Ok(())
    })?;
    if built_total != wanted.len() || cursor != candidates.len() {
        return Err(Error::Changed("exact verification".into()));
    }
    Ok(result)
}
