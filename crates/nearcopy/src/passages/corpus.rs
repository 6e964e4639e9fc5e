//! The three reads of a corpus (count, extract, locate), described in the
//! [module documentation](super).

use std::ops::Range;
use std::time::Instant;

use ahash::AHashMap;
use rayon::prelude::*;
use serde::Serialize;

use super::analysis::Analysis;
use super::assemble::{self, Found, Place};
use super::edited::{self, Para, Signer, Verified};
use super::exact::{self, Runs};
use super::families::Families;
use super::filter::RepeatFilter;
use super::{edited_found, verify_pair, Kind, Match, Occurrence, PassageGroup};
use crate::config::{PassageConfig, ScanConfig};
use crate::document::Document;
use crate::error::{Error, Result};
use crate::figures::round6;
use crate::input::{Corpus, Inputs, Skipped};
use crate::progress::Progress;
use crate::text::{self, LineIndex, TokenKind};

/// The parameters of a passage search, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct PassageParams {
    /// Shortest exact repeat, in tokens.
    pub min_words: usize,
    /// `words` or `chars`.
    pub tokens: TokenKind,
    /// Jaccard threshold for edited paragraphs.
    pub passage_threshold: f64,
    /// Tokens per paragraph shingle.
    pub shingle: usize,
    /// Signature length the paragraph banding is chosen for; one bin per
    /// value of a band is used.
    pub perms: usize,
    /// LSH bands for paragraphs.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
    /// Probability that two paragraphs exactly at the passage threshold
    /// become a candidate pair.
    pub candidate_probability_at_threshold: f64,
    /// Documents from which a passage is boilerplate.
    pub boilerplate_docs: usize,
    /// Whether boilerplate is left out.
    pub hide_boilerplate: bool,
    /// Bytes of the counting filter used.
    pub filter_bytes: usize,
}

/// Counts of a passage search.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PassageSummary {
    /// Documents read.
    pub documents: u64,
    /// Bytes of text read.
    pub bytes: u64,
    /// Tokens read.
    pub tokens: u64,
    /// Positions the filter called repeated (kept by the second read).
    pub kept_positions: u64,
    /// Positions whose `m`-gram really repeats.
    pub repeated_positions: u64,
    /// Positions left out because the near-duplicate group they are in
    /// (`scan`) says it already: their `m`-gram repeats only between
    /// members of that group, or they are in a group of more than 200
    /// members, which takes part through its first member only.
    pub related_positions: u64,
    /// Share of the filter's second level set (its load).
    pub filter_load: f64,
    /// Paragraphs long enough to compare.
    pub paragraphs: u64,
    /// Paragraphs sharing an LSH band with another (kept by the second read).
    pub candidate_paragraphs: u64,
    /// Candidate pairs of distinct paragraph texts.
    pub candidate_pairs: u64,
    /// Candidate pairs at or above the passage threshold.
    pub verified_pairs: u64,
    /// Passage groups within one document.
    pub within: u64,
    /// Passage groups across documents.
    pub across: u64,
    /// Boilerplate groups (counted even when hidden).
    pub boilerplate: u64,
    /// Boilerplate groups left out with `hide_boilerplate`.
    pub hidden_boilerplate: u64,
}

/// Wall-clock seconds per read; the only part that may differ between runs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PassageTimings {
    /// First read: counting fingerprints.
    pub count: f64,
    /// Second read: keeping what repeats.
    pub extract: f64,
    /// Suffix array, maximal repeats and paragraph candidates.
    pub repeats: f64,
    /// Third read: offsets, lines, previews, paragraph verification.
    pub locate: f64,
    /// Everything.
    pub total: f64,
    /// Text megabytes (10^6 bytes) per second over the whole search.
    pub mb_per_s: f64,
}

/// The result of a passage search.
#[derive(Debug, Clone, Serialize)]
pub struct Passages {
    /// Parameters.
    pub params: PassageParams,
    /// Counts.
    pub summary: PassageSummary,
    /// Passage groups: within, across, boilerplate; most words first.
    pub passages: Vec<PassageGroup>,
    /// What was skipped while reading.
    pub skipped: Skipped,
    /// PassageTimings.
    pub timings: PassageTimings,
}

/// Finds repeated passages in `corpus` (paths, or texts in memory), on a
/// thread pool of `cfg.threads`.
pub fn find<'a>(
    corpus: impl Into<Corpus<'a>>,
    cfg: &ScanConfig,
    progress: &dyn Progress,
) -> Result<Passages> {
    let corpus = corpus.into();
    cfg.validate()?;
    let pool = cfg.pool()?;
    pool.install(|| {
        let inputs = corpus.open(&cfg.input)?;
        find_in(&inputs, cfg, progress)
    })
}

/// What the second read keeps of one document.
#[derive(Default)]
struct Kept {
    /// Runs of repeated positions: `(first position, fingerprints)`.
    runs: Vec<(u32, Range<usize>)>,
    grams: Vec<u64>,
    paras: Vec<(u32, Range<u32>, u64)>,
    /// The band keys the filter calls repeated, with the number of their
    /// paragraph in `paras`: a key seen once cannot pair two paragraphs.
    keys: Vec<(u64, u32)>,
    lines: Vec<(u64, Range<u32>)>,
    tokens: u64,
    eligible: u64,
}

/// What the third read finds in one document.
struct Located {
    doc: u32,
    id: String,
    ends: Vec<(u64, u64)>,
    previews: Vec<String>,
    sets: Vec<(u32, Vec<u64>)>,
}

/// What a read of the corpus before the passage search knows already
/// (`scan`'s document-level pass).
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// The near-duplicate families: what only members of one family share
    /// is left out (see [`Families`]), as `scan` reports them as a group.
    pub families: Families,
    /// Bytes of text of all documents. The repeat filter is sized from it;
    /// without it, from the size of the input files, which depends on how
    /// the texts are encoded (JSON escapes, other fields, compression).
    pub text_bytes: Option<u64>,
}

/// Finds repeated passages in `inputs`, on the current rayon pool (the
/// caller's).
pub fn find_in(inputs: &Inputs, cfg: &ScanConfig, progress: &dyn Progress) -> Result<Passages> {
    find_in_known(inputs, cfg, &Known::default(), progress)
}

/// [`find_in`] with what an earlier read found (see [`Known`]).
pub fn find_in_known(
    inputs: &Inputs,
    cfg: &ScanConfig,
    known: &Known,
    progress: &dyn Progress,
) -> Result<Passages> {
    let families = &known.families;
    cfg.passages.validate()?;
    let start = Instant::now();
    let pc = &cfg.passages;
    let m = pc.min_words;
    let signer = Signer::new(pc.perms, pc.banding(), pc.shingle);
    let total_bytes = input_bytes(inputs);
    let filter =
        RepeatFilter::with_bytes(filter_bytes(pc, known.text_bytes.unwrap_or(total_bytes)));

    // 1. Count.
    progress.stage("counting", Some(total_bytes));
    let mut summary = PassageSummary::default();
    let skipped = inputs.read(&cfg.input, |batch, raw| {
        batch
            .par_iter()
            .map_init(Analysis::default, |a, doc| -> Result<()> {
                a.tokens_and_grams(&doc.text, pc)?;
                filter.insert_all(&a.grams);
                a.paragraphs(&doc.text, pc, &signer);
                filter.insert_all(&a.keys);
                a.short_lines(m);
                for &(_, c) in &a.short {
                    filter.insert(c);
                }
                Ok(())
            })
            .collect::<Result<()>>()?;
        summary.documents += batch.len() as u64;
        summary.bytes += batch.iter().map(|d| d.text.len() as u64).sum::<u64>();
        progress.advance(batch.len() as u64, raw);
        Ok(())
    })?;
    if summary.documents == 0 {
        progress.finish();
        return Err(Error::Empty(String::new()));
    }
    let t_count = start.elapsed().as_secs_f64();

    // 2. Extract.
    let t = Instant::now();
    progress.stage("extracting", Some(total_bytes));
    let mut runs = Runs::default();
    let mut paras: Vec<Para> = Vec::new();
    let mut keys: Vec<(u64, u32)> = Vec::new();
    let mut lines: Vec<(u64, Place)> = Vec::new();
    let mut next_doc = 0u32;
    inputs.read(&cfg.input, |batch, raw| {
        let first = next_doc;
        next_doc += batch.len() as u32;
        let kept: Vec<Kept> = batch
            .par_iter()
            .map_init(Analysis::default, |a, doc| {
                keep(a, doc, pc, &signer, &filter)
            })
            .collect::<Result<_>>()?;
        for (i, k) in kept.into_iter().enumerate() {
            let doc = first + i as u32;
            summary.tokens += k.tokens;
            summary.paragraphs += k.eligible;
            for (start, r) in &k.runs {
                runs.push(doc, *start, &k.grams[r.clone()]);
            }
            let base = paras.len() as u32;
            keys.extend(k.keys.iter().map(|&(key, n)| (key, base + n)));
            for (index, tokens, content) in k.paras {
                paras.push(Para {
                    doc,
                    index,
                    tokens,
                    content,
                });
            }
            lines.extend(k.lines.into_iter().map(|(c, r)| {
                (
                    c,
                    Place {
                        doc,
                        start: r.start,
                        end: r.end,
                    },
                )
            }));
        }
        progress.advance(batch.len() as u64, raw);
        Ok(())
    })?;
    changed_if(next_doc as u64 != summary.documents)?;
    summary.kept_positions = runs.positions() as u64;
    summary.filter_load = round6(filter.twice_fill());
    let filter_bytes = filter.bytes();
    drop(filter);
    let t_extract = t.elapsed().as_secs_f64();

    // Paragraph candidates, maximal repeats, boilerplate lines. The band
    // keys (16 bytes each, millions of them) are turned into the far fewer
    // candidate pairs first, so they are gone before the suffix array needs
    // its memory.
    let t = Instant::now();
    let rep = edited::representatives(&paras);
    let pairs = edited::candidates(&rep, keys);
    let repeats = exact::maximal_repeats(runs, m, families)?;
    summary.repeated_positions = repeats.repeated;
    summary.related_positions = repeats.related;
    let mut found = assemble::exact(repeats.groups, m as u32);
    found.retain(|f| !families.only_related_places(&f.places));
    let mut found = assemble::drop_covered(found);
    let mut lines = assemble::lines(lines, pc.boilerplate_docs);
    lines.retain(|f| !families.only_related_places(&f.places));
    found.extend(lines);
    summary.candidate_paragraphs = paras.len() as u64;
    summary.candidate_pairs = pairs.len() as u64;
    let t_repeats = t.elapsed().as_secs_f64();

    // 3. Locate and verify.
    let t = Instant::now();
    progress.stage("locating", Some(total_bytes));
    let mut ends: Vec<(u32, u32, bool)> = Vec::new();
    let mut previews: Vec<(u32, u32, u32)> = Vec::new();
    for f in &found {
        for p in &f.places {
            ends.push((p.doc, p.start, false));
            ends.push((p.doc, p.end, true));
        }
        let p = f.places[0];
        previews.push((p.doc, p.start, p.end));
    }
    let may_appear = edited::may_appear(&paras, &rep, &pairs);
    for (p, _) in paras.iter().zip(&may_appear).filter(|(_, &a)| a) {
        ends.push((p.doc, p.tokens.start, false));
        ends.push((p.doc, p.tokens.end, true));
        previews.push((p.doc, p.tokens.start, p.tokens.end));
    }
    drop(may_appear);
    ends.par_sort_unstable();
    ends.dedup();
    previews.par_sort_unstable();
    previews.dedup();
    // Representatives to verify, with the last document that needs them.
    let mut last_use: AHashMap<u32, u32> = AHashMap::new();
    for &(a, b) in &pairs {
        let later = paras[b as usize].doc;
        for x in [a, b] {
            let e = last_use.entry(x).or_insert(later);
            *e = (*e).max(later);
        }
    }
    let mut to_sign: Vec<u32> = last_use.keys().copied().collect();
    to_sign.sort_unstable_by_key(|&x| (paras[x as usize].doc, x));
    // Pairs in the order their later member is read.
    let mut by_later: Vec<usize> = (0..pairs.len()).collect();
    by_later.sort_unstable_by_key(|&i| (paras[pairs[i].1 as usize].doc, pairs[i]));

    let mut end_at = vec![(0u64, 0u64); ends.len()];
    let mut preview_text = vec![String::new(); previews.len()];
    let mut ids: AHashMap<u32, String> = AHashMap::new();
    let mut sets: AHashMap<u32, Vec<u64>> = AHashMap::new();
    let mut verified: Vec<Verified> = Vec::new();
    let mut cursor = 0usize;
    let mut next_doc = 0u32;
    inputs.read(&cfg.input, |batch, raw| {
        let first = next_doc;
        let n_batch = batch.len() as u64;
        next_doc += batch.len() as u32;
        let located: Vec<Located> = batch
            .into_par_iter()
            .enumerate()
            .filter_map(|(i, doc)| {
                let d = first + i as u32;
                let e = slice_of(&ends, d, |e| e.0);
                let p = slice_of(&previews, d, |p| p.0);
                let s = slice_of(&to_sign, d, |&x| paras[x as usize].doc);
                if e.is_empty() && p.is_empty() && s.is_empty() {
                    return None;
                }
                Some(locate(d, doc, pc, &signer, &paras, e, p, s))
            })
            .collect::<Result<_>>()?;
        for l in located {
            let e0 = ends.partition_point(|e| e.0 < l.doc);
            end_at[e0..e0 + l.ends.len()].copy_from_slice(&l.ends);
            let p0 = previews.partition_point(|p| p.0 < l.doc);
            for (k, text) in l.previews.into_iter().enumerate() {
                preview_text[p0 + k] = text;
            }
            sets.extend(l.sets);
            ids.insert(l.doc, l.id);
        }
        let end = by_later[cursor..]
            .partition_point(|&i| paras[pairs[i].1 as usize].doc < next_doc)
            + cursor;
        let threshold = pc.passage_threshold;
        let done: Vec<Verified> = by_later[cursor..end]
            .par_iter()
            .filter_map(|&i| {
                let (a, b) = pairs[i];
                verify_pair(a, b, sets.get(&a)?, sets.get(&b)?, threshold)
            })
            .collect();
        verified.extend(done);
        cursor = end;
        sets.retain(|x, _| last_use.get(x).is_some_and(|&l| l >= next_doc));
        progress.advance(n_batch, raw);
        Ok(())
    })?;
    changed_if(next_doc as u64 != summary.documents || cursor != pairs.len())?;
    verified.sort_unstable_by_key(|v| (v.a, v.b));
    summary.verified_pairs = verified.len() as u64;
    let shingles =
        |i: u32| edited::shingle_count(paras[i as usize].tokens.len() as u32, pc.shingle);
    for g in edited::groups(&paras, &rep, &verified, shingles) {
        let f = edited_found(&g, &paras);
        if !families.only_related_places(&f.places) {
            found.push(f);
        }
    }
    let mut found = assemble::drop_fragments(found);
    assemble::classify_and_sort(&mut found, pc.boilerplate_docs);
    for f in &found {
        match f.kind {
            Kind::Within => summary.within += 1,
            Kind::Across => summary.across += 1,
            Kind::Boilerplate => summary.boilerplate += 1,
        }
    }
    if pc.hide_boilerplate {
        found.retain(|f| f.kind != Kind::Boilerplate);
        summary.hidden_boilerplate = summary.boilerplate;
    }
    let lookup_end = |doc: u32, tok: u32, is_end: bool| -> (u64, u64) {
        ends.binary_search(&(doc, tok, is_end))
            .map_or((0, 0), |k| end_at[k])
    };
    let preview = |f: &Found| -> String {
        let p = f.places[0];
        let key = if f.matched == Match::Edited {
            // The first paragraph of the block.
            let k = paras.partition_point(|q| (q.doc, q.tokens.start) < (p.doc, p.start));
            paras.get(k).map_or((p.doc, p.start, p.end), |q| {
                (q.doc, q.tokens.start, q.tokens.end)
            })
        } else {
            (p.doc, p.start, p.end)
        };
        previews
            .binary_search(&key)
            .map_or_else(|_| String::new(), |k| preview_text[k].clone())
    };
    let passages: Vec<PassageGroup> = found
        .iter()
        .map(|f| PassageGroup {
            kind: f.kind,
            words: f.places[0].words() as u64,
            text: preview(f),
            similarity: round6(f.similarity),
            documents: f.documents() as u64,
            matched: f.matched,
            occurrences: f
                .places
                .iter()
                .map(|p| {
                    let (start, line_start) = lookup_end(p.doc, p.start, false);
                    let (end, line_end) = lookup_end(p.doc, p.end, true);
                    Occurrence {
                        doc: ids.get(&p.doc).cloned().unwrap_or_default(),
                        start,
                        end,
                        line_start,
                        line_end,
                        words: p.words() as u64,
                        doc_index: p.doc,
                    }
                })
                .collect(),
        })
        .collect();
    progress.finish();
    let b = pc.banding();
    let total = start.elapsed().as_secs_f64();
    Ok(Passages {
        params: PassageParams {
            min_words: m,
            tokens: pc.tokens,
            passage_threshold: pc.passage_threshold,
            shingle: pc.shingle,
            perms: pc.perms,
            bands: b.bands,
            rows: b.rows,
            candidate_probability_at_threshold: round6(b.probability(pc.passage_threshold)),
            boilerplate_docs: pc.boilerplate_docs,
            hide_boilerplate: pc.hide_boilerplate,
            filter_bytes,
        },
        passages,
        skipped,
        timings: PassageTimings {
            count: round6(t_count),
            extract: round6(t_extract),
            repeats: round6(t_repeats),
            locate: round6(t.elapsed().as_secs_f64()),
            total: round6(total),
            mb_per_s: round6(summary.bytes as f64 / 1e6 / total.max(1e-9)),
        },
        summary,
    })
}

/// The entries of sorted `v` whose document (given by `doc`) is `d`.
fn slice_of<T>(v: &[T], d: u32, doc: impl Fn(&T) -> u32) -> &[T] {
    let lo = v.partition_point(|x| doc(x) < d);
    let hi = v.partition_point(|x| doc(x) <= d);
    &v[lo..hi]
}

fn changed_if(changed: bool) -> Result<()> {
    if changed {
        return Err(Error::Changed("passage search".into()));
    }
    Ok(())
}

/// The second read of one document: what the filter calls repeated.
fn keep(
    a: &mut Analysis,
    doc: &Document,
    pc: &PassageConfig,
    signer: &Signer,
    filter: &RepeatFilter,
) -> Result<Kept> {
    let mut k = Kept::default();
    a.tokens_and_grams(&doc.text, pc)?;
    k.tokens = a.tokens.len() as u64;
    filter.repeated_all(&a.grams, &mut a.repeated);
    let mut p = 0;
    while p < a.grams.len() {
        if !a.repeated[p] {
            p += 1;
            continue;
        }
        let from = k.grams.len();
        let start = p;
        while p < a.grams.len() && a.repeated[p] {
            k.grams.push(a.grams[p]);
            p += 1;
        }
        k.runs.push((start as u32, from..k.grams.len()));
    }
    a.paragraphs(&doc.text, pc, signer);
    k.eligible = a.eligible.len() as u64;
    let bands = signer.bands();
    filter.repeated_all(&a.keys, &mut a.repeated);
    for e in 0..a.eligible.len() {
        let n = k.paras.len() as u32;
        let before = k.keys.len();
        let span = e * bands..(e + 1) * bands;
        k.keys.extend(
            a.keys[span.clone()]
                .iter()
                .zip(&a.repeated[span])
                .filter(|&(_, &r)| r)
                .map(|(&x, _)| (x, n)),
        );
        if k.keys.len() > before {
            let r = a.eligible_range(e);
            let content = a.content(r.clone());
            k.paras.push((e as u32, r, content));
        }
    }
    a.short_lines(pc.min_words);
    for (r, c) in &a.short {
        if filter.repeated(*c) {
            k.lines.push((*c, r.clone()));
        }
    }
    Ok(k)
}

/// The third read of one document: byte offsets and lines of the token
/// boundaries in `ends`, previews of `previews`, shingle sets of the
/// paragraphs `sign`.
#[allow(clippy::too_many_arguments)]
fn locate(
    d: u32,
    doc: Document,
    pc: &PassageConfig,
    signer: &Signer,
    paras: &[Para],
    ends: &[(u32, u32, bool)],
    previews: &[(u32, u32, u32)],
    sign: &[u32],
) -> Result<Located> {
    let mut tokens = Vec::new();
    text::tokenize(&doc.text, pc.tokens, &mut tokens);
    let lines = LineIndex::new(&doc.text);
    let n = tokens.len() as u32;
    let bad = |t: u32, is_end: bool| if is_end { t == 0 || t > n } else { t >= n };
    if ends.iter().any(|&(_, t, e)| bad(t, e)) || previews.iter().any(|&(_, s, e)| s >= e || e > n)
    {
        changed_if(true)?;
    }
    let byte = |t: u32, is_end: bool| -> usize {
        if is_end {
            tokens[t as usize - 1].end
        } else {
            tokens[t as usize].start
        }
    };
    let ends = ends
        .iter()
        .map(|&(_, t, is_end)| {
            let b = byte(t, is_end);
            let line = lines.line(if is_end { b - 1 } else { b });
            (b as u64, line as u64)
        })
        .collect();
    let previews = previews
        .iter()
        .map(|&(_, s, e)| {
            crate::text::excerpt(
                &doc.text[byte(s, false)..byte(e, true)],
                super::PREVIEW_BYTES,
            )
        })
        .collect();
    let mut scratch = edited::SignScratch::default();
    let mut sets = Vec::with_capacity(sign.len());
    for &x in sign {
        let r = &paras[x as usize].tokens;
        if r.end > n {
            changed_if(true)?;
        }
        signer.shingles(&tokens[r.start as usize..r.end as usize], &mut scratch);
        sets.push((x, scratch.set.clone()));
    }
    Ok(Located {
        doc: d,
        id: doc.id,
        ends,
        previews,
        sets,
    })
}

/// Bytes of input, for sizing: compressed files count four times their size.
fn input_bytes(inputs: &Inputs) -> u64 {
    inputs
        .files()
        .iter()
        .map(|f| {
            let len = std::fs::metadata(&f.path).map_or(0, |m| m.len());
            let name = f.path.to_string_lossy();
            if name.ends_with(".gz") || name.ends_with(".zst") {
                4 * len
            } else {
                len
            }
        })
        .sum()
}

/// The filter size: as configured, else half the input, between 1 MiB and
/// [`PassageConfig::MAX_AUTO_FILTER_BYTES`].
fn filter_bytes(pc: &PassageConfig, input: u64) -> usize {
    if pc.filter_bytes > 0 {
        return pc.filter_bytes;
    }
    (input / 2).clamp(1 << 20, PassageConfig::MAX_AUTO_FILTER_BYTES as u64) as usize
}
