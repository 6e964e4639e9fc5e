//! The persistent index: `index add|stats|verify`, `dedup --index`,
//! `scan --index`: equivalence with one dedup of everything, refusals,
//! the writer lock, and crash safety under kill -9 at random moments and
//! at the moments between the commits of `dedup --index`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("nearcopy")
}

/// A synthetic corpus of `docs` documents (near-copies, exact copies and
/// shared passages planted), split into batches of the given sizes.
fn batches(dir: &Path, docs: usize, seed: u64, sizes: &[usize]) -> Vec<PathBuf> {
    let all = dir.join("all.jsonl");
    run_ok(&[
        "synth",
        "--docs",
        &docs.to_string(),
        "--seed",
        &seed.to_string(),
        "-o",
        p(&all),
    ]);
    let text = std::fs::read_to_string(&all).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut at = 0;
    sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let path = dir.join(format!("b{}.jsonl", i + 1));
            let mut body = lines[at..at + n].join("\n");
            body.push('\n');
            std::fs::write(&path, body).unwrap();
            at += n;
            path
        })
        .collect()
}

fn documents(idx: &Path) -> u64 {
    let stats = json_of(&run_ok(&["index", "stats", p(idx), "-f", "json"]));
    stats["documents"].as_u64().unwrap()
}

fn ids(jsonl: &Path) -> Vec<String> {
    std::fs::read_to_string(jsonl)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn index_then_dedup_keeps_what_one_dedup_of_both_keeps() {
    for options in [
        &[][..],
        &["--threshold", "0.5"][..],
        &["--char-ngrams", "5"][..],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let b = batches(dir.path(), 1600, 11, &[800, 800]);
        let idx = dir.path().join("IDX");
        let (one, kept, log) = (
            dir.path().join("one.jsonl"),
            dir.path().join("kept.jsonl"),
            dir.path().join("removed.jsonl"),
        );
        let with = |args: &[&str]| -> Vec<u8> {
            let mut a: Vec<&str> = args.to_vec();
            a.extend_from_slice(options);
            run_ok(&a)
        };
        with(&["dedup", p(&b[0]), p(&b[1]), "-o", p(&one), "-q"]);
        with(&["index", "add", p(&idx), p(&b[0]), "-q"]);
        assert_eq!(documents(&idx), 800);
        let report = json_of(&with(&[
            "dedup",
            p(&b[1]),
            "--index",
            p(&idx),
            "-o",
            p(&kept),
            "--removed",
            p(&log),
            "-f",
            "json",
            "-q",
        ]));
        // Byte for byte, the b2 records that one dedup of b1 and b2 keeps.
        let b2: std::collections::HashSet<String> = ids(&b[1]).into_iter().collect();
        let expected: Vec<String> = std::fs::read_to_string(&one)
            .unwrap()
            .lines()
            .filter(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                b2.contains(v["id"].as_str().unwrap())
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let got = std::fs::read_to_string(&kept).unwrap();
        assert_eq!(got, expected.concat(), "options {options:?}");
        let s = &report["summary"];
        let removed_indexed = s["removed_indexed"].as_u64().unwrap();
        assert!(
            removed_indexed > 0,
            "options {options:?}: nothing matched the index"
        );
        assert_eq!(s["index_added"].as_u64(), Some(expected.len() as u64));
        assert_eq!(documents(&idx), 800 + expected.len() as u64);
        // Removals against the index name the indexed document.
        let b1: std::collections::HashSet<String> = ids(&b[0]).into_iter().collect();
        let mut named = 0;
        for l in std::fs::read_to_string(&log).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            if let Some(n) = v["index_document"].as_u64() {
                let of = v["duplicate_of"].as_str().unwrap();
                assert!(b1.contains(of), "{of} is not an indexed document");
                assert_eq!(of, format!("d{n:04}"), "index numbers follow b1's order");
                assert!(v["jaccard"].as_f64().unwrap() > 0.0);
                named += 1;
            }
        }
        assert_eq!(named, removed_indexed);
        let checked = run_ok(&["index", "verify", p(&idx)]);
        assert!(String::from_utf8_lossy(&checked).contains("no problems found"));
    }
}

/// An index added to batch by batch (its buckets in several sorted runs,
/// merged as they come) answers exactly as one added in one go.
#[test]
fn an_index_built_batch_by_batch_answers_as_one_built_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let sizes = [1000, 100, 100, 100, 50, 250];
    let b = batches(dir.path(), 1600, 17, &sizes);
    let (whole, pieces) = (dir.path().join("WHOLE"), dir.path().join("PIECES"));
    let first5: Vec<&str> = b[..5].iter().map(|x| p(x)).collect();
    let mut args = vec!["index", "add", p(&whole)];
    args.extend(&first5);
    args.push("-q");
    run_ok(&args);
    let mut runs_seen = Vec::new();
    for batch in &b[..5] {
        run_ok(&["index", "add", p(&pieces), p(batch), "-q"]);
        let stats = json_of(&run_ok(&["index", "stats", p(&pieces), "-f", "json"]));
        runs_seen.push(stats["bucket_runs"].as_u64().unwrap());
    }
    // Smaller batches are kept apart from the first until, together,
    // they hold a quarter as much; then everything is merged.
    assert_eq!(runs_seen[..2], [1, 2], "{runs_seen:?}");
    assert!(runs_seen.windows(2).any(|w| w[1] < w[0]), "{runs_seen:?}");
    assert_eq!(documents(&whole), documents(&pieces));
    let matches = |idx: &Path| {
        let scan = json_of(&run_ok(&[
            "scan",
            p(&b[5]),
            "--index",
            p(idx),
            "--no-passages",
            "-f",
            "json",
            "-q",
        ]));
        scan["index"]["matches"].clone()
    };
    let m = matches(&whole);
    assert!(!m.as_array().unwrap().is_empty());
    assert_eq!(m, matches(&pieces));
    // dedup against either keeps the same records.
    let (k1, k2) = (dir.path().join("k1.jsonl"), dir.path().join("k2.jsonl"));
    for (idx, out) in [(&whole, &k1), (&pieces, &k2)] {
        run_ok(&["dedup", p(&b[5]), "--index", p(idx), "-o", p(out), "-q"]);
        run_ok(&["index", "verify", p(idx)]);
    }
    assert_eq!(std::fs::read(&k1).unwrap(), std::fs::read(&k2).unwrap());
}

#[test]
fn an_index_without_its_document_log_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let b = batches(dir.path(), 100, 3, &[100]);
    let idx = dir.path().join("IDX");
    run_ok(&["index", "add", p(&idx), p(&b[0]), "-q"]);
    std::fs::remove_file(idx.join("documents.dat")).unwrap();
    let err = run_err(&["scan", p(&b[0]), "--index", p(&idx)]);
    assert!(
        err.contains("document log documents.dat is missing"),
        "{err}"
    );
    // A writer finds it shorter than the index says.
    let err = run_err(&["index", "add", p(&idx), p(&b[0])]);
    assert!(err.contains("the index is damaged"), "{err}");
}

#[test]
fn scan_reports_each_documents_earliest_indexed_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let b = batches(dir.path(), 1200, 5, &[600, 600]);
    let idx = dir.path().join("IDX");
    run_ok(&["index", "add", p(&idx), p(&b[0]), "-q"]);
    let before = stored(&idx);
    let scan = json_of(&run_ok(&[
        "scan",
        p(&b[1]),
        "--index",
        p(&idx),
        "--no-passages",
        "-f",
        "json",
        "-q",
    ]));
    // Read-only: the store is byte for byte as it was.
    assert_eq!(stored(&idx), before);
    let matches = scan["index"]["matches"].as_array().unwrap();
    assert!(!matches.is_empty());
    let b1: std::collections::HashSet<String> = ids(&b[0]).into_iter().collect();
    for m in matches {
        assert!(b1.contains(m["duplicate_of"].as_str().unwrap()));
        let j = m["jaccard"].as_f64().unwrap();
        assert!(j >= 0.8, "{m}");
        if m["exact"].as_bool().unwrap() {
            assert_eq!(j, 1.0);
        }
    }
    // Every pair that a scan of both confirms between b2 and b1 is found.
    let both = json_of(&run_ok(&[
        "scan",
        p(&b[0]),
        p(&b[1]),
        "--no-passages",
        "-f",
        "json",
        "-q",
    ]));
    let found: std::collections::HashSet<&str> =
        matches.iter().map(|m| m["id"].as_str().unwrap()).collect();
    let mut across = 0;
    for c in both["clusters"].as_array().unwrap() {
        for pair in c["pairs"].as_array().unwrap() {
            let (a, b2) = (pair["a"].as_str().unwrap(), pair["b"].as_str().unwrap());
            if b1.contains(a) && !b1.contains(b2) {
                assert!(found.contains(b2), "{b2} ~ {a} not reported");
                across += 1;
            }
        }
    }
    assert!(across > 0);
}

#[test]
fn runs_with_other_options_or_no_index_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let b = batches(dir.path(), 200, 3, &[100, 100]);
    let idx = dir.path().join("IDX");
    run_ok(&["index", "add", p(&idx), p(&b[0]), "-q"]);
    let out = dir.path().join("out.jsonl");
    let err = run_err(&[
        "dedup",
        p(&b[1]),
        "--index",
        p(&idx),
        "-o",
        p(&out),
        "--threshold",
        "0.5",
    ]);
    assert!(err.contains("built with other options"), "{err}");
    assert!(err.contains("--threshold 0.8"), "{err}");
    assert!(!out.exists());
    let err = run_err(&["index", "add", p(&idx), p(&b[1]), "--char-ngrams", "5"]);
    assert!(err.contains("tokens words (run: chars"), "{err}");
    assert_eq!(documents(&idx), 100);
    let err = run_err(&[
        "dedup",
        p(&b[1]),
        "--index",
        p(&idx),
        "-o",
        p(&out),
        "--keep",
        "longest",
    ]);
    assert!(err.contains("--keep longest cannot be used"), "{err}");
    // A file where the index directory should be.
    let file = dir.path().join("file");
    std::fs::write(&file, "not an index").unwrap();
    for args in [
        vec!["index", "add", p(&file), p(&b[0])],
        vec!["scan", p(&b[1]), "--index", p(&file)],
    ] {
        let err = run_err(&args);
        assert!(
            err.contains("not a directory; an index is a directory"),
            "{err}"
        );
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not an index");
    let nothing = dir.path().join("nothing");
    let err = run_err(&["scan", p(&b[1]), "--index", p(&nothing)]);
    assert!(err.contains("not a nearcopy index"), "{err}");
    assert!(!nothing.exists());
}

#[test]
fn no_update_and_dry_run_leave_the_index_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let b = batches(dir.path(), 400, 9, &[200, 200]);
    let idx = dir.path().join("IDX");
    run_ok(&["index", "add", p(&idx), p(&b[0]), "-q"]);
    let before = stored(&idx);
    let out = dir.path().join("out.jsonl");
    run_ok(&[
        "dedup",
        p(&b[1]),
        "--index",
        p(&idx),
        "--no-update",
        "-o",
        p(&out),
        "-q",
    ]);
    run_ok(&["dedup", p(&b[1]), "--index", p(&idx), "--dry-run", "-q"]);
    assert_eq!(stored(&idx), before);
    // The same records kept as a run that updates.
    let out2 = dir.path().join("out2.jsonl");
    run_ok(&["dedup", p(&b[1]), "--index", p(&idx), "-o", p(&out2), "-q"]);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&out2).unwrap());
    assert_eq!(documents(&idx), 200 + ids(&out).len() as u64);
}

/// `index add IDX -` whose standard input stays open: it holds the lock
/// while it waits.
fn waiting_writer(idx: &Path) -> std::process::Child {
    let child = Command::new(bin())
        .args(["index", "add", p(idx), "-", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(idx.join("writer.lock"))
        .map_or(true, |s| s.trim() != child.id().to_string())
    {
        assert!(Instant::now() < deadline, "writer never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[test]
fn a_second_writer_is_told_who_holds_the_lock_and_readers_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let b = batches(dir.path(), 200, 4, &[100, 100]);
    let idx = dir.path().join("IDX");
    run_ok(&["index", "add", p(&idx), p(&b[0]), "-q"]);
    let mut writer = waiting_writer(&idx);
    let err = run_err(&["index", "add", p(&idx), p(&b[1])]);
    assert!(
        err.contains(&format!("locked by process {}", writer.id())),
        "{err}"
    );
    let out = dir.path().join("out.jsonl");
    let err = run_err(&["dedup", p(&b[1]), "--index", p(&idx), "-o", p(&out)]);
    assert!(err.contains("locked by process"), "{err}");
    // Readers are not held up.
    assert_eq!(documents(&idx), 100);
    run_ok(&["scan", p(&b[1]), "--index", p(&idx), "--no-passages", "-q"]);
    run_ok(&[
        "dedup",
        p(&b[1]),
        "--index",
        p(&idx),
        "--no-update",
        "-o",
        p(&out),
        "-q",
    ]);
    // The writer finishes once its input ends.
    let mut stdin = writer.stdin.take().unwrap();
    stdin.write_all(&std::fs::read(&b[1]).unwrap()).unwrap();
    drop(stdin);
    assert!(writer.wait().unwrap().success());
    assert_eq!(documents(&idx), 200);
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_index_add_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let b = batches(dir.path(), 200, 4, &[100, 100]);
    let idx = dir.path().join("IDX");
    run_ok(&["index", "add", p(&idx), p(&b[0]), "-q"]);
    let mut writer = waiting_writer(&idx);
    let mut stdin = writer.stdin.take().unwrap();
    stdin.write_all(&std::fs::read(&b[1]).unwrap()).unwrap();
    let pid = writer.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    drop(stdin);
    let status = writer.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(documents(&idx), 100);
    run_ok(&["index", "verify", p(&idx)]);
}

/// The index's store and document log, byte for byte.
fn stored(idx: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        std::fs::read(idx.join("index.redb")).unwrap(),
        std::fs::read(idx.join("documents.dat")).unwrap(),
    )
}

/// Runs `args` and kills it with SIGKILL after `after` (if still running).
fn run_killed(args: &[&str], after: Duration, env: Option<&str>) {
    let mut cmd = Command::new(bin());
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    if let Some(point) = env {
        cmd.env("NEARCOPY_FAILPOINT", point);
    }
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        if start.elapsed() >= after {
            let _ = child.kill();
            let _ = child.wait();
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// A kill -9 at any moment of `index add` or `dedup --index` leaves the
/// index as it was or as it is after the run, never in between, and
/// `index verify` passes; the output of `dedup` is there exactly when the
/// index holds its records.
#[test]
fn kill_9_at_any_moment_leaves_the_index_before_or_after() {
    let dir = tempfile::tempdir().unwrap();
    let b = batches(dir.path(), 1200, 21, &[600, 600]);
    let base = dir.path().join("BASE");
    run_ok(&["index", "add", p(&base), p(&b[0]), "-q"]);
    // The finished results, and how long each run takes.
    let full = dir.path().join("FULL");
    copy_dir(&base, &full);
    let expected_out = dir.path().join("expected.jsonl");
    let t = Instant::now();
    run_ok(&[
        "dedup",
        p(&b[1]),
        "--index",
        p(&full),
        "-o",
        p(&expected_out),
        "-q",
    ]);
    let dedup_time = t.elapsed();
    let kept = ids(&expected_out).len() as u64;
    let t = Instant::now();
    run_ok(&["index", "add", p(&full), p(&b[1]), "-q"]);
    let add_time = t.elapsed();
    let out = dir.path().join("out.jsonl");
    let mut seen = std::collections::BTreeMap::new();
    let trials = 60;
    for trial in 0..trials {
        let idx = dir.path().join(format!("T{trial}"));
        copy_dir(&base, &idx);
        let _ = std::fs::remove_file(&out);
        // Spread over the whole run (and a little past it), by a fixed
        // sequence so that a failure can be replayed.
        let frac = (trial as f64 * 0.618_034).fract() * 1.1;
        let dedup = trial % 2 == 0;
        let (args, time): (Vec<&str>, Duration) = if dedup {
            (
                vec!["dedup", p(&b[1]), "--index", p(&idx), "-o", p(&out), "-q"],
                dedup_time,
            )
        } else {
            (vec!["index", "add", p(&idx), p(&b[1]), "-q"], add_time)
        };
        let point = match trial % 10 {
            2 => Some("dedup-index-committed"),
            4 => Some("dedup-output-renamed"),
            5 => Some("index-add-before-commit"),
            _ => None,
        };
        // Some runs are let finish, so that both outcomes are reached
        // whatever the load on the machine makes of the timings.
        let after = if point.is_some() || trial % 10 == 9 {
            Duration::from_secs(600)
        } else {
            time.mul_f64(frac)
        };
        run_killed(&args, after, point);
        let verify = nearcopy()
            .args(["index", "verify", p(&idx)])
            .output()
            .unwrap();
        assert!(
            verify.status.success(),
            "trial {trial}: verify failed: {}",
            String::from_utf8_lossy(&verify.stderr)
        );
        let n = documents(&idx);
        if dedup {
            if out.exists() {
                assert_eq!(
                    std::fs::read(&out).unwrap(),
                    std::fs::read(&expected_out).unwrap(),
                    "trial {trial}: a partial output"
                );
                assert_eq!(n, 600 + kept, "trial {trial}: output without its records");
            } else {
                assert_eq!(n, 600, "trial {trial}: records without their output");
            }
        } else {
            assert!(n == 600 || n == 1200, "trial {trial}: {n} documents");
        }
        *seen.entry((dedup, n > 600)).or_insert(0) += 1;
        std::fs::remove_dir_all(&idx).unwrap();
    }
    // Both outcomes were reached for both commands.
    assert_eq!(seen.len(), 4, "{seen:?}");
}

#[test]
fn damage_is_found_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let b = batches(dir.path(), 300, 8, &[300]);
    let idx = dir.path().join("IDX");
    run_ok(&["index", "add", p(&idx), p(&b[0]), "-q"]);
    run_ok(&["index", "verify", p(&idx)]);
    // Flip a byte of a stored id wherever it is in the file.
    let file = idx.join("documents.dat");
    let mut bytes = std::fs::read(&file).unwrap();
    let id = ids(&b[0])[123].clone();
    let needle = id.as_bytes();
    let mut hits = 0;
    for i in 0..bytes.len() - needle.len() {
        if &bytes[i..i + needle.len()] == needle {
            bytes[i + needle.len() - 1] ^= 0x01;
            hits += 1;
        }
    }
    assert!(hits > 0);
    std::fs::write(&file, bytes).unwrap();
    let out = nearcopy()
        .args(["index", "verify", p(&idx)])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("document 123"), "{all}");
    assert!(all.contains("damaged"), "{all}");
}
