#!/usr/bin/env python3
"""Run one peer near-duplicate tool (datasketch, rensa or gaoya) on a JSONL corpus.

    peers.py TOOL CORPUS.jsonl --threshold T -o PAIRS.jsonl [--bands B --rows R] [--limit N]
    peers.py banding --threshold T      # prints the default "BANDS ROWS"

TOOL is datasketch, rensa, gaoya, or baseline (reading and shingling only).

Every tool gets the same input: 5-word shingle sets built here in Python (see
`shingle_set`), so the comparison measures the MinHash / LSH / verification
part of each library, not differences in tokenisation. Each tool builds its
index over all documents and is then queried with every document; candidate
pairs are verified the way the library itself verifies them (see the `run_*`
functions). The found pairs are written as JSONL `{"a": id, "b": id}` with
a < b, sorted, one pair per line.

Parallelism: rensa and gaoya run their batch work on a rayon pool, sized by
RAYON_NUM_THREADS (run.sh sets it to 2); datasketch is single-threaded.

A one-line JSON summary with per-phase wall times goes to stderr. The timing
of record is the wall time / peak RSS of the whole process, measured from
outside by run.sh.

This module is also imported by score.py for the tokenisation, so the
libraries are imported inside the functions that use them.
"""

import argparse
import json
import re
import sys
import time
import unicodedata

SHINGLE = 5
NUM_PERM = 128

# `\w+` runs of the NFKC-normalised, lowercased text. With a `str` pattern
# Python's `re` is Unicode-aware: letters, digits and underscore of any script.
WORD_RE = re.compile(r"\w+")


def shingle_set(text, k=SHINGLE):
    """The set of k-word shingles of `text`, or None when it has no words.

    A document with fewer than k words gives one shingle of all its words, so
    short documents can still match each other exactly.
    """
    words = WORD_RE.findall(unicodedata.normalize("NFKC", text).lower())
    if not words:
        return None
    if len(words) < k:
        return {" ".join(words)}
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}


def read_corpus(path, limit=None):
    """Yields (id, text) of the first `limit` records of a JSONL file."""
    n = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            if limit is not None and n >= limit:
                return
            rec = json.loads(line)
            yield str(rec["id"]), rec["text"]
            n += 1


def default_banding(threshold, num_perm=NUM_PERM):
    """(bands, rows) that datasketch's MinHashLSH picks for this threshold.

    datasketch minimises the equally weighted false-positive + false-negative
    areas of the S-curve. All three peers use this one banding so that their
    recall differences come from the libraries, not from differently tuned
    LSH parameters. run.sh asks for it once (`peers.py banding`) and passes
    --bands/--rows to every peer, so that rensa and gaoya runs do not pay
    for importing datasketch (and SciPy) in their measured time and memory.
    """
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def run_datasketch(sets, threshold, bands, rows):
    """datasketch: MinHash.bulk + MinHashLSH (in-memory), single-threaded.

    MinHash uses datasketch's defaults (SHA-1 based 32-bit token hash, the
    "affine32" permutation scheme, seed 1) over 128 permutations; the LSH
    uses the first bands*rows of them. Candidates from `MinHashLSH.query`
    are verified by the signature estimate `MinHash.jaccard` (all 128
    permutations) >= threshold, as datasketch's docs suggest, since the
    LSH index alone returns unverified candidates.
    """
    from datasketch import MinHash, MinHashLSH

    phases = {}
    t = time.perf_counter()
    # bulk() reuses one set of permutations for all signatures; it wants bytes.
    mhs = MinHash.bulk(([s.encode("utf-8") for s in ss] for ss in sets), num_perm=NUM_PERM)
    phases["sketch_s"] = time.perf_counter() - t

    t = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, params=(bands, rows))
    with lsh.insertion_session() as session:
        for i, m in enumerate(mhs):
            session.insert(i, m, check_duplication=False)
    phases["index_s"] = time.perf_counter() - t

    t = time.perf_counter()
    pairs = []
    for i, m in enumerate(mhs):
        for j in lsh.query(m):
            if j > i and m.jaccard(mhs[j]) >= threshold:
                pairs.append((i, j))
    phases["query_s"] = time.perf_counter() - t
    return pairs, phases, {"num_perm": NUM_PERM, "bands": bands, "rows": rows}


def run_rensa(sets, threshold, bands, rows):
    """rensa: RMinHash.from_token_sets + RMinHashLSH.insert_many / query_all.

    Sketching is a batch call in Rust (rayon, RAYON_NUM_THREADS threads).
    RMinHashLSH requires num_perm to be a multiple of num_bands, so when
    `bands` does not divide 128 the signatures get bands*rows slots (e.g.
    9 x 13 = 117) -- the same slots datasketch's LSH looks at. Candidates
    from `query_all` are verified by the signature estimate
    `RMinHash.jaccard` >= threshold, which is what rensa's own
    RMinHashDeduplicator does with LSH candidates.
    """
    from rensa import RMinHash, RMinHashLSH

    num_perm = NUM_PERM if NUM_PERM % bands == 0 and NUM_PERM // bands == rows else bands * rows
    phases = {}
    t = time.perf_counter()
    # Lists take rensa's specialised fast path (sets go through the generic one).
    mhs = RMinHash.from_token_sets([list(ss) for ss in sets], num_perm=num_perm, seed=42)
    phases["sketch_s"] = time.perf_counter() - t

    t = time.perf_counter()
    lsh = RMinHashLSH(threshold=threshold, num_perm=num_perm, num_bands=bands)
    lsh.insert_many(mhs)  # keys 0..n-1, in order
    phases["index_s"] = time.perf_counter() - t

    t = time.perf_counter()
    pairs = []
    for i, cands in enumerate(lsh.query_all(mhs)):
        m = mhs[i]
        for j in cands:
            if j > i and m.jaccard(mhs[j]) >= threshold:
                pairs.append((i, j))
    phases["query_s"] = time.perf_counter() - t
    return pairs, phases, {"num_perm": num_perm, "bands": bands, "rows": rows}


def run_gaoya(sets, threshold, bands, rows):
    """gaoya: MinHashStringIndex, parallel bulk insert and parallel bulk query.

    The shingles are passed as ready-made tokens (`*_tokens` methods of the
    native index that MinHashStringIndex wraps): gaoya's built-in analyzers
    split on white space, which would not give the shared tokenisation. Both
    `par_bulk_insert_tokens` and `par_bulk_query_tokens` run on rayon
    (RAYON_NUM_THREADS threads). The signature has bands*rows 32-bit hashes;
    gaoya's query itself keeps only the candidates whose signature estimate
    is >= jaccard_threshold, so there is no separate verification step.
    """
    from gaoya.minhash import MinHashStringIndex

    phases = {}
    t = time.perf_counter()
    # "smallvec" buckets: gaoya's documented choice when most documents have
    # few near-duplicates (no removals needed here).
    index = MinHashStringIndex(
        hash_size=32,
        jaccard_threshold=threshold,
        num_bands=bands,
        band_size=rows,
        analyzer=str.split,  # never called: tokens are passed in directly
        id_container="smallvec",
    )
    tokens = [list(ss) for ss in sets]
    index.minhash_index.par_bulk_insert_tokens(list(range(len(tokens))), tokens)
    phases["index_s"] = time.perf_counter() - t  # sketching happens inside the insert

    t = time.perf_counter()
    pairs = []
    for i, found in enumerate(index.minhash_index.par_bulk_query_tokens(tokens)):
        for j in found:
            if j > i:
                pairs.append((i, j))
    phases["query_s"] = time.perf_counter() - t
    return pairs, phases, {"num_perm": bands * rows, "bands": bands, "rows": rows}


def run_baseline(sets, threshold, bands, rows):
    """No tool: only the reading and shingling that every peer does first.

    Its time and peak RSS are the share of each peer's figures spent in the
    common Python front end (interpreter, JSON, regex, shingle sets).
    """
    return [], {}, {}


TOOLS = {
    "baseline": run_baseline,
    "datasketch": run_datasketch,
    "rensa": run_rensa,
    "gaoya": run_gaoya,
}


def library_version(tool):
    from importlib.metadata import version

    return version(tool) if tool != "baseline" else None


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "tool",
        choices=sorted(TOOLS) + ["banding"],
        help="peer to run; `banding` only prints the default 'BANDS ROWS' for --threshold",
    )
    p.add_argument("corpus", nargs="?", help="JSONL with fields id and text")
    p.add_argument("--threshold", type=float, required=True, help="Jaccard threshold")
    p.add_argument("-o", "--output", help="pairs JSONL to write")
    p.add_argument("--limit", type=int, help="use only the first N documents")
    p.add_argument("--bands", type=int, help="LSH bands (default: datasketch's choice)")
    p.add_argument("--rows", type=int, help="LSH rows per band (default: datasketch's choice)")
    args = p.parse_args(argv)

    if args.tool == "banding":
        print(*default_banding(args.threshold))
        return
    if args.corpus is None or args.output is None:
        p.error("CORPUS and -o/--output are required")
    if (args.bands is None) != (args.rows is None):
        p.error("--bands and --rows go together")
    if args.bands:
        bands, rows = args.bands, args.rows
    elif args.tool == "baseline":
        bands, rows = 0, 0  # unused
    else:
        bands, rows = default_banding(args.threshold)
    if bands * rows > NUM_PERM:
        p.error(f"bands x rows = {bands * rows} exceeds {NUM_PERM} permutations")

    t0 = time.perf_counter()
    ids, sets = [], []
    n_docs = 0
    for doc_id, text in read_corpus(args.corpus, args.limit):
        n_docs += 1
        ss = shingle_set(text)
        if ss is None:
            continue  # no words: nothing to compare
        ids.append(doc_id)
        sets.append(ss)
    phases = {"read_tokenise_s": time.perf_counter() - t0}

    index_pairs, tool_phases, params = TOOLS[args.tool](sets, args.threshold, bands, rows)
    phases.update(tool_phases)

    t = time.perf_counter()
    pairs = sorted({(min(ids[i], ids[j]), max(ids[i], ids[j])) for i, j in index_pairs})
    with open(args.output, "w", encoding="utf-8") as f:
        for a, b in pairs:
            f.write(json.dumps({"a": a, "b": b}, ensure_ascii=False) + "\n")
    phases["write_s"] = time.perf_counter() - t
    phases["total_s"] = time.perf_counter() - t0

    summary = {
        "tool": args.tool,
        "version": library_version(args.tool),
        "threshold": args.threshold,
        "docs": n_docs,
        "docs_with_words": len(ids),
        "pairs": len(pairs),
        **params,
        **{k: round(v, 3) for k, v in phases.items()},
    }
    print(json.dumps(summary), file=sys.stderr)


if __name__ == "__main__":
    main()
