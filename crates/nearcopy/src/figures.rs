//! How figures in results are rounded.
//!
//! Jaccard similarities, ratios and rates are rounded where they are
//! computed, not where they are printed, so that every report (text, JSON,
//! CSV, HTML) and every caller of the library sees the same value, and the
//! same input gives byte-identical JSON on any machine.

/// Rounds to 6 decimals so reports are stable and readable.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
