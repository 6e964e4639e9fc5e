//! Adversarial inputs at small sizes: periodic text, a giant group of
//! near-copies, an exact join with too many pairs. What is checked is the
//! output a user relies on, never a timing; `benches/adversarial.sh` runs
//! the full sizes and measures time and memory.

use crate::common::{corpus, json_of, nearcopy, without_timings};

/// Runs `nearcopy args…` at 1 and 2 threads, checks that both succeed with
/// the same JSON (timings aside) and returns it.
fn same_at_any_thread_count(args: &[&str]) -> serde_json::Value {
    let run = |threads: &str| {
        let out = nearcopy()
            .args(args)
            .args(["--format", "json", "--quiet", "--threads", threads])
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        without_timings(json_of(&out.stdout))
    };
    let one = run("1");
    assert_eq!(one, run("2"), "{args:?}: output depends on threads");
    one
}

/// `(start, end)` of every occurrence of a passage group.
fn ranges(group: &serde_json::Value) -> Vec<(u64, u64)> {
    group["occurrences"]
        .as_array()
        .expect("occurrences")
        .iter()
        .map(|o| {
            (
                o["start"].as_u64().unwrap_or(0),
                o["end"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// A run of a unit shorter than `--min-words` is one passage: its two
/// maximal copies, one period apart, with exact byte ranges.
#[test]
fn periodic_runs_are_one_passage() {
    let word = "word ".repeat(3000);
    let zero = "0 ".repeat(4000);
    let phrase = "the cat sat ".repeat(1000);
    let han = "哈".repeat(3000);
    let dir = corpus(&[
        ("word.txt", &word),
        ("zero.txt", &zero),
        ("phrase.txt", &phrase),
        ("han.txt", &han),
    ]);
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    struct Case {
        file: &'static str,
        flags: &'static [&'static str],
        expected: Vec<(u64, u64)>,
    }
    let case = |file, flags, expected| Case {
        file,
        flags,
        expected,
    };
    let cases = [
        case("word.txt", &[], vec![(0, 14994), (5, 14999)]),
        case("zero.txt", &[], vec![(0, 7997), (2, 7999)]),
        // Period of three words, shorter than the 8 words of a passage.
        case("phrase.txt", &[], vec![(0, 11987), (12, 11999)]),
        // 3-byte characters, period one character.
        case(
            "han.txt",
            &["--char-ngrams", "2"],
            vec![(0, 8997), (3, 9000)],
        ),
    ];
    for Case {
        file,
        flags,
        expected,
    } in cases
    {
        let p = path(file);
        let mut args = vec!["passages", p.as_str()];
        args.extend_from_slice(flags);
        let r = same_at_any_thread_count(&args);
        let groups = r["passages"].as_array().expect("passages");
        assert_eq!(groups.len(), 1, "{file}: {groups:?}");
        assert_eq!(groups[0]["kind"], "within", "{file}");
        assert_eq!(groups[0]["match"], "exact", "{file}");
        assert_eq!(ranges(&groups[0]), expected, "{file}");
    }
    // The same through scan, and dedup --passages completes.
    let p = path("word.txt");
    let r = same_at_any_thread_count(&["scan", p.as_str()]);
    assert_eq!(r["passages"].as_array().map(Vec::len), Some(1));
    let out = dir.path().join("kept.jsonl");
    nearcopy()
        .args(["dedup", p.as_str(), "--passages", "--quiet", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert!(std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) > 0);
}

/// A period of at least `--min-words` words keeps one place per copy of
/// the period, as before.
#[test]
fn a_long_period_is_listed_copy_by_copy() {
    let unit = "one two three four five six seven eight nine ten. ";
    let text = format!("Start here. {}End there.", unit.repeat(5));
    let dir = corpus(&[("doc.txt", &text)]);
    let p = dir.path().join("doc.txt").to_string_lossy().into_owned();
    let r = same_at_any_thread_count(&["passages", p.as_str()]);
    let groups = r["passages"].as_array().expect("passages");
    assert_eq!(groups.len(), 1, "{groups:?}");
    let starts: Vec<u64> = ranges(&groups[0]).iter().map(|r| r.0).collect();
    let at = text.find("one").unwrap_or(0) as u64;
    let len = unit.len() as u64;
    assert_eq!(starts, (0..5).map(|k| at + k * len).collect::<Vec<_>>());
}

/// `n` near-copies of one 150-word text, each with one word replaced
/// (every two copies at Jaccard ≥ 0.87 on 5-word shingles), as JSON Lines.
fn near_copies(n: usize) -> String {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    let base: Vec<String> = (0..150).map(|_| format!("w{}", next(5000))).collect();
    let mut out = String::new();
    for i in 0..n {
        let mut words = base.clone();
        let at = next(150) as usize;
        words[at] = format!("x{}", next(5000));
        out.push_str(&format!(
            "{{\"id\": \"d{i}\", \"text\": \"{}\"}}\n",
            words.join(" ")
        ));
    }
    out
}

/// A group far larger than any LSH bucket limit is one cluster with every
/// member, and lists one link per member, not every pair.
#[test]
fn a_giant_group_is_one_cluster_with_a_link_per_member() {
    let n = 3000;
    let dir = corpus(&[("copies.jsonl", &near_copies(n))]);
    let p = dir
        .path()
        .join("copies.jsonl")
        .to_string_lossy()
        .into_owned();
    for verify in ["exact", "estimate"] {
        let r =
            same_at_any_thread_count(&["scan", p.as_str(), "--no-passages", "--verify", verify]);
        let clusters = r["clusters"].as_array().expect("clusters");
        assert_eq!(clusters.len(), 1, "{verify}");
        let members = clusters[0]["members"].as_array().expect("members");
        let pairs = clusters[0]["pairs"].as_array().expect("pairs");
        if verify == "exact" {
            // Every two copies reach the threshold: nobody is left out.
            assert_eq!(members.len(), n);
        }
        assert_eq!(pairs.len(), members.len() - 1, "{verify}: a spanning tree");
        // Every member but the first is linked into the group.
        let mut linked: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
        for pair in pairs {
            linked.insert(pair["a"].as_str().unwrap_or(""));
            linked.insert(pair["b"].as_str().unwrap_or(""));
        }
        assert_eq!(linked.len(), members.len(), "{verify}");
    }
    // dedup keeps one.
    let out = dir.path().join("kept.jsonl");
    nearcopy()
        .args(["dedup", p.as_str(), "--quiet", "-o"])
        .arg(&out)
        .assert()
        .success();
    let kept = std::fs::read_to_string(&out).unwrap_or_default();
    assert_eq!(kept.lines().count(), 1);
}

/// In the default scan a group that large takes part in the passage search
/// through its first member only: what it shares with another document is
/// one passage with two places, not one with a place in every copy.
#[test]
fn a_giant_group_shares_passages_through_its_first_member() {
    let n = 500;
    let mut text = near_copies(n);
    let first: serde_json::Value =
        serde_json::from_str(text.lines().next().unwrap_or_default()).expect("a record");
    let words: Vec<&str> = first["text"]
        .as_str()
        .unwrap_or_default()
        .split(' ')
        .collect();
    // Another document quoting 40 words of the text (not a near-copy).
    let quote = |range: std::ops::Range<usize>| words[range].join(" ");
    let other: Vec<String> = (0..120).map(|i| format!("other{i}")).collect();
    text.push_str(&format!(
        "{{\"id\": \"outside\", \"text\": \"{} {} {}\"}}\n",
        other[..60].join(" "),
        if words[..75].iter().any(|w| w.starts_with('x')) {
            quote(80..120)
        } else {
            quote(20..60)
        },
        other[60..].join(" ")
    ));
    let dir = corpus(&[("copies.jsonl", &text)]);
    let p = dir.path().join("copies.jsonl");
    let r = same_at_any_thread_count(&["scan", &p.to_string_lossy()]);
    assert_eq!(
        r["clusters"][0]["members"].as_array().map(Vec::len),
        Some(n)
    );
    let groups = r["passages"].as_array().expect("passages");
    let docs = |g: &serde_json::Value| -> Vec<String> {
        g["occurrences"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| o["doc"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert!(
        groups
            .iter()
            .any(|g| docs(g) == ["d0", "outside"] && g["words"] == 40),
        "{groups:?}"
    );
    for g in groups {
        assert!(
            docs(g).iter().all(|d| d == "d0" || d == "outside"),
            "a place in a member other than the first: {g}"
        );
    }
    let left_out = r["summary"]["passages"]["related_positions"].as_u64();
    // 143 8-word runs a copy, less the 8 that hold its own changed word.
    assert!(left_out >= Some(135 * (n as u64 - 1)), "{left_out:?}");
}

/// Small groups still list every verified pair.
#[test]
fn a_small_group_lists_every_pair() {
    let dir = corpus(&[("copies.jsonl", &near_copies(20))]);
    let p = dir
        .path()
        .join("copies.jsonl")
        .to_string_lossy()
        .into_owned();
    let r = same_at_any_thread_count(&["scan", p.as_str(), "--no-passages"]);
    let clusters = r["clusters"].as_array().expect("clusters");
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["members"].as_array().map(Vec::len), Some(20));
    assert_eq!(clusters[0]["pairs"].as_array().map(Vec::len), Some(190));
}

/// The exact join stops with a clear message instead of filling memory
/// with the n(n-1)/2 pairs of identical documents.
#[test]
fn exact_refuses_an_enormous_output() {
    let line = "{\"id\": \"d\", \"text\": \"the same short document of a few words\"}\n";
    let dir = corpus(&[
        ("same.jsonl", &line.repeat(3000)),
        ("fewer.jsonl", &line.repeat(300)),
    ]);
    let p = dir.path().join("same.jsonl");
    let out = dir.path().join("report.json");
    let assert = nearcopy()
        .arg("exact")
        .arg(&p)
        .args(["--max-pairs", "100000", "--quiet", "-o"])
        .arg(&out)
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("more than 100000 pairs"), "{stderr}");
    assert!(stderr.contains("--max-pairs"), "{stderr}");
    assert!(!out.exists(), "no partial report");
    // Under the limit (300 copies: 44,850 pairs) they are joined.
    nearcopy()
        .arg("exact")
        .arg(dir.path().join("fewer.jsonl"))
        .args(["--max-pairs", "100000", "--quiet", "-o"])
        .arg(&out)
        .assert()
        .success();
}
