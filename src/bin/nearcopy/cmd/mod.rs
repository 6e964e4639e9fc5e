//! One module per subcommand.

pub mod dedup;
pub mod passages;
pub mod scan;
