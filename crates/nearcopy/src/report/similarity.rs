//! Reports of `nearcopy similarity`: a matrix (few sources) or ranked pairs
//! (many) for people; JSON, JSON Lines and CSV of the pairs for programs.

use std::io::{self, Write};

use ahash::AHashMap;

use super::{csv_row, human_bytes, plural, Format};
use crate::similarity::{PairScore, Rank, Similarity};
use crate::text::TokenKind;

/// Up to this many sources, the text report prints matrices; beyond it,
/// ranked pairs.
pub const MATRIX_MAX: usize = 12;

/// Pairs and sources listed per shingle size when ranked.
pub const RANKED_SHOWN: usize = 25;

/// Writes `sim` in `format`. JSON is the contract of `DESIGN.md`; JSON
/// Lines and CSV hold one pair per line.
pub fn write(sim: &Similarity, format: Format, w: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text(sim, w),
        Format::Json => super::json(sim, w),
        Format::Jsonl => {
            for p in &sim.pairs {
                serde_json::to_writer(&mut *w, p)?;
                w.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Csv => {
            csv_row(
                w,
                &["shingle", "a", "b", "jaccard", "a_in_b", "b_in_a", "shared"],
            )?;
            for p in &sim.pairs {
                csv_row(
                    w,
                    &[
                        &p.shingle.to_string(),
                        &p.a,
                        &p.b,
                        &format!("{:.6}", p.jaccard),
                        &format!("{:.6}", p.a_in_b),
                        &format!("{:.6}", p.b_in_a),
                        &p.shared.to_string(),
                    ],
                )?;
            }
            Ok(())
        }
    }
}

/// `5-word` or `3-character`.
pub fn size_label(k: usize, kind: TokenKind) -> String {
    match kind {
        TokenKind::Words => format!("{k}-word"),
        TokenKind::Chars => format!("{k}-character"),
    }
}

/// The pairs of one shingle size, by `(a, b)` source numbers.
pub fn pair_map(sim: &Similarity, k: usize) -> AHashMap<(u32, u32), &PairScore> {
    sim.pairs
        .iter()
        .filter(|p| p.shingle == k)
        .map(|p| ((p.ai, p.bi), p))
        .collect()
}

/// Cuts `s` to at most `max` characters, marking the cut with `…`.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn percent(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn text(sim: &Similarity, w: &mut dyn Write) -> io::Result<()> {
    let p = &sim.params;
    let s = &sim.summary;
    let grouping = match p.by.as_str() {
        "doc" => "one per document".to_string(),
        "dir" => "one per directory".to_string(),
        other => format!("by {other}"),
    };
    writeln!(
        w,
        "nearcopy similarity: {} ({grouping}), {}, {}",
        plural(s.sources, "source"),
        plural(s.documents, "document"),
        human_bytes(s.bytes)
    )?;
    let sizes: Vec<String> = p
        .shingles
        .iter()
        .map(|&k| size_label(k, p.tokens))
        .collect();
    let method = match p.perms {
        Some(perms) => format!("MinHash estimates ({perms} permutations)"),
        None => "exact counts".to_string(),
    };
    let rank = match p.rank {
        Rank::Jaccard => "Jaccard",
        Rank::Containment => "the larger containment",
    };
    let pairs = match p.top {
        None => "every pair that shares a shingle".to_string(),
        Some(k) => {
            let mut t = format!("the {k} most similar partners of each source by {rank}");
            if p.top_automatic {
                t.push_str(" (too many sources for every pair; --top chooses)");
            }
            if let Some(df) = p.max_df {
                let what = if p.perms.is_some() {
                    "LSH buckets"
                } else {
                    "shingles"
                };
                t.push_str(&format!(
                    "; {what} in more than {df} sources do not propose pairs"
                ));
            }
            if let (Some(b), Some(r)) = (p.bands, p.rows) {
                t.push_str(&format!("; LSH {b} bands × {r} rows"));
            }
            t
        }
    };
    writeln!(
        w,
        "method: {method} on {} shingles; {pairs}",
        join_and(&sizes)
    )?;
    if let Some(skipped) = sim.skipped.describe() {
        writeln!(w, "skipped: {skipped}")?;
    }
    if s.too_short > 0 {
        writeln!(
            w,
            "{} without a single {} to compare",
            plural(s.too_short, "document"),
            match p.tokens {
                TokenKind::Words => "word",
                TokenKind::Chars => "character",
            }
        )?;
    }
    if s.sources < 2 {
        writeln!(w, "only one source: there is nothing to compare it with")?;
    }
    if sim.sources.len() <= MATRIX_MAX {
        matrices(sim, w)?;
    } else {
        ranked(sim, w)?;
    }
    per_source(sim, w)?;
    let t = &sim.timings;
    writeln!(w)?;
    writeln!(
        w,
        "time: {:.3} s: read {:.3} s, pairs {:.3} s, views {:.3} s",
        t.total, t.read, t.pairs, t.views
    )
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Row labels `[i] name`, clipped so a matrix fits a terminal.
fn row_labels(sim: &Similarity) -> (Vec<String>, usize) {
    let labels: Vec<String> = sim
        .sources
        .iter()
        .enumerate()
        .map(|(i, name)| format!("[{}] {}", i + 1, clip(name, 36)))
        .collect();
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    (labels, width)
}

fn matrices(sim: &Similarity, w: &mut dyn Write) -> io::Result<()> {
    let n = sim.sources.len();
    let (labels, width) = row_labels(sim);
    for &k in &sim.params.shingles {
        let map = pair_map(sim, k);
        let label = size_label(k, sim.params.tokens);
        let value = |a: usize, b: usize, jaccard: bool| -> f64 {
            let (lo, hi) = (a.min(b) as u32, a.max(b) as u32);
            match map.get(&(lo, hi)) {
                None => 0.0,
                Some(p) if jaccard => p.jaccard,
                Some(p) if a < b => p.a_in_b,
                Some(p) => p.b_in_a,
            }
        };
        for (jaccard, title) in [
            (true, format!("{label} shingles, Jaccard")),
            (
                false,
                format!("{label} shingles, containment: share of the row's shingles found in the column"),
            ),
        ] {
            writeln!(w)?;
            writeln!(w, "{title}")?;
            write!(w, "  {:width$}", "")?;
            for b in 0..n {
                write!(w, " {:>7}", format!("[{}]", b + 1))?;
            }
            writeln!(w)?;
            for (a, l) in labels.iter().enumerate() {
                write!(w, "  {l}{}", " ".repeat(width - l.chars().count()))?;
                for b in 0..n {
                    let v = value(a, b, jaccard);
                    if a == b {
                        write!(w, " {:>7}", "·")?;
                    } else if v == 0.0 {
                        // Nothing shared, as opposed to a share that rounds to 0.
                        write!(w, " {:>7}", "0")?;
                    } else {
                        write!(w, " {v:>7.4}")?;
                    }
                }
                writeln!(w)?;
            }
        }
    }
    Ok(())
}

fn ranked(sim: &Similarity, w: &mut dyn Write) -> io::Result<()> {
    let rank = sim.params.rank;
    for &k in &sim.params.shingles {
        let mut pairs: Vec<&PairScore> = sim.pairs.iter().filter(|p| p.shingle == k).collect();
        pairs.sort_by(|x, y| {
            y.rank_key(rank)
                .total_cmp(&x.rank_key(rank))
                .then((x.ai, x.bi).cmp(&(y.ai, y.bi)))
        });
        writeln!(w)?;
        let by = match rank {
            Rank::Jaccard => "Jaccard",
            Rank::Containment => "larger containment",
        };
        writeln!(
            w,
            "{} shingles: {} pairs share at least one; the most similar by {by}:",
            size_label(k, sim.params.tokens),
            pairs.len()
        )?;
        writeln!(
            w,
            "  {:>7} {:>7} {:>7} {:>9}  a ~ b",
            "Jaccard", "a in b", "b in a", "shared"
        )?;
        for p in pairs.iter().take(RANKED_SHOWN) {
            writeln!(
                w,
                "  {:>7.3} {:>7.3} {:>7.3} {:>9}  {} ~ {}",
                p.jaccard,
                p.a_in_b,
                p.b_in_a,
                p.shared,
                clip(&p.a, 50),
                clip(&p.b, 50)
            )?;
        }
        if pairs.len() > RANKED_SHOWN {
            writeln!(
                w,
                "  … {} more pairs (see --format json or csv)",
                pairs.len() - RANKED_SHOWN
            )?;
        }
    }
    Ok(())
}

fn per_source(sim: &Similarity, w: &mut dyn Write) -> io::Result<()> {
    let p = &sim.params;
    let many = sim.sources.len() > MATRIX_MAX;
    let mut order: Vec<usize> = (0..sim.sources.len()).collect();
    if many {
        // The sources with most of their text found elsewhere.
        order.sort_by(|&x, &y| {
            let key = |s: usize| {
                sim.source_stats[s]
                    .by_shingle
                    .last()
                    .map_or(0.0, |b| b.shared)
            };
            key(y).total_cmp(&key(x)).then(x.cmp(&y))
        });
        order.truncate(RANKED_SHOWN);
    }
    writeln!(w)?;
    let boiler = if p.perms.is_none() {
        format!(
            ", and share found in at least {} other documents (boilerplate)",
            p.boilerplate_min_other_docs
        )
    } else {
        String::new()
    };
    writeln!(
        w,
        "{}: distinct shingles, share also found in another source (shared){boiler}",
        if many {
            "sources with most text found elsewhere"
        } else {
            "per source"
        }
    )?;
    let (labels, _) = row_labels(sim);
    let width = order
        .iter()
        .map(|&s| labels[s].chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    write!(w, "  {:width$} {:>5} {:>8}", "source", "docs", "words")?;
    for b in &sim.source_stats[0].by_shingle {
        let k = size_label(b.shingle, p.tokens);
        write!(w, " {:>10} {:>7}", format!("{k}"), "shared")?;
        if b.boilerplate.is_some() {
            write!(w, " {:>11}", "boilerplate")?;
        }
    }
    writeln!(w)?;
    for &s in &order {
        let st = &sim.source_stats[s];
        let l = &labels[s];
        write!(
            w,
            "  {l}{} {:>5} {:>8}",
            " ".repeat(width - l.chars().count()),
            st.documents,
            st.words
        )?;
        for b in &st.by_shingle {
            write!(w, " {:>10} {:>7}", b.shingles, percent(b.shared))?;
            if let Some(bp) = b.boilerplate {
                write!(w, " {:>11}", percent(bp))?;
            }
        }
        writeln!(w)?;
    }
    if many && sim.sources.len() > order.len() {
        writeln!(
            w,
            "  … {} more sources (see --format json)",
            sim.sources.len() - order.len()
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_marks_the_cut() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
        assert_eq!(
            join_and(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}
