//! `nearcopy scan`: documents, clusters, formats, inputs, errors, determinism.

use std::io::Write;

use crate::common::*;
use predicates::str::contains;

#[test]
fn seeds_are_not_near_duplicates() {
    let out = nearcopy()
        .args(["scan", "corpus/news", "--format", "json"])
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    let ids: Vec<&str> = v["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| d["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [
            "000_dec4f30b1f87fe9c.txt",
            "001_04dc3a2b62adb820.txt",
            "002_2a5c6933c16f0aef.txt",
            "003_82a852a40f69cc6d.txt",
            "004_3ad3e80d7d9c14f5.txt"
        ]
    );
    assert_eq!(v["clusters"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["params"]["sketch"], "oph");
    assert_eq!(v["params"]["bands"], 21);
    assert_eq!(v["params"]["rows"], 6);
    nearcopy()
        .args(["scan", "corpus/news"])
        .assert()
        .success()
        .stdout(contains("No near-duplicate documents"))
        .stdout(contains("one-permutation MinHash, 128 bins"))
        .stdout(contains("21 bands × 6 rows"))
        .stdout(contains("false-negative rate"));
}

/// A 300-word text of distinct words, so every 5-shingle is distinct.
fn article(seed: usize) -> Vec<String> {
    (0..300).map(|i| format!("w{}x{}", seed, i)).collect()
}

/// Three copies of one article (one exact, one with 3 words changed), one
/// unrelated article.
fn near_corpus() -> tempfile::TempDir {
    let a = article(1);
    let mut edited = a.clone();
    for i in [50, 150, 250] {
        edited[i] = format!("changed{i}");
    }
    corpus(&[
        ("a.txt", &a.join(" ")),
        ("b/copy.txt", &a.join("  ")),
        ("b/edited.txt", &edited.join(" ")),
        ("c.txt", &article(2).join(" ")),
    ])
}

#[test]
fn finds_exact_and_near_copies_with_exact_jaccard() {
    let dir = near_corpus();
    let out = nearcopy()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json"])
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    let clusters = v["clusters"].as_array().expect("clusters");
    assert_eq!(clusters.len(), 1);
    let members: Vec<&str> = clusters[0]["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m.as_str().expect("id"))
        .collect();
    assert_eq!(members, ["a.txt", "b/copy.txt", "b/edited.txt"]);
    let pairs = clusters[0]["pairs"].as_array().expect("pairs");
    assert_eq!(pairs.len(), 3);
    // 3 changed words each break 5 shingles: 296 shingles, 15 differ on
    // each side: J = 281 / 311.
    let near = 281.0 / 311.0;
    for p in pairs {
        let j = p["jaccard"].as_f64().expect("jaccard");
        match (p["a"].as_str(), p["b"].as_str()) {
            (Some("a.txt"), Some("b/copy.txt")) => {
                assert_eq!(j, 1.0);
                assert_eq!(p["kind"], "exact");
            }
            _ => {
                assert!((j - near).abs() < 1e-6, "{p}");
                assert_eq!(p["kind"], "near");
                let e = p["estimate"].as_f64().expect("estimate");
                assert!((e - near).abs() < 0.15, "{p}");
            }
        }
    }
    assert_eq!(v["summary"]["exact_duplicates"], 1);
    // Files of a directory come before its sub-directories; a file's source
    // is its sub-directory.
    let docs = v["documents"].as_array().expect("documents");
    let ids: Vec<&str> = docs.iter().map(|d| d["id"].as_str().expect("id")).collect();
    assert_eq!(ids, ["a.txt", "c.txt", "b/copy.txt", "b/edited.txt"]);
    assert_eq!(docs[2]["source"], "b");
}

/// Exact verification signs again the documents it reads for the
/// estimate it reports, instead of keeping every signature: the estimates
/// must be those of the signatures the estimate-only mode keeps.
#[test]
fn estimates_are_the_same_whether_signatures_are_kept_or_signed_again() {
    let a = article(3);
    let mut files = vec![("a.txt".to_string(), a.join(" "))];
    for (k, step) in [7usize, 11, 13, 17, 19].into_iter().enumerate() {
        let mut edited = a.clone();
        for i in (k..300).step_by(step * 3) {
            edited[i] = format!("edit{k}x{i}");
        }
        files.push((format!("e{k}.txt"), edited.join(" ")));
    }
    let named: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let dir = corpus(&named);
    let pairs = |verify: &str| -> Vec<(String, String, f64)> {
        let out = nearcopy()
            .arg("scan")
            .arg(dir.path())
            .args(["--format", "json", "--no-passages", "--threshold", "0.5"])
            .args(["--verify", verify])
            .assert()
            .success();
        let v = json_of(&out.get_output().stdout);
        let mut found = Vec::new();
        for c in v["clusters"].as_array().expect("clusters") {
            for p in c["pairs"].as_array().expect("pairs") {
                found.push((
                    p["a"].as_str().expect("a").to_string(),
                    p["b"].as_str().expect("b").to_string(),
                    p["estimate"].as_f64().expect("estimate"),
                ));
            }
        }
        found.sort_by(|x, y| (&x.0, &x.1).cmp(&(&y.0, &y.1)));
        found
    };
    let exact = pairs("exact");
    let estimated = pairs("estimate");
    assert!(exact.len() >= 10, "{exact:?}");
    let mut compared = 0;
    for (a, b, e) in &exact {
        if let Some((_, _, kept)) = estimated.iter().find(|(x, y, _)| x == a && y == b) {
            assert_eq!(e, kept, "{a} {b}");
            compared += 1;
        }
    }
    assert!(compared >= 10, "{compared} pairs in both reports");
}

#[test]
fn every_format_reports_the_same_pairs() {
    let dir = near_corpus();
    let run = |format: &str| {
        let out = nearcopy()
            .arg("scan")
            .arg(dir.path())
            .args(["--format", format])
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone()).expect("utf-8")
    };
    let csv = run("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "a,b,jaccard,estimate,kind,cluster");
    assert_eq!(lines.len(), 4);
    assert!(lines[1].starts_with("a.txt,b/copy.txt,1.000000,1.000000,exact,1"));
    let jsonl = run("jsonl");
    let rows: Vec<serde_json::Value> = jsonl.lines().map(|l| json_of(l.as_bytes())).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["id"], "a.txt");
    assert_eq!(rows[0]["cluster"], 1);
    assert_eq!(rows[0]["duplicate_of"], serde_json::Value::Null);
    let edited = rows
        .iter()
        .find(|r| r["id"] == "b/edited.txt")
        .expect("edited");
    assert_eq!(edited["duplicate_of"], "a.txt");
    let lonely = rows.iter().find(|r| r["id"] == "c.txt").expect("c");
    assert_eq!(lonely["cluster"], serde_json::Value::Null);
    let text = run("text");
    assert!(
        text.contains("1 groups of near-duplicate documents (3 documents)"),
        "{text}"
    );
    assert!(text.contains("a.txt ~ b/copy.txt  Jaccard 1.000"), "{text}");
}

#[test]
fn output_file_is_written_atomically_and_equals_stdout() {
    let dir = near_corpus();
    let out_dir = tempfile::tempdir().expect("dir");
    let target = out_dir.path().join("report.json");
    nearcopy()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json", "-o"])
        .arg(&target)
        .assert()
        .success()
        .stdout("");
    let written = without_timings(json_of(&std::fs::read(&target).expect("report")));
    let printed = nearcopy()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json"])
        .assert()
        .success();
    assert_eq!(
        written,
        without_timings(json_of(&printed.get_output().stdout))
    );
    let leftovers = std::fs::read_dir(out_dir.path()).expect("list").count();
    assert_eq!(leftovers, 1, "only the report, no temporary file");
}

fn jsonl_lines() -> String {
    let a = article(7).join(" ");
    [
        serde_json::json!({"id": "x", "text": a, "site": "one"}).to_string(),
        String::new(),
        serde_json::json!({"text": a, "id": 42}).to_string(),
        serde_json::json!({"body": "other", "text": "short text here"}).to_string(),
    ]
    .join("\n")
        + "\n"
}

#[test]
fn jsonl_plain_gzip_zstd_and_stdin_agree() {
    let dir = tempfile::tempdir().expect("dir");
    let text = jsonl_lines();
    let plain = dir.path().join("docs.jsonl");
    std::fs::write(&plain, &text).expect("write");
    let gz = dir.path().join("docs.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).expect("gzip");
    std::fs::write(&gz, enc.finish().expect("gzip")).expect("write");
    let zst = dir.path().join("docs.jsonl.zst");
    std::fs::write(&zst, zstd::encode_all(text.as_bytes(), 3).expect("zstd")).expect("write");

    let pairs = |v: &serde_json::Value| v["clusters"][0]["pairs"].clone();
    let mut results = Vec::new();
    for file in [&plain, &gz, &zst] {
        let out = nearcopy()
            .arg("scan")
            .arg(file)
            .args(["--format", "json", "--source-field", "site"])
            .assert()
            .success();
        let v = json_of(&out.get_output().stdout);
        assert_eq!(v["documents"].as_array().map(Vec::len), Some(3));
        assert_eq!(v["documents"][0]["source"], "one");
        assert_eq!(v["skipped"]["blank_lines"], 1);
        results.push(pairs(&v));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
    assert_eq!(results[0][0]["a"], "x");
    assert_eq!(results[0][0]["b"], "42");
    let out = nearcopy()
        .args(["scan", "-", "--format", "json"])
        .write_stdin(text)
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(
        v["documents"][2]["id"], "<stdin>:4",
        "FILE:LINE id without an id field"
    );
    assert_eq!(pairs(&v)[0]["b"], "42");
    // Plain text on standard input is one document.
    let out = nearcopy()
        .args(["scan", "-", "--format", "json"])
        .write_stdin("just some words")
        .assert()
        .success();
    assert_eq!(
        json_of(&out.get_output().stdout)["documents"][0]["id"],
        "<stdin>"
    );
}

#[test]
fn text_and_id_fields_are_configurable() {
    let dir = tempfile::tempdir().expect("dir");
    let f = dir.path().join("d.jsonl");
    std::fs::write(&f, "{\"key\":\"k1\",\"body\":\"alpha beta\"}\n").expect("write");
    let out = nearcopy()
        .arg("scan")
        .arg(&f)
        .args([
            "--text-field",
            "body",
            "--id-field",
            "key",
            "--format",
            "json",
        ])
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["documents"][0]["id"], "k1");
    assert_eq!(v["documents"][0]["words"], 2);
}

#[test]
fn char_ngrams_find_near_duplicate_chinese() {
    let a = "北京时间今天上午，国家统计局发布了最新的经济数据，显示第三季度国内生产总值同比增长百分之五，消费和投资保持稳定。";
    let b = "北京时间今天上午，国家统计局发布了最新的经济数据，显示第三季度国内生产总值同比增长百分之五，消费与投资保持稳定。";
    let dir = corpus(&[
        ("a.txt", a),
        ("b.txt", b),
        ("c.txt", "完全不同的一段文字，讲的是天气和体育比赛的结果。"),
    ]);
    let out = nearcopy()
        .arg("scan")
        .arg(dir.path())
        .args([
            "--char-ngrams",
            "3",
            "--threshold",
            "0.7",
            "--format",
            "json",
        ])
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["params"]["tokens"], "chars");
    assert_eq!(
        v["clusters"][0]["members"],
        serde_json::json!(["a.txt", "b.txt"])
    );
}

#[test]
fn hidden_and_binary_files_are_skipped_and_counted() {
    let dir = corpus(&[
        ("a.txt", "some words here"),
        (".git/x", "hidden"),
        (".hidden.txt", "h"),
    ]);
    std::fs::write(dir.path().join("img.png"), b"\x89PNG\0\0\0binary").expect("write");
    let out = nearcopy()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json"])
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["documents"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["skipped"]["hidden"], 2);
    assert_eq!(v["skipped"]["binary"], 1);
    nearcopy()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("skipped: 1 binary files, 2 hidden entries"));
}

#[test]
fn short_documents_are_handled() {
    let dir = corpus(&[
        ("a.txt", "Breaking news"),
        ("b.txt", "breaking NEWS!"),
        ("c.txt", " ... "),
    ]);
    let out = nearcopy()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json"])
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["summary"]["too_short"], 1);
    assert_eq!(
        v["clusters"][0]["members"],
        serde_json::json!(["a.txt", "b.txt"])
    );
}

/// Each bad input: a message naming the file (and line) and the cause, exit 1.
#[test]
fn bad_inputs_fail_with_file_line_and_cause() {
    let dir = tempfile::tempdir().expect("dir");
    let p = |name: &str| dir.path().join(name);
    std::fs::write(p("bad.jsonl"), "{\"text\":\"ok\"}\n{\"text\": oops}\n").expect("write");
    std::fs::write(
        p("missing.jsonl"),
        "{\"text\":\"ok\"}\n\n{\"body\":\"x\"}\n",
    )
    .expect("write");
    std::fs::write(p("number.jsonl"), "{\"text\":3}\n").expect("write");
    std::fs::write(p("latin1.txt"), b"caf\xe9 au lait").expect("write");
    std::fs::write(p("latin1.jsonl"), b"{\"text\":\"caf\xe9\"}\n").expect("write");
    std::fs::write(p("empty.jsonl"), "").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink("loop", p("loop")).expect("symlink");
    let cases: Vec<(std::path::PathBuf, Vec<&str>)> = vec![
        (p("nope.txt"), vec!["nope.txt: no such file or directory"]),
        (p("bad.jsonl"), vec!["bad.jsonl:2: invalid JSON"]),
        (
            p("missing.jsonl"),
            vec!["missing.jsonl:3: missing field \"text\""],
        ),
        (
            p("number.jsonl"),
            vec!["number.jsonl:1: field \"text\" is not a string"],
        ),
        (p("latin1.txt"), vec!["latin1.txt: invalid UTF-8 at byte 3"]),
        (p("latin1.jsonl"), vec!["latin1.jsonl:1: invalid UTF-8"]),
        (p("empty.jsonl"), vec!["no documents in the input"]),
        #[cfg(unix)]
        (p("loop"), vec!["loop: cannot read"]),
    ];
    for (path, wanted) in cases {
        let assert = nearcopy()
            .arg("scan")
            .arg(&path)
            .assert()
            .code(1)
            .stdout("");
        let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        for w in wanted {
            assert!(
                err.contains(w),
                "{}: stderr {err:?} lacks {w:?}",
                path.display()
            );
        }
        assert!(!err.contains("panicked"), "{err}");
    }
    // An empty directory is empty input too.
    let empty = tempfile::tempdir().expect("dir");
    nearcopy()
        .arg("scan")
        .arg(empty.path())
        .assert()
        .code(1)
        .stderr(contains("no documents in the input"));
    // Bad options are refused before reading.
    nearcopy()
        .args(["scan", "corpus/news", "--threshold", "1.5"])
        .assert()
        .code(1)
        .stderr(contains("--threshold must be in (0, 1]"));
    nearcopy()
        .args(["scan", "corpus/news", "--bands", "40", "--rows", "4"])
        .assert()
        .code(1)
        .stderr(contains("needs 160 signature values but --perms is 128"));
}

#[test]
fn skip_invalid_counts_by_cause() {
    let dir = tempfile::tempdir().expect("dir");
    let f = dir.path().join("mixed.jsonl");
    std::fs::write(
        &f,
        b"{\"text\":\"good one\"}\n{bad\n{\"body\":1}\n{\"text\":\"caf\xe9\"}\n{\"text\":\"good two\"}\n",
    )
    .expect("write");
    let out = nearcopy()
        .arg("scan")
        .arg(&f)
        .args(["--skip-invalid", "--format", "json"])
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["documents"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        v["skipped"]["invalid"],
        serde_json::json!({"invalid JSON": 1, "missing field": 1, "invalid UTF-8": 1})
    );
    nearcopy()
        .arg("scan")
        .arg(&f)
        .arg("--skip-invalid")
        .assert()
        .success()
        .stdout(contains(
            "skipped: 1 invalid JSON, 1 invalid UTF-8, 1 missing field",
        ));
}

#[test]
fn output_is_identical_at_any_thread_count() {
    // Enough documents for several batches and real parallel work.
    let dir = tempfile::tempdir().expect("dir");
    let mut lines = String::new();
    for i in 0..600 {
        let base = article(i % 150);
        let mut words = base.clone();
        words[(i * 7) % 300] = format!("edit{i}");
        lines.push_str(
            &serde_json::json!({"id": format!("d{i}"), "text": words.join(" ")}).to_string(),
        );
        lines.push('\n');
    }
    let f = dir.path().join("many.jsonl");
    std::fs::write(&f, lines).expect("write");
    for verify in ["exact", "estimate"] {
        let run = |threads: &str| {
            let out = nearcopy()
                .arg("scan")
                .arg(&f)
                .args(["--format", "json", "--verify", verify, "--threads", threads])
                .assert()
                .success();
            without_timings(json_of(&out.get_output().stdout))
        };
        let one = run("1");
        assert_eq!(one["clusters"].as_array().map(Vec::len), Some(150));
        assert_eq!(one, run("2"));
        assert_eq!(one, run("4"));
    }
}

#[test]
fn completions_and_manual_pages_come_from_the_argument_definitions() {
    for (shell, marker) in [
        ("bash", "_nearcopy()"),
        ("zsh", "#compdef nearcopy"),
        ("fish", "complete -c nearcopy"),
    ] {
        let out = nearcopy()
            .args(["completions", shell])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let script = String::from_utf8(out).unwrap();
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(
            script.contains("passages") && script.contains("threshold"),
            "{shell}"
        );
    }
    let page = |args: &[&str]| {
        String::from_utf8(
            nearcopy()
                .args(args)
                .assert()
                .success()
                .get_output()
                .stdout
                .clone(),
        )
        .unwrap()
    };
    let top = page(&["man"]);
    assert!(top.contains(".TH nearcopy 1"), "{top}");
    assert!(top.contains("nearcopy\\-dedup(1)"), "{top}");
    let scan = page(&["man", "scan"]);
    assert!(scan.contains(".TH nearcopy-scan 1"), "{scan}");
    assert!(scan.contains("\\-\\-threshold"), "{scan}");
    nearcopy()
        .args(["man", "nope"])
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "no command 'nope'; the commands are scan",
        ));
}

/// Exact verification reads the records of candidate documents again: at
/// their offsets in plain files, by reading everything in compressed ones.
/// Both give the same pairs and Jaccards, with a byte-order mark, CRLF
/// line ends, blank lines and whole text files in the mix.
#[test]
fn exact_verification_reads_records_at_their_offsets() {
    let dir = tempfile::tempdir().expect("dir");
    let corpus = dir.path().join("synth.jsonl");
    nearcopy()
        .args(["synth", "--docs", "400", "--seed", "3", "-q", "-o"])
        .arg(&corpus)
        .assert()
        .success();
    let text = std::fs::read_to_string(&corpus).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    // A BOM first, CRLF and blank lines in between.
    let mut messy = String::from("\u{feff}");
    for (i, l) in lines.iter().enumerate() {
        messy.push_str(l);
        messy.push_str(if i % 3 == 0 { "\r\n" } else { "\n" });
        if i % 50 == 0 {
            messy.push_str("\n  \n");
        }
    }
    let plain = dir.path().join("plain").join("docs.jsonl");
    std::fs::create_dir_all(plain.parent().expect("parent")).expect("mkdir");
    std::fs::write(&plain, &messy).expect("write");
    // Two whole text files that are near-duplicates of each other.
    let body = serde_json::from_str::<serde_json::Value>(lines[0]).expect("json")["text"]
        .as_str()
        .expect("text")
        .to_string();
    std::fs::write(dir.path().join("plain").join("a.txt"), &body).expect("write");
    std::fs::write(
        dir.path().join("plain").join("b.txt"),
        format!("{body} one more line"),
    )
    .expect("write");
    let packed = dir.path().join("packed");
    std::fs::create_dir_all(&packed).expect("mkdir");
    std::fs::write(
        packed.join("docs.jsonl.zst"),
        zstd::encode_all(messy.as_bytes(), 3).expect("zstd"),
    )
    .expect("write");
    std::fs::write(packed.join("a.txt"), &body).expect("write");
    std::fs::write(packed.join("b.txt"), format!("{body} one more line")).expect("write");

    let clusters = |path: &std::path::Path| {
        let out = nearcopy()
            .arg("scan")
            .arg(path)
            .args(["--no-passages", "--threshold", "0.5", "-f", "json", "-q"])
            .assert()
            .success();
        let v = json_of(&out.get_output().stdout);
        assert!(
            v["summary"]["verified_pairs"].as_u64() > Some(10),
            "{}",
            v["summary"]
        );
        v["clusters"].clone()
    };
    let (a, b) = (clusters(plain.parent().expect("dir")), clusters(&packed));
    // Ids name the file; compare everything else.
    let strip = |v: serde_json::Value| v.to_string().replace("docs.jsonl.zst", "docs.jsonl");
    assert_eq!(strip(a.clone()), strip(b));
    assert!(a.to_string().contains("a.txt"), "the text files pair up");
}

/// Exact verification of a directory of many text files keeps no file
/// open between records: under a limit of 64 open files, 150 pairs of
/// near-copies among 300 files are all verified.
#[test]
fn exact_verification_of_many_files_keeps_few_open() {
    let dir = tempfile::tempdir().expect("dir");
    for i in 0..150u64 {
        let text: Vec<String> = (0..120)
            .map(|w| {
                format!(
                    "w{}",
                    nearcopy::hash::SplitMix64::new(i * 1000 + w).next() % 5000
                )
            })
            .collect();
        let text = text.join(" ");
        std::fs::write(dir.path().join(format!("a{i:03}.txt")), &text).expect("write");
        std::fs::write(
            dir.path().join(format!("b{i:03}.txt")),
            text + " extra words here",
        )
        .expect("write");
    }
    let bin = assert_cmd::cargo::cargo_bin("nearcopy");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 64 && exec "$0" scan "$1" --no-passages -q -f json"#)
        .arg(&bin)
        .arg(dir.path())
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out.stdout);
    assert_eq!(v["summary"]["verified_pairs"], 150, "{}", v["summary"]);
}
