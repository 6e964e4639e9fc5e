//! Progress bars on standard error, only when it is a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nearcopy::progress::Progress;

/// A progress bar with records/s and MB/s, or nothing.
pub struct Bar {
    bar: Option<ProgressBar>,
    stage: Mutex<(String, Instant)>,
    records: AtomicU64,
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
            stage: Mutex::new((String::new(), Instant::now())),
            records: AtomicU64::new(0),
        }
    }
}

fn style(known: bool) -> ProgressStyle {
    let t = if known {
        "{msg:10} [{elapsed_precise}] {wide_bar} {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} ETA {eta}"
    } else {
        "{msg:10} [{elapsed_precise}] {decimal_bytes} {decimal_bytes_per_sec}"
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
            self.records.store(0, Ordering::Relaxed);
            if let Ok(mut s) = self.stage.lock() {
                *s = (name.to_string(), Instant::now());
            }
        }
    }

    fn advance(&self, docs: u64, bytes: u64) {
        if let Some(b) = &self.bar {
            b.inc(bytes);
            if docs > 0 {
                let n = self.records.fetch_add(docs, Ordering::Relaxed) + docs;
                if let Ok(s) = self.stage.lock() {
                    let rate = n as f64 / s.1.elapsed().as_secs_f64().max(1e-3);
                    b.set_message(format!("{} {n} records {rate:.0}/s", s.0));
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }

    fn cancelled(&self) -> bool {
        crate::signals::STOPPING.load(Ordering::Relaxed)
    }
}
