#!/usr/bin/env bash
# Shows that check_docs.sh catches drift: README.md as it is passes; each copy of it with one
# character changed (in a command's output, an exit status, the example's output, the excerpt of
# its source) or with an unmarked block added fails, with exactly one failure named by file and
# line. Usage: drift_test.sh ROOT NAME=PROGRAM...
set -uo pipefail
root=$(cd "$1" && pwd)
shift
here=$(dirname "$0")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0

check() {  # NAME=PROGRAM...: runs the checker on $copy, its report in $scratch/report
  bash "$here/check_docs.sh" "$root" "$@" -- "$copy" > "$scratch/report" 2>&1
}

# The copy of README.md with one character changed in the first line of the first block whose
# opening fence (or the marker before it) matches PATTERN, counting SKIP lines into the block.
mutate() {  # PATTERN SKIP
  awk -v pattern="$1" -v skip="$2" '
    !done && (prev ~ pattern || $0 ~ pattern) && /^```/ { target = NR + skip }
    NR == target && !done {
      last = substr($0, length($0), 1)
      $0 = substr($0, 1, length($0) - 1) (last == "0" ? "1" : "0"); done = 1
    }
    /[^ ]/ { prev = $0 }
    { print }' "$root/README.md"
}

expect_failure() {  # WHAT
  if check "$@"; then
    echo "FAIL: $what: the check passed"; status=1
  elif ! grep -q "^$copy:[0-9]*: " "$scratch/report" || ! grep -q ', 1 failures$' "$scratch/report"; then
    echo "FAIL: $what: expected exactly one failure named by file and line:"; cat "$scratch/report"
    status=1
  else
    echo "ok: $what is caught:"; sed 's/^/  /' "$scratch/report"
  fi
}

copy="$scratch/README.md"
cp "$root/README.md" "$copy"
if ! check "$@"; then echo "FAIL: README.md itself does not pass:"; cat "$scratch/report"; exit 1; fi

what="one character of a command's output";   mutate '^```console' 2 > "$copy"; expect_failure "$@"
what="one character of the example's output"; mutate '^<!-- docs: output of' 1 > "$copy"; expect_failure "$@"
what="one character of the example's source"; mutate '^<!-- docs: excerpt of' 1 > "$copy"; expect_failure "$@"
what="an exit status"
sed '0,/^\[exit [0-9]*\]$/s//[exit 0]/' "$root/README.md" > "$copy"
cmp -s "$copy" "$root/README.md" && { echo "FAIL: README.md shows no [exit N] line"; status=1; }
expect_failure "$@"
what="a block without a marker"
{ cat "$root/README.md"; printf '\n```text\nan output nobody checks\n```\n'; } > "$copy"
expect_failure "$@"
# Ways a wrong text could pass if the checker allowed them (a hostile review found each).
add() {  # WHAT TEXT: a document of TEXT alone must fail once (README.md's blocks, which pass,
  what=$1  # are not run again for each)
  printf '%s\n' "$2" > "$copy"
  expect_failure "${programs[@]}"
}
programs=("$@")
add "a console block marked not run" $'<!-- docs: not run -->\n```console\n$ autodiff grad x --at x=1\nvalue = 42\n```'
add "a pipe that hides the program's output" $'```console\n$ autodiff grad \'x^\' --at x=1 2>&1 | true\n```'
add "an output of only ..." $'```console\n$ autodiff grad \'x^\' --at x=1\n...\n```'
add "a ~~~ fence" $'~~~console\n$ autodiff grad x --at x=1\nvalue = 42\n~~~'
add "a ci marker nothing runs" $'<!-- ci: nothing -->\n```sh\nfalse\n```'
add "a line indented less than its fence" $'  ```console\n  $ autodiff grad x --at x=1\nXXvalue = 1\n  ```'
exit $status
