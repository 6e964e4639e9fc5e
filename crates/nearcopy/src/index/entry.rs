//! One indexed document as stored: what a later run needs to find it
//! (signature, band keys, whole-sequence fingerprint), to verify a match
//! exactly (the text) and to name it (id, source), sealed by a checksum so
//! that `index verify` and every read notice damage.
//!
//! Layout, little-endian: a format byte; id and source (u32 length +
//! UTF-8); words (u64); content fingerprint (u64); signature (u32 count +
//! u32 values); band keys (u32 count + u64 values); text (u64 length +
//! UTF-8); then the XXH3-64 of everything before it.
//!
//! The text is stored as it is. Compressing it (zstd level 1 halves news
//! text) ran at about 140 MB/s a core on the machines measured, as much
//! CPU as signing the document; the bytes it saved take less time to
//! write than that, since the document log goes to disk sequentially
//! while later documents are signed (BENCHMARKS.md, "Persistent index").

use std::borrow::Cow;

use crate::error::Error;

/// The entry layout written by this version.
const LAYOUT: u8 = 2;

/// One indexed document. Signature, keys and text may be borrowed (from
/// a scan's sketches and the record read), so a kept record of `dedup
/// --index` is copied only into its stored bytes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry<'a> {
    pub id: String,
    pub source: String,
    pub words: u64,
    /// Fingerprint of the whole token sequence (exact copies share it).
    pub content: u64,
    /// Empty for a document too short to sign.
    pub sig: Cow<'a, [u32]>,
    pub keys: Cow<'a, [u64]>,
    pub text: Cow<'a, str>,
}

/// The parts of an entry that lookups need, without its text.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub id: String,
    pub source: String,
    pub content: u64,
    pub sig: Vec<u32>,
    pub keys: Vec<u64>,
    /// Where the text lies in the stored bytes.
    text_at: std::ops::Range<usize>,
}

impl Entry<'_> {
    /// The stored bytes.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let text = self.text.as_bytes();
        let mut out = Vec::with_capacity(
            64 + self.id.len()
                + self.source.len()
                + self.sig.len() * 4
                + self.keys.len() * 8
                + text.len(),
        );
        out.push(LAYOUT);
        for s in [&self.id, &self.source] {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        out.extend_from_slice(&self.words.to_le_bytes());
        out.extend_from_slice(&self.content.to_le_bytes());
        out.extend_from_slice(&(self.sig.len() as u32).to_le_bytes());
        for v in self.sig.iter() {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(self.keys.len() as u32).to_le_bytes());
        for k in self.keys.iter() {
            out.extend_from_slice(&k.to_le_bytes());
        }
        out.extend_from_slice(&(text.len() as u64).to_le_bytes());
        out.extend_from_slice(text);
        let sum = xxhash_rust::xxh3::xxh3_64(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }
}

/// Why stored bytes are not an entry.
fn damaged(why: &str) -> String {
    format!("stored entry is damaged ({why})")
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| damaged("truncated"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self) -> std::result::Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> std::result::Result<u64, String> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
    fn str(&mut self) -> std::result::Result<String, String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| damaged("not UTF-8"))
    }
}

/// Checks the checksum of stored bytes; the description of the damage if
/// it does not hold.
pub(crate) fn check(bytes: &[u8]) -> std::result::Result<(), String> {
    if bytes.len() < 9 {
        return Err(damaged("truncated"));
    }
    let (body, sum) = bytes.split_at(bytes.len() - 8);
    let mut a = [0u8; 8];
    a.copy_from_slice(sum);
    if xxhash_rust::xxh3::xxh3_64(body) != u64::from_le_bytes(a) {
        return Err(damaged("checksum mismatch"));
    }
    if body[0] != LAYOUT {
        return Err(format!(
            "stored entry has layout {}, this nearcopy reads layout {LAYOUT}",
            body[0]
        ));
    }
    Ok(())
}

impl Head {
    /// The head of stored bytes, checksum checked.
    pub(crate) fn decode(bytes: &[u8]) -> std::result::Result<Head, String> {
        check(bytes)?;
        let mut c = Cursor {
            bytes: &bytes[..bytes.len() - 8],
            at: 1,
        };
        let id = c.str()?;
        let source = c.str()?;
        let _words = c.u64()?;
        let content = c.u64()?;
        let n = c.u32()? as usize;
        let raw = c.take(n.checked_mul(4).ok_or_else(|| damaged("bad length"))?)?;
        let sig = raw
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let n = c.u32()? as usize;
        let mut keys = Vec::with_capacity(n.min(1 << 16));
        for _ in 0..n {
            keys.push(c.u64()?);
        }
        let n = usize::try_from(c.u64()?).map_err(|_| damaged("bad length"))?;
        let start = c.at;
        c.take(n)?;
        if c.at != c.bytes.len() {
            return Err(damaged("trailing bytes"));
        }
        Ok(Head {
            id,
            source,
            content,
            sig,
            keys,
            text_at: start..start + n,
        })
    }

    /// The stored text of the entry whose bytes gave this head.
    pub(crate) fn text(&self, bytes: &[u8]) -> std::result::Result<String, String> {
        let text = bytes
            .get(self.text_at.clone())
            .ok_or_else(|| damaged("truncated"))?;
        String::from_utf8(text.to_vec()).map_err(|_| damaged("text is not UTF-8"))
    }
}

/// An [`Error::Index`] for document `n` of the index at `path`.
pub(crate) fn entry_error(path: &std::path::Path, n: u64, why: String) -> Error {
    Error::Index {
        path: path.to_path_buf(),
        reason: format!(
            "document {n}: {why}; the index is damaged (`nearcopy index verify` lists every \
             damaged entry; rebuild it from the kept outputs with `nearcopy index add`)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry<'static> {
        Entry {
            id: "a-1".into(),
            source: "site.example".into(),
            words: 7,
            content: 0xDEAD_BEEF,
            sig: vec![1, 2, 3, u32::MAX].into(),
            keys: vec![9, 8].into(),
            text: "Ünïcode text, repeated text, repeated text.".into(),
        }
    }

    #[test]
    fn round_trip() {
        let e = entry();
        let bytes = e.encode();
        let head = Head::decode(&bytes).unwrap();
        assert_eq!(
            (head.id.as_str(), head.source.as_str(), head.content),
            ("a-1", "site.example", 0xDEAD_BEEF)
        );
        assert_eq!(head.sig, *e.sig);
        assert_eq!(head.keys, *e.keys);
        assert_eq!(head.text(&bytes).unwrap(), e.text);
    }

    #[test]
    fn every_flipped_byte_is_noticed() {
        let bytes = entry().encode();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x40;
            assert!(Head::decode(&b).is_err(), "flip at {i} went unnoticed");
        }
        assert!(Head::decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(Head::decode(&[]).is_err());
    }
}
