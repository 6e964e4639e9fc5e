//! Repeated passages: `nearcopy passages`, the passages of `nearcopy scan`
//! and `passages::within_document`.
//!
//! Every expectation is checked the way a user would: by slicing the file
//! with the reported byte range and comparing with the known text, and by
//! comparing the reported lines with the lines that text is on.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

/// One expected passage group: its kind, how it matches, and its places as
/// (document, first line, last line, exact text of the byte range).
struct Group<'a> {
    kind: &'a str,
    matched: &'a str,
    places: Vec<(&'a str, u64, u64, String)>,
}

/// Runs `nearcopy passages` with `args` and parses its JSON.
fn passages(args: &[&str]) -> Value {
    let out = nearcopy()
        .arg("passages")
        .args(args)
        .args(["--format", "json", "-q"])
        .assert()
        .success();
    json_of(&out.get_output().stdout)
}

/// Lines `first..=last` (1-based) of `file`, joined, without the final
/// character when it is `.` or `…` (sentence punctuation is not a word, so a
/// passage ends before it).
fn lines_of(file: &Path, first: usize, last: usize) -> String {
    let text = std::fs::read_to_string(file).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    let joined = lines[first - 1..last].join("\n");
    joined.trim_end().trim_end_matches(['.', '…']).to_string()
}

/// Asserts that `v` holds a group with exactly the places of `want`, of the
/// expected kind and match, each place's byte range slicing the file to the
/// expected text.
fn assert_group(dir: &Path, v: &Value, want: &Group) {
    let groups = v["passages"].as_array().expect("passages array");
    let key = |o: &Value| {
        (
            o["doc"].as_str().unwrap_or_default().to_string(),
            o["line_start"].as_u64().unwrap_or(0),
        )
    };
    let want_keys: Vec<(String, u64)> =
        want.places.iter().map(|p| (p.0.to_string(), p.1)).collect();
    let g = groups
        .iter()
        .find(|g| {
            let keys: Vec<(String, u64)> = g["occurrences"]
                .as_array()
                .map(|o| o.iter().map(key).collect())
                .unwrap_or_default();
            keys == want_keys
        })
        .unwrap_or_else(|| panic!("no group at {want_keys:?} in {groups:#?}"));
    assert_eq!(g["kind"], want.kind, "{g:#}");
    assert_eq!(g["match"], want.matched, "{g:#}");
    assert_eq!(
        g["documents"].as_u64(),
        Some({
            let mut d: Vec<&str> = want.places.iter().map(|p| p.0).collect();
            d.dedup();
            d.len() as u64
        })
    );
    for (o, (doc, l1, l2, text)) in g["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&want.places)
    {
        let bytes = std::fs::read(dir.join(doc)).expect("read doc");
        let (s, e) = (
            o["start"].as_u64().unwrap() as usize,
            o["end"].as_u64().unwrap() as usize,
        );
        let got = std::str::from_utf8(&bytes[s..e]).expect("range on char boundaries");
        assert_eq!(got, text, "bytes {s}..{e} of {doc}");
        assert_eq!(o["line_start"].as_u64(), Some(*l1), "{doc}");
        assert_eq!(o["line_end"].as_u64(), Some(*l2), "{doc}");
    }
    if want.matched == "exact" {
        assert_eq!(g["similarity"].as_f64(), Some(1.0));
    }
    // The preview is the first place (for an edited group, its first
    // paragraph: every edited place here is one line), whitespace folded,
    // cut at 200 bytes.
    let (doc, l1, l2, first) = &want.places[0];
    if want.matched != "edited" || l1 == l2 {
        let folded = first.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut cut = folded.len().min(200);
        while !folded.is_char_boundary(cut) {
            cut -= 1;
        }
        let preview = if cut < folded.len() {
            format!("{}…", &folded[..cut])
        } else {
            folded
        };
        assert_eq!(
            g["text"].as_str(),
            Some(preview.as_str()),
            "preview of {doc}"
        );
    }
}

fn news() -> PathBuf {
    root().join("corpus/news")
}

const SEED4: &str = "004_3ad3e80d7d9c14f5.txt";

#[test]
fn seeds_doubled_block_and_headlines() {
    let dir = news();
    let v = passages(&["corpus/news"]);
    let block = lines_of(&dir.join(SEED4), 7, 9);
    assert_eq!(block, lines_of(&dir.join(SEED4), 10, 12));
    assert!(block.starts_with("U.S. Secretary of State Marco Rubio"));
    assert!(block.ends_with("in any peace agreements moving forward"));
    let line = |doc: &str, n: usize| lines_of(&dir.join(doc), n, n);
    let cases = [
        // The fifth article's doubled three-paragraph block: one passage,
        // two places.
        Group {
            kind: "within",
            matched: "exact",
            places: vec![(SEED4, 7, 9, block.clone()), (SEED4, 10, 12, block)],
        },
        // Its doubled headline.
        Group {
            kind: "within",
            matched: "exact",
            places: vec![(SEED4, 2, 2, line(SEED4, 2)), (SEED4, 4, 4, line(SEED4, 4))],
        },
        // The fourth article's headline, printed twice in a row.
        Group {
            kind: "within",
            matched: "exact",
            places: vec![
                (
                    "003_82a852a40f69cc6d.txt",
                    1,
                    1,
                    line("003_82a852a40f69cc6d.txt", 1),
                ),
                (
                    "003_82a852a40f69cc6d.txt",
                    3,
                    3,
                    line("003_82a852a40f69cc6d.txt", 3),
                ),
            ],
        },
        // The second article's headline: once after a breadcrumb trail and
        // cut short ("Toward..."), once in full: an edited repeat.
        Group {
            kind: "within",
            matched: "edited",
            places: vec![
                (
                    "001_04dc3a2b62adb820.txt",
                    1,
                    1,
                    line("001_04dc3a2b62adb820.txt", 1),
                ),
                (
                    "001_04dc3a2b62adb820.txt",
                    3,
                    3,
                    line("001_04dc3a2b62adb820.txt", 3),
                ),
            ],
        },
    ];
    for c in &cases {
        assert_group(&dir, &v, c);
    }
    assert_eq!(
        line(SEED4, 2),
        "Diplomatic Resurgence: U.S. and Russia Seek Common Ground"
    );
    // Nothing is repeated inside the first article.
    for g in v["passages"].as_array().unwrap() {
        for o in g["occurrences"].as_array().unwrap() {
            if g["kind"] == "within" {
                assert_ne!(o["doc"], "000_dec4f30b1f87fe9c.txt", "{g:#}");
            }
        }
    }
    // The block is reported as one passage, not per paragraph.
    let in_block = v["passages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| {
            g["occurrences"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["doc"] == SEED4 && o["line_start"].as_u64().unwrap() >= 7)
        })
        .count();
    assert_eq!(in_block, 1);
}

#[test]
fn one_test_per_kind() {
    let f = |dir: &str, doc: &str, l: usize| lines_of(&root().join(dir).join(doc), l, l);
    let cases: Vec<(&str, Vec<&str>, Group)> = vec![
        // Exact, within one document.
        (
            "corpus/passages-within",
            vec![],
            Group {
                kind: "within",
                matched: "exact",
                places: vec![
                    (
                        "council.txt",
                        5,
                        5,
                        f("corpus/passages-within", "council.txt", 5),
                    ),
                    (
                        "council.txt",
                        8,
                        8,
                        f("corpus/passages-within", "council.txt", 8),
                    ),
                ],
            },
        ),
        // Exact, across two documents: a paragraph of one pasted into the
        // other.
        (
            "corpus/passages-across",
            vec![],
            Group {
                kind: "across",
                matched: "exact",
                places: vec![
                    (
                        "factory.txt",
                        4,
                        4,
                        f("corpus/passages-across", "factory.txt", 4),
                    ),
                    (
                        "roundup.txt",
                        4,
                        4,
                        f("corpus/passages-across", "roundup.txt", 4),
                    ),
                ],
            },
        ),
        // A paragraph repeated with two words changed.
        (
            "corpus/passages-edited",
            vec![],
            Group {
                kind: "across",
                matched: "edited",
                places: vec![
                    (
                        "local.txt",
                        4,
                        4,
                        f("corpus/passages-edited", "local.txt", 4),
                    ),
                    ("wire.txt", 3, 3, f("corpus/passages-edited", "wire.txt", 3)),
                ],
            },
        ),
        // Curly quotes and accents: the range starts after “ and ends
        // before ”.
        (
            "corpus/passages-unicode",
            vec![],
            Group {
                kind: "within",
                matched: "exact",
                places: vec![
                    (
                        "citations.txt",
                        1,
                        1,
                        "Nous sommes prêts à négocier sans conditions préalables avec nos voisins"
                            .into(),
                    ),
                    (
                        "citations.txt",
                        3,
                        3,
                        "Nous sommes prêts à négocier sans conditions préalables avec nos voisins"
                            .into(),
                    ),
                ],
            },
        ),
        // Chinese with character tokens: punctuation characters are tokens.
        (
            "corpus/passages-cjk",
            vec!["--char-ngrams", "3"],
            Group {
                kind: "within",
                matched: "exact",
                places: vec![
                    (
                        "zh.txt",
                        1,
                        1,
                        "两国外长周二在利雅得举行会谈，双方同意恢复大使馆的正常运作。".into(),
                    ),
                    (
                        "zh.txt",
                        3,
                        3,
                        "两国外长周二在利雅得举行会谈，双方同意恢复大使馆的正常运作。".into(),
                    ),
                ],
            },
        ),
    ];
    for (dir, extra, want) in &cases {
        let mut args = vec![*dir];
        args.extend(extra);
        let v = passages(&args);
        assert_eq!(
            v["passages"].as_array().map(Vec::len),
            Some(1),
            "{dir}: {v:#}"
        );
        assert_group(&root().join(dir), &v, want);
    }
    // The edited copies differ, so their similarity is below 1 but above
    // the threshold.
    let v = passages(&["corpus/passages-edited"]);
    let s = v["passages"][0]["similarity"].as_f64().unwrap();
    assert!((0.5..1.0).contains(&s), "{s}");
}

#[test]
fn boilerplate_lines_and_runs() {
    let dir = root().join("corpus/passages-boilerplate");
    let v = passages(&["corpus/passages-boilerplate"]);
    let docs: Vec<String> = (1..=12).map(|i| format!("site-{i:02}.txt")).collect();
    let places = |line: u64, text: &str| -> Vec<(&str, u64, u64, String)> {
        docs.iter()
            .map(|d| (d.as_str(), line, line, text.to_string()))
            .collect()
    };
    for want in [
        // A footer sentence longer than --min-words, in every document.
        Group {
            kind: "boilerplate",
            matched: "exact",
            places: places(
                4,
                "Subscribe now to keep reading and get access to the full archive",
            ),
        },
        // Whole short lines in every document.
        Group {
            kind: "boilerplate",
            matched: "line",
            places: places(2, "Leave a Reply"),
        },
        Group {
            kind: "boilerplate",
            matched: "line",
            places: places(6, "Exit mobile version"),
        },
    ] {
        assert_group(&dir, &v, &want);
    }
    assert_eq!(v["passages"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["passages"][0]["documents"], 12);

    // Hidden on request, and counted.
    let v = passages(&["corpus/passages-boilerplate", "--hide-boilerplate"]);
    assert_eq!(v["passages"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["summary"]["hidden_boilerplate"], 3);

    // Below the document count, the footer is an ordinary passage across
    // documents and the short lines are not passages at all.
    let v = passages(&["corpus/passages-boilerplate", "--boilerplate-docs", "13"]);
    let groups = v["passages"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{v:#}");
    assert_eq!(groups[0]["kind"], "across");
    assert_eq!(groups[0]["documents"], 12);
}

#[test]
fn min_words_is_a_guarantee_at_the_boundary() {
    // The repeated sentence of council.txt is 23 words.
    let v = passages(&["corpus/passages-within", "--min-words", "23"]);
    assert_eq!(v["passages"][0]["words"], 23);
    // One word more and it is no exact repeat; being a whole line printed
    // twice in one document, it is still reported, as a line.
    let v = passages(&["corpus/passages-within", "--min-words", "24"]);
    let groups = v["passages"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{v:#}");
    assert_eq!(groups[0]["match"], "line");
    assert_eq!(groups[0]["kind"], "within");
    assert_eq!(groups[0]["words"], 23);
}

#[test]
fn every_repeat_is_found_in_generated_text() {
    // Documents of random words with runs of every length from 2 to 12
    // copied between them: each run of at least --min-words must be found
    // with its exact range.
    let mut rng = 0x1234_5678_u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let vocab: Vec<String> = (0..5000).map(|i| format!("w{i}")).collect();
    let mut random_words = |n: usize| -> Vec<String> {
        (0..n)
            .map(|_| vocab[(next() % 5000) as usize].clone())
            .collect()
    };
    let mut a = random_words(400);
    let mut b = random_words(400);
    let mut planted = Vec::new();
    for (k, len) in (2..=12).enumerate() {
        let run = random_words(len);
        let (pa, pb) = (20 + 30 * k, 25 + 33 * k);
        a.splice(pa..pa + len, run.clone());
        b.splice(pb..pb + len, run.clone());
        planted.push(run.join(" "));
    }
    let dir = corpus(&[("a.txt", &a.join(" ")), ("b.txt", &b.join(" "))]);
    let path = dir.path().to_str().unwrap().to_string();
    for min in [2usize, 5, 8] {
        let v = passages(&[&path, "--min-words", &min.to_string()]);
        let found: Vec<String> = v["passages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["documents"] == 2)
            .map(|g| {
                let o = &g["occurrences"][0];
                let text =
                    std::fs::read_to_string(dir.path().join(o["doc"].as_str().unwrap())).unwrap();
                text[o["start"].as_u64().unwrap() as usize..o["end"].as_u64().unwrap() as usize]
                    .to_string()
            })
            .collect();
        for run in planted.iter().filter(|r| r.split(' ').count() >= min) {
            assert!(
                found.iter().any(|f| f.contains(run.as_str())),
                "min {min}: {run:?} not found in {found:?}"
            );
        }
    }
}

#[test]
fn same_output_at_any_thread_count() {
    let mut sets: Vec<Vec<String>> = vec![
        vec!["corpus/news".into()],
        vec![
            "corpus/passages-boilerplate".into(),
            "corpus/passages-edited".into(),
            "corpus/passages-within".into(),
        ],
    ];
    if let Some(p) = evaldata("reuters21578/docs.jsonl") {
        sets.push(vec![p.display().to_string()]);
    }
    for paths in &sets {
        let run = |threads: &str| {
            let out = nearcopy()
                .arg("passages")
                .args(paths)
                .args(["--format", "json", "-q", "--threads", threads])
                .assert()
                .success();
            without_timings(json_of(&out.get_output().stdout))
        };
        assert_eq!(run("1"), run("2"), "{paths:?}");
    }
    let scan = |threads: &str| {
        let out = nearcopy()
            .args([
                "scan",
                "corpus/news",
                "--format",
                "json",
                "-q",
                "--threads",
                threads,
            ])
            .assert()
            .success();
        without_timings(json_of(&out.get_output().stdout))
    };
    assert_eq!(scan("1"), scan("2"));
}

#[test]
fn scan_reports_passages_in_every_format() {
    let out = nearcopy()
        .args(["scan", "corpus/news", "--format", "json", "-q"])
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    let first = &v["passages"][0];
    // The contract keys, exactly these names.
    for k in [
        "kind",
        "words",
        "text",
        "similarity",
        "documents",
        "occurrences",
    ] {
        assert!(first.get(k).is_some(), "{k} missing: {first:#}");
    }
    for k in ["doc", "start", "end", "line_start", "line_end"] {
        assert!(first["occurrences"][0].get(k).is_some(), "{k} missing");
    }
    assert_eq!(first["occurrences"][0]["doc"], SEED4);
    assert_eq!(first["occurrences"][0]["line_start"], 7);
    assert!(v["params"]["passages"]["min_words"].as_u64().is_some());

    let text = nearcopy()
        .args(["scan", "corpus/news", "-q"])
        .assert()
        .success();
    let text = String::from_utf8(text.get_output().stdout.clone()).unwrap();
    assert!(text.contains("Within one document"), "{text}");
    assert!(text.contains(&format!("{SEED4}:7-9")), "{text}");
    assert!(text.contains(&format!("{SEED4}:10-12")), "{text}");

    // Scan's CSV is one row per pair; passages as CSV come from `passages`.
    let csv = nearcopy()
        .args(["passages", "corpus/news", "--format", "csv", "-q"])
        .assert()
        .success();
    let csv = String::from_utf8(csv.get_output().stdout.clone()).unwrap();
    let start = first["occurrences"][0]["start"].as_u64().unwrap();
    assert!(
        csv.lines()
            .any(|l| l.contains(&format!("{SEED4},{start},"))),
        "{csv}"
    );

    let jsonl = nearcopy()
        .args(["scan", "corpus/news", "--format", "jsonl", "-q"])
        .assert()
        .success();
    let lines: Vec<Value> = String::from_utf8(jsonl.get_output().stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let doc = lines.iter().find(|l| l["id"] == SEED4).unwrap();
    assert_eq!(doc["passages"][0]["start"], start);

    // Without passages: an empty list.
    let out = nearcopy()
        .args([
            "scan",
            "corpus/news",
            "--format",
            "json",
            "-q",
            "--no-passages",
        ])
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["passages"].as_array().map(Vec::len), Some(0));
}

#[test]
fn passages_formats() {
    let run = |format: &str| {
        let out = nearcopy()
            .args([
                "passages",
                "corpus/passages-boilerplate",
                "-q",
                "--format",
                format,
            ])
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let csv = run("csv");
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some(
            "passage,kind,match,words,similarity,documents,doc,start,end,line_start,line_end,text"
        )
    );
    assert_eq!(rows.count(), 36);
    let jsonl = run("jsonl");
    assert_eq!(jsonl.lines().count(), 3);
    for l in jsonl.lines() {
        let g: Value = serde_json::from_str(l).unwrap();
        assert_eq!(g["kind"], "boilerplate");
    }
    let text = run("text");
    assert!(text.contains("Boilerplate (3):"), "{text}");
    assert!(text.contains("site-01.txt:2"), "{text}");
    assert!(text.contains("… 2 more places"), "{text}");

    // -o writes the same report to a file.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    nearcopy()
        .args([
            "passages",
            "corpus/passages-within",
            "-q",
            "--format",
            "json",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["passages"].as_array().map(Vec::len), Some(1));
}

#[test]
fn bad_options_and_input_are_clear_errors() {
    for (args, msg) in [
        (
            vec!["--passage-threshold", "1.5"],
            "--passage-threshold must be in (0, 1]",
        ),
        (vec!["--min-words", "1"], "--min-words must be 2"),
        (
            vec!["--boilerplate-docs", "1"],
            "--boilerplate-docs must be at least 2",
        ),
    ] {
        nearcopy()
            .arg("passages")
            .arg("corpus/news")
            .args(args)
            .assert()
            .failure()
            .stderr(predicates::str::contains(msg));
    }
    let dir = corpus(&[("bad.jsonl", "{\"text\": \"fine\"}\n{\"text\": 3}\n")]);
    nearcopy()
        .arg("passages")
        .arg(dir.path().join("bad.jsonl"))
        .assert()
        .failure()
        .stderr(predicates::str::contains("bad.jsonl:2"));
}

#[test]
fn within_document_gives_the_cuts_for_dedup() {
    use nearcopy::passages::{later_copies, within_document, Match, PassageConfig};
    let path = news().join(SEED4);
    let text = std::fs::read_to_string(&path).unwrap();
    let repeats = within_document(&text, &PassageConfig::default());
    let line_range = |first: usize, last: usize| {
        let s = lines_of(&path, first, last);
        let at = text.find(&s).unwrap();
        // The later copy of the same text is the second match.
        (at, s)
    };
    let (block_at, block) = line_range(7, 9);
    let block_later = block_at + 1 + text[block_at + 1..].find(&block).unwrap();
    let (head_at, head) = line_range(2, 2);
    let head_later = head_at + 1 + text[head_at + 1..].find(&head).unwrap();
    assert_eq!(repeats.len(), 2, "{repeats:#?}");
    let head_r = &repeats[0];
    assert_eq!(head_r.first, head_at..head_at + head.len());
    assert_eq!(head_r.later, vec![head_later..head_later + head.len()]);
    assert_eq!(head_r.matched, Match::Exact);
    let block_r = &repeats[1];
    assert_eq!(block_r.first, block_at..block_at + block.len());
    assert_eq!(block_r.later, vec![block_later..block_later + block.len()]);
    // Line 4 and lines 10-12 are what to cut.
    let cuts = later_copies(&repeats);
    assert_eq!(
        cuts,
        vec![head_r.later[0].clone(), block_r.later[0].clone()]
    );
    let line_of = |b: usize| text[..b].matches('\n').count() + 1;
    assert_eq!((line_of(cuts[0].start), line_of(cuts[0].end)), (4, 4));
    assert_eq!((line_of(cuts[1].start), line_of(cuts[1].end)), (10, 12));

    // The same repeats as the corpus search finds in that one document.
    let v = passages(&[path.to_str().unwrap()]);
    let from_corpus: Vec<(u64, u64)> = v["passages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let o = &g["occurrences"][0];
            (o["start"].as_u64().unwrap(), o["end"].as_u64().unwrap())
        })
        .collect();
    let mut from_doc: Vec<(u64, u64)> = repeats
        .iter()
        .map(|r| (r.first.start as u64, r.first.end as u64))
        .collect();
    from_doc.sort_by_key(|&(s, e)| std::cmp::Reverse(e - s));
    assert_eq!(from_corpus, from_doc);
}

#[test]
fn debian_licence_texts_are_boilerplate() {
    let Some(p) = evaldata("debian_copyright/docs.jsonl") else {
        return;
    };
    let v = passages(&[p.to_str().unwrap()]);
    // The 3-clause BSD licence is embedded in well over a hundred files.
    let bsd: Vec<&Value> = v["passages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| {
            g["kind"] == "boilerplate"
                && g["text"]
                    .as_str()
                    .unwrap()
                    .starts_with("Redistribution and use in source and binary forms")
                && g["words"].as_u64().unwrap() >= 20
        })
        .collect();
    assert!(!bsd.is_empty());
    let most = bsd
        .iter()
        .map(|g| g["documents"].as_u64().unwrap())
        .max()
        .unwrap();
    assert!(most >= 150, "BSD text in only {most} documents");
    // Each place's range, in the record's text, is that licence sentence.
    let texts: std::collections::HashMap<String, String> = std::fs::read_to_string(&p)
        .unwrap()
        .lines()
        .map(|l| {
            let r: Value = serde_json::from_str(l).unwrap();
            (
                r["id"].as_str().unwrap().to_string(),
                r["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let g = bsd.iter().max_by_key(|g| g["documents"].as_u64()).unwrap();
    for o in g["occurrences"].as_array().unwrap() {
        let t = &texts[o["doc"].as_str().unwrap()];
        let slice = &t[o["start"].as_u64().unwrap() as usize..o["end"].as_u64().unwrap() as usize];
        // Files wrap the licence at different widths.
        let folded = slice.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            folded.starts_with("Redistribution and use in source and binary forms"),
            "{slice:?}"
        );
        let line = t[..o["start"].as_u64().unwrap() as usize]
            .matches('\n')
            .count()
            + 1;
        assert_eq!(o["line_start"].as_u64(), Some(line as u64));
    }
}

/// Passage recall on reprinted newspaper passages (impresso, passim
/// clusters as silver truth): the share of truth pairs that some reported
/// passage group links directly. The numbers are in BENCHMARKS.md.
#[test]
fn impresso_reprints_are_linked() {
    let Some(p) = evaldata("impresso_passim_1900/docs.jsonl") else {
        return;
    };
    let clusters = p.with_file_name("clusters.jsonl");
    let v = passages(&[p.to_str().unwrap()]);
    let mut linked = std::collections::HashSet::new();
    for g in v["passages"].as_array().unwrap() {
        let mut docs: Vec<&str> = g["occurrences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["doc"].as_str().unwrap())
            .collect();
        docs.sort_unstable();
        docs.dedup();
        for (i, a) in docs.iter().enumerate() {
            for b in &docs[i + 1..] {
                linked.insert((a.to_string(), b.to_string()));
            }
        }
    }
    let mut truth = std::collections::HashSet::new();
    for line in std::fs::read_to_string(clusters).unwrap().lines() {
        let c: Value = serde_json::from_str(line).unwrap();
        let mut m: Vec<&str> = c["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        m.sort_unstable();
        for (i, a) in m.iter().enumerate() {
            for b in &m[i + 1..] {
                truth.insert((a.to_string(), b.to_string()));
            }
        }
    }
    let found = linked.intersection(&truth).count();
    let recall = found as f64 / truth.len() as f64;
    let precision = found as f64 / linked.len() as f64;
    eprintln!(
        "impresso passage pairs: recall {found}/{} = {recall:.4}, precision {found}/{} = {precision:.4}",
        truth.len(),
        linked.len()
    );
    // Lines of one or two words ("Monsieur", "de", "tion": OCR column
    // tails) linked a third more pairs at a fifth of this precision; they
    // are no longer lines.
    assert!(recall > 0.48, "recall {recall}");
    assert!(precision > 0.55, "precision {precision}");
}

/// The hand-made corpora and their expected reports (`.expected.json` in
/// each directory, hidden from the directory walk). Regenerate on purpose
/// with `NEARCOPY_BLESS=1 cargo test expected_reports`.
#[test]
fn expected_reports() {
    let cases: [(&str, &[&str]); 6] = [
        ("corpus/passages-within", &[]),
        ("corpus/passages-across", &[]),
        ("corpus/passages-edited", &[]),
        ("corpus/passages-boilerplate", &[]),
        ("corpus/passages-unicode", &[]),
        ("corpus/passages-cjk", &["--char-ngrams", "3"]),
    ];
    let bless = std::env::var_os("NEARCOPY_BLESS").is_some();
    for (dir, extra) in cases {
        let mut args = vec![dir];
        args.extend(extra);
        // What the passage search found; `skipped` would count this very
        // file as a hidden entry.
        let all = passages(&args);
        let got = serde_json::json!({
            "params": all["params"],
            "summary": all["summary"],
            "passages": all["passages"],
        });
        let path = root().join(dir).join(".expected.json");
        if bless {
            let text = serde_json::to_string_pretty(&got).unwrap() + "\n";
            std::fs::write(&path, text).unwrap();
            continue;
        }
        let want: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(got, want, "{dir}: report changed; bless it if on purpose");
    }
}

#[test]
fn standard_input_is_read_three_times() {
    let text = std::fs::read_to_string(root().join("corpus/passages-within/council.txt")).unwrap();
    let out = nearcopy()
        .args(["passages", "-", "--format", "json", "-q"])
        .write_stdin(text.clone())
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    let o = &v["passages"][0]["occurrences"];
    assert_eq!(o[0]["doc"], "<stdin>");
    let (s, e) = (
        o[1]["start"].as_u64().unwrap() as usize,
        o[1]["end"].as_u64().unwrap() as usize,
    );
    assert!(text[s..e].starts_with("Council members said the money"));
    assert_eq!(o[1]["line_start"], 8);
}

#[test]
fn every_repeat_of_a_text_has_a_later_copy() {
    // Found by fuzzing (fuzz/corpus/passages/edited-one-copy): paragraphs
    // edited copies of their neighbours made an edited group whose places
    // all overlapped, reported as a repeat with one copy.
    use nearcopy::passages::{within_document, PassageConfig};
    let text = concat!(
        "the on THE cat\na\ndog\nsat\n\nMat\n\nthe. on. THE. cat a dog sat\nMat\nthe\n\ndog\n\non",
        "\n\nthe. a. dog. sat Mat the\non\nTHE\ncat\n\na\n\ndog\n\nsat. Mat. the on THE cat\na\nd",
        "og\nsat\n\nMat\n\nthe. on. THE. cat a dog sat\nMat\nthe\n\non\n\nTHE\n\ncat. the\n\ndog.",
        " sat Mat the\non\nTHE\ncat\n\na\n\ndog\n\nsat. Mat. the on THE cat\na\ndog\nsat\n\nMat\n",
        "\nthe. on. THE. cat a dog sat\nMat\n|THE. cat a dog sat\nMat\nthe\n\non\n\nTHE\n\ncat. a",
        ". dog. sat Mat the\non\nTHE\ncat\n\na\n\ndog\n\nsat. Mat. the on THE cat\na\ndog\nsat\n",
        "\nMat\n\nthe. on. THE. cat a dog dog. Mat\nthe\n\non\n\nTHE\n\ncat. a. dog. sat Mat the",
        "\non\nTHE\ncat\n\nTHE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. ",
        "THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE",
        ". THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. T",
        "HE. on\nTHE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. ",
        "THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE. THE",
        ". "
    );
    let cfg = PassageConfig {
        min_words: 3,
        ..PassageConfig::default()
    };
    let repeats = within_document(text, &cfg);
    assert!(!repeats.is_empty());
    for r in &repeats {
        assert!(!r.later.is_empty(), "{r:?}");
    }
}

#[test]
fn near_duplicates_are_one_group_not_a_heap_of_shared_runs() {
    // b is a near-duplicate of a (two words changed); c shares one block
    // with a (and so with b); a doubles a block (and so does b).
    let words = |tag: &str, n: usize| -> String {
        (0..n)
            .map(|i| format!("{tag}{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let shared = words("shared", 20);
    let doubled = words("doubled", 15);
    let body = |x: &str| {
        format!(
            "{}\n\n{doubled}\n\n{}\n\n{shared}\n\n{doubled}\n\n{}{x}\n",
            words("intro", 120),
            words("middle", 150),
            words("outro", 100)
        )
    };
    let a = body("");
    let b = body(" tail").replace("middle70 ", "changed ");
    let c = format!(
        "{}\n\n{shared}\n\n{}\n",
        words("other", 60),
        words("else", 60)
    );
    let dir = corpus(&[("a.txt", &a), ("b.txt", &b), ("c.txt", &c)]);
    let path = dir.path().to_str().unwrap().to_string();
    let text = |doc: &str, o: &Value| -> String {
        let t = std::fs::read_to_string(dir.path().join(doc)).unwrap();
        t[o["start"].as_u64().unwrap() as usize..o["end"].as_u64().unwrap() as usize].to_string()
    };
    let groups_of = |v: &Value| -> Vec<Vec<(String, String)>> {
        v["passages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                g["occurrences"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| {
                        let doc = o["doc"].as_str().unwrap().to_string();
                        let t = text(&doc, o);
                        (doc, t)
                    })
                    .collect()
            })
            .collect()
    };

    let v = json_of(&run_ok(&[
        "scan",
        &path,
        "--format",
        "json",
        "-q",
        "--threshold",
        "0.7",
    ]));
    assert_eq!(
        v["clusters"][0]["members"],
        serde_json::json!(["a.txt", "b.txt"])
    );
    let groups = groups_of(&v);
    // The shared block: every copy, near-duplicates included, in one group.
    fn docs(g: &[(String, String)]) -> Vec<&str> {
        g.iter().map(|o| o.0.as_str()).collect()
    }
    assert!(
        groups
            .iter()
            .any(|g| docs(g) == ["a.txt", "b.txt", "c.txt"] && g.iter().all(|o| o.1 == shared)),
        "{groups:?}"
    );
    // The doubled block: both copies in each near-duplicate.
    assert!(
        groups
            .iter()
            .any(|g| docs(g) == ["a.txt", "a.txt", "b.txt", "b.txt"]
                && g.iter().all(|o| o.1 == doubled)),
        "{groups:?}"
    );
    // Nothing that only the near-duplicates share, once each.
    for g in &groups {
        assert!(
            docs(g) != ["a.txt", "b.txt"],
            "a run only the near-duplicates share: {g:?}"
        );
    }
    assert!(
        v["summary"]["passages"]["related_positions"]
            .as_u64()
            .unwrap()
            > 300
    );

    // Without the document-level groups every shared run is a passage.
    let p = passages(&[&path]);
    assert!(groups_of(&p)
        .iter()
        .any(|g| docs(g) == ["a.txt", "b.txt"] && g[0].1.starts_with("intro0 intro1")));
    assert_eq!(p["summary"]["related_positions"], 0);
}

#[test]
fn with_families_every_run_shared_outside_a_family_is_still_covered() {
    use nearcopy::config::ScanConfig;
    use nearcopy::input::Inputs;
    use nearcopy::passages::{find_in_known, Families, Known};
    use nearcopy::progress::Silent;

    // Random documents over a small vocabulary, with runs copied between
    // them; documents 0, 1 and 2 are one family (1 and 2 copy most of 0).
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let mut docs: Vec<Vec<String>> = (0..6)
        .map(|_| (0..300).map(|_| format!("w{}", next(400))).collect())
        .collect();
    for d in 1..3 {
        let copy = docs[0].clone();
        docs[d][..250].clone_from_slice(&copy[..250]);
        let at = 10 + next(200) as usize;
        docs[d][at] = format!("changed{d}");
    }
    for _ in 0..12 {
        let (from, to) = (next(6) as usize, next(6) as usize);
        let len = 8 + next(20) as usize;
        let (a, b) = (next(270) as usize, next(270) as usize);
        let run: Vec<String> = docs[from][a..a + len].to_vec();
        docs[to][b..b + len].clone_from_slice(&run);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("docs.jsonl");
    let mut jsonl = String::new();
    for (d, words) in docs.iter().enumerate() {
        let line = serde_json::json!({"id": format!("d{d}"), "text": words.join(" ")});
        jsonl.push_str(&format!("{line}\n"));
    }
    std::fs::write(&path, jsonl).unwrap();
    let cfg = ScanConfig::default();
    let m = cfg.passages.min_words;
    let inputs = Inputs::open(std::slice::from_ref(&path), &cfg.input).unwrap();
    let known = Known {
        families: Families::new(docs.len(), [&[0u32, 1, 2][..]]),
        text_bytes: None,
    };
    let found = find_in_known(&inputs, &cfg, &known, &Silent).unwrap();
    let families = &known.families;

    // Tokens covered by reported places, from the byte ranges.
    let starts: Vec<Vec<usize>> = docs
        .iter()
        .map(|w| {
            let mut at = 0;
            w.iter()
                .map(|x| {
                    let s = at;
                    at += x.len() + 1;
                    s
                })
                .collect()
        })
        .collect();
    let mut covered: Vec<Vec<bool>> = docs.iter().map(|w| vec![false; w.len()]).collect();
    for g in &found.passages {
        let in_docs: Vec<u32> = g.occurrences.iter().map(|o| o.doc_index).collect();
        assert!(
            !families.only_related(in_docs.iter().copied()),
            "a passage only the family shares: {g:?}"
        );
        for o in &g.occurrences {
            let d = o.doc_index as usize;
            for (t, &s) in starts[d].iter().enumerate() {
                if s >= o.start as usize && s < o.end as usize {
                    covered[d][t] = true;
                }
            }
        }
    }
    // Brute force: every m-token run found again in another family or in
    // the same document has each of its tokens covered.
    let family = |d: usize| families.family(d as u32);
    let mut checked = 0;
    for d1 in 0..docs.len() {
        for p1 in 0..=docs[d1].len() - m {
            let run = &docs[d1][p1..p1 + m];
            let elsewhere = (0..docs.len()).any(|d2| {
                (0..=docs[d2].len() - m).any(|p2| {
                    (d2, p2) != (d1, p1)
                        && (d2 == d1 || family(d2) != family(d1))
                        && &docs[d2][p2..p2 + m] == run
                })
            });
            if elsewhere {
                checked += 1;
                assert!(
                    covered[d1][p1..p1 + m].iter().all(|&c| c),
                    "d{d1} tokens {p1}..{} repeat outside the family but are not covered",
                    p1 + m
                );
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} runs shared: the test plants too little"
    );
    assert!(found.summary.related_positions > 0);

    // What only the family shares is counted once for the family, so the
    // filter keeps less of it. The same passages and figures come out with
    // every document a batch of its own (members read batches after their
    // first member), and with a filter so small that it calls everything
    // repeated and holds no family's set (the suffix array then leaves
    // all of it out itself).
    let run = |cfg: &ScanConfig| {
        let inputs = Inputs::open(std::slice::from_ref(&path), &cfg.input).unwrap();
        find_in_known(&inputs, cfg, &known, &Silent).unwrap()
    };
    let mut one_by_one = cfg.clone();
    one_by_one.input.batch_bytes = 1;
    let mut saturated = cfg.clone();
    saturated.passages.filter_bytes = 16;
    let (one_by_one, saturated) = (run(&one_by_one), run(&saturated));
    for other in [&one_by_one, &saturated] {
        assert_eq!(other.passages, found.passages);
        assert_eq!(
            other.summary.related_positions,
            found.summary.related_positions
        );
    }
    assert_eq!(
        one_by_one.summary.kept_positions,
        found.summary.kept_positions
    );
    // Exactly what the first member's set lets the filter leave out: a
    // run in different documents of the family, the first among them,
    // none holding it twice (the filter is too large to invent repeats).
    let mut expected = 0u64;
    for d1 in 0..docs.len() {
        for p1 in 0..=docs[d1].len() - m {
            let run = &docs[d1][p1..p1 + m];
            let mut places: Vec<usize> = Vec::new();
            for (d2, w) in docs.iter().enumerate() {
                places.extend(w.windows(m).filter(|x| x == &run).map(|_| d2));
            }
            let mut distinct = places.clone();
            distinct.dedup();
            let family_only = distinct.len() == places.len()
                && places.iter().all(|&d| family(d) == family(0))
                && places.contains(&0);
            if places.len() >= 2 && !family_only {
                expected += 1;
            }
        }
    }
    assert_eq!(found.summary.kept_positions, expected);
    let all: u64 = docs.iter().map(|d| (d.len() + 1 - m) as u64).sum();
    assert_eq!(saturated.summary.kept_positions, all);
    assert!(
        found.summary.kept_positions + 400 < all,
        "{} of {all} positions kept",
        found.summary.kept_positions
    );
}

/// The third read takes only the documents that hold a passage: read at
/// their offsets in a plain file, or picked out of the whole stream in a
/// compressed one. Both give the same report, and every reported range
/// slices the passage out of its record's text.
#[test]
fn few_documents_with_passages_are_located_at_their_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let shared = "the harbour commission voted late on tuesday to reopen the \
                  eastern pier after a decade of repairs and lawsuits";
    let mut lines = Vec::new();
    for i in 0..40 {
        let text = if i == 7 {
            format!("alpha begins the first record.\n\n{shared}.\n\nzulu ends it.")
        } else if i == 31 {
            format!("omega starts another one.\n\n{shared}.\n\nyankee finishes here.")
        } else {
            format!("document number {i} talks about topic {i} alone, with nothing shared {i}.")
        };
        lines.push(serde_json::json!({"id": format!("d{i}"), "text": text}).to_string());
    }
    let body = lines.join("\n") + "\n";
    let plain = dir.path().join("c.jsonl");
    std::fs::write(&plain, &body).unwrap();
    let gz = dir.path().join("c.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, body.as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();

    let a = without_timings(passages(&[p(&plain)]));
    let b = without_timings(passages(&[p(&gz)]));
    assert_eq!(a["passages"], b["passages"]);
    let groups = a["passages"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{a:#}");
    let occ = groups[0]["occurrences"].as_array().unwrap();
    let docs: Vec<&str> = occ.iter().map(|o| o["doc"].as_str().unwrap()).collect();
    assert_eq!(docs, ["d7", "d31"]);
    for o in occ {
        let i: usize = o["doc"].as_str().unwrap()[1..].parse().unwrap();
        let record: Value = serde_json::from_str(&lines[i]).unwrap();
        let text = record["text"].as_str().unwrap();
        let (s, e) = (o["start"].as_u64().unwrap(), o["end"].as_u64().unwrap());
        assert_eq!(&text[s as usize..e as usize], shared);
    }
}

/// `nearcopy passages` on hundreds of near-copies of one page: the group
/// is found first and takes part through its first member, as in `scan`,
/// so the stretches between the copies' edits are not each located in
/// every copy. What the page shares with a document outside the group is
/// still found.
#[test]
fn passages_take_a_large_group_of_near_copies_through_its_first_member() {
    let dir = tempfile::tempdir().unwrap();
    let words: Vec<String> = (0..150).map(|i| format!("w{}x", i * 7919 % 1009)).collect();
    let shared = "the harbour commission voted late on tuesday to reopen the eastern \
                  pier after a decade of repairs and lawsuits";
    let page = format!("{}\n\n{shared}.", words.join(" "));
    let mut lines = vec![serde_json::json!({"id": "page", "text": page}).to_string()];
    for c in 0..300usize {
        let mut w = words.clone();
        w[(c * 37) % 150] = format!("edit{c}a");
        w[(c * 53 + 11) % 150] = format!("edit{c}b");
        let text = format!("{}\n\n{shared}.", w.join(" "));
        lines.push(serde_json::json!({"id": format!("copy{c}"), "text": text}).to_string());
    }
    let outsider = format!("an unrelated report on fishing quotas.\n\n{shared}.\n\nnothing else.");
    lines.push(serde_json::json!({"id": "outsider", "text": outsider}).to_string());
    let path = dir.path().join("copies.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();

    let v = passages(&[p(&path)]);
    let left_out = v["summary"]["left_out_documents"].as_u64().unwrap();
    assert!(left_out >= 290, "left out {left_out}: {:#}", v["summary"]);
    let shared_group = v["passages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| {
            let docs: Vec<&str> = g["occurrences"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["doc"].as_str().unwrap())
                .collect();
            docs.contains(&"outsider") && docs.contains(&"page")
        })
        .expect("the paragraph the page shares with the outsider");
    assert_eq!(shared_group["words"], 19, "{shared_group:#}");
}
