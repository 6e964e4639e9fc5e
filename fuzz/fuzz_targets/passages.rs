//! The passage finder (`src/passages/`) against a brute-force oracle on
//! small texts: `passages::within_document` on one text, and the corpus
//! finder (`passages::find_in`) on the same text cut into one to three
//! documents of a JSON Lines file.
//!
//! The first byte picks the shortest repeat (`min_words` 2 to 5), words or
//! characters, the size of the pieces documents are read in (the finder's
//! path for huge records, here at 7 to 105 bytes, or whole), and whether the
//! rest is taken as text or as a sequence of words from a vocabulary of
//! eight (each byte one word and a separator:
//! space, newline, blank line or `. `), which makes repeats, paragraphs and
//! edited copies common. A `|` byte in the text starts the next document
//! (at most three) for the corpus finder.
//!
//! Properties (tokens compared by their normalised form, NFKC + lowercase):
//!
//! * every reported copy starts at the first byte of a token and ends at the
//!   last byte of one, and copies of one group never overlap;
//! * the copies of an exact group have equal token sequences of at least
//!   `min_words` tokens, and `words` is their length; edited groups have a
//!   similarity at or above the threshold;
//! * every pair of non-overlapping places holding the same `min_words`
//!   tokens, in one document or two, lies inside reported copies: nothing
//!   repeated is missed;
//! * groups are labelled within / across by their number of documents;
//! * on one document, the corpus finder reports the same copies as
//!   `within_document`;
//! * read in pieces, `RepeatFinder::try_find_owned` (how `dedup` searches a
//!   huge record, giving up its text meanwhile) gives the text back as it
//!   was, with the repeats of `within_document`.
//!
//! Inputs are capped at 2 KB and 300 tokens: periodic text (`a a a a …`)
//! makes the finder's memory grow with the square of the period count, a
//! known problem dealt with separately.
#![no_main]

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nearcopy::config::{PassageConfig, ScanConfig};
use nearcopy::input::Inputs;
use nearcopy::passages::{self, Kind, Match, Repeat};
use nearcopy::progress::Silent;
use nearcopy::text::{self, TokenKind};

const MAX_BYTES: usize = 2048;
const MAX_TOKENS: usize = 300;

fn dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temporary directory"))
        .path()
}

/// One document: its text, tokens as byte ranges and normalised forms.
struct Doc {
    text: String,
    spans: Vec<Range<usize>>,
    norm: Vec<String>,
}

impl Doc {
    fn new(text: String, kind: TokenKind) -> Doc {
        let mut toks = Vec::new();
        text::tokenize(&text, kind, &mut toks);
        let spans: Vec<Range<usize>> = toks.iter().map(|t| t.span()).collect();
        let norm = spans
            .iter()
            .map(|r| text::normalise(&text[r.clone()]))
            .collect();
        Doc { text, spans, norm }
    }

    /// The tokens `s..e` that byte range `r` covers exactly, or a panic.
    fn tokens_of(&self, r: &Range<usize>, what: &str) -> Range<usize> {
        let s = self.spans.iter().position(|t| t.start == r.start);
        let e = self.spans.iter().position(|t| t.end == r.end);
        match (s, e) {
            (Some(s), Some(e)) if s <= e => s..e + 1,
            _ => panic!(
                "{what}: {r:?} does not start and end on tokens of {:?} (tokens {:?})",
                self.text, self.spans
            ),
        }
    }
}

/// Pairs of places holding the same `m` tokens, not overlapping: the
/// places (document, token range) a report must cover.
fn repeated_places(docs: &[Doc], m: usize) -> BTreeSet<(usize, usize)> {
    let mut all: Vec<(usize, usize)> = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        if doc.norm.len() >= m {
            all.extend((0..=doc.norm.len() - m).map(|p| (d, p)));
        }
    }
    let mut must = BTreeSet::new();
    for (x, &(d1, p1)) in all.iter().enumerate() {
        for &(d2, p2) in &all[x + 1..] {
            if d1 == d2 && p2 < p1 + m {
                continue;
            }
            if docs[d1].norm[p1..p1 + m] == docs[d2].norm[p2..p2 + m] {
                must.insert((d1, p1));
                must.insert((d2, p2));
            }
        }
    }
    must
}

/// Whether to excuse repeats in the last, partial period of a periodic
/// stretch reported as adjacent copies (see [`assert_covered`]). Off: the
/// finder reports such a tail with its copy one period earlier.
const EXCUSE_TANDEM_TAIL: bool = false;

/// Whether repeated places inside a square (text immediately repeated,
/// `A A`, or a longer periodic stretch) need only have each token in some
/// reported copy, instead of lying inside one copy or adjacent copies of one
/// group (see [`assert_covered`]).
const WEAK_IN_SQUARES: bool = true;

/// Whether to excuse repeated places whose tokens repeat themselves with a
/// period shorter than `min_words` (`the the the the`, `a b a b a`). Off:
/// such a run is reported as its two maximal copies, which cover it.
const EXCUSE_SHORT_PERIOD: bool = false;

/// Whether `w` has a period shorter than itself.
fn short_period(w: &[String]) -> bool {
    (1..w.len()).any(|p| w[p..].iter().zip(w).all(|(a, b)| a == b))
}

/// The periodic stretches of `norm` at least twice their period long,
/// as token ranges.
fn squares(norm: &[String]) -> Vec<Range<usize>> {
    let n = norm.len();
    let mut out = Vec::new();
    for period in 1..=n / 2 {
        let mut k = 0;
        while k + period < n {
            if norm[k] != norm[k + period] {
                k += 1;
                continue;
            }
            let a = k;
            while k + period < n && norm[k] == norm[k + period] {
                k += 1;
            }
            if k - a >= period {
                out.push(a..k + period);
            }
        }
    }
    out
}

/// Checks that every repeated place lies inside a reported copy, or inside
/// adjacent copies of one group: text repeated with a period of at least
/// `min_words` tokens (`A A A`) is reported as the copies of its period, and
/// a run straddling two of them (the end of one `A` and the start of the
/// next) is not a group of its own.
///
/// Inside a periodic stretch a repeated place may straddle the copies of
/// different groups (the end of one period and the start of a shifted
/// copy); with [`WEAK_IN_SQUARES`] such a place need only have each of its
/// tokens in some copy. [`EXCUSE_TANDEM_TAIL`] (adjacent copies reach up to
/// one period less one token further while the period continues) and
/// [`EXCUSE_SHORT_PERIOD`] (places that repeat themselves are not checked)
/// are off: the finder no longer needs them.
fn assert_covered(
    docs: &[Doc],
    m: usize,
    groups: &[Vec<(usize, Range<usize>)>],
    what: &str,
    cfg: &PassageConfig,
) {
    let mut spans: Vec<(usize, Range<usize>)> = Vec::new();
    let mut in_copy: Vec<Vec<bool>> = docs.iter().map(|d| vec![false; d.norm.len()]).collect();
    for g in groups {
        let mut copies = g.clone();
        copies.sort_by_key(|(d, r)| (*d, r.start));
        let first = spans.len();
        let mut periods = Vec::new();
        for (d, r) in copies {
            for t in r.clone() {
                in_copy[d][t] = true;
            }
            match spans[first..].last_mut() {
                Some((ld, last)) if *ld == d && last.end == r.start => {
                    *periods.last_mut().unwrap() = r.len();
                    last.end = r.end;
                }
                _ => {
                    spans.push((d, r));
                    periods.push(0);
                }
            }
        }
        if EXCUSE_TANDEM_TAIL {
            // Adjacent copies reach as far as their period continues, up to
            // one period less one token.
            for ((d, span), period) in spans[first..].iter_mut().zip(periods) {
                let norm = &docs[*d].norm;
                let mut extra = 0;
                while period > 0
                    && extra + 1 < period
                    && span.end < norm.len()
                    && norm[span.end] == norm[span.end - period]
                {
                    in_copy[*d][span.end] = true;
                    span.end += 1;
                    extra += 1;
                }
            }
        }
    }
    let squares: Vec<Vec<Range<usize>>> = docs.iter().map(|d| squares(&d.norm)).collect();
    for (d, p) in repeated_places(docs, m) {
        if EXCUSE_SHORT_PERIOD && short_period(&docs[d].norm[p..p + m]) {
            continue;
        }
        let mut covered = spans
            .iter()
            .any(|(cd, r)| *cd == d && r.start <= p && p + m <= r.end);
        if !covered && WEAK_IN_SQUARES && squares[d].iter().any(|q| q.start <= p && p + m <= q.end)
        {
            covered = in_copy[d][p..p + m].iter().all(|&c| c);
        }
        assert!(
            covered,
            "{what}: tokens {p}..{} of document {d} ({:?}) repeat but are not in any reported copy \
             (min_words {}, {:?}); copies {groups:?} in {:?}",
            p + m,
            &docs[d].norm[p..p + m],
            m,
            cfg.tokens,
            docs.iter().map(|d| &d.text).collect::<Vec<_>>()
        );
    }
}

/// Checks the copies of one group: on tokens, not overlapping, equal when
/// exact. Returns their token ranges.
fn check_group(
    docs: &[Doc],
    copies: &[(usize, Range<usize>)],
    matched: Match,
    words: usize,
    similarity: f64,
    cfg: &PassageConfig,
    what: &str,
) -> Vec<(usize, Range<usize>)> {
    assert!(copies.len() >= 2, "{what}: a group with one copy");
    let toks: Vec<(usize, Range<usize>)> = copies
        .iter()
        .map(|(d, r)| (*d, docs[*d].tokens_of(r, what)))
        .collect();
    assert_eq!(
        toks[0].1.len(),
        words,
        "{what}: words is not the first copy's length"
    );
    for (x, (d1, r1)) in toks.iter().enumerate() {
        for (d2, r2) in &toks[x + 1..] {
            // A run whose period is shorter than min_words is reported as its
            // two maximal copies, one period apart: they overlap by design.
            let period = r1.start.abs_diff(r2.start);
            let periodic_pair = matched == Match::Exact
                && toks.len() == 2
                && d1 == d2
                && period > 0
                && period < cfg.min_words as usize;
            assert!(
                periodic_pair || d1 != d2 || r1.end <= r2.start || r2.end <= r1.start,
                "{what}: copies {r1:?} and {r2:?} of document {d1} overlap"
            );
        }
    }
    match matched {
        Match::Exact => {
            assert_eq!(similarity, 1.0);
            let first = &docs[toks[0].0].norm[toks[0].1.clone()];
            assert!(
                first.len() >= cfg.min_words,
                "{what}: exact repeat shorter than min_words"
            );
            for (d, r) in &toks[1..] {
                assert_eq!(
                    &docs[*d].norm[r.clone()],
                    first,
                    "{what}: the copies of an exact repeat differ"
                );
            }
        }
        Match::Edited => {
            assert!(
                similarity >= cfg.passage_threshold - 1e-6 && similarity <= 1.0,
                "{what}: edited similarity {similarity}"
            );
        }
        Match::Line => {}
    }
    toks
}

fn check_within(doc: &Doc, reps: &[Repeat], cfg: &PassageConfig) -> Vec<Vec<Range<usize>>> {
    let docs = std::slice::from_ref(doc);
    let mut all = Vec::new();
    let mut groups = Vec::new();
    for (k, r) in reps.iter().enumerate() {
        let what = format!("within_document repeat {k} {r:?}");
        for w in r.later.windows(2) {
            assert!(
                w[0].start < w[1].start,
                "{what}: later copies not ascending"
            );
        }
        let copies: Vec<(usize, Range<usize>)> = std::iter::once(r.first.clone())
            .chain(r.later.iter().cloned())
            .map(|c| (0, c))
            .collect();
        all.push(check_group(
            docs,
            &copies,
            r.matched,
            r.words,
            r.similarity,
            cfg,
            &what,
        ));
        let mut bytes: Vec<Range<usize>> = copies.into_iter().map(|(_, c)| c).collect();
        bytes.sort_by_key(|c| (c.start, c.end));
        groups.push(bytes);
    }
    assert_covered(docs, cfg.min_words, &all, "within_document", cfg);
    // Cutting every later copy leaves text, and each cut lies in the text.
    for c in passages::later_copies(reps) {
        assert!(c.start < c.end && c.end <= doc.text.len());
    }
    groups.sort_by_key(|g| g.iter().map(|c| (c.start, c.end)).collect::<Vec<_>>());
    groups
}

fn check_corpus(docs: &[Doc], cfg: &PassageConfig) -> Option<Vec<Vec<Range<usize>>>> {
    let path: PathBuf = dir().join("docs.jsonl");
    let mut jsonl = String::new();
    for (d, doc) in docs.iter().enumerate() {
        let line = serde_json::json!({"id": format!("d{d}"), "text": doc.text});
        jsonl.push_str(&line.to_string());
        jsonl.push('\n');
    }
    std::fs::write(&path, jsonl).unwrap();
    let scan = ScanConfig {
        passages: cfg.clone(),
        threads: 1,
        ..ScanConfig::default()
    };
    let inputs = Inputs::open(&[path], &scan.input).unwrap();
    let found = match passages::find_in(&inputs, &scan, &Silent) {
        Ok(f) => f,
        Err(e) => panic!("corpus finder failed: {e}"),
    };
    assert_eq!(found.summary.documents, docs.len() as u64);
    let mut all = Vec::new();
    let mut groups = Vec::new();
    for (k, g) in found.passages.iter().enumerate() {
        let what = format!("corpus group {k} {g:?}");
        let copies: Vec<(usize, Range<usize>)> = g
            .occurrences
            .iter()
            .map(|o| {
                let d: usize = o.doc.strip_prefix('d').unwrap().parse().unwrap();
                assert_eq!(d, o.doc_index as usize);
                (d, o.start as usize..o.end as usize)
            })
            .collect();
        for w in copies.windows(2) {
            assert!(
                (w[0].0, w[0].1.start) < (w[1].0, w[1].1.start),
                "{what}: occurrences not by document and offset"
            );
        }
        let toks = check_group(
            docs,
            &copies,
            g.matched,
            g.words as usize,
            g.similarity,
            cfg,
            &what,
        );
        for ((_, r), o) in toks.iter().zip(&g.occurrences) {
            assert_eq!(o.words as usize, r.len(), "{what}: words of an occurrence");
        }
        let distinct: BTreeSet<usize> = copies.iter().map(|(d, _)| *d).collect();
        assert_eq!(g.documents as usize, distinct.len());
        let kind = match distinct.len() {
            n if n >= cfg.boilerplate_docs => Kind::Boilerplate,
            1 => Kind::Within,
            _ => Kind::Across,
        };
        assert_eq!(g.kind, kind, "{what}: kind");
        all.push(toks);
        let mut bytes: Vec<Range<usize>> = copies.into_iter().map(|(_, c)| c).collect();
        bytes.sort_by_key(|c| (c.start, c.end));
        groups.push(bytes);
    }
    assert_covered(docs, cfg.min_words, &all, "corpus finder", cfg);
    groups.sort_by_key(|g| g.iter().map(|c| (c.start, c.end)).collect::<Vec<_>>());
    Some(groups)
}

const VOCAB: [&str; 8] = ["the", "cat", "sat", "on", "a", "Mat", "THE", "dog"];
const SEPS: [&str; 4] = [" ", "\n", "\n\n", ". "];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    if body.len() > MAX_BYTES {
        return;
    }
    let kind = if mode & 4 != 0 {
        TokenKind::Chars
    } else {
        TokenKind::Words
    };
    // The high four bits, when set, make the corpus finder read documents a
    // piece of 7 to 105 bytes at a time (its path for huge records).
    let piece_bytes = match mode >> 4 {
        0 => PassageConfig::for_tokens(kind).piece_bytes,
        p => 7 * p as usize,
    };
    let cfg = PassageConfig {
        min_words: 2 + (mode & 3) as usize,
        piece_bytes,
        ..PassageConfig::for_tokens(kind)
    };
    let text: String = if mode & 8 != 0 {
        body.iter()
            .map(|&b| {
                if b == b'|' {
                    "|".to_string()
                } else {
                    format!("{}{}", VOCAB[(b & 7) as usize], SEPS[(b >> 3 & 3) as usize])
                }
            })
            .collect()
    } else {
        String::from_utf8_lossy(body).into_owned()
    };
    if text.len() > 4 * MAX_BYTES {
        return;
    }
    let whole = Doc::new(text.clone(), kind);
    if whole.spans.len() > MAX_TOKENS {
        return;
    }

    let reps = passages::within_document(&whole.text, &cfg);
    let within = check_within(&whole, &reps, &cfg);
    if mode >> 4 != 0 {
        // `dedup`'s way in for a huge record: the text given up during the
        // search comes back as it was, with the same repeats.
        let finder = passages::RepeatFinder::new(&cfg);
        match finder.try_find_owned(whole.text.clone()) {
            Ok((owned, back)) => {
                assert_eq!(back, whole.text, "try_find_owned gave back another text");
                assert_eq!(owned, reps, "try_find_owned and within_document disagree");
            }
            Err(e) => panic!("try_find_owned failed on {:?}: {e}", whole.text),
        }
    }

    // The corpus finder on the text cut at `|` into at most three documents.
    let parts: Vec<String> = text.splitn(3, '|').map(str::to_string).collect();
    let docs: Vec<Doc> = parts.into_iter().map(|t| Doc::new(t, kind)).collect();
    if let Some(corpus) = check_corpus(&docs, &cfg) {
        if docs.len() == 1 {
            assert_eq!(
                corpus, within,
                "the corpus finder and within_document disagree on one document {text:?}"
            );
        }
    }
});
