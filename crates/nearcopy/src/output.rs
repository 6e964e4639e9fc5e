//! Writing outputs safely.
//!
//! What a path names decides how it is written ([`Destination`]):
//!
//! * a regular file, or a path that does not exist yet, is written to a
//!   temporary file beside it and renamed into place only when complete, so
//!   an error or an interrupt never leaves a truncated file where a complete
//!   one is expected, and an existing file is replaced in one step (keeping
//!   its permission bits);
//! * a symbolic link is followed: its target is replaced that way, and the
//!   link stays a link;
//! * a device node, a FIFO or a socket (`/dev/null`, `/dev/stdout`, a named
//!   pipe) is opened and written directly: replacing it would destroy it;
//! * `-` is standard output.
//!
//! [`check`] is the check every command makes before its work starts: each
//! output can be created, no two outputs are the same file, and no output is
//! one of the inputs (by identity on disk, whatever the names). A compressed
//! output (`.gz`, `.zst`) is recognised by its extension.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::tempfiles::{self, TempFile};

/// How an output path is written (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// `-`: standard output.
    Stdout,
    /// A regular file (existing or not) replaced atomically: `target` is the
    /// path after following symbolic links.
    Replace {
        /// The file that is replaced.
        target: PathBuf,
    },
    /// A device node, FIFO or socket, written in place.
    Direct {
        /// The path to open.
        path: PathBuf,
    },
}

impl Destination {
    /// What `path` names, or why it cannot be written: a directory, or a
    /// parent directory that does not exist.
    pub fn of(path: &Path) -> Result<Destination> {
        let fail = |msg: String| Error::Write {
            path: path.to_path_buf(),
            source: io::Error::other(msg),
        };
        if path.as_os_str() == "-" {
            return Ok(Destination::Stdout);
        }
        let target = resolve_links(path).map_err(|e| Error::Write {
            path: path.to_path_buf(),
            source: e,
        })?;
        match std::fs::metadata(&target) {
            Ok(m) if m.is_dir() => Err(fail("it is a directory".into())),
            Ok(m) if m.is_file() => Ok(Destination::Replace { target }),
            Ok(_) => Ok(Destination::Direct { path: target }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let dir = parent_of(&target);
                if dir.is_dir() {
                    Ok(Destination::Replace { target })
                } else {
                    Err(fail(format!(
                        "no directory {} (create it first)",
                        dir.display()
                    )))
                }
            }
            Err(e) => Err(Error::Write {
                path: path.to_path_buf(),
                source: e,
            }),
        }
    }
}

/// `path` with every symbolic link followed, also when the last one points
/// to a file that does not exist yet (the file the output will create).
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    // As many hops as the kernel allows (ELOOP beyond).
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&p)?;
                p = if link.is_absolute() {
                    link
                } else {
                    parent_of(&p).join(link)
                };
            }
            _ => return Ok(p),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// The directory a path is in (`.` for a bare file name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The identity of a file on disk (device and inode), following links.
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// The check every command makes before its work starts: each of `outputs`
/// (`-` is standard output; `None`, an output not asked for, is skipped) can
/// be written, no two of them are the same
/// file, and none is one of the files `inputs` (files and directories, as
/// given on the command line) would read — compared by identity on disk,
/// so another name, a hard link or a symbolic link is refused too.
pub fn check(outputs: &[Option<&Path>], inputs: &[PathBuf]) -> Result<()> {
    let outputs: Vec<&Path> = outputs.iter().flatten().copied().collect();
    if outputs.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(Error::Config(
            "only one output can be standard output (-)".into(),
        ));
    }
    let mut seen: Vec<(&Path, PathBuf)> = Vec::new();
    for &out in &outputs {
        let dest = Destination::of(out)?;
        let key = match dest {
            Destination::Stdout => continue,
            Destination::Replace { target } => absolute(&target),
            Destination::Direct { path } => absolute(&path),
        };
        if let Some((first, _)) = seen.iter().find(|(_, k)| *k == key) {
            return Err(Error::Config(format!(
                "two outputs are the same file: {} and {}",
                first.display(),
                out.display()
            )));
        }
        seen.push((out, key));
    }
    let existing: Vec<(&Path, _)> = outputs
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .filter_map(|&p| identity(p).map(|id| (p, id)))
        .collect();
    for (i, (a, id)) in existing.iter().enumerate() {
        if let Some((b, _)) = existing[..i].iter().find(|(_, other)| other == id) {
            return Err(Error::Config(format!(
                "two outputs are the same file: {} and {}",
                b.display(),
                a.display()
            )));
        }
    }
    if existing.is_empty() {
        return Ok(());
    }
    for file in crate::input::files_of(inputs)? {
        if let Some(id) = identity(&file) {
            if let Some((out, _)) = existing.iter().find(|(_, o)| *o == id) {
                return Err(Error::WouldOverwrite {
                    path: out.to_path_buf(),
                });
            }
        }
    }
    Ok(())
}

/// `path` made absolute and cleaned of `.` and of links in its directory,
/// for comparing paths that do not exist yet.
fn absolute(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let dir = parent_of(path);
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    dir.join(path.file_name().unwrap_or_default())
}

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

/// Writes `path` as its [`Destination`] says: `write` fills a buffered
/// writer (compressed by the extension of `path`); a file is replaced only
/// if `write` and the final flush succeed.
pub fn write_atomic<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let mut file = AtomicFile::create(path)?;
    write(&mut file).map_err(|e| file.error(e))?;
    file.commit()
}

/// An output being written. For a file, a temporary file beside its target,
/// renamed into place by [`AtomicFile::commit`]; dropped without a commit
/// (an error, an interrupt), the temporary file is removed and the target is
/// untouched. Standard output, devices and FIFOs are written directly.
///
/// Use this instead of [`write_atomic`] when one job writes several outputs
/// that should appear together: [`AtomicFile::finish`] every one (the step
/// that can fail on a full disk), then [`persist_all`].
pub struct AtomicFile {
    path: PathBuf,
    sink: Sink,
    encoder: Encoder,
}

enum Sink {
    Temp { tmp: TempFile, target: PathBuf },
    Direct,
}

type Inner = BufWriter<Box<dyn Write + Send>>;

enum Encoder {
    Plain(Inner),
    Gzip(flate2::write::GzEncoder<Inner>),
    Zstd(zstd::stream::write::Encoder<'static, Inner>),
}

impl AtomicFile {
    /// Starts writing `path`, compressed by its extension.
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let err = |e: io::Error| Error::Write {
            path: path.to_path_buf(),
            source: e,
        };
        let (sink, writer): (Sink, Box<dyn Write + Send>) = match Destination::of(path)? {
            Destination::Stdout => (Sink::Direct, Box::new(io::stdout())),
            Destination::Direct { path: device } => {
                // No truncation and no creation: the node stays what it is.
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&device)
                    .map_err(err)?;
                (Sink::Direct, Box::new(f))
            }
            Destination::Replace { target } => {
                let dir = parent_of(&target);
                tempfiles::sweep_stale(&dir);
                // A new output is an ordinary file under the umask, not a
                // private temporary one; a replaced one keeps its bits.
                let tmp = TempFile::new_in(&dir, Some(0o666)).map_err(err)?;
                if let Ok(m) = std::fs::metadata(&target) {
                    tmp.as_file()
                        .set_permissions(m.permissions())
                        .map_err(err)?;
                }
                let file = tmp.as_file().try_clone().map_err(err)?;
                (
                    Sink::Temp { tmp, target },
                    Box::new(Writeback::new(file, 0)),
                )
            }
        };
        let buffered = BufWriter::with_capacity(1 << 20, writer);
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
            sink,
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
        let AtomicFile {
            path,
            sink,
            encoder,
        } = self;
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
        if let Sink::Temp { tmp, .. } = &sink {
            tmp.as_file().sync_all().map_err(err)?;
        }
        Ok(Finished { path, sink })
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

/// A complete output waiting to replace its target. Dropped without
/// [`Finished::persist`], a temporary file is removed.
pub struct Finished {
    path: PathBuf,
    sink: Sink,
}

/// What makes a file the one that was written: device, inode and size
/// (links followed). A rename keeps all three, so a run that recorded the
/// stamp of its temporary file can tell later whether the rename happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
}

impl Stamp {
    /// The stamp of the file at `path`, if there is one.
    pub fn of(path: &Path) -> Option<Stamp> {
        std::fs::metadata(path).ok().map(|m| Stamp::of_metadata(&m))
    }

    fn of_metadata(m: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stamp {
                dev: m.dev(),
                ino: m.ino(),
                size: m.len(),
            }
        }
        #[cfg(not(unix))]
        {
            Stamp {
                dev: 0,
                ino: 0,
                size: m.len(),
            }
        }
    }
}

impl Finished {
    /// Where the output will be and the stamp it will have there once
    /// persisted; `None` for an output written directly (standard output,
    /// a device), which is in place already.
    pub fn staged(&self) -> Option<(PathBuf, Stamp)> {
        match &self.sink {
            Sink::Temp { tmp, target } => {
                let m = tmp.as_file().metadata().ok()?;
                Some((target.clone(), Stamp::of_metadata(&m)))
            }
            Sink::Direct => None,
        }
    }

    /// Renames the temporary file onto the target, in one step.
    pub fn persist(self) -> Result<()> {
        persist_all(vec![self])
    }

    fn persist_locked(self) -> Result<()> {
        let Finished { path, sink } = self;
        match sink {
            Sink::Temp { tmp, target } => tmp
                .persist_locked(&target)
                .map_err(|e| Error::Write { path, source: e }),
            Sink::Direct => Ok(()),
        }
    }
}

/// Renames every finished output into place, all before (or none after) a
/// signal's cleanup ([`tempfiles::remove_all`]).
pub fn persist_all(files: Vec<Finished>) -> Result<()> {
    tempfiles::persisting(|| files.into_iter().try_for_each(Finished::persist_locked))
}

/// Bytes written are handed to the disk every this many bytes.
const WRITEBACK_EVERY: u64 = 32 << 20;

/// A file written front to back whose bytes are handed to the disk every
/// [`WRITEBACK_EVERY`] bytes without waiting for them, so that the sync
/// that ends the writing (of an output before its rename, of the index's
/// document log before its commit) finds little left to write: the disk
/// writes while the run goes on computing, instead of after it.
pub(crate) struct Writeback {
    file: File,
    /// Offset in the file of the next byte written.
    at: u64,
    /// Up to where writeback has been started.
    started: u64,
}

impl Writeback {
    /// Writes `file` from offset `at`, where it is positioned.
    pub(crate) fn new(file: File, at: u64) -> Writeback {
        Writeback {
            file,
            at,
            started: at,
        }
    }

    /// The file written.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }
}

impl Write for Writeback {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.at += n as u64;
        if self.at - self.started >= WRITEBACK_EVERY {
            start_writeback(&self.file, self.started, self.at - self.started);
            self.started = self.at;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Starts writing a range of `file` to disk without waiting for it (Linux;
/// elsewhere the final sync writes everything).
fn start_writeback(file: &File, at: u64, len: u64) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let (Ok(at), Ok(len)) = (i64::try_from(at), i64::try_from(len)) else {
            return;
        };
        // SAFETY: sync_file_range only reads the descriptor and numbers; a
        // failure is harmless here (the final sync reports errors).
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), at, len, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, at, len);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writeback_writes_every_byte_in_order_across_its_steps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut file = File::create(&path).unwrap();
        file.write_all(b"head:").unwrap();
        // Pieces of odd sizes, so that steps fall inside a write, from an
        // offset that is not 0 (as the index's document log appends).
        let piece: Vec<u8> = (0..1_000_003u32).map(|i| (i % 251) as u8).collect();
        let mut w = Writeback::new(file, 5);
        let total = 5 + 70 * piece.len() as u64;
        for _ in 0..70 {
            w.write_all(&piece).unwrap();
        }
        w.flush().unwrap();
        assert_eq!(w.at, total);
        // Two steps of 32 MiB were handed to the disk, the rest waits for
        // the final sync.
        assert_eq!(
            w.started,
            5 + 2 * WRITEBACK_EVERY.div_ceil(piece.len() as u64) * piece.len() as u64
        );
        w.file().sync_data().unwrap();
        drop(w);
        let back = std::fs::read(&path).unwrap();
        assert_eq!(back.len() as u64, total);
        assert_eq!(&back[..5], b"head:");
        assert!(back[5..].chunks(piece.len()).all(|c| c == piece.as_slice()));
    }

    #[cfg(unix)]
    #[test]
    fn destination_by_what_the_path_names() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("file"), "x").unwrap();
        std::os::unix::fs::symlink("file", d.join("link")).unwrap();
        std::os::unix::fs::symlink("link", d.join("link2")).unwrap();
        std::os::unix::fs::symlink("sub/new", d.join("dangling")).unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(d.join("fifo"))
            .status()
            .is_ok_and(|s| s.success());
        let replace = |name: &str| Destination::Replace {
            target: d.join(name),
        };
        let cases: &[(&str, Option<Destination>)] = &[
            ("file", Some(replace("file"))),
            ("new", Some(replace("new"))),
            ("link", Some(replace("file"))),
            ("link2", Some(replace("file"))),
            ("dangling", Some(replace("sub/new"))),
            ("sub", None),
            ("missing/new", None),
        ];
        for (name, want) in cases {
            let got = Destination::of(&d.join(name)).ok();
            assert_eq!(&got, want, "{name}");
        }
        assert_eq!(
            Destination::of(Path::new("-")).unwrap(),
            Destination::Stdout
        );
        if fifo {
            assert_eq!(
                Destination::of(&d.join("fifo")).unwrap(),
                Destination::Direct {
                    path: d.join("fifo")
                }
            );
        }
        let err = Destination::of(&d.join("missing/new")).unwrap_err();
        assert!(err.to_string().contains("no directory"), "{err}");
    }

    #[test]
    fn outputs_over_inputs_or_each_other_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("in")).unwrap();
        std::fs::write(d.join("in/a.txt"), "x").unwrap();
        std::fs::hard_link(d.join("in/a.txt"), d.join("hard.txt")).unwrap();
        let inputs = [d.join("in")];
        let refused = |outs: &[&Path]| {
            let outs: Vec<Option<&Path>> = outs.iter().map(|p| Some(*p)).collect();
            check(&outs, &inputs).is_err()
        };
        assert!(refused(&[&d.join("in/a.txt")]));
        assert!(refused(&[&d.join("in/../in/a.txt")]));
        assert!(refused(&[&d.join("hard.txt")]));
        assert!(refused(&[&d.join("x.json"), &d.join("./x.json")]));
        assert!(!refused(&[&d.join("x.json"), Path::new("-")]));
        assert!(!refused(&[&d.join("in/new.json")]));
        assert!(check(&[None, Some(Path::new("-"))], &inputs).is_ok());
        assert!(check(&[Some(Path::new("-")), Some(Path::new("-"))], &inputs).is_err());
    }

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
