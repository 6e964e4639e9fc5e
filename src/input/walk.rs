//! Directory walking in a defined order.

use std::path::Path;

use super::{Format, InputFile};
use crate::error::{Error, Result};

/// Whether a file is read as JSON Lines.
pub(crate) fn is_jsonl(path: &Path, format: Format) -> bool {
    match format {
        Format::Jsonl => true,
        Format::Text => false,
        Format::Auto => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            let name = name
                .strip_suffix(".gz")
                .or_else(|| name.strip_suffix(".zst"))
                .unwrap_or(&name);
            name.ends_with(".jsonl") || name.ends_with(".ndjson")
        }
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
                    jsonl: is_jsonl(&path, format),
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
