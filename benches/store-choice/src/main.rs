//! Loads what a nearcopy index holds for N documents, in one atomic
//! commit, then looks up a tenth of them as `dedup --index` does, in
//! three stores:
//!
//! - `redb-multimap`: redb, buckets as a multimap (band, key) -> document;
//! - `redb-keys`: redb, buckets as one sorted u128 key per entry (what
//!   nearcopy uses);
//! - `fjall`: fjall (an LSM tree), buckets as one key per entry.
//!
//! Values are 2.8 KB (a compressed 4.8 KB text and a 128-value signature,
//! the size of a synth document's entry); 21 bands (the default banding).

use std::path::{Path, PathBuf};
use std::time::Instant;

const N: u64 = 200_000;
const BANDS: u64 = 21;
const VALUE: usize = 2800;

fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Bytes that compress about as well as zstd'd text (not at all).
fn value(i: u64) -> Vec<u8> {
    (0..VALUE as u64).map(|j| (mix(i * 7919 + j / 8) >> (j % 8 * 8)) as u8).collect()
}

/// Bucket of document `i` in band `b`: documents share buckets in pairs.
fn bucket(i: u64, b: u64) -> u64 {
    mix((i / 2) * 31 + b)
}

fn peak_mib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: u64 = s
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    kib / 1024
}

fn size_mb(p: &Path) -> u64 {
    let mut t = 0;
    for e in std::fs::read_dir(p).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        t += if m.is_dir() { size_mb(&e.path()) * 1_000_000 } else { m.len() };
    }
    t / 1_000_000
}

fn report(name: &str, load: f64, probe: f64, hits: u64, dir: &Path) {
    println!(
        "{name:14} load {load:6.2} s  probe {probe:5.2} s  hits {hits}  size {:5} MB  peak {:5} MiB",
        size_mb(dir),
        peak_mib()
    );
}

fn redb_run(dir: &Path, multimap: bool) {
    use redb::{
        Builder, ConcurrencyMode, MultimapTableDefinition, ReadableDatabase, TableDefinition,
    };
    const DOCS: TableDefinition<u64, &[u8]> = TableDefinition::new("docs");
    const MM: MultimapTableDefinition<(u32, u64), u64> = MultimapTableDefinition::new("bands");
    const KEYS: TableDefinition<u128, ()> = TableDefinition::new("buckets");
    std::fs::create_dir_all(dir).unwrap();
    let t = Instant::now();
    let db = Builder::new()
        .set_cache_size(256 << 20)
        .set_concurrency_mode(ConcurrencyMode::SingleWriter)
        .create(dir.join("index.redb"))
        .unwrap();
    let w = db.begin_write().unwrap();
    {
        let mut docs = w.open_table(DOCS).unwrap();
        let mut entries = Vec::new();
        for i in 0..N {
            docs.insert(i, value(i).as_slice()).unwrap();
            for b in 0..BANDS {
                entries.push(((b as u128) << 96) | ((bucket(i, b) as u128) << 32) | i as u128);
            }
        }
        entries.sort_unstable();
        if multimap {
            let mut mm = w.open_multimap_table(MM).unwrap();
            for e in entries {
                mm.insert(((e >> 96) as u32, (e >> 32) as u64), (e as u32) as u64).unwrap();
            }
        } else {
            let mut keys = w.open_table(KEYS).unwrap();
            for e in entries {
                keys.insert(e, ()).unwrap();
            }
        }
    }
    w.commit().unwrap();
    let load = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let r = db.begin_read().unwrap();
    let docs = r.open_table(DOCS).unwrap();
    let mut hits = 0u64;
    let mm = r.open_multimap_table(MM);
    let keys = r.open_table(KEYS);
    for i in (0..N).step_by(10) {
        for b in 0..BANDS {
            let mut found = Vec::new();
            if multimap {
                for v in mm.as_ref().unwrap().get((b as u32, bucket(i, b))).unwrap() {
                    found.push(v.unwrap().value());
                }
            } else {
                let lo = ((b as u128) << 96) | ((bucket(i, b) as u128) << 32);
                for kv in keys.as_ref().unwrap().range(lo..=lo | 0xFFFF_FFFF).unwrap() {
                    found.push((kv.unwrap().0.value() as u32) as u64);
                }
            }
            for d in found {
                hits += (docs.get(d).unwrap().unwrap().value().len() == VALUE) as u64;
            }
        }
    }
    let probe = t.elapsed().as_secs_f64();
    report(if multimap { "redb-multimap" } else { "redb-keys" }, load, probe, hits, dir);
}

fn fjall_run(dir: &Path) {
    use fjall::{Config, PartitionCreateOptions, PersistMode};
    let t = Instant::now();
    let ks = Config::new(dir).open_transactional().unwrap();
    let docs = ks.open_partition("docs", PartitionCreateOptions::default()).unwrap();
    let bands = ks.open_partition("bands", PartitionCreateOptions::default()).unwrap();
    let mut w = ks.write_tx();
    for i in 0..N {
        w.insert(&docs, i.to_be_bytes(), value(i));
        for b in 0..BANDS {
            let mut k = Vec::with_capacity(20);
            k.extend_from_slice(&(b as u32).to_be_bytes());
            k.extend_from_slice(&bucket(i, b).to_be_bytes());
            k.extend_from_slice(&i.to_be_bytes());
            w.insert(&bands, k, []);
        }
    }
    w.commit().unwrap();
    ks.persist(PersistMode::SyncAll).unwrap();
    let load = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let r = ks.read_tx();
    let mut hits = 0u64;
    for i in (0..N).step_by(10) {
        for b in 0..BANDS {
            let mut p = Vec::with_capacity(12);
            p.extend_from_slice(&(b as u32).to_be_bytes());
            p.extend_from_slice(&bucket(i, b).to_be_bytes());
            for kv in r.prefix(&bands, p) {
                let (k, _) = kv.unwrap();
                let d = u64::from_be_bytes(k[12..20].try_into().unwrap());
                hits += (r.get(&docs, d.to_be_bytes()).unwrap().unwrap().len() == VALUE) as u64;
            }
        }
    }
    report("fjall", load, t.elapsed().as_secs_f64(), hits, dir);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().expect("usage: store-choice DIR [STORE]"));
    let only = args.next();
    // Each store in a process of its own, so peaks do not mix.
    match only.as_deref() {
        Some(store) => {
            let dir = root.join(store);
            let _ = std::fs::remove_dir_all(&dir);
            match store {
                "redb-multimap" => redb_run(&dir, true),
                "redb-keys" => redb_run(&dir, false),
                _ => fjall_run(&dir),
            }
            let _ = std::fs::remove_dir_all(&dir);
        }
        None => {
            let me = std::env::current_exe().unwrap();
            for store in ["redb-multimap", "redb-keys", "fjall"] {
                let ok = std::process::Command::new(&me).arg(&root).arg(store).status().unwrap();
                assert!(ok.success());
            }
        }
    }
}
