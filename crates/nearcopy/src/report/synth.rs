//! Report of `nearcopy synth`: what was written.

use std::io::{self, Write};
use std::path::Path;

use super::{human_bytes, Format};
use crate::synth::SynthSummary;

/// Writes the summary of a `synth` run (text or JSON).
pub fn write(
    s: &SynthSummary,
    corpus: &Path,
    truth: Option<&Path>,
    format: Format,
    w: &mut dyn Write,
) -> io::Result<()> {
    if format != Format::Text {
        let v = serde_json::json!({
            "corpus": corpus.display().to_string(),
            "truth": truth.map(|t| t.display().to_string()),
            "summary": s,
        });
        return super::json(&v, w);
    }
    writeln!(
        w,
        "nearcopy synth: wrote {} documents ({} of text) to {} in {:.1} s ({:.2} GB/min)",
        s.documents,
        human_bytes(s.bytes),
        corpus.display(),
        s.seconds,
        s.gb_per_minute
    )?;
    writeln!(
        w,
        "  {} originals, {} near-duplicates, {} exact copies, {} reformatted copies",
        s.originals, s.near, s.exact, s.reformat
    )?;
    writeln!(
        w,
        "  {} documents print a block twice, {} received paragraphs from another",
        s.doubled, s.received
    )?;
    if let (Some(path), Some(pairs), Some(passages)) = (truth, s.truth_pairs, s.truth_passages) {
        writeln!(
            w,
            "truth: {pairs} pairs with their exact Jaccard, {passages} planted passages with \
             byte ranges, written to {} in {:.1} s",
            path.display(),
            s.truth_seconds.unwrap_or(0.0)
        )?;
    }
    Ok(())
}
