#!/usr/bin/env python3
"""nearcopy's Python package against the `nearcopy` command, on the same texts.

    python_vs_cli.py CORPUS.jsonl [--repeat 3] [--nearcopy BINARY] [--threads N]

For each run (default `scan` with passages, and `scan --no-passages`), the
command reads CORPUS itself (one whole process, timed from outside); the
package is handed the corpus's texts, ids and sources already in memory as
Python strings, as a program that holds them calls it (reading the file into
Python is not timed: the command's time includes its own reading). Runs
alternate within each of --repeat rounds; medians are printed as a Markdown
table with the package's time over the command's. The two reports are
checked to be equal (apart from timings) in every round.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import nearcopy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

RUNS = {
    "scan (default, passages on)": ([], {}),
    "scan --no-passages": (["--no-passages"], {"passages": False}),
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpus")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--nearcopy", default=os.path.join(ROOT, "target", "release", "nearcopy"))
    args = p.parse_args()
    with open(args.corpus, "rb") as f:
        records = [json.loads(line) for line in f if line.strip()]
    texts = [r["text"] for r in records]
    ids = [str(r["id"]) for r in records]
    # A record without a source is in the source named after its file.
    name = os.path.basename(args.corpus)
    sources = [str(r.get("source", name)) for r in records]
    size = os.path.getsize(args.corpus)
    times = {run: {"cli": [], "python": []} for run in RUNS}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        for rnd in range(1, args.repeat + 1):
            for run, (flags, options) in RUNS.items():
                print(f"round {rnd}/{args.repeat}: {run}", file=sys.stderr, flush=True)
                t = time.perf_counter()
                subprocess.run([args.nearcopy, "scan", args.corpus, *flags, "-j", str(args.threads),
                                "-f", "json", "-q", "-o", out], check=True)
                times[run]["cli"].append(time.perf_counter() - t)
                t = time.perf_counter()
                got = nearcopy.scan(texts, ids=ids, sources=sources, threads=args.threads, **options)
                times[run]["python"].append(time.perf_counter() - t)
                with open(out) as f:
                    expected = json.load(f)
                for report in (got, expected):
                    report.pop("timings", None)
                if got != expected:
                    sys.exit(f"{run}: the package's report differs from the command's")
    print(f"{args.corpus}: {len(texts)} documents, {size / 1e6:.0f} MB; medians of {args.repeat} rounds; "
          f"reports equal in every round.\n")
    print("| run | command, s | package on texts in memory, s | package / command |")
    print("|---|---:|---:|---:|")
    for run in RUNS:
        cli = statistics.median(times[run]["cli"])
        py = statistics.median(times[run]["python"])
        print(f"| {run} | {cli:.2f} | {py:.2f} | {py / cli:.2f}x |")


if __name__ == "__main__":
    main()
