//! `nearcopy exact`: agrees with brute force; the JSON contract; real data.

use std::collections::{HashMap, HashSet};

use nearcopy::exact::{join_sets, Match};
use nearcopy::{shingle, text, verify};
use proptest::prelude::*;
use serde_json::Value;

use crate::common::*;

/// Every pair at or above `t`, by comparing all pairs.
fn brute_force(sets: &[Vec<u64>], t: f64) -> Vec<Match> {
    let mut out = Vec::new();
    for a in 0..sets.len() {
        for b in a + 1..sets.len() {
            let shared = verify::intersection(&sets[a], &sets[b]);
            let o = verify::overlap_counts(sets[a].len(), sets[b].len(), shared);
            if o.jaccard >= t {
                out.push(Match {
                    a: a as u32,
                    b: b as u32,
                    shared: shared as u32,
                });
            }
        }
    }
    out
}

fn sorted_set(mut v: Vec<u64>) -> Vec<u64> {
    v.sort_unstable();
    v.dedup();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random sets over a small universe, so overlaps of every size occur.
    #[test]
    fn join_equals_brute_force_on_sets(
        sets in prop::collection::vec(prop::collection::vec(0u64..40, 0..16), 0..14),
        t in prop::sample::select(vec![0.05, 0.1, 0.2, 0.25, 0.3, 1.0 / 3.0, 0.4, 0.5, 0.6, 2.0 / 3.0, 0.7, 0.75, 0.8, 0.9, 0.95, 1.0]),
    ) {
        let sets: Vec<Vec<u64>> = sets.into_iter().map(sorted_set).collect();
        prop_assert_eq!(join_sets(&sets, t), brute_force(&sets, t));
    }

    /// Random small documents over a five-word vocabulary, shingled as the
    /// join shingles them: near-duplicates are frequent.
    #[test]
    fn join_equals_brute_force_on_documents(
        docs in prop::collection::vec(prop::collection::vec(0usize..5, 0..30), 1..12),
        k in 1usize..6,
        t in 0.05f64..=1.0,
    ) {
        const WORDS: [&str; 5] = ["the", "cat", "sat", "on", "mat"];
        let mut tokens = Vec::new();
        let sets: Vec<Vec<u64>> = docs
            .iter()
            .map(|d| {
                let text: Vec<&str> = d.iter().map(|&w| WORDS[w]).collect();
                text::words(&text.join(" "), &mut tokens);
                let mut set = Vec::new();
                shingle::set(&tokens, k, &mut set);
                set
            })
            .collect();
        prop_assert_eq!(join_sets(&sets, t), brute_force(&sets, t));
    }
}

#[test]
fn many_identical_and_nested_sets() {
    // Duplicates, subsets and a large set that contains them all.
    let mut sets: Vec<Vec<u64>> = (0..20).map(|_| (0..10).collect()).collect();
    sets.push((0..100).collect());
    sets.push((5..15).collect());
    sets.push(vec![]);
    for t in [0.1, 0.33, 0.5, 0.8, 1.0] {
        assert_eq!(join_sets(&sets, t), brute_force(&sets, t), "t = {t}");
    }
    assert_eq!(join_sets(&sets, 1.0).len(), 190);
}

const A: &str = "The committee met on Tuesday to discuss the budget for the coming year, \
                 and after a long debate it agreed to raise spending on schools and roads.";

fn corpus_files() -> tempfile::TempDir {
    let b = A.replace("Tuesday", "Wednesday");
    let c = A.to_uppercase();
    corpus(&[
        ("1-a.txt", A),
        (
            "2-unrelated.txt",
            "Quite another story about weather in the mountains, snow and wind all week long.",
        ),
        ("3-b.txt", &b),
        ("4-c.txt", &c),
    ])
}

#[test]
fn json_pairs_in_input_order_with_containment() {
    let dir = corpus_files();
    let run = |threads: &str| {
        let out = nearcopy()
            .args([
                "exact",
                "--threshold",
                "0.5",
                "--format",
                "json",
                "--threads",
                threads,
            ])
            .arg(dir.path())
            .assert()
            .success();
        json_of(&out.get_output().stdout)
    };
    let v = run("1");
    assert_eq!(without_timings(v.clone()), without_timings(run("2")));
    assert_eq!(v["params"]["threshold"], 0.5);
    assert_eq!(v["params"]["shingle"], 5);
    assert_eq!(v["summary"]["documents"], 4);
    let pairs: Vec<(String, String)> = v["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["a"].as_str().unwrap().into(),
                p["b"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("1-a.txt".into(), "3-b.txt".into()),
            ("1-a.txt".into(), "4-c.txt".into()),
            ("3-b.txt".into(), "4-c.txt".into()),
        ]
    );
    // The figures are those of the library's own sets.
    let set = |s: &str| {
        let mut t = Vec::new();
        text::words(s, &mut t);
        let mut set = Vec::new();
        shingle::set(&t, 5, &mut set);
        set
    };
    let o = verify::overlap(&set(A), &set(&A.replace("Tuesday", "Wednesday")));
    let p = &v["pairs"][0];
    assert_eq!(p["jaccard"].as_f64(), Some((o.jaccard * 1e6).round() / 1e6));
    assert_eq!(p["a_in_b"].as_f64(), Some((o.a_in_b * 1e6).round() / 1e6));
    assert_eq!(v["pairs"][1]["jaccard"], 1.0);
    for key in ["a", "b", "jaccard", "a_in_b", "b_in_a"] {
        assert!(p.get(key).is_some(), "pair lacks {key}");
    }
}

#[test]
fn csv_and_text_formats() {
    let dir = corpus_files();
    let out = nearcopy()
        .args(["exact", "--threshold", "0.9", "--format", "csv"])
        .arg(dir.path())
        .assert()
        .success();
    assert_eq!(
        String::from_utf8(out.get_output().stdout.clone()).unwrap(),
        "a,b,jaccard,a_in_b,b_in_a\n1-a.txt,4-c.txt,1.000000,1.000000,1.000000\n"
    );
    let out = nearcopy()
        .args(["exact", "--threshold", "0.9"])
        .arg(dir.path())
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("all pairs with Jaccard ≥ 0.90"), "{text}");
    assert!(text.contains("1 pairs:"), "{text}");
    assert!(text.contains("1-a.txt  4-c.txt   1.0000"), "{text}");
}

#[test]
fn bad_options_are_clear_errors() {
    let dir = corpus_files();
    nearcopy()
        .args(["exact", "--threshold", "0"])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicates::str::contains("--threshold must be in (0, 1]"));
    nearcopy()
        .args(["exact", "no-such-dir"])
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "no-such-dir: no such file or directory",
        ));
    let bad = corpus(&[("bad.jsonl", "{\"text\": \"fine\"}\n{\"text\": 3}\n")]);
    nearcopy()
        .args(["exact"])
        .arg(bad.path().join("bad.jsonl"))
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "bad.jsonl:2: field \"text\" is not a string",
        ));
}

#[test]
fn reuters_agrees_with_the_published_truth() {
    let Some(docs) = evaldata("reuters21578/docs.jsonl") else {
        return;
    };
    let Some(tsv) = evaldata("reuters21578/truth_jaccard_pairs.tsv") else {
        return;
    };
    let out = nearcopy()
        .args(["exact", "--threshold", "0.5", "-f", "json", "-q"])
        .arg(&docs)
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    let ours: HashMap<(String, String), f64> = v["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p: &Value| {
            let (a, b) = (p["a"].as_str().unwrap(), p["b"].as_str().unwrap());
            (
                (a.min(b).to_string(), a.max(b).to_string()),
                p["jaccard"].as_f64().unwrap(),
            )
        })
        .collect();
    let theirs: HashMap<(String, String), f64> = std::fs::read_to_string(&tsv)
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let j: f64 = c[2].parse().unwrap();
            (j >= 0.5).then(|| ((c[0].min(c[1]).to_string(), c[0].max(c[1]).to_string()), j))
        })
        .collect();
    let both: HashSet<_> = ours.keys().filter(|k| theirs.contains_key(*k)).collect();
    let union = ours.len() + theirs.len() - both.len();
    // The published figures split words at every non-word character (`\w+`);
    // ours follow Unicode word boundaries (`U.S.` and `1,000` are one word).
    // The pair sets still agree on nearly every pair (452 of 459 at 0.5),
    // and the figures closely (mean difference under 0.01, none over 0.1).
    assert!(
        both.len() as f64 / union as f64 > 0.97,
        "{} shared of {union}",
        both.len()
    );
    let diffs: Vec<f64> = both.iter().map(|k| (ours[*k] - theirs[*k]).abs()).collect();
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    assert!(mean < 0.01, "mean difference {mean}");
    assert!(diffs.iter().all(|&d| d < 0.1), "{diffs:?}");
}

#[test]
fn character_shingles_for_text_without_spaces() {
    let dir = corpus(&[
        (
            "a.txt",
            "东京都は日本の首都であり、世界有数の大都市である。",
        ),
        ("b.txt", "東京都は日本の首都であり、世界有数の大都市です。"),
        (
            "c.txt",
            "大阪は関西地方の中心都市で、食文化で知られている。",
        ),
    ]);
    let out = nearcopy()
        .args([
            "exact",
            "--char-ngrams",
            "3",
            "--threshold",
            "0.5",
            "-f",
            "json",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["params"]["tokens"], "chars");
    assert_eq!(v["params"]["shingle"], 3);
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 1, "{v}");
    assert_eq!(pairs[0]["a"], "a.txt");
    assert_eq!(pairs[0]["b"], "b.txt");
}
