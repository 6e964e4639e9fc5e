#!/usr/bin/env python3
"""Score near-duplicate pairs against exact truth, and build the comparison table.

Subcommands:

  exact CORPUS --threshold T [-o TRUTH.jsonl] [--limit N]
      Pure-Python exact all-pairs join: every pair of documents whose 5-word
      shingle sets (tokenised as in peers.py) have Jaccard >= T. Writes JSONL
      {"a", "b", "jaccard"}. Used as truth when `nearcopy exact` is not
      available.

  score --pairs FILE (--truth FILE | --python-truth CORPUS) --threshold T
      Pair recall and precision of FILE against the truth, as JSON.

  stats CORPUS [--limit N]
      Document count and UTF-8 bytes of the `text` fields, as JSON.

  row --tool NAME --pairs FILE --truth FILE --threshold T --stats STATS.json
      [--time TIME_V_OUTPUT]...
      One table row (JSON line): timings from `/usr/bin/time -v` (the median
      wall time and the largest peak RSS when several runs are given), pair
      counts, recall, precision.

  table ROWS.jsonl --title LINE [--note LINE ...]
      The Markdown table of a run.

  check FILE --expect scan|exact|jsonl [--threshold T]
      Prints the number of pairs (with Jaccard >= T) in FILE; exit status 1
      when FILE is not a readable pair file of that format.

  describe NEARCOPY.json
      One line naming the LSH banding and verification nearcopy chose.

Pair files are recognised by content: JSONL lines {"a", "b", ...} (peers.py,
the exact join above), the JSON of `nearcopy scan --format json` (the union of
every cluster's "pairs") or of `nearcopy exact --format json` ("pairs").
A pair is unordered; ids are compared as strings.
"""

import argparse
import json
import math
import os
import statistics
import sys
from collections import defaultdict

from peers import read_corpus, shingle_set

# ---------------------------------------------------------------- pair files


def _norm(a, b):
    a, b = str(a), str(b)
    return (a, b) if a < b else (b, a)


def load_pairs(path, min_jaccard=None, expect=None):
    """The set of unordered pairs in a pair file of any supported format.

    With `min_jaccard`, rows that carry a "jaccard" below it are dropped
    (truth files may hold pairs down to a lower threshold); rows without a
    "jaccard" are always kept. With `expect` ("scan", "exact" or "jsonl"),
    a file of another format raises ValueError: an empty or half-written
    output must not score as "found nothing".
    """
    with open(path, encoding="utf-8") as f:
        text = f.read()
    rows = None
    kind = "jsonl"
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(stripped)
        except json.JSONDecodeError:
            doc = None  # several objects: JSONL
        if isinstance(doc, dict) and "clusters" in doc:
            # nearcopy scan: the found pairs are those listed in the clusters
            # (a cluster's members alone do not say which pairs were verified).
            rows = [p for c in doc["clusters"] for p in c.get("pairs", [])]
            kind = "scan"
        elif isinstance(doc, dict) and "pairs" in doc:
            rows = doc["pairs"]
            kind = "exact"
        elif isinstance(doc, dict) and "a" in doc:
            rows = [doc]  # JSONL with a single line
    if expect is not None and kind != expect:
        found = kind if stripped else "an empty file"
        raise ValueError(f"{os.path.basename(path)}: expected {expect} output, found {found}")
    if rows is None:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    pairs = set()
    for r in rows:
        if min_jaccard is not None and "jaccard" in r and r["jaccard"] < min_jaccard:
            continue
        if str(r["a"]) != str(r["b"]):
            pairs.add(_norm(r["a"], r["b"]))
    return pairs


# ------------------------------------------------------- exact Jaccard join


def exact_join(docs, threshold):
    """All pairs with exact shingle-set Jaccard >= threshold.

    `docs` is a list of (id, shingle set). AllPairs-style prefix filtering:
    shingles are renumbered from rarest to most frequent and each set is
    sorted in that order; two sets can only reach the threshold if their
    prefixes share a shingle, so only prefixes are indexed and probed, and
    rare shingles keep the posting lists short. Documents are processed by
    increasing size, so a probing set x is never smaller than an indexed set
    y, which allows:
      * probe prefix of x:  |x| - ceil(t |x|) + 1
      * index prefix of y:  |y| - ceil(2t/(1+t) |y|) + 1
      * length filter:      |y| >= t |x|
    Candidates are then verified on the full sets.
    Returns a list of (a, b, jaccard) with a < b.
    """
    t = threshold
    if not 0.0 < t <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    eps = 1e-9  # keeps float noise from shortening a prefix (safe side)

    df = defaultdict(int)
    for _, s in docs:
        for sh in s:
            df[sh] += 1
    order = sorted(df.items(), key=lambda item: (item[1], item[0]))
    rank = {sh: r for r, (sh, _) in enumerate(order)}
    del df, order

    recs = []
    for doc_id, s in docs:
        toks = sorted(rank[sh] for sh in s)
        recs.append((len(toks), doc_id, toks, frozenset(toks)))
    del rank
    recs.sort(key=lambda r: (r[0], r[1]))

    index = defaultdict(list)  # token -> [record number]
    out = []
    for xi, (nx, x_id, x_toks, x_set) in enumerate(recs):
        min_ny = t * nx - eps
        probe = nx - math.ceil(t * nx - eps) + 1
        seen = set()
        for tok in x_toks[:probe]:
            postings = index.get(tok)
            if not postings:
                continue
            for yi in postings:
                if yi in seen:
                    continue
                seen.add(yi)
                ny = recs[yi][0]
                if ny < min_ny:
                    continue
                inter = len(x_set & recs[yi][3])
                jac = inter / (nx + ny - inter)
                if jac >= t:
                    y_id = recs[yi][1]
                    a, b = _norm(x_id, y_id)
                    out.append((a, b, jac))
        indexed = nx - math.ceil(2 * t / (1 + t) * nx - eps) + 1
        for tok in x_toks[:indexed]:
            index[tok].append(xi)
    out.sort()
    return out


def python_truth(corpus, threshold, limit=None):
    docs = []
    for doc_id, text in read_corpus(corpus, limit):
        s = shingle_set(text)
        if s is not None:
            docs.append((doc_id, s))
    return exact_join(docs, threshold)


def write_truth(rows, path, threshold):
    f = open(path, "w", encoding="utf-8") if path and path != "-" else sys.stdout
    for a, b, jac in rows:
        f.write(json.dumps({"a": a, "b": b, "jaccard": round(jac, 6)}, ensure_ascii=False) + "\n")
    if f is not sys.stdout:
        f.close()
    print(f"exact join (Python, \\w+ shingles): {len(rows)} pairs with Jaccard >= {threshold}",
          file=sys.stderr)


# -------------------------------------------------------------- scoring


def score(found, truth):
    """Recall and precision of `found` against `truth` (sets of pairs).

    An empty truth gives recall None (undefined); finding nothing gives
    precision None.
    """
    tp = len(found & truth)
    return {
        "found": len(found),
        "truth": len(truth),
        "true_positives": tp,
        "recall": tp / len(truth) if truth else None,
        "precision": tp / len(found) if found else None,
    }


def corpus_stats(corpus, limit=None):
    docs = 0
    nbytes = 0
    for _, text in read_corpus(corpus, limit):
        docs += 1
        nbytes += len(text.encode("utf-8"))
    return {"docs": docs, "text_bytes": nbytes}


def parse_time_v(path):
    """Wall seconds and peak RSS (KiB) from a `/usr/bin/time -v` report."""
    wall = rss = None
    status = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("Elapsed (wall clock) time"):
                # "h:mm:ss" or "m:ss.ss"
                value = line.rsplit(" ", 1)[-1]
                secs = 0.0
                for part in value.split(":"):
                    secs = secs * 60 + float(part)
                wall = secs
            elif line.startswith("Maximum resident set size"):
                rss = int(line.rsplit(" ", 1)[-1])
            elif line.startswith("Exit status"):
                status = int(line.rsplit(" ", 1)[-1])
            elif line.startswith("Command exited with non-zero status"):
                status = int(line.rsplit(" ", 1)[-1])
    return wall, rss, status


# ---------------------------------------------------------------- table


def _fmt(v, spec):
    return "—" if v is None else format(v, spec)


def make_table(rows, title, notes):
    head = ["tool", "seconds", "docs/s", "MB/s", "peak RSS MiB", "pairs found", "recall", "precision"]
    lines = [title, "", "| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * 7) + "|"]
    for r in rows:
        if r.get("error"):
            cells = [r["tool"], r["error"]] + [""] * 6
        else:
            cells = [
                r["tool"],
                _fmt(r.get("seconds"), ".2f"),
                _fmt(r.get("docs_per_s"), ",.0f"),
                _fmt(r.get("mb_per_s"), ".2f"),
                _fmt(r.get("peak_rss_mib"), ",.0f"),
                _fmt(r.get("found"), ",d"),
                _fmt(r.get("recall"), ".4f"),
                _fmt(r.get("precision"), ".4f"),
            ]
        lines.append("| " + " | ".join(cells) + " |")
    if notes:
        lines.append("")
        lines.extend(notes)
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ CLI


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    e = sub.add_parser("exact", help="pure-Python exact Jaccard join")
    e.add_argument("corpus")
    e.add_argument("--threshold", type=float, required=True)
    e.add_argument("--limit", type=int)
    e.add_argument("-o", "--output", default="-")

    s = sub.add_parser("score", help="recall / precision of a pair file")
    s.add_argument("--pairs", required=True)
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--truth", help="truth pair file (nearcopy exact JSON or JSONL)")
    g.add_argument("--python-truth", metavar="CORPUS",
                   help="compute the truth with the Python exact join on CORPUS")
    s.add_argument("--threshold", type=float, required=True)
    s.add_argument("--limit", type=int, help="with --python-truth: first N documents")

    st = sub.add_parser("stats", help="document count and text bytes of a corpus")
    st.add_argument("corpus")
    st.add_argument("--limit", type=int)

    r = sub.add_parser("row", help="one result row as a JSON line")
    r.add_argument("--tool", required=True)
    r.add_argument("--pairs")
    r.add_argument("--expect", choices=["scan", "exact", "jsonl"],
                   help="fail the row unless the pair file has this format")
    r.add_argument("--truth")
    r.add_argument("--threshold", type=float, required=True)
    r.add_argument("--stats", required=True, help="output of `score.py stats`")
    r.add_argument("--time", action="append", default=[],
                   help="`/usr/bin/time -v` report of one run of the tool (repeatable)")
    r.add_argument("--error", help="mark the row as failed with this reason")
    r.add_argument("--no-score", action="store_true",
                   help="timing only (a tool that finds no pairs by design)")

    t = sub.add_parser("table", help="Markdown table from row JSON lines")
    t.add_argument("rows")
    t.add_argument("--title", required=True)
    t.add_argument("--note", action="append", default=[])

    c = sub.add_parser("check", help="count the pairs of FILE; exit 1 unless it has the given format")
    c.add_argument("file")
    c.add_argument("--expect", choices=["scan", "exact", "jsonl"], required=True)
    c.add_argument("--threshold", type=float, help="count only pairs with Jaccard >= this")

    d = sub.add_parser("describe", help="nearcopy's banding, from its JSON params")
    d.add_argument("scan_json")

    args = p.parse_args(argv)

    if args.cmd == "exact":
        write_truth(python_truth(args.corpus, args.threshold, args.limit), args.output, args.threshold)

    elif args.cmd == "score":
        found = load_pairs(args.pairs)
        if args.truth:
            truth = load_pairs(args.truth, min_jaccard=args.threshold)
        else:
            truth = {(a, b) for a, b, _ in python_truth(args.python_truth, args.threshold, args.limit)}
        print(json.dumps(score(found, truth)))

    elif args.cmd == "stats":
        print(json.dumps(corpus_stats(args.corpus, args.limit)))

    elif args.cmd == "row":
        with open(args.stats, encoding="utf-8") as f:
            stats = json.load(f)
        row = {"tool": args.tool, "threshold": args.threshold}
        if args.time:
            runs = [parse_time_v(path) for path in args.time]
            failed = [status for _, _, status in runs if status]
            if failed and not args.error:
                args.error = f"exit status {failed[0]}"
            walls = [w for w, _, _ in runs if w is not None]
            rsss = [m for _, m, _ in runs if m is not None]
            wall = statistics.median(walls) if walls else None
            row["runs"] = len(runs)
            row["seconds"] = wall
            row["peak_rss_mib"] = max(rsss) / 1024 if rsss else None
            if wall:
                row["docs_per_s"] = stats["docs"] / wall
                row["mb_per_s"] = stats["text_bytes"] / 1e6 / wall
        if args.error:
            row["error"] = args.error
        elif not args.no_score:
            try:
                found = load_pairs(args.pairs, expect=args.expect)
            except FileNotFoundError:
                found = None
                row["error"] = "failed: it wrote no output file"
            except (OSError, ValueError, KeyError, TypeError) as err:
                found = None
                row["error"] = f"failed: unreadable output ({err})"
                print(f"{args.tool}: {row['error']}", file=sys.stderr)
            if found is not None:
                truth = load_pairs(args.truth, min_jaccard=args.threshold)
                row.update(score(found, truth))
                if found and truth and not (found & truth):
                    print(f"warning: no pair found by {args.tool} is in the truth; "
                          "do the tools read the same id field?", file=sys.stderr)
        print(json.dumps(row))

    elif args.cmd == "check":
        try:
            print(len(load_pairs(args.file, min_jaccard=args.threshold, expect=args.expect)))
        except (OSError, ValueError, KeyError, TypeError) as err:
            print(err, file=sys.stderr)
            sys.exit(1)

    elif args.cmd == "table":
        with open(args.rows, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        sys.stdout.write(make_table(rows, args.title, args.note))

    elif args.cmd == "describe":
        with open(args.scan_json, encoding="utf-8") as f:
            params = json.load(f).get("params", {})
        print(f"nearcopy: {params.get('bands', '?')} bands × {params.get('rows', '?')} rows, "
              f"verify {params.get('verify', '?')} (its own choice).")


if __name__ == "__main__":
    main()
