#!/usr/bin/env bash
# Two builds of nearcopy side by side on `nearcopy passages CORPUS`,
# alternating, ROUNDS times: wall time, peak memory, the time of each read
# (from the report's timings) and whether the reports are identical apart
# from timings. CMD=scan runs the default scan instead (document level and
# passages; the reads are those of its passage search).
#
#   [CMD=scan] benches/passages_before_after.sh BEFORE_BIN AFTER_BIN CORPUS [ROUNDS]
set -euo pipefail
before=$1; after=$2; corpus=$3; rounds=${4:-2}
cmd=${CMD:-passages}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq 1 "$rounds"); do
  for b in before after; do
    bin=${!b}
    /usr/bin/time -f "%e %M" -o "$out/t-$b" "$bin" "$cmd" "$corpus" -f json -q > "$out/$b.json"
    python3 - "$out" "$b" <<'PY'
import json, sys
out, b = sys.argv[1], sys.argv[2]
d = json.load(open(f"{out}/{b}.json")); t = d["timings"]
t = t.get("passages", t)
wall, peak = open(f"{out}/t-{b}").read().split()
print(f"{b}: wall {wall} s, peak {int(peak) / 1024:.0f} MiB, count {t['count']} "
      f"extract {t['extract']} repeats {t['repeats']} locate {t['locate']} groups {len(d['passages'])}")
PY
  done
  python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
a, b = (json.load(open(f"{out}/{x}.json")) for x in ("before", "after"))
for d in (a, b):
    d.pop("timings")
print("reports identical" if a == b else "REPORTS DIFFER")
PY
done
