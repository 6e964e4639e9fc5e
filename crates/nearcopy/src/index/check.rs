//! `nearcopy index verify`: every entry's checksum, the document count,
//! and that the LSH buckets and the exact-copy table agree with the
//! entries, both ways; plus redb's own check of its pages when no writer
//! is at work.

use ahash::AHashMap;
use redb::ReadableTable;
use serde::Serialize;

use super::entry::Head;
use super::store::{bucket, meta_u64, Index, BUCKETS, DOCS, EXACT, META};
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
    let buckets = txn.open_table(BUCKETS).map_err(|e| err(&e))?;
    let exact = txn.open_table(EXACT).map_err(|e| err(&e))?;
    let mut expected = 0u64;
    let mut contents: AHashMap<u64, u64> = AHashMap::new();
    let mut keyed: Vec<(u64, Vec<u64>)> = Vec::new();
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
        match Head::decode(v.value()) {
            Ok(head) => {
                if let Err(w) = head.text(v.value()) {
                    c.problems.push(format!("document {n}: {w}"));
                }
                if !head.keys.is_empty() && !contents.contains_key(&head.content) {
                    contents.insert(head.content, n);
                    expected += head.keys.len() as u64;
                    keyed.push((n, head.keys));
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
    for item in buckets.iter().map_err(|e| err(&e))? {
        let n = item.map_err(|e| err(&e))?.0.value() as u64;
        c.bucket_entries += 1;
        if n >= stored {
            c.problems.push(format!(
                "an LSH bucket names document {n}, which is not stored"
            ));
        }
    }
    if c.bucket_entries != expected {
        c.problems.push(format!(
            "{expected} LSH bucket entries expected from the entries, {} stored",
            c.bucket_entries
        ));
    }
    // Each entry in its own buckets (sampled entries would miss damage).
    for (n, keys) in keyed {
        for (b, &k) in keys.iter().enumerate() {
            let key = (bucket(b, k) as u128) << 64 | n as u128;
            let there = buckets.get(key).map_err(|e| err(&e))?.is_some();
            if !there {
                c.problems.push(format!(
                    "document {n} is missing from its bucket of band {b}"
                ));
                break;
            }
        }
    }
    c.problems.truncate(1000);
    Ok(c)
}
