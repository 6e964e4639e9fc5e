//! `nearcopy dedup`: kept records byte for byte, the removal log, passages
//! and boilerplate cuts, compression, refusals, errors and interrupts.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::PathBuf;

use serde_json::Value;

use crate::common::*;

/// Deterministic prose: `n` words drawn from a small vocabulary by `seed`.
fn prose(seed: u64, n: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "de", "fa", "go", "hu", "je", "pi", "qu",
        "zo",
    ];
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let r = next();
        let len = 2 + (r % 3) as usize;
        let w: String = (0..len)
            .map(|k| SYLLABLES[((r >> (8 + 4 * k)) & 15) as usize])
            .collect();
        // Sentences of twelve words, capitalised, as prose is.
        let w = if i % 12 == 0 {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        } else {
            w
        };
        out.push(if i % 12 == 11 { format!("{w}.") } else { w });
    }
    out.join(" ")
}

/// `text` with the words at `positions` replaced.
fn edit(text: &str, positions: &[usize]) -> String {
    let mut words: Vec<String> = text.split(' ').map(str::to_string).collect();
    for &p in positions {
        words[p] = format!("changed{p}");
    }
    words.join(" ")
}

/// One JSON Lines record with extra fields in a fixed, unusual order.
fn record(id: &str, text: &str) -> String {
    format!(
        "{{\"url\":\"https://example.org/{id}\",\"text\":{},\"id\":\"{id}\",\"meta\":{{\"n\":1.50,\"tags\":[\"a\",\"b\"]}}}}",
        serde_json::to_string(text).unwrap()
    )
}

/// A scrape with known duplicates. Returns the file's bytes and the ids
/// expected to be removed, with the id each duplicates and why.
fn scrape() -> (String, BTreeMap<String, (String, &'static str)>) {
    let mut lines = Vec::new();
    let mut removed = BTreeMap::new();
    for d in 0..12u64 {
        let id = format!("d{d}");
        let text = prose(d + 1, 150);
        lines.push(record(&id, &text));
        if d % 3 == 0 {
            // An exact copy: same words, different case and spacing.
            let copy = format!("{}  ", text.to_uppercase());
            lines.push(record(&format!("{id}-exact"), &copy));
            removed.insert(format!("{id}-exact"), (id.clone(), "exact"));
        }
        if d % 4 == 1 {
            // A near copy: two words changed, far apart.
            lines.push(record(&format!("{id}-near"), &edit(&text, &[30, 100])));
            removed.insert(format!("{id}-near"), (id.clone(), "near"));
        }
    }
    // Unicode escapes and a CRLF line ending must come through unchanged.
    lines.push(
        r#"{"id":"esc","text":"caf\u00e9 \"quoted\" na\u00efve text with a few more words in it"}"#
            .to_string()
            + "\r",
    );
    (lines.join("\n") + "\n", removed)
}

fn lines_of(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

fn jsonl(bytes: &[u8]) -> Vec<Value> {
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("JSON line"))
        .collect()
}

#[test]
fn kept_records_are_byte_identical_and_the_log_accounts_for_the_rest() {
    let (input, expected) = scrape();
    let dir = corpus(&[("scrape.jsonl", &input)]);
    let out = dir.path().join("clean.jsonl");
    let log = dir.path().join("removed.jsonl");
    let summary = run_ok(&[
        "dedup",
        p(&dir.path().join("scrape.jsonl")),
        "-o",
        p(&out),
        "--removed",
        p(&log),
        "--format",
        "json",
    ]);
    let summary = json_of(&summary);
    let kept_bytes = std::fs::read(&out).unwrap();
    let log = jsonl(&std::fs::read(&log).unwrap());

    // The removal log is exactly the planted duplicates.
    let mut got = BTreeMap::new();
    for l in &log {
        let j = l["jaccard"].as_f64().unwrap();
        let reason = l["reason"].as_str().unwrap();
        match reason {
            "exact" => assert_eq!(j, 1.0),
            "near" => assert!((0.8..1.0).contains(&j), "{l}"),
            other => panic!("unexpected reason {other}"),
        }
        got.insert(
            l["id"].as_str().unwrap().to_string(),
            (l["duplicate_of"].as_str().unwrap().to_string(), reason),
        );
    }
    assert_eq!(got, expected);

    // OUT is the input without the removed lines: same bytes, same order.
    let removed_ids: BTreeSet<&String> = expected.keys().collect();
    let want: Vec<&[u8]> = lines_of(input.as_bytes())
        .into_iter()
        .filter(|l| {
            let v: Value = serde_json::from_slice(l).unwrap();
            !removed_ids.contains(&v["id"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(lines_of(&kept_bytes), want);
    assert!(kept_bytes.ends_with(b"\"}\r\n"), "CRLF kept");

    // Kept + removed = records; every duplicate_of is a kept id.
    let kept_ids: BTreeSet<String> = jsonl(&kept_bytes)
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    let records = lines_of(input.as_bytes()).len();
    assert_eq!(kept_ids.len() + log.len(), records);
    for (of, _) in got.values() {
        assert!(kept_ids.contains(of), "{of} is kept");
    }
    let s = &summary["summary"];
    assert_eq!(s["records"], records as u64);
    assert_eq!(s["kept"], kept_ids.len() as u64);
    assert_eq!(s["removed_exact"], 4);
    assert_eq!(s["removed_near"], 3);
    assert_eq!(s["bytes_in"], input.len() as u64);
    assert_eq!(s["bytes_out"], kept_bytes.len() as u64);
    assert_eq!(summary["params"]["keep"], "first");
}

#[test]
fn keep_longest_keeps_the_longest_member() {
    let base = prose(7, 200);
    let longer = format!("{base} with a short tail");
    let input = [
        record("short", &base),
        record("other", &prose(8, 200)),
        record("long", &longer),
        record("same-length", &longer),
    ]
    .join("\n")
        + "\n";
    let dir = corpus(&[("in.jsonl", &input)]);
    let out = dir.path().join("out.jsonl");
    let log = dir.path().join("log.jsonl");
    let run = |keep: &str| {
        run_ok(&[
            "dedup",
            p(&dir.path().join("in.jsonl")),
            "-o",
            p(&out),
            "--removed",
            p(&log),
            "--keep",
            keep,
            "-q",
        ]);
        let kept: Vec<String> = jsonl(&std::fs::read(&out).unwrap())
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect();
        let log: Vec<(String, String)> = jsonl(&std::fs::read(&log).unwrap())
            .iter()
            .map(|v| {
                (
                    v["id"].as_str().unwrap().to_string(),
                    v["duplicate_of"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (kept, log)
    };
    let (kept, log) = run("longest");
    // Ties go to the first in input order; output stays in input order.
    assert_eq!(kept, ["other", "long"]);
    assert_eq!(
        log,
        [
            ("short".to_string(), "long".to_string()),
            ("same-length".to_string(), "long".to_string())
        ]
    );
    let (kept, _) = run("first");
    assert_eq!(kept, ["short", "other"]);
}

#[test]
fn a_member_joined_through_another_gets_its_own_jaccard() {
    // a ~ b ~ c at about 0.86 each, but a and c only about 0.73: c is
    // removed as a duplicate of a (its group's first), with the Jaccard
    // measured between c and a, below the threshold.
    let a = prose(3, 200);
    let b = edit(&a, &[20, 80, 140]);
    let c = edit(&b, &[50, 110, 170]);
    let input = [record("a", &a), record("b", &b), record("c", &c)].join("\n") + "\n";
    let dir = corpus(&[("in.jsonl", &input)]);
    let out = dir.path().join("out.jsonl");
    let log = dir.path().join("log.jsonl");
    for verify in ["exact", "estimate"] {
        run_ok(&[
            "dedup",
            p(&dir.path().join("in.jsonl")),
            "-o",
            p(&out),
            "--removed",
            p(&log),
            "--verify",
            verify,
        ]);
        let log = jsonl(&std::fs::read(&log).unwrap());
        assert_eq!(log.len(), 2, "{verify}");
        assert_eq!(log[0]["id"], "b");
        assert_eq!(log[1]["id"], "c");
        assert_eq!(log[1]["duplicate_of"], "a");
        let jc = log[1]["jaccard"].as_f64().unwrap();
        assert!((0.6..0.8).contains(&jc), "{verify}: c~a {jc}");
    }
}

/// The fifth seed with its second headline (line 4) and its second copy of
/// the three-paragraph block (lines 10 to 12) removed.
fn fifth_seed_once() -> String {
    let text =
        std::fs::read_to_string(root().join("corpus/news/004_3ad3e80d7d9c14f5.txt")).unwrap();
    let lines: Vec<&str> = text.split('\n').collect();
    assert_eq!(lines[1], lines[3], "headline twice");
    assert_eq!(lines[6..9], lines[9..12], "block twice");
    [&lines[..3], &lines[4..9], &lines[12..]]
        .concat()
        .join("\n")
}

#[test]
fn passages_keep_the_fifth_seeds_block_and_headline_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("news.jsonl");
    let log = dir.path().join("log.jsonl");
    let summary = json_of(&run_ok(&[
        "dedup",
        "corpus/news",
        "--passages",
        "-o",
        p(&out),
        "--removed",
        p(&log),
        "--format",
        "json",
    ]));
    let kept = jsonl(&std::fs::read(&out).unwrap());
    assert_eq!(kept.len(), 5);
    let fifth = kept
        .iter()
        .find(|v| v["id"] == "004_3ad3e80d7d9c14f5.txt")
        .unwrap();
    assert_eq!(fifth["source"], "news");
    let text = fifth["text"].as_str().unwrap();
    assert_eq!(text, fifth_seed_once());
    assert_eq!(text.matches("Diplomatic Resurgence").count(), 1);
    assert_eq!(text.matches("Secretary of State Marco Rubio").count(), 1);
    // Seeds without repeats come out whole, as {"id", "source", "text"}.
    let first = &kept[0];
    assert_eq!(
        first.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "source", "text"]
    );
    assert_eq!(
        first["text"].as_str().unwrap(),
        std::fs::read_to_string(root().join("corpus/news/000_dec4f30b1f87fe9c.txt")).unwrap()
    );
    // The log gives the cut byte ranges of the original text.
    let log = jsonl(&std::fs::read(&log).unwrap());
    let cut = log
        .iter()
        .find(|v| v["id"] == "004_3ad3e80d7d9c14f5.txt")
        .unwrap();
    assert_eq!(cut["reason"], "cut");
    let original =
        std::fs::read_to_string(root().join("corpus/news/004_3ad3e80d7d9c14f5.txt")).unwrap();
    let ranges: Vec<(usize, usize)> = cut["cuts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["kind"], "passage");
            (
                c["start"].as_u64().unwrap() as usize,
                c["end"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    let mut rebuilt = String::new();
    let mut at = 0;
    for &(s, e) in &ranges {
        rebuilt.push_str(&original[at..s]);
        at = e;
    }
    rebuilt.push_str(&original[at..]);
    assert_eq!(rebuilt, text);
    let headline = &cut["cuts"][0];
    assert_eq!(headline["line_start"], 4);
    let c = &headline["copy_of"];
    assert_eq!(
        &original[c["start"].as_u64().unwrap() as usize..c["end"].as_u64().unwrap() as usize],
        "Diplomatic Resurgence: U.S. and Russia Seek Common Ground"
    );
    assert_eq!(summary["summary"]["records_edited"], 2);
    assert_eq!(summary["summary"]["removed_near"], 0);
}

#[test]
fn passages_rewrite_only_the_text_field_of_a_jsonl_record() {
    let para = "The council met on Monday and agreed the budget for next year.";
    let text = format!("Opening words here.\n{para}\nMiddle part of the story.\n{para}\nThe end.");
    let line = format!(
        "{{\"z\": 1, \"text\": {}, \"id\": \"r1\", \"a\": [1.0, 2e3]}}",
        serde_json::to_string(&text).unwrap()
    );
    let input = format!("{line}\n{}\n", record("r2", &prose(1, 60)));
    let dir = corpus(&[("in.jsonl", &input)]);
    let out = dir.path().join("out.jsonl");
    run_ok(&[
        "dedup",
        p(&dir.path().join("in.jsonl")),
        "-o",
        p(&out),
        "--passages",
        "-q",
    ]);
    let kept = String::from_utf8(std::fs::read(&out).unwrap()).unwrap();
    let want_text = format!("Opening words here.\n{para}\nMiddle part of the story.\nThe end.");
    let want = format!(
        "{{\"z\": 1, \"text\": {}, \"id\": \"r1\", \"a\": [1.0, 2e3]}}\n{}\n",
        serde_json::to_string(&want_text).unwrap(),
        record("r2", &prose(1, 60))
    );
    assert_eq!(kept, want);
}

#[test]
fn boilerplate_lines_in_many_kept_documents_are_cut() {
    let footer = "Subscribe to our newsletter for more stories like this.";
    let pair_line = "Shared by two pages only.";
    let mut lines = Vec::new();
    for d in 0..4u64 {
        let mut text = format!("{}\n{footer}", prose(d + 20, 80));
        if d < 2 {
            text = format!("{pair_line}\n{text}");
        }
        lines.push(record(&format!("p{d}"), &text));
    }
    // A duplicate of p0: removed, so its footer does not count.
    lines.push(record(
        "p0-copy",
        &format!("{pair_line}\n{}\n{footer}", prose(20, 80)),
    ));
    let input = lines.join("\n") + "\n";
    let dir = corpus(&[("in.jsonl", &input)]);
    let out = dir.path().join("out.jsonl");
    let log = dir.path().join("log.jsonl");
    let run = |n: &str| {
        let s = run_ok(&[
            "dedup",
            p(&dir.path().join("in.jsonl")),
            "-o",
            p(&out),
            "--removed",
            p(&log),
            "--boilerplate",
            n,
            "-f",
            "json",
        ]);
        (
            json_of(&s),
            jsonl(&std::fs::read(&out).unwrap()),
            jsonl(&std::fs::read(&log).unwrap()),
        )
    };
    let (summary, kept, log) = run("4");
    assert_eq!(kept.len(), 4);
    // Only the footer goes (with the line break before it, as it ends the
    // text); every other byte of each line, other fields and their order
    // included, is as it was.
    let want: String = (0..4u64)
        .map(|d| {
            let mut text = prose(d + 20, 80);
            if d < 2 {
                text = format!("{pair_line}\n{text}");
            }
            record(&format!("p{d}"), &text) + "\n"
        })
        .collect();
    assert_eq!(
        String::from_utf8(std::fs::read(&out).unwrap()).unwrap(),
        want
    );
    assert_eq!(summary["summary"]["boilerplate_lines_cut"], 4);
    assert_eq!(summary["summary"]["records_edited"], 4);
    let cuts: Vec<&Value> = log.iter().filter(|l| l["reason"] == "cut").collect();
    assert_eq!(cuts.len(), 4);
    assert_eq!(cuts[0]["cuts"][0]["kind"], "boilerplate");
    assert_eq!(cuts[0]["cuts"][0]["documents"], 4);
    // The removed copy would have made the footer reach 5: it does not count.
    let (summary, kept, _) = run("5");
    assert_eq!(summary["summary"]["boilerplate_lines_cut"], 0);
    assert!(kept
        .iter()
        .all(|v| v["text"].as_str().unwrap().contains(footer)));
    let (summary, _, _) = run("2");
    assert_eq!(summary["summary"]["boilerplate_lines_cut"], 6);
}

#[test]
fn an_output_that_is_an_input_is_refused() {
    let (input, _) = scrape();
    let dir = corpus(&[("scrape.jsonl", &input), ("other.jsonl", &input)]);
    let scrape = dir.path().join("scrape.jsonl");
    for args in [
        vec!["dedup", p(&scrape), "-o", p(&scrape)],
        vec![
            "dedup",
            p(dir.path()),
            "-o",
            p(&dir.path().join("other.jsonl")),
        ],
        vec!["dedup", p(&scrape), "-o", "-", "--removed", p(&scrape)],
    ] {
        nearcopy()
            .args(&args)
            .assert()
            .failure()
            .code(1)
            .stderr(predicates::str::contains("refusing to write over an input"));
    }
    assert_eq!(std::fs::read_to_string(&scrape).unwrap(), input);
    assert_eq!(entries(dir.path()), ["other.jsonl", "scrape.jsonl"]);
    // The same file under another name is still the same file.
    let out = dir.path().join("sub/../scrape.jsonl");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    nearcopy()
        .args(["dedup", p(&scrape), "-o", p(&out)])
        .assert()
        .failure()
        .stderr(predicates::str::contains("refusing"));
    assert_eq!(std::fs::read_to_string(&scrape).unwrap(), input);
}

#[test]
fn a_malformed_line_fails_with_file_and_line_and_leaves_no_output() {
    let (input, _) = scrape();
    let mut lines: Vec<&str> = input.lines().collect();
    lines.insert(5, r#"{"id":"broken","text":"unterminated}"#);
    let bad = lines.join("\n") + "\n";
    let dir = corpus(&[("bad.jsonl", &bad)]);
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("clean.jsonl.zst");
    let log = out_dir.path().join("log.jsonl");
    nearcopy()
        .args([
            "dedup",
            p(&dir.path().join("bad.jsonl")),
            "-o",
            p(&out),
            "--removed",
            p(&log),
        ])
        .assert()
        .failure()
        .code(1)
        .stderr(predicates::str::contains("bad.jsonl:6: invalid JSON"));
    assert_eq!(entries(out_dir.path()), Vec::<String>::new());
    // With --skip-invalid the line is counted and left out; the rest goes on.
    let s = run_ok(&[
        "dedup",
        p(&dir.path().join("bad.jsonl")),
        "-o",
        p(&out),
        "--skip-invalid",
        "-f",
        "json",
    ]);
    let s = json_of(&s);
    assert_eq!(s["skipped"]["invalid"]["invalid JSON"], 1);
    let (clean, _) = scrape();
    let records = clean.lines().count() as u64;
    assert_eq!(s["summary"]["records"], records);
    assert_eq!(entries(out_dir.path()), ["clean.jsonl.zst"]);
}

#[test]
fn same_output_at_one_and_two_threads() {
    let (input, _) = scrape();
    let mut more = input.clone();
    for d in 0..30u64 {
        let footer = "All rights reserved by the publisher of this page.";
        let text = format!("{}\n{footer}\n{}", prose(d + 100, 120), prose(d + 200, 20));
        more.push_str(&record(&format!("m{d}"), &text));
        more.push('\n');
    }
    let dir = corpus(&[
        ("in.jsonl", &more),
        ("texts/a.txt", &prose(5, 90)),
        ("texts/b.txt", &prose(5, 90)),
    ]);
    let mut results = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("out{threads}.jsonl.gz"));
        let log = dir.path().join(format!("log{threads}.jsonl"));
        let s = run_ok(&[
            "dedup",
            p(&dir.path().join("in.jsonl")),
            p(&dir.path().join("texts")),
            "-o",
            p(&out),
            "--removed",
            p(&log),
            "--passages",
            "--boilerplate",
            "10",
            "--threads",
            threads,
            "-f",
            "json",
        ]);
        let mut kept = Vec::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(&out).unwrap())
            .read_to_end(&mut kept)
            .unwrap();
        results.push((
            without_timings(json_of(&s)),
            kept,
            std::fs::read(&log).unwrap(),
        ));
    }
    assert_eq!(results[0], results[1]);
    assert!(
        results[0].0["summary"]["boilerplate_lines_cut"]
            .as_u64()
            .unwrap()
            >= 30
    );
    assert_eq!(results[0].0["summary"]["removed_exact"], 5);
}

#[test]
fn compressed_inputs_and_outputs_round_trip() {
    let (input, _) = scrape();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("in.jsonl");
    std::fs::write(&plain, &input).unwrap();
    let gz = dir.path().join("in.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(input.as_bytes()).unwrap();
    enc.finish().unwrap();
    let zst = dir.path().join("in.jsonl.zst");
    std::fs::write(&zst, zstd::encode_all(input.as_bytes(), 3).unwrap()).unwrap();

    let reference = dir.path().join("ref.jsonl");
    run_ok(&["dedup", p(&plain), "-o", p(&reference), "-q"]);
    let reference = std::fs::read(&reference).unwrap();
    assert!(reference.len() < input.len());

    let decode = |path: &PathBuf| -> Vec<u8> {
        let bytes = std::fs::read(path).unwrap();
        if path.extension().unwrap() == "zst" {
            zstd::decode_all(&bytes[..]).unwrap()
        } else {
            let mut v = Vec::new();
            flate2::read::MultiGzDecoder::new(&bytes[..])
                .read_to_end(&mut v)
                .unwrap();
            v
        }
    };
    for (from, to) in [
        (&gz, "out.jsonl.zst"),
        (&zst, "out.jsonl.gz"),
        (&zst, "out2.jsonl.zst"),
    ] {
        let out = dir.path().join(to);
        run_ok(&["dedup", p(from), "-o", p(&out), "-q"]);
        assert_eq!(decode(&out), reference, "{} -> {to}", from.display());
    }
    // Standard input (read twice: it is spooled), compressed.
    let out = nearcopy()
        .args(["dedup", "-", "-o", "-", "-q"])
        .write_stdin(std::fs::read(&zst).unwrap())
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, reference);
    // Standard output, with the summary on standard error.
    let out = nearcopy()
        .args(["dedup", p(&zst), "-o", "-"])
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, reference);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("nearcopy dedup: "), "{err}");
}

#[test]
fn dry_run_writes_nothing_but_reports() {
    let (input, expected) = scrape();
    let dir = corpus(&[("in.jsonl", &input)]);
    let out = dir.path().join("out.jsonl");
    let s = run_ok(&[
        "dedup",
        p(&dir.path().join("in.jsonl")),
        "-o",
        p(&out),
        "--dry-run",
        "-f",
        "json",
    ]);
    assert_eq!(entries(dir.path()), ["in.jsonl"]);
    let s = json_of(&s);
    assert_eq!(s["params"]["dry_run"], true);
    assert_eq!(
        s["summary"]["removed_exact"].as_u64().unwrap()
            + s["summary"]["removed_near"].as_u64().unwrap(),
        expected.len() as u64
    );
    // Without -o, and with the log on standard output.
    let out = nearcopy()
        .args([
            "dedup",
            p(&dir.path().join("in.jsonl")),
            "--dry-run",
            "--removed",
            "-",
        ])
        .assert()
        .success();
    assert_eq!(jsonl(&out.get_output().stdout).len(), expected.len());
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("(dry run)"));
    assert_eq!(entries(dir.path()), ["in.jsonl"]);
    // The text summary.
    let text = String::from_utf8(run_ok(&[
        "dedup",
        p(&dir.path().join("in.jsonl")),
        "--dry-run",
    ]))
    .unwrap();
    assert!(
        text.contains("would keep 13 records; removed 7: 4 exact and 3 near duplicates"),
        "{text}"
    );
}

#[test]
fn text_directories_become_json_lines() {
    let a = prose(11, 100);
    let dir = corpus(&[
        ("site/one.txt", &a),
        ("site/two.txt", &a),
        ("site/three.txt", &prose(12, 100)),
    ]);
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("out.jsonl");
    run_ok(&["dedup", p(&dir.path().join("site")), "-o", p(&o), "-q"]);
    let kept = jsonl(&std::fs::read(&o).unwrap());
    // Walked in name order: one, three, two; two duplicates one.
    let ids: Vec<&str> = kept.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["one.txt", "three.txt"]);
    assert_eq!(kept[0]["text"], a);
    assert_eq!(kept[0]["source"], "site");
}

#[test]
fn outputs_must_differ_and_usage_is_checked() {
    let (input, _) = scrape();
    let dir = corpus(&[("in.jsonl", &input)]);
    let o = dir.path().join("o.jsonl");
    nearcopy()
        .args([
            "dedup",
            p(&dir.path().join("in.jsonl")),
            "-o",
            p(&o),
            "--removed",
            p(&o),
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("same file"));
    nearcopy()
        .args([
            "dedup",
            p(&dir.path().join("in.jsonl")),
            "-o",
            "-",
            "--removed",
            "-",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("cannot both be standard output"));
    nearcopy()
        .args(["dedup", p(&dir.path().join("in.jsonl"))])
        .assert()
        .failure()
        .code(2);
    // Outputs that cannot be written are reported before any work.
    nearcopy()
        .args([
            "dedup",
            p(&dir.path().join("in.jsonl")),
            "-o",
            p(&dir.path().join("no/such/dir.jsonl")),
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("cannot write: no directory"));
    nearcopy()
        .args([
            "dedup",
            p(&dir.path().join("in.jsonl")),
            "-o",
            p(dir.path()),
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("it is a directory"));
    nearcopy()
        .args([
            "dedup",
            p(&dir.path().join("in.jsonl")),
            "-o",
            p(&o),
            "--boilerplate",
            "1",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "--boilerplate must be at least 2",
        ));
    assert_eq!(entries(dir.path()), ["in.jsonl"]);
}

/// Ctrl-C while the output is being written: exit status 130, no OUT and no
/// temporary file. The log goes to a pipe nobody reads yet, so the run is
/// held in its write pass until the signal has been sent.
#[cfg(unix)]
#[test]
fn ctrl_c_leaves_no_partial_output() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let mut input = String::new();
    for d in 0..4000u64 {
        let text = prose(d + 1000, 40);
        input.push_str(&record(&format!("record-{d}"), &text));
        input.push('\n');
        input.push_str(&record(&format!("record-{d}-again"), &text));
        input.push('\n');
    }
    let dir = corpus(&[("in.jsonl", &input)]);
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("clean.jsonl");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("nearcopy"))
        .args([
            "dedup",
            p(&dir.path().join("in.jsonl")),
            "-o",
            p(&out),
            "--removed",
            "-",
            "-q",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while entries(out_dir.path()).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "write pass never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let tmp = entries(out_dir.path());
    assert!(
        tmp[0].starts_with(".nearcopy-") && tmp[0].ends_with(".tmp"),
        "{tmp:?}"
    );
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut log = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut log).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert_eq!(entries(out_dir.path()), Vec::<String>::new());
}

/// The library stops between batches when asked, and leaves nothing.
#[test]
fn a_cancelled_run_leaves_nothing() {
    use nearcopy::dedup::{dedup, DedupConfig, Target, Targets};
    use nearcopy::progress::Progress;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Cancels once the write pass has handed over its first batch.
    struct StopWhileWriting(AtomicU64);
    impl Progress for StopWhileWriting {
        fn stage(&self, name: &str, _: Option<u64>) {
            if name == "writing" {
                self.0.store(1, Ordering::SeqCst);
            }
        }
        fn advance(&self, _: u64, _: u64) {
            if self.0.load(Ordering::SeqCst) == 1 {
                self.0.store(2, Ordering::SeqCst);
            }
        }
        fn cancelled(&self) -> bool {
            self.0.load(Ordering::SeqCst) == 2
        }
    }

    let (input, _) = scrape();
    let dir = corpus(&[("in.jsonl", &input)]);
    let out_dir = tempfile::tempdir().unwrap();
    let mut cfg = DedupConfig::default();
    cfg.scan.input.batch_bytes = 4096; // several batches
    let result = dedup(
        &[dir.path().join("in.jsonl")],
        &cfg,
        Targets {
            kept: Target::File(out_dir.path().join("out.jsonl")),
            log: Target::File(out_dir.path().join("log.jsonl")),
        },
        &StopWhileWriting(AtomicU64::new(0)),
    );
    assert!(
        matches!(result, Err(nearcopy::Error::Interrupted)),
        "{result:?}"
    );
    assert_eq!(entries(out_dir.path()), Vec::<String>::new());
}

#[test]
fn reuters_dedup_accounts_for_every_record() {
    let Some(docs) = evaldata("reuters21578/docs.jsonl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clean.jsonl.zst");
    let log = dir.path().join("removed.jsonl");
    let s = json_of(&run_ok(&[
        "dedup",
        p(&docs),
        "-o",
        p(&out),
        "--removed",
        p(&log),
        "-f",
        "json",
    ]));
    let input = std::fs::read(&docs).unwrap();
    let input_lines: BTreeSet<&[u8]> = lines_of(&input).into_iter().collect();
    let kept = zstd::decode_all(&std::fs::read(&out).unwrap()[..]).unwrap();
    let kept_lines = lines_of(&kept);
    assert!(kept_lines.iter().all(|l| input_lines.contains(l)));
    let log = jsonl(&std::fs::read(&log).unwrap());
    assert_eq!(kept_lines.len() + log.len(), lines_of(&input).len());
    let kept_ids: BTreeSet<String> = jsonl(&kept)
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    assert!(log
        .iter()
        .all(|l| kept_ids.contains(l["duplicate_of"].as_str().unwrap())));
    assert!(s["summary"]["removed_near"].as_u64().unwrap() > 0);
}
