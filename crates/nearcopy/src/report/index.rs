//! The summaries of `nearcopy index add|stats|verify`, and the index part
//! of a scan's text report.

use std::io::{self, Write};

use super::{human_bytes, plural};
use crate::index::{Added, Checked, IndexReport, Stats};

/// The summary of `index add`: text, or JSON ([`Added`]).
pub fn added(a: &Added, json: bool, w: &mut dyn Write) -> io::Result<()> {
    if json {
        return super::json(a, w);
    }
    let c = &a.counts;
    writeln!(
        w,
        "nearcopy index add: {} added to {} ({} read); it now holds {}",
        plural(c.added, "document"),
        a.index,
        human_bytes(a.bytes),
        plural(a.documents, "document"),
    )?;
    if c.exact_copies > 0 || c.too_short > 0 {
        writeln!(
            w,
            "of those added: {} exact copies of indexed documents, {} too short to match",
            c.exact_copies, c.too_short
        )?;
    }
    if let Some(s) = a.skipped.describe() {
        writeln!(w, "skipped: {s}")?;
    }
    let t = &a.timings;
    writeln!(
        w,
        "size on disk: {}; time: {:.3} s ({:.1} MB/s), commit {:.3} s",
        human_bytes(a.size_bytes),
        t.total,
        t.mb_per_s,
        t.commit
    )
}

/// The summary of `index stats`: text, or JSON ([`Stats`]).
pub fn stats(s: &Stats, json: bool, w: &mut dyn Write) -> io::Result<()> {
    if json {
        return super::json(s, w);
    }
    writeln!(w, "index {} (format {})", s.index, s.format)?;
    writeln!(w, "documents: {}", s.documents)?;
    writeln!(
        w,
        "size on disk: {} ({:.0} bytes per document); LSH buckets in {}",
        human_bytes(s.size_bytes),
        s.bytes_per_document,
        plural(s.bucket_runs as u64, "sorted run")
    )?;
    match &s.options {
        Some(o) => writeln!(
            w,
            "options: shingles of {} {}, sketch {}, {} permutations, {} bands x {} rows \
             (threshold {}), seed {}, normalisation {}",
            o.shingle,
            o.tokens,
            o.sketch,
            o.perms,
            o.bands,
            o.rows,
            o.threshold,
            o.seed,
            o.normalisation
        ),
        None => writeln!(w, "options: none yet (empty index)"),
    }
}

/// The result of `index verify`: text, or JSON ([`Checked`]).
pub fn checked(c: &Checked, json: bool, w: &mut dyn Write) -> io::Result<()> {
    if json {
        return super::json(c, w);
    }
    writeln!(
        w,
        "checked {} of {} documents, {} LSH bucket entries, {} exact-copy entries; store page \
         check: {}",
        c.entries,
        c.documents,
        c.bucket_entries,
        c.exact_entries,
        match c.store_check {
            Some(true) => "passed",
            Some(false) => "FAILED",
            None => "not run (another process is writing)",
        }
    )?;
    if c.problems.is_empty() {
        return writeln!(w, "no problems found");
    }
    for p in &c.problems {
        writeln!(w, "problem: {p}")?;
    }
    Ok(())
}

/// The index part of a scan's text report.
pub fn scan_text(r: &IndexReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w)?;
    writeln!(
        w,
        "Against the index {} ({}): {} found there",
        r.path,
        plural(r.documents, "document"),
        plural(r.matches.len() as u64, "document"),
    )?;
    for m in &r.matches {
        writeln!(
            w,
            "  {} ~ {} (index document {})  Jaccard {:.3}{}",
            m.id,
            m.duplicate_of,
            m.index_document,
            m.jaccard,
            if m.exact { " exact" } else { "" }
        )?;
    }
    Ok(())
}
