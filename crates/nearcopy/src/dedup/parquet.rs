//! Parquet output: the kept rows of Parquet inputs, with the inputs' schema.
//!
//! A deduplicated Parquet dataset should be the same dataset with fewer
//! rows: every column, type, null and nested value of a kept row as it was,
//! only the text column changed where `--passages` or `--boilerplate` cut
//! something. The write pass of [`super::write`] decides each document's
//! fate; this module then reads every input file again, all columns, batch
//! by batch, and writes the kept rows through Arrow's filter kernel, so no
//! value is converted. The inputs must be Parquet files of one schema
//! ([`check`]), checked before any work.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use ahash::AHashMap;
use arrow_array::builder::{LargeStringBuilder, StringBuilder, StringViewBuilder};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch};
use arrow_schema::{DataType, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::document::Origin;
use crate::error::{Error, Result};
use crate::input::{FileKind, InputConfig, Inputs};
use crate::output::{AtomicFile, Finished};

/// Rows per batch read back.
const BATCH_ROWS: usize = 8192;

/// What becomes of each document: kept or not, and its text where cuts
/// changed it.
#[derive(Debug, Default)]
pub(super) struct Fates {
    /// Per document, in input order.
    pub kept: Vec<bool>,
    /// New texts of kept documents that were cut, by document number.
    pub cut: AHashMap<u32, String>,
}

/// What the output will look like: the schema every input shares.
pub(super) struct Layout(Arc<Schema>);

/// The schema every input shares, or why Parquet cannot be written to
/// `out` from these inputs.
pub(super) fn check(inputs: &Inputs, out: &Path) -> Result<Layout> {
    let refuse = |why: String| {
        Error::Config(format!(
            "{}: Parquet output keeps the inputs' columns, so {why}; \
             write JSON Lines instead (an output name ending in .jsonl)",
            out.display()
        ))
    };
    let mut shared: Option<(Arc<Schema>, &str)> = None;
    for file in inputs.files() {
        if file.kind != FileKind::Parquet {
            return Err(refuse(format!(
                "every input must be Parquet, and {} is not",
                file.name
            )));
        }
        let schema = crate::input::parquet_schema(&file.path)?;
        match &shared {
            None => shared = Some((schema, &file.name)),
            Some((first, name)) if first.fields() != schema.fields() => {
                return Err(refuse(format!(
                    "the inputs must have one schema, and {} and {name} differ",
                    file.name
                )))
            }
            Some(_) => {}
        }
    }
    shared
        .map(|(s, _)| Layout(s))
        .ok_or_else(|| refuse("there must be an input".into()))
}

/// Counts the bytes written through it.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `column` with the values of `rows` (row in the batch → new text)
/// replaced, of the same string type.
fn replace(column: &ArrayRef, rows: &AHashMap<usize, &str>) -> Option<ArrayRef> {
    fn value<'a>(
        rows: &AHashMap<usize, &'a str>,
        i: usize,
        old: Option<&'a str>,
    ) -> Option<&'a str> {
        rows.get(&i).copied().or(old)
    }
    Some(match column.data_type() {
        DataType::Utf8 => {
            let a = column.as_string::<i32>();
            let mut b = StringBuilder::with_capacity(a.len(), a.value_data().len());
            for i in 0..a.len() {
                b.append_option(value(rows, i, a.is_valid(i).then(|| a.value(i))));
            }
            Arc::new(b.finish())
        }
        DataType::LargeUtf8 => {
            let a = column.as_string::<i64>();
            let mut b = LargeStringBuilder::with_capacity(a.len(), a.value_data().len());
            for i in 0..a.len() {
                b.append_option(value(rows, i, a.is_valid(i).then(|| a.value(i))));
            }
            Arc::new(b.finish())
        }
        DataType::Utf8View => {
            let a = column.as_string_view();
            let mut b = StringViewBuilder::with_capacity(a.len());
            for i in 0..a.len() {
                b.append_option(value(rows, i, a.is_valid(i).then(|| a.value(i))));
            }
            Arc::new(b.finish())
        }
        _ => return None,
    })
}

/// Writes the kept rows of every input into `file` (a Parquet file with
/// `schema`); `origins` are the documents' origins, in input order. Returns
/// the finished file and the bytes written.
pub(super) fn write(
    inputs: &Inputs,
    cfg: &InputConfig,
    Layout(schema): Layout,
    origins: &[Origin],
    fates: &Fates,
    file: AtomicFile,
) -> Result<(Finished, u64)> {
    let out_path = file.path().to_path_buf();
    let write_err = |e: parquet::errors::ParquetError| Error::Write {
        path: out_path.clone(),
        source: io::Error::other(e.to_string()),
    };
    let read_err = |path: &Path, e: &dyn std::fmt::Display| Error::Io {
        path: path.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidData, e.to_string()),
    };
    let text_at = schema.index_of(&cfg.text_field).ok();
    let mut writer: Option<ArrowWriter<Counting<AtomicFile>>> = None;
    let mut file = Some(file);
    let mut next = 0usize;
    for (f, input) in inputs.files().iter().enumerate() {
        let open = std::fs::File::open(&input.path).map_err(|e| read_err(&input.path, &e))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(open)
            .map_err(|e| read_err(&input.path, &e))?;
        if writer.is_none() {
            // The codec of the first input's first column, as the dataset
            // was written.
            let codec = builder
                .metadata()
                .row_groups()
                .first()
                .and_then(|g| g.columns().first())
                .map_or(Compression::SNAPPY, |c| c.compression());
            // Long texts are nearly all distinct: a dictionary for them is
            // built only to be dropped, and min/max statistics of whole
            // documents help no reader. Other columns keep both.
            let text = ColumnPath::from(cfg.text_field.as_str());
            let props = WriterProperties::builder()
                .set_compression(codec)
                .set_column_dictionary_enabled(text.clone(), false)
                .set_column_statistics_enabled(text, EnabledStatistics::None)
                .build();
            let sink = Counting {
                inner: file.take().ok_or_else(|| {
                    write_err(parquet::errors::ParquetError::General("no output".into()))
                })?,
                bytes: 0,
            };
            writer =
                Some(ArrowWriter::try_new(sink, schema.clone(), Some(props)).map_err(write_err)?);
        }
        let reader = builder
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| read_err(&input.path, &e))?;
        let mut row = 0u64;
        for batch in reader {
            let batch = batch.map_err(|e| read_err(&input.path, &e))?;
            let mut mask = Vec::with_capacity(batch.num_rows());
            let mut cut: AHashMap<usize, &str> = AHashMap::new();
            for i in 0..batch.num_rows() {
                row += 1;
                // Rows left out with --skip-invalid are not documents.
                let here = origins
                    .get(next)
                    .is_some_and(|o| o.file as usize == f && o.line == row);
                let kept = here && fates.kept[next];
                if kept {
                    if let Some(t) = fates.cut.get(&(next as u32)) {
                        cut.insert(i, t);
                    }
                }
                if here {
                    next += 1;
                }
                mask.push(kept);
            }
            let batch = match (cut.is_empty(), text_at) {
                (false, Some(at)) => {
                    let mut columns = batch.columns().to_vec();
                    columns[at] = replace(&columns[at], &cut).ok_or_else(|| {
                        Error::Config(format!(
                            "{}: column \"{}\" is not a string column, so cut text cannot be written back",
                            input.name, cfg.text_field
                        ))
                    })?;
                    RecordBatch::try_new(batch.schema(), columns)
                        .map_err(|e| write_err(e.into()))?
                }
                _ => batch,
            };
            let kept = arrow_select::filter::filter_record_batch(&batch, &BooleanArray::from(mask))
                .map_err(|e| write_err(e.into()))?;
            if kept.num_rows() > 0 {
                if let Some(w) = writer.as_mut() {
                    w.write(&kept).map_err(write_err)?;
                }
            }
        }
    }
    if next != origins.len() {
        return Err(Error::Changed("dedup".into()));
    }
    let writer = writer
        .ok_or_else(|| write_err(parquet::errors::ParquetError::General("no input".into())))?;
    let counting = writer.into_inner().map_err(write_err)?;
    let bytes = counting.bytes;
    Ok((counting.inner.finish()?, bytes))
}
