//! Adding documents: one write transaction per run, committed once, so a
//! kill at any moment leaves the index as it was or with every document of
//! the run.

use redb::{ReadableTable, WriteTransaction};

use super::entry::Entry;
use super::store::{bucket, meta_u64, Index, Pending, Shape, BUCKETS, DOCS, EXACT, FORMAT, META};
use crate::config::ScanConfig;
use crate::error::Result;
use crate::lsh::Banding;
use crate::output::Stamp;
use crate::sketch::Sketcher;

/// A document ready to store: its entry's bytes and what its LSH and exact
/// lookups are keyed by.
pub(crate) struct Prepared {
    bytes: Vec<u8>,
    content: u64,
    /// Empty for a document too short to sign.
    keys: Vec<u64>,
}

impl Prepared {
    /// Stores `entry`.
    pub(crate) fn new(entry: &Entry) -> Prepared {
        Prepared {
            bytes: entry.encode(),
            content: entry.content,
            keys: entry.keys.clone(),
        }
    }
}

/// Signs `text` as a scan with `cfg` does and makes its entry.
pub(crate) fn sign_entry(
    id: String,
    source: String,
    text: String,
    cfg: &ScanConfig,
    sketcher: &Sketcher,
    banding: &Banding,
) -> Entry {
    let (words, content, sig) = crate::scan::with_fingerprints(&text, cfg, |fps, words, c| {
        let sig = if fps.is_empty() {
            Vec::new()
        } else {
            sketcher.signature(fps)
        };
        (words, c, sig)
    });
    let mut keys = Vec::new();
    if !sig.is_empty() {
        keys = vec![0u64; banding.bands];
        banding.keys(&sig, &mut keys);
    }
    Entry {
        id,
        source,
        words,
        content,
        sig,
        keys,
        text,
    }
}

/// The counts of one adding run.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct AddCounts {
    /// Documents stored.
    pub added: u64,
    /// Of those, exact copies of a document already indexed (stored, but
    /// found through their first copy).
    pub exact_copies: u64,
    /// Of those, too short to sign (stored, never matched).
    pub too_short: u64,
}

/// An open write transaction adding documents.
pub(crate) struct Adder {
    txn: WriteTransaction,
    first: u64,
    next: u64,
    shape: Option<Shape>,
    /// Bucket entries not yet stored, kept to go in sorted, together.
    buckets: Vec<u128>,
    pub(crate) counts: AddCounts,
}

/// Bucket entries held before they are stored (16 bytes each: 256 MiB).
/// Sorted runs of this size go in far faster than one batch at a time,
/// and the cap bounds memory whatever the number of documents added.
const BUCKETS_HELD: usize = 16 << 20;

impl Adder {
    /// Starts adding to `index`, built (or, when empty, to be built) with
    /// `cfg`'s options.
    pub(crate) fn begin(index: &Index, cfg: &ScanConfig) -> Result<Adder> {
        index.check_shape(cfg)?;
        let db = index.database().ok_or_else(|| {
            index.error("opened for reading only; this is a bug in the calling command")
        })?;
        let txn = db.begin_write().map_err(|e| index.error(e))?;
        let stored = {
            let meta = txn.open_table(META).map_err(|e| index.error(e))?;
            meta_u64(&meta, "documents").map_err(|e| index.error(e))?
        };
        Ok(Adder {
            txn,
            first: stored,
            next: stored,
            shape: index.shape.is_none().then(|| Shape::of(cfg)),
            buckets: Vec::new(),
            counts: AddCounts::default(),
        })
    }

    /// Stores a batch, in order.
    pub(crate) fn add(&mut self, index: &Index, batch: Vec<Prepared>) -> Result<()> {
        let err = |e: &dyn std::fmt::Display| index.error(e);
        let mut docs = self.txn.open_table(DOCS).map_err(|e| err(&e))?;
        let mut exact = self.txn.open_table(EXACT).map_err(|e| err(&e))?;
        for p in batch {
            let n = self.next;
            self.next += 1;
            self.counts.added += 1;
            docs.insert(n, p.bytes.as_slice()).map_err(|e| err(&e))?;
            if p.keys.is_empty() {
                self.counts.too_short += 1;
                continue;
            }
            if exact.get(p.content).map_err(|e| err(&e))?.is_some() {
                self.counts.exact_copies += 1;
                continue;
            }
            exact.insert(p.content, n).map_err(|e| err(&e))?;
            let entries = p.keys.iter().enumerate();
            self.buckets
                .extend(entries.map(|(b, &k)| (bucket(b, k) as u128) << 64 | n as u128));
        }
        drop((docs, exact));
        if self.buckets.len() >= BUCKETS_HELD {
            self.store_buckets(index)?;
        }
        Ok(())
    }

    /// Stores the held bucket entries, in key order: each B-tree page is
    /// then written once, not once per entry.
    fn store_buckets(&mut self, index: &Index) -> Result<()> {
        use rayon::slice::ParallelSliceMut;
        self.buckets.par_sort_unstable();
        let mut t = self.txn.open_table(BUCKETS).map_err(|e| index.error(e))?;
        for &k in &self.buckets {
            t.insert(k, ()).map_err(|e| index.error(e))?;
        }
        self.buckets = Vec::new();
        Ok(())
    }

    /// Commits. With `pending`, the batch counts only once that output is
    /// in place ([`Index::complete_pending`] ends it).
    pub(crate) fn commit(
        mut self,
        index: &mut Index,
        pending: Option<(std::path::PathBuf, Stamp)>,
    ) -> Result<AddCounts> {
        self.store_buckets(index)?;
        let err = |e: &dyn std::fmt::Display| index.error(e);
        {
            let mut meta = self.txn.open_table(META).map_err(|e| err(&e))?;
            meta.insert("format", FORMAT.to_le_bytes().as_slice())
                .map_err(|e| err(&e))?;
            if let Some(shape) = &self.shape {
                let s = serde_json::to_vec(shape).map_err(|e| err(&e))?;
                meta.insert("options", s.as_slice()).map_err(|e| err(&e))?;
            }
            meta.insert("documents", self.next.to_le_bytes().as_slice())
                .map_err(|e| err(&e))?;
            if let Some((target, stamp)) = pending {
                let p = Pending {
                    first: self.first,
                    target,
                    stamp,
                };
                let s = serde_json::to_vec(&p).map_err(|e| err(&e))?;
                meta.insert("pending", s.as_slice()).map_err(|e| err(&e))?;
            }
        }
        self.txn.commit().map_err(|e| err(&e))?;
        index.documents = self.next;
        if index.shape.is_none() {
            index.shape = self.shape;
        }
        Ok(self.counts)
    }
}
