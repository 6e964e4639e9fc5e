//! Writing outputs atomically.
//!
//! An output is written to a temporary file beside its target and renamed
//! into place only when complete, so an error or an interrupt never leaves a
//! truncated file where a complete one is expected, and an existing file is
//! replaced in one step. A compressed output (`.gz`, `.zst`) is recognised by
//! its extension.

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
    let err = |e: io::Error| Error::Write {
        path: path.to_path_buf(),
        source: e,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".nearcopy-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(err)?;
    {
        let file = tmp.as_file().try_clone().map_err(err)?;
        let buffered = BufWriter::with_capacity(1 << 20, file);
        match Compression::of(path) {
            Compression::None => {
                let mut w = buffered;
                write(&mut w).map_err(err)?;
                w.flush().map_err(err)?;
            }
            Compression::Gzip => {
                let mut w = flate2::write::GzEncoder::new(buffered, flate2::Compression::default());
                write(&mut w).map_err(err)?;
                w.finish().map_err(err)?.flush().map_err(err)?;
            }
            Compression::Zstd => {
                let mut w = zstd::stream::write::Encoder::new(buffered, 3).map_err(err)?;
                write(&mut w).map_err(err)?;
                w.finish().map_err(err)?.flush().map_err(err)?;
            }
        }
    }
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
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
}
