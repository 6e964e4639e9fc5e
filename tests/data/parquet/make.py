#!/usr/bin/env python3
"""Writes the Parquet test files of tests/it/parquet.rs with pyarrow (the
writer most Parquet datasets come from) and their JSON Lines twin.

    python3 tests/data/parquet/make.py   # needs pyarrow; run from anywhere

The rows are the seed articles of corpus/news, a near-duplicate of two of
them (a few words changed) and an exact copy of one, spread over three
sites, with columns of other types (a list, a struct, floats with nulls)
that a deduplicated file must keep as they were.
"""

import json
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

HERE = pathlib.Path(__file__).resolve().parent
NEWS = HERE.parents[2] / "corpus" / "news"


def near_copy(text, every):
    words = text.split(" ")
    return " ".join(f"changed{i}" if i % every == 0 else w for i, w in enumerate(words))


def main():
    articles = [p.read_text() for p in sorted(NEWS.glob("*.txt"))]
    texts = [
        articles[0],
        articles[1],
        near_copy(articles[0], 90),
        articles[2],
        articles[1],
        articles[3],
        articles[4],
        near_copy(articles[3], 80),
    ]
    n = len(texts)
    ids = [100 + i for i in range(n)]
    sites = ["a", "b", "a", "c", "b", "c", "a", "c"]
    extras = {
        "tags": pa.array([[s, f"t{i}"] for i, s in enumerate(sites)], pa.list_(pa.string())),
        "meta": pa.array(
            [{"n": i, "note": None if i % 3 == 0 else f"note {i}"} for i in range(n)],
            pa.struct([("n", pa.int64()), ("note", pa.string())]),
        ),
        "score": pa.array([None if i % 4 == 1 else i / 8 for i in range(n)], pa.float64()),
    }
    table = pa.table(
        {"text": pa.array(texts, pa.string()), "id": ids, "site": sites, **extras}
    )
    pq.write_table(table, HERE / "news.parquet", row_group_size=3, compression="zstd")

    large = pa.table({"text": pa.array(texts, pa.large_string()), "site": sites})
    pq.write_table(large, HERE / "news-large.parquet", compression="snappy")

    with open(HERE / "news.jsonl", "w") as f:
        for i in range(n):
            f.write(json.dumps({"id": ids[i], "site": sites[i], "text": texts[i]}) + "\n")

    nulls = pa.table({"text": pa.array(["first words of one", "second words of two", None, "fourth words of four"])})
    pq.write_table(nulls, HERE / "nulls.parquet")


if __name__ == "__main__":
    main()
