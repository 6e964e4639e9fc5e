//! Reports of `nearcopy exact`.

use std::io::{self, Write};

use super::{csv_row, human_bytes, Format};
use crate::exact::Join;

/// Writes `join` in `format`. JSON is `{"params", "summary", "skipped",
/// "pairs": [{"a", "b", "jaccard", "a_in_b", "b_in_a"}], "timings"}` with
/// pairs in input order; JSON Lines is one pair per line.
pub fn write(join: &Join, format: Format, w: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Json => super::json(join, w),
        Format::Jsonl => {
            for p in &join.pairs {
                serde_json::to_writer(&mut *w, p)?;
                w.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Csv => {
            csv_row(w, &["a", "b", "jaccard", "a_in_b", "b_in_a"])?;
            for p in &join.pairs {
                csv_row(
                    w,
                    &[
                        &p.a,
                        &p.b,
                        &format!("{:.6}", p.jaccard),
                        &format!("{:.6}", p.a_in_b),
                        &format!("{:.6}", p.b_in_a),
                    ],
                )?;
            }
            Ok(())
        }
        Format::Text => text(join, w),
    }
}

fn text(join: &Join, w: &mut dyn Write) -> io::Result<()> {
    let s = &join.summary;
    let p = &join.params;
    let unit = match p.tokens {
        crate::text::TokenKind::Words => "word",
        crate::text::TokenKind::Chars => "character",
    };
    writeln!(
        w,
        "nearcopy exact: {} documents, {}; all pairs with Jaccard ≥ {:.2} on {}-{unit} shingles, \
         verified exactly (no sampling)",
        s.documents,
        human_bytes(s.bytes),
        p.threshold,
        p.shingle
    )?;
    writeln!(
        w,
        "{} distinct shingles, {} in more than one document; {} candidate pairs verified; \
         {} too short to compare",
        s.distinct_shingles, s.shared_shingles, s.candidates, s.too_short
    )?;
    writeln!(w)?;
    if join.pairs.is_empty() {
        writeln!(w, "No pair reaches Jaccard {:.2}.", p.threshold)?;
    } else {
        writeln!(w, "{} pairs:", join.pairs.len())?;
        let wa = join
            .pairs
            .iter()
            .map(|p| p.a.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let wb = join
            .pairs
            .iter()
            .map(|p| p.b.len())
            .max()
            .unwrap_or(1)
            .max(1);
        writeln!(w, "  {:wa$}  {:wb$}  jaccard  a_in_b  b_in_a", "a", "b")?;
        for p in &join.pairs {
            writeln!(
                w,
                "  {:wa$}  {:wb$}  {:>7.4}  {:>6.4}  {:>6.4}",
                p.a, p.b, p.jaccard, p.a_in_b, p.b_in_a
            )?;
        }
    }
    let t = &join.timings;
    writeln!(w)?;
    writeln!(
        w,
        "time: {:.3} s ({:.1} MB/s): count {:.3} s, index {:.3} s, join {:.3} s",
        t.total, t.mb_per_s, t.count, t.index, t.join
    )
}
