#!/usr/bin/env bash
# discover-fleet.sh — five virtual devices of both dialects, full and core builds, 1 MB and
# 4 MB: sorted by hostname, both dialects decoded into the same bytes, core detected, --filter
# narrows, --image tells one or two steps.
source "$(dirname "$0")/lib.sh"
DEV_FULL=espurna-$DEV_VERSION-itead-sonoff-basic.bin
lab_reexec \
  --device "image=$(image espurna-1.14.1-itead-sonoff-basic.bin) dialect=1.14" \
  --device "image=$(image espurna-1.14.1-itead-sonoff-basic.bin) dialect=dev" \
  --device "image=$(image espurna-1.14.1-espurna-core-1MB.bin) dialect=1.14" \
  --device "image=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-4m.bin") flash=4M" \
  --device "image=$(image "$DEV_FULL") name=kitchen password=" -- "$@"

json=$("$EO_BIN" discover --json 2>/dev/null) || fail "discover --json failed ($?)"
col() { # col PYTHON-EXPRESSION-ON-x: one line per device
  python3 -c 'import json,sys
for x in json.loads(sys.argv[1])["devices"]:
    v = eval(sys.argv[2]); print(" ".join(map(str, v)) if isinstance(v, tuple) else v)' "$json" "$1"
}
assert_eq "ESPURNA-00000B ESPURNA-00000C ESPURNA-00000D ESPURNA-00000E kitchen" \
  "$(col 'x["hostname"]' | tr '\n' ' ' | sed 's/ $//')" "all five, sorted by hostname"

# the same image announced in both dialects: bytes (1.14) and KiB (dev) give the same figure
free_1141=$(free_space_bytes 1048576 614400)
assert_eq "$free_1141 reported" "$(col 'x["free_space"]["bytes"], x["free_space"]["source"]' | sed -n 1p)" \
  "1.14 dialect: bytes as announced"
assert_eq "$free_1141" "$(col 'x["free_space"]["bytes"]' | sed -n 2p)" "dev dialect: same bytes"
assert_eq guessed "$(col 'x["free_space"]["source"]' | sed -n 2p)" \
  "KiB from a 1.14 version contradicts its documented unit: marked guessed"
assert_eq "$(free_space_bytes 1048576 655360) converted" \
  "$(col 'x["free_space"]["bytes"], x["free_space"]["source"]' | sed -n 5p)" "1.15 full: KiB converted"
assert_eq "$(free_space_bytes 4194304 358400) 4194304" \
  "$(col 'x["free_space"]["bytes"], x["flash_real"]["bytes"]' | sed -n 4p)" "4 MB core"
assert_eq "$(col 'x["mac"]' | sed -n 1p | cut -c1-2)" "$(col 'x["mac"]' | sed -n 2p | cut -c1-2)" \
  "both MAC formats normalised alike"
assert_eq 17 "$(col 'len(x["mac"])' | sort -u)" "every MAC as AA:BB:CC:DD:EE:FF"

assert_eq "full full core core full" "$(col 'x["kind"]' | tr '\n' ' ' | sed 's/ $//')" "kinds"
assert_eq "espota,terminal" "$(col '",".join(x["methods"])' | sed -n 3p)" "a core build has no web"
assert_eq "True True True True False" "$(col 'x["auth"]' | tr '\n' ' ' | sed 's/ $//')" "auth"

rows() { "$EO_BIN" discover "$@" 2>/dev/null | tail -n +2 | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//'; }
assert_eq "ESPURNA-00000D ESPURNA-00000E" "$(rows --filter kind=core)" "--filter kind=core"
assert_eq "ESPURNA-00000B ESPURNA-00000C ESPURNA-00000D" "$(rows --filter 'version=1.14*')" \
  "--filter version=1.14*"
assert_eq "kitchen" "$(rows --filter method=web --filter auth=no)" "two filters: both must match"
assert_eq "ESPURNA-00000E" "$(rows --filter board=espurna_minimal_arduino_ota)" "--filter ignores case"
status=0
"$EO_BIN" discover --filter board=NOPE >/dev/null 2>&1 || status=$?
assert_eq 11 "$status" "a filter that matches nothing: exit code"
status=0
err=$("$EO_BIN" discover --filter colour=red 2>&1) || status=$?
assert_eq 2 "$status" "unknown filter key: usage error"
assert_contains "$err" "KEY one of hostname" "unknown filter key: message"

# 1.15 full (160 sectors): two steps beside 1.14.1 full (150) or itself, one beside a core
steps=$("$EO_BIN" discover --image "$(image "$DEV_FULL")" 2>/dev/null | awk 'NR>1 {print $NF}' | tr '\n' ' ')
assert_eq "2 2 1 1 2 " "$steps" "--image: steps per device"
steps=$("$EO_BIN" discover --image "$(image espurna-$DEV_VERSION-oversized-1m.bin)" 2>/dev/null |
  awk 'NR>1 {print $NF}' | tr '\n' ' ')
assert_eq "no no no 1 no " "$steps" "--image oversized: fits only the 4 MB device"
json=$("$EO_BIN" discover --json --image "$(image "$DEV_FULL")" 2>/dev/null)
assert_eq "2 2 1 1 2" "$(col 'x["steps"]' | tr '\n' ' ' | sed 's/ $//')" "--json steps"
note "fleet of five listed, dialects agree"
