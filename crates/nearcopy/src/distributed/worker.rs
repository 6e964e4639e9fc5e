//! The timely dataflow worker of a process.
//!
//! Two dataflows, built alike on every process: *gather*, where each
//! process's signed documents flow to the single worker of process 0
//! (an exchange that routes everything to worker 0), and *verdict*, which
//! broadcasts process 0's outcome to every process. The worker runs on a
//! thread of its own and talks to the job through channels: the job reads
//! and signs with its own thread pool and hands the batches over as they
//! come; what arrives is passed back the same way.

use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::allocator::{AllocatorBuilder, ProcessBuilder};
use timely::communication::{Hooks, WorkerGuards};
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::{Exchange, Pipeline};
use timely::dataflow::operators::generic::operator::Operator;
use timely::dataflow::operators::vec::Broadcast;
use timely::dataflow::operators::Input;
use timely::dataflow::InputHandle;

use super::connect::Watched;
use crate::error::{Error, Result};
use crate::input::PieceRead;

/// One document as signed by the process that read it: what process 0
/// needs to take it in as if it had read it itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct WireDoc {
    /// Its id as parsed (for an unnamed record of a piece that starts
    /// inside its file, `FILE:LINE` with the piece's own line: process 0
    /// names it again).
    pub id: String,
    /// Whether the record named its id.
    pub named: bool,
    pub source: String,
    pub bytes: u64,
    pub words: u64,
    /// Line within the piece (1-based) and byte offset within the file.
    pub line: u64,
    pub offset: u64,
    pub content: u64,
    pub sig: Vec<u32>,
    pub keys: Vec<u64>,
}

/// What flows to process 0.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Message {
    /// The `seq`-th batch of documents of piece `piece`.
    Docs {
        piece: u32,
        seq: u32,
        docs: Vec<WireDoc>,
    },
    /// Piece `piece` is complete after `batches` batches, or failed.
    End {
        piece: u32,
        batches: u32,
        read: std::result::Result<PieceRead, String>,
    },
    /// A process failed outside any piece (its inputs could not be opened,
    /// for instance): the run cannot complete.
    Failed { process: u32, error: String },
}

/// What the job asks of the worker.
pub(super) enum Command {
    /// Send to process 0.
    Send(Message),
    /// No more to send.
    CloseGather,
    /// Broadcast process 0's outcome (`None`: success).
    Verdict(Option<String>),
    /// Close everything and finish.
    Done,
}

/// What the worker hands back to the job.
pub(super) enum Arrived {
    Gathered(Message),
    Verdict(Option<String>),
}

/// Starts the worker of process `process` on the connected `streams`.
pub(super) fn start(
    streams: Vec<Option<Watched>>,
    process: usize,
    commands: Receiver<Command>,
    arrived: SyncSender<Arrived>,
) -> Result<WorkerGuards<()>> {
    let hooks = Hooks::default();
    let local = ProcessBuilder::new_typed_vector(1, hooks.refill.clone(), hooks.spill.clone());
    let (builders, guard) =
        initialize_networking_from_sockets(local, streams, process, 1, hooks)
            .map_err(|e| Error::Cluster(format!("cannot start the network threads: {e}")))?;
    let builders = builders.into_iter().map(AllocatorBuilder::Tcp).collect();
    let commands = Mutex::new(Some(commands));
    let arrived = Mutex::new(arrived);
    timely::execute::execute_from(
        builders,
        Box::new(guard),
        timely::WorkerConfig::default(),
        move |worker| {
            let taken = commands.lock().map(|mut c| c.take()).ok().flatten();
            let Some(commands) = taken else {
                return;
            };
            let Ok(to_job) = arrived.lock().map(|a| a.clone()) else {
                return;
            };
            let to_job_verdict = to_job.clone();
            let mut gather = InputHandle::<u64, CapacityContainerBuilder<Vec<Message>>>::new();
            let mut verdict =
                InputHandle::<u64, CapacityContainerBuilder<Vec<Option<String>>>>::new();
            worker.dataflow::<u64, _, _>(|scope| {
                scope.input_from(&mut gather).sink(
                    Exchange::new(|_: &Message| 0u64),
                    "gather",
                    move |(input, _)| {
                        input.for_each(|_, data| {
                            for m in data.drain(..) {
                                let _ = to_job.send(Arrived::Gathered(m));
                            }
                        })
                    },
                );
                scope.input_from(&mut verdict).broadcast().sink(
                    Pipeline,
                    "verdict",
                    move |(input, _)| {
                        input.for_each(|_, data| {
                            for v in data.drain(..) {
                                let _ = to_job_verdict.send(Arrived::Verdict(v));
                            }
                        })
                    },
                );
            });
            let mut gather = Some(gather);
            let mut verdict = Some(verdict);
            loop {
                loop {
                    match commands.try_recv() {
                        Ok(Command::Send(m)) => {
                            if let Some(g) = gather.as_mut() {
                                g.send(m);
                            }
                        }
                        Ok(Command::CloseGather) => gather = None,
                        Ok(Command::Verdict(v)) => {
                            gather = None;
                            if let Some(h) = verdict.as_mut() {
                                h.send(v);
                            }
                        }
                        Ok(Command::Done) | Err(TryRecvError::Disconnected) => {
                            gather = None;
                            verdict = None;
                            break;
                        }
                        Err(TryRecvError::Empty) => break,
                    }
                }
                // Commands wake the thread (`Cluster::command`), and so do
                // the network threads: the timeout is only a safety net.
                worker.step_or_park(Some(Duration::from_millis(100)));
                if gather.is_none() && verdict.is_none() && !worker.has_dataflows() {
                    break;
                }
            }
        },
    )
    .map_err(|e| Error::Cluster(format!("cannot start the dataflow worker: {e}")))
}
