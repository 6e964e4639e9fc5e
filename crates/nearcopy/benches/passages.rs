//! Benchmarks of the passage search: the per-document function (what
//! `dedup --passages` calls per kept document), the corpus search on the
//! seed articles, and the counting filter. Each asserts its result, so a
//! broken optimisation cannot report a speed-up.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use nearcopy::config::ScanConfig;
use nearcopy::passages::{self, filter::RepeatFilter, PassageConfig};
use nearcopy::progress::Silent;

/// A long document of made-up words with one paragraph printed twice.
fn long_document() -> String {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut word = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        format!("w{}", x % 3000)
    };
    let paragraph = |word: &mut dyn FnMut() -> String| -> String {
        (0..80).map(|_| word()).collect::<Vec<_>>().join(" ")
    };
    let mut paras: Vec<String> = (0..120).map(|_| paragraph(&mut word)).collect();
    paras[90] = paras[10].clone();
    paras.join("\n")
}

fn within_document(c: &mut Criterion) {
    let seed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../corpus/news/004_3ad3e80d7d9c14f5.txt"
    ))
    .expect("seed");
    let long = long_document();
    let cfg = PassageConfig::default();
    let mut g = c.benchmark_group("passages/within_document");
    g.throughput(Throughput::Bytes(seed.len() as u64));
    g.bench_function("seed 004", |b| {
        b.iter(|| {
            let r = passages::within_document(black_box(&seed), &cfg);
            assert_eq!(r.len(), 2);
            r
        })
    });
    g.throughput(Throughput::Bytes(long.len() as u64));
    g.bench_function("9600 words", |b| {
        b.iter(|| {
            let r = passages::within_document(black_box(&long), &cfg);
            assert!(r.iter().any(|r| r.words >= 80));
            r
        })
    });
    g.finish();
}

fn corpus(c: &mut Criterion) {
    let cfg = ScanConfig {
        threads: 1,
        ..ScanConfig::default()
    };
    let mut g = c.benchmark_group("passages/find");
    g.throughput(Throughput::Bytes(33_031));
    let news = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus/news"));
    g.bench_function("corpus/news", |b| {
        b.iter(|| {
            let p = passages::find(std::slice::from_ref(&news), &cfg, &Silent).expect("find");
            assert_eq!(p.passages[0].occurrences[0].line_start, 7);
            p
        })
    });
    g.finish();
}

fn filter(c: &mut Criterion) {
    let fps: Vec<u64> = (0..1_000_000u64)
        .map(|i| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()))
        .collect();
    let mut g = c.benchmark_group("passages/filter");
    g.throughput(Throughput::Elements(fps.len() as u64));
    g.bench_function("insert 1M (+1000 again) into 2 MiB", |b| {
        b.iter(|| {
            let f = RepeatFilter::with_bytes(2 << 20);
            for &x in fps.iter().chain(&fps[..1000]) {
                f.insert(x);
            }
            assert!(fps[..1000].iter().all(|&x| f.repeated(x)));
            f
        })
    });
    // A table far larger than the caches, as on a real corpus: one insertion
    // at a time against the batch form, which fetches table words a fixed
    // distance ahead of the one it works on.
    let big = 64 << 20;
    g.bench_function("insert 1M one at a time into 64 MiB", |b| {
        b.iter(|| {
            let f = RepeatFilter::with_bytes(big);
            for &x in fps.iter().chain(&fps[..1000]) {
                f.insert(x);
            }
            assert!(fps[..1000].iter().all(|&x| f.repeated(x)));
            f
        })
    });
    g.bench_function("insert_all 1M fetching ahead into 64 MiB", |b| {
        let mut seen = Vec::new();
        b.iter(|| {
            let f = RepeatFilter::with_bytes(big);
            f.insert_all(&fps);
            f.insert_all(&fps[..1000]);
            f.repeated_all(&fps[..1000], &mut seen);
            assert!(seen.iter().all(|&r| r));
            f
        })
    });
    g.finish();
}

criterion_group!(benches, within_document, corpus, filter);
criterion_main!(benches);
