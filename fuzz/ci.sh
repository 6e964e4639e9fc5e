#!/usr/bin/env bash
# Runs every fuzz target on its committed corpus (every input once, through
# the target's oracle) and fails on a crash (a panic, a failed property or a
# sanitizer report). That is a regression test: the same commit gives the
# same answer on any machine. Exploring for new inputs is not repeatable
# (a seeded run still depends on thread timing), so CI does it only when
# asked; open-ended runs are for developers (fuzz/README.md).
#
#   fuzz/ci.sh                      # the corpus of each target
#   FUZZ_RUNS=3000 fuzz/ci.sh       # then 3,000 new inputs per target
#
# Needs a nightly toolchain (cargo-fuzz builds with the address sanitizer);
# without one it says so and succeeds, so CI on stable stays green.
set -euo pipefail

cd "$(dirname "$0")"
runs="${FUZZ_RUNS:-0}"
# A ceiling only: on a slow machine a run stops here instead of hanging CI.
seconds="${FUZZ_SECONDS:-300}"
targets=(jsonl_reader tokenizer passages truth_reader)

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "skipping fuzz: no nightly toolchain (rustup toolchain install nightly)"
    exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

cargo +nightly fuzz build
status=0
for t in "${targets[@]}"; do
    echo "== fuzz $t: the corpus, then $runs new inputs from seed 1"
    # New inputs go to a scratch directory: the committed corpus is only
    # read. Leak checking is off because targets that spawn threads (the
    # input reader) report thread-local destructors as leaks.
    scratch="$(mktemp -d)"
    if ! cargo +nightly fuzz run "$t" "$scratch" "corpus/$t" -- \
        -seed=1 -runs="$runs" -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=8192 \
        -detect_leaks=0 -print_final_stats=1; then
        echo "fuzz $t: FAILED (the input is in fuzz/artifacts/$t/)"
        status=1
    fi
    rm -rf "$scratch"
done
exit $status
