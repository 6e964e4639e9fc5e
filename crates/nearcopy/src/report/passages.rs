//! Reports of `nearcopy passages`, and the passages part of `nearcopy scan`.
//!
//! * text: groups within one document, across documents, boilerplate; most
//!   words first; each with an excerpt and its places as `doc:line`.
//! * json: the whole result (the `passages` array follows the contract in
//!   `DESIGN.md`).
//! * jsonl: one passage group per line, the objects of the JSON array.
//! * csv: one row per place, the group's fields repeated on each row.

use std::io::{self, Write};

use super::{csv_row, human_bytes, Format};
use crate::passages::{Kind, Match, Occurrence, PassageGroup, PassageParams, Passages};
use crate::text::excerpt;
use crate::text::TokenKind;

/// Places listed per group in the text report.
pub const PLACES_SHOWN: usize = 10;

/// Writes `p` in `format`.
pub fn write(p: &Passages, format: Format, w: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text(p, w),
        Format::Json => super::json(p, w),
        Format::Jsonl => {
            for g in &p.passages {
                serde_json::to_writer(&mut *w, g)?;
                w.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Csv => csv(&p.passages, w),
    }
}

/// The CSV header of [`csv`].
pub const CSV_HEADER: [&str; 12] = [
    "passage",
    "kind",
    "match",
    "words",
    "similarity",
    "documents",
    "doc",
    "start",
    "end",
    "line_start",
    "line_end",
    "text",
];

/// One CSV row per place: the group's number (1-based, in report order)
/// and fields, then the place.
pub fn csv(groups: &[PassageGroup], w: &mut dyn Write) -> io::Result<()> {
    csv_row(w, &CSV_HEADER)?;
    for (n, g) in groups.iter().enumerate() {
        for o in &g.occurrences {
            csv_row(
                w,
                &[
                    &(n + 1).to_string(),
                    g.kind.label(),
                    match_label(g.matched),
                    &g.words.to_string(),
                    &format!("{:.6}", g.similarity),
                    &g.documents.to_string(),
                    &o.doc,
                    &o.start.to_string(),
                    &o.end.to_string(),
                    &o.line_start.to_string(),
                    &o.line_end.to_string(),
                    &g.text,
                ],
            )?;
        }
    }
    Ok(())
}

/// `exact`, `edited` or `line`.
pub fn match_label(m: Match) -> &'static str {
    match m {
        Match::Exact => "exact",
        Match::Edited => "edited",
        Match::Line => "line",
    }
}

/// `word` or `character`.
fn unit(tokens: TokenKind) -> &'static str {
    match tokens {
        TokenKind::Words => "word",
        TokenKind::Chars => "character",
    }
}

/// One line describing how passages were searched.
pub fn params_text(p: &PassageParams, w: &mut dyn Write) -> io::Result<()> {
    let unit = unit(p.tokens);
    writeln!(
        w,
        "passages: exact repeats of ≥ {} {unit}s; edited paragraphs at Jaccard ≥ {:.2} on \
         {}-{unit} shingles (one-permutation MinHash, LSH {} bands × {} rows, candidate \
         probability {:.3} at the threshold); boilerplate in ≥ {} documents",
        p.min_words,
        p.passage_threshold,
        p.shingle,
        p.bands,
        p.rows,
        p.candidate_probability_at_threshold,
        p.boilerplate_docs
    )
}

fn text(p: &Passages, w: &mut dyn Write) -> io::Result<()> {
    let s = &p.summary;
    writeln!(
        w,
        "nearcopy passages: {} documents, {}",
        s.documents,
        human_bytes(s.bytes)
    )?;
    params_text(&p.params, w)?;
    if let Some(skipped) = p.skipped.describe() {
        writeln!(w, "skipped: {skipped}")?;
    }
    writeln!(w)?;
    groups_text(&p.passages, p.params.tokens, s.hidden_boilerplate, w)?;
    let t = &p.timings;
    writeln!(w)?;
    let groups = t
        .groups
        .map_or(String::new(), |g| format!("groups {g:.3} s, "));
    writeln!(
        w,
        "time: {:.3} s ({:.1} MB/s): {groups}count {:.3} s, extract {:.3} s, repeats {:.3} s, locate {:.3} s",
        t.total, t.mb_per_s, t.count, t.extract, t.repeats, t.locate
    )?;
    if s.left_out_documents > 0 {
        writeln!(
            w,
            "{} near-duplicates of large groups took part through their group's first member",
            s.left_out_documents
        )?;
    }
    Ok(())
}

/// The passage groups for people: within, across, boilerplate, each with
/// an excerpt and its places; lengths in `tokens`. `hidden` boilerplate
/// groups are mentioned.
pub fn groups_text(
    groups: &[PassageGroup],
    tokens: TokenKind,
    hidden: u64,
    w: &mut dyn Write,
) -> io::Result<()> {
    let count = |k: Kind| groups.iter().filter(|g| g.kind == k).count();
    let (within, across, boiler) = (
        count(Kind::Within),
        count(Kind::Across),
        count(Kind::Boilerplate),
    );
    write!(
        w,
        "Repeated passages: {within} within one document, {across} across documents, "
    )?;
    if hidden > 0 {
        writeln!(w, "{hidden} boilerplate (hidden).")?;
    } else {
        writeln!(w, "{boiler} boilerplate.")?;
    }
    for (kind, title) in [
        (Kind::Within, "Within one document"),
        (Kind::Across, "Across documents"),
        (Kind::Boilerplate, "Boilerplate"),
    ] {
        let of_kind: Vec<&PassageGroup> = groups.iter().filter(|g| g.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        writeln!(w)?;
        writeln!(w, "{title} ({}):", of_kind.len())?;
        for g in of_kind {
            writeln!(w)?;
            group_text(g, unit(tokens), w)?;
        }
    }
    Ok(())
}

fn group_text(g: &PassageGroup, unit: &str, w: &mut dyn Write) -> io::Result<()> {
    let copies = g.occurrences.len();
    let wher = if g.documents == 1 {
        format!("in {}", g.occurrences[0].doc)
    } else {
        format!("in {} documents", g.documents)
    };
    let how = match g.matched {
        Match::Exact => String::new(),
        Match::Edited => format!(", edited (similarity {:.2})", g.similarity),
        Match::Line => ", whole line".to_string(),
    };
    writeln!(w, "  {} {unit}s, {copies} copies {wher}{how}", g.words)?;
    writeln!(w, "    \"{}\"", excerpt(&g.text, 100))?;
    for o in g.occurrences.iter().take(PLACES_SHOWN) {
        writeln!(w, "    {}", place(o))?;
    }
    if copies > PLACES_SHOWN {
        writeln!(
            w,
            "    … {} more places (see --format json)",
            copies - PLACES_SHOWN
        )?;
    }
    Ok(())
}

/// `doc:line` or `doc:first-last`.
pub fn place(o: &Occurrence) -> String {
    if o.line_start == o.line_end {
        format!("{}:{}", o.doc, o.line_start)
    } else {
        format!("{}:{}-{}", o.doc, o.line_start, o.line_end)
    }
}
