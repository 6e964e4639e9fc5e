//! Step 3 of a scan: confirm candidate pairs.
//!
//! With [`Verify::Exact`], a second read recomputes the shingle sets of the
//! documents that appear in a candidate pair, and only those, keeping each
//! set until its last partner has been seen; standard input was spooled to
//! a temporary file so it can be read twice. The documents read again are
//! also signed again when the signing read kept no signature, for the
//! estimate reported beside the exact Jaccard. With [`Verify::Estimate`],
//! the signatures decide.

use ahash::AHashMap;
use rayon::prelude::*;

use super::sign::{with_fingerprints, Signing};
use super::DocInfo;
use crate::config::{ScanConfig, Verify};
use crate::document::Origin;
use crate::error::{Error, Result};
use crate::input::Inputs;
use crate::progress::Progress;
use crate::sketch::{self, Sketcher};

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
    // Without kept signatures (exact verification only), the documents
    // read again are signed again for the estimate.
    let measured = match cfg.verify {
        Verify::Estimate => None,
        Verify::Exact => {
            progress.stage("verifying", Some(total_bytes));
            let resign = sigs
                .is_none()
                .then(|| (Sketcher::new(cfg.sketch, cfg.perms), cfg.threshold));
            Some(measure(
                inputs,
                cfg,
                candidates,
                documents,
                resign.as_ref().map(|(s, t)| (s, *t)),
                progress,
            )?)
        }
    };
    let (jaccards, estimates) = match (measured, sigs) {
        (Some(m), None) => (Some(m.jaccards), m.estimates),
        (m, Some(sigs)) => {
            // `lsh_docs` is ascending: a document's slot is found by binary
            // search.
            let sig_of =
                |d: u32| -> &[u32] { sigs.row(lsh_docs.binary_search(&d).unwrap_or_default()) };
            let estimates = candidates
                .par_iter()
                .map(|&(a, b)| sketch::estimate(sig_of(a), sig_of(b)))
                .collect();
            (m.map(|m| m.jaccards), estimates)
        }
        (None, None) => {
            return Err(Error::Config(
                "verification by the estimate needs the signatures".into(),
            ))
        }
    };
    // With `--verify estimate`, the estimate is the similarity.
    let jaccards = jaccards.as_ref().unwrap_or(&estimates);
    Ok(candidates
        .iter()
        .zip(&estimates)
        .zip(jaccards)
        .filter(|(_, &j)| j >= cfg.threshold)
        .map(|((&(a, b), &estimate), &jaccard)| Verified {
            a,
            b,
            jaccard,
            estimate,
        })
        .collect())
}

/// What [`measure`] finds of each candidate pair, in the pairs' order.
struct Measured {
    jaccards: Vec<f64>,
    /// Empty unless asked for; then 0 for the pairs below the threshold,
    /// which are not reported.
    estimates: Vec<f64>,
}

/// One document read again: its shingle set and, once a pair that holds
/// it is at the threshold, its signature.
struct Rebuilt {
    set: Vec<u64>,
    sig: std::sync::OnceLock<Vec<u32>>,
}

impl Rebuilt {
    /// The document's signature, made on first use.
    fn signature(&self, sketcher: &Sketcher) -> &[u32] {
        self.sig.get_or_init(|| sketcher.signature(&self.set))
    }
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
    measure(inputs, cfg, candidates, documents, None, progress).map(|m| m.jaccards)
}

/// [`pair_jaccards`], also giving the sketch estimate of each pair at or
/// above a threshold when told the sketcher that signed the documents and
/// the threshold. The documents of those pairs are signed again from
/// their sets (a signature does not depend on repeated fingerprints), a
/// third of the documents read on the corpora measured.
fn measure(
    inputs: &Inputs,
    cfg: &ScanConfig,
    candidates: &[(u32, u32)],
    documents: &[DocInfo],
    estimate: Option<(&Sketcher, f64)>,
    progress: &dyn Progress,
) -> Result<Measured> {
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
    let mut jaccards = vec![0.0; candidates.len()];
    let mut estimates = Vec::new();
    if estimate.is_some() {
        estimates.resize(candidates.len(), 0.0);
    }
    let mut built: AHashMap<u32, Rebuilt> = AHashMap::new();
    let mut cursor = 0usize;
    let mut built_total = 0usize;
    inputs.read_raw_subset(&cfg.input, &in_order, |batch, raw_bytes| {
        if progress.cancelled() {
            return Err(Error::Interrupted);
        }
        let rebuilt: Vec<Result<(u32, Rebuilt)>> = batch
            .into_par_iter()
            .filter_map(|raw| wanted.get(&raw.origin).map(|&d| (d, raw)))
            .map(|(d, raw)| {
                let text = inputs.text(raw, &cfg.input)?;
                let set = with_fingerprints(&text, cfg, |fps, _, _| crate::verify::sorted_set(fps));
                let sig = std::sync::OnceLock::new();
                Ok((d, Rebuilt { set, sig }))
            })
            .collect();
        for r in rebuilt {
            let (d, r) = r?;
            built.insert(d, r);
            built_total += 1;
        }
        // Every document up to the highest one read so far is in.
        let Some(&seen) = built.keys().max() else {
            progress.advance(0, raw_bytes);
            return Ok(());
        };
        let end = by_later[cursor..].partition_point(|&p| candidates[p].1 <= seen) + cursor;
        let done: Vec<(usize, f64, f64)> = by_later[cursor..end]
            .par_iter()
            .map(|&p| {
                let (a, b) = (&built[&candidates[p].0], &built[&candidates[p].1]);
                let jaccard = crate::verify::jaccard(&a.set, &b.set);
                let estimate = match estimate {
                    Some((sketcher, threshold)) if jaccard >= threshold => {
                        sketch::estimate(a.signature(sketcher), b.signature(sketcher))
                    }
                    _ => 0.0,
                };
                (p, jaccard, estimate)
            })
            .collect();
        for (p, j, e) in done {
            jaccards[p] = j;
            if let Some(slot) = estimates.get_mut(p) {
                *slot = e;
            }
        }
        cursor = end;
        built.retain(|d, _| last_use[d] > seen);
        progress.advance(0, raw_bytes);
        Ok(())
    })?;
    if built_total != wanted.len() || cursor != candidates.len() {
        return Err(Error::Changed("exact verification".into()));
    }
    Ok(Measured {
        jaccards,
        estimates,
    })
}
