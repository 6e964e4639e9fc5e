//! Reading documents: directories of text files, JSON Lines (optionally gzip
//! or zstd compressed), Parquet files (a document per row), texts in memory
//! ([`Texts`]) and standard input.
//!
//! Inputs are streamed in batches: a reader thread reads raw records (whole
//! text files, JSONL lines or Parquet rows) while the pipeline parses and processes the
//! previous batch in parallel, so memory holds a few batches of text, never the
//! whole corpus. The order of documents is the order of the inputs as given,
//! directories walked in byte order of their names, so ids and results never
//! depend on thread count or on the file system's listing order.
//!
//! Compression is recognised by its magic bytes (gzip `1f 8b`, zstd
//! `28 b5 2f fd`), whatever the file is called. A file is read as JSON Lines
//! when its name ends in `.jsonl`/`.ndjson` (before a `.gz`/`.zst`), or in
//! `.json` and its first line is a whole JSON object, or for
//! all files with `--input-format jsonl`; as Parquet when its name ends in
//! `.parquet`/`.pq`, or with `--input-format parquet`. Standard input is
//! Parquet when it starts with `PAR1`, JSON Lines when its first non-blank
//! byte is `{`.

mod jsonl;
#[cfg(feature = "parquet")]
mod parquet;
#[cfg(not(feature = "parquet"))]
#[path = "parquet_off.rs"]
mod parquet;
mod piece;
mod texts;
mod walk;

#[cfg(feature = "parquet")]
pub(crate) use parquet::schema as parquet_schema;
pub(crate) use piece::Reassembly;
pub use piece::{Piece, PieceRead, Share};
pub use texts::{Corpus, Texts, TEXTS_NAME, TEXTS_SOURCE};
pub(crate) use walk::is_parquet_name;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rayon::prelude::*;

use crate::document::{Document, Origin};
use crate::error::{Error, Invalid, Result};
use crate::tempfiles::TempFile;

/// How input files are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// By file name: Parquet (`.parquet`, `.pq`), JSON Lines (`.jsonl`, `.ndjson`, optionally `.gz`/`.zst`; `.json` whose first line is a JSON object), text otherwise.
    #[default]
    Auto,
    /// Every file is one document.
    Text,
    /// Every file is JSON Lines, one document per line.
    Jsonl,
    /// Every file is Parquet, one document per row.
    Parquet,
}

/// How one file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The whole file is one document.
    Text,
    /// JSON Lines: a document per line.
    Jsonl,
    /// Parquet: a document per row.
    Parquet,
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
    /// How it is read.
    pub kind: FileKind,
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
    /// Documents whose id an earlier document already has (they are still
    /// read; reports name documents by id, so such ids are ambiguous).
    #[serde(skip_serializing_if = "DuplicateIds::is_empty")]
    pub duplicate_ids: DuplicateIds,
}

/// Documents that reuse an id, with the first few cases in full.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DuplicateIds {
    /// How many documents have an id that an earlier document has.
    pub count: u64,
    /// The first [`DuplicateIds::EXAMPLES`] of them.
    pub examples: Vec<DuplicateId>,
}

/// One document whose id an earlier document has.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DuplicateId {
    /// The id.
    pub id: String,
    /// Where the first document with it is (`FILE:LINE`, or `FILE`).
    pub first: String,
    /// Where this one is.
    pub again: String,
}

impl DuplicateIds {
    /// How many cases are kept in full.
    pub const EXAMPLES: usize = 10;

    /// Whether no id was reused.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// A warning for people, or `None` when no id was reused.
    pub fn describe(&self) -> Option<String> {
        let first = self.examples.first()?;
        let mut s = format!(
            "{} document{} reuse{} an earlier document's id, e.g. \"{}\" at {} and {}",
            self.count,
            if self.count == 1 { "" } else { "s" },
            if self.count == 1 { "s" } else { "" },
            first.id,
            first.first,
            first.again
        );
        if self.count > 1 {
            s.push_str(" (reports name documents by id: make ids unique, or choose another field with --id-field)");
        } else {
            s.push_str(" (reports name documents by id: make it unique, or choose another field with --id-field)");
        }
        Some(s)
    }
}

/// Finds reused ids while documents stream past, keeping one 64-bit
/// fingerprint and one position per document.
#[derive(Default)]
struct IdTracker {
    first: ahash::AHashMap<u64, Origin>,
    found: DuplicateIds,
}

impl IdTracker {
    fn see(&mut self, seen: SeenId, files: &[InputFile]) {
        match self.first.entry(seen.key) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(seen.origin);
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                self.found.count += 1;
                if self.found.examples.len() < DuplicateIds::EXAMPLES {
                    self.found.examples.push(DuplicateId {
                        id: seen.id,
                        first: place(files, *o.get()),
                        again: place(files, seen.origin),
                    });
                }
            }
        }
    }
}

/// What [`IdTracker`] needs of a document, taken on the thread that parsed
/// it (the document itself may be consumed there).
struct SeenId {
    key: u64,
    origin: Origin,
    id: String,
}

impl SeenId {
    fn of(doc: &Document) -> SeenId {
        SeenId {
            key: xxhash_rust::xxh3::xxh3_64(doc.id.as_bytes()),
            origin: doc.origin,
            id: doc.id.clone(),
        }
    }
}

/// `FILE:LINE` (or `FILE` for a whole text file) of a document.
fn place(files: &[InputFile], origin: Origin) -> String {
    let name = files
        .get(origin.file as usize)
        .map_or("?", |f| f.name.as_str());
    if origin.line > 0 {
        format!("{name}:{}", origin.line)
    } else {
        name.to_string()
    }
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
    // What each file looked like when the run started: a file written to
    // while it is read more than once would give inconsistent results.
    stamps: Vec<Option<Stamp>>,
    hidden: u64,
    // Reused ids, found by the first complete read: jobs read their input
    // several times, and the ids do not change between reads (the stamps
    // check that).
    duplicate_ids: std::sync::OnceLock<DuplicateIds>,
    // Records in the inputs, counted by the first complete read: a subset
    // of most of them is read faster in one stream than record by record.
    records: std::sync::OnceLock<u64>,
    // Standard input and other streams (FIFOs, devices) are copied here
    // first so they can be read more than once.
    _spools: Vec<TempFile>,
}

/// Size, modification time and identity of a regular file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let inode = 0;
        Some(Stamp {
            len: m.len(),
            modified: m.modified().ok(),
            inode,
        })
    }
}

/// The regular files that `paths` (files and directories as given on the
/// command line; `-` is left out) would be read from, walking directories
/// as [`Inputs::open`] does.
pub fn files_of(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk::directory(path, Format::Auto, &mut found)?;
            files.extend(found.into_iter().map(|f| f.path));
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

impl Inputs {
    /// Resolves `paths` (files, directories, `-` for standard input) into
    /// the files to read. Fails on a path that does not exist. Standard
    /// input, FIFOs and character devices are copied to a temporary file
    /// first, since every job reads its input more than once.
    pub fn open(paths: &[PathBuf], cfg: &InputConfig) -> Result<Inputs> {
        let mut files = Vec::new();
        let mut hidden = 0;
        let mut spools = Vec::new();
        let mut stdin_seen = false;
        for path in paths {
            if path.as_os_str() == "-" {
                if std::mem::replace(&mut stdin_seen, true) {
                    return Err(Error::Config("standard input (-) given twice".into()));
                }
                let name = PathBuf::from("<stdin>");
                let (tmp, kind) = spool(&mut io::stdin().lock(), &name, None, cfg.format)?;
                files.push(InputFile {
                    path: tmp.path().to_path_buf(),
                    name: "<stdin>".into(),
                    source: "stdin".into(),
                    kind,
                });
                spools.push(tmp);
                continue;
            }
            let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
            if meta.is_dir() {
                hidden += walk::directory(path, cfg.format, &mut files)?;
            } else if meta.is_file() {
                let name = path.display().to_string();
                let source = file_stem(path);
                files.push(InputFile {
                    kind: walk::kind(path, cfg.format),
                    path: path.clone(),
                    name,
                    source,
                });
            } else {
                // A FIFO (`<(zcat x.gz)`), a character device or a socket:
                // it can be read only once.
                let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
                let (tmp, kind) = spool(&mut f, path, Some(path), cfg.format)?;
                files.push(InputFile {
                    path: tmp.path().to_path_buf(),
                    name: path.display().to_string(),
                    source: file_stem(path),
                    kind,
                });
                spools.push(tmp);
            }
        }
        Ok(Inputs::with_files(files, hidden, spools))
    }

    /// Inputs of `files`, stamped now; `spools` are the temporary copies
    /// among them, removed with the inputs.
    fn with_files(files: Vec<InputFile>, hidden: u64, spools: Vec<TempFile>) -> Inputs {
        let stamps = files.iter().map(|f| Stamp::of(&f.path)).collect();
        Inputs {
            files,
            stamps,
            hidden,
            duplicate_ids: std::sync::OnceLock::new(),
            records: std::sync::OnceLock::new(),
            _spools: spools,
        }
    }

    /// Fails with [`Error::Changed`] if a file is no longer what it was when
    /// the inputs were opened (another size, time of change or inode).
    fn check_unchanged(&self) -> Result<()> {
        for (file, stamp) in self.files.iter().zip(&self.stamps) {
            if stamp.is_some() && Stamp::of(&file.path) != *stamp {
                return Err(Error::Changed(format!(
                    "{} was modified while it was being read",
                    file.name
                )));
            }
        }
        Ok(())
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

    /// [`Inputs::read_raw_subset`] streams through the files instead of
    /// reading records at their offsets when more than one record in this
    /// many is wanted.
    const SUBSET_DENSITY: u64 = 4;

    /// Reads every document, handing them to `each` in input order, in
    /// batches parsed in parallel on the current rayon pool. Unusable records
    /// stop the read with an error naming file and line, unless
    /// `skip_invalid` is set, in which case they are counted in the returned
    /// [`Skipped`].
    pub fn read<F>(&self, cfg: &InputConfig, each: F) -> Result<Skipped>
    where
        F: FnMut(Vec<Document>, u64) -> Result<()>,
    {
        self.read_with(cfg, |doc| doc, each)
    }

    /// [`Inputs::read`] that also runs `map` on each document in the same
    /// parallel step that parses it, so the text is worked on while it is
    /// still in the cache and freed on the thread that made it; `each` gets
    /// the results in input order.
    ///
    /// `each` (and the bookkeeping of ids and skipped records) runs on the
    /// calling thread while the pool parses and maps the next batch: done
    /// between batches, it left all but one thread idle for a tenth of a
    /// document-level scan. A batch of more than twice
    /// [`InputConfig::batch_bytes`] (one record of many megabytes) is parsed
    /// and taken alone, as when batches were taken one at a time, so huge
    /// records cost no more memory than they did then.
    pub fn read_with<T, M, F>(&self, cfg: &InputConfig, map: M, mut each: F) -> Result<Skipped>
    where
        T: Send,
        M: Fn(Document) -> T + Sync + Send,
        F: FnMut(Vec<T>, u64) -> Result<()>,
    {
        let mut skipped = Skipped {
            hidden: self.hidden,
            ..Skipped::default()
        };
        // Only the first read looks for reused ids.
        let mut ids = self.duplicate_ids.get().is_none().then(IdTracker::default);
        let track = ids.is_some();
        let mut records = 0u64;
        let parse_all = |raw: Vec<RawRecord>| -> Vec<Result<(T, Option<SeenId>)>> {
            raw.into_par_iter()
                .map(|raw| {
                    let doc = parse(raw, &self.files, cfg)?;
                    let seen = track.then(|| SeenId::of(&doc));
                    Ok((map(doc), seen))
                })
                .collect()
        };
        let mut take = |batch: Parsed<T>| -> Result<()> {
            records += batch.records;
            skipped.binary += batch.binary;
            skipped.blank_lines += batch.blank;
            let mut docs = Vec::with_capacity(batch.parsed.len());
            for p in batch.parsed {
                match p {
                    Ok((d, seen)) => {
                        docs.push(d);
                        if let (Some(ids), Some(seen)) = (ids.as_mut(), seen) {
                            ids.see(seen, &self.files);
                        }
                    }
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
        };
        let mut waiting: Option<Parsed<T>> = None;
        self.batches(cfg, |batch| {
            let RawBatch {
                records: raw,
                bytes,
                binary,
                blank,
                ..
            } = batch;
            let records = raw.len() as u64;
            let batch = |parsed| Parsed {
                parsed,
                records,
                bytes,
                binary,
                blank,
            };
            let before = waiting.take();
            if bytes > 2 * cfg.batch_bytes as u64 {
                // A batch this large holds a record of many megabytes: it
                // is parsed and taken alone, after the one before, as if
                // nothing were read ahead, so that no two such batches are
                // held parsed at once.
                before.map_or(Ok(()), &mut take)?;
                return take(batch(parse_all(raw)));
            }
            let mut parsed = None;
            // `in_place_scope`: `take` runs here, on this thread, and need
            // not be `Send`; the parsing goes to the pool.
            let taken = rayon::in_place_scope(|s| {
                s.spawn(|_| parsed = Some(parse_all(raw)));
                before.map_or(Ok(()), &mut take)
            });
            waiting = parsed.map(batch);
            taken
        })?;
        if let Some(last) = waiting {
            take(last)?;
        }
        if let Some(ids) = ids {
            let _ = self.duplicate_ids.set(ids.found);
        }
        let _ = self.records.set(records);
        skipped.duplicate_ids = self.duplicate_ids.get().cloned().unwrap_or_default();
        Ok(skipped)
    }

    /// Runs the reader thread over all files and hands `each` the raw
    /// batches in order; the one place that owns the reader's life cycle.
    fn batches<F>(&self, cfg: &InputConfig, each: F) -> Result<()>
    where
        F: FnMut(RawBatch) -> Result<()>,
    {
        self.batches_of(cfg, &self.whole_files(), each)
    }

    /// [`Inputs::batches`] of `pieces` only, in their order.
    fn batches_of<F>(&self, cfg: &InputConfig, pieces: &[Piece], mut each: F) -> Result<()>
    where
        F: FnMut(RawBatch) -> Result<()>,
    {
        self.check_unchanged()?;
        std::thread::scope(|scope| -> Result<()> {
            let (tx, rx) = mpsc::sync_channel::<Result<RawBatch>>(2);
            let files = &self.files;
            // Parquet row groups are decoded as many at a time as the
            // pool has threads.
            let threads = rayon::current_num_threads();
            let reader = scope.spawn(move || read_batches(files, pieces, cfg, threads, &tx));
            for batch in rx.iter() {
                each(batch?)?;
            }
            // The reader ends when the channel closes; a panic there is a bug.
            reader
                .join()
                .map_err(|_| Error::Config("input reader failed".into()))?;
            Ok(())
        })?;
        self.check_unchanged()
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

    /// [`Inputs::read_raw`] of the records at `wanted` only (origins as
    /// read by [`Inputs::read`], in input order), in that order. Where every
    /// file they lie in is uncompressed, each record is read at its offset
    /// and nothing else is read: exact verification needs the few documents
    /// in candidate pairs, and reading them alone costs a fraction of
    /// reading the corpus again. Compressed files cannot be entered in the
    /// middle; then every record is read, as by [`Inputs::read_raw`], and
    /// `each` gets the others too (callers pick theirs by origin).
    pub fn read_raw_subset<F>(
        &self,
        cfg: &InputConfig,
        wanted: &[Origin],
        mut each: F,
    ) -> Result<()>
    where
        F: FnMut(Vec<RawRecord>, u64) -> Result<()>,
    {
        if !cfg!(unix) {
            return self.read_raw(cfg, each);
        }
        let mut files: Vec<u32> = wanted.iter().map(|o| o.file).collect();
        files.dedup();
        // Parquet rows cannot be read one by one either (a row costs its
        // whole row group).
        let compressed: Vec<bool> = files
            .par_iter()
            .map(|&f| {
                let file = &self.files[f as usize];
                Ok(file.kind == FileKind::Parquet || is_compressed(&file.path)?)
            })
            .collect::<Result<_>>()?;
        if compressed.contains(&true) {
            return self.read_raw(cfg, each);
        }
        // A record read on its own costs an open and a read at its offset;
        // past about one record in four, one stream through the files
        // (parsing nothing) is faster.
        if self
            .records
            .get()
            .is_some_and(|&n| wanted.len() as u64 * Self::SUBSET_DENSITY > n)
        {
            return self.read_raw(cfg, each);
        }
        self.check_unchanged()?;
        // Batches are counted in records; the records of a batch are read
        // in parallel. The wanted records of one file are consecutive (in
        // input order), and each such stretch opens its file once, shared
        // by the threads: opening and closing it for every record took as
        // long as reading the record. A stretch holds its file only while
        // it is read, so a directory of many text files never has more
        // open than there are stretches in progress.
        const PER_BATCH: usize = 4096;
        for chunk in wanted.chunks(PER_BATCH) {
            let stretches: Vec<&[Origin]> = chunk.chunk_by(|a, b| a.file == b.file).collect();
            let records: Vec<Result<Vec<RawRecord>>> = stretches
                .into_par_iter()
                .map(|stretch| {
                    let file = &self.files[stretch[0].file as usize];
                    if file.kind != FileKind::Jsonl {
                        return stretch
                            .iter()
                            .map(|&origin| {
                                let bytes = std::fs::read(&file.path)
                                    .map_err(|e| Error::io(&file.path, e))?;
                                Ok(RawRecord { origin, bytes })
                            })
                            .collect();
                    }
                    let opened = File::open(&file.path).map_err(|e| Error::io(&file.path, e))?;
                    stretch
                        .par_iter()
                        .map(|&origin| {
                            let bytes = read_line_at(&opened, origin.offset, origin.line == 1)
                                .map_err(|e| Error::io(&file.path, e))?;
                            Ok(RawRecord { origin, bytes })
                        })
                        .collect()
                })
                .collect();
            let mut flat = Vec::with_capacity(chunk.len());
            for stretch in records {
                flat.extend(stretch?);
            }
            let records = flat;
            let bytes = records.iter().map(|r| r.bytes.len() as u64).sum();
            each(records, bytes)?;
        }
        self.check_unchanged()
    }

    /// The documents at `wanted` (origins as read by [`Inputs::read`], in
    /// input order), in that order, parsed in parallel; `each` gets one
    /// batch at a time with the raw bytes it covers. Read as by
    /// [`Inputs::read_raw_subset`]: at their offsets where the files allow,
    /// else by reading everything and parsing only the wanted records. For
    /// the jobs that need a few documents again (the side-by-side views of
    /// `similarity`); exact verification uses the raw records themselves.
    pub fn read_subset<F>(&self, cfg: &InputConfig, wanted: &[Origin], mut each: F) -> Result<()>
    where
        F: FnMut(Vec<Document>, u64) -> Result<()>,
    {
        self.read_raw_subset(cfg, wanted, |batch, bytes| {
            let docs = batch
                .into_par_iter()
                .filter(|raw| wanted.binary_search(&raw.origin).is_ok())
                .map(|raw| parse(raw, &self.files, cfg))
                .collect::<Result<Vec<_>>>()?;
            each(docs, bytes)
        })
    }

    /// The text of a raw record read by [`Inputs::read_raw`], parsed as
    /// [`Inputs::read`] parses it (and failing as it would), in one pass
    /// over the record: what the jobs that read a record again for its
    /// text alone need. [`Inputs::text_of`] also says where the text lies,
    /// which takes a second pass over it.
    pub fn text(&self, raw: RawRecord, cfg: &InputConfig) -> Result<String> {
        if raw.origin.file as usize >= self.files.len() {
            return Err(Error::Config(format!("no input file {}", raw.origin.file)));
        }
        parse(raw, &self.files, cfg).map(|doc| doc.text)
    }

    /// The text of a raw record read by [`Inputs::read_raw`], with, for JSON
    /// Lines, where the text field's value lies in the line. Fails on a
    /// record that is not JSON or whose text field is missing or not a
    /// string; unlike [`Inputs::read`] (and [`Inputs::text`]) it does not
    /// look at the id, source or group fields.
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
        if file.kind == FileKind::Parquet {
            let text = parquet::text_of(&raw.bytes, cfg).map_err(invalid)?;
            return Ok(RecordText { text, span: None });
        }
        if file.kind == FileKind::Text {
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

/// The first bytes of a gzip stream.
pub(crate) const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
/// The first bytes of a zstd frame.
pub(crate) const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

/// Whether the file at `path` is gzip or zstd (read through a decoder by
/// [`open_decoded`]).
fn is_compressed(path: &Path) -> Result<bool> {
    let mut head = Vec::with_capacity(4);
    File::open(path)
        .and_then(|f| f.take(4).read_to_end(&mut head))
        .map_err(|e| Error::io(path, e))?;
    Ok(head.starts_with(GZIP_MAGIC) || head.starts_with(ZSTD_MAGIC))
}

/// Opens `path`, transparently decompressing gzip or zstd by magic bytes.
pub fn open_decoded(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    decode(path, file)
}

/// Reads `raw`, the bytes of `path`, decompressing gzip or zstd by magic
/// bytes. `raw` may be any reader of the file (one that counts bytes for a
/// progress bar, for instance); `path` names it in errors.
pub fn decode<'a, R: Read + Send + 'a>(
    path: &Path,
    raw: R,
) -> Result<Box<dyn BufRead + Send + 'a>> {
    let mut buf = BufReader::with_capacity(1 << 20, raw);
    let head = buf.fill_buf().map_err(|e| Error::io(path, e))?;
    let reader: Box<dyn BufRead + Send + 'a> = if head.starts_with(GZIP_MAGIC) {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::bufread::MultiGzDecoder::new(buf),
        ))
    } else if head.starts_with(ZSTD_MAGIC) {
        let dec = zstd::stream::read::Decoder::with_buffer(buf).map_err(|e| Error::io(path, e))?;
        Box::new(BufReader::with_capacity(1 << 20, dec))
    } else {
        Box::new(buf)
    };
    Ok(reader)
}

/// Copies a stream that can be read only once into a temporary file (in
/// the system's temporary directory, removed at the end of the run or by a
/// signal, swept by the next run after a `kill -9`). How it is read: by
/// `path`'s name where that says so, else Parquet when it starts with
/// Parquet's magic bytes, JSON Lines when its first non-blank byte is `{`
/// (so a FIFO named `.json` holding records is JSON Lines), else text.
fn spool(
    reader: &mut dyn Read,
    name: &Path,
    path: Option<&Path>,
    format: Format,
) -> Result<(TempFile, FileKind)> {
    let dir = std::env::temp_dir();
    crate::tempfiles::sweep_stale(&dir);
    let mut tmp = TempFile::new_in(&dir, None).map_err(|e| {
        Error::io(
            name,
            io::Error::new(
                e.kind(),
                format!("cannot make a temporary copy in {}: {e}", dir.display()),
            ),
        )
    })?;
    io::copy(reader, tmp.as_file_mut()).map_err(|e| Error::io(name, e))?;
    // By name only: a stream cannot be opened again to look inside.
    let named_jsonl =
        path.is_some_and(|p| matches!(walk::extension(p).as_str(), "jsonl" | "ndjson"));
    let named_parquet = path.is_some_and(walk::is_parquet_name);
    let kind = match format {
        Format::Jsonl => FileKind::Jsonl,
        Format::Text => FileKind::Text,
        Format::Parquet => FileKind::Parquet,
        Format::Auto if named_parquet => FileKind::Parquet,
        Format::Auto if named_jsonl => FileKind::Jsonl,
        Format::Auto => {
            let mut head = Vec::new();
            File::open(tmp.path())
                .and_then(|f| f.take(4).read_to_end(&mut head))
                .map_err(|e| Error::io(name, e))?;
            if head == walk::PARQUET_MAGIC {
                FileKind::Parquet
            } else {
                head.clear();
                open_decoded(tmp.path())?
                    .take(4096)
                    .read_to_end(&mut head)
                    .map_err(|e| Error::io(name, e))?;
                let head = head.strip_prefix(BOM).unwrap_or(&head);
                if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
                    FileKind::Jsonl
                } else {
                    FileKind::Text
                }
            }
        }
    };
    Ok((tmp, kind))
}

/// Whether a text file is taken for binary and skipped: a NUL byte in its
/// first 8 KiB.
pub(crate) fn looks_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(8192)].contains(&0)
}

/// The UTF-8 byte-order mark, which some tools put before the first record
/// of a JSON Lines file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

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

/// A batch parsed (and mapped) by [`Inputs::read_with`], waiting to be
/// taken in input order.
struct Parsed<T> {
    parsed: Vec<Result<(T, Option<SeenId>)>>,
    records: u64,
    bytes: u64,
    binary: u64,
    blank: u64,
}

struct RawBatch {
    records: Vec<RawRecord>,
    bytes: u64,
    binary: u64,
    blank: u64,
    /// Lines of the current JSON Lines file read so far, blank ones
    /// included.
    lines: u64,
}

impl RawBatch {
    fn new() -> RawBatch {
        RawBatch {
            records: Vec::new(),
            bytes: 0,
            binary: 0,
            blank: 0,
            lines: 0,
        }
    }
}

/// Reads raw records of all files into batches of about
/// `cfg.batch_bytes`.
fn read_batches(
    files: &[InputFile],
    pieces: &[Piece],
    cfg: &InputConfig,
    threads: usize,
    tx: &mpsc::SyncSender<Result<RawBatch>>,
) {
    let batch_bytes = cfg.batch_bytes;
    let mut batch = RawBatch::new();
    let mut pending = 0usize;
    let send = |batch: &mut RawBatch, pending: &mut usize| -> bool {
        *pending = 0;
        tx.send(Ok(std::mem::replace(batch, RawBatch::new())))
            .is_ok()
    };
    for piece in pieces {
        let index = piece.file as usize;
        let file = &files[index];
        let result = (|| -> Result<bool> {
            if file.kind == FileKind::Parquet {
                let mut going = true;
                parquet::read(file, index as u32, cfg, threads, |records| {
                    for r in records {
                        batch.bytes += r.bytes.len() as u64;
                        pending += r.bytes.len();
                        batch.records.push(r);
                    }
                    if pending >= batch_bytes || batch.records.len() >= 65536 {
                        going = send(&mut batch, &mut pending);
                    }
                    Ok(going)
                })?;
                return Ok(going);
            }
            let (mut reader, mut offset, end) = match &piece.range {
                Some(range) => {
                    let (reader, start) = piece::open_at_line(&file.path, range.start)?;
                    (reader, start, range.end)
                }
                None => (open_decoded(&file.path)?, 0, u64::MAX),
            };
            if file.kind == FileKind::Text {
                // Sized from the file, so a large one is not read into a
                // buffer doubled again and again (up to twice its size).
                let hint = std::fs::metadata(&file.path).map_or(0, |m| m.len() as usize);
                let mut bytes = Vec::with_capacity(hint.saturating_add(1));
                reader
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::io(&file.path, e))?;
                batch.bytes += bytes.len() as u64;
                if looks_binary(&bytes) {
                    batch.binary += 1;
                } else {
                    pending += bytes.len();
                    batch.records.push(RawRecord {
                        origin: Origin {
                            file: index as u32,
                            line: 0,
                            offset: 0,
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
            // Lines that cross the end of the reader's buffer are gathered
            // in one growing buffer, then copied at their exact size:
            // growing a fresh `Vec` per line reallocated a dozen
            // times per record, and the allocator kept taking fresh pages
            // for buffers freed on other threads (measured in BENCHMARKS.md).
            let mut line = Vec::new();
            // A piece owns the lines that start inside its range.
            while offset < end {
                // Most lines lie whole in the reader's buffer (1 MiB): they
                // are copied out of it once, at their exact size, instead of
                // into `line` and then out of that.
                let buffered = reader.fill_buf().map_err(|e| Error::io(&file.path, e))?;
                let (n, mut bytes) = if let Some(nl) = memchr::memchr(b'\n', buffered) {
                    let bytes = buffered[..=nl].to_vec();
                    reader.consume(nl + 1);
                    (nl + 1, bytes)
                } else {
                    line.clear();
                    let n = reader
                        .read_until(b'\n', &mut line)
                        .map_err(|e| Error::io(&file.path, e))?;
                    if n == 0 {
                        break;
                    }
                    // A huge record takes the buffer itself: copying it
                    // would hold the record twice, and the buffer would
                    // keep its size for the rest of the file.
                    let bytes = if line.len() >= HUGE_RECORD {
                        let mut taken = std::mem::take(&mut line);
                        taken.shrink_to_fit();
                        taken
                    } else {
                        line.as_slice().to_vec()
                    };
                    (n, bytes)
                };
                if offset == 0 && bytes.starts_with(BOM) {
                    bytes.drain(..BOM.len());
                }
                let start = offset;
                offset += n as u64;
                line_no += 1;
                batch.lines = line_no;
                batch.bytes += n as u64;
                if bytes.iter().all(|b| b.is_ascii_whitespace()) {
                    batch.blank += 1;
                    continue;
                }
                pending += n;
                batch.records.push(RawRecord {
                    origin: Origin {
                        file: index as u32,
                        line: line_no,
                        offset: start,
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

/// The line that starts at `offset` of `file`, with its line ending (the
/// bytes [`read_batches`] reads for it; a leading byte-order mark is taken
/// off the first line, as there).
///
/// Reads go through a buffer kept by the thread, and the record is copied
/// out at its exact size: a fresh zeroed buffer per record cost more in
/// page clearing than the reading itself.
#[cfg(unix)]
fn read_line_at(file: &File, offset: u64, first: bool) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    const KEEP: usize = 1 << 20;
    // The first read asks for a few times a typical record, and each
    // further one for twice as much as the last: the kernel copies every
    // byte asked for, so reading a whole buffer (kept at its largest
    // record's size) for each record cost more than the record.
    const FIRST_READ: usize = 16 << 10;
    BUF.with_borrow_mut(|buf| {
        let mut filled = 0;
        let mut ask = FIRST_READ;
        let end = loop {
            if buf.len() < filled + ask {
                buf.resize(filled + ask, 0);
            }
            let n = file.read_at(&mut buf[filled..filled + ask], offset + filled as u64)?;
            ask *= 2;
            let searched = filled;
            filled += n;
            if let Some(nl) = memchr::memchr(b'\n', &buf[searched..filled]) {
                break searched + nl + 1;
            }
            if n == 0 {
                break filled;
            }
        };
        let skip = if first && buf[..end].starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        // A huge record takes the buffer itself, as in `read_batches`:
        // copying it would hold it twice.
        if buf.len() > KEEP {
            let mut bytes = std::mem::take(buf);
            bytes.truncate(end);
            bytes.drain(..skip);
            bytes.shrink_to_fit();
            return Ok(bytes);
        }
        Ok(buf[skip..end].to_vec())
    })
}

#[cfg(not(unix))]
fn read_line_at(_: &File, _: u64, _: bool) -> io::Result<Vec<u8>> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Records of at least this many bytes are handed over in the reader's
/// own buffer instead of a copy.
const HUGE_RECORD: usize = 1 << 26;

fn parse(raw: RawRecord, files: &[InputFile], cfg: &InputConfig) -> Result<Document> {
    parse_named(raw, files, cfg).map(|(doc, _)| doc)
}

/// [`parse`], also saying whether the record named its id (`false`: the id
/// is `FILE:LINE` or the file's name, made here).
fn parse_named(raw: RawRecord, files: &[InputFile], cfg: &InputConfig) -> Result<(Document, bool)> {
    let file = &files[raw.origin.file as usize];
    let invalid = |reason: Invalid| Error::Invalid {
        path: PathBuf::from(&file.name),
        line: (raw.origin.line > 0).then_some(raw.origin.line),
        reason,
    };
    if file.kind == FileKind::Parquet {
        let fields = parquet::unframe(&raw.bytes, cfg).map_err(invalid)?;
        let named = fields.id.is_some();
        return Ok((document(fields, file, raw.origin), named));
    }
    if file.kind == FileKind::Text {
        // A text file has no fields to group by.
        if let Some(name) = &cfg.group_field {
            return Err(invalid(Invalid::MissingGroupField(name.clone())));
        }
        let text = String::from_utf8(raw.bytes).map_err(|e| {
            invalid(Invalid::Utf8 {
                offset: e.utf8_error().valid_up_to(),
            })
        })?;
        let doc = Document {
            id: file.name.clone(),
            source: file.source.clone(),
            text,
            group: None,
            origin: raw.origin,
        };
        return Ok((doc, false));
    }
    let fields = jsonl::extract(&raw.bytes, cfg).map_err(invalid)?;
    let named = fields.id.is_some();
    Ok((document(fields, file, raw.origin), named))
}

/// The document of a record's fields: without an id, `FILE:LINE` (the row
/// number for Parquet); without a source, the file's.
fn document(fields: jsonl::Fields, file: &InputFile, origin: Origin) -> Document {
    Document {
        id: fields
            .id
            .unwrap_or_else(|| format!("{}:{}", file.name, origin.line)),
        source: fields.source.unwrap_or_else(|| file.source.clone()),
        text: fields.text,
        group: fields.group,
        origin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records read at their offsets are the bytes the stream reads, for
    /// lines shorter than, as long as and many times the first read, the
    /// first line with a byte-order mark, a last line without its line
    /// ending, and whole text files between stretches of JSON Lines.
    #[test]
    fn records_read_at_their_offsets_are_the_records_read_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let line = |n: usize| format!("{{\"text\":\"{}\"}}\n", "w ".repeat(n / 2));
        let lengths = [10, 16_370, 16_384, 16_400, 40_000, 200_000, 30, 5];
        let mut a = String::from("\u{feff}");
        for (i, &n) in lengths.iter().cycle().take(40).enumerate() {
            a.push_str(&line(n + i));
        }
        a.push_str("{\"text\":\"no line ending\"}");
        let mut b = String::new();
        for i in 0..30 {
            b.push_str(&line(3 + i * 1000));
        }
        let files = [
            ("a.jsonl", a),
            ("b.txt", "a whole text file".to_string()),
            ("c.jsonl", b),
            ("d.txt", "another one\n".repeat(5000)),
        ];
        let mut paths = Vec::new();
        for (name, text) in &files {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            paths.push(path);
        }
        let cfg = InputConfig::default();
        let inputs = Inputs::open(&paths, &cfg).unwrap();
        let mut all = Vec::new();
        inputs
            .read_raw(&cfg, |batch, _| {
                all.extend(batch);
                Ok(())
            })
            .unwrap();
        assert_eq!(all.len(), 41 + 1 + 30 + 1);
        // The stream's records are the files' bytes, split at line ends
        // (lines of up to 200 KB cross the end of the reader's buffer).
        let joined = |file: u32| -> Vec<u8> {
            all.iter()
                .filter(|r| r.origin.file == file)
                .flat_map(|r| r.bytes.iter().copied())
                .collect()
        };
        assert_eq!(
            joined(0),
            files[0].1.trim_start_matches('\u{feff}').as_bytes()
        );
        assert_eq!(joined(2), files[2].1.as_bytes());
        assert!(
            files[0].1.len() > 1 << 20,
            "lines cross the reader's buffer"
        );
        let picks: [&[usize]; 4] = [
            &[0],
            &[1, 2, 3, 4, 5, 40],
            &[40, 41, 42, 71, 72],
            &[5, 6, 41, 60],
        ];
        for pick in picks {
            let wanted: Vec<Origin> = pick.iter().map(|&i| all[i].origin).collect();
            let mut got = Vec::new();
            inputs
                .read_raw_subset(&cfg, &wanted, |batch, _| {
                    got.extend(batch);
                    Ok(())
                })
                .unwrap();
            let got: Vec<(Origin, Vec<u8>)> =
                got.into_iter().map(|r| (r.origin, r.bytes)).collect();
            let expected: Vec<(Origin, Vec<u8>)> = pick
                .iter()
                .map(|&i| (all[i].origin, all[i].bytes.clone()))
                .collect();
            assert_eq!(got, expected, "{pick:?}");
        }
    }

    /// `read_with` takes each batch while the pool parses the next (and
    /// batches of huge records alone): the documents still arrive in input
    /// order, batch by batch, the first bad record (not one of a later
    /// batch) is the error, skipped records are counted once each, and an
    /// error from `each` stops the read there.
    #[test]
    fn batches_parsed_ahead_are_taken_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        let mut lines = String::new();
        for i in 1..=200 {
            match i {
                37 => lines.push_str("{\"text\": 5}\n"),
                120 => lines.push_str("{\"id\":\"x\"}\n"),
                150 => lines.push_str("not json\n"),
                // Records over twice the batch size: batches taken alone,
                // between batches parsed ahead.
                60 | 61 | 90 | 200 => lines.push_str(&format!(
                    "{{\"id\":\"d{i}\",\"text\":\"{}word {i}\"}}\n",
                    "long ".repeat(60)
                )),
                _ => lines.push_str(&format!("{{\"id\":\"d{i}\",\"text\":\"word {i}\"}}\n")),
            }
        }
        std::fs::write(&path, lines).unwrap();
        let cfg = InputConfig {
            // A few records a batch: dozens of batches.
            batch_bytes: 100,
            ..InputConfig::default()
        };
        let inputs = Inputs::open(std::slice::from_ref(&path), &cfg).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let read = |cfg: &InputConfig, stop_at: Option<usize>| {
            let mut ids = Vec::new();
            let mut batches = 0;
            let result = pool.install(|| {
                inputs.read_with(
                    cfg,
                    |doc| (doc.id, doc.origin.line),
                    |batch, _| {
                        batches += 1;
                        ids.extend(batch);
                        match stop_at {
                            Some(n) if ids.len() >= n => Err(Error::Interrupted),
                            _ => Ok(()),
                        }
                    },
                )
            });
            (result, ids, batches)
        };
        let (result, ids, batches) = read(&cfg, None);
        let err = result.unwrap_err();
        assert!(err.to_string().contains("a.jsonl:37"), "{err}");
        assert_eq!(ids.len(), 36);
        assert!(batches > 5, "{batches} batches");

        let skipping = InputConfig {
            skip_invalid: true,
            ..cfg.clone()
        };
        let (result, ids, _) = read(&skipping, None);
        let skipped = result.unwrap();
        assert_eq!(skipped.invalid_total(), 3);
        let expected: Vec<(String, u64)> = (1..=200u64)
            .filter(|i| ![37, 120, 150].contains(i))
            .map(|i| (format!("d{i}"), i))
            .collect();
        assert_eq!(ids, expected);

        let (result, ids, batches) = read(&skipping, Some(50));
        assert!(matches!(result, Err(Error::Interrupted)));
        assert!(ids.len() >= 50 && ids.len() < 60, "{}", ids.len());
        assert_eq!(ids[..], expected[..ids.len()]);
        assert!(batches < 20, "{batches} batches");
    }

    #[test]
    fn a_file_rewritten_between_reads_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, "{\"text\":\"one two\"}\n").unwrap();
        let cfg = InputConfig::default();
        let inputs = Inputs::open(std::slice::from_ref(&path), &cfg).unwrap();
        inputs.read(&cfg, |_, _| Ok(())).unwrap();
        // Rewritten in place, same size: only the time of change differs.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&path, "{\"text\":\"two one\"}\n").unwrap();
        let err = inputs.read_raw(&cfg, |_, _| Ok(())).unwrap_err();
        assert!(matches!(err, Error::Changed(_)), "{err}");
        assert!(err.to_string().contains("a.jsonl was modified"), "{err}");
    }

    #[test]
    fn a_json_file_of_records_is_json_lines_and_a_json_document_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                "records.json",
                "{\"id\":1,\"text\":\"a b\"}\n{\"id\":2,\"text\":\"c\"}\n",
                true,
            ),
            ("bom.json", "\u{feff}\n{\"text\":\"a\"}\n", true),
            ("pretty.json", "{\n  \"text\": \"a b\"\n}\n", false),
            ("list.json", "[{\"text\":\"a\"}]\n", false),
            ("empty.json", "", false),
            ("records.JSONL", "not even json", true),
            ("notes.txt", "{\"text\":\"a\"}\n", false),
        ];
        for (name, text, jsonl) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            assert_eq!(walk::is_jsonl(&path, Format::Auto), jsonl, "{name}");
        }
    }

    #[test]
    fn reused_ids_are_found_once_and_reported_by_every_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(
            &path,
            "{\"id\":\"x\",\"text\":\"one\"}\n{\"id\":\"x\",\"text\":\"two\"}\n",
        )
        .unwrap();
        let cfg = InputConfig::default();
        let inputs = Inputs::open(std::slice::from_ref(&path), &cfg).unwrap();
        for _ in 0..2 {
            let skipped = inputs.read(&cfg, |_, _| Ok(())).unwrap();
            assert_eq!(skipped.duplicate_ids.count, 1);
            assert!(skipped.duplicate_ids.examples[0]
                .again
                .ends_with("a.jsonl:2"));
        }
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, "\u{feff}{\"id\":\"x\",\"text\":\"one\"}\n").unwrap();
        let cfg = InputConfig::default();
        let inputs = Inputs::open(std::slice::from_ref(&path), &cfg).unwrap();
        let mut raw = Vec::new();
        inputs
            .read_raw(&cfg, |batch, _| {
                raw.extend(batch);
                Ok(())
            })
            .unwrap();
        assert_eq!(raw[0].bytes, b"{\"id\":\"x\",\"text\":\"one\"}\n");
    }
}
