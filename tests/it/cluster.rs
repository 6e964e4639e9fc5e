//! Cluster runs (`--hosts`/`--process`, `--local-processes`): the same
//! answer as one process, byte for byte; failures that stop every process
//! with a clear error and leave no output.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{json_of, nearcopy, without_timings};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("nearcopy")
}

/// A corpus with near-duplicates, exact copies and repeated passages
/// spread over the whole of a large JSON Lines file (so that every share
/// holds some), a second file without ids, with blank lines and a reused
/// id, and a folder of text files.
fn corpus(dir: &Path, docs: usize) -> Vec<PathBuf> {
    let big = dir.join("synth.jsonl");
    nearcopy()
        .args([
            "synth",
            "--docs",
            &docs.to_string(),
            "--seed",
            "11",
            "-q",
            "-o",
        ])
        .arg(&big)
        .assert()
        .success();
    let text = std::fs::read_to_string(&big).expect("synth output");
    let mut plain = String::from("\u{feff}");
    for (i, line) in text.lines().take(120).enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).expect("synth JSON");
        let mut r = serde_json::json!({ "text": v["text"] });
        if i % 40 == 0 {
            r["id"] = "again".into();
        }
        plain.push_str(&r.to_string());
        plain.push('\n');
        if i % 25 == 0 {
            plain.push_str("\n  \n");
        }
        if i % 50 == 3 {
            // No word, so no shingle: counted, never signed.
            plain.push_str("{\"text\": \"... !\"}\n");
        }
    }
    let plain_path = dir.join("plain.jsonl");
    std::fs::write(&plain_path, plain).expect("write");
    let texts = dir.join("texts");
    std::fs::create_dir_all(&texts).expect("mkdir");
    for (i, line) in text.lines().skip(7).step_by(97).take(4).enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).expect("synth JSON");
        let t = v["text"].as_str().unwrap_or_default();
        std::fs::write(texts.join(format!("t{i}.txt")), t).expect("write");
        std::fs::write(texts.join(format!("copy{i}.txt")), t).expect("write");
    }
    vec![plain_path, big, texts]
}

/// Rewrites the lines of `path` with `edit`.
fn rewrite_lines(path: &Path, edit: impl FnOnce(&mut Vec<String>)) {
    let mut lines: Vec<String> = std::fs::read_to_string(path)
        .expect("read")
        .lines()
        .map(String::from)
        .collect();
    edit(&mut lines);
    std::fs::write(path, lines.join("\n") + "\n").expect("write");
}

fn with_paths(args: &[&str], paths: &[PathBuf]) -> Vec<String> {
    let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    v.extend(paths.iter().map(|p| p.display().to_string()));
    v
}

/// The report of `scan` with `args`, without its timings, on `cluster`
/// (`[processes, threads]`) or on one process.
fn scan_report(args: &[String], cluster: Option<[&str; 2]>) -> serde_json::Value {
    let mut cmd = nearcopy();
    cmd.args(args);
    if let Some([processes, threads]) = cluster {
        cmd.args(["--local-processes", processes, "-j", threads]);
    }
    let out = cmd.assert().success();
    without_timings(json_of(&out.get_output().stdout))
}

#[test]
fn one_two_and_three_processes_give_the_one_process_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = corpus(dir.path(), 600);
    let args = with_paths(&["scan", "-f", "json", "-q"], &paths);
    let one = scan_report(&args, None);
    assert!(one["clusters"].as_array().is_some_and(|c| c.len() > 10));
    assert!(one["passages"].as_array().is_some_and(|p| !p.is_empty()));
    assert!(one["summary"]["too_short"].as_u64().is_some_and(|n| n >= 2));
    for processes in ["1", "2", "3"] {
        for threads in ["1", "2"] {
            assert!(
                scan_report(&args, Some([processes, threads])) == one,
                "{processes} processes x {threads} threads gave another report"
            );
        }
    }
    // Signatures travel between processes only when the estimate decides.
    let args = with_paths(
        &["scan", "-f", "json", "-q", "--verify", "estimate"],
        &paths,
    );
    let one = scan_report(&args, None);
    for processes in ["2", "3"] {
        assert!(
            scan_report(&args, Some([processes, "2"])) == one,
            "{processes} processes gave another report with --verify estimate"
        );
    }
}

#[test]
fn dedup_on_a_cluster_writes_the_one_process_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = corpus(dir.path(), 400);
    // Text files cannot be written as JSON Lines records: the JSON Lines
    // inputs only.
    let inputs = &paths[..2];
    let run = |extra: &[&str], tag: &str| -> (Vec<u8>, Vec<u8>, serde_json::Value) {
        let out = dir.path().join(format!("kept-{tag}.jsonl"));
        let log = dir.path().join(format!("removed-{tag}.jsonl"));
        let mut args = with_paths(&["dedup", "-q", "-f", "json"], inputs);
        args.extend(["--removed".into(), log.display().to_string()]);
        args.extend(["-o".into(), out.display().to_string()]);
        let res = nearcopy().args(&args).args(extra).assert().success();
        let summary = without_timings(json_of(&res.get_output().stdout));
        (
            std::fs::read(&out).expect("output"),
            std::fs::read(&log).expect("log"),
            summary,
        )
    };
    let one = run(&[], "one");
    assert!(!one.1.is_empty(), "the corpus has duplicates to remove");
    for (processes, threads) in [("2", "1"), ("3", "2")] {
        let got = run(
            &["--local-processes", processes, "-j", threads],
            &format!("{processes}-{threads}"),
        );
        assert!(
            got.0 == one.0,
            "kept records differ with {processes} processes"
        );
        assert!(
            got.1 == one.1,
            "removal log differs with {processes} processes"
        );
        assert_eq!(got.2, one.2, "summary differs with {processes} processes");
    }
}

#[test]
fn a_bad_record_in_another_share_is_reported_as_one_process_reports_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = corpus(dir.path(), 300);
    let big = &paths[1];
    // Late in the file: in the last process's share.
    let mut at = 0;
    rewrite_lines(big, |lines| {
        at = lines.len() - 20;
        lines[at] = "{\"text\": broken".into();
    });
    let out = dir.path().join("report.json");
    let args = with_paths(&["scan", "-q", "-o", &out.display().to_string()], &paths);
    let err_of = |extra: &[&str]| {
        let o = nearcopy().args(&args).args(extra).assert().failure();
        String::from_utf8_lossy(&o.get_output().stderr).into_owned()
    };
    let alone = err_of(&[]);
    let expected = format!("synth.jsonl:{}: invalid JSON", at + 1);
    assert!(alone.contains(&expected), "{alone}");
    let cluster = err_of(&["--local-processes", "3"]);
    assert!(cluster.contains(&expected), "{cluster}");
    assert!(!out.exists(), "no report is written by a failed run");
}

/// Ports free on loopback now (outside the range of outgoing
/// connections' ports).
fn free_ports(n: usize) -> Vec<u16> {
    nearcopy::distributed::free_local_ports(n).expect("free ports")
}

fn host_file(dir: &Path, n: usize) -> PathBuf {
    let hosts: Vec<String> = free_ports(n)
        .into_iter()
        .map(|p| format!("127.0.0.1:{p}"))
        .collect();
    let path = dir.join("hosts.txt");
    std::fs::write(&path, hosts.join("\n") + "\n").expect("write");
    path
}

fn start(args: &[String], hosts: &Path, process: usize, extra: &[&str]) -> Child {
    Command::new(bin())
        .args(args)
        .arg("--hosts")
        .arg(hosts)
        .args(["--process", &process.to_string()])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nearcopy")
}

/// Waits for `child`, at most `limit`; its exit code and standard error.
fn finish(mut child: Child, limit: Duration) -> (Option<i32>, String) {
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            return (status.code(), err);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("a process still ran after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_killed_process_stops_the_others_and_leaves_no_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = corpus(dir.path(), 4000);
    let hosts = host_file(dir.path(), 3);
    let out = dir.path().join("report.json");
    let args = with_paths(
        &["scan", "-f", "json", "-o", &out.display().to_string()],
        &paths,
    );
    // Killed early, while the run surely goes on (it takes seconds); if
    // that is before process 2 connected, the others say so instead.
    let wait = ["--connect-timeout", "10"];
    let p0 = start(&args, &hosts, 0, &wait);
    let p1 = start(&args, &hosts, 1, &wait);
    let mut p2 = start(&args, &hosts, 2, &wait);
    std::thread::sleep(Duration::from_millis(800));
    p2.kill().expect("kill process 2");
    let _ = p2.wait();
    let killed_at = Instant::now();
    for (i, p) in [(0, p0), (1, p1)] {
        let (code, err) = finish(p, Duration::from_secs(30));
        assert_eq!(code, Some(1), "process {i}: {err}");
        assert!(
            // Process 1 keeps its connections open a moment after it
            // loses process 2, so process 0 names process 2 too.
            err.contains("lost process 2")
                || err.contains("process 2 (127.0.0.1:") && err.contains("did not connect"),
            "process {i}: {err}"
        );
    }
    assert!(killed_at.elapsed() < Duration::from_secs(30));
    assert!(!out.exists(), "no report from a run that lost a process");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".nearcopy-"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

#[test]
fn a_process_that_never_starts_fails_the_run_after_the_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = corpus(dir.path(), 50);
    let hosts = host_file(dir.path(), 2);
    let args = with_paths(&["scan", "-q"], &paths);
    let started = Instant::now();
    let p0 = start(&args, &hosts, 0, &["--connect-timeout", "1"]);
    let (code, err) = finish(p0, Duration::from_secs(30));
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("process 1 (127.0.0.1:") && err.contains("did not connect within 1 s"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn processes_started_with_other_arguments_refuse_each_other() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = corpus(dir.path(), 50);
    let hosts = host_file(dir.path(), 2);
    let args = with_paths(&["scan", "-q"], &paths);
    let p0 = start(&args, &hosts, 0, &["--threshold", "0.7"]);
    let p1 = start(&args, &hosts, 1, &["--threshold", "0.9"]);
    for (i, p) in [(0, p0), (1, p1)] {
        let (code, err) = finish(p, Duration::from_secs(30));
        assert_eq!(code, Some(1), "process {i}: {err}");
        assert!(
            err.contains("was started with other arguments"),
            "process {i}: {err}"
        );
    }
}

#[test]
fn cluster_flags_are_checked_before_any_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = corpus(dir.path(), 20);
    let p = paths[0].display().to_string();
    let bad = dir.path().join("bad-hosts.txt");
    std::fs::write(&bad, "127.0.0.1:7000\nno-port-here\n").expect("write");
    let hosts = host_file(dir.path(), 2);
    let cases: [(Vec<String>, &str); 4] = [
        (
            vec![
                "scan".into(),
                p.clone(),
                "--hosts".into(),
                bad.display().to_string(),
                "--process".into(),
                "0".into(),
            ],
            "bad-hosts.txt:2: expected host:port",
        ),
        (
            vec![
                "scan".into(),
                p.clone(),
                "--hosts".into(),
                hosts.display().to_string(),
                "--process".into(),
                "2".into(),
            ],
            "--process 2 is not in the host file",
        ),
        (
            vec![
                "scan".into(),
                "-".into(),
                "--local-processes".into(),
                "2".into(),
            ],
            "standard input (-) cannot be shared",
        ),
        (
            vec![
                "dedup".into(),
                p.clone(),
                "-o".into(),
                dir.path().join("o.jsonl").display().to_string(),
                "--index".into(),
                dir.path().join("idx").display().to_string(),
                "--local-processes".into(),
                "2".into(),
            ],
            "--index is not available on a cluster",
        ),
    ];
    for (args, expected) in cases {
        let o = nearcopy().args(&args).assert().failure();
        let err = String::from_utf8_lossy(&o.get_output().stderr).into_owned();
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

#[test]
fn skipped_records_are_counted_as_one_process_counts_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = corpus(dir.path(), 300);
    let big = &paths[1];
    // Bad records of each kind, all over the file (in every share).
    rewrite_lines(big, |lines| {
        for (i, at) in (5..lines.len()).step_by(37).enumerate() {
            lines[at] = match i % 3 {
                0 => "{\"text\": broken".into(),
                1 => "{\"id\": \"no text\"}".into(),
                _ => "{\"text\": 17}".into(),
            };
        }
    });
    let args = with_paths(
        &[
            "scan",
            "-q",
            "-f",
            "json",
            "--no-passages",
            "--skip-invalid",
        ],
        &paths,
    );
    let one = nearcopy().args(&args).assert().success();
    let one = without_timings(json_of(&one.get_output().stdout));
    let invalid: u64 = one["skipped"]["invalid"]
        .as_object()
        .map_or(0, |o| o.values().filter_map(|v| v.as_u64()).sum());
    assert!(invalid >= 6, "{}", one["skipped"]);
    let three = nearcopy()
        .args(&args)
        .args(["--local-processes", "3"])
        .assert()
        .success();
    assert_eq!(without_timings(json_of(&three.get_output().stdout)), one);
}
