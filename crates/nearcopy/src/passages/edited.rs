//! Edited repeats: paragraphs that are near-identical but not the same.
//!
//! Each paragraph of at least `min_words` tokens is cut into shingles of a
//! few tokens (three words by default, so that one changed word breaks only
//! three shingles), signed with one-permutation MinHash and banded for LSH
//! at the passage threshold. Paragraphs with the same normalised text are
//! represented by their first copy, so a paragraph printed a thousand times
//! costs one signature in the candidate search. Candidate pairs are verified by the
//! exact Jaccard similarity of their shingle sets.
//!
//! Verified pairs (and pairs of identical copies) that continue each other —
//! paragraph `i` of one place matches `j` of another and `i + 1` matches
//! `j + 1` — are chained into blocks, so a run of repeated paragraphs is one
//! passage. Places joined by blocks form groups (union-find); a block's
//! similarity is the Jaccard similarity of its paragraphs taken together
//! (the sums of their intersections and unions), and a group's is the lowest
//! of its blocks. Groups made only of identical copies are left to the exact
//! repeats, which find them with exact boundaries.

use std::ops::Range;

use super::exact::{sort, sort_by_key};
use super::tagged::Tagged;
use crate::cluster::UnionFind;
use crate::hash;
use crate::lsh::Banding;
use crate::shingle::Shingler;
use crate::sketch::oph::OnePermutationHasher;
use crate::text::Token;
use xxhash_rust::xxh3::Xxh3;

/// Buckets (paragraphs sharing an LSH band) larger than this are linked as
/// a star and a chain instead of all pairs, and copy sets larger than this
/// as a chain: such buckets are boilerplate, and all pairs would grow
/// quadratically.
pub const BUCKET_CAP: usize = 16;

/// One paragraph that may be repeated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Para {
    /// Document number.
    pub doc: u32,
    /// Number of the paragraph among the document's long-enough paragraphs.
    pub index: u32,
    /// Its tokens in the document.
    pub tokens: Range<u32>,
    /// Fingerprint of its normalised token sequence.
    pub content: u64,
}

/// Signs paragraphs: shingle set, one-permutation MinHash, band keys.
#[derive(Debug, Clone)]
pub(crate) struct Signer {
    hasher: OnePermutationHasher,
    banding: Banding,
    shingle: usize,
}

/// Per-thread buffers of [`Signer`].
#[derive(Debug, Default)]
pub(crate) struct SignScratch {
    pub set: Vec<u64>,
    shingler: Shingler,
    sig: Vec<u32>,
    bytes: Vec<u8>,
    fps: Vec<u64>,
}

impl Signer {
    /// A signer for `banding` (chosen for `perms` values) and shingles of
    /// `shingle` tokens.
    pub fn new(perms: usize, banding: Banding, shingle: usize) -> Signer {
        // Only the bands' values are ever used: one bin per value of a band
        // (105 at the default 35 x 3).
        let used = (banding.bands * banding.rows).clamp(1, perms.max(1));
        Signer {
            hasher: OnePermutationHasher::new(used),
            banding,
            shingle,
        }
    }

    /// Number of band keys per paragraph.
    pub fn bands(&self) -> usize {
        self.banding.bands
    }

    /// The shingle set of `tokens` into `s.set`.
    pub fn shingles(&self, tokens: &[Token], s: &mut SignScratch) {
        self.shingles_from(tokens.len(), &mut |r, f| f(&tokens[r]), s);
    }

    /// [`Signer::shingles`] of `len` tokens handed over as for
    /// [`Signer::keys_from`].
    pub fn shingles_from(&self, len: usize, tokens_of: &mut TokensOf, s: &mut SignScratch) {
        let (set, shingler, part) = (&mut s.set, &mut s.shingler, &mut s.fps);
        set.clear();
        if len > LONG_PARAGRAPH {
            let k = self.shingle.max(1);
            for r in shingle_windows(len, k) {
                tokens_of(r, &mut |t| {
                    shingler.fingerprints(t, k, part);
                    set.extend_from_slice(part);
                });
            }
            shingler.trim(1 << 20);
        } else {
            tokens_of(0..len, &mut |t| {
                shingler.fingerprints(t, self.shingle, set);
            });
        }
        crate::verify::sort_set(set);
    }

    /// Appends the band keys of the paragraph `tokens` to `keys`.
    #[cfg(test)]
    pub fn keys(&self, tokens: &[Token], s: &mut SignScratch, keys: &mut Vec<u64>) {
        self.keys_from(tokens.len(), &mut |r, f| f(&tokens[r]), s, keys);
    }

    /// [`Signer::keys`] of a paragraph of `len` tokens that `tokens_of`
    /// hands over a range at a time (ranges of the paragraph, ascending:
    /// `tokens_of(r, f)` calls `f` with its tokens `r`), so that a huge
    /// one is never held whole.
    pub fn keys_from(
        &self,
        len: usize,
        tokens_of: &mut TokensOf,
        s: &mut SignScratch,
        keys: &mut Vec<u64>,
    ) {
        s.sig.resize(self.hasher.perms(), 0);
        if len > LONG_PARAGRAPH {
            // The same signature: a bin keeps its least value whatever
            // the order and the repeats of the shingles.
            let k = self.shingle.max(1);
            let (set, sig, shingler) = (&mut s.set, &mut s.sig, &mut s.shingler);
            self.hasher.sign_parts(sig, |add| {
                for r in shingle_windows(len, k) {
                    tokens_of(r, &mut |t| {
                        shingler.fingerprints(t, k, set);
                    });
                    add(set);
                }
            });
            set.clear();
            shingler.trim(1 << 20);
        } else {
            // The shingles as they come, repeats and all: a bin keeps its
            // least value whatever the order and the repeats, so the
            // signature is that of the set without sorting it.
            let (set, shingler) = (&mut s.set, &mut s.shingler);
            tokens_of(0..len, &mut |t| {
                shingler.fingerprints(t, self.shingle, set);
            });
            self.hasher.sign(&s.set, &mut s.sig);
        }
        let at = keys.len();
        keys.resize(at + self.banding.bands, 0);
        self.banding.run_keys(&s.sig, &mut keys[at..]);
        // Domain separation from the m-gram fingerprints sharing the
        // first read's table.
        for k in &mut keys[at..] {
            *k ^= 0x7061_7261_6772_6170; // "paragrap"
        }
    }

    /// Fingerprint of the normalised token sequence of `tokens`:
    /// [`hash::tokens`] of their fingerprints and their count.
    #[cfg(test)]
    pub fn content(tokens: &[Token], s: &mut SignScratch) -> u64 {
        Signer::content_from(tokens.len(), &mut |r, f| f(&tokens[r]), s)
    }

    /// [`Signer::content`] of `len` tokens handed over as for
    /// [`Signer::keys_from`].
    pub fn content_from(len: usize, tokens_of: &mut TokensOf, s: &mut SignScratch) -> u64 {
        s.fps.clear();
        if len > LONG_PARAGRAPH {
            // Streamed a window at a time: xxh3 digests the same bytes
            // however they are handed to it.
            let mut h = Xxh3::new();
            for start in (0..len).step_by(LONG_PARAGRAPH) {
                let r = start..(start + LONG_PARAGRAPH).min(len);
                let bytes = &mut s.bytes;
                tokens_of(r, &mut |t| {
                    bytes.clear();
                    for tok in t {
                        bytes.extend_from_slice(&tok.hash.to_le_bytes());
                    }
                });
                h.update(bytes);
            }
            h.update(&(len as u64).to_le_bytes());
            return h.digest();
        }
        let fps = &mut s.fps;
        tokens_of(0..len, &mut |t| fps.extend(t.iter().map(|t| t.hash)));
        fps.push(len as u64);
        hash::tokens(fps, &mut s.bytes)
    }
}

/// Hands over a range of a paragraph's tokens: `tokens_of(r, f)` calls `f`
/// with the tokens `r` (relative to the paragraph).
pub(crate) type TokensOf<'a> = dyn FnMut(Range<usize>, &mut dyn FnMut(&[Token])) + 'a;

/// Paragraphs longer than this (in tokens), a whole book on one line say,
/// are fingerprinted and signed a window at a time ([`Signer::content_from`],
/// [`Signer::keys_from`]): the same values, without copies of all their token
/// fingerprints and shingles (16 bytes a token, twice).
const LONG_PARAGRAPH: usize = 1 << 16;

/// The token ranges a long paragraph (`len` above [`LONG_PARAGRAPH`]) is
/// shingled in: `LONG_PARAGRAPH` shingles each, with the `k - 1` tokens the
/// last of them reaches into the next, so that every shingle of `k` tokens
/// lies in exactly one.
fn shingle_windows(len: usize, k: usize) -> impl Iterator<Item = Range<usize>> {
    (0..=len.saturating_sub(k))
        .step_by(LONG_PARAGRAPH)
        .map(move |start| start..(start + LONG_PARAGRAPH + k - 1).min(len))
}

/// Number of shingles of a paragraph of `len` tokens, the weight of a pair
/// of identical copies in a block's similarity.
pub(crate) fn shingle_count(len: u32, k: usize) -> u64 {
    (len as u64).saturating_sub(k as u64 - 1).max(1)
}

/// For each paragraph, the index of the first paragraph with the same
/// content (itself when it is the first). `paras` is in (doc, index) order.
pub(crate) fn representatives(paras: &[Para]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..paras.len() as u32).collect();
    sort_by_key(&mut order, |&i| (paras[i as usize].content, i));
    let mut rep = vec![0u32; paras.len()];
    let mut i = 0;
    while i < order.len() {
        let c = paras[order[i] as usize].content;
        let mut j = i;
        while j < order.len() && paras[order[j] as usize].content == c {
            rep[order[j] as usize] = order[i];
            j += 1;
        }
        i = j;
    }
    rep
}

/// Candidate pairs `(a, b)`, `a < b`, sorted, among the representative
/// paragraphs (`rep[i] == i`), from band key entries: two paragraphs are
/// candidates when they share a key.
pub(crate) fn candidates(rep: &[u32], mut entries: Vec<Tagged>) -> Vec<(u32, u32)> {
    entries.retain(|e| rep[e.tag() as usize] == e.tag());
    sort(&mut entries);
    entries.dedup();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut i = 0;
    while i < entries.len() {
        let mut j = i + 1;
        while j < entries.len() && entries[j].key() == entries[i].key() {
            j += 1;
        }
        let bucket = &entries[i..j];
        link(bucket.len(), |x, y| {
            pairs.push((bucket[x].tag(), bucket[y].tag()))
        });
        i = j;
    }
    sort(&mut pairs);
    pairs.dedup();
    pairs
}

/// Calls `pair(x, y)`, `x < y`, for the pairs that link `n` items: all of
/// them up to [`BUCKET_CAP`], else a star from the first and a chain.
fn link(n: usize, mut pair: impl FnMut(usize, usize)) {
    if n <= BUCKET_CAP {
        for x in 0..n {
            for y in x + 1..n {
                pair(x, y);
            }
        }
    } else {
        for y in 1..n {
            pair(0, y);
            if y >= 2 {
                pair(y - 1, y);
            }
        }
    }
}

/// For each paragraph, whether it can be a place of an edited group when
/// `pairs` are the pairs of representatives that may match: copies of a
/// representative in a pair, and copies of a representative one of whose
/// copies is next to such a paragraph (an identical paragraph may continue
/// an edited block).
pub(crate) fn may_appear(paras: &[Para], rep: &[u32], pairs: &[(u32, u32)]) -> Vec<bool> {
    let mut in_pair = vec![false; paras.len()];
    for &(a, b) in pairs {
        in_pair[a as usize] = true;
        in_pair[b as usize] = true;
    }
    let involved: Vec<bool> = rep.iter().map(|&r| in_pair[r as usize]).collect();
    let mut chainable = in_pair;
    for (i, p) in paras.iter().enumerate() {
        let next_to = |j: usize| {
            paras
                .get(j)
                .is_some_and(|q| q.doc == p.doc && q.index.abs_diff(p.index) == 1 && involved[j])
        };
        if (i > 0 && next_to(i - 1)) || next_to(i + 1) {
            chainable[rep[i] as usize] = true;
        }
    }
    rep.iter().map(|&r| chainable[r as usize]).collect()
}

/// A verified pair of representatives: `inter` and `union` of their shingle
/// sets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Verified {
    pub a: u32,
    pub b: u32,
    pub inter: u64,
    pub union: u64,
}

/// A group of edited copies: places as `(doc, first paragraph, last
/// paragraph)` (indices into the document's long-enough paragraphs),
/// ascending and not overlapping, and the lowest block similarity.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EditedGroup {
    pub places: Vec<(u32, u32, u32)>,
    pub similarity: f64,
}

/// One pair of paragraphs, in (doc, index) order, with its weights.
#[derive(Clone, Copy)]
struct PairW {
    a: u32,
    b: u32,
    inter: u64,
    union: u64,
    exact: bool,
}

/// Chains verified pairs (expanded to every copy) and pairs of identical
/// copies into blocks, and blocks into groups. `shingles[i]` is the shingle
/// count of paragraph `i`. Groups made only of identical copies are dropped.
pub(crate) fn groups(
    paras: &[Para],
    rep: &[u32],
    verified: &[Verified],
    shingles: impl Fn(u32) -> u64,
) -> Vec<EditedGroup> {
    if verified.is_empty() {
        return Vec::new();
    }
    // Copies of each representative, in (doc, index) order: `by_rep` sorted
    // by (representative, paragraph), `copies_at[r]` its range there.
    let mut by_rep: Vec<u32> = (0..paras.len() as u32).collect();
    sort_by_key(&mut by_rep, |&i| (rep[i as usize], i));
    let mut copies_at = vec![(0usize, 0usize); paras.len()];
    let mut i = 0;
    while i < by_rep.len() {
        let r = rep[by_rep[i] as usize];
        let mut j = i + 1;
        while j < by_rep.len() && rep[by_rep[j] as usize] == r {
            j += 1;
        }
        copies_at[r as usize] = (i, j);
        i = j;
    }
    let copies = |r: u32| {
        let (s, e) = copies_at[r as usize];
        &by_rep[s..e]
    };
    // (doc a, doc b, diagonal, index a) locate a pair on its diagonal.
    type Key = (u32, u32, i64, u32);
    let mut pairs: Vec<(Key, PairW)> = Vec::new();
    let push =
        |pairs: &mut Vec<(Key, PairW)>, x: u32, y: u32, inter: u64, union: u64, exact: bool| {
            let (a, b) = if x < y { (x, y) } else { (y, x) };
            let (pa, pb) = (&paras[a as usize], &paras[b as usize]);
            let key = (pa.doc, pb.doc, pb.index as i64 - pa.index as i64, pa.index);
            pairs.push((
                key,
                PairW {
                    a,
                    b,
                    inter,
                    union,
                    exact,
                },
            ));
        };
    for v in verified {
        let (ca, cb) = (copies(v.a), copies(v.b));
        if ca.len() * cb.len() <= BUCKET_CAP {
            for &x in ca {
                for &y in cb {
                    push(&mut pairs, x, y, v.inter, v.union, false);
                }
            }
        } else {
            for &y in cb {
                push(&mut pairs, v.a, y, v.inter, v.union, false);
            }
            for &x in &ca[1..] {
                push(&mut pairs, x, v.b, v.inter, v.union, false);
            }
        }
    }
    // Identical copies pair up only where an edited pair could chain with
    // them (the rule of `may_appear`).
    let rep_pairs: Vec<(u32, u32)> = verified.iter().map(|v| (v.a, v.b)).collect();
    let chainable = may_appear(paras, rep, &rep_pairs);
    for (r, &(s, e)) in copies_at.iter().enumerate() {
        if e - s >= 2 && chainable[r] {
            let c = &by_rep[s..e];
            let w = shingles(r as u32);
            link(c.len(), |x, y| push(&mut pairs, c[x], c[y], w, w, true));
        }
    }

    // Blocks: along each diagonal of each pair of documents.
    // The key holds every field: `a` follows from the key's document and
    // index.
    sort_by_key(&mut pairs, |&(k, p)| (k, p.b, p.exact, p.inter, p.union));
    pairs.dedup_by_key(|(k, _)| *k);
    struct Block {
        a: (u32, u32, u32),
        b: (u32, u32, u32),
        inter: u64,
        union: u64,
        exact: bool,
    }
    let mut blocks: Vec<Block> = Vec::new();
    let mut prev: Option<Key> = None;
    for &(k, ref p) in &pairs {
        let (pa, pb) = (&paras[p.a as usize], &paras[p.b as usize]);
        let extends = prev
            .is_some_and(|q| q.0 == k.0 && q.1 == k.1 && q.2 == k.2 && q.3 + 1 == k.3)
            && blocks.last().is_some_and(|bl| {
                // Within one document the two places must not overlap.
                pa.doc != pb.doc || bl.a.2 + 1 < bl.b.1
            });
        if extends {
            if let Some(bl) = blocks.last_mut() {
                bl.a.2 = pa.index;
                bl.b.2 = pb.index;
                bl.inter += p.inter;
                bl.union += p.union;
                bl.exact &= p.exact;
            }
        } else {
            blocks.push(Block {
                a: (pa.doc, pa.index, pa.index),
                b: (pb.doc, pb.index, pb.index),
                inter: p.inter,
                union: p.union,
                exact: p.exact,
            });
        }
        prev = Some(k);
    }

    // Groups: union-find over distinct places.
    let mut places: Vec<(u32, u32, u32)> = blocks.iter().flat_map(|b| [b.a, b.b]).collect();
    sort(&mut places);
    places.dedup();
    let id = |p: &(u32, u32, u32)| places.binary_search(p).unwrap_or(0) as u32;
    let ids: Vec<(u32, u32)> = blocks.iter().map(|b| (id(&b.a), id(&b.b))).collect();
    let mut uf = UnionFind::new(places.len());
    for &(a, b) in &ids {
        uf.union(a, b);
    }
    let mut sim = vec![f64::INFINITY; places.len()];
    let mut edited = vec![false; places.len()];
    for (b, &(ia, ib)) in blocks.iter().zip(&ids) {
        let s = if b.union > 0 {
            b.inter as f64 / b.union as f64
        } else {
            1.0
        };
        for p in [ia, ib] {
            sim[p as usize] = sim[p as usize].min(s);
            edited[p as usize] |= !b.exact;
        }
    }
    let mut out = Vec::new();
    for g in uf.groups() {
        if !g.iter().any(|&p| edited[p as usize]) {
            continue;
        }
        let similarity = g
            .iter()
            .map(|&p| sim[p as usize])
            .fold(f64::INFINITY, f64::min);
        // Overlapping places of one document become their union.
        let mut merged: Vec<(u32, u32, u32)> = Vec::new();
        for &p in &g {
            let (d, s, e) = places[p as usize];
            match merged.last_mut() {
                Some(last) if last.0 == d && s <= last.2 => last.2 = last.2.max(e),
                _ => merged.push((d, s, e)),
            }
        }
        // Places that all overlap in one document are one stretch of text
        // like a shifted copy of itself, not a repeat.
        if merged.len() < 2 {
            continue;
        }
        out.push(EditedGroup {
            places: merged,
            similarity,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Long or short, a paragraph's band keys are those of the signature
    /// of its whole shingle set.
    #[test]
    fn keys_are_the_same_from_windows() {
        let pc = crate::config::PassageConfig::default();
        let signer = Signer::new(pc.perms, pc.banding(), pc.shingle);
        let mut s = SignScratch::default();
        for len in [3, 50, LONG_PARAGRAPH + 1, 2 * LONG_PARAGRAPH + 7] {
            // Periodic stretches and fresh ones, so windows share shingles.
            let tokens: Vec<Token> = (0..len as u64)
                .map(|i| Token {
                    start: 0,
                    end: 0,
                    hash: if i % 3 == 0 { i % 1000 } else { i }.wrapping_mul(0x9E37_79B9_7F4A_7C15),
                })
                .collect();
            let mut set = Vec::new();
            crate::shingle::set(&tokens, pc.shingle, &mut set);
            let mut sig = vec![0u32; signer.hasher.perms()];
            signer.hasher.sign(&set, &mut sig);
            let mut want = vec![0u64; signer.bands()];
            signer.banding.run_keys(&sig, &mut want);
            for k in &mut want {
                *k ^= 0x7061_7261_6772_6170;
            }
            let mut got = vec![1, 2];
            signer.keys(&tokens, &mut s, &mut got);
            assert_eq!(got[..2], [1, 2]);
            assert_eq!(got[2..], want[..], "{len} tokens");
        }
    }

    /// Long or short, a paragraph's content fingerprint is the hash of its
    /// token fingerprints and their count.
    #[test]
    fn content_is_the_same_streamed() {
        let mut s = SignScratch::default();
        for len in [
            0,
            1,
            7,
            LONG_PARAGRAPH,
            LONG_PARAGRAPH + 1,
            3 * LONG_PARAGRAPH + 5,
        ] {
            let tokens: Vec<Token> = (0..len as u64)
                .map(|i| Token {
                    start: 0,
                    end: 0,
                    hash: i.wrapping_mul(0x9E37_79B9_7F4A_7C15),
                })
                .collect();
            let mut fps: Vec<u64> = tokens.iter().map(|t| t.hash).collect();
            fps.push(len as u64);
            let want = hash::tokens(&fps, &mut Vec::new());
            assert_eq!(Signer::content(&tokens, &mut s), want, "{len} tokens");
        }
    }

    fn para(doc: u32, index: u32, content: u64) -> Para {
        Para {
            doc,
            index,
            tokens: index * 10..index * 10 + 10,
            content,
        }
    }

    #[test]
    fn consecutive_pairs_make_one_block() {
        // doc 0: paragraphs 0..3; doc 1: paragraphs 0..3, edited copies of
        // 1 and 3, an identical copy of 2.
        let paras = vec![
            para(0, 0, 1),
            para(0, 1, 2),
            para(0, 2, 3),
            para(0, 3, 4),
            para(1, 0, 9),
            para(1, 1, 12),
            para(1, 2, 3),
            para(1, 3, 14),
        ];
        let rep = representatives(&paras);
        assert_eq!(rep[6], 2);
        let verified = [
            Verified {
                a: 1,
                b: 5,
                inter: 6,
                union: 10,
            },
            Verified {
                a: 3,
                b: 7,
                inter: 8,
                union: 10,
            },
        ];
        let g = groups(&paras, &rep, &verified, |_| 8);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].places, vec![(0, 1, 3), (1, 1, 3)]);
        assert!((g[0].similarity - 22.0 / 28.0).abs() < 1e-12);
    }

    #[test]
    fn identical_copies_alone_are_left_to_exact_repeats() {
        let paras = vec![para(0, 0, 1), para(1, 0, 1), para(2, 0, 5)];
        let rep = representatives(&paras);
        assert_eq!(groups(&paras, &rep, &[], |_| 8), vec![]);
    }

    #[test]
    fn large_buckets_are_linked_linearly() {
        let mut n = 0;
        link(100, |_, _| n += 1);
        assert_eq!(n, 99 + 98);
        let mut n = 0;
        link(5, |_, _| n += 1);
        assert_eq!(n, 10);
    }
}
