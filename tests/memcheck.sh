#!/usr/bin/env bash
# Runs every GoogleTest program of a build under valgrind's memcheck: any invalid read or write,
# use of uninitialised memory or leak fails the run (--error-exitcode=1, --leak-check=full,
# definite and possible leaks count as errors). Children are traced, so the CLI tests' runs of
# the `autodiff` program are checked too (through the shell of std::system; dot is skipped).
# Each program runs with all its tests in one process, not once per test as ctest does, to pay
# valgrind's start-up once; the programs that run the CLI hundreds of times are split into
# shards (GTEST_TOTAL_SHARDS), and JOBS shards (default: one per core) run at once, longest
# first, since valgrind runs a program on one core.
#
# Where an uninitialised value came from is not tracked (it doubles the run time); to find it
# after a failure, run again with TRACK_ORIGINS=yes.
#
# Skipped: allocation_test (it replaces operator new itself); sizes that take minutes under
# valgrind and whose code paths the small tests cover (10^7 operations, a tape of 2^23 nodes,
# 256 MiB reads from /dev/zero, 30,000-term sums, 2,000 variables, a 2,000-row Hessian,
# 10,000-step histories, a 60,000-letter name, the 300×300 network of Scale.*, the timed-out
# runs of LongRun.*); and the tables of verdicts that run the same command at many magnitudes or
# digit counts (Check.VerdictAtEveryMagnitude, Check.MatchesToItsDigits...): their arithmetic is
# checked in the Release and ASan+UBSan stages, and one run of the same command is as good as 36
# for memory errors. The install test is a CMake script, not a program. The property tests run
# 100 cases per property here instead of thousands (RC_PARAMS): under valgrind each case costs
# ~50 times more.
#
#   tests/memcheck.sh [BUILD_DIR]      # default: build (a normal, non-sanitizer build)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
if grep -q "AUTODIFF_SANITIZE:BOOL=ON" "$build/CMakeCache.txt" 2>/dev/null; then
  echo "memcheck: $build is a sanitizer build; valgrind needs a normal one" >&2
  exit 2
fi
skip='Tape.TenMillionOperationChain:Ids.ATapeOfMoreThanOneChunk:Io.AnEndlessNetworkFileIsTooLarge:Escape.AnEndlessFileIsRefusedWithinTheCapsMemory:Scale.*:LongRun.*'
skip+=':Check.AFlatSumOfManyTerms:Check.TwoThousandVariables:Grad.AHessianPastTheLimitIsRefusedAndOneAtItIsComputed'
skip+=':Grad.AFlatSumOfManyTermsIsNotNesting:Grad.AVeryLongNameIsNamedBrieflyAndAtOnce'
skip+=':Io.AResultThatCannotBeWrittenToStandardErrorIsExitStatus4'  # 2>&-: valgrind itself needs fd 2 (exit 127)
skip+=':Check.VerdictAtEveryMagnitude:Check.MatchesToItsDigitsMeansSignificantDigitsOfTheEnginesValue'
skip+=':HtmlBrowser.*'  # Chromium, not our code (and minutes under valgrind); Html.* run here
skip+=':History.TenThousandStepsAreEveryStep:History.BeyondTenThousandStepsAStrideAndTheLast:History.TheReadmesCurveIsTheProgramsOutput'

# The test programs ctest knows, each once, as jobs "PROGRAM SHARD SHARDS": the CLI tests that
# run the program hundreds of times (about a second each under valgrind) split in shards, and
# the longest first, so that the cores finish together.
mapfile -t jobs_list < <(ctest --test-dir "$build" --show-only=json-v1 | python3 -c '
import json, os, sys
shards = {"check_test": 4, "grad_test": 3, "net_test": 3, "io_test": 2, "history_test": 2}
seen = []
for test in json.load(sys.stdin)["tests"]:
    command = test.get("command") or []
    if command and command[0].endswith("_test") and command[0] not in seen:
        seen.append(command[0])
seen.sort(key=lambda p: -shards.get(os.path.basename(p), 1))
for p in seen:
    n = shards.get(os.path.basename(p), 1)
    for k in range(n):
        print(p, k, n)')

# One shard of a program under valgrind; its verdict in a line, and a .failed file beside its log
# if not clean.
check() {
  local program=$1 shard=$2 shards=$3 name log start
  name=$(basename "$program")
  [ "$shards" -gt 1 ] && name+=" (shard $((shard + 1)) of $shards)"
  log="$build/memcheck-$(basename "$program")-$shard.log"
  rm -f "$log.failed"
  start=$SECONDS
  # Run from the program's folder, as ctest does (gtest_discover_tests' WORKING_DIRECTORY).
  if (cd "$(dirname "$program")" && RC_PARAMS="max_success=100" \
      GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$shard \
      valgrind --quiet --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,possible \
        --errors-for-leak-kinds=definite,possible --track-origins="${TRACK_ORIGINS:-no}" \
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

rm -f "$build"/memcheck-*.log "$build"/memcheck-*.log.failed
# Valgrind runs a program on one core: JOBS of them at once (default: the machine's cores).
jobs=${JOBS:-$(nproc)}
for job in "${jobs_list[@]}"; do
  read -r program shard shards <<< "$job"
  # allocation_test replaces operator new to count calls; valgrind replaces it too, and the two
  # together report mismatched new/free that are the harness's, not the engine's.
  if [ "$(basename "$program")" = allocation_test ]; then
    echo "memcheck: allocation_test skipped (it replaces operator new, as valgrind does)"
    continue
  fi
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
  check "$program" "$shard" "$shards" &
done
wait
if compgen -G "$build/memcheck-*.log.failed" > /dev/null; then exit 1; fi
