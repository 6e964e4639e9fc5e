//! Step 1 of a scan: sign every document in one streaming read.
//!
//! Tokenise, shingle, fingerprint, sketch, band keys, in parallel per
//! batch. Documents whose normalised token sequence is identical to an
//! earlier one are exact duplicates and skip LSH (the fast path). Memory per
//! document: the band keys (8 bytes × b), the id and, when they are kept,
//! the signature (4 bytes × K).

use std::sync::Arc;

use ahash::{AHashMap, AHashSet};

use super::{DocInfo, ScanSummary};
use crate::config::{ScanConfig, Verify};
use crate::document::Document;
use crate::error::{Error, Result};
use crate::input::{Inputs, Skipped};
use crate::progress::Progress;
use crate::shingle::Shingler;
use crate::sketch::Sketcher;
use crate::text::Token;

/// What the signing read keeps: every document, and the signatures and
/// band keys of those that go to LSH (not empty, not an exact copy of an
/// earlier one).
pub(crate) struct Signing {
    /// Every document read, in input order.
    pub documents: Vec<DocInfo>,
    /// Signatures of the LSH documents, by slot (position in `lsh_docs`),
    /// when kept: the estimate decides (`--verify estimate`) or the caller
    /// asked for them (the index stores them). Exact verification
    /// otherwise signs again the few documents it reads, so a scan does
    /// not hold 512 bytes a document for its whole run (half the memory of
    /// a document-level scan).
    pub sigs: Option<Rows<u32>>,
    /// Band keys of the LSH documents, by slot.
    pub keys: Rows<u64>,
    /// Document numbers of the LSH documents, ascending.
    pub lsh_docs: Vec<u32>,
    /// Fingerprints of the whole token sequence of the LSH documents, by
    /// slot: what makes two documents exact copies.
    pub contents: Vec<u64>,
    /// The later exact copies of each first copy, by document number.
    pub exact_groups: AHashMap<u32, Vec<u32>>,
    /// Documents, bytes, too-short documents and exact duplicates.
    pub summary: ScanSummary,
    /// What the reader skipped.
    pub skipped: Skipped,
}

/// Step 1 of a scan: one streaming read that parses, tokenises, shingles
/// and signs every document (in parallel per batch) and sets exact copies
/// aside. On a cluster ([`ScanConfig::cluster`]) each process signs its own
/// share and process 0 takes in the signed documents of all, in input
/// order ([`crate::distributed`]). Signatures are kept when
/// `keep_signatures` or when the estimate decides ([`Signing::sigs`]).
pub(super) fn sign(
    inputs: &Inputs,
    cfg: &ScanConfig,
    keep_signatures: bool,
    progress: &dyn Progress,
) -> Result<Signing> {
    let keep = keep_signatures || cfg.verify == Verify::Estimate;
    if let Some(cluster) = &cfg.cluster {
        return super::share::sign(cluster, inputs, cfg, keep, progress);
    }
    let signer = Signer::new(cfg);
    progress.stage("signing", Some(inputs.total_bytes()));
    let mut taken = Taken::new(cfg, keep);
    let skipped = inputs.read_with(
        &cfg.input,
        |doc| signer.sign(doc),
        |signed, raw_bytes| {
            if progress.cancelled() {
                return Err(Error::Interrupted);
            }
            let docs = signed.len() as u64;
            signed.into_iter().for_each(|s| taken.take(s));
            progress.advance(docs, raw_bytes);
            Ok(())
        },
    )?;
    Ok(taken.finish(skipped))
}

/// Signs one document: what the parallel step of the signing read does.
pub(crate) struct Signer<'a> {
    cfg: &'a ScanConfig,
    banding: crate::lsh::Banding,
    sketcher: Sketcher,
}

impl<'a> Signer<'a> {
    pub(crate) fn new(cfg: &'a ScanConfig) -> Signer<'a> {
        Signer {
            cfg,
            banding: cfg.banding(),
            sketcher: Sketcher::new(cfg.sketch, cfg.perms),
        }
    }

    pub(crate) fn sign(&self, doc: Document) -> Signed {
        let (words, content, sig) =
            with_fingerprints(&doc.text, self.cfg, |fps, words, content| {
                let sig = (!fps.is_empty()).then(|| self.sketcher.signature(fps));
                (words, content, sig)
            });
        let info = DocInfo {
            id: doc.id,
            source: Arc::from(doc.source),
            bytes: doc.text.len() as u64,
            words,
            origin: doc.origin,
            same_as: None,
        };
        let Some(sig) = sig else {
            return Signed {
                info,
                content,
                sig: Vec::new(),
                keys: Vec::new(),
            };
        };
        let mut keys = vec![0u64; self.banding.bands];
        self.banding.keys(&sig, &mut keys);
        Signed {
            info,
            content,
            sig,
            keys,
        }
    }
}

/// The sequential half of the signing read: takes signed documents in input
/// order, numbers them, and sets exact copies of an earlier document aside.
/// Everything that depends on the order of documents happens here, so a
/// cluster that signs in parallel on many machines and hands the results
/// over in input order builds the same [`Signing`].
pub(crate) struct Taken {
    documents: Vec<DocInfo>,
    sigs: Option<Rows<u32>>,
    keys: Rows<u64>,
    lsh_docs: Vec<u32>,
    contents: Vec<u64>,
    exact_of: AHashMap<u64, u32>,
    exact_groups: AHashMap<u32, Vec<u32>>,
    sources: AHashSet<Arc<str>>,
    summary: ScanSummary,
}

impl Taken {
    /// Signatures are kept if `keep_signatures` ([`Signing::sigs`]).
    pub(crate) fn new(cfg: &ScanConfig, keep_signatures: bool) -> Taken {
        Taken {
            documents: Vec::new(),
            sigs: keep_signatures.then(|| Rows::new(cfg.perms)),
            keys: Rows::new(cfg.banding().bands),
            lsh_docs: Vec::new(),
            contents: Vec::new(),
            exact_of: AHashMap::new(),
            exact_groups: AHashMap::new(),
            sources: AHashSet::new(),
            summary: ScanSummary::default(),
        }
    }

    /// Takes the next document in input order.
    pub(crate) fn take(&mut self, s: Signed) {
        self.take_row(s.info, s.content, &s.sig, &s.keys);
    }

    /// [`Taken::take`] of a document whose signature and band keys lie
    /// elsewhere (no band keys: a document too short to have a shingle).
    /// The signature may be empty when it is not kept.
    pub(crate) fn take_row(&mut self, mut info: DocInfo, content: u64, sig: &[u32], keys: &[u64]) {
        let index = self.documents.len() as u32;
        // One allocation per distinct source, not per document.
        match self.sources.get(&info.source) {
            Some(shared) => info.source = shared.clone(),
            None => {
                self.sources.insert(info.source.clone());
            }
        }
        self.summary.bytes += info.bytes;
        if keys.is_empty() {
            self.summary.too_short += 1;
        } else if let Some(&first) = self.exact_of.get(&content) {
            self.exact_groups.entry(first).or_default().push(index);
            info.same_as = Some(first);
            self.summary.exact_duplicates += 1;
        } else {
            self.exact_of.insert(content, index);
            self.lsh_docs.push(index);
            self.contents.push(content);
            if let Some(sigs) = &mut self.sigs {
                sigs.push(sig);
            }
            self.keys.push(keys);
        }
        self.documents.push(info);
    }

    pub(crate) fn finish(self, skipped: Skipped) -> Signing {
        let mut summary = self.summary;
        summary.documents = self.documents.len() as u64;
        Signing {
            documents: self.documents,
            sigs: self.sigs,
            keys: self.keys,
            lsh_docs: self.lsh_docs,
            contents: self.contents,
            exact_groups: self.exact_groups,
            summary,
            skipped,
        }
    }
}

/// What a scan keeps of the documents that went to LSH, for the jobs that
/// go on with them after the scan (the persistent index looks them up and
/// stores them).
pub(crate) struct Sketches {
    /// Document numbers, ascending.
    pub lsh_docs: Vec<u32>,
    /// Signatures, by slot.
    pub sigs: Rows<u32>,
    /// Band keys, by slot.
    pub keys: Rows<u64>,
    /// Whole-sequence fingerprints, by slot.
    pub contents: Vec<u64>,
}

impl Sketches {
    /// The slot of document `doc`, if it went to LSH.
    pub(crate) fn slot(&self, doc: u32) -> Option<usize> {
        self.lsh_docs.binary_search(&doc).ok()
    }
}

/// Fixed-width rows (signatures, band keys) stored in chunks of exact
/// capacity, so memory grows by one chunk at a time instead of doubling as
/// one large `Vec` would: at a million documents the difference is hundreds of
/// megabytes.
pub(crate) struct Rows<T> {
    width: usize,
    chunks: Vec<Vec<T>>,
}

impl<T: Copy> Rows<T> {
    pub(crate) const PER_CHUNK: usize = 4096;

    pub(crate) fn new(width: usize) -> Rows<T> {
        Rows {
            width,
            chunks: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, row: &[T]) {
        debug_assert_eq!(row.len(), self.width);
        let cap = Self::PER_CHUNK * self.width;
        match self.chunks.last_mut() {
            Some(c) if c.len() < cap => c.extend_from_slice(row),
            _ => {
                let mut c = Vec::with_capacity(cap);
                c.extend_from_slice(row);
                self.chunks.push(c);
            }
        }
    }

    pub(crate) fn row(&self, slot: usize) -> &[T] {
        let chunk = &self.chunks[slot / Self::PER_CHUNK];
        let at = (slot % Self::PER_CHUNK) * self.width;
        &chunk[at..at + self.width]
    }

    /// Values per row.
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// Frees the chunk of rows `chunk` (rows `chunk * PER_CHUNK ..`), once
    /// they have been copied elsewhere; reading them afterwards panics.
    pub(crate) fn free_chunk(&mut self, chunk: usize) {
        if let Some(c) = self.chunks.get_mut(chunk) {
            *c = Vec::new();
        }
    }
}

/// Per-thread scratch buffers for the hot path.
#[derive(Default)]
pub(super) struct Scratch {
    tokens: Vec<Token>,
    shingler: Shingler,
    /// The shingle fingerprints of the last text, in text order.
    pub(super) fps: Vec<u64>,
}

impl Scratch {
    /// Elements a buffer keeps between documents; one grown past this by
    /// a huge document is let go.
    const KEEP: usize = 1 << 20;

    pub(super) fn trim(&mut self) {
        if self.tokens.capacity() > Scratch::KEEP {
            self.tokens = Vec::new();
        }
        if self.fps.capacity() > Scratch::KEEP {
            self.fps = Vec::new();
        }
        self.shingler.trim(Scratch::KEEP * 8);
    }
}

thread_local! {
    /// The signing step's buffers, kept by each worker thread for the whole
    /// run. Made afresh for each piece of work rayon splits off, they grew
    /// again every time, and each growth took fresh pages that the kernel
    /// had to clear: about a fifth of a document-level scan's time.
    pub(super) static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// What the signing stage keeps of one document.
pub(crate) struct Signed {
    /// The document without its text.
    pub info: DocInfo,
    /// The fingerprint of its whole token sequence.
    pub content: u64,
    /// Its signature; empty for a document too short to have a shingle.
    pub sig: Vec<u32>,
    /// Its band keys; empty with the signature.
    pub keys: Vec<u64>,
}

/// Tokenises and shingles `text` into `scratch.fps` (in text order, with
/// repeats: a sketch does not need a set); returns the token count and the
/// fingerprint of the whole token sequence.
pub(super) fn shingle_text(text: &str, cfg: &ScanConfig, scratch: &mut Scratch) -> (u64, u64) {
    let s = scratch.shingler.text_fingerprints(
        text,
        cfg.shingle.kind,
        cfg.shingle.size,
        crate::shingle::PIECE_BYTES,
        &mut scratch.tokens,
        &mut scratch.fps,
    );
    (s.tokens, s.content)
}

/// Runs `f` on the shingle fingerprints of `text` (in text order, with
/// repeats), its token count and the fingerprint of its whole token
/// sequence, in this thread's scratch buffers.
pub(crate) fn with_fingerprints<R>(
    text: &str,
    cfg: &ScanConfig,
    f: impl FnOnce(&[u64], u64, u64) -> R,
) -> R {
    SCRATCH.with_borrow_mut(|scratch| {
        let (words, content) = shingle_text(text, cfg, scratch);
        let r = f(&scratch.fps, words, content);
        scratch.trim();
        r
    })
}

/// The shingle set of `text` with `cfg`'s options: sorted, without repeats
/// (what exact Jaccard compares).
pub(crate) fn shingle_set(text: &str, cfg: &ScanConfig) -> Vec<u64> {
    with_fingerprints(text, cfg, |fps, _, _| crate::verify::sorted_set(fps))
}
