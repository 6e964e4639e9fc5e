//! `nearcopy synth`.

use std::io::{self, Write};
use std::path::Path;

use crate::args::SynthArgs;
use crate::bar::Bar;

pub fn run(a: SynthArgs) -> anyhow::Result<()> {
    let cfg = a.config();
    nearcopy::output::check(&[Some(a.output.as_path()), a.truth.as_deref()], &[])?;
    let bar = Bar::new(a.run.quiet);
    let summary = nearcopy::synth::generate(&cfg, &a.output, a.truth.as_deref(), &bar)?;
    let write = |w: &mut dyn Write| {
        nearcopy::report::synth::write(
            &summary,
            &a.output,
            a.truth.as_deref(),
            a.format.format(),
            w,
        )
    };
    let to_stdout = |p: &Path| p.as_os_str() == "-";
    if to_stdout(&a.output) || a.truth.as_deref().is_some_and(to_stdout) {
        // The corpus (or the truth) is on standard output: the summary goes
        // beside it, to standard error.
        write(&mut io::stderr().lock())?;
        Ok(())
    } else {
        crate::emit(None, write)
    }
}
