//! `nearcopy passages`.

use crate::args::PassagesArgs;
use crate::bar::Bar;

pub fn run(a: PassagesArgs) -> anyhow::Result<()> {
    let cfg = a.config();
    nearcopy::output::check(&[a.output.as_deref()], &a.paths)?;
    let bar = Bar::new(a.run.quiet);
    let found = nearcopy::scan::passages(&a.paths, &cfg, &bar)?;
    crate::warn_skipped(&found.skipped);
    crate::emit(a.output.as_deref(), |w| {
        nearcopy::report::passages::write(&found, a.format.into(), w)
    })
}
