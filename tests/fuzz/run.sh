#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (AddressSanitizer + UndefinedBehaviorSanitizer) in a
# build directory of their own and runs each for a bounded time on a copy of the committed seed
# corpus. Exit status non-zero when a fuzzer finds a crash, a leak, a timeout or runs out of
# memory; the input that did it is left in $BUILD/artifacts/: copy it to
# tests/fuzz/regressions/<target>/ (the replay test then runs it in every build) and fix the bug.
#
#   tests/fuzz/run.sh                     # 60 s per target, both targets at once
#   FUZZ_SECONDS=10 tests/fuzz/run.sh     # shorter
#   FUZZ_BUILD_DIR=/tmp/f tests/fuzz/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${FUZZ_SECONDS:-60}"
build="${FUZZ_BUILD_DIR:-$here/../../build-fuzz}"

cmake -S "$here" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$build" -j2

# One target for the bounded time; its verdict in a line or two.
fuzz() {
  local target=$1 corpus="$build/corpus/$1"  # grows as the fuzzer finds paths; seeds stay clean
  mkdir -p "$corpus" "$build/artifacts"
  cp -n "$here/corpus/$target/"* "$corpus/"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: memory blow-ups are bugs too.
  if ! UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
    "$build/${target}_fuzzer" "$corpus" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/${target}-" \
    2> "$build/${target}_fuzzer.log"; then
    echo "${target}_fuzzer FAILED: see $build/${target}_fuzzer.log and $build/artifacts/"
    grep -E "ERROR|SUMMARY|Test unit written" "$build/${target}_fuzzer.log" | head -20
    return 1
  fi
  echo "${target}_fuzzer, ${seconds} s: $(grep -E "stat::number_of_executed_units" \
    "$build/${target}_fuzzer.log" | tail -1)"
}

# Both at once: a fuzzer runs on one core.
fuzz expression & expression=$!
fuzz network & network=$!
status=0
wait "$expression" || status=1
wait "$network" || status=1
exit $status
