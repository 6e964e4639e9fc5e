//! A 64-bit fingerprint and a 32-bit number in 12 bytes.

/// A fingerprint tagged with a number (a paragraph, a slot), in 12 bytes
/// where a `(u64, u32)` takes 16: the passage search sorts tens of millions
/// of them (band keys with their paragraph, `m`-gram fingerprints with their
/// slot), and the four bytes of padding were a quarter of its memory there.
/// Ordered by fingerprint, then number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Tagged {
    high: u32,
    low: u32,
    tag: u32,
}

impl Tagged {
    pub fn new(key: u64, tag: u32) -> Tagged {
        Tagged {
            high: (key >> 32) as u32,
            low: key as u32,
            tag,
        }
    }

    pub fn key(&self) -> u64 {
        (self.high as u64) << 32 | self.low as u64
    }

    pub fn tag(&self) -> u32 {
        self.tag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_key_then_tag_in_twelve_bytes() {
        assert_eq!(std::mem::size_of::<Tagged>(), 12);
        let keys = [0u64, 1, u32::MAX as u64, 1 << 32, u64::MAX - 1, u64::MAX];
        for (i, &a) in keys.iter().enumerate() {
            let t = Tagged::new(a, 7);
            assert_eq!((t.key(), t.tag()), (a, 7));
            for &b in &keys[i + 1..] {
                assert!(Tagged::new(a, 9) < Tagged::new(b, 0));
            }
        }
        assert!(Tagged::new(5, 1) < Tagged::new(5, 2));
    }
}
