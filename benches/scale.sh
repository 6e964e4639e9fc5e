#!/usr/bin/env bash
# Scaling of `nearcopy scan` on synthetic corpora with known truth.
#
# Generates corpora of 10k, 100k and 1M documents with `nearcopy synth` into
# the git-ignored bench-data/ (kept and reused: the same seed gives the same
# bytes), runs `nearcopy scan --format json` on each under GNU time, scores
# the result with `nearcopy eval` against the planted truth, and prints one
# Markdown table.
#
# Usage:  benches/scale.sh [DOCS...]        (default: 10000 100000 1000000)
# Environment:
#   WORDS=700       mean body words per document (about 6.6 bytes each)
#   THRESHOLD=0.8   Jaccard threshold of the scan
#   SEED=1          synth seed
#   THREADS=0       worker threads (0: one per core)
#   NEARCOPY=...    the binary (default: target/release/nearcopy, built if missing)
#
# Needs GNU time (`apt-get install -y time` on Debian/Ubuntu) for peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."

WORDS=${WORDS:-700}
THRESHOLD=${THRESHOLD:-0.8}
SEED=${SEED:-1}
THREADS=${THREADS:-0}
BIN=${NEARCOPY:-target/release/nearcopy}
TIME=/usr/bin/time

if [ ! -x "$TIME" ]; then
    echo "scale.sh: GNU time is missing: apt-get install -y time" >&2
    exit 1
fi
if [ -z "${NEARCOPY:-}" ]; then
    cargo build --release --quiet
fi
sizes=("$@")
if [ ${#sizes[@]} -eq 0 ]; then
    sizes=(10000 100000 1000000)
fi
mkdir -p bench-data

# Seconds from GNU time's "Elapsed (wall clock) time (h:mm:ss or m:ss): …".
elapsed() {
    grep 'Elapsed (wall clock)' "$1" | awk '{print $NF}' |
        awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }'
}
# Peak resident memory in MB.
peak_mb() {
    grep 'Maximum resident set size' "$1" | awk '{printf "%.0f", $NF / 1024}'
}
# First number after "key": in a JSON file (null stays null).
field() {
    grep -o "\"$2\": [0-9.e-]*\|\"$2\": null" "$1" | head -n 1 | awk '{print $2}'
}

echo "| documents | corpus (JSONL) | synth s | scan s | docs/s | MB/s | peak RSS MB | pairs found | recall | precision | ARI |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
    base=bench-data/scale-$n-w$WORDS-s$SEED
    corpus=$base.jsonl
    truth=$base.truth.json
    synth_s="reused"
    if [ ! -s "$truth" ] || [ ! -s "$corpus" ]; then
        $TIME -v -o "$base.synth.time" "$BIN" synth --docs "$n" --seed "$SEED" --words "$WORDS" \
            --threads "$THREADS" -q -o "$corpus" --truth "$truth" >/dev/null
        synth_s=$(elapsed "$base.synth.time")
    fi
    result=$base.scan-$THRESHOLD.json
    $TIME -v -o "$base.scan.time" "$BIN" scan "$corpus" --threshold "$THRESHOLD" \
        --threads "$THREADS" --format json -q -o "$result"
    secs=$(elapsed "$base.scan.time")
    rss=$(peak_mb "$base.scan.time")
    bytes=$(stat -c %s "$corpus")
    "$BIN" eval --truth "$truth" "$result" --format json -q -o "$base.eval.json"
    found=$(field "$base.eval.json" reported)
    recall=$(field "$base.eval.json" recall)
    precision=$(field "$base.eval.json" precision)
    ari=$(field "$base.eval.json" ari)
    awk -v n="$n" -v b="$bytes" -v s="$secs" -v syn="$synth_s" -v rss="$rss" \
        -v f="$found" -v r="$recall" -v p="$precision" -v a="$ari" 'BEGIN {
        if (syn ~ /^[0-9.]+$/) syn = sprintf("%.1f", syn)
        printf "| %d | %.0f MB | %s | %.1f | %.0f | %.1f | %s | %s | %s | %s | %s |\n",
            n, b / 1e6, syn, s, n / s, b / 1e6 / s, rss, f, r, p, a
    }'
done
