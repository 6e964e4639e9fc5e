//! `nearcopy eval`.

use crate::args::EvalArgs;
use crate::bar::Bar;

pub fn run(a: EvalArgs) -> anyhow::Result<()> {
    let cfg = nearcopy::eval::EvalConfig {
        threshold: a.threshold,
        ..nearcopy::eval::EvalConfig::default()
    };
    nearcopy::output::check(&[a.output.as_deref()], &[a.truth.clone(), a.result.clone()])?;
    let bar = Bar::new(a.quiet);
    let eval = nearcopy::eval::run(&a.truth, &a.result, &cfg, &bar)?;
    crate::emit(a.output.as_deref(), |w| {
        nearcopy::report::eval::write(&eval, &a.truth, &a.result, a.format.format(), w)
    })
}
