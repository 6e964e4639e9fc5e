//! `nearcopy index add|stats|verify`.

use anyhow::bail;

use crate::args::{IndexCommand, SummaryFormat};
use crate::bar::Bar;

pub fn run(c: IndexCommand) -> anyhow::Result<()> {
    match c {
        IndexCommand::Add(a) => {
            let cfg = a.detect.config(&a.input, &a.run);
            let bar = Bar::new(a.run.quiet);
            let added = nearcopy::index::add(&a.paths, &cfg, &a.index, &bar)?;
            crate::warn_skipped(&added.skipped);
            let json = a.format == SummaryFormat::Json;
            crate::emit(None, |w| nearcopy::report::index::added(&added, json, w))
        }
        IndexCommand::Stats(a) => {
            let stats = nearcopy::index::stats(&a.index)?;
            let json = a.format == SummaryFormat::Json;
            crate::emit(None, |w| nearcopy::report::index::stats(&stats, json, w))
        }
        IndexCommand::Verify(a) => {
            let checked = nearcopy::index::verify(&a.index)?;
            let json = a.format == SummaryFormat::Json;
            crate::emit(None, |w| {
                nearcopy::report::index::checked(&checked, json, w)
            })?;
            if !checked.problems.is_empty() {
                bail!(
                    "{}: {} problem(s) found; the index is damaged",
                    a.index.display(),
                    checked.problems.len()
                );
            }
            Ok(())
        }
    }
}
