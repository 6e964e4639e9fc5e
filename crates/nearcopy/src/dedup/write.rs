//! The write pass: kept records byte for byte (or with their cuts) to the
//! output, and the removal log, in input order.

use std::io::Write;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

use ahash::AHashMap;

use crate::config::ScanConfig;
use crate::error::{Error, Result};
use crate::index::{sign_entry, Adder, Background, Entry, Index, Prepared};
use crate::input::{FileKind, Inputs, RawRecord};
use crate::lsh::Banding;
use crate::output::AtomicFile;
use crate::progress::Progress;
use crate::scan::Scan;
use crate::scan::Sketches;
use crate::sketch::Sketcher;

use super::*;

/// One record of the write pass: what to write, and the log lines.
pub(super) struct Written {
    pub(super) line: Option<Vec<u8>>,
    pub(super) log: Option<Vec<u8>>,
    pub(super) cuts: Vec<Cut>,
    /// The text after the cuts, when there are cuts.
    pub(super) cut_text: Option<String>,
    /// The index entry of a kept record (`--index`).
    pub(super) entry: Option<Prepared>,
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
    /// The indexed document's number, for a record that duplicates one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) index_document: Option<u64>,
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

/// What the plan decided, for the write pass.
pub(super) struct Plan<'a> {
    pub(super) scan: &'a Scan,
    /// For every document, why it is removed (`None`: kept).
    pub(super) removals: &'a [Option<Removal>],
    /// Ids of the indexed documents that removals name.
    pub(super) names: &'a AHashMap<u64, String>,
}

/// Adding the kept records to a persistent index, in the write pass.
pub(super) struct Indexing<'a> {
    pub(super) index: &'a mut Index,
    pub(super) adder: Adder,
    pub(super) signer: Signer<'a>,
}

/// What the index entries of kept records are made from.
pub(super) struct Signer<'a> {
    /// Signatures and band keys from the scan, so kept records are not
    /// signed twice.
    pub(super) sketches: &'a Sketches,
    /// For the few kept records that have none (too short to sign).
    pub(super) sketcher: Sketcher,
    pub(super) banding: Banding,
}

/// The log line of a removed document.
pub(super) fn removed_line(plan: &Plan<'_>, doc: usize, r: Removal) -> Vec<u8> {
    let documents = &plan.scan.documents;
    let duplicate_of = match r.indexed {
        Some(n) => plan.names.get(&n).map_or("", String::as_str),
        None => &documents[r.keeper as usize].id,
    };
    json_line(&RemovedLine {
        id: &documents[doc].id,
        duplicate_of,
        jaccard: r.jaccard,
        reason: if r.exact { "exact" } else { "near" },
        index_document: r.indexed,
    })
}

/// The index entry of kept document `doc`, whose original text is `text`.
fn entry_of(
    signer: &Signer<'_>,
    cfg: &ScanConfig,
    scan: &Scan,
    doc: usize,
    text: &str,
) -> Prepared {
    let info = &scan.documents[doc];
    let sk = signer.sketches;
    let entry = match sk.slot(doc as u32) {
        Some(slot) => Entry {
            id: info.id.clone(),
            source: info.source.to_string(),
            words: info.words,
            content: sk.contents[slot],
            sig: sk.sigs.row(slot).into(),
            keys: sk.keys.row(slot).into(),
            text: text.into(),
        },
        None => sign_entry(
            info.id.clone(),
            info.source.to_string(),
            text.to_owned(),
            cfg,
            &signer.sketcher,
            &signer.banding,
        ),
    };
    Prepared::new(&entry)
}

/// The output of one record: the record written (if kept) and its log line.
pub(super) fn process(
    inputs: &Inputs,
    cfg: &DedupConfig,
    plan: &Plan<'_>,
    cutter: &Cutter<'_>,
    signer: Option<&Signer<'_>>,
    doc: usize,
    raw: RawRecord,
) -> Result<Written> {
    let scan = plan.scan;
    let info = &scan.documents[doc];
    if let Some(r) = plan.removals[doc] {
        return Ok(Written {
            line: None,
            log: Some(removed_line(plan, doc, r)),
            cuts: Vec::new(),
            cut_text: None,
            entry: None,
        });
    }
    let jsonl = inputs.files()[raw.origin.file as usize].kind == FileKind::Jsonl;
    if jsonl && !cutter.active() && signer.is_none() {
        let mut line = raw.bytes;
        if line.last() != Some(&b'\n') {
            line.push(b'\n');
        }
        return Ok(Written {
            line: Some(line),
            log: None,
            cuts: Vec::new(),
            cut_text: None,
            entry: None,
        });
    }
    let record = inputs.text_of(&raw, &cfg.scan.input)?;
    // The index keeps the text as read: later batches are compared with
    // the documents as they came, as a scan of both would.
    let entry = signer.map(|s| entry_of(s, &cfg.scan, scan, doc, &record.text));
    let (cuts, whole) = cutter.cuts_owned(record.text)?;
    let text = if cuts.is_empty() {
        None
    } else {
        Some(apply(&whole, &cuts))
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
            text: text.as_deref().unwrap_or(&whole),
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
        entry,
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
    plan: &Plan<'_>,
    cutter: &Cutter<'_>,
    targets: Targets<'_>,
    summary: &mut DedupSummary,
    parquet_schema: Option<parquet::Layout>,
    indexing: Option<Indexing<'_>>,
    progress: &dyn Progress,
) -> Result<Option<u64>> {
    let Some(Indexing {
        index,
        adder,
        signer,
    }) = indexing
    else {
        let (finished, _) = write_pass(
            inputs,
            cfg,
            plan,
            cutter,
            targets,
            summary,
            parquet_schema,
            None,
            progress,
        )?;
        crate::output::persist_all(finished)?;
        return Ok(None);
    };
    // The index's writer stores the kept records on a thread of its own
    // while the pass goes on.
    let (pass, adder) = std::thread::scope(|s| {
        let mut writer = Background::spawn(s, adder, index);
        let pass = write_pass(
            inputs,
            cfg,
            plan,
            cutter,
            targets,
            summary,
            parquet_schema,
            Some((&mut writer, &signer)),
            progress,
        );
        let adder = writer.finish(index, pass.is_err());
        (pass, adder)
    });
    // The writer's own error first: the pass only saw it stop.
    let adder = adder?;
    let (finished, staged) = pass?;
    // The kept records are committed to the index marked pending with the
    // stamp of the finished output; the rename makes both count; the mark
    // goes last. A stop anywhere between leaves the next writer to keep
    // the batch (output in place) or take it out (output not in place).
    let has_pending = staged.is_some();
    let counts = adder.commit(index, staged)?;
    crate::index::failpoint("dedup-index-committed");
    crate::output::persist_all(finished)?;
    crate::index::failpoint("dedup-output-renamed");
    if has_pending {
        index.complete_pending()?;
    }
    Ok(Some(counts.added))
}

/// The finished (not yet renamed) output files, and the stamp of the kept
/// records' one.
type Passed = (
    Vec<crate::output::Finished>,
    Option<(PathBuf, crate::output::Stamp)>,
);

/// Reads the records, writes the kept ones and the log, and finishes the
/// files; with `indexing`, hands the kept records' entries to the index's
/// writer.
#[allow(clippy::too_many_arguments)]
fn write_pass(
    inputs: &Inputs,
    cfg: &DedupConfig,
    plan: &Plan<'_>,
    cutter: &Cutter<'_>,
    targets: Targets<'_>,
    summary: &mut DedupSummary,
    parquet_schema: Option<parquet::Layout>,
    indexing: Option<(&mut Background<'_>, &Signer<'_>)>,
    progress: &dyn Progress,
) -> Result<Passed> {
    let (writer, signer) = match indexing {
        Some((w, s)) => (Some(w), Some(s)),
        None => (None, None),
    };
    let total_bytes: u64 = inputs.total_bytes();
    let (scan, removals) = (plan.scan, plan.removals);
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
    // Records are parsed when something is cut or added to the index.
    let parse = cutter.active() || signer.is_some();
    if let (Some(fates), false) = (fates.as_mut(), parse) {
        // Parquet without cuts: the fates follow from the plan alone, and
        // the Parquet writer reads the rows it copies.
        summary.bytes_in = total_bytes;
        for (doc, removal) in removals.iter().enumerate() {
            match removal {
                Some(r) => {
                    summary.log_lines += 1;
                    if let Some(l) = log.as_mut() {
                        l.write_all(&removed_line(plan, doc, *r))?;
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
                process(inputs, cfg, plan, cutter, signer, doc, raw)
            };
            let written: Vec<Result<Written>> = if parse {
                items.into_par_iter().map(process_one).collect()
            } else {
                items.into_iter().map(process_one).collect()
            };
            let mut entries = Vec::new();
            for (w, doc) in written.into_iter().zip(numbers) {
                let mut w = w?;
                entries.extend(w.entry.take());
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
            if let Some(writer) = writer.as_deref() {
                // A stopped writer: its own error is reported instead.
                if writer.send(entries).is_err() {
                    return Err(Error::Interrupted);
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
    // Every entry is sent: the index's writer prepares its commit while
    // the files below are finished.
    if let Some(w) = writer {
        w.close();
    }
    // Both files complete before either replaces its target.
    let mut finished = Vec::new();
    // Only the kept records' output decides whether an index batch counts.
    let mut staged = None;
    if let (Some(target), Some(fates), Some(schema)) = (parquet_target, fates, parquet_schema) {
        progress.stage("writing Parquet", Some(total_bytes));
        let origins: Vec<_> = docs.iter().map(|d| d.origin).collect();
        let file = AtomicFile::create(&target)?;
        let (done, bytes) =
            parquet::write(inputs, &cfg.scan.input, schema, &origins, &fates, file)?;
        summary.bytes_out = bytes;
        staged = done.staged();
        finished.push(done);
    }
    let is_kept = [true, false];
    for (sink, is_kept) in [kept, log].into_iter().zip(is_kept) {
        let Some(sink) = sink else { continue };
        match sink {
            Sink::File(f) => {
                let done = f.finish()?;
                if is_kept {
                    staged = done.staged();
                }
                finished.push(done);
            }
            Sink::Stream(w) => w.flush().map_err(|e| Error::Write {
                path: PathBuf::from("<stdout>"),
                source: e,
            })?,
        }
    }
    Ok((finished, staged))
}
