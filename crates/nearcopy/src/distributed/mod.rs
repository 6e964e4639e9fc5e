//! Running `scan` and `dedup` on several processes or machines, with the
//! same result as on one.
//!
//! Every process is started with the same command, the same input paths
//! (a shared or copied file system) and a host file listing one
//! `host:port` per process; `--process I` says which line is this one.
//!
//! - **Connect** (`connect.rs`): each pair of processes shakes hands within
//!   a deadline; a process started with other arguments or inputs is
//!   refused by name.
//! - **Share**: the inputs are split by bytes into one share per process
//!   ([`crate::input::Inputs::split`]); large uncompressed JSON Lines files
//!   are cut at line starts, so no process reads everything.
//! - **Sign** (`gather.rs`): each process reads and signs its own share on
//!   its own threads (the costly part of document-level work) and sends the
//!   signed documents through a timely dataflow (`worker.rs`) to process 0.
//! - **Decide**: process 0 takes the documents in input order, exactly as
//!   its own read would have (numbering, exact copies, reused ids, line
//!   numbers), and runs the rest of the job (candidates, verification,
//!   groups, passages, the output) as one process does. The result is
//!   therefore byte for byte that of a one-process run, whatever the number
//!   of processes and threads.
//! - **Verdict**: process 0 broadcasts its outcome; the others exit 0 only
//!   when the run succeeded.
//!
//! timely has no fault tolerance, so a failure ends the run cleanly
//! instead: a process that cannot connect within the timeout, or whose
//! connection breaks, makes every other stop with an error naming it, and
//! process 0 writes its outputs only as a complete run's last step.

mod connect;
mod worker;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use timely::communication::WorkerGuards;

use crate::error::{Error, Result};

use connect::Links;
use worker::{Arrived, Command};
pub(crate) use worker::{Message, WireDoc};

/// How this process joins a cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// `host:port` of every process, in process order.
    pub hosts: Vec<String>,
    /// This process's position in `hosts`.
    pub process: usize,
    /// How long to wait for every process to connect.
    pub connect_timeout: Duration,
    /// A fingerprint of the command and inputs: processes with different
    /// fingerprints refuse each other.
    pub fingerprint: u64,
}

impl ClusterConfig {
    /// Checks the values, with a message that says what to change.
    pub fn validate(&self) -> Result<()> {
        if self.hosts.is_empty() {
            return Err(Error::Config("the host file lists no process".into()));
        }
        if self.process >= self.hosts.len() {
            return Err(Error::Config(format!(
                "--process {} is not in the host file, which lists processes 0 to {}",
                self.process,
                self.hosts.len() - 1
            )));
        }
        Ok(())
    }
}

/// Reads a host file: one `host:port` per line, in process order; blank
/// lines and lines starting with `#` are left out.
pub fn read_hosts(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut hosts = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let port_ok = line
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !port_ok {
            return Err(Error::Config(format!(
                "{}:{}: expected host:port, got \"{line}\"",
                path.display(),
                n + 1
            )));
        }
        hosts.push(line.to_string());
    }
    if hosts.is_empty() {
        return Err(Error::Config(format!(
            "{}: no host:port line (one per process)",
            path.display()
        )));
    }
    Ok(hosts)
}

/// `n` loopback ports free now, for trying a cluster on one machine.
///
/// They are taken below the range the system hands out for outgoing
/// connections (`ip_local_port_range`): a port from that range, free when
/// it was chosen, may become the source port of one process's connection
/// to another before the process meant to listen on it has started.
pub fn free_local_ports(n: usize) -> Result<Vec<u16>> {
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|p| p.parse::<u16>().ok())
        })
        .unwrap_or(32768);
    let low = 10_000u16.min(ephemeral_low.saturating_sub(1000));
    let span = u32::from(ephemeral_low.saturating_sub(low).max(1));
    // Where to start looking: different for processes started together.
    let seed = std::process::id() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
    let start = (crate::hash::SplitMix64::new(seed).next() % u64::from(span)) as u32;
    let mut probes = Vec::with_capacity(n);
    for i in 0..span {
        if probes.len() == n {
            break;
        }
        let port = low + ((start + i) % span) as u16;
        if let Ok(l) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            probes.push(l);
        }
    }
    if probes.len() < n {
        return Err(Error::Cluster(format!(
            "cannot find {n} free loopback ports between {low} and {ephemeral_low}"
        )));
    }
    probes
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| Error::Cluster(format!("cannot find free loopback ports: {e}")))
}

/// Bytes this process sent to and received from the others.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Bytes sent.
    pub sent: u64,
    /// Bytes received.
    pub received: u64,
}

/// A process's membership of a cluster: its connections and its dataflow
/// worker. Cheap to clone (shared).
#[derive(Clone)]
pub struct Cluster {
    inner: Arc<Session>,
}

struct Session {
    cfg: ClusterConfig,
    links: Arc<Links>,
    commands: Mutex<SyncSender<Command>>,
    /// The worker's thread, woken after each command: it sleeps while it
    /// has nothing to do (the network threads wake it for what arrives).
    worker: Option<std::thread::Thread>,
    arrived: Mutex<Receiver<Arrived>>,
    guards: Mutex<Option<WorkerGuards<()>>>,
}

impl Drop for Session {
    fn drop(&mut self) {
        // A worker whose peer is gone never finishes, and joining it (or
        // the network threads) would wait for ever: the process exits
        // without it.
        if let Some(g) = self.guards.get_mut().ok().and_then(|g| g.take()) {
            std::mem::forget(g);
        }
    }
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("process", &self.inner.cfg.process)
            .field("processes", &self.inner.cfg.hosts.len())
            .finish()
    }
}

/// Batches that may wait between the job and the dataflow worker, each way.
const QUEUE: usize = 8;

/// How long a process that lost a connection still waits for the verdict:
/// the connection to process 0 closes right after the verdict is sent.
const VERDICT_GRACE: Duration = Duration::from_secs(2);

/// How long process 0 waits at the end for every process to have the
/// verdict.
const FINISH_WAIT: Duration = Duration::from_secs(30);

impl Cluster {
    /// Connects to every process of `cfg.hosts` and starts this process's
    /// dataflow worker.
    pub fn connect(cfg: &ClusterConfig) -> Result<Cluster> {
        cfg.validate()?;
        let links = Arc::new(Links::default());
        let streams = connect::connect(cfg, &links)?;
        // Bounded both ways: a side that falls behind (on cores shared with
        // the signing) holds the other back instead of letting batches
        // pile up in memory.
        let (commands, from_job) = mpsc::sync_channel(QUEUE);
        let (to_job, arrived) = mpsc::sync_channel(QUEUE);
        let guards = worker::start(streams, cfg.process, from_job, to_job)?;
        let worker = guards.guards().first().map(|h| h.thread().clone());
        Ok(Cluster {
            inner: Arc::new(Session {
                cfg: cfg.clone(),
                links,
                commands: Mutex::new(commands),
                worker,
                arrived: Mutex::new(arrived),
                guards: Mutex::new(Some(guards)),
            }),
        })
    }

    /// This process's number.
    pub fn process(&self) -> usize {
        self.inner.cfg.process
    }

    /// How many processes take part.
    pub fn processes(&self) -> usize {
        self.inner.cfg.hosts.len()
    }

    /// Bytes sent and received so far.
    pub fn traffic(&self) -> Traffic {
        Traffic {
            sent: self.inner.links.sent.load(Ordering::Relaxed),
            received: self.inner.links.received.load(Ordering::Relaxed),
        }
    }

    fn command(&self, c: Command) -> Result<()> {
        let sender = self
            .inner
            .commands
            .lock()
            .map_err(|_| Error::Cluster("the dataflow worker failed".into()))?;
        sender
            .send(c)
            .map_err(|_| self.failure().unwrap_or_else(worker_gone))?;
        if let Some(w) = &self.inner.worker {
            w.unpark();
        }
        Ok(())
    }

    /// The error for a lost connection, if one was lost: the run cannot
    /// complete. Process 0 watches for it while it runs the job.
    pub fn failure(&self) -> Option<Error> {
        self.inner
            .links
            .lost()
            .map(|(p, cause, _)| self.lost(p, &cause))
    }

    fn lost(&self, p: usize, cause: &str) -> Error {
        Error::Cluster(format!(
            "lost process {p} ({}): {cause}; the run stops (a cluster run cannot go on \
             without a process: start it again)",
            self.inner.cfg.hosts.get(p).map_or("?", |h| h.as_str())
        ))
    }

    /// Fails if a connection was lost.
    pub(crate) fn check(&self) -> Result<()> {
        match self.failure() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// [`Cluster::next`] with no grace, `None` after `wait`.
    fn next_within(&self, wait: Duration) -> Result<Option<Arrived>> {
        let arrived = self
            .inner
            .arrived
            .lock()
            .map_err(|_| Error::Cluster("the dataflow worker failed".into()))?;
        match arrived.recv_timeout(wait) {
            Ok(a) => Ok(Some(a)),
            Err(RecvTimeoutError::Timeout) => self.check().map(|()| None),
            Err(RecvTimeoutError::Disconnected) => Err(self.failure().unwrap_or_else(worker_gone)),
        }
    }

    /// The next thing the worker hands back, failing when a connection is
    /// lost (after `grace`, for the verdict).
    fn next(&self, grace: Duration) -> Result<Arrived> {
        let arrived = self
            .inner
            .arrived
            .lock()
            .map_err(|_| Error::Cluster("the dataflow worker failed".into()))?;
        loop {
            match arrived.recv_timeout(Duration::from_millis(50)) {
                Ok(a) => return Ok(a),
                Err(RecvTimeoutError::Timeout) => {
                    if let Some((p, cause, since)) = self.inner.links.lost() {
                        if since.elapsed() >= grace {
                            return Err(self.lost(p, &cause));
                        }
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(self.failure().unwrap_or_else(worker_gone))
                }
            }
        }
    }

    /// Ends the run on process 0: tells every process the outcome (`Err`
    /// with the message of a failure) and waits until they have it.
    pub fn finish(&self, outcome: std::result::Result<(), String>) -> Result<()> {
        if self.process() != 0 {
            return Err(Error::Cluster(
                "only process 0 ends a cluster run; the others serve".into(),
            ));
        }
        self.command(Command::Verdict(outcome.err()))?;
        self.command(Command::Done)?;
        self.join();
        Ok(())
    }

    /// Waits (a while) for the worker to finish: all dataflows complete
    /// only when every process has the verdict. The network threads are
    /// not joined: timely's guard panics when a peer has already gone, and
    /// the process is about to exit.
    fn join(&self) {
        let Ok(mut guards) = self.inner.guards.lock() else {
            return;
        };
        let Some(g) = guards.take() else {
            return;
        };
        let deadline = Instant::now() + FINISH_WAIT;
        while !g.guards().iter().all(|h| h.is_finished()) {
            if Instant::now() >= deadline || self.inner.links.lost().is_some() {
                std::mem::forget(g);
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        std::mem::forget(g);
    }
}

/// What the jobs of a cluster run use (`scan`'s signing step).
impl Cluster {
    /// Sends `m` to process 0.
    pub(crate) fn send(&self, m: Message) -> Result<()> {
        self.command(Command::Send(m))
    }

    /// Says that this process sends nothing more.
    pub(crate) fn close_sending(&self) -> Result<()> {
        self.command(Command::CloseGather)
    }

    /// On process 0: the next message from any process (its own
    /// included); `None` once `stop` is set.
    pub(crate) fn receive(&self, stop: &AtomicBool) -> Result<Option<Message>> {
        while !stop.load(Ordering::SeqCst) {
            if let Some(Arrived::Gathered(m)) = self.next_within(Duration::from_millis(50))? {
                return Ok(Some(m));
            }
        }
        Ok(None)
    }

    /// On the other processes: waits for process 0's outcome (`None`:
    /// success), then lets the worker finish.
    pub(crate) fn await_verdict(&self) -> Result<Option<String>> {
        let verdict = loop {
            match self.next(VERDICT_GRACE) {
                Ok(Arrived::Verdict(v)) => break Ok(v),
                Ok(Arrived::Gathered(_)) => {}
                Err(e) => break Err(e),
            }
        };
        let _ = self.command(Command::Done);
        if matches!(verdict, Ok(None)) {
            self.join();
        }
        verdict
    }
}

fn worker_gone() -> Error {
    Error::Cluster("the dataflow worker stopped".into())
}
