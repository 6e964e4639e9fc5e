//! Integration tests: one binary, one module per area.
//!
//! Tests that read the evaluation data in `../shared/evaldata` skip with a
//! message when it is absent (a fresh clone), so the suite passes anywhere.

mod adversarial;
mod cluster;
mod common;
mod contract;
mod dedup;
mod eval;
mod exact;
mod golden;
mod index;
mod layers;
#[cfg(feature = "parquet")]
mod parquet;
mod passages;
mod properties;
mod quality;
mod reliability;
mod scan;
mod similarity;
mod synth;
