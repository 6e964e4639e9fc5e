//! Turning the three kinds of findings into passage groups: places made
//! non-overlapping, fragments of a larger finding dropped, each group
//! labelled within / across / boilerplate, and everything put in a defined
//! order.

use std::cmp::Reverse;

use super::exact::ExactGroup;
use super::{Kind, Match};

/// A place: tokens `start..end` of document `doc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Place {
    pub doc: u32,
    pub start: u32,
    pub end: u32,
}

impl Place {
    fn contains(&self, other: &Place) -> bool {
        self.doc == other.doc && self.start <= other.start && other.end <= self.end
    }

    /// Length in tokens.
    pub fn words(&self) -> u32 {
        self.end - self.start
    }
}

/// A group of places holding the same (or, for edited copies, nearly the
/// same) text, ascending.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found {
    pub matched: Match,
    pub similarity: f64,
    pub places: Vec<Place>,
    pub kind: Kind,
}

impl Found {
    /// Number of distinct documents.
    pub fn documents(&self) -> usize {
        let mut n = 0;
        let mut last = None;
        for p in &self.places {
            if last != Some(p.doc) {
                n += 1;
                last = Some(p.doc);
            }
        }
        n
    }
}

/// Exact groups as findings, places overlapping only in periodic runs.
///
/// Two places of one document overlap when a text repeats with a period
/// shorter than itself: a headline printed twice in a row whose next word
/// happens to repeat too (`H H x` where `H` starts with `x`) is found as the
/// repeat `H x` at two overlapping places. Such a group keeps its
/// non-overlapping places (greedily from the left), and the first place
/// `q` overlapping a kept place `p` becomes a group of its own, a
/// description of the periodic run the two make up:
///
/// * when the period `q - p` is at least `min` tokens, the period at `p`,
///   `p + (q - p)`, … as far as the overlapping copies reach (`H` twice),
///   and, when the run ends part-way into a period, its tail with the same
///   text one period earlier (at least `min` tokens): every token of the
///   run lies in a reported copy;
/// * when it is shorter (`word word word …`, `ha ha ha …`: no single period
///   is a passage), the two overlapping copies themselves, `p` and `q`
///   with the repeat's full length: together they span the run, and
///   cutting the later one leaves one period.
///
/// Later places overlapping the same kept place describe the same run
/// with a longer period and are left out: in `word word word …` every
/// place of a repeat overlaps the first, and one group per overlap would
/// be quadratic. Groups left with one place are dropped; groups found twice
/// are kept once.
pub(crate) fn exact(groups: Vec<ExactGroup>, min: u32) -> Vec<Found> {
    let mut out: Vec<Vec<Place>> = Vec::new();
    for g in groups {
        let mut places: Vec<Place> = Vec::with_capacity(g.places.len());
        // Whether the last kept place already gave its periodic group.
        let mut described = false;
        for (doc, start) in g.places {
            if let Some(q) = places.last().filter(|q| q.doc == doc && start < q.end) {
                if std::mem::replace(&mut described, true) {
                    continue;
                }
                let period = start - q.start;
                if period < min {
                    out.push(vec![
                        *q,
                        Place {
                            doc,
                            start,
                            end: start + g.len,
                        },
                    ]);
                } else {
                    let reach = start + g.len;
                    let tandem: Vec<Place> = (0..)
                        .map(|k| q.start + k * period)
                        .take_while(|&s| s + period <= reach)
                        .map(|s| Place {
                            doc,
                            start: s,
                            end: s + period,
                        })
                        .collect();
                    let covered = q.start + tandem.len() as u32 * period;
                    out.push(tandem);
                    if covered < reach {
                        // The run ends part-way into a period: its last
                        // `len` tokens (at least `min`, at most a period,
                        // so the copies do not overlap) are a copy of the
                        // `len` one period earlier.
                        let len = (reach - covered).max(min);
                        out.push(vec![
                            Place {
                                doc,
                                start: reach - len - period,
                                end: reach - period,
                            },
                            Place {
                                doc,
                                start: reach - len,
                                end: reach,
                            },
                        ]);
                    }
                }
                continue;
            }
            described = false;
            places.push(Place {
                doc,
                start,
                end: start + g.len,
            });
        }
        out.push(places);
    }
    out.retain(|p| p.len() >= 2);
    out.sort_unstable();
    out.dedup();
    out.into_iter()
        .map(|places| Found {
            matched: Match::Exact,
            similarity: 1.0,
            places,
            kind: Kind::Within,
        })
        .collect()
}

/// Drops exact groups none of whose places adds anything: every place lies
/// inside a place of a longer exact group. What remains are the
/// near-supermaximal repeats (Gusfield 1997): each has a place that no
/// longer repeat covers, and every repeated place is still inside some
/// reported group. Without this, a text found with small variants in many
/// documents (a licence, a reprinted article) is reported as dozens of
/// nested groups.
pub(crate) fn drop_covered(found: Vec<Found>) -> Vec<Found> {
    // Every exact place, by document, start ascending and end descending:
    // a place is covered when an earlier entry reaches at least as far.
    let mut index: Vec<(Place, u32, u32)> = Vec::new();
    for (g, f) in found.iter().enumerate() {
        if f.matched == Match::Exact {
            for (k, &p) in f.places.iter().enumerate() {
                index.push((p, g as u32, k as u32));
            }
        }
    }
    index.sort_unstable_by_key(|&(p, g, k)| (p.doc, p.start, Reverse(p.end), g, k));
    let mut uncovered = vec![false; found.len()];
    let mut reach: Option<(u32, u32)> = None; // (doc, farthest end so far)
    for &(p, g, _) in &index {
        let covered = reach.is_some_and(|(d, end)| d == p.doc && end >= p.end);
        if !covered {
            uncovered[g as usize] = true;
        }
        reach = match reach {
            Some((d, end)) if d == p.doc => Some((d, end.max(p.end))),
            _ => Some((p.doc, p.end)),
        };
    }
    found
        .into_iter()
        .enumerate()
        .filter(|(g, f)| f.matched != Match::Exact || uncovered[*g])
        .map(|(_, f)| f)
        .collect()
}

/// Shortest whole line, in tokens, reported as a line.
pub(crate) const MIN_LINE_WORDS: u32 = 3;

/// Whole short lines (of [`MIN_LINE_WORDS`] tokens or more): those found in
/// at least `min_docs` documents (every place), and those that one document
/// holds twice or more, like a headline printed twice (the places in such
/// documents). `lines` holds `(content fingerprint, place)` for every short
/// line that may repeat.
pub(crate) fn lines(mut lines: Vec<(u64, Place)>, min_docs: usize) -> Vec<Found> {
    lines.sort_unstable();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i + 1;
        while j < lines.len() && lines[j].0 == lines[i].0 {
            j += 1;
        }
        let mut f = Found {
            matched: Match::Line,
            similarity: 1.0,
            places: lines[i..j].iter().map(|l| l.1).collect(),
            kind: Kind::Boilerplate,
        };
        if f.documents() >= min_docs {
            out.push(f);
        } else {
            // Places are sorted by document: keep the documents with two.
            let places = std::mem::take(&mut f.places);
            f.places = places
                .chunk_by(|a, b| a.doc == b.doc)
                .filter(|one_doc| one_doc.len() >= 2)
                .flatten()
                .copied()
                .collect();
            if !f.places.is_empty() {
                f.kind = Kind::Within;
                out.push(f);
            }
        }
        i = j;
    }
    out
}

/// Drops findings that only repeat part of a larger one: an exact group or a
/// boilerplate line whose every place lies inside a different place of one
/// edited group, and a boilerplate line whose every place lies inside a
/// different place of one exact group.
pub(crate) fn drop_fragments(found: Vec<Found>) -> Vec<Found> {
    let covers = |outer: Match, inner: Match| {
        matches!(
            (outer, inner),
            (Match::Edited, Match::Exact)
                | (Match::Edited, Match::Line)
                | (Match::Exact, Match::Line)
        )
    };
    let mut dropped = vec![false; found.len()];
    // Edited groups first, so an exact group they cover cannot then cover a
    // line.
    for pass in [Match::Exact, Match::Line] {
        let index = OuterIndex::new(&found, |outer| covers(outer, pass));
        let covering = |p: &Place| index.containing(p);
        for (x, f) in found.iter().enumerate() {
            if f.matched != pass {
                continue;
            }
            let Some(first) = f.places.first() else {
                continue;
            };
            for y in covering(first) {
                let outer = &found[y as usize];
                if y as usize == x || dropped[y as usize] || !covers(outer.matched, f.matched) {
                    continue;
                }
                // Every place inside a distinct place of `outer`. The places
                // of a group do not overlap (but for the two copies of a
                // periodic run, where missing a containment only keeps a
                // fragment), so only the last one starting at or before a
                // place can contain it.
                let mut used = ahash::AHashSet::new();
                let inside = f.places.iter().all(|p| {
                    let k = outer
                        .places
                        .partition_point(|q| (q.doc, q.start) <= (p.doc, p.start));
                    k > 0 && outer.places[k - 1].contains(p) && used.insert(k - 1)
                });
                if inside {
                    dropped[x] = true;
                    break;
                }
            }
        }
    }
    found
        .into_iter()
        .zip(dropped)
        .filter(|(_, d)| !d)
        .map(|(f, _)| f)
        .collect()
}

/// The places of the groups that may cover a kind of finding, by document
/// and start, to find those containing a place.
struct OuterIndex {
    places: Vec<(Place, u32)>,
    /// The farthest end among `places[..=i]` of the same document: the
    /// backward scan for places containing `p` stops as soon as nothing
    /// earlier reaches `p.end`, so it does not read every place of a long
    /// document for each query.
    reach: Vec<u32>,
}

impl OuterIndex {
    fn new(found: &[Found], may_cover: impl Fn(Match) -> bool) -> OuterIndex {
        let mut places: Vec<(Place, u32)> = Vec::new();
        for (g, f) in found.iter().enumerate() {
            if may_cover(f.matched) {
                places.extend(f.places.iter().map(|&p| (p, g as u32)));
            }
        }
        places.sort_unstable();
        let mut reach = Vec::with_capacity(places.len());
        let mut at: Option<(u32, u32)> = None; // (doc, farthest end)
        for (p, _) in &places {
            let end = match at {
                Some((d, e)) if d == p.doc => e.max(p.end),
                _ => p.end,
            };
            at = Some((p.doc, end));
            reach.push(end);
        }
        OuterIndex { places, reach }
    }

    /// The groups with a place containing `p`, ascending.
    fn containing(&self, p: &Place) -> Vec<u32> {
        let hi = self
            .places
            .partition_point(|(q, _)| (q.doc, q.start) <= (p.doc, p.start));
        let mut gs = Vec::new();
        for i in (0..hi).rev() {
            let (q, g) = self.places[i];
            if q.doc != p.doc || self.reach[i] < p.end {
                break;
            }
            if q.contains(p) {
                gs.push(g);
            }
        }
        gs.sort_unstable();
        gs.dedup();
        gs
    }
}

/// The finishing step of every search, of a corpus or of one text: drops
/// the fragments of longer findings, labels each group (within, across, or
/// boilerplate from `boilerplate_docs` documents) and sorts them.
pub(crate) fn finish(found: Vec<Found>, boilerplate_docs: usize) -> Vec<Found> {
    let mut found = drop_fragments(found);
    classify_and_sort(&mut found, boilerplate_docs);
    found
}

/// Labels each group and sorts: within, across, boilerplate; most words
/// first; then by first place.
pub(crate) fn classify_and_sort(found: &mut [Found], boilerplate_docs: usize) {
    for f in found.iter_mut() {
        let docs = f.documents();
        f.kind = if docs >= boilerplate_docs {
            Kind::Boilerplate
        } else if docs >= 2 {
            Kind::Across
        } else {
            Kind::Within
        };
    }
    found.sort_by(|a, b| {
        let key = |f: &Found| {
            (
                f.kind,
                Reverse(f.places[0].words()),
                f.places[0],
                f.matched,
                f.places.len(),
            )
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.places.cmp(&b.places))
            .then_with(|| b.similarity.total_cmp(&a.similarity))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(doc: u32, start: u32, end: u32) -> Place {
        Place { doc, start, end }
    }

    #[test]
    fn periodic_places_are_thinned() {
        let f = exact(
            vec![
                ExactGroup {
                    len: 6,
                    places: vec![(0, 0), (0, 3), (0, 6), (1, 0)],
                },
                ExactGroup {
                    len: 6,
                    places: vec![(0, 0), (0, 1)],
                },
            ],
            2,
        );
        let places: Vec<Vec<Place>> = f.into_iter().map(|f| f.places).collect();
        assert_eq!(
            places,
            vec![
                vec![place(0, 0, 3), place(0, 3, 6), place(0, 6, 9)],
                // Period 1: the two overlapping copies.
                vec![place(0, 0, 6), place(0, 1, 7)],
                vec![place(0, 0, 6), place(0, 6, 12), place(1, 0, 6)],
            ]
        );
    }

    #[test]
    fn doubled_line_with_a_shared_next_word_is_split_at_its_period() {
        // H H x…: the repeat "H x" (11 tokens) at 0 and 10.
        let f = exact(
            vec![ExactGroup {
                len: 11,
                places: vec![(0, 0), (0, 10)],
            }],
            8,
        );
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].places, vec![place(0, 0, 10), place(0, 10, 20)]);
        // Token 20 repeats token 10 too: the run's last 8 tokens are a copy
        // of the 8 one period earlier, so every token of it is covered.
        assert_eq!(f[1].places, vec![place(0, 3, 11), place(0, 13, 21)]);
    }

    #[test]
    fn fragments_of_an_edited_group_are_dropped() {
        let edited = Found {
            matched: Match::Edited,
            similarity: 0.7,
            places: vec![place(0, 0, 40), place(1, 10, 52)],
            kind: Kind::Within,
        };
        let fragment = Found {
            matched: Match::Exact,
            similarity: 1.0,
            places: vec![place(0, 5, 15), place(1, 15, 25)],
            kind: Kind::Within,
        };
        let elsewhere = Found {
            places: vec![place(0, 5, 15), place(2, 0, 10)],
            ..fragment.clone()
        };
        let both_in_one = Found {
            places: vec![place(0, 1, 9), place(0, 20, 28)],
            ..fragment.clone()
        };
        let kept = drop_fragments(vec![
            edited.clone(),
            fragment,
            elsewhere.clone(),
            both_in_one.clone(),
        ]);
        assert_eq!(kept, vec![edited, elsewhere, both_in_one]);
    }

    #[test]
    fn kinds_by_document_count() {
        let mut f = vec![
            Found {
                matched: Match::Exact,
                similarity: 1.0,
                places: vec![place(0, 0, 8), place(1, 0, 8), place(2, 0, 8)],
                kind: Kind::Within,
            },
            Found {
                matched: Match::Exact,
                similarity: 1.0,
                places: vec![place(0, 10, 30), place(1, 10, 30)],
                kind: Kind::Within,
            },
            Found {
                matched: Match::Exact,
                similarity: 1.0,
                places: vec![place(3, 0, 9), place(3, 20, 29)],
                kind: Kind::Within,
            },
        ];
        classify_and_sort(&mut f, 3);
        let kinds: Vec<Kind> = f.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, vec![Kind::Within, Kind::Across, Kind::Boilerplate]);
    }
}
