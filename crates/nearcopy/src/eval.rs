//! Scoring a result against known truth.
//!
//! A result is the JSON of `nearcopy scan` (its `clusters[].pairs`,
//! `clusters[].members` and, when present, `passages`) or of
//! `nearcopy exact` (top-level `pairs`). The truth is one of
//!
//! * the truth file of `nearcopy synth` (pairs with exact Jaccard, planted
//!   passages with byte ranges, site boilerplate lengths);
//! * the JSON of `nearcopy exact`, the true answer on any corpus at and above
//!   its threshold, so the recall of MinHash/LSH can be measured on corpora
//!   without labels;
//! * a tab-separated file with a header naming at least the columns `a`, `b`
//!   and `jaccard`, as in `../shared/evaldata`.
//!
//! Measures, at the result's threshold `t` (truth pairs with Jaccard ≥ `t`
//! are the positives):
//!
//! * **pairs**: precision, recall and F1 of the reported pairs;
//! * **recall by Jaccard bin** of the true pair, `[0.3, 0.4)` … `[0.9, 1.0)`
//!   and `1.0`, which shows where a sampling method loses pairs (just above
//!   the threshold);
//! * **clusters**: the adjusted Rand index (Hubert and Arabie 1985) between
//!   the reported groups and the connected components of the positives, over
//!   all documents (singletons included);
//! * **passages** (when both sides have them), by byte overlap: a planted
//!   occurrence is found when at least half of its bytes are covered by
//!   reported occurrences in the same document; a reported occurrence is
//!   explained when at least half of its bytes lie in a planted occurrence
//!   or in its site's boilerplate, or when the same reported passage also
//!   occurs in another document related to it by the truth (near-duplicates
//!   share their text). Byte-weighted figures are given as well.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::Path;

use ahash::AHashMap;
use serde::{Deserialize, Deserializer, Serialize};

use crate::cluster::UnionFind;
use crate::error::{Error, Invalid, Result};
use crate::figures::round6;
use crate::progress::Progress;
use crate::synth::SiteInfo;

/// Options of an evaluation.
#[derive(Debug, Clone)]
pub struct EvalConfig {
    /// Jaccard threshold; by default the result's `params.threshold`.
    pub threshold: Option<f64>,
    /// Share of an occurrence's bytes that must be covered for it to count
    /// as found (or explained).
    pub min_cover: f64,
}

impl Default for EvalConfig {
    fn default() -> EvalConfig {
        EvalConfig {
            threshold: None,
            min_cover: 0.5,
        }
    }
}

/// Where the truth came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TruthKind {
    /// A `nearcopy synth` truth file.
    Synth,
    /// A JSON list of pairs (such as `nearcopy exact` output).
    Json,
    /// A tab-separated file of pairs.
    Tsv,
}

/// A pair of documents with its Jaccard similarity.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownPair {
    /// One document.
    pub a: String,
    /// The other.
    pub b: String,
    /// Jaccard similarity, when known.
    pub jaccard: Option<f64>,
}

/// One occurrence of a passage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Document id.
    pub doc: String,
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end (exclusive).
    pub end: usize,
}

/// A passage: a kind and its occurrences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// Its kind, as the file says (`double`, `copy`, …).
    pub kind: String,
    /// Where it occurs.
    pub occurrences: Vec<Occurrence>,
}

/// The known answer.
#[derive(Debug, Clone)]
pub struct Truth {
    /// What kind of file it was.
    pub kind: TruthKind,
    /// Words per shingle of its Jaccard figures, when stated.
    pub shingle: Option<usize>,
    /// Every pair at or above this Jaccard is listed, when stated.
    pub complete_from: Option<f64>,
    /// The pairs (each with a Jaccard).
    pub pairs: Vec<KnownPair>,
    /// Planted passages, when the truth has them.
    pub passages: Option<Vec<Passage>>,
    /// Sites and their boilerplate lengths.
    pub sites: Vec<SiteInfo>,
}

/// A document of a result.
#[derive(Debug, Clone)]
pub struct FoundDoc {
    /// Id.
    pub id: String,
    /// Source (site), if given.
    pub source: Option<String>,
    /// Bytes of text, if given.
    pub bytes: Option<u64>,
}

/// What a tool reported.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// The threshold it ran at (`params.threshold`).
    pub threshold: Option<f64>,
    /// Words per shingle (`params.shingle`).
    pub shingle: Option<usize>,
    /// Its documents, when listed.
    pub documents: Vec<FoundDoc>,
    /// Its document count (`summary.documents`), when given.
    pub document_count: Option<u64>,
    /// Every reported pair.
    pub pairs: Vec<KnownPair>,
    /// Its groups, when it reports groups.
    pub clusters: Option<Vec<Vec<String>>>,
    /// Its passages, when it reports passages.
    pub passages: Option<Vec<Passage>>,
}

// ---------------------------------------------------------------- reading

/// Accepts an id given as a string or a number.
fn id<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a document id (string or number), found {other}"
        ))),
    }
}

#[derive(Deserialize, Default)]
struct FileParams {
    threshold: Option<f64>,
    shingle: Option<usize>,
    complete_from: Option<f64>,
    generator: Option<String>,
}

#[derive(Deserialize)]
struct FilePair {
    #[serde(deserialize_with = "id")]
    a: String,
    #[serde(deserialize_with = "id")]
    b: String,
    jaccard: Option<f64>,
    shared: Option<u64>,
    union: Option<u64>,
}

impl FilePair {
    fn known(self) -> KnownPair {
        // The counts give the exact figure; the rounded one may sit on the
        // wrong side of a threshold.
        let jaccard = match (self.shared, self.union) {
            (Some(s), Some(u)) if u > 0 => Some(s as f64 / u as f64),
            _ => self.jaccard,
        };
        KnownPair {
            a: self.a,
            b: self.b,
            jaccard,
        }
    }
}

#[derive(Deserialize)]
struct FileOcc {
    #[serde(deserialize_with = "id")]
    doc: String,
    start: usize,
    end: usize,
}

#[derive(Deserialize)]
struct FilePassage {
    #[serde(default)]
    kind: Option<String>,
    occurrences: Vec<FileOcc>,
}

impl FilePassage {
    fn passage(self) -> Passage {
        Passage {
            kind: self.kind.unwrap_or_else(|| "passage".into()),
            occurrences: self
                .occurrences
                .into_iter()
                .map(|o| Occurrence {
                    doc: o.doc,
                    start: o.start,
                    end: o.end.max(o.start),
                })
                .collect(),
        }
    }
}

#[derive(Deserialize)]
struct FileCluster {
    #[serde(default)]
    members: Vec<serde_json::Value>,
    #[serde(default)]
    pairs: Vec<FilePair>,
}

#[derive(Deserialize)]
struct FileDoc {
    #[serde(deserialize_with = "id")]
    id: String,
    source: Option<String>,
    bytes: Option<u64>,
}

#[derive(Deserialize, Default)]
struct FileSummary {
    documents: Option<u64>,
}

#[derive(Deserialize)]
struct JsonFile {
    #[serde(default)]
    params: Option<FileParams>,
    #[serde(default)]
    summary: Option<FileSummary>,
    #[serde(default)]
    documents: Option<Vec<FileDoc>>,
    #[serde(default)]
    clusters: Option<Vec<FileCluster>>,
    #[serde(default)]
    pairs: Option<Vec<FilePair>>,
    #[serde(default)]
    passages: Option<Vec<FilePassage>>,
    #[serde(default)]
    sites: Vec<SiteInfo>,
}

/// Counts bytes read from the file, for the progress bar.
struct Counting<'p, R> {
    inner: R,
    progress: &'p dyn Progress,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(0, n as u64);
        Ok(n)
    }
}

/// Opens `path` for reading, decompressing gzip or zstd by magic bytes, and
/// reporting compressed bytes read to `progress`.
fn open<'p>(path: &Path, progress: &'p dyn Progress) -> Result<Box<dyn BufRead + Send + 'p>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map(|m| m.len()).ok();
    progress.stage("reading", len);
    crate::input::decode(
        path,
        Counting {
            inner: file,
            progress,
        },
    )
}

fn read_json(path: &Path, reader: Box<dyn BufRead + '_>) -> Result<JsonFile> {
    serde_json::from_reader(reader).map_err(|e| {
        if e.is_io() {
            Error::io(path, e.into())
        } else {
            Error::Invalid {
                path: path.to_path_buf(),
                line: Some(e.line() as u64),
                reason: Invalid::Json(e.to_string()),
            }
        }
    })
}

/// Reads a truth file: a `synth` truth, a JSON list of pairs, or a TSV file
/// (told apart by the first non-blank byte: `{` is JSON).
pub fn read_truth(path: &Path, progress: &dyn Progress) -> Result<Truth> {
    let mut reader = open(path, progress)?;
    let json = loop {
        let head = reader.fill_buf().map_err(|e| Error::io(path, e))?;
        if head.is_empty() {
            break false;
        }
        match head.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                let json = head[i] == b'{';
                break json;
            }
            None => {
                let n = head.len();
                reader.consume(n);
            }
        }
    };
    if !json {
        return read_tsv(path, reader);
    }
    let file = read_json(path, reader)?;
    let params = file.params.unwrap_or_default();
    let synth = params.generator.as_deref() == Some("nearcopy synth");
    let pairs: Vec<KnownPair> = match (file.pairs, file.clusters) {
        (Some(p), _) => p.into_iter().map(FilePair::known).collect(),
        (None, Some(c)) => c
            .into_iter()
            .flat_map(|c| c.pairs)
            .map(FilePair::known)
            .collect(),
        (None, None) => return Err(invalid(path, None, Invalid::MissingField("pairs".into()))),
    };
    if let Some(p) = pairs.iter().find(|p| p.jaccard.is_none()) {
        return Err(invalid(
            path,
            None,
            Invalid::Json(format!("pair {} ~ {} has no jaccard", p.a, p.b)),
        ));
    }
    Ok(Truth {
        kind: if synth {
            TruthKind::Synth
        } else {
            TruthKind::Json
        },
        shingle: params.shingle,
        complete_from: params.complete_from.or(params.threshold),
        pairs,
        passages: file
            .passages
            .map(|ps| ps.into_iter().map(FilePassage::passage).collect()),
        sites: file.sites,
    })
}

fn invalid(path: &Path, line: Option<u64>, reason: Invalid) -> Error {
    Error::Invalid {
        path: path.to_path_buf(),
        line,
        reason,
    }
}

fn read_tsv(path: &Path, mut reader: Box<dyn BufRead + '_>) -> Result<Truth> {
    let mut line = Vec::new();
    let mut no = 0u64;
    let mut columns: Option<(usize, usize, usize)> = None;
    let mut pairs = Vec::new();
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        no += 1;
        let text = std::str::from_utf8(&line).map_err(|e| {
            invalid(
                path,
                Some(no),
                Invalid::Utf8 {
                    offset: e.valid_up_to(),
                },
            )
        })?;
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = text.split('\t').collect();
        let Some((ca, cb, cj)) = columns else {
            let find = |name: &str| cols.iter().position(|c| c.trim() == name);
            match (find("a"), find("b"), find("jaccard")) {
                (Some(a), Some(b), Some(j)) => columns = Some((a, b, j)),
                _ => {
                    return Err(invalid(
                        path,
                        Some(no),
                        Invalid::Tsv(format!(
                            "the header must name the columns a, b and jaccard (tab-separated), found {text:?}"
                        )),
                    ))
                }
            }
            continue;
        };
        let need = ca.max(cb).max(cj) + 1;
        if cols.len() < need {
            return Err(invalid(
                path,
                Some(no),
                Invalid::Tsv(format!(
                    "expected at least {need} tab-separated columns, found {}",
                    cols.len()
                )),
            ));
        }
        let j: f64 = cols[cj].trim().parse().map_err(|_| {
            invalid(
                path,
                Some(no),
                Invalid::Tsv(format!("jaccard {:?} is not a number", cols[cj])),
            )
        })?;
        if !(0.0..=1.0).contains(&j) {
            return Err(invalid(
                path,
                Some(no),
                Invalid::Tsv(format!("jaccard {j} is not in [0, 1]")),
            ));
        }
        pairs.push(KnownPair {
            a: cols[ca].to_string(),
            b: cols[cb].to_string(),
            jaccard: Some(j),
        });
    }
    if columns.is_none() {
        return Err(invalid(
            path,
            None,
            Invalid::Tsv("the file is empty (expected a header a, b, jaccard)".into()),
        ));
    }
    Ok(Truth {
        kind: TruthKind::Tsv,
        shingle: None,
        complete_from: None,
        pairs,
        passages: None,
        sites: Vec::new(),
    })
}

/// Reads a result: `nearcopy scan --format json` or `nearcopy exact
/// --format json` output.
pub fn read_result(path: &Path, progress: &dyn Progress) -> Result<Found> {
    let reader = open(path, progress)?;
    let file = read_json(path, reader)?;
    let params = file.params.unwrap_or_default();
    let mut pairs: Vec<KnownPair> = file
        .pairs
        .unwrap_or_default()
        .into_iter()
        .map(FilePair::known)
        .collect();
    let mut clusters = None;
    if let Some(cs) = file.clusters {
        let mut groups = Vec::with_capacity(cs.len());
        for c in cs {
            pairs.extend(c.pairs.into_iter().map(FilePair::known));
            let members: Vec<String> = c
                .members
                .into_iter()
                .map(|m| match m {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect();
            groups.push(members);
        }
        clusters = Some(groups);
    }
    Ok(Found {
        threshold: params.threshold,
        shingle: params.shingle,
        documents: file
            .documents
            .unwrap_or_default()
            .into_iter()
            .map(|d| FoundDoc {
                id: d.id,
                source: d.source,
                bytes: d.bytes,
            })
            .collect(),
        document_count: file.summary.and_then(|s| s.documents),
        pairs,
        clusters,
        passages: file
            .passages
            .map(|ps| ps.into_iter().map(FilePassage::passage).collect()),
    })
}

// ---------------------------------------------------------------- scoring

/// What the truth holds, as used.
#[derive(Debug, Clone, Serialize)]
pub struct TruthInfo {
    /// Kind of truth file.
    pub kind: TruthKind,
    /// Pairs listed.
    pub pairs: u64,
    /// Pairs at or above the threshold.
    pub positives: u64,
    /// Planted passages, when the truth has them.
    pub passages: Option<u64>,
    /// Every pair at or above this Jaccard is listed, when stated.
    pub complete_from: Option<f64>,
}

/// Pair-level scores.
#[derive(Debug, Clone, Serialize)]
pub struct PairScores {
    /// Distinct pairs reported.
    pub reported: u64,
    /// Reported pairs that are positives.
    pub true_positives: u64,
    /// Reported pairs that are not.
    pub false_positives: u64,
    /// Positives not reported.
    pub false_negatives: u64,
    /// `tp / reported` (absent when nothing was reported).
    pub precision: Option<f64>,
    /// `tp / positives` (absent when there are no positives).
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall.
    pub f1: Option<f64>,
}

/// Recall among the positives whose Jaccard falls in `[from, to)` (or is
/// exactly 1 for the last bin).
#[derive(Debug, Clone, Serialize)]
pub struct Bin {
    /// Lower edge.
    pub from: f64,
    /// Upper edge (exclusive, except for the bin `1.0`).
    pub to: f64,
    /// Truth pairs in the bin.
    pub truth: u64,
    /// Of those, pairs at or above the threshold.
    pub positives: u64,
    /// Of those, pairs reported.
    pub found: u64,
    /// `found / positives`.
    pub recall: Option<f64>,
}

/// Group-level agreement.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterScores {
    /// Documents compared (singletons included).
    pub documents: u64,
    /// Groups of two or more documents in the truth.
    pub truth_clusters: u64,
    /// Groups reported.
    pub reported_clusters: u64,
    /// Adjusted Rand index: 1 for identical groupings, about 0 for chance.
    pub ari: f64,
}

/// Bytes of reported occurrences by what explains them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExplainedBytes {
    /// Inside a planted occurrence.
    pub planted: u64,
    /// Inside the site's header or footer.
    pub boilerplate: u64,
    /// Shared with a related document (near-duplicates, copies).
    pub related: u64,
    /// None of these.
    pub unexplained: u64,
}

/// Recall of one kind of planted passage.
#[derive(Debug, Clone, Serialize)]
pub struct KindRecall {
    /// `double` or `copy`.
    pub kind: String,
    /// Passages of the kind.
    pub passages: u64,
    /// Their occurrences.
    pub occurrences: u64,
    /// Share of occurrences found.
    pub occurrence_recall: Option<f64>,
}

/// Passage-level scores.
#[derive(Debug, Clone, Serialize)]
pub struct PassageScores {
    /// Planted passages.
    pub truth_passages: u64,
    /// Their occurrences.
    pub truth_occurrences: u64,
    /// Reported passages.
    pub reported_passages: u64,
    /// Their occurrences.
    pub reported_occurrences: u64,
    /// Planted passages with every occurrence found.
    pub passage_recall: Option<f64>,
    /// Planted occurrences found (half their bytes covered).
    pub occurrence_recall: Option<f64>,
    /// Planted bytes covered.
    pub byte_recall: Option<f64>,
    /// Reported occurrences explained (half their bytes).
    pub occurrence_precision: Option<f64>,
    /// Reported bytes explained.
    pub byte_precision: Option<f64>,
    /// Reported bytes by explanation.
    pub bytes: ExplainedBytes,
    /// Recall by kind of planted passage.
    pub by_kind: Vec<KindRecall>,
}

/// An example pair for diagnosis.
#[derive(Debug, Clone, Serialize)]
pub struct ExamplePair {
    /// One document.
    pub a: String,
    /// The other.
    pub b: String,
    /// The truth's Jaccard if known, else the reported one.
    pub jaccard: Option<f64>,
}

/// The scores of one result against one truth.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Threshold used.
    pub threshold: f64,
    /// The truth as used.
    pub truth: TruthInfo,
    /// Pair scores.
    pub pairs: PairScores,
    /// Recall by Jaccard bin.
    pub bins: Vec<Bin>,
    /// Cluster scores.
    pub clusters: ClusterScores,
    /// Passage scores, when both the truth and the result have passages.
    pub passages: Option<PassageScores>,
    /// Caveats (mismatched shingle sizes, incomplete truth, missing parts).
    pub notes: Vec<String>,
    /// Up to 10 positives not reported, most similar first.
    pub missed: Vec<ExamplePair>,
    /// Up to 10 reported pairs that are not positives.
    pub unexpected: Vec<ExamplePair>,
}

/// Document ids to dense numbers.
#[derive(Default)]
struct Ids {
    of: AHashMap<String, u32>,
    names: Vec<String>,
}

impl Ids {
    fn get(&mut self, id: &str) -> u32 {
        if let Some(&n) = self.of.get(id) {
            return n;
        }
        let n = self.names.len() as u32;
        self.of.insert(id.to_string(), n);
        self.names.push(id.to_string());
        n
    }
}

fn key(a: u32, b: u32) -> u64 {
    ((a.min(b) as u64) << 32) | a.max(b) as u64
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| round6(n as f64 / d as f64))
}

/// Scores `found` against `truth`.
pub fn evaluate(truth: &Truth, found: &Found, cfg: &EvalConfig) -> Result<Evaluation> {
    let threshold = cfg.threshold.or(found.threshold).ok_or_else(|| {
        Error::Config("the result has no params.threshold; give --threshold".into())
    })?;
    if !(threshold > 0.0 && threshold <= 1.0) {
        return Err(Error::Config(format!(
            "--threshold must be in (0, 1], got {threshold}"
        )));
    }
    let mut notes = Vec::new();
    if let (Some(t), Some(f)) = (truth.shingle, found.shingle) {
        if t != f {
            notes.push(format!(
                "the truth's Jaccard is on {t}-word shingles but the result used {f}: \
                 scores compare different similarities"
            ));
        }
    }
    if let Some(run) = found.threshold {
        if threshold > run {
            notes.push(format!(
                "the result was made at Jaccard {run}; at {threshold} its pairs below \
                 {threshold} count as false positives"
            ));
        }
    }
    if let Some(c) = truth.complete_from {
        if threshold < c {
            notes.push(format!(
                "the truth lists pairs only from Jaccard {c}; at {threshold} some \
                 true pairs are missing from it and count as false positives"
            ));
        }
    }

    let mut ids = Ids::default();
    for d in &found.documents {
        ids.get(&d.id);
    }
    // Truth pairs: the highest Jaccard if listed twice.
    let mut truth_j: AHashMap<u64, f64> = AHashMap::new();
    for p in &truth.pairs {
        let (a, b) = (ids.get(&p.a), ids.get(&p.b));
        if a == b {
            continue;
        }
        let j = p.jaccard.unwrap_or(0.0);
        let e = truth_j.entry(key(a, b)).or_insert(j);
        *e = e.max(j);
    }
    let mut reported: AHashMap<u64, Option<f64>> = AHashMap::new();
    for p in &found.pairs {
        let (a, b) = (ids.get(&p.a), ids.get(&p.b));
        if a != b {
            reported.entry(key(a, b)).or_insert(p.jaccard);
        }
    }
    if let Some(cs) = &found.clusters {
        for c in cs {
            for m in c {
                ids.get(m);
            }
        }
    }

    // Pairs.
    let positives: Vec<(u64, f64)> = {
        let mut v: Vec<(u64, f64)> = truth_j
            .iter()
            .filter(|(_, &j)| j >= threshold)
            .map(|(&k, &j)| (k, j))
            .collect();
        v.sort_unstable_by_key(|p| p.0);
        v
    };
    let tp = positives
        .iter()
        .filter(|(k, _)| reported.contains_key(k))
        .count() as u64;
    let n_rep = reported.len() as u64;
    let n_pos = positives.len() as u64;
    let precision = ratio(tp, n_rep);
    let recall = ratio(tp, n_pos);
    let f1 = match (precision, recall) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(round6(2.0 * p * r / (p + r))),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    };
    let pairs = PairScores {
        reported: n_rep,
        true_positives: tp,
        false_positives: n_rep - tp,
        false_negatives: n_pos - tp,
        precision,
        recall,
        f1,
    };

    // Bins.
    let lowest = ((threshold * 10.0 + 1e-9).floor() as usize).min(3);
    let mut bins: Vec<Bin> = (lowest..10)
        .map(|k| Bin {
            from: k as f64 / 10.0,
            to: (k + 1) as f64 / 10.0,
            truth: 0,
            positives: 0,
            found: 0,
            recall: None,
        })
        .collect();
    bins.push(Bin {
        from: 1.0,
        to: 1.0,
        truth: 0,
        positives: 0,
        found: 0,
        recall: None,
    });
    for (k, &j) in &truth_j {
        let bin = if j >= 1.0 {
            Some(bins.len() - 1)
        } else {
            bins.iter().position(|b| j >= b.from && j < b.to)
        };
        if let Some(i) = bin {
            bins[i].truth += 1;
            if j >= threshold {
                bins[i].positives += 1;
                bins[i].found += reported.contains_key(k) as u64;
            }
        }
    }
    for b in &mut bins {
        b.recall = ratio(b.found, b.positives);
    }

    // Examples.
    let name = |k: u64, ids: &Ids| {
        (
            ids.names[(k >> 32) as usize].clone(),
            ids.names[(k & 0xffff_ffff) as usize].clone(),
        )
    };
    let mut missed: Vec<(u64, f64)> = positives
        .iter()
        .filter(|(k, _)| !reported.contains_key(k))
        .copied()
        .collect();
    missed.sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    let missed = missed
        .into_iter()
        .take(10)
        .map(|(k, j)| {
            let (a, b) = name(k, &ids);
            ExamplePair {
                a,
                b,
                jaccard: Some(round6(j)),
            }
        })
        .collect();
    let mut unexpected: Vec<(u64, Option<f64>)> = reported
        .iter()
        .filter(|(k, _)| truth_j.get(k).map_or(true, |&j| j < threshold))
        .map(|(&k, &j)| (k, truth_j.get(&k).copied().or(j)))
        .collect();
    unexpected.sort_unstable_by_key(|u| u.0);
    let unexpected = unexpected
        .into_iter()
        .take(10)
        .map(|(k, j)| {
            let (a, b) = name(k, &ids);
            ExamplePair {
                a,
                b,
                jaccard: j.map(round6),
            }
        })
        .collect();

    // Passages: intern their ids before the document count is fixed.
    if let Some(ps) = &truth.passages {
        for p in ps {
            for o in &p.occurrences {
                ids.get(&o.doc);
            }
        }
    }
    if let Some(ps) = &found.passages {
        for p in ps {
            for o in &p.occurrences {
                ids.get(&o.doc);
            }
        }
    }

    // Clusters.
    let n = ids.names.len();
    let documents = (n as u64).max(found.document_count.unwrap_or(0));
    let mut truth_uf = UnionFind::new(n);
    for (k, _) in &positives {
        truth_uf.union((k >> 32) as u32, (k & 0xffff_ffff) as u32);
    }
    let truth_groups = truth_uf.groups();
    let reported_groups: Vec<Vec<u32>> = match &found.clusters {
        Some(cs) => cs
            .iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                let mut g: Vec<u32> = c.iter().map(|m| ids.of[m.as_str()]).collect();
                g.sort_unstable();
                g.dedup();
                g
            })
            .collect(),
        None => {
            let mut uf = UnionFind::new(n);
            for k in reported.keys() {
                uf.union((k >> 32) as u32, (k & 0xffff_ffff) as u32);
            }
            uf.groups()
        }
    };
    let clusters = ClusterScores {
        documents,
        truth_clusters: truth_groups.len() as u64,
        reported_clusters: reported_groups.len() as u64,
        ari: round6(adjusted_rand(n, documents, &truth_groups, &reported_groups)),
    };

    // Passages.
    let passages = match (&truth.passages, &found.passages) {
        (Some(t), Some(f)) => {
            let mut related = UnionFind::new(n);
            for k in truth_j.keys() {
                related.union((k >> 32) as u32, (k & 0xffff_ffff) as u32);
            }
            Some(passage_scores(
                t,
                f,
                truth,
                found,
                &ids,
                &mut related,
                cfg.min_cover,
            ))
        }
        (None, _) => {
            notes.push("passage metrics: not available (the truth has no planted passages)".into());
            None
        }
        (_, None) => {
            notes.push("passage metrics: not available (the result has no \"passages\")".into());
            None
        }
    };

    Ok(Evaluation {
        threshold,
        truth: TruthInfo {
            kind: truth.kind,
            pairs: truth_j.len() as u64,
            positives: n_pos,
            passages: truth.passages.as_ref().map(|p| p.len() as u64),
            complete_from: truth.complete_from,
        },
        pairs,
        bins,
        clusters,
        passages,
        notes,
        missed,
        unexpected,
    })
}

/// Adjusted Rand index of two groupings of `n` known documents (`total`
/// documents in all; those not in any group are singletons), each given as
/// its groups of two or more.
pub fn adjusted_rand(n: usize, total: u64, truth: &[Vec<u32>], found: &[Vec<u32>]) -> f64 {
    let c2 = |x: u64| (x * x.saturating_sub(1) / 2) as f64;
    let mut of = vec![u32::MAX; n];
    for (g, members) in truth.iter().enumerate() {
        for &m in members {
            of[m as usize] = g as u32;
        }
    }
    let mut cells: AHashMap<(u32, u32), u64> = AHashMap::new();
    for (g, members) in found.iter().enumerate() {
        for &m in members {
            let t = of[m as usize];
            if t != u32::MAX {
                *cells.entry((t, g as u32)).or_default() += 1;
            }
        }
    }
    let index: f64 = cells.values().map(|&c| c2(c)).sum();
    let sum_t: f64 = truth.iter().map(|g| c2(g.len() as u64)).sum();
    let sum_f: f64 = found.iter().map(|g| c2(g.len() as u64)).sum();
    let pairs = c2(total);
    if pairs == 0.0 {
        return 1.0;
    }
    let expected = sum_t * sum_f / pairs;
    let max = (sum_t + sum_f) / 2.0;
    if (max - expected).abs() < f64::EPSILON {
        // Both groupings all singletons (or identical and trivial).
        return 1.0;
    }
    (index - expected) / (max - expected)
}

/// Merges ranges into sorted, disjoint ones.
fn merge(mut v: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    v.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Bytes of `[s, e)` covered by the sorted disjoint `ranges`.
fn covered(ranges: &[(usize, usize)], s: usize, e: usize) -> usize {
    let i = ranges.partition_point(|r| r.1 <= s);
    ranges[i..]
        .iter()
        .take_while(|r| r.0 < e)
        .map(|r| e.min(r.1) - s.max(r.0))
        .sum()
}

fn passage_scores(
    truth: &[Passage],
    found: &[Passage],
    t: &Truth,
    f: &Found,
    ids: &Ids,
    related: &mut UnionFind,
    min_cover: f64,
) -> PassageScores {
    let by_doc = |ps: &[Passage]| {
        let mut m: AHashMap<u32, Vec<(usize, usize)>> = AHashMap::new();
        for p in ps {
            for o in &p.occurrences {
                m.entry(ids.of[o.doc.as_str()])
                    .or_default()
                    .push((o.start, o.end));
            }
        }
        m.into_iter()
            .map(|(d, v)| (d, merge(v)))
            .collect::<AHashMap<u32, Vec<(usize, usize)>>>()
    };
    let planted = by_doc(truth);
    let reported = by_doc(found);
    let empty: Vec<(usize, usize)> = Vec::new();
    let enough = |c: usize, len: usize| len > 0 && c as f64 >= min_cover * len as f64;

    // Recall.
    let (mut occ_found, mut occ_total, mut pass_found) = (0u64, 0u64, 0u64);
    let (mut bytes_cov, mut bytes_total) = (0u64, 0u64);
    let mut kinds: Vec<(String, u64, u64, u64)> = Vec::new();
    for p in truth {
        let mut all = true;
        let mut k_found = 0;
        for o in &p.occurrences {
            let r = reported.get(&ids.of[o.doc.as_str()]).unwrap_or(&empty);
            let c = covered(r, o.start, o.end);
            let len = o.end - o.start;
            bytes_cov += c as u64;
            bytes_total += len as u64;
            occ_total += 1;
            if enough(c, len) {
                occ_found += 1;
                k_found += 1;
            } else {
                all = false;
            }
        }
        pass_found += all as u64;
        match kinds.iter_mut().find(|k| k.0 == p.kind) {
            Some(k) => {
                k.1 += 1;
                k.2 += p.occurrences.len() as u64;
                k.3 += k_found;
            }
            None => kinds.push((p.kind.clone(), 1, p.occurrences.len() as u64, k_found)),
        }
    }
    kinds.sort();

    // Precision.
    let sites: AHashMap<&str, &SiteInfo> = t.sites.iter().map(|s| (s.name.as_str(), s)).collect();
    let boilerplate: AHashMap<u32, Vec<(usize, usize)>> = f
        .documents
        .iter()
        .filter_map(|d| {
            let site = sites.get(d.source.as_deref()?)?;
            let bytes = d.bytes? as usize;
            let h = (site.header_bytes as usize).min(bytes);
            let foot = bytes.saturating_sub(site.footer_bytes as usize);
            Some((ids.of[d.id.as_str()], merge(vec![(0, h), (foot, bytes)])))
        })
        .collect();
    let mut bytes = ExplainedBytes::default();
    let (mut occ_ok, mut occ_rep) = (0u64, 0u64);
    for p in found {
        let docs: Vec<u32> = p
            .occurrences
            .iter()
            .map(|o| ids.of[o.doc.as_str()])
            .collect();
        let roots: Vec<u32> = docs.iter().map(|&d| related.find(d)).collect();
        // Distinct documents of this passage in each group of related
        // documents: an occurrence is related when its group has another.
        let mut members: Vec<(u32, u32)> =
            roots.iter().copied().zip(docs.iter().copied()).collect();
        members.sort_unstable();
        members.dedup();
        let mut per_group: AHashMap<u32, u32> = AHashMap::new();
        for (root, _) in members {
            *per_group.entry(root).or_default() += 1;
        }
        for (i, o) in p.occurrences.iter().enumerate() {
            let len = o.end - o.start;
            occ_rep += 1;
            let d = docs[i];
            let is_related = per_group[&roots[i]] > 1;
            // The most specific explanation first: a planted passage, then
            // site boilerplate; relatedness explains only the rest.
            let pl = planted.get(&d).unwrap_or(&empty);
            let bp = boilerplate.get(&d).unwrap_or(&empty);
            let c_planted = covered(pl, o.start, o.end);
            let both = merge(pl.iter().chain(bp.iter()).copied().collect());
            let c_all = covered(&both, o.start, o.end);
            bytes.planted += c_planted as u64;
            bytes.boilerplate += (c_all - c_planted) as u64;
            let rest = (len - c_all) as u64;
            if is_related {
                bytes.related += rest;
                occ_ok += (len > 0) as u64;
            } else {
                bytes.unexplained += rest;
                occ_ok += enough(c_all, len) as u64;
            }
        }
    }
    let rep_bytes = bytes.planted + bytes.boilerplate + bytes.related + bytes.unexplained;
    PassageScores {
        truth_passages: truth.len() as u64,
        truth_occurrences: occ_total,
        reported_passages: found.len() as u64,
        reported_occurrences: occ_rep,
        passage_recall: ratio(pass_found, truth.len() as u64),
        occurrence_recall: ratio(occ_found, occ_total),
        byte_recall: ratio(bytes_cov, bytes_total),
        occurrence_precision: ratio(occ_ok, occ_rep),
        byte_precision: ratio(rep_bytes - bytes.unexplained, rep_bytes),
        bytes,
        by_kind: kinds
            .into_iter()
            .map(|(kind, passages, occurrences, found)| KindRecall {
                kind,
                passages,
                occurrences,
                occurrence_recall: ratio(found, occurrences),
            })
            .collect(),
    }
}

/// Reads both files and scores them.
pub fn run(
    truth: &Path,
    result: &Path,
    cfg: &EvalConfig,
    progress: &dyn Progress,
) -> Result<Evaluation> {
    let t = read_truth(truth, progress)?;
    let f = read_result(result, progress)?;
    let e = evaluate(&t, &f, cfg);
    progress.finish();
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjusted_rand_known_values() {
        // Identical groupings.
        let g = vec![vec![0, 1], vec![2, 3, 4]];
        assert!((adjusted_rand(6, 6, &g, &g) - 1.0).abs() < 1e-12);
        // sklearn: adjusted_rand_score([0,0,1,1], [0,0,1,2]) = 0.5714285714
        let t = vec![vec![0, 1], vec![2, 3]];
        let f = vec![vec![0, 1]];
        assert!((adjusted_rand(4, 4, &t, &f) - 0.571_428_571_4).abs() < 1e-9);
        // All singletons on both sides.
        assert_eq!(adjusted_rand(3, 3, &[], &[]), 1.0);
    }

    #[test]
    fn coverage_of_ranges() {
        let r = merge(vec![(10, 20), (15, 30), (40, 50)]);
        assert_eq!(r, vec![(10, 30), (40, 50)]);
        assert_eq!(covered(&r, 0, 100), 30);
        assert_eq!(covered(&r, 25, 45), 10);
        assert_eq!(covered(&r, 30, 40), 0);
    }
}
