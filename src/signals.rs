//! SIGINT, SIGTERM and SIGHUP: stop at once, leave no temporary file.
//!
//! A signal is taken by a thread of its own rather than checked between
//! batches, because some stages (a sort, a suffix array, a merge) run for
//! many seconds without a batch boundary. The thread removes every temporary
//! file the library registered ([`nearcopy::tempfiles::remove_all`]) and
//! exits with 128 + the signal's number (130, 143, 129), holding the
//! registry's lock so that no output is renamed into place half-way. Outputs
//! that existed before the run are untouched: they are only ever replaced by
//! a rename of a complete file.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Set when a signal arrived: the progress bar stops drawing.
pub static STOPPING: AtomicBool = AtomicBool::new(false);

/// Starts the thread that handles the signals. Without it (an unusual
/// platform), signals keep their default effect; temporary files are then
/// swept by the next run.
pub fn install() {
    let Ok(mut signals) = Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                stop(sig);
            }
        });
}

fn stop(sig: i32) -> ! {
    STOPPING.store(true, Ordering::SeqCst);
    let _held = nearcopy::tempfiles::remove_all();
    let name = match sig {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        _ => "SIGHUP",
    };
    let mut err = std::io::stderr().lock();
    // Clears a progress bar's line.
    let clear = if std::io::stderr().is_terminal() {
        "\r\x1b[2K"
    } else {
        ""
    };
    let _ = writeln!(
        err,
        "{clear}nearcopy: interrupted by {name}; temporary files removed, existing outputs left as they were"
    );
    let _ = err.flush();
    std::process::exit(128 + sig);
}
