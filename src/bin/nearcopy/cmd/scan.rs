//! `nearcopy scan`.

use crate::args::ScanArgs;
use crate::bar::Bar;

pub fn run(a: ScanArgs) -> anyhow::Result<()> {
    let cfg = a.config();
    let bar = Bar::new(a.run.quiet);
    let scan = nearcopy::pipeline::scan(&a.paths, &cfg, &bar)?;
    crate::emit(a.output.as_deref(), |w| {
        nearcopy::report::scan::write(&scan, a.format, w)
    })
}
