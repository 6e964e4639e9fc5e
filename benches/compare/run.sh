#!/usr/bin/env bash
# Compare nearcopy with datasketch, rensa and gaoya on one JSONL corpus.
#
#   benches/compare/run.sh CORPUS.jsonl [--threshold 0.8] [--threshold 0.5] [--limit N]
#                          [--tools LIST] [--bands B --rows R] [--repeat N]
#                          [--python-truth] [--no-build]
#
# Every tool runs as its own process under `/usr/bin/time -v`, so the wall time
# and peak RSS in the table belong to that tool alone. Results go to stdout and
# to benches/compare/out/compare-<corpus>-<threshold>.md (<corpus> gets -firstN
# with --limit and -bBrR with --bands/--rows); the raw outputs of
# each run (pairs, logs, time reports) stay in benches/compare/out/<corpus>/<threshold>/.
#
# Options:
#   --threshold T   Jaccard threshold; repeat for several (default: 0.8 and 0.5)
#   --limit N       use only the first N documents of the corpus
#   --tools LIST    comma-separated subset of baseline,datasketch,rensa,gaoya,nearcopy
#   --bands B --rows R
#                   LSH banding for every tool (default: peers use the banding
#                   datasketch's MinHashLSH picks for the threshold, nearcopy its own)
#   --repeat N      run each tool N times; the table shows the median seconds and
#                   the largest peak RSS (default 1)
#   --python-truth  score against the Python exact join (the peers' \w+ words)
#                   even when `nearcopy exact` is available
#   --no-build      do not run `cargo build --release`; use the existing binary
#
# Not run by CI: it installs packages from PyPI and takes minutes on large corpora.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv"
OUT="$HERE/out"
ALL_TOOLS="baseline,datasketch,rensa,gaoya,nearcopy"

die() { echo "run.sh: $*" >&2; exit 2; }
say() { echo "==> $*" >&2; }

# Shell-quotes a word only when it needs it, so that shown commands stay readable.
quote() {
    if [[ "$1" =~ ^[A-Za-z0-9_./,=:+@%-]+$ ]]; then printf '%s' "$1"; else printf '%q' "$1"; fi
}
# The command line as typed, for the header of each table.
INVOCATION="benches/compare/run.sh"
for a in "$@"; do INVOCATION+=" $(quote "$a")"; done

# ------------------------------------------------------------------ arguments
CORPUS=""
THRESHOLDS=()
LIMIT=""
TOOLS="$ALL_TOOLS"
BANDS=""
ROWS=""
BUILD=1
REPEAT=1
PYTHON_TRUTH=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --threshold) [[ $# -ge 2 ]] || die "--threshold needs a value"; THRESHOLDS+=("$2"); shift 2 ;;
        --limit) [[ $# -ge 2 ]] || die "--limit needs a value"; LIMIT="$2"; shift 2 ;;
        --tools) [[ $# -ge 2 ]] || die "--tools needs a value"; TOOLS="$2"; shift 2 ;;
        --bands) [[ $# -ge 2 ]] || die "--bands needs a value"; BANDS="$2"; shift 2 ;;
        --rows) [[ $# -ge 2 ]] || die "--rows needs a value"; ROWS="$2"; shift 2 ;;
        --repeat) [[ $# -ge 2 ]] || die "--repeat needs a value"; REPEAT="$2"; shift 2 ;;
        --python-truth) PYTHON_TRUTH=1; shift ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) [[ -z "$CORPUS" ]] || die "only one corpus, got '$CORPUS' and '$1'"; CORPUS="$1"; shift ;;
    esac
done
[[ -n "$CORPUS" ]] || die "usage: benches/compare/run.sh CORPUS.jsonl [--threshold T]... [--limit N]"
[[ -f "$CORPUS" ]] || die "no such corpus file: $CORPUS"
[[ ${#THRESHOLDS[@]} -gt 0 ]] || THRESHOLDS=(0.8 0.5)
[[ -z "$LIMIT" || "$LIMIT" =~ ^[1-9][0-9]*$ ]] || die "--limit wants a positive integer"
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || die "--repeat wants a positive integer"
[[ -z "$BANDS" && -z "$ROWS" || -n "$BANDS" && -n "$ROWS" ]] || die "--bands and --rows go together"
for t in ${TOOLS//,/ }; do
    [[ ",$ALL_TOOLS," == *",$t,"* ]] || die "unknown tool '$t' (known: $ALL_TOOLS)"
done
wants() { [[ ",$TOOLS," == *",$1,"* ]]; }

CORPUS="$(cd "$(dirname "$CORPUS")" && pwd)/$(basename "$CORPUS")"
cd "$ROOT"

# Name for the output files: the file name, or "<folder>-<file>" for generic
# file names such as docs.jsonl, so that two corpora do not overwrite each other.
NAME="$(basename "$CORPUS")"
NAME="${NAME%%.*}"
case "$NAME" in
    docs|corpus|data|train|test|input) NAME="$(basename "$(dirname "$CORPUS")")" ;;
esac
[[ -z "$LIMIT" ]] || NAME+="-first$LIMIT"
[[ -z "$BANDS" ]] || NAME+="-b${BANDS}r${ROWS}"

# -------------------------------------------------------------- measurement
if [[ ! -x /usr/bin/time ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        say "installing GNU time (/usr/bin/time)"
        apt-get install -y time >/dev/null || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
    fi
    [[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is needed: apt-get install time"
fi

# --------------------------------------------------------- Python peer tools
# Reinstall when requirements.txt changes, so the venv always matches the pins.
REQ_STAMP="$VENV/.requirements.sha256"
REQ_SUM="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/python" || "$(cat "$REQ_STAMP" 2>/dev/null)" != "$REQ_SUM" ]]; then
    say "setting up $VENV"
    [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -r "$HERE/requirements.txt"
    echo "$REQ_SUM" > "$REQ_STAMP"
fi
PY="$VENV/bin/python"

# ------------------------------------------------------------------ nearcopy
mkdir -p "$OUT"
NEARCOPY="${CARGO_TARGET_DIR:-$ROOT/target}/release/nearcopy"
NEARCOPY_OK=0
# Built even when nearcopy is not among --tools: its `exact` gives the truth.
if [[ $BUILD -eq 1 ]]; then
    say "cargo build --release (log: $OUT/cargo-build.log)"
    if ! cargo build --release >"$OUT/cargo-build.log" 2>&1; then
        say "cargo build --release failed; trying the existing binary (see the log)"
    fi
fi
# A usable binary has a `scan` subcommand that knows the flags used below.
if [[ -x "$NEARCOPY" ]] && "$NEARCOPY" scan --help 2>/dev/null | grep -q -- "--threshold"; then
    NEARCOPY_OK=1
elif wants nearcopy; then
    say "SKIPPING nearcopy: $NEARCOPY is missing or has no working 'scan' subcommand yet"
fi
# `-o FILE` if scan supports it, else its stdout is redirected to the same file.
NEARCOPY_HAS_O=0
if [[ $NEARCOPY_OK -eq 1 ]] && "$NEARCOPY" scan --help 2>/dev/null | grep -qE -- '(^|[[:space:],])(-o|--output)([[:space:],=<]|$)'; then
    NEARCOPY_HAS_O=1
fi

# -------------------------------------------------------------------- corpus
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
INPUT="$CORPUS"
if [[ -n "$LIMIT" ]]; then
    # The subset lives in a temporary folder, never inside the repository.
    INPUT="$TMP/$NAME.jsonl"
    grep -v '^[[:space:]]*$' "$CORPUS" | head -n "$LIMIT" > "$INPUT" || true
fi
"$PY" "$HERE/score.py" stats "$INPUT" > "$TMP/stats.json"  # also warms the page cache
DOCS=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["docs"])' "$TMP/stats.json")
MB=$("$PY" -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["text_bytes"]/1e6, 2))' "$TMP/stats.json")
say "corpus $CORPUS${LIMIT:+ (first $LIMIT documents)}: $DOCS documents, $MB MB of text"

VERSIONS="$("$PY" -c 'from importlib.metadata import version as v; print(", ".join(f"{p} {v(p)}" for p in ("datasketch", "rensa", "gaoya")))')"
NEARCOPY_REV="$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "(no commit yet)")"
CPU="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)"
MACHINE="$(nproc) CPUs${CPU:+ ($CPU)}, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM"

# A command as it is shown in the notes: relative to the repository root, with
# the subset's temporary folder left out.
show() {
    local shown="" a
    for a in "$@"; do shown+="$(quote "$a") "; done
    shown="${shown//$TMP\//}"
    shown="${shown//$ROOT\//}"
    printf '%s' "${shown% }"
}

# Runs one tool REPEAT times under /usr/bin/time -v and appends its row to
# rows.jsonl. The command's stdout goes to the given file (nearcopy without -o
# writes its JSON there); stderr goes to $DIR/<tool>.log.
run_tool() {  # tool, stdout-file, command...
    local tool="$1" stdout="$2"; shift 2
    local shown; shown="$(show "$@")"
    local rc=0 i times=()
    for ((i = 1; i <= REPEAT; i++)); do
        say "[$T] $tool (run $i of $REPEAT)"
        times+=(--time "$DIR/$tool.time.$i")
        /usr/bin/time -v -o "$DIR/$tool.time.$i" "$@" >"$stdout" 2>"$DIR/$tool.log" || rc=$?
        [[ $rc -eq 0 ]] || break
    done
    local extra=()
    if [[ $rc -ne 0 ]]; then
        extra=(--error "failed: exit status $rc, see out/$NAME/$T/$tool.log")
        say "[$T] $tool failed (exit $rc); last lines of its log:"
        tail -n 5 "$DIR/$tool.log" >&2 || true
    fi
    case "$tool" in
        baseline) extra+=(--no-score) ;;
        nearcopy) extra+=(--expect scan) ;;
        *) extra+=(--expect jsonl) ;;
    esac
    "$PY" "$HERE/score.py" row --tool "$tool" --threshold "$T" --stats "$TMP/stats.json" \
        "${times[@]}" --pairs "$PAIRS" --truth "$TRUTH" "${extra[@]}" >> "$DIR/rows.jsonl"
    COMMANDS+=("- $tool: \`$shown\`")
}

for T in "${THRESHOLDS[@]}"; do
    DIR="$OUT/$NAME/$T"
    rm -rf "$DIR"
    mkdir -p "$DIR"
    COMMANDS=()

    # Truth: nearcopy's exact join when it exists, else the Python one.
    TRUTH="$DIR/truth.json"
    TRUTH_CMD=("$NEARCOPY" exact "$INPUT" --threshold "$T" --format json)
    if [[ $NEARCOPY_OK -eq 1 && $PYTHON_TRUTH -eq 0 ]] \
        && "${TRUTH_CMD[@]}" >"$TRUTH" 2>"$DIR/truth.log" \
        && "$PY" "$HERE/score.py" check "$TRUTH" --expect exact >/dev/null 2>>"$DIR/truth.log"; then
        TRUTH_NOTE="Truth: \`nearcopy exact\` (exact 5-shingle Jaccard with nearcopy's UAX #29 words)"
        COMMANDS+=("- truth: \`$(show "${TRUTH_CMD[@]}") > ${TRUTH#"$ROOT"/}\`")
    else
        [[ $PYTHON_TRUTH -eq 1 ]] \
            || say "[$T] nearcopy exact is not available; computing the truth with the Python exact join"
        TRUTH="$DIR/truth.jsonl"
        TRUTH_CMD=("$PY" "$HERE/score.py" exact "$INPUT" --threshold "$T" -o "$TRUTH")
        "${TRUTH_CMD[@]}" 2>"$DIR/truth.log"
        TRUTH_NOTE="Truth: \`score.py exact\` (Python exact 5-shingle Jaccard join, \\w+ words$([[ $PYTHON_TRUTH -eq 1 ]] && echo ", --python-truth" || echo "; nearcopy exact was not available"))"
        COMMANDS+=("- truth: \`$(show "${TRUTH_CMD[@]}")\`")
    fi
    NTRUTH=$("$PY" "$HERE/score.py" check "$TRUTH" --expect "$([[ "$TRUTH" == *.jsonl ]] && echo jsonl || echo exact)" --threshold "$T")

    if [[ -n "$BANDS" ]]; then
        B="$BANDS"; R="$ROWS"; BAND_NOTE="$B bands × $R rows (--bands/--rows)"
    else
        read -r B R < <("$PY" "$HERE/peers.py" banding --threshold "$T")
        BAND_NOTE="$B bands × $R rows (datasketch's MinHashLSH choice for threshold $T, 128 permutations)"
    fi

    for tool in baseline datasketch rensa gaoya; do
        wants "$tool" || continue
        PAIRS="$DIR/$tool.pairs.jsonl"
        # rensa and gaoya parallelise with rayon; datasketch is single-threaded.
        run_tool "$tool" "$DIR/$tool.stdout" env RAYON_NUM_THREADS=2 "$PY" "$HERE/peers.py" "$tool" "$INPUT" \
            --threshold "$T" --bands "$B" --rows "$R" -o "$PAIRS"
    done

    if wants nearcopy; then
        PAIRS="$DIR/nearcopy.json"
        if [[ $NEARCOPY_OK -eq 1 ]]; then
            ARGS=(scan "$INPUT" --threshold "$T" --shingle 5 --perms 128 --format json --threads 2 --no-passages)
            [[ -z "$BANDS" ]] || ARGS+=(--bands "$BANDS" --rows "$ROWS")
            if [[ $NEARCOPY_HAS_O -eq 1 ]]; then
                run_tool nearcopy "$DIR/nearcopy.stdout" "$NEARCOPY" "${ARGS[@]}" -o "$PAIRS"
            else
                run_tool nearcopy "$PAIRS" "$NEARCOPY" "${ARGS[@]}"
            fi
        else
            "$PY" "$HERE/score.py" row --tool nearcopy --threshold "$T" --stats "$TMP/stats.json" \
                --error "skipped: no working nearcopy scan (see the messages above)" >> "$DIR/rows.jsonl"
        fi
    fi

    NEARCOPY_NOTE=""
    if [[ -s "$DIR/nearcopy.json" ]]; then
        NEARCOPY_NOTE=" $("$PY" "$HERE/score.py" describe "$DIR/nearcopy.json" 2>/dev/null || true)"
    fi
    LOAD="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")"
    NOTES=(
        "Corpus: $CORPUS${LIMIT:+ (first $LIMIT documents, as $NAME.jsonl in a temporary folder)}: $DOCS documents, $MB MB of text (MB = 10^6 bytes of UTF-8 \`text\`)."
        "$TRUTH_NOTE: $NTRUTH pairs with Jaccard ≥ $T."
        "Peers: 5-word shingles (NFKC, lowercase, \\w+), LSH $BAND_NOTE; datasketch single-threaded, rensa and gaoya on 2 rayon threads; nearcopy --threads 2.$NEARCOPY_NOTE"
        "Seconds and peak RSS: whole process, from \`/usr/bin/time -v\`$([[ $REPEAT -eq 1 ]] || echo " (median seconds and largest RSS of $REPEAT runs)"); the peers' figures include the Python start-up, JSON reading and shingling shown by the baseline row."
        "Versions: $VERSIONS; nearcopy $NEARCOPY_REV. Machine: $MACHINE; load average $LOAD after the runs."
        ""
        "Commands:"
        "${COMMANDS[@]}"
    )
    TITLE="\`$INVOCATION\` — threshold $T"
    NOTE_ARGS=()
    for n in "${NOTES[@]}"; do NOTE_ARGS+=(--note "$n"); done
    MD="$OUT/compare-$NAME-$T.md"
    "$PY" "$HERE/score.py" table "$DIR/rows.jsonl" --title "$TITLE" "${NOTE_ARGS[@]}" > "$MD"
    echo
    cat "$MD"
    say "written $MD"
done
