//! Report of `nearcopy eval`.

use std::io::{self, Write};
use std::path::Path;

use super::Format;
use crate::eval::Evaluation;

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.4}"))
}

/// Writes `e` as text for people or as JSON.
pub fn write(
    e: &Evaluation,
    truth: &Path,
    result: &Path,
    format: Format,
    w: &mut dyn Write,
) -> io::Result<()> {
    if format != Format::Text {
        return super::json(e, w);
    }
    writeln!(
        w,
        "nearcopy eval: {} against {} at Jaccard ≥ {:.2}",
        result.display(),
        truth.display(),
        e.threshold
    )?;
    let t = &e.truth;
    write!(
        w,
        "truth ({}): {} pairs, {} at or above the threshold",
        serde_json::to_value(t.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default(),
        t.pairs,
        t.positives
    )?;
    if let Some(p) = t.passages {
        write!(w, "; {p} planted passages")?;
    }
    writeln!(w)?;
    writeln!(w)?;
    let p = &e.pairs;
    writeln!(
        w,
        "pairs      precision {}  recall {}  F1 {}",
        num(p.precision),
        num(p.recall),
        num(p.f1)
    )?;
    writeln!(
        w,
        "           {} reported: {} true, {} false; {} missed",
        p.reported, p.true_positives, p.false_positives, p.false_negatives
    )?;
    let c = &e.clusters;
    writeln!(
        w,
        "clusters   ARI {:.4}  ({} true groups, {} reported, over {} documents)",
        c.ari, c.truth_clusters, c.reported_clusters, c.documents
    )?;
    match &e.passages {
        Some(s) => {
            writeln!(
                w,
                "passages   recall {} (occurrences {}, bytes {})  precision {} (bytes {})",
                num(s.passage_recall),
                num(s.occurrence_recall),
                num(s.byte_recall),
                num(s.occurrence_precision),
                num(s.byte_precision)
            )?;
            writeln!(
                w,
                "           {} planted passages ({} occurrences), {} reported ({} occurrences)",
                s.truth_passages, s.truth_occurrences, s.reported_passages, s.reported_occurrences
            )?;
            for k in &s.by_kind {
                writeln!(
                    w,
                    "           {:<7} {} passages, occurrence recall {}",
                    k.kind,
                    k.passages,
                    num(k.occurrence_recall)
                )?;
            }
            let b = &s.bytes;
            writeln!(
                w,
                "           reported bytes: {} planted, {} boilerplate, {} shared by related \
                 documents, {} unexplained",
                b.planted, b.boilerplate, b.related, b.unexplained
            )?;
        }
        None => writeln!(w, "passages   not available")?,
    }
    writeln!(w)?;
    writeln!(w, "recall by Jaccard of the true pair:")?;
    writeln!(w, "  Jaccard        pairs  ≥ thr.   found   recall")?;
    for b in &e.bins {
        let label = if b.from >= 1.0 {
            "1.0".to_string()
        } else {
            format!("[{:.1}, {:.1})", b.from, b.to)
        };
        writeln!(
            w,
            "  {:<12} {:>7} {:>7} {:>7}   {}",
            label,
            b.truth,
            b.positives,
            b.found,
            num(b.recall)
        )?;
    }
    if !e.missed.is_empty() {
        writeln!(w)?;
        writeln!(w, "missed (most similar first):")?;
        for m in &e.missed {
            writeln!(w, "  {} ~ {}  Jaccard {}", m.a, m.b, num(m.jaccard))?;
        }
    }
    if !e.unexpected.is_empty() {
        writeln!(w)?;
        writeln!(w, "reported but not true at this threshold:")?;
        for m in &e.unexpected {
            writeln!(w, "  {} ~ {}  Jaccard {}", m.a, m.b, num(m.jaccard))?;
        }
    }
    for n in &e.notes {
        writeln!(w)?;
        writeln!(w, "note: {n}")?;
    }
    Ok(())
}
