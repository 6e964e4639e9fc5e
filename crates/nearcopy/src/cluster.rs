//! Union-find over verified pairs, giving near-duplicate groups.

/// Groups with more members than this are *large*: listing every pair of
/// them, or searching them member by member for passages, would grow with
/// the square of the group, so they are described through links to, or the
/// text of, their first member instead (see
/// [`crate::scan::CLUSTER_PAIRS_LIMIT`] and
/// [`crate::passages::Families`]).
pub const LARGE_GROUP: usize = 200;

/// Disjoint sets over `0..n` with path halving and union by size.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// `n` singleton sets.
    pub fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    /// The representative of `x`'s set.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    /// Merges the sets of `a` and `b`.
    pub fn union(&mut self, a: u32, b: u32) {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
    }

    /// The sets with at least two members, each sorted ascending, ordered by
    /// their smallest member: a canonical form independent of union order.
    pub fn groups(&mut self) -> Vec<Vec<u32>> {
        let n = self.parent.len();
        let mut by_root: ahash::AHashMap<u32, Vec<u32>> = ahash::AHashMap::new();
        for x in 0..n as u32 {
            let r = self.find(x);
            if self.size[r as usize] > 1 {
                by_root.entry(r).or_default().push(x);
            }
        }
        let mut groups: Vec<Vec<u32>> = by_root.into_values().collect();
        groups.sort_unstable_by_key(|g| g[0]);
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_canonical() {
        let mut uf = UnionFind::new(6);
        uf.union(4, 1);
        uf.union(5, 3);
        uf.union(1, 3);
        assert_eq!(uf.groups(), vec![vec![1, 3, 4, 5]]);
        let mut uf = UnionFind::new(4);
        uf.union(2, 3);
        uf.union(0, 1);
        assert_eq!(uf.groups(), vec![vec![0, 1], vec![2, 3]]);
    }
}
