//! When freed memory should go back to the system: a hook the program
//! that links the library sets for its allocator.
//!
//! The passage search alternates two kinds of step. Its reads (count,
//! extract, locate) allocate and free the same batch buffers thousands of
//! times on several threads; memory given back to the system at once is
//! taken back a moment later, which costs a page fault and a zeroed page
//! per 4 KiB, and every return to the system interrupts the other threads
//! to flush their address translations. Between the reads it frees
//! hundreds of megabytes at a time (the counting filter, sorted
//! fingerprints, the suffix array) just before the next step allocates as
//! much: kept for later reuse, both would be resident at once and the peak
//! would rise by that much. So the reads want freed memory kept, the steps
//! between them want it given back at once.
//!
//! The library does not choose an allocator; it says which kind of step
//! begins, at each step of the passage search and at the document-level
//! read of a scan that searches passages next, and a program that set a
//! hook with [`set_hook`] (the `nearcopy` command does, for mimalloc) turns
//! that into its allocator's settings. Without a hook nothing happens.

use std::sync::OnceLock;

/// The kind of step that begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// A read that allocates and frees batch buffers over and over: keep
    /// freed memory for reuse.
    Reading,
    /// Steps that free large arrays before allocating others: give freed
    /// memory back at once, and what was kept during the read before too.
    Releasing,
}

static HOOK: OnceLock<fn(Phase)> = OnceLock::new();

/// Sets the hook told of every [`Phase`] that begins; the first hook set
/// stays (returns `false` if one was already set).
pub fn set_hook(hook: fn(Phase)) -> bool {
    HOOK.set(hook).is_ok()
}

/// Tells the hook, if one is set, that a step of this kind begins.
pub(crate) fn enter(phase: Phase) {
    if let Some(hook) = HOOK.get() {
        hook(phase);
    }
}
