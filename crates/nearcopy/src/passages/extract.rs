//! Read 2 of a corpus search: keep only what the filter calls repeated
//! (runs of `m`-gram fingerprints, paragraphs with a repeated band key,
//! short lines), so memory follows what repeats, not the corpus.

use std::ops::Range;

use ahash::AHashSet;

use super::analysis::Analysis;
use super::assemble::Place;
use super::corpus::{changed_if, Search};
use super::edited::{Para, Signer};
use super::exact::Runs;
use super::filter::Repeats;
use super::firsts::{in_two_steps, lookup, Firsts, Offer, Role};
use super::keys::BandKeys;
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
    pub keys: BandKeys,
    /// Repeated short lines: fingerprint and place.
    pub lines: Vec<(u64, Place)>,
    /// Tokens read.
    pub tokens: u64,
    /// Paragraphs long enough to be compared.
    pub paragraphs: u64,
    /// Where each document that kept anything was read, by document
    /// number (ascending): the third read reads those again, and only those.
    pub origins: Vec<(u32, Origin)>,
    /// Positions left out as related ([`super::firsts`]): a family
    /// member's positions whose `m`-gram only the family shares, with the
    /// first member's, and those of members of large families.
    pub related: u64,
    /// Contents of the kept paragraphs all of whose band keys repeat: a
    /// later paragraph with one of them is an identical copy.
    contents: AHashSet<u64>,
}

/// What the second read keeps of one document.
#[derive(Default)]
struct Kept {
    /// Runs of repeated positions: first position, and its fingerprints in
    /// `grams`.
    runs: Vec<(u32, Range<usize>)>,
    grams: Grams,
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
    /// Positions left out as related.
    related: u64,
    /// A member's first member, and the entries of its set the member
    /// shares.
    shares: Option<(u32, Vec<u32>)>,
}

/// The kept fingerprints of one document, in blocks: handed over to
/// [`Runs`] block by block, so a huge document (a periodic one keeps all its
/// positions) is never held twice, nor doubled as it grows.
#[derive(Default)]
struct Grams {
    blocks: Vec<Vec<u64>>,
    len: usize,
}

/// Fingerprints in a block of [`Grams`] (512 KiB). The unit tests use tiny
/// blocks, so that runs cross them.
#[cfg(not(test))]
const GRAMS_BLOCK: usize = 1 << 16;
#[cfg(test)]
const GRAMS_BLOCK: usize = 5;

impl Grams {
    fn len(&self) -> usize {
        self.len
    }

    fn push(&mut self, g: u64) {
        match self.blocks.last_mut() {
            Some(b) if b.len() < GRAMS_BLOCK => b.push(g),
            _ => {
                // The first block grows as it fills: most documents keep a
                // few hundred.
                let mut b = Vec::with_capacity(if self.blocks.is_empty() {
                    0
                } else {
                    GRAMS_BLOCK
                });
                b.push(g);
                self.blocks.push(b);
            }
        }
        self.len += 1;
    }

    /// Hands the fingerprints `r` to `take` a block's part at a time,
    /// freeing each block once nothing at or after `r.end` is in it: the
    /// runs come in order, so nothing later needs it.
    fn hand_over(&mut self, r: Range<usize>, take: &mut dyn FnMut(&[u64])) {
        let (first, last) = (r.start / GRAMS_BLOCK, r.end.div_ceil(GRAMS_BLOCK));
        for b in first..last {
            let from = r.start.max(b * GRAMS_BLOCK) - b * GRAMS_BLOCK;
            let to = r.end.min((b + 1) * GRAMS_BLOCK) - b * GRAMS_BLOCK;
            take(&self.blocks[b][from..to]);
            if (b + 1) * GRAMS_BLOCK <= r.end {
                self.blocks[b] = Vec::new();
            }
        }
    }
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
    filter: &Repeats,
    mut firsts: Firsts,
    documents: u64,
    progress: &dyn Progress,
) -> Result<Extracted> {
    progress.stage("extracting", Some(search.total_bytes));
    let mut out = Extracted::default();
    let mut next_doc = 0u32;
    inputs.read(&search.cfg.input, |batch, raw| {
        let first = next_doc;
        next_doc += batch.len() as u32;
        let kept = in_two_steps(&mut firsts, first, &batch, |a, doc, role| {
            keep(a, doc, role, search.pc, &search.signer, filter)
        })?;
        for (i, mut k) in kept.into_iter().enumerate() {
            if let Some((f, at)) = k.shares.take() {
                firsts.mark(f, &at);
            }
            out.add(first + i as u32, k, search.signer.bands())?;
        }
        out.related += firsts.close_before(next_doc);
        progress.advance(batch.len() as u64, raw);
        Ok(())
    })?;
    changed_if(next_doc as u64 != documents)?;
    out.contents = AHashSet::new();
    Ok(out)
}

impl Extracted {
    /// Adds what was kept of document `doc`, whose paragraphs have `bands`
    /// band keys each. Documents come in input order.
    fn add(&mut self, doc: u32, mut k: Kept, bands: usize) -> Result<()> {
        if !(k.runs.is_empty() && k.paras.is_empty() && k.lines.is_empty()) {
            self.origins.push((doc, k.origin));
        }
        self.tokens += k.tokens;
        self.related += k.related;
        self.paragraphs += k.eligible;
        for (start, r) in &k.runs {
            let grams = &mut k.grams;
            self.runs
                .push_parts(doc, *start, |take| grams.hand_over(r.clone(), take));
        }
        // Only the first of identical paragraphs (in input order) is paired
        // by its band keys (`edited::representatives`); its copies are kept
        // for their places alone. Copies are most of the repeated keys of a
        // corpus with near-duplicates, and every key of a text found twice
        // repeats, so a paragraph that kept them all is looked up.
        let base = self.paras.len() as u32;
        let mut keys = k.keys.as_slice();
        for (n, p) in k.paras.into_iter().enumerate() {
            let mine = keys.iter().take_while(|&&(_, x)| x == n as u32).count();
            let copy = mine == bands && !self.contents.insert(p.content);
            if !copy {
                for &(key, _) in &keys[..mine] {
                    self.keys.push(key, base + n as u32)?;
                }
            }
            keys = &keys[mine..];
            self.paras.push(Para {
                doc,
                index: p.index,
                tokens: p.tokens,
                content: p.content,
            });
        }
        self.lines.extend(k.lines.into_iter().map(|(c, r)| {
            let place = Place {
                doc,
                start: r.start,
                end: r.end,
            };
            (c, place)
        }));
        Ok(())
    }
}

/// The second read of one document: what the filter calls repeated. A
/// first member's offer is the set of its `m`-grams the filter calls
/// unique, which its family's other members may share.
fn keep(
    a: &mut Analysis,
    doc: &Document,
    role: Role,
    pc: &PassageConfig,
    signer: &Signer,
    filter: &Repeats,
) -> Result<(Kept, Option<Offer>)> {
    let mut k = Kept {
        origin: doc.origin,
        ..Kept::default()
    };
    let m = pc.min_words;
    a.start(&doc.text, pc)?;
    // As in the first read: a first member's set is gathered until it has
    // too many positions to offer.
    let mut offer = Offer::wanted(role, 0);
    let mut set = Vec::new();
    let mut shares = Vec::new();
    // A run may go on from one stretch into the next.
    let mut open = false;
    while let Some(r) = a.next_stretch(&doc.text, pc) {
        offer &= Offer::wanted(role, r.end);
        filter.repeated_all(&a.grams, &mut a.repeated);
        if let Role::LeftOut = role {
            // Its family's first member stands for it.
            k.related += a.repeated.iter().filter(|&&rep| rep).count() as u64;
            continue;
        }
        for (p, (&g, &rep)) in r.zip(a.grams.iter().zip(&a.repeated)) {
            if !rep {
                open = false;
                if offer {
                    set.push(g);
                } else if let Role::Member { set: first, .. } = role {
                    if let Some(at) = lookup(first, g) {
                        k.related += 1;
                        shares.push(at);
                    }
                }
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
    if let Role::Member { first, .. } = role {
        k.shares = Some((first, shares));
    }
    k.tokens = a.token_count() as u64;
    let positions = (a.token_count() + 1).saturating_sub(m);
    if !offer {
        set = Vec::new();
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
            let content = a.content(&doc.text, pc, tokens.clone());
            k.paras.push(KeptPara {
                index: e as u32,
                tokens,
                content,
            });
        }
    }
    a.short_lines(&doc.text, pc);
    for (r, c) in &a.short {
        if filter.repeated(*c) {
            k.lines.push((*c, r.clone()));
        }
    }
    a.trim();
    Ok((k, offer.then(|| Offer::new(positions, set))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs read back from their blocks are the fingerprints pushed, across
    /// block boundaries, and freeing what lies before a run keeps the run.
    #[test]
    fn grams_give_back_each_run_across_blocks() {
        let all: Vec<u64> = (0..53).map(|i| i * 7 + 1).collect();
        let mut grams = Grams::default();
        for &g in &all {
            grams.push(g);
        }
        assert_eq!(grams.len(), all.len());
        let runs = [0..3, 3..5, 5..17, 17..18, 18..40, 40..53];
        for r in runs {
            let mut got = Vec::new();
            grams.hand_over(r.clone(), &mut |part| got.extend_from_slice(part));
            assert_eq!(got, all[r.clone()], "{r:?}");
            let held = grams.blocks.iter().filter(|b| !b.is_empty()).count();
            assert_eq!(held, all.len().div_ceil(GRAMS_BLOCK) - r.end / GRAMS_BLOCK);
        }
    }
}
