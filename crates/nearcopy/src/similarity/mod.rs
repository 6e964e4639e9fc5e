//! How much sources share, in both directions: the engine behind
//! `nearcopy similarity`.
//!
//! A *source* is one document (`--by doc`), the documents of one directory
//! (`--by dir`) or the records with one value of a JSON Lines field
//! (`--by field:NAME`). Its shingle set is the union of its documents'. For
//! every pair of sources and every shingle size asked for, three numbers are
//! reported:
//!
//! * Jaccard `|A ∩ B| / |A ∪ B|`, symmetric;
//! * `a_in_b = |A ∩ B| / |A|`, the share of A's shingles found in B;
//! * `b_in_a = |A ∩ B| / |B|`, the share of B's shingles found in A.
//!
//! Jaccard alone hides direction: a short wire story printed whole inside a
//! long article has a low Jaccard but `a_in_b = 1`. Small shingles (single
//! words) measure shared vocabulary, which reports of one event always have;
//! long shingles (five words and more) measure copied text.
//!
//! ## How pairs are counted
//!
//! Exactly (the default), the shingle sets are kept as sorted fingerprints and
//! an inverted index maps every shingle held by two or more sources to those
//! sources. Each source then counts, for every other source, the shingles
//! they share by walking the postings of its own shingles. That costs the sum
//! over shingles of the square of their source count, never more than
//! intersecting every pair of sets, and much less when sources share little.
//! Shingles held by one source only, usually most of them, cost nothing.
//!
//! Up to [`SimilarityConfig::all_pairs_limit`] sources, every pair that shares
//! a shingle is reported. Beyond that, or with `--top K`, each source keeps
//! only its `K` most similar partners; candidates are then proposed only by
//! shingles held by at most `--max-df` sources, so that a phrase every
//! document has does not make every pair a candidate, but the shared count of
//! every candidate is still exact (the frequent shingles are counted from a
//! short per-source list). A pair whose only common shingles are such frequent
//! ones is not proposed.
//!
//! With `--estimate` nothing but one MinHash signature per source and
//! shingle size is kept (a source's signature is the element-wise minimum of
//! its documents'). Jaccard is the share of equal signature values; the
//! containments follow from Jaccard and the set sizes, which are exact for
//! single-document sources and estimated from the signature otherwise. With
//! `--top`, candidates come from LSH banding at a low threshold, where a band
//! value shared by more than `--max-df` sources proposes nothing.
//!
//! ## Per source
//!
//! * `shared`: the share of its distinct shingles that some other source
//!   also has (text copied in or out, or common to both);
//! * `boilerplate`: the share of its distinct shingles found in more than
//!   [`SimilarityConfig::boilerplate`] documents of the corpus (templates,
//!   licence texts, site navigation: text repeated far more often than
//!   copying between a few outlets explains). Exact mode only.
//!
//! ## Side-by-side views
//!
//! For the most similar pairs ([`SimilarityConfig::views`]), the document of
//! each source that shares most with the other is re-read and the runs of
//! text covered by shingles present in both are marked ([`shared_spans`]),
//! for the HTML report.
//!
//! Every list is ordered by source number (first appearance in the input)
//! and shingle size, so the result is the same at any thread count.

mod count;
mod estimate;
mod read;
mod views;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::figures::round6;
use crate::input::{self, InputConfig, Skipped};
use crate::lsh::{Banding, Weights};
use crate::minhash::MinHasher;
use crate::progress::Progress;
use crate::text::TokenKind;

use count::*;
use estimate::*;
use read::*;
use views::*;

pub use estimate::estimate_cardinality;
pub use views::{shared_spans, Marked};

/// How documents are grouped into sources.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Grouping {
    /// Every document is a source of its own.
    #[default]
    Doc,
    /// Every directory is a source: the files of a sub-directory of a
    /// directory given, or the files directly inside it (named after it).
    /// A file given by itself is a source of its own.
    Dir,
    /// Every value of this JSON Lines field is a source; every record must
    /// have it.
    Field(String),
}

impl FromStr for Grouping {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Grouping, String> {
        match s {
            "doc" => Ok(Grouping::Doc),
            "dir" => Ok(Grouping::Dir),
            _ => match s.strip_prefix("field:") {
                Some(name) if !name.is_empty() => Ok(Grouping::Field(name.to_string())),
                _ => Err(format!(
                    "expected doc, dir or field:NAME (a JSON Lines field), got {s:?}"
                )),
            },
        }
    }
}

impl fmt::Display for Grouping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grouping::Doc => f.write_str("doc"),
            Grouping::Dir => f.write_str("dir"),
            Grouping::Field(name) => write!(f, "field:{name}"),
        }
    }
}

/// What "most similar" means when pairs are ranked: for `--top`, for the
/// order of the text report and for choosing the pairs that get a
/// side-by-side view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rank {
    /// Jaccard similarity.
    #[default]
    Jaccard,
    /// The larger of the two containments: a short source copied whole into
    /// a long one ranks first.
    Containment,
}

/// Options of a similarity run.
#[derive(Debug, Clone)]
pub struct SimilarityConfig {
    /// How documents are grouped into sources.
    pub grouping: Grouping,
    /// Words (default) or characters.
    pub kind: TokenKind,
    /// Shingle sizes, in tokens; each is computed separately.
    pub sizes: Vec<usize>,
    /// MinHash estimates instead of exact counts.
    pub estimate: bool,
    /// MinHash permutations with `estimate`.
    pub perms: usize,
    /// Keep only the `K` most similar partners of each source.
    pub top: Option<usize>,
    /// Above this many sources, `top` defaults to [`DEFAULT_TOP`] instead of
    /// every pair.
    pub all_pairs_limit: usize,
    /// With `top`: shingles held by more sources than this do not propose
    /// candidate pairs (exact), and neither do LSH buckets holding more
    /// sources (`estimate`).
    pub max_df: usize,
    /// With `top` and `estimate`: the Jaccard around which LSH banding is
    /// tuned.
    pub lsh_threshold: f64,
    /// A shingle found in more than this many documents (at least this many
    /// other documents than any one that has it) is boilerplate.
    pub boilerplate: usize,
    /// How pairs are ranked.
    pub rank: Rank,
    /// How many of the most similar pairs get a side-by-side view (0: none,
    /// and no second read of the input).
    pub views: usize,
    /// The texts shown in views may total this many bytes; the least similar
    /// views are dropped beyond (the first is always kept).
    pub view_bytes: u64,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Input options. Its `group_field` is set from `grouping`.
    pub input: InputConfig,
}

/// `top` when there are more sources than
/// [`SimilarityConfig::all_pairs_limit`] and none was given.
pub const DEFAULT_TOP: usize = 10;

impl Default for SimilarityConfig {
    fn default() -> SimilarityConfig {
        SimilarityConfig {
            grouping: Grouping::Doc,
            kind: TokenKind::Words,
            sizes: vec![5],
            estimate: false,
            perms: 128,
            top: None,
            all_pairs_limit: 3000,
            max_df: 200,
            lsh_threshold: 0.1,
            boilerplate: 10,
            rank: Rank::Jaccard,
            views: 0,
            view_bytes: 64 << 20,
            threads: 0,
            input: InputConfig::default(),
        }
    }
}

impl SimilarityConfig {
    /// Checks every value, with a message that says what to change.
    pub fn validate(&self) -> Result<()> {
        if self.sizes.is_empty() {
            return Err(Error::Config("--shingle needs at least one size".into()));
        }
        if let Some(&k) = self.sizes.iter().find(|&&k| k == 0 || k > 64) {
            return Err(Error::Config(format!(
                "shingle sizes must be 1 to 64 tokens, got {k}"
            )));
        }
        if self.estimate && (self.perms == 0 || self.perms > 4096) {
            return Err(Error::Config(format!(
                "--perms must be 1 to 4096, got {}",
                self.perms
            )));
        }
        if self.top == Some(0) {
            return Err(Error::Config("--top must be at least 1".into()));
        }
        if self.max_df < 2 {
            return Err(Error::Config(format!(
                "--max-df must be at least 2 (a shingle held by one source pairs nothing), got {}",
                self.max_df
            )));
        }
        if !(self.lsh_threshold > 0.0 && self.lsh_threshold < 1.0) {
            return Err(Error::Config(format!(
                "the LSH threshold must be in (0, 1), got {}",
                self.lsh_threshold
            )));
        }
        if let Grouping::Field(name) = &self.grouping {
            if name.is_empty() {
                return Err(Error::Config("--by field: needs a field name".into()));
            }
        }
        if self.input.text_field.is_empty() || self.input.id_field.is_empty() {
            return Err(Error::Config("field names must not be empty".into()));
        }
        Ok(())
    }

    /// The shingle sizes, ascending and without repeats.
    pub fn sizes(&self) -> Vec<usize> {
        let mut s = self.sizes.clone();
        s.sort_unstable();
        s.dedup();
        s
    }

    /// The input options, with the grouping field captured where needed.
    pub fn input_config(&self) -> InputConfig {
        let mut input = self.input.clone();
        input.group_field = match &self.grouping {
            Grouping::Field(name) => Some(name.clone()),
            _ => None,
        };
        input
    }

    /// A rayon pool of the configured size, owned by the run.
    pub fn pool(&self) -> Result<rayon::ThreadPool> {
        crate::config::pool(self.threads)
    }
}

/// The parameters of a run, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarityParams {
    /// `doc`, `dir` or `field:NAME`.
    pub by: String,
    /// `words` or `chars`.
    pub tokens: TokenKind,
    /// Shingle sizes, ascending.
    pub shingles: Vec<usize>,
    /// `exact` or `estimate`.
    pub method: &'static str,
    /// MinHash permutations (estimates only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub perms: Option<usize>,
    /// `all` (every pair that shares something) or `top`.
    pub pairs: &'static str,
    /// Partners kept per source with `top`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top: Option<usize>,
    /// Whether `top` was chosen because there were more sources than
    /// `all_pairs_limit`.
    pub top_automatic: bool,
    /// How pairs are ranked.
    pub rank: Rank,
    /// With `top`: shingles (exact) or LSH buckets (estimate) in more
    /// sources do not propose candidates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_df: Option<usize>,
    /// Estimated `top`: LSH bands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bands: Option<usize>,
    /// Estimated `top`: LSH rows per band.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    /// A shingle in at least this many other documents is boilerplate.
    pub boilerplate_min_other_docs: usize,
}

/// The scores of one pair of sources at one shingle size (the JSON
/// contract's `pairs` entries).
#[derive(Debug, Clone, Serialize)]
pub struct PairScore {
    /// Name of the first source (earlier in the input).
    pub a: Arc<str>,
    /// Name of the second source.
    pub b: Arc<str>,
    /// Shingle size.
    pub shingle: usize,
    /// Jaccard similarity.
    pub jaccard: f64,
    /// Share of a's shingles found in b.
    pub a_in_b: f64,
    /// Share of b's shingles found in a.
    pub b_in_a: f64,
    /// Shingles in both (estimated with `--estimate`).
    pub shared: u64,
    /// Source number of `a`.
    #[serde(skip)]
    pub ai: u32,
    /// Source number of `b`.
    #[serde(skip)]
    pub bi: u32,
}

impl PairScore {
    /// The value pairs are ranked by.
    pub fn rank_key(&self, rank: Rank) -> f64 {
        match rank {
            Rank::Jaccard => self.jaccard,
            Rank::Containment => self.a_in_b.max(self.b_in_a),
        }
    }
}

/// One source's figures at one shingle size.
#[derive(Debug, Clone, Serialize)]
pub struct SizeStats {
    /// Shingle size.
    pub shingle: usize,
    /// Distinct shingles of the source (estimated with `--estimate` for
    /// sources of several documents).
    pub shingles: u64,
    /// Share of them that some other source also has.
    pub shared: f64,
    /// Share of them found in more than `boilerplate_min_other_docs`
    /// documents; absent with `--estimate`.
    pub boilerplate: Option<f64>,
}

/// One source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceStats {
    /// Its name.
    pub source: String,
    /// Documents in it.
    pub documents: u64,
    /// Bytes of text.
    pub bytes: u64,
    /// Tokens (words, or characters with `--char-ngrams`).
    pub words: u64,
    /// Per shingle size.
    pub by_shingle: Vec<SizeStats>,
}

/// Counts of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SimilaritySummary {
    /// Documents read.
    pub documents: u64,
    /// Sources.
    pub sources: u64,
    /// Bytes of text.
    pub bytes: u64,
    /// Documents without a single token.
    pub too_short: u64,
    /// Pairs reported per shingle size, in the order of `params.shingles`.
    pub pairs: Vec<u64>,
}

/// Wall-clock seconds; the only part of the result that differs between
/// two runs of the same input.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SimilarityTimings {
    /// Reading, tokenising, shingling (and signing).
    pub read: f64,
    /// Indexing and scoring pairs.
    pub pairs: f64,
    /// Choosing documents for side-by-side views and marking shared text.
    pub views: f64,
    /// Everything.
    pub total: f64,
}

/// A run of text shared with the other document of a view: the byte range
/// `[start, end)` of the original text, from the first character of its first
/// word to the last character of its last word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedSpan {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// The span of the other document where the first shingle of this one
    /// occurs first.
    pub partner: Option<usize>,
}

/// A document shown in side-by-side views.
#[derive(Debug, Clone, Serialize)]
pub struct ViewDoc {
    /// Document id.
    pub id: String,
    /// Its source number.
    pub source: u32,
    /// Its original text.
    pub text: String,
}

/// A pair of documents, one from each source of a pair, with their shared
/// text marked.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    /// Source number of the first source.
    pub a: u32,
    /// Source number of the second.
    pub b: u32,
    /// Index in [`Views::docs`] of the document shown for `a`.
    pub doc_a: u32,
    /// Same for `b`.
    pub doc_b: u32,
    /// Shared runs in `doc_a`'s text, in text order.
    pub spans_a: Vec<SharedSpan>,
    /// Shared runs in `doc_b`'s text.
    pub spans_b: Vec<SharedSpan>,
    /// Share of `doc_a`'s tokens inside a shared run.
    pub covered_a: f64,
    /// Share of `doc_b`'s tokens inside a shared run.
    pub covered_b: f64,
}

/// Side-by-side views of the most similar pairs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Views {
    /// The shingle size the views mark (the largest asked for).
    pub shingle: usize,
    /// Documents, each once.
    pub docs: Vec<ViewDoc>,
    /// Views, most similar pair first.
    pub pairs: Vec<View>,
}

/// The result of a similarity run. Serialised, it is the JSON contract:
/// `params`, `sources`, `pairs` (by shingle size, then source numbers), plus
/// `source_stats`, `summary`, `skipped` and `timings`.
#[derive(Debug, Clone, Serialize)]
pub struct Similarity {
    /// Parameters.
    pub params: SimilarityParams,
    /// Source names, in order of first appearance in the input.
    pub sources: Vec<String>,
    /// Pairs that share at least one shingle (a pair left out shares none:
    /// all its values are 0), ordered by shingle size, then `a`, then `b`.
    pub pairs: Vec<PairScore>,
    /// Per source, in the order of `sources`.
    pub source_stats: Vec<SourceStats>,
    /// Counts.
    pub summary: SimilaritySummary,
    /// What was skipped while reading.
    pub skipped: Skipped,
    /// Side-by-side views (for the HTML report; not part of the JSON).
    #[serde(skip)]
    pub views: Option<Views>,
    /// SimilarityTimings.
    pub timings: SimilarityTimings,
}

/// Compares the sources found in `corpus` (paths, or texts in memory).
pub fn similarity<'a>(
    corpus: impl Into<input::Corpus<'a>>,
    cfg: &SimilarityConfig,
    progress: &dyn Progress,
) -> Result<Similarity> {
    let corpus = corpus.into();
    cfg.validate()?;
    let pool = cfg.pool()?;
    pool.install(|| run(corpus, cfg, progress))
}
fn run(
    corpus: input::Corpus<'_>,
    cfg: &SimilarityConfig,
    progress: &dyn Progress,
) -> Result<Similarity> {
    let start = Instant::now();
    let sizes = cfg.sizes();
    let input_cfg = cfg.input_config();
    let inputs = corpus.open(&input_cfg)?;
    let hasher = cfg.estimate.then(|| MinHasher::new(cfg.perms));
    let total_bytes: u64 = inputs.total_bytes();

    progress.stage("reading", Some(total_bytes));
    let (corpus, skipped) = read(&inputs, &input_cfg, cfg, &sizes, hasher.as_ref(), progress)?;
    if corpus.doc_ids.is_empty() {
        progress.finish();
        return Err(skipped.empty_input());
    }
    let t_read = start.elapsed().as_secs_f64();

    let t = Instant::now();
    progress.stage("comparing", None);
    let n = corpus.names.len();
    let (top, top_automatic) = match cfg.top {
        Some(k) => (Some(k), false),
        None if n > cfg.all_pairs_limit => (Some(DEFAULT_TOP), true),
        None => (None, false),
    };
    let members = members(&corpus);
    let banding = (cfg.estimate && top.is_some())
        .then(|| Banding::optimal(cfg.lsh_threshold, cfg.perms, Weights::default()));
    let view_size = *sizes.last().unwrap_or(&5);
    let Compared {
        pairs,
        stats,
        view_sets,
        src_lens_view,
    } = compare(&corpus, &members, &sizes, cfg, top, banding);
    let t_pairs = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let views = if cfg.views > 0 {
        progress.stage("views", Some(total_bytes));
        let mut chosen = choose_view_pairs(&pairs, n, &sizes, cfg);
        let view_src_sets = view_sets
            .as_ref()
            .or_else(|| corpus.doc_sets.get(sizes.len() - 1));
        let mut doc_pairs = chosen
            .par_iter()
            .map(|&(a, b)| {
                best_documents(&corpus, &members, a, b, view_src_sets, &src_lens_view, cfg)
            })
            .collect::<Vec<_>>();
        let keep = within_budget(&doc_pairs, &corpus.doc_bytes, cfg.view_bytes);
        chosen.truncate(keep);
        doc_pairs.truncate(keep);
        Some(build_views(
            &inputs, &input_cfg, &corpus, &chosen, &doc_pairs, cfg, view_size, progress,
        )?)
    } else {
        None
    };
    let t_views = t.elapsed().as_secs_f64();
    progress.finish();

    let mut summary = SimilaritySummary {
        documents: corpus.doc_ids.len() as u64,
        sources: n as u64,
        bytes: corpus.bytes,
        too_short: corpus.too_short,
        pairs: vec![0; sizes.len()],
    };
    for p in &pairs {
        if let Ok(i) = sizes.binary_search(&p.shingle) {
            summary.pairs[i] += 1;
        }
    }
    let source_stats = stats
        .into_iter()
        .enumerate()
        .map(|(s, by_shingle)| SourceStats {
            source: corpus.names[s].clone(),
            documents: corpus.src_docs[s],
            bytes: corpus.src_bytes[s],
            words: corpus.src_words[s],
            by_shingle,
        })
        .collect();
    Ok(Similarity {
        params: SimilarityParams {
            by: cfg.grouping.to_string(),
            tokens: cfg.kind,
            shingles: sizes,
            method: if cfg.estimate { "estimate" } else { "exact" },
            perms: cfg.estimate.then_some(cfg.perms),
            pairs: if top.is_some() { "top" } else { "all" },
            top,
            top_automatic,
            rank: cfg.rank,
            max_df: top.is_some().then_some(cfg.max_df),
            bands: banding.map(|b| b.bands),
            rows: banding.map(|b| b.rows),
            boilerplate_min_other_docs: cfg.boilerplate,
        },
        sources: corpus.names,
        pairs,
        source_stats,
        summary,
        skipped,
        views,
        timings: SimilarityTimings {
            read: round6(t_read),
            pairs: round6(t_pairs),
            views: round6(t_views),
            total: round6(start.elapsed().as_secs_f64()),
        },
    })
}

/// The pairs of sources at every shingle size, each source's counts, and
/// what the side-by-side views need of the view size.
struct Compared {
    pairs: Vec<PairScore>,
    /// Per source, its counts at each size.
    stats: Vec<Vec<SizeStats>>,
    /// The sources' shingle sets at the view size, when grouped sources
    /// were compared exactly.
    view_sets: Option<Lists<u64>>,
    /// The sources' set sizes at the view size.
    src_lens_view: Vec<u64>,
}

/// Scores every pair of sources at each shingle size, exactly or by
/// estimate, keeping the `top` partners of each source when asked.
fn compare(
    corpus: &Corpus,
    members: &Lists<u32>,
    sizes: &[usize],
    cfg: &SimilarityConfig,
    top: Option<usize>,
    banding: Option<Banding>,
) -> Compared {
    let n = corpus.names.len();
    let view_size = *sizes.last().unwrap_or(&5);
    // Pairs name their sources by shared pointers: a report of millions of
    // pairs does not copy the names millions of times.
    let shared_names: Vec<Arc<str>> = corpus.names.iter().map(|s| Arc::from(s.as_str())).collect();
    let mut pairs: Vec<PairScore> = Vec::new();
    let mut stats: Vec<Vec<SizeStats>> = vec![Vec::with_capacity(sizes.len()); n];
    let mut view_sets: Option<Lists<u64>> = None;
    let mut src_lens_view: Vec<u64> = Vec::new();
    for (si, &k) in sizes.iter().enumerate() {
        let scored = if cfg.estimate {
            estimate_size(corpus, si, members, cfg, top, banding)
        } else {
            let sets = if cfg.grouping == Grouping::Doc {
                None
            } else {
                Some(unions(&corpus.doc_sets[si], members))
            };
            let src_sets = sets.as_ref().unwrap_or(&corpus.doc_sets[si]);
            let scored = exact_size(&corpus.doc_sets[si], src_sets, cfg, top);
            if k == view_size && cfg.views > 0 {
                view_sets = sets;
            }
            scored
        };
        if k == view_size {
            src_lens_view = scored.lens.clone();
        }
        for (s, st) in stats.iter_mut().enumerate() {
            st.push(SizeStats {
                shingle: k,
                shingles: scored.lens[s],
                shared: round6(ratio(scored.shared[s] as f64, scored.lens[s] as f64)),
                boilerplate: scored
                    .boilerplate
                    .as_ref()
                    .map(|b| round6(ratio(b[s] as f64, scored.lens[s] as f64))),
            });
        }
        pairs.extend(
            scored
                .pairs
                .into_iter()
                .map(|(a, b, j, ab, ba, inter)| PairScore {
                    a: shared_names[a as usize].clone(),
                    b: shared_names[b as usize].clone(),
                    shingle: k,
                    jaccard: round6(j),
                    a_in_b: round6(ab),
                    b_in_a: round6(ba),
                    shared: inter,
                    ai: a,
                    bi: b,
                }),
        );
    }
    Compared {
        pairs,
        stats,
        view_sets,
        src_lens_view,
    }
}

fn ratio(n: f64, d: f64) -> f64 {
    if d > 0.0 {
        n / d
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_parses_and_prints() {
        for s in ["doc", "dir", "field:site"] {
            assert_eq!(s.parse::<Grouping>().unwrap().to_string(), s);
        }
        assert!("field:".parse::<Grouping>().is_err());
        assert!("site".parse::<Grouping>().is_err());
    }

    #[test]
    fn shared_spans_merge_windows_and_link_partners() {
        let a = "Alpha beta gamma delta epsilon. Zeta eta theta.";
        let b = "Intro words here: alpha beta gamma delta, then other stuff entirely.";
        let m = shared_spans(a, b, TokenKind::Words, 2);
        let texts: Vec<&str> = m.a.iter().map(|s| &a[s.start..s.end]).collect();
        assert_eq!(texts, vec!["Alpha beta gamma delta"]);
        let texts: Vec<&str> = m.b.iter().map(|s| &b[s.start..s.end]).collect();
        assert_eq!(texts, vec!["alpha beta gamma delta"]);
        assert_eq!(m.a[0].partner, Some(0));
        assert_eq!(m.b[0].partner, Some(0));
        assert!((m.covered_a - 4.0 / 8.0).abs() < 1e-12);
    }

    #[test]
    fn touching_windows_form_one_run_and_gaps_split() {
        // With k = 2, "a b" and "c d" are shared but "b c" is not: the
        // windows touch, so the tokens a..d form one run.
        let a = "a b c d x y";
        let b = "a b q c d r x";
        let m = shared_spans(a, b, TokenKind::Words, 2);
        let texts: Vec<&str> = m.a.iter().map(|s| &a[s.start..s.end]).collect();
        assert_eq!(texts, vec!["a b c d"]);
        let texts: Vec<&str> = m.b.iter().map(|s| &b[s.start..s.end]).collect();
        assert_eq!(texts, vec!["a b", "c d"]);
    }

    #[test]
    fn cardinality_estimate_is_close() {
        let h = MinHasher::new(256);
        let set: Vec<u64> = (0..5000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let est = estimate_cardinality(&h.signature(&set));
        assert!((est - 5000.0).abs() < 5000.0 * 0.2, "{est}");
        assert_eq!(estimate_cardinality(&h.signature(&[])), 0.0);
    }

    #[test]
    fn views_stop_at_the_text_budget() {
        let bytes = [10, 10, 10, 10];
        // Document 0 is shared by the first two views and counted once.
        assert_eq!(within_budget(&[(0, 1), (0, 2), (2, 3)], &bytes, 30), 2);
        assert_eq!(within_budget(&[(0, 1), (0, 2), (2, 3)], &bytes, 40), 3);
        // The first view is kept whatever its size.
        assert_eq!(within_budget(&[(0, 1), (2, 3)], &bytes, 5), 1);
    }

    #[test]
    fn lists_from_sorted_entries() {
        let l = Lists::from_sorted([(0u32, 5u32), (0, 6), (2, 7)].into_iter(), 4);
        assert_eq!(l.get(0), &[5, 6]);
        assert!(l.get(1).is_empty());
        assert_eq!(l.get(2), &[7]);
        assert!(l.get(3).is_empty());
    }
}
