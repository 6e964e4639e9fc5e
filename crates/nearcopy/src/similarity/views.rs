//! Side-by-side views of the most similar pairs: which documents to show,
//! and the spans each shares with the other.

use ahash::AHashMap;
use rayon::prelude::*;

use crate::document::Origin;
use crate::error::{Error, Result};
use crate::figures::round6;
use crate::input::{InputConfig, Inputs};
use crate::minhash::{self};
use crate::progress::Progress;
use crate::shingle;
use crate::text::{self, Token, TokenKind};
use crate::verify;

use super::*;

/// The source pairs that get a side-by-side view: the most similar at the
/// largest shingle size first, then by Jaccard at the smallest, then by
/// source numbers.
pub(super) fn choose_view_pairs(
    pairs: &[PairScore],
    n: usize,
    sizes: &[usize],
    cfg: &SimilarityConfig,
) -> Vec<(u32, u32)> {
    let large = *sizes.last().unwrap_or(&5);
    let small = *sizes.first().unwrap_or(&5);
    let mut by_pair: AHashMap<(u32, u32), (f64, f64)> = AHashMap::new();
    for p in pairs {
        let e = by_pair.entry((p.ai, p.bi)).or_insert((0.0, 0.0));
        if p.shingle == large {
            e.0 = p.rank_key(cfg.rank);
        }
        if p.shingle == small {
            e.1 = p.jaccard;
        }
    }
    let mut ranked: Vec<((u32, u32), (f64, f64))> = by_pair.into_iter().collect();
    ranked.sort_unstable_by(|x, y| {
        y.1 .0
            .total_cmp(&x.1 .0)
            .then(y.1 .1.total_cmp(&x.1 .1))
            .then(x.0.cmp(&y.0))
    });
    let mut chosen: Vec<(u32, u32)> = ranked.into_iter().map(|(p, _)| p).take(cfg.views).collect();
    // A small matrix gets a view for every cell, even pairs that share
    // nothing, so that every click shows both texts.
    if n * (n - 1) / 2 <= cfg.views {
        for a in 0..n as u32 {
            for b in a + 1..n as u32 {
                if !chosen.contains(&(a, b)) {
                    chosen.push((a, b));
                }
            }
        }
    }
    chosen
}

/// How many of the first views fit `budget` bytes of text (each document
/// counted once); at least one.
pub(super) fn within_budget(doc_pairs: &[(u32, u32)], doc_bytes: &[u64], budget: u64) -> usize {
    let mut seen = ahash::AHashSet::new();
    let mut total = 0u64;
    for (i, &(x, y)) in doc_pairs.iter().enumerate() {
        for d in [x, y] {
            if seen.insert(d) {
                total += doc_bytes[d as usize];
            }
        }
        if total > budget && i > 0 {
            return i;
        }
    }
    doc_pairs.len()
}

/// The documents shown for sources `a` and `b`: the document of `a` that
/// shares most shingles with `b`, and the document of `b` that shares most
/// with it (earliest on ties).
pub(super) fn best_documents(
    c: &Corpus,
    members: &Lists<u32>,
    a: u32,
    b: u32,
    src_sets: Option<&Lists<u64>>,
    src_lens: &[u64],
    cfg: &SimilarityConfig,
) -> (u32, u32) {
    let (ma, mb) = (members.get(a as usize), members.get(b as usize));
    if ma.len() == 1 && mb.len() == 1 {
        return (ma[0], mb[0]);
    }
    let argmax = |docs: &[u32], score: &dyn Fn(u32) -> f64| -> u32 {
        let mut best = (f64::NEG_INFINITY, docs[0]);
        for &d in docs {
            let s = score(d);
            if s > best.0 {
                best = (s, d);
            }
        }
        best.1
    };
    let last = c.doc_sets.len().saturating_sub(1);
    if !cfg.estimate {
        let doc_sets = &c.doc_sets[last];
        let Some(src_sets) = src_sets else {
            return (ma[0], mb[0]);
        };
        let set_b = src_sets.get(b as usize);
        let da = argmax(ma, &|d| {
            verify::intersection(doc_sets.get(d as usize), set_b) as f64
        });
        let set_da = doc_sets.get(da as usize);
        let db = argmax(mb, &|d| {
            verify::intersection(doc_sets.get(d as usize), set_da) as f64
        });
        (da, db)
    } else {
        let perms = cfg.perms;
        let last = c.doc_lens.len().saturating_sub(1);
        let doc_sig = |d: u32| &c.doc_sigs[d as usize * perms..(d as usize + 1) * perms];
        let doc_len = |d: u32| c.doc_lens[last][d as usize] as f64;
        let src_sig = &c.src_sigs[last][b as usize * perms..(b as usize + 1) * perms];
        let lb = src_lens.get(b as usize).copied().unwrap_or(0) as f64;
        let da = argmax(ma, &|d| {
            from_jaccard(minhash::estimate(doc_sig(d), src_sig), doc_len(d), lb).3 as f64
        });
        let db = argmax(mb, &|d| {
            from_jaccard(
                minhash::estimate(doc_sig(d), doc_sig(da)),
                doc_len(d),
                doc_len(da),
            )
            .3 as f64
        });
        (da, db)
    }
}

/// Re-reads the input for the documents of the views and marks their shared
/// text.
#[allow(clippy::too_many_arguments)]
pub(super) fn build_views(
    inputs: &Inputs,
    input_cfg: &InputConfig,
    c: &Corpus,
    chosen: &[(u32, u32)],
    doc_pairs: &[(u32, u32)],
    cfg: &SimilarityConfig,
    size: usize,
    progress: &dyn Progress,
) -> Result<Views> {
    let mut wanted: Vec<u32> = doc_pairs.iter().flat_map(|&(x, y)| [x, y]).collect();
    wanted.sort_unstable();
    wanted.dedup();
    // Documents are numbered in input order, so their origins ascend.
    let origins: Vec<Origin> = wanted.iter().map(|&d| c.doc_origins[d as usize]).collect();
    let mut texts: AHashMap<u32, String> = AHashMap::new();
    inputs.read_subset(input_cfg, &origins, |batch, raw_bytes| {
        for doc in batch {
            let k = origins
                .binary_search(&doc.origin)
                .map_err(|_| Error::Changed("side-by-side views".into()))?;
            texts.insert(wanted[k], doc.text);
        }
        progress.advance(0, raw_bytes);
        Ok(())
    })?;
    if texts.len() != wanted.len() {
        return Err(Error::Changed("side-by-side views".into()));
    }
    let slot: AHashMap<u32, u32> = wanted
        .iter()
        .enumerate()
        .map(|(i, &d)| (d, i as u32))
        .collect();
    let docs: Vec<ViewDoc> = wanted
        .iter()
        .map(|&d| ViewDoc {
            id: c.doc_ids[d as usize].clone(),
            source: c.doc_source[d as usize],
            text: texts.remove(&d).unwrap_or_default(),
        })
        .collect();
    let pairs = chosen
        .par_iter()
        .zip(doc_pairs.par_iter())
        .map(|(&(a, b), &(da, db))| {
            let (sa, sb) = (slot[&da], slot[&db]);
            let marked = shared_spans(
                &docs[sa as usize].text,
                &docs[sb as usize].text,
                cfg.kind,
                size,
            );
            View {
                a,
                b,
                doc_a: sa,
                doc_b: sb,
                spans_a: marked.a,
                spans_b: marked.b,
                covered_a: round6(marked.covered_a),
                covered_b: round6(marked.covered_b),
            }
        })
        .collect();
    Ok(Views {
        shingle: size,
        docs,
        pairs,
    })
}

/// The text two documents share, marked in both.
#[derive(Debug, Clone, PartialEq)]
pub struct Marked {
    /// Shared runs of the first text.
    pub a: Vec<SharedSpan>,
    /// Shared runs of the second text.
    pub b: Vec<SharedSpan>,
    /// Share of the first text's tokens inside a run.
    pub covered_a: f64,
    /// Share of the second text's tokens inside a run.
    pub covered_b: f64,
}

/// Marks the text `a` and `b` share: every window of `k` tokens whose
/// shingle occurs in the other text is covered, overlapping and touching
/// windows merge into maximal runs of tokens, and each run is reported as
/// the byte range from its first token's start to its last token's end.
/// Each run is linked to the run of the other text where its first shingle
/// first occurs.
///
/// This is the one place that decides what "shared passage" means in a
/// side-by-side view; a corpus-wide passage finder can replace it without
/// touching the reports.
pub fn shared_spans(a: &str, b: &str, kind: TokenKind, k: usize) -> Marked {
    if a.len() > text::MAX_TEXT_BYTES || b.len() > text::MAX_TEXT_BYTES {
        // Past what token offsets can address: shown unmarked.
        return Marked {
            a: Vec::new(),
            b: Vec::new(),
            covered_a: 0.0,
            covered_b: 0.0,
        };
    }
    let side = |t: &str| {
        let mut tokens = Vec::new();
        text::tokenize(t, kind, &mut tokens);
        let mut windows = Vec::new();
        shingle::fingerprints(&tokens, k, &mut windows);
        let mut set = windows.clone();
        set.sort_unstable();
        set.dedup();
        (tokens, windows, set)
    };
    let (ta, wa, sa) = side(a);
    let (tb, wb, sb) = side(b);
    let runs_a = covered_runs(&ta, &wa, k, &sb);
    let runs_b = covered_runs(&tb, &wb, k, &sa);
    let link = |runs: &[Run], windows: &[u64], other_runs: &[Run], other_windows: &[u64]| {
        let mut first_at: AHashMap<u64, usize> = AHashMap::new();
        for (i, &w) in other_windows.iter().enumerate() {
            first_at.entry(w).or_insert(i);
        }
        runs.iter()
            .map(|r| {
                let at = *first_at.get(&windows[r.first_window])?;
                let i = other_runs.partition_point(|o| o.tokens.end <= at);
                (i < other_runs.len() && other_runs[i].tokens.start <= at).then_some(i)
            })
            .collect::<Vec<_>>()
    };
    let partners_a = link(&runs_a, &wa, &runs_b, &wb);
    let partners_b = link(&runs_b, &wb, &runs_a, &wa);
    let spans = |runs: &[Run], tokens: &[Token], partners: Vec<Option<usize>>| {
        runs.iter()
            .zip(partners)
            .map(|(r, partner)| SharedSpan {
                start: tokens[r.tokens.start].start as usize,
                end: tokens[r.tokens.end - 1].end as usize,
                partner,
            })
            .collect::<Vec<_>>()
    };
    let covered = |runs: &[Run], tokens: &[Token]| {
        ratio(
            runs.iter().map(|r| r.tokens.len()).sum::<usize>() as f64,
            tokens.len() as f64,
        )
    };
    Marked {
        covered_a: covered(&runs_a, &ta),
        covered_b: covered(&runs_b, &tb),
        a: spans(&runs_a, &ta, partners_a),
        b: spans(&runs_b, &tb, partners_b),
    }
}

/// A maximal run of covered tokens and the first window that covers it.
pub(super) struct Run {
    pub(super) tokens: std::ops::Range<usize>,
    pub(super) first_window: usize,
}

/// Runs of tokens covered by windows whose fingerprint is in `other`.
pub(super) fn covered_runs(tokens: &[Token], windows: &[u64], k: usize, other: &[u64]) -> Vec<Run> {
    // A text shorter than k tokens has one window over all of them.
    let width = k.max(1).min(tokens.len());
    let mut runs: Vec<Run> = Vec::new();
    for (i, w) in windows.iter().enumerate() {
        if other.binary_search(w).is_err() {
            continue;
        }
        let end = i + width;
        match runs.last_mut() {
            Some(r) if i <= r.tokens.end => r.tokens.end = r.tokens.end.max(end),
            _ => runs.push(Run {
                tokens: i..end,
                first_window: i,
            }),
        }
    }
    runs
}
