//! Directory walking in a defined order.

use std::path::Path;

use super::{FileKind, Format, InputFile};
use crate::error::{Error, Result};

/// How a file is read: as Parquet when its name ends in `.parquet` or
/// `.pq`, as JSON Lines when [`is_jsonl`] says so, else as one text; or as
/// `format` says.
pub(crate) fn kind(path: &Path, format: Format) -> FileKind {
    match format {
        Format::Parquet => FileKind::Parquet,
        Format::Auto if is_parquet_name(path) => FileKind::Parquet,
        _ if is_jsonl(path, format) => FileKind::Jsonl,
        _ => FileKind::Text,
    }
}

/// Whether `path` is named as a Parquet file (`.parquet`, `.pq`).
pub(crate) fn is_parquet_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".parquet") || name.ends_with(".pq")
}

/// The magic bytes that open (and close) a Parquet file.
pub(crate) const PARQUET_MAGIC: &[u8] = b"PAR1";

/// Whether a file is read as JSON Lines: by its name (`.jsonl`, `.ndjson`;
/// `.json` when its first line is a whole JSON object), or as `format` says.
pub(crate) fn is_jsonl(path: &Path, format: Format) -> bool {
    match format {
        Format::Jsonl => true,
        Format::Text | Format::Parquet => false,
        Format::Auto => match extension(path).as_str() {
            "jsonl" | "ndjson" => true,
            "json" => first_line_is_object(path),
            _ => false,
        },
    }
}

/// The lowercase extension of `path` before a `.gz`/`.zst` one.
pub(crate) fn extension(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    name.rsplit_once('.')
        .map(|(_, ext)| ext.to_string())
        .unwrap_or_default()
}

/// Whether the first non-blank line of `path` is one whole JSON object: a
/// `.json` file written one record per line (a common name for JSON Lines)
/// rather than one document spread over many lines. Unreadable files say
/// no, and are then read, and reported, as text.
fn first_line_is_object(path: &Path) -> bool {
    use std::io::{BufRead, Read};
    let Ok(reader) = super::open_decoded(path) else {
        return false;
    };
    // A first record of up to 16 MiB is recognised; beyond that the file is
    // read as text, as any `.json` file was.
    let mut reader = reader.take(16 << 20);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
        let line = line.strip_prefix(super::BOM).unwrap_or(&line);
        let Some(start) = line.iter().position(|b| !b.is_ascii_whitespace()) else {
            continue;
        };
        return line[start] == b'{'
            && serde_json::from_slice::<serde::de::IgnoredAny>(&line[start..]).is_ok();
    }
}

/// Appends the regular files under `root` (recursively, sorted by name,
/// hidden entries skipped) to `out`; returns how many hidden entries were
/// skipped. Directory symlinks are not followed, so a loop cannot form.
pub(crate) fn directory(root: &Path, format: Format, out: &mut Vec<InputFile>) -> Result<u64> {
    let root_name = root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| root.display().to_string());
    let mut hidden = 0;
    let mut stack = vec![(root.to_path_buf(), String::new())];
    // Depth-first in name order: entries are pushed in reverse.
    while let Some((dir, rel)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| Error::io(&dir, e))?
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(|e| Error::io(&dir, e))?;
        entries.sort_by_key(|e| e.file_name());
        let mut subdirs = Vec::new();
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                hidden += 1;
                continue;
            }
            let path = entry.path();
            let rel_name = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
            if kind.is_dir() {
                subdirs.push((path, rel_name));
            } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
                let source = if rel.is_empty() {
                    root_name.clone()
                } else {
                    rel.clone()
                };
                out.push(InputFile {
                    kind: self::kind(&path, format),
                    path,
                    name: rel_name,
                    source,
                });
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(hidden)
}
