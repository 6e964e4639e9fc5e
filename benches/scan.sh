#!/usr/bin/env bash
# Whole-corpus benchmark of `nearcopy scan`: wall time, MB/s, documents/s and
# peak memory, one run per verification mode.
#
#   benches/scan.sh CORPUS [extra scan flags…]
#
# Generate a large corpus first, e.g.
#   python3 benches/gen_corpus.py --mb 1024 -o bench-data/news-1g.jsonl
set -euo pipefail
corpus=${1:?usage: benches/scan.sh CORPUS [flags…]}
shift
cd "$(dirname "$0")/.."
cargo build --release --quiet
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
bin=target/release/nearcopy
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '| corpus | verify | docs | MB | seconds | MB/s | docs/s | peak RSS MiB | bytes/doc RSS |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n'
for verify in exact estimate; do
  /usr/bin/time -f '%e %M' -o "$out/time" "$bin" scan "$corpus" --verify "$verify" --format json --quiet -o "$out/r.json" "$@"
  read -r secs rss_kb < "$out/time"
  python3 - "$out/r.json" "$corpus" "$verify" "$secs" "$rss_kb" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
corpus, verify, secs, rss = sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
s = r["summary"]
mb = s["bytes"] / 1e6
print(f"| {corpus.split('/')[-1]} | {verify} | {s['documents']} | {mb:.1f} | {secs:.2f} | {mb / secs:.0f} | {s['documents'] / secs:,.0f} | {rss / 1024:.0f} | {rss * 1024 / max(1, s['documents']):.0f} |")
PY
done
