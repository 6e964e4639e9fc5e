//! Progress reporting without printing.
//!
//! The library never writes to the terminal; long-running functions take a
//! `&dyn Progress` and the CLI turns the calls into progress bars.

/// Receives progress of a long-running job. Every method has a do-nothing
/// default.
pub trait Progress: Sync {
    /// A new stage starts; `total_bytes` is known when the input size is.
    fn stage(&self, _name: &str, _total_bytes: Option<u64>) {}
    /// `docs` documents totalling `bytes` raw bytes were processed.
    fn advance(&self, _docs: u64, _bytes: u64) {}
    /// The job is over (success or not).
    fn finish(&self) {}
    /// Whether the job should stop (the user pressed Ctrl-C). Checked
    /// between batches; a job that stops returns
    /// [`crate::Error::Interrupted`] and leaves no partial output.
    fn cancelled(&self) -> bool {
        false
    }
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}
