//! The `m`-grams of each near-duplicate family's first member, held while
//! other members of the family are still to be read, so that text the
//! family shares is counted once for the whole family.
//!
//! An `m`-gram whose places all lie in different documents of one family
//! says nothing the family's document-level group does not
//! ([`Families`]); the suffix array leaves such positions out. Counted
//! once per family instead of once per member, most of them never pass the
//! repeat filter at all: the second read does not keep them and the suffix
//! array never sorts them. On a corpus with many near-duplicates they are
//! a third of the positions the filter would call repeated.
//!
//! The rule, for a member other than the first whose first member's set is
//! held: each distinct `m`-gram it shares with the first is counted one
//! time fewer than it occurs in the member. So a count of one means one
//! family and no document holding it twice, which is exactly what the
//! suffix array would have left out; a gram shared with any document
//! outside the family, or doubled inside one, still counts two or more and
//! is found as before. The report does not change, only what it costs.
//!
//! Sets are held within a budget decided in input order from the
//! documents' sizes alone (a family whose first member is too large, or
//! that would pass the budget, is counted member by member as before), so
//! the filter's state, and every figure of the report, are the same at any
//! thread count and batch size.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use ahash::AHashMap;
use rayon::prelude::*;

use super::analysis::Analysis;
use super::families::Families;
use crate::document::Document;
use crate::error::Result;

/// First members with more `m`-gram positions than this keep no set.
const MAX_SET: usize = 1 << 20;

/// What a document is in the search.
#[derive(Clone, Copy)]
pub(super) enum Role<'s> {
    /// Counted alone.
    Alone,
    /// The first member of a family whose set is wanted.
    First,
    /// A later member of a family whose first member's `m`-grams, sorted
    /// and distinct, are `set` (a subset of them in the second read).
    Member { first: u32, set: &'s [u64] },
    /// A member of a family of more than [`super::families::LARGE`] other
    /// than its first: takes no part.
    LeftOut,
}

/// A first member's set and which of its entries later members shared.
struct Held {
    set: Vec<u64>,
    /// Which entries a member shared (second read only; empty until one
    /// does).
    shared: Vec<bool>,
}

/// The sets held during one read.
pub(super) struct Firsts<'f> {
    families: &'f Families,
    /// The last member of every family that has one other than its first
    /// and takes part, by first member.
    last: AHashMap<u32, u32>,
    held: AHashMap<u32, Held>,
    /// Positions of the admitted first members whose families are still
    /// open, with their last member, for the budget.
    open: BinaryHeap<Reverse<(u32, usize)>>,
    open_positions: usize,
    budget_positions: usize,
}

impl<'f> Firsts<'f> {
    /// Sets for `families` of at most `budget` bytes in all.
    pub fn new(families: &'f Families, budget: usize) -> Firsts<'f> {
        Firsts {
            families,
            last: families.last_members(),
            held: AHashMap::new(),
            open: BinaryHeap::new(),
            open_positions: 0,
            budget_positions: budget / 8,
        }
    }

    /// The role of document `doc`. `None`: a member whose first member is
    /// `waiting_from` or later (in the batch being read), to be taken once
    /// the batch's first members have offered their sets.
    pub fn role(&self, doc: u32, waiting_from: u32) -> Option<Role<'_>> {
        if self.families.left_out(doc) {
            return Some(Role::LeftOut);
        }
        let first = self.families.family(doc);
        if first == doc {
            let wanted = self.last.contains_key(&doc);
            return Some(if wanted { Role::First } else { Role::Alone });
        }
        if first >= waiting_from && self.last.contains_key(&first) {
            return None;
        }
        Some(match self.held.get(&first) {
            Some(h) => Role::Member { first, set: &h.set },
            None => Role::Alone,
        })
    }

    /// Offers the set of first member `doc`, which has `positions`
    /// `m`-gram positions; first members are offered in input order. The
    /// decision depends on the sizes in input order only.
    pub fn offer(&mut self, doc: u32, positions: usize, set: Vec<u64>) {
        let Some(&last) = self.last.get(&doc) else {
            return;
        };
        while let Some(&Reverse((l, p))) = self.open.peek() {
            if l >= doc {
                break;
            }
            self.open.pop();
            self.open_positions -= p;
        }
        if positions > MAX_SET || self.open_positions + positions > self.budget_positions {
            return;
        }
        self.open.push(Reverse((last, positions)));
        self.open_positions += positions;
        let shared = Vec::new();
        self.held.insert(doc, Held { set, shared });
    }

    /// Records that a member shared entries `at` of `first`'s set.
    pub fn mark(&mut self, first: u32, at: &[u32]) {
        if let Some(h) = self.held.get_mut(&first) {
            // Only the second read marks: the first never pays for it.
            if h.shared.is_empty() && !at.is_empty() {
                h.shared = vec![false; h.set.len()];
            }
            for &i in at {
                if let Some(s) = h.shared.get_mut(i as usize) {
                    *s = true;
                }
            }
        }
    }

    /// Drops the sets of families whose last member is before `doc`, and
    /// returns how many of their entries a member shared.
    pub fn close_before(&mut self, doc: u32) -> u64 {
        let last = &self.last;
        let mut shared = 0;
        self.held.retain(|first, h| {
            let open = last.get(first).is_some_and(|&l| l >= doc);
            if !open {
                shared += h.shared.iter().filter(|&&s| s).count() as u64;
            }
            open
        });
        shared
    }
}

/// What a read keeps of a first member for [`in_two_steps`]: its
/// `m`-gram positions and the set it offers.
pub(super) struct Offer {
    pub positions: usize,
    pub set: Vec<u64>,
}

impl Offer {
    /// Whether a document of `role` with `positions` positions offers a
    /// set: a first member small enough to be held.
    pub fn wanted(role: Role, positions: usize) -> bool {
        matches!(role, Role::First) && positions <= MAX_SET
    }

    /// The offer of `grams` (any order, repeats allowed).
    pub fn new(positions: usize, mut grams: Vec<u64>) -> Offer {
        grams.sort_unstable();
        grams.dedup();
        Offer {
            positions,
            set: grams,
        }
    }
}

/// Runs `work` on the documents of `batch`, which starts at document
/// `start`, on the pool: first every document whose role is known, then,
/// once the first members among them have offered their sets, the members
/// of their families in the same batch. Results in input order.
pub(super) fn in_two_steps<T, W>(
    firsts: &mut Firsts,
    start: u32,
    batch: &[Document],
    work: W,
) -> Result<Vec<T>>
where
    T: Send,
    W: Fn(&mut Analysis, &Document, Role) -> Result<(T, Option<Offer>)> + Sync,
{
    let step = |firsts: &Firsts, waiting_from: u32, pick: &(dyn Fn(usize) -> bool + Sync)| {
        batch
            .par_iter()
            .enumerate()
            .map_init(Analysis::default, |a, (i, doc)| {
                if !pick(i) {
                    return Ok(None);
                }
                match firsts.role(start + i as u32, waiting_from) {
                    Some(role) => work(a, doc, role).map(Some),
                    None => Ok(None),
                }
            })
            .collect::<Result<Vec<_>>>()
    };
    let mut done = step(firsts, start, &|_| true)?;
    for (i, d) in done.iter_mut().enumerate() {
        if let Some((_, offer)) = d {
            if let Some(o) = offer.take() {
                firsts.offer(start + i as u32, o.positions, o.set);
            }
        }
    }
    let waiting: Vec<bool> = done.iter().map(Option::is_none).collect();
    if waiting.iter().any(|&w| w) {
        // Every first member of the batch has offered: nothing waits now.
        let rest = step(firsts, u32::MAX, &|i| waiting[i])?;
        for (d, r) in done.iter_mut().zip(rest) {
            if d.is_none() {
                *d = r;
            }
        }
    }
    Ok(done
        .into_iter()
        .map(|d| match d {
            Some((t, _)) => t,
            None => unreachable!("a document has a role once nothing waits"),
        })
        .collect())
}

/// The index of `g` in `set` (sorted), if it is there.
pub(super) fn lookup(set: &[u64], g: u64) -> Option<u32> {
    set.binary_search(&g).ok().map(|i| i as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_held_within_the_budget_in_input_order() {
        // Families {0, 5}, {1, 2}, {6, 9}; documents 3, 4, 7, 8 alone.
        let f = Families::new(10, [&[0u32, 5][..], &[1, 2][..], &[6, 9][..]]);
        let mut firsts = Firsts::new(&f, 8 * 100);
        assert!(matches!(firsts.role(4, 0), Some(Role::Alone)));
        assert!(matches!(firsts.role(0, 0), Some(Role::First)));
        // A member in the batch of its first waits for it.
        assert!(firsts.role(2, 0).is_none());
        firsts.offer(0, 60, vec![1, 2, 3]);
        // Over the budget while family 0 is open: not held.
        firsts.offer(1, 60, vec![4]);
        assert!(matches!(firsts.role(2, 2), Some(Role::Alone)));
        match firsts.role(5, 4) {
            Some(Role::Member { first: 0, set }) => assert_eq!(set, [1, 2, 3]),
            _ => panic!("member 5 should see its first member's set"),
        }
        firsts.mark(0, &[0, 2]);
        assert_eq!(firsts.close_before(5), 0);
        assert_eq!(firsts.close_before(6), 2);
        // Family 0 ended at 5: document 6's set fits the budget again.
        assert!(matches!(firsts.role(6, 6), Some(Role::First)));
        firsts.offer(6, 60, vec![7]);
        assert!(matches!(
            firsts.role(9, 8),
            Some(Role::Member { first: 6, .. })
        ));
        assert!(!Offer::wanted(Role::First, MAX_SET + 1));
        assert!(!Offer::wanted(Role::Alone, 10) && Offer::wanted(Role::First, 10));
        assert_eq!(Offer::new(3, vec![5, 1, 5]).set, [1, 5]);
        assert_eq!(lookup(&[1, 4, 9], 4), Some(1));
        assert_eq!(lookup(&[1, 4, 9], 5), None);
    }
}
