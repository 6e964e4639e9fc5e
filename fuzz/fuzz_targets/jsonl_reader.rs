//! The input reader (`src/input/`) on arbitrary files, through the public
//! API: `Inputs::open`, `read` (with `skip_invalid` off and on),
//! `read_raw` and `text_of`.
//!
//! The first byte of the input picks how its rest is written to the file:
//! as is, gzip-compressed, zstd-compressed, behind a gzip or zstd magic
//! number (so the decoders meet arbitrary bytes), or compressed and then
//! cut short; whether it is read as JSON Lines or as one text file; whether
//! a group field is required; and the batch size. The second byte says
//! where a compressed stream is cut.
//!
//! Properties:
//!
//! * nothing panics;
//! * every error is the library's `Error`, naming the file (and, for a bad
//!   record, its line); a file that decodes cleanly gives no I/O error;
//! * with `skip_invalid`, every non-blank line is either a document or
//!   counted as skipped, blank lines are counted as blank, and documents
//!   come in line order;
//! * without it, the read stops at the first line that `skip_invalid`
//!   skipped, naming that line, or succeeds with the same documents;
//! * a line that is a JSON object with a string `text` (and scalar id,
//!   source and group) is read as a document with exactly that text and id;
//! * `read_raw` hands over every non-blank line byte for byte, and
//!   `text_of` finds in it the text of the document read from it, at a span
//!   holding that text as a JSON string;
//! * a text file is one document holding its bytes, or is skipped as binary
//!   when a NUL byte is in its first 8 KiB.
#![no_main]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nearcopy::document::Document;
use nearcopy::input::{FileKind, Format, InputConfig, Inputs, RawRecord, Skipped};
use nearcopy::Error;
use serde_json::Value;

fn dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temporary directory"))
        .path()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 1).unwrap()
}

/// The error must be one of the library's and name `path` (and a line for a
/// bad JSON Lines record).
fn check_error(e: &Error, path: &Path, jsonl: bool) {
    let shown = e.to_string();
    assert!(
        shown.starts_with(&path.display().to_string()),
        "error does not name the file: {shown}"
    );
    match e {
        Error::Invalid { path: p, line, .. } => {
            assert_eq!(p, path);
            assert_eq!(line.is_some(), jsonl, "line of a bad record: {e:?}");
        }
        Error::Io { path: p, .. } => assert_eq!(p, path),
        other => panic!("unexpected error kind: {other:?}"),
    }
}

type ReadResult = Result<(Vec<Document>, Skipped), Error>;

fn read(inputs: &Inputs, cfg: &InputConfig) -> ReadResult {
    let mut docs = Vec::new();
    let skipped = inputs.read(cfg, |batch, _| {
        docs.extend(batch);
        Ok(())
    })?;
    Ok((docs, skipped))
}

fn read_raw(inputs: &Inputs, cfg: &InputConfig) -> Result<Vec<RawRecord>, Error> {
    let mut raws = Vec::new();
    inputs.read_raw(cfg, |batch, _| {
        raws.extend(batch);
        Ok(())
    })?;
    Ok(raws)
}

/// What a JSON Lines line must give when serde_json reads it as an object:
/// `Some((text, id))` for a usable record.
fn expected_record(line: &[u8], cfg: &InputConfig) -> Option<(String, Option<String>)> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(line) else {
        return None;
    };
    let scalar = |v: Option<&Value>| -> Result<Option<String>, ()> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(()),
        }
    };
    let Some(Value::String(text)) = map.get(&cfg.text_field) else {
        return None;
    };
    let id = scalar(map.get(&cfg.id_field)).ok()?;
    scalar(map.get(&cfg.source_field)).ok()?;
    if let Some(g) = &cfg.group_field {
        scalar(map.get(g)).ok()??;
    }
    Some((text.clone(), id))
}

fn check_jsonl(
    path: &Path,
    decoded: Option<&[u8]>,
    strict: ReadResult,
    lenient: ReadResult,
    raws: Result<Vec<RawRecord>, Error>,
    inputs: &Inputs,
    cfg: &InputConfig,
) {
    let name = path.display().to_string();
    let (docs, skipped) = match lenient {
        Ok(r) => r,
        Err(e) => {
            // Only the file itself can fail when records are skipped.
            assert!(
                decoded.is_none(),
                "clean file failed with skip_invalid: {e}"
            );
            assert!(matches!(e, Error::Io { .. }), "{e:?}");
            check_error(&e, path, true);
            if let Err(s) = &strict {
                check_error(s, path, true);
            }
            return;
        }
    };
    // Documents come in line order, one per line at most.
    for w in docs.windows(2) {
        assert!(w[0].origin.line < w[1].origin.line);
    }
    for d in &docs {
        assert_eq!(d.origin.file, 0);
        assert!(d.origin.line >= 1);
    }
    let raws = raws.expect("read_raw failed where read did not");
    for w in raws.windows(2) {
        assert!(w[0].origin.line < w[1].origin.line);
    }
    // Every non-blank line is a raw record, and a document or skipped.
    assert_eq!(
        raws.len() as u64,
        docs.len() as u64 + skipped.invalid_total(),
        "records {} != documents {} + skipped {:?}",
        raws.len(),
        docs.len(),
        skipped.invalid
    );
    assert_eq!(skipped.binary, 0);
    assert_eq!(skipped.hidden, 0);
    let mut d = docs.iter().peekable();
    let mut first_skipped = None;
    for raw in &raws {
        assert!(!raw.bytes.iter().all(u8::is_ascii_whitespace));
        let doc = d.next_if(|doc| doc.origin == raw.origin);
        let text = inputs.text_of(raw, cfg);
        match doc {
            Some(doc) => {
                let t = text.expect("text_of fails on a record read as a document");
                assert_eq!(t.text, doc.text);
                let span = t.span.expect("a JSON Lines record has a span");
                let value: String = serde_json::from_slice(&raw.bytes[span]).unwrap();
                assert_eq!(value, doc.text);
                if let Some((text, id)) = expected_record(&raw.bytes, cfg) {
                    assert_eq!(doc.text, text);
                    let id = id.unwrap_or_else(|| format!("{name}:{}", raw.origin.line));
                    assert_eq!(doc.id, id);
                }
                if cfg.group_field.is_some() {
                    assert!(doc.group.is_some());
                }
            }
            None => {
                first_skipped.get_or_insert(raw.origin.line);
                assert!(
                    expected_record(&raw.bytes, cfg).is_none(),
                    "usable record skipped at line {}: {:?}",
                    raw.origin.line,
                    String::from_utf8_lossy(&raw.bytes)
                );
                if let Ok(t) = text {
                    // The text is fine, so something else was wrong.
                    let value: String =
                        serde_json::from_slice(&raw.bytes[t.span.unwrap()]).unwrap();
                    assert_eq!(value, t.text);
                }
            }
        }
    }
    assert!(d.next().is_none(), "a document without its raw record");

    if let Some(bytes) = decoded {
        // Recount lines from the decoded bytes.
        let mut lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
        // A UTF-8 byte-order mark before the first record is not part of it.
        if let Some(first) = lines.first_mut() {
            *first = first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first);
        }
        let blank = lines
            .iter()
            .filter(|l| l.iter().all(u8::is_ascii_whitespace))
            .count();
        assert_eq!(skipped.blank_lines, blank as u64);
        assert_eq!(raws.len(), lines.len() - blank);
        for raw in &raws {
            assert_eq!(raw.bytes, lines[raw.origin.line as usize - 1]);
        }
    }

    match strict {
        Ok((strict_docs, _)) => {
            assert_eq!(first_skipped, None, "strict read accepted a skipped line");
            assert_eq!(strict_docs, docs);
        }
        Err(e) => {
            check_error(&e, path, true);
            match e {
                Error::Invalid { line, .. } => assert_eq!(
                    line, first_skipped,
                    "strict read stopped at another line than the first skipped"
                ),
                // An I/O error only where the file is broken.
                _ => assert!(decoded.is_none()),
            }
        }
    }
}

fn check_text(path: &Path, decoded: Option<&[u8]>, strict: ReadResult, lenient: ReadResult) {
    match (&strict, &lenient) {
        (Err(e), _) => check_error(e, path, false),
        (Ok((docs, skipped)), _) => {
            assert!(docs.len() <= 1);
            assert_eq!(skipped.invalid_total(), 0);
        }
    }
    let (docs, skipped) = match lenient {
        Ok(r) => r,
        Err(e) => {
            assert!(
                decoded.is_none(),
                "clean file failed with skip_invalid: {e}"
            );
            check_error(&e, path, false);
            return;
        }
    };
    assert_eq!(
        docs.len() as u64 + skipped.invalid_total() + skipped.binary,
        1
    );
    if let Some(bytes) = decoded {
        let binary = bytes[..bytes.len().min(8192)].contains(&0);
        assert_eq!(skipped.binary, binary as u64);
        match std::str::from_utf8(bytes) {
            _ if binary => assert!(docs.is_empty()),
            Ok(text) => {
                assert_eq!(docs.len(), 1);
                assert_eq!(docs[0].text, text);
                assert_eq!(docs[0].id, path.display().to_string());
            }
            Err(_) => {
                assert!(docs.is_empty());
                assert!(matches!(
                    strict,
                    Err(Error::Invalid {
                        reason: nearcopy::error::Invalid::Utf8 { .. },
                        ..
                    })
                ));
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 || data.len() > 1 << 16 {
        return;
    }
    let (mode, cut, body) = (data[0], data[1], &data[2..]);
    // Bits 0-2: how the body is written; 3: text file; 4: group field;
    // 5-7: batch size.
    let (file, decoded): (Vec<u8>, Option<&[u8]>) = match mode & 7 {
        // A plain file starting with a magic number is decompressed.
        0 | 5 if body.starts_with(&[0x1f, 0x8b]) || body.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) => {
            (body.to_vec(), None)
        }
        0 | 5 => (body.to_vec(), Some(body)),
        1 => (gzip(body), Some(body)),
        2 => (zstd(body), Some(body)),
        3 => ([&[0x1f, 0x8b][..], body].concat(), None),
        4 => ([&[0x28, 0xb5, 0x2f, 0xfd][..], body].concat(), None),
        6 => {
            let z = gzip(body);
            let n = z.len() * cut as usize / 256;
            (z[..n].to_vec(), None)
        }
        _ => {
            let z = zstd(body);
            let n = z.len() * cut as usize / 256;
            (z[..n].to_vec(), None)
        }
    };
    let text_file = mode & 8 != 0;
    let path: PathBuf = dir().join(if text_file { "in.txt" } else { "in.jsonl" });
    std::fs::write(&path, &file).unwrap();
    let mut cfg = InputConfig {
        format: Format::Auto,
        batch_bytes: [1, 2, 7, 64, 256, 4096, 1 << 16, 8 << 20][(mode >> 5) as usize],
        ..InputConfig::default()
    };
    if mode & 16 != 0 {
        cfg.group_field = Some("site".into());
        if text_file {
            cfg.group_field = None;
        }
    }
    let inputs = match Inputs::open(&[path.clone()], &cfg) {
        Ok(i) => i,
        Err(e) => panic!("cannot open a file just written: {e}"),
    };
    assert_eq!(inputs.files().len(), 1);
    assert_eq!(inputs.files()[0].kind == FileKind::Jsonl, !text_file);
    let strict = read(&inputs, &cfg);
    let lenient = read(
        &inputs,
        &InputConfig {
            skip_invalid: true,
            ..cfg.clone()
        },
    );
    if text_file {
        check_text(&path, decoded, strict, lenient);
    } else {
        let raws = read_raw(&inputs, &cfg);
        check_jsonl(&path, decoded, strict, lenient, raws, &inputs, &cfg);
    }
});
