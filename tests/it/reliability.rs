//! What no input or action may do: replace a device, a FIFO or an input,
//! leave temporary files behind after a signal, hang on a FIFO, or pass
//! silently over a byte-order mark, reused ids or a runaway `--threads`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("nearcopy")
}

/// Waits for `child` at most `limit`; kills it and fails if it is still
/// running then.
fn wait_at_most(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until `dir` holds an entry for which `found` is true.
fn wait_for_entry(dir: &Path, found: impl Fn(&str) -> bool) {
    let start = Instant::now();
    while !entries(dir).iter().any(|e| found(e)) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no such entry appeared in {}: {:?}",
            dir.display(),
            entries(dir)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn is_temp(name: &str) -> bool {
    name.starts_with(".nearcopy-") && name.ends_with(".tmp")
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Two near-copies and a third document, as JSON Lines.
fn small_jsonl() -> String {
    let text = "The committee met on Tuesday to discuss the budget for the coming year \
                and agreed to postpone the vote until the next session of the council";
    let mut s = String::new();
    for (id, t) in [
        ("a", text.to_string()),
        ("b", text.to_string()),
        (
            "c",
            "Something else entirely, with words of its own.".to_string(),
        ),
    ] {
        s.push_str(&serde_json::json!({"id": id, "text": t}).to_string());
        s.push('\n');
    }
    s
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn a_device_a_fifo_a_link_and_stdout_are_written_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = corpus(&[("in/a.txt", "one two three four five six seven eight nine")]);
    let input = dir.path().join("in");
    let out = tempfile::tempdir().unwrap();

    // A private copy of /dev/null (needs root); the real one is never used.
    let null = out.path().join("null");
    let made = Command::new("mknod")
        .args([p(&null), "c", "1", "3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        nearcopy()
            .args(["scan", p(&input), "-q", "-o", p(&null)])
            .assert()
            .success();
        let kind = std::fs::symlink_metadata(&null).unwrap().file_type();
        assert!(kind.is_char_device(), "the device node was replaced");
    } else {
        eprintln!("skipping the device-node part: mknod needs root");
    }

    // A FIFO: the report goes through it, and it stays a FIFO.
    let fifo = out.path().join("fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    nearcopy()
        .args(["scan", p(&input), "-q", "-f", "json", "-o", p(&fifo)])
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let report = json_of(reader.join().unwrap().as_bytes());
    assert_eq!(report["summary"]["documents"], 1);
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());

    // A symbolic link: its target is replaced, the link stays a link.
    let target = out.path().join("target.json");
    std::fs::write(&target, "old").unwrap();
    let link = out.path().join("link.json");
    std::os::unix::fs::symlink("target.json", &link).unwrap();
    nearcopy()
        .args(["scan", p(&input), "-q", "-f", "json", "-o", p(&link)])
        .assert()
        .success();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    json_of(&std::fs::read(&target).unwrap());
    // A dangling link: the file it names is created.
    let dangling = out.path().join("dangling.json");
    std::os::unix::fs::symlink("new.json", &dangling).unwrap();
    nearcopy()
        .args(["scan", p(&input), "-q", "-f", "json", "-o", p(&dangling)])
        .assert()
        .success();
    json_of(&std::fs::read(out.path().join("new.json")).unwrap());

    // `-o -` is standard output, not a file named `-`.
    let stdout = stdout_ok(nearcopy().current_dir(out.path()).args([
        "scan",
        p(&input),
        "-q",
        "-f",
        "json",
        "-o",
        "-",
    ]));
    json_of(&stdout);
    assert!(!out.path().join("-").exists());
    let mut expected = vec![
        "dangling.json",
        "fifo",
        "link.json",
        "new.json",
        "target.json",
    ];
    if made {
        expected.push("null");
        expected.sort();
    }
    assert_eq!(entries(out.path()), expected);
}

#[test]
fn replacing_a_file_keeps_its_permissions() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = corpus(&[("a.txt", "one two three four five six seven eight nine")]);
        let out = dir.path().join("report.txt");
        std::fs::write(&out, "old").unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
        nearcopy()
            .args(["scan", p(&dir.path().join("a.txt")), "-q", "-o", p(&out)])
            .assert()
            .success();
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_ne!(std::fs::read_to_string(&out).unwrap(), "old");
    }
}

#[test]
fn no_command_writes_over_its_input() {
    let jsonl = small_jsonl();
    let dir = corpus(&[
        ("in/docs.jsonl", &jsonl),
        ("in/other.txt", "plain text here"),
    ]);
    let input = dir.path().join("in");
    let docs = input.join("docs.jsonl");
    // The same file by another name, and by a hard link.
    let other_name = dir.path().join("in/../in/./docs.jsonl");
    let hard = dir.path().join("hard.jsonl");
    std::fs::hard_link(&docs, &hard).unwrap();
    let truth = dir.path().join("truth.json");
    std::fs::write(&truth, "{}").unwrap();
    let truth_copy = std::fs::read(&truth).unwrap();

    let mut cases: Vec<Vec<String>> = Vec::new();
    for cmd in ["scan", "passages", "exact", "similarity"] {
        for out in [&docs, &other_name, &hard] {
            cases.push(vec![
                cmd.into(),
                p(&input).into(),
                "-o".into(),
                p(out).into(),
            ]);
        }
    }
    for flag in ["--html", "--svg"] {
        cases.push(vec![
            "similarity".into(),
            p(&input).into(),
            flag.into(),
            p(&hard).into(),
        ]);
    }
    cases.push(vec![
        "eval".into(),
        "--truth".into(),
        p(&truth).into(),
        p(&docs).into(),
        "-o".into(),
        p(&truth).into(),
    ]);
    #[cfg(unix)]
    {
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&docs, &link).unwrap();
        cases.push(vec![
            "scan".into(),
            p(&docs).into(),
            "-o".into(),
            p(&link).into(),
        ]);
    }
    for args in &cases {
        nearcopy()
            .args(args)
            .arg("-q")
            .assert()
            .failure()
            .code(1)
            .stderr(predicates::str::contains("refusing to write over an input"));
    }
    assert_eq!(std::fs::read_to_string(&docs).unwrap(), jsonl);
    assert_eq!(std::fs::read(&truth).unwrap(), truth_copy);
}

#[test]
fn a_missing_output_directory_is_reported_before_the_work() {
    let dir = corpus(&[("docs.jsonl", &small_jsonl())]);
    let docs = dir.path().join("docs.jsonl");
    let missing = dir.path().join("no/such/dir/out.json");
    for args in [
        vec!["scan", p(&docs), "-o", p(&missing)],
        vec!["passages", p(&docs), "-o", p(&missing)],
        vec!["exact", p(&docs), "-o", p(&missing)],
        vec!["similarity", p(&docs), "--html", p(&missing)],
        vec!["eval", "--truth", p(&docs), p(&docs), "-o", p(&missing)],
        vec!["dedup", p(&docs), "-o", p(&missing)],
    ] {
        nearcopy()
            .args(&args)
            .assert()
            .failure()
            .code(1)
            .stderr(predicates::str::contains("cannot write: no directory"));
    }
    // synth checks its truth file before it writes the corpus.
    let corpus_out = dir.path().join("corpus.jsonl");
    nearcopy()
        .args([
            "synth",
            "--docs",
            "50",
            "-o",
            p(&corpus_out),
            "--truth",
            p(&missing),
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("(create it first)"));
    assert!(!corpus_out.exists());
    // Two outputs that are one file.
    nearcopy()
        .args(["synth", "--docs", "50", "-o", p(&corpus_out), "--truth"])
        .arg(&corpus_out)
        .assert()
        .failure()
        .stderr(predicates::str::contains("two outputs are the same file"));
}

/// Every signal stops a long run at once, removes its temporary file,
/// leaves the existing output as it was, and exits 128 + the signal.
#[cfg(unix)]
#[test]
fn signals_stop_the_run_and_leave_no_temporary_file() {
    for (name, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("corpus.jsonl");
        std::fs::write(&out, "existing output\n").unwrap();
        let mut child = Command::new(bin())
            .args(["synth", "--docs", "20000000", "-q", "-o", p(&out)])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for_entry(dir.path(), is_temp);
        let sent = Instant::now();
        signal(&child, name);
        let status = wait_at_most(&mut child, Duration::from_secs(10));
        assert!(sent.elapsed() < Duration::from_secs(5), "slow to stop");
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert_eq!(status.code(), Some(code), "SIG{name}: {err}");
        assert!(err.contains(&format!("interrupted by SIG{name}")), "{err}");
        assert_eq!(entries(dir.path()), ["corpus.jsonl"]);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "existing output\n");
    }
}

/// A signal while standard input is being copied removes the copy.
#[cfg(unix)]
#[test]
fn a_signal_removes_the_standard_input_spool() {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = Command::new(bin())
        .args(["scan", "-", "-q"])
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(small_jsonl().as_bytes()).unwrap();
    stdin.flush().unwrap();
    // Standard input stays open: the run is held in its copy.
    wait_for_entry(tmp.path(), is_temp);
    signal(&child, "TERM");
    let status = wait_at_most(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(143));
    assert_eq!(entries(tmp.path()), Vec::<String>::new());
    drop(stdin);
}

/// After a `kill -9`, the temporary file is hidden, and the next run that
/// writes into the same directory removes it.
#[cfg(unix)]
#[test]
fn a_killed_runs_temporary_file_is_swept_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("corpus.jsonl");
    let mut child = Command::new(bin())
        .args(["synth", "--docs", "20000000", "-q", "-o", p(&out)])
        .spawn()
        .unwrap();
    wait_for_entry(dir.path(), is_temp);
    signal(&child, "KILL");
    wait_at_most(&mut child, Duration::from_secs(10));
    let left = entries(dir.path());
    assert_eq!(left.len(), 1);
    assert!(is_temp(&left[0]), "{left:?}");
    // A live process's file is left alone: this test's own id.
    let live = format!(".nearcopy-{}-keep.tmp", std::process::id());
    std::fs::write(dir.path().join(&live), "x").unwrap();
    nearcopy()
        .args(["synth", "--docs", "20", "-q", "-o", p(&out)])
        .assert()
        .success();
    assert_eq!(entries(dir.path()), [live.as_str(), "corpus.jsonl"]);
}

/// A FIFO can be read only once: it is copied, not opened a second time.
#[cfg(unix)]
#[test]
fn a_fifo_input_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("feed.jsonl");
    mkfifo(&fifo);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, small_jsonl()).unwrap())
    };
    let out = stdout_ok(
        nearcopy()
            .args(["scan", p(&fifo), "-q", "-f", "json"])
            .timeout(Duration::from_secs(60)),
    );
    writer.join().unwrap();
    let report = json_of(&out);
    assert_eq!(report["summary"]["documents"], 3);
    assert_eq!(
        report["clusters"][0]["members"],
        serde_json::json!(["a", "b"])
    );
}

#[test]
fn threads_are_capped_with_a_warning() {
    let dir = corpus(&[("docs.jsonl", &small_jsonl())]);
    let out = nearcopy()
        .args([
            "scan",
            p(&dir.path().join("docs.jsonl")),
            "-q",
            "-f",
            "json",
        ])
        .args(["--threads", "100000"])
        .assert()
        .success()
        .stderr(predicates::str::contains("--threads 100000 is more than"))
        .get_output()
        .stdout
        .clone();
    assert_eq!(json_of(&out)["summary"]["documents"], 3);
    nearcopy()
        .args([
            "scan",
            p(&dir.path().join("docs.jsonl")),
            "--threads",
            "lots",
        ])
        .assert()
        .failure()
        .code(2)
        .stderr(predicates::str::contains("expected a number of threads"));
}

#[test]
fn a_byte_order_mark_before_the_first_record_is_skipped() {
    let plain = small_jsonl();
    let with_bom = format!("\u{feff}{plain}");
    let dir = corpus(&[("plain/docs.jsonl", &plain), ("bom/docs.jsonl", &with_bom)]);
    let report = |name: &str| {
        let out =
            stdout_ok(nearcopy().args(["scan", p(&dir.path().join(name)), "-q", "-f", "json"]));
        without_timings(json_of(&out))
    };
    assert_eq!(report("bom/docs.jsonl"), report("plain/docs.jsonl"));
    // dedup copies records byte for byte, without the mark.
    let out = dir.path().join("kept.jsonl");
    nearcopy()
        .args([
            "dedup",
            p(&dir.path().join("bom/docs.jsonl")),
            "-q",
            "-o",
            p(&out),
        ])
        .assert()
        .success();
    let kept = std::fs::read_to_string(&out).unwrap();
    assert!(!kept.starts_with('\u{feff}'));
    assert_eq!(kept.lines().count(), 2);
    assert_eq!(kept.lines().next(), plain.lines().next());
}

#[test]
fn reused_ids_are_reported_with_both_places() {
    let mut input = small_jsonl();
    input.push_str("{\"id\":\"a\",\"text\":\"a later record that reuses the first id\"}\n");
    let dir = corpus(&[("docs.jsonl", &input)]);
    let out = nearcopy()
        .current_dir(dir.path())
        .args(["scan", "docs.jsonl", "-q", "-f", "json"])
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "1 document reuses an earlier document's id, e.g. \"a\" at docs.jsonl:1 and docs.jsonl:4",
        ))
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    let dup = &report["skipped"]["duplicate_ids"];
    assert_eq!(dup["count"], 1);
    assert_eq!(dup["examples"][0]["again"], "docs.jsonl:4");
    // Without reused ids the report has no such key.
    let dir = corpus(&[("docs.jsonl", &small_jsonl())]);
    let out = run_ok(&[
        "scan",
        p(&dir.path().join("docs.jsonl")),
        "-q",
        "-f",
        "json",
    ]);
    assert!(json_of(&out)["skipped"].get("duplicate_ids").is_none());
}
