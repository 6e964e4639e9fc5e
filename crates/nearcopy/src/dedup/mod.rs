//! Deduplicating a corpus: the library behind `nearcopy dedup`.
//!
//! A crawl goes in, a clean corpus comes out, and nothing that should stay
//! is lost:
//!
//! 1. **Scan** ([`scan::scan_inputs`]): near-duplicate groups, exactly
//!    as `nearcopy scan` finds them.
//! 2. **Plan**: one document of each group is kept ([`Keep`]); every other
//!    member is removed, with the Jaccard to the document it duplicates.
//!    Union-find groups are transitive, so a member can be joined to its
//!    keeper only through others (A ~ B ~ C); its Jaccard to the keeper is
//!    then measured exactly by one more read of those documents only. With
//!    `boilerplate`, one more read counts in how many *kept* documents each
//!    line occurs (removed copies do not count, or a page copied N times
//!    would lose its own body as "boilerplate").
//! 3. **Write**: a last read copies the kept records in input order. A JSON
//!    Lines record is written byte for byte as it was read, all fields and
//!    its line ending included ([`Inputs::read_raw`]); only when passages or
//!    boilerplate lines are cut from it is its text field rewritten, in
//!    place: the bytes of the old JSON string value are replaced by the new
//!    one and every other byte of the line stays as it was (key order,
//!    spacing, number formatting, other fields). A text file read from a
//!    directory becomes the line `{"id", "source", "text"}`.
//!
//! Memory holds the signatures and band keys of the scan, one small entry
//! per document, and the line counts of `boilerplate`; never the text of
//! more than a few batches.
//!
//! **Nothing lost.** Outputs go to temporary files beside their targets and
//! replace them only once everything is written ([`AtomicFile`]); an error or
//! an interrupt ([`Progress::cancelled`], checked between batches) removes
//! them. An output that is one of the inputs is refused before anything is
//! read.
//!
//! **Deterministic.** Keepers are chosen by input position and length only,
//! records are written in input order and cuts are computed per document, so
//! the output is the same at any thread count.

#[cfg(feature = "parquet")]
mod parquet;
#[cfg(not(feature = "parquet"))]
#[path = "parquet_off.rs"]
mod parquet;

use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ahash::AHashMap;
use rayon::prelude::*;
use serde::Serialize;

use crate::config::{PassageConfig, ScanConfig};
use crate::error::{Error, Result};
use crate::figures::round6;
use crate::input::{Corpus, FileKind, Inputs, RawRecord, Skipped};
use crate::output::AtomicFile;
use crate::passages::{Match, RepeatFinder};
use crate::progress::Progress;
use crate::scan::{self, DocInfo, Scan, ScanParams};
use crate::text::{self, LineIndex, Token, TokenKind};

/// Which document of a near-duplicate group is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Keep {
    /// The first in input order (default): what a crawler saw first.
    #[default]
    First,
    /// The one with the longest text (in bytes); among equals, the first in
    /// input order.
    Longest,
}

/// Options of a deduplication.
#[derive(Debug, Clone)]
pub struct DedupConfig {
    /// Near-duplicate detection, input and threads, as for `scan`.
    pub scan: ScanConfig,
    /// Which member of a group is kept.
    pub keep: Keep,
    /// Inside each kept document, cut the second and later copies of
    /// passages repeated within it ([`crate::passages::within_document`]
    /// with `scan.passages`: exact repeats of at least `min_words` tokens,
    /// and edited copies of a paragraph whose similarity reaches
    /// `scan.threshold`).
    pub passages: bool,
    /// Cut lines that occur in at least this many kept documents.
    pub boilerplate: Option<usize>,
}

impl Default for DedupConfig {
    fn default() -> DedupConfig {
        DedupConfig {
            scan: ScanConfig::default(),
            keep: Keep::First,
            passages: false,
            boilerplate: None,
        }
    }
}

impl DedupConfig {
    /// The passage options `--passages` uses: `scan.passages`, with edited
    /// copies cut only at the document threshold. A looser threshold suits
    /// reporting; removing text asks for the stricter one.
    pub fn passage_config(&self) -> PassageConfig {
        let mut p = self.scan.passages.clone();
        p.passage_threshold = p.passage_threshold.max(self.scan.threshold);
        p
    }

    /// Checks every value, with a message that says what to change.
    pub fn validate(&self) -> Result<()> {
        self.scan.validate()?;
        if let Some(n) = self.boilerplate {
            if n < 2 {
                return Err(Error::Config(format!(
                    "--boilerplate must be at least 2 documents, got {n}"
                )));
            }
        }
        Ok(())
    }
}

/// Where an output goes.
pub enum Target<'a> {
    /// Nowhere (`--dry-run` for the kept records; no `--removed` for the log).
    Nowhere,
    /// A file, written atomically and compressed by its extension
    /// ([`AtomicFile`]).
    File(PathBuf),
    /// A stream (standard output); it cannot be taken back on an error.
    Writer(&'a mut (dyn Write + Send)),
}

impl Target<'_> {
    fn path(&self) -> Option<&Path> {
        match self {
            Target::File(p) => Some(p),
            _ => None,
        }
    }
}

/// The outputs of a deduplication.
pub struct Targets<'a> {
    /// The kept records (JSON Lines).
    pub kept: Target<'a>,
    /// The log: one JSON line per removed record and per record cut.
    pub log: Target<'a>,
}

/// The parameters of a run, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct DedupParams {
    /// Detection parameters, as in `scan`.
    #[serde(flatten)]
    pub scan: ScanParams,
    /// Which member of a group is kept.
    pub keep: Keep,
    /// Whether repeated passages are cut (`--passages`).
    pub cut_passages: bool,
    /// Shortest exact repeat cut, in tokens (when `passages`).
    pub min_words: Option<usize>,
    /// Similarity from which an edited paragraph is cut (when `passages`).
    pub passage_threshold: Option<f64>,
    /// Lines in at least this many kept documents are cut.
    pub boilerplate: Option<usize>,
    /// Nothing was written.
    pub dry_run: bool,
}

/// Counts of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DedupSummary {
    /// Records read (documents; records skipped with `--skip-invalid` are
    /// counted under `skipped`).
    pub records: u64,
    /// Records kept (written).
    pub kept: u64,
    /// Records removed because their normalised text equals the kept one's.
    pub removed_exact: u64,
    /// Records removed as near-duplicates of the kept one.
    pub removed_near: u64,
    /// Near-duplicate groups.
    pub groups: u64,
    /// Kept records whose text was cut (passages or boilerplate).
    pub records_edited: u64,
    /// Repeated passage copies cut.
    pub passages_cut: u64,
    /// Bytes of text cut as repeated passages.
    pub passage_bytes_cut: u64,
    /// Boilerplate lines cut.
    pub boilerplate_lines_cut: u64,
    /// Bytes of text cut as boilerplate.
    pub boilerplate_bytes_cut: u64,
    /// Input bytes read (after decompression).
    pub bytes_in: u64,
    /// Bytes of kept records written (before compression); with a dry run,
    /// what would have been written.
    pub bytes_out: u64,
    /// Lines written to the log.
    pub log_lines: u64,
}

/// Wall-clock seconds per step; the only part of the report that may differ
/// between two runs of the same input.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DedupTimings {
    /// Finding the groups (both reads of the scan).
    pub scan: f64,
    /// Choosing keepers, measuring chained members, counting lines.
    pub plan: f64,
    /// Copying the kept records.
    pub write: f64,
    /// Everything.
    pub total: f64,
    /// Input megabytes (10^6 bytes) per second over the whole run.
    pub mb_per_s: f64,
}

/// The report of a deduplication.
#[derive(Debug, Clone, Serialize)]
pub struct Dedup {
    /// Parameters.
    pub params: DedupParams,
    /// Counts.
    pub summary: DedupSummary,
    /// What was skipped while reading.
    pub skipped: Skipped,
    /// Step timings.
    pub timings: DedupTimings,
}

/// Why a record was removed, relative to the record kept in its place.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Removal {
    keeper: u32,
    jaccard: f64,
    exact: bool,
}

/// Deduplicates `corpus` (paths, or texts in memory) into `targets`. See
/// the module documentation.
pub fn dedup<'a>(
    corpus: impl Into<Corpus<'a>>,
    cfg: &DedupConfig,
    targets: Targets<'_>,
    progress: &dyn Progress,
) -> Result<Dedup> {
    let corpus = corpus.into();
    cfg.validate()?;
    // Outputs that cannot be created, or that are inputs, are reported now,
    // not after the scan.
    crate::output::check(&[targets.kept.path(), targets.log.path()], corpus.paths())?;
    let pool = cfg.scan.pool()?;
    pool.install(|| {
        let inputs = corpus.open(&cfg.scan.input)?;
        let result = run(&inputs, cfg, targets, progress);
        progress.finish();
        result
    })
}

fn run(
    inputs: &Inputs,
    cfg: &DedupConfig,
    targets: Targets<'_>,
    progress: &dyn Progress,
) -> Result<Dedup> {
    let start = Instant::now();
    // Parquet output keeps the inputs' schema: refused now, not after the
    // scan, when the inputs cannot give it one.
    let parquet_schema = match &targets.kept {
        Target::File(p) if crate::input::is_parquet_name(p) => Some(parquet::check(inputs, p)?),
        _ => None,
    };
    // Passages are looked for inside each kept document, in the write pass;
    // the corpus-wide search of `scan` would only cost three more reads.
    let mut scan_cfg = cfg.scan.clone();
    scan_cfg.passages.enabled = false;
    let scan = scan::scan_inputs(inputs, &scan_cfg, progress)?;
    let t_scan = start.elapsed().as_secs_f64();

    let t = Instant::now();
    let removals = plan(inputs, cfg, &scan, progress)?;
    let boilerplate = match cfg.boilerplate {
        Some(n) => Some(count_lines(inputs, cfg, &scan, &removals, n, progress)?),
        None => None,
    };
    let t_plan = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let dry_run = matches!(targets.kept, Target::Nowhere);
    let mut summary = DedupSummary {
        records: scan.documents.len() as u64,
        groups: scan.clusters.len() as u64,
        ..DedupSummary::default()
    };
    for r in removals.iter().flatten() {
        if r.exact {
            summary.removed_exact += 1;
        } else {
            summary.removed_near += 1;
        }
    }
    summary.kept = summary.records - summary.removed_exact - summary.removed_near;
    let passages = cfg.passage_config();
    let finder = cfg.passages.then(|| RepeatFinder::new(&passages));
    let cutter = Cutter {
        passages: finder.as_ref(),
        min_words: passages.min_words,
        passage_threshold: passages.passage_threshold,
        kind: cfg.scan.shingle.kind,
        boilerplate: boilerplate.as_ref(),
    };
    write(
        inputs,
        cfg,
        &scan,
        &removals,
        &cutter,
        targets,
        &mut summary,
        parquet_schema,
        progress,
    )?;
    let t_write = t.elapsed().as_secs_f64();
    let total = start.elapsed().as_secs_f64();
    Ok(Dedup {
        params: DedupParams {
            scan: scan.params.clone(),
            keep: cfg.keep,
            cut_passages: cfg.passages,
            min_words: cfg.passages.then_some(passages.min_words),
            passage_threshold: cfg.passages.then_some(passages.passage_threshold),
            boilerplate: cfg.boilerplate,
            dry_run,
        },
        timings: DedupTimings {
            scan: round6(t_scan),
            plan: round6(t_plan),
            write: round6(t_write),
            total: round6(total),
            mb_per_s: round6(summary.bytes_in as f64 / 1e6 / total.max(1e-9)),
        },
        summary,
        skipped: scan.skipped,
    })
}

/// The document kept from `members` (document numbers in input order).
fn keeper(members: &[u32], documents: &[DocInfo], keep: Keep) -> u32 {
    match keep {
        Keep::First => members[0],
        // Longest first, then earliest: a total order, so the choice is the
        // same whatever order the members were found in.
        Keep::Longest => *members
            .iter()
            .max_by_key(|&&m| (documents[m as usize].bytes, std::cmp::Reverse(m)))
            .unwrap_or(&members[0]),
    }
}

/// For every document, why it is removed (`None`: kept).
fn plan(
    inputs: &Inputs,
    cfg: &DedupConfig,
    scan: &Scan,
    progress: &dyn Progress,
) -> Result<Vec<Option<Removal>>> {
    let docs = &scan.documents;
    let root = |d: u32| docs[d as usize].same_as.unwrap_or(d);
    let mut removals: Vec<Option<Removal>> = vec![None; docs.len()];
    let mut unmeasured: Vec<(u32, u32)> = Vec::new();
    for cluster in &scan.clusters {
        let k = keeper(&cluster.member_indices, docs, cfg.keep);
        let mut to_keeper: AHashMap<u32, f64> = AHashMap::new();
        for p in &cluster.pairs {
            let (a, b) = p.indices();
            if a == k {
                to_keeper.insert(b, p.jaccard);
            } else if b == k {
                to_keeper.insert(a, p.jaccard);
            }
        }
        for &m in &cluster.member_indices {
            if m == k {
                continue;
            }
            let exact = root(m) == root(k);
            let jaccard = if exact {
                1.0
            } else if let Some(&j) = to_keeper.get(&m) {
                j
            } else {
                unmeasured.push((m.min(k), m.max(k)));
                f64::NAN
            };
            removals[m as usize] = Some(Removal {
                keeper: k,
                jaccard,
                exact,
            });
        }
    }
    if !unmeasured.is_empty() {
        unmeasured.sort_unstable();
        progress.stage("measuring", None);
        let measured = scan::pair_jaccards(inputs, &cfg.scan, &unmeasured, docs, progress)?;
        for (&(a, b), j) in unmeasured.iter().zip(measured) {
            for d in [a, b] {
                if let Some(r) = removals[d as usize].as_mut() {
                    if r.jaccard.is_nan() && (r.keeper == a || r.keeper == b) {
                        r.jaccard = round6(j);
                    }
                }
            }
        }
    }
    Ok(removals)
}

/// The key of a line for boilerplate counting: its bytes without leading
/// and trailing white space. Stable (XXH3) although only used in memory,
/// so that counting and cutting agree by construction.
fn line_key(line: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(line.trim().as_bytes())
}

/// The non-blank lines of `text`: (start, end after the line break or at the
/// end of the text, trimmed content).
fn lines(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < text.len() {
            let start = at;
            let end = match text[start..].find('\n') {
                Some(i) => start + i + 1,
                None => text.len(),
            };
            at = end;
            let content = text[start..end].trim();
            if !content.is_empty() {
                return Some((start, end, content));
            }
        }
        None
    })
}

/// In how many kept documents each line occurs, for the lines that occur in
/// at least `min_docs` of them.
fn count_lines(
    inputs: &Inputs,
    cfg: &DedupConfig,
    scan: &Scan,
    removals: &[Option<Removal>],
    min_docs: usize,
    progress: &dyn Progress,
) -> Result<AHashMap<u64, u32>> {
    progress.stage("counting lines", None);
    let mut counts: AHashMap<u64, u32> = AHashMap::new();
    let mut next = 0usize;
    inputs.read(&cfg.scan.input, |batch, raw_bytes| {
        if progress.cancelled() {
            return Err(Error::Interrupted);
        }
        let first = next;
        next += batch.len();
        if next > removals.len() {
            return Err(changed());
        }
        let keys: Vec<Vec<u64>> = batch
            .into_par_iter()
            .enumerate()
            .filter(|(i, _)| removals[first + i].is_none())
            .map(|(_, doc)| {
                let mut keys: Vec<u64> = lines(&doc.text).map(|(_, _, l)| line_key(l)).collect();
                keys.sort_unstable();
                keys.dedup();
                keys
            })
            .collect();
        for k in keys.into_iter().flatten() {
            let c = counts.entry(k).or_default();
            *c = c.saturating_add(1);
        }
        progress.advance(0, raw_bytes);
        Ok(())
    })?;
    if next != scan.documents.len() {
        return Err(changed());
    }
    counts.retain(|_, c| *c as usize >= min_docs);
    Ok(counts)
}

fn changed() -> Error {
    Error::Changed("dedup".into())
}

/// What was cut from a kept document, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cut {
    /// Byte range `[start, end)` cut from the original text.
    pub start: usize,
    /// End of the range.
    pub end: usize,
    /// 1-based line of the first byte cut.
    pub line_start: usize,
    /// 1-based line of the last byte cut.
    pub line_end: usize,
    /// Why.
    #[serde(flatten)]
    pub why: CutKind,
}

/// Why a range was cut.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CutKind {
    /// A later copy of a passage repeated in the document.
    Passage {
        /// The copy kept: its byte range in the original text.
        copy_of: Span,
        /// 1 for an exact repeat; for an edited paragraph, the Jaccard
        /// similarity of its shingles to the copy kept.
        similarity: f64,
    },
    /// A line found in many kept documents.
    Boilerplate {
        /// In how many kept documents the line occurs.
        documents: u32,
    },
}

/// Where a cut copy's text stays.
#[derive(Debug, Clone, Copy)]
struct Source {
    copy_of: Span,
    similarity: f64,
    edited: bool,
}

/// A byte range of a document's original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// Characters that end a sentence.
const SENTENCE_END: &[char] = &['.', '!', '?', '…', '。', '！', '？'];

/// Words that end with a period without ending a sentence.
const ABBREVIATIONS: &[&str] = &["mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs"];

/// Whether the sentence-ending character `c` at byte `i` ends a sentence.
/// A period does not after an initial or an abbreviation (`U.S.`, `J.`,
/// `e.g.`, `Mr.`), nor when a lowercase letter follows (`approx. three`).
fn ends_at(text: &str, i: usize, c: char) -> bool {
    if c != '.' {
        return true;
    }
    let word_start = text[..i]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphanumeric() || c == '.')
        .last()
        .map_or(i, |(j, _)| j);
    let word = &text[word_start..i];
    if word.chars().count() == 1
        || word.contains('.')
        || ABBREVIATIONS.iter().any(|a| word.eq_ignore_ascii_case(a))
    {
        return false;
    }
    !text[i + 1..]
        .chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(char::is_lowercase)
}

/// How a word boundary separates the text around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Boundary {
    /// A sentence end, a blank line, or the start or end of the text.
    Strong,
    /// A single line break not followed by a lowercase letter or a digit: a
    /// headline, or a line of its own. (After a line break, a word in
    /// lowercase or a number is most likely the rest of a sentence wrapped
    /// at a fixed width: "…in\n1986.")
    Line,
    /// Inside a sentence.
    Weak,
}

/// Whether a line starting with `c` likely continues the line before.
fn continues(c: char) -> bool {
    c.is_lowercase() || c.is_numeric()
}

/// The boundary before the word starting at `at`: what lies between it and
/// the previous letter or digit.
fn boundary_before(text: &str, at: usize) -> Boundary {
    let mut breaks = 0;
    for (i, c) in text[..at].char_indices().rev() {
        if c == '\n' {
            breaks += 1;
        } else if SENTENCE_END.contains(&c) && ends_at(text, i, c) {
            return Boundary::Strong;
        } else if c.is_alphanumeric() {
            break;
        }
    }
    let lower = text[at..].chars().next().is_some_and(continues);
    match breaks {
        0 if at > 0 && text[..at].chars().any(char::is_alphanumeric) => Boundary::Weak,
        0 | 2.. => Boundary::Strong,
        _ if lower => Boundary::Weak,
        _ => Boundary::Line,
    }
}

/// The boundary after the word ending at `at`: what lies between it and the
/// next letter or digit.
fn boundary_after(text: &str, at: usize) -> Boundary {
    let mut breaks = 0;
    for (i, c) in text[at..].char_indices() {
        if c == '\n' {
            breaks += 1;
        } else if SENTENCE_END.contains(&c) && ends_at(text, at + i, c) {
            return Boundary::Strong;
        } else if c.is_alphanumeric() {
            let lower = continues(c);
            return match breaks {
                0 => Boundary::Weak,
                1 if lower => Boundary::Weak,
                1 => Boundary::Line,
                _ => Boundary::Strong,
            };
        }
    }
    Boundary::Strong
}

/// Narrows the span of a copy (word to word) to the whole sentences or
/// lines inside it, or `None` when fewer than `min` tokens of them remain.
///
/// A phrase that happens to recur inside different sentences ("the success
/// of any negotiation process will depend on") is a repeat, but cutting it
/// would break the sentence it sits in; a doubled headline, paragraph or
/// sentence comes out whole. The span may shrink only to sentence ends or
/// blank lines; a single line break counts only at the span's own ends, so
/// that a line of text wrapped at a fixed width is not taken for a unit.
fn whole_sentences(
    text: &str,
    span: Range<usize>,
    kind: TokenKind,
    min: usize,
    tokens: &mut Vec<Token>,
) -> Option<Range<usize>> {
    let base = span.start;
    text::tokenize(&text[span], kind, tokens);
    let n = tokens.len();
    let first = (0..n).find(|&i| match boundary_before(text, base + tokens[i].start) {
        Boundary::Strong => true,
        Boundary::Line => i == 0,
        Boundary::Weak => false,
    })?;
    let last = (first..n)
        .rev()
        .find(|&j| match boundary_after(text, base + tokens[j].end) {
            Boundary::Strong => true,
            Boundary::Line => j == n - 1,
            Boundary::Weak => false,
        })?;
    if last + 1 - first < min {
        return None;
    }
    Some(base + tokens[first].start..base + tokens[last].end)
}

/// Widens the span of a passage copy (first word to last word) to what
/// should go with it, so the text left reads well:
///
/// * punctuation attached to its first or last word (`"`, `(`, `.`, `,`);
/// * when the copy fills whole lines, those lines with their line breaks;
/// * when the copy is followed by more text on its line, the spaces after
///   it; when it ends its line, the spaces before it.
///
/// Never reaches into a word outside the span.
pub fn tidy_span(text: &str, span: Range<usize>) -> Range<usize> {
    let b = text.as_bytes();
    let attached = |c: char| !c.is_whitespace() && !c.is_alphanumeric();
    let horizontal = |c: char| c.is_whitespace() && c != '\n';
    // Attached opening punctuation, if it starts a token of its own.
    let mut start = span.start;
    let p = text[..start]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| attached(c))
        .last()
        .map_or(start, |(i, _)| i);
    if p == 0
        || text[..p]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace)
    {
        start = p;
    }
    // Attached closing punctuation, if it ends the token.
    let mut end = span.end;
    let q = text[end..]
        .char_indices()
        .take_while(|&(_, c)| attached(c))
        .last()
        .map_or(end, |(i, c)| end + i + c.len_utf8());
    if q == b.len() || text[q..].chars().next().is_some_and(char::is_whitespace) {
        end = q;
    }
    let spaces_before = text[..start]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| horizontal(c))
        .last()
        .map_or(start, |(i, _)| i);
    let at_line_start = spaces_before == 0 || b[spaces_before - 1] == b'\n';
    let after = text[end..]
        .char_indices()
        .take_while(|&(_, c)| horizontal(c))
        .last()
        .map_or(end, |(i, c)| end + i + c.len_utf8());
    let blank_before = blank_line_before(text, spaces_before);
    match b.get(after) {
        // The last lines of a text without a final line break: the break
        // before them goes instead (with a blank line that separated them),
        // so the text still ends without one.
        None if at_line_start && spaces_before > 0 => {
            blank_before.unwrap_or(spaces_before).saturating_sub(1)..after
        }
        // Whole lines with their break; between two blank lines, one of
        // them too, so paragraphs stay one blank line apart.
        Some(b'\n') if at_line_start => {
            let end = after + 1;
            match blank_line_after(text, end) {
                Some(e) if spaces_before == 0 || blank_before.is_some() => spaces_before..e,
                _ => spaces_before..end,
            }
        }
        None if at_line_start => spaces_before..after,
        Some(&c) if c != b'\n' => start..after,
        // Ends its line but does not start it: take the spaces before.
        _ => spaces_before..end,
    }
}

/// Where the line before the line starting at `at` starts, if it is blank.
fn blank_line_before(text: &str, at: usize) -> Option<usize> {
    let prev = text[..at].strip_suffix('\n')?;
    let start = prev.rfind('\n').map_or(0, |i| i + 1);
    prev[start..].trim().is_empty().then_some(start)
}

/// Where the line starting at `at` ends (after its break), if it is blank
/// and has one.
fn blank_line_after(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at..];
    let end = rest.find('\n')?;
    rest[..end].trim().is_empty().then_some(at + end + 1)
}

/// Decides what to cut from a kept document.
struct Cutter<'a> {
    passages: Option<&'a RepeatFinder>,
    min_words: usize,
    passage_threshold: f64,
    kind: TokenKind,
    boilerplate: Option<&'a AHashMap<u64, u32>>,
}

impl Cutter<'_> {
    fn active(&self) -> bool {
        self.passages.is_some() || self.boilerplate.is_some()
    }

    /// The cuts of `text`, sorted and not overlapping.
    fn cuts(&self, text: &str) -> Vec<Cut> {
        let mut ranges: Vec<(Range<usize>, CutKind)> = Vec::new();
        if let Some(finder) = self.passages {
            let min = self.min_words;
            let mut copies: Vec<(Range<usize>, Source)> = Vec::new();
            for r in finder.find(text) {
                if r.matched == Match::Edited && r.similarity < self.passage_threshold {
                    continue;
                }
                let source = Source {
                    copy_of: Span {
                        start: r.first.start,
                        end: r.first.end,
                    },
                    similarity: r.similarity,
                    edited: r.matched == Match::Edited,
                };
                copies.extend(r.later.into_iter().map(|c| (c, source)));
            }
            copies.sort_by_key(|(c, _)| (c.start, c.end));
            // Exact copies next to each other (nothing but spaces and
            // punctuation between them) are one cut, tidied as a whole.
            // The parts are kept: when the whole is not a run of whole
            // sentences (a copy that ends part-way into the next line of
            // a doubled headline), each part is tried on its own.
            let mut joined: Vec<(Range<usize>, Source, Vec<Range<usize>>)> =
                Vec::with_capacity(copies.len());
            for (c, of) in copies {
                match joined.last_mut() {
                    Some((last, last_of, parts))
                        if !of.edited
                            && !last_of.edited
                            && (c.start <= last.end
                                || !text[last.end..c.start].chars().any(char::is_alphanumeric)) =>
                    {
                        last.end = last.end.max(c.end);
                        parts.push(c);
                    }
                    _ => joined.push((c.clone(), of, vec![c])),
                }
            }
            let mut tokens = Vec::new();
            let mut tidied: Vec<(Range<usize>, CutKind)> = Vec::with_capacity(joined.len());
            let mut pieces: Vec<(Range<usize>, Source)> = Vec::with_capacity(joined.len());
            for (c, source, parts) in joined {
                let whole = source.edited
                    || parts.len() == 1
                    || whole_sentences(text, c.clone(), self.kind, min, &mut tokens).is_some();
                if whole {
                    pieces.push((c, source));
                } else {
                    pieces.extend(parts.into_iter().map(|p| (p, source)));
                }
            }
            for (c, source) in pieces {
                // Edited copies are paragraphs: cut whole lines or nothing.
                let c = if source.edited {
                    let alone = |between: &str| !between.chars().any(char::is_alphanumeric);
                    let line_start = text[..c.start].rfind('\n').map_or(0, |i| i + 1);
                    let line_end = text[c.end..].find('\n').map_or(text.len(), |i| c.end + i);
                    if !alone(&text[line_start..c.start]) || !alone(&text[c.end..line_end]) {
                        continue;
                    }
                    c
                } else {
                    match whole_sentences(text, c, self.kind, min, &mut tokens) {
                        Some(c) => c,
                        None => continue,
                    }
                };
                tidied.push((
                    tidy_span(text, c),
                    CutKind::Passage {
                        copy_of: source.copy_of,
                        similarity: source.similarity,
                    },
                ));
            }
            // Overlapping cuts are cut as one.
            tidied.sort_by_key(|(r, _)| (r.start, r.end));
            for (r, why) in tidied {
                match ranges.last_mut() {
                    Some((last, _)) if r.start <= last.end => last.end = last.end.max(r.end),
                    _ => ranges.push((r, why)),
                }
            }
        }
        if let Some(lines_of) = self.boilerplate {
            let passages = ranges.len();
            for (start, end, content) in lines(text) {
                let Some(&documents) = lines_of.get(&line_key(content)) else {
                    continue;
                };
                // A common line that is the end or start of a sentence
                // wrapped over several lines ("said.") is not boilerplate.
                let words = start..end;
                let first = text[words.clone()].find(char::is_alphanumeric);
                let last = text[words.clone()]
                    .char_indices()
                    .rev()
                    .find(|(_, c)| c.is_alphanumeric())
                    .map(|(i, c)| i + c.len_utf8());
                if let (Some(f), Some(l)) = (first, last) {
                    if boundary_before(text, start + f) == Boundary::Weak
                        || boundary_after(text, start + l) == Boundary::Weak
                    {
                        continue;
                    }
                }
                // What a passage cut already removed is not cut twice.
                let mut pieces: Vec<Range<usize>> = std::iter::once(start..end).collect();
                for (r, _) in &ranges[..passages] {
                    pieces = pieces
                        .into_iter()
                        .flat_map(|p| subtract(p, r.clone()))
                        .collect();
                }
                for p in pieces {
                    ranges.push((p, CutKind::Boilerplate { documents }));
                }
            }
            ranges.sort_by_key(|(r, _)| (r.start, r.end));
            // Cuts that run to the end of a text without a final line break
            // take the break before them instead, so the text still ends
            // without one.
            if !text.ends_with('\n') && ranges.last().is_some_and(|(r, _)| r.end == text.len()) {
                let mut i = ranges.len() - 1;
                while i > 0 && ranges[i - 1].0.end == ranges[i].0.start {
                    i -= 1;
                }
                let first = &mut ranges[i].0;
                if first.start > 0 && text.as_bytes()[first.start - 1] == b'\n' {
                    first.start -= 1;
                }
            }
        }
        if ranges.is_empty() {
            return Vec::new();
        }
        let lines = LineIndex::new(text);
        ranges
            .into_iter()
            .map(|(r, why)| Cut {
                line_start: lines.line(r.start),
                line_end: lines.line(r.end.saturating_sub(1).max(r.start)),
                start: r.start,
                end: r.end,
                why,
            })
            .collect()
    }
}

/// `a` without `b`: zero, one or two ranges.
fn subtract(a: Range<usize>, b: Range<usize>) -> Vec<Range<usize>> {
    if b.end <= a.start || b.start >= a.end {
        return vec![a];
    }
    let mut out = Vec::new();
    if a.start < b.start {
        out.push(a.start..b.start);
    }
    if b.end < a.end {
        out.push(b.end..a.end);
    }
    out
}

/// `text` without the `cuts` (sorted, not overlapping).
fn apply(text: &str, cuts: &[Cut]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for c in cuts {
        if c.start > at {
            out.push_str(&text[at..c.start]);
        }
        at = at.max(c.end);
    }
    out.push_str(&text[at..]);
    out
}

/// One record of the write pass: what to write, and the log lines.
struct Written {
    line: Option<Vec<u8>>,
    log: Option<Vec<u8>>,
    cuts: Vec<Cut>,
    /// The text after the cuts, when there are cuts.
    cut_text: Option<String>,
}

#[derive(Serialize)]
struct TextRecord<'a> {
    id: &'a str,
    source: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct RemovedLine<'a> {
    id: &'a str,
    duplicate_of: &'a str,
    jaccard: f64,
    reason: &'static str,
}

#[derive(Serialize)]
struct CutLine<'a> {
    id: &'a str,
    reason: &'static str,
    cuts: &'a [Cut],
}

/// Appends `value` as JSON. Strings, numbers and the plain structs of this
/// module always serialise, and a `Vec` never fails to take bytes.
fn push_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(out, value).expect("plain values serialise into a Vec");
}

fn json_line<T: Serialize>(value: &T) -> Vec<u8> {
    let mut v = Vec::new();
    push_json(&mut v, value);
    v.push(b'\n');
    v
}

/// The log line of a removed document.
fn removed_line(scan: &Scan, doc: usize, r: Removal) -> Vec<u8> {
    json_line(&RemovedLine {
        id: &scan.documents[doc].id,
        duplicate_of: &scan.documents[r.keeper as usize].id,
        jaccard: r.jaccard,
        reason: if r.exact { "exact" } else { "near" },
    })
}

/// The output of one record: the record written (if kept) and its log line.
fn process(
    inputs: &Inputs,
    cfg: &DedupConfig,
    scan: &Scan,
    cutter: &Cutter<'_>,
    doc: usize,
    removal: Option<Removal>,
    raw: RawRecord,
) -> Result<Written> {
    let info = &scan.documents[doc];
    if let Some(r) = removal {
        return Ok(Written {
            line: None,
            log: Some(removed_line(scan, doc, r)),
            cuts: Vec::new(),
            cut_text: None,
        });
    }
    let jsonl = inputs.files()[raw.origin.file as usize].kind == FileKind::Jsonl;
    if jsonl && !cutter.active() {
        let mut line = raw.bytes;
        if line.last() != Some(&b'\n') {
            line.push(b'\n');
        }
        return Ok(Written {
            line: Some(line),
            log: None,
            cuts: Vec::new(),
            cut_text: None,
        });
    }
    let record = inputs.text_of(&raw, &cfg.scan.input)?;
    let cuts = cutter.cuts(&record.text);
    let text = if cuts.is_empty() {
        None
    } else {
        Some(apply(&record.text, &cuts))
    };
    let line = match record.span {
        // A JSON Lines record: the original line, with only the text
        // field's value replaced when something was cut.
        Some(span) => {
            let mut line = match &text {
                None => raw.bytes,
                Some(t) => {
                    let mut l = Vec::with_capacity(raw.bytes.len());
                    l.extend_from_slice(&raw.bytes[..span.start]);
                    push_json(&mut l, t);
                    l.extend_from_slice(&raw.bytes[span.end..]);
                    l
                }
            };
            if line.last() != Some(&b'\n') {
                line.push(b'\n');
            }
            line
        }
        None => json_line(&TextRecord {
            id: &info.id,
            source: &info.source,
            text: text.as_deref().unwrap_or(&record.text),
        }),
    };
    let log = (!cuts.is_empty()).then(|| {
        json_line(&CutLine {
            id: &info.id,
            reason: "cut",
            cuts: &cuts,
        })
    });
    Ok(Written {
        line: Some(line),
        log,
        cuts,
        cut_text: text,
    })
}

/// An open output: a file being written, or a stream.
enum Sink<'a> {
    // Boxed: an open file's buffers and encoder dwarf a reference.
    File(Box<AtomicFile>),
    Stream(&'a mut (dyn Write + Send)),
}

impl Sink<'_> {
    fn open(target: Target<'_>) -> Result<Option<Sink<'_>>> {
        Ok(match target {
            Target::Nowhere => None,
            Target::File(p) => Some(Sink::File(Box::new(AtomicFile::create(&p)?))),
            Target::Writer(w) => Some(Sink::Stream(w)),
        })
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        match self {
            Sink::File(f) => f.write_all(bytes).map_err(|e| f.error(e)),
            Sink::Stream(w) => w.write_all(bytes).map_err(|e| Error::Write {
                path: PathBuf::from("<stdout>"),
                source: e,
            }),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn write(
    inputs: &Inputs,
    cfg: &DedupConfig,
    scan: &Scan,
    removals: &[Option<Removal>],
    cutter: &Cutter<'_>,
    targets: Targets<'_>,
    summary: &mut DedupSummary,
    parquet_schema: Option<parquet::Layout>,
    progress: &dyn Progress,
) -> Result<()> {
    let total_bytes: u64 = inputs.total_bytes();
    let docs = &scan.documents;
    // Parquet is written after the pass, from the fates it decides.
    let (mut kept, parquet_target) = match (&parquet_schema, targets.kept) {
        (Some(_), Target::File(p)) => (None, Some(p)),
        // Opened only now, so an error or interrupt earlier leaves no file at all.
        (_, t) => (Sink::open(t)?, None),
    };
    let mut fates = parquet_target.as_ref().map(|_| parquet::Fates {
        kept: vec![false; docs.len()],
        cut: Default::default(),
    });
    let mut log = Sink::open(targets.log)?;
    progress.stage("writing", Some(total_bytes));
    let mut next = 0usize;
    if let (Some(fates), false) = (fates.as_mut(), cutter.active()) {
        // Parquet without cuts: the fates follow from the plan alone, and
        // the Parquet writer reads the rows it copies.
        summary.bytes_in = total_bytes;
        for (doc, removal) in removals.iter().enumerate() {
            match removal {
                Some(r) => {
                    summary.log_lines += 1;
                    if let Some(l) = log.as_mut() {
                        l.write_all(&removed_line(scan, doc, *r))?;
                    }
                }
                None => fates.kept[doc] = true,
            }
        }
        next = docs.len();
    } else {
        inputs.read_raw(&cfg.scan.input, |batch, raw_bytes| {
            if progress.cancelled() {
                return Err(Error::Interrupted);
            }
            summary.bytes_in += raw_bytes;
            // Records that are not documents were skipped with --skip-invalid.
            let mut items: Vec<(usize, RawRecord)> = Vec::with_capacity(batch.len());
            for raw in batch {
                if next < docs.len() && docs[next].origin == raw.origin {
                    items.push((next, raw));
                    next += 1;
                }
            }
            let count = items.len() as u64;
            let numbers: Vec<usize> = items.iter().map(|(doc, _)| *doc).collect();
            let process_one = |(doc, raw): (usize, RawRecord)| {
                process(inputs, cfg, scan, cutter, doc, removals[doc], raw)
            };
            let written: Vec<Result<Written>> = if cutter.active() {
                items.into_par_iter().map(process_one).collect()
            } else {
                items.into_iter().map(process_one).collect()
            };
            for (w, doc) in written.into_iter().zip(numbers) {
                let mut w = w?;
                if let (Some(fates), Some(_)) = (fates.as_mut(), &w.line) {
                    fates.kept[doc] = true;
                    if let Some(text) = w.cut_text.take() {
                        fates.cut.insert(doc as u32, text);
                    }
                } else if let Some(line) = &w.line {
                    summary.bytes_out += line.len() as u64;
                    if let Some(k) = kept.as_mut() {
                        k.write_all(line)?;
                    }
                }
                if !w.cuts.is_empty() {
                    summary.records_edited += 1;
                }
                for c in &w.cuts {
                    let bytes = (c.end - c.start) as u64;
                    match c.why {
                        CutKind::Passage { .. } => {
                            summary.passages_cut += 1;
                            summary.passage_bytes_cut += bytes;
                        }
                        CutKind::Boilerplate { .. } => {
                            summary.boilerplate_lines_cut += 1;
                            summary.boilerplate_bytes_cut += bytes;
                        }
                    }
                }
                if let Some(line) = &w.log {
                    summary.log_lines += 1;
                    if let Some(l) = log.as_mut() {
                        l.write_all(line)?;
                    }
                }
            }
            progress.advance(count, raw_bytes);
            Ok(())
        })?;
    }
    if next != docs.len() {
        return Err(changed());
    }
    if progress.cancelled() {
        return Err(Error::Interrupted);
    }
    // Both files complete before either replaces its target.
    let mut finished = Vec::new();
    if let (Some(target), Some(fates), Some(schema)) = (parquet_target, fates, parquet_schema) {
        progress.stage("writing Parquet", Some(total_bytes));
        let origins: Vec<_> = docs.iter().map(|d| d.origin).collect();
        let file = AtomicFile::create(&target)?;
        let (done, bytes) =
            parquet::write(inputs, &cfg.scan.input, schema, &origins, &fates, file)?;
        summary.bytes_out = bytes;
        finished.push(done);
    }
    for sink in [kept, log].into_iter().flatten() {
        match sink {
            Sink::File(f) => finished.push(f.finish()?),
            Sink::Stream(w) => w.flush().map_err(|e| Error::Write {
                path: PathBuf::from("<stdout>"),
                source: e,
            })?,
        }
    }
    crate::output::persist_all(finished)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut_text(text: &str, min: usize) -> String {
        let cfg = DedupConfig {
            scan: ScanConfig {
                passages: PassageConfig {
                    min_words: min,
                    ..PassageConfig::default()
                },
                ..ScanConfig::default()
            },
            ..DedupConfig::default()
        }
        .passage_config();
        let finder = RepeatFinder::new(&cfg);
        let cutter = Cutter {
            passages: Some(&finder),
            min_words: cfg.min_words,
            passage_threshold: cfg.passage_threshold,
            kind: TokenKind::Words,
            boilerplate: None,
        };
        apply(text, &cutter.cuts(text))
    }

    #[test]
    fn every_later_copy_goes() {
        assert_eq!(cut_text("Xa yb. Xa yb. Xa yb.", 2), "Xa yb.");
    }

    #[test]
    fn edited_paragraphs_go_only_at_the_document_threshold() {
        let para = "The council met on Monday and agreed the budget for the next year \
                    after a long debate in which every member spoke at length about roads \
                    and schools and the new library that the town has wanted for many years";
        // One word changed: Jaccard 0.86; two: 0.73.
        let close = para.replace("roads", "bridges");
        let far = close.replace("Monday", "Tuesday");
        let t = format!("{para}\n\n{close}\n\nEnd of it.");
        assert_eq!(cut_text(&t, 8), format!("{para}\n\nEnd of it."));
        let t = format!("{para}\n\n{far}\n\nEnd of it.");
        assert_eq!(cut_text(&t, 8), t);
    }

    #[test]
    fn only_whole_sentences_are_cut() {
        // A phrase recurring inside two different sentences stays.
        let t = "We know that the talks will depend on trust. \
                 Peace said that the talks will depend on trust here.";
        assert_eq!(cut_text(t, 5), t);
        // A repeated sentence inside a longer repeat is cut, the rest stays.
        let t =
            "One two three four. Five six seven. Go on and one two three four. Five six seven. End";
        assert_eq!(
            cut_text(t, 3),
            "One two three four. Five six seven. Go on and one two three four. End"
        );
        assert_eq!(cut_text(t, 4), t);
    }

    #[test]
    fn cuts_read_well() {
        // Whole lines go with their line breaks.
        assert_eq!(
            cut_text("Head line here\n\nHead line here\nBody.\n", 3),
            "Head line here\n\nBody.\n"
        );
        // Mid-line: the copy, its punctuation and the space after it.
        assert_eq!(
            cut_text("Say one two three. Say one two three. Then go.", 4),
            "Say one two three. Then go."
        );
        // At the end of a line: the space before it, the break stays.
        assert_eq!(
            cut_text("One two three. Four. (One two three.)\nNext", 3),
            "One two three. Four.\nNext"
        );
        assert_eq!(
            cut_text("One two three\r\nOne two three\r\n", 3),
            "One two three\r\n"
        );
    }

    #[test]
    fn abbreviations_do_not_end_sentences() {
        let t = "The U.S. Agree. Mr. Smith went. It is approx. three. Done";
        let ends: Vec<&str> = t
            .match_indices(|c: char| c.is_alphanumeric())
            .filter(|&(i, _)| {
                !t[i + 1..].starts_with(char::is_alphanumeric)
                    && boundary_after(t, i + 1) == Boundary::Strong
            })
            .map(|(i, _)| &t[..=i])
            .map(|s| s.rsplit(' ').next().unwrap_or(s))
            .collect();
        assert_eq!(ends, ["Agree", "went", "three", "Done"]);
        let before = |w: &str| boundary_before(t, t.find(w).unwrap());
        assert_eq!(before("The"), Boundary::Strong);
        assert_eq!(before("It"), Boundary::Strong);
        assert_eq!(before("Agree"), Boundary::Weak);
        assert_eq!(before("Smith"), Boundary::Weak);
    }

    #[test]
    fn line_breaks_inside_wrapped_sentences_are_not_boundaries() {
        let t = "Headline Here\nThe bank bought\nin band two.\n\nNext";
        let before = |w: &str| boundary_before(t, t.find(w).unwrap());
        assert_eq!(before("The"), Boundary::Line);
        assert_eq!(before("in"), Boundary::Weak);
        assert_eq!(before("Next"), Boundary::Strong);
        let after = |w: &str| boundary_after(t, t.find(w).unwrap() + w.len());
        assert_eq!(after("Here"), Boundary::Line);
        assert_eq!(after("bought"), Boundary::Weak);
        // A repeated phrase that is a whole line of a wrapped paragraph stays.
        let t = "The bank bought five mln stg of bills\nin band two at ten pct today. It also \
                 bought six mln stg of other\nin band two at ten pct today. Done.";
        assert_eq!(cut_text(t, 5), t);
    }

    #[test]
    fn an_edited_line_goes_whole() {
        // The exact repeat runs past the line into the markup after it; the
        // edited copy is the line. ("prov." is not known as an abbreviation.)
        let line = "German February central bank money grows annual 7.5 pct (January, same) - prov. Bundesbank data";
        let t = format!("{line}\n******<TITLE> {line}\n</TITLE>Blah blah blah.");
        assert_eq!(cut_text(&t, 8), format!("{line}\n</TITLE>Blah blah blah."));
    }

    #[test]
    fn paragraphs_stay_one_blank_line_apart() {
        let p = "One two three four.";
        assert_eq!(
            cut_text(&format!("{p}\n\n{p}\n\nEnd.\n"), 4),
            format!("{p}\n\nEnd.\n")
        );
        assert_eq!(cut_text(&format!("{p}\n\n{p}"), 4), p);
        assert_eq!(
            cut_text(&format!("{p}\r\n\r\n{p}\r\n\r\nEnd."), 4),
            format!("{p}\r\n\r\nEnd.")
        );
        // Not between blank lines: only the line goes.
        assert_eq!(
            cut_text(&format!("{p}\n\n{p}\nEnd.\n"), 4),
            format!("{p}\n\nEnd.\n")
        );
    }

    #[test]
    fn last_lines_without_a_final_break() {
        assert_eq!(
            cut_text("One two three.\nOne two three.", 3),
            "One two three."
        );
        assert_eq!(
            cut_text("One two three.\nOne two three.\n", 3),
            "One two three.\n"
        );
    }

    #[test]
    fn tidy_span_never_takes_a_word_outside() {
        let t = "end.Copy here, rest";
        let s = t.find("Copy").unwrap();
        let e = s + "Copy here".len();
        assert_eq!(&t[tidy_span(t, s..e)], "Copy here, ");
    }

    #[test]
    fn boilerplate_lines_go_whole() {
        let map: AHashMap<u64, u32> = [line_key("Footer one"), line_key("Footer two")]
            .into_iter()
            .map(|k| (k, 5))
            .collect();
        let cutter = Cutter {
            passages: None,
            min_words: 8,
            passage_threshold: 0.8,
            kind: TokenKind::Words,
            boilerplate: Some(&map),
        };
        let cut = |t: &str| apply(t, &cutter.cuts(t));
        assert_eq!(cut("Body here\nFooter one\nFooter two"), "Body here");
        assert_eq!(
            cut("Body here\n  Footer one \r\nFooter two\n"),
            "Body here\n"
        );
        assert_eq!(cut("Footer two\nBody\nFooter one"), "Body");
        assert_eq!(cut("Footer one"), "");
        // Part of a wrapped sentence: stays.
        let map: AHashMap<u64, u32> = [line_key("said."), line_key("Footer one")]
            .into_iter()
            .map(|k| (k, 5))
            .collect();
        let wrapped = Cutter {
            boilerplate: Some(&map),
            ..cutter
        };
        let t = "Mr Smith\nsaid.\nFooter one\nEnd.";
        assert_eq!(apply(t, &wrapped.cuts(t)), "Mr Smith\nsaid.\nEnd.");
        let cuts = cutter.cuts("Body here\nFooter one\nFooter two");
        assert_eq!(
            cuts.iter()
                .map(|c| (c.start, c.end, c.line_start))
                .collect::<Vec<_>>(),
            [(9, 21, 1), (21, 31, 3)]
        );
    }

    #[test]
    fn subtract_ranges() {
        assert_eq!(subtract(0..10, 3..5), vec![0..3, 5..10]);
        assert_eq!(subtract(0..10, 0..10), Vec::<Range<usize>>::new());
        assert_eq!(subtract(0..10, 8..20), vec![0..8]);
        assert_eq!(subtract(0..10, 10..20), vec![0..10]);
    }

    #[test]
    fn lines_skip_blank_ones() {
        let l: Vec<_> = lines("a\n\n  \n b \nc").collect();
        assert_eq!(l, vec![(0, 2, "a"), (6, 10, "b"), (10, 11, "c")]);
    }

    #[test]
    fn longest_keeper_breaks_ties_by_position() {
        let doc = |bytes| DocInfo {
            id: String::new(),
            source: "".into(),
            bytes,
            words: 0,
            origin: crate::document::Origin {
                file: 0,
                line: 0,
                offset: 0,
            },
            same_as: None,
        };
        let docs = vec![doc(5), doc(9), doc(9), doc(1)];
        assert_eq!(keeper(&[0, 1, 2, 3], &docs, Keep::Longest), 1);
        assert_eq!(keeper(&[0, 1, 2, 3], &docs, Keep::First), 0);
    }
}
