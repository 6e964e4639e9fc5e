//! Documents handed over in memory by a program that uses nearcopy as a
//! library (the Python package's lists of texts), and [`Corpus`], what every
//! job reads: paths or such texts.
//!
//! Every job reads its input more than once (signing, then exact
//! verification, then the passage search), and a later read finds a record
//! again by its byte offset. Texts in memory are therefore written once to
//! a temporary JSON Lines file, exactly as standard input is spooled, and
//! read from there like any other input: one code path, the same results as
//! the same records in a file, and memory that does not hold the corpus
//! twice. The file is called `<texts>` in messages, record `i` is its line
//! `i + 1`.

use std::io::{self, Write};
use std::path::PathBuf;

use rayon::prelude::*;

use super::{FileKind, InputConfig, InputFile, Inputs};
use crate::error::{Error, Result};
use crate::tempfiles::TempFile;

/// Texts in memory, with optional ids and sources.
#[derive(Debug, Clone, Copy)]
pub struct Texts<'a> {
    /// One document per text.
    pub texts: &'a [&'a str],
    /// One id per text; `None` gives each text its position, from `0`.
    pub ids: Option<&'a [&'a str]>,
    /// One source per text; `None` puts every text in the source `texts`.
    pub sources: Option<&'a [&'a str]>,
}

/// The name of the spooled texts in messages and reused-id reports.
pub const TEXTS_NAME: &str = "<texts>";

/// The source of texts that name none.
pub const TEXTS_SOURCE: &str = "texts";

/// What a job reads: files and directories, or texts in memory.
#[derive(Debug, Clone, Copy)]
pub enum Corpus<'a> {
    /// Files, directories (read recursively) and `-` for standard input.
    Paths(&'a [PathBuf]),
    /// Texts in memory.
    Texts(Texts<'a>),
}

impl<'a> Corpus<'a> {
    /// The paths given (none for texts): what outputs must not overwrite.
    pub fn paths(&self) -> &'a [PathBuf] {
        match self {
            Corpus::Paths(p) => p,
            Corpus::Texts(_) => &[],
        }
    }

    /// Opens the corpus for reading.
    pub fn open(&self, cfg: &InputConfig) -> Result<Inputs> {
        match self {
            Corpus::Paths(p) => Inputs::open(p, cfg),
            Corpus::Texts(t) => Inputs::from_texts(t, cfg),
        }
    }
}

impl<'a> From<&'a [PathBuf]> for Corpus<'a> {
    fn from(p: &'a [PathBuf]) -> Corpus<'a> {
        Corpus::Paths(p)
    }
}

impl<'a> From<&'a Vec<PathBuf>> for Corpus<'a> {
    fn from(p: &'a Vec<PathBuf>) -> Corpus<'a> {
        Corpus::Paths(p)
    }
}

impl<'a, const N: usize> From<&'a [PathBuf; N]> for Corpus<'a> {
    fn from(p: &'a [PathBuf; N]) -> Corpus<'a> {
        Corpus::Paths(p)
    }
}

impl<'a> From<Texts<'a>> for Corpus<'a> {
    fn from(t: Texts<'a>) -> Corpus<'a> {
        Corpus::Texts(t)
    }
}

/// Texts serialised per rayon job: large enough that the writes are few,
/// small enough that memory holds little more than one copy's worth in
/// flight.
const CHUNK: usize = 1024;

impl Inputs {
    /// Inputs that read `texts` (see the module documentation). Fails when
    /// `ids` or `sources` do not have one entry per text, or the temporary
    /// file cannot be written.
    pub fn from_texts(texts: &Texts<'_>, cfg: &InputConfig) -> Result<Inputs> {
        let n = texts.texts.len();
        for (what, list) in [("ids", texts.ids), ("sources", texts.sources)] {
            if let Some(list) = list {
                if list.len() != n {
                    return Err(Error::Config(format!(
                        "{n} texts but {} {what}: give one per text",
                        list.len()
                    )));
                }
            }
        }
        let (mut tmp, failed) = spool_file()?;
        let starts: Vec<usize> = (0..n).step_by(CHUNK).collect();
        // Chunks are serialised in parallel, a window at a time, and
        // written in order.
        let window = CHUNK * rayon::current_num_threads().max(1) * 2;
        let mut out = io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        for group in starts.chunks((window / CHUNK).max(1)) {
            let bufs: Vec<Vec<u8>> = group
                .par_iter()
                .map(|&start| {
                    let mut buf = Vec::new();
                    for i in start..(start + CHUNK).min(n) {
                        record(texts, cfg, i, &mut buf);
                    }
                    buf
                })
                .collect();
            for b in bufs {
                out.write_all(&b).map_err(&failed)?;
            }
        }
        out.flush().map_err(&failed)?;
        drop(out);
        Ok(Inputs::spooled(tmp, FileKind::Jsonl))
    }

    /// One text as one document, for a search that reads it several times
    /// (the repeats inside one enormous record). It is spooled as its
    /// bytes, a text file read in one allocation of its size, where a JSON
    /// Lines record is read as a growing line and then decoded, holding the
    /// text two or three times over while each read takes it. A text that a
    /// text file would take for binary (a NUL byte early on) is spooled as
    /// JSON Lines. Nothing else in a text file's bytes changes how it is
    /// read: the gzip and zstd magic numbers are not UTF-8, and a text file
    /// keeps a leading byte-order mark as part of its text.
    pub(crate) fn from_text(text: &str, cfg: &InputConfig) -> Result<Inputs> {
        if super::looks_binary(text.as_bytes()) {
            let texts = Texts {
                texts: &[text],
                ids: None,
                sources: None,
            };
            return Inputs::from_texts(&texts, cfg);
        }
        let (mut tmp, failed) = spool_file()?;
        tmp.as_file_mut()
            .write_all(text.as_bytes())
            .map_err(&failed)?;
        Ok(Inputs::spooled(tmp, FileKind::Text))
    }

    /// Inputs that read the spooled file `tmp` (removed with them).
    fn spooled(tmp: TempFile, kind: FileKind) -> Inputs {
        let files = vec![InputFile {
            path: tmp.path().to_path_buf(),
            name: TEXTS_NAME.into(),
            source: TEXTS_SOURCE.into(),
            kind,
        }];
        Inputs::with_files(files, 0, vec![tmp])
    }

    /// The text of [`Inputs::from_text`], read back.
    pub(crate) fn text_back(&self, cfg: &InputConfig) -> Result<String> {
        let file = self
            .files
            .first()
            .ok_or_else(|| Error::Config("no spooled text to read back".into()))?;
        if file.kind == FileKind::Text {
            // Named by its path: the temporary copy, not an input, is what
            // went missing (a cleaner of TMPDIR) or was changed.
            let bytes = std::fs::read(&file.path).map_err(|e| Error::io(&file.path, e))?;
            return String::from_utf8(bytes).map_err(|e| {
                let e = io::Error::new(io::ErrorKind::InvalidData, e.utf8_error());
                Error::io(&file.path, e)
            });
        }
        let mut text = None;
        self.read_raw(cfg, |batch, _| {
            for raw in batch {
                text = Some(self.text_of(&raw, cfg)?.text);
            }
            Ok(())
        })?;
        text.ok_or_else(|| Error::Config("the spooled text was not read back".into()))
    }
}

/// A new temporary file in `TMPDIR` for texts, and how a failure to write
/// it is reported.
fn spool_file() -> Result<(TempFile, impl Fn(io::Error) -> Error)> {
    let dir = std::env::temp_dir();
    crate::tempfiles::sweep_stale(&dir);
    let tmp = TempFile::new_in(&dir, None);
    let failed = move |e: io::Error| {
        Error::io(
            PathBuf::from(TEXTS_NAME),
            io::Error::new(
                e.kind(),
                format!("cannot write a temporary copy in {}: {e}", dir.display()),
            ),
        )
    };
    Ok((tmp.map_err(&failed)?, failed))
}

/// Appends text `i` as one JSON Lines record with the configured field names.
fn record(texts: &Texts<'_>, cfg: &InputConfig, i: usize, buf: &mut Vec<u8>) {
    let position;
    let id = match texts.ids {
        Some(ids) => ids[i],
        None => {
            position = i.to_string();
            &position
        }
    };
    buf.push(b'{');
    field(buf, &cfg.id_field, id);
    if let Some(sources) = texts.sources {
        buf.push(b',');
        field(buf, &cfg.source_field, sources[i]);
    }
    buf.push(b',');
    field(buf, &cfg.text_field, texts.texts[i]);
    buf.extend_from_slice(b"}\n");
}

fn field(buf: &mut Vec<u8>, key: &str, value: &str) {
    // Writing JSON strings into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buf, key);
    buf.push(b':');
    let _ = serde_json::to_writer(&mut *buf, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_read_back_as_documents_with_ids_sources_and_exact_text() {
        let texts = ["first \"quoted\"\ntext", "", "dritter Text ü\u{1F600}"];
        let ids = ["a", "b", "c"];
        let sources = ["x", "y", "x"];
        let cfg = InputConfig::default();
        for (ids, sources) in [(None, None), (Some(&ids[..]), Some(&sources[..]))] {
            let t = Texts {
                texts: &texts,
                ids,
                sources,
            };
            let inputs = Corpus::from(t).open(&cfg).unwrap();
            assert_eq!(inputs.files()[0].name, "<texts>");
            let mut docs = Vec::new();
            inputs
                .read(&cfg, |batch, _| {
                    docs.extend(batch);
                    Ok(())
                })
                .unwrap();
            assert_eq!(docs.len(), 3);
            for (i, d) in docs.iter().enumerate() {
                assert_eq!(d.text, texts[i]);
                assert_eq!(d.origin.line, i as u64 + 1);
                match (ids, sources) {
                    (Some(ids), Some(sources)) => {
                        assert_eq!(d.id, ids[i]);
                        assert_eq!(d.source, sources[i]);
                    }
                    _ => {
                        assert_eq!(d.id, i.to_string());
                        assert_eq!(d.source, "texts");
                    }
                }
            }
        }
    }

    #[test]
    fn ids_or_sources_of_another_length_are_refused() {
        let texts = ["a", "b"];
        let t = Texts {
            texts: &texts,
            ids: Some(&["only one"]),
            sources: None,
        };
        let err = Inputs::from_texts(&t, &InputConfig::default()).unwrap_err();
        assert!(err.to_string().contains("2 texts but 1 ids"), "{err}");
    }

    #[test]
    fn many_texts_keep_their_order_across_chunks() {
        let owned: Vec<String> = (0..5000).map(|i| format!("text {i}")).collect();
        let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
        let cfg = InputConfig::default();
        let t = Texts {
            texts: &texts,
            ids: None,
            sources: None,
        };
        let inputs = Inputs::from_texts(&t, &cfg).unwrap();
        let mut n = 0;
        inputs
            .read(&cfg, |batch, _| {
                for d in batch {
                    assert_eq!(d.text, owned[n]);
                    n += 1;
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(n, 5000);
    }
}
