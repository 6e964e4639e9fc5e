//! The summary of `nearcopy dedup`.

use std::io::{self, Write};

use super::human_bytes;
use crate::dedup::{Dedup, Keep};

/// Writes the summary of a deduplication: text for people, or JSON (the
/// [`Dedup`] structure; only its top-level `timings` differ between runs).
pub fn write(d: &Dedup, json: bool, w: &mut dyn Write) -> io::Result<()> {
    if json {
        return super::json(d, w);
    }
    let s = &d.summary;
    let p = &d.params;
    writeln!(
        w,
        "nearcopy dedup{}: {} records, {} read",
        if p.dry_run { " (dry run)" } else { "" },
        s.records,
        human_bytes(s.bytes_in)
    )?;
    super::scan::params_paragraph(&p.scan, w)?;
    // Blank lines are not records, but dedup does not copy them either.
    let sk = &d.skipped;
    let blank = (sk.blank_lines > 0).then(|| format!("{} blank lines", sk.blank_lines));
    let skipped: Vec<String> = sk.describe().into_iter().chain(blank).collect();
    if !skipped.is_empty() {
        writeln!(w, "skipped (not written): {}", skipped.join(", "))?;
    }
    let keep = match p.keep {
        Keep::First => "the first",
        Keep::Longest => "the longest",
    };
    let verb = if p.dry_run { "would keep" } else { "kept" };
    writeln!(
        w,
        "{verb} {} records; removed {}: {} exact and {} near duplicates ({} groups, {keep} of each kept)",
        s.kept,
        s.removed_exact + s.removed_near,
        s.removed_exact,
        s.removed_near,
        s.groups,
    )?;
    if let Some(idx) = &p.index {
        let added = match s.index_added {
            Some(n) => format!("added {} to it", super::plural(n, "kept record")),
            None => "not changed (--no-update or --dry-run)".to_string(),
        };
        writeln!(
            w,
            "index {idx}: {} of the removed duplicate an indexed document; {added}; it holds {}",
            s.removed_indexed.unwrap_or(0),
            super::plural(s.index_documents.unwrap_or(0), "document"),
        )?;
    }
    if p.cut_passages || p.boilerplate.is_some() {
        let mut what = Vec::new();
        if p.cut_passages {
            what.push(format!(
                "{} repeated passages ({})",
                s.passages_cut,
                human_bytes(s.passage_bytes_cut)
            ));
        }
        if let Some(n) = p.boilerplate {
            what.push(format!(
                "{} boilerplate lines in ≥ {n} documents ({})",
                s.boilerplate_lines_cut,
                human_bytes(s.boilerplate_bytes_cut)
            ));
        }
        writeln!(
            w,
            "cut: {} from {} records",
            what.join(" and "),
            s.records_edited
        )?;
    }
    writeln!(
        w,
        "bytes: {} in, {} out{}",
        human_bytes(s.bytes_in),
        human_bytes(s.bytes_out),
        if p.dry_run { " (not written)" } else { "" }
    )?;
    let t = &d.timings;
    writeln!(
        w,
        "time: {:.3} s ({:.1} MB/s): scan {:.3} s, plan {:.3} s, write {:.3} s",
        t.total, t.mb_per_s, t.scan, t.plan, t.write
    )
}
