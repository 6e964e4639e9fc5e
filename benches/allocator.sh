#!/usr/bin/env bash
# Document-level speed with one of nearcopy's allocator settings as it was
# and as nearcopy now chooses it, beside gaoya, in alternating rounds (so
# slow drifts in machine load hit every run alike):
#   - gaoya through ../shared/bench/gaoya_run.py on its reference corpus;
#   - `scan --no-passages` of that corpus and of a larger one, with the
#     setting forced to its old value through mimalloc's environment and
#     with nearcopy's own choice for document-level runs:
#       purge-delay  freed memory given back after 10 ms
#                    (MIMALLOC_PURGE_DELAY=10) or after a second;
#       huge-pages   transparent huge pages allowed (MIMALLOC_ALLOW_THP=1)
#                    or turned off for the process.
# Prints one line per run: wall s, user+sys CPU s, peak MiB.
#
#   benches/allocator.sh SETTING NEARCOPY PYTHON REFERENCE.jsonl LARGE.jsonl [ROUNDS]
# e.g.
#   bench-data/venv-peers/bin/python ../shared/bench/gen_corpus.py --n 100000 --out bench-data/corpus_100k
#   nearcopy synth --docs 200000 --seed 7 -o bench-data/synth-200k.jsonl
#   benches/allocator.sh huge-pages target/release/nearcopy bench-data/venv-peers/bin/python \
#       bench-data/corpus_100k.jsonl bench-data/synth-200k.jsonl 3
set -euo pipefail
setting=$1
bin=$2
python=$3
reference=$4
large=$5
rounds=${6:-3}
case $setting in
    purge-delay) var=MIMALLOC_PURGE_DELAY old=10 ;;
    huge-pages) var=MIMALLOC_ALLOW_THP old=1 ;;
    *)
        echo "allocator.sh: SETTING is purge-delay or huge-pages, not '$setting'" >&2
        exit 2
        ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
gaoya=$here/../../shared/bench/gaoya_run.py
if [ ! -f "$gaoya" ]; then
    echo "allocator.sh: $gaoya not found: the gaoya reference run lives in ../shared/bench/" >&2
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
    for value in old default; do
        if [ "$value" = default ]; then
            env=(env -u "$var")
            what="nearcopy's choice"
        else
            env=(env "$var=$old")
            what="$var=$old"
        fi
        measure "scan --no-passages, $what ($(basename "$reference"))" \
            "${env[@]}" "$bin" scan "$reference" --no-passages --threshold 0.8 -f json -q -o "$out/r-$value.json"
        measure "scan --no-passages, $what ($(basename "$large"))" \
            "${env[@]}" "$bin" scan "$large" --no-passages -f json -q -o "$out/l-$value.json"
    done
done
# Either setting only changes how memory is handed out, never a result.
for corpus in r l; do
    python3 - "$out/$corpus-old.json" "$out/$corpus-default.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for r in (a, b):
    r.pop("timings", None)
print("reports identical" if a == b else "REPORTS DIFFER")
EOF
done
