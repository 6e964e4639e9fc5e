//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use nearcopy::config::{PassageConfig, ScanConfig, ShingleConfig, Verify};
use nearcopy::dedup::{DedupConfig, IndexUse, Keep};
use nearcopy::input::{Format as InputFormat, InputConfig};
use nearcopy::report::Format;
use nearcopy::similarity::{Grouping, Rank, SimilarityConfig};
use nearcopy::sketch::Sketch;
use nearcopy::text::TokenKind;

/// Find near-duplicate documents and repeated passages, with exact byte ranges.
#[derive(Debug, Parser)]
#[command(
    name = "nearcopy",
    version,
    about,
    long_about = None,
    after_help = "Exit status: 0 when the run succeeded, whether or not it found anything \
                  (the findings are the report; dedup's output is written either way); \
                  1 on an error, with the file, line and cause; 2 on bad usage; \
                  130, 143 or 129 when stopped by SIGINT, SIGTERM or SIGHUP."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find near-duplicate documents in files, directories or JSON Lines,
    /// and repeated passages.
    Scan(ScanArgs),
    /// Score how much documents or sources share, in both directions
    /// (Jaccard and containment), with a heatmap and side-by-side views.
    Similarity(SimilarityArgs),
    /// Write a synthetic corpus with planted near-duplicates and passages,
    /// and its truth.
    Synth(SynthArgs),
    /// Score a scan (or exact) result against known truth: pair precision,
    /// recall and F1, recall by Jaccard, cluster ARI, passages.
    Eval(EvalArgs),
    /// The exact all-pairs Jaccard join (no sampling): every pair at or above
    /// the threshold, for corpora up to about 100,000 documents.
    Exact(ExactArgs),
    /// Find passages repeated within and across documents, with the byte
    /// range and lines of every copy.
    Passages(PassagesArgs),
    /// Keep one document of each near-duplicate group and write the kept
    /// records, byte for byte, as JSON Lines.
    Dedup(DedupArgs),
    /// A persistent index of kept documents, for deduplicating crawl after
    /// crawl: `index add`, `index stats`, `index verify`; used by
    /// `dedup --index` and `scan --index`.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Print a shell completion script (e.g. `nearcopy completions bash >
    /// /etc/bash_completion.d/nearcopy`).
    Completions(CompletionsArgs),
    /// Print the manual page, in roff (e.g. `nearcopy man | man -l -`).
    Man(ManArgs),
}

impl Command {
    /// Whether the run holds only documents, their signatures and their
    /// pairs: no passage search, whose steps each free hundreds of
    /// megabytes (the repeat filter, sorted chunks) just before the next
    /// allocates as much. It decides what happens to freed memory
    /// (`main.rs`).
    pub fn document_level(&self) -> bool {
        match self {
            Command::Scan(a) => a.no_passages,
            Command::Dedup(a) => !a.passages && a.boilerplate.is_none(),
            Command::Index(IndexCommand::Add(_)) => true,
            _ => false,
        }
    }
}

/// The subcommands of `nearcopy index`.
#[derive(Debug, Clone, Subcommand)]
pub enum IndexCommand {
    /// Add every document of the inputs to the index IDX (a directory,
    /// created if needed), in one transaction: a run that stops (error,
    /// Ctrl-C, kill -9) adds nothing. The detection options (--threshold,
    /// --char-ngrams, --shingle, --sketch, --perms, --bands, --rows) are
    /// stored with the first documents; later runs must use the same ones.
    Add(IndexAddArgs),
    /// Print the index's document count, options and size.
    Stats(IndexStatsArgs),
    /// Check every entry's checksum, the counts, the lookups and the
    /// store's pages; exit 1 on any damage.
    Verify(IndexStatsArgs),
}

/// Arguments of `nearcopy index add`.
#[derive(Debug, Clone, Args)]
pub struct IndexAddArgs {
    /// The index directory.
    #[arg(value_name = "IDX")]
    pub index: PathBuf,
    /// JSON Lines files (.jsonl, optionally .gz or .zst), Parquet files,
    /// directories of text files, or - for standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub paths: Vec<PathBuf>,
    /// Summary format.
    #[arg(long, short = 'f', value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
    #[command(flatten)]
    pub detect: DetectArgs,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Arguments of `nearcopy index stats` and `nearcopy index verify`.
#[derive(Debug, Clone, Args)]
pub struct IndexStatsArgs {
    /// The index directory.
    #[arg(value_name = "IDX")]
    pub index: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

/// Arguments of `nearcopy completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `nearcopy man`.
#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// The page of one command (`nearcopy man scan`) instead of the
    /// overview.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// `--sketch` (the library's [`Sketch`] without a CLI dependency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SketchArg {
    /// One-permutation hashing with densification.
    Oph,
    /// Classic MinHash.
    Minhash,
    /// C-MinHash.
    Cminhash,
}

impl From<SketchArg> for Sketch {
    fn from(s: SketchArg) -> Sketch {
        match s {
            SketchArg::Oph => Sketch::Oph,
            SketchArg::Minhash => Sketch::MinHash,
            SketchArg::Cminhash => Sketch::CMinHash,
        }
    }
}

/// `--format` of reports (the library's [`Format`] without a CLI dependency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// A readable report for people.
    Text,
    /// One JSON document (the stable contract).
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header.
    Csv,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Csv => Format::Csv,
        }
    }
}

/// `--input-format` (the library's [`InputFormat`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormatArg {
    /// By file name: Parquet (`.parquet`, `.pq`), JSON Lines (`.jsonl`, `.ndjson`, optionally `.gz`/`.zst`; `.json` whose first line is a JSON object), text otherwise.
    Auto,
    /// Every file is one document.
    Text,
    /// Every file is JSON Lines, one document per line.
    Jsonl,
    /// Every file is Parquet, one document per row.
    Parquet,
}

impl From<InputFormatArg> for InputFormat {
    fn from(f: InputFormatArg) -> InputFormat {
        match f {
            InputFormatArg::Auto => InputFormat::Auto,
            InputFormatArg::Text => InputFormat::Text,
            InputFormatArg::Jsonl => InputFormat::Jsonl,
            InputFormatArg::Parquet => InputFormat::Parquet,
        }
    }
}

/// `--verify` (the library's [`Verify`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyArg {
    /// Exact Jaccard on the shingle sets (a second read of the input for the
    /// candidate documents only).
    Exact,
    /// The MinHash estimate alone: one read, about 1 KiB of memory per document.
    Estimate,
}

impl From<VerifyArg> for Verify {
    fn from(v: VerifyArg) -> Verify {
        match v {
            VerifyArg::Exact => Verify::Exact,
            VerifyArg::Estimate => Verify::Estimate,
        }
    }
}

/// `--keep` of dedup (the library's [`Keep`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeepArg {
    /// The first in input order (default): what a crawler saw first.
    First,
    /// The one with the longest text (in bytes); among equals, the first in
    /// input order.
    Longest,
}

impl From<KeepArg> for Keep {
    fn from(k: KeepArg) -> Keep {
        match k {
            KeepArg::First => Keep::First,
            KeepArg::Longest => Keep::Longest,
        }
    }
}

/// `--rank` of similarity (the library's [`Rank`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RankArg {
    /// Jaccard similarity.
    Jaccard,
    /// The larger of the two containments: a short source copied whole into
    /// a long one ranks first.
    Containment,
}

impl From<RankArg> for Rank {
    fn from(r: RankArg) -> Rank {
        match r {
            RankArg::Jaccard => Rank::Jaccard,
            RankArg::Containment => Rank::Containment,
        }
    }
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
    /// The sketch that signs documents: one-permutation hashing (one hash
    /// per shingle, bins filled by densification), classic MinHash (one
    /// hash function per value), or C-MinHash (circulant shifts of one
    /// permutation). All estimate Jaccard similarity the same way.
    #[arg(long, value_enum, default_value_t = SketchArg::Oph)]
    pub sketch: SketchArg,
    /// Values per signature (MinHash permutations or one-permutation bins).
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
    #[arg(long, value_enum, default_value_t = VerifyArg::Exact)]
    pub verify: VerifyArg,
}

/// Flags that choose how input is read.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// JSONL field (or Parquet column) holding the text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,
    /// JSONL field (or Parquet column) holding the document id (else
    /// FILE:LINE, FILE:ROW for Parquet).
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,
    /// JSONL field (or Parquet column) naming the document's source (else
    /// the file name).
    #[arg(long, default_value = "source", value_name = "NAME")]
    pub source_field: String,
    /// How files are read: by name (.jsonl, .ndjson, optionally .gz/.zst, are
    /// JSON Lines; .parquet and .pq are Parquet), or force one way for all.
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto)]
    pub input_format: InputFormatArg,
    /// Skip records that cannot be used (invalid UTF-8 or JSON, missing text
    /// field) and count them, instead of stopping at the first.
    #[arg(long)]
    pub skip_invalid: bool,
}

/// Flags of every long-running command.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Worker threads (default: one per core; at most four per core).
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N", value_parser = threads)]
    pub threads: usize,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Flags of the commands that run on a cluster (`scan`, `dedup`).
#[derive(Debug, Clone, Args)]
pub struct ClusterArgs {
    /// Run as one process of a cluster: FILE lists one host:port per line,
    /// one line per process, process 0 first. Start every process with the
    /// same arguments and input paths, each with its own --process; the
    /// result is the same as on one machine.
    #[arg(
        long,
        value_name = "FILE",
        requires = "process",
        help_heading = "Cluster"
    )]
    pub hosts: Option<PathBuf>,
    /// This process's line of the --hosts file, from 0. Process 0 writes the
    /// report or the output; the others write nothing and exit 0 when the
    /// run succeeds.
    #[arg(long, value_name = "I", requires = "hosts", help_heading = "Cluster")]
    pub process: Option<usize>,
    /// Try a cluster on this machine: start N processes on loopback ports
    /// (this one is process 0, the others its children).
    #[arg(
        long,
        value_name = "N",
        conflicts_with_all = ["hosts", "process"],
        value_parser = clap::value_parser!(u16).range(1..=256),
        help_heading = "Cluster"
    )]
    pub local_processes: Option<u16>,
    /// Seconds to wait for every process of the cluster to connect.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 30,
        help_heading = "Cluster"
    )]
    pub connect_timeout: u64,
}

impl ClusterArgs {
    /// Whether this run is one process of a cluster.
    pub fn is_cluster(&self) -> bool {
        self.hosts.is_some() || self.local_processes.is_some()
    }
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
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output (a file atomically;
    /// `-`, a device or a FIFO directly; never over an input).
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
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output (a file atomically;
    /// `-`, a device or a FIFO directly; never over an input).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also report, for each document, the earliest document of the
    /// persistent index IDX that it duplicates (read-only).
    #[arg(long, value_name = "IDX")]
    pub index: Option<PathBuf>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct SimilarityArgs {
    /// Files, directories (read recursively) or - for standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// What a source is: each document (doc), each directory (dir: the files
    /// of one sub-directory), or each value of a JSON Lines field
    /// (field:NAME, e.g. field:site). A source's shingles are the union of
    /// its documents'.
    #[arg(long, default_value = "doc", value_name = "doc|dir|field:NAME")]
    pub by: Grouping,
    /// Words per shingle; several sizes, separated by commas, are computed
    /// side by side (1 shows shared vocabulary, 5 and more copied text).
    #[arg(long, value_delimiter = ',', default_value = "5", value_name = "K,…")]
    pub shingle: Vec<usize>,
    /// Use shingles of N characters instead of words (sizes separated by
    /// commas).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "N,…",
        conflicts_with = "shingle"
    )]
    pub char_ngrams: Option<Vec<usize>>,
    /// MinHash estimates instead of exact counts: one signature per source
    /// and shingle size in memory, for very large sources.
    #[arg(long)]
    pub estimate: bool,
    /// MinHash permutations with --estimate.
    #[arg(long, default_value_t = 128, value_name = "K")]
    pub perms: usize,
    /// Keep only the K most similar partners of each source, without
    /// comparing every pair (the default above 3000 sources, with K = 10).
    #[arg(long, value_name = "K")]
    pub top: Option<usize>,
    /// Up to N sources every pair is compared; beyond, --top 10 applies
    /// unless --top is given.
    #[arg(long, default_value_t = 3000, value_name = "N")]
    pub all_pairs_limit: usize,
    /// With --top: shingles held by more than N sources do not propose
    /// candidate pairs (their counts stay exact for the pairs proposed);
    /// with --estimate, LSH buckets of more than N sources propose none.
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub max_df: usize,
    /// A shingle found in at least N other documents counts as boilerplate
    /// in the per-source figures.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub boilerplate: usize,
    /// What "most similar" means for --top, the ranked list and the views.
    #[arg(long, value_enum, default_value_t = RankArg::Jaccard)]
    pub rank: RankArg,
    /// Report format (json follows the contract in DESIGN.md; csv and jsonl
    /// hold one pair per line).
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output (a file atomically;
    /// `-`, a device or a FIFO directly; never over an input).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a heatmap of the containment matrix as SVG.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Also write an HTML report: heatmaps, and for a clicked pair the
    /// shared passages highlighted side by side. One file, no network.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Pairs given a side-by-side view in the HTML report (the most similar
    /// ones; every pair when there are few sources).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub views: usize,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct DedupArgs {
    /// JSON Lines files (.jsonl, optionally .gz or .zst), Parquet files,
    /// directories of text files, or - for standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub paths: Vec<PathBuf>,
    /// Where the kept records go, as JSON Lines (.gz or .zst compress), as
    /// Parquet with the inputs' schema when it ends in .parquet (Parquet
    /// inputs only), or - for standard output. Written to a temporary file beside OUT and renamed
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
    #[arg(long, value_enum, default_value_t = KeepArg::First)]
    pub keep: KeepArg,
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
    /// Also drop records that are near-duplicates of a document in the
    /// persistent index IDX (made by `nearcopy index add` or an earlier
    /// `dedup --index`), and add the kept records to it: the index changes
    /// only if OUT is written, and together with it.
    #[arg(long, value_name = "IDX")]
    pub index: Option<PathBuf>,
    /// With --index: only check against the index, do not add to it.
    #[arg(long, requires = "index")]
    pub no_update: bool,
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
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

impl DedupArgs {
    pub fn config(&self) -> DedupConfig {
        let mut scan = self.detect.config(&self.input, &self.run);
        let mut passages = PassageConfig::for_tokens(scan.shingle.kind);
        if let Some(n) = self.min_words {
            passages.min_words = n;
        }
        if let Some(n) = self.detect.char_ngrams {
            passages.shingle = n;
        }
        // Repeats inside each kept document are found one document at a
        // time; the scan itself does not look for passages.
        passages.enabled = false;
        scan.passages = passages;
        DedupConfig {
            scan,
            keep: self.keep.into(),
            passages: self.passages,
            boilerplate: self.boilerplate,
            index: self.index.as_ref().map(|path| IndexUse {
                path: path.clone(),
                update: !self.no_update,
            }),
        }
    }
}

impl SimilarityArgs {
    pub fn config(&self) -> SimilarityConfig {
        let (kind, sizes) = match &self.char_ngrams {
            Some(n) => (TokenKind::Chars, n.clone()),
            None => (TokenKind::Words, self.shingle.clone()),
        };
        SimilarityConfig {
            grouping: self.by.clone(),
            kind,
            sizes,
            estimate: self.estimate,
            perms: self.perms,
            top: self.top,
            all_pairs_limit: self.all_pairs_limit,
            max_df: self.max_df,
            boilerplate: self.boilerplate,
            rank: self.rank.into(),
            views: if self.html.is_some() { self.views } else { 0 },
            threads: self.run.threads,
            input: self.input.config(),
            ..SimilarityConfig::default()
        }
    }
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
            format: self.input_format.into(),
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
            sketch: self.sketch.into(),
            perms: self.perms,
            threshold: self.threshold,
            bands: self.bands,
            rows: self.rows,
            verify: self.verify.into(),
            threads: run.threads,
            input: input.config(),
            ..ScanConfig::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Number of documents.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub docs: usize,
    /// Seed: the same seed and options give the same bytes.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    /// The corpus to write, JSON Lines (compressed if it ends in .gz or .zst).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    /// Also write the truth (planted pairs with their exact Jaccard, passages
    /// with their byte ranges) to FILE.
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,
    /// Number of sites (sources), each with its own boilerplate lines.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub sites: usize,
    /// Mean words per document body (about 6.5 bytes each).
    #[arg(long, default_value_t = 700, value_name = "N")]
    pub words: usize,
    /// Size of the generated vocabulary.
    #[arg(long, default_value_t = 30_000, value_name = "N")]
    pub vocabulary: usize,
    /// Share of documents that are near-duplicates of an earlier one.
    #[arg(long, default_value_t = 0.15, value_name = "SHARE")]
    pub near: f64,
    /// Share of documents that are exact or reformatted copies.
    #[arg(long, default_value_t = 0.04, value_name = "SHARE")]
    pub exact: f64,
    /// Share of documents printing a block of paragraphs (or the headline) twice.
    #[arg(long, default_value_t = 0.05, value_name = "SHARE")]
    pub doubled: f64,
    /// Share of documents that received paragraphs copied from another.
    #[arg(long, default_value_t = 0.05, value_name = "SHARE")]
    pub passages: f64,
    /// Lowest target Jaccard of a near-duplicate (targets are uniform up to 1).
    #[arg(long, default_value_t = 0.3, value_name = "J")]
    pub min_jaccard: f64,
    /// Words per shingle of the Jaccard figures in the truth.
    #[arg(long, default_value_t = 5, value_name = "K")]
    pub shingle: usize,
    #[command(flatten)]
    pub run: RunArgs,
    /// Format of the summary printed at the end.
    #[arg(long, short = 'f', value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

/// A report for people or for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextOrJson {
    /// Readable text.
    Text,
    /// JSON.
    Json,
}

impl TextOrJson {
    pub fn format(self) -> Format {
        match self {
            TextOrJson::Text => Format::Text,
            TextOrJson::Json => Format::Json,
        }
    }
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The truth: a `nearcopy synth` truth file, `nearcopy exact` JSON, or a
    /// TSV file with columns a, b, jaccard.
    #[arg(long, value_name = "FILE")]
    pub truth: PathBuf,
    /// The result to score: `nearcopy scan --format json` (or `exact`) output.
    #[arg(value_name = "RESULT")]
    pub result: PathBuf,
    /// Jaccard threshold (default: the result's params.threshold).
    #[arg(long, value_name = "J")]
    pub threshold: Option<f64>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Report format.
    #[arg(long, short = 'f', value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
    /// Write the report to FILE instead of standard output (a file atomically;
    /// `-`, a device or a FIFO directly; never over an input).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExactArgs {
    /// Files, directories (read recursively) or - for standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Jaccard similarity at which a pair is reported.
    #[arg(long, default_value_t = 0.8, value_name = "J")]
    pub threshold: f64,
    /// Words per shingle.
    #[arg(long, default_value_t = 5, value_name = "K")]
    pub shingle: usize,
    /// Use shingles of N characters instead of words.
    #[arg(long, value_name = "N", conflicts_with = "shingle")]
    pub char_ngrams: Option<usize>,
    /// Stop with an error when more than N pairs reach the threshold
    /// (pairs are held in memory, and n copies of a text make n(n-1)/2)
    #[arg(long, value_name = "N", default_value_t = nearcopy::exact::MAX_PAIRS)]
    pub max_pairs: u64,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub run: RunArgs,
    /// Report format.
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output (a file atomically;
    /// `-`, a device or a FIFO directly; never over an input).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl SynthArgs {
    pub fn config(&self) -> nearcopy::synth::SynthConfig {
        nearcopy::synth::SynthConfig {
            docs: self.docs,
            seed: self.seed,
            sites: self.sites,
            vocabulary: self.vocabulary,
            words: self.words,
            near: self.near,
            exact: self.exact,
            doubled: self.doubled,
            passages: self.passages,
            min_jaccard: self.min_jaccard,
            shingle: self.shingle,
            threads: self.run.threads,
        }
    }
}

impl ExactArgs {
    pub fn config(&self) -> nearcopy::exact::ExactConfig {
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
        nearcopy::exact::ExactConfig {
            shingle,
            threshold: self.threshold,
            threads: self.run.threads,
            input: self.input.config(),
            max_pairs: self.max_pairs,
        }
    }
}

/// `--threads N`, capped at [`nearcopy::config::max_threads`] with a warning:
/// more threads than that only cost memory and start-up time.
fn threads(s: &str) -> Result<usize, String> {
    let n: usize = s
        .parse()
        .map_err(|_| format!("expected a number of threads (0 for one per core), got '{s}'"))?;
    let max = nearcopy::config::max_threads();
    if n > max {
        eprintln!(
            "nearcopy: warning: --threads {n} is more than this machine can use; using {max} (four per core)"
        );
        return Ok(max);
    }
    Ok(n)
}
