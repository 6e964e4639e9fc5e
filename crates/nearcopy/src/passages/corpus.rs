//! The corpus search: its three reads (`count.rs`, `extract.rs`,
//! `locate.rs`), described in the [module documentation](super), tied
//! together, and its result.

use std::time::Instant;

use serde::Serialize;

use super::assemble::{self, Found};
use super::count::count;
use super::edited::{self, Para, Signer};
use super::exact;
use super::extract::{extract, Extracted};
use super::families::Families;
use super::filter::RepeatFilter;
use super::firsts::Firsts;
use super::locate::locate;
use super::{edited_found, Kind, PassageGroup};
use crate::config::{PassageConfig, ScanConfig};
use crate::document::Origin;
use crate::error::{Error, Result};
use crate::figures::round6;
use crate::input::{Corpus, Inputs, Skipped};
use crate::memory::Phase;
use crate::progress::Progress;
use crate::text::TokenKind;

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

impl PassageParams {
    /// The reported parameters of `pc`, with the filter size used.
    fn new(pc: &PassageConfig, filter_bytes: usize) -> PassageParams {
        let b = pc.banding();
        PassageParams {
            min_words: pc.min_words,
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
        }
    }
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
    /// Members of near-duplicate groups of more than 200 documents other
    /// than each group's first, which alone takes part.
    pub left_out_documents: u64,
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
    /// `nearcopy passages` only: the document-level read that finds the
    /// large near-duplicate groups first (see [`crate::scan::passages`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<f64>,
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
    cfg.run_on(corpus.into(), |inputs| find_in(inputs, cfg, progress))
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
    cfg.passages.validate()?;
    let start = Instant::now();
    let pc = &cfg.passages;
    let search = Search {
        cfg,
        pc,
        signer: Signer::new(pc.perms, pc.banding(), pc.shingle),
        families: &known.families,
        total_bytes: input_bytes(inputs),
    };
    let filter = RepeatFilter::with_bytes(filter_bytes(
        pc,
        known.text_bytes.unwrap_or(search.total_bytes),
    ));

    // Text a near-duplicate family shares is counted once for the family;
    // the first members' sets it takes are held within a quarter of the
    // filter's size.
    let budget = filter.bytes() / 4;
    let firsts = || Firsts::new(&known.families, budget);

    // 1. Count. What the document-level part freed goes back first.
    crate::memory::enter(Phase::Releasing);
    crate::memory::enter(Phase::Reading);
    let counted = count(inputs, &search, &filter, firsts(), progress)?;
    let t_count = start.elapsed().as_secs_f64();

    // 2. Extract, asking only the filter's twice level (half its size).
    let t = Instant::now();
    let filter_bytes = filter.bytes();
    crate::memory::enter(Phase::Releasing);
    let filter = filter.freeze();
    crate::memory::enter(Phase::Reading);
    let extracted = extract(
        inputs,
        &search,
        &filter,
        firsts(),
        counted.documents,
        progress,
    )?;
    let mut summary = PassageSummary {
        documents: counted.documents,
        bytes: counted.bytes,
        tokens: extracted.tokens,
        paragraphs: extracted.paragraphs,
        kept_positions: extracted.runs.positions() as u64,
        filter_load: round6(filter.twice_fill()),
        left_out_documents: known.families.left_out_count(),
        ..PassageSummary::default()
    };
    let related = extracted.related;
    crate::memory::enter(Phase::Releasing);
    drop(filter);
    let t_extract = t.elapsed().as_secs_f64();

    // Maximal repeats, boilerplate lines and paragraph candidates, in memory.
    let t = Instant::now();
    let candidates = Candidates::new(&search, extracted)?;
    summary.repeated_positions = candidates.repeated_positions;
    summary.related_positions = related + candidates.related_positions;
    summary.candidate_paragraphs = candidates.paras.len() as u64;
    summary.candidate_pairs = candidates.pairs.len() as u64;
    let t_repeats = t.elapsed().as_secs_f64();

    // 3. Locate and verify.
    let t = Instant::now();
    crate::memory::enter(Phase::Reading);
    let mut located = locate(inputs, &search, &candidates, progress)?;
    crate::memory::enter(Phase::Releasing);
    summary.verified_pairs = located.verified.len() as u64;
    let Candidates {
        mut found,
        paras,
        rep,
        origins,
        ..
    } = candidates;
    let shingles =
        |i: u32| edited::shingle_count(paras[i as usize].tokens.len() as u32, pc.shingle);
    for g in edited::groups(&paras, &rep, &located.verified, shingles) {
        let f = edited_found(&g, &paras);
        if !search.families.only_related_places(&f.places) {
            found.push(f);
        }
    }
    let mut found = assemble::finish(found, pc.boilerplate_docs);
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
    located.add_previews(inputs, &search, &origins, &found, &paras, progress)?;
    let passages = located.groups(&found, &paras)?;
    progress.finish();
    let total = start.elapsed().as_secs_f64();
    Ok(Passages {
        params: PassageParams::new(pc, filter_bytes),
        passages,
        skipped: counted.skipped,
        timings: PassageTimings {
            groups: None,
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

/// What every step of a corpus search needs.
pub(super) struct Search<'a> {
    pub cfg: &'a ScanConfig,
    pub pc: &'a PassageConfig,
    /// Signs paragraphs (band keys and shingle sets).
    pub signer: Signer,
    /// What only the members of one family share is left out.
    pub families: &'a Families,
    /// Bytes of input, for the progress bar and sizing.
    pub total_bytes: u64,
}

/// What the extracted repeats give before the third read: the exact and
/// line findings, and the paragraphs and pairs that may be edited copies.
pub(super) struct Candidates {
    /// Maximal repeats not covered by a longer one, and repeated lines.
    pub found: Vec<Found>,
    /// Paragraphs with a repeated band key, in (doc, index) order.
    pub paras: Vec<Para>,
    /// For each paragraph, its representative (the first identical copy).
    pub rep: Vec<u32>,
    /// Pairs of representatives sharing a band key.
    pub pairs: Vec<(u32, u32)>,
    /// Positions in some maximal repeat.
    pub repeated_positions: u64,
    /// Positions left out as shared only within a family.
    pub related_positions: u64,
    /// Where the documents that kept anything were read, by number.
    pub origins: Vec<(u32, Origin)>,
}

impl Candidates {
    fn new(search: &Search, x: Extracted) -> Result<Candidates> {
        let (pc, families) = (search.pc, search.families);
        // The band keys (millions of them) are turned into the far fewer
        // candidate pairs first, so they are gone before the suffix array
        // needs its memory.
        let rep = edited::representatives(&x.paras);
        let pairs = x.keys.pairs(&rep)?;
        let repeats = exact::maximal_repeats(x.runs, pc.min_words, families)?;
        let mut found = assemble::exact(repeats.groups, pc.min_words as u32);
        found.retain(|f| !families.only_related_places(&f.places));
        let mut found = assemble::drop_covered(found);
        let mut lines = assemble::lines(x.lines, pc.boilerplate_docs);
        lines.retain(|f| !families.only_related_places(&f.places));
        found.extend(lines);
        Ok(Candidates {
            found,
            paras: x.paras,
            rep,
            pairs,
            repeated_positions: repeats.repeated,
            related_positions: repeats.related,
            origins: x.origins,
        })
    }
}

/// Fails with [`Error::Changed`] when `changed`: a later read of the
/// corpus did not see what the first one did.
pub(super) fn changed_if(changed: bool) -> Result<()> {
    if changed {
        return Err(Error::Changed("passage search".into()));
    }
    Ok(())
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
    let half = (input / 2).clamp(1 << 20, PassageConfig::MAX_AUTO_FILTER_BYTES);
    usize::try_from(half).unwrap_or(usize::MAX / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Half the input, so that the table's load, and the share of unique
    /// positions it wrongly calls repeated, stay the same as corpora grow.
    #[test]
    fn the_filter_is_half_the_input_within_its_bounds() {
        let pc = PassageConfig::default();
        assert_eq!(filter_bytes(&pc, 1000), 1 << 20);
        assert_eq!(filter_bytes(&pc, 961_186_232), 480_593_116);
        assert_eq!(filter_bytes(&pc, 4_810_601_327), 2_405_300_663);
        assert_eq!(filter_bytes(&pc, 1 << 40), 1 << 33);
        let set = PassageConfig {
            filter_bytes: 4096,
            ..PassageConfig::default()
        };
        assert_eq!(filter_bytes(&set, 1 << 40), 4096);
    }
}

#[cfg(test)]
mod pieces {
    use super::*;
    use crate::input::Texts;
    use crate::passages::testing::words;
    use crate::progress::Silent;

    fn find_with(texts: &[&str], cfg: &ScanConfig) -> serde_json::Value {
        let found = find(
            Texts {
                texts,
                ids: None,
                sources: None,
            },
            cfg,
            &Silent,
        )
        .unwrap();
        serde_json::json!({
            "passages": found.passages,
            "summary": found.summary,
        })
    }

    /// Documents read a piece at a time, their tokens never held whole, give
    /// the report they give whole: pieces cut inside lines, paragraphs,
    /// repeats and multi-byte characters, for words and for characters.
    #[test]
    fn documents_read_in_pieces_give_the_same_report() {
        let block = format!("{}\n{}\n", words(40, 1), words(30, 2));
        let headline = "Storm hits the coast";
        let edited = words(60, 3).replacen("w", "changed w", 5);
        let long_line = format!("{} {}", words(70_000, 4), words(50, 5));
        let first = format!(
            "{headline}\n{headline}\n{block}naïve café a\u{301}b 東京タワー résumé {}\r\n{block}{}\n\n{}\n",
            words(20, 6),
            words(60, 3),
            words(12, 7),
        );
        let wrapped: String = words(300, 8)
            .split(' ')
            .collect::<Vec<_>>()
            .chunks(9)
            .enumerate()
            .map(|(i, c)| format!("{}{}\n", if i % 5 == 0 { "  " } else { "" }, c.join(" ")))
            .collect();
        let second = format!("{edited}\n{wrapped}{block}\n\u{301}tail {}\n", words(40, 1));
        let third = format!("{long_line}\n{}", words(50, 5));
        let texts = [first.as_str(), second.as_str(), third.as_str(), headline];
        for kind in [TokenKind::Words, TokenKind::Chars] {
            let base = PassageConfig::for_tokens(kind);
            let whole = ScanConfig {
                passages: base.clone(),
                ..ScanConfig::default()
            };
            let want = find_with(&texts, &whole);
            assert!(
                want["passages"].as_array().is_some_and(|p| p.len() > 3),
                "{kind:?}: {want}"
            );
            for piece_bytes in [7, 100, 4096] {
                let cfg = ScanConfig {
                    passages: PassageConfig {
                        piece_bytes,
                        ..base.clone()
                    },
                    ..ScanConfig::default()
                };
                assert_eq!(
                    find_with(&texts, &cfg),
                    want,
                    "{kind:?} in pieces of {piece_bytes} bytes"
                );
            }
        }
    }
}
