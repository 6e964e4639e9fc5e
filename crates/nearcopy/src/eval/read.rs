//! Reading truth files and results: JSON of nearcopy and other tools,
//! tab-separated pairs, plain or compressed.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::Path;

use serde::{Deserialize, Deserializer};

use crate::error::{Error, Invalid, Result};
use crate::progress::Progress;
use crate::truth::SiteInfo;

use super::*;

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
