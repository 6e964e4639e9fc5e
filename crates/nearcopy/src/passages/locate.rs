//! Read 3 of a corpus search, of the documents involved only: token
//! positions become byte offsets, lines and previews, and candidate
//! paragraph pairs get their exact Jaccard.

use std::ops::Range;

use ahash::AHashMap;
use rayon::prelude::*;

use super::analysis::Window;
use super::assemble::Found;
use super::corpus::{changed_if, Candidates, Search};
use super::edited::{self, Para, Signer, Verified};
use super::{verify_pair, Match, Occurrence, PassageGroup};
use crate::config::PassageConfig;
use crate::document::{Document, Origin};
use crate::error::{Error, Result};
use crate::figures::round6;
use crate::input::Inputs;
use crate::progress::Progress;
use crate::text::{self, LineIndex, Token};

/// A token boundary to turn into a byte offset: document, token, and
/// whether it is the end of a range (the end of the token before it).
type Boundary = (u32, u32, bool);

/// A token range to preview: document, first token, end token.
type Preview = (u32, u32, u32);

/// What the third read finds: where every boundary is in bytes and lines,
/// the previews, the documents' ids and the verified paragraph pairs.
pub(super) struct Located {
    /// Sorted, distinct.
    ends: Vec<Boundary>,
    /// Every [`STRIDE`]th of `ends`, searched first ([`find`]).
    ends_sample: Vec<Boundary>,
    /// Byte offset and 1-based line of each of `ends`.
    end_at: Vec<(u64, u64)>,
    /// Sorted, distinct.
    previews: Vec<Preview>,
    /// The text of each of `previews`.
    preview_text: Vec<String>,
    /// Ids of the documents read.
    ids: AHashMap<u32, String>,
    /// Paragraph pairs at or above the passage threshold, by (a, b).
    pub verified: Vec<Verified>,
}

/// Entries of a sorted list per entry of its sample.
const STRIDE: usize = 32;

/// The position of `key` in `sorted`, searched through `sample`, every
/// [`STRIDE`]th entry of `sorted`, first. The sample stays in the cache,
/// so only the last steps, inside one block of `STRIDE` entries, miss it:
/// a search of millions of boundaries missed at most of its steps, once
/// for each end of every place reported.
fn find<T: Ord>(sorted: &[T], sample: &[T], key: &T) -> Option<usize> {
    let block = sample.partition_point(|s| s <= key).checked_sub(1)?;
    let lo = block * STRIDE;
    let hi = (lo + STRIDE).min(sorted.len());
    sorted.get(lo..hi)?.binary_search(key).ok().map(|i| lo + i)
}

/// What the third read of one document finds.
struct DocLocated {
    doc: u32,
    id: String,
    ends: Vec<(u64, u64)>,
    previews: Vec<String>,
    sets: Vec<(u32, Vec<u64>)>,
}

/// Reads the documents that hold a place of `found` or a paragraph of a
/// candidate pair, and only those ([`Inputs::read_subset`]).
pub(super) fn locate(
    inputs: &Inputs,
    search: &Search,
    c: &Candidates,
    progress: &dyn Progress,
) -> Result<Located> {
    let (pc, paras, pairs) = (search.pc, &c.paras, &c.pairs);
    progress.stage("locating", Some(search.total_bytes));
    // Both are sorted next, so they are gathered in any order.
    let mut ends: Vec<Boundary> = c
        .found
        .par_iter()
        .flat_map_iter(|f| {
            f.places
                .iter()
                .flat_map(|p| [(p.doc, p.start, false), (p.doc, p.end, true)])
        })
        .collect();
    let mut previews: Vec<Preview> = c
        .found
        .par_iter()
        .map(|f| {
            let p = f.places[0];
            (p.doc, p.start, p.end)
        })
        .collect();
    // A paragraph's preview is wanted only when it opens an edited group,
    // which verification decides: [`Located::add_previews`] reads those.
    let may_appear = edited::may_appear(paras, &c.rep, pairs);
    for (p, _) in paras.iter().zip(&may_appear).filter(|(_, &a)| a) {
        ends.push((p.doc, p.tokens.start, false));
        ends.push((p.doc, p.tokens.end, true));
    }
    drop(may_appear);
    ends.par_sort_unstable();
    ends.dedup();
    previews.par_sort_unstable();
    previews.dedup();
    // Representatives to verify, with the last document that needs them.
    let mut last_use: AHashMap<u32, u32> = AHashMap::new();
    for &(a, b) in pairs {
        let later = paras[b as usize].doc;
        for x in [a, b] {
            let e = last_use.entry(x).or_insert(later);
            *e = (*e).max(later);
        }
    }
    let mut to_sign: Vec<u32> = last_use.keys().copied().collect();
    to_sign.par_sort_unstable_by_key(|&x| (paras[x as usize].doc, x));
    // Pairs in the order their later member is read.
    let mut by_later: Vec<usize> = (0..pairs.len()).collect();
    by_later.par_sort_unstable_by_key(|&i| (paras[pairs[i].1 as usize].doc, pairs[i]));

    // The documents to read again, and where each was read.
    let mut docs: Vec<u32> = ends.iter().map(|e| e.0).collect();
    docs.extend(previews.iter().map(|p| p.0));
    docs.extend(to_sign.iter().map(|&x| paras[x as usize].doc));
    docs.par_sort_unstable();
    docs.dedup();
    let origins = origins_of(&c.origins, &docs)?;

    let mut end_at = vec![(0u64, 0u64); ends.len()];
    let mut preview_text = vec![String::new(); previews.len()];
    let mut ids: AHashMap<u32, String> = AHashMap::new();
    let mut sets: AHashMap<u32, Vec<u64>> = AHashMap::new();
    let mut verified: Vec<Verified> = Vec::new();
    let mut cursor = 0usize;
    let mut next_doc = 0u32;
    let mut read = 0usize;
    inputs.read_subset(&search.cfg.input, &origins, |batch, raw| {
        let n_batch = batch.len() as u64;
        read += batch.len();
        // Documents arrive in input order: every wanted one before the
        // last of this batch has been read.
        if let Some(last) = batch.last() {
            let k = origins.binary_search(&last.origin).map_err(|_| changed())?;
            next_doc = docs[k] + 1;
        }
        let located: Vec<DocLocated> = batch
            .into_par_iter()
            .filter_map(|doc| {
                let d = match origins.binary_search(&doc.origin) {
                    Ok(k) => docs[k],
                    Err(_) => return Some(Err(changed())),
                };
                let wanted = Wanted {
                    ends: slice_of(&ends, d, |e| e.0),
                    previews: slice_of(&previews, d, |p| p.0),
                    sign: slice_of(&to_sign, d, |&x| paras[x as usize].doc),
                };
                if wanted.is_empty() {
                    return None;
                }
                Some(locate_doc(d, doc, pc, &search.signer, paras, &wanted))
            })
            .collect::<Result<_>>()?;
        for l in located {
            let e0 = ends.partition_point(|e| e.0 < l.doc);
            end_at[e0..e0 + l.ends.len()].copy_from_slice(&l.ends);
            let p0 = previews.partition_point(|p| p.0 < l.doc);
            for (k, text) in l.previews.into_iter().enumerate() {
                preview_text[p0 + k] = text;
            }
            sets.extend(l.sets);
            ids.insert(l.doc, l.id);
        }
        let end = by_later[cursor..]
            .partition_point(|&i| paras[pairs[i].1 as usize].doc < next_doc)
            + cursor;
        let threshold = pc.passage_threshold;
        let done: Vec<Verified> = by_later[cursor..end]
            .par_iter()
            .filter_map(|&i| {
                let (a, b) = pairs[i];
                verify_pair(a, b, sets.get(&a)?, sets.get(&b)?, threshold)
            })
            .collect();
        verified.extend(done);
        cursor = end;
        sets.retain(|x, _| last_use.get(x).is_some_and(|&l| l >= next_doc));
        progress.advance(n_batch, raw);
        Ok(())
    })?;
    changed_if(read != docs.len() || cursor != pairs.len())?;
    verified.sort_unstable_by_key(|v| (v.a, v.b));
    Ok(Located {
        ends_sample: ends.iter().step_by(STRIDE).copied().collect(),
        ends,
        end_at,
        previews,
        preview_text,
        ids,
        verified,
    })
}

impl Located {
    /// Reads the previews of the edited findings of `found` that the third
    /// read did not take: the first paragraph of each one's first place,
    /// from the few documents that hold one. Taking the preview of every
    /// paragraph that might have opened an edited group, in the third read,
    /// held millions of them, a third of the search's memory.
    pub(super) fn add_previews(
        &mut self,
        inputs: &Inputs,
        search: &Search,
        origins: &[(u32, Origin)],
        found: &[Found],
        paras: &[Para],
        progress: &dyn Progress,
    ) -> Result<()> {
        let mut keys: Vec<Preview> = found
            .iter()
            .filter(|f| f.matched == Match::Edited)
            .map(|f| preview_key(f, paras))
            .collect::<Result<_>>()?;
        keys.par_sort_unstable();
        keys.dedup();
        keys.retain(|k| self.previews.binary_search(k).is_err());
        if keys.is_empty() {
            return Ok(());
        }
        progress.stage("previews", None);
        let mut docs: Vec<u32> = keys.iter().map(|k| k.0).collect();
        docs.dedup();
        let wanted = origins_of(origins, &docs)?;
        let mut texts = vec![String::new(); keys.len()];
        let mut read = 0usize;
        inputs.read_subset(&search.cfg.input, &wanted, |batch, raw| {
            let n_batch = batch.len() as u64;
            read += batch.len();
            let located: Vec<DocLocated> = batch
                .into_par_iter()
                .map(|doc| {
                    let k = wanted.binary_search(&doc.origin).map_err(|_| changed())?;
                    let d = docs[k];
                    let want = Wanted {
                        ends: &[],
                        previews: slice_of(&keys, d, |p| p.0),
                        sign: &[],
                    };
                    locate_doc(d, doc, search.pc, &search.signer, paras, &want)
                })
                .collect::<Result<_>>()?;
            for l in located {
                let p0 = keys.partition_point(|p| p.0 < l.doc);
                for (k, text) in l.previews.into_iter().enumerate() {
                    texts[p0 + k] = text;
                }
            }
            progress.advance(n_batch, raw);
            Ok(())
        })?;
        changed_if(read != docs.len())?;
        // Both lists are sorted and share no key: merge them.
        let old = std::mem::take(&mut self.previews)
            .into_iter()
            .zip(std::mem::take(&mut self.preview_text));
        let mut merged: Vec<(Preview, String)> = old.chain(keys.into_iter().zip(texts)).collect();
        merged.par_sort_unstable_by_key(|m| m.0);
        (self.previews, self.preview_text) = merged.into_iter().unzip();
        Ok(())
    }

    /// `found` as reported: byte offsets, lines, previews and ids of every
    /// place. A place the third read did not see means the input changed
    /// after the first.
    pub(super) fn groups(&self, found: &[Found], paras: &[Para]) -> Result<Vec<PassageGroup>> {
        found.par_iter().map(|f| self.group(f, paras)).collect()
    }

    fn group(&self, f: &Found, paras: &[Para]) -> Result<PassageGroup> {
        let occurrences = f
            .places
            .iter()
            .map(|p| {
                let (start, line_start) = self.end(p.doc, p.start, false)?;
                let (end, line_end) = self.end(p.doc, p.end, true)?;
                let doc = self.ids.get(&p.doc).ok_or_else(changed)?.clone();
                Ok(Occurrence {
                    doc,
                    start,
                    end,
                    line_start,
                    line_end,
                    words: p.words() as u64,
                    doc_index: p.doc,
                })
            })
            .collect::<Result<_>>()?;
        Ok(PassageGroup {
            kind: f.kind,
            words: f.places[0].words() as u64,
            text: self.preview(f, paras)?,
            similarity: round6(f.similarity),
            documents: f.documents() as u64,
            matched: f.matched,
            occurrences,
        })
    }

    /// Byte offset and line of a token boundary.
    fn end(&self, doc: u32, token: u32, is_end: bool) -> Result<(u64, u64)> {
        let k = find(&self.ends, &self.ends_sample, &(doc, token, is_end)).ok_or_else(changed)?;
        Ok(self.end_at[k])
    }

    /// The preview of a finding: its first place, or for edited copies the
    /// first paragraph of its first place.
    fn preview(&self, f: &Found, paras: &[Para]) -> Result<String> {
        let key = preview_key(f, paras)?;
        let k = self.previews.binary_search(&key).map_err(|_| changed())?;
        Ok(self.preview_text[k].clone())
    }
}

/// The token range previewed for a finding: its first place, or for edited
/// copies the first paragraph of its first place.
fn preview_key(f: &Found, paras: &[Para]) -> Result<Preview> {
    let p = f.places[0];
    if f.matched == Match::Edited {
        let k = paras.partition_point(|q| (q.doc, q.tokens.start) < (p.doc, p.start));
        let q = paras.get(k).ok_or_else(changed)?;
        Ok((q.doc, q.tokens.start, q.tokens.end))
    } else {
        Ok((p.doc, p.start, p.end))
    }
}

/// Where each of `docs` (ascending) was read, from `origins` (by document
/// number, ascending). A document missing there means the input changed.
fn origins_of(origins: &[(u32, Origin)], docs: &[u32]) -> Result<Vec<Origin>> {
    docs.iter()
        .map(|&d| {
            let k = origins
                .binary_search_by_key(&d, |o| o.0)
                .map_err(|_| changed())?;
            Ok(origins[k].1)
        })
        .collect()
}

fn changed() -> Error {
    Error::Changed("passage search".into())
}

/// What the third read needs of one document (each sorted).
struct Wanted<'a> {
    ends: &'a [Boundary],
    previews: &'a [Preview],
    /// Paragraphs (indices into `paras`) whose shingle sets are needed.
    sign: &'a [u32],
}

impl Wanted<'_> {
    fn is_empty(&self) -> bool {
        self.ends.is_empty() && self.previews.is_empty() && self.sign.is_empty()
    }
}

/// The entries of sorted `v` whose document (given by `doc`) is `d`.
fn slice_of<T>(v: &[T], d: u32, doc: impl Fn(&T) -> u32) -> &[T] {
    let lo = v.partition_point(|x| doc(x) < d);
    let hi = v.partition_point(|x| doc(x) <= d);
    &v[lo..hi]
}

/// The third read of one document: byte offsets and lines of the token
/// boundaries it wants, previews, and shingle sets of its paragraphs.
fn locate_doc(
    d: u32,
    doc: Document,
    pc: &PassageConfig,
    signer: &Signer,
    paras: &[Para],
    wanted: &Wanted,
) -> Result<DocLocated> {
    text::check_len(&doc.text)?;
    // The tokens of a document longer than `piece_bytes` are never held
    // whole: those it needs are looked up a piece at a time, in order.
    let windowed = doc.text.len() > pc.piece_bytes;
    let mut tokens = Vec::new();
    let mut window = Window::default();
    if !windowed {
        text::tokenize(&doc.text, pc.tokens, &mut tokens);
    }
    let mut needed: Vec<u32> = Vec::new();
    for &(_, t, is_end) in wanted.ends {
        if is_end && t == 0 {
            changed_if(true)?;
        }
        needed.push(if is_end { t - 1 } else { t });
    }
    for &(_, s, e) in wanted.previews {
        if s >= e {
            changed_if(true)?;
        }
        needed.extend([s, e - 1]);
    }
    needed.sort_unstable();
    needed.dedup();
    let mut at = Vec::with_capacity(needed.len());
    for &t in &needed {
        let found = if windowed {
            let i = t as usize;
            let text = &doc.text;
            window
                .get(text, pc.tokens, pc.piece_bytes, i..i + 1, |_| {})
                .first()
                .copied()
        } else {
            tokens.get(t as usize).copied()
        };
        match found {
            Some(tok) => at.push(tok),
            None => changed_if(true)?,
        }
    }
    let byte = |t: u32, is_end: bool| -> usize {
        let tok = &at[needed.partition_point(|&x| x < if is_end { t - 1 } else { t })];
        if is_end {
            tok.end as usize
        } else {
            tok.start as usize
        }
    };
    let lines = LineIndex::new(&doc.text);
    let ends = wanted
        .ends
        .iter()
        .map(|&(_, t, is_end)| {
            let b = byte(t, is_end);
            let line = lines.line(if is_end { b - 1 } else { b });
            (b as u64, line as u64)
        })
        .collect();
    let previews = wanted
        .previews
        .iter()
        .map(|&(_, s, e)| {
            crate::text::excerpt(
                &doc.text[byte(s, false)..byte(e, true)],
                super::PREVIEW_BYTES,
            )
        })
        .collect();
    let mut scratch = edited::SignScratch::default();
    let mut sets = Vec::with_capacity(wanted.sign.len());
    for &x in wanted.sign {
        let r = paras[x as usize].tokens.clone();
        let (start, len) = (r.start as usize, r.len());
        let mut short = false;
        let mut tokens_of = |sub: Range<usize>, f: &mut dyn FnMut(&[Token])| {
            let want = start + sub.start..start + sub.end;
            let got = if windowed {
                window.get(&doc.text, pc.tokens, pc.piece_bytes, want.clone(), |_| {})
            } else {
                tokens.get(want.clone()).unwrap_or(&[])
            };
            short |= got.len() < want.len();
            f(got)
        };
        signer.shingles_from(len, &mut tokens_of, &mut scratch);
        changed_if(short)?;
        sets.push((x, scratch.set.clone()));
    }
    Ok(DocLocated {
        doc: d,
        id: doc.id,
        ends,
        previews,
        sets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`find`] finds every entry of a sorted list, and nothing else, for
    /// lists shorter than, as long as and many times one block.
    #[test]
    fn find_through_the_sample_is_a_binary_search() {
        for n in [0, 1, 5, STRIDE - 1, STRIDE, STRIDE + 1, 7 * STRIDE + 3] {
            let sorted: Vec<u32> = (0..n as u32).map(|x| 3 * x + 1).collect();
            let sample: Vec<u32> = sorted.iter().step_by(STRIDE).copied().collect();
            for key in 0..3 * n as u32 + 4 {
                assert_eq!(
                    find(&sorted, &sample, &key),
                    sorted.binary_search(&key).ok(),
                    "{key} among {n}"
                );
            }
        }
    }
}
