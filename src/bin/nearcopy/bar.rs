//! Progress bars on standard error, only when it is a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nearcopy::progress::Progress;

/// A progress bar with documents/s and MB/s, or nothing.
pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    /// A bar unless `quiet` or standard error is not a terminal.
    pub fn new(quiet: bool) -> Bar {
        let show = !quiet && std::io::stderr().is_terminal();
        Bar {
            bar: show.then(|| {
                let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8));
                b.set_style(style(false));
                b
            }),
        }
    }
}

fn style(known: bool) -> ProgressStyle {
    let t = if known {
        "{msg:10} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}"
    } else {
        "{msg:10} [{elapsed_precise}] {bytes} {binary_bytes_per_sec}"
    };
    ProgressStyle::with_template(t).unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl Progress for Bar {
    fn stage(&self, name: &str, total: Option<u64>) {
        if let Some(b) = &self.bar {
            b.reset();
            b.set_style(style(total.is_some()));
            if let Some(t) = total {
                b.set_length(t);
            }
            b.set_message(name.to_string());
        }
    }

    fn advance(&self, _docs: u64, bytes: u64) {
        if let Some(b) = &self.bar {
            b.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
