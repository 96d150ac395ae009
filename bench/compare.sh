#!/usr/bin/env bash
# Before and after a change, in one sitting: two autodiff_bench binaries (e.g. one built at the
# commit before, one at the commit after), each workload's hand-coded gradient, then the before
# and after engine, back to back in every round, each in its own process. Prints each round's
# ratios (engine / hand-coded) and their medians, so a machine's slow spell moves both sides.
#   bench/compare.sh BEFORE/autodiff_bench AFTER/autodiff_bench   (env: ROUNDS=7, REPS=5,
#                                                                    WORKLOADS="w1 w2 w3")
set -euo pipefail
before=$(realpath "$1") after=$(realpath "$2")
cd "$(mktemp -d)"
ns() { "$@" | sed 's/.*"ns_per_unit": \([0-9.e+-]*\).*/\1/'; }
for round in $(seq "${ROUNDS:-7}"); do
  for w in ${WORKLOADS:-w1 w2 w3}; do
    hand=$(ns "$after" --workload "$w" --impl hand --reps "${REPS:-5}")
    b=$(ns "$before" --workload "$w" --impl ours --reps "${REPS:-5}")
    a=$(ns "$after" --workload "$w" --impl ours --reps "${REPS:-5}")
    echo "$w $round $hand $b $a"
  done
done | awk '
  { print "round " $2 " " $1 ": before/hand " $4 / $3 ", after/hand " $5 / $3
    n[$1]++; rb[$1, n[$1]] = $4 / $3; ra[$1, n[$1]] = $5 / $3 }
  function median(r, w, k,   i, j, t, v) {
    for (i = 1; i <= k; i++) v[i] = r[w, i]
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
  }
  END { for (w in n) printf "%s: median before/hand %.3f, after/hand %.3f\n", w, median(rb, w, n[w]), median(ra, w, n[w]) }'
