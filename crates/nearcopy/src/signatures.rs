//! Signatures and LSH band keys of every document, for programs that run
//! the LSH step themselves (on Spark, Ray or Dask, through the Python
//! package): the values [`crate::scan::scan`] computes, in input order.

use std::time::Instant;

use crate::config::ScanConfig;
use crate::error::{Error, Result};
use crate::input::{Corpus, Skipped};
use crate::lsh::Banding;
use crate::progress::Progress;
use crate::sketch::Sketcher;

/// Every document's signature and band keys, row by row.
#[derive(Debug, Clone)]
pub struct Signatures {
    /// Document ids, in input order.
    pub ids: Vec<String>,
    /// Values per signature.
    pub perms: usize,
    /// The banding the keys were made with.
    pub banding: Banding,
    /// `ids.len() × perms` values. A document with fewer tokens than a
    /// shingle is one shingle; one without any token has none, and its row
    /// is all `u32::MAX` (the minimum over nothing), so such documents
    /// share every band key with each other and with nothing else.
    pub values: Vec<u32>,
    /// `ids.len() × banding.bands` keys, as `scan` buckets them.
    pub keys: Vec<u64>,
    /// What the reader passed over.
    pub skipped: Skipped,
    /// Seconds spent.
    pub seconds: f64,
}

/// Signs every document of `corpus` as `scan` would with `cfg`.
pub fn signatures<'a>(
    corpus: impl Into<Corpus<'a>>,
    cfg: &ScanConfig,
    progress: &dyn Progress,
) -> Result<Signatures> {
    let start = Instant::now();
    cfg.run_on(corpus.into(), |inputs| {
        let banding = cfg.banding();
        let hasher = Sketcher::new(cfg.sketch, cfg.perms);
        progress.stage("signing", Some(inputs.total_bytes()));
        let mut out = Signatures {
            ids: Vec::new(),
            perms: cfg.perms,
            banding,
            values: Vec::new(),
            keys: Vec::new(),
            skipped: Skipped::default(),
            seconds: 0.0,
        };
        let sign = |doc: crate::document::Document| {
            let mut sig = vec![u32::MAX; cfg.perms];
            crate::scan::with_fingerprints(&doc.text, cfg, |fps, _, _| {
                if !fps.is_empty() {
                    hasher.sign(fps, &mut sig);
                }
            });
            let mut keys = vec![0u64; banding.bands];
            banding.keys(&sig, &mut keys);
            (doc.id, sig, keys)
        };
        out.skipped = inputs.read_with(&cfg.input, sign, |batch, raw_bytes| {
            if progress.cancelled() {
                return Err(Error::Interrupted);
            }
            let docs = batch.len() as u64;
            for (id, sig, keys) in batch {
                out.ids.push(id);
                out.values.extend_from_slice(&sig);
                out.keys.extend_from_slice(&keys);
            }
            progress.advance(docs, raw_bytes);
            Ok(())
        })?;
        progress.finish();
        if out.ids.is_empty() {
            return Err(out.skipped.empty_input());
        }
        out.seconds = start.elapsed().as_secs_f64();
        Ok(out)
    })
}
