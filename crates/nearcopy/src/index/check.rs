//! `nearcopy index verify`: every entry's checksum, the document count,
//! and that the LSH buckets and the exact-copy table agree with the
//! entries, both ways; plus redb's own check of its pages when no writer
//! is at work.

use ahash::AHashMap;
use redb::ReadableTable;
use serde::Serialize;

use super::entry::Head;
use super::store::{bucket, meta_u64, Index, DOCS, EXACT, META};
use crate::error::Result;

/// What `index verify` found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Checked {
    /// Documents the index says it holds.
    pub documents: u64,
    /// Entries read and checked.
    pub entries: u64,
    /// LSH bucket entries.
    pub bucket_entries: u64,
    /// Exact-copy entries.
    pub exact_entries: u64,
    /// Whether redb's page check ran (not while another process writes),
    /// and its verdict.
    pub store_check: Option<bool>,
    /// Every problem found; empty for a sound index.
    pub problems: Vec<String>,
}

/// Checks the index at `dir`. Opens it for writing when no other process
/// does (settling a pending batch first, as any writer would), else reads
/// the last committed state.
pub fn verify(dir: &std::path::Path) -> Result<Checked> {
    let mut index = match Index::open_write(dir) {
        Ok(i) => i,
        Err(crate::Error::Index { reason, .. }) if reason.starts_with("locked by") => {
            Index::open_read(dir)?
        }
        Err(e) => return Err(e),
    };
    let mut c = Checked {
        documents: index.documents(),
        ..Checked::default()
    };
    if let Some(db) = index.database_mut() {
        match db.check_integrity() {
            Ok(ok) => c.store_check = Some(ok),
            Err(e) => c
                .problems
                .push(format!("the store's page check failed: {e}")),
        }
        if c.store_check == Some(false) {
            c.problems
                .push("the store's page check found damage (and repaired what it could)".into());
        }
    }
    let txn = index.read()?;
    let err = |e: &dyn std::fmt::Display| index.error(e);
    let stored = match txn.open_table(META) {
        Ok(m) => meta_u64(&m, "documents").map_err(|e| err(&e))?,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(c),
        Err(e) => return Err(err(&e)),
    };
    let docs = txn.open_table(DOCS).map_err(|e| err(&e))?;
    let runs = index.bucket_runs(&txn)?;
    let exact = txn.open_table(EXACT).map_err(|e| err(&e))?;
    let mut expected = 0u64;
    let mut contents: AHashMap<u64, u64> = AHashMap::new();
    // Every entry in its own buckets, and nothing else there: the bucket
    // keys the entries call for and those stored must be the same
    // multiset. A sum of their hashes compares them in one pass over each,
    // in constant memory (looking each key up took 3 minutes on a
    // 900,000-document index).
    let mut expected_sum = 0u64;
    let key_hash = |key: u128| xxhash_rust::xxh3::xxh3_64(&key.to_le_bytes());
    let mut next = 0u64;
    for item in docs.iter().map_err(|e| err(&e))? {
        let (k, v) = item.map_err(|e| err(&e))?;
        let n = k.value();
        if n != next {
            c.problems.push(format!(
                "documents {next} to {} are missing",
                n.saturating_sub(1)
            ));
        }
        next = n + 1;
        c.entries += 1;
        let bytes = match index.entry_bytes(n, v.value()) {
            Ok(b) => b,
            Err(e) => {
                c.problems.push(e.to_string());
                continue;
            }
        };
        match Head::decode(&bytes) {
            Ok(head) => {
                if let Err(w) = head.text(&bytes) {
                    c.problems.push(format!("document {n}: {w}"));
                }
                if !head.keys.is_empty() && !contents.contains_key(&head.content) {
                    contents.insert(head.content, n);
                    expected += head.keys.len() as u64;
                    for (b, &k) in head.keys.iter().enumerate() {
                        let key = (bucket(b, k) as u128) << 64 | n as u128;
                        expected_sum = expected_sum.wrapping_add(key_hash(key));
                    }
                }
            }
            Err(w) => c.problems.push(format!("document {n}: {w}")),
        }
    }
    if c.entries != stored {
        c.problems.push(format!(
            "the index says it holds {stored} documents but {} are stored",
            c.entries
        ));
    }
    for item in exact.iter().map_err(|e| err(&e))? {
        let (k, v) = item.map_err(|e| err(&e))?;
        c.exact_entries += 1;
        if contents.get(&k.value()) != Some(&v.value()) {
            c.problems.push(format!(
                "the exact-copy table points to document {} for a text no entry has first",
                v.value()
            ));
        }
    }
    if c.exact_entries != contents.len() as u64 {
        c.problems.push(format!(
            "{} documents should be in the exact-copy table, {} are",
            contents.len(),
            c.exact_entries
        ));
    }
    let mut probe = super::filter::Probe::new(&txn, runs.iter().map(|(r, _)| r));
    let mut stored_sum = 0u64;
    for (i, (r, run)) in runs.iter().enumerate() {
        let mut entries = 0u64;
        let mut last_bucket = None;
        let mut filter_ok = true;
        for key in super::runs::keys(run).map_err(|e| err(&e))? {
            let key = key.map_err(|e| err(&e))?;
            let n = key as u64;
            entries += 1;
            stored_sum = stored_sum.wrapping_add(key_hash(key));
            if n >= stored {
                c.problems.push(format!(
                    "an LSH bucket names document {n}, which is not stored"
                ));
            }
            // The filter must let every bucket of its run through.
            let b = (key >> 64) as u64;
            if filter_ok && last_bucket != Some(b) {
                last_bucket = Some(b);
                // One problem per run: a damaged filter fails every bucket.
                match probe.may_hold(i, b) {
                    Ok(true) => {}
                    Ok(false) => {
                        filter_ok = false;
                        c.problems.push(format!(
                            "the filter of bucket run {} leaves out a bucket it holds",
                            r.id
                        ));
                    }
                    Err(w) => {
                        filter_ok = false;
                        c.problems.push(w);
                    }
                }
            }
        }
        if entries != r.entries {
            c.problems.push(format!(
                "bucket run {} should hold {} entries, it holds {entries}",
                r.id, r.entries
            ));
        }
        c.bucket_entries += entries;
    }
    if c.bucket_entries != expected {
        c.problems.push(format!(
            "{expected} LSH bucket entries expected from the entries, {} stored",
            c.bucket_entries
        ));
    }
    if stored_sum != expected_sum {
        c.problems.push(
            "the LSH buckets do not hold exactly the documents' band keys (an entry is \
             missing from its bucket, or a bucket names the wrong document)"
                .into(),
        );
    }
    c.problems.truncate(1000);
    Ok(c)
}
