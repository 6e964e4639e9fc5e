//! Recall and precision of `scan` on real data with known truth.
//!
//! The truth files list every pair with exact 5-word-shingle Jaccard ≥ 0.3
//! (Reuters) or ≥ 0.5 (Debian) under `\w+` tokenisation; ours is UAX #29,
//! so a pair's Jaccard differs slightly. The checks allow for that: every
//! truth pair at ≥ 0.82 must be found (threshold 0.8), and no reported pair
//! may have truth Jaccard below 0.78. Skipped when the data is absent.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::common::*;

fn truth(path: &Path) -> HashMap<(String, String), f64> {
    let text = std::fs::read_to_string(path).expect("truth file");
    let mut out = HashMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (a, b) = (cols[0].to_string(), cols[1].to_string());
        let j: f64 = cols[2].parse().expect("jaccard");
        out.insert(if a < b { (a, b) } else { (b, a) }, j);
    }
    out
}

fn found_pairs(json: &serde_json::Value) -> HashSet<(String, String)> {
    let mut out = HashSet::new();
    for c in json["clusters"].as_array().expect("clusters") {
        for p in c["pairs"].as_array().expect("pairs") {
            let a = p["a"].as_str().expect("a").to_string();
            let b = p["b"].as_str().expect("b").to_string();
            out.insert(if a < b { (a, b) } else { (b, a) });
        }
    }
    out
}

fn check(dataset: &str) {
    let (Some(docs), Some(truth_file)) = (
        evaldata(&format!("{dataset}/docs.jsonl")),
        evaldata(&format!("{dataset}/truth_jaccard_pairs.tsv")),
    ) else {
        return;
    };
    let out = nearcopy()
        .arg("scan")
        .arg(&docs)
        .args(["--threshold", "0.8", "--format", "json", "--quiet"])
        .assert()
        .success();
    let found = found_pairs(&json_of(&out.get_output().stdout));
    let truth = truth(&truth_file);
    let wanted: Vec<_> = truth.iter().filter(|(_, &j)| j >= 0.82).collect();
    let missed: Vec<_> = wanted.iter().filter(|(p, _)| !found.contains(*p)).collect();
    let recall = 1.0 - missed.len() as f64 / wanted.len() as f64;
    eprintln!(
        "{dataset}: {} pairs found, {} truth pairs at ≥ 0.82, recall {recall:.4}",
        found.len(),
        wanted.len()
    );
    assert!(
        recall >= 0.99,
        "{dataset}: recall {recall:.4}, missed {missed:?}"
    );
    let wrong: Vec<_> = found
        .iter()
        .filter(|p| truth.get(*p).copied().unwrap_or(0.0) < 0.78)
        .collect();
    assert!(
        wrong.is_empty(),
        "{dataset}: pairs below truth 0.78: {wrong:?}"
    );
}

#[test]
fn reuters_recall_and_precision() {
    check("reuters21578");
}

#[test]
fn debian_copyright_recall_and_precision() {
    check("debian_copyright");
}
