//! One module per subcommand.

pub mod scan;
pub mod similarity;
