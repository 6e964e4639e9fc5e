//! Reports of `nearcopy scan`.
//!
//! * text: near-duplicate groups, then repeated passages (see
//!   [`super::passages::groups_text`]).
//! * json: the whole scan, the stable contract of `DESIGN.md`.
//! * jsonl: one object per document: `id`, `cluster` (1-based group number
//!   or null), `duplicate_of` (the group's first member, or null) and
//!   `passages`, the places of repeated passages in that document
//!   (`passage` is the 1-based number of the group in report order).
//! * csv: one flat table whose `record` column says what a row is: `pair`
//!   rows (a verified near-duplicate pair, with its cluster) and `passage`
//!   rows (one place of a passage group); cells that do not apply are empty.

use std::io::{self, Write};

use super::{csv_row, human_bytes, passages, plural, Format};
use crate::scan::{Scan, ScanParams};

/// Writes `scan` in `format`.
pub fn write(scan: &Scan, format: Format, w: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text(scan, w),
        Format::Json => super::json(scan, w),
        Format::Jsonl => jsonl(scan, w),
        Format::Csv => csv(scan, w),
    }
}

/// The parameters paragraph shared by every text report of a scan.
pub fn params_text(scan: &Scan, w: &mut dyn Write) -> io::Result<()> {
    params_paragraph(&scan.params, w)
}

/// The parameters paragraph of any report built on a scan.
pub fn params_paragraph(p: &ScanParams, w: &mut dyn Write) -> io::Result<()> {
    let unit = match p.tokens {
        crate::text::TokenKind::Words => "word",
        crate::text::TokenKind::Chars => "character",
    };
    writeln!(
        w,
        "parameters: Jaccard ≥ {:.2} on {}-{unit} shingles; {}; \
         LSH {} bands × {} rows; verify {}",
        p.threshold,
        p.shingle,
        match p.sketch {
            crate::sketch::Sketch::Oph => format!("one-permutation MinHash, {} bins", p.perms),
            crate::sketch::Sketch::MinHash => format!("MinHash {} permutations", p.perms),
            crate::sketch::Sketch::CMinHash => format!("C-MinHash {} values", p.perms),
        },
        p.bands,
        p.rows,
        match p.verify {
            crate::config::Verify::Exact => "exact",
            crate::config::Verify::Estimate => "by estimate",
        }
    )?;
    writeln!(
        w,
        "  a pair at Jaccard {:.2} becomes a candidate with probability {:.4} \
         (false-negative rate {:.2} %); S-curve areas: false positive {:.4}, false negative {:.5}",
        p.threshold,
        p.candidate_probability_at_threshold,
        100.0 * p.false_negative_rate_at_threshold,
        p.false_positive_area,
        p.false_negative_area
    )
}

fn text(scan: &Scan, w: &mut dyn Write) -> io::Result<()> {
    let s = &scan.summary;
    writeln!(
        w,
        "nearcopy scan: {}, {}",
        plural(s.documents, "document"),
        human_bytes(s.bytes)
    )?;
    params_text(scan, w)?;
    if let Some(skipped) = scan.skipped.describe() {
        writeln!(w, "skipped: {skipped}")?;
    }
    writeln!(
        w,
        "found: {} candidate pairs from LSH, {} confirmed; {} exact duplicates; {} too short to compare",
        s.candidate_pairs, s.verified_pairs, s.exact_duplicates, s.too_short
    )?;
    writeln!(w)?;
    if scan.clusters.is_empty() {
        writeln!(
            w,
            "No near-duplicate documents: no two of the {} documents reach Jaccard {:.2}.",
            s.documents, scan.params.threshold
        )?;
    } else {
        writeln!(
            w,
            "{} groups of near-duplicate documents ({} documents):",
            s.clusters, s.documents_in_clusters
        )?;
        for (i, c) in scan.clusters.iter().enumerate() {
            writeln!(w)?;
            writeln!(w, "group {} ({} documents)", i + 1, c.members.len())?;
            for m in &c.members {
                writeln!(w, "  {m}")?;
            }
            const SHOWN: usize = 20;
            for p in c.pairs.iter().take(SHOWN) {
                writeln!(
                    w,
                    "    {} ~ {}  Jaccard {:.3} (estimate {:.3}){}",
                    p.a,
                    p.b,
                    p.jaccard,
                    p.estimate,
                    if p.kind == "exact" { ", same text" } else { "" }
                )?;
            }
            if c.pairs.len() > SHOWN {
                writeln!(
                    w,
                    "    … {} more pairs (see --format json)",
                    c.pairs.len() - SHOWN
                )?;
            }
        }
    }
    if let Some(r) = &scan.index {
        super::index::scan_text(r, w)?;
    }
    if let (Some(p), Some(ps)) = (&scan.params.passages, &s.passages) {
        writeln!(w)?;
        passages::params_text(p, w)?;
        writeln!(w)?;
        passages::groups_text(&scan.passages, p.tokens, ps.hidden_boilerplate, w)?;
    }
    let t = &scan.timings;
    writeln!(w)?;
    write!(
        w,
        "time: {:.3} s ({:.1} MB/s): sign {:.3} s, candidates {:.3} s, verify {:.3} s",
        t.total, t.mb_per_s, t.sign, t.candidates, t.verify
    )?;
    match &t.passages {
        Some(p) => writeln!(w, ", passages {:.3} s", p.total),
        None => writeln!(w),
    }
}

fn jsonl(scan: &Scan, w: &mut dyn Write) -> io::Result<()> {
    let of = scan.cluster_of();
    let mut places: Vec<Vec<serde_json::Value>> = vec![Vec::new(); scan.documents.len()];
    for (n, g) in scan.passages.iter().enumerate() {
        for o in &g.occurrences {
            if let Some(p) = places.get_mut(o.doc_index as usize) {
                p.push(serde_json::json!({
                    "passage": n + 1,
                    "kind": g.kind,
                    "match": g.matched,
                    "words": o.words,
                    "start": o.start,
                    "end": o.end,
                    "line_start": o.line_start,
                    "line_end": o.line_end,
                }));
            }
        }
    }
    for (i, d) in scan.documents.iter().enumerate() {
        let (cluster, dup) = match of[i] {
            Some(c) => {
                let first = &scan.clusters[c].members[0];
                (Some(c + 1), (first != &d.id).then_some(first.as_str()))
            }
            None => (None, None),
        };
        serde_json::to_writer(
            &mut *w,
            &serde_json::json!({
                "id": d.id,
                "cluster": cluster,
                "duplicate_of": dup,
                "passages": places[i],
            }),
        )?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// The header of the scan CSV: one row per verified pair. Passages as CSV
/// come from `nearcopy passages --format csv`, whose rows have other columns.
pub const CSV_HEADER: [&str; 6] = ["a", "b", "jaccard", "estimate", "kind", "cluster"];

fn csv(scan: &Scan, w: &mut dyn Write) -> io::Result<()> {
    csv_row(w, &CSV_HEADER)?;
    for (c, cluster) in scan.clusters.iter().enumerate() {
        for p in &cluster.pairs {
            csv_row(
                w,
                &[
                    &p.a,
                    &p.b,
                    &format!("{:.6}", p.jaccard),
                    &format!("{:.6}", p.estimate),
                    p.kind,
                    &(c + 1).to_string(),
                ],
            )?;
        }
    }
    Ok(())
}
