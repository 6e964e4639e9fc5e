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
use std::path::Path;

use crate::output::Writeback;

/// The document log's file name, in the index directory.
pub(crate) const DATA_FILE: &str = "documents.dat";

/// Where an entry lies in the log: (offset, length).
pub(crate) type Place = (u64, u64);

/// Appends entries to the log.
///
/// On Linux the log is written past the page cache (`O_DIRECT`), 4 MiB
/// at a time from one buffer: through the page cache, every byte was
/// copied into a fresh cache page, which on the machines measured cost
/// more CPU than signing the document (a quarter of an `index add`,
/// BENCHMARKS.md "Persistent index"), and filled the cache with a log
/// that is read back only a few entries at a time. Only whole aligned
/// blocks go that way; the ends of a batch, in blocks the file already
/// holds part of, go through the page cache, so no committed byte is
/// ever written again. Where the file system refuses direct writes, the
/// whole log goes through the page cache, its bytes handed to the disk
/// as they come ([`Writeback`]).
pub(crate) struct Appender {
    sink: Sink,
    /// Length of the log with everything appended so far.
    len: u64,
}

enum Sink {
    Cached(BufWriter<Writeback>),
    Direct(Direct),
}

impl Appender {
    /// Appends to `file` (the log at `path`), whose committed length is
    /// `len` (anything after it has been cut off).
    pub(crate) fn new(mut file: File, path: &Path, len: u64) -> std::io::Result<Appender> {
        let sink = match open_direct(path) {
            Some(direct) => Sink::Direct(Direct::new(file, direct, len)),
            None => {
                use std::io::Seek;
                file.seek(std::io::SeekFrom::Start(len))?;
                Sink::Cached(BufWriter::with_capacity(
                    DIRECT_CHUNK,
                    Writeback::new(file, len),
                ))
            }
        };
        Ok(Appender { sink, len })
    }

    /// Appends one entry; where it lies.
    pub(crate) fn append(&mut self, bytes: &[u8]) -> std::io::Result<Place> {
        let at = self.len;
        match &mut self.sink {
            Sink::Cached(out) => out.write_all(bytes)?,
            Sink::Direct(d) => d.append(bytes)?,
        }
        self.len += bytes.len() as u64;
        Ok((at, bytes.len() as u64))
    }

    /// Writes and syncs everything appended; the log's new length.
    pub(crate) fn sync(&mut self) -> std::io::Result<u64> {
        match &mut self.sink {
            Sink::Cached(out) => {
                out.flush()?;
                out.get_ref().file().sync_data()?;
            }
            Sink::Direct(d) => {
                d.flush(true)?;
                d.file.sync_data()?;
            }
        }
        Ok(self.len)
    }
}

/// Bytes written past the page cache at a time.
const DIRECT_CHUNK: usize = 4 << 20;

/// Offsets, lengths and buffer addresses of direct writes are multiples of
/// this: 4096 satisfies the block sizes of the disks and file systems in
/// use (512 or 4096).
const ALIGN: usize = 4096;

/// The log at `path` opened for direct writes, where the system has them.
#[cfg(target_os = "linux")]
fn open_direct(path: &Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
        .ok()
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_: &Path) -> Option<File> {
    None
}

/// The log written a buffer at a time, whole blocks past the page cache.
struct Direct {
    /// The log through the page cache: the parts of blocks, and the sync.
    file: File,
    /// The log opened with `O_DIRECT`; `None` once a direct write was
    /// refused (then everything goes through `file`).
    direct: Option<File>,
    /// Room for `DIRECT_CHUNK` bytes at an `ALIGN`-aligned address:
    /// `mem[start..start + DIRECT_CHUNK]`.
    mem: Vec<u8>,
    start: usize,
    /// The file offset of the buffer's first byte, a multiple of `ALIGN`.
    base: u64,
    /// Bytes of the buffer the file already holds (never written again).
    written: usize,
    /// Bytes of the buffer in use: those after `written` are to be written.
    filled: usize,
}

impl Direct {
    fn new(file: File, direct: File, len: u64) -> Direct {
        let mem = vec![0u8; DIRECT_CHUNK + ALIGN];
        // By the address itself: `align_offset` may give up.
        let start = (ALIGN - mem.as_ptr() as usize % ALIGN) % ALIGN;
        // The block the log ends in is partly in the file: its first
        // bytes count as written.
        let head = (len % ALIGN as u64) as usize;
        Direct {
            file,
            direct: Some(direct),
            mem,
            start,
            base: len - head as u64,
            written: head,
            filled: head,
        }
    }

    fn append(&mut self, mut bytes: &[u8]) -> std::io::Result<()> {
        while !bytes.is_empty() {
            let n = bytes.len().min(DIRECT_CHUNK - self.filled);
            let at = self.start + self.filled;
            self.mem[at..at + n].copy_from_slice(&bytes[..n]);
            self.filled += n;
            bytes = &bytes[n..];
            if self.filled == DIRECT_CHUNK {
                self.flush(false)?;
            }
        }
        Ok(())
    }

    /// Writes the buffer's whole blocks (with `all`, every byte), keeping
    /// the block still being filled.
    fn flush(&mut self, all: bool) -> std::io::Result<()> {
        let buf = &self.mem[self.start..self.start + DIRECT_CHUNK];
        let mut w = self.written;
        // The rest of a block the file holds part of.
        if !w.is_multiple_of(ALIGN) {
            let end = w.next_multiple_of(ALIGN).min(self.filled);
            write_all_at(&self.file, &buf[w..end], self.base + w as u64)?;
            w = end;
        }
        let whole = self.filled - self.filled % ALIGN;
        while w < whole {
            let Some(direct) = &self.direct else {
                write_all_at(&self.file, &buf[w..whole], self.base + w as u64)?;
                w = whole;
                break;
            };
            match write_at(direct, &buf[w..whole], self.base + w as u64) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => w += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // Refused (a file system without direct writes, a block
                // size above `ALIGN`, a short write that left `w`
                // unaligned): the rest goes through the page cache.
                Err(e) if e.raw_os_error() == Some(EINVAL) => self.direct = None,
                Err(e) => return Err(e),
            }
        }
        if all && w < self.filled {
            write_all_at(&self.file, &buf[w..self.filled], self.base + w as u64)?;
            w = self.filled;
        }
        let cut = w - w % ALIGN;
        let (start, filled) = (self.start, self.filled);
        self.mem.copy_within(start + cut..start + filled, start);
        self.base += cut as u64;
        self.filled -= cut;
        self.written = w - cut;
        Ok(())
    }
}

#[cfg(target_os = "linux")]
const EINVAL: i32 = libc::EINVAL;
#[cfg(not(target_os = "linux"))]
const EINVAL: i32 = 22;

#[cfg(unix)]
fn write_at(file: &File, buf: &[u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::write_at(file, buf, at)
}

#[cfg(windows)]
fn write_at(file: &File, buf: &[u8], at: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_write(file, buf, at)
}

fn write_all_at(file: &File, mut buf: &[u8], mut at: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match write_at(file, buf, at) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                buf = &buf[n..];
                at += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries appended in two batches after bytes already in the log, in
    /// pieces of odd sizes that cross blocks and buffers, read back as
    /// appended, and the bytes before each batch never written again (the
    /// buffer does not hold them: writing them would put zeros there).
    fn appends_land_where_they_say(direct: bool) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DATA_FILE);
        let head: Vec<u8> = (0..5_000u32).map(|i| (i % 253) as u8 + 1).collect();
        std::fs::write(&path, &head).unwrap();
        let mut expected = head.clone();
        let mut len = head.len() as u64;
        for batch in 0..2u32 {
            let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            let mut log = if direct {
                Appender::new(file, &path, len).unwrap()
            } else {
                Appender {
                    sink: Sink::Direct(Direct {
                        direct: None,
                        ..Direct::new(file.try_clone().unwrap(), file, len)
                    }),
                    len,
                }
            };
            for i in 0..40u32 {
                let size = [1usize, 4095, 4096, 4097, 777_777, 3 << 20][(i % 6) as usize];
                let entry: Vec<u8> = (0..size as u32)
                    .map(|j| (j.wrapping_mul(31) ^ i ^ batch) as u8 | 1)
                    .collect();
                let place = log.append(&entry).unwrap();
                assert_eq!(place, (expected.len() as u64, size as u64));
                expected.extend_from_slice(&entry);
            }
            len = log.sync().unwrap();
            assert_eq!(len, expected.len() as u64);
            drop(log);
            let back = std::fs::read(&path).unwrap();
            assert_eq!(back.len(), expected.len());
            assert!(back == expected, "batch {batch}: the log differs");
            for (i, place) in [(0u64, 4096u64), (5_000, 20_000)].into_iter().enumerate() {
                let file = File::open(&path).unwrap();
                let got = read(&file, place).unwrap();
                let (at, n) = (place.0 as usize, place.1 as usize);
                assert_eq!(got, &expected[at..at + n], "read {i}");
            }
        }
    }

    #[test]
    fn appends_land_where_they_say_written_past_the_page_cache() {
        appends_land_where_they_say(true);
    }

    #[test]
    fn appends_land_where_they_say_where_direct_writes_are_refused() {
        appends_land_where_they_say(false);
    }
}
