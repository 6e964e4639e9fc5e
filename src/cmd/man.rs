//! `nearcopy man`: the manual page in roff, generated from the same
//! definitions that parse the arguments.

use std::io::{self, Write};

use anyhow::bail;
use clap::CommandFactory;

use crate::args::{Cli, ManArgs};

pub fn run(a: ManArgs) -> anyhow::Result<()> {
    let top = Cli::command();
    let page = match &a.command {
        None => top,
        Some(name) => {
            let Some(sub) = top.find_subcommand(name) else {
                let names: Vec<&str> = top.get_subcommands().map(|c| c.get_name()).collect();
                bail!("no command '{name}'; the commands are {}", names.join(", "));
            };
            // Named as man(1) expects a subcommand's page: nearcopy-scan.
            sub.clone().name(format!("nearcopy-{name}"))
        }
    };
    let mut out = io::stdout().lock();
    clap_mangen::Man::new(page).render(&mut out)?;
    out.flush()?;
    Ok(())
}
