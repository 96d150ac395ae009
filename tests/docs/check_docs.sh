#!/usr/bin/env bash
# Checks every fenced block of the given Markdown files against the built programs, so the
# documentation and the program cannot drift apart. Usage:
#   check_docs.sh ROOT NAME=PROGRAM... -- FILE.md...
# ROOT is the repository (examples/... and excerpted files are read from it); each NAME=PROGRAM
# makes PROGRAM callable as NAME in the commands (e.g. autodiff=build/cli/autodiff).
#
# What each block must be (the marker is the last non-blank line before the opening fence):
#   ```console            lines "$ COMMAND" each followed by its exact output (stdout and stderr
#                         as a terminal shows them); a last line "[exit N]" when the status is
#                         not 0; a line "..." (indented or not) stands for any number of lines
#                         (a block's output must hold more than "..."). One command per line,
#                         without pipes, redirections or ';' (outside single quotes): the test
#                         compares what the program itself prints. Each block runs in a fresh
#                         copy of ROOT (without .git and build*), `autodiff` first on PATH, so a
#                         block can neither change the sources nor see another block's files.
#   <!-- docs: excerpt of PATH -->   the block's lines appear consecutively in ROOT/PATH.
#   <!-- docs: output of NAME -->    the block is exactly what program NAME prints (status 0).
#   <!-- docs: not run ... -->       not checked (a file-format excerpt, a CMake snippet, ...);
#                                    only on sh, cmake, cpp, json, text, dot blocks.
#   <!-- ci: demo|test -->           an sh block run by .ci/run (the README's set-up commands).
# Any other block fails the test: an unchecked block has to say so. Fences are ``` (a ~~~
# fence fails), and a block's lines are indented at least as its fence.
set -uo pipefail

root=$(cd "$1" && pwd)
shift
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/bin" "$scratch/work"
while [[ $# -gt 0 && $1 != -- ]]; do
  ln -s "$(realpath "${1#*=}")" "$scratch/bin/${1%%=*}"
  shift
done
shift
# A fresh copy of the sources for a block to run in.
fresh_work() {
  rm -rf "$scratch/work" && mkdir "$scratch/work" &&
    find "$root" -mindepth 1 -maxdepth 1 ! -name .git ! -name 'build*' -exec cp -r {} "$scratch/work/" \;
}
export PATH="$scratch/bin:$PATH"
unset COLUMNS

failures=0
checked=0
ci_seen=""
fail() {  # FILE LINE MESSAGE [EXPECTED ACTUAL]
  echo "$1:$2: $3"
  if [[ $# -ge 5 ]]; then diff -u --label expected --label actual "$4" "$5" | sed 's/^/    /'; fi
  failures=$((failures + 1))
}

# Does the actual output (file $2) match the expected lines (file $1), where a line "..." in the
# expected output stands for any number of lines? Segments between "..." lines must appear in
# order; the first must start the output and the last must end it, unless "..." is there.
matches() {
  awk '
    FNR == NR { want[++ne] = $0; next }
    { have[++na] = $0 }
    # Does the segment want[s..s+len-1] equal have[p..p+len-1]?
    function at(p, s, len,   k) {
      if (p < 1 || p + len - 1 > na) return 0
      for (k = 0; k < len; k++) if (have[p + k] != want[s + k]) return 0
      return 1
    }
    END {
      pos = 1
      for (i = 1; i <= ne; i = end + 1) {
        if (want[i] ~ /^ *[.][.][.]$/) { end = i; continue }
        for (end = i; end < ne && want[end + 1] !~ /^ *[.][.][.]$/; end++) {}
        len = end - i + 1
        if (i == 1) {                       # the output starts with this segment
          if (!at(1, i, len)) exit 1
          p = 1
        } else if (end == ne) {             # the output ends with this segment
          p = na - len + 1
          if (p < pos || !at(p, i, len)) exit 1
        } else {                            # the leftmost occurrence after the previous one
          for (p = pos; p + len - 1 <= na && !at(p, i, len); p++) {}
          if (p + len - 1 > na) exit 1
        }
        pos = p + len
      }
      if (want[ne] !~ /^ *[.][.][.]$/ && pos != na + 1) exit 1   # nothing left over at the end
    }' "$1" "$2"
}

check_console() {  # FILE LINE BODY
  local file=$1 line=$2 body=$3 n=0 cmd="" cmd_line=0 i=0
  local expected="$scratch/expected" actual="$scratch/actual"
  fresh_work
  run_one() {
    local want=0 status
    if [[ -s $expected ]] && [[ $(tail -n 1 "$expected") =~ ^\[exit\ ([0-9]+)\]$ ]]; then
      want=${BASH_REMATCH[1]}
      sed -i '$d' "$expected"
    fi
    # Words and 'single-quoted words' only: no other quoting, expansion, glob, comment, pipe or
    # redirection, so the words are the program's arguments exactly (and eval only splits them).
    local words
    if [[ ! $(sed "s/'[^']*'//g" <<< "$cmd") =~ ^[A-Za-z0-9_./,=:+%@^\ -]*$ ]]; then
      fail "$file" "$cmd_line" "\$ $cmd: one command of plain or 'single-quoted' words (no pipes, redirections, other quotes or expansions)"
      return
    fi
    eval "words=($cmd)"
    if [[ ! -x $scratch/bin/${words[0]} && ! (${words[0]} == cat && ${#words[@]} -eq 2 && ! -e $root/${words[1]}) ]]; then
      fail "$file" "$cmd_line" "\$ $cmd: a command runs one of the programs given to the test (or cats a file a command before it wrote)"
      return
    fi
    if [[ -s $expected ]] && ! grep -qv '^ *[.][.][.]$' "$expected"; then
      fail "$file" "$cmd_line" "\$ $cmd: an output of only '...' checks nothing"
      return
    fi
    (cd "$scratch/work" && "${words[@]}") > "$actual" 2>&1 < /dev/null
    status=$?
    checked=$((checked + 1))
    if [[ $status -ne $want ]]; then
      fail "$file" "$cmd_line" "\$ $cmd: exit status $status, the text says $want" "$expected" "$actual"
    elif ! matches "$expected" "$actual"; then
      fail "$file" "$cmd_line" "\$ $cmd: the output differs" "$expected" "$actual"
    fi
  }
  while IFS= read -r text || [[ -n $text ]]; do
    i=$((i + 1))
    if [[ $text == '$ '* ]]; then
      [[ -n $cmd ]] && run_one
      cmd=${text#\$ }
      cmd_line=$((line + i))
      : > "$expected"
      n=$((n + 1))
    elif [[ -z $cmd ]]; then
      fail "$file" "$((line + i))" "a console block must start with a line '\$ COMMAND'"
      return
    else
      printf '%s\n' "$text" >> "$expected"
    fi
  done < "$body"
  [[ -n $cmd ]] && run_one
  [[ $n -gt 0 ]] || fail "$file" "$line" "a console block without a command"
}

check_excerpt() {  # FILE LINE BODY SOURCE
  checked=$((checked + 1))
  if [[ $4 == /* || $4 == *..* || $4 == *.md ]]; then
    fail "$1" "$2" "excerpt of $4: a source file of the repository (not a .md, not outside it)"
  elif [[ ! -f $root/$4 ]]; then
    fail "$1" "$2" "excerpt of $4: no such file"
  elif ! awk 'FNR == NR { want[++n] = $0; next } { have[++m] = $0 }
              END { for (p = 1; p + n - 1 <= m; p++) { for (k = 1; k <= n; k++)
                      if (have[p + k - 1] != want[k]) break
                    if (k > n) exit 0 }
                    exit 1 }' "$3" "$root/$4"; then
    fail "$1" "$2" "this block is not a verbatim excerpt of $4"
  fi
}

check_output() {  # FILE LINE BODY PROGRAM
  local actual="$scratch/actual" status
  checked=$((checked + 1))
  fresh_work
  (cd "$scratch/work" && "$4") > "$actual" 2>&1 < /dev/null
  status=$?
  if [[ $status -ne 0 ]]; then
    fail "$1" "$2" "$4 exited with status $status" "$3" "$actual"
  elif ! cmp -s "$3" "$actual"; then
    fail "$1" "$2" "not what $4 prints" "$3" "$actual"
  fi
}

for md in "$@"; do
  name=${md#"$root"/}
  rm -f "$scratch"/block.*
  # Split the file into blocks: block.K holds the body (de-indented), block.list one line per
  # block: K, the line of its opening fence, its language and its marker.
  awk -v dir="$scratch" '
    !inside && /^[ \t]*([-*+>]|[0-9]+[.)])[ \t>]*(```|~~~)/ { print "nested\t" FNR > (dir "/block.list"); next }
    !inside && /^ *\t[ \t]*(```|~~~)/ { print "nested\t" FNR > (dir "/block.list"); next }
    !inside && /^ *```/ {
      inside = 1; k++; indent = match($0, /[^ ]/) - 1
      lang = substr($0, indent + 4); sub(/[ \t\r]+$/, "", lang); fence_line = FNR
      print k "\t" fence_line "\t" lang "\t" marker > (dir "/block.list")
      printf "" > (dir "/block." k); next
    }
    !inside && /^ *~~~/ { if (!tilde) print "tilde\t" FNR > (dir "/block.list"); tilde = !tilde; next }
    inside && /^ *````*[ \t\r]*$/ { inside = 0; close(dir "/block." k); marker = ""; next }
    inside && /[^ ]/ && match($0, /[^ ]/) - 1 < indent {
      print "underindented\t" FNR > (dir "/block.list"); printf "" > (dir "/block." k ".bad"); next
    }
    inside { print substr($0, indent + 1) > (dir "/block." k); next }
    /[^ ]/ { text = $0; sub(/^ +/, "", text); marker = (text ~ /^<!-- .* -->$/) ? text : "" }
    END { if (inside) print "unclosed\t" fence_line > (dir "/block.list") }' "$md"
  [[ -f $scratch/block.list ]] || continue
  while IFS=$'\t' read -r k line lang marker; do
    body="$scratch/block.$k"
    [[ -f $body.bad ]] && continue  # reported as under-indented: its body is not what it shows
    if [[ $k == unclosed ]]; then
      fail "$name" "$line" "a fenced block that is never closed"
    elif [[ $k == nested ]]; then
      fail "$name" "$line" "a fence in a list, a quote or after a tab: this test reads only fences at the left margin"
    elif [[ $k == tilde ]]; then
      fail "$name" "$line" "a ~~~ fence: use \`\`\`, which this test reads"
    elif [[ $k == underindented ]]; then
      fail "$name" "$line" "a line indented less than its block's fence"
    elif [[ $marker == '<!-- docs: not run'* && ! $lang =~ ^(sh|cmake|cpp|json|text|dot)$ ]]; then
      fail "$name" "$line" "a '$lang' block marked 'not run': only sh, cmake, cpp, json, text and dot blocks may be (a console block's commands must run)"
    elif [[ $marker == '<!-- ci: '* ]] && { [[ ${name##*/} != README.md || $lang != sh ]] ||
           [[ ! $marker =~ ^\<!--\ ci:\ (demo|test)\ --\>$ ]] || [[ " $ci_seen " == *" ${BASH_REMATCH[1]} "* ]]; }; then
      fail "$name" "$line" "a ci marker .ci/run does not read (it runs the first sh blocks 'demo' and 'test' of README.md)"
    elif [[ $marker =~ ^\<!--\ ci:\ (demo|test)\ --\>$ ]]; then
      ci_seen+=" ${BASH_REMATCH[1]}"
    elif [[ $marker =~ ^\<!--\ docs:\ excerpt\ of\ ([^ ]+)\ --\>$ ]]; then
      check_excerpt "$name" "$line" "$body" "${BASH_REMATCH[1]}"
    elif [[ $marker =~ ^\<!--\ docs:\ output\ of\ ([^ ]+)\ --\>$ ]]; then
      if [[ -x $scratch/bin/${BASH_REMATCH[1]} ]]; then
        check_output "$name" "$line" "$body" "${BASH_REMATCH[1]}"
      else
        fail "$name" "$line" "output of ${BASH_REMATCH[1]}: the test was not given that program"
      fi
    elif [[ $marker == '<!-- docs: not run'* || $marker == '<!-- ci: '* ]]; then
      :
    elif [[ $lang == console ]]; then
      check_console "$name" "$line" "$body"
    else
      fail "$name" "$line" "a '$lang' block the test cannot check: make it a console block, or mark it (<!-- docs: excerpt of PATH -->, <!-- docs: output of NAME -->, <!-- docs: not run -->)"
    fi
  done < "$scratch/block.list"
done

echo "$# files, $checked checks, $failures failures"
[[ $failures -eq 0 ]]
