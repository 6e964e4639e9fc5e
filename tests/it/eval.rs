//! `nearcopy eval`: known scores on hand-built cases, real data, errors.

use std::path::Path;

use serde_json::{json, Value};

use crate::common::*;

const TRUTH_TSV: &str = "a\tb\tjaccard\tcontainment_a_in_b\n\
                         a\tb\t0.9000\t0.9\n\
                         c\td\t0.8500\t0.9\n\
                         e\tf\t0.5000\t0.6\n";

/// A reported group: its members and its pairs.
type Group<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

/// A scan-like result at threshold 0.8 over documents a–f with `groups`.
fn result(groups: &[Group]) -> Value {
    let documents: Vec<Value> = ["a", "b", "c", "d", "e", "f"]
        .iter()
        .map(|id| json!({"id": id, "source": "s", "bytes": 1000, "words": 150}))
        .collect();
    let clusters: Vec<Value> = groups
        .iter()
        .map(|(members, pairs)| {
            json!({
                "members": members,
                "pairs": pairs.iter().map(|(a, b)| json!({"a": a, "b": b, "jaccard": 0.9, "estimate": 0.9, "kind": "near"})).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({"params": {"threshold": 0.8, "shingle": 5}, "documents": documents, "clusters": clusters})
}

fn write(dir: &Path, name: &str, v: &Value) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    p
}

fn eval_json(truth: &Path, result: &Path, extra: &[&str]) -> Value {
    let out = nearcopy()
        .args(["eval", "--format", "json", "--truth"])
        .arg(truth)
        .arg(result)
        .args(extra)
        .assert()
        .success();
    json_of(&out.get_output().stdout)
}

fn tsv(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("truth.tsv");
    std::fs::write(&p, TRUTH_TSV).unwrap();
    p
}

#[test]
fn perfect_result() {
    let dir = tempfile::tempdir().unwrap();
    let r = write(
        dir.path(),
        "r.json",
        &result(&[(&["a", "b"], &[("a", "b")]), (&["c", "d"], &[("d", "c")])]),
    );
    let e = eval_json(&tsv(dir.path()), &r, &[]);
    assert_eq!(e["threshold"], 0.8);
    assert_eq!(e["truth"]["kind"], "tsv");
    assert_eq!(e["truth"]["positives"], 2);
    assert_eq!(e["pairs"]["precision"], 1.0);
    assert_eq!(e["pairs"]["recall"], 1.0);
    assert_eq!(e["pairs"]["f1"], 1.0);
    assert_eq!(e["clusters"]["ari"], 1.0);
    assert_eq!(e["clusters"]["documents"], 6);
    // Bins: 0.85 in [0.8, 0.9), 0.9 in [0.9, 1.0), 0.5 below the threshold.
    let bins = e["bins"].as_array().unwrap();
    let bin = |from: f64| bins.iter().find(|b| b["from"] == from).unwrap();
    assert_eq!(bin(0.8)["positives"], 1);
    assert_eq!(bin(0.8)["recall"], 1.0);
    assert_eq!(bin(0.9)["found"], 1);
    assert_eq!(bin(0.5)["truth"], 1);
    assert_eq!(bin(0.5)["positives"], 0);
    assert_eq!(bin(0.5)["recall"], Value::Null);
    assert_eq!(bins.first().unwrap()["from"], 0.3);
    assert_eq!(bins.last().unwrap()["from"], 1.0);
}

#[test]
fn all_wrong_result() {
    let dir = tempfile::tempdir().unwrap();
    let r = write(
        dir.path(),
        "r.json",
        &result(&[(&["a", "c"], &[("a", "c")]), (&["b", "d"], &[("b", "d")])]),
    );
    let e = eval_json(&tsv(dir.path()), &r, &[]);
    assert_eq!(e["pairs"]["true_positives"], 0);
    assert_eq!(e["pairs"]["false_positives"], 2);
    assert_eq!(e["pairs"]["false_negatives"], 2);
    assert_eq!(e["pairs"]["precision"], 0.0);
    assert_eq!(e["pairs"]["recall"], 0.0);
    assert_eq!(e["pairs"]["f1"], 0.0);
    // Truth {a,b},{c,d}; reported {a,c},{b,d} over 6 documents: worse than
    // chance, ARI = (0 - 4/15) / (2 - 4/15).
    assert_eq!(e["clusters"]["ari"], -0.153846);
    assert_eq!(e["missed"].as_array().unwrap().len(), 2);
    assert_eq!(e["unexpected"][0]["a"], "a");
    assert_eq!(e["unexpected"][0]["b"], "c");
}

#[test]
fn half_right_result() {
    let dir = tempfile::tempdir().unwrap();
    let r = write(
        dir.path(),
        "r.json",
        &result(&[(&["a", "b", "c"], &[("a", "b"), ("a", "c")])]),
    );
    let e = eval_json(&tsv(dir.path()), &r, &[]);
    assert_eq!(e["pairs"]["precision"], 0.5);
    assert_eq!(e["pairs"]["recall"], 0.5);
    assert_eq!(e["pairs"]["f1"], 0.5);
    // Truth {a,b},{c,d}; reported {a,b,c}: (1 - 0.4) / (2.5 - 0.4).
    assert_eq!(e["clusters"]["ari"], 0.285714);
    assert_eq!(e["missed"][0]["a"], "c");
    assert_eq!(e["missed"][0]["jaccard"], 0.85);
}

#[test]
fn threshold_option_overrides_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let r = write(
        dir.path(),
        "r.json",
        &result(&[(&["a", "b"], &[("a", "b")]), (&["c", "d"], &[("c", "d")])]),
    );
    let e = eval_json(&tsv(dir.path()), &r, &["--threshold", "0.5"]);
    assert_eq!(e["threshold"], 0.5);
    assert_eq!(e["truth"]["positives"], 3);
    assert_eq!(e["pairs"]["recall"], 0.666667);
    assert_eq!(e["pairs"]["precision"], 1.0);
}

#[test]
fn text_report_reads_as_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let r = write(
        dir.path(),
        "r.json",
        &result(&[(&["a", "b"], &[("a", "b")])]),
    );
    let out = nearcopy()
        .args(["eval", "--truth"])
        .arg(tsv(dir.path()))
        .arg(&r)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("precision 1.0000  recall 0.5000  F1 0.6667"),
        "{text}"
    );
    assert!(text.contains("[0.8, 0.9)"), "{text}");
    assert!(text.contains("c ~ d  Jaccard 0.8500"), "{text}");
    assert!(text.contains("passages   not available"), "{text}");
}

/// A synth-style truth with two planted passages, two sites' boilerplate and
/// one related pair (x, y).
fn passage_truth(dir: &Path) -> std::path::PathBuf {
    write(
        dir,
        "truth.json",
        &json!({
            "params": {"generator": "nearcopy synth", "shingle": 5, "complete_from": 0.2},
            "sites": [{"name": "s", "documents": 5, "header_bytes": 10, "footer_bytes": 10}],
            "pairs": [{"a": "x", "b": "y", "jaccard": 0.9, "shared": 9, "union": 10}],
            "passages": [
                {"kind": "double", "words": 20, "occurrences": [
                    {"doc": "p", "start": 100, "end": 200}, {"doc": "p", "start": 300, "end": 400}]},
                {"kind": "copy", "words": 20, "occurrences": [
                    {"doc": "q", "start": 100, "end": 200}, {"doc": "r", "start": 500, "end": 600}]}
            ]
        }),
    )
}

#[test]
fn passages_scored_by_byte_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let docs: Vec<Value> = ["p", "q", "r", "x", "y"]
        .iter()
        .map(|id| json!({"id": id, "source": "s", "bytes": 1000}))
        .collect();
    let occ = |d: &str, s: u64, e: u64| json!({"doc": d, "start": s, "end": e, "line_start": 1, "line_end": 1});
    let r = write(
        dir.path(),
        "r.json",
        &json!({
            "params": {"threshold": 0.8, "shingle": 5},
            "documents": docs,
            "clusters": [{"members": ["x", "y"], "pairs": [{"a": "x", "b": "y", "jaccard": 0.9, "estimate": 0.9}]}],
            "passages": [
                // The planted double, found exactly.
                {"kind": "repeat", "words": 20, "occurrences": [occ("p", 100, 200), occ("p", 300, 400)]},
                // Site headers: boilerplate.
                {"kind": "boilerplate", "words": 2, "occurrences": [occ("q", 0, 10), occ("r", 0, 10)]},
                // Text shared by two related documents.
                {"kind": "repeat", "words": 20, "occurrences": [occ("x", 50, 150), occ("y", 50, 150)]},
                // Unexplained.
                {"kind": "repeat", "words": 20, "occurrences": [occ("q", 700, 800), occ("r", 700, 800)]}
            ]
        }),
    );
    let e = eval_json(&passage_truth(dir.path()), &r, &[]);
    let p = &e["passages"];
    assert_eq!(p["truth_passages"], 2);
    assert_eq!(p["truth_occurrences"], 4);
    assert_eq!(p["reported_occurrences"], 8);
    assert_eq!(p["passage_recall"], 0.5);
    assert_eq!(p["occurrence_recall"], 0.5);
    assert_eq!(p["byte_recall"], 0.5);
    assert_eq!(p["occurrence_precision"], 0.75);
    assert_eq!(p["bytes"]["planted"], 200);
    assert_eq!(p["bytes"]["boilerplate"], 20);
    assert_eq!(p["bytes"]["related"], 200);
    assert_eq!(p["bytes"]["unexplained"], 200);
    assert_eq!(p["byte_precision"], 0.677419);
    let kinds = p["by_kind"].as_array().unwrap();
    assert_eq!(kinds[0]["kind"], "copy");
    assert_eq!(kinds[0]["occurrence_recall"], 0.0);
    assert_eq!(kinds[1]["kind"], "double");
    assert_eq!(kinds[1]["occurrence_recall"], 1.0);
    assert_eq!(e["truth"]["kind"], "synth");
}

#[test]
fn result_without_passages_reports_them_not_available() {
    let dir = tempfile::tempdir().unwrap();
    let r = write(dir.path(), "r.json", &result(&[]));
    let e = eval_json(&passage_truth(dir.path()), &r, &[]);
    assert_eq!(e["passages"], Value::Null);
    let notes = e["notes"].to_string();
    assert!(notes.contains("not available"), "{notes}");
    // No pair reported at all: precision is undefined, not 0 or 1.
    assert_eq!(e["pairs"]["precision"], Value::Null);
    assert_eq!(e["pairs"]["recall"], 0.0);
}

#[test]
fn bad_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let r = write(dir.path(), "r.json", &result(&[]));
    let bad = dir.path().join("bad.tsv");
    std::fs::write(&bad, "a\tb\tjaccard\nx\ty\t0.5\nx\tz\tmany\n").unwrap();
    nearcopy()
        .args(["eval", "--truth"])
        .arg(&bad)
        .arg(&r)
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "bad.tsv:3: invalid TSV row: jaccard \"many\" is not a number",
        ));
    let header = dir.path().join("header.tsv");
    std::fs::write(&header, "left\tright\tscore\n").unwrap();
    nearcopy()
        .args(["eval", "--truth"])
        .arg(&header)
        .arg(&r)
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "header.tsv:1: invalid TSV row: the header must name",
        ));
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        "{\n\"params\": {\"threshold\": 0.8},\n\"clusters\": [\n",
    )
    .unwrap();
    nearcopy()
        .args(["eval", "--truth"])
        .arg(tsv(dir.path()))
        .arg(&broken)
        .assert()
        .failure()
        .stderr(predicates::str::contains("broken.json:4: invalid JSON"));
    nearcopy()
        .args(["eval", "--truth"])
        .arg(tsv(dir.path()))
        .arg(dir.path().join("missing.json"))
        .assert()
        .failure()
        .stderr(predicates::str::contains("missing.json: no such file"));
    let no_threshold = write(dir.path(), "n.json", &json!({"clusters": []}));
    nearcopy()
        .args(["eval", "--truth"])
        .arg(tsv(dir.path()))
        .arg(&no_threshold)
        .assert()
        .failure()
        .stderr(predicates::str::contains("give --threshold"));
}

#[test]
fn scan_of_a_synthetic_corpus_scores_against_its_truth() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("c.jsonl");
    let truth = dir.path().join("t.json");
    nearcopy()
        .args([
            "synth", "--docs", "3000", "--seed", "21", "--words", "200", "-q", "-o",
        ])
        .arg(&corpus)
        .arg("--truth")
        .arg(&truth)
        .assert()
        .success();
    for t in ["0.8", "0.5"] {
        let result = dir.path().join(format!("scan-{t}.json"));
        nearcopy()
            .args(["scan", "--threshold", t, "-f", "json", "-q", "-o"])
            .arg(&result)
            .arg(&corpus)
            .assert()
            .success();
        let e = eval_json(&truth, &result, &[]);
        assert!(e["truth"]["positives"].as_u64().unwrap() > 200, "{e}");
        // Exact verification: nothing invented.
        assert_eq!(e["pairs"]["precision"], 1.0, "{e}");
        assert!(e["pairs"]["recall"].as_f64().unwrap() >= 0.99, "{e}");
        assert!(e["clusters"]["ari"].as_f64().unwrap() >= 0.98, "{e}");
    }
}

#[test]
fn scan_of_reuters_scores_against_the_exact_join_and_the_published_truth() {
    let Some(docs) = evaldata("reuters21578/docs.jsonl") else {
        return;
    };
    let Some(tsv) = evaldata("reuters21578/truth_jaccard_pairs.tsv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let scan = dir.path().join("scan.json");
    let exact = dir.path().join("exact.json");
    nearcopy()
        .args(["scan", "--threshold", "0.8", "-f", "json", "-q", "-o"])
        .arg(&scan)
        .arg(&docs)
        .assert()
        .success();
    nearcopy()
        .args(["exact", "--threshold", "0.5", "-f", "json", "-q", "-o"])
        .arg(&exact)
        .arg(&docs)
        .assert()
        .success();
    // Against the exact join (same tokeniser): LSH loses nothing here.
    let e = eval_json(&exact, &scan, &[]);
    assert_eq!(e["truth"]["kind"], "json");
    assert_eq!(e["pairs"]["precision"], 1.0, "{e}");
    assert!(e["pairs"]["recall"].as_f64().unwrap() >= 0.99, "{e}");
    // Against the published truth (`\w+` words): close, not identical.
    let e = eval_json(&tsv, &scan, &[]);
    assert!(e["pairs"]["precision"].as_f64().unwrap() >= 0.97, "{e}");
    assert!(e["pairs"]["recall"].as_f64().unwrap() >= 0.97, "{e}");
    assert_eq!(e["clusters"]["documents"], 11000);
}

#[test]
fn a_perfect_passage_finder_scores_one() {
    // The planted passages of a synthetic corpus, fed back as a result, plus
    // every site header as one boilerplate passage: everything is found and
    // everything is explained.
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("c.jsonl");
    let truth = dir.path().join("t.json");
    nearcopy()
        .args([
            "synth", "--docs", "1500", "--seed", "2", "--words", "150", "-q", "-o",
        ])
        .arg(&corpus)
        .arg("--truth")
        .arg(&truth)
        .assert()
        .success();
    let t: Value = serde_json::from_slice(&std::fs::read(&truth).unwrap()).unwrap();
    let records: Vec<Value> = std::fs::read_to_string(&corpus)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let header = |site: &str| {
        t["sites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == site)
            .unwrap()["header_bytes"]
            .as_u64()
            .unwrap()
    };
    let documents: Vec<Value> = records
        .iter()
        .map(|r| json!({"id": r["id"], "source": r["source"], "bytes": r["text"].as_str().unwrap().len()}))
        .collect();
    let mut passages = t["passages"].as_array().unwrap().clone();
    passages.push(json!({
        "kind": "boilerplate",
        "words": 8,
        "occurrences": records
            .iter()
            .map(|r| json!({"doc": r["id"], "start": 0, "end": header(r["source"].as_str().unwrap())}))
            .collect::<Vec<_>>(),
    }));
    let result = write(
        dir.path(),
        "r.json",
        &json!({"params": {"threshold": 0.8, "shingle": 5}, "documents": documents,
                "clusters": [], "passages": passages}),
    );
    let e = eval_json(&truth, &result, &[]);
    let p = &e["passages"];
    assert!(p["truth_passages"].as_u64().unwrap() > 100, "{p}");
    for k in [
        "passage_recall",
        "occurrence_recall",
        "byte_recall",
        "occurrence_precision",
        "byte_precision",
    ] {
        assert_eq!(p[k], 1.0, "{k}: {p}");
    }
    assert!(p["bytes"]["boilerplate"].as_u64().unwrap() > 1500 * 60);
    assert_eq!(p["bytes"]["unexplained"], 0);
}
