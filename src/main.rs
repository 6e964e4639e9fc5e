//! The `nearcopy` command: parses arguments, calls the library, writes the
//! report. Exit codes: 0 success, 1 error, 2 bad usage; 130, 143 and 129
//! when stopped by SIGINT (Ctrl-C), SIGTERM or SIGHUP (no temporary file is
//! left, and existing outputs are untouched).

mod bar;
mod cluster;
mod cmd;
mod signals;

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use nearcopy_cli::args;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    set_purge_delay(cli.command.document_level());
    turn_huge_pages_off();
    signals::install();
    quiet_network_panics();
    let result = match cli.command {
        args::Command::Scan(a) => cmd::scan::run(a),
        args::Command::Similarity(a) => cmd::similarity::run(a),
        args::Command::Synth(a) => cmd::synth::run(a),
        args::Command::Eval(a) => cmd::eval::run(a),
        args::Command::Exact(a) => cmd::exact::run(a),
        args::Command::Passages(a) => cmd::passages::run(a),
        args::Command::Dedup(a) => cmd::dedup::run(a),
        args::Command::Index(c) => cmd::index::run(c),
        args::Command::Completions(a) => cmd::completions::run(a),
        args::Command::Man(a) => cmd::man::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) if is_interrupted(&e) => {
            let _ = writeln!(io::stderr(), "nearcopy: {e}");
            ExitCode::from(130)
        }
        Err(e) => {
            let _ = writeln!(io::stderr(), "nearcopy: {}", message(&e));
            ExitCode::from(1)
        }
    }
}

/// An error with the causes its own message does not already say.
pub fn message(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(&format!(": {c}"));
        }
    }
    msg
}

/// A cluster's network threads (timely's) end with a panic when a peer goes
/// away; the run reports the lost process itself, in one line, so their
/// panic messages are left out.
fn quiet_network_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let network = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("timely:"));
        if !network {
            default(info);
        }
    }));
}

/// A closed pipe (`nearcopy … | head`) is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Ctrl-C, honoured by the library.
fn is_interrupted(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<nearcopy::Error>(),
        Some(nearcopy::Error::Interrupted)
    )
}

/// Warns on standard error about what the reader noticed but did not stop
/// for: documents that reuse an id.
pub fn warn_skipped(skipped: &nearcopy::input::Skipped) {
    if let Some(w) = skipped.duplicate_ids.describe() {
        let _ = writeln!(io::stderr(), "nearcopy: warning: {w}");
    }
}

/// Writes a report to `output` (see [`nearcopy::output`]: atomically for a
/// file, directly for `-`, a device or a FIFO), or to standard output.
pub fn emit(
    output: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    match output {
        Some(path) => Ok(nearcopy::output::write_atomic(path, write)?),
        None => {
            let stdout = io::stdout();
            let mut w = io::BufWriter::new(stdout.lock());
            write(&mut w)?;
            w.flush()?;
            Ok(())
        }
    }
}

// Documents and batches are allocated and freed at a high rate from several
// threads; mimalloc cuts the time glibc's allocator spent there (measured in
// BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in `enum mi_option_e` of the mimalloc.h that
/// libmimalloc-sys builds (v3; the same number in v2).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// Purge delays, in milliseconds, for the two kinds of run.
const PASSAGE_PURGE_DELAY: std::ffi::c_long = 0;
const DOCUMENT_PURGE_DELAY: std::ffi::c_long = 1000;
/// The reads of a passage search: long enough for the batch buffers a
/// thread frees to be taken again, short enough that those of the read
/// that ends at the peak (the extract read) are not still held there.
const PASSAGE_READ_PURGE_DELAY: std::ffi::c_long = 100;

/// When mimalloc gives freed memory back to the system, by the kind of run.
///
/// * **Passage searches**: none. The search frees hundreds of megabytes
///   (its repeat filter, the fingerprints it has sorted) just before its
///   next step allocates its arrays, so with a second's delay both were
///   resident: 1.48 GB at the peak of a scan of 961 MB of news, 1.41 with
///   10 ms, 1.34 with none. A delayed purge waits for the freeing thread's
///   next call into the allocator, so even 10 ms left the sorted
///   fingerprints resident through the suffix array step whenever that
///   thread had nothing else to do: the default scan of synth-200k peaked
///   at 1,035 and 1,045 MiB in two of three runs with 10 ms, at 818–822
///   MiB in all three with none, in the same time within the noise
///   (BENCHMARKS.md, "Filter probes ahead, places and boundaries by index,
///   memory given back at once").
/// * **Document-level runs** (`scan --no-passages`, `dedup` without
///   `--passages` or `--boilerplate`, `index add`): a second (mimalloc
///   v3's default). Their memory is read buffers, records and the store's
///   page cache, freed on one thread and allocated again on another batch
///   after batch; given back after 10 ms, each batch took its pages afresh
///   from the system, which zeroes them. With a second, `scan
///   --no-passages` of 961 MB ran in 3.41 s instead of 3.99; the peaks
///   rose by 20 to 80 MiB, and by up to 250 MiB for one 500 MB record
///   (BENCHMARKS.md, "Freed memory").
///
/// Within a passage search, its reads (which free and take again the same
/// batch buffers) run with a delay of 100 ms, and the steps between them
/// with none ([`nearcopy::memory`]): with none throughout, a tenth of the
/// default scan's time went to taking pages back from the system and to
/// the interrupts that giving them back sends the other threads; with a
/// second, the freed buffers of the extract read were still held at its
/// end, the peak of the search (BENCHMARKS.md, "Freed memory kept during
/// the passage reads").
///
/// `MIMALLOC_PURGE_DELAY` in the environment still decides.
fn set_purge_delay(document_level: bool) {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    let delay = if document_level {
        DOCUMENT_PURGE_DELAY
    } else {
        PASSAGE_PURGE_DELAY
    };
    // SAFETY: sets a plain integer option; mimalloc reads it each time it
    // decides whether to purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, delay) }
    nearcopy::memory::set_hook(enter_phase);
}

/// The purge delay for a step of the passage search; a step that releases
/// first gives back what the read before it kept.
fn enter_phase(phase: nearcopy::memory::Phase) {
    use nearcopy::memory::Phase;
    let delay = match phase {
        Phase::Reading => PASSAGE_READ_PURGE_DELAY,
        Phase::Releasing => PASSAGE_PURGE_DELAY,
    };
    // SAFETY: as in `set_purge_delay`; `mi_collect` only returns this
    // thread's freed pages and mimalloc's pending purges to the system.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, delay);
        if phase == Phase::Releasing {
            libmimalloc_sys::mi_collect(true);
        }
    }
}

/// Turns transparent huge pages off for this process.
///
/// mimalloc asks for them (`madvise`), so every fresh page it touched made
/// the kernel zero a whole 2 MiB, and memory given back and taken again
/// was zeroed 2 MiB at a time: `clear_page` was 15 % of the samples of
/// `scan --no-passages`. Without them:
///
/// * **Document-level runs**: `scan --no-passages` of the reference
///   corpus took 1.16 s instead of 1.35 (medians of seven rounds), the
///   adversarial cases up to half the time, and every peak fell by 11 to
///   100 MiB.
/// * **Passage searches**: the same speed (the suffix array's random
///   accesses lose a little, the reads gain as much) and a lower, steadier
///   peak: 856–921 MiB instead of 934–1,093 for the default scan of 961 MB.
///
/// (BENCHMARKS.md, "Huge pages".) `MIMALLOC_ALLOW_THP` in the environment
/// still decides (mimalloc reads it when it starts).
fn turn_huge_pages_off() {
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_some() {
        return;
    }
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes
    // nothing but the process's huge-page flag; its failure (an old kernel)
    // leaves the process as it was.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option's number is the purge delay's: nothing else among
    /// mimalloc's options defaults to 1000 (milliseconds). A mimalloc whose
    /// options were renumbered fails here rather than having another
    /// option changed.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            eprintln!("skipped: MIMALLOC_PURGE_DELAY is set, so it decides");
            return;
        }
        // SAFETY: reads and sets plain integer options.
        let before = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert!(
            [
                1000,
                PASSAGE_PURGE_DELAY,
                DOCUMENT_PURGE_DELAY,
                PASSAGE_READ_PURGE_DELAY
            ]
            .contains(&before),
            "option 15 is {before}"
        );
        for (document_level, want) in [(true, DOCUMENT_PURGE_DELAY), (false, PASSAGE_PURGE_DELAY)] {
            set_purge_delay(document_level);
            let after = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
            assert_eq!(after, want, "document level: {document_level}");
        }
        // Each step of a passage search gets its delay through the hook
        // (here, in the one test that sets the option, so that no other
        // test thread changes it between setting and reading).
        use nearcopy::memory::Phase;
        for (phase, want) in [
            (Phase::Reading, PASSAGE_READ_PURGE_DELAY),
            (Phase::Releasing, PASSAGE_PURGE_DELAY),
        ] {
            enter_phase(phase);
            // SAFETY: reads a plain integer option.
            let after = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
            assert_eq!(after, want, "{phase:?}");
        }
    }

    /// Huge pages end up off for the process, unless the environment says.
    #[cfg(target_os = "linux")]
    #[test]
    fn huge_pages_are_turned_off() {
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_some() {
            eprintln!("skipped: MIMALLOC_ALLOW_THP is set, so it decides");
            return;
        }
        turn_huge_pages_off();
        // SAFETY: reads the process's flag.
        let flag = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        assert_eq!(flag, 1, "huge pages still allowed");
    }

    /// Which runs count as document-level, from their arguments.
    #[test]
    fn document_level_runs_are_those_without_a_passage_search() {
        use clap::Parser;
        let cases: &[(&[&str], bool)] = &[
            (&["scan", "c"], false),
            (&["scan", "c", "--no-passages"], true),
            (&["passages", "c"], false),
            (&["dedup", "c", "-o", "o"], true),
            (&["dedup", "c", "-o", "o", "--index", "i"], true),
            (&["dedup", "c", "-o", "o", "--passages"], false),
            (&["dedup", "c", "-o", "o", "--boilerplate", "5"], false),
            (&["index", "add", "i", "c"], true),
            (&["index", "verify", "i"], false),
            (&["similarity", "c"], false),
        ];
        for (argv, want) in cases {
            let cli =
                args::Cli::try_parse_from(std::iter::once("nearcopy").chain(argv.iter().copied()))
                    .unwrap_or_else(|e| panic!("{argv:?}: {e}"));
            assert_eq!(cli.command.document_level(), *want, "{argv:?}");
        }
    }
}
