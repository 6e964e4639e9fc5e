//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use nearcopy::config::{PassageConfig, ScanConfig, ShingleConfig, Verify};
use nearcopy::dedup::Keep;
use nearcopy::input::{Format as InputFormat, InputConfig};
use nearcopy::report::Format;
use nearcopy::text::TokenKind;

/// Find near-duplicate documents and repeated passages, with exact byte ranges.
#[derive(Debug, Parser)]
#[command(name = "nearcopy", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find near-duplicate documents in files, directories or JSON Lines,
    /// and repeated passages.
    Scan(ScanArgs),
    /// Find passages repeated within and across documents, with the byte
    /// range and lines of every copy.
    Passages(PassagesArgs),
    /// Keep one document of each near-duplicate group and write the kept
    /// records, byte for byte, as JSON Lines.
    Dedup(DedupArgs),
}

/// Flags that choose how documents are compared.
#[derive(Debug, Clone, Args)]
pub struct DetectArgs {
    /// Jaccard similarity at which two documents are near-duplicates.
    #[arg(long, default_value_t = 0.8, value_name = "J")]
    pub threshold: f64,
    /// Words per shingle.
    #[arg(long, default_value_t = 5, value_name = "K")]
    pub shingle: usize,
    /// Use shingles of N characters instead of words (for text without
    /// spaces, such as Chinese or Japanese, and for OCR noise).
    #[arg(long, value_name = "N", conflicts_with = "shingle")]
    pub char_ngrams: Option<usize>,
    /// MinHash permutations (signature length).
    #[arg(long, default_value_t = 128, value_name = "K")]
    pub perms: usize,
    /// LSH bands (default: chosen from the threshold).
    #[arg(long, value_name = "B")]
    pub bands: Option<usize>,
    /// Rows per LSH band (default: chosen from the threshold).
    #[arg(long, value_name = "R")]
    pub rows: Option<usize>,
    /// How candidate pairs are confirmed: exact Jaccard (a second read of the
    /// candidate documents) or the MinHash estimate (one read, less memory).
    #[arg(long, value_enum, default_value_t = Verify::Exact)]
    pub verify: Verify,
}

/// Flags that choose how input is read.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// JSONL field holding the text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,
    /// JSONL field holding the document id (else FILE:LINE).
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,
    /// JSONL field naming the document's source (else the file name).
    #[arg(long, default_value = "source", value_name = "NAME")]
    pub source_field: String,
    /// How files are read: by name (.jsonl, .ndjson, optionally .gz/.zst, are
    /// JSON Lines), or force one way for all.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,
    /// Skip records that cannot be used (invalid UTF-8 or JSON, missing text
    /// field) and count them, instead of stopping at the first.
    #[arg(long)]
    pub skip_invalid: bool,
}

/// Flags of every long-running command.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Flags that choose how repeated passages are found.
#[derive(Debug, Clone, Args)]
pub struct PassageArgs {
    /// Shortest repeated passage, in words (characters with --char-ngrams);
    /// every exact repeat at least this long is found [default: 8 words, 16
    /// characters].
    #[arg(long, value_name = "N")]
    pub min_words: Option<usize>,
    /// Jaccard similarity of the shingle sets at which two paragraphs are
    /// edited copies of each other.
    #[arg(long, default_value_t = 0.5, value_name = "J")]
    pub passage_threshold: f64,
    /// A passage found in at least N documents is boilerplate.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub boilerplate_docs: usize,
    /// Leave boilerplate out of the report.
    #[arg(long)]
    pub hide_boilerplate: bool,
}

#[derive(Debug, Args)]
pub struct PassagesArgs {
    /// Files, directories (read recursively) or - for standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Compare characters instead of words (for text without spaces, such
    /// as Chinese or Japanese): passages are counted in characters and
    /// paragraphs are shingled into N-character shingles.
    #[arg(long, value_name = "N")]
    pub char_ngrams: Option<usize>,
    #[command(flatten)]
    pub passages: PassageArgs,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub run: RunArgs,
    /// Report format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files, directories (read recursively) or - for standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub detect: DetectArgs,
    #[command(flatten)]
    pub passages: PassageArgs,
    /// Do not look for repeated passages (documents only: two reads instead
    /// of five).
    #[arg(long)]
    pub no_passages: bool,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub run: RunArgs,
    /// Report format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DedupArgs {
    /// JSON Lines files (.jsonl, optionally .gz or .zst), directories of text
    /// files, or - for standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub paths: Vec<PathBuf>,
    /// Where the kept records go, as JSON Lines (.gz or .zst compress), or -
    /// for standard output. Written to a temporary file beside OUT and renamed
    /// into place only when complete; never one of the inputs.
    #[arg(
        long,
        short = 'o',
        value_name = "OUT",
        required_unless_present = "dry_run"
    )]
    pub output: Option<PathBuf>,
    /// Which document of each group is kept: the first in input order, or
    /// the one with the longest text (among equals, the first).
    #[arg(long, value_enum, default_value_t = Keep::First)]
    pub keep: Keep,
    /// Log one JSON line per removed record (id, duplicate_of, jaccard,
    /// reason exact|near) and per record cut by --passages/--boilerplate
    /// (byte ranges), in input order; - for standard output.
    #[arg(long, value_name = "FILE")]
    pub removed: Option<PathBuf>,
    /// Also cut, inside each kept document, the second and later copies of
    /// passages repeated within it: exact repeats of whole sentences or
    /// lines, and edited copies of a paragraph at --threshold similarity.
    #[arg(long)]
    pub passages: bool,
    /// Shortest passage cut by --passages, in words (in characters with
    /// --char-ngrams) [default: 8 words, 16 characters].
    #[arg(long, value_name = "N", requires = "passages")]
    pub min_words: Option<usize>,
    /// Cut lines that occur in N or more kept documents (site boilerplate).
    #[arg(long, value_name = "N")]
    pub boilerplate: Option<usize>,
    /// Decide everything and report it, but write no OUT (the --removed log
    /// is still written: it lists what would be removed and cut).
    #[arg(long)]
    pub dry_run: bool,
    /// Summary format; the summary goes to standard output, or to standard
    /// error when OUT or the log is standard output.
    #[arg(long, short = 'f', value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
    #[command(flatten)]
    pub detect: DetectArgs,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Formats of a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryFormat {
    /// For people.
    Text,
    /// One JSON document.
    Json,
}

impl InputArgs {
    pub fn config(&self) -> InputConfig {
        InputConfig {
            text_field: self.text_field.clone(),
            id_field: self.id_field.clone(),
            source_field: self.source_field.clone(),
            format: self.input_format,
            skip_invalid: self.skip_invalid,
            ..InputConfig::default()
        }
    }
}

impl PassageArgs {
    /// The passage options for `tokens`; with characters, paragraphs are
    /// shingled into `char_ngrams` characters.
    pub fn config(&self, tokens: TokenKind, char_ngrams: Option<usize>) -> PassageConfig {
        let mut cfg = PassageConfig::for_tokens(tokens);
        if let Some(n) = self.min_words {
            cfg.min_words = n;
        }
        if let (TokenKind::Chars, Some(n)) = (tokens, char_ngrams) {
            cfg.shingle = n;
        }
        cfg.passage_threshold = self.passage_threshold;
        cfg.boilerplate_docs = self.boilerplate_docs;
        cfg.hide_boilerplate = self.hide_boilerplate;
        cfg
    }
}

impl PassagesArgs {
    pub fn config(&self) -> ScanConfig {
        let tokens = match self.char_ngrams {
            Some(_) => TokenKind::Chars,
            None => TokenKind::Words,
        };
        ScanConfig {
            threads: self.run.threads,
            input: self.input.config(),
            passages: self.passages.config(tokens, self.char_ngrams),
            ..ScanConfig::default()
        }
    }
}

impl ScanArgs {
    pub fn config(&self) -> ScanConfig {
        let mut cfg = self.detect.config(&self.input, &self.run);
        cfg.passages = self
            .passages
            .config(cfg.shingle.kind, self.detect.char_ngrams);
        cfg.passages.enabled = !self.no_passages;
        cfg
    }
}

impl DetectArgs {
    pub fn config(&self, input: &InputArgs, run: &RunArgs) -> ScanConfig {
        let shingle = match self.char_ngrams {
            Some(n) => ShingleConfig {
                kind: TokenKind::Chars,
                size: n,
            },
            None => ShingleConfig {
                kind: TokenKind::Words,
                size: self.shingle,
            },
        };
        ScanConfig {
            shingle,
            perms: self.perms,
            threshold: self.threshold,
            bands: self.bands,
            rows: self.rows,
            verify: self.verify,
            threads: run.threads,
            input: input.config(),
            ..ScanConfig::default()
        }
    }
}
