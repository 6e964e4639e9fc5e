//! `--hosts`, `--process` and `--local-processes`: the command's side of a
//! cluster run (the library's is [`nearcopy::distributed`]).
//!
//! Process 0 runs the command as usual, told of the cluster, and ends the
//! run by telling the others its outcome; every other process serves its
//! share and exits with that outcome. `--local-processes N` starts N - 1
//! copies of this command on loopback ports and plays process 0.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use nearcopy::distributed::{Cluster, ClusterConfig};
use nearcopy::progress::Progress;
use nearcopy::ScanConfig;

use crate::args::ClusterArgs;
use crate::bar::Bar;

/// Runs `job` alone, or as process 0 of a cluster (given the cluster), or
/// serves a share of `paths` as another process of it.
pub fn run_as(
    args: &ClusterArgs,
    paths: &[PathBuf],
    scan: &ScanConfig,
    quiet: bool,
    job: impl FnOnce(Option<Cluster>, &Bar) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if !args.is_cluster() {
        return job(None, &Bar::new(quiet));
    }
    if paths.iter().any(|p| p.as_os_str() == "-") {
        bail!("standard input (-) cannot be shared by the processes of a cluster; give files");
    }
    let mut local = None;
    let (hosts, process) = match (args.local_processes, &args.hosts, args.process) {
        (Some(n), _, _) => {
            let (hosts, children) = start_local(n as usize, args)?;
            local = Some(children);
            (hosts, 0)
        }
        (None, Some(file), Some(process)) => (nearcopy::distributed::read_hosts(file)?, process),
        _ => bail!("--hosts and --process go together"),
    };
    let cfg = ClusterConfig {
        hosts,
        process,
        connect_timeout: Duration::from_secs(args.connect_timeout),
        fingerprint: fingerprint(paths)?,
    };
    let cluster = match Cluster::connect(&cfg) {
        Ok(c) => c,
        Err(e) => {
            if let Some(mut l) = local {
                l.kill();
            }
            return Err(e.into());
        }
    };
    let result = if process == 0 {
        let bar = Bar::new(quiet);
        let watching = watch(&cluster);
        let result = job(Some(cluster.clone()), &bar);
        watching.store(false, Ordering::SeqCst);
        let outcome = result.as_ref().map(|_| ()).map_err(crate::message);
        let told = cluster.finish(outcome);
        result.and(told.map_err(anyhow::Error::from))
    } else {
        // Only process 0 shows progress.
        let bar = Bar::new(true);
        let mut scan = scan.clone();
        scan.cluster = Some(cluster.clone());
        bar.stage("serving", None);
        let served = nearcopy::scan::serve(paths, &scan, &bar);
        if served.is_err() && cluster.failure().is_some() {
            // Stopping at once would close this process's connections as
            // the lost one's close: process 0 could then name this one.
            std::thread::sleep(LINGER);
        }
        served.map_err(anyhow::Error::from)
    };
    if !quiet {
        let t = cluster.traffic();
        let _ = writeln!(
            std::io::stderr(),
            "nearcopy: process {process} of {}: sent {:.1} MB, received {:.1} MB",
            cluster.processes(),
            t.sent as f64 / 1e6,
            t.received as f64 / 1e6
        );
    }
    match local {
        Some(children) => {
            let waited = children.wait();
            result.and(waited)
        }
        None => result,
    }
}

/// How long a process that lost a peer keeps its own connections open, so
/// that the others see the lost one go first and name it.
const LINGER: Duration = Duration::from_secs(1);

/// Stops process 0 as soon as another process is lost, the way a signal
/// does (temporary files removed, no output renamed into place half-way):
/// the job may run for minutes after the others handed over their shares,
/// and they have already stopped. Watches until the returned flag is
/// cleared, when the job is done.
fn watch(cluster: &Cluster) -> Arc<AtomicBool> {
    let going = Arc::new(AtomicBool::new(true));
    let flag = going.clone();
    let cluster = cluster.clone();
    let _ = std::thread::Builder::new()
        .name("cluster-watch".into())
        .spawn(move || {
            while flag.load(Ordering::SeqCst) {
                if let Some(e) = cluster.failure() {
                    if !flag.load(Ordering::SeqCst) {
                        return;
                    }
                    let _held = nearcopy::tempfiles::remove_all();
                    let _ = writeln!(std::io::stderr(), "nearcopy: {e}");
                    std::process::exit(1);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
    going
}

/// The processes started by `--local-processes`, and their host file.
struct Local {
    children: Vec<(usize, Child)>,
    _hosts: nearcopy::tempfiles::TempFile,
}

impl Local {
    fn kill(&mut self) {
        for (_, c) in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Waits for every child; an error names the first that failed.
    fn wait(mut self) -> anyhow::Result<()> {
        let mut failed = None;
        for (i, c) in &mut self.children {
            match c.wait() {
                Ok(s) if s.success() => {}
                Ok(s) => {
                    failed.get_or_insert(format!("local process {i} failed ({s})"));
                }
                Err(e) => {
                    failed.get_or_insert(format!("local process {i}: {e}"));
                }
            }
        }
        match failed {
            Some(f) => bail!(f),
            None => Ok(()),
        }
    }
}

/// Starts `n - 1` copies of this command as processes 1.. of a cluster on
/// free loopback ports; returns the host file's lines.
fn start_local(n: usize, args: &ClusterArgs) -> anyhow::Result<(Vec<String>, Local)> {
    let hosts: Vec<String> = nearcopy::distributed::free_local_ports(n)?
        .into_iter()
        .map(|p| format!("127.0.0.1:{p}"))
        .collect();
    let dir = std::env::temp_dir();
    let mut file = nearcopy::tempfiles::TempFile::new_in(&dir, None)
        .with_context(|| format!("cannot write a host file in {}", dir.display()))?;
    writeln!(file.as_file_mut(), "{}", hosts.join("\n"))?;
    let exe = std::env::current_exe().context("cannot find this program to start it again")?;
    let own: Vec<OsString> = without_cluster_flags(std::env::args_os().skip(1));
    let mut children = Vec::new();
    for i in 1..n {
        let child = Command::new(&exe)
            .args(&own)
            .arg("--hosts")
            .arg(file.path())
            .arg("--process")
            .arg(i.to_string())
            .arg("--connect-timeout")
            .arg(args.connect_timeout.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn();
        match child {
            Ok(c) => children.push((i, c)),
            Err(e) => {
                let mut l = Local {
                    children,
                    _hosts: file,
                };
                l.kill();
                return Err(e).context("cannot start a local process");
            }
        }
    }
    Ok((
        hosts,
        Local {
            children,
            _hosts: file,
        },
    ))
}

/// The arguments without those that differ between the processes of one
/// cluster.
fn without_cluster_flags(args: impl Iterator<Item = OsString>) -> Vec<OsString> {
    const WITH_VALUE: [&str; 4] = [
        "--hosts",
        "--process",
        "--local-processes",
        "--connect-timeout",
    ];
    let mut out = Vec::new();
    let mut skip_next = false;
    for a in args {
        if std::mem::take(&mut skip_next) {
            continue;
        }
        let s = a.to_string_lossy();
        if WITH_VALUE.contains(&s.as_ref()) {
            skip_next = true;
            continue;
        }
        if WITH_VALUE.iter().any(|f| s.starts_with(&format!("{f}="))) {
            continue;
        }
        out.push(a);
    }
    out
}

/// A fingerprint of what must be the same on every process: the command's
/// arguments (but the cluster flags) and the input files with their sizes.
fn fingerprint(paths: &[PathBuf]) -> anyhow::Result<u64> {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for a in without_cluster_flags(std::env::args_os().skip(1)) {
        h.update(a.to_string_lossy().as_bytes());
        h.update(&[0]);
    }
    for f in nearcopy::input::files_of(paths)? {
        let len = std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
        h.update(Path::new(&f).to_string_lossy().as_bytes());
        h.update(&len.to_le_bytes());
    }
    Ok(h.digest())
}
