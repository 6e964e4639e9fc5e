//! `nearcopy synth`.

use crate::args::SynthArgs;
use crate::bar::Bar;

pub fn run(a: SynthArgs) -> anyhow::Result<()> {
    let cfg = a.config();
    let bar = Bar::new(a.run.quiet);
    let summary = nearcopy::synth::generate(&cfg, &a.output, a.truth.as_deref(), &bar)?;
    crate::emit(None, |w| {
        nearcopy::report::synth::write(
            &summary,
            &a.output,
            a.truth.as_deref(),
            a.format.format(),
            w,
        )
    })
}
