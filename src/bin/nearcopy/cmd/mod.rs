//! One module per subcommand.

pub mod passages;
pub mod scan;
