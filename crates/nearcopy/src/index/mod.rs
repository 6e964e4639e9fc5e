//! The persistent index: documents kept by earlier runs, for deduplicating
//! crawl after crawl without reading the old ones again.
//!
//! An index is a directory holding a [redb] database (an embedded,
//! copy-on-write B-tree store: a commit is atomic and durable, and a kill
//! at any moment leaves the last commit), a document log and the writer's
//! lock file. For each document it stores an entry (id, source, signature,
//! band keys, the whole-sequence fingerprint and the text that exact
//! verification needs) in the log (`data.rs`), and in the store where that
//! entry lies and two lookups: the LSH buckets (band, key) → documents, in
//! sorted runs (`runs.rs`), and the exact-copy table fingerprint → first
//! document.
//!
//! - [`add`] (`nearcopy index add`): every document of the inputs, in one
//!   transaction.
//! - [`scan`] (`scan --index`): a scan that also reports, for each
//!   document, the indexed document it duplicates.
//! - `dedup --index` ([`crate::dedup::dedup`]): drops the records that duplicate
//!   an indexed document, and adds the kept ones. Its output file and the
//!   index change together: the kept documents are committed marked
//!   *pending* with the identity of the finished temporary output, the
//!   output is renamed into place, and the mark is removed. Until then
//!   they do not count; the next writer keeps them if the output is in
//!   place and takes them out if not ([`Index::open_write`]).
//! - [`stats`], [`verify`] (`nearcopy index stats|verify`).
//!
//! **One writer, many readers.** The writer holds a system lock on
//! `writer.lock` (released even by kill -9) and names itself in it, so a
//! second writer is told which process to wait for. Readers open the store
//! read-only and may run while the writer works.
//!
//! **Same options.** The options that shape signatures ([`Shape`]) are
//! stored with the first documents; a run with other ones is refused, with
//! the options to give. The format is versioned ([`FORMAT`]); a newer one
//! is refused with a request to upgrade.

mod add;
mod check;
mod data;
mod entry;
mod filter;
mod lookup;
mod runs;
mod store;

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::config::ScanConfig;
use crate::error::Result;
use crate::figures::round6;
use crate::input::{Corpus, Skipped};
use crate::progress::Progress;
use crate::scan::Scan;

pub use add::AddCounts;
pub(crate) use add::{sign_entry, Adder, Background, Prepared};
pub use check::{verify, Checked};
pub(crate) use entry::Entry;
pub(crate) use lookup::{find, measure, Found};
pub use store::{Index, Shape, FORMAT, NORMALISATION};

/// Kills the process on the spot, as `kill -9` would, when the environment
/// variable `NEARCOPY_FAILPOINT` names this point. The moments between the
/// commits of `dedup --index` last microseconds, which a timed kill seldom
/// hits; the crash tests reach them through this.
pub(crate) fn failpoint(name: &str) {
    if std::env::var_os("NEARCOPY_FAILPOINT").is_some_and(|v| v == name) {
        #[cfg(unix)]
        // SAFETY: kill(2) with this process's id and a signal number has
        // no memory effects in this process before it ends.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
        std::process::abort();
    }
}

/// The report of `nearcopy index add`.
#[derive(Debug, Clone, Serialize)]
pub struct Added {
    /// The index directory.
    pub index: String,
    /// Documents in the index before the run.
    pub documents_before: u64,
    /// Documents in the index after it.
    pub documents: u64,
    /// What the run stored.
    #[serde(flatten)]
    pub counts: AddCounts,
    /// Input bytes read.
    pub bytes: u64,
    /// Size of the store on disk afterwards.
    pub size_bytes: u64,
    /// What was skipped while reading.
    pub skipped: Skipped,
    /// Seconds: reading and signing with storing, the commit, everything.
    pub timings: AddTimings,
}

/// Step timings of `index add`.
#[derive(Debug, Clone, Serialize)]
pub struct AddTimings {
    /// Reading, signing and storing.
    pub add: f64,
    /// The commit (written and synced).
    pub commit: f64,
    /// Everything.
    pub total: f64,
    /// Input megabytes per second.
    pub mb_per_s: f64,
}

/// Adds every document of `corpus` to the index at `dir` (created if
/// needed), signed with `cfg`'s options, in one transaction.
pub fn add<'a>(
    corpus: impl Into<Corpus<'a>>,
    cfg: &ScanConfig,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<Added> {
    let corpus = corpus.into();
    cfg.validate()?;
    let mut index = Index::open_write(dir)?;
    index.check_shape(cfg)?;
    let before = index.documents();
    let start = Instant::now();
    let (counts, bytes, skipped, t_add, t_commit) = cfg.run_on(corpus, |inputs| {
        let adder = Adder::begin(&index, cfg)?;
        let sketcher = crate::sketch::Sketcher::new(cfg.sketch, cfg.perms);
        let banding = cfg.banding();
        progress.stage("indexing", Some(inputs.total_bytes()));
        let mut bytes = 0u64;
        let (skipped, adder) = std::thread::scope(|s| -> Result<_> {
            let index = &index;
            let writer = Background::spawn(s, adder, index);
            let read = inputs.read_with(
                &cfg.input,
                |doc| {
                    Prepared::new(&sign_entry(
                        doc.id, doc.source, doc.text, cfg, &sketcher, &banding,
                    ))
                },
                |batch, raw| {
                    if progress.cancelled() {
                        return Err(crate::Error::Interrupted);
                    }
                    let n = batch.len() as u64;
                    // A stopped writer: its error, which finish() below
                    // reports first.
                    if writer.send(batch).is_err() {
                        return Err(index.error("the writer stopped"));
                    }
                    bytes += raw;
                    progress.advance(n, raw);
                    Ok(())
                },
            );
            let adder = writer.finish(index, read.is_err())?;
            Ok((read?, adder))
        })?;
        progress.finish();
        let t_add = start.elapsed().as_secs_f64();
        let t = Instant::now();
        failpoint("index-add-before-commit");
        let counts = adder.commit(&mut index, None)?;
        Ok((counts, bytes, skipped, t_add, t.elapsed().as_secs_f64()))
    })?;
    let total = start.elapsed().as_secs_f64();
    Ok(Added {
        index: dir.display().to_string(),
        documents_before: before,
        documents: index.documents(),
        counts,
        bytes,
        size_bytes: index.size_bytes(),
        skipped,
        timings: AddTimings {
            add: round6(t_add),
            commit: round6(t_commit),
            total: round6(total),
            mb_per_s: round6(bytes as f64 / 1e6 / total.max(1e-9)),
        },
    })
}

/// The report of `nearcopy index stats`.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// The index directory.
    pub index: String,
    /// Index format.
    pub format: u32,
    /// Documents in it.
    pub documents: u64,
    /// The options it was built with (absent while empty).
    pub options: Option<Shape>,
    /// Size of the store on disk.
    pub size_bytes: u64,
    /// Bytes on disk per document.
    pub bytes_per_document: f64,
    /// Sorted runs the LSH buckets are kept in (each lookup visits every
    /// one; merging keeps them few).
    pub bucket_runs: usize,
}

/// The counts and options of the index at `dir` (read-only; a writer may
/// be at work).
pub fn stats(dir: &Path) -> Result<Stats> {
    let index = Index::open_read(dir)?;
    let size = index.size_bytes();
    Ok(Stats {
        index: dir.display().to_string(),
        format: FORMAT,
        documents: index.documents(),
        options: index.shape().cloned(),
        size_bytes: size,
        bytes_per_document: round6(size as f64 / index.documents().max(1) as f64),
        bucket_runs: index.runs.list.len(),
    })
}

/// A scanned document found in the index.
#[derive(Debug, Clone, Serialize)]
pub struct IndexMatch {
    /// The scanned document's id.
    pub id: String,
    /// Its source.
    pub source: String,
    /// The indexed document's number in the index.
    pub index_document: u64,
    /// The indexed document's id.
    pub duplicate_of: String,
    /// The indexed document's source.
    pub duplicate_of_source: String,
    /// Exact Jaccard (or the estimate with `--verify estimate`).
    pub jaccard: f64,
    /// The normalised texts are equal.
    pub exact: bool,
}

/// The index part of a scan's report (`scan --index`).
#[derive(Debug, Clone, Serialize)]
pub struct IndexReport {
    /// The index directory.
    pub path: String,
    /// Documents in the index.
    pub documents: u64,
    /// Scanned documents that duplicate an indexed one, in input order;
    /// each names the earliest indexed document it matches.
    pub matches: Vec<IndexMatch>,
}

/// [`crate::scan::scan`] of `corpus` that also looks every document up in
/// the index at `dir` (read-only).
pub fn scan<'a>(
    corpus: impl Into<Corpus<'a>>,
    cfg: &ScanConfig,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<Scan> {
    let index = Index::open_read(dir)?;
    index.check_shape(cfg)?;
    cfg.run_on(corpus.into(), |inputs| {
        let (mut scan, sketches) = crate::scan::scan_sketched(inputs, cfg, progress)?;
        let found = find(&index, inputs, cfg, &scan, &sketches, progress)?;
        progress.finish();
        drop(sketches);
        crate::scan::add_passages(&mut scan, inputs, cfg, progress)?;
        let matches = found
            .into_iter()
            .enumerate()
            .filter_map(|(d, f)| {
                let f = f?;
                let doc = &scan.documents[d];
                Some(IndexMatch {
                    id: doc.id.clone(),
                    source: doc.source.to_string(),
                    index_document: f.indexed,
                    duplicate_of: f.id,
                    duplicate_of_source: f.source,
                    jaccard: f.jaccard,
                    exact: f.exact,
                })
            })
            .collect();
        scan.index = Some(IndexReport {
            path: dir.display().to_string(),
            documents: index.documents(),
            matches,
        });
        Ok(scan)
    })
}
