#!/usr/bin/env bash
# Instructions per unit (W1 step, W2 sample, W3 link) of the hand-coded gradient and ours, counted
# by valgrind (cachegrind, no cache simulation; this VM has no hardware counters for perf stat).
# Unlike times they do not move with the load of the machine. Each program runs at --quick (one
# run per repetition) with 1 and then 3 repetitions: the difference is exactly two runs of the
# workload, without the start-up, the warm-up run or the check against the hand-coded result.
#   bench/instructions.sh [BUILD_DIR]   (env: WORKLOADS="w1 w2 w3", IMPLS="hand ours",
#                                        SIZES="w1:10000 w2:32 w3:100000": steps, batch, links)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
program=$build/bench/autodiff_bench
[ -x "$program" ] || { echo "no $program: build it first (see docs/performance.md)" >&2; exit 2; }
sizes=${SIZES:-w1:10000 w2:32 w3:100000}

# Instructions of one process: valgrind's "I refs" total.
count() {
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    sed -n 's/.*I *refs: *//p' | tr -d ,
}
printf '%-4s %-5s %8s %18s\n' workload impl size "instructions/unit"
for w in ${WORKLOADS:-w1 w2 w3}; do
  size=$(tr ' ' '\n' <<<"$sizes" | sed -n "s/^$w://p")
  for impl in ${IMPLS:-hand ours}; do
    args=(--workload "$w" --impl "$impl" --quick --size "$size")
    one=$(count "$program" "${args[@]}" --reps 1)
    three=$(count "$program" "${args[@]}" --reps 3)
    printf '%-8s %-5s %8s %18.1f\n' "$w" "$impl" "$size" "$(bc -l <<<"($three - $one) / (2 * $size)")"
  done
done
