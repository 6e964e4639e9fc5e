//! Near-duplicate families: documents that `scan` already reports as one
//! group of near-duplicates.
//!
//! Text shared by two near-duplicates is the reason they are near-duplicates:
//! listing every run they share would repeat, in thousands of passage
//! groups, what the one document-level group already says, and on a corpus
//! holding one text in tens of thousands of copies it is what makes the
//! passage search explode (every stretch between the copies' differences is
//! a repeat with a place in most of them). So a passage search told the
//! families leaves out, as early as it can, every `m`-gram whose places all
//! lie in different documents of one family: such positions never reach the
//! suffix array. What stays is what a family shares with the rest of the
//! corpus (its places in every member are reported together) and what a
//! document repeats inside itself.
//!
//! A family larger than [`LARGE`] takes part through its first member only:
//! a text shared by tens of thousands of near-copies and one document
//! outside them would otherwise be a group with a place in every copy for
//! each stretch between the copies' differences, quadratic in effect. The
//! family's document-level group lists the other members.

use super::assemble::Place;

/// Families with more members than this take part through their first
/// member only (the limit above which a cluster lists one link per member).
pub const LARGE: usize = crate::cluster::LARGE_GROUP;

/// Marks a document in no family (its own family).
const ALONE: u32 = u32::MAX;

/// The family of every document: the number of its family's first member.
#[derive(Debug, Clone, Default)]
pub struct Families {
    of: Vec<u32>,
    /// Members of a family larger than [`LARGE`], other than its first.
    left_out: Vec<bool>,
}

impl Families {
    /// No families: every document is its own.
    pub fn none() -> Families {
        Families::default()
    }

    /// Families of `documents` documents from groups of document numbers
    /// (each group ascending; a document in no group is its own family).
    pub fn new<'a>(documents: usize, groups: impl IntoIterator<Item = &'a [u32]>) -> Families {
        let mut of = vec![ALONE; documents];
        let mut left_out = Vec::new();
        for g in groups {
            let Some(&first) = g.iter().min() else {
                continue;
            };
            if g.len() < 2 {
                continue;
            }
            for &d in g {
                if let Some(slot) = of.get_mut(d as usize) {
                    *slot = first;
                }
            }
            if g.len() > LARGE {
                left_out.resize(documents, false);
                for &d in g.iter().filter(|&&d| d != first) {
                    if let Some(slot) = left_out.get_mut(d as usize) {
                        *slot = true;
                    }
                }
            }
        }
        Families { of, left_out }
    }

    /// Documents that take part through their family's first member.
    pub fn left_out_count(&self) -> u64 {
        self.left_out.iter().filter(|&&x| x).count() as u64
    }

    /// Whether any document shares its family.
    pub fn is_empty(&self) -> bool {
        self.of.iter().all(|&f| f == ALONE)
    }

    /// The family of `doc`.
    pub fn family(&self, doc: u32) -> u32 {
        match self.of.get(doc as usize) {
            Some(&f) if f != ALONE => f,
            _ => doc,
        }
    }

    /// Whether `doc` is a member of a family larger than
    /// [`crate::cluster::LARGE_GROUP`] other
    /// than its first, and so takes no part in the search.
    pub fn left_out(&self, doc: u32) -> bool {
        self.left_out.get(doc as usize).is_some_and(|&x| x)
    }

    /// The last member of every family that has a member other than its
    /// first taking part, by first member.
    pub(super) fn last_members(&self) -> ahash::AHashMap<u32, u32> {
        let mut last = ahash::AHashMap::new();
        for (d, &f) in self.of.iter().enumerate() {
            let d = d as u32;
            if f != ALONE && f != d && !self.left_out(d) {
                last.insert(f, d);
            }
        }
        last
    }

    /// Whether `doc` shares its family with another document.
    pub fn grouped(&self, doc: u32) -> bool {
        self.of.get(doc as usize).is_some_and(|&f| f != ALONE)
    }

    /// Whether `docs` (the documents of the places of one repeat, in any
    /// order) only say what the family already says: two or more
    /// documents, all of one family, none holding two places.
    pub fn only_related(&self, docs: impl IntoIterator<Item = u32>) -> bool {
        let mut docs: Vec<u32> = docs.into_iter().collect();
        docs.sort_unstable();
        self.only_related_sorted(&docs)
    }

    /// [`Families::only_related`] of documents already in ascending order
    /// (the search's hot path sorts into a buffer of its own).
    pub fn only_related_sorted(&self, docs: &[u32]) -> bool {
        let mut docs = docs.iter().copied();
        let Some(first) = docs.next() else {
            return false;
        };
        if !self.grouped(first) {
            return false;
        }
        let family = self.family(first);
        let mut last = first;
        let mut n = 1;
        for d in docs {
            if d == last || self.family(d) != family {
                return false;
            }
            last = d;
            n += 1;
        }
        n >= 2
    }

    /// [`Families::only_related`] for places sorted by document.
    pub(crate) fn only_related_places(&self, places: &[Place]) -> bool {
        self.only_related(places.iter().map(|p| p.doc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_what_only_they_share() {
        // Documents 1, 3, 4 are one family; 0, 2, 5 are alone.
        let f = Families::new(6, [&[1u32, 3, 4][..], &[5][..]]);
        assert_eq!(
            (0..6).map(|d| f.family(d)).collect::<Vec<_>>(),
            [0, 1, 2, 1, 1, 5]
        );
        assert!(!f.is_empty() && Families::none().is_empty());
        assert!(f.only_related([1, 3]));
        assert!(f.only_related([1, 3, 4]));
        // A document holding two places repeats the text inside itself,
        // in whatever order the places come.
        assert!(!f.only_related([1, 1, 3]));
        assert!(!f.only_related([1, 3, 1]));
        assert!(f.only_related([4, 1]));
        // Another family, or a document alone, is news.
        assert!(!f.only_related([1, 2]));
        assert!(!f.only_related([0, 0]));
        assert!(!f.only_related([3]));
        // Out of range is alone.
        assert!(!Families::none().only_related([7, 8]));
        assert!((0..6).all(|d| !f.left_out(d)));
    }

    #[test]
    fn a_large_family_takes_part_through_its_first_member() {
        let big: Vec<u32> = (10..10 + LARGE as u32 + 1).collect();
        let f = Families::new(1000, [&[1u32, 2][..], &big[..]]);
        assert!(!f.left_out(10) && f.left_out(11) && f.left_out(big[LARGE]));
        assert!(!f.left_out(1) && !f.left_out(2) && !f.left_out(0));
    }
}
