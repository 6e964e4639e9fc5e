//! `nearcopy synth`: determinism, and a truth that is exactly right.

use std::collections::HashMap;
use std::path::Path;

use nearcopy::text::{self, LineIndex, Token};
use nearcopy::{shingle, verify};
use serde_json::Value;

use crate::common::*;

/// Writes a corpus of `docs` documents and its truth into `dir`.
fn synth(dir: &Path, docs: usize, seed: u64, extra: &[&str]) -> (Vec<Value>, Value) {
    let corpus = dir.join("corpus.jsonl");
    let truth = dir.join("truth.json");
    let docs = docs.to_string();
    let seed = seed.to_string();
    let mut args = vec![
        "synth",
        "--docs",
        &docs,
        "--seed",
        &seed,
        "--words",
        "150",
        "-o",
        corpus.to_str().unwrap(),
        "--truth",
        truth.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    nearcopy().args(&args).assert().success();
    let records = std::fs::read_to_string(&corpus)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let truth = serde_json::from_slice(&std::fs::read(&truth).unwrap()).unwrap();
    (records, truth)
}

fn texts(records: &[Value]) -> HashMap<String, String> {
    records
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn set_of(text: &str) -> Vec<u64> {
    let mut tokens = Vec::new();
    text::words(text, &mut tokens);
    let mut set = Vec::new();
    shingle::set(&tokens, 5, &mut set);
    set
}

#[test]
fn same_seed_same_bytes_at_any_thread_count() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    // 2,500 documents: three chunks, generated in parallel, written in order.
    synth(one.path(), 2500, 11, &["--threads", "1"]);
    synth(two.path(), 2500, 11, &["--threads", "2"]);
    for f in ["corpus.jsonl", "truth.json"] {
        let a = std::fs::read(one.path().join(f)).unwrap();
        let b = std::fs::read(two.path().join(f)).unwrap();
        assert!(a == b, "{f} differs between --threads 1 and 2");
    }
    // Compressed output holds the same bytes.
    let zst = one.path().join("corpus.jsonl.zst");
    nearcopy()
        .args([
            "synth", "--docs", "2500", "--seed", "11", "--words", "150", "-q", "-o",
        ])
        .arg(&zst)
        .assert()
        .success();
    let plain = std::fs::read(one.path().join("corpus.jsonl")).unwrap();
    let unpacked = zstd::decode_all(std::fs::File::open(&zst).unwrap()).unwrap();
    assert!(
        unpacked == plain,
        "the .zst corpus decompresses to the plain one"
    );
    // Another seed, another corpus.
    let other = tempfile::tempdir().unwrap();
    synth(other.path(), 2500, 12, &[]);
    assert_ne!(
        std::fs::read(other.path().join("corpus.jsonl")).unwrap(),
        plain
    );
}

#[test]
fn records_have_id_source_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let (records, truth) = synth(dir.path(), 300, 1, &[]);
    assert_eq!(records.len(), 300);
    assert_eq!(records[0]["id"], "d000");
    assert_eq!(records[299]["id"], "d299");
    let sites: Vec<&str> = truth["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for r in &records {
        assert!(sites.contains(&r["source"].as_str().unwrap()));
        assert!(r["text"].as_str().unwrap().len() > 500);
    }
    assert_eq!(truth["params"]["generator"], "nearcopy synth");
    assert_eq!(truth["params"]["shingle"], 5);
}

#[test]
fn truth_jaccard_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let (records, truth) = synth(dir.path(), 1500, 3, &[]);
    let texts = texts(&records);
    let pairs = truth["pairs"].as_array().unwrap();
    assert!(pairs.len() > 200, "{} pairs", pairs.len());
    for p in pairs {
        let a = set_of(&texts[p["a"].as_str().unwrap()]);
        let b = set_of(&texts[p["b"].as_str().unwrap()]);
        let shared = verify::intersection(&a, &b) as u64;
        assert_eq!(p["shared"].as_u64(), Some(shared), "{p}");
        assert_eq!(
            p["union"].as_u64(),
            Some(a.len() as u64 + b.len() as u64 - shared)
        );
        let o = verify::overlap(&a, &b);
        let round6 = |x: f64| (x * 1e6).round() / 1e6;
        assert_eq!(p["jaccard"].as_f64(), Some(round6(o.jaccard)), "{p}");
        assert_eq!(p["a_in_b"].as_f64(), Some(round6(o.a_in_b)));
        assert_eq!(p["b_in_a"].as_f64(), Some(round6(o.b_in_a)));
    }
    // Exact copies are byte-identical; reformatted ones are Jaccard 1.
    for p in pairs {
        match p["kind"].as_str().unwrap() {
            "exact" => assert_eq!(
                texts[p["a"].as_str().unwrap()],
                texts[p["b"].as_str().unwrap()]
            ),
            "reformat" => {
                assert_eq!(p["jaccard"], 1.0);
                assert_ne!(
                    texts[p["a"].as_str().unwrap()],
                    texts[p["b"].as_str().unwrap()]
                );
            }
            _ => {}
        }
    }
}

#[test]
fn near_duplicates_span_the_jaccard_range() {
    let dir = tempfile::tempdir().unwrap();
    let (_, truth) = synth(dir.path(), 3000, 5, &[]);
    let mut bins = [0usize; 11];
    let mut kinds = HashMap::new();
    for p in truth["pairs"].as_array().unwrap() {
        let j = p["jaccard"].as_f64().unwrap();
        bins[((j * 10.0).floor() as usize).min(10)] += 1;
        *kinds
            .entry(p["kind"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    for (bin, &n) in bins.iter().enumerate().skip(3) {
        assert!(n >= 20, "bin {bin} has {n} pairs: {bins:?}");
    }
    for k in [
        "exact", "reformat", "edit", "reorder", "truncate", "extend", "passage",
    ] {
        assert!(
            kinds.get(k).copied().unwrap_or(0) > 5,
            "few {k} pairs: {kinds:?}"
        );
    }
}

fn words_of(text: &str, tokens: &[Token], start: usize, end: usize) -> Vec<String> {
    tokens
        .iter()
        .filter(|t| t.span().start >= start && t.span().end <= end)
        .map(|t| text::normalise(&text[t.span()]))
        .collect()
}

#[test]
fn planted_passages_slice_to_identical_text() {
    let dir = tempfile::tempdir().unwrap();
    let (records, truth) = synth(dir.path(), 2000, 8, &[]);
    let texts = texts(&records);
    let passages = truth["passages"].as_array().unwrap();
    let mut kinds = HashMap::new();
    let mut inherited = 0;
    for p in passages {
        *kinds
            .entry(p["kind"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
        let occ = p["occurrences"].as_array().unwrap();
        assert!(occ.len() >= 2, "{p}");
        inherited += (occ.len() > 2) as usize;
        let mut words: Option<Vec<String>> = None;
        for o in occ {
            let text = &texts[o["doc"].as_str().unwrap()];
            let (s, e) = (
                o["start"].as_u64().unwrap() as usize,
                o["end"].as_u64().unwrap() as usize,
            );
            let mut tokens = Vec::new();
            text::words(text, &mut tokens);
            // The range starts at a word and ends after a word.
            assert!(tokens.iter().any(|t| t.span().start == s), "{o}");
            assert!(tokens.iter().any(|t| t.span().end == e), "{o}");
            let lines = LineIndex::new(text);
            assert_eq!(o["line_start"].as_u64(), Some(lines.line(s) as u64));
            assert_eq!(o["line_end"].as_u64(), Some(lines.line(e - 1) as u64));
            let w = words_of(text, &tokens, s, e);
            assert!(w.len() as u64 >= p["words"].as_u64().unwrap());
            match &words {
                None => words = Some(w),
                Some(first) => assert_eq!(first, &w, "occurrences differ: {p}"),
            }
        }
        // Punctuation included, the text is the same up to line wrapping
        // (sites wrap differently) and case (a reformatted copy may print its
        // headline in capitals).
        let first = &occ[0];
        for o in &occ[1..] {
            let slice = |o: &Value| {
                let t = &texts[o["doc"].as_str().unwrap()];
                t[o["start"].as_u64().unwrap() as usize..o["end"].as_u64().unwrap() as usize]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            };
            assert_eq!(slice(first), slice(o));
        }
    }
    assert!(kinds["double"] > 30 && kinds["copy"] > 30, "{kinds:?}");
    assert!(inherited > 0, "copies of documents carry their passages");
}

#[test]
fn every_site_has_fixed_boilerplate() {
    let dir = tempfile::tempdir().unwrap();
    let (records, truth) = synth(dir.path(), 500, 2, &[]);
    for site in truth["sites"].as_array().unwrap() {
        let name = site["name"].as_str().unwrap();
        let (h, f) = (
            site["header_bytes"].as_u64().unwrap() as usize,
            site["footer_bytes"].as_u64().unwrap() as usize,
        );
        let docs: Vec<&str> = records
            .iter()
            .filter(|r| r["source"] == name)
            .map(|r| r["text"].as_str().unwrap())
            .collect();
        assert_eq!(docs.len() as u64, site["documents"].as_u64().unwrap());
        for d in &docs {
            assert_eq!(&d[..h], &docs[0][..h]);
            assert_eq!(&d[d.len() - f..], &docs[0][docs[0].len() - f..]);
        }
    }
}

#[test]
fn truth_is_complete_by_the_exact_join() {
    // Every pair of the corpus at Jaccard ≥ 0.2, found by the exact join
    // with no knowledge of what was planted, is in the truth with the same
    // figure, and the reverse.
    let dir = tempfile::tempdir().unwrap();
    let (_, truth) = synth(dir.path(), 2000, 4, &[]);
    let out = nearcopy()
        .args(["exact", "--threshold", "0.2", "-f", "json", "-q"])
        .arg(dir.path().join("corpus.jsonl"))
        .assert()
        .success();
    let exact = json_of(&out.get_output().stdout);
    let key = |p: &Value| {
        (
            p["a"].as_str().unwrap().to_string(),
            p["b"].as_str().unwrap().to_string(),
        )
    };
    let from_exact: HashMap<_, _> = exact["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (key(p), p["jaccard"].as_f64().unwrap()))
        .collect();
    let from_truth: HashMap<_, _> = truth["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["jaccard"].as_f64().unwrap() >= 0.2)
        .map(|p| (key(p), p["jaccard"].as_f64().unwrap()))
        .collect();
    assert!(from_truth.len() > 300);
    assert_eq!(from_exact, from_truth);
}

#[test]
fn bad_options_and_unwritable_outputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.jsonl");
    nearcopy()
        .args(["synth", "--docs", "0", "-o"])
        .arg(&out)
        .assert()
        .failure()
        .stderr(predicates::str::contains("--docs must be"));
    nearcopy()
        .args(["synth", "--docs", "10", "--words", "20", "-o"])
        .arg(&out)
        .assert()
        .failure()
        .stderr(predicates::str::contains("--words must be 100"));
    nearcopy()
        .args([
            "synth", "--docs", "10", "--near", "0.5", "--exact", "0.3", "-o",
        ])
        .arg(&out)
        .assert()
        .failure()
        .stderr(predicates::str::contains("at most 0.6"));
    let missing = dir.path().join("no/such/dir/c.jsonl");
    nearcopy()
        .args(["synth", "--docs", "10", "-o"])
        .arg(&missing)
        .assert()
        .failure()
        .stderr(predicates::str::contains("no/such/dir/c.jsonl"));
    assert!(!out.exists());
}
