#!/usr/bin/env bash
# Document-level speed with each of mimalloc's purge delays, beside gaoya,
# in alternating rounds (so slow drifts in machine load hit every run alike):
#   - gaoya through ../shared/bench/gaoya_run.py on its reference corpus;
#   - `scan --no-passages` of that corpus and of a larger one, with freed
#     memory given back after 10 ms (MIMALLOC_PURGE_DELAY=10, what every
#     run did before) and with nearcopy's own choice for document-level
#     runs (a second).
# Prints one line per run: wall s, user+sys CPU s, peak MiB.
#
#   benches/purge_delay.sh NEARCOPY PYTHON REFERENCE.jsonl LARGE.jsonl [ROUNDS]
# e.g.
#   bench-data/venv-peers/bin/python ../shared/bench/gen_corpus.py --n 100000 --out bench-data/corpus_100k
#   nearcopy synth --docs 200000 --seed 7 -o bench-data/synth-200k.jsonl
#   benches/purge_delay.sh target/release/nearcopy bench-data/venv-peers/bin/python \
#       bench-data/corpus_100k.jsonl bench-data/synth-200k.jsonl 3
set -euo pipefail
bin=$1
python=$2
reference=$3
large=$4
rounds=${5:-3}
here=$(cd "$(dirname "$0")" && pwd)
gaoya=$here/../../shared/bench/gaoya_run.py
if [ ! -f "$gaoya" ]; then
    echo "purge_delay.sh: $gaoya not found: the gaoya reference run lives in ../shared/bench/" >&2
    exit 2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

measure() { # label, command...
    local label=$1
    shift
    /usr/bin/time -f "%e %U %S %M" -o "$out/time" "$@" > /dev/null
    read -r wall user sys kib < "$out/time"
    printf '%-52s %7.2f s %7.2f CPU s %6d MiB\n' "$label" "$wall" \
        "$(awk "BEGIN { print $user + $sys }")" "$((kib / 1024))"
}

for round in $(seq "$rounds"); do
    echo "round $round"
    measure "gaoya 0.2.2 ($(basename "$reference"))" "$python" "$gaoya" "$reference"
    for delay in 10 default; do
        if [ "$delay" = default ]; then
            env=(env -u MIMALLOC_PURGE_DELAY)
        else
            env=(env MIMALLOC_PURGE_DELAY="$delay")
        fi
        measure "scan --no-passages, purge delay $delay ($(basename "$reference"))" \
            "${env[@]}" "$bin" scan "$reference" --no-passages --threshold 0.8 -f json -q -o "$out/r-$delay.json"
        measure "scan --no-passages, purge delay $delay ($(basename "$large"))" \
            "${env[@]}" "$bin" scan "$large" --no-passages -f json -q -o "$out/l-$delay.json"
    done
done
# The delay only changes when memory goes back to the system, never a result.
for corpus in r l; do
    python3 - "$out/$corpus-10.json" "$out/$corpus-default.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for r in (a, b):
    r.pop("timings", None)
print("reports identical" if a == b else "REPORTS DIFFER")
EOF
done
