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

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use ahash::AHashMap;
use rayon::prelude::*;
use serde::Serialize;

use crate::document::Document;
use crate::error::{Error, Result};
use crate::figures::round6;
use crate::input::{self, InputConfig, Inputs, Skipped};
use crate::lsh::{self, Banding, Weights};
use crate::minhash::{self, MinHasher};
use crate::progress::Progress;
use crate::shingle;
use crate::text::{self, Token, TokenKind};
use crate::verify;

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

/// Many lists stored end to end: list `i` is `data[ends[i-1]..ends[i]]`.
#[derive(Debug, Clone, Default)]
struct Lists<T> {
    data: Vec<T>,
    ends: Vec<usize>,
}

impl<T: Copy> Lists<T> {
    fn push(&mut self, list: &[T]) {
        self.data.extend_from_slice(list);
        self.ends.push(self.data.len());
    }

    fn get(&self, i: usize) -> &[T] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Lists from `(list, value)` entries sorted by list, for `n` lists.
    fn from_sorted(entries: impl Iterator<Item = (u32, T)>, n: usize) -> Lists<T> {
        let mut out = Lists {
            data: Vec::new(),
            ends: Vec::with_capacity(n),
        };
        for (list, value) in entries {
            while out.ends.len() < list as usize {
                out.ends.push(out.data.len());
            }
            out.data.push(value);
        }
        while out.ends.len() < n {
            out.ends.push(out.data.len());
        }
        out
    }
}

/// What the first read keeps of one document.
struct ReadDoc {
    id: String,
    key: String,
    bytes: u64,
    words: u64,
    /// Exact: the shingle set per size.
    sets: Vec<Vec<u64>>,
    /// Estimate: the set size and signature per size.
    lens: Vec<u64>,
    sigs: Vec<Vec<u32>>,
}

/// Everything gathered by the first read.
struct Corpus {
    names: Vec<String>,
    doc_source: Vec<u32>,
    doc_ids: Vec<String>,
    doc_bytes: Vec<u64>,
    src_docs: Vec<u64>,
    src_bytes: Vec<u64>,
    src_words: Vec<u64>,
    too_short: u64,
    bytes: u64,
    /// Exact: per size, the shingle set of every document.
    doc_sets: Vec<Lists<u64>>,
    /// Estimate: per size, `perms` values per source.
    src_sigs: Vec<Vec<u32>>,
    /// Estimate: per size, the exact set size of each document.
    doc_lens: Vec<Vec<u64>>,
    /// Estimate with views of grouped sources: per document, its signature
    /// at the view size.
    doc_sigs: Vec<u32>,
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
    // Pairs name their sources by shared pointers: a report of millions of
    // pairs does not copy the names millions of times.
    let shared_names: Vec<Arc<str>> = corpus.names.iter().map(|s| Arc::from(s.as_str())).collect();
    let mut pairs: Vec<PairScore> = Vec::new();
    let mut stats: Vec<Vec<SizeStats>> = vec![Vec::with_capacity(sizes.len()); n];
    let mut view_sets: Option<Lists<u64>> = None;
    let mut src_lens_view: Vec<u64> = Vec::new();
    for (si, &k) in sizes.iter().enumerate() {
        let scored = if cfg.estimate {
            estimate_size(&corpus, si, &members, cfg, top, banding)
        } else {
            let sets = if cfg.grouping == Grouping::Doc {
                None
            } else {
                Some(unions(&corpus.doc_sets[si], &members))
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
    drop(shared_names);
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

fn ratio(n: f64, d: f64) -> f64 {
    if d > 0.0 {
        n / d
    } else {
        0.0
    }
}

/// The first read: tokenise and shingle every document once for all sizes,
/// and assign it to its source.
fn read(
    inputs: &Inputs,
    input_cfg: &InputConfig,
    cfg: &SimilarityConfig,
    sizes: &[usize],
    hasher: Option<&MinHasher>,
    progress: &dyn Progress,
) -> Result<(Corpus, Skipped)> {
    let perms = cfg.perms;
    let view_size_index = sizes.len() - 1;
    let keep_doc_sigs = cfg.estimate && cfg.views > 0 && cfg.grouping != Grouping::Doc;
    let mut c = Corpus {
        names: Vec::new(),
        doc_source: Vec::new(),
        doc_ids: Vec::new(),
        doc_bytes: Vec::new(),
        src_docs: Vec::new(),
        src_bytes: Vec::new(),
        src_words: Vec::new(),
        too_short: 0,
        bytes: 0,
        doc_sets: (0..sizes.len()).map(|_| Lists::default()).collect(),
        src_sigs: vec![Vec::new(); sizes.len()],
        doc_lens: vec![Vec::new(); sizes.len()],
        doc_sigs: Vec::new(),
    };
    let mut source_of: AHashMap<String, u32> = AHashMap::new();
    let mut id_seen: AHashMap<String, u32> = AHashMap::new();
    let files = inputs.files();
    let skipped = inputs.read(input_cfg, |batch, raw_bytes| {
        let docs = batch.len() as u64;
        let read: Vec<ReadDoc> = batch
            .into_par_iter()
            .map_init(
                || (Vec::<Token>::new(), Vec::<u64>::new()),
                |(tokens, set), doc: Document| {
                    text::tokenize(&doc.text, cfg.kind, tokens);
                    let mut r = ReadDoc {
                        key: match &cfg.grouping {
                            Grouping::Doc => String::new(),
                            Grouping::Dir => files[doc.origin.file as usize].source.clone(),
                            Grouping::Field(_) => doc.group.unwrap_or_default(),
                        },
                        id: doc.id,
                        bytes: doc.text.len() as u64,
                        words: tokens.len() as u64,
                        sets: Vec::new(),
                        lens: Vec::new(),
                        sigs: Vec::new(),
                    };
                    for &k in sizes {
                        shingle::set(tokens, k, set);
                        match hasher {
                            None => r.sets.push(set.clone()),
                            Some(h) => {
                                r.lens.push(set.len() as u64);
                                r.sigs.push(h.signature(set));
                            }
                        }
                    }
                    r
                },
            )
            .collect();
        for r in read {
            let d = c.doc_ids.len() as u32;
            let s = if cfg.grouping == Grouping::Doc {
                // Every document is a source; repeated ids get `#2`, `#3`…
                // so that names stay unique.
                let seen = id_seen.entry(r.id.clone()).or_insert(0);
                *seen += 1;
                let name = if *seen == 1 {
                    r.id.clone()
                } else {
                    format!("{}#{}", r.id, seen)
                };
                c.names.push(name);
                d
            } else {
                match source_of.get(&r.key) {
                    Some(&s) => s,
                    None => {
                        let s = c.names.len() as u32;
                        source_of.insert(r.key.clone(), s);
                        c.names.push(r.key);
                        s
                    }
                }
            };
            if s as usize == c.src_docs.len() {
                c.src_docs.push(0);
                c.src_bytes.push(0);
                c.src_words.push(0);
                if hasher.is_some() {
                    for sig in &mut c.src_sigs {
                        sig.resize(sig.len() + perms, u32::MAX);
                    }
                }
            }
            let su = s as usize;
            c.src_docs[su] += 1;
            c.src_bytes[su] += r.bytes;
            c.src_words[su] += r.words;
            c.bytes += r.bytes;
            if r.words == 0 {
                c.too_short += 1;
            }
            for (si, set) in r.sets.iter().enumerate() {
                c.doc_sets[si].push(set);
            }
            for (si, sig) in r.sigs.iter().enumerate() {
                let dst = &mut c.src_sigs[si][su * perms..(su + 1) * perms];
                for (x, &y) in dst.iter_mut().zip(sig) {
                    *x = (*x).min(y);
                }
                c.doc_lens[si].push(r.lens[si]);
            }
            if keep_doc_sigs {
                c.doc_sigs.extend_from_slice(&r.sigs[view_size_index]);
            }
            c.doc_source.push(s);
            c.doc_ids.push(r.id);
            c.doc_bytes.push(r.bytes);
            debug_assert_eq!(c.doc_ids.len() as u32, d + 1);
        }
        progress.advance(docs, raw_bytes);
        Ok(())
    })?;
    Ok((c, skipped))
}

/// The documents of each source, in input order.
fn members(c: &Corpus) -> Lists<u32> {
    let mut entries: Vec<(u32, u32)> = c
        .doc_source
        .iter()
        .enumerate()
        .map(|(d, &s)| (s, d as u32))
        .collect();
    entries.sort_unstable();
    Lists::from_sorted(entries.into_iter(), c.names.len())
}

/// The shingle set of each source: the union of its documents' sets.
fn unions(doc_sets: &Lists<u64>, members: &Lists<u32>) -> Lists<u64> {
    let sets: Vec<Vec<u64>> = (0..members.len())
        .into_par_iter()
        .map(|s| {
            let mut u: Vec<u64> = Vec::new();
            for &d in members.get(s) {
                u.extend_from_slice(doc_sets.get(d as usize));
            }
            u.par_sort_unstable();
            u.dedup();
            u
        })
        .collect();
    let mut out = Lists::default();
    for s in &sets {
        out.push(s);
    }
    out
}

/// Scores of one shingle size.
struct Scored {
    /// `(a, b, jaccard, a_in_b, b_in_a, shared)` with `a < b`, sorted.
    pairs: Vec<(u32, u32, f64, f64, f64, u64)>,
    /// Distinct shingles per source.
    lens: Vec<u64>,
    /// Shingles of each source that another source has.
    shared: Vec<u64>,
    /// Shingles of each source in more than `boilerplate` documents.
    boilerplate: Option<Vec<u64>>,
}

/// The shingles held by two or more sources: for each such shingle (by a
/// dense id, in fingerprint order) the sources holding it, and for each
/// source the ids of its shared shingles.
struct SharedIndex {
    postings: Lists<u32>,
    ids_of: Lists<u32>,
}

impl SharedIndex {
    fn build(sets: &Lists<u64>) -> SharedIndex {
        let n = sets.len();
        let mut entries: Vec<(u64, u32)> = (0..n)
            .into_par_iter()
            .flat_map_iter(|s| sets.get(s).iter().map(move |&f| (f, s as u32)))
            .collect();
        entries.par_sort_unstable();
        let mut postings = Lists::default();
        let mut by_source: Vec<(u32, u32)> = Vec::new();
        let mut i = 0;
        while i < entries.len() {
            let mut j = i + 1;
            while j < entries.len() && entries[j].0 == entries[i].0 {
                j += 1;
            }
            if j - i >= 2 {
                let id = postings.len() as u32;
                for e in &entries[i..j] {
                    postings.data.push(e.1);
                    by_source.push((e.1, id));
                }
                postings.ends.push(postings.data.len());
            }
            i = j;
        }
        drop(entries);
        by_source.par_sort_unstable();
        SharedIndex {
            postings,
            ids_of: Lists::from_sorted(by_source.into_iter(), n),
        }
    }
}

/// Exact scores at one shingle size.
fn exact_size(
    doc_sets: &Lists<u64>,
    src_sets: &Lists<u64>,
    cfg: &SimilarityConfig,
    top: Option<usize>,
) -> Scored {
    let n = src_sets.len();
    let lens: Vec<u64> = (0..n).map(|s| src_sets.get(s).len() as u64).collect();
    let index = SharedIndex::build(src_sets);
    let shared: Vec<u64> = (0..n).map(|s| index.ids_of.get(s).len() as u64).collect();
    let boilerplate = if cfg.grouping == Grouping::Doc {
        // Sources are documents: a shingle's document count is its
        // posting length.
        (0..n)
            .map(|s| {
                index
                    .ids_of
                    .get(s)
                    .iter()
                    .filter(|&&id| index.postings.get(id as usize).len() > cfg.boilerplate)
                    .count() as u64
            })
            .collect()
    } else {
        let common = frequent_shingles(doc_sets, cfg.boilerplate);
        (0..n)
            .into_par_iter()
            .map(|s| verify::intersection(src_sets.get(s), &common) as u64)
            .collect()
    };
    let counts = match top {
        None => all_pair_counts(&index, n),
        Some(k) => top_pair_counts(&index, &lens, n, k, cfg.max_df, cfg.rank),
    };
    let pairs = counts
        .into_iter()
        .map(|(a, b, inter)| {
            let (la, lb, i) = (
                lens[a as usize] as f64,
                lens[b as usize] as f64,
                inter as f64,
            );
            (
                a,
                b,
                ratio(i, la + lb - i),
                ratio(i, la),
                ratio(i, lb),
                inter,
            )
        })
        .collect();
    Scored {
        pairs,
        lens,
        shared,
        boilerplate: Some(boilerplate),
    }
}

/// The fingerprints found in more than `min_other` documents (so in at least
/// `min_other` other documents than any one that has them), sorted.
fn frequent_shingles(doc_sets: &Lists<u64>, min_other: usize) -> Vec<u64> {
    let mut all = doc_sets.data.clone();
    all.par_sort_unstable();
    let mut out = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let mut j = i + 1;
        while j < all.len() && all[j] == all[i] {
            j += 1;
        }
        if j - i > min_other {
            out.push(all[i]);
        }
        i = j;
    }
    out
}

/// The shared-shingle count of every pair `a < b` that shares one.
fn all_pair_counts(index: &SharedIndex, n: usize) -> Vec<(u32, u32, u64)> {
    (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0u32; n], Vec::<u32>::new()),
            |(counts, touched), a| {
                for &id in index.ids_of.get(a) {
                    let post = index.postings.get(id as usize);
                    let from = post.partition_point(|&b| b <= a as u32);
                    for &b in &post[from..] {
                        if counts[b as usize] == 0 {
                            touched.push(b);
                        }
                        counts[b as usize] += 1;
                    }
                }
                touched.sort_unstable();
                let out: Vec<(u32, u32, u64)> = touched
                    .iter()
                    .map(|&b| (a as u32, b, counts[b as usize] as u64))
                    .collect();
                for &b in touched.iter() {
                    counts[b as usize] = 0;
                }
                touched.clear();
                out
            },
        )
        .flatten_iter()
        .collect()
}

/// The frequent shingles (held by more than `max_df` sources) of every
/// source, for counting what two sources share among them.
enum Frequent {
    /// One bitset of `words` u64 per source, when that fits
    /// [`Frequent::BITSET_BUDGET`]: a pair then costs `words` AND-popcounts.
    Bits { words: usize, bits: Vec<u64> },
    /// Sorted shingle ids per source, merged pair by pair.
    Lists(Lists<u32>),
}

impl Frequent {
    /// Bytes the bitsets may take.
    const BITSET_BUDGET: usize = 256 << 20;

    fn new(index: &SharedIndex, n: usize, max_df: usize) -> Frequent {
        let is_frequent = |id: u32| index.postings.get(id as usize).len() > max_df;
        let ids: Vec<u32> = (0..index.postings.len() as u32)
            .filter(|&id| is_frequent(id))
            .collect();
        let words = ids.len().div_ceil(64);
        if n.saturating_mul(words).saturating_mul(8) <= Frequent::BITSET_BUDGET {
            let mut bits = vec![0u64; n * words];
            bits.par_chunks_mut(words.max(1))
                .enumerate()
                .take(n)
                .for_each(|(s, row)| {
                    for &id in index.ids_of.get(s) {
                        if let Ok(bit) = ids.binary_search(&id) {
                            row[bit / 64] |= 1 << (bit % 64);
                        }
                    }
                });
            Frequent::Bits { words, bits }
        } else {
            let mut l = Lists::default();
            for s in 0..n {
                let f: Vec<u32> = index
                    .ids_of
                    .get(s)
                    .iter()
                    .copied()
                    .filter(|&id| is_frequent(id))
                    .collect();
                l.push(&f);
            }
            Frequent::Lists(l)
        }
    }

    /// Frequent shingles that sources `a` and `b` both hold.
    fn common(&self, a: usize, b: usize) -> u64 {
        match self {
            Frequent::Bits { words, bits } => {
                let (x, y) = (
                    &bits[a * words..(a + 1) * words],
                    &bits[b * words..(b + 1) * words],
                );
                x.iter()
                    .zip(y)
                    .map(|(p, q)| (p & q).count_ones() as u64)
                    .sum()
            }
            Frequent::Lists(l) => verify::intersection(l.get(a), l.get(b)) as u64,
        }
    }
}

/// The `k` best partners of every source, as pairs `a < b` with their exact
/// shared count. Candidates are the sources sharing a shingle held by at most
/// `max_df` sources; shingles held by more are counted from per-source
/// bitsets (or lists).
fn top_pair_counts(
    index: &SharedIndex,
    lens: &[u64],
    n: usize,
    k: usize,
    max_df: usize,
    rank: Rank,
) -> Vec<(u32, u32, u64)> {
    let frequent = Frequent::new(index, n, max_df);
    let mut pairs: Vec<(u32, u32, u64)> = (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0u32; n], Vec::<u32>::new()),
            |(counts, touched), a| {
                for &id in index.ids_of.get(a) {
                    let post = index.postings.get(id as usize);
                    if post.len() > max_df {
                        continue;
                    }
                    for &b in post {
                        if b as usize == a {
                            continue;
                        }
                        if counts[b as usize] == 0 {
                            touched.push(b);
                        }
                        counts[b as usize] += 1;
                    }
                }
                let la = lens[a] as f64;
                let mut scored: Vec<(f64, u32, u64)> = touched
                    .iter()
                    .map(|&b| {
                        let inter = counts[b as usize] as u64 + frequent.common(a, b as usize);
                        let (lb, i) = (lens[b as usize] as f64, inter as f64);
                        let key = match rank {
                            Rank::Jaccard => ratio(i, la + lb - i),
                            Rank::Containment => ratio(i, la).max(ratio(i, lb)),
                        };
                        (key, b, inter)
                    })
                    .collect();
                for &b in touched.iter() {
                    counts[b as usize] = 0;
                }
                touched.clear();
                scored.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
                scored.truncate(k);
                scored
                    .into_iter()
                    .map(|(_, b, inter)| {
                        (a.min(b as usize) as u32, a.max(b as usize) as u32, inter)
                    })
                    .collect::<Vec<_>>()
            },
        )
        .flatten_iter()
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}

/// The estimated size of a set from its MinHash signature: each value is the
/// minimum of `n` uniform draws, so `-ln(1 - u)` is exponential with rate `n`
/// and `(K - 1) / Σ -ln(1 - u_i)` is an unbiased estimate of `n`.
pub fn estimate_cardinality(sig: &[u32]) -> f64 {
    if sig.is_empty() || sig.iter().all(|&v| v == u32::MAX) {
        return 0.0;
    }
    let sum: f64 = sig
        .iter()
        .map(|&v| -(1.0 - (v as f64 + 0.5) / 4_294_967_296.0).ln())
        .sum();
    ((sig.len() as f64 - 1.0) / sum).max(1.0)
}

/// `(jaccard, a_in_b, b_in_a, shared)` from a Jaccard estimate and set sizes.
fn from_jaccard(j: f64, la: f64, lb: f64) -> (f64, f64, f64, u64) {
    if j <= 0.0 || la <= 0.0 || lb <= 0.0 {
        return (0.0, 0.0, 0.0, 0);
    }
    let inter = (j / (1.0 + j) * (la + lb)).min(la).min(lb);
    (
        j,
        (inter / la).min(1.0),
        (inter / lb).min(1.0),
        inter.round() as u64,
    )
}

/// Estimated scores at one shingle size.
fn estimate_size(
    c: &Corpus,
    si: usize,
    members: &Lists<u32>,
    cfg: &SimilarityConfig,
    top: Option<usize>,
    banding: Option<Banding>,
) -> Scored {
    let n = c.names.len();
    let perms = cfg.perms;
    let sigs = &c.src_sigs[si];
    let sig = |s: usize| &sigs[s * perms..(s + 1) * perms];
    let lens_f: Vec<f64> = (0..n)
        .map(|s| {
            let m = members.get(s);
            if m.len() == 1 {
                c.doc_lens[si][m[0] as usize] as f64
            } else {
                estimate_cardinality(sig(s))
            }
        })
        .collect();
    let score =
        |a: usize, b: usize| from_jaccard(minhash::estimate(sig(a), sig(b)), lens_f[a], lens_f[b]);
    let nonempty: Vec<u32> = (0..n as u32)
        .filter(|&s| lens_f[s as usize] > 0.0)
        .collect();
    let pairs: Vec<(u32, u32, f64, f64, f64, u64)> = match (top, banding) {
        (Some(k), Some(banding)) => {
            let mut keys = vec![0u64; nonempty.len() * banding.bands];
            keys.par_chunks_mut(banding.bands.max(1))
                .zip(nonempty.par_iter())
                .for_each(|(out, &s)| banding.keys(sig(s as usize), out));
            let candidates = lsh::candidates_limited(
                |slot, band| keys[slot * banding.bands + band],
                &nonempty,
                banding.bands,
                cfg.max_df,
                lsh::Oversize::Skip,
            );
            let mut partners: Vec<(u32, u32)> = candidates
                .iter()
                .flat_map(|&(a, b)| [(a, b), (b, a)])
                .collect();
            partners.par_sort_unstable();
            let adjacency = Lists::from_sorted(partners.into_iter(), n);
            let mut kept: Vec<(u32, u32)> = (0..n)
                .into_par_iter()
                .flat_map_iter(|a| {
                    let mut scored: Vec<(f64, u32)> = adjacency
                        .get(a)
                        .iter()
                        .filter_map(|&b| {
                            let (j, ab, ba, _) = score(a, b as usize);
                            let key = match cfg.rank {
                                Rank::Jaccard => j,
                                Rank::Containment => ab.max(ba),
                            };
                            (j > 0.0).then_some((key, b))
                        })
                        .collect();
                    scored.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
                    scored.truncate(k);
                    scored
                        .into_iter()
                        .map(move |(_, b)| (a.min(b as usize) as u32, a.max(b as usize) as u32))
                })
                .collect();
            kept.par_sort_unstable();
            kept.dedup();
            kept.into_iter()
                .map(|(a, b)| {
                    let (j, ab, ba, inter) = score(a as usize, b as usize);
                    (a, b, j, ab, ba, inter)
                })
                .collect()
        }
        _ => nonempty
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, &a)| {
                nonempty[i + 1..].iter().filter_map(move |&b| {
                    let (j, ab, ba, inter) = score(a as usize, b as usize);
                    (j > 0.0).then_some((a, b, j, ab, ba, inter))
                })
            })
            .collect(),
    };
    // Each source against the union of all others, whose signature is the
    // element-wise minimum of theirs: per position the smallest value and
    // how many sources have it, and the second smallest.
    let mut first = vec![u32::MAX; perms];
    let mut holders = vec![0u32; perms];
    let mut second = vec![u32::MAX; perms];
    for s in 0..n {
        for (i, &v) in sig(s).iter().enumerate() {
            if v < first[i] {
                second[i] = first[i];
                first[i] = v;
                holders[i] = 1;
            } else if v == first[i] {
                holders[i] += 1;
            } else if v < second[i] {
                second[i] = v;
            }
        }
    }
    let shared: Vec<u64> = (0..n)
        .into_par_iter()
        .map(|s| {
            let own = sig(s);
            let others: Vec<u32> = (0..perms)
                .map(|i| {
                    if own[i] == first[i] && holders[i] == 1 {
                        second[i]
                    } else {
                        first[i]
                    }
                })
                .collect();
            let j = minhash::estimate(own, &others);
            from_jaccard(j, lens_f[s], estimate_cardinality(&others)).3
        })
        .collect();
    Scored {
        pairs,
        lens: lens_f.iter().map(|&l| l.round() as u64).collect(),
        shared,
        boilerplate: None,
    }
}

/// The source pairs that get a side-by-side view: the most similar at the
/// largest shingle size first, then by Jaccard at the smallest, then by
/// source numbers.
fn choose_view_pairs(
    pairs: &[PairScore],
    n: usize,
    sizes: &[usize],
    cfg: &SimilarityConfig,
) -> Vec<(u32, u32)> {
    let large = *sizes.last().unwrap_or(&5);
    let small = *sizes.first().unwrap_or(&5);
    let mut by_pair: AHashMap<(u32, u32), (f64, f64)> = AHashMap::new();
    for p in pairs {
        let e = by_pair.entry((p.ai, p.bi)).or_insert((0.0, 0.0));
        if p.shingle == large {
            e.0 = p.rank_key(cfg.rank);
        }
        if p.shingle == small {
            e.1 = p.jaccard;
        }
    }
    let mut ranked: Vec<((u32, u32), (f64, f64))> = by_pair.into_iter().collect();
    ranked.sort_unstable_by(|x, y| {
        y.1 .0
            .total_cmp(&x.1 .0)
            .then(y.1 .1.total_cmp(&x.1 .1))
            .then(x.0.cmp(&y.0))
    });
    let mut chosen: Vec<(u32, u32)> = ranked.into_iter().map(|(p, _)| p).take(cfg.views).collect();
    // A small matrix gets a view for every cell, even pairs that share
    // nothing, so that every click shows both texts.
    if n * (n - 1) / 2 <= cfg.views {
        for a in 0..n as u32 {
            for b in a + 1..n as u32 {
                if !chosen.contains(&(a, b)) {
                    chosen.push((a, b));
                }
            }
        }
    }
    chosen
}

/// How many of the first views fit `budget` bytes of text (each document
/// counted once); at least one.
fn within_budget(doc_pairs: &[(u32, u32)], doc_bytes: &[u64], budget: u64) -> usize {
    let mut seen = ahash::AHashSet::new();
    let mut total = 0u64;
    for (i, &(x, y)) in doc_pairs.iter().enumerate() {
        for d in [x, y] {
            if seen.insert(d) {
                total += doc_bytes[d as usize];
            }
        }
        if total > budget && i > 0 {
            return i;
        }
    }
    doc_pairs.len()
}

/// The documents shown for sources `a` and `b`: the document of `a` that
/// shares most shingles with `b`, and the document of `b` that shares most
/// with it (earliest on ties).
fn best_documents(
    c: &Corpus,
    members: &Lists<u32>,
    a: u32,
    b: u32,
    src_sets: Option<&Lists<u64>>,
    src_lens: &[u64],
    cfg: &SimilarityConfig,
) -> (u32, u32) {
    let (ma, mb) = (members.get(a as usize), members.get(b as usize));
    if ma.len() == 1 && mb.len() == 1 {
        return (ma[0], mb[0]);
    }
    let argmax = |docs: &[u32], score: &dyn Fn(u32) -> f64| -> u32 {
        let mut best = (f64::NEG_INFINITY, docs[0]);
        for &d in docs {
            let s = score(d);
            if s > best.0 {
                best = (s, d);
            }
        }
        best.1
    };
    let last = c.doc_sets.len().saturating_sub(1);
    if !cfg.estimate {
        let doc_sets = &c.doc_sets[last];
        let Some(src_sets) = src_sets else {
            return (ma[0], mb[0]);
        };
        let set_b = src_sets.get(b as usize);
        let da = argmax(ma, &|d| {
            verify::intersection(doc_sets.get(d as usize), set_b) as f64
        });
        let set_da = doc_sets.get(da as usize);
        let db = argmax(mb, &|d| {
            verify::intersection(doc_sets.get(d as usize), set_da) as f64
        });
        (da, db)
    } else {
        let perms = cfg.perms;
        let last = c.doc_lens.len().saturating_sub(1);
        let doc_sig = |d: u32| &c.doc_sigs[d as usize * perms..(d as usize + 1) * perms];
        let doc_len = |d: u32| c.doc_lens[last][d as usize] as f64;
        let src_sig = &c.src_sigs[last][b as usize * perms..(b as usize + 1) * perms];
        let lb = src_lens.get(b as usize).copied().unwrap_or(0) as f64;
        let da = argmax(ma, &|d| {
            from_jaccard(minhash::estimate(doc_sig(d), src_sig), doc_len(d), lb).3 as f64
        });
        let db = argmax(mb, &|d| {
            from_jaccard(
                minhash::estimate(doc_sig(d), doc_sig(da)),
                doc_len(d),
                doc_len(da),
            )
            .3 as f64
        });
        (da, db)
    }
}

/// Re-reads the input for the documents of the views and marks their shared
/// text.
#[allow(clippy::too_many_arguments)]
fn build_views(
    inputs: &Inputs,
    input_cfg: &InputConfig,
    c: &Corpus,
    chosen: &[(u32, u32)],
    doc_pairs: &[(u32, u32)],
    cfg: &SimilarityConfig,
    size: usize,
    progress: &dyn Progress,
) -> Result<Views> {
    let mut wanted: Vec<u32> = doc_pairs.iter().flat_map(|&(x, y)| [x, y]).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut texts: AHashMap<u32, String> = AHashMap::new();
    let mut next = 0u32;
    inputs.read(input_cfg, |batch, raw_bytes| {
        for doc in batch {
            if wanted.binary_search(&next).is_ok() {
                texts.insert(next, doc.text);
            }
            next += 1;
        }
        progress.advance(0, raw_bytes);
        Ok(())
    })?;
    if next as usize != c.doc_ids.len() {
        return Err(Error::Changed("side-by-side views".into()));
    }
    let slot: AHashMap<u32, u32> = wanted
        .iter()
        .enumerate()
        .map(|(i, &d)| (d, i as u32))
        .collect();
    let docs: Vec<ViewDoc> = wanted
        .iter()
        .map(|&d| ViewDoc {
            id: c.doc_ids[d as usize].clone(),
            source: c.doc_source[d as usize],
            text: texts.remove(&d).unwrap_or_default(),
        })
        .collect();
    let pairs = chosen
        .par_iter()
        .zip(doc_pairs.par_iter())
        .map(|(&(a, b), &(da, db))| {
            let (sa, sb) = (slot[&da], slot[&db]);
            let marked = shared_spans(
                &docs[sa as usize].text,
                &docs[sb as usize].text,
                cfg.kind,
                size,
            );
            View {
                a,
                b,
                doc_a: sa,
                doc_b: sb,
                spans_a: marked.a,
                spans_b: marked.b,
                covered_a: round6(marked.covered_a),
                covered_b: round6(marked.covered_b),
            }
        })
        .collect();
    Ok(Views {
        shingle: size,
        docs,
        pairs,
    })
}

/// The text two documents share, marked in both.
#[derive(Debug, Clone, PartialEq)]
pub struct Marked {
    /// Shared runs of the first text.
    pub a: Vec<SharedSpan>,
    /// Shared runs of the second text.
    pub b: Vec<SharedSpan>,
    /// Share of the first text's tokens inside a run.
    pub covered_a: f64,
    /// Share of the second text's tokens inside a run.
    pub covered_b: f64,
}

/// Marks the text `a` and `b` share: every window of `k` tokens whose
/// shingle occurs in the other text is covered, overlapping and touching
/// windows merge into maximal runs of tokens, and each run is reported as
/// the byte range from its first token's start to its last token's end.
/// Each run is linked to the run of the other text where its first shingle
/// first occurs.
///
/// This is the one place that decides what "shared passage" means in a
/// side-by-side view; a corpus-wide passage finder can replace it without
/// touching the reports.
pub fn shared_spans(a: &str, b: &str, kind: TokenKind, k: usize) -> Marked {
    let side = |t: &str| {
        let mut tokens = Vec::new();
        text::tokenize(t, kind, &mut tokens);
        let mut windows = Vec::new();
        shingle::fingerprints(&tokens, k, &mut windows);
        let mut set = windows.clone();
        set.sort_unstable();
        set.dedup();
        (tokens, windows, set)
    };
    let (ta, wa, sa) = side(a);
    let (tb, wb, sb) = side(b);
    let runs_a = covered_runs(&ta, &wa, k, &sb);
    let runs_b = covered_runs(&tb, &wb, k, &sa);
    let link = |runs: &[Run], windows: &[u64], other_runs: &[Run], other_windows: &[u64]| {
        let mut first_at: AHashMap<u64, usize> = AHashMap::new();
        for (i, &w) in other_windows.iter().enumerate() {
            first_at.entry(w).or_insert(i);
        }
        runs.iter()
            .map(|r| {
                let at = *first_at.get(&windows[r.first_window])?;
                let i = other_runs.partition_point(|o| o.tokens.end <= at);
                (i < other_runs.len() && other_runs[i].tokens.start <= at).then_some(i)
            })
            .collect::<Vec<_>>()
    };
    let partners_a = link(&runs_a, &wa, &runs_b, &wb);
    let partners_b = link(&runs_b, &wb, &runs_a, &wa);
    let spans = |runs: &[Run], tokens: &[Token], partners: Vec<Option<usize>>| {
        runs.iter()
            .zip(partners)
            .map(|(r, partner)| SharedSpan {
                start: tokens[r.tokens.start].start,
                end: tokens[r.tokens.end - 1].end,
                partner,
            })
            .collect::<Vec<_>>()
    };
    let covered = |runs: &[Run], tokens: &[Token]| {
        ratio(
            runs.iter().map(|r| r.tokens.len()).sum::<usize>() as f64,
            tokens.len() as f64,
        )
    };
    Marked {
        covered_a: covered(&runs_a, &ta),
        covered_b: covered(&runs_b, &tb),
        a: spans(&runs_a, &ta, partners_a),
        b: spans(&runs_b, &tb, partners_b),
    }
}

/// A maximal run of covered tokens and the first window that covers it.
struct Run {
    tokens: std::ops::Range<usize>,
    first_window: usize,
}

/// Runs of tokens covered by windows whose fingerprint is in `other`.
fn covered_runs(tokens: &[Token], windows: &[u64], k: usize, other: &[u64]) -> Vec<Run> {
    // A text shorter than k tokens has one window over all of them.
    let width = k.max(1).min(tokens.len());
    let mut runs: Vec<Run> = Vec::new();
    for (i, w) in windows.iter().enumerate() {
        if other.binary_search(w).is_err() {
            continue;
        }
        let end = i + width;
        match runs.last_mut() {
            Some(r) if i <= r.tokens.end => r.tokens.end = r.tokens.end.max(end),
            _ => runs.push(Run {
                tokens: i..end,
                first_window: i,
            }),
        }
    }
    runs
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
