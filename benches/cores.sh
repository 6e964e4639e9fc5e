#!/usr/bin/env bash
# How scan uses more cores: the document level (each sketch) and the default
# scan with passages, at 2 threads and at every core, on the corpus of
# `nearcopy synth --docs N --seed 7`, measured one after the other.
#
#   benches/cores.sh NEARCOPY OUTDIR [DOCS] [BIG_DOCS]
#
# Writes OUTDIR/cores.tsv (label, wall s, CPU s, peak MiB, exit status) and
# OUTDIR/timings.txt (each run's reported stage timings). With BIG_DOCS it
# then does the same for a corpus of BIG_DOCS documents at every core.
# Needs python3 (for the wall/CPU/peak of each child process).
set -u
bin=$(realpath "$1")
out=$2
docs=${3:-200000}
big=${4:-0}
mkdir -p "$out"
work=${TMPDIR:-/tmp}/nearcopy-cores
mkdir -p "$work"
cores=$(nproc)
tsv=$out/cores.tsv
{
    echo "# $(date -u +%FT%TZ) $(uname -m), $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
    echo -e "label\twall_s\tcpu_s\tpeak_mib\tstatus"
} >"$tsv"

measure() {
    local label=$1
    shift
    python3 - "$label" "$@" >>"$tsv" <<'EOF'
import resource, subprocess, sys, time
label, cmd = sys.argv[1], sys.argv[2:]
t = time.time()
r = subprocess.run(cmd)
wall = time.time() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{label}\t{wall:.2f}\t{ru.ru_utime + ru.ru_stime:.2f}\t{ru.ru_maxrss / 1024:.0f}\t{r.returncode}")
EOF
    tail -1 "$tsv"
}

timings() {
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sys.argv[2], json.dumps(d.get('timings')), json.dumps({k: v for k, v in d['summary'].items() if k != 'passages'}))" "$1" "$2" >>"$out/timings.txt" || true
}

corpus=$work/synth-$docs.jsonl
[ -s "$corpus" ] || measure "synth --docs $docs -j $cores" "$bin" synth --docs "$docs" --seed 7 -o "$corpus" -q
for j in 2 "$cores"; do
    for sketch in oph minhash; do
        measure "scan --no-passages --sketch $sketch -j $j" "$bin" scan "$corpus" --no-passages --sketch "$sketch" -j "$j" -f json -q -o "$work/doc.json"
        timings "$work/doc.json" "doc-$sketch-j$j"
    done
done
for j in "$cores" 2; do
    measure "scan (passages on) -j $j" "$bin" scan "$corpus" -j "$j" -f json -q -o "$work/scan.json"
    timings "$work/scan.json" "scan-j$j"
done
measure "passages -j $cores" "$bin" passages "$corpus" -j "$cores" -f json -q -o "$work/passages.json"
rm -f "$work"/*.json

if [ "$big" -gt 0 ]; then
    rm -f "$corpus"
    corpus=$work/synth-$big.jsonl
    [ -s "$corpus" ] || measure "synth --docs $big -j $cores" "$bin" synth --docs "$big" --seed 7 -o "$corpus" -q
    ls -l "$corpus" >>"$tsv"
    measure "big scan --no-passages -j $cores" "$bin" scan "$corpus" --no-passages -j "$cores" -f json -q -o "$work/doc.json"
    timings "$work/doc.json" "big-doc-j$cores"
    measure "big scan (passages on) -j $cores" "$bin" scan "$corpus" -j "$cores" -f json -q -o "$work/scan.json"
    timings "$work/scan.json" "big-scan-j$cores"
    rm -f "$work"/*.json
fi
