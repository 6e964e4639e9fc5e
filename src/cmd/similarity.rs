//! `nearcopy similarity`.

use crate::args::SimilarityArgs;
use crate::bar::Bar;

pub fn run(a: SimilarityArgs) -> anyhow::Result<()> {
    let cfg = a.config();
    let outputs = [a.output.as_deref(), a.svg.as_deref(), a.html.as_deref()];
    nearcopy::output::check(&outputs, &a.paths)?;
    let bar = Bar::new(a.run.quiet);
    let sim = nearcopy::similarity::similarity(&a.paths, &cfg, &bar)?;
    crate::warn_skipped(&sim.skipped);
    if let Some(path) = &a.svg {
        nearcopy::output::write_atomic(path, |w| nearcopy::report::html::write_svg(&sim, w))?;
    }
    if let Some(path) = &a.html {
        nearcopy::output::write_atomic(path, |w| nearcopy::report::html::write_html(&sim, w))?;
    }
    crate::emit(a.output.as_deref(), |w| {
        nearcopy::report::similarity::write(&sim, a.format.into(), w)
    })
}
