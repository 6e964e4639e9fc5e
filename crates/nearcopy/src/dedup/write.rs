//! The write pass: kept records byte for byte (or with their cuts) to the
//! output, and the removal log, in input order.

use std::io::Write;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::input::{FileKind, Inputs, RawRecord};
use crate::output::AtomicFile;
use crate::progress::Progress;
use crate::scan::Scan;

use super::*;

/// One record of the write pass: what to write, and the log lines.
pub(super) struct Written {
    pub(super) line: Option<Vec<u8>>,
    pub(super) log: Option<Vec<u8>>,
    pub(super) cuts: Vec<Cut>,
    /// The text after the cuts, when there are cuts.
    pub(super) cut_text: Option<String>,
}

#[derive(Serialize)]
pub(super) struct TextRecord<'a> {
    pub(super) id: &'a str,
    pub(super) source: &'a str,
    pub(super) text: &'a str,
}

#[derive(Serialize)]
pub(super) struct RemovedLine<'a> {
    pub(super) id: &'a str,
    pub(super) duplicate_of: &'a str,
    pub(super) jaccard: f64,
    pub(super) reason: &'static str,
}

#[derive(Serialize)]
pub(super) struct CutLine<'a> {
    pub(super) id: &'a str,
    pub(super) reason: &'static str,
    pub(super) cuts: &'a [Cut],
}

/// Appends `value` as JSON. Strings, numbers and the plain structs of this
/// module always serialise, and a `Vec` never fails to take bytes.
pub(super) fn push_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(out, value).expect("plain values serialise into a Vec");
}

pub(super) fn json_line<T: Serialize>(value: &T) -> Vec<u8> {
    let mut v = Vec::new();
    push_json(&mut v, value);
    v.push(b'\n');
    v
}

/// The log line of a removed document.
pub(super) fn removed_line(scan: &Scan, doc: usize, r: Removal) -> Vec<u8> {
    json_line(&RemovedLine {
        id: &scan.documents[doc].id,
        duplicate_of: &scan.documents[r.keeper as usize].id,
        jaccard: r.jaccard,
        reason: if r.exact { "exact" } else { "near" },
    })
}

/// The output of one record: the record written (if kept) and its log line.
pub(super) fn process(
    inputs: &Inputs,
    cfg: &DedupConfig,
    scan: &Scan,
    cutter: &Cutter<'_>,
    doc: usize,
    removal: Option<Removal>,
    raw: RawRecord,
) -> Result<Written> {
    let info = &scan.documents[doc];
    if let Some(r) = removal {
        return Ok(Written {
            line: None,
            log: Some(removed_line(scan, doc, r)),
            cuts: Vec::new(),
            cut_text: None,
        });
    }
    let jsonl = inputs.files()[raw.origin.file as usize].kind == FileKind::Jsonl;
    if jsonl && !cutter.active() {
        let mut line = raw.bytes;
        if line.last() != Some(&b'\n') {
            line.push(b'\n');
        }
        return Ok(Written {
            line: Some(line),
            log: None,
            cuts: Vec::new(),
            cut_text: None,
        });
    }
    let record = inputs.text_of(&raw, &cfg.scan.input)?;
    let cuts = cutter.cuts(&record.text);
    let text = if cuts.is_empty() {
        None
    } else {
        Some(apply(&record.text, &cuts))
    };
    let line = match record.span {
        // A JSON Lines record: the original line, with only the text
        // field's value replaced when something was cut.
        Some(span) => {
            let mut line = match &text {
                None => raw.bytes,
                Some(t) => {
                    let mut l = Vec::with_capacity(raw.bytes.len());
                    l.extend_from_slice(&raw.bytes[..span.start]);
                    push_json(&mut l, t);
                    l.extend_from_slice(&raw.bytes[span.end..]);
                    l
                }
            };
            if line.last() != Some(&b'\n') {
                line.push(b'\n');
            }
            line
        }
        None => json_line(&TextRecord {
            id: &info.id,
            source: &info.source,
            text: text.as_deref().unwrap_or(&record.text),
        }),
    };
    let log = (!cuts.is_empty()).then(|| {
        json_line(&CutLine {
            id: &info.id,
            reason: "cut",
            cuts: &cuts,
        })
    });
    Ok(Written {
        line: Some(line),
        log,
        cuts,
        cut_text: text,
    })
}

/// An open output: a file being written, or a stream.
pub(super) enum Sink<'a> {
    // Boxed: an open file's buffers and encoder dwarf a reference.
    File(Box<AtomicFile>),
    Stream(&'a mut (dyn Write + Send)),
}

impl Sink<'_> {
    pub(super) fn open(target: Target<'_>) -> Result<Option<Sink<'_>>> {
        Ok(match target {
            Target::Nowhere => None,
            Target::File(p) => Some(Sink::File(Box::new(AtomicFile::create(&p)?))),
            Target::Writer(w) => Some(Sink::Stream(w)),
        })
    }

    pub(super) fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        match self {
            Sink::File(f) => f.write_all(bytes).map_err(|e| f.error(e)),
            Sink::Stream(w) => w.write_all(bytes).map_err(|e| Error::Write {
                path: PathBuf::from("<stdout>"),
                source: e,
            }),
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn write(
    inputs: &Inputs,
    cfg: &DedupConfig,
    scan: &Scan,
    removals: &[Option<Removal>],
    cutter: &Cutter<'_>,
    targets: Targets<'_>,
    summary: &mut DedupSummary,
    parquet_schema: Option<parquet::Layout>,
    progress: &dyn Progress,
) -> Result<()> {
    let total_bytes: u64 = inputs.total_bytes();
    let docs = &scan.documents;
    // Parquet is written after the pass, from the fates it decides.
    let (mut kept, parquet_target) = match (&parquet_schema, targets.kept) {
        (Some(_), Target::File(p)) => (None, Some(p)),
        // Opened only now, so an error or interrupt earlier leaves no file at all.
        (_, t) => (Sink::open(t)?, None),
    };
    let mut fates = parquet_target.as_ref().map(|_| parquet::Fates {
        kept: vec![false; docs.len()],
        cut: Default::default(),
    });
    let mut log = Sink::open(targets.log)?;
    progress.stage("writing", Some(total_bytes));
    let mut next = 0usize;
    if let (Some(fates), false) = (fates.as_mut(), cutter.active()) {
        // Parquet without cuts: the fates follow from the plan alone, and
        // the Parquet writer reads the rows it copies.
        summary.bytes_in = total_bytes;
        for (doc, removal) in removals.iter().enumerate() {
            match removal {
                Some(r) => {
                    summary.log_lines += 1;
                    if let Some(l) = log.as_mut() {
                        l.write_all(&removed_line(scan, doc, *r))?;
                    }
                }
                None => fates.kept[doc] = true,
            }
        }
        next = docs.len();
    } else {
        inputs.read_raw(&cfg.scan.input, |batch, raw_bytes| {
            if progress.cancelled() {
                return Err(Error::Interrupted);
            }
            summary.bytes_in += raw_bytes;
            // Records that are not documents were skipped with --skip-invalid.
            let mut items: Vec<(usize, RawRecord)> = Vec::with_capacity(batch.len());
            for raw in batch {
                if next < docs.len() && docs[next].origin == raw.origin {
                    items.push((next, raw));
                    next += 1;
                }
            }
            let count = items.len() as u64;
            let numbers: Vec<usize> = items.iter().map(|(doc, _)| *doc).collect();
            let process_one = |(doc, raw): (usize, RawRecord)| {
                process(inputs, cfg, scan, cutter, doc, removals[doc], raw)
            };
            let written: Vec<Result<Written>> = if cutter.active() {
                items.into_par_iter().map(process_one).collect()
            } else {
                items.into_iter().map(process_one).collect()
            };
            for (w, doc) in written.into_iter().zip(numbers) {
                let mut w = w?;
                if let (Some(fates), Some(_)) = (fates.as_mut(), &w.line) {
                    fates.kept[doc] = true;
                    if let Some(text) = w.cut_text.take() {
                        fates.cut.insert(doc as u32, text);
                    }
                } else if let Some(line) = &w.line {
                    summary.bytes_out += line.len() as u64;
                    if let Some(k) = kept.as_mut() {
                        k.write_all(line)?;
                    }
                }
                if !w.cuts.is_empty() {
                    summary.records_edited += 1;
                }
                for c in &w.cuts {
                    let bytes = (c.end - c.start) as u64;
                    match c.why {
                        CutKind::Passage { .. } => {
                            summary.passages_cut += 1;
                            summary.passage_bytes_cut += bytes;
                        }
                        CutKind::Boilerplate { .. } => {
                            summary.boilerplate_lines_cut += 1;
                            summary.boilerplate_bytes_cut += bytes;
                        }
                    }
                }
                if let Some(line) = &w.log {
                    summary.log_lines += 1;
                    if let Some(l) = log.as_mut() {
                        l.write_all(line)?;
                    }
                }
            }
            progress.advance(count, raw_bytes);
            Ok(())
        })?;
    }
    if next != docs.len() {
        return Err(changed());
    }
    if progress.cancelled() {
        return Err(Error::Interrupted);
    }
    // Both files complete before either replaces its target.
    let mut finished = Vec::new();
    if let (Some(target), Some(fates), Some(schema)) = (parquet_target, fates, parquet_schema) {
        progress.stage("writing Parquet", Some(total_bytes));
        let origins: Vec<_> = docs.iter().map(|d| d.origin).collect();
        let file = AtomicFile::create(&target)?;
        let (done, bytes) =
            parquet::write(inputs, &cfg.scan.input, schema, &origins, &fates, file)?;
        summary.bytes_out = bytes;
        finished.push(done);
    }
    for sink in [kept, log].into_iter().flatten() {
        match sink {
            Sink::File(f) => finished.push(f.finish()?),
            Sink::Stream(w) => w.flush().map_err(|e| Error::Write {
                path: PathBuf::from("<stdout>"),
                source: e,
            })?,
        }
    }
    crate::output::persist_all(finished)
}
