//! Writing outputs atomically.
//!
//! An output is written to a temporary file beside its target and renamed
//! into place only when complete, so an error or an interrupt never leaves a
//! truncated file where a complete one is expected, and an existing file is
//! replaced in one step. A compressed output (`.gz`, `.zst`) is recognised by
//! its extension.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Compression of an output, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (`.gz`).
    Gzip,
    /// Zstandard (`.zst`).
    Zstd,
}

impl Compression {
    /// The compression implied by `path`'s extension.
    pub fn of(path: &Path) -> Compression {
        match path.extension().and_then(|e| e.to_str()) {
            Some("gz") => Compression::Gzip,
            Some("zst") => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// Writes `path` atomically: `write` fills a buffered writer on a temporary
/// file in the same directory (compressed by the extension of `path`), which
/// replaces `path` only if `write` and the final flush succeed.
pub fn write_atomic<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let mut file = AtomicFile::create(path)?;
    write(&mut file).map_err(|e| file.error(e))?;
    file.commit()
}

/// An output being written: a temporary file beside its target, renamed
/// into place by [`AtomicFile::commit`]. Dropped without a commit (an error,
/// an interrupt), the temporary file is removed and the target is untouched.
///
/// Use this instead of [`write_atomic`] when one job writes several outputs
/// that should appear together: [`AtomicFile::finish`] every one (the step
/// that can fail on a full disk), then [`Finished::persist`] them.
pub struct AtomicFile {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
    encoder: Encoder,
}

enum Encoder {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
    Zstd(zstd::stream::write::Encoder<'static, BufWriter<File>>),
}

impl AtomicFile {
    /// Starts writing `path`, compressed by its extension.
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let err = |e: io::Error| Error::Write {
            path: path.to_path_buf(),
            source: e,
        };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".nearcopy-").suffix(".tmp");
        // Temporary files are private (0600); the output is an ordinary file,
        // readable as the umask allows, like any file a program creates.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(&dir).map_err(err)?;
        let file = tmp.as_file().try_clone().map_err(err)?;
        let buffered = BufWriter::with_capacity(1 << 20, file);
        let encoder = match Compression::of(path) {
            Compression::None => Encoder::Plain(buffered),
            Compression::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
                buffered,
                flate2::Compression::default(),
            )),
            Compression::Zstd => {
                Encoder::Zstd(zstd::stream::write::Encoder::new(buffered, 3).map_err(err)?)
            }
        };
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            encoder,
        })
    }

    /// The target path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `e`, as an error writing this file.
    pub fn error(&self, e: io::Error) -> Error {
        Error::Write {
            path: self.path.clone(),
            source: e,
        }
    }

    /// Ends the compressed stream, flushes and syncs the temporary file;
    /// the target is not touched yet.
    pub fn finish(self) -> Result<Finished> {
        let AtomicFile { path, tmp, encoder } = self;
        let err = |e: io::Error| Error::Write {
            path: path.clone(),
            source: e,
        };
        let mut inner = match encoder {
            Encoder::Plain(w) => w,
            Encoder::Gzip(w) => w.finish().map_err(err)?,
            Encoder::Zstd(w) => w.finish().map_err(err)?,
        };
        inner.flush().map_err(err)?;
        drop(inner);
        tmp.as_file().sync_all().map_err(err)?;
        Ok(Finished { path, tmp })
    }

    /// [`AtomicFile::finish`], then [`Finished::persist`].
    pub fn commit(self) -> Result<()> {
        self.finish()?.persist()
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.encoder {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Gzip(w) => w.write(buf),
            Encoder::Zstd(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.encoder {
            Encoder::Plain(w) => w.write_all(buf),
            Encoder::Gzip(w) => w.write_all(buf),
            Encoder::Zstd(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.encoder {
            Encoder::Plain(w) => w.flush(),
            Encoder::Gzip(w) => w.flush(),
            Encoder::Zstd(w) => w.flush(),
        }
    }
}

/// A complete temporary file waiting to replace its target. Dropped without
/// [`Finished::persist`], it is removed.
pub struct Finished {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
}

impl Finished {
    /// Renames the temporary file onto the target, in one step.
    pub fn persist(self) -> Result<()> {
        let Finished { path, tmp } = self;
        tmp.persist(&path).map_err(|e| Error::Write {
            path,
            source: e.error,
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.txt");
        let r = write_atomic(&out, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert!(r.is_err());
        assert!(!out.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        write_atomic(&out, |w| w.write_all(b"done")).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"done");
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_ordinary_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.txt");
        write_atomic(&out, |w| w.write_all(b"x")).unwrap();
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        // The mode of a file created the ordinary way under the same umask,
        // not the 0600 of a temporary file.
        let other = std::fs::File::create(dir.path().join("plain")).unwrap();
        let plain = other.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, plain);
    }

    #[test]
    fn dropped_file_leaves_nothing_and_compresses_by_extension() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.jsonl.zst");
        let mut f = AtomicFile::create(&out).unwrap();
        f.write_all(b"partial").unwrap();
        drop(f);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut f = AtomicFile::create(&out).unwrap();
        f.write_all(b"{}\n").unwrap();
        let done = f.finish().unwrap();
        assert!(!out.exists());
        done.persist().unwrap();
        assert_eq!(
            zstd::decode_all(&std::fs::read(&out).unwrap()[..]).unwrap(),
            b"{}\n"
        );
    }
}
