//! Read 2 of a corpus search: keep only what the filter calls repeated
//! (runs of `m`-gram fingerprints, paragraphs with a repeated band key,
//! short lines), so memory follows what repeats, not the corpus.

use std::ops::Range;

use rayon::prelude::*;

use super::analysis::Analysis;
use super::assemble::Place;
use super::corpus::{changed_if, Search};
use super::edited::{Para, Signer};
use super::exact::Runs;
use super::filter::RepeatFilter;
use crate::config::PassageConfig;
use crate::document::{Document, Origin};
use crate::error::Result;
use crate::input::Inputs;
use crate::progress::Progress;

/// What the second read keeps of the corpus.
#[derive(Default)]
pub(super) struct Extracted {
    /// Runs of repeated `m`-gram fingerprints, by document and position.
    pub runs: Runs,
    /// Paragraphs with at least one repeated band key, in (doc, index)
    /// order.
    pub paras: Vec<Para>,
    /// The repeated band keys, each with its paragraph in `paras`.
    pub keys: Vec<(u64, u32)>,
    /// Repeated short lines: fingerprint and place.
    pub lines: Vec<(u64, Place)>,
    /// Tokens read.
    pub tokens: u64,
    /// Paragraphs long enough to be compared.
    pub paragraphs: u64,
    /// Where each document that kept anything was read, by document
    /// number (ascending): the third read reads those again, and only those.
    pub origins: Vec<(u32, Origin)>,
}

/// What the second read keeps of one document.
#[derive(Default)]
struct Kept {
    /// Runs of repeated positions: first position, and its fingerprints in
    /// `grams`.
    runs: Vec<(u32, Range<usize>)>,
    grams: Vec<u64>,
    /// Paragraphs with a repeated band key: index among the eligible ones,
    /// token range, content fingerprint.
    paras: Vec<KeptPara>,
    /// The band keys the filter calls repeated, with the number of their
    /// paragraph in `paras`: a key seen once cannot pair two paragraphs.
    keys: Vec<(u64, u32)>,
    /// Repeated short lines: fingerprint and token range.
    lines: Vec<(u64, Range<u32>)>,
    tokens: u64,
    eligible: u64,
    origin: Origin,
}

/// A paragraph kept by the second read.
struct KeptPara {
    index: u32,
    tokens: Range<u32>,
    content: u64,
}

/// Reads `inputs` again and keeps what `filter` calls repeated. `documents`
/// is the count of the first read; a different count means the input
/// changed.
pub(super) fn extract(
    inputs: &Inputs,
    search: &Search,
    filter: &RepeatFilter,
    documents: u64,
    progress: &dyn Progress,
) -> Result<Extracted> {
    progress.stage("extracting", Some(search.total_bytes));
    let mut out = Extracted::default();
    let mut next_doc = 0u32;
    inputs.read(&search.cfg.input, |batch, raw| {
        let first = next_doc;
        next_doc += batch.len() as u32;
        let kept: Vec<Kept> = batch
            .par_iter()
            .map_init(Analysis::default, |a, doc| {
                keep(a, doc, search.pc, &search.signer, filter)
            })
            .collect::<Result<_>>()?;
        for (i, k) in kept.into_iter().enumerate() {
            out.add(first + i as u32, k);
        }
        progress.advance(batch.len() as u64, raw);
        Ok(())
    })?;
    changed_if(next_doc as u64 != documents)?;
    Ok(out)
}

impl Extracted {
    /// Adds what was kept of document `doc`.
    fn add(&mut self, doc: u32, k: Kept) {
        if !(k.runs.is_empty() && k.paras.is_empty() && k.lines.is_empty()) {
            self.origins.push((doc, k.origin));
        }
        self.tokens += k.tokens;
        self.paragraphs += k.eligible;
        for (start, r) in &k.runs {
            self.runs.push(doc, *start, &k.grams[r.clone()]);
        }
        let base = self.paras.len() as u32;
        self.keys
            .extend(k.keys.iter().map(|&(key, n)| (key, base + n)));
        self.paras.extend(k.paras.into_iter().map(|p| Para {
            doc,
            index: p.index,
            tokens: p.tokens,
            content: p.content,
        }));
        self.lines.extend(k.lines.into_iter().map(|(c, r)| {
            let place = Place {
                doc,
                start: r.start,
                end: r.end,
            };
            (c, place)
        }));
    }
}

/// The second read of one document: what the filter calls repeated.
fn keep(
    a: &mut Analysis,
    doc: &Document,
    pc: &PassageConfig,
    signer: &Signer,
    filter: &RepeatFilter,
) -> Result<Kept> {
    let mut k = Kept {
        origin: doc.origin,
        ..Kept::default()
    };
    a.tokenize(&doc.text, pc)?;
    k.tokens = a.tokens.len() as u64;
    // A run may go on from one stretch into the next.
    let mut open = false;
    for r in a.stretches(pc.min_words) {
        a.grams_at(r.clone(), pc.min_words);
        filter.repeated_all(&a.grams, &mut a.repeated);
        for (p, (&g, &rep)) in r.zip(a.grams.iter().zip(&a.repeated)) {
            if !rep {
                open = false;
                continue;
            }
            let at = k.grams.len();
            k.grams.push(g);
            match k.runs.last_mut() {
                Some(run) if open => run.1.end = at + 1,
                _ => k.runs.push((p as u32, at..at + 1)),
            }
            open = true;
        }
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
            let tokens = a.eligible_range(e);
            let content = a.content(tokens.clone());
            k.paras.push(KeptPara {
                index: e as u32,
                tokens,
                content,
            });
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
