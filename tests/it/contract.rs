//! The JSON contract of `DESIGN.md`: its table of keys is read and every
//! command's `--format json` output is checked against it, so the document
//! and the program cannot drift apart.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::*;

/// A documented row: the command, its top-level keys, and the keys of the
/// first element of each named list (`a.b`: list `b` inside the first
/// element of list `a`).
struct Row {
    command: String,
    top: Vec<String>,
    items: Vec<(String, Vec<String>)>,
}

/// The names between backticks in `cell`, in order.
fn names(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn documented() -> Vec<Row> {
    let design = std::fs::read_to_string(root().join("DESIGN.md")).expect("DESIGN.md");
    let section = design
        .split("## JSON contract")
        .nth(1)
        .expect("a JSON contract section");
    section
        .lines()
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 3, "a contract row has three cells: {l}");
            let items = cells[2]
                .split(';')
                .filter(|s| !s.trim().is_empty())
                .map(|s| {
                    let (list, keys) = s.split_once(':').expect("`list`: `key`, …");
                    (names(list).concat(), names(keys))
                })
                .collect();
            Row {
                command: names(cells[0]).concat(),
                top: names(cells[1]),
                items,
            }
        })
        .collect()
}

/// The first element of the list at `path` (`a.b`).
fn first<'a>(v: &'a Value, path: &str) -> &'a Value {
    let mut at = v;
    for part in path.split('.') {
        at = &at[part][0];
    }
    at
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn json_reports_have_the_documented_shape() {
    let dir = tempfile::tempdir().expect("temp dir");
    let corpus = dir.path().join("synth.jsonl");
    let truth = dir.path().join("truth.json");
    let synth = run_ok(&[
        "synth",
        "--docs",
        "40",
        "--seed",
        "3",
        "-o",
        p(&corpus),
        "--truth",
        p(&truth),
        "--format",
        "json",
        "-q",
    ]);
    let scan_out = dir.path().join("scan.json");
    let scan = run_ok(&[
        "scan",
        "corpus/contained",
        "corpus/news",
        "--threshold",
        "0.2",
        "--format",
        "json",
        "-q",
    ]);
    run_ok(&[
        "scan",
        p(&corpus),
        "--format",
        "json",
        "-q",
        "-o",
        p(&scan_out),
    ]);
    let runs: Vec<(&str, Vec<u8>)> = vec![
        ("scan", scan),
        (
            "passages",
            run_ok(&["passages", "corpus/news", "--format", "json", "-q"]),
        ),
        (
            "similarity",
            run_ok(&["similarity", "corpus/news", "--format", "json", "-q"]),
        ),
        (
            "exact",
            run_ok(&[
                "exact",
                "corpus/contained",
                "--threshold",
                "0.1",
                "--format",
                "json",
                "-q",
            ]),
        ),
        (
            "dedup",
            run_ok(&[
                "dedup",
                "corpus/news",
                "-o",
                p(&dir.path().join("kept.jsonl")),
                "--format",
                "json",
                "-q",
            ]),
        ),
        (
            "eval",
            run_ok(&[
                "eval",
                p(&scan_out),
                "--truth",
                p(&truth),
                "--format",
                "json",
                "-q",
            ]),
        ),
        ("synth", synth),
    ];
    let rows = documented();
    let listed: BTreeSet<&str> = rows.iter().map(|r| r.command.as_str()).collect();
    let ran: BTreeSet<&str> = runs.iter().map(|r| r.0).collect();
    assert_eq!(listed, ran, "DESIGN.md documents these commands");
    for (command, out) in &runs {
        let row = rows.iter().find(|r| r.command == *command).expect("a row");
        let text = String::from_utf8_lossy(out);
        assert!(
            text.starts_with("{\n  \"version\": 1,"),
            "{command}: the version comes first: {}",
            &text[..text.len().min(80)]
        );
        let v = json_of(out);
        let top: BTreeSet<String> = keys(&v).into_iter().collect();
        let want: BTreeSet<String> = row.top.iter().cloned().collect();
        assert_eq!(top, want, "{command}: top-level keys");
        for (list, want) in &row.items {
            let item = first(&v, list);
            assert!(
                item.is_object(),
                "{command}: `{list}` has no first element to check"
            );
            let got: BTreeSet<String> = keys(item).into_iter().collect();
            let want: BTreeSet<String> = want.iter().cloned().collect();
            assert_eq!(got, want, "{command}: keys of `{list}`");
        }
    }
}
