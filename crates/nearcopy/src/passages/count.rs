//! Read 1 of a corpus search: every `m`-gram fingerprint, paragraph band
//! key and short line goes into the repeat filter, which can say afterwards
//! what was seen at least twice. Text a near-duplicate family shares is
//! counted once for the family ([`super::firsts`]).

use super::analysis::Analysis;
use super::corpus::Search;
use super::filter::RepeatFilter;
use super::firsts::{in_two_steps, lookup, Firsts, Offer, Role};
use crate::document::Document;
use crate::error::{Error, Result};
use crate::input::{Inputs, Skipped};
use crate::progress::Progress;

/// What the first read learns of the corpus.
pub(super) struct Counted {
    /// Documents read.
    pub documents: u64,
    /// Bytes of their text.
    pub bytes: u64,
    /// What the reader skipped.
    pub skipped: Skipped,
}

/// Counts every document of `inputs` into `filter`, holding first members'
/// sets within `firsts`.
pub(super) fn count(
    inputs: &Inputs,
    search: &Search,
    filter: &RepeatFilter,
    mut firsts: Firsts,
    progress: &dyn Progress,
) -> Result<Counted> {
    progress.stage("counting", Some(search.total_bytes));
    let (mut documents, mut bytes) = (0u64, 0u64);
    let skipped = inputs.read(&search.cfg.input, |batch, raw| {
        let start = documents as u32;
        in_two_steps(&mut firsts, start, &batch, |a, doc, role| {
            count_one(a, doc, role, search, filter).map(|offer| ((), offer))
        })?;
        documents += batch.len() as u64;
        firsts.close_before(documents as u32);
        bytes += batch.iter().map(|d| d.text.len() as u64).sum::<u64>();
        progress.advance(batch.len() as u64, raw);
        Ok(())
    })?;
    if documents == 0 {
        progress.finish();
        return Err(Error::Empty(String::new()));
    }
    Ok(Counted {
        documents,
        bytes,
        skipped,
    })
}

/// Counts one document; a first member's set comes back as its offer.
fn count_one(
    a: &mut Analysis,
    doc: &Document,
    role: Role,
    search: &Search,
    filter: &RepeatFilter,
) -> Result<Option<Offer>> {
    let pc = search.pc;
    let m = pc.min_words;
    a.start(&doc.text, pc)?;
    // A first member offers its set if it has few enough positions: known
    // only at the end for a document read a piece at a time, so its set is
    // gathered until it has too many.
    let mut offer = Offer::wanted(role, 0);
    let mut set = Vec::new();
    // What the member shares with its first member is counted one time
    // fewer than it occurs here: its first occurrence is skipped, so the
    // family counts it once, more only when this document repeats it.
    // One flag per entry of the first member's set, however often a
    // (periodic) member repeats an entry.
    a.seen.clear();
    if let Role::Member { set: first, .. } = role {
        a.seen.resize(first.len(), false);
    }
    while let Some(r) = a.next_stretch(&doc.text, pc) {
        offer &= Offer::wanted(role, r.end);
        match role {
            Role::Member { set: first, .. } => {
                a.fresh.clear();
                for &g in &a.grams {
                    match lookup(first, g) {
                        Some(i) if !a.seen[i as usize] => a.seen[i as usize] = true,
                        _ => a.fresh.push(g),
                    }
                }
                filter.insert_all(&a.fresh);
            }
            _ => filter.insert_all(&a.grams),
        }
        if offer {
            set.extend_from_slice(&a.grams);
        }
    }
    let positions = (a.token_count() + 1).saturating_sub(m);
    if !offer {
        set = Vec::new();
    }
    a.paragraphs(&doc.text, pc, &search.signer);
    filter.insert_all(&a.keys);
    a.short_lines(&doc.text, pc);
    for &(_, c) in &a.short {
        filter.insert(c);
    }
    a.trim();
    Ok(offer.then(|| Offer::new(positions, set)))
}
