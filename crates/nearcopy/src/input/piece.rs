//! Pieces of the inputs: what one process of a cluster reads.
//!
//! A cluster splits its inputs by bytes on disk into as many shares as it
//! has processes, so that no process reads everything. Uncompressed JSON
//! Lines files are cut at the share boundaries that fall inside them (a
//! piece owns the lines that *start* inside its byte range, so every line
//! belongs to exactly one piece, found without reading anything before the
//! range); a compressed file, a Parquet file or a text file cannot be
//! entered in the middle and goes whole to the share its first byte falls
//! in. Every process computes the same split from the same inputs.
//!
//! Line numbers of a piece that starts inside a file count from the
//! piece's first line; the process that puts the pieces back in order adds
//! the lines of the pieces before ([`PieceRead::lines`]).

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;

use super::{is_compressed, parse_named, FileKind, InputConfig, Inputs, Skipped};
use crate::document::{Document, Origin};
use crate::error::{Error, Result};

/// A part of the inputs: a whole file, or the lines of a JSON Lines file
/// that start inside a byte range.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Piece {
    /// Index into [`Inputs::files`].
    pub file: u32,
    /// The byte range whose lines this piece owns; `None` for the whole file.
    pub range: Option<Range<u64>>,
}

/// The pieces of the inputs, in input order, each with the share (process)
/// that reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// Every piece, in input order.
    pub pieces: Vec<Piece>,
    /// The share of each piece.
    pub owner: Vec<usize>,
}

impl Share {
    /// The pieces of share `index`, with their positions in
    /// [`Share::pieces`].
    pub fn of(&self, index: usize) -> impl Iterator<Item = (usize, &Piece)> {
        self.pieces
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.owner[*i] == index)
    }
}

/// What reading one piece found besides its documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PieceRead {
    /// Lines read (blank ones included); 0 for a file that is not JSON Lines.
    pub lines: u64,
    /// Records handed to parsing.
    pub records: u64,
    /// Raw bytes read.
    pub bytes: u64,
    /// Files that look binary.
    pub binary: u64,
    /// Blank lines.
    pub blank: u64,
    /// Records skipped with `--skip-invalid`, by cause, in order of cause.
    pub invalid: Vec<(String, u64)>,
}

impl Inputs {
    /// Whole files, in input order.
    pub(super) fn whole_files(&self) -> Vec<Piece> {
        (0..self.files.len() as u32)
            .map(|file| Piece { file, range: None })
            .collect()
    }

    /// Splits the inputs into `parts` shares of about equal bytes on disk.
    pub fn split(&self, parts: usize) -> Result<Share> {
        let parts = parts.max(1) as u64;
        let sizes: Vec<u64> = self
            .files
            .iter()
            .map(|f| {
                std::fs::metadata(&f.path)
                    .map(|m| m.len())
                    .map_err(|e| Error::io(&f.path, e))
            })
            .collect::<Result<_>>()?;
        let total: u64 = sizes.iter().sum();
        // Share `p` begins at byte `p * total / parts` of all files together.
        let owner_of = |at: u64| -> usize {
            if total == 0 {
                return 0;
            }
            (((at as u128 * parts as u128) / total as u128) as u64).min(parts - 1) as usize
        };
        let bound = |p: u64| -> u64 { (p as u128 * total as u128 / parts as u128) as u64 };
        let mut share = Share {
            pieces: Vec::new(),
            owner: Vec::new(),
        };
        let mut at = 0u64;
        for (index, (file, &len)) in self.files.iter().zip(&sizes).enumerate() {
            let splittable = file.kind == FileKind::Jsonl && len > 0 && !is_compressed(&file.path)?;
            let first = owner_of(at);
            let last = owner_of((at + len).saturating_sub(1));
            if !splittable || first == last {
                share.pieces.push(Piece {
                    file: index as u32,
                    range: None,
                });
                share.owner.push(first);
            } else {
                for p in first..=last {
                    let start = bound(p as u64).max(at) - at;
                    let end = bound(p as u64 + 1).min(at + len) - at;
                    if start < end {
                        share.pieces.push(Piece {
                            file: index as u32,
                            range: Some(start..if p == last { u64::MAX } else { end }),
                        });
                        share.owner.push(p);
                    }
                }
            }
            at += len;
        }
        Ok(share)
    }

    /// Reads the documents of one piece, running `map` on each (with whether
    /// its record named its id) in the parallel step that parses it; `each`
    /// gets the results in order, a batch at a time, with the raw bytes the
    /// batch covers. Line numbers of a piece that starts inside its file
    /// count from the piece's first line; an error names the line in the
    /// whole file.
    pub fn read_piece_with<T, M, F>(
        &self,
        cfg: &InputConfig,
        piece: &Piece,
        map: M,
        mut each: F,
    ) -> Result<PieceRead>
    where
        T: Send,
        M: Fn(Document, bool) -> T + Sync + Send,
        F: FnMut(Vec<T>, u64) -> Result<()>,
    {
        let mut read = PieceRead::default();
        let mut invalid = std::collections::BTreeMap::<String, u64>::new();
        let result = self.batches_of(cfg, std::slice::from_ref(piece), |batch| {
            read.records += batch.records.len() as u64;
            read.bytes += batch.bytes;
            read.binary += batch.binary;
            read.blank += batch.blank;
            read.lines = read.lines.max(batch.lines);
            let parsed: Vec<Result<T>> = batch
                .records
                .into_par_iter()
                .map(|raw| parse_named(raw, &self.files, cfg).map(|(doc, named)| map(doc, named)))
                .collect();
            let mut docs = Vec::with_capacity(parsed.len());
            for p in parsed {
                match p {
                    Ok(d) => docs.push(d),
                    Err(Error::Invalid { reason, .. }) if cfg.skip_invalid => {
                        *invalid.entry(reason.label().to_string()).or_default() += 1;
                    }
                    Err(e) => return Err(e),
                }
            }
            each(docs, batch.bytes)
        });
        match result {
            Err(Error::Invalid { path, line, reason }) => {
                let line = match (line, &piece.range) {
                    (Some(l), Some(range)) if range.start > 0 => {
                        let file = &self.files[piece.file as usize].path;
                        Some(l + lines_before(file, range.start)?)
                    }
                    (l, _) => l,
                };
                return Err(Error::Invalid { path, line, reason });
            }
            r => r?,
        }
        read.invalid = invalid.into_iter().collect();
        Ok(read)
    }
}

/// Opens `path` (uncompressed) at the first line that starts at or after
/// `start`; returns the reader and that line's offset.
pub(super) fn open_at_line(path: &Path, start: u64) -> Result<(Box<dyn BufRead + Send>, u64)> {
    let io = |e| Error::io(path, e);
    let mut file = File::open(path).map_err(io)?;
    if start == 0 {
        return Ok((Box::new(BufReader::with_capacity(1 << 20, file)), 0));
    }
    // The line that holds byte `start - 1` belongs to an earlier piece
    // unless it ends right there.
    file.seek(SeekFrom::Start(start - 1)).map_err(io)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    // Skipped a buffer at a time: the line may be hundreds of megabytes.
    let mut at = start - 1;
    loop {
        let buf = reader.fill_buf().map_err(io)?;
        if buf.is_empty() {
            break;
        }
        let (n, found) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        reader.consume(n);
        at += n as u64;
        if found {
            break;
        }
    }
    Ok((Box::new(reader), at))
}

/// Lines of `path` owned by the pieces before one that starts at byte
/// `start` (> 0): read only when an error inside a piece must name its line
/// in the whole file.
fn lines_before(path: &Path, start: u64) -> Result<u64> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    // They end with the line that holds byte `start - 1` (see
    // `open_at_line`): the line ends before it, and that one.
    let mut reader = BufReader::with_capacity(1 << 20, file).take(start - 1);
    let mut lines = 1u64;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
    }
    Ok(lines)
}

/// Puts the pieces read by many processes back together, in input order,
/// as one read of [`Inputs::read_with`] would have seen them: line numbers
/// and default ids of the whole file, reused ids, and what was skipped.
pub(crate) struct Reassembly<'a> {
    inputs: &'a Inputs,
    ids: super::IdTracker,
    /// Lines of each file taken so far.
    lines: Vec<u64>,
    records: u64,
    skipped: Skipped,
}

/// Where a document of a piece lies in its whole file, and its id there.
pub(crate) struct Placed {
    pub id: String,
    pub origin: Origin,
}

impl<'a> Reassembly<'a> {
    pub(crate) fn new(inputs: &'a Inputs) -> Reassembly<'a> {
        Reassembly {
            inputs,
            ids: super::IdTracker::default(),
            lines: vec![0; inputs.files.len()],
            records: 0,
            skipped: Skipped {
                hidden: inputs.hidden,
                ..Skipped::default()
            },
        }
    }

    /// Places the next document of `piece`, given where the piece's reader
    /// found it, and notes its id.
    pub(crate) fn place(
        &mut self,
        piece: &Piece,
        id: String,
        named: bool,
        line: u64,
        offset: u64,
    ) -> Placed {
        let base = self.lines[piece.file as usize];
        let file = &self.inputs.files[piece.file as usize];
        let origin = Origin {
            file: piece.file,
            line: if line > 0 { line + base } else { 0 },
            offset,
        };
        let id = if !named && base > 0 && file.kind == FileKind::Jsonl {
            format!("{}:{}", file.name, origin.line)
        } else {
            id
        };
        self.ids.see(
            super::SeenId {
                key: xxhash_rust::xxh3::xxh3_64(id.as_bytes()),
                origin,
                id: id.clone(),
            },
            &self.inputs.files,
        );
        Placed { id, origin }
    }

    /// Ends `piece`, with what its reader found.
    pub(crate) fn end(&mut self, piece: &Piece, read: &PieceRead) {
        self.lines[piece.file as usize] += read.lines;
        self.records += read.records;
        self.skipped.binary += read.binary;
        self.skipped.blank_lines += read.blank;
        for (why, n) in &read.invalid {
            *self.skipped.invalid.entry(why.clone()).or_default() += n;
        }
    }

    /// What was skipped; the inputs remember the reused ids and the record
    /// count, as after their first complete read.
    pub(crate) fn finish(self) -> Skipped {
        let _ = self.inputs.duplicate_ids.set(self.ids.found);
        let _ = self.inputs.records.set(self.records);
        let mut skipped = self.skipped;
        skipped.duplicate_ids = self.inputs.duplicate_ids.get().cloned().unwrap_or_default();
        skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each document as a whole read sees it: id, line, offset, text.
    fn whole(inputs: &Inputs, cfg: &InputConfig) -> (Vec<(String, Origin, String)>, Skipped) {
        let mut all = Vec::new();
        let skipped = inputs
            .read(cfg, |docs, _| {
                all.extend(docs.into_iter().map(|d| (d.id, d.origin, d.text)));
                Ok(())
            })
            .expect("whole read");
        (all, skipped)
    }

    #[test]
    fn pieces_put_back_in_order_read_as_the_whole_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Lines of many lengths, blank lines, CRLF endings, a byte-order
        // mark, named and unnamed records, no final line end.
        let mut text = String::from("\u{feff}");
        for i in 0..60 {
            let words = "word ".repeat(i % 13 + 1);
            match i % 7 {
                0 => text.push_str(&format!("{{\"id\":\"n{i}\",\"text\":\"{words}\"}}\r\n")),
                3 => text.push_str("\n   \n"),
                _ => text.push_str(&format!("{{\"text\":\"{i} {words}\"}}\n")),
            }
        }
        text.push_str("{\"text\":\"last line without an end\"}");
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, &text).expect("write");
        std::fs::write(dir.path().join("b.txt"), "a text file").expect("write");
        let cfg = InputConfig::default();
        let inputs = Inputs::open(&[path, dir.path().join("b.txt")], &cfg).expect("open");
        let (expected, whole_skipped) = whole(&inputs, &cfg);
        assert!(whole_skipped.blank_lines > 10);
        for parts in [1, 2, 3, 5, 8, 40, 400] {
            let share = inputs.split(parts).expect("split");
            assert!(share.owner.iter().all(|&o| o < parts));
            let fresh = Inputs::open(
                &inputs
                    .files()
                    .iter()
                    .map(|f| f.path.clone())
                    .collect::<Vec<_>>(),
                &cfg,
            )
            .expect("open");
            let mut placed = Reassembly::new(&fresh);
            let mut got = Vec::new();
            for piece in &share.pieces {
                let mut docs = Vec::new();
                let read = fresh
                    .read_piece_with(
                        &cfg,
                        piece,
                        |d, named| (d, named),
                        |batch, _| {
                            docs.extend(batch);
                            Ok(())
                        },
                    )
                    .expect("piece read");
                for (d, named) in docs {
                    let at = placed.place(piece, d.id, named, d.origin.line, d.origin.offset);
                    got.push((at.id, at.origin, d.text));
                }
                placed.end(piece, &read);
            }
            let skipped = placed.finish();
            assert_eq!(got, expected, "{parts} parts");
            assert_eq!(skipped, whole_skipped, "{parts} parts");
        }
    }

    #[test]
    fn an_error_inside_a_piece_names_its_line_in_the_whole_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut text = String::new();
        for i in 0..50 {
            if i == 41 {
                text.push_str("{\"text\": broken\n");
            } else {
                text.push_str(&format!("{{\"text\":\"record {i}\"}}\n"));
            }
        }
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, &text).expect("write");
        let cfg = InputConfig::default();
        let inputs = Inputs::open(std::slice::from_ref(&path), &cfg).expect("open");
        for parts in [2, 3, 7] {
            let share = inputs.split(parts).expect("split");
            let errors: Vec<String> = share
                .pieces
                .iter()
                .filter_map(|p| {
                    inputs
                        .read_piece_with(&cfg, p, |d, _| d, |_, _| Ok(()))
                        .err()
                        .map(|e| e.to_string())
                })
                .collect();
            assert_eq!(errors.len(), 1, "{parts} parts: {errors:?}");
            assert!(
                errors[0].contains("a.jsonl:42: invalid JSON"),
                "{}",
                errors[0]
            );
        }
    }
}
