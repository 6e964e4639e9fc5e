//! `nearcopy exact`.

use crate::args::ExactArgs;
use crate::bar::Bar;

pub fn run(a: ExactArgs) -> anyhow::Result<()> {
    let cfg = a.config();
    nearcopy::output::check(&[a.output.as_deref()], &a.paths)?;
    let bar = Bar::new(a.run.quiet);
    let join = nearcopy::exact::join(&a.paths, &cfg, &bar)?;
    crate::warn_skipped(&join.skipped);
    crate::emit(a.output.as_deref(), |w| {
        nearcopy::report::exact::write(&join, a.format.into(), w)
    })
}
