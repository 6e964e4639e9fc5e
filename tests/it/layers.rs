//! The library's layers (its crate docs and DESIGN.md): stages at the
//! bottom, engines above them, reports on top. A module may use its own
//! layer and those below, never one above; this reads the sources and holds
//! them to it.

use std::path::Path;

use crate::common::root;

const STAGES: &[&str] = &[
    "input",
    "text",
    "shingle",
    "hash",
    "sketch",
    "lsh",
    "verify",
    "cluster",
    "figures",
    "document",
    "config",
    "error",
    "progress",
    "truth",
    "output",
    "tempfiles",
    "distributed",
];
const ENGINES: &[&str] = &[
    "scan",
    "passages",
    "similarity",
    "dedup",
    "exact",
    "synth",
    "eval",
    "signatures",
];

/// Every `.rs` file of a module (`name.rs`, or the files of `name/`).
fn sources(src: &Path, module: &str) -> Vec<(String, String)> {
    let file = src.join(format!("{module}.rs"));
    let mut out = Vec::new();
    if file.exists() {
        out.push((module.to_string(), std::fs::read_to_string(&file).unwrap()));
    }
    let dir = src.join(module);
    if dir.is_dir() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "rs") {
                let name = format!("{module}/{}", p.file_name().unwrap().to_string_lossy());
                out.push((name, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    assert!(!out.is_empty(), "no source for module {module}");
    out
}

/// The lines of `text` that use `crate::<module>` in code (not comments).
fn uses<'a>(text: &'a str, module: &str) -> Vec<&'a str> {
    let needle = format!("crate::{module}");
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .filter(|l| {
            l.match_indices(&needle).any(|(i, _)| {
                let next = l[i + needle.len()..].chars().next();
                !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
        .collect()
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let src = root().join("crates/nearcopy/src");
    let mut wrong = Vec::new();
    for stage in STAGES {
        for (file, text) in sources(&src, stage) {
            for upper in ENGINES.iter().chain(&["report"]) {
                for l in uses(&text, upper) {
                    wrong.push(format!("{file} (a stage) uses {upper}: {}", l.trim()));
                }
            }
        }
    }
    for engine in ENGINES {
        for (file, text) in sources(&src, engine) {
            for l in uses(&text, "report") {
                wrong.push(format!("{file} (an engine) uses report: {}", l.trim()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports up the layers:\n{}",
        wrong.join("\n")
    );
}
