#!/usr/bin/env bash
# cli_usage.sh — the command line says no clearly: every string or number option of every
# command given twice is a usage error naming it (exit 2, one line + "try --help"), short and
# long forms alike, while flags may repeat and list options collect; arguments after --version
# are refused, `help COMMAND` / `--help COMMAND` show that command's help. No device, no
# network: each run stops at the command line (an extra positional argument makes sure of it).
set -euo pipefail
: "${EO_BIN:?}" "${EO_MKIMAGE:?}"
source "$(dirname "$0")/valgrind.sh" # EO_VALGRIND=1: the tool under valgrind
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_eq() { [[ "$2" == "$3" ]] || fail "$1: expected '$3', got '$2'"; }

# run ARGS...: prints "<exit status>|<stderr>" (stdout dropped)
run() {
  local rc=0 err
  err=$("$EO_BIN" "$@" 2>&1 >/dev/null) || rc=$?
  echo "$rc|$err"
}

commands=$("$EO_BIN" --help | awk '/^commands:/{on=1; next} on && NF>=2 && /^  [a-z]/{print $1}')
[[ -n $commands ]] || fail "no commands listed by --help"

# --- every option that takes a value, given twice
checked=0
for command in $commands; do
  usage="try 'espurna-ota $command --help'"
  # "  -d, --device DEV    ..." or "      --port N    ...": options with an argument, except
  # the repeatable ones
  while IFS='|' read -r short long; do
    # a value the option accepts on its own (numbers have ranges), found by giving it once;
    # the extra arguments end every run at the command line check
    value=
    for candidate in 100 20 5000 3 x; do
      out=$(run "$command" "$long" "$candidate" extra1 extra2)
      if [[ $out != *"$long must be between"* && $out != *"$long needs a whole number"* ]]; then
        value=$candidate
        break
      fi
    done
    [[ -n $value ]] || { fail "$command $long: no value accepted"; continue; }
    expected="2|espurna-ota $command: $long given more than once; give it once
$usage"
    expect_eq "$command $long twice" "$(run "$command" "$long" "$value" "$long" "$value" extra1 extra2)" "$expected"
    expect_eq "$command $long=V twice" "$(run "$command" "$long=$value" "$long=$value" extra1 extra2)" "$expected"
    if [[ -n $short ]]; then
      expect_eq "$command $short twice" "$(run "$command" "$short" "$value" "$short" "$value" extra1 extra2)" "$expected"
      expect_eq "$command $short and $long" "$(run "$command" "$short" "$value" "$long" "$value" extra1 extra2)" "$expected"
    fi
    checked=$((checked + 1))
  done < <("$EO_BIN" "$command" --help | grep -v repeatable |
    sed -nE 's/^  (-([a-z]), )?[ ]*(--[a-z0-9-]+) [A-Z=]+ .*/\2|\3/p' | sed -E 's/^([a-z])\|/-\1|/')
done
# 43 such options today (flash 21, upgrade 14, discover 4, serve 4): a broken --help parse must not pass
((checked >= 43)) || fail "only $checked options checked"

# --- flags may repeat, lists collect
image=$work/espurna-1.14.1-espurna-core-1MB.bin
"$EO_MKIMAGE" --output "$image" --size 296960 --kind core --version 1.14.1 \
  --environment espurna-core-1MB --board ESPURNA_CORE --flash-size 1M
rc=0
"$EO_BIN" inspect --json --json "$image" >"$work/out" || rc=$?
expect_eq "inspect --json twice" "$rc $(jq -r .status "$work/out")" "0 ok"
expect_eq "discover --filter twice" "$(run discover --filter app=x --filter kind=core extra)" \
  "2|espurna-ota discover: unexpected argument 'extra'
try 'espurna-ota discover --help'"

# --- upgrade: conflicts and missing arguments are refused before anything is read or sent
u="try 'espurna-ota upgrade --help'"
expect_eq "upgrade without --device" "$(run upgrade --image "$image")" \
  "2|espurna-ota upgrade: missing --device DEV
$u"
expect_eq "upgrade without --image" "$(run upgrade --device 127.0.0.1)" \
  "2|espurna-ota upgrade: missing --image FILE
$u"
expect_eq "upgrade --core and --firmware-dir" \
  "$(run upgrade --device 127.0.0.1 --image "$image" --core "$image" --firmware-dir "$work")" \
  "2|espurna-ota upgrade: --core and --firmware-dir both given; use one
$u"
expect_eq "upgrade --method bogus" "$(run upgrade --device 127.0.0.1 --image "$image" --method bogus)" \
  "2|espurna-ota upgrade: unknown --method 'bogus' (espota, web or terminal)
$u"
expect_eq "upgrade --window with web" \
  "$(run upgrade --device 127.0.0.1 --image "$image" --method web --window 4)" \
  "2|espurna-ota upgrade: --window is for espota, not --method web
$u"

# --- --version, --help and help with arguments
expect_eq "--version" "$("$EO_BIN" --version | cut -d' ' -f1)" espurna-ota
expect_eq "--version foo" "$(run --version foo)" "2|espurna-ota: --version takes no arguments, not 'foo'
try 'espurna-ota --help'"
expect_eq "--version --help" "$(run --version --help)" "2|espurna-ota: --version takes no arguments, not '--help'
try 'espurna-ota --help'"
for word in help --help -h; do
  expect_eq "$word" "$("$EO_BIN" $word | head -n 1)" "usage: espurna-ota <command> [options]"
  expect_eq "$word flash" "$("$EO_BIN" $word flash)" "$("$EO_BIN" flash --help)"
  expect_eq "$word bogus" "$(run $word bogus)" "2|espurna-ota: 'bogus' is not a command
try 'espurna-ota --help'"
  expect_eq "$word flash extra" "$(run $word flash extra)" "2|espurna-ota: $word takes at most one command name, not 'extra'
try 'espurna-ota --help'"
done

[[ $failures -eq 0 ]] || { echo "$failures failure(s)" >&2; exit 1; }
echo "cli_usage: $checked options refused when given twice; --version and help checked"
