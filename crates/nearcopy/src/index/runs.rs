//! The LSH buckets as sorted runs: each commit writes the bucket entries of
//! its documents, sorted, as a table of their own, and runs of similar size
//! are merged into one, as in a log-structured merge tree.
//!
//! Why runs and not one table: a batch's bucket entries land all over a
//! single table, and a copy-on-write B-tree rewrites every page they touch
//! (adding 92,000 documents to an index of 900,000 rewrote most of its 19
//! million bucket entries' pages). Written as a run of its own, a batch's
//! entries fill fresh pages in key order, each once. Lookups visit every
//! run; merging keeps their number logarithmic in the index's size: after
//! a commit, the newest runs are merged while the one before them holds
//! at most [`FANOUT`] times their entries, so each entry is rewritten a
//! few times over the life of the index, never once per batch.
//!
//! A key is `bucket << 64 | document` ([`super::store::bucket`]): a range
//! per bucket lists its documents in order. A run is a table of its own
//! ([`name`]) holding blocks of up to [`BLOCK_KEYS`] sorted keys, each
//! under its first key: writing a run is a few thousand inserts of 8 KB
//! values rather than one B-tree insert per key (1.9 million keys took
//! 1.2 s one by one), and a lookup is one B-tree descent and a binary
//! search in a block.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use redb::{ReadableTable, TableDefinition, WriteTransaction};

/// The table of run `id`: first key of a block → the block's keys,
/// sorted, 16 bytes each (little-endian).
pub(crate) fn name(id: u64) -> String {
    format!("buckets.{id}")
}

/// A run's table, opened for reading.
pub(crate) type RunTable = redb::ReadOnlyTable<u128, &'static [u8]>;

/// The definition of the table called `name`.
pub(crate) fn def(name: &str) -> TableDefinition<'_, u128, &'static [u8]> {
    TableDefinition::new(name)
}

/// Keys per block: 7,936 bytes, so that a block and its B-tree entry fill
/// one 8 KiB page.
const BLOCK_KEYS: usize = 496;
use serde::{Deserialize, Serialize};

use super::store::store_error;
use crate::error::{Error, Result};
use crate::tempfiles::TempFile;

/// One run: a table of sorted bucket keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Run {
    /// Names its table ([`name`]).
    pub id: u64,
    /// Keys in it.
    pub entries: u64,
    /// The top bits of a bucket that choose its chunk of the run's filter
    /// ([`super::filter`]); `None` for a run without one.
    #[serde(default)]
    pub filter: Option<u32>,
}

/// The runs of an index, oldest (largest) first; stored in META.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Runs {
    pub list: Vec<Run>,
    /// The id the next run gets.
    pub next: u64,
}

/// When runs are merged.
#[derive(Debug, Clone, Copy)]
struct Policy {
    /// A run is merged into the one before it while that one holds at
    /// most this many times its entries.
    fanout: u64,
    /// Beyond this many runs the newest are merged whatever their sizes.
    max_runs: usize,
}

const POLICY: Policy = Policy {
    fanout: FANOUT,
    max_runs: 12,
};

/// See [`Policy::fanout`].
const FANOUT: u64 = 4;

/// Bucket keys held in memory before a sorted part goes to a temporary
/// file (16 bytes each: 256 MiB), which bounds the memory of an addition of
/// any size.
const HELD: usize = 16 << 20;

fn key_at(block: &[u8], i: usize) -> u128 {
    let mut a = [0u8; 16];
    a.copy_from_slice(&block[i * 16..i * 16 + 16]);
    u128::from_le_bytes(a)
}

/// The keys of a stored block (a damaged length's tail is ignored; `index
/// verify` counts keys and reports the difference).
fn keys_of(block: &[u8]) -> impl Iterator<Item = u128> + '_ {
    (0..block.len() / 16).map(move |i| key_at(block, i))
}

/// Appends to `out` the documents below `limit` in bucket `bucket` of the
/// run `blocks`.
pub(crate) fn lookup(
    blocks: &impl ReadableTable<u128, &'static [u8]>,
    bucket: u64,
    limit: u64,
    out: &mut Vec<u64>,
) -> std::result::Result<(), redb::StorageError> {
    let lo = (bucket as u128) << 64;
    let hi = lo | u64::MAX as u128;
    // The block that may hold the bucket's first keys is the last one
    // starting at or before it; others may start inside the bucket.
    let before = blocks.range(..=lo)?.next_back().transpose()?;
    let inside = blocks.range(lo.saturating_add(1)..=hi)?;
    for item in before.into_iter().map(Ok).chain(inside) {
        let (_, block) = item?;
        let block = block.value();
        let n = block.len() / 16;
        let mut i = partition(n, |i| key_at(block, i) < lo);
        while i < n {
            let k = key_at(block, i);
            if k > hi {
                break;
            }
            let doc = k as u64;
            if doc >= limit {
                break;
            }
            out.push(doc);
            i += 1;
        }
    }
    Ok(())
}

/// The first index in `0..n` where `below` is false (it holds for a prefix).
fn partition(n: usize, below: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if below(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Every key of the run `blocks`, in order.
pub(crate) fn keys<'a>(
    blocks: &'a impl ReadableTable<u128, &'static [u8]>,
) -> std::result::Result<
    impl Iterator<Item = std::result::Result<u128, redb::StorageError>> + 'a,
    redb::StorageError,
> {
    Ok(blocks.iter()?.flat_map(|item| {
        let keys: Vec<std::result::Result<u128, redb::StorageError>> = match item {
            Ok((_, block)) => keys_of(block.value()).map(Ok).collect(),
            Err(e) => vec![Err(e)],
        };
        keys
    }))
}

/// Removes `key` from the run `blocks`; whether it was there.
pub(crate) fn remove(
    blocks: &mut redb::Table<'_, u128, &'static [u8]>,
    key: u128,
) -> std::result::Result<bool, redb::StorageError> {
    let found = blocks
        .range(..=key)?
        .next_back()
        .transpose()?
        .map(|(k, v)| (k.value(), v.value().to_vec()));
    let Some((first, block)) = found else {
        return Ok(false);
    };
    let mut keys: Vec<u128> = keys_of(&block).collect();
    let Ok(at) = keys.binary_search(&key) else {
        return Ok(false);
    };
    keys.remove(at);
    blocks.remove(first)?;
    if let Some(&new_first) = keys.first() {
        let bytes: Vec<u8> = keys.iter().flat_map(|k| k.to_le_bytes()).collect();
        blocks.insert(new_first, bytes.as_slice())?;
    }
    Ok(true)
}

/// The bucket keys of one commit, gathered in any order.
pub(crate) struct Collector {
    dir: PathBuf,
    held: Vec<u128>,
    /// Keys held before a part is spilled ([`HELD`]).
    limit: usize,
    policy: Policy,
    /// Sorted parts written out when `held` filled up.
    spilled: Vec<TempFile>,
}

type Keys<'a> = Box<dyn Iterator<Item = Result<u128>> + 'a>;

impl Collector {
    /// Gathers keys, spilling sorted parts into `dir` (the index
    /// directory: its disk holds the index anyway).
    pub(crate) fn new(dir: &Path) -> Collector {
        Collector {
            dir: dir.to_path_buf(),
            held: Vec::new(),
            limit: HELD,
            policy: POLICY,
            spilled: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, key: u128) -> Result<()> {
        self.held.push(key);
        if self.held.len() >= self.limit {
            self.spill()?;
        }
        Ok(())
    }

    fn spill(&mut self) -> Result<()> {
        use rayon::slice::ParallelSliceMut;
        self.held.par_sort_unstable();
        let file = TempFile::new_in(&self.dir, None).map_err(|e| Error::io(&self.dir, e))?;
        let io = |e| Error::io(file.path(), e);
        let mut w = BufWriter::new(file.as_file());
        for k in &self.held {
            w.write_all(&k.to_le_bytes()).map_err(io)?;
        }
        w.flush().map_err(io)?;
        drop(w);
        self.held.clear();
        self.spilled.push(file);
        Ok(())
    }

    /// Writes the gathered keys as a new run (none if there are none),
    /// then merges the newest runs as [`FANOUT`] says.
    pub(crate) fn store(mut self, txn: &WriteTransaction, runs: &mut Runs) -> Result<()> {
        let dir = self.dir.clone();
        let dir = dir.as_path();
        use rayon::slice::ParallelSliceMut;
        self.held.par_sort_unstable();
        let held = std::mem::take(&mut self.held);
        let mut parts: Vec<Keys<'_>> = vec![Box::new(held.into_iter().map(Ok))];
        for file in &self.spilled {
            let path = file.path().to_path_buf();
            let mut f = file.as_file();
            std::io::Seek::rewind(&mut f).map_err(|e| Error::io(&path, e))?;
            let mut r = BufReader::with_capacity(1 << 20, f);
            parts.push(Box::new(std::iter::from_fn(move || {
                let mut b = [0u8; 16];
                match r.read_exact(&mut b) {
                    Ok(()) => Some(Ok(u128::from_le_bytes(b))),
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => None,
                    Err(e) => Some(Err(Error::io(&path, e))),
                }
            })));
        }
        let id = runs.next;
        if let Some(run) = write_run(dir, txn, id, merged(parts))? {
            runs.next += 1;
            runs.list.push(run);
        }
        compact(dir, txn, runs, self.policy)
    }
}

/// The keys of `parts` (each sorted) in order, duplicates kept.
fn merged<'a>(mut parts: Vec<Keys<'a>>) -> Keys<'a> {
    let mut heap = BinaryHeap::new();
    let mut failed = None;
    for (i, p) in parts.iter_mut().enumerate() {
        match p.next() {
            Some(Ok(k)) => heap.push(Reverse((k, i))),
            Some(Err(e)) => failed = Some(e),
            None => {}
        }
    }
    Box::new(std::iter::from_fn(move || {
        if let Some(e) = failed.take() {
            return Some(Err(e));
        }
        let Reverse((k, i)) = heap.pop()?;
        match parts[i].next() {
            Some(Ok(next)) => heap.push(Reverse((next, i))),
            Some(Err(e)) => failed = Some(e),
            None => {}
        }
        Some(Ok(k))
    }))
}

/// Writes sorted `keys` as run `id`, with its filter; `None` if there
/// were no keys.
fn write_run(dir: &Path, txn: &WriteTransaction, id: u64, keys: Keys<'_>) -> Result<Option<Run>> {
    let err = |e: &dyn std::fmt::Display| store_error(dir, e);
    let table_name = name(id);
    let mut t = txn.open_table(def(&table_name)).map_err(|e| err(&e))?;
    let mut entries = 0u64;
    let mut buckets: Vec<u64> = Vec::new();
    let mut block: Vec<u8> = Vec::with_capacity(BLOCK_KEYS * 16);
    let mut first = 0u128;
    for k in keys {
        let k = k?;
        if block.is_empty() {
            first = k;
        }
        block.extend_from_slice(&k.to_le_bytes());
        if block.len() == BLOCK_KEYS * 16 {
            t.insert(first, block.as_slice()).map_err(|e| err(&e))?;
            block.clear();
        }
        entries += 1;
        let b = (k >> 64) as u64;
        if buckets.last() != Some(&b) {
            buckets.push(b);
        }
    }
    if !block.is_empty() {
        t.insert(first, block.as_slice()).map_err(|e| err(&e))?;
    }
    drop(t);
    if entries == 0 {
        txn.delete_table(def(&table_name)).map_err(|e| err(&e))?;
        return Ok(None);
    }
    let filter = super::filter::store(txn, id, &buckets).map_err(|e| err(&e))?;
    Ok(Some(Run {
        id,
        entries,
        filter: Some(filter),
    }))
}

/// Merges the newest runs while the one before them is at most
/// [`FANOUT`] times their size (or there are too many).
fn compact(dir: &Path, txn: &WriteTransaction, runs: &mut Runs, policy: Policy) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| store_error(dir, e);
    let len = runs.list.len();
    if len < 2 {
        return Ok(());
    }
    let mut from = len - 1;
    let mut total = runs.list[from].entries;
    // Merging runs `from..` leaves `from + 1` runs.
    while from > 0
        && (runs.list[from - 1].entries <= policy.fanout * total || from + 1 > policy.max_runs)
    {
        from -= 1;
        total += runs.list[from].entries;
    }
    if from == len - 1 {
        return Ok(());
    }
    let merging: Vec<Run> = runs.list.drain(from..).collect();
    let id = runs.next;
    runs.next += 1;
    let merged_run = {
        let names: Vec<String> = merging.iter().map(|r| name(r.id)).collect();
        let tables = names
            .iter()
            .map(|n| txn.open_table(def(n)).map_err(|e| err(&e)))
            .collect::<Result<Vec<_>>>()?;
        let mut parts: Vec<Keys<'_>> = Vec::new();
        for t in &tables {
            let iter = keys(t).map_err(|e| err(&e))?;
            parts.push(Box::new(iter.map(|k| k.map_err(|e| err(&e)))));
        }
        write_run(dir, txn, id, merged(parts))?
    };
    for r in &merging {
        txn.delete_table(def(&name(r.id))).map_err(|e| err(&e))?;
        super::filter::remove(txn, r.id).map_err(|e| err(&e))?;
    }
    runs.list.extend(merged_run);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::{Database, ReadableDatabase, ReadableTableMetadata};

    /// Every key of every run, in run order, each run checked sorted.
    fn contents(db: &Database, runs: &Runs) -> Vec<Vec<u128>> {
        let txn = db.begin_read().unwrap();
        runs.list
            .iter()
            .map(|r| {
                let t = txn.open_table(def(&name(r.id))).unwrap();
                let keys: Vec<u128> = keys(&t).unwrap().map(|k| k.unwrap()).collect();
                assert!(keys.windows(2).all(|w| w[0] < w[1]));
                assert_eq!(keys.len() as u64, r.entries);
                keys
            })
            .collect()
    }

    fn commit(db: &Database, dir: &Path, runs: &mut Runs, keys: &[u128], limit: usize) {
        commit_with(db, dir, runs, keys, limit, POLICY);
    }

    fn commit_with(
        db: &Database,
        dir: &Path,
        runs: &mut Runs,
        keys: &[u128],
        limit: usize,
        policy: Policy,
    ) {
        let txn = db.begin_write().unwrap();
        let mut c = Collector::new(dir);
        c.limit = limit;
        c.policy = policy;
        for &k in keys {
            c.push(k).unwrap();
        }
        assert_eq!(c.spilled.len(), keys.len() / limit);
        c.store(&txn, runs).unwrap();
        txn.commit().unwrap();
    }

    /// Keys in a scrambled order: a stride coprime to the count.
    fn scrambled(from: u128, n: u128) -> Vec<u128> {
        (0..n).map(|i| from + (i * 7919) % n).collect()
    }

    #[test]
    fn spilled_parts_come_back_as_one_sorted_run() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("t.redb")).unwrap();
        let mut runs = Runs::default();
        commit(&db, dir.path(), &mut runs, &scrambled(0, 1000), 64);
        assert_eq!(contents(&db, &runs), vec![(0..1000).collect::<Vec<u128>>()]);
        // The spilled parts are gone with the collector.
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1);
    }

    #[test]
    fn runs_merge_by_size_and_keep_every_key() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("t.redb")).unwrap();
        let mut runs = Runs::default();
        // A large run, then small batches: each small one stays apart from
        // the large one until, together, they reach a quarter of it.
        commit(&db, dir.path(), &mut runs, &scrambled(0, 4000), 1 << 20);
        let sizes = |r: &Runs| r.list.iter().map(|r| r.entries).collect::<Vec<_>>();
        commit(&db, dir.path(), &mut runs, &scrambled(4000, 300), 1 << 20);
        assert_eq!(sizes(&runs), [4000, 300]);
        commit(&db, dir.path(), &mut runs, &scrambled(4300, 300), 1 << 20);
        assert_eq!(sizes(&runs), [4000, 600]);
        commit(&db, dir.path(), &mut runs, &scrambled(4600, 300), 1 << 20);
        assert_eq!(sizes(&runs), [4000, 900]);
        // 900 is more than 4 x 200: nothing merges.
        commit(&db, dir.path(), &mut runs, &scrambled(4900, 200), 1 << 20);
        assert_eq!(sizes(&runs), [4000, 900, 200]);
        // 900 <= 4 x 300, then 4000 <= 4 x 1200: all in one.
        commit(&db, dir.path(), &mut runs, &scrambled(5100, 300), 1 << 20);
        assert_eq!(sizes(&runs), [5400]);
        let all: Vec<u128> = contents(&db, &runs).concat();
        assert_eq!(all, (0..5400).collect::<Vec<u128>>());
        // Merged runs are gone from the store.
        let txn = db.begin_read().unwrap();
        // The merged run (and the filters' table).
        assert_eq!(txn.list_tables().unwrap().count(), 2);
        let run = name(runs.list[0].id);
        let t = txn.open_table(def(&run)).unwrap();
        assert_eq!(t.len().unwrap() as usize, 5400usize.div_ceil(BLOCK_KEYS));
        drop((t, txn));
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(def(&run)).unwrap();
            assert!(remove(&mut t, 4299).unwrap());
            assert!(!remove(&mut t, 4299).unwrap());
        }
        txn.commit().unwrap();
        runs.list[0].entries -= 1;
        let all: Vec<u128> = contents(&db, &runs).concat();
        assert_eq!(all.len(), 5399);
        assert!(!all.contains(&4299));
    }

    #[test]
    fn no_more_than_the_cap_of_runs_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("t.redb")).unwrap();
        let mut runs = Runs::default();
        // Each batch a tenth of the one before: none merges by size.
        let policy = Policy {
            fanout: FANOUT,
            max_runs: 3,
        };
        let mut from = 0;
        for i in 0..5 {
            let n = 10u128.pow(4 - i);
            commit_with(
                &db,
                dir.path(),
                &mut runs,
                &scrambled(from, n),
                1 << 20,
                policy,
            );
            from += n;
            assert_eq!(runs.list.len(), (i as usize + 1).min(3));
        }
        let all: Vec<u128> = {
            let mut v = contents(&db, &runs).concat();
            v.sort_unstable();
            v
        };
        assert_eq!(all, (0..from).collect::<Vec<u128>>());
    }

    #[test]
    fn a_bucket_is_found_whole_wherever_its_blocks_begin_and_end() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("t.redb")).unwrap();
        // Buckets of 1 to 1,200 documents: some inside a block, some across
        // two or three, some starting a block.
        let sizes: Vec<u64> = (0..60)
            .map(|i| [1, 3, 495, 496, 497, 1200][i % 6])
            .collect();
        let mut keys = Vec::new();
        for (b, &n) in sizes.iter().enumerate() {
            let bucket = (b as u64 + 1) * 0x0101_0101_0101_0101;
            keys.extend((0..n).map(|d| (bucket as u128) << 64 | (d * 3) as u128));
        }
        let mut runs = Runs::default();
        commit(&db, dir.path(), &mut runs, &keys, 1 << 20);
        let txn = db.begin_read().unwrap();
        let t = txn.open_table(def(&name(runs.list[0].id))).unwrap();
        for (b, &n) in sizes.iter().enumerate() {
            let bucket = (b as u64 + 1) * 0x0101_0101_0101_0101;
            let mut out = Vec::new();
            lookup(&t, bucket, u64::MAX, &mut out).unwrap();
            assert_eq!(
                out,
                (0..n).map(|d| d * 3).collect::<Vec<u64>>(),
                "bucket {b}"
            );
            // Only documents below the limit.
            out.clear();
            lookup(&t, bucket, 7, &mut out).unwrap();
            assert_eq!(out, (0..n.min(3)).map(|d| d * 3).collect::<Vec<u64>>());
            // Neighbouring buckets that are not there.
            out.clear();
            lookup(&t, bucket + 1, u64::MAX, &mut out).unwrap();
            lookup(&t, bucket - 1, u64::MAX, &mut out).unwrap();
            assert!(out.is_empty());
        }
    }
}
