//! One module per subcommand.

pub mod dedup;
pub mod eval;
pub mod exact;
pub mod passages;
pub mod scan;
pub mod similarity;
pub mod synth;
