//! The readers of `nearcopy eval` (`src/eval.rs`) on arbitrary files: the
//! truth (a `synth` truth, a JSON list of pairs such as `exact` output, or a
//! TSV of pairs like the evaldata ones) and the result (`scan` / `exact`
//! JSON), plain, gzip- or zstd-compressed or cut short.
//!
//! The first byte picks the compression. The rest is the truth file and,
//! after a `0x1e` byte if there is one, the result file (else the same
//! bytes are both).
//!
//! Properties:
//!
//! * nothing panics;
//! * a file that cannot be used gives the library's `Error`: invalid (with
//!   the file's path) or an I/O error naming the file, never anything else;
//! * a truth read has a Jaccard for every pair, within [0, 1] for TSV;
//!   passage occurrences never end before they start;
//! * when both read, `evaluate` scores them or gives a configuration error,
//!   and its result serialises as JSON.
#![no_main]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nearcopy::eval::{self, EvalConfig, TruthKind};
use nearcopy::progress::Silent;
use nearcopy::Error;

fn dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temporary directory"))
        .path()
}

fn encode(mode: u8, data: &[u8]) -> Vec<u8> {
    match mode & 3 {
        0 => data.to_vec(),
        1 => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(data).unwrap();
            enc.finish().unwrap()
        }
        2 => zstd::stream::encode_all(data, 1).unwrap(),
        _ => {
            // Compressed, then cut short.
            let z = if mode & 4 != 0 {
                zstd::stream::encode_all(data, 1).unwrap()
            } else {
                encode(1, data)
            };
            z[..z.len() * (mode >> 3) as usize / 32].to_vec()
        }
    }
}

fn check_error(e: &Error, path: &Path) {
    let shown = e.to_string();
    assert!(
        shown.starts_with(&path.display().to_string()),
        "error does not name the file: {shown}"
    );
    match e {
        Error::Invalid { path: p, .. } | Error::Io { path: p, .. } => assert_eq!(p, path),
        other => panic!("unexpected error kind for {}: {other:?}", path.display()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    if body.len() > 1 << 16 {
        return;
    }
    let (truth_bytes, result_bytes) = match body.iter().position(|&b| b == 0x1e) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, body),
    };
    let truth_path: PathBuf = dir().join("truth.json");
    let result_path: PathBuf = dir().join("result.json");
    std::fs::write(&truth_path, encode(mode, truth_bytes)).unwrap();
    std::fs::write(&result_path, encode(mode, result_bytes)).unwrap();

    let truth = eval::read_truth(&truth_path, &Silent);
    let found = eval::read_result(&result_path, &Silent);
    if let Err(e) = &truth {
        check_error(e, &truth_path);
    }
    if let Err(e) = &found {
        check_error(e, &result_path);
    }
    if let Ok(t) = &truth {
        for p in &t.pairs {
            let j = p.jaccard.expect("a truth pair without a Jaccard");
            if t.kind == TruthKind::Tsv {
                assert!((0.0..=1.0).contains(&j), "TSV Jaccard {j} read");
            }
        }
        for p in t.passages.iter().flatten() {
            for o in &p.occurrences {
                assert!(o.start <= o.end);
            }
        }
    }
    if let Ok(f) = &found {
        for p in f.passages.iter().flatten() {
            for o in &p.occurrences {
                assert!(o.start <= o.end);
            }
        }
    }
    if let (Ok(t), Ok(f)) = (&truth, &found) {
        for threshold in [None, Some(0.5)] {
            let cfg = EvalConfig {
                threshold,
                ..EvalConfig::default()
            };
            match eval::evaluate(t, f, &cfg) {
                Ok(e) => {
                    serde_json::to_string(&e).expect("an evaluation serialises");
                }
                Err(Error::Config(_)) => {}
                Err(e) => panic!("evaluate failed with {e:?}"),
            }
        }
    }
});
