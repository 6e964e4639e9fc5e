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
//! replace them only once everything is written ([`crate::output::AtomicFile`]); an error or
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

mod cut;
mod plan;
mod write;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use ahash::AHashMap;

use crate::config::{PassageConfig, ScanConfig};
use crate::error::{Error, Result};
use crate::figures::round6;
use crate::index::{Adder, Index};
use crate::input::{Corpus, Inputs, Skipped};
use crate::passages::RepeatFinder;
use crate::progress::Progress;
use crate::scan::{self, ScanParams};

use cut::*;
use plan::*;
use write::*;

pub use cut::{tidy_span, Cut, CutKind, Span};

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
    /// Also drop the records that duplicate a document of this persistent
    /// index, and (unless told not to) add the kept ones to it.
    pub index: Option<IndexUse>,
}

/// How `dedup` uses a persistent index ([`crate::index`]).
#[derive(Debug, Clone)]
pub struct IndexUse {
    /// The index directory (created by the first run that adds to it).
    pub path: PathBuf,
    /// Add the kept records to it, in step with the output (`false`:
    /// `--no-update`, only check against it).
    pub update: bool,
}

impl Default for DedupConfig {
    fn default() -> DedupConfig {
        DedupConfig {
            scan: ScanConfig::default(),
            keep: Keep::First,
            passages: false,
            boilerplate: None,
            index: None,
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
        if self.index.is_some() && self.keep != Keep::First {
            return Err(Error::Config(
                "--index keeps the first copy (indexed documents came first); \
                 --keep longest cannot be used with it"
                    .into(),
            ));
        }
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
    /// ([`crate::output::AtomicFile`]).
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
    /// The persistent index checked against (`--index`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// Whether the kept records were added to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_update: Option<bool>,
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
    /// Of the removed records, those that duplicate an indexed document
    /// (with `--index`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_indexed: Option<u64>,
    /// Kept records added to the index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_added: Option<u64>,
    /// Documents in the index after the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_documents: Option<u64>,
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
    /// The document kept in its place: a number in this run, or with
    /// `indexed`, unused.
    keeper: u32,
    /// The indexed document it duplicates (`--index`).
    indexed: Option<u64>,
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
    let dry_run = matches!(targets.kept, Target::Nowhere);
    // The index is opened first: a locked index or one built with other
    // options is reported before any work.
    let mut index = match &cfg.index {
        None => None,
        Some(u) if u.update && !dry_run => Some(Index::open_write(&u.path)?),
        Some(u) => Some(Index::open_read(&u.path)?),
    };
    if let Some(i) = &index {
        i.check_shape(&cfg.scan)?;
    }
    let mut scan_cfg = cfg.scan.clone();
    scan_cfg.passages.enabled = false;
    // Signatures and band keys (about 0.7 KB a document) are kept only for
    // the index.
    let (scan, sketches) = match &index {
        Some(_) => {
            let (scan, sketches) = scan::scan_sketched(inputs, &scan_cfg, progress)?;
            (scan, Some(sketches))
        }
        None => (scan::scan_documents(inputs, &scan_cfg, progress)?, None),
    };
    let t_scan = start.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut removals = plan(inputs, cfg, &scan, progress)?;
    let mut names = AHashMap::new();
    if let (Some(i), Some(sketches)) = (&index, &sketches) {
        let found = crate::index::find(i, inputs, &scan_cfg, &scan, sketches, progress)?;
        names = plan_index(i, inputs, &scan_cfg, &scan, &found, &mut removals, progress)?;
    }
    let boilerplate = match cfg.boilerplate {
        Some(n) => Some(count_lines(inputs, cfg, &scan, &removals, n, progress)?),
        None => None,
    };
    let t_plan = t.elapsed().as_secs_f64();

    let t = Instant::now();
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
    if index.is_some() {
        summary.removed_indexed = Some(
            removals
                .iter()
                .flatten()
                .filter(|r| r.indexed.is_some())
                .count() as u64,
        );
    }
    let passages = cfg.passage_config();
    let finder = cfg.passages.then(|| RepeatFinder::new(&passages));
    let cutter = Cutter {
        passages: finder.as_ref(),
        min_words: passages.min_words,
        passage_threshold: passages.passage_threshold,
        kind: cfg.scan.shingle.kind,
        boilerplate: boilerplate.as_ref(),
    };
    let update = cfg.index.as_ref().is_some_and(|u| u.update) && !dry_run;
    let indexing = match (index.as_mut(), &sketches) {
        (Some(i), Some(sketches)) if update => Some(Indexing {
            adder: Adder::begin(i, &cfg.scan)?,
            index: i,
            signer: Signer {
                sketches,
                sketcher: crate::sketch::Sketcher::new(cfg.scan.sketch, cfg.scan.perms),
                banding: cfg.scan.banding(),
            },
        }),
        _ => None,
    };
    let plan = Plan {
        scan: &scan,
        removals: &removals,
        names: &names,
    };
    summary.index_added = write(
        inputs,
        cfg,
        &plan,
        &cutter,
        targets,
        &mut summary,
        parquet_schema,
        indexing,
        progress,
    )?;
    summary.index_documents = index.as_ref().map(|i| i.documents());
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
            index: cfg.index.as_ref().map(|u| u.path.display().to_string()),
            index_update: cfg.index.as_ref().map(|_| update),
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
fn changed() -> Error {
    Error::Changed("dedup".into())
}

#[cfg(test)]
mod tests {
    use std::ops::Range;

    use super::*;
    use crate::scan::DocInfo;
    use crate::text::TokenKind;

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
        apply(text, &cuts(&cutter, text))
    }

    /// The cuts of `text`, through the path `dedup` runs.
    fn cuts(cutter: &Cutter<'_>, text: &str) -> Vec<cut::Cut> {
        cutter.cuts_owned(text.to_string()).unwrap().0
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
        let cut = |t: &str| apply(t, &cuts(&cutter, t));
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
        assert_eq!(apply(t, &cuts(&wrapped, t)), "Mr Smith\nsaid.\nEnd.");
        let found = cuts(&cutter, "Body here\nFooter one\nFooter two");
        assert_eq!(
            found
                .iter()
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
