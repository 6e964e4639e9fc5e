//! Documents and where they came from.

/// One document of the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Identifier shown in every report: a file's path relative to the
    /// directory given, a JSONL record's `--id-field`, or `FILE:LINE`.
    pub id: String,
    /// The source the document belongs to (a sub-directory, the
    /// `--source-field` of a record, or the input file's name).
    pub source: String,
    /// The original text; reported byte offsets index into it.
    pub text: String,
    /// The value of [`crate::input::InputConfig::group_field`] in the record,
    /// when one was asked for (`similarity --by field:NAME`); `None` otherwise.
    pub group: Option<String>,
    /// Where the document was read.
    pub origin: Origin,
}

/// Where a document was read: which input file, and for JSON Lines which
/// line, so that a later pass can find the same record again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// Index into [`crate::input::Inputs::files`].
    pub file: u32,
    /// 1-based line of a JSON Lines record; 0 for a whole text file.
    pub line: u64,
    /// Byte offset of the record in the (decompressed) file: where a later
    /// pass can read it again without reading what comes before.
    pub offset: u64,
}
