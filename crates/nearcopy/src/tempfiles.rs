//! Temporary files of a run: named after the process, registered while they
//! exist, swept when their process is gone.
//!
//! Every temporary file the library makes (an output being written beside
//! its target, standard input or a FIFO spooled so it can be read twice) is
//! called `.nearcopy-<pid>-<random>.tmp` and is listed in a process-wide
//! registry for as long as it exists. That gives two guarantees:
//!
//! * **A signal leaves nothing behind.** A signal handler calls
//!   [`remove_all`], which deletes every registered file and keeps the
//!   registry locked until the process exits, so no output can be renamed
//!   into place half-way through the cleanup ([`persisting`] takes the same
//!   gate) and no new temporary file can appear after it.
//! * **A `kill -9` leaves nothing a later run keeps.** The files are hidden
//!   (inputs skip hidden files), and the next run that writes into the same
//!   directory removes the ones whose process no longer exists
//!   ([`sweep_stale`]).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The prefix of every temporary file name; the process id follows.
pub const PREFIX: &str = ".nearcopy-";

struct Registry {
    next: u64,
    paths: Vec<(u64, PathBuf)>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    next: 0,
    paths: Vec::new(),
});

/// Held to create a temporary file, to rename files into place, and by a
/// signal's cleanup until the process exits. Always taken before
/// [`REGISTRY`], which alone guards the list (a registration that ends
/// takes only that one, so it may end while the gate is held).
static GATE: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, Registry> {
    // A panic while the lock was held cannot leave the list inconsistent
    // (every operation is one push or one retain).
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

fn gate() -> MutexGuard<'static, ()> {
    GATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// A registered temporary path; dropping it takes the path off the list
/// (the file itself is removed by its owner).
#[derive(Debug)]
struct Registration {
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        lock().paths.retain(|(id, _)| *id != self.id);
    }
}

/// A temporary file of this process (see the module documentation for its
/// name), registered while it exists; dropped, it is removed.
#[derive(Debug)]
pub struct TempFile {
    // Declared first so that it is dropped (the file removed) before the
    // registration ends.
    file: tempfile::NamedTempFile,
    _registration: Registration,
}

impl TempFile {
    /// Creates a temporary file in `dir`, with permission bits `mode` where
    /// the platform has them (`None`: private, 0600).
    pub fn new_in(dir: &Path, mode: Option<u32>) -> std::io::Result<TempFile> {
        let prefix = format!("{PREFIX}{}-", std::process::id());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(mode));
        }
        #[cfg(not(unix))]
        let _ = mode;
        // Created and listed under the gate, so that a signal's cleanup
        // either sees the file or runs before it exists.
        let _gate = gate();
        let mut r = lock();
        let file = builder.tempfile_in(dir)?;
        let id = r.next;
        r.next += 1;
        r.paths.push((id, file.path().to_path_buf()));
        drop(r);
        Ok(TempFile {
            file,
            _registration: Registration { id },
        })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The open file.
    pub fn as_file(&self) -> &std::fs::File {
        self.file.as_file()
    }

    /// The open file, for writing.
    pub fn as_file_mut(&mut self) -> &mut std::fs::File {
        self.file.as_file_mut()
    }

    /// Renames the file onto `target`, in one step that a signal's
    /// [`remove_all`] cannot interleave with.
    pub fn persist(self, target: &Path) -> std::io::Result<()> {
        persisting(|| self.persist_locked(target))
    }

    /// [`TempFile::persist`] for a caller already inside [`persisting`].
    pub(crate) fn persist_locked(self, target: &Path) -> std::io::Result<()> {
        self.file.persist(target).map(drop).map_err(|e| e.error)
    }
}

/// Deletes every registered temporary file and returns the registry's lock:
/// hold it until the process exits, so that no output is renamed into place
/// after its siblings were deleted. For signal handlers.
pub fn remove_all() -> Held {
    let gate = gate();
    let r = lock();
    for (_, path) in &r.paths {
        let _ = std::fs::remove_file(path);
    }
    Held {
        _registry: r,
        _gate: gate,
    }
}

/// The registry, locked by [`remove_all`]: no temporary file can be created
/// or renamed while it is held.
pub struct Held {
    // Released in the reverse order of taking.
    _registry: MutexGuard<'static, Registry>,
    _gate: MutexGuard<'static, ()>,
}

/// Runs `f` (renaming finished outputs into place) so that it completes
/// before, or does not start after, a signal's [`remove_all`].
pub fn persisting<R>(f: impl FnOnce() -> R) -> R {
    let _gate = gate();
    f()
}

/// Removes from `dir` the temporary files left by processes that no longer
/// exist (a `kill -9`, a power cut). Files of live processes, and anything
/// not named like ours, are left alone; errors are ignored, since a stale
/// file is hidden and harmless.
pub fn sweep_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = owner(&name.to_string_lossy()) else {
            continue;
        };
        if pid != me && !alive(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The process id in a temporary file's name, if it is one of ours.
fn owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    if !rest.ends_with(".tmp") {
        return None;
    }
    let (pid, _) = rest.split_once('-')?;
    pid.parse().ok()
}

#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // Signal 0 checks existence only; EPERM means it exists under another user.
    // SAFETY: kill with signal 0 sends nothing.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    // No cheap check: never sweep.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_reads_only_our_names() {
        assert_eq!(owner(".nearcopy-123-abcDEF.tmp"), Some(123));
        assert_eq!(owner(".nearcopy-abcDEF.tmp"), None);
        assert_eq!(owner(".nearcopy-123-abc.txt"), None);
        assert_eq!(owner("nearcopy-123-abc.tmp"), None);
    }

    #[test]
    fn sweep_removes_dead_processes_files_only() {
        let dir = tempfile::tempdir().unwrap();
        // Process ids above the kernel's maximum (4,194,304) never exist.
        let dead = dir.path().join(".nearcopy-999999999-x.tmp");
        let live = dir
            .path()
            .join(format!(".nearcopy-{}-y.tmp", std::process::id()));
        let other = dir.path().join(".nearcopy-notes.tmp");
        for p in [&dead, &live, &other] {
            std::fs::write(p, b"x").unwrap();
        }
        sweep_stale(dir.path());
        assert!(!dead.exists());
        assert!(live.exists());
        assert!(other.exists());
    }

    #[test]
    fn registered_files_are_removed_by_remove_all() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = TempFile::new_in(dir.path(), None).unwrap();
        let path = tmp.path().to_path_buf();
        assert!(owner(&path.file_name().unwrap().to_string_lossy()).is_some());
        {
            let _held = remove_all();
        }
        assert!(!path.exists());
        drop(tmp);
        assert!(lock().paths.iter().all(|(_, p)| p != &path));
    }
}
