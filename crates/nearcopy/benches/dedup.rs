//! Criterion benchmarks of `nearcopy dedup` end to end (scan, plan and the
//! write pass) on a generated JSON Lines corpus of about 6 MB, written to
//! a temporary file: without cuts, with `--passages`, and with
//! `--passages --boilerplate 10`. The kept records and the log go to
//! `io::sink()`, so the numbers are the library's work, not the disk's.
//!
//! Each variant asserts its counts first, so a broken optimisation cannot
//! report a speed-up.

use std::io::Write;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use nearcopy::dedup::{dedup, Dedup, DedupConfig, Target, Targets};
use nearcopy::progress::Silent;

/// Deterministic prose: sentences of words drawn from a few thousand.
fn prose(seed: u64, sentences: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = String::new();
    for _ in 0..sentences {
        let n = 8 + (next() % 16) as usize;
        for i in 0..n {
            let w = next() % 5000;
            if i == 0 {
                out.push_str(&format!("Word{w}"));
            } else {
                out.push_str(&format!(" w{w}"));
            }
        }
        out.push_str(". ");
        if next() % 4 == 0 {
            out.push('\n');
        }
    }
    out
}

/// 2,000 documents of about 3 KB: every 50th is an exact copy, every 25th a
/// near copy; every 10th doubles a paragraph; all share a footer line.
fn corpus() -> (tempfile::TempDir, PathBuf, usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("corpus.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    let mut last = String::new();
    let mut bytes = 0;
    for d in 0..2000u64 {
        let text = if d % 50 == 49 {
            last.clone()
        } else if d % 25 == 24 {
            last.replacen(" w", " x", 2)
        } else {
            let body = prose(d + 1, 25);
            let mut text = format!("Headline number {d} of the day\n\n{body}");
            if d % 10 == 3 {
                let para = prose(d + 10_000, 4);
                text = format!("{text}\n{para}\n\n{para}\n");
            }
            text + "\nRead more stories like this on our site every day."
        };
        let line = serde_json::json!({"id": format!("doc-{d}"), "url": "https://example.org", "text": text});
        let line = serde_json::to_string(&line).expect("json");
        bytes += line.len() + 1;
        writeln!(f, "{line}").expect("write");
        last = text;
    }
    f.flush().expect("flush");
    drop(f);
    (dir, path, bytes)
}

fn run(path: &PathBuf, cfg: &DedupConfig) -> Dedup {
    let mut kept = std::io::sink();
    let mut log = std::io::sink();
    dedup(
        std::slice::from_ref(path),
        cfg,
        Targets {
            kept: Target::Writer(&mut kept),
            log: Target::Writer(&mut log),
        },
        &Silent,
    )
    .expect("dedup")
}

fn benches(c: &mut Criterion) {
    let (_dir, path, bytes) = corpus();
    let plain = DedupConfig::default();
    let passages = DedupConfig {
        passages: true,
        ..DedupConfig::default()
    };
    let boilerplate = DedupConfig {
        passages: true,
        boilerplate: Some(10),
        ..DedupConfig::default()
    };

    let r = run(&path, &plain);
    assert_eq!(r.summary.records, 2000);
    assert_eq!(r.summary.removed_exact, 40);
    assert_eq!(r.summary.removed_near, 40);
    let r = run(&path, &passages);
    assert_eq!(r.summary.passages_cut, 200, "{:?}", r.summary);
    let r = run(&path, &boilerplate);
    assert_eq!(r.summary.boilerplate_lines_cut, r.summary.kept);

    let mut g = c.benchmark_group("dedup");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("plain/6mb", |b| b.iter(|| run(&path, &plain)));
    g.bench_function("passages/6mb", |b| b.iter(|| run(&path, &passages)));
    g.bench_function("passages+boilerplate/6mb", |b| {
        b.iter(|| run(&path, &boilerplate))
    });
    g.finish();
}

criterion_group!(dedup_benches, benches);
criterion_main!(dedup_benches);
