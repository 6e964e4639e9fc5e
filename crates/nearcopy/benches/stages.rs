//! Criterion benchmarks, one group per pipeline stage, on news-like text
//! (the seed articles repeated to about 5 KB per document).
//!
//! Each bench asserts its result first, so a broken optimisation cannot
//! report a speed-up.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use nearcopy::lsh::{self, Banding, Weights};
use nearcopy::minhash::MinHasher;
use nearcopy::shingle;
use nearcopy::sketch::oph::OnePermutationHasher;
use nearcopy::sketch::{Sketch, Sketcher};
use nearcopy::text::{self, Token};

fn seed_text() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus/news");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus/news")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("seed text"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// 256 different sets of `n` fingerprints, signed in turn so that the
/// branch predictor cannot learn one set's pattern of empty bins.
fn varied_sets(n: usize) -> Vec<Vec<u64>> {
    (0..256u64)
        .map(|s| {
            (0..n as u64)
                .map(|i| nearcopy::hash::SplitMix64::new(s << 32 | i).next())
                .collect()
        })
        .collect()
}

fn stages(c: &mut Criterion) {
    let all = seed_text();
    // A 5 KB document, cut at a character boundary.
    let mut end = 5000.min(all.len());
    while !all.is_char_boundary(end) {
        end -= 1;
    }
    let doc = &all[..end];
    let ascii: String = doc
        .chars()
        .map(|c| if c.is_ascii() { c } else { ' ' })
        .collect();

    let mut tokens: Vec<Token> = Vec::new();
    text::words(doc, &mut tokens);
    assert!(tokens.len() > 700, "{} words", tokens.len());

    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.bench_function("words/news-5k", |b| {
        b.iter(|| text::words(black_box(doc), &mut tokens))
    });
    g.bench_function("words/ascii-5k", |b| {
        b.iter(|| text::words(black_box(&ascii), &mut tokens))
    });
    g.bench_function("chars/news-5k", |b| {
        b.iter(|| text::chars(black_box(doc), &mut tokens))
    });
    g.finish();

    text::words(doc, &mut tokens);
    let mut set = Vec::new();
    let mut g = c.benchmark_group("shingle");
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.bench_function("set/k5", |b| {
        b.iter(|| shingle::set(black_box(&tokens), 5, &mut set))
    });
    let mut windows = Vec::new();
    g.bench_function("fingerprints/k5", |b| {
        b.iter(|| shingle::fingerprints(black_box(&tokens), 5, &mut windows))
    });
    g.finish();
    // Filled whether or not the benchmark above ran (a name filter).
    shingle::set(&tokens, 5, &mut set);
    assert!(set.len() > 600);
    shingle::fingerprints(&tokens, 5, &mut windows);
    assert_eq!(windows.len(), tokens.len() - 4);

    // Exact verification: a document's set made from its fingerprints (by
    // the bucket sort, and by a comparison sort for reference), and the
    // intersection of two sets sharing about four in five values.
    let mut g = c.benchmark_group("verify");
    g.throughput(Throughput::Elements(windows.len() as u64));
    g.bench_function("sorted_set/news-5k", |b| {
        b.iter(|| nearcopy::verify::sorted_set(black_box(&windows)))
    });
    g.bench_function("sort_unstable_dedup/news-5k", |b| {
        b.iter(|| {
            let mut v = black_box(&windows).to_vec();
            v.sort_unstable();
            v.dedup();
            v
        })
    });
    let other: Vec<u64> = set
        .iter()
        .enumerate()
        .map(|(i, &v)| if i % 5 == 0 { v ^ 1 } else { v })
        .collect();
    let other = nearcopy::verify::sorted_set(&other);
    let shared = set.len() - set.len().div_ceil(5);
    g.bench_function("intersection/news-5k", |b| {
        b.iter(|| nearcopy::verify::intersection(black_box(&set), black_box(&other)))
    });
    g.finish();
    assert_eq!(nearcopy::verify::sorted_set(&windows), set);
    assert_eq!(nearcopy::verify::intersection(&set, &other), shared);

    let hasher = MinHasher::new(128);
    let mut sig = vec![0u32; 128];
    let mut g = c.benchmark_group("minhash");
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.bench_function("sign/128", |b| {
        b.iter(|| hasher.sign(black_box(&set), &mut sig))
    });
    g.finish();
    hasher.sign(&set, &mut sig);
    assert!(sig.iter().all(|&v| v < u32::MAX));

    // Every sketch on sets of 5 to 2,000 shingles: one-permutation hashing
    // densifies most of its bins below 128 shingles.
    let mut g = c.benchmark_group("sketch");
    for n in [5usize, 15, 40, 300, 2000] {
        let sets = varied_sets(n);
        let mut turn = 0;
        let o = Sketcher::new(Sketch::Oph, 128);
        g.bench_function(format!("oph-varied/{n}"), |b| {
            b.iter(|| {
                turn = (turn + 1) % sets.len();
                o.sign(black_box(&sets[turn]), &mut sig)
            })
        });
        let fps: Vec<u64> = (0..n as u64)
            .map(|i| nearcopy::hash::SplitMix64::new(i).next())
            .collect();
        g.throughput(Throughput::Elements(n as u64));
        for kind in Sketch::ALL {
            let s = Sketcher::new(kind, 128);
            g.bench_function(format!("{kind}/{n}"), |b| {
                b.iter(|| s.sign(black_box(&fps), &mut sig))
            });
            assert!(sig.iter().all(|&v| v < u32::MAX), "{kind}: every value set");
        }
    }
    g.finish();

    // Paragraphs of the passage search: 105 bins (35 bands of 3 rows) for
    // sets of 10 to 150 shingles, where densification is most of the work.
    let para = OnePermutationHasher::new(105);
    let mut psig = vec![0u32; 105];
    let mut g = c.benchmark_group("paragraph");
    for n in [10usize, 25, 40, 60, 100, 150] {
        let sets = varied_sets(n);
        g.throughput(Throughput::Elements(n as u64));
        let mut turn = 0;
        g.bench_function(format!("oph-105/{n}"), |b| {
            b.iter(|| {
                turn = (turn + 1) % sets.len();
                para.sign(black_box(&sets[turn]), &mut psig)
            })
        });
        assert!(psig.iter().all(|&v| v < u32::MAX), "every value set");
    }
    g.finish();

    // LSH: band keys and candidates over 10k signatures, 1 % near-copies.
    let banding = Banding::optimal(0.8, 128, Weights::default());
    let n = 10_000u32;
    let sigs: Vec<Vec<u32>> = (0..n)
        .map(|i| {
            let base = if i % 100 == 99 { i - 1 } else { i };
            let fps: Vec<u64> = (0..700u64).map(|j| (base as u64) << 32 | j).collect();
            hasher.signature(&fps)
        })
        .collect();
    let mut keys = vec![0u64; n as usize * banding.bands];
    for (i, s) in sigs.iter().enumerate() {
        banding.keys(s, &mut keys[i * banding.bands..(i + 1) * banding.bands]);
    }
    let mut g = c.benchmark_group("lsh");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("keys/10k", |b| {
        b.iter(|| {
            for (i, s) in sigs.iter().enumerate() {
                banding.keys(s, &mut keys[i * banding.bands..(i + 1) * banding.bands]);
            }
        })
    });
    let docs: Vec<u32> = (0..n).collect();
    let bands = banding.bands;
    let key = |slot: usize, band: usize| keys[slot * bands + band];
    let pairs = lsh::candidates(key, &docs, bands);
    assert_eq!(pairs.len(), 100);
    g.bench_function("candidates/10k", |b| {
        b.iter(|| lsh::candidates(black_box(key), &docs, bands))
    });
    g.finish();
}

/// The first stage: records read raw from a JSON Lines file (the reader
/// thread's whole work: buffering, finding line ends, copying each record
/// out at its size), 4,000 records of about 5 KB.
fn reading(c: &mut Criterion) {
    let all = seed_text();
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("news.jsonl");
    let mut jsonl = String::new();
    for i in 0..4000usize {
        let start = (i * 997) % (all.len() / 2);
        let text: String = all.chars().skip(start).take(5000).collect();
        jsonl.push_str(&serde_json::json!({ "id": i, "text": text }).to_string());
        jsonl.push('\n');
    }
    std::fs::write(&path, &jsonl).expect("write the corpus");
    let cfg = nearcopy::input::InputConfig::default();
    let inputs = nearcopy::input::Inputs::open(&[path], &cfg).expect("open");
    let read = || {
        let (mut records, mut bytes) = (0usize, 0usize);
        inputs
            .read_raw(&cfg, |batch, _| {
                records += batch.len();
                bytes += batch.iter().map(|r| r.bytes.len()).sum::<usize>();
                Ok(())
            })
            .expect("read");
        (records, bytes)
    };
    assert_eq!(read(), (4000, jsonl.len()));
    let mut g = c.benchmark_group("input");
    g.throughput(Throughput::Bytes(jsonl.len() as u64));
    g.bench_function("read_raw/jsonl-4000x5k", |b| b.iter(|| black_box(read())));
    g.finish();
}

criterion_group!(benches, stages, reading);
criterion_main!(benches);
