//! `nearcopy similarity`: every value against a brute-force computation,
//! containment direction, grouping, top-k, determinism, errors, and the HTML
//! report rendered by a real browser.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

/// The shingles of `text` as strings of normalised words, computed without
/// the library's fingerprints: a text shorter than `k` words is one shingle.
fn shingles(text: &str, k: usize) -> HashSet<String> {
    let mut tokens = Vec::new();
    nearcopy::text::words(text, &mut tokens);
    let words: Vec<String> = tokens
        .iter()
        .map(|t| nearcopy::text::normalise(&text[t.span()]))
        .collect();
    if words.is_empty() {
        return HashSet::new();
    }
    if words.len() < k {
        return HashSet::from([words.join(" ")]);
    }
    words.windows(k).map(|w| w.join(" ")).collect()
}

/// A source for the brute force: its name and its shingle set per size.
type Source = (String, Vec<(usize, HashSet<String>)>);

/// `(jaccard, a_in_b, b_in_a, shared)` of two sets.
fn brute(a: &HashSet<String>, b: &HashSet<String>) -> (f64, f64, f64, u64) {
    let inter = a.intersection(b).count() as f64;
    let union = (a.len() + b.len()) as f64 - inter;
    let r = |n: f64, d: f64| if d > 0.0 { n / d } else { 0.0 };
    (
        r(inter, union),
        r(inter, a.len() as f64),
        r(inter, b.len() as f64),
        inter as u64,
    )
}

fn run_json(args: &[&str]) -> Value {
    let out = nearcopy().args(args).assert().success();
    json_of(&out.get_output().stdout)
}

/// The pairs of a report by `(shingle, a, b)`.
fn pairs_of(v: &Value) -> BTreeMap<(u64, String, String), Value> {
    v["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .map(|p| {
            (
                (
                    p["shingle"].as_u64().unwrap(),
                    p["a"].as_str().unwrap().to_string(),
                    p["b"].as_str().unwrap().to_string(),
                ),
                p.clone(),
            )
        })
        .collect()
}

fn close(x: &Value, y: f64) -> bool {
    (x.as_f64().expect("number") - y).abs() < 1e-6
}

/// Checks every pair of `sources` (name, shingle set per size) against the
/// report: values equal the brute force, and a pair is listed exactly when
/// it shares something.
fn check_all_pairs(v: &Value, sources: &[Source]) {
    let names: Vec<&str> = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let expected_names: Vec<&str> = sources.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names, expected_names);
    let pairs = pairs_of(v);
    let mut checked = 0;
    for (i, (na, sa)) in sources.iter().enumerate() {
        for (nb, sb) in &sources[i + 1..] {
            for ((k, a), (_, b)) in sa.iter().zip(sb) {
                let (j, ab, ba, shared) = brute(a, b);
                let key = (*k as u64, na.clone(), nb.clone());
                match pairs.get(&key) {
                    None => assert_eq!(shared, 0, "{key:?} shares {shared} but is not listed"),
                    Some(p) => {
                        assert!(
                            close(&p["jaccard"], j),
                            "{key:?} jaccard {} vs {j}",
                            p["jaccard"]
                        );
                        assert!(
                            close(&p["a_in_b"], ab),
                            "{key:?} a_in_b {} vs {ab}",
                            p["a_in_b"]
                        );
                        assert!(
                            close(&p["b_in_a"], ba),
                            "{key:?} b_in_a {} vs {ba}",
                            p["b_in_a"]
                        );
                        assert_eq!(p["shared"].as_u64(), Some(shared), "{key:?}");
                        assert!(shared > 0, "{key:?} listed but shares nothing");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, pairs.len(), "unexpected pairs in the report");
}

fn news_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("corpus/news"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn news_matrix_matches_brute_force_at_1_and_5_words() {
    let v = run_json(&[
        "similarity",
        "corpus/news",
        "--shingle",
        "1,5",
        "--format",
        "json",
    ]);
    assert_eq!(v["params"]["shingles"], serde_json::json!([1, 5]));
    let sources: Vec<Source> = news_files()
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, vec![(1, shingles(&text, 1)), (5, shingles(&text, 5))])
        })
        .collect();
    assert_eq!(sources.len(), 5);
    check_all_pairs(&v, &sources);
    // At one word every pair of the five reports shares vocabulary: the
    // whole 5×5 matrix is filled.
    let at1 = v["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["shingle"] == 1)
        .count();
    assert_eq!(at1, 10);

    // Per source: the share of its shingles found in any other source.
    for (i, (name, sets)) in sources.iter().enumerate() {
        let st = &v["source_stats"][i];
        assert_eq!(st["source"], name.as_str());
        for (s, (k, own)) in sets.iter().enumerate() {
            let others: HashSet<&String> = sources
                .iter()
                .enumerate()
                .filter(|(o, _)| *o != i)
                .flat_map(|(_, (_, sets))| sets[s].1.iter())
                .collect();
            let shared = own.iter().filter(|x| others.contains(x)).count() as f64;
            let b = &st["by_shingle"][s];
            assert_eq!(b["shingle"].as_u64(), Some(*k as u64));
            assert_eq!(b["shingles"].as_u64(), Some(own.len() as u64));
            assert!(
                close(&b["shared"], shared / own.len() as f64),
                "{name} k={k}"
            );
        }
    }
}

#[test]
fn boilerplate_counts_shingles_in_enough_other_documents() {
    // With --boilerplate 2, a shingle is boilerplate when at least 3 of the
    // 5 documents have it.
    let v = run_json(&[
        "similarity",
        "corpus/news",
        "--shingle",
        "1",
        "--boilerplate",
        "2",
        "--format",
        "json",
    ]);
    let sets: Vec<HashSet<String>> = news_files()
        .iter()
        .map(|p| shingles(&std::fs::read_to_string(p).unwrap(), 1))
        .collect();
    for (i, own) in sets.iter().enumerate() {
        let common = own
            .iter()
            .filter(|x| sets.iter().filter(|s| s.contains(*x)).count() >= 3)
            .count() as f64;
        let got = &v["source_stats"][i]["by_shingle"][0]["boilerplate"];
        assert!(close(got, common / own.len() as f64), "{i}: {got}");
    }
    assert_eq!(v["params"]["boilerplate_min_other_docs"], 2);
}

#[test]
fn containment_is_asymmetric_when_one_text_is_inside_another() {
    let v = run_json(&[
        "similarity",
        "corpus/contained",
        "--shingle",
        "5",
        "--format",
        "json",
    ]);
    assert_eq!(
        v["sources"],
        serde_json::json!(["article.txt", "recipe.txt", "wire.txt"])
    );
    let pairs = pairs_of(&v);
    let p = &pairs[&(5, "article.txt".into(), "wire.txt".into())];
    // The whole wire story is in the article; a small part of the article
    // is the wire story. Jaccard is then |wire| / |article|.
    assert_eq!(p["b_in_a"].as_f64(), Some(1.0));
    let a_in_b = p["a_in_b"].as_f64().unwrap();
    assert!(a_in_b > 0.1 && a_in_b < 0.5, "{a_in_b}");
    assert!(close(&p["jaccard"], a_in_b));
    // The recipe shares no five-word run with either.
    assert_eq!(pairs.len(), 1, "{pairs:?}");

    // The text report shows the asymmetry in the containment matrix.
    let out = nearcopy()
        .args(["similarity", "corpus/contained"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let containment = text
        .split("containment")
        .nth(1)
        .expect("containment matrix");
    let wire_row = containment
        .lines()
        .find(|l| l.contains("[3] wire.txt"))
        .expect("wire row");
    assert!(wire_row.contains("1.0000"), "{wire_row}");
}

#[test]
fn by_dir_takes_the_union_of_each_directory() {
    let a1 = "the committee approved the budget for the new library on monday evening";
    let a2 = "construction of the new library will start in the spring of next year";
    let b1 = "reports say the committee approved the budget for the new library on monday, \
              and construction will start soon";
    let c = corpus(&[
        ("siteA/one.txt", a1),
        ("siteA/two.txt", a2),
        ("siteB/story.txt", b1),
    ]);
    let dir = c.path().to_str().unwrap();
    let v = run_json(&[
        "similarity",
        dir,
        "--by",
        "dir",
        "--shingle",
        "2,4",
        "--format",
        "json",
    ]);
    let union = |texts: &[&str], k: usize| -> HashSet<String> {
        texts.iter().flat_map(|t| shingles(t, k)).collect()
    };
    let sources = vec![
        (
            "siteA".to_string(),
            vec![(2, union(&[a1, a2], 2)), (4, union(&[a1, a2], 4))],
        ),
        (
            "siteB".to_string(),
            vec![(2, union(&[b1], 2)), (4, union(&[b1], 4))],
        ),
    ];
    check_all_pairs(&v, &sources);
    assert_eq!(v["source_stats"][0]["documents"], 2);
    assert_eq!(v["params"]["by"], "dir");
}

const RECORDS: &str = r#"{"id":"a1","site":"alpha.example","text":"Officials confirmed the bridge will close for repairs during the first two weeks of May."}
{"id":"b1","site":"beta.example","text":"The bridge will close for repairs during the first two weeks of May, officials confirmed on Friday."}
{"id":"a2","site":"alpha.example","text":"Local bakeries report record sales of hot cross buns this spring."}
{"id":"c1","site":7,"text":"An unrelated note about the weather in the hills."}
"#;

#[test]
fn by_field_groups_records_by_a_jsonl_field() {
    let c = corpus(&[("docs.jsonl", RECORDS)]);
    let file = c.path().join("docs.jsonl");
    let v = run_json(&[
        "similarity",
        file.to_str().unwrap(),
        "--by",
        "field:site",
        "--shingle",
        "1,3",
        "--format",
        "json",
    ]);
    let texts: Vec<(String, String)> = RECORDS
        .lines()
        .map(|l| {
            let r: Value = serde_json::from_str(l).unwrap();
            let site = match &r["site"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (site, r["text"].as_str().unwrap().to_string())
        })
        .collect();
    let mut order: Vec<String> = Vec::new();
    for (s, _) in &texts {
        if !order.contains(s) {
            order.push(s.clone());
        }
    }
    let sources: Vec<Source> = order
        .iter()
        .map(|s| {
            let sets = [1, 3]
                .iter()
                .map(|&k| {
                    let set: HashSet<String> = texts
                        .iter()
                        .filter(|(site, _)| site == s)
                        .flat_map(|(_, t)| shingles(t, k))
                        .collect();
                    (k, set)
                })
                .collect();
            (s.clone(), sets)
        })
        .collect();
    assert_eq!(order, ["alpha.example", "beta.example", "7"]);
    check_all_pairs(&v, &sources);
    assert_eq!(v["source_stats"][0]["documents"], 2);

    // Grouping by the field that also names the source works the same way.
    let with_source = RECORDS.replace("\"site\"", "\"source\"");
    let c2 = corpus(&[("docs.jsonl", &with_source)]);
    let file2 = c2.path().join("docs.jsonl");
    let v2 = run_json(&[
        "similarity",
        file2.to_str().unwrap(),
        "--by",
        "field:source",
        "--shingle",
        "1,3",
        "--format",
        "json",
    ]);
    assert_eq!(v2["pairs"], v["pairs"]);
}

#[test]
fn a_record_without_the_group_field_is_an_error_with_file_and_line() {
    let records = RECORDS.replace(r#""site":"beta.example","#, "");
    let c = corpus(&[("docs.jsonl", &records)]);
    let file = c.path().join("docs.jsonl");
    let out = nearcopy()
        .args(["similarity", file.to_str().unwrap(), "--by", "field:site"])
        .assert()
        .failure()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("docs.jsonl:2:"), "{err}");
    assert!(err.contains("\"site\""), "{err}");
    assert!(err.contains("--skip-invalid"), "{err}");

    // With --skip-invalid the record is left out and counted.
    let v = run_json(&[
        "similarity",
        file.to_str().unwrap(),
        "--by",
        "field:site",
        "--skip-invalid",
        "--format",
        "json",
    ]);
    assert_eq!(v["summary"]["documents"], 3);
    assert_eq!(v["skipped"]["invalid"]["missing field"], 1);
    assert_eq!(v["sources"], serde_json::json!(["alpha.example", "7"]));

    // A list cannot name a source.
    let lists = RECORDS.replace(r#""site":"beta.example""#, r#""site":["beta"]"#);
    let c = corpus(&[("docs.jsonl", &lists)]);
    let file = c.path().join("docs.jsonl");
    let out = nearcopy()
        .args(["similarity", file.to_str().unwrap(), "--by", "field:site"])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("docs.jsonl:2:") && err.contains("not a string or a number"),
        "{err}"
    );

    // Text files have no fields.
    let out = nearcopy()
        .args(["similarity", "corpus/news", "--by", "field:site"])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("000_dec4f30b1f87fe9c.txt") && err.contains("\"site\""),
        "{err}"
    );
}

#[test]
fn bad_options_are_refused_with_a_reason() {
    for (args, needle) in [
        (vec!["--by", "site"], "field:NAME"),
        (vec!["--shingle", "0"], "shingle sizes"),
        (vec!["--top", "0"], "--top"),
        (vec!["--max-df", "1"], "--max-df"),
    ] {
        let out = nearcopy()
            .args(["similarity", "corpus/news"])
            .args(&args)
            .assert()
            .failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

/// The `k` best partners of each source in a full report, by `key`
/// (descending, ties by source number), as the set of unordered pairs.
fn expected_top(
    full: &Value,
    shingle: u64,
    k: usize,
    key: &dyn Fn(&Value) -> f64,
) -> BTreeSet<(String, String)> {
    let names: Vec<String> = full["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let index = |n: &str| names.iter().position(|x| x == n).unwrap();
    let mut partners: Vec<Vec<(f64, usize)>> = vec![Vec::new(); names.len()];
    for p in full["pairs"].as_array().unwrap() {
        if p["shingle"].as_u64() != Some(shingle) {
            continue;
        }
        let (a, b) = (
            index(p["a"].as_str().unwrap()),
            index(p["b"].as_str().unwrap()),
        );
        partners[a].push((key(p), b));
        partners[b].push((key(p), a));
    }
    let mut out = BTreeSet::new();
    for (a, list) in partners.iter_mut().enumerate() {
        list.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        for &(_, b) in list.iter().take(k) {
            let (x, y) = (a.min(b), a.max(b));
            out.insert((names[x].clone(), names[y].clone()));
        }
    }
    out
}

fn check_top_against_full(path: &str, extra: &[&str], shingle: u64, k: usize) {
    let s = shingle.to_string();
    let mut base = vec!["similarity", path, "--shingle", &s, "--format", "json"];
    base.extend_from_slice(extra);
    let full = run_json(&base);
    let top_k = k.to_string();
    for rank in ["jaccard", "containment"] {
        let mut args = base.clone();
        args.extend_from_slice(&["--top", &top_k, "--rank", rank]);
        let top = run_json(&args);
        assert_eq!(top["params"]["pairs"], "top");
        let key: Box<dyn Fn(&Value) -> f64> = if rank == "jaccard" {
            Box::new(|p: &Value| p["jaccard"].as_f64().unwrap())
        } else {
            Box::new(|p: &Value| {
                p["a_in_b"]
                    .as_f64()
                    .unwrap()
                    .max(p["b_in_a"].as_f64().unwrap())
            })
        };
        let expected = expected_top(&full, shingle, k, &*key);
        let full_pairs = pairs_of(&full);
        let got: BTreeSet<(String, String)> = pairs_of(&top)
            .into_iter()
            .map(|((_, a, b), p)| {
                // Values are those of the full computation.
                assert_eq!(full_pairs[&(shingle, a.clone(), b.clone())], p, "{a} {b}");
                (a, b)
            })
            .collect();
        assert_eq!(got, expected, "{path} --top {k} --rank {rank}");
    }
}

#[test]
fn top_k_agrees_with_the_full_computation() {
    check_top_against_full("corpus/news", &[], 1, 2);
    check_top_against_full("corpus/news", &[], 5, 1);
    let Some(reuters) = evaldata("reuters21578/docs.jsonl") else {
        return;
    };
    // The first 400 stories: small enough for every pair.
    let head: String = std::fs::read_to_string(reuters)
        .unwrap()
        .lines()
        .take(400)
        .map(|l| format!("{l}\n"))
        .collect();
    let c = corpus(&[("head.jsonl", &head)]);
    let path = c.path().join("head.jsonl");
    check_top_against_full(path.to_str().unwrap(), &[], 5, 3);
    // At one word, common words exceed --max-df; pairs found are still
    // counted exactly (checked inside), and with no cut-off the top lists
    // agree exactly.
    check_top_against_full(path.to_str().unwrap(), &["--max-df", "1000"], 1, 3);
}

#[test]
fn top_k_counts_stay_exact_with_a_low_max_df() {
    let full = run_json(&[
        "similarity",
        "corpus/news",
        "--shingle",
        "1",
        "--format",
        "json",
    ]);
    let top = run_json(&[
        "similarity",
        "corpus/news",
        "--shingle",
        "1",
        "--format",
        "json",
        "--top",
        "4",
        "--max-df",
        "2",
    ]);
    let full_pairs = pairs_of(&full);
    let got = pairs_of(&top);
    assert!(!got.is_empty());
    for (key, p) in got {
        assert_eq!(full_pairs[&key], p);
    }
}

#[test]
fn estimates_are_close_to_exact_values() {
    let exact = run_json(&[
        "similarity",
        "corpus/news",
        "--shingle",
        "1",
        "--format",
        "json",
    ]);
    let est = run_json(&[
        "similarity",
        "corpus/news",
        "--shingle",
        "1",
        "--estimate",
        "--perms",
        "512",
        "--format",
        "json",
    ]);
    assert_eq!(est["params"]["method"], "estimate");
    let e = pairs_of(&est);
    for (key, p) in pairs_of(&exact) {
        let q = &e[&key];
        for f in ["jaccard", "a_in_b", "b_in_a"] {
            let (x, y) = (p[f].as_f64().unwrap(), q[f].as_f64().unwrap());
            assert!((x - y).abs() < 0.1, "{key:?} {f}: exact {x}, estimate {y}");
        }
    }
    assert!(est["source_stats"][0]["by_shingle"][0]["boilerplate"].is_null());
    // Top-k on estimates goes through LSH.
    let top = run_json(&[
        "similarity",
        "corpus/news",
        "--shingle",
        "1",
        "--estimate",
        "--top",
        "1",
        "--format",
        "json",
    ]);
    assert!(top["params"]["bands"].as_u64().is_some());
    assert!(!top["pairs"].as_array().unwrap().is_empty());
}

#[test]
fn same_output_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let run = |threads: &str, extra: &[&str], html: &Path| -> Value {
        let out = nearcopy()
            .args([
                "similarity",
                "corpus/news",
                "--shingle",
                "1,2,5",
                "--format",
                "json",
            ])
            .args(["--threads", threads, "--html", html.to_str().unwrap()])
            .args(extra)
            .assert()
            .success();
        without_timings(json_of(&out.get_output().stdout))
    };
    for extra in [&[][..], &["--top", "2"][..], &["--estimate"][..]] {
        let (h1, h2) = (dir.path().join("1.html"), dir.path().join("2.html"));
        assert_eq!(run("1", extra, &h1), run("2", extra, &h2), "{extra:?}");
        assert_eq!(
            std::fs::read(&h1).unwrap(),
            std::fs::read(&h2).unwrap(),
            "{extra:?}"
        );
    }
    let Some(reuters) = evaldata("reuters21578/docs.jsonl") else {
        return;
    };
    let run = |threads: &str| -> Value {
        let out = nearcopy()
            .arg("similarity")
            .arg(&reuters)
            .args(["--by", "field:file", "--shingle", "3", "--format", "json"])
            .args(["--threads", threads])
            .assert()
            .success();
        without_timings(json_of(&out.get_output().stdout))
    };
    let one = run("1");
    assert_eq!(one["sources"].as_array().map(Vec::len), Some(11));
    assert_eq!(one, run("2"));
}

#[test]
fn csv_and_svg_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("map.svg");
    let out = nearcopy()
        .args(["similarity", "corpus/contained", "--format", "csv", "--svg"])
        .arg(&svg)
        .assert()
        .success();
    let csv = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("shingle,a,b,jaccard,a_in_b,b_in_a,shared")
    );
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&row[..3], &["5", "article.txt", "wire.txt"]);
    assert_eq!(row[5], "1.000000");
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    // Three sources: six off-diagonal cells.
    assert_eq!(svg.matches("<rect class=\"cell\"").count(), 6);
}

/// The Chromium binary, or `None` with a message.
fn chromium() -> Option<PathBuf> {
    let candidates = ["chromium", "chromium-browser", "google-chrome"];
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for c in candidates {
            let p = dir.join(c);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    eprintln!("skipping: no chromium in PATH (apt-get install chromium)");
    None
}

/// The DOM of `page` after its scripts ran, and Chromium's log.
fn render(browser: &Path, page: &Path, fragment: &str) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}{fragment}", page.display());
    let out = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium failed: {out:?}");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_rendered_cleanly(dom: &str, log: &str) {
    assert!(
        dom.contains("data-ready=\"1\""),
        "the script did not finish"
    );
    assert!(
        !dom.contains("data-error="),
        "script error recorded in the page"
    );
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
}

/// The inner texts of the `<mark>` elements of the element with `id`.
fn marks_in(dom: &str, id: &str) -> Vec<String> {
    let start = dom.find(&format!("id=\"{id}\"")).expect(id);
    let end = dom[start..].find("</div>").map_or(dom.len(), |e| start + e);
    dom[start..end]
        .split("<mark")
        .skip(1)
        .map(|m| {
            let body = &m[m.find('>').unwrap() + 1..];
            body[..body.find("</mark>").unwrap()].to_string()
        })
        .collect()
}

/// How a browser serialises text content.
fn html_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\u{a0}', "&nbsp;")
}

#[test]
fn html_report_renders_heatmap_and_side_by_side_view_in_chromium() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    nearcopy()
        .args(["similarity", "corpus/news", "--shingle", "1,5", "--html"])
        .arg(&page)
        .assert()
        .success();
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing is fetched.
    for needle in ["src=\"http", "href=\"http", "<link", "@import", "url("] {
        assert!(!html.contains(needle), "{needle}");
    }

    // Pair 2,4 selected by the URL fragment.
    let (dom, log) = render(&browser, &page, "#pair=2,4");
    assert_rendered_cleanly(&dom, &log);
    // Two heatmaps of 5×5 cells (the diagonal apart), the selected cell
    // outlined in both.
    assert_eq!(dom.matches("class=\"heatmap\"").count(), 2);
    assert_eq!(dom.matches("<rect class=\"cell").count(), 40);
    assert_eq!(dom.matches("class=\"cell sel\"").count(), 2);
    assert!(
        !dom.contains("<div id=\"view-body\" hidden"),
        "view not shown"
    );
    let files = news_files();
    let (a, b) = (
        std::fs::read_to_string(&files[2]).unwrap(),
        std::fs::read_to_string(&files[4]).unwrap(),
    );
    // The highlighted passages are the shared runs of 5-word shingles.
    let marked = nearcopy::similarity::shared_spans(&a, &b, nearcopy::text::TokenKind::Words, 5);
    let expect = |text: &str, spans: &[nearcopy::similarity::SharedSpan]| -> Vec<String> {
        spans
            .iter()
            .map(|s| html_text(&text[s.start..s.end]))
            .collect()
    };
    assert!(!marked.a.is_empty());
    assert_eq!(marks_in(&dom, "text-a"), expect(&a, &marked.a));
    assert_eq!(marks_in(&dom, "text-b"), expect(&b, &marked.b));
    // The two texts are shown whole.
    let first_line = a.lines().find(|l| !l.trim().is_empty()).unwrap();
    assert!(dom.contains(&html_text(first_line)), "{first_line}");

    // Real clicks: a heatmap cell, then a highlighted passage.
    let clicked = dir.path().join("clicked.html");
    let script = r#"<script>
var cell = document.querySelector('figure svg .cell[data-a="4"][data-b="1"]');
cell.dispatchEvent(new MouseEvent("click", { bubbles: true }));
document.getElementById("m-a-0").dispatchEvent(new MouseEvent("click", { bubbles: true }));
document.body.setAttribute("data-clicked", document.getElementById("src-a").textContent);
</script></body>"#;
    std::fs::write(&clicked, html.replace("</body>", script)).unwrap();
    let (dom, log) = render(&browser, &clicked, "");
    assert_rendered_cleanly(&dom, &log);
    let row = files[4].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        dom.contains(&format!("data-clicked=\"{row}\"")),
        "row source not on the left"
    );
    assert_eq!(dom.matches("class=\"cell sel\"").count(), 2);
    let tag = |id: &str| -> String {
        let at = dom.find(&format!("id=\"{id}\"")).expect(id);
        let open = dom[..at].rfind('<').unwrap();
        dom[open..at + dom[at..].find('>').unwrap()].to_string()
    };
    assert!(
        tag("m-a-0").contains("class=\"on\""),
        "clicked passage not marked"
    );
    let partner = tag("m-a-0")
        .split("data-partner=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    assert!(
        tag(&format!("m-b-{partner}")).contains("class=\"on\""),
        "partner passage not marked"
    );
}

/// The data embedded in an HTML report.
fn page_data(html: &str) -> Value {
    let start = html.find("id=\"data\">").expect("data script") + "id=\"data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("page data is JSON")
}

#[test]
fn html_view_of_grouped_sources_shows_the_documents_that_share_most() {
    let shared = "the harbour authority said on thursday that the new ferry terminal \
                  would open to passengers in the first week of june";
    let c = corpus(&[
        (
            "east/a.txt",
            "a note about the weather in the hills and the valley",
        ),
        ("east/b.txt", &format!("Local news. {shared}. More later.")),
        (
            "west/c.txt",
            "sports results from the weekend league matches",
        ),
        (
            "west/d.txt",
            &format!("In brief: {shared}, officials added."),
        ),
        ("west/e.txt", "an unrelated story about a bakery"),
    ]);
    let out = tempfile::tempdir().unwrap();
    for extra in [&[][..], &["--estimate", "--perms", "256"][..]] {
        let page = out.path().join("view.html");
        nearcopy()
            .arg("similarity")
            .arg(c.path())
            .args(["--by", "dir", "--html"])
            .arg(&page)
            .args(extra)
            .assert()
            .success();
        let data = page_data(&std::fs::read_to_string(&page).unwrap());
        assert_eq!(data["sources"], serde_json::json!(["east", "west"]));
        let view = &data["views"]["0,1"];
        let doc = |i: &Value| data["docs"][i.as_u64().unwrap() as usize]["id"].clone();
        assert_eq!(doc(&view["doc_a"]), "east/b.txt", "{extra:?}");
        assert_eq!(doc(&view["doc_b"]), "west/d.txt", "{extra:?}");
        // One shared run in each, covering the shared sentence.
        let text_a = data["docs"][view["doc_a"].as_u64().unwrap() as usize]["text"]
            .as_str()
            .unwrap()
            .to_string();
        let span = &view["spans_a"][0];
        let (s, e) = (
            span[0].as_u64().unwrap() as usize,
            span[1].as_u64().unwrap() as usize,
        );
        assert_eq!(view["spans_a"].as_array().unwrap().len(), 1);
        assert_eq!(&text_a[s..e], shared, "{extra:?}");
        assert_eq!(span[2], 0, "linked to the run of the other text");
    }
}
