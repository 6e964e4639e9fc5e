//! Benchmarks of the tools that produce known truth: generating synthetic
//! documents and the exact all-pairs join.
//!
//! Each bench checks its result first, so a broken optimisation cannot
//! report a speed-up.
//!
//! ```text
//! cargo bench --bench truth
//! ```

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nearcopy::exact::join_sets;
use nearcopy::synth::{Generator, SynthConfig};
use nearcopy::{shingle, text, verify};

fn generator() -> Generator {
    Generator::new(&SynthConfig {
        docs: 2000,
        seed: 3,
        ..SynthConfig::default()
    })
    .expect("valid config")
}

fn synth(c: &mut Criterion) {
    let g = generator();
    let bytes: usize = (0..200).map(|j| g.document(j).text.len()).sum();
    assert!(bytes > 200 * 3000, "documents of about 4.6 KB");
    let mut group = c.benchmark_group("synth");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("200 documents", |b| {
        b.iter(|| {
            let n: usize = (0..200).map(|j| g.document(black_box(j)).text.len()).sum();
            assert_eq!(n, bytes);
        })
    });
    group.finish();
}

fn exact(c: &mut Criterion) {
    let g = generator();
    let mut tokens = Vec::new();
    let sets: Vec<Vec<u64>> = (0..2000)
        .map(|j| {
            text::words(&g.document(j).text, &mut tokens);
            let mut s = Vec::new();
            shingle::set(&tokens, 5, &mut s);
            s
        })
        .collect();
    let shingles: usize = sets.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("exact");
    group.throughput(Throughput::Elements(sets.len() as u64));
    for t in [0.8, 0.5] {
        // The answer, by comparing all 2 million pairs once.
        let mut expected = 0;
        for a in 0..sets.len() {
            for b in a + 1..sets.len() {
                expected += (verify::jaccard(&sets[a], &sets[b]) >= t) as usize;
            }
        }
        assert!(expected > 100);
        group.bench_with_input(BenchmarkId::new("join 2000 documents", t), &t, |b, &t| {
            b.iter(|| assert_eq!(join_sets(black_box(&sets), t).len(), expected))
        });
    }
    group.finish();
    assert!(shingles > 1_000_000);
}

criterion_group!(benches, synth, exact);
criterion_main!(benches);
