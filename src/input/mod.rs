//! Reading documents: directories of text files, JSON Lines (optionally gzip
//! or zstd compressed) and standard input.
//!
//! Inputs are streamed in batches: a reader thread reads raw records (whole
//! text files or JSONL lines) while the pipeline parses and processes the
//! previous batch in parallel, so memory holds a few batches of text, never the
//! whole corpus. The order of documents is the order of the inputs as given,
//! directories walked in byte order of their names, so ids and results never
//! depend on thread count or on the file system's listing order.
//!
//! Compression is recognised by its magic bytes (gzip `1f 8b`, zstd
//! `28 b5 2f fd`), whatever the file is called. A file is read as JSON Lines
//! when its name ends in `.jsonl`/`.ndjson` (before a `.gz`/`.zst`), or for
//! all files with `--input-format jsonl`; standard input is JSON Lines when
//! its first non-blank byte is `{`.

mod jsonl;
mod walk;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rayon::prelude::*;

use crate::document::{Document, Origin};
use crate::error::{Error, Invalid, Result};

/// How input files are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JSON Lines by file name (`.jsonl`, `.ndjson`, optionally `.gz`/`.zst`), text otherwise.
    #[default]
    Auto,
    /// Every file is one document.
    Text,
    /// Every file is JSON Lines, one document per line.
    Jsonl,
}

/// Input options.
#[derive(Debug, Clone)]
pub struct InputConfig {
    /// JSONL field holding the text.
    pub text_field: String,
    /// JSONL field holding the id (a string or a number); `FILE:LINE` when absent.
    pub id_field: String,
    /// JSONL field naming the source; the input file's name when absent.
    pub source_field: String,
    /// A further JSONL field to capture into [`Document::group`] (a string or
    /// a number), required in every record when set. `None` reads no extra
    /// field.
    pub group_field: Option<String>,
    /// How files are read.
    pub format: Format,
    /// Skip and count unusable records instead of stopping.
    pub skip_invalid: bool,
    /// Target raw bytes per batch handed to the parallel stages.
    pub batch_bytes: usize,
}

impl Default for InputConfig {
    fn default() -> InputConfig {
        InputConfig {
            text_field: "text".into(),
            id_field: "id".into(),
            source_field: "source".into(),
            group_field: None,
            format: Format::Auto,
            skip_invalid: false,
            batch_bytes: 8 << 20,
        }
    }
}

/// One file to read.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// The path opened.
    pub path: PathBuf,
    /// The name used in ids and messages (relative to a directory given, or
    /// as given; `<stdin>` for standard input).
    pub name: String,
    /// The source of its documents when records do not name one.
    pub source: String,
    /// Whether it is read as JSON Lines.
    pub jsonl: bool,
}

/// What was passed over while reading, by cause.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// Hidden files and directories (names starting with `.`) inside directories.
    pub hidden: u64,
    /// Files that look binary (a NUL byte in the first 8 KiB).
    pub binary: u64,
    /// Records skipped with `--skip-invalid`, by cause.
    pub invalid: BTreeMap<String, u64>,
    /// Blank lines in JSON Lines files.
    pub blank_lines: u64,
}

impl Skipped {
    /// Total number of unusable records skipped with `--skip-invalid`.
    pub fn invalid_total(&self) -> u64 {
        self.invalid.values().sum()
    }

    /// What was skipped, for people (`1 invalid JSON, 2 binary files`), or
    /// `None` when nothing was.
    pub fn describe(&self) -> Option<String> {
        let mut parts: Vec<String> = self
            .invalid
            .iter()
            .map(|(why, n)| format!("{n} {why}"))
            .collect();
        if self.binary > 0 {
            parts.push(format!("{} binary files", self.binary));
        }
        if self.hidden > 0 {
            parts.push(format!("{} hidden entries", self.hidden));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// The error for an input without a single usable document, saying
    /// what was skipped on the way.
    pub fn empty_input(&self) -> Error {
        let why = if self.invalid_total() > 0 || self.binary > 0 {
            format!(
                " ({} invalid records and {} binary files were skipped)",
                self.invalid_total(),
                self.binary
            )
        } else {
            String::new()
        };
        Error::Empty(why)
    }
}

/// The resolved list of input files.
#[derive(Debug)]
pub struct Inputs {
    files: Vec<InputFile>,
    hidden: u64,
    // Standard input is copied here first so it can be read twice.
    _stdin: Option<tempfile::NamedTempFile>,
}

impl Inputs {
    /// Resolves `paths` (files, directories, `-` for standard input) into
    /// the files to read. Fails on a path that does not exist.
    pub fn open(paths: &[PathBuf], cfg: &InputConfig) -> Result<Inputs> {
        let mut files = Vec::new();
        let mut hidden = 0;
        let mut stdin = None;
        for path in paths {
            if path.as_os_str() == "-" {
                if stdin.is_some() {
                    return Err(Error::Config("standard input (-) given twice".into()));
                }
                let (tmp, jsonl) = spool_stdin(cfg.format)?;
                files.push(InputFile {
                    path: tmp.path().to_path_buf(),
                    name: "<stdin>".into(),
                    source: "stdin".into(),
                    jsonl,
                });
                stdin = Some(tmp);
                continue;
            }
            let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
            if meta.is_dir() {
                hidden += walk::directory(path, cfg.format, &mut files)?;
            } else {
                let name = path.display().to_string();
                let source = file_stem(path);
                files.push(InputFile {
                    jsonl: walk::is_jsonl(path, cfg.format),
                    path: path.clone(),
                    name,
                    source,
                });
            }
        }
        Ok(Inputs {
            files,
            hidden,
            _stdin: stdin,
        })
    }

    /// The files, in reading order.
    pub fn files(&self) -> &[InputFile] {
        &self.files
    }

    /// Bytes on disk of all input files (compressed sizes for compressed
    /// files): the total a progress bar counts towards.
    pub fn total_bytes(&self) -> u64 {
        self.files
            .iter()
            .filter_map(|f| std::fs::metadata(&f.path).ok())
            .map(|m| m.len())
            .sum()
    }

    /// Whether `path` is one of the inputs (same file on disk).
    pub fn contains(&self, path: &Path) -> bool {
        let Ok(target) = std::fs::canonicalize(path) else {
            return false;
        };
        self.files
            .iter()
            .any(|f| std::fs::canonicalize(&f.path).is_ok_and(|p| p == target))
    }

    /// Reads every document, handing them to `each` in input order, in
    /// batches parsed in parallel on the current rayon pool. Unusable records
    /// stop the read with an error naming file and line, unless
    /// `skip_invalid` is set, in which case they are counted in the returned
    /// [`Skipped`].
    pub fn read<F>(&self, cfg: &InputConfig, mut each: F) -> Result<Skipped>
    where
        F: FnMut(Vec<Document>, u64) -> Result<()>,
    {
        let mut skipped = Skipped {
            hidden: self.hidden,
            ..Skipped::default()
        };
        self.batches(cfg, |batch| {
            skipped.binary += batch.binary;
            skipped.blank_lines += batch.blank;
            let parsed: Vec<std::result::Result<Document, Error>> = batch
                .records
                .into_par_iter()
                .map(|raw| parse(raw, &self.files, cfg))
                .collect();
            let mut docs = Vec::with_capacity(parsed.len());
            for p in parsed {
                match p {
                    Ok(d) => docs.push(d),
                    Err(Error::Invalid { reason, .. }) if cfg.skip_invalid => {
                        *skipped
                            .invalid
                            .entry(reason.label().to_string())
                            .or_default() += 1;
                    }
                    Err(e) => return Err(e),
                }
            }
            each(docs, batch.bytes)
        })?;
        Ok(skipped)
    }

    /// Runs the reader thread over all files and hands `each` the raw
    /// batches in order; the one place that owns the reader's life cycle.
    fn batches<F>(&self, cfg: &InputConfig, mut each: F) -> Result<()>
    where
        F: FnMut(RawBatch) -> Result<()>,
    {
        std::thread::scope(|scope| -> Result<()> {
            let (tx, rx) = mpsc::sync_channel::<Result<RawBatch>>(2);
            let files = &self.files;
            let reader = scope.spawn(move || read_batches(files, cfg.batch_bytes, &tx));
            for batch in rx.iter() {
                each(batch?)?;
            }
            // The reader ends when the channel closes; a panic there is a bug.
            reader
                .join()
                .map_err(|_| Error::Config("input reader failed".into()))?;
            Ok(())
        })
    }
    /// Reads every record as raw bytes, in exactly the order of
    /// [`Inputs::read`]: whole text files (binary ones left out, as there)
    /// and the non-blank lines of JSON Lines files with their line endings.
    /// Nothing is parsed, so records that `read` would reject or skip are
    /// handed over too; match them to documents by [`RawRecord::origin`].
    /// `each` gets one batch at a time with the raw bytes it covers.
    ///
    /// This is the second pass of jobs that copy records through unchanged
    /// (`nearcopy dedup`): the bytes are the bytes of the file.
    pub fn read_raw<F>(&self, cfg: &InputConfig, mut each: F) -> Result<()>
    where
        F: FnMut(Vec<RawRecord>, u64) -> Result<()>,
    {
        self.batches(cfg, |batch| each(batch.records, batch.bytes))
    }

    /// The text of a raw record read by [`Inputs::read_raw`], with, for JSON
    /// Lines, where the text field's value lies in the line. Fails as
    /// [`Inputs::read`] would on the same record.
    pub fn text_of(&self, raw: &RawRecord, cfg: &InputConfig) -> Result<RecordText> {
        let file = self
            .files
            .get(raw.origin.file as usize)
            .ok_or_else(|| Error::Config(format!("no input file {}", raw.origin.file)))?;
        let invalid = |reason: Invalid| Error::Invalid {
            path: PathBuf::from(&file.name),
            line: (raw.origin.line > 0).then_some(raw.origin.line),
            reason,
        };
        if !file.jsonl {
            let text = std::str::from_utf8(&raw.bytes).map_err(|e| {
                invalid(Invalid::Utf8 {
                    offset: e.valid_up_to(),
                })
            })?;
            return Ok(RecordText {
                text: text.to_owned(),
                span: None,
            });
        }
        let (span, text) = jsonl::text_span(&raw.bytes, cfg).map_err(invalid)?;
        Ok(RecordText {
            text,
            span: Some(span),
        })
    }
}

fn file_stem(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Opens `path`, transparently decompressing gzip or zstd by magic bytes.
pub fn open_decoded(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut buf = BufReader::with_capacity(1 << 20, file);
    let head = buf.fill_buf().map_err(|e| Error::io(path, e))?;
    let reader: Box<dyn BufRead + Send> = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::bufread::MultiGzDecoder::new(buf),
        ))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let dec = zstd::stream::read::Decoder::with_buffer(buf).map_err(|e| Error::io(path, e))?;
        Box::new(BufReader::with_capacity(1 << 20, dec))
    } else {
        Box::new(buf)
    };
    Ok(reader)
}

fn spool_stdin(format: Format) -> Result<(tempfile::NamedTempFile, bool)> {
    let name = PathBuf::from("<stdin>");
    let mut tmp = tempfile::NamedTempFile::new().map_err(|e| Error::io(&name, e))?;
    io::copy(&mut io::stdin().lock(), tmp.as_file_mut()).map_err(|e| Error::io(&name, e))?;
    let jsonl = match format {
        Format::Jsonl => true,
        Format::Text => false,
        Format::Auto => {
            let mut head = Vec::new();
            open_decoded(tmp.path())?
                .take(4096)
                .read_to_end(&mut head)
                .map_err(|e| Error::io(&name, e))?;
            head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        }
    };
    Ok((tmp, jsonl))
}

/// A record as read, not yet parsed: a whole text file, or one JSON Lines
/// line with its line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// Where it was read; the same as the [`Document::origin`] of the
    /// document parsed from it.
    pub origin: Origin,
    /// The bytes exactly as read (decompressed).
    pub bytes: Vec<u8>,
}

/// The text of one raw record (see [`Inputs::text_of`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordText {
    /// The document's text.
    pub text: String,
    /// For a JSON Lines record, the byte range of the text field's value in
    /// the line: the JSON string with its quotes, so that replacing exactly
    /// these bytes rewrites the text and leaves every other byte as it was.
    pub span: Option<std::ops::Range<usize>>,
}

struct RawBatch {
    records: Vec<RawRecord>,
    bytes: u64,
    binary: u64,
    blank: u64,
}

impl RawBatch {
    fn new() -> RawBatch {
        RawBatch {
            records: Vec::new(),
            bytes: 0,
            binary: 0,
            blank: 0,
        }
    }
}

/// Reads raw records of all files into batches of about `batch_bytes`.
fn read_batches(files: &[InputFile], batch_bytes: usize, tx: &mpsc::SyncSender<Result<RawBatch>>) {
    let mut batch = RawBatch::new();
    let mut pending = 0usize;
    let send = |batch: &mut RawBatch, pending: &mut usize| -> bool {
        *pending = 0;
        tx.send(Ok(std::mem::replace(batch, RawBatch::new())))
            .is_ok()
    };
    for (index, file) in files.iter().enumerate() {
        let result = (|| -> Result<bool> {
            let mut reader = open_decoded(&file.path)?;
            if !file.jsonl {
                // Sized from the file, so a large one is not read into a
                // buffer doubled again and again (up to twice its size).
                let hint = std::fs::metadata(&file.path).map_or(0, |m| m.len() as usize);
                let mut bytes = Vec::with_capacity(hint.saturating_add(1));
                reader
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::io(&file.path, e))?;
                batch.bytes += bytes.len() as u64;
                if bytes[..bytes.len().min(8192)].contains(&0) {
                    batch.binary += 1;
                } else {
                    pending += bytes.len();
                    batch.records.push(RawRecord {
                        origin: Origin {
                            file: index as u32,
                            line: 0,
                        },
                        bytes,
                    });
                }
                if pending >= batch_bytes && !send(&mut batch, &mut pending) {
                    return Ok(false);
                }
                return Ok(true);
            }
            let mut line_no = 0u64;
            // One growing buffer, then one allocation of the exact size per
            // record: growing a fresh `Vec` per line reallocated a dozen
            // times per record, and the allocator kept taking fresh pages
            // for buffers freed on other threads (measured in BENCHMARKS.md).
            let mut line = Vec::new();
            loop {
                line.clear();
                let n = reader
                    .read_until(b'\n', &mut line)
                    .map_err(|e| Error::io(&file.path, e))?;
                if n == 0 {
                    break;
                }
                line_no += 1;
                batch.bytes += n as u64;
                if line.iter().all(|b| b.is_ascii_whitespace()) {
                    batch.blank += 1;
                    continue;
                }
                pending += n;
                // A huge record takes the buffer itself: copying it would
                // hold the record twice, and the buffer would keep its
                // size for the rest of the file.
                let bytes = if line.len() >= HUGE_RECORD {
                    let mut taken = std::mem::take(&mut line);
                    taken.shrink_to_fit();
                    taken
                } else {
                    line.as_slice().to_vec()
                };
                batch.records.push(RawRecord {
                    origin: Origin {
                        file: index as u32,
                        line: line_no,
                    },
                    bytes,
                });
                if (pending >= batch_bytes || batch.records.len() >= 65536)
                    && !send(&mut batch, &mut pending)
                {
                    return Ok(false);
                }
            }
            Ok(true)
        })();
        match result {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        }
    }
    if !batch.records.is_empty() || batch.bytes > 0 {
        send(&mut batch, &mut pending);
    }
}

/// Records of at least this many bytes are handed over in the reader's
/// own buffer instead of a copy.
const HUGE_RECORD: usize = 1 << 26;

fn parse(raw: RawRecord, files: &[InputFile], cfg: &InputConfig) -> Result<Document> {
    let file = &files[raw.origin.file as usize];
    let invalid = |reason: Invalid| Error::Invalid {
        path: PathBuf::from(&file.name),
        line: (raw.origin.line > 0).then_some(raw.origin.line),
        reason,
    };
    if !file.jsonl {
        // A text file has no fields to group by.
        if let Some(name) = &cfg.group_field {
            return Err(invalid(Invalid::MissingGroupField(name.clone())));
        }
        let text = String::from_utf8(raw.bytes).map_err(|e| {
            invalid(Invalid::Utf8 {
                offset: e.utf8_error().valid_up_to(),
            })
        })?;
        return Ok(Document {
            id: file.name.clone(),
            source: file.source.clone(),
            text,
            group: None,
            origin: raw.origin,
        });
    }
    let fields = jsonl::extract(&raw.bytes, cfg).map_err(invalid)?;
    Ok(Document {
        id: fields
            .id
            .unwrap_or_else(|| format!("{}:{}", file.name, raw.origin.line)),
        source: fields.source.unwrap_or_else(|| file.source.clone()),
        text: fields.text,
        group: fields.group,
        origin: raw.origin,
    })
}
