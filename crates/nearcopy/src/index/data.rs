//! The document log: every entry's bytes ([`super::entry`]), appended in
//! document order to `documents.dat`, beside the B-tree store.
//!
//! Why beside it and not in it: an entry is a few kilobytes, written once
//! and read whole. In the B-tree each one took pages of its own, rounded up
//! to a power of two, and went through the store's page cache; appended to
//! a plain file it takes its own size and reaches the disk at the disk's
//! sequential speed while later documents are being signed.
//!
//! The store keeps where each entry lies (`DOCS`: number → [`Place`]) and
//! the log's committed length (META `data_len`). The log is synced before
//! the store commits, so every place a commit names is on disk. Bytes past
//! the committed length (a killed writer's) are cut off by the next writer
//! before it appends; readers never look past the length their read
//! transaction names. Committed bytes are never rewritten: a rolled-back
//! batch leaves its bytes unreferenced, and later entries go after them.

use std::fs::File;
use std::io::{BufWriter, Write};

use crate::output::Writeback;

/// The document log's file name, in the index directory.
pub(crate) const DATA_FILE: &str = "documents.dat";

/// Where an entry lies in the log: (offset, length).
pub(crate) type Place = (u64, u64);

/// Appends entries to the log.
pub(crate) struct Appender {
    /// Written bytes go to the disk as they come, so that the commit's
    /// sync finds little left to write.
    out: BufWriter<Writeback>,
    /// Length of the log with everything appended so far.
    len: u64,
}

impl Appender {
    /// Appends to `file`, whose committed length is `len` (anything after
    /// it has been cut off).
    pub(crate) fn new(mut file: File, len: u64) -> std::io::Result<Appender> {
        use std::io::Seek;
        file.seek(std::io::SeekFrom::Start(len))?;
        Ok(Appender {
            out: BufWriter::with_capacity(4 << 20, Writeback::new(file, len)),
            len,
        })
    }

    /// Appends one entry; where it lies.
    pub(crate) fn append(&mut self, bytes: &[u8]) -> std::io::Result<Place> {
        let at = self.len;
        self.out.write_all(bytes)?;
        self.len += bytes.len() as u64;
        Ok((at, bytes.len() as u64))
    }

    /// Writes and syncs everything appended; the log's new length.
    pub(crate) fn sync(&mut self) -> std::io::Result<u64> {
        self.out.flush()?;
        self.out.get_ref().file().sync_data()?;
        Ok(self.len)
    }
}

/// The bytes at `place` of the log.
pub(crate) fn read(file: &File, place: Place) -> std::io::Result<Vec<u8>> {
    let (at, len) = place;
    let len = usize::try_from(len).map_err(|_| std::io::ErrorKind::InvalidData)?;
    let mut buf = vec![0u8; len];
    read_exact_at(file, &mut buf, at)?;
    Ok(buf)
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, at)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}
