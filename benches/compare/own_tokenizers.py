#!/usr/bin/env python3
"""End-to-end near-duplicate detection by each peer MinHash library, each
tokenising the text *its own documented way*.

    own_tokenizers.py TOOL CORPUS.jsonl [--threshold 0.8]
    own_tokenizers.py all  CORPUS.jsonl [--threshold 0.8] [--repeat 3] [--nearcopy BINARY] [--tools A,B]

TOOL is gaoya, rensa, datasketch or nearcopy-python (nearcopy's Python
package, where it is installed: `nearcopy.scan(texts, passages=False)` on
the texts read as the peers read them). One TOOL run is one whole process that
reads the corpus (JSON Lines, one {"id", "text"} object a line), signs every
document (5-word shingles, 128 permutations), builds the library's LSH index,
queries it with every document and prints one line:

    TOOL pairs=N

N is the number of distinct document pairs (a < b) whose *estimated* Jaccard
similarity (the MinHash signature estimate) reaches the threshold. An outer
shell can time it as a whole process (e.g. with /usr/bin/time).

`all` is the driver: it runs every peer and
`nearcopy scan CORPUS --no-passages --threshold T -f json -q -o FILE`, each as
its own subprocess under `/usr/bin/time -f "%e %U %S %M"`, alternating tools
within each of --repeat rounds (so slow drifts in machine load hit every tool
alike), and prints a Markdown table of medians plus nearcopy's speed-up over
the fastest peer.

How this differs from peers.py: peers.py hands every library the *same*
Python-built shingle sets (NFKC, lowercase, `\\w+` words), which isolates the
MinHash/LSH part. Here each library is used the way its documentation shows,
tokenisation included, which is what a user who follows the docs would run:

- gaoya: its built-in Rust word analyzer (lowercase=True, ngram_range=(5, 5)),
  exactly as the reference run /work/shared/bench/gaoya_run.py does it.
- rensa and datasketch ship no tokenizer; their docs split text on whitespace
  (`text.split()`) and feed the resulting string tokens. We build 5-word
  shingles from `text.lower().split()` (see `whitespace_shingles`).

Threads are whatever each tool uses by default (no RAYON_NUM_THREADS, no
--threads): gaoya's par_* calls and rensa run on rayon's default pool (all
cores), datasketch is single-threaded, nearcopy uses its default.

The libraries are imported inside the functions that use them, so a run of
one tool neither pays for nor measures the import of another.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

SHINGLE = 5    # words per shingle
NUM_PERM = 128  # MinHash permutations (signature length)
PEERS = ("gaoya", "rensa", "datasketch")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def read_texts(path):
    """The `text` of every JSONL record, in file order (the record's position is
    its key in every index; the `id` field is not needed to count pairs).

    Read the way the reference gaoya run reads them: json.loads on each raw line.
    """
    with open(path, "rb") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def whitespace_shingles(text, k=SHINGLE):
    """Word k-grams of `text.lower().split()`, as a list of str.

    Neither rensa nor datasketch has a tokenizer: rensa's README examples
    tokenise with `text.split()` (e.g. `"the quick brown fox".split()` in
    "Estimate similarity" of the 0.5.0 README, `tokens = text_content.split()`
    in its "Deduplicating with RMinHashLSH" example), and datasketch's MinHash
    and LSH docs feed lists of words. Shingling those words into 5-grams is the
    benchmark's task; `.lower()` is added so that case is treated as gaoya
    (lowercase=True) and nearcopy (which lowercases) treat it. Punctuation
    stays attached to words, as with a plain split().

    A document with fewer than k words has no shingle and returns []: its
    signature would be "empty" (all slots at the maximum) and every two empty
    signatures would estimate Jaccard 1.0, so callers skip such documents
    (nearcopy likewise reports them as too short rather than comparing them).
    Duplicated shingles are kept: a MinHash is the same for a list and its set.
    """
    words = text.lower().split()
    return [" ".join(words[i:i + k]) for i in range(len(words) - k + 1)]


# --------------------------------------------------------------------- peers

def run_gaoya(texts, threshold):
    """gaoya 0.2.2, following /work/shared/bench/gaoya_run.py exactly.

    MinHashStringIndex tokenises in Rust (analyzer="word", lowercase=True,
    ngram_range=(5, 5) = 5-word shingles), with 32-bit hashes and 16 bands x 8
    rows = 128 hashes (the reference's fixed banding, also at other
    thresholds). Documents go through the native index's parallel batch calls
    in steps of 8192; par_bulk_query_return_similarity returns (id, estimated
    Jaccard) for the LSH candidates, and a pair is counted once, from its
    smaller id (c > s + i), when the estimate reaches the threshold.
    """
    import gaoya

    idx = gaoya.minhash.MinHashStringIndex(
        hash_size=32, jaccard_threshold=threshold, num_bands=16, band_size=8,
        analyzer="word", lowercase=True, ngram_range=(SHINGLE, SHINGLE))
    raw = idx.minhash_index
    step = 8192
    for s in range(0, len(texts), step):
        raw.par_bulk_insert_docs(list(range(s, min(len(texts), s + step))), texts[s:s + step])
    pairs = 0
    for s in range(0, len(texts), step):
        for i, lst in enumerate(raw.par_bulk_query_return_similarity(texts[s:s + step])):
            pairs += sum(1 for c, sim in lst if c > s + i and sim >= threshold)
    return pairs


def run_rensa(texts, threshold):
    """rensa 0.5.0, as its README's "Deduplicating with RMinHashLSH" example
    (github.com/beowolx/rensa README.md; the 0.5.0 PyPI README shortened it to
    `RMinHash.from_token_sets` + `RMinHashDeduplicator`, whose keep/drop flags
    do not give pairs, but RMinHashLSH is still in 0.5.0 with the same API).

    Per document: `RMinHash(num_perm=128, seed=42)` and `m.update(tokens)` with
    a list of str tokens (here the 5-word shingles); then
    `RMinHashLSH(threshold, num_perm=128, num_bands=16)` (the example's
    16 bands x 8 rows), `insert(key, m)` for every document, `query(m)` for
    every document, and each candidate verified by the signature estimate
    `m.jaccard(other) >= threshold` (the example's final check; it uses a
    separate final threshold of 0.85, here the benchmark's threshold).
    """
    from rensa import RMinHash, RMinHashLSH

    minhashes = {}
    for key, text in enumerate(texts):
        tokens = whitespace_shingles(text)
        if not tokens:
            continue  # fewer than 5 words: nothing to sign (see whitespace_shingles)
        m = RMinHash(num_perm=NUM_PERM, seed=42)
        m.update(tokens)
        minhashes[key] = m

    lsh = RMinHashLSH(threshold=threshold, num_perm=NUM_PERM, num_bands=16)
    for key, m in minhashes.items():
        lsh.insert(key, m)

    pairs = 0
    for key, m in minhashes.items():
        for cand in set(lsh.query(m)):
            # Each unordered pair once, from its smaller key.
            if cand > key and m.jaccard(minhashes[cand]) >= threshold:
                pairs += 1
    return pairs


def run_datasketch(texts, threshold):
    """datasketch 2.0.0, as its docs show (MinHash and MinHash LSH pages,
    ekzhu.github.io/datasketch/minhash.html and lsh.html, and the
    `MinHash.update_batch` docstring).

    Per document: `MinHash(num_perm=128)` with the defaults (SHA-1 32-bit token
    hash, "affine32" permutations) and
    `m.update_batch([s.encode("utf8") for s in shingles])` (the default hash
    takes bytes). `MinHashLSH(threshold=T, num_perm=128)` picks its own banding
    for the threshold (9 bands x 13 rows at 0.8); `lsh.insert(key, m)` for every
    document, `lsh.query(m)` for every document. The LSH returns unverified
    candidates, so each is checked with the signature estimate
    `m.jaccard(other) >= threshold`, as the `MinHashLSH.query` docstring
    advises ("For more accurate results, filter again with MinHash.jaccard").
    """
    from datasketch import MinHash, MinHashLSH

    minhashes = {}
    for key, text in enumerate(texts):
        shingles = whitespace_shingles(text)
        if not shingles:
            continue  # fewer than 5 words: nothing to sign (see whitespace_shingles)
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([s.encode("utf8") for s in shingles])
        minhashes[key] = m

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    for key, m in minhashes.items():
        lsh.insert(key, m)

    pairs = 0
    for key, m in minhashes.items():
        for cand in lsh.query(m):
            # Each unordered pair once, from its smaller key.
            if cand > key and m.jaccard(minhashes[cand]) >= threshold:
                pairs += 1
    return pairs


def run_nearcopy_python(texts, threshold):
    """nearcopy's Python package on the texts in memory, as a Python user
    calls it: documents only, its own tokenizer, exact verification."""
    import nearcopy
    report = nearcopy.scan(texts, threshold=threshold, passages=False)
    found = set()
    for cluster in report["clusters"]:
        for p in cluster["pairs"]:
            a, b = int(p["a"]), int(p["b"])
            found.add((min(a, b), max(a, b)))
    return len(found)


RUNNERS = {"gaoya": run_gaoya, "rensa": run_rensa, "datasketch": run_datasketch,
           "nearcopy-python": run_nearcopy_python}


# -------------------------------------------------------------------- driver

def timed(cmd, stdout_path):
    """Runs `cmd` under GNU time; returns (wall s, CPU s, peak RSS MiB).

    The command's stdout goes to `stdout_path`; a failure stops the driver
    with the command's stderr.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf, \
            open(stdout_path, "w") as out:
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name, *cmd],
                              stdout=out, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            sys.exit(f"failed (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
        wall, user, system, rss_kib = tf.read().split()[-4:]
    return float(wall), float(user) + float(system), int(rss_kib) / 1024


def nearcopy_pairs(report_path):
    """Pairs in a `nearcopy scan -f json` report: every cluster's `pairs`
    (verified near pairs and the pairs among exact copies, kind "near" or
    "exact"), as distinct unordered pairs. For groups of more than 200
    members the report lists only members - 1 links, not every pair (see the
    README's "Reading the results"), so then this undercounts.
    """
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    found = set()
    for cluster in report["clusters"]:
        for p in cluster["pairs"]:
            found.add((min(p["a"], p["b"]), max(p["a"], p["b"])))
    return len(found)


def drive(args):
    if not os.access(args.nearcopy, os.X_OK):
        sys.exit(f"no nearcopy binary at {args.nearcopy} (see --nearcopy)")
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("/usr/bin/time (GNU time) is needed: apt-get install time")
    corpus = os.path.abspath(args.corpus)
    with open(corpus, "rb") as f:  # warm the page cache so no tool pays for the first read
        while f.read(1 << 24):
            pass

    tools = list(PEERS) + ["nearcopy"]
    try:  # the Python package, where it is installed in this interpreter
        import nearcopy  # noqa: F401
        tools.append("nearcopy-python")
    except ImportError:
        print("nearcopy's Python package is not installed here; it is left out", file=sys.stderr)
    if args.tools:
        wanted = args.tools.split(",")
        unknown = [t for t in wanted if t not in tools]
        if unknown:
            sys.exit(f"unknown or unavailable tools: {', '.join(unknown)} (there are {', '.join(tools)})")
        tools = [t for t in tools if t in wanted]
    runs = {t: [] for t in tools}       # (wall, cpu, rss) per round
    pairs = {t: set() for t in tools}   # pair counts seen (should be one each)
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "nearcopy.json")
        stdout = os.path.join(tmp, "stdout")
        for rnd in range(1, args.repeat + 1):
            for tool in tools:
                print(f"round {rnd}/{args.repeat}: {tool}", file=sys.stderr, flush=True)
                if tool == "nearcopy":
                    cmd = [args.nearcopy, "scan", corpus, "--no-passages",
                           "--threshold", str(args.threshold), "-f", "json", "-q", "-o", report]
                else:
                    # The same interpreter as the driver (the peers' venv).
                    cmd = [sys.executable, os.path.abspath(__file__), tool, corpus,
                           "--threshold", str(args.threshold)]
                runs[tool].append(timed(cmd, stdout))
                if tool == "nearcopy":
                    pairs[tool].add(nearcopy_pairs(report))
                else:
                    with open(stdout) as f:
                        line = f.read().split()
                    if len(line) != 2 or line[0] != tool or not line[1].startswith("pairs="):
                        sys.exit(f"{tool}: unexpected output {' '.join(line)!r}")
                    pairs[tool].add(int(line[1][len("pairs="):]))

    med = {t: [statistics.median(r[k] for r in runs[t]) for k in range(3)] for t in tools}
    print(f"Corpus {args.corpus}, threshold {args.threshold}, {SHINGLE}-word shingles, "
          f"{NUM_PERM} permutations; medians of {args.repeat} round(s).\n")
    print("| tool | wall s (median) | CPU s (median) | peak RSS MiB (median) | pairs found |")
    print("|---|---:|---:|---:|---:|")
    for t in tools:
        wall, cpu, rss = med[t]
        # A count that varied between rounds (it should not) is shown as a range.
        found = "–".join(str(n) for n in sorted(pairs[t])) if len(pairs[t]) > 1 else str(*pairs[t])
        print(f"| {t} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {found} |")
    peers = [t for t in PEERS if t in tools]
    if not peers or "nearcopy" not in tools:
        return
    fastest = min(peers, key=lambda t: med[t][0])
    nc = med["nearcopy"][0]
    ratio = f"{med[fastest][0] / nc:.1f}x" if nc > 0 else "n/a (nearcopy wall time 0.00 s)"
    print(f"\nnearcopy speed-up over the fastest peer ({fastest}), median wall ratio: {ratio}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("tool", choices=list(RUNNERS) + ["all"],
                   help="one peer to run, or 'all' for the timed comparison")
    p.add_argument("corpus", help="JSON Lines, one {\"id\", \"text\"} object a line")
    p.add_argument("--threshold", type=float, default=0.8, help="Jaccard threshold (default 0.8)")
    p.add_argument("--repeat", type=int, default=3, help="rounds for 'all' (default 3)")
    p.add_argument("--tools", help="for 'all': a comma-separated subset of the tools to run "
                   "(gaoya, rensa, datasketch, nearcopy, nearcopy-python)")
    p.add_argument("--nearcopy", default=os.path.join(ROOT, "target", "release", "nearcopy"),
                   help="nearcopy binary for 'all' (default: target/release/nearcopy)")
    args = p.parse_args()
    if args.repeat < 1:
        p.error("--repeat wants a positive integer")
    if args.tool == "all":
        drive(args)
    else:
        print(f"{args.tool} pairs={RUNNERS[args.tool](read_texts(args.corpus), args.threshold)}")


if __name__ == "__main__":
    main()
