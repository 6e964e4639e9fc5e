//! One module per subcommand.

pub mod completions;
pub mod dedup;
pub mod eval;
pub mod exact;
pub mod index;
pub mod man;
pub mod passages;
pub mod scan;
pub mod similarity;
pub mod synth;
