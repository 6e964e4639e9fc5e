//! Connecting the processes, and watching the connections.
//!
//! The sockets are made here rather than by timely, for three reasons:
//! timely retries a refused connection for ever and prints each retry on
//! standard output; it would join processes started with different
//! arguments or inputs, whose results could not be put together; and a
//! connection that breaks takes down timely's network thread with a panic,
//! which the waiting process would never hear of. So each pair of processes
//! shakes hands (protocol, process numbers, the run's fingerprint) within a
//! deadline, and every socket is wrapped in a [`Watched`] stream that counts
//! its bytes and notes when its peer goes away.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::ClusterConfig;
use crate::error::{Error, Result};

/// The first bytes each side of a connection sends, then the protocol
/// version, its process number, the number of processes and the run's
/// fingerprint.
const MAGIC: &[u8; 8] = b"nearcopy";
const PROTOCOL: u32 = 1;
const HELLO_BYTES: usize = 8 + 4 + 8 + 8 + 8;

/// What every connection of a process shares: traffic and the first peer
/// lost.
#[derive(Debug, Default)]
pub(crate) struct Links {
    pub sent: AtomicU64,
    pub received: AtomicU64,
    lost: Mutex<Option<(usize, String, Instant)>>,
}

impl Links {
    fn lose(&self, remote: usize, cause: String) {
        let mut lost = self.lost.lock().unwrap_or_else(|p| p.into_inner());
        if lost.is_none() {
            *lost = Some((remote, cause, Instant::now()));
        }
    }

    /// The first process whose connection closed or failed, why, and since
    /// when.
    pub(crate) fn lost(&self) -> Option<(usize, String, Instant)> {
        self.lost.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// A connection to process `remote`, counted and watched.
pub(crate) struct Watched {
    stream: TcpStream,
    remote: usize,
    links: Arc<Links>,
}

impl Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.stream.read(buf) {
            Ok(0) if !buf.is_empty() => {
                // Also the end of a clean shutdown, which comes only after
                // the verdict: the waiting side allows for it.
                self.links.lose(self.remote, "its connection closed".into());
                Ok(0)
            }
            Ok(n) => {
                self.links.received.fetch_add(n as u64, Ordering::Relaxed);
                Ok(n)
            }
            Err(e) => {
                self.links.lose(self.remote, e.to_string());
                Err(e)
            }
        }
    }
}

impl Write for Watched {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.stream.write(buf) {
            Ok(n) => {
                self.links.sent.fetch_add(n as u64, Ordering::Relaxed);
                Ok(n)
            }
            Err(e) => {
                self.links.lose(self.remote, e.to_string());
                Err(e)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

impl timely::communication::allocator::zero_copy::stream::Stream for Watched {
    fn try_clone(&self) -> io::Result<Watched> {
        Ok(Watched {
            stream: self.stream.try_clone()?,
            remote: self.remote,
            links: self.links.clone(),
        })
    }

    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.stream.set_nonblocking(nonblocking)
    }

    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.stream.shutdown(how)
    }
}

/// Connects process `cfg.process` to every other: it accepts the processes
/// after it and connects to those before it (as timely does), each within
/// the deadline. Returns one stream per process (`None` for itself).
pub(super) fn connect(cfg: &ClusterConfig, links: &Arc<Links>) -> Result<Vec<Option<Watched>>> {
    let me = cfg.process;
    let n = cfg.hosts.len();
    let deadline = Instant::now() + cfg.connect_timeout;
    let cluster = |msg: String| Error::Cluster(msg);
    let listener = TcpListener::bind(&cfg.hosts[me]).map_err(|e| {
        cluster(format!(
            "process {me} cannot listen on {} (line {} of the host file): {e}",
            cfg.hosts[me],
            me + 1
        ))
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| cluster(format!("cannot set up listening: {e}")))?;
    let mut streams: Vec<Option<TcpStream>> = (0..n).map(|_| None).collect();
    // Accepting runs beside connecting: two processes that each wait for
    // the other's connection before making their own would wait for ever.
    std::thread::scope(|scope| -> Result<()> {
        let accepting = scope.spawn(|| accept(&listener, cfg, deadline));
        for (j, slot) in streams.iter_mut().enumerate().take(me) {
            *slot = Some(connect_to(j, cfg, deadline)?);
        }
        let accepted = accepting
            .join()
            .map_err(|_| cluster("accepting connections failed".into()))??;
        for (j, s) in accepted {
            streams[j] = Some(s);
        }
        Ok(())
    })?;
    Ok(streams
        .into_iter()
        .enumerate()
        .map(|(j, s)| {
            s.map(|stream| Watched {
                stream,
                remote: j,
                links: links.clone(),
            })
        })
        .collect())
}

fn hello(cfg: &ClusterConfig) -> [u8; HELLO_BYTES] {
    let mut b = [0u8; HELLO_BYTES];
    b[..8].copy_from_slice(MAGIC);
    b[8..12].copy_from_slice(&PROTOCOL.to_le_bytes());
    b[12..20].copy_from_slice(&(cfg.process as u64).to_le_bytes());
    b[20..28].copy_from_slice(&(cfg.hosts.len() as u64).to_le_bytes());
    b[28..36].copy_from_slice(&cfg.fingerprint.to_le_bytes());
    b
}

/// Reads the other side's greeting and checks that it belongs to the same
/// run; returns its process number.
fn check_hello(stream: &mut TcpStream, cfg: &ClusterConfig, peer: &str) -> Result<usize> {
    let mut b = [0u8; HELLO_BYTES];
    stream.read_exact(&mut b).map_err(|e| {
        Error::Cluster(format!(
            "{peer} did not answer as a nearcopy process ({e}); is the host file right?"
        ))
    })?;
    let u64_at = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]));
    let protocol = u32::from_le_bytes(b[8..12].try_into().unwrap_or([0; 4]));
    if &b[..8] != MAGIC || protocol != PROTOCOL {
        return Err(Error::Cluster(format!(
            "{peer} is not a nearcopy process of this version (run the same nearcopy everywhere)"
        )));
    }
    let process = u64_at(12) as usize;
    let peer = cfg.hosts.get(process).map_or(peer, |h| h.as_str());
    if u64_at(20) != cfg.hosts.len() as u64 {
        return Err(Error::Cluster(format!(
            "process {process} ({peer}) has a host file of {} processes, this one of {}",
            u64_at(20),
            cfg.hosts.len()
        )));
    }
    if u64_at(28) != cfg.fingerprint {
        return Err(Error::Cluster(format!(
            "process {process} ({peer}) was started with other arguments or other inputs \
             (every process must run the same command on the same files)"
        )));
    }
    Ok(process)
}

/// Accepts the processes after this one.
fn accept(
    listener: &TcpListener,
    cfg: &ClusterConfig,
    deadline: Instant,
) -> Result<Vec<(usize, TcpStream)>> {
    let me = cfg.process;
    let mut waiting: Vec<usize> = (me + 1..cfg.hosts.len()).collect();
    let mut found = Vec::new();
    while !waiting.is_empty() {
        match listener.accept() {
            Ok((mut stream, addr)) => {
                let setup = |s: &TcpStream| {
                    s.set_nonblocking(false)?;
                    s.set_nodelay(true)?;
                    s.set_read_timeout(Some(Duration::from_secs(10)))
                };
                if setup(&stream).is_err() {
                    continue;
                }
                let peer = addr.to_string();
                // Greeting first, so that a process refused here hears why
                // from its own check.
                if stream.write_all(&hello(cfg)).is_err() {
                    continue;
                }
                let process = check_hello(&mut stream, cfg, &peer)?;
                let Some(at) = waiting.iter().position(|&p| p == process) else {
                    return Err(Error::Cluster(format!(
                        "{peer} says it is process {process}, which this one does not wait for \
                         (two processes started with the same --process?)"
                    )));
                };
                waiting.remove(at);
                stream
                    .set_read_timeout(None)
                    .map_err(|e| Error::Cluster(format!("process {process} ({peer}): {e}")))?;
                found.push((process, stream));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Err(not_connected(&waiting, cfg));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(Error::Cluster(format!("accepting a connection: {e}"))),
        }
    }
    Ok(found)
}

/// Connects to process `j`, trying again until the deadline (it may not
/// have started yet).
fn connect_to(j: usize, cfg: &ClusterConfig, deadline: Instant) -> Result<TcpStream> {
    let host = &cfg.hosts[j];
    loop {
        let addrs = host.to_socket_addrs().map_err(|e| {
            Error::Cluster(format!(
                "process {j}: cannot resolve {host} (line {} of the host file): {e}",
                j + 1
            ))
        })?;
        for addr in addrs {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(mut stream) =
                TcpStream::connect_timeout(&addr, left.max(Duration::from_millis(1)))
            else {
                continue;
            };
            let greet = |s: &mut TcpStream| -> io::Result<()> {
                s.set_nodelay(true)?;
                s.set_read_timeout(Some(Duration::from_secs(10)))?;
                s.write_all(&hello(cfg))
            };
            if greet(&mut stream).is_err() {
                continue;
            }
            let process = check_hello(&mut stream, cfg, host)?;
            if process != j {
                return Err(Error::Cluster(format!(
                    "{host} is process {process}, but the host file names it as process {j}"
                )));
            }
            stream
                .set_read_timeout(None)
                .map_err(|e| Error::Cluster(format!("process {j} ({host}): {e}")))?;
            return Ok(stream);
        }
        if Instant::now() >= deadline {
            return Err(not_connected(&[j], cfg));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn not_connected(missing: &[usize], cfg: &ClusterConfig) -> Error {
    let names: Vec<String> = missing
        .iter()
        .map(|&p| format!("process {p} ({})", cfg.hosts[p]))
        .collect();
    Error::Cluster(format!(
        "{} did not connect within {} s (start every process of the host file, with the same \
         arguments; --connect-timeout waits longer)",
        names.join(", "),
        cfg.connect_timeout.as_secs()
    ))
}
