//! Adding documents: one write transaction per run, committed once, so a
//! kill at any moment leaves the index as it was or with every document of
//! the run.

use redb::{ReadableTable, WriteTransaction};

use super::data::Appender;
use super::entry::Entry;
use super::runs::{Collector, Runs};
use super::store::{bucket, meta_u64, Index, Pending, Shape, DOCS, EXACT, FORMAT, META};
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
    pub(crate) fn new(entry: &Entry<'_>) -> Prepared {
        Prepared {
            bytes: entry.encode(),
            content: entry.content,
            keys: entry.keys.to_vec(),
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
) -> Entry<'static> {
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
        sig: sig.into(),
        keys: keys.into(),
        text: text.into(),
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
    /// Entries go to the document log as they come.
    log: Appender,
    /// Bucket entries, stored as one sorted run at the commit.
    buckets: Option<Collector>,
    /// The log's length once synced ([`Adder::prepare`]).
    data_len: Option<u64>,
    runs: Runs,
    pub(crate) counts: AddCounts,
}

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
        let data = index.data_for_append()?;
        let path = index.dir().join(super::data::DATA_FILE);
        let log =
            Appender::new(data, &path, index.data_len).map_err(|e| crate::Error::io(&path, e))?;
        Ok(Adder {
            txn,
            first: stored,
            next: stored,
            shape: index.shape.is_none().then(|| Shape::of(cfg)),
            log,
            buckets: Some(Collector::new(index.dir())),
            data_len: None,
            runs: index.runs.clone(),
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
            let place = self
                .log
                .append(&p.bytes)
                .map_err(|e| crate::Error::io(index.dir().join(super::data::DATA_FILE), e))?;
            docs.insert(n, place).map_err(|e| err(&e))?;
            if p.keys.is_empty() {
                self.counts.too_short += 1;
                continue;
            }
            if exact.get(p.content).map_err(|e| err(&e))?.is_some() {
                self.counts.exact_copies += 1;
                continue;
            }
            exact.insert(p.content, n).map_err(|e| err(&e))?;
            let Some(buckets) = self.buckets.as_mut() else {
                return Err(index.error("documents added after the commit began; this is a bug"));
            };
            for (b, &k) in p.keys.iter().enumerate() {
                buckets.push((bucket(b, k) as u128) << 64 | n as u128)?;
            }
        }
        Ok(())
    }

    /// Does the slow part of the commit: syncs the document log and writes
    /// the bucket run. No document may be added after it.
    pub(crate) fn prepare(&mut self, index: &Index) -> Result<()> {
        if self.data_len.is_some() {
            return Ok(());
        }
        // The log on disk first: a commit only names bytes that are there.
        let data_len = self
            .log
            .sync()
            .map_err(|e| crate::Error::io(index.dir().join(super::data::DATA_FILE), e))?;
        if let Some(buckets) = self.buckets.take() {
            buckets.store(&self.txn, &mut self.runs)?;
        }
        self.data_len = Some(data_len);
        Ok(())
    }

    /// Commits. With `pending`, the batch counts only once that output is
    /// in place ([`Index::complete_pending`] ends it).
    pub(crate) fn commit(
        mut self,
        index: &mut Index,
        pending: Option<(std::path::PathBuf, Stamp)>,
    ) -> Result<AddCounts> {
        self.prepare(index)?;
        let data_len = self.data_len.unwrap_or(index.data_len);
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
            meta.insert("data_len", data_len.to_le_bytes().as_slice())
                .map_err(|e| err(&e))?;
            let runs = serde_json::to_vec(&self.runs).map_err(|e| err(&e))?;
            meta.insert("runs", runs.as_slice()).map_err(|e| err(&e))?;
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
        index.data_len = data_len;
        index.runs = self.runs;
        if index.shape.is_none() {
            index.shape = self.shape;
        }
        Ok(self.counts)
    }
}

/// An [`Adder`] at work on a thread of its own: the store takes one
/// writer, and storing a batch (appending entries, updating the tables)
/// then overlaps with reading and signing the next ones. When the sender
/// is done, the thread also does the slow part of the commit
/// ([`Adder::prepare`]) while the caller finishes its own files.
pub(crate) struct Background<'scope> {
    /// `None` once every batch is sent.
    tx: Option<std::sync::mpsc::SyncSender<Vec<Prepared>>>,
    handle: std::thread::ScopedJoinHandle<'scope, Result<Adder>>,
    /// Set when the caller failed: nothing will be committed, so the
    /// thread skips the commit's preparation.
    abandoned: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl<'scope> Background<'scope> {
    /// Starts `adder` on a thread of `scope`.
    pub(crate) fn spawn<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        mut adder: Adder,
        index: &'scope Index,
    ) -> Background<'scope> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Prepared>>(2);
        let abandoned = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = abandoned.clone();
        let handle = scope.spawn(move || -> Result<Adder> {
            for batch in rx {
                adder.add(index, batch)?;
            }
            if !stop.load(std::sync::atomic::Ordering::Relaxed) {
                adder.prepare(index)?;
            }
            Ok(adder)
        });
        Background {
            tx: Some(tx),
            handle,
            abandoned,
        }
    }

    /// Hands a batch over. An error means the thread stopped; [`finish`]
    /// says why.
    ///
    /// [`finish`]: Background::finish
    pub(crate) fn send(&self, batch: Vec<Prepared>) -> std::result::Result<(), ()> {
        let tx = self.tx.as_ref().ok_or(())?;
        tx.send(batch).map_err(|_| ())
    }

    /// Says that every batch is sent: the thread goes on to prepare the
    /// commit.
    pub(crate) fn close(&mut self) {
        self.tx = None;
    }

    /// Waits for everything sent to be stored and prepared. With `failed`
    /// (the caller stopped on an error), nothing is prepared.
    pub(crate) fn finish(self, index: &Index, failed: bool) -> Result<Adder> {
        self.abandoned
            .store(failed, std::sync::atomic::Ordering::Relaxed);
        drop(self.tx);
        self.handle
            .join()
            .map_err(|_| index.error("the writer thread panicked"))?
    }
}
