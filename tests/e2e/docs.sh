#!/usr/bin/env bash
# docs.sh — the man page tells the truth: it renders without warnings, documents every command
# and, option by option, exactly what `espurna-ota <command> --help` lists (man_options.py),
# carries the whole exit-code table of src/base/status.c, and `cmake --install` installs it
# beside the binary.
set -euo pipefail
: "${EO_BIN:?}" "${EO_SOURCE:?}" "${EO_BUILD:?}"
man_page=$EO_SOURCE/man/espurna-ota.1
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

warnings=$(groff -man -ww -z "$man_page" 2>&1 || true)
[[ -z $warnings ]] || fail "groff warnings: $warnings"
man -l "$man_page" >/dev/null 2>&1 || fail "man -l cannot render the page"

commands=$("$EO_BIN" --help | awk '/^commands:/{on=1; next} on && NF>=2 && /^  [a-z]/{print $1}')
[[ -n $commands ]] || fail "no commands listed by --help"
for command in $commands; do
  grep -q "^\.SS \"espurna-ota $command" "$man_page" || fail "man page has no section for '$command'"
  "$EO_BIN" "$command" --help >/dev/null || fail "'$command --help' failed"
done
# shellcheck disable=SC2086 # one word per command
python3 "$EO_SOURCE/tests/e2e/man_options.py" "$EO_BIN" "$man_page" $commands ||
  fail "the man page and --help disagree (above)"

# every row of the status table: ".B <code>" then "<name>: ..."
while read -r code name; do
  awk -v c="$code" -v n="$name" 'prev==".B " c && index($0, n ":")==1 {found=1} {prev=$0}
       END {exit !found}' "$man_page" || fail "exit code $code ($name) is not in the man page"
done < <(sed -nE 's/^ *\[EO_[A-Z_]+\] = \{"([a-z_]+)".*/\1/p' "$EO_SOURCE/src/base/status.c" | nl -v0 -w1 -s' ')

prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$EO_BUILD" --prefix "$prefix" >/dev/null
[[ -x $prefix/bin/espurna-ota ]] || fail "cmake --install did not install the binary"
[[ -f $prefix/share/man/man1/espurna-ota.1 ]] || fail "cmake --install did not install the man page"

[[ $failures -eq 0 ]] || { echo "$failures failure(s)" >&2; exit 1; }
echo "docs: man page matches the commands, options and exit codes"
