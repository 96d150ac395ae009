#!/usr/bin/env bash
# Runs every GoogleTest program of a build under valgrind's memcheck: any invalid read or write,
# use of uninitialised memory or leak fails the run (--error-exitcode=1, --leak-check=full,
# definite and possible leaks count as errors). Each program runs once with all its tests, not
# once per test as ctest does, to pay valgrind's start-up once, and JOBS programs (default: one
# per core) at once, since valgrind runs a program on one core. Children are traced, so the CLI
# tests' runs of the `autodiff` program are checked too (through the shell of std::system; dot is skipped).
#
# Skipped: allocation_test (it replaces operator new itself), Tape.TenMillionOperationChain (10^7 nodes: minutes under valgrind, and it exercises
# the same code as the short chains), Ids.ATapeOfMoreThanOneChunk (2^23 nodes, 256 MiB of tape, for
# the same reason), Io.AnEndlessNetworkFileIsTooLarge (it reads 256 MiB, the
# cap, from /dev/zero; File.ReadStopsAtTheCap runs the same code with a small cap), Scale.* (the
# 300×300 network, 90,601 parameters: seconds under valgrind; the 40×30 network of Net.* checks
# the same sampling) and LongRun.* (a run stopped by timeout after seconds, to see its estimate
# and progress); the install test is a CMake script, not a program.
# The property tests run 100 cases per property here instead of thousands (RC_PARAMS): under
# valgrind each case costs ~50 times more, and the sanitizer and normal runs do the thousands.
#
#   tests/memcheck.sh [BUILD_DIR]      # default: build (a normal, non-sanitizer build)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
if grep -q "AUTODIFF_SANITIZE:BOOL=ON" "$build/CMakeCache.txt" 2>/dev/null; then
  echo "memcheck: $build is a sanitizer build; valgrind needs a normal one" >&2
  exit 2
fi
# Skipped here, run in the Release and ASan+UBSan stages: sizes that take minutes under valgrind
# (10^7 operations, 256 MiB reads, 30,000-term sums, 10,000-step histories, a 60,000-letter
# name), whose code paths the small tests cover; CI stays under 30 minutes.
skip='Tape.TenMillionOperationChain:Ids.ATapeOfMoreThanOneChunk:Io.AnEndlessNetworkFileIsTooLarge:Escape.AnEndlessFileIsRefusedWithinTheCapsMemory:Scale.*:LongRun.*'
skip+=':Check.AFlatSumOfManyTerms:Grad.AFlatSumOfManyTermsIsNotNesting:Grad.AVeryLongNameIsNamedBrieflyAndAtOnce'
skip+=':History.TenThousandStepsAreEveryStep:History.BeyondTenThousandStepsAStrideAndTheLast:History.TheReadmesCurveIsTheProgramsOutput'

# The test programs ctest knows, each once.
mapfile -t programs < <(ctest --test-dir "$build" --show-only=json-v1 | python3 -c '
import json, sys
seen = []
for test in json.load(sys.stdin)["tests"]:
    command = test.get("command") or []
    if command and command[0].endswith("_test") and command[0] not in seen:
        seen.append(command[0])
print("\n".join(seen))')

# One program under valgrind; its verdict in a line, and a .failed file beside its log if not clean.
check() {
  local program=$1 name log start
  name=$(basename "$program")
  log="$build/memcheck-$name.log"
  rm -f "$log.failed"
  start=$SECONDS
  # Run from the program's folder, as ctest does (gtest_discover_tests' WORKING_DIRECTORY).
  if (cd "$(dirname "$program")" && RC_PARAMS="max_success=100" \
      valgrind --quiet --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,possible \
        --errors-for-leak-kinds=definite,possible --track-origins=yes \
        --trace-children=yes --trace-children-skip='*/dot,*/rm,*/cat,*/mkdir' \
        "$program" --gtest_filter="-$skip" --gtest_brief=1) > "$log" 2>&1; then
    echo "memcheck: $name clean ($((SECONDS - start)) s)"
  else
    touch "$log.failed"
    { echo "memcheck: $name FAILED ($((SECONDS - start)) s): $log"
      grep -E "^==[0-9]+== (Invalid|Conditional|Use of|[0-9,]+ bytes in)|FAILED" "$log" | head -10
    } | sed "s|^|[$name] |"
  fi
}

# Valgrind runs a program on one core: JOBS of them at once (default: the machine's cores).
jobs=${JOBS:-$(nproc)}
for program in "${programs[@]}"; do
  # allocation_test replaces operator new to count calls; valgrind replaces it too, and the two
  # together report mismatched new/free that are the harness's, not the engine's.
  if [ "$(basename "$program")" = allocation_test ]; then
    echo "memcheck: allocation_test skipped (it replaces operator new, as valgrind does)"
    continue
  fi
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
  check "$program" &
done
wait
status=0
for program in "${programs[@]}"; do
  if [ -e "$build/memcheck-$(basename "$program").log.failed" ]; then status=1; fi
done
exit $status
