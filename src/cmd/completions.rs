//! `nearcopy completions`: shell completion scripts, generated from the
//! same definitions that parse the arguments, so they never go stale.

use std::io::{self, Write};

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};

pub fn run(a: CompletionsArgs) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    // Into memory first: the generator panics on a failed write, and a
    // closed pipe (`| head`) is not an error.
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "nearcopy", &mut script);
    let mut out = io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(())
}
