#!/usr/bin/env bash
# The persistent index at scale, measured side by side in one run:
#   1. `scan --no-passages` of the whole corpus, and `index add` of it;
#   2. an index of all but the last BATCH documents, then `dedup --index`
#      of those last BATCH documents (a later crawl: it shares the planted
#      near-copies of the corpus), beside `scan --no-passages` and plain
#      `dedup` of the batch alone.
# Wall time and peak memory (GNU time), index size on disk per document.
#
#   benches/index_scale.sh NEARCOPY CORPUS.jsonl [BATCH]
# e.g. (4.8 GB, 1,000,000 documents):
#   nearcopy synth --docs 1000000 --seed 7 -o bench-data/synth-1m.jsonl
#   benches/index_scale.sh target/release/nearcopy bench-data/synth-1m.jsonl 100000
set -euo pipefail
bin=$1
corpus=$2
batch=${3:-100000}
work=$(dirname "$corpus")/index-scale
rm -rf "$work"
mkdir -p "$work"
total=$(wc -l < "$corpus")
head -n $((total - batch)) "$corpus" > "$work/old.jsonl"
tail -n "$batch" "$corpus" > "$work/new.jsonl"

measure() { # label, command...
    local label=$1
    shift
    # The files the previous step wrote (a 5 GB index) are still being
    # written to disk; without this their writeback lands on this step.
    sync
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > /dev/null
    read -r wall kib < "$work/time"
    printf '%-46s %8.2f s %8.0f MiB\n' "$label" "$wall" "$((kib / 1024))"
}
size() {
    "$bin" index stats "$1" -f json | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("  index %s: %d documents, %.2f GB, %.0f bytes per document" % (
    sys.argv[1], s["documents"], s["size_bytes"] / 1e9, s["bytes_per_document"]))' "$(basename "$1")"
}

echo "corpus: $corpus ($total documents), batch: the last $batch"
measure "scan --no-passages (whole corpus)" "$bin" scan "$corpus" --no-passages -f json -q
measure "index add (whole corpus)" "$bin" index add "$work/all" "$corpus" -q
size "$work/all"
rm -rf "$work/all"
measure "index add (all but the batch)" "$bin" index add "$work/old" "$work/old.jsonl" -q
size "$work/old"
measure "scan --no-passages (batch alone)" "$bin" scan "$work/new.jsonl" --no-passages -f json -q
measure "dedup (batch alone)" "$bin" dedup "$work/new.jsonl" -o "$work/alone.jsonl" -q
measure "dedup --index --no-update (batch)" "$bin" dedup "$work/new.jsonl" --index "$work/old" \
    --no-update -o "$work/checked.jsonl" -q
measure "dedup --index (batch; adds the kept)" "$bin" dedup "$work/new.jsonl" --index "$work/old" \
    -o "$work/kept.jsonl" -f json -q
size "$work/old"
echo "kept: alone $(wc -l < "$work/alone.jsonl"), against the index $(wc -l < "$work/kept.jsonl")"
measure "index verify" "$bin" index verify "$work/old"
rm -rf "$work"
