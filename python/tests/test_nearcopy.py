"""The Python package against the command line, on generated corpora.

The `nearcopy` binary is found through $NEARCOPY_BIN, else in target/release
or target/debug of the repository (`cargo build --release` makes it).
"""

import _thread
import json
import os
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

import nearcopy

ROOT = Path(__file__).resolve().parents[2]


def _binary():
    env = os.environ.get("NEARCOPY_BIN")
    if env:
        return env
    for profile in ("release", "debug"):
        p = ROOT / "target" / profile / "nearcopy"
        if p.exists():
            return str(p)
    pytest.skip("no nearcopy binary: run `cargo build --release` or set NEARCOPY_BIN")


def cli(*args, stdin=None):
    out = subprocess.run(
        [_binary(), *map(str, args)], capture_output=True, check=True, input=stdin
    )
    return out.stdout


def cli_json(*args):
    report = json.loads(cli(*args, "--format", "json", "-q"))
    report.pop("timings", None)
    return report


def without_timings(report):
    report = dict(report)
    report.pop("timings", None)
    return report


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """A synthetic corpus with planted near-duplicates and passages, and its records."""
    path = tmp_path_factory.mktemp("corpus") / "synth.jsonl"
    cli("synth", "--docs", 1500, "--seed", 11, "--words", 200, "-o", path, "-q")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return path, records


def columns(records):
    return (
        [r["text"] for r in records],
        [r["id"] for r in records],
        [r["source"] for r in records],
    )


def test_scan_of_texts_equals_the_command_line(corpus):
    path, records = corpus
    texts, ids, sources = columns(records)
    expected = cli_json("scan", path)
    got = without_timings(nearcopy.scan(texts, ids=ids, sources=sources))
    assert got["clusters"], "the corpus has planted near-duplicates"
    assert got["passages"], "the corpus has planted passages"
    assert got == expected
    assert without_timings(nearcopy.scan(paths=path)) == expected


def test_options_are_the_flags(corpus):
    path, records = corpus
    texts, ids, sources = columns(records)
    expected = cli_json(
        "scan", path, "--threshold", 0.5, "--shingle", 3, "--no-passages", "--sketch", "minhash"
    )
    got = nearcopy.scan(
        texts, ids=ids, sources=sources, threshold=0.5, shingle=3, passages=False, sketch="minhash"
    )
    assert without_timings(got) == expected
    assert got["params"]["threshold"] == 0.5
    assert "passages" not in got or not got["passages"]


def test_passages_of_texts_have_the_command_lines_byte_ranges(corpus):
    path, records = corpus
    texts, ids, sources = columns(records)
    expected = cli_json("passages", path, "--min-words", 12)
    got = without_timings(nearcopy.passages(texts, ids=ids, sources=sources, min_words=12))
    assert got == expected
    by_id = dict(zip(ids, texts))
    first = got["passages"][0]
    copies = {by_id[o["doc"]].encode()[o["start"] : o["end"]].decode() for o in first["occurrences"]}
    if first["kind"] == "exact":
        assert len(copies) == 1 and first["text"] in copies


def test_similarity_of_sources_equals_the_command_line(corpus):
    path, records = corpus
    texts, ids, sources = columns(records)
    expected = cli_json("similarity", path, "--by", "field:source", "--shingle", "1,5")
    got = nearcopy.similarity(
        texts, ids=ids, sources=sources, by="field:source", shingle=[1, 5]
    )
    assert without_timings(got) == expected
    assert {p["shingle"] for p in got["pairs"]} == {1, 5}


def test_dedup_of_texts_keeps_what_the_command_line_keeps(corpus, tmp_path):
    path, records = corpus
    texts, ids, sources = columns(records)
    out = tmp_path / "kept.jsonl"
    log = tmp_path / "removed.jsonl"
    summary = cli_json("dedup", path, "-o", out, "--removed", log, "--passages")
    kept_ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    kept_texts = [json.loads(line)["text"] for line in out.read_text().splitlines()]
    removed = [json.loads(line) for line in log.read_text().splitlines()]

    got = nearcopy.dedup(texts, ids=ids, sources=sources, passages=True)
    # Byte counts are of the records as read: the texts are written as
    # records of their own, so only those differ.
    mine, theirs = dict(got["summary"]), dict(summary["summary"])
    for counts in (mine, theirs):
        del counts["bytes_in"], counts["bytes_out"]
    assert mine == theirs
    assert got["params"] == summary["params"]
    assert [ids[i] for i in got["kept"]] == kept_ids
    assert got["texts"] == kept_texts
    assert summary["summary"]["removed_near"] > 0 and summary["summary"]["passages_cut"] > 0
    assert len(got["removed"]) == len(removed)
    for mine, theirs in zip(got["removed"], removed):
        assert mine["id"] == theirs["id"] == ids[mine["index"]]
        if "duplicate_of" in theirs:
            assert mine["duplicate_of"] == theirs["duplicate_of"] == ids[mine["duplicate_of_index"]]
            assert mine["jaccard"] == theirs["jaccard"]

    out2 = tmp_path / "kept2.jsonl"
    report = nearcopy.dedup(paths=path, output=out2, passages=True)
    assert out2.read_bytes() == out.read_bytes()
    assert report["summary"] == summary["summary"]


def test_dedup_maps_positions_even_where_ids_repeat():
    texts = ["alpha beta gamma delta epsilon zeta eta", "other words entirely here now", "alpha beta gamma delta epsilon zeta eta"]
    got = nearcopy.dedup(texts, ids=["x", "y", "x"], shingle=2)
    assert got["kept"] == [0, 1]
    assert got["removed"] == [
        {"id": "x", "index": 2, "duplicate_of": "x", "duplicate_of_index": 0, "jaccard": 1.0, "reason": "exact"}
    ]


def test_results_do_not_depend_on_threads(corpus):
    _, records = corpus
    texts, ids, _ = columns(records)
    one = without_timings(nearcopy.scan(texts, ids=ids, threads=1))
    two = without_timings(nearcopy.scan(texts, ids=ids, threads=2))
    assert one == two


def test_signatures_are_numpy_rows_that_bucket_like_scan(corpus):
    _, records = corpus
    texts, ids, _ = columns(records)
    sig = nearcopy.signatures(texts)
    assert sig.values.dtype == np.uint32 and sig.values.shape == (len(texts), 128)
    assert sig.band_keys.dtype == np.uint64 and sig.band_keys.shape == (len(texts), sig.bands)
    assert sig.ids == [str(i) for i in range(len(texts))]
    # Every confirmed pair of scan shares a band key (the LSH step alone
    # finds it) unless it is an exact duplicate, which scan finds by content.
    report = nearcopy.scan(texts, passages=False)
    pairs = [p for c in report["clusters"] for p in c["pairs"] if p["kind"] != "exact"]
    assert pairs
    for p in pairs:
        a, b = int(p["a"]), int(p["b"])
        assert (sig.band_keys[a] == sig.band_keys[b]).any(), p
    # The options that shape them are scan's.
    small = nearcopy.signatures(texts[:10], perms=64, bands=8, rows=8, sketch="minhash", threads=1)
    assert small.values.shape == (10, 64) and small.band_keys.shape == (10, 8)
    again = nearcopy.signatures(texts[:10], perms=64, bands=8, rows=8, sketch="minhash", threads=2)
    assert (small.values == again.values).all() and (small.band_keys == again.band_keys).all()
    empty = nearcopy.signatures(["", "some words"])
    assert (empty.values[0] == 0xFFFFFFFF).all() and not (empty.values[1] == 0xFFFFFFFF).all()


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: nearcopy.scan(["a b"], bogus=1), TypeError, "unexpected keyword argument 'bogus'"),
        (lambda: nearcopy.scan(["a b"], threshold="high"), ValueError, "threshold"),
        (lambda: nearcopy.scan(["a b"], threshold=1.5), ValueError, "threshold"),
        (lambda: nearcopy.scan(["a b"], format="text"), TypeError, "format"),
        (lambda: nearcopy.scan("one text"), TypeError, "iterable of str"),
        (lambda: nearcopy.scan(["ok", 3]), TypeError, "texts[1]"),
        (lambda: nearcopy.scan(["a", "b"], ids=["one"]), ValueError, "2 texts but 1 ids"),
        (lambda: nearcopy.scan(), TypeError, "either texts or paths"),
        (lambda: nearcopy.scan(["a"], paths="x"), TypeError, "either texts or paths"),
        (lambda: nearcopy.scan(paths="/no/such/file.jsonl"), FileNotFoundError, "/no/such/file.jsonl"),
        (lambda: nearcopy.scan([]), ValueError, "no documents"),
        (lambda: nearcopy.dedup(paths="x.jsonl"), TypeError, "output="),
        (lambda: nearcopy.signatures(["a"], perms=0), ValueError, "perms"),
    ],
)
def test_bad_input_raises_a_python_exception_that_says_why(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


def test_a_bad_record_names_file_and_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"text": "fine words here"}\n{"text": \n')
    with pytest.raises(ValueError) as info:
        nearcopy.scan(paths=p)
    assert "bad.jsonl:2" in str(info.value)


def test_ctrl_c_stops_a_run_with_keyboard_interrupt(corpus):
    # The timer thread can only raise the interrupt if the run released
    # the GIL; the run then stops at its next batch.
    _, records = corpus
    texts = [r["text"] for r in records] * 20
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            nearcopy.scan(texts, threads=1)
    finally:
        timer.cancel()


def test_parquet_written_by_pyarrow_reads_and_dedups_like_its_texts(corpus, tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    _, records = corpus
    texts, ids, sources = columns(records)
    table = pa.table({"text": texts, "id": ids, "site": sources, "n": list(range(len(texts)))})
    path = tmp_path / "corpus.parquet"
    pq.write_table(table, path, row_group_size=400)
    from_file = without_timings(nearcopy.scan(paths=path, source_field="site"))
    from_texts = without_timings(nearcopy.scan(texts, ids=ids, sources=sources))
    for key in ("documents", "clusters", "passages", "summary"):
        assert from_file[key] == from_texts[key], key
    out = tmp_path / "kept.parquet"
    nearcopy.dedup(paths=path, output=out, source_field="site")
    kept = pq.read_table(out)
    assert kept.schema == table.schema
    expected = nearcopy.dedup(texts, ids=ids, sources=sources)["kept"]
    assert kept.column("n").to_pylist() == expected


def test_offsets_are_bytes_of_the_utf8_text():
    shared = "größere Übel wären ärgerlich für alle Beteiligten hier und heute früh"
    texts = [f"Vorwort über Dinge. {shared}. Ende", f"Anders: {shared}. Schluss"]
    report = nearcopy.passages(texts, min_words=8)
    occurrences = report["passages"][0]["occurrences"]
    for o in occurrences:
        copy = texts[int(o["doc"])].encode()[o["start"] : o["end"]].decode()
        assert shared in copy or copy in shared + "."


def test_index_made_by_the_command_line_serves_scan_and_dedup(corpus, tmp_path):
    path, records = corpus
    texts, ids, sources = columns(records)
    half = len(records) // 2
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("".join(json.dumps(r) + "\n" for r in records[:half]))
    second.write_text("".join(json.dumps(r) + "\n" for r in records[half:]))
    idx = tmp_path / "IDX"
    cli("index", "add", idx, first, "-q")

    scanned = nearcopy.scan(
        texts[half:], ids=ids[half:], sources=sources[half:], index=idx, passages=False
    )
    by_cli = cli_json("scan", second, "--index", idx, "--no-passages")
    assert scanned["index"]["matches"] == by_cli["index"]["matches"]
    assert scanned["index"]["matches"], "the corpus has duplicates across its halves"

    checked = nearcopy.dedup(texts[half:], ids=ids[half:], index=idx, no_update=True)
    indexed = [e for e in checked["removed"] if "index_document" in e]
    assert indexed and all(e["duplicate_of"] in ids[:half] for e in indexed)
    with pytest.raises(TypeError, match="no_update=True"):
        nearcopy.dedup(texts[half:], index=idx)

    out = tmp_path / "kept.jsonl"
    report = nearcopy.dedup(paths=second, output=out, index=idx)
    assert report["summary"]["index_added"] == len(out.read_text().splitlines())
    assert [ids[half:][i] for i in checked["kept"]] == [
        json.loads(line)["id"] for line in out.read_text().splitlines()
    ]
