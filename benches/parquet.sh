#!/usr/bin/env bash
# Parquet against JSON Lines of the same records: `nearcopy scan` (documents
# only, and the default with passages) and `dedup`, wall time and peak
# memory, alternating formats within each round; the reports are checked to
# be equal apart from timings (and sources, which are the file names).
#
#   benches/parquet.sh CORPUS.jsonl [ROUNDS] [PYTHON]
#
# PYTHON must have pyarrow; it writes CORPUS as Parquet twice beside it
# (pyarrow's default row groups, and row groups of 10,000 rows).
set -euo pipefail
corpus=${1:?usage: benches/parquet.sh CORPUS.jsonl [ROUNDS] [PYTHON]}
rounds=${2:-3}
python=${3:-python3}
cd "$(dirname "$0")/.."
bin=target/release/nearcopy
base=${corpus%.jsonl}
"$python" - "$corpus" "$base" <<'PY'
import json, os, sys
import pyarrow as pa, pyarrow.parquet as pq
src, base = sys.argv[1], sys.argv[2]
if not (os.path.exists(base + ".parquet") and os.path.exists(base + ".rg10k.parquet")):
    rows = [json.loads(l) for l in open(src, "rb") if l.strip()]
    table = pa.table({k: [r.get(k) for r in rows] for k in rows[0]})
    pq.write_table(table, base + ".parquet")
    pq.write_table(table, base + ".rg10k.parquet", row_group_size=10000)
PY
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
declare -A wall rss
runs=("scan --no-passages" "scan" "dedup")
inputs=("$corpus" "$base.parquet" "$base.rg10k.parquet")
for ((r = 1; r <= rounds; r++)); do
  for run in "${runs[@]}"; do
    for input in "${inputs[@]}"; do
      echo "round $r: $run $input" >&2
      ext=jsonl; [[ $input == *.parquet ]] && ext=parquet
      if [[ $run == dedup ]]; then
        args=(dedup "$input" -o "$out/kept.$ext" -f json -q)
      else
        args=($run "$input" -f json -q -o "$out/r.json")
      fi
      /usr/bin/time -f '%e %M' -o "$out/time" "$bin" "${args[@]}" > "$out/summary.json"
      read -r secs kb < "$out/time"
      key="$run|$input"
      wall[$key]+="$secs "
      rss[$key]+="$kb "
      if [[ $run != dedup ]]; then
        python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r.pop("timings"); r.pop("skipped"); [d.pop("source") for d in r.get("documents", [])]; print(json.dumps(r, sort_keys=True))' "$out/r.json" > "$out/$r-${run// /_}-$(basename "$input").json"
      fi
    done
    if [[ $run != dedup ]]; then
      first=$(ls "$out"/$r-${run// /_}-*.json | head -1)
      for f in "$out"/$r-${run// /_}-*.json; do cmp -s "$first" "$f" || { echo "reports differ: $f" >&2; exit 1; }; done
    fi
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '| run | input | wall s (median of %d) | peak MiB | vs JSON Lines |\n|---|---|---:|---:|---:|\n' "$rounds"
for run in "${runs[@]}"; do
  j=$(echo "${wall[$run|$corpus]}" | median)
  for input in "${inputs[@]}"; do
    w=$(echo "${wall[$run|$input]}" | median)
    m=$(echo "${rss[$run|$input]}" | median)
    printf '| %s | %s | %s | %.0f | %.2fx |\n' "$run" "$(basename "$input")" "$w" "$(echo "$m / 1024" | bc -l)" "$(echo "$w / $j" | bc -l)"
  done
done
