//! `nearcopy scan`.

use crate::args::ScanArgs;
use crate::bar::Bar;

pub fn run(a: ScanArgs) -> anyhow::Result<()> {
    let cfg = a.config();
    nearcopy::output::check(&[a.output.as_deref()], &a.paths)?;
    let bar = Bar::new(a.run.quiet);
    let scan = match &a.index {
        Some(idx) => nearcopy::index::scan(&a.paths, &cfg, idx, &bar)?,
        None => nearcopy::scan::scan(&a.paths, &cfg, &bar)?,
    };
    crate::warn_skipped(&scan.skipped);
    crate::emit(a.output.as_deref(), |w| {
        nearcopy::report::scan::write(&scan, a.format.into(), w)
    })
}
