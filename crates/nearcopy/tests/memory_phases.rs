//! The steps of a corpus passage search, as the memory hook hears them.
//!
//! In a test binary of its own: the hook is global to the process, and
//! another search running beside this one would add its calls.

use std::sync::Mutex;

use nearcopy::memory::{set_hook, Phase};

static SEEN: Mutex<Vec<Phase>> = Mutex::new(Vec::new());

fn record(phase: Phase) {
    if let Ok(mut seen) = SEEN.lock() {
        seen.push(phase);
    }
}

/// Three reads (count, extract, locate), each after a step that gives
/// freed memory back, and a last release once the reads are done.
#[test]
fn a_corpus_search_reads_three_times_between_releases() {
    assert!(set_hook(record));
    assert!(!set_hook(record), "a second hook replaced the first");
    let line = "the same long sentence of more than eight words is printed in every \
                document of this small corpus";
    let texts = [line; 4];
    let found = nearcopy::passages::find(
        nearcopy::input::Texts {
            texts: &texts,
            ids: None,
            sources: None,
        },
        &nearcopy::ScanConfig::default(),
        &nearcopy::progress::Silent,
    )
    .expect("search");
    assert_eq!(found.passages.len(), 1);
    let seen = SEEN.lock().expect("lock").clone();
    use Phase::{Reading as Read, Releasing as Free};
    assert_eq!(seen, [Free, Read, Free, Read, Free, Read, Free]);
}
