//! The index directory: a redb database (`index.redb`), the document log
//! (`documents.dat`, [`super::data`]), the writer's lock file
//! (`writer.lock`), the format and the options the index was built with,
//! and the recovery of a `dedup --index` that stopped between its two
//! commits.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use redb::{
    Builder, ConcurrencyMode, Database, ReadOnlyDatabase, ReadTransaction, ReadableDatabase,
    ReadableTable, TableDefinition,
};
use serde::{Deserialize, Serialize};

use super::data::{Place, DATA_FILE};
use super::entry::{entry_error, Head};
use super::runs::{self, Runs};
use crate::config::ScanConfig;
use crate::error::{Error, Result};
use crate::output::Stamp;

/// Format, options, document count, the document log's length, the bucket
/// runs, a pending output.
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// Document number → where its entry lies in the document log.
pub(crate) const DOCS: TableDefinition<u64, Place> = TableDefinition::new("documents");
// The LSH buckets are tables of their own, one per run ([`super::runs`]):
// keys `bucket << 64 | document`, where `bucket` names a band and its key
// ([`bucket`]). One plain key per entry: in order, these go in and come
// out (a range per bucket) faster than redb's multimap values, and take
// half the space.

/// The bucket of band `band` with key `key` (64 bits: collisions between
/// bands are as rare as between keys).
pub(crate) fn bucket(band: usize, key: u64) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(&key.to_le_bytes(), band as u64)
}

/// Whole-sequence fingerprint → the first document with it.
pub(crate) const EXACT: TableDefinition<u64, u64> = TableDefinition::new("exact");

/// The index format this version writes and reads. Format 1 kept entries
/// inside the store, compressed, and the buckets in one table.
pub const FORMAT: u32 = 2;

/// How text is normalised before shingling. Stored so that an index made
/// by a version that tokenised differently is refused, not silently
/// compared with signatures of another kind.
pub const NORMALISATION: &str = "nfkc-casefold-uax29-v1";

const DB_FILE: &str = "index.redb";
const LOCK_FILE: &str = "writer.lock";

/// Page cache of the store. Dirty pages beyond it go to the file before the
/// commit, so a large `index add` runs in bounded memory. Small, because
/// every page the store reads is a fresh allocation: the lookups of a
/// batch read most blocks of the bucket runs once, in key order, and a
/// cache that kept them all only took memory the system had to zero. With
/// 64 MiB instead of 256 (and early writeback of the document log),
/// `dedup --index` of 100,000 documents against 900,000 ran in 4.4 s
/// instead of 5.9 and peaked at about 400 MiB instead of 670; `index add`
/// of the 900,000 peaked at 665 MiB instead of 810–840 (BENCHMARKS.md,
/// "Persistent index").
const CACHE_BYTES: usize = 64 << 20;

/// The options that shape signatures and band keys: an index only answers
/// runs made with the same ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    /// `words` or `chars`.
    pub tokens: String,
    /// Tokens per shingle.
    pub shingle: usize,
    /// The sketch (`oph`, `minhash`, `cminhash`).
    pub sketch: String,
    /// Values per signature.
    pub perms: usize,
    /// LSH bands.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
    /// Seed of the sketch's hash functions.
    pub seed: u64,
    /// Text normalisation ([`NORMALISATION`]).
    pub normalisation: String,
    /// The threshold the index was made with (runs may verify at another
    /// one as long as the banding is the same).
    pub threshold: f64,
}

impl Shape {
    /// The shape of runs with `cfg`.
    pub fn of(cfg: &ScanConfig) -> Shape {
        let b = cfg.banding();
        Shape {
            tokens: match cfg.shingle.kind {
                crate::text::TokenKind::Words => "words".into(),
                crate::text::TokenKind::Chars => "chars".into(),
            },
            shingle: cfg.shingle.size,
            sketch: cfg.sketch.name().into(),
            perms: cfg.perms,
            bands: b.bands,
            rows: b.rows,
            seed: cfg.sketch.seed(),
            normalisation: NORMALISATION.into(),
            threshold: cfg.threshold,
        }
    }

    /// What differs between an index's shape (`self`) and a run's, as the
    /// options to give; `None` when the run can use the index.
    fn mismatch(&self, run: &Shape) -> Option<String> {
        let mut d = Vec::new();
        if self.tokens != run.tokens {
            d.push(format!(
                "tokens {} (run: {}; --char-ngrams chooses characters)",
                self.tokens, run.tokens
            ));
        }
        if self.shingle != run.shingle {
            d.push(format!("shingle {} (run: {})", self.shingle, run.shingle));
        }
        if self.sketch != run.sketch {
            d.push(format!("--sketch {} (run: {})", self.sketch, run.sketch));
        }
        if self.perms != run.perms {
            d.push(format!("--perms {} (run: {})", self.perms, run.perms));
        }
        if (self.bands, self.rows) != (run.bands, run.rows) {
            d.push(format!(
                "--bands {} --rows {}, chosen for --threshold {} (run: {} x {})",
                self.bands, self.rows, self.threshold, run.bands, run.rows
            ));
        }
        if self.seed != run.seed {
            d.push(format!("hash seed {} (run: {})", self.seed, run.seed));
        }
        if self.normalisation != run.normalisation {
            d.push(format!(
                "text normalisation {} (this nearcopy: {})",
                self.normalisation, run.normalisation
            ));
        }
        (!d.is_empty()).then(|| d.join("; "))
    }
}

/// A `dedup --index` between its two commits: its kept documents are
/// stored (numbers `first..`), and they count only once the output they
/// were written to has replaced its target. Recognised by the stamp of the
/// temporary file, which the rename carries over to the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Pending {
    pub first: u64,
    pub target: PathBuf,
    pub stamp: Stamp,
}

impl Pending {
    /// Whether the output this batch was written to is in place.
    fn visible(&self) -> bool {
        Stamp::of(&self.target) == Some(self.stamp)
    }
}

enum Db {
    Write(Database),
    Read(ReadOnlyDatabase),
}

/// An open index.
pub struct Index {
    dir: PathBuf,
    db: Db,
    /// Held by the one writer; released by the system even on kill -9.
    _lock: Option<File>,
    /// `None` for an index to which nothing has been added yet.
    pub(crate) shape: Option<Shape>,
    /// Documents that count: stored ones, less those of a pending batch
    /// whose output never appeared.
    pub(crate) documents: u64,
    /// The document log (`None` until something is added).
    data: Option<File>,
    /// Its committed length.
    pub(crate) data_len: u64,
    /// The bucket runs, oldest first.
    pub(crate) runs: Runs,
}

pub(crate) fn store_error(dir: &Path, e: impl std::fmt::Display) -> Error {
    Error::Index {
        path: dir.to_path_buf(),
        reason: format!("the index store failed: {e}"),
    }
}

fn u64_of(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}

impl Index {
    /// Opens the index at `dir` for writing, creating it (and `dir`) if
    /// needed; fails at once if another process is writing to it. A batch
    /// that a killed `dedup --index` left pending is settled first.
    pub fn open_write(dir: &Path) -> Result<Index> {
        if dir.exists() && !dir.is_dir() {
            return Err(not_a_directory(dir));
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::Write {
            path: dir.to_path_buf(),
            source: e,
        })?;
        let lock = lock(dir)?;
        // Sorted parts of bucket keys a killed writer left.
        crate::tempfiles::sweep_stale(dir);
        let db = Builder::new()
            .set_cache_size(CACHE_BYTES)
            .set_concurrency_mode(ConcurrencyMode::SingleWriter)
            .create(dir.join(DB_FILE))
            .map_err(|e| open_error(dir, e))?;
        let path = dir.join(DATA_FILE);
        let data = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let mut index = Index {
            dir: dir.to_path_buf(),
            db: Db::Write(db),
            _lock: Some(lock),
            shape: None,
            documents: 0,
            data: Some(data),
            data_len: 0,
            runs: Runs::default(),
        };
        index.load()?;
        index.settle()?;
        index.load()?;
        // What a killed writer appended after the last commit.
        if let Some(f) = &index.data {
            let len = f.metadata().map_err(|e| Error::io(&path, e))?.len();
            if len > index.data_len {
                f.set_len(index.data_len).map_err(|e| Error::io(&path, e))?;
            } else if len < index.data_len {
                return Err(Error::Index {
                    path: dir.to_path_buf(),
                    reason: format!(
                        "its document log {DATA_FILE} holds {len} bytes, the index names                          {}; the index is damaged (rebuild it from the kept outputs with                          `nearcopy index add`)",
                        index.data_len
                    ),
                });
            }
        }
        Ok(index)
    }

    /// Opens the index at `dir` for reading; a writer may be at work in
    /// another process (its commits become visible to later reads).
    pub fn open_read(dir: &Path) -> Result<Index> {
        if dir.exists() && !dir.is_dir() {
            return Err(not_a_directory(dir));
        }
        let file = dir.join(DB_FILE);
        if !file.is_file() {
            return Err(Error::Index {
                path: dir.to_path_buf(),
                reason: "not a nearcopy index (no index.redb in it); make one with \
                         `nearcopy index add`"
                    .into(),
            });
        }
        let open = || {
            Builder::new()
                .set_cache_size(CACHE_BYTES)
                .set_concurrency_mode(ConcurrencyMode::SingleWriter)
                .open_read_only(&file)
        };
        let db = match open() {
            // The last writer was killed (kill -9, a signal, a power cut):
            // its last commit stands, but the store must be repaired before
            // it can be read, which only a writer may do. Done here when no
            // writer is at work; one that is will have repaired it.
            Err(redb::DatabaseError::RepairAborted) => {
                drop(Index::open_write(dir)?);
                open()
            }
            other => other,
        }
        .map_err(|e| open_error(dir, e))?;
        let path = dir.join(DATA_FILE);
        let data = match File::open(&path) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&path, e)),
        };
        let mut index = Index {
            dir: dir.to_path_buf(),
            db: Db::Read(db),
            _lock: None,
            shape: None,
            documents: 0,
            data,
            data_len: 0,
            runs: Runs::default(),
        };
        index.load()?;
        if index.data.is_none() && index.data_len > 0 {
            return Err(Error::Index {
                path: dir.to_path_buf(),
                reason: format!(
                    "its document log {DATA_FILE} is missing; the index cannot be used                      (rebuild it from the kept outputs with `nearcopy index add`)"
                ),
            });
        }
        Ok(index)
    }

    /// The index directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Documents in the index.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// The options it was built with (`None` while empty).
    pub fn shape(&self) -> Option<&Shape> {
        self.shape.as_ref()
    }

    pub(crate) fn database(&self) -> Option<&Database> {
        match &self.db {
            Db::Write(d) => Some(d),
            Db::Read(_) => None,
        }
    }

    pub(crate) fn database_mut(&mut self) -> Option<&mut Database> {
        match &mut self.db {
            Db::Write(d) => Some(d),
            Db::Read(_) => None,
        }
    }

    pub(crate) fn read(&self) -> Result<ReadTransaction> {
        match &self.db {
            Db::Write(d) => d.begin_read(),
            Db::Read(d) => d.begin_read(),
        }
        .map_err(|e| self.error(e))
    }

    pub(crate) fn error(&self, e: impl std::fmt::Display) -> Error {
        store_error(&self.dir, e)
    }

    /// Refuses a run whose options would make other signatures.
    pub fn check_shape(&self, cfg: &ScanConfig) -> Result<()> {
        let Some(shape) = &self.shape else {
            return Ok(());
        };
        match shape.mismatch(&Shape::of(cfg)) {
            None => Ok(()),
            Some(d) => Err(Error::Index {
                path: self.dir.clone(),
                reason: format!(
                    "built with other options: {d}; run with the index's options, or use \
                     another index"
                ),
            }),
        }
    }

    /// Reads format, shape and counts.
    fn load(&mut self) -> Result<()> {
        let txn = self.read()?;
        let meta = match txn.open_table(META) {
            Ok(t) => t,
            // A store to which nothing was ever committed.
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(e) => return Err(self.error(e)),
        };
        let dir = self.dir.clone();
        let get = |k: &str| -> Result<Option<Vec<u8>>> {
            Ok(meta
                .get(k)
                .map_err(|e| store_error(&dir, e))?
                .map(|v| v.value().to_vec()))
        };
        let bad = |what: &str| Error::Index {
            path: dir.clone(),
            reason: format!("its {what} record is damaged; the index cannot be used"),
        };
        if let Some(f) = get("format")? {
            let f = u32::from_le_bytes(f.as_slice().try_into().map_err(|_| bad("format"))?);
            if f > FORMAT {
                return Err(Error::Index {
                    path: dir.clone(),
                    reason: format!(
                        "written by a newer nearcopy (index format {f}; this one reads format \
                         {FORMAT} and older); upgrade nearcopy to use it"
                    ),
                });
            }
            if f < FORMAT {
                return Err(Error::Index {
                    path: dir.clone(),
                    reason: format!(
                        "written by an older nearcopy in index format {f}, which kept its \
                         documents compressed inside the store; this one reads format \
                         {FORMAT}. Rebuild the index from the kept outputs with `nearcopy \
                         index add` (or use the older nearcopy)"
                    ),
                });
            }
        }
        if let Some(r) = get("runs")? {
            self.runs = serde_json::from_slice(&r).map_err(|_| bad("bucket runs"))?;
        }
        self.data_len = match get("data_len")? {
            Some(d) => u64_of(&d).ok_or_else(|| bad("document log length"))?,
            None => 0,
        };
        if let Some(s) = get("options")? {
            self.shape = Some(serde_json::from_slice(&s).map_err(|_| bad("options"))?);
        }
        let stored = match get("documents")? {
            Some(d) => u64_of(&d).ok_or_else(|| bad("document count"))?,
            None => 0,
        };
        self.documents = stored;
        if let Some(p) = get("pending")? {
            let p: Pending = serde_json::from_slice(&p).map_err(|_| bad("pending batch"))?;
            if !p.visible() {
                self.documents = p.first;
            }
        }
        Ok(())
    }

    /// Settles a pending batch: kept if its output replaced its target,
    /// else taken out again (the run that made it never finished).
    fn settle(&mut self) -> Result<()> {
        let dir = self.dir.clone();
        let err = |e: &dyn std::fmt::Display| store_error(&dir, e);
        let Some(db) = self.database() else {
            return Ok(());
        };
        let txn = db.begin_write().map_err(|e| err(&e))?;
        {
            let mut meta = match txn.open_table(META) {
                Ok(t) => t,
                Err(e) => return Err(err(&e)),
            };
            let pending = meta
                .get("pending")
                .map_err(|e| err(&e))?
                .map(|v| v.value().to_vec());
            let Some(p) = pending else {
                return Ok(());
            };
            let p: Pending = serde_json::from_slice(&p).map_err(|e| err(&e))?;
            if !p.visible() {
                let stored = meta
                    .get("documents")
                    .map_err(|e| err(&e))?
                    .and_then(|v| u64_of(v.value()))
                    .unwrap_or(p.first);
                let mut docs = txn.open_table(DOCS).map_err(|e| err(&e))?;
                let mut exact = txn.open_table(EXACT).map_err(|e| err(&e))?;
                let mut kept_runs = self.runs.clone();
                let names: Vec<String> = kept_runs.list.iter().map(|r| runs::name(r.id)).collect();
                let mut tables = names
                    .iter()
                    .map(|n| txn.open_table(runs::def(n)).map_err(|e| err(&e)))
                    .collect::<Result<Vec<_>>>()?;
                for n in p.first..stored {
                    let Some(place) = docs.remove(n).map_err(|e| err(&e))?.map(|v| v.value())
                    else {
                        continue;
                    };
                    let bytes = self.entry_bytes(n, place)?;
                    let head = Head::decode(&bytes).map_err(|w| entry_error(&dir, n, w))?;
                    for (b, &k) in head.keys.iter().enumerate() {
                        let key = (bucket(b, k) as u128) << 64 | n as u128;
                        for (t, run) in tables.iter_mut().zip(kept_runs.list.iter_mut()) {
                            if runs::remove(t, key).map_err(|e| err(&e))? {
                                run.entries -= 1;
                                break;
                            }
                        }
                    }
                    let first = exact
                        .get(head.content)
                        .map_err(|e| err(&e))?
                        .map(|v| v.value());
                    if first == Some(n) {
                        exact.remove(head.content).map_err(|e| err(&e))?;
                    }
                }
                drop(tables);
                // The batch's bytes stay in the log, unreferenced: committed
                // bytes are never rewritten (a reader may be reading them).
                let r = serde_json::to_vec(&kept_runs).map_err(|e| err(&e))?;
                meta.insert("runs", r.as_slice()).map_err(|e| err(&e))?;
                meta.insert("documents", p.first.to_le_bytes().as_slice())
                    .map_err(|e| err(&e))?;
            }
            meta.remove("pending").map_err(|e| err(&e))?;
        }
        txn.commit().map_err(|e| err(&e))
    }

    /// Ends a pending batch whose output is now in place.
    pub(crate) fn complete_pending(&mut self) -> Result<()> {
        let dir = self.dir.clone();
        let Some(db) = self.database() else {
            return Ok(());
        };
        let err = |e: &dyn std::fmt::Display| store_error(&dir, e);
        let txn = db.begin_write().map_err(|e| err(&e))?;
        txn.open_table(META)
            .map_err(|e| err(&e))?
            .remove("pending")
            .map_err(|e| err(&e))?;
        txn.commit().map_err(|e| err(&e))
    }

    /// Size of the store and the document log on disk, in bytes.
    pub fn size_bytes(&self) -> u64 {
        [DB_FILE, DATA_FILE]
            .iter()
            .map(|f| std::fs::metadata(self.dir.join(f)).map_or(0, |m| m.len()))
            .sum()
    }

    /// The entry bytes of document `n`, which lie at `place` in the log.
    pub(crate) fn entry_bytes(&self, n: u64, place: Place) -> Result<Vec<u8>> {
        let Some(f) = &self.data else {
            return Err(entry_error(
                &self.dir,
                n,
                "the document log is missing".into(),
            ));
        };
        // A damaged place must not make us allocate its length.
        if place
            .0
            .checked_add(place.1)
            .is_none_or(|end| end > self.data_len)
        {
            return Err(entry_error(
                &self.dir,
                n,
                "it lies past the end of the document log".into(),
            ));
        }
        super::data::read(f, place).map_err(|e| {
            let why = match e.kind() {
                std::io::ErrorKind::UnexpectedEof => {
                    "it lies past the end of the document log".to_string()
                }
                _ => format!("reading the document log failed: {e}"),
            };
            entry_error(&self.dir, n, why)
        })
    }

    /// The bucket runs as `txn` sees them (a writer may have merged runs
    /// since this index was opened), oldest first.
    pub(crate) fn bucket_runs(
        &self,
        txn: &ReadTransaction,
    ) -> Result<Vec<(runs::Run, runs::RunTable)>> {
        let meta = match txn.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(self.error(e)),
        };
        let list: Runs = match meta.get("runs").map_err(|e| self.error(e))? {
            Some(r) => serde_json::from_slice(r.value()).map_err(|_| Error::Index {
                path: self.dir.clone(),
                reason: "its bucket runs record is damaged; the index cannot be used".into(),
            })?,
            None => Runs::default(),
        };
        list.list
            .into_iter()
            .map(|r| {
                let t = txn
                    .open_table(runs::def(&runs::name(r.id)))
                    .map_err(|e| self.error(e))?;
                Ok((r, t))
            })
            .collect()
    }

    /// A handle on the document log for appending (writers only).
    pub(crate) fn data_for_append(&self) -> Result<File> {
        let path = self.dir.join(DATA_FILE);
        match (&self.db, &self.data) {
            (Db::Write(_), Some(f)) => f.try_clone().map_err(|e| Error::io(&path, e)),
            _ => Err(self.error("opened for reading only; this is a bug in the calling command")),
        }
    }
}

fn not_a_directory(dir: &Path) -> Error {
    Error::Index {
        path: dir.to_path_buf(),
        reason: "not a directory; an index is a directory (give a new path to make one, or \
                 the directory an earlier `nearcopy index add` made)"
            .into(),
    }
}

fn open_error(dir: &Path, e: redb::DatabaseError) -> Error {
    let reason = match e {
        redb::DatabaseError::DatabaseAlreadyOpen => {
            "open in another process that does not share it (an older nearcopy?); wait for it \
             to finish"
                .to_string()
        }
        redb::DatabaseError::Storage(redb::StorageError::Io(io)) => {
            return Error::io(dir.join(DB_FILE), io)
        }
        e => format!("not a readable nearcopy index ({e})"),
    };
    Error::Index {
        path: dir.to_path_buf(),
        reason,
    }
}

/// Takes the writer's lock of `dir`, or says which process holds it. The
/// lock is the system's (flock), so a killed writer never leaves it held.
fn lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let io = |e| Error::io(&path, e);
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    match f.try_lock() {
        Ok(()) => {
            f.set_len(0).map_err(io)?;
            f.rewind().map_err(io)?;
            writeln!(f, "{}", std::process::id()).map_err(io)?;
            Ok(f)
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = f.read_to_string(&mut pid);
            let pid = pid.trim();
            let who = if pid.is_empty() {
                "another process".to_string()
            } else {
                format!("process {pid}")
            };
            Err(Error::Index {
                path: dir.to_path_buf(),
                reason: format!(
                    "locked by {who}, which is writing to it; wait for it to finish (readers \
                     such as `scan --index` and `dedup --no-update` may run meanwhile)"
                ),
            })
        }
        Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
    }
}

/// The number stored under `key` in META, or 0.
pub(crate) fn meta_u64(
    meta: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> std::result::Result<u64, redb::StorageError> {
    Ok(meta.get(key)?.and_then(|v| u64_of(v.value())).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_of_another_format_is_refused_with_what_to_do() {
        let cases: [(u32, &[&str]); 2] = [
            (
                FORMAT + 1,
                &["written by a newer nearcopy", "upgrade nearcopy"],
            ),
            (
                1,
                &["older nearcopy in index format 1", "nearcopy index add"],
            ),
        ];
        for (format, said) in cases {
            let dir = tempfile::tempdir().unwrap();
            let db = Database::create(dir.path().join(DB_FILE)).unwrap();
            let txn = db.begin_write().unwrap();
            txn.open_table(META)
                .unwrap()
                .insert("format", format.to_le_bytes().as_slice())
                .unwrap();
            txn.commit().unwrap();
            drop(db);
            for open in [Index::open_read, Index::open_write] {
                let err = open(dir.path())
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                for s in said {
                    assert!(err.contains(s), "format {format}: {err}");
                }
            }
        }
    }

    #[test]
    fn shapes_differ_by_the_options_that_make_signatures() {
        let base = ScanConfig::default();
        let shape = Shape::of(&base);
        let mut other = base.clone();
        // Another threshold with the same banding: usable.
        other.threshold = 0.7;
        other.bands = Some(shape.bands);
        other.rows = Some(shape.rows);
        assert_eq!(shape.mismatch(&Shape::of(&other)), None);
        other.perms = 64;
        let d = shape.mismatch(&Shape::of(&other)).unwrap();
        assert!(d.contains("--perms 128 (run: 64)"), "{d}");
    }
}
