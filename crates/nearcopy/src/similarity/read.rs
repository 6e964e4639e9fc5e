//! The one read of a similarity run: every document's shingle set, grouped
//! into sources, held in flat lists.

use ahash::AHashMap;
use rayon::prelude::*;

use crate::document::{Document, Origin};
use crate::error::Result;
use crate::input::{InputConfig, Inputs, Skipped};
use crate::minhash::MinHasher;
use crate::progress::Progress;
use crate::shingle;
use crate::text::{self, Token};

use super::*;

/// Many lists stored end to end: list `i` is `data[ends[i-1]..ends[i]]`.
#[derive(Debug, Clone, Default)]
pub(super) struct Lists<T> {
    pub(super) data: Vec<T>,
    pub(super) ends: Vec<usize>,
}

impl<T: Copy> Lists<T> {
    pub(super) fn push(&mut self, list: &[T]) {
        self.data.extend_from_slice(list);
        self.ends.push(self.data.len());
    }

    pub(super) fn get(&self, i: usize) -> &[T] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Lists from `(list, value)` entries sorted by list, for `n` lists.
    pub(super) fn from_sorted(entries: impl Iterator<Item = (u32, T)>, n: usize) -> Lists<T> {
        let mut out = Lists {
            data: Vec::new(),
            ends: Vec::with_capacity(n),
        };
        for (list, value) in entries {
            while out.ends.len() < list as usize {
                out.ends.push(out.data.len());
            }
            out.data.push(value);
        }
        while out.ends.len() < n {
            out.ends.push(out.data.len());
        }
        out
    }
}

/// What the first read keeps of one document.
pub(super) struct ReadDoc {
    pub(super) id: String,
    pub(super) origin: Origin,
    pub(super) key: String,
    pub(super) bytes: u64,
    pub(super) words: u64,
    /// Exact: the shingle set per size.
    pub(super) sets: Vec<Vec<u64>>,
    /// Estimate: the set size and signature per size.
    pub(super) lens: Vec<u64>,
    pub(super) sigs: Vec<Vec<u32>>,
}

/// Everything gathered by the first read.
pub(super) struct Corpus {
    pub(super) names: Vec<String>,
    pub(super) doc_source: Vec<u32>,
    pub(super) doc_ids: Vec<String>,
    /// Where each document was read, for reading it again (views).
    pub(super) doc_origins: Vec<Origin>,
    pub(super) doc_bytes: Vec<u64>,
    pub(super) src_docs: Vec<u64>,
    pub(super) src_bytes: Vec<u64>,
    pub(super) src_words: Vec<u64>,
    pub(super) too_short: u64,
    pub(super) bytes: u64,
    /// Exact: per size, the shingle set of every document.
    pub(super) doc_sets: Vec<Lists<u64>>,
    /// Estimate: per size, `perms` values per source.
    pub(super) src_sigs: Vec<Vec<u32>>,
    /// Estimate: per size, the exact set size of each document.
    pub(super) doc_lens: Vec<Vec<u64>>,
    /// Estimate with views of grouped sources: per document, its signature
    /// at the view size.
    pub(super) doc_sigs: Vec<u32>,
}

/// The first read: tokenise and shingle every document once for all sizes,
/// and assign it to its source.
pub(super) fn read(
    inputs: &Inputs,
    input_cfg: &InputConfig,
    cfg: &SimilarityConfig,
    sizes: &[usize],
    hasher: Option<&MinHasher>,
    progress: &dyn Progress,
) -> Result<(Corpus, Skipped)> {
    let perms = cfg.perms;
    let view_size_index = sizes.len() - 1;
    let keep_doc_sigs = cfg.estimate && cfg.views > 0 && cfg.grouping != Grouping::Doc;
    let mut c = Corpus {
        names: Vec::new(),
        doc_source: Vec::new(),
        doc_ids: Vec::new(),
        doc_origins: Vec::new(),
        doc_bytes: Vec::new(),
        src_docs: Vec::new(),
        src_bytes: Vec::new(),
        src_words: Vec::new(),
        too_short: 0,
        bytes: 0,
        doc_sets: (0..sizes.len()).map(|_| Lists::default()).collect(),
        src_sigs: vec![Vec::new(); sizes.len()],
        doc_lens: vec![Vec::new(); sizes.len()],
        doc_sigs: Vec::new(),
    };
    let mut source_of: AHashMap<String, u32> = AHashMap::new();
    let mut id_seen: AHashMap<String, u32> = AHashMap::new();
    let files = inputs.files();
    let skipped = inputs.read(input_cfg, |batch, raw_bytes| {
        let docs = batch.len() as u64;
        let read: Vec<ReadDoc> = batch
            .into_par_iter()
            .map_init(
                || (Vec::<Token>::new(), Vec::<u64>::new()),
                |(tokens, set), doc: Document| {
                    // A huge text is tokenized in pieces, once per size:
                    // its tokens are never held whole.
                    let huge = doc.text.len() > shingle::PIECE_BYTES;
                    if !huge {
                        text::tokenize(&doc.text, cfg.kind, tokens);
                    }
                    let mut r = ReadDoc {
                        key: match &cfg.grouping {
                            Grouping::Doc => String::new(),
                            Grouping::Dir => files[doc.origin.file as usize].source.clone(),
                            Grouping::Field(_) => doc.group.unwrap_or_default(),
                        },
                        id: doc.id,
                        origin: doc.origin,
                        bytes: doc.text.len() as u64,
                        words: tokens.len() as u64,
                        sets: Vec::new(),
                        lens: Vec::new(),
                        sigs: Vec::new(),
                    };
                    for &k in sizes {
                        if huge {
                            let d = shingle::Shingler::new().text_set(
                                &doc.text,
                                cfg.kind,
                                k,
                                shingle::PIECE_BYTES,
                                tokens,
                                set,
                            );
                            r.words = d.tokens;
                        } else {
                            shingle::set(tokens, k, set);
                        }
                        match hasher {
                            None => r.sets.push(set.clone()),
                            Some(h) => {
                                r.lens.push(set.len() as u64);
                                r.sigs.push(h.signature(set));
                            }
                        }
                    }
                    r
                },
            )
            .collect();
        for r in read {
            let d = c.doc_ids.len() as u32;
            let s = if cfg.grouping == Grouping::Doc {
                // Every document is a source; repeated ids get `#2`, `#3`…
                // so that names stay unique.
                let seen = id_seen.entry(r.id.clone()).or_insert(0);
                *seen += 1;
                let name = if *seen == 1 {
                    r.id.clone()
                } else {
                    format!("{}#{}", r.id, seen)
                };
                c.names.push(name);
                d
            } else {
                match source_of.get(&r.key) {
                    Some(&s) => s,
                    None => {
                        let s = c.names.len() as u32;
                        source_of.insert(r.key.clone(), s);
                        c.names.push(r.key);
                        s
                    }
                }
            };
            if s as usize == c.src_docs.len() {
                c.src_docs.push(0);
                c.src_bytes.push(0);
                c.src_words.push(0);
                if hasher.is_some() {
                    for sig in &mut c.src_sigs {
                        sig.resize(sig.len() + perms, u32::MAX);
                    }
                }
            }
            let su = s as usize;
            c.src_docs[su] += 1;
            c.src_bytes[su] += r.bytes;
            c.src_words[su] += r.words;
            c.bytes += r.bytes;
            if r.words == 0 {
                c.too_short += 1;
            }
            for (si, set) in r.sets.iter().enumerate() {
                c.doc_sets[si].push(set);
            }
            for (si, sig) in r.sigs.iter().enumerate() {
                let dst = &mut c.src_sigs[si][su * perms..(su + 1) * perms];
                for (x, &y) in dst.iter_mut().zip(sig) {
                    *x = (*x).min(y);
                }
                c.doc_lens[si].push(r.lens[si]);
            }
            if keep_doc_sigs {
                c.doc_sigs.extend_from_slice(&r.sigs[view_size_index]);
            }
            c.doc_source.push(s);
            c.doc_ids.push(r.id);
            c.doc_origins.push(r.origin);
            c.doc_bytes.push(r.bytes);
            debug_assert_eq!(c.doc_ids.len() as u32, d + 1);
        }
        progress.advance(docs, raw_bytes);
        Ok(())
    })?;
    Ok((c, skipped))
}

/// The documents of each source, in input order.
pub(super) fn members(c: &Corpus) -> Lists<u32> {
    let mut entries: Vec<(u32, u32)> = c
        .doc_source
        .iter()
        .enumerate()
        .map(|(d, &s)| (s, d as u32))
        .collect();
    entries.sort_unstable();
    Lists::from_sorted(entries.into_iter(), c.names.len())
}

/// The shingle set of each source: the union of its documents' sets.
pub(super) fn unions(doc_sets: &Lists<u64>, members: &Lists<u32>) -> Lists<u64> {
    let sets: Vec<Vec<u64>> = (0..members.len())
        .into_par_iter()
        .map(|s| {
            let mut u: Vec<u64> = Vec::new();
            for &d in members.get(s) {
                u.extend_from_slice(doc_sets.get(d as usize));
            }
            u.par_sort_unstable();
            u.dedup();
            u
        })
        .collect();
    let mut out = Lists::default();
    for s in &sets {
        out.push(s);
    }
    out
}
