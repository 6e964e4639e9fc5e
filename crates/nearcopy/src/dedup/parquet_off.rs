//! Parquet output in a build without the `parquet` feature: refused
//! before any work, with a message that says how to get it.

use std::path::Path;

use crate::document::Origin;
use crate::error::{Error, Result};
use crate::input::{InputConfig, Inputs};
use crate::output::{AtomicFile, Finished};

/// Never made: [`check`] always refuses.
pub(super) enum Layout {}

/// What becomes of each document (see the Parquet build).
#[derive(Debug, Default)]
pub(super) struct Fates {
    pub kept: Vec<bool>,
    pub cut: ahash::AHashMap<u32, String>,
}

pub(super) fn check(_inputs: &Inputs, out: &Path) -> Result<Layout> {
    Err(Error::Config(format!(
        "{}: this nearcopy was built without Parquet support (build it with its \
         default features to write Parquet, or write JSON Lines)",
        out.display()
    )))
}

pub(super) fn write(
    _inputs: &Inputs,
    _cfg: &InputConfig,
    layout: Layout,
    _origins: &[Origin],
    _fates: &Fates,
    _file: AtomicFile,
) -> Result<(Finished, u64)> {
    match layout {}
}
