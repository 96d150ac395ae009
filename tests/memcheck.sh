#!/usr/bin/env bash
# Runs every GoogleTest program of a build under valgrind's memcheck: any invalid read or write,
# use of uninitialised memory or leak fails the run (--error-exitcode=1, --leak-check=full,
# definite and possible leaks count as errors). The CLI tests' runs of the `autodiff` program are
# checked too: each under valgrind of its own, named by AUTODIFF_CLI_WRAPPER, its report in
# memcheck-children/ (tracing children instead ran the shell of std::system under valgrind as
# well, about a second a run; the shell and dot are not checked).
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
#   tests/memcheck.sh [BUILD_DIR [PROGRAMS]]  # default: build (a normal, non-sanitizer build),
#                                             # every test program (else those PROGRAMS matches)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
export PROGRAMS="${2:-.}"
if grep -q "AUTODIFF_SANITIZE:BOOL=ON" "$build/CMakeCache.txt" 2>/dev/null; then
  echo "memcheck: $build is a sanitizer build; valgrind needs a normal one" >&2
  exit 2
fi
skip='Tape.TenMillionOperationChain:Ids.ATapeOfMoreThanOneChunk:Io.AnEndlessNetworkFileIsTooLarge:Escape.AnEndlessFileIsRefusedWithinTheCapsMemory:Scale.*:LongRun.*'
skip+=':Check.AFlatSumOfManyTerms:Check.TwoThousandVariables:Grad.AHessianPastTheLimitIsRefusedAndOneAtItIsComputed'
skip+=':Grad.AFlatSumOfManyTermsIsNotNesting:Grad.AVeryLongNameIsNamedBrieflyAndAtOnce'
skip+=':Io.AResultThatCannotBeWrittenToStandardErrorIsExitStatus4'  # 2>&-: valgrind itself needs fd 2 (exit 127)
# >&-: the wrapper's valgrind opens its --log-file as the lowest free descriptor, the closed
# standard output, and the program's output then goes into the log
skip+=':Io.OutputThatCannotBeWrittenIsExitStatus4'
skip+=':Check.VerdictAtEveryMagnitude:Check.MatchesToItsDigitsMeansSignificantDigitsOfTheEnginesValue'
skip+=':HtmlBrowser.*'  # Chromium, not our code (and minutes under valgrind); Html.* run here
skip+=':History.TenThousandStepsAreEveryStep:History.BeyondTenThousandStepsAStrideAndTheLast:History.TheReadmesCurveIsTheProgramsOutput'

# The test programs ctest knows, each once, as jobs "PROGRAM SHARD SHARDS": the CLI tests that
# run the program hundreds of times (about a second each under valgrind) split in shards, and
# the longest first, so that the cores finish together.
mapfile -t jobs_list < <(ctest --test-dir "$build" --show-only=json-v1 | python3 -c '
import json, os, re, sys
shards = {"check_test": 4, "grad_test": 3, "net_test": 3, "io_test": 2, "history_test": 2}
seen = []
for test in json.load(sys.stdin)["tests"]:
    command = test.get("command") or []
    if command and command[0].endswith("_test") and command[0] not in seen \
            and re.search(os.environ["PROGRAMS"], os.path.basename(command[0])):
        seen.append(command[0])
# diagnosis_test is one program of about two minutes under valgrind: it goes first of all.
seen.sort(key=lambda p: (os.path.basename(p) != "diagnosis_test", -shards.get(os.path.basename(p), 1)))
for p in seen:
    n = shards.get(os.path.basename(p), 1)
    for k in range(n):
        print(p, k, n)')

# valgrind as every program runs under it: the test programs, and through AUTODIFF_CLI_WRAPPER
# (tests/cli/run_cli.hpp) each run of `autodiff` they make, without the shell between them.
memcheck=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,possible
  --errors-for-leak-kinds=definite,possible --track-origins="${TRACK_ORIGINS:-no}")

# One shard of a program under valgrind; its verdict in a line, and a .failed file beside its log
# if not clean.
check() {
  local program=$1 shard=$2 shards=$3 name log start
  name=$(basename "$program")
  [ "$shards" -gt 1 ] && name+=" (shard $((shard + 1)) of $shards)"
  log="$build/memcheck-$(basename "$program")-$shard.log"
  rm -f "$log.failed"
  start=$SECONDS
  # Each run of the `autodiff` program under its own valgrind, its report in a file of its own.
  children="$(cd "$build" && pwd)/memcheck-children/$(basename "$program")-$shard"
  rm -rf "$children" && mkdir -p "$children"
  # Run from the program's folder, as ctest does (gtest_discover_tests' WORKING_DIRECTORY).
  if (cd "$(dirname "$program")" && RC_PARAMS="max_success=100" \
      GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$shard \
      AUTODIFF_CLI_WRAPPER="${memcheck[*]} --error-exitcode=99 --log-file=$children/%p.log" \
      "${memcheck[@]}" --error-exitcode=1 "$program" --gtest_filter="-$skip" --gtest_brief=1) \
      > "$log" 2>&1 && ! find "$children" -type f -size +0 | grep -q .; then
    echo "memcheck: $name clean ($((SECONDS - start)) s)"
  else
    touch "$log.failed"
    { echo "memcheck: $name FAILED ($((SECONDS - start)) s): $log"
      grep -hE "^==[0-9]+== (Invalid|Conditional|Use of|[0-9,]+ bytes in)|FAILED" \
        $(find "$children" -type f -size +0) "$log" | head -10
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
