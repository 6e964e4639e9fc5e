//! Finding a scanned batch's documents in the index: the index's LSH
//! buckets and exact-copy table give candidates, which are verified as a
//! scan verifies its own pairs (exact Jaccard of the shingle sets, or the
//! sketches' estimate with `--verify estimate`). A document matches the
//! earliest indexed document (lowest number) that passes the threshold:
//! what a crawler saw first is what it keeps.

use ahash::AHashMap;
use rayon::prelude::*;
use redb::ReadOnlyTable;

use super::data::Place;
use super::entry::{entry_error, Head};
use super::filter::Probe;
use super::runs;
use super::store::{bucket, Index, DOCS, EXACT};
use crate::config::{ScanConfig, Verify};
use crate::document::Origin;
use crate::error::{Error, Result};
use crate::input::Inputs;
use crate::progress::Progress;
use crate::scan::{shingle_set, Scan, Sketches};

/// A batch document found in the index.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// The indexed document's number.
    pub indexed: u64,
    pub id: String,
    pub source: String,
    pub jaccard: f64,
    /// Its normalised text equals the indexed document's.
    pub exact: bool,
}

struct Tables {
    docs: ReadOnlyTable<u64, Place>,
}

impl Tables {
    fn head(&self, index: &Index, n: u64) -> Result<(Head, Vec<u8>)> {
        let place = self
            .docs
            .get(n)
            .map_err(|e| index.error(e))?
            .map(|v| v.value())
            .ok_or_else(|| entry_error(index.dir(), n, "missing".into()))?;
        let bytes = index.entry_bytes(n, place)?;
        let head = Head::decode(&bytes).map_err(|w| entry_error(index.dir(), n, w))?;
        Ok((head, bytes))
    }

    fn text(&self, index: &Index, n: u64) -> Result<(Head, String)> {
        let (head, bytes) = self.head(index, n)?;
        let text = head
            .text(&bytes)
            .map_err(|w| entry_error(index.dir(), n, w))?;
        Ok((head, text))
    }
}

/// For every document of `scan` (by number), the indexed document it
/// duplicates, if any.
pub(crate) fn find(
    index: &Index,
    inputs: &Inputs,
    cfg: &ScanConfig,
    scan: &Scan,
    sketches: &Sketches,
    progress: &dyn Progress,
) -> Result<Vec<Option<Found>>> {
    let mut found: Vec<Option<Found>> = vec![None; scan.documents.len()];
    if index.documents() == 0 || sketches.lsh_docs.is_empty() {
        return Ok(found);
    }
    progress.stage("looking up the index", None);
    let limit = index.documents();
    let txn = index.read()?;
    let buckets = index.bucket_runs(&txn)?;
    let exact = txn.open_table(EXACT).map_err(|e| index.error(e))?;
    let tables = Tables {
        docs: txn.open_table(DOCS).map_err(|e| index.error(e))?,
    };
    // Lookups go in key order, so that consecutive ones read neighbouring
    // pages of the store (in its cache) instead of a random page each: on
    // an index many times the cache, that is most of their cost.
    let slots = sketches.lsh_docs.len();
    let mut exact_queries: Vec<(u64, u32)> = (0..slots)
        .map(|slot| (sketches.contents[slot], slot as u32))
        .collect();
    exact_queries.par_sort_unstable();
    let exact_hits: Vec<Result<Option<(u32, u64)>>> = exact_queries
        .par_chunks(4096)
        .flat_map_iter(|chunk| {
            chunk.iter().map(|&(content, slot)| {
                let hit = exact.get(content).map_err(|e| index.error(e))?;
                Ok(hit
                    .map(|v| v.value())
                    .filter(|&n| n < limit)
                    .map(|n| (slot, n)))
            })
        })
        .collect();
    let mut exact_of: Vec<Option<u64>> = vec![None; slots];
    for h in exact_hits {
        if let Some((slot, n)) = h? {
            exact_of[slot as usize] = Some(n);
        }
    }
    let mut bucket_queries: Vec<(u64, u32)> = (0..slots)
        .filter(|&slot| exact_of[slot].is_none())
        .flat_map(|slot| {
            let keys = sketches.keys.row(slot).iter().enumerate();
            keys.map(move |(b, &k)| (bucket(b, k), slot as u32))
        })
        .collect();
    bucket_queries.par_sort_unstable();
    // The runs' filters first: most buckets of a new batch are in no run,
    // and the filters say so without reading the B-tree.
    if buckets.len() > 64 {
        return Err(index.error("more bucket runs than an index ever holds; it is damaged"));
    }
    let mut probe = Probe::new(&txn, buckets.iter().map(|(r, _)| r));
    let mut asked: Vec<(u64, u32, u64)> = Vec::new();
    for (b, slot) in bucket_queries {
        let mut runs = 0u64;
        for r in 0..buckets.len() {
            if probe.may_hold(r, b).map_err(|w| index.error(w))? {
                runs |= 1 << r;
            }
        }
        if runs != 0 {
            asked.push((b, slot, runs));
        }
    }
    drop(probe);
    let mates: Vec<Result<Vec<(u32, u64)>>> = asked
        .par_chunks(4096)
        .map(|chunk| {
            let mut out = Vec::new();
            let mut docs = Vec::new();
            for &(b, slot, in_runs) in chunk {
                for (r, (_, run)) in buckets.iter().enumerate() {
                    if in_runs & 1 << r == 0 {
                        continue;
                    }
                    docs.clear();
                    runs::lookup(run, b, limit, &mut docs).map_err(|e| index.error(e))?;
                    out.extend(docs.iter().map(|&n| (slot, n)));
                }
            }
            Ok(out)
        })
        .collect();
    let mut pairs: Vec<(u32, u64)> = Vec::new();
    for m in mates {
        pairs.extend(m?);
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    let mut candidates: Vec<(u32, Vec<u64>)> = Vec::new();
    for run in pairs.chunk_by(|a, b| a.0 == b.0) {
        let doc = sketches.lsh_docs[run[0].0 as usize];
        candidates.push((doc, run.iter().map(|&(_, n)| n).collect()));
    }
    for (slot, n) in exact_of.into_iter().enumerate() {
        let Some(n) = n else { continue };
        let doc = sketches.lsh_docs[slot];
        let (head, _) = tables.head(index, n)?;
        found[doc as usize] = Some(Found {
            indexed: n,
            id: head.id,
            source: head.source,
            jaccard: 1.0,
            exact: true,
        });
    }
    let verified = match cfg.verify {
        Verify::Estimate => candidates
            .par_iter()
            .map(|(doc, cands)| {
                let Some(slot) = sketches.slot(*doc) else {
                    return Ok((*doc, None));
                };
                let sig = sketches.sigs.row(slot);
                for &n in cands {
                    let (head, _) = tables.head(index, n)?;
                    let e = crate::sketch::estimate(sig, &head.sig);
                    if e >= cfg.threshold {
                        return Ok((*doc, Some(found_of(n, head, e))));
                    }
                }
                Ok((*doc, None))
            })
            .collect::<Result<Vec<_>>>()?,
        Verify::Exact => verify_exact(
            index,
            &tables,
            inputs,
            cfg,
            scan,
            &candidates,
            true,
            progress,
        )?,
    };
    for (doc, f) in verified {
        found[doc as usize] = f;
    }
    // An exact copy inside the batch shares its first copy's shingles, so
    // its first copy's match.
    for d in 0..found.len() {
        if let Some(root) = scan.documents[d].same_as {
            if found[d].is_none() {
                found[d] = found[root as usize].clone();
            }
        }
    }
    Ok(found)
}

fn found_of(n: u64, head: Head, jaccard: f64) -> Found {
    Found {
        indexed: n,
        id: head.id,
        source: head.source,
        jaccard: crate::figures::round6(jaccard),
        exact: false,
    }
}

/// Exact Jaccard of batch documents against indexed ones: one read of the
/// batch documents concerned (at their offsets where the files allow). With
/// `first_match`, each document stops at its first candidate at or above
/// the threshold and reports only that one; without, it reports its one
/// candidate whatever the value.
#[allow(clippy::too_many_arguments)]
fn verify_exact(
    index: &Index,
    tables: &Tables,
    inputs: &Inputs,
    cfg: &ScanConfig,
    scan: &Scan,
    candidates: &[(u32, Vec<u64>)],
    first_match: bool,
    progress: &dyn Progress,
) -> Result<Vec<(u32, Option<Found>)>> {
    let wanted: AHashMap<Origin, usize> = candidates
        .iter()
        .enumerate()
        .map(|(i, (d, _))| (scan.documents[*d as usize].origin, i))
        .collect();
    let mut in_order: Vec<Origin> = wanted.keys().copied().collect();
    in_order.sort_unstable();
    progress.stage("verifying against the index", None);
    let mut out = Vec::with_capacity(candidates.len());
    inputs.read_raw_subset(&cfg.input, &in_order, |batch, _| {
        if progress.cancelled() {
            return Err(Error::Interrupted);
        }
        let done: Vec<Result<(u32, Option<Found>)>> = batch
            .into_par_iter()
            .filter_map(|raw| wanted.get(&raw.origin).map(|&i| (i, raw)))
            .map(|(i, raw)| {
                let (doc, cands) = &candidates[i];
                let text = inputs.text(raw, &cfg.input)?;
                let set = shingle_set(&text, cfg);
                for &n in cands {
                    let (head, indexed) = tables.text(index, n)?;
                    let j = crate::verify::jaccard(&set, &shingle_set(&indexed, cfg));
                    if !first_match || j >= cfg.threshold {
                        return Ok((*doc, Some(found_of(n, head, j))));
                    }
                }
                Ok((*doc, None))
            })
            .collect();
        for d in done {
            out.push(d?);
        }
        Ok(())
    })?;
    if out.len() != candidates.len() {
        return Err(Error::Changed("verification against the index".into()));
    }
    Ok(out)
}

/// Exact Jaccard of each (batch document, indexed document) pair.
pub(crate) fn measure(
    index: &Index,
    inputs: &Inputs,
    cfg: &ScanConfig,
    scan: &Scan,
    pairs: &[(u32, u64)],
    progress: &dyn Progress,
) -> Result<Vec<f64>> {
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let txn = index.read()?;
    let tables = Tables {
        docs: txn.open_table(DOCS).map_err(|e| index.error(e))?,
    };
    let candidates: Vec<(u32, Vec<u64>)> = pairs.iter().map(|&(d, n)| (d, vec![n])).collect();
    let mut cfg = cfg.clone();
    cfg.verify = Verify::Exact;
    let got = verify_exact(
        index,
        &tables,
        inputs,
        &cfg,
        scan,
        &candidates,
        false,
        progress,
    )?;
    let by_doc: AHashMap<u32, f64> = got
        .into_iter()
        .map(|(d, f)| (d, f.map_or(0.0, |f| f.jaccard)))
        .collect();
    Ok(pairs.iter().map(|(d, _)| by_doc[d]).collect())
}
