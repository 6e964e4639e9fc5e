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

/// The document log's file name, in the index directory.
pub(crate) const DATA_FILE: &str = "documents.dat";

/// Where an entry lies in the log: (offset, length).
pub(crate) type Place = (u64, u64);

/// Written bytes are handed to the disk every this many bytes (without
/// waiting), so that the commit's sync finds little left to write.
const WRITEBACK_EVERY: u64 = 32 << 20;

/// Appends entries to the log.
pub(crate) struct Appender {
    out: BufWriter<File>,
    /// Length of the log with everything appended so far.
    len: u64,
    /// Up to where writeback has been started.
    started: u64,
}

impl Appender {
    /// Appends to `file`, whose committed length is `len` (anything after
    /// it has been cut off).
    pub(crate) fn new(mut file: File, len: u64) -> std::io::Result<Appender> {
        use std::io::Seek;
        file.seek(std::io::SeekFrom::Start(len))?;
        Ok(Appender {
            out: BufWriter::with_capacity(4 << 20, file),
            len,
            started: len,
        })
    }

    /// Appends one entry; where it lies.
    pub(crate) fn append(&mut self, bytes: &[u8]) -> std::io::Result<Place> {
        let at = self.len;
        self.out.write_all(bytes)?;
        self.len += bytes.len() as u64;
        if self.len - self.started >= WRITEBACK_EVERY {
            self.out.flush()?;
            start_writeback(self.out.get_ref(), self.started, self.len - self.started);
            self.started = self.len;
        }
        Ok((at, bytes.len() as u64))
    }

    /// Writes and syncs everything appended; the log's new length.
    pub(crate) fn sync(&mut self) -> std::io::Result<u64> {
        self.out.flush()?;
        self.out.get_ref().sync_data()?;
        Ok(self.len)
    }
}

/// Starts writing a range of `file` to disk without waiting for it (Linux;
/// elsewhere the commit's sync writes everything).
fn start_writeback(file: &File, at: u64, len: u64) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let (Ok(at), Ok(len)) = (i64::try_from(at), i64::try_from(len)) else {
            return;
        };
        // SAFETY: sync_file_range only reads the descriptor and numbers; a
        // failure is harmless here (the commit's fdatasync reports errors).
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), at, len, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, at, len);
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
