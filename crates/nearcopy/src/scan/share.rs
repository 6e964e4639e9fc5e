//! Step 1 of a scan on a cluster ([`crate::distributed`]): every process
//! signs its share of the inputs; process 0 takes the signed documents of
//! all in input order, exactly as its own read would have, and goes on
//! alone.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ahash::AHashSet;

use super::sign::{Rows, Signed, Signer, Signing, Taken};
use super::DocInfo;
use crate::config::{ScanConfig, Verify};
use crate::distributed::{Cluster, Message, WireDoc};
use crate::error::{Error, Result};
use crate::input::{Corpus, Inputs, Piece, PieceRead, Reassembly, Share};
use crate::progress::Progress;

/// Step 1 of a scan on process 0 of a cluster: signs this process's share,
/// then takes in every process's signed documents in input order.
pub(crate) fn sign(
    cluster: &Cluster,
    inputs: &Inputs,
    cfg: &ScanConfig,
    keep_signatures: bool,
    progress: &dyn Progress,
) -> Result<Signing> {
    if cluster.process() != 0 {
        return Err(Error::Cluster(
            "only process 0 runs the job; the others serve".into(),
        ));
    }
    if keep_signatures && !signatures_travel(cfg) {
        return Err(Error::Cluster(
            "this job needs every signature, which a cluster sends only with `--verify estimate`"
                .into(),
        ));
    }
    let share = inputs.split(cluster.processes())?;
    // Documents are taken in as they arrive, this process's own (the first
    // share) among them, beside the signing of its share: only the pieces
    // that arrive before their turn wait in memory.
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let taking = scope.spawn(|| take_all(cluster, inputs, cfg, &share, keep_signatures, &stop));
        let sent = send_share(cluster, inputs, cfg, &share, progress);
        if sent.is_err() {
            stop.store(true, Ordering::SeqCst);
        }
        let taken = taking
            .join()
            .map_err(|_| Error::Cluster("taking in the signed documents failed".into()))?;
        sent?;
        taken
    })
}

/// Reads and signs this process's pieces of `share`, sending each batch
/// to process 0 as it is ready. A piece that cannot be read ends with its
/// error, in its place: process 0 reports the first such error in input
/// order, as a one-process read would.
fn send_share(
    cluster: &Cluster,
    inputs: &Inputs,
    cfg: &ScanConfig,
    share: &Share,
    progress: &dyn Progress,
) -> Result<()> {
    let signer = Signer::new(cfg);
    let with_signatures = signatures_travel(cfg);
    let me = cluster.process();
    let bytes: u64 = share
        .of(me)
        .map(|(_, p)| match &p.range {
            Some(r) => r.end.min(file_len(inputs, p.file)) - r.start,
            None => file_len(inputs, p.file),
        })
        .sum();
    progress.stage("signing", Some(bytes));
    for (index, piece) in share.of(me) {
        let piece_no = index as u32;
        let mut seq = 0u32;
        let read = inputs.read_piece_with(
            &cfg.input,
            piece,
            |doc, named| wire(signer.sign(doc), named, with_signatures),
            |docs, raw_bytes| {
                if progress.cancelled() {
                    return Err(Error::Interrupted);
                }
                cluster.check()?;
                let n = docs.len() as u64;
                cluster.send(Message::Docs {
                    piece: piece_no,
                    seq,
                    docs,
                })?;
                seq += 1;
                progress.advance(n, raw_bytes);
                Ok(())
            },
        );
        let (read, failed) = match read {
            Ok(r) => (Ok(r), false),
            Err(e) if is_piece_error(&e) => (Err(e.to_string()), true),
            Err(e) => return Err(e),
        };
        cluster.send(Message::End {
            piece: piece_no,
            batches: seq,
            read,
        })?;
        if failed {
            break;
        }
    }
    progress.finish();
    cluster.close_sending()
}

/// Whether `e` belongs to a piece's place in the input (bad records,
/// unreadable files) rather than to this process (a signal, a lost peer).
fn is_piece_error(e: &Error) -> bool {
    !matches!(e, Error::Interrupted | Error::Cluster(_))
}

/// Tells process 0 that this process failed outside any piece.
fn fail(cluster: &Cluster, e: &Error) -> Result<()> {
    cluster.send(Message::Failed {
        process: cluster.process() as u32,
        error: e.to_string(),
    })?;
    cluster.close_sending()
}

fn file_len(inputs: &Inputs, file: u32) -> u64 {
    inputs
        .files()
        .get(file as usize)
        .and_then(|f| std::fs::metadata(&f.path).ok())
        .map_or(0, |m| m.len())
}

/// Whether signed documents travel with their signatures: only when the
/// estimate decides. Exact verification signs again the few documents it
/// reads ([`super::sign::Signing::sigs`]), and a signature is two thirds
/// of what a document sends (512 of 780 bytes at the defaults). Every
/// process runs with the same options, so all decide alike.
fn signatures_travel(cfg: &ScanConfig) -> bool {
    cfg.verify == Verify::Estimate
}

/// A signed document as sent; its signature only `with_signature`.
fn wire(s: Signed, named: bool, with_signature: bool) -> WireDoc {
    WireDoc {
        id: s.info.id,
        named,
        source: s.info.source.to_string(),
        bytes: s.info.bytes,
        words: s.info.words,
        line: s.info.origin.line,
        offset: s.info.origin.offset,
        content: s.content,
        sig: if with_signature { s.sig } else { Vec::new() },
        keys: s.keys,
    }
}

/// A document of a piece that arrived before its turn, its signature and
/// band keys kept in the piece's rows.
struct Waiting {
    id: String,
    named: bool,
    source: Arc<str>,
    bytes: u64,
    words: u64,
    line: u64,
    offset: u64,
    content: u64,
    signed: bool,
}

/// What has arrived of one piece. Documents are stored compactly as they
/// arrive (as they will be kept, not as they were sent), so that the
/// pieces waiting for their turn in input order cost what the taken ones
/// cost, once.
struct Arriving {
    docs: Vec<Waiting>,
    /// When signatures travel ([`signatures_travel`]).
    sigs: Option<Rows<u32>>,
    keys: Rows<u64>,
    /// Batches stored so far, in order of `seq`.
    stored: u32,
    /// Batches that came before an earlier one of the same piece.
    early: BTreeMap<u32, Vec<WireDoc>>,
    end: Option<(u32, std::result::Result<PieceRead, String>)>,
}

impl Arriving {
    fn new(cfg: &ScanConfig) -> Arriving {
        Arriving {
            docs: Vec::new(),
            sigs: signatures_travel(cfg).then(|| Rows::new(cfg.perms)),
            keys: Rows::new(cfg.banding().bands),
            stored: 0,
            early: BTreeMap::new(),
            end: None,
        }
    }

    /// The batches that can be handled now that batch `seq` arrived: it
    /// and the ones after it that came early, in order (none if an earlier
    /// batch is still missing, which keeps it for later).
    fn in_order(&mut self, seq: u32, docs: Vec<WireDoc>) -> Vec<Vec<WireDoc>> {
        self.early.insert(seq, docs);
        let mut ready = Vec::new();
        while let Some(docs) = self.early.remove(&self.stored) {
            ready.push(docs);
            self.stored += 1;
        }
        ready
    }

    /// Stores a batch of a piece whose turn has not come.
    fn store(&mut self, docs: Vec<WireDoc>, sources: &mut AHashSet<Arc<str>>) {
        for d in docs {
            let (doc, sig, keys) = waiting(d, sources);
            if doc.signed {
                if let Some(sigs) = &mut self.sigs {
                    sigs.push(&sig);
                }
                self.keys.push(&keys);
            }
            self.docs.push(doc);
        }
    }

    fn complete(&self) -> bool {
        self.end.as_ref().is_some_and(|(n, _)| self.stored == *n)
    }

    /// Hands the documents stored so far to `taken`, in order, freeing the
    /// rows as they are copied: the piece's turn has come.
    fn take_stored(&mut self, to: &mut Turn<'_, '_>) {
        let mut slot = 0usize;
        for d in std::mem::take(&mut self.docs) {
            if d.signed {
                let sig = self.sigs.as_ref().map_or(&[][..], |s| s.row(slot));
                to.take(d, sig, self.keys.row(slot));
                slot += 1;
                if slot.is_multiple_of(Rows::<u32>::PER_CHUNK) {
                    if let Some(sigs) = &mut self.sigs {
                        sigs.free_chunk(slot / Rows::<u32>::PER_CHUNK - 1);
                    }
                    self.keys.free_chunk(slot / Rows::<u64>::PER_CHUNK - 1);
                }
            } else {
                to.take(d, &[], &[]);
            }
        }
        if let Some(sigs) = &mut self.sigs {
            *sigs = Rows::new(sigs.width());
        }
        self.keys = Rows::new(self.keys.width());
    }
}

/// Where the documents of the piece whose turn it is go.
struct Turn<'a, 'p> {
    taken: &'a mut Taken,
    placed: &'a mut Reassembly<'p>,
    piece: &'a Piece,
    sources: &'a mut AHashSet<Arc<str>>,
}

impl Turn<'_, '_> {
    /// Takes a batch that arrived in its turn.
    fn batch(&mut self, docs: Vec<WireDoc>) {
        for d in docs {
            let (doc, sig, keys) = waiting(d, self.sources);
            self.take(doc, &sig, &keys);
        }
    }

    fn take(&mut self, d: Waiting, sig: &[u32], keys: &[u64]) {
        let at = self
            .placed
            .place(self.piece, d.id, d.named, d.line, d.offset);
        let info = DocInfo {
            id: at.id,
            source: d.source,
            bytes: d.bytes,
            words: d.words,
            origin: at.origin,
            same_as: None,
        };
        self.taken.take_row(info, d.content, sig, keys);
    }
}

/// A document as sent, parted into what is kept of it (its source shared
/// with the documents of the same source), its signature and its band
/// keys.
fn waiting(d: WireDoc, sources: &mut AHashSet<Arc<str>>) -> (Waiting, Vec<u32>, Vec<u64>) {
    let source = match sources.get(d.source.as_str()) {
        Some(s) => s.clone(),
        None => {
            let s: Arc<str> = Arc::from(d.source);
            sources.insert(s.clone());
            s
        }
    };
    let doc = Waiting {
        id: d.id,
        named: d.named,
        source,
        bytes: d.bytes,
        words: d.words,
        line: d.line,
        offset: d.offset,
        content: d.content,
        // Band keys come with every signed document, signatures only
        // when they travel.
        signed: !d.keys.is_empty(),
    };
    (doc, d.sig, d.keys)
}

/// Takes every piece in input order as it completes; fails with the first
/// piece's error in input order, or a process's own failure.
fn take_all(
    cluster: &Cluster,
    inputs: &Inputs,
    cfg: &ScanConfig,
    share: &Share,
    keep_signatures: bool,
    stop: &AtomicBool,
) -> Result<Signing> {
    let mut arriving: Vec<Arriving> = (0..share.pieces.len())
        .map(|_| Arriving::new(cfg))
        .collect();
    let mut sources = AHashSet::new();
    let mut taken = Taken::new(cfg, keep_signatures);
    let mut placed = Reassembly::new(inputs);
    let mut next = 0usize;
    loop {
        // Pieces whose turn has come and that are complete end here; the
        // next one's stored documents are taken at once.
        while next < arriving.len() && arriving[next].complete() {
            let piece = &share.pieces[next];
            let read = match arriving[next].end.take() {
                Some((_, read)) => read.map_err(|message| Error::Remote {
                    process: share.owner[next],
                    message,
                })?,
                None => break,
            };
            arriving[next] = Arriving::new(cfg);
            placed.end(piece, &read);
            next += 1;
            if let Some(a) = arriving.get_mut(next) {
                a.take_stored(&mut Turn {
                    taken: &mut taken,
                    placed: &mut placed,
                    piece: &share.pieces[next],
                    sources: &mut sources,
                });
            }
        }
        if next == arriving.len() {
            break;
        }
        let Some(m) = cluster.receive(stop)? else {
            return Err(Error::Interrupted);
        };
        match m {
            Message::Docs { piece, seq, docs } => {
                let piece = piece as usize;
                let Some(a) = arriving.get_mut(piece) else {
                    continue;
                };
                let ready = a.in_order(seq, docs);
                if piece == next {
                    let mut to = Turn {
                        taken: &mut taken,
                        placed: &mut placed,
                        piece: &share.pieces[piece],
                        sources: &mut sources,
                    };
                    ready.into_iter().for_each(|docs| to.batch(docs));
                } else {
                    ready
                        .into_iter()
                        .for_each(|docs| a.store(docs, &mut sources));
                }
            }
            Message::End {
                piece,
                batches,
                read,
            } => {
                if let Some(a) = arriving.get_mut(piece as usize) {
                    a.end = Some((batches, read));
                }
            }
            Message::Failed { process, error } => {
                return Err(Error::Remote {
                    process: process as usize,
                    message: error,
                })
            }
        }
    }
    let skipped = placed.finish();
    Ok(taken.finish(skipped))
}

/// The part of a cluster run that every process but process 0 plays: read
/// and sign its share of `corpus`, hand it to process 0, and wait for the
/// outcome. Returns `Ok` when the whole run succeeded.
pub fn serve<'a>(
    corpus: impl Into<Corpus<'a>>,
    cfg: &ScanConfig,
    progress: &dyn Progress,
) -> Result<()> {
    let cluster = cfg
        .cluster
        .as_ref()
        .ok_or_else(|| Error::Config("serving needs a cluster (ScanConfig::cluster)".into()))?;
    if cluster.process() == 0 {
        return Err(Error::Cluster(
            "process 0 runs the job; it does not serve".into(),
        ));
    }
    let shared = cfg.run_on(corpus.into(), |inputs| {
        let share = inputs.split(cluster.processes())?;
        send_share(cluster, inputs, cfg, &share, progress)
    });
    if let Err(e) = &shared {
        // Process 0 waits for this share: tell it why it will not come.
        let _ = fail(cluster, e);
    }
    match cluster.await_verdict()? {
        None => shared,
        Some(why) => Err(Error::Cluster(format!("process 0 stopped the run: {why}"))),
    }
}
