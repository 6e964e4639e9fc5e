//! Parquet input: one document per row.
//!
//! Only the columns named by `--text-field`, `--id-field`, `--source-field`
//! (and the field sources are grouped by) are decoded; the others are never
//! read from disk. Row groups are decoded in parallel, a window of them at a
//! time, and handed on in file order, so documents keep the order of the
//! rows whatever the thread count.
//!
//! A row becomes a [`RawRecord`] like a JSON Lines line does, so every later
//! stage treats both alike; its bytes are the row's fields framed as
//! [`frame`] writes them (a flag byte, length-prefixed id, source and group,
//! then the text), not JSON: nothing needs escaping or parsing again. A
//! row's [`Origin::line`] is its 1-based row number, in messages and in ids
//! (`FILE:ROW` when there is no id column), and [`Origin::offset`] its
//! 0-based row index.
//!
//! Text columns may be `string`, `large_string` or `string_view`; ids,
//! sources and groups may be of any type Arrow can cast to a string
//! (integers, for example). A null text is a record without text (skipped
//! with `--skip-invalid`); a null id or source is an absent one.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

use super::jsonl::Fields;
use super::{InputConfig, InputFile, RawRecord};
use crate::document::Origin;
use crate::error::{Error, Invalid, Result};

/// Rows per decoded batch.
const BATCH_ROWS: usize = 4096;

fn parquet_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not a readable Parquet file: {e}"),
        ),
    }
}

/// Where each wanted field is among the columns read.
struct Columns {
    text: usize,
    id: Option<usize>,
    source: Option<usize>,
    group: Option<usize>,
}

/// A file's metadata and the columns to read.
struct Plan {
    meta: ArrowReaderMetadata,
    mask: ProjectionMask,
    columns: Columns,
}

fn plan(file: &InputFile, cfg: &InputConfig) -> Result<Plan> {
    let f = File::open(&file.path).map_err(|e| Error::io(&file.path, e))?;
    let meta = ArrowReaderMetadata::load(&f, Default::default())
        .map_err(|e| parquet_error(&file.path, e))?;
    let schema: &Schema = meta.schema();
    let find = |name: &str| schema.fields().iter().position(|f| f.name() == name);
    let Some(text) = find(&cfg.text_field) else {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        return Err(Error::Config(format!(
            "{}: no column \"{}\" (its columns: {}); name the text column with --text-field",
            file.name,
            cfg.text_field,
            names.join(", ")
        )));
    };
    let group = match &cfg.group_field {
        None => None,
        Some(name) => Some(find(name).ok_or_else(|| Error::Invalid {
            path: file.name.clone().into(),
            line: None,
            reason: Invalid::MissingGroupField(name.clone()),
        })?),
    };
    let mut wanted = vec![text];
    let id = find(&cfg.id_field);
    let source = find(&cfg.source_field);
    wanted.extend(id.iter().chain(&source).chain(&group));
    wanted.sort_unstable();
    wanted.dedup();
    // Columns come back in schema order: a field's place is its rank.
    let at = |c: usize| wanted.iter().position(|&w| w == c).unwrap_or(0);
    let columns = Columns {
        text: at(text),
        id: id.map(at),
        source: source.map(at),
        group: group.map(at),
    };
    let mask = ProjectionMask::roots(meta.parquet_schema(), wanted.iter().copied());
    Ok(Plan {
        meta,
        mask,
        columns,
    })
}

/// Strings of one column, whatever their Arrow type.
enum Strings {
    Utf8(ArrayRef),
    Large(ArrayRef),
    View(ArrayRef),
}

impl Strings {
    /// The column as strings: as it is when it holds strings, else cast
    /// (`None` when it is of a type that has no string form).
    fn of(col: &ArrayRef) -> Option<Strings> {
        Some(match col.data_type() {
            DataType::Utf8 => Strings::Utf8(col.clone()),
            DataType::LargeUtf8 => Strings::Large(col.clone()),
            DataType::Utf8View => Strings::View(col.clone()),
            _ => Strings::Utf8(arrow_cast::cast(col, &DataType::Utf8).ok()?),
        })
    }

    fn get(&self, row: usize) -> Option<&str> {
        let (a, valid) = match self {
            Strings::Utf8(a) | Strings::Large(a) | Strings::View(a) => (a, a.is_valid(row)),
        };
        if !valid {
            return None;
        }
        Some(match self {
            Strings::Utf8(_) => a.as_string::<i32>().value(row),
            Strings::Large(_) => a.as_string::<i64>().value(row),
            Strings::View(_) => a.as_string_view().value(row),
        })
    }
}

const HAS_TEXT: u8 = 1;
const HAS_ID: u8 = 2;
const HAS_SOURCE: u8 = 4;
const HAS_GROUP: u8 = 8;

/// Appends one row's fields to `out`: a flag byte, then the id, source
/// and group that are present, each as a little-endian `u32` length and
/// its bytes, then the text to the end.
fn frame(
    out: &mut Vec<u8>,
    text: Option<&str>,
    id: Option<&str>,
    source: Option<&str>,
    group: Option<&str>,
) {
    let flag = |present: bool, bit: u8| if present { bit } else { 0 };
    out.push(
        flag(text.is_some(), HAS_TEXT)
            | flag(id.is_some(), HAS_ID)
            | flag(source.is_some(), HAS_SOURCE)
            | flag(group.is_some(), HAS_GROUP),
    );
    for s in [id, source, group].into_iter().flatten() {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    if let Some(t) = text {
        out.extend_from_slice(t.as_bytes());
    }
}

/// The fields of a row framed by [`frame`].
pub(crate) fn unframe(bytes: &[u8], cfg: &InputConfig) -> std::result::Result<Fields, Invalid> {
    let broken = || Invalid::Json("damaged Parquet row frame".into());
    let (&flags, mut rest) = bytes.split_first().ok_or_else(broken)?;
    let mut take = |bit: u8| -> std::result::Result<Option<String>, Invalid> {
        if flags & bit == 0 {
            return Ok(None);
        }
        let (len, tail) = rest.split_first_chunk::<4>().ok_or_else(broken)?;
        let len = u32::from_le_bytes(*len) as usize;
        let (s, tail) = tail.split_at_checked(len).ok_or_else(broken)?;
        rest = tail;
        // Written from Arrow strings, which are UTF-8.
        Ok(Some(
            std::str::from_utf8(s).map_err(|_| broken())?.to_owned(),
        ))
    };
    let id = take(HAS_ID)?;
    let source = take(HAS_SOURCE)?;
    let group = take(HAS_GROUP)?;
    if flags & HAS_TEXT == 0 {
        return Err(Invalid::MissingField(cfg.text_field.clone()));
    }
    if let (Some(name), None) = (&cfg.group_field, &group) {
        return Err(Invalid::MissingGroupField(name.clone()));
    }
    let text = std::str::from_utf8(rest).map_err(|_| broken())?.to_owned();
    Ok(Fields {
        text,
        id,
        source,
        group,
    })
}

/// The text of a row framed by [`frame`], without copying the other fields.
pub(crate) fn text_of(bytes: &[u8], cfg: &InputConfig) -> std::result::Result<String, Invalid> {
    unframe(bytes, cfg).map(|f| f.text)
}

/// The rows of one batch as raw records; `first` is the batch's first row
/// index in the file.
fn records(
    batch: &RecordBatch,
    columns: &Columns,
    file_index: u32,
    first: u64,
    path: &Path,
    cfg: &InputConfig,
) -> Result<Vec<RawRecord>> {
    let strings = |at: usize, name: &str| {
        Strings::of(batch.column(at)).ok_or_else(|| {
            Error::Config(format!(
                "{}: column \"{name}\" is of type {}, which has no text form",
                path.display(),
                batch.column(at).data_type()
            ))
        })
    };
    let text = strings(columns.text, &cfg.text_field)?;
    let id = columns.id.map(|c| strings(c, &cfg.id_field)).transpose()?;
    let source = columns
        .source
        .map(|c| strings(c, &cfg.source_field))
        .transpose()?;
    let group = match (columns.group, &cfg.group_field) {
        (Some(c), Some(name)) => Some(strings(c, name)?),
        _ => None,
    };
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let t = text.get(row);
        let mut bytes = Vec::with_capacity(t.map_or(0, str::len) + 16);
        frame(
            &mut bytes,
            t,
            id.as_ref().and_then(|s| s.get(row)),
            source.as_ref().and_then(|s| s.get(row)),
            group.as_ref().and_then(|s| s.get(row)),
        );
        let index = first + row as u64;
        out.push(RawRecord {
            origin: Origin {
                file: file_index,
                line: index + 1,
                offset: index,
            },
            bytes,
        });
    }
    Ok(out)
}

/// Row groups at most this large (uncompressed, as the file's metadata
/// says) are decoded several at a time; a larger one is decoded alone and
/// handed on batch by batch, so memory holds a few batches of it, not all.
const PARALLEL_GROUP_BYTES: i64 = 32 << 20;

/// Reads `file`'s rows as raw records, in row order, handing them to `each`
/// a batch of rows at a time. Small row groups are decoded `threads` at a
/// time in parallel. `each` returns `false` to stop.
pub(crate) fn read(
    file: &InputFile,
    file_index: u32,
    cfg: &InputConfig,
    threads: usize,
    mut each: impl FnMut(Vec<RawRecord>) -> Result<bool>,
) -> Result<()> {
    let plan = plan(file, cfg)?;
    let meta = plan.meta.metadata().clone();
    let groups = meta.num_row_groups();
    let mut first_row = Vec::with_capacity(groups);
    let mut row = 0u64;
    for g in 0..groups {
        first_row.push(row);
        row += meta.row_group(g).num_rows().max(0) as u64;
    }
    // Decodes row group `g`, handing its records to `sink` batch by batch.
    let decode = |g: usize, sink: &mut dyn FnMut(Vec<RawRecord>) -> Result<bool>| -> Result<()> {
        let f = File::open(&file.path).map_err(|e| Error::io(&file.path, e))?;
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(f, plan.meta.clone())
            .with_projection(plan.mask.clone())
            .with_row_groups(vec![g])
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| parquet_error(&file.path, e))?;
        let mut at = first_row[g];
        for batch in reader {
            let batch = batch.map_err(|e| parquet_error(&file.path, e))?;
            let n = batch.num_rows() as u64;
            if !sink(records(
                &batch,
                &plan.columns,
                file_index,
                at,
                &file.path,
                cfg,
            )?)? {
                return Ok(());
            }
            at += n;
        }
        Ok(())
    };
    let threads = threads.max(1);
    let mut g = 0;
    while g < groups {
        let small = |g: usize| meta.row_group(g).total_byte_size() <= PARALLEL_GROUP_BYTES;
        let mut end = g;
        while end < groups && end - g < threads && small(end) {
            end += 1;
        }
        if end - g <= 1 {
            // One large row group (or one thread): streamed.
            let mut stopped = false;
            decode(g, &mut |records| {
                let go = each(records)?;
                stopped = !go;
                Ok(go)
            })?;
            if stopped {
                return Ok(());
            }
            g += 1;
            continue;
        }
        let decoded: Vec<Result<Vec<RawRecord>>> = std::thread::scope(|s| {
            let handles: Vec<_> = (g..end)
                .map(|g| {
                    s.spawn(move || {
                        let mut all = Vec::new();
                        decode(g, &mut |records| {
                            all.extend(records);
                            Ok(true)
                        })
                        .map(|()| all)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(parquet_error(&file.path, "decoder failed")))
                })
                .collect()
        });
        for records in decoded {
            if !each(records?)? {
                return Ok(());
            }
        }
        g = end;
    }
    Ok(())
}

/// The Arrow schema of a Parquet file (for writing rows of the same shape).
pub(crate) fn schema(path: &Path) -> Result<Arc<Schema>> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let meta =
        ArrowReaderMetadata::load(&f, Default::default()).map_err(|e| parquet_error(path, e))?;
    Ok(meta.schema().clone())
}
