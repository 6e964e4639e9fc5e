//! Pictures of `nearcopy similarity`: an SVG heatmap of the source × source
//! matrix, and an HTML report with the heatmaps, ranked pairs and, for any
//! pair clicked, the shared passages highlighted side by side.
//!
//! The HTML is one self-contained file: styles, script, data and the SVG are
//! inline and nothing is fetched, so it works opened from disk (`file://`)
//! and offline. The script builds the side-by-side view from the embedded
//! data with text nodes only (no markup is ever parsed from the data). A
//! pair is selected by clicking a heatmap cell, a row of the pairs table, or
//! by the URL fragment `#pair=I,J` (source numbers from 0), which also makes
//! a view linkable.
//!
//! A heatmap cell (row A, column B) is coloured by the share of A's shingles
//! found in B, so the matrix is not symmetric: a source copied whole into
//! another has a dark cell on its own row only. The HTML can switch the
//! colouring to Jaccard. Colours follow the square root of the value, so that
//! the small shares typical of long shingles are still visible.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::human_bytes;
use super::similarity::{clip, pair_map, size_label};
use crate::similarity::{Similarity, Views};

/// The heatmap shows at most this many sources: the ones with the largest
/// share of their text found elsewhere.
pub const HEATMAP_MAX: usize = 100;

/// Escapes text for HTML and XML (element content and quoted attributes).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The colour of a value in `[0, 1]`: the ColorBrewer "Blues" ramp on a
/// square-root scale.
pub fn colour(v: f64) -> String {
    const STOPS: [(u8, u8, u8); 9] = [
        (0xf7, 0xfb, 0xff),
        (0xde, 0xeb, 0xf7),
        (0xc6, 0xdb, 0xef),
        (0x9e, 0xca, 0xe1),
        (0x6b, 0xae, 0xd6),
        (0x42, 0x92, 0xc6),
        (0x21, 0x71, 0xb5),
        (0x08, 0x51, 0x9c),
        (0x08, 0x30, 0x6b),
    ];
    let t = v.clamp(0.0, 1.0).sqrt() * (STOPS.len() - 1) as f64;
    let i = (t.floor() as usize).min(STOPS.len() - 2);
    let f = t - i as f64;
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// The sources shown in the heatmap, in source order: all of them, or the
/// [`HEATMAP_MAX`] with the largest share found elsewhere at the largest
/// shingle size.
pub fn heatmap_sources(sim: &Similarity) -> Vec<usize> {
    let n = sim.sources.len();
    let mut order: Vec<usize> = (0..n).collect();
    if n > HEATMAP_MAX {
        let key = |s: usize| {
            sim.source_stats[s]
                .by_shingle
                .last()
                .map_or(0.0, |b| b.shared)
        };
        order.sort_by(|&x, &y| key(y).total_cmp(&key(x)).then(x.cmp(&y)));
        order.truncate(HEATMAP_MAX);
        order.sort_unstable();
    }
    order
}

/// One heatmap panel: its SVG content (without the outer element) and size.
struct Panel {
    body: String,
    width: f64,
    height: f64,
    cell: f64,
    x0: f64,
    y0: f64,
}

/// Draws the heatmap of shingle size `k` for the sources `shown`, with its
/// title inside the picture when `titled` (the HTML has a caption instead).
fn panel(sim: &Similarity, k: usize, shown: &[usize], titled: bool) -> Panel {
    let m = shown.len();
    let map = pair_map(sim, k);
    let cell: f64 = if m <= 12 {
        48.0
    } else {
        (640.0 / m as f64).clamp(4.0, 24.0).floor()
    };
    let labels = cell >= 9.0;
    let font = if m <= 12 {
        12.0
    } else {
        (cell - 1.0).min(11.0)
    };
    let names: Vec<String> = shown
        .iter()
        .map(|&s| format!("[{}] {}", s + 1, clip(&sim.sources[s], 32)))
        .collect();
    let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let x0 = if labels {
        (12.0 + 0.62 * font * longest as f64).ceil()
    } else {
        8.0
    };
    let digits = format!("{}", shown.last().map_or(1, |s| s + 1)).len() + 2;
    let title_height = if titled { 24.0 } else { 0.0 };
    let y0 = title_height
        + if !labels {
            10.0
        } else if m <= 12 {
            28.0
        } else {
            16.0 + 0.62 * font * digits as f64
        };
    let width = x0 + cell * m as f64 + 8.0;
    let height = y0 + cell * m as f64 + 8.0;
    let mut b = String::new();
    let title = format!(
        "{} shingles: share of the row's shingles found in the column",
        size_label(k, sim.params.tokens)
    );
    if titled {
        let _ = write!(
            b,
            r#"<text class="title" x="0" y="16" font-size="13" font-weight="600">{}</text>"#,
            escape(&title)
        );
    }
    let _ = write!(
        b,
        r##"<rect class="bg" x="{x0}" y="{y0}" width="{w}" height="{w}" fill="{c}"/>"##,
        w = cell * m as f64,
        c = colour(0.0)
    );
    if labels {
        for (r, name) in names.iter().enumerate() {
            let y = y0 + cell * r as f64 + cell / 2.0 + font * 0.35;
            let _ = write!(
                b,
                r#"<text class="row" x="{x}" y="{y:.1}" font-size="{font}" text-anchor="end"><title>{full}</title>{label}</text>"#,
                x = x0 - 6.0,
                full = escape(&sim.sources[shown[r]]),
                label = escape(name)
            );
        }
        for (c, &s) in shown.iter().enumerate() {
            let x = x0 + cell * c as f64 + cell / 2.0;
            let label = format!("[{}]", s + 1);
            if m <= 12 {
                let _ = write!(
                    b,
                    r#"<text class="col" x="{x:.1}" y="{y}" font-size="{font}" text-anchor="middle"><title>{full}</title>{label}</text>"#,
                    y = y0 - 8.0,
                    full = escape(&sim.sources[s])
                );
            } else {
                let _ = write!(
                    b,
                    r#"<text class="col" transform="translate({x:.1},{y}) rotate(-90)" font-size="{font}" dy="{dy:.1}"><title>{full}</title>{label}</text>"#,
                    y = y0 - 4.0,
                    dy = font * 0.35,
                    full = escape(&sim.sources[s])
                );
            }
        }
    }
    let unit = size_label(k, sim.params.tokens);
    for (r, &a) in shown.iter().enumerate() {
        for (c, &bsrc) in shown.iter().enumerate() {
            let (x, y) = (x0 + cell * c as f64, y0 + cell * r as f64);
            if a == bsrc {
                let _ = write!(
                    b,
                    r##"<rect class="diag" x="{x}" y="{y}" width="{cell}" height="{cell}" fill="#d9d9d9"/>"##
                );
                continue;
            }
            let (lo, hi) = (a.min(bsrc) as u32, a.max(bsrc) as u32);
            let Some(p) = map.get(&(lo, hi)) else {
                if m > 40 {
                    continue;
                }
                let _ = write!(
                    b,
                    r##"<rect class="cell" x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{f}" data-a="{a}" data-b="{bsrc}" data-fc="{f}" data-fj="{f}"><title>{an} and {bn} share no {unit} shingle</title></rect>"##,
                    f = colour(0.0),
                    an = escape(&sim.sources[a]),
                    bn = escape(&sim.sources[bsrc]),
                );
                continue;
            };
            let (row_in_col, col_in_row) = if a < bsrc {
                (p.a_in_b, p.b_in_a)
            } else {
                (p.b_in_a, p.a_in_b)
            };
            let tip = format!(
                "{an}: {ab:.1}% of its {unit} shingles are in {bn}; {ba:.1}% of {bn}'s are in it; Jaccard {j:.3}; {s} shared",
                an = sim.sources[a],
                bn = sim.sources[bsrc],
                ab = 100.0 * row_in_col,
                ba = 100.0 * col_in_row,
                j = p.jaccard,
                s = p.shared
            );
            let _ = write!(
                b,
                r##"<rect class="cell" x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fc}" data-a="{a}" data-b="{bsrc}" data-fc="{fc}" data-fj="{fj}"><title>{t}</title></rect>"##,
                fc = colour(row_in_col),
                fj = colour(p.jaccard),
                t = escape(&tip)
            );
            if cell >= 40.0 {
                let light = |v: f64| {
                    if v.sqrt() > 0.55 {
                        "#ffffff"
                    } else {
                        "#1a1a1a"
                    }
                };
                let c = share_label(row_in_col);
                let _ = write!(
                    b,
                    r##"<text class="v" x="{tx}" y="{ty}" font-size="11" text-anchor="middle" pointer-events="none" fill="{fill}" data-c="{c}" data-j="{j:.3}" data-tc="{fc}" data-tj="{fj}">{c}</text>"##,
                    tx = x + cell / 2.0,
                    ty = y + cell / 2.0 + 4.0,
                    fill = light(row_in_col),
                    j = p.jaccard,
                    fc = light(row_in_col),
                    fj = light(p.jaccard),
                );
            }
        }
    }
    Panel {
        body: b,
        width,
        height,
        cell,
        x0,
        y0,
    }
}

/// A share as a short percentage that never shows a non-zero share as 0.
fn share_label(v: f64) -> String {
    if v > 0.0 && v < 0.0005 {
        "<0.1%".to_string()
    } else {
        format!("{:.1}%", 100.0 * v)
    }
}

/// A colour legend `width` wide, as SVG content.
fn legend(width: f64) -> String {
    let mut b = String::new();
    let steps = 50;
    for i in 0..steps {
        let v = (i as f64 / (steps - 1) as f64).powi(2);
        let _ = write!(
            b,
            r#"<rect x="{x:.1}" y="0" width="{w:.1}" height="12" fill="{c}"/>"#,
            x = width * i as f64 / steps as f64,
            w = width / steps as f64 + 0.5,
            c = colour(v)
        );
    }
    for v in [0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0] {
        let x = width * f64::sqrt(v);
        let anchor = if v == 0.0 {
            "start"
        } else if v == 1.0 {
            "end"
        } else {
            "middle"
        };
        let _ = write!(
            b,
            r##"<line x1="{x:.1}" y1="12" x2="{x:.1}" y2="16" stroke="#555"/><text x="{x:.1}" y="28" font-size="10" text-anchor="{anchor}">{v}</text>"##
        );
    }
    b
}

/// Writes the heatmaps (one panel per shingle size, coloured by
/// containment) as one standalone SVG document.
pub fn write_svg(sim: &Similarity, w: &mut dyn Write) -> io::Result<()> {
    let shown = heatmap_sources(sim);
    let panels: Vec<Panel> = sim
        .params
        .shingles
        .iter()
        .map(|&k| panel(sim, k, &shown, true))
        .collect();
    let gap = 24.0;
    let width = panels.iter().map(|p| p.width).sum::<f64>() + gap * (panels.len() as f64 - 1.0);
    let height = panels.iter().map(|p| p.height).fold(0.0, f64::max) + 48.0;
    writeln!(
        w,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">"#
    )?;
    writeln!(w, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##)?;
    let mut x = 0.0;
    for p in &panels {
        writeln!(w, r#"<g transform="translate({x:.1},0)">{}</g>"#, p.body)?;
        x += p.width + gap;
    }
    let lw = 240.0_f64.min(width - 8.0).max(60.0);
    writeln!(
        w,
        r#"<g transform="translate({lx:.1},{ly:.1})">{}</g>"#,
        legend(lw),
        lx = panels.first().map_or(0.0, |p| p.x0),
        ly = height - 40.0
    )?;
    if shown.len() < sim.sources.len() {
        writeln!(
            w,
            r#"<text x="0" y="{y:.1}" font-size="11">{} of {} sources shown: those with most text found elsewhere</text>"#,
            shown.len(),
            sim.sources.len(),
            y = height - 4.0
        )?;
    }
    writeln!(w, "</svg>")
}

/// Byte offsets of `text` as UTF-16 code unit offsets (what JavaScript
/// strings index by), for sorted `offsets`.
fn utf16_offsets(text: &str, offsets: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(offsets.len());
    let mut units = 0;
    let mut at = 0;
    let mut chars = text.char_indices().peekable();
    for &o in offsets {
        while let Some(&(i, c)) = chars.peek() {
            if i >= o {
                break;
            }
            units += c.len_utf16();
            at = i + c.len_utf8();
            chars.next();
        }
        debug_assert!(at <= o || o == 0);
        out.push(units);
    }
    out
}

/// The data the page's script reads: sources, pair figures and views.
fn page_data(sim: &Similarity, shown: &[usize]) -> Value {
    let views = sim.views.as_ref();
    let mut viewed: Vec<(u32, u32)> = views
        .map(|v| v.pairs.iter().map(|p| (p.a, p.b)).collect())
        .unwrap_or_default();
    viewed.sort_unstable();
    let in_map = {
        let mut flags = vec![false; sim.sources.len()];
        for &s in shown {
            flags[s] = true;
        }
        flags
    };
    let mut pairs = Map::new();
    for &k in &sim.params.shingles {
        let mut m = Map::new();
        for p in sim.pairs.iter().filter(|p| p.shingle == k) {
            let keep = (in_map[p.ai as usize] && in_map[p.bi as usize])
                || viewed.binary_search(&(p.ai, p.bi)).is_ok();
            if keep {
                m.insert(
                    format!("{},{}", p.ai, p.bi),
                    json!([p.jaccard, p.a_in_b, p.b_in_a, p.shared]),
                );
            }
        }
        pairs.insert(k.to_string(), Value::Object(m));
    }
    let (docs, view_map, view_shingle) = match views {
        None => (Vec::new(), Map::new(), Value::Null),
        Some(Views {
            shingle,
            docs,
            pairs: vs,
        }) => {
            let docs_json: Vec<Value> = docs
                .iter()
                .map(|d| json!({ "id": d.id, "source": d.source, "text": d.text }))
                .collect();
            let mut m = Map::new();
            for v in vs {
                let spans = |doc: u32, spans: &[crate::similarity::SharedSpan]| -> Value {
                    let text = &docs[doc as usize].text;
                    let offs: Vec<usize> = spans.iter().flat_map(|s| [s.start, s.end]).collect();
                    let mut sorted = offs.clone();
                    sorted.sort_unstable();
                    let units = utf16_offsets(text, &sorted);
                    let unit_of = |o: usize| units[sorted.partition_point(|&x| x < o)];
                    Value::Array(
                        spans
                            .iter()
                            .map(|s| {
                                json!([
                                    unit_of(s.start),
                                    unit_of(s.end),
                                    s.partner.map_or(-1, |p| p as i64)
                                ])
                            })
                            .collect(),
                    )
                };
                m.insert(
                    format!("{},{}", v.a, v.b),
                    json!({
                        "doc_a": v.doc_a,
                        "doc_b": v.doc_b,
                        "spans_a": spans(v.doc_a, &v.spans_a),
                        "spans_b": spans(v.doc_b, &v.spans_b),
                        "covered_a": v.covered_a,
                        "covered_b": v.covered_b,
                    }),
                );
            }
            (docs_json, m, json!(shingle))
        }
    };
    json!({
        "sources": sim.sources,
        "shingles": sim.params.shingles,
        "unit": match sim.params.tokens {
            crate::text::TokenKind::Words => "word",
            crate::text::TokenKind::Chars => "character",
        },
        "pairs": pairs,
        "view_shingle": view_shingle,
        "docs": docs,
        "views": view_map,
        "max_views": sim.views.as_ref().map_or(0, |v| v.pairs.len()),
    })
}

// The page's styles and script are files of their own, so that editors,
// linters and browsers' tools see CSS and JavaScript.
const STYLE: &str = include_str!("page.css");

const SCRIPT: &str = include_str!("page.js");

/// Writes the HTML report.
pub fn write_html(sim: &Similarity, w: &mut dyn Write) -> io::Result<()> {
    let shown = heatmap_sources(sim);
    head(sim, &shown, w)?;
    heatmaps(sim, &shown, w)?;
    view_section(sim, w)?;
    pairs_section(sim, w)?;
    sources_section(sim, w)?;
    data_and_script(sim, &shown, w)
}

/// The page up to its first section: styles, the title and what was compared.
fn head(sim: &Similarity, shown: &[usize], w: &mut dyn Write) -> io::Result<()> {
    let p = &sim.params;
    let s = &sim.summary;
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, r#"<html lang="en"><head><meta charset="utf-8">"#)?;
    writeln!(
        w,
        r#"<meta name="viewport" content="width=device-width, initial-scale=1"><title>nearcopy similarity: {} sources</title>"#,
        s.sources
    )?;
    writeln!(w, "<style>{STYLE}</style></head>")?;
    // Errors of the script are recorded on the page, where a test (or a
    // person) can see them.
    writeln!(
        w,
        r#"<body><script>window.addEventListener("error", function (e) {{ document.body.setAttribute("data-error", String(e.message)); }});</script>"#
    )?;
    writeln!(w, "<h1>nearcopy similarity</h1>")?;
    let by = match p.by.as_str() {
        "doc" => "one per document".to_string(),
        "dir" => "one per directory".to_string(),
        other => format!("grouped by {}", other),
    };
    writeln!(
        w,
        r#"<p class="meta">{} sources ({}), {} documents, {}; {} on {} shingles; {}.</p>"#,
        s.sources,
        escape(&by),
        s.documents,
        human_bytes(s.bytes),
        if p.perms.is_some() {
            "MinHash estimates"
        } else {
            "exact counts"
        },
        p.shingles
            .iter()
            .map(|&k| size_label(k, p.tokens))
            .collect::<Vec<_>>()
            .join(", "),
        match p.top {
            None => "every pair that shares a shingle".to_string(),
            Some(k) => format!("the {k} most similar partners of each source"),
        }
    )?;
    if shown.len() < sim.sources.len() {
        writeln!(
            w,
            r#"<p class="meta">The heatmaps show {} of the {} sources: those with the largest share of their text found in another source.</p>"#,
            shown.len(),
            sim.sources.len()
        )?;
    }
    Ok(())
}

/// The heatmaps, one per shingle size, and their legend.
fn heatmaps(sim: &Similarity, shown: &[usize], w: &mut dyn Write) -> io::Result<()> {
    let p = &sim.params;
    writeln!(w, r#"<section id="heatmaps"><h2>Heatmaps</h2>"#)?;
    writeln!(
        w,
        r#"<div class="controls">Colour by <button type="button" data-metric="containment" class="on">containment (row in column)</button> <button type="button" data-metric="jaccard">Jaccard</button></div>"#
    )?;
    writeln!(w, r#"<div class="maps">"#)?;
    let order = shown
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(",");
    for &k in &p.shingles {
        let panel = panel(sim, k, shown, false);
        writeln!(
            w,
            r#"<figure data-shingle="{k}"><figcaption>{} shingles: <span class="metric">share of the row's shingles found in the column</span></figcaption>"#,
            size_label(k, p.tokens)
        )?;
        writeln!(
            w,
            r#"<svg class="heatmap" xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" data-cell="{c}" data-x0="{x0}" data-y0="{y0}" data-order="{order}">{body}</svg></figure>"#,
            w = panel.width,
            h = panel.height,
            c = panel.cell,
            x0 = panel.x0,
            y0 = panel.y0,
            body = panel.body
        )?;
    }
    writeln!(w, "</div>")?;
    writeln!(
        w,
        r#"<svg class="legend" xmlns="http://www.w3.org/2000/svg" width="260" height="32" viewBox="0 0 260 32" font-family="system-ui, sans-serif"><g transform="translate(8,0)">{}</g></svg>"#,
        legend(240.0)
    )?;
    writeln!(w, "</section>")
}

/// The side-by-side view, filled in by the script.
fn view_section(sim: &Similarity, w: &mut dyn Write) -> io::Result<()> {
    let p = &sim.params;
    writeln!(
        w,
        r#"<section id="view"><h2>Side by side: <span id="view-title"></span></h2><p class="figures" id="view-figures"></p>"#
    )?;
    let hint = match &sim.views {
        Some(v) if !v.pairs.is_empty() => format!(
            "Click a heatmap cell or a pair below: the two texts appear here with the passages they share (runs of {}-{} shingles found in both) highlighted; click a highlighted passage to find it in the other text.",
            v.shingle,
            if p.tokens == crate::text::TokenKind::Words { "word" } else { "character" }
        ),
        _ => "This report has no side-by-side views.".to_string(),
    };
    writeln!(w, r#"<p class="note" id="view-hint">{}</p>"#, escape(&hint))?;
    writeln!(
        w,
        r#"<div id="view-body" hidden><div class="sides"><div class="side"><h3 id="src-a"></h3><div class="doc" id="doc-a"></div><div class="text" id="text-a"></div></div><div class="side"><h3 id="src-b"></h3><div class="doc" id="doc-b"></div><div class="text" id="text-b"></div></div></div></div></section>"#
    )
}

/// The most similar pairs at the largest shingle size.
fn pairs_section(sim: &Similarity, w: &mut dyn Write) -> io::Result<()> {
    let p = &sim.params;
    // The most similar pairs at the largest size.
    let k = *p.shingles.last().unwrap_or(&5);
    let mut ranked: Vec<&crate::similarity::PairScore> =
        sim.pairs.iter().filter(|x| x.shingle == k).collect();
    ranked.sort_by(|x, y| {
        y.rank_key(p.rank)
            .total_cmp(&x.rank_key(p.rank))
            .then((x.ai, x.bi).cmp(&(y.ai, y.bi)))
    });
    const PAIRS_SHOWN: usize = 100;
    writeln!(
        w,
        r#"<section id="pairs"><h2>Most similar pairs ({} shingles)</h2>"#,
        size_label(k, p.tokens)
    )?;
    if ranked.is_empty() {
        writeln!(
            w,
            r#"<p class="note">No two sources share a {} shingle.</p>"#,
            size_label(k, p.tokens)
        )?;
    } else {
        writeln!(
            w,
            "<table><thead><tr><th>a</th><th>b</th><th>Jaccard</th><th>a in b</th><th>b in a</th><th>shared</th></tr></thead><tbody>"
        )?;
        for x in ranked.iter().take(PAIRS_SHOWN) {
            writeln!(
                w,
                r#"<tr class="pair" data-a="{}" data-b="{}"><td class="name" title="{a}">{a}</td><td class="name" title="{b}">{b}</td><td>{:.3}</td><td>{:.1}%</td><td>{:.1}%</td><td>{}</td></tr>"#,
                x.ai,
                x.bi,
                x.jaccard,
                100.0 * x.a_in_b,
                100.0 * x.b_in_a,
                x.shared,
                a = escape(&x.a),
                b = escape(&x.b)
            )?;
        }
        writeln!(w, "</tbody></table>")?;
        if ranked.len() > PAIRS_SHOWN {
            writeln!(
                w,
                r#"<p class="note">{} more pairs in --format json or csv.</p>"#,
                ranked.len() - PAIRS_SHOWN
            )?;
        }
    }
    writeln!(w, "</section>")
}

/// Every source with its counts.
fn sources_section(sim: &Similarity, w: &mut dyn Write) -> io::Result<()> {
    let p = &sim.params;
    writeln!(
        w,
        r#"<section id="sources"><h2>Sources</h2><table><thead><tr><th>#</th><th>source</th><th>documents</th><th>words</th>"#
    )?;
    for &k in &p.shingles {
        let l = size_label(k, p.tokens);
        write!(w, "<th>{l}: shingles</th><th>shared</th>")?;
        if p.perms.is_none() {
            write!(w, "<th>boilerplate</th>")?;
        }
    }
    writeln!(w, "</tr></thead><tbody>")?;
    for (i, st) in sim.source_stats.iter().enumerate() {
        write!(
            w,
            r#"<tr><td>{}</td><td class="name" title="{n}">{n}</td><td>{}</td><td>{}</td>"#,
            i + 1,
            st.documents,
            st.words,
            n = escape(&st.source)
        )?;
        for b in &st.by_shingle {
            write!(
                w,
                "<td>{}</td><td>{:.1}%</td>",
                b.shingles,
                100.0 * b.shared
            )?;
            if let Some(bp) = b.boilerplate {
                write!(w, "<td>{:.1}%</td>", 100.0 * bp)?;
            }
        }
        writeln!(w, "</tr>")?;
    }
    writeln!(w, "</tbody></table>")?;
    if p.perms.is_none() {
        writeln!(
            w,
            r#"<p class="note">shared: share of the source's distinct shingles that another source also has. boilerplate: share found in at least {} other documents.</p>"#,
            p.boilerplate_min_other_docs
        )?;
    }
    writeln!(w, "</section>")
}

/// The page's data as JSON, and the script that reads it.
fn data_and_script(sim: &Similarity, shown: &[usize], w: &mut dyn Write) -> io::Result<()> {
    // `<` never appears raw inside the script element, so no text in the
    // data can close it.
    let data = serde_json::to_string(&page_data(sim, shown))
        .map_err(io::Error::other)?
        .replace('<', "\\u003c");
    writeln!(
        w,
        r#"<script type="application/json" id="data">{data}</script>"#
    )?;
    writeln!(w, "<script>{SCRIPT}</script>")?;
    writeln!(w, "</body></html>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_ramp_ends() {
        assert_eq!(colour(0.0), "#f7fbff");
        assert_eq!(colour(1.0), "#08306b");
        assert_eq!(colour(2.0), "#08306b");
    }

    #[test]
    fn utf16_offsets_count_code_units() {
        let text = "é😀a"; // 2 + 4 + 1 bytes; 1 + 2 + 1 units
        assert_eq!(utf16_offsets(text, &[0, 2, 6, 7]), vec![0, 1, 3, 4]);
    }

    #[test]
    fn escape_covers_markup() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
