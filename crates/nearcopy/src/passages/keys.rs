//! The band keys the second read keeps, on their way to candidate pairs,
//! in bounded memory.
//!
//! Each key is tagged with its paragraph ([`Tagged`], 12 bytes), and a
//! corpus keeps tens of millions of them (23 million, 260 MiB, for 1 GB of
//! news-like text): held in memory until the end of the read, they were a
//! quarter of the passage search's peak, beside the repeat filter and the
//! runs that the read is still filling. So keys are spread over
//! [`PARTS`] parts by their top bits (a pair shares a key, so it is found
//! within one part), and once more than [`HELD`] are in memory, every part
//! is appended to one temporary file (registered, so a signal removes it;
//! swept by the next run after a `kill -9`). Pairing then takes one part
//! at a time: its blocks read back, sorted and paired. The pairs do not
//! depend on where the keys were: every part's pairs are sorted together
//! at the end.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use rayon::prelude::*;

use super::edited;
use super::exact::sort;
use super::tagged::Tagged;
use crate::error::{Error, Result};
use crate::tempfiles::TempFile;

/// Parts the keys are spread over, by their top bits.
const PARTS: usize = 64;

/// Keys held in memory before all of them go to the temporary file: 48 MiB.
/// Unit tests spill after a few keys, so the file is used on small texts.
#[cfg(not(test))]
const HELD: usize = 1 << 22;
#[cfg(test)]
const HELD: usize = 5;

/// Bytes of a key on disk: the fingerprint, then the tag, little-endian.
const ENTRY: usize = 12;

/// Band keys tagged with their paragraph (see the module documentation).
#[derive(Default)]
pub(super) struct BandKeys {
    /// The keys of each part still in memory.
    held: Vec<Vec<Tagged>>,
    /// Keys in memory in all.
    in_memory: usize,
    /// Keys in all.
    len: usize,
    spill: Option<Spill>,
}

/// The temporary file, and where each part's blocks are in it.
struct Spill {
    file: TempFile,
    /// Bytes written.
    end: u64,
    /// For each part, its blocks: offset and number of keys.
    blocks: Vec<Vec<(u64, usize)>>,
}

impl BandKeys {
    /// Adds `key` of paragraph `para`.
    pub fn push(&mut self, key: u64, para: u32) -> Result<()> {
        if self.held.is_empty() {
            self.held = vec![Vec::new(); PARTS];
        }
        self.held[part(key)].push(Tagged::new(key, para));
        self.in_memory += 1;
        self.len += 1;
        if self.in_memory > HELD {
            self.write_out()?;
        }
        Ok(())
    }

    /// Keys in all.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.len
    }

    /// Whether some keys went to the temporary file.
    #[cfg(test)]
    fn spilled(&self) -> bool {
        self.spill.is_some()
    }

    /// Appends every part held in memory to the temporary file, and frees it.
    fn write_out(&mut self) -> Result<()> {
        if self.spill.is_none() {
            let dir = std::env::temp_dir();
            crate::tempfiles::sweep_stale(&dir);
            let file = TempFile::new_in(&dir, None).map_err(|e| spill_error(&dir, e))?;
            self.spill = Some(Spill {
                file,
                end: 0,
                blocks: vec![Vec::new(); PARTS],
            });
        }
        let Some(spill) = self.spill.as_mut() else {
            return Ok(());
        };
        let path = spill.file.path().to_path_buf();
        let mut bytes = Vec::new();
        for (p, keys) in self.held.iter_mut().enumerate() {
            if keys.is_empty() {
                continue;
            }
            bytes.clear();
            for k in keys.iter() {
                bytes.extend_from_slice(&k.key().to_le_bytes());
                bytes.extend_from_slice(&k.tag().to_le_bytes());
            }
            spill
                .file
                .as_file_mut()
                .write_all(&bytes)
                .map_err(|e| spill_error(&path, e))?;
            spill.blocks[p].push((spill.end, keys.len()));
            spill.end += bytes.len() as u64;
            *keys = Vec::new();
        }
        self.in_memory = 0;
        Ok(())
    }

    /// Candidate pairs `(a, b)`, `a < b`, sorted, among the representative
    /// paragraphs (`rep[i] == i`): two paragraphs are candidates when they
    /// share a key ([`edited::candidates`]). Parts are paired on the pool's
    /// threads, each part read back and freed in turn.
    pub fn pairs(mut self, rep: &[u32]) -> Result<Vec<(u32, u32)>> {
        let held = std::mem::take(&mut self.held);
        let spill = self.spill.take();
        let (file, blocks) = match &spill {
            Some(s) => (Some(Mutex::new(s.file.as_file())), s.blocks.as_slice()),
            None => (None, &[][..]),
        };
        let path = spill.as_ref().map(|s| s.file.path().to_path_buf());
        let parts: Vec<Vec<(u32, u32)>> = held
            .into_par_iter()
            .enumerate()
            .map(|(p, mut keys)| {
                if let (Some(file), Some(blocks)) = (&file, blocks.get(p)) {
                    let on_disk = read_blocks(file, blocks).map_err(|e| {
                        spill_error(path.as_deref().unwrap_or(std::path::Path::new("")), e)
                    })?;
                    keys.extend(on_disk);
                }
                Ok(edited::candidates(rep, keys))
            })
            .collect::<Result<_>>()?;
        // A pair sharing keys of two parts is found in both.
        let mut pairs = parts.concat();
        sort(&mut pairs);
        pairs.dedup();
        Ok(pairs)
    }
}

/// The part of a key: its top bits.
fn part(key: u64) -> usize {
    (key >> (64 - PARTS.trailing_zeros())) as usize
}

/// Reads back the keys of `blocks` (offset, number of keys).
fn read_blocks(
    file: &Mutex<&std::fs::File>,
    blocks: &[(u64, usize)],
) -> std::io::Result<Vec<Tagged>> {
    let total = blocks.iter().map(|b| b.1).sum();
    let mut keys = Vec::with_capacity(total);
    let mut bytes = Vec::new();
    for &(offset, n) in blocks {
        bytes.resize(n * ENTRY, 0);
        {
            let mut f = file.lock().unwrap_or_else(|e| e.into_inner());
            f.seek(SeekFrom::Start(offset))?;
            f.read_exact(&mut bytes)?;
        }
        keys.extend(bytes.chunks_exact(ENTRY).map(|e| {
            let mut key = [0u8; 8];
            let mut tag = [0u8; 4];
            key.copy_from_slice(&e[..8]);
            tag.copy_from_slice(&e[8..]);
            Tagged::new(u64::from_le_bytes(key), u32::from_le_bytes(tag))
        }));
    }
    Ok(keys)
}

fn spill_error(path: &std::path::Path, e: std::io::Error) -> Error {
    let what: PathBuf = path.to_path_buf();
    Error::io(
        what,
        std::io::Error::new(
            e.kind(),
            format!(
                "cannot keep the passage search's band keys in a temporary file \
                 (set TMPDIR to a directory with room): {e}"
            ),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pairs from keys in memory and from keys spilled give the same
    /// pairs as pairing all keys at once.
    #[test]
    fn pairs_do_not_depend_on_where_the_keys_were() {
        // Paragraph `i` has keys shared with `i + 3` and `i * 2` (mod 40),
        // spread over every part by the top bits.
        let mut entries = Vec::new();
        for i in 0..40u32 {
            for k in [i % 7, (i + 3) % 11 + 100, u32::MAX - i % 5] {
                let key = (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                entries.push((key, i));
            }
        }
        let rep: Vec<u32> = (0..40)
            .map(|i| if i % 13 == 12 { i - 1 } else { i })
            .collect();
        let all: Vec<Tagged> = entries.iter().map(|&(k, p)| Tagged::new(k, p)).collect();
        let want = edited::candidates(&rep, all);
        assert!(want.len() > 40);
        let mut keys = BandKeys::default();
        for &(k, p) in &entries {
            keys.push(k, p).unwrap();
        }
        assert!(keys.spilled());
        assert_eq!(keys.len(), entries.len());
        assert_eq!(keys.pairs(&rep).unwrap(), want);
    }

    #[test]
    fn no_keys_no_pairs() {
        assert!(BandKeys::default().pairs(&[]).unwrap().is_empty());
    }
}
