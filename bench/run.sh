#!/usr/bin/env bash
# Build the benchmarks (Release: CMake's -O3 -DNDEBUG, no -march) and run every
# implementation on every workload, each in its own process (so its peak RSS is its own), REPS
# timed repetitions after one warm-up; all of that ROUNDS times, the implementations of a
# workload one after another in each round. A ratio is the median over the rounds of the ratio
# within a round, so that a slow spell of the (shared, virtual) machine, which lasts seconds,
# moves both sides of a ratio together. Prints the table and writes JSON lines.
#   bench/run.sh [OUT.jsonl]   (env: REPS=5, ROUNDS=3, WORKLOADS="w1 w2 w3", BUILD=build-bench,
#                               QUICK=1 for tiny sizes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build-bench}
out=${1:-$build/bench-results.jsonl}
reps=${REPS:-5}
rounds=${ROUNDS:-3}
workloads=${WORKLOADS:-w1 w2 w3}
quick=${QUICK:+--quick}

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
targets=(autodiff_bench)
[ -n "$(grep -s ADOLC_LIBRARY:FILEPATH=/ "$build/CMakeCache.txt")" ] && targets+=(autodiff_bench_adolc)
cmake --build "$build" --target "${targets[@]}" -j2 >/dev/null

# ADOL-C writes trace files to the working directory when a trace outgrows its buffers.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
: >"$out.raw"
[ -x "$build/bench/autodiff_bench_adolc" ] || echo "ADOL-C not built (libadolc-dev missing): skipped" >&2
impls() {
  case $1 in
    w2h) echo grad grad+hvp backward hvp ;;
    w1 | w3) echo hand ours replay ;;  # replay: recorded once as an ad::Function (issue 16)
    w2) echo hand ours threads1 threads2 ;;  # ad::batch_gradient on 1 and 2 threads (issue 16)
    *) echo hand ours ;;
  esac
}
for workload in $workloads; do
  for round in $(seq "$rounds"); do
    for impl in $(impls $workload); do
      "$build/bench/autodiff_bench" --workload $workload --impl $impl --reps "$reps" $quick >>"$out.raw"
    done
    if [ -x "$build/bench/autodiff_bench_adolc" ] && [[ $workload != *h ]]; then
      for impl in adolc-rerecord adolc-replay; do
        "$build/bench/autodiff_bench_adolc" --workload $workload --impl $impl --reps "$reps" $quick >>"$out.raw"
      done
    fi
  done
done

python3 - "$out.raw" "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
runs = {}  # (workload, impl) -> one row per round, in order
# What each implementation is compared with: the hand-coded one, except on W2h.
bases = {("W2h mlp-hvp", impl): base for impl, base in
         (("grad", "grad"), ("grad+hvp", "grad"), ("backward", "backward"), ("hvp", "backward"))}
# The batch on 2 threads against the same on 1 (wall-clock time, both).
bases[("W2 mlp", "threads2")] = "threads1"
for r in rows:
    runs.setdefault((r["workload"], r["impl"]), []).append(r)
def ratios(workload, impl, to):
    return [a["ns_per_unit"] / b["ns_per_unit"]
            for a, b in zip(runs[(workload, impl)], runs[(workload, to)])]
def ratio(workload, impl, to):
    if (workload, to) not in runs:
        return None
    return statistics.median(ratios(workload, impl, to))
fmt = "{:<15} {:<20} {:>12} {:>8} {:>13} {:>9} {:>11} {:>9} {:>9} {:>22}"
print(fmt.format("impl", "workload", "ns/unit", "x base", "range", "x ADOL-C", "bytes/node",
                 "RSS MB", "tape MB", "result"))
with open(sys.argv[2], "w") as out:
    for (workload, impl), rs in runs.items():
        r = dict(rs[0])
        r["ns_per_unit"] = statistics.median(x["ns_per_unit"] for x in rs)
        r["peak_rss_mb"] = max(x["peak_rss_mb"] for x in rs)
        r["ratio_to_hand"] = ratio(workload, impl, "hand")
        r["ratio_to_adolc"] = ratio(workload, impl, "adolc-rerecord")
        r["base"] = bases.get((workload, impl), "hand")
        r["ratio_to_base"] = ratio(workload, impl, r["base"])
        within = ratios(workload, impl, r["base"]) if r["ratio_to_base"] is not None else None
        r["ratio_to_base_range"] = [min(within), max(within)] if within else None
        r["rounds"] = len(rs)
        out.write(json.dumps({k: r[k] for k in ("impl", "workload", "ns_per_unit", "ratio_to_hand",
              "ratio_to_adolc", "base", "ratio_to_base", "ratio_to_base_range", "bytes_per_node",
              "peak_rss_mb", "tape_mb", "result", "allocs_per_unit", "rounds")}) + "\n")
        base = r["ratio_to_base"]
        print(fmt.format(impl, workload, "%.4g" % r["ns_per_unit"],
              "%.2f" % base if base is not None else "-",
              "%.2f-%.2f" % tuple(r["ratio_to_base_range"]) if base is not None else "-",
              "%.3f" % r["ratio_to_adolc"] if r["ratio_to_adolc"] is not None else "-",
              "%.2f" % r["bytes_per_node"] if r["bytes_per_node"] >= 0 else "-",
              "%.1f" % r["peak_rss_mb"], "%.4g" % r["tape_mb"] if r.get("tape_mb", -1) >= 0 else "-",
              "%.15g" % r["result"]))
print("RSS MB: peak resident set of the process (MiB), read before the hand-coded reference "
      "runs; tape MB: tape.bytes_used() (MiB). ns/unit: median over the rounds; x base, x ADOL-C: median over the rounds of the ratio "
      "within a round, range: its least and greatest (base: hand-coded; on W2h grad+hvp to grad, "
      "hvp to backward; W2 threads2 to threads1, both wall-clock time; x ADOL-C: to ADOL-C re-recording)")
PY
rm -f "$out.raw"
echo "JSON lines: $out"
