//! Read 1 of a corpus search: every `m`-gram fingerprint, paragraph band
//! key and short line goes into the repeat filter, which can say afterwards
//! what was seen at least twice.

use rayon::prelude::*;

use super::analysis::Analysis;
use super::corpus::Search;
use super::filter::RepeatFilter;
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

/// Counts every document of `inputs` into `filter`.
pub(super) fn count(
    inputs: &Inputs,
    search: &Search,
    filter: &RepeatFilter,
    progress: &dyn Progress,
) -> Result<Counted> {
    let pc = search.pc;
    progress.stage("counting", Some(search.total_bytes));
    let (mut documents, mut bytes) = (0u64, 0u64);
    let skipped = inputs.read(&search.cfg.input, |batch, raw| {
        batch
            .par_iter()
            .map_init(Analysis::default, |a, doc| -> Result<()> {
                a.tokenize(&doc.text, pc)?;
                for r in a.stretches(pc.min_words) {
                    a.grams_at(r, pc.min_words);
                    filter.insert_all(&a.grams);
                }
                a.paragraphs(&doc.text, pc, &search.signer);
                filter.insert_all(&a.keys);
                a.short_lines(pc.min_words);
                for &(_, c) in &a.short {
                    filter.insert(c);
                }
                Ok(())
            })
            .collect::<Result<()>>()?;
        documents += batch.len() as u64;
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
