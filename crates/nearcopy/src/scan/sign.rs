//! Step 1 of a scan: sign every document in one streaming read.
//!
//! Tokenise, shingle, fingerprint, sketch, band keys, in parallel per
//! batch. Documents whose normalised token sequence is identical to an
//! earlier one are exact duplicates and skip LSH (the fast path). Memory per
//! document: the signature (4 bytes × K), the band keys (8 bytes × b) and
//! the id.

use std::sync::Arc;

use ahash::{AHashMap, AHashSet};

use super::{DocInfo, ScanSummary};
use crate::config::ScanConfig;
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
pub(super) struct Signing {
    /// Every document read, in input order.
    pub documents: Vec<DocInfo>,
    /// Signatures of the LSH documents, by slot (position in `lsh_docs`).
    pub sigs: Rows<u32>,
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
/// aside.
pub(super) fn sign(inputs: &Inputs, cfg: &ScanConfig, progress: &dyn Progress) -> Result<Signing> {
    let banding = cfg.banding();
    let hasher = Sketcher::new(cfg.sketch, cfg.perms);
    let total_bytes: u64 = inputs.total_bytes();
    progress.stage("signing", Some(total_bytes));
    let mut documents: Vec<DocInfo> = Vec::new();
    let mut sigs: Rows<u32> = Rows::new(cfg.perms);
    let mut keys: Rows<u64> = Rows::new(banding.bands);
    let mut lsh_docs: Vec<u32> = Vec::new();
    let mut contents: Vec<u64> = Vec::new();
    let mut exact_of: AHashMap<u64, u32> = AHashMap::new();
    let mut exact_groups: AHashMap<u32, Vec<u32>> = AHashMap::new();
    let mut sources: AHashSet<Arc<str>> = AHashSet::new();
    let mut summary = ScanSummary::default();
    // Each document is signed in the parallel step that parses it.
    let sign = |doc: Document| {
        let (words, content, sig) = with_fingerprints(&doc.text, cfg, |fps, words, content| {
            let sig = (!fps.is_empty()).then(|| hasher.signature(fps));
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
        let mut k = vec![0u64; banding.bands];
        banding.keys(&sig, &mut k);
        Signed {
            info,
            content,
            sig,
            keys: k,
        }
    };
    let skipped = inputs.read_with(&cfg.input, sign, |signed, raw_bytes| {
        if progress.cancelled() {
            return Err(Error::Interrupted);
        }
        let docs = signed.len() as u64;
        for mut s in signed {
            let index = documents.len() as u32;
            // One allocation per distinct source, not per document.
            match sources.get(&s.info.source) {
                Some(shared) => s.info.source = shared.clone(),
                None => {
                    sources.insert(s.info.source.clone());
                }
            }
            summary.bytes += s.info.bytes;
            if s.sig.is_empty() {
                summary.too_short += 1;
            } else if let Some(&first) = exact_of.get(&s.content) {
                exact_groups.entry(first).or_default().push(index);
                s.info.same_as = Some(first);
                summary.exact_duplicates += 1;
            } else {
                exact_of.insert(s.content, index);
                lsh_docs.push(index);
                contents.push(s.content);
                sigs.push(&s.sig);
                keys.push(&s.keys);
            }
            documents.push(s.info);
        }
        progress.advance(docs, raw_bytes);
        Ok(())
    })?;
    drop(exact_of);
    summary.documents = documents.len() as u64;
    Ok(Signing {
        documents,
        sigs,
        keys,
        lsh_docs,
        contents,
        exact_groups,
        summary,
        skipped,
    })
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
    const PER_CHUNK: usize = 4096;

    fn new(width: usize) -> Rows<T> {
        Rows {
            width,
            chunks: Vec::new(),
        }
    }

    fn push(&mut self, row: &[T]) {
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
struct Signed {
    info: DocInfo,
    content: u64,
    sig: Vec<u32>,
    keys: Vec<u64>,
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
    with_fingerprints(text, cfg, |fps, _, _| {
        let mut set = fps.to_vec();
        set.sort_unstable();
        set.dedup();
        set
    })
}
