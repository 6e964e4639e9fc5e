//! Reports: text for people, JSON, JSON Lines and CSV for programs.
//!
//! Reports only format what the pipeline computed; they write to any
//! `io::Write` and never decide anything. The JSON layout is the stable
//! contract described in `DESIGN.md`; the only part of it that may differ
//! between two runs of the same input is the top-level `timings`. Every JSON
//! report starts with `"version":` [`JSON_VERSION`].

pub mod dedup;
pub mod eval;
pub mod exact;
pub mod html;
pub mod index;
pub mod passages;
pub mod scan;
pub mod similarity;
pub mod synth;

use std::io::{self, Write};

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// A readable report for people.
    #[default]
    Text,
    /// One JSON document (the stable contract).
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header.
    Csv,
}

/// Version of the JSON reports' layout, their first key. Keys are only ever
/// added within a version; a removed key or a changed meaning raises it.
pub const JSON_VERSION: u32 = 1;

/// A report with its layout version in front.
#[derive(serde::Serialize)]
struct Versioned<'a, T: serde::Serialize> {
    version: u32,
    #[serde(flatten)]
    report: &'a T,
}

/// Writes `report` as pretty JSON, `"version"` first, and a final newline.
pub fn json<T: serde::Serialize>(report: &T, w: &mut dyn Write) -> io::Result<()> {
    let v = Versioned {
        version: JSON_VERSION,
        report,
    };
    serde_json::to_writer_pretty(&mut *w, &v)?;
    w.write_all(b"\n")
}

/// Writes one CSV record, quoting fields that need it (RFC 4180).
pub fn csv_row(w: &mut dyn Write, fields: &[&str]) -> io::Result<()> {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        if f.contains([',', '"', '\n', '\r']) {
            write!(w, "\"{}\"", f.replace('"', "\"\""))?;
        } else {
            w.write_all(f.as_bytes())?;
        }
    }
    w.write_all(b"\n")
}

/// `1 source`, `2 sources`.
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Human-readable byte count (10^3 multiples, as file managers show).
pub fn human_bytes(n: u64) -> String {
    let n = n as f64;
    if n < 1e3 {
        format!("{n} B")
    } else if n < 1e6 {
        format!("{:.1} KB", n / 1e3)
    } else if n < 1e9 {
        format!("{:.1} MB", n / 1e6)
    } else {
        format!("{:.2} GB", n / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_when_needed() {
        let mut out = Vec::new();
        csv_row(&mut out, &["a", "b,c", "say \"hi\""]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\"\n"
        );
    }
}
