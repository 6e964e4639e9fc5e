//! `nearcopy._nearcopy`: the native half of the Python package.
//!
//! The Python half (`python/nearcopy/__init__.py`) turns keyword arguments
//! into the command line's flags and the JSON this module returns into
//! dicts. Flags are parsed here by the command line's own definitions
//! (`nearcopy_cli::args`), so every option, default and check is the
//! CLI's, and a keyword argument means exactly what its flag means.
//!
//! Work runs on a thread of its own with the GIL released; the calling
//! thread wakes every few milliseconds to let Python deliver Ctrl-C, which
//! stops the work at its next batch (`KeyboardInterrupt`, nothing written).

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use clap::Parser;
use nearcopy_cli::args;
use pyo3::exceptions::{
    PyFileNotFoundError, PyKeyboardInterrupt, PyOSError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use nearcopy::dedup::{Target, Targets};
use nearcopy::input::{Corpus, Texts};
use nearcopy::progress::Progress;
use nearcopy::report::Format;

/// Progress that only answers whether Python asked to stop.
#[derive(Default)]
struct Cancel(AtomicBool);

impl Progress for Cancel {
    fn cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A failure of the library, as the Python exception it becomes.
fn py_err(e: nearcopy::Error) -> PyErr {
    match e {
        nearcopy::Error::Interrupted => PyKeyboardInterrupt::new_err("interrupted"),
        nearcopy::Error::NotFound { .. } => PyFileNotFoundError::new_err(e.to_string()),
        nearcopy::Error::Io { .. } | nearcopy::Error::Write { .. } => {
            PyOSError::new_err(e.to_string())
        }
        _ => PyValueError::new_err(e.to_string()),
    }
}

/// Bad keyword arguments, as clap reports them for flags: an unknown one is
/// a `TypeError` (as for any Python function), a bad value a `ValueError`.
fn usage_err(e: clap::Error) -> PyErr {
    use clap::error::ErrorKind;
    let text = e.render().to_string();
    // The first line is the message; usage lines name the command line.
    let msg = text
        .lines()
        .next()
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_string();
    match e.kind() {
        ErrorKind::UnknownArgument | ErrorKind::ArgumentConflict => PyTypeError::new_err(msg),
        _ => PyValueError::new_err(msg),
    }
}

/// What a command returns: the JSON report, and for `dedup` of texts the
/// kept records and the log, as JSON Lines.
#[derive(Default)]
struct Output {
    report: Vec<u8>,
    kept: Vec<u8>,
    log: Vec<u8>,
}

/// Runs `work` on a thread of its own without the GIL, waking to let Python
/// raise `KeyboardInterrupt`; on that, the work is told to stop and waited
/// for.
fn run_detached<T: Send>(
    py: Python<'_>,
    cancel: &Cancel,
    work: impl FnOnce() -> nearcopy::Result<T> + Send,
) -> PyResult<T> {
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        // Waited on from a thread without the GIL, which wants `Sync`.
        let rx = std::sync::Mutex::new(rx);
        let recv = |timeout: Option<Duration>| {
            let rx = rx.lock().unwrap_or_else(|e| e.into_inner());
            match timeout {
                Some(t) => rx.recv_timeout(t),
                None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
            }
        };
        scope.spawn(move || {
            let _ = tx.send(work());
        });
        loop {
            let got = py.detach(|| recv(Some(Duration::from_millis(50))));
            match got {
                Ok(result) => return result.map_err(py_err),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(PyValueError::new_err("nearcopy: the work thread failed"))
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Err(e) = py.check_signals() {
                        cancel.0.store(true, Ordering::Relaxed);
                        // The work stops at its next batch; its result no
                        // longer matters.
                        let _ = py.detach(|| recv(None));
                        return Err(e);
                    }
                }
            }
        }
    })
}

/// Borrowed views of a list of Python strings (kept alive by `holders`).
fn strings<'a>(list: &'a [Bound<'_, PyString>]) -> PyResult<Vec<&'a str>> {
    list.iter().map(|s| s.to_str()).collect()
}

/// Runs one command. `argv` is the command line after `nearcopy` (the
/// command, its flags and its paths); with `texts`, the paths are ignored
/// and the texts are the corpus. Returns the JSON report, and for `dedup`
/// of texts the kept records and the removal log as JSON Lines.
#[pyfunction]
#[pyo3(signature = (argv, texts=None, ids=None, sources=None))]
fn run<'py>(
    py: Python<'py>,
    argv: Vec<String>,
    texts: Option<Vec<Bound<'py, PyString>>>,
    ids: Option<Vec<Bound<'py, PyString>>>,
    sources: Option<Vec<Bound<'py, PyString>>>,
) -> PyResult<(
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
)> {
    let cli = args::Cli::try_parse_from(std::iter::once("nearcopy".to_string()).chain(argv))
        .map_err(usage_err)?;
    let texts = texts.as_deref().map(strings).transpose()?;
    let ids = ids.as_deref().map(strings).transpose()?;
    let sources = sources.as_deref().map(strings).transpose()?;
    let texts = texts.as_deref().map(|t| Texts {
        texts: t,
        ids: ids.as_deref(),
        sources: sources.as_deref(),
    });
    let cancel = Cancel::default();
    let out = run_detached(py, &cancel, || command(cli.command, texts, &cancel))?;
    Ok((
        PyBytes::new(py, &out.report),
        PyBytes::new(py, &out.kept),
        PyBytes::new(py, &out.log),
    ))
}

/// The corpus of a command: its texts, or its paths.
fn corpus<'a>(texts: Option<Texts<'a>>, paths: &'a [PathBuf]) -> Corpus<'a> {
    match texts {
        Some(t) => Corpus::Texts(t),
        None => Corpus::Paths(paths),
    }
}

fn command(
    cmd: args::Command,
    texts: Option<Texts<'_>>,
    cancel: &Cancel,
) -> nearcopy::Result<Output> {
    let mut out = Output::default();
    // Reports are written into memory, which does not fail.
    let io = |e: std::io::Error| nearcopy::Error::Write {
        path: "<report>".into(),
        source: e,
    };
    match cmd {
        args::Command::Scan(a) => {
            let scan = match &a.index {
                Some(idx) => {
                    nearcopy::index::scan(corpus(texts, &a.paths), &a.config(), idx, cancel)?
                }
                None => nearcopy::scan::scan(corpus(texts, &a.paths), &a.config(), cancel)?,
            };
            nearcopy::report::scan::write(&scan, Format::Json, &mut out.report).map_err(io)?;
        }
        args::Command::Passages(a) => {
            let found = nearcopy::scan::passages(corpus(texts, &a.paths), &a.config(), cancel)?;
            nearcopy::report::passages::write(&found, Format::Json, &mut out.report).map_err(io)?;
        }
        args::Command::Similarity(a) => {
            let sim =
                nearcopy::similarity::similarity(corpus(texts, &a.paths), &a.config(), cancel)?;
            nearcopy::report::similarity::write(&sim, Format::Json, &mut out.report).map_err(io)?;
        }
        args::Command::Dedup(a) => {
            let cfg = a.config();
            let mut kept = Vec::new();
            let mut log = Vec::new();
            let targets = match texts {
                // Texts come back to Python, records and log alike.
                Some(_) => Targets {
                    kept: if a.dry_run {
                        Target::Nowhere
                    } else {
                        Target::Writer(&mut kept)
                    },
                    log: Target::Writer(&mut log),
                },
                None => Targets {
                    kept: match (&a.output, a.dry_run) {
                        (Some(p), false) => Target::File(p.clone()),
                        _ => Target::Nowhere,
                    },
                    log: a.removed.clone().map_or(Target::Nowhere, Target::File),
                },
            };
            let report = nearcopy::dedup::dedup(corpus(texts, &a.paths), &cfg, targets, cancel)?;
            nearcopy::report::dedup::write(&report, true, &mut out.report).map_err(io)?;
            out.kept = kept;
            out.log = log;
        }
        _ => {
            return Err(nearcopy::Error::Config(
                "the Python package runs scan, passages, similarity and dedup".into(),
            ))
        }
    }
    out.report.flush().map_err(io)?;
    Ok(out)
}

/// Signatures and band keys of `texts` (or of the documents in the paths of
/// `argv`, a `scan` command line): `(ids, perms, bands, rows, values, keys)`
/// with `values` the little-endian `u32` rows and `keys` the `u64` rows.
#[pyfunction]
#[pyo3(signature = (argv, texts=None))]
#[allow(clippy::type_complexity)]
fn signatures<'py>(
    py: Python<'py>,
    argv: Vec<String>,
    texts: Option<Vec<Bound<'py, PyString>>>,
) -> PyResult<(
    Vec<String>,
    usize,
    usize,
    usize,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
)> {
    let cli = args::Cli::try_parse_from(std::iter::once("nearcopy".to_string()).chain(argv))
        .map_err(usage_err)?;
    let args::Command::Scan(a) = cli.command else {
        return Err(PyValueError::new_err("signatures takes scan's options"));
    };
    let texts = texts.as_deref().map(strings).transpose()?;
    let texts = texts.as_deref().map(|t| Texts {
        texts: t,
        ids: None,
        sources: None,
    });
    let cfg = a.config();
    let cancel = Cancel::default();
    let s = run_detached(py, &cancel, || {
        nearcopy::signatures::signatures(corpus(texts, &a.paths), &cfg, &cancel)
    })?;
    let values: Vec<u8> = s.values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let keys: Vec<u8> = s.keys.iter().flat_map(|v| v.to_le_bytes()).collect();
    Ok((
        s.ids,
        s.perms,
        s.banding.bands,
        s.banding.rows,
        PyBytes::new(py, &values),
        PyBytes::new(py, &keys),
    ))
}

/// The native module.
#[pymodule]
fn _nearcopy(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(signatures, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
