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
/// freed memory back, and a last release once the reads are done; in a
/// scan, the document-level read before them.
#[test]
fn a_corpus_search_reads_three_times_between_releases() {
    assert!(set_hook(record));
    assert!(!set_hook(record), "a second hook replaced the first");
    let line = "the same long sentence of more than eight words is printed in every \
                document of this small corpus";
    // The line, then words of each document's own: no two documents are
    // near-duplicates, so the scan reports the line as a passage too.
    let owned: Vec<String> = (0..4)
        .map(|d| {
            let own: Vec<String> = (0..40).map(|w| format!("w{d}x{w}")).collect();
            format!("{line}\n{}", own.join(" "))
        })
        .collect();
    let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
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
    let seen = std::mem::take(&mut *SEEN.lock().expect("lock"));
    use Phase::{Reading as Read, Releasing as Free};
    assert_eq!(seen, [Free, Read, Free, Read, Free, Read, Free]);

    // A default scan reads at document level first; without passages it
    // says nothing (its runs keep the command's own setting).
    let texts = nearcopy::input::Texts {
        texts: &texts,
        ids: None,
        sources: None,
    };
    let mut cfg = nearcopy::ScanConfig::default();
    let scan = nearcopy::scan(texts, &cfg, &nearcopy::progress::Silent).expect("scan");
    assert_eq!(scan.passages.len(), 1);
    let seen = std::mem::take(&mut *SEEN.lock().expect("lock"));
    assert_eq!(seen, [Read, Free, Read, Free, Read, Free, Read, Free]);
    cfg.passages.enabled = false;
    nearcopy::scan(texts, &cfg, &nearcopy::progress::Silent).expect("scan");
    assert!(SEEN.lock().expect("lock").is_empty());
}
