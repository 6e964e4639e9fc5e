#!/usr/bin/env bash
# Cluster runs on one machine: 1, 2 and 4 processes of `nearcopy scan`
# (and `dedup`) on loopback, side by side with the one-process run, each
# process under /usr/bin/time for its peak memory; bytes sent between the
# processes as each process reports them; outputs compared byte for byte.
#
#   benches/cluster_scale.sh BIN CORPUS [PROCESSES...] [-- extra flags of scan]
#
# e.g. benches/cluster_scale.sh target/release/nearcopy bench-data/synth-1m.jsonl 2 4 -- --no-passages
#
# With CORES=N in the environment the machine's N cores are shared out:
# the one-process run gets --threads N, each of n processes --threads N/n.
set -euo pipefail
bin=$(realpath "$1")
corpus=$(realpath "$2")
shift 2
procs=()
while [[ $# -gt 0 && $1 != -- ]]; do procs+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
extra=("$@")
[[ ${#procs[@]} -eq 0 ]] && procs=(2 4)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Ports below the range of outgoing connections' source ports, so that no
# process's connection takes the port another is about to listen on.
ports() {
  python3 -c "
import random, socket
got = []
for p in random.sample(range(10000, 32000), 2000):
    s = socket.socket()
    try:
        s.bind(('127.0.0.1', p)); got.append(s)
    except OSError:
        s.close()
    if len(got) == $1: break
print('\n'.join('127.0.0.1:%d' % x.getsockname()[1] for x in got))"
}

peak() { awk '/Maximum resident/ {printf "%.0f", $6/1024}' "$1"; }
wall() { awk '/Elapsed \(wall/ {n=split($8,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; printf "%.2f", s}' "$1"; }

# $1 job (scan|dedup), $2 processes; prints one table row.
run() {
  local job=$1 n=$2 out args
  out="$work/$job-$n.out"
  if [[ $job == scan ]]; then args=(scan "$corpus" -f json -o "$out" "${extra[@]}")
  else args=(dedup "$corpus" -f json -o "$out"); fi
  if [[ -n ${CORES:-} ]]; then args+=(--threads $((CORES / (n > 0 ? n : 1)))); fi
  if [[ $n -eq 0 ]]; then
    /usr/bin/time -v "$bin" "${args[@]}" > /dev/null 2> "$work/time-$job-0"
    printf "| %s | 1 (alone) | %s | %s | – |\n" "$job" "$(wall "$work/time-$job-0")" "$(peak "$work/time-$job-0")"
    return
  fi
  ports "$n" > "$work/hosts"
  local pids=()
  for ((p = n - 1; p >= 0; p--)); do
    /usr/bin/time -v "$bin" "${args[@]}" --hosts "$work/hosts" --process $p > /dev/null 2> "$work/time-$job-$n-$p" &
    pids+=($!)
  done
  local failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  if [[ $failed -ne 0 ]]; then
    echo "| $job | $n | FAILED | | |"
    grep -h "nearcopy:" "$work"/time-"$job-$n"-* | head -20
    return
  fi
  local peaks=() sent=()
  for ((p = 0; p < n; p++)); do
    peaks+=("$(peak "$work/time-$job-$n-$p")")
    sent+=("$(grep -o 'sent [0-9.]* MB' "$work/time-$job-$n-$p" | awk '{print $2}')")
  done
  printf "| %s | %d | %s | %s | %s |\n" "$job" "$n" "$(wall "$work/time-$job-$n-0")" \
    "$(IFS=/; echo "${peaks[*]}")" "$(IFS=/; echo "${sent[*]}")"
}

echo "corpus: $corpus ($(du -m "$corpus" | cut -f1) MB), extra flags: ${extra[*]:-none}, $(nproc) cores"
echo "| job | processes | wall s (process 0) | peak MiB per process (0/1/…) | MB sent per process (0/1/…) |"
echo "|---|---:|---:|---:|---:|"
for job in scan dedup; do
  run "$job" 0
  if [[ $job == scan ]]; then
    python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['timings']; print('  timings: ' + ', '.join(f'{k} {t[k]}' for k in ('sign','candidates','verify','total')))" "$work/scan-0.out"
  fi
  for n in "${procs[@]}"; do
    run "$job" "$n"
    if [[ $job == scan ]]; then
      python3 - "$work/scan-0.out" "$work/scan-$n.out" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for d in (a, b): d.pop("timings", None)
print("  (report identical to one process)" if a == b else "  REPORT DIFFERS")
t = json.load(open(sys.argv[2]))["timings"]
print("  process 0 timings: " + ", ".join(f"{k} {t[k]}" for k in ("sign", "candidates", "verify", "total")))
EOF
    else
      cmp -s "$work/dedup-0.out" "$work/dedup-$n.out" && echo "  (output identical to one process)" || echo "  OUTPUT DIFFERS"
      rm -f "$work/dedup-$n.out"
    fi
  done
done
