//! The argument definitions of the `nearcopy` command.
//!
//! The binary (`src/main.rs`) parses them and runs the library. They are a
//! library of their own so that the Python package (`python/`) parses its
//! keyword arguments with the same definitions: every option, default and
//! check is the command's, and the two cannot drift apart.

pub mod args;
