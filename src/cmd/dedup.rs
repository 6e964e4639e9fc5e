//! `nearcopy dedup`.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::bail;
use nearcopy::dedup::{Target, Targets};

use crate::args::{DedupArgs, SummaryFormat};
use crate::bar::Bar;

pub fn run(a: DedupArgs) -> anyhow::Result<()> {
    let cfg = a.config();
    if a.cluster.is_cluster() && a.index.is_some() {
        bail!("--index is not available on a cluster yet: dedup against the index on one machine");
    }
    crate::cluster::run_as(
        &a.cluster,
        &a.paths,
        &cfg.scan,
        a.run.quiet,
        |cluster, bar| {
            let mut cfg = cfg.clone();
            cfg.scan.cluster = cluster;
            run_with(&a, &cfg, bar)
        },
    )
}

fn run_with(a: &DedupArgs, cfg: &nearcopy::DedupConfig, bar: &Bar) -> anyhow::Result<()> {
    let is_stdout = |p: &Path| p.as_os_str() == "-";
    let output = if a.dry_run { None } else { a.output.as_deref() };
    let removed = a.removed.as_deref();
    if output.is_some_and(is_stdout) && removed.is_some_and(is_stdout) {
        bail!("OUT and --removed cannot both be standard output (-)");
    }
    let uses_stdout = output.is_some_and(is_stdout) || removed.is_some_and(is_stdout);
    let mut stdout = BufWriter::with_capacity(64 << 10, io::stdout());
    let mut slot: Option<&mut (dyn Write + Send)> = Some(&mut stdout);
    let mut target = |p: Option<&Path>| match p {
        None => Target::Nowhere,
        Some(p) if is_stdout(p) => slot.take().map_or(Target::Nowhere, Target::Writer),
        Some(p) => Target::File(p.to_path_buf()),
    };
    let targets = Targets {
        kept: target(output),
        log: target(removed),
    };
    let report = nearcopy::dedup::dedup(&a.paths, cfg, targets, bar)?;
    stdout.flush()?;
    drop(stdout);
    let json = a.format == SummaryFormat::Json;
    if uses_stdout {
        let mut err = io::stderr().lock();
        nearcopy::report::dedup::write(&report, json, &mut err)?;
    } else {
        crate::emit(None, |w| nearcopy::report::dedup::write(&report, json, w))?;
    }
    Ok(())
}
