//! `nearcopy scan`.

use crate::args::ScanArgs;
use anyhow::bail;

pub fn run(a: ScanArgs) -> anyhow::Result<()> {
    let cfg = a.config();
    if a.cluster.is_cluster() && a.index.is_some() {
        bail!("--index is not available on a cluster yet: scan against the index on one machine");
    }
    if a.cluster.process.unwrap_or(0) == 0 {
        nearcopy::output::check(&[a.output.as_deref()], &a.paths)?;
    }
    crate::cluster::run_as(&a.cluster, &a.paths, &cfg, a.run.quiet, |cluster, bar| {
        let mut cfg = cfg.clone();
        cfg.cluster = cluster;
        let scan = match &a.index {
            Some(idx) => nearcopy::index::scan(&a.paths, &cfg, idx, bar)?,
            None => nearcopy::scan::scan(&a.paths, &cfg, bar)?,
        };
        crate::warn_skipped(&scan.skipped);
        crate::emit(a.output.as_deref(), |w| {
            nearcopy::report::scan::write(&scan, a.format.into(), w)
        })
    })
}
