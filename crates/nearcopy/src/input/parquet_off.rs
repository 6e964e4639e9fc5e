//! Parquet in a build without the `parquet` feature: Parquet files are
//! still recognised, and refused with a message that says how to read them.

use super::jsonl::Fields;
use super::{InputConfig, InputFile, RawRecord};
use crate::error::{Error, Invalid, Result};

const WHY: &str = "this nearcopy was built without Parquet support \
                   (build it with its default features to read Parquet)";

pub(crate) fn read(
    file: &InputFile,
    _file_index: u32,
    _cfg: &InputConfig,
    _threads: usize,
    _each: impl FnMut(Vec<RawRecord>) -> Result<bool>,
) -> Result<()> {
    Err(Error::Config(format!("{}: {WHY}", file.name)))
}

pub(crate) fn unframe(_bytes: &[u8], _cfg: &InputConfig) -> std::result::Result<Fields, Invalid> {
    Err(Invalid::Json(WHY.into()))
}

pub(crate) fn text_of(_bytes: &[u8], _cfg: &InputConfig) -> std::result::Result<String, Invalid> {
    Err(Invalid::Json(WHY.into()))
}
