//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The `nearcopy` binary under test.
pub fn nearcopy() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("nearcopy").expect("binary built");
    cmd.current_dir(root());
    cmd
}

/// The repository root (the README's commands, and the tests, run there).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file or folder of the test data (`tests/data/`).
pub fn test_data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// A file of the evaluation data, or `None` (with a message saying the test
/// part is skipped) when `../shared/evaldata` is not there.
pub fn evaldata(rel: &str) -> Option<PathBuf> {
    let p = root().join("..").join("shared").join("evaldata").join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "skipping: {} not found (evaluation data is absent on a fresh clone)",
            p.display()
        );
        None
    }
}

/// Parses standard output of a successful run as JSON.
pub fn json_of(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).expect("valid JSON output")
}

/// Removes the `timings` key, the only part allowed to differ between runs.
pub fn without_timings(mut v: serde_json::Value) -> serde_json::Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("timings");
    }
    v
}

/// Writes `files` (relative path, contents) under a new temporary directory.
pub fn corpus(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(Path::new("."))).expect("mkdir");
        std::fs::write(&p, text).expect("write");
    }
    dir
}

/// Standard output of a successful run of `nearcopy ARGS`.
pub fn run_ok(args: &[&str]) -> Vec<u8> {
    stdout_ok(nearcopy().args(args))
}

/// Standard error of a run of `nearcopy ARGS`, which must fail.
pub fn run_err(args: &[&str]) -> String {
    let out = nearcopy()
        .args(args)
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    String::from_utf8_lossy(&out).into_owned()
}

/// Standard output of `cmd`, which must succeed.
pub fn stdout_ok(cmd: &mut assert_cmd::Command) -> Vec<u8> {
    cmd.assert().success().get_output().stdout.clone()
}

/// A path as a `&str` argument (the tests make only UTF-8 paths).
pub fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Names of the entries of `dir`, hidden ones included, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("readable directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
