#!/usr/bin/env bash
# Build the benchmarks (Release: CMake's -O3 -DNDEBUG, no -march) and run every
# implementation on every workload, each workload in its own process (so its peak RSS is its
# own), REPS timed repetitions after one warm-up; print the table and write JSON lines.
#   bench/run.sh [OUT.jsonl]        (env: REPS=5, BUILD=build-bench, QUICK=1 for tiny sizes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build-bench}
out=${1:-$build/bench-results.jsonl}
reps=${REPS:-5}
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
for workload in w1 w2 w3; do
  for impl in hand ours; do
    "$build/bench/autodiff_bench" --workload $workload --impl $impl --reps "$reps" $quick >>"$out.raw"
  done
  if [ -x "$build/bench/autodiff_bench_adolc" ]; then
    for impl in adolc-rerecord adolc-replay; do
      "$build/bench/autodiff_bench_adolc" --workload $workload --impl $impl --reps "$reps" $quick >>"$out.raw"
    done
  else
    echo "ADOL-C not built (libadolc-dev missing): skipped" >&2
  fi
done

python3 - "$out.raw" "$out" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
by = {(r["workload"], r["impl"]): r for r in rows}
results = {}
fmt = "{:<15} {:<18} {:>12} {:>8} {:>9} {:>11} {:>9} {:>22}"
print(fmt.format("impl", "workload", "ns/unit", "x hand", "x ADOL-C", "bytes/node", "RSS MB", "result"))
with open(sys.argv[2], "w") as out:
    for r in rows:
        hand = by[(r["workload"], "hand")]["ns_per_unit"]
        adolc = by.get((r["workload"], "adolc-rerecord"))
        r["ratio_to_hand"] = r["ns_per_unit"] / hand
        r["ratio_to_adolc"] = r["ns_per_unit"] / adolc["ns_per_unit"] if adolc else None
        out.write(json.dumps({k: r[k] for k in ("impl", "workload", "ns_per_unit", "ratio_to_hand",
              "ratio_to_adolc", "bytes_per_node", "peak_rss_mb", "result", "allocs_per_unit")}) + "\n")
        print(fmt.format(r["impl"], r["workload"], "%.4g" % r["ns_per_unit"], "%.2f" % r["ratio_to_hand"],
              "%.3f" % r["ratio_to_adolc"] if adolc else "-",
              "%.2f" % r["bytes_per_node"] if r["bytes_per_node"] >= 0 else "-",
              "%.1f" % r["peak_rss_mb"], "%.15g" % r["result"]))
print("ratio to ADOL-C: to ADOL-C re-recording on the same workload")
PY
rm -f "$out.raw"
echo "JSON lines: $out"
