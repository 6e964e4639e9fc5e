//! Library errors.
//!
//! Every error that input can cause names the file, and where it applies the
//! 1-based line, so a user can go straight to the bad record. The CLI prints
//! these as they are; nothing here panics on bad input.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Result alias for the library.
pub type Result<T> = std::result::Result<T, Error>;

/// Why a single record (a text file or a JSON Lines line) could not be used.
///
/// These are the problems `--skip-invalid` skips and counts; without it they
/// stop the run.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Invalid {
    /// The bytes are not valid UTF-8 (byte offset of the first bad byte).
    Utf8 {
        /// Byte offset of the first invalid byte in the record.
        offset: usize,
    },
    /// The line is not a JSON object (serde_json's message).
    Json(String),
    /// The record has no such field.
    MissingField(String),
    /// The field exists but is not a string.
    NotString(String),
    /// The record lacks the field that sources are grouped by
    /// (`similarity --by field:NAME`), or the input is a text file, which
    /// has no fields.
    MissingGroupField(String),
    /// The field that sources are grouped by holds a list, an object or a
    /// boolean instead of a string or a number.
    GroupNotScalar(String),
    /// A row of a tab-separated file is malformed (what is wrong).
    Tsv(String),
}

impl Invalid {
    /// A short, stable label used when counting skipped records by cause.
    pub fn label(&self) -> &'static str {
        match self {
            Invalid::Utf8 { .. } => "invalid UTF-8",
            Invalid::Json(_) => "invalid JSON",
            Invalid::MissingField(_) | Invalid::MissingGroupField(_) => "missing field",
            Invalid::NotString(_) | Invalid::GroupNotScalar(_) => "field is not a string",
            Invalid::Tsv(_) => "invalid TSV row",
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::Utf8 { offset } => write!(
                f,
                "invalid UTF-8 at byte {offset} (convert the file to UTF-8, or pass --skip-invalid)"
            ),
            Invalid::Json(msg) => write!(f, "invalid JSON: {msg}"),
            Invalid::MissingField(name) => write!(
                f,
                "missing field \"{name}\" (choose another with --text-field/--id-field/--source-field)"
            ),
            Invalid::NotString(name) => write!(f, "field \"{name}\" is not a string"),
            Invalid::MissingGroupField(name) => write!(
                f,
                "no field \"{name}\" to group by (--by field:{name} needs it in every \
                 JSON Lines record; pass --skip-invalid to leave such records out)"
            ),
            Invalid::GroupNotScalar(name) => write!(
                f,
                "field \"{name}\" is not a string or a number, so it cannot name a source \
                 (--by field:{name})"
            ),
            Invalid::Tsv(msg) => write!(f, "invalid TSV row: {msg}"),
        }
    }
}

/// Errors of the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path given by the user does not exist.
    #[error("{path}: no such file or directory")]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// A file or directory could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },
    /// A record is unusable; `line` is 1-based, absent for whole text files.
    #[error("{}: {reason}", location(path, *line))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The 1-based line (or Parquet row), absent for a whole text file.
        line: Option<u64>,
        /// What is wrong with it.
        reason: Invalid,
    },
    /// An output could not be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The output.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },
    /// The input held no usable document.
    #[error("no documents in the input{0}")]
    Empty(String),
    /// A configuration value is out of range or inconsistent.
    #[error("invalid option: {0}")]
    Config(String),
    /// The input changed between two reads of a stage that reads it more
    /// than once.
    #[error(
        "the input changed between two reads ({0}); rerun on files that are not being written"
    )]
    Changed(String),
    /// A cluster run could not start or go on (a process did not connect,
    /// or was lost, or was started with other arguments).
    #[error("cluster: {0}")]
    Cluster(String),
    /// An error that process `process` of a cluster met, as it reported it.
    #[error("{message}")]
    Remote {
        /// The process that met it.
        process: usize,
        /// Its message.
        message: String,
    },
    /// The input exceeds a size the implementation can handle.
    #[error("input too large: {0}")]
    TooLarge(String),
    /// An output path names one of the inputs; writing it would destroy
    /// data that may not have been read yet.
    #[error("{path}: refusing to write over an input (choose another output path)")]
    WouldOverwrite {
        /// The output path (the same file as an input).
        path: PathBuf,
    },
    /// A persistent index cannot be used as asked: locked by another
    /// writer, built with other options, damaged, or not an index.
    #[error("{}: {reason}", path.display())]
    Index {
        /// The index directory.
        path: PathBuf,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// The job was asked to stop ([`crate::progress::Progress::cancelled`]);
    /// no output was left behind.
    #[error("interrupted; no output was written")]
    Interrupted,
}

fn location(path: &std::path::Path, line: Option<u64>) -> String {
    match line {
        Some(l) => format!("{}:{l}", path.display()),
        None => path.display().to_string(),
    }
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Error {
        let path = path.into();
        if source.kind() == io::ErrorKind::NotFound {
            Error::NotFound { path }
        } else {
            Error::Io { path, source }
        }
    }
}
