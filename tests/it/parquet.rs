//! Parquet input and output, on files written by pyarrow
//! (`tests/data/parquet/make.py` writes them and their JSON Lines twin).

use std::fs::File;
use std::path::PathBuf;

use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

use crate::common::{json_of, nearcopy, p, run_err, run_ok, stdout_ok, test_data, without_timings};

fn data(name: &str) -> PathBuf {
    test_data("parquet").join(name)
}

fn scan_json(path: &str, extra: &[&str]) -> Value {
    let mut args = vec!["scan", path, "-f", "json", "-q", "--source-field", "site"];
    args.extend_from_slice(extra);
    without_timings(json_of(&run_ok(&args)))
}

/// The rows of a Parquet file, all columns.
fn read(path: &std::path::Path) -> Vec<RecordBatch> {
    let f = File::open(path).expect("output exists");
    ParquetRecordBatchReaderBuilder::try_new(f)
        .expect("a Parquet file")
        .build()
        .expect("reader")
        .collect::<Result<Vec<_>, _>>()
        .expect("readable rows")
}

/// One column of `batches` as JSON values, row by row (any Arrow type).
fn column(batches: &[RecordBatch], name: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for b in batches {
        let mut w = arrow_json::ArrayWriter::new(Vec::new());
        w.write(
            &b.project(&[b.schema().index_of(name).expect("column")])
                .expect("project"),
        )
        .expect("json");
        w.finish().expect("json");
        let rows: Vec<Value> = serde_json::from_slice(&w.into_inner()).expect("json");
        out.extend(
            rows.into_iter()
                .map(|r| r.get(name).cloned().unwrap_or(Value::Null)),
        );
    }
    out
}

#[test]
fn a_parquet_file_scans_as_its_json_lines_twin() {
    let twin = scan_json(p(&data("news.jsonl")), &[]);
    let parquet = scan_json(p(&data("news.parquet")), &[]);
    assert_eq!(parquet["clusters"].as_array().map(Vec::len), Some(3));
    assert!(!parquet["passages"].as_array().expect("passages").is_empty());
    assert_eq!(
        parquet["documents"][0]["id"], "100",
        "ids from the id column"
    );
    assert_eq!(
        parquet["documents"][2]["source"], "a",
        "sources from --source-field"
    );
    // Everything but the file names in `skipped` is the same.
    for key in ["params", "documents", "clusters", "passages", "summary"] {
        assert_eq!(parquet[key], twin[key], "{key}");
    }
}

#[test]
fn row_groups_are_read_in_order_at_any_thread_count() {
    // news.parquet has row groups of 3 rows.
    let one = scan_json(p(&data("news.parquet")), &["-j", "1"]);
    let two = scan_json(p(&data("news.parquet")), &["-j", "2"]);
    let four = scan_json(p(&data("news.parquet")), &["-j", "4"]);
    assert_eq!(one, two);
    assert_eq!(one, four);
}

#[test]
fn large_strings_without_an_id_column_are_named_by_row() {
    let v = scan_json(p(&data("news-large.parquet")), &[]);
    let ids: Vec<&str> = v["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| d["id"].as_str().expect("id"))
        .collect();
    let name = p(&data("news-large.parquet")).to_string();
    assert_eq!(ids[0], format!("{name}:1"));
    assert_eq!(ids[7], format!("{name}:8"));
    let twin = scan_json(p(&data("news.jsonl")), &[]);
    assert_eq!(v["summary"], twin["summary"]);
}

#[test]
fn a_missing_text_column_is_named_with_the_columns_there_are() {
    let err = run_err(&[
        "scan",
        p(&data("news.parquet")),
        "--text-field",
        "body",
        "-q",
    ]);
    assert!(err.contains("news.parquet"), "{err}");
    assert!(err.contains("no column \"body\""), "{err}");
    assert!(err.contains("text, id, site, tags, meta, score"), "{err}");
    assert!(err.contains("--text-field"), "{err}");
}

#[test]
fn a_null_text_stops_at_its_row_or_is_skipped_and_counted() {
    let err = run_err(&["scan", p(&data("nulls.parquet")), "-q"]);
    assert!(err.contains("nulls.parquet:3"), "{err}");
    assert!(err.contains("missing field \"text\""), "{err}");
    let v = json_of(&run_ok(&[
        "scan",
        p(&data("nulls.parquet")),
        "--skip-invalid",
        "-f",
        "json",
        "-q",
    ]));
    assert_eq!(v["summary"]["documents"], 3);
    assert_eq!(v["skipped"]["invalid"]["missing field"], 1);
}

#[test]
fn parquet_on_standard_input_is_recognised_by_its_magic_bytes() {
    let bytes = std::fs::read(data("news.parquet")).expect("fixture");
    let v = without_timings(json_of(&stdout_ok(
        nearcopy()
            .args(["scan", "-", "-f", "json", "-q", "--source-field", "site"])
            .write_stdin(bytes),
    )));
    let file = scan_json(p(&data("news.parquet")), &[]);
    assert_eq!(v["clusters"], file["clusters"]);
    assert_eq!(v["passages"], file["passages"]);
}

#[test]
fn dedup_of_parquet_keeps_every_column_of_the_kept_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("kept.parquet");
    let twin_out = dir.path().join("kept.jsonl");
    let log = dir.path().join("removed.jsonl");
    run_ok(&[
        "dedup",
        p(&data("news.parquet")),
        "-o",
        p(&out),
        "--removed",
        p(&log),
        "--passages",
        "-q",
    ]);
    run_ok(&[
        "dedup",
        p(&data("news.jsonl")),
        "-o",
        p(&twin_out),
        "--passages",
        "-q",
    ]);
    let input = read(&data("news.parquet"));
    let kept = read(&out);
    assert_eq!(kept[0].schema(), input[0].schema(), "the input's schema");
    // The rows kept are the twin's, in order, with the twin's (cut) texts.
    let twin: Vec<Value> = std::fs::read_to_string(&twin_out)
        .expect("twin output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let ids = column(&kept, "id");
    assert_eq!(
        ids,
        twin.iter().map(|r| r["id"].clone()).collect::<Vec<_>>()
    );
    assert_eq!(ids.len(), 5, "one of each of three pairs removed");
    let texts = column(&kept, "text");
    assert_eq!(
        texts,
        twin.iter().map(|r| r["text"].clone()).collect::<Vec<_>>()
    );
    let doubled = texts
        .iter()
        .position(|t| t.as_str().is_some_and(|t| t.contains("Common Ground")));
    assert!(doubled.is_some());
    // Every other column of a kept row is the input's, value for value.
    let in_ids = column(&input, "id");
    for name in ["site", "tags", "meta", "score"] {
        let all = column(&input, name);
        let kept_values = column(&kept, name);
        for (i, id) in ids.iter().enumerate() {
            let row = in_ids
                .iter()
                .position(|x| x == id)
                .expect("kept row in input");
            assert_eq!(kept_values[i], all[row], "{name} of {id}");
        }
    }
    // The log names the removed rows.
    let log = std::fs::read_to_string(&log).expect("log");
    assert!(
        log.contains("\"id\":\"102\",\"duplicate_of\":\"100\""),
        "{log}"
    );
    assert!(log.contains("\"reason\":\"cut\""), "{log}");
}

#[test]
fn dedup_of_parquet_to_json_lines_writes_records() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("kept.jsonl");
    run_ok(&["dedup", p(&data("news.parquet")), "-o", p(&out), "-q"]);
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .expect("output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["id"], "100");
    assert_eq!(lines[0]["source"], "news.parquet");
}

#[test]
fn parquet_output_needs_parquet_inputs_and_says_so_before_writing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("kept.parquet");
    let err = run_err(&["dedup", p(&data("news.jsonl")), "-o", p(&out), "-q"]);
    assert!(err.contains("every input must be Parquet"), "{err}");
    assert!(!out.exists());
    let err = run_err(&[
        "dedup",
        p(&data("news.parquet")),
        p(&data("news-large.parquet")),
        "-o",
        p(&out),
        "-q",
    ]);
    assert!(err.contains("one schema"), "{err}");
    assert!(!out.exists());
    assert_eq!(crate::common::entries(dir.path()), Vec::<String>::new());
}
