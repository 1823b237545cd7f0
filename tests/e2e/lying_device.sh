#!/usr/bin/env bash
# tests/e2e/lying_device.sh — virtual devices that lie (vdev --lie): over-long TXT values, huge,
# negative and zero figures, a device that answers as another host name, espota counts without
# end or ahead of the data, a web upload never answered, a terminal that never comes to a
# prompt. Against each the real tool ends within its own bound (a `timeout` guard turns a hang
# into a failure), stays under 64 MB, exits with the honest status and says what happened: no
# percentage above 100 %, no success for what the device did not confirm or for another host.
source "$(dirname "$0")/lib.sh"

FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")

base="reboot-ms=300"
lab_reexec \
  --device "image=$FULL_DEV $base lie=txt-long" \
  --device "image=$FULL_DEV $base lie=numbers" \
  --device "image=$FULL_DEV $base lie=other-host=ESPURNA-OTHER" \
  --device "image=$FULL_1140 $base lie=ack-flood" \
  --device "image=$FULL_1140 $base lie=ack-over" \
  --device "image=$FULL_DEV $base lie=web-silent" \
  --device "image=$FULL_DEV $base lie=telnet-endless" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home
GUARD_S=60       # a run that takes longer hangs: `timeout` ends it and the test fails
MEMORY_KB=65536  # peak resident memory of one run

# bounded SECONDS COMMAND...: runs the tool under the guard; $out $err $status, $took (seconds,
# decimals) and $peak_kb; fails when it hung, ran over SECONDS or over MEMORY_KB.
bounded() {
  local limit=$1 start=$EPOCHREALTIME
  shift
  capture /usr/bin/time -f %M -o "$LAB_DIR/peak" timeout -s KILL "$GUARD_S" "$@"
  took=$(bc <<<"$EPOCHREALTIME - $start")
  peak_kb=$(tail -n 1 "$LAB_DIR/peak" | grep -o '^[0-9]*$' || echo 0)
  [[ $status != 124 && $status != 137 ]] || fail "$* hung: killed after $GUARD_S s"
  (($(bc <<<"$took < $limit"))) || fail "$*: took $took s, over its bound of $limit s"
  # under valgrind the peak is valgrind's (shadow memory): only memcheck's verdict counts there
  [[ ${EO_VALGRIND:-} == 1 ]] || ((peak_kb > 0 && peak_kb < MEMORY_KB)) ||
    fail "$*: peak memory $peak_kb KB (bound $MEMORY_KB KB)"
  note "exit $status in $took s, peak $peak_kb KB: $(tail -n 1 <<<"$err" | cut -c1-600)"
}

# no_percentage_over_100 TEXT: every "NN%" in TEXT is at most 100.
no_percentage_over_100() {
  local p
  for p in $(grep -o '[0-9]\+%' <<<"$1" | tr -d %); do
    ((p <= 100)) || fail "a percentage of $p % in: $1"
  done
}

flash() { # flash N IMAGE [OPTIONS]: the tool against device N, short bounds
  local n=$1 file=$2
  shift 2
  bounded 20 "$EO_BIN" flash --device "$(dev_address "$n")" --image "$file" \
    --password-file "$(dev_password_file "$n")" --connect-timeout 5000 --stall-timeout 5000 "$@"
}

# announced N: at least N _arduino._tcp services are announced
announced() { [[ $(timeout 10 avahi-browse -tp _arduino._tcp 2>/dev/null | grep -c "^+") -ge $1 ]]; }
wait_until 20 announced 7 || fail "the seven devices were not announced"

note "txt-long and numbers: discover lists both with what is known, cut and marked unknown"
bounded 15 "$EO_BIN" discover --json --timeout 5
assert_eq 0 "$status" "discover exit status ($err)"
field() { # field HOST PYTHON-EXPRESSION-ON-d
  python3 -c 'import json,sys
d=[x for x in json.loads(sys.argv[1])["devices"] if x["hostname"]==sys.argv[2]][0]
print(eval(sys.argv[3]))' "$out" "$1" "$2"
}
long=$(lab-device hostname 1) numbers=$(lab-device hostname 2)
assert_eq 63 "$(field "$long" 'len(d["version"])')" "txt-long: version cut"
assert_eq None "$(field "$long" 'd["free_space"]["bytes"]')" "txt-long: padded free space is no number"
assert_contains "$err" "$long: app_version cut to 63 characters (announced 243)" "txt-long: says so"
assert_eq "None None None" "$(field "$numbers" '" ".join(str(d[k]["bytes"]) for k in ("flash_real", "flash_built", "free_space"))')" \
  "numbers: huge, negative and zero figures are unknown"
assert_contains "$err" "$numbers: free_space '99999999999999999999' is not a number" "numbers: says so"
assert_contains "$err" "$numbers: mem_size 0 is not a flash size" "numbers: flash size 0"
assert_contains "$err" "$numbers: sdk_size '-1' is not a number" "numbers: negative"

note "numbers: upgrade does not trust a figure it cannot read, and says the free space is unknown"
bounded 40 "$EO_BIN" upgrade --device "$numbers" --image "$FULL_DEV" \
  --password-file "$(dev_password_file 2)" --stall-timeout 5000 --result-timeout 3000 --reboot-timeout 20
[[ $status != 0 ]] || fail "numbers: upgrade succeeded on a device whose version cannot be read: $out"
assert_contains "$err" "free space unknown" "numbers: unknown free space named"
no_percentage_over_100 "$err"

note "other-host: named by its host name it answers as another: refused, nothing sent"
asked=$(lab-device hostname 3)
wait_until 10 bash -c "timeout 10 avahi-browse -tp _arduino._tcp 2>/dev/null | grep -q ';ESPURNA-OTHER;'" ||
  fail "other-host: not announced as ESPURNA-OTHER"
bounded 30 "$EO_BIN" upgrade --device "$asked" --image "$FULL_DEV" \
  --password-file "$(dev_password_file 3)" --reboot-timeout 20
assert_eq 6 "$status" "other-host: upgrade exit status ($out)"
assert_contains "$err" "$asked ($(dev_address 3)) answers as ESPURNA-OTHER, not $asked: refusing to upgrade it" \
  "other-host: upgrade message"
assert_not_contains "$out" "up to date" "other-host: another host's state is not reported as $asked's"
bounded 20 "$EO_BIN" flash --method web --device "$asked.local" --image "$CORE_DEV" \
  --password-file "$(dev_password_file 3)" --connect-timeout 5000 --stall-timeout 5000
assert_eq 6 "$status" "other-host: flash by name.local exit status"
assert_contains "$err" "answers as ESPURNA-OTHER, not $asked.local: refusing to upload" "other-host: flash message"
assert_not_contains "$(lab-device log 3)" "POST /upgrade" "other-host: nothing uploaded"

note "ack-flood: counts without end: the tool ends, says the counts ran ahead, outcome unknown"
flash 4 "$CORE_1141" --result-timeout 3000 --json
assert_eq 13 "$status" "ack-flood: exit status ($err)"
assert_eq unknown "$(json_field "$out" status)" "ack-flood: json status"
assert_contains "$(json_field "$out" error)" "the device acknowledged more bytes than were sent" \
  "ack-flood: says what happened"
assert_contains "$(json_field "$out" advice)" "espurna-ota discover --device $(dev_address 4)" \
  "ack-flood: says how to find out"
(($(json_field "$out" bytes_confirmed) <= $(stat -c %s "$CORE_1141"))) || fail "ack-flood: confirmed more than the image"
lab-device wait-boot 4 2 30 || fail "ack-flood: the device did not install after the host closed"

note "ack-over: counts ahead of the data: its OK is no confirmation (unknown), never over 100 %"
flash 5 "$CORE_1141" --result-timeout 3000
assert_eq 13 "$status" "ack-over: exit status ($out)"
assert_contains "$err" "the device acknowledged more bytes than were sent (its counts said '296960' when" \
  "ack-over: says what happened"
assert_contains "$err" "espurna-ota discover --device $(dev_address 5)" "ack-over: says how to find out"
no_percentage_over_100 "$err"

note "web-silent: the body is taken, no answer: unknown within --result-timeout, says how to find out"
flash 6 "$CORE_DEV" --method web --result-timeout 3000
assert_eq 13 "$status" "web-silent: exit status ($out)"
assert_contains "$err" "took all $(stat -c %s "$CORE_DEV") bytes but gave no answer within 3 s" \
  "web-silent: says what happened"
assert_contains "$err" "espurna-ota discover --device $(dev_address 6)" "web-silent: says how to find out"
no_percentage_over_100 "$err"
assert_contains "$(lab-device log 6)" "lie web-silent: POST /upgrade" "web-silent: the device read the body"

note "telnet-endless: output without a prompt after the password: the tool ends and says so"
flash 7 "$CORE_DEV" --method terminal
assert_eq 6 "$status" "telnet-endless: exit status ($out)"
assert_contains "$err" "lines after the terminal password but neither accepted nor refused it within 5.0 s" \
  "telnet-endless: says what happened"
note "pass"
