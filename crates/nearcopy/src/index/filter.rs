//! A filter per bucket run: which buckets the run holds, in about 9 bits
//! per bucket, so that a lookup visits the B-tree only for buckets that are
//! there (and 1 in 256 that are not).
//!
//! Why: almost every bucket of a new crawl's documents is absent from the
//! index (only near-duplicates share one), yet finding that out in the
//! B-tree reads a leaf page per lookup, and a batch's lookups spread over
//! the whole bucket table: `dedup --index --no-update` of 100,000
//! documents read most of a 19-million-entry run. A binary fuse filter
//! (the `xorf` crate) answers those lookups from memory.
//!
//! A run's filter is cut into chunks of at most [`CHUNK_KEYS`] buckets by
//! the buckets' top bits, each stored as a value of its own (checksummed):
//! building one needs memory for its chunk only, and lookups, which go in
//! bucket order, hold one chunk per run at a time.

use redb::{ReadTransaction, TableDefinition, WriteTransaction};
use xorf::{BinaryFuse8, BinaryFuse8Ref, DmaSerializable, Filter, FilterRef};

/// (run id, chunk) → checksum, descriptor and fingerprints; empty where a
/// chunk's filter could not be built (lookups then visit the B-tree).
pub(crate) const FILTERS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("filters");

/// Buckets per chunk at most.
const CHUNK_KEYS: usize = 1 << 21;

/// How many top bits of a bucket choose its chunk, for `n` buckets.
pub(crate) fn chunk_bits(n: usize) -> u32 {
    n.div_ceil(CHUNK_KEYS)
        .max(1)
        .next_power_of_two()
        .trailing_zeros()
}

fn chunk_of(bucket: u64, bits: u32) -> u64 {
    if bits == 0 {
        0
    } else {
        bucket >> (64 - bits)
    }
}

/// Stores the filter of run `id`, whose distinct buckets are `buckets`
/// (sorted); the number of top bits choosing a chunk.
pub(crate) fn store(
    txn: &WriteTransaction,
    id: u64,
    buckets: &[u64],
) -> std::result::Result<u32, redb::Error> {
    let bits = chunk_bits(buckets.len());
    let mut t = txn.open_table(FILTERS)?;
    let mut rest = buckets;
    for chunk in 0..1u64 << bits {
        let end = rest.partition_point(|&b| chunk_of(b, bits) == chunk);
        let (part, after) = rest.split_at(end);
        rest = after;
        let value = BinaryFuse8::try_from(part).ok().map(|f| {
            let mut v = vec![0u8; 8 + BinaryFuse8::DESCRIPTOR_LEN];
            f.dma_copy_descriptor_to(&mut v[8..]);
            v.extend_from_slice(f.dma_fingerprints());
            let sum = xxhash_rust::xxh3::xxh3_64(&v[8..]);
            v[..8].copy_from_slice(&sum.to_le_bytes());
            v
        });
        t.insert((id, chunk), value.as_deref().unwrap_or(&[]))?;
    }
    Ok(bits)
}

/// Removes the filter of run `id`.
pub(crate) fn remove(txn: &WriteTransaction, id: u64) -> std::result::Result<(), redb::Error> {
    let mut t = txn.open_table(FILTERS)?;
    t.retain_in((id, 0)..=(id, u64::MAX), |_, _| false)?;
    Ok(())
}

/// One chunk of a run's filter, loaded.
struct Loaded {
    chunk: u64,
    /// Descriptor and fingerprints; `None`: no filter, every bucket may
    /// be there.
    bytes: Option<Vec<u8>>,
}

/// Answers "may run R hold bucket B?" for buckets asked in ascending order.
pub(crate) struct Probe<'t> {
    txn: &'t ReadTransaction,
    /// Per run: its id, its chunk bits (`None`: the run has no filter), the
    /// loaded chunk.
    runs: Vec<(u64, Option<u32>, Option<Loaded>)>,
}

impl<'t> Probe<'t> {
    /// A probe of `runs` as `txn` sees them.
    pub(crate) fn new<'r>(
        txn: &'t ReadTransaction,
        runs: impl IntoIterator<Item = &'r super::runs::Run>,
    ) -> Probe<'t> {
        Probe {
            txn,
            runs: runs.into_iter().map(|r| (r.id, r.filter, None)).collect(),
        }
    }

    /// Whether run number `r` (in the order given) may hold `bucket`;
    /// `Err` names damage.
    pub(crate) fn may_hold(&mut self, r: usize, bucket: u64) -> Result<bool, String> {
        let (id, bits, loaded) = &mut self.runs[r];
        let Some(bits) = *bits else {
            return Ok(true);
        };
        let chunk = chunk_of(bucket, bits);
        if loaded.as_ref().is_none_or(|l| l.chunk != chunk) {
            *loaded = Some(Loaded {
                chunk,
                bytes: load(self.txn, *id, chunk)?,
            });
        }
        let Some(Loaded {
            bytes: Some(bytes), ..
        }) = loaded
        else {
            return Ok(true);
        };
        let (desc, fps) = bytes.split_at(BinaryFuse8::DESCRIPTOR_LEN);
        Ok(BinaryFuse8Ref::from_dma(desc, fps).contains(&bucket))
    }
}

fn load(txn: &ReadTransaction, id: u64, chunk: u64) -> Result<Option<Vec<u8>>, String> {
    let t = txn.open_table(FILTERS).map_err(|e| e.to_string())?;
    let v = t
        .get((id, chunk))
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the filter of bucket run {id} is missing a part"))?;
    let v = v.value();
    if v.is_empty() {
        return Ok(None);
    }
    let damaged = || format!("the filter of bucket run {id} is damaged");
    if v.len() < 8 + BinaryFuse8::DESCRIPTOR_LEN {
        return Err(damaged());
    }
    let (sum, rest) = v.split_at(8);
    if xxhash_rust::xxh3::xxh3_64(rest).to_le_bytes() != sum {
        return Err(damaged());
    }
    Ok(Some(rest.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::{Database, ReadableDatabase, ReadableTableMetadata};

    #[test]
    fn a_filter_holds_every_bucket_and_few_others_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("t.redb")).unwrap();
        // Spread over the whole key space, more than one chunk's worth.
        let n = CHUNK_KEYS + 1000;
        let mut buckets: Vec<u64> = (0..n as u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        buckets.sort_unstable();
        let txn = db.begin_write().unwrap();
        let bits = store(&txn, 7, &buckets).unwrap();
        txn.commit().unwrap();
        assert_eq!(bits, 1);
        let txn = db.begin_read().unwrap();
        let run = super::super::runs::Run {
            id: 7,
            entries: buckets.len() as u64,
            filter: Some(bits),
        };
        let mut probe = Probe::new(&txn, [&run]);
        for &b in &buckets {
            assert!(probe.may_hold(0, b).unwrap());
        }
        let mut others: Vec<u64> = (0..100_000u64)
            .map(|i| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()))
            .collect();
        others.sort_unstable();
        let mut probe = Probe::new(&txn, [&run]);
        let mut false_positives = 0;
        for b in others {
            false_positives += probe.may_hold(0, b).unwrap() as u32;
        }
        assert!(false_positives < 1000, "{false_positives}");
        drop(txn);
        let txn = db.begin_write().unwrap();
        remove(&txn, 7).unwrap();
        txn.commit().unwrap();
        let txn = db.begin_read().unwrap();
        assert!(txn.open_table(FILTERS).unwrap().is_empty().unwrap());
    }
}
