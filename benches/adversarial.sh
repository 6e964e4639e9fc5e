#!/usr/bin/env bash
# Adversarial inputs: wall time and peak memory of each case.
#
#   benches/adversarial.sh [BIN]
#
# Generates the inputs into bench-data/adversarial/ (once), then runs each
# case under /usr/bin/time -v with its address space limited to
# $MEM_LIMIT_GB (default 8) so that a case that blows up fails fast instead
# of taking the machine's memory. Prints a Markdown table. BIN defaults to
# target/release/nearcopy (built first).
set -uo pipefail
cd "$(dirname "$0")/.."
data=bench-data/adversarial
bin=${1:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet || exit 1
  bin=target/release/nearcopy
fi
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
[ -f "$data/line-500m.jsonl" ] || python3 benches/gen_adversarial.py "$data"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
limit_kb=$(( ${MEM_LIMIT_GB:-8} * 1024 * 1024 ))

run() { # name, then the nearcopy arguments (output goes to $out)
  local name=$1
  shift
  ( ulimit -v "$limit_kb"; /usr/bin/time -v -o "$out/time" "$bin" "$@" --quiet >"$out/stdout" 2>"$out/stderr" )
  local rc=$?
  local secs rss
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out/time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$out/time")
  local status=ok
  if [ "$rc" -ne 0 ]; then
    status="exit $rc: $(grep -v '^\s*$' "$out/stderr" | tail -1 | cut -c1-80)"
  fi
  local args="$*"
  printf '| %s | `nearcopy %s` | %s | %s MiB | %s |\n' "$name" "${args//$out\//}" "$secs" "$rss" "$status"
}

printf '| case | command | time | peak RSS | result |\n|---|---|---:|---:|---|\n'
o="$out/r.json"
run "periodic 50 KB word" scan "$data/word-50k.txt" --format json -o "$o"
run "periodic 20 KB 0" scan "$data/zero-20k.txt" --format json -o "$o"
run "periodic 15 KB ha" passages "$data/ha-15k.txt" --format json -o "$o"
run "periodic 30 KB 哈" passages "$data/han-30k.txt" --char-ngrams 2 --format json -o "$o"
run "periodic 50 KB word" dedup "$data/word-50k.txt" --passages -o "$out/kept.jsonl"
run "50,000 near-copies" scan "$data/giant-50000.jsonl" --no-passages --format json -o "$o"
run "50,000 near-copies" scan "$data/giant-50000.jsonl" --no-passages --verify estimate --format json -o "$o"
run "50,000 near-copies" dedup "$data/giant-50000.jsonl" -o "$out/kept.jsonl"
run "50,000 near-copies" scan "$data/giant-50000.jsonl" --format json -o "$o"
run "50,000 near-copies" passages "$data/giant-50000.jsonl" --format json -o "$o"
run "1,000,000 identical" exact "$data/identical-1000000.jsonl" --format json -o "$o"
run "one 500 MB line" scan "$data/line-500m.txt" --no-passages --format json -o "$o"
run "one 500 MB record" scan "$data/line-500m.jsonl" --no-passages --format json -o "$o"
run "one 500 MB line" scan "$data/line-500m.txt" --format json -o "$o"
run "one 500 MB record" scan "$data/line-500m.jsonl" --format json -o "$o"
run "one 500 MB record" dedup "$data/line-500m.jsonl" --passages -o "$out/kept.jsonl"
