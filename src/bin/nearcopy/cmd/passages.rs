//! `nearcopy passages`.

use crate::args::PassagesArgs;
use crate::bar::Bar;

pub fn run(a: PassagesArgs) -> anyhow::Result<()> {
    let cfg = a.config();
    let bar = Bar::new(a.run.quiet);
    let found = nearcopy::passages::find(&a.paths, &cfg, &bar)?;
    crate::emit(a.output.as_deref(), |w| {
        nearcopy::report::passages::write(&found, a.format, w)
    })
}
