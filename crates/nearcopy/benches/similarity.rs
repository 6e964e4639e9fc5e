//! Benchmarks of `nearcopy similarity`: the whole run on the news seeds and,
//! when the evaluation data is there, on 11,000 Reuters stories with
//! `--top 10`; and the marking of shared passages for a side-by-side view.
//! Each benchmark checks its result, so a broken change cannot pass for a
//! speed-up.
//!
//! `cargo bench --bench similarity`

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use nearcopy::progress::Silent;
use nearcopy::similarity::{similarity, SimilarityConfig};
use nearcopy::text::TokenKind;

/// The repository root, where `corpus/` is.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn news(c: &mut Criterion) {
    let paths = [root().join("corpus/news")];
    let cfg = SimilarityConfig {
        sizes: vec![1, 5],
        threads: 1,
        ..SimilarityConfig::default()
    };
    c.bench_function("similarity/news exact 1,5 words", |b| {
        b.iter(|| {
            let sim = similarity(black_box(&paths), &cfg, &Silent).expect("runs");
            // All 10 pairs share words; 8 share a 5-word run.
            assert_eq!(sim.pairs.len(), 18);
            sim
        })
    });
    let files: Vec<PathBuf> = {
        let mut f: Vec<PathBuf> = std::fs::read_dir(root().join("corpus/news"))
            .expect("corpus/news")
            .map(|e| e.expect("entry").path())
            .collect();
        f.sort();
        f
    };
    let a = std::fs::read_to_string(&files[2]).expect("read");
    let b = std::fs::read_to_string(&files[4]).expect("read");
    c.bench_function("similarity/shared_spans news 2 vs 4", |bench| {
        bench.iter(|| {
            let m = nearcopy::similarity::shared_spans(
                black_box(&a),
                black_box(&b),
                TokenKind::Words,
                5,
            );
            assert_eq!(m.a.len(), 3);
            m
        })
    });
}

fn reuters(c: &mut Criterion) {
    let path = root().join("../shared/evaldata/reuters21578/docs.jsonl");
    if !path.exists() {
        eprintln!("skipping Reuters benchmarks: {} not found", path.display());
        return;
    }
    let paths = [path];
    let mut group = c.benchmark_group("similarity/reuters 11k docs");
    group.sample_size(10);
    for (name, sizes, estimate, min_pairs) in [
        ("exact top 10, 5 words", vec![5], false, 60_000),
        ("exact top 10, 1 word", vec![1], false, 80_000),
        ("estimate top 10, 5 words", vec![5], true, 30_000),
    ] {
        let cfg = SimilarityConfig {
            sizes,
            estimate,
            top: Some(10),
            ..SimilarityConfig::default()
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                let sim = similarity(black_box(&paths), &cfg, &Silent).expect("runs");
                assert_eq!(sim.sources.len(), 11_000);
                assert!(sim.pairs.len() >= min_pairs, "{}", sim.pairs.len());
                sim
            })
        });
    }
    group.finish();
}

criterion_group!(benches, news, reuters);
criterion_main!(benches);
