#!/usr/bin/env bash
# tests/e2e/batch_rollout.sh — `espurna-ota batch` rolls out with care: a canary that fails stops
# the rollout before any other device is touched (exit 15); a transient failure (lost invitations)
# is retried with backoff and recovers, a wrong password never is, password rotation finds the
# second candidate (and names it, never showing it); events stream as JSON Lines
# that jq reads; the JUnit report is read by python3-junitparser; a run killed with SIGKILL and
# run again with the same journal finishes without re-flashing the devices it had finished.
source "$(dirname "$0")/lib.sh"

IMAGES=$EO_BUILD/firmware/images
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)

# Device 6 (chip id 000010) has the smallest FNV-1a hash of the six first chip ids: the canary
# of --canary 1 (the waves follow a stable hash of the chip id).
lab_reexec \
  --device "image=$FULL_1141 fault=lose-udp=5" --device "image=$FULL_1141" \
  --device "image=$FULL_1141" --device "image=$FULL_1141" --device "image=$FULL_1141" \
  --device "image=$FULL_1141 fault=drop-at=50" \
  --device "image=$FULL_1141" --device "image=$FULL_1141 fault=slow-reboot=3000" \
  --device "image=$FULL_1141" --device "image=$FULL_1141 password=another" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home XDG_DATA_HOME=$LAB_DIR/no-data
export XDG_STATE_HOME=$LAB_DIR/state
cd "$LAB_DIR" || fail "no lab directory"
cp "$(dev_password_file 1)" "$LAB_DIR/pw"
host() { lab-device hostname "$1"; }
state_of() { jq -r --arg d "$1" '.devices[] | select(.device == $d) | .state' <<<"$out"; }

note "the canary (device 6) fails: the rollout stops, nobody else is touched (exit 15)"
printf '%s\n' "$(host 1)" "$(host 2)" "$(host 3)" "$(host 4)" "$(host 5)" "$(host 6)" >six.txt
capture "$EO_BIN" batch --devices six.txt --firmware-dir "$IMAGES" --password-file pw \
  --canary 1 --reboot-timeout 30 --journal j1.jsonl --json
assert_eq 15 "$status" "canary exit status ($err)"
assert_eq "failed aborted" "$(state_of "$(host 6)") $(jq -r .status <<<"$out")" "canary result"
assert_eq 5 "$(jq -r '.summary."not-run"' <<<"$out")" "the others did not run"
for n in 1 2 3 4 5; do assert_eq 1 "$(lab-device boots "$n")" "device $n untouched"; done

note "the rest, four at a time: device 1 loses its first invitations and recovers on a retry"
printf '%s method=espota\n%s\n%s\n%s\n%s\n' "$(host 1)" "$(host 2)" "$(host 3)" "$(host 4)" \
  "$(host 5)" >five.txt
"$EO_BIN" batch --devices five.txt --firmware-dir "$IMAGES" --password-file pw --retries 1 \
  --reboot-timeout 30 --journal j1.jsonl --events --junit junit.xml >events.jsonl 2>err.txt
status=$?
assert_eq 0 "$status" "retry run exit status ($(tail -5 err.txt))"
jq -e . events.jsonl >/dev/null || fail "--events: not JSON Lines"
assert_eq 5 "$(jq -r 'select(.kind == "device-result" and .status == "ok") | .device' events.jsonl | sort -u | wc -l)" \
  "five devices finished ok in the events"
assert_contains "$(<err.txt)" "[$(host 1)] transient failure: trying again" "device 1 was retried"
for n in 1 2 3 4 5; do
  assert_eq "$DEV_VERSION full" "$(dev_running "$n")" "device $n runs the new image"
done
/usr/bin/python3 - junit.xml <<'PY' || fail "junitparser could not read the report"
import sys
from junitparser import JUnitXml, Failure
xml = JUnitXml.fromfile(sys.argv[1])
cases = [case for suite in xml for case in suite]
assert len(cases) == 5, len(cases)
assert not any(isinstance(r, Failure) for case in cases for r in case.result), "a failure"
PY

note "a wrong password is not retried, and fails apart (device 10)"
host 10 >one.txt
capture "$EO_BIN" batch --devices one.txt --firmware-dir "$IMAGES" --password-file pw \
  --retries 3 --no-journal --json
assert_eq 14 "$status" "wrong password exit status ($err)"
assert_eq "auth 1" "$(jq -r '.devices[0] | "\(.status) \(.attempts)"' <<<"$out")" \
  "wrong password: one attempt"

note "password rotation: the second candidate of device 10 is found, and named"
printf 'stale=%s\ncurrent=another\n' "$(<pw)" >secrets.txt
chmod 600 secrets.txt
printf '%s password=stale password=current\n' "$(host 10)" >rotation.txt
capture "$EO_BIN" batch --devices rotation.txt --firmware-dir "$IMAGES" --secrets secrets.txt \
  --reboot-timeout 30 --no-journal --json
assert_eq 0 "$status" "rotation exit status ($err)"
assert_eq "done current" "$(jq -r '.devices[0] | "\(.state) \(.password)"' <<<"$out")" \
  "rotation: which candidate worked"
assert_not_contains "$out$err" "another" "rotation: the password never shows"
chmod 644 secrets.txt
capture "$EO_BIN" batch --devices rotation.txt --firmware-dir "$IMAGES" --secrets secrets.txt
assert_eq 12 "$status" "a secrets file others can read is refused"
assert_contains "$err" "readable by other users (mode 0644)" "secrets file mode message"

note "a run killed with SIGKILL, then resumed from its journal"
printf '%s\n' "$(host 7)" "$(host 8)" "$(host 9)" >three.txt
"$EO_BIN" batch --devices three.txt --firmware-dir "$IMAGES" --password-file pw -j 1 \
  --reboot-timeout 30 --journal j2.jsonl >/dev/null 2>&1 &
pid=$!
BG_PIDS+=("$pid")
trap stop_background EXIT
# killed once device 7 is done and device 8 took its core image: device 8 is then rebooting
# (slowly), with no transfer in flight
wait_until 60 bash -c '[[ $(grep -cs "\"event\":\"step-done\"" j2.jsonl) -ge 3 ]]' ||
  fail "the run did not get that far in time"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
lab-device wait-boot 8 2 30 || fail "device 8 did not come back on its core" # else: offline
first=$(jq -r 'select(.event == "device-done") | .device' j2.jsonl | head -n 1)
n_first=$(($(printf '%d' "0x${first: -6}") - 10)) # chip id 0000XX is device XX - 10
boots_first=$(lab-device boots "$n_first")
capture "$EO_BIN" batch --devices three.txt --firmware-dir "$IMAGES" --password-file pw -j 1 \
  --reboot-timeout 30 --journal j2.jsonl --json
assert_eq 0 "$status" "resumed run exit status ($err)"
assert_eq finished-earlier "$(state_of "$first")" "the finished device is skipped"
assert_eq "one-step" "$(jq -r --arg d "$(host 8)" '.devices[] | select(.device == $d) | .route' <<<"$out")" \
  "device 8 resumed on its core: its second step only"
for n in 7 8 9; do
  assert_eq "$DEV_VERSION full" "$(dev_running "$n")" "device $n runs the new image"
done
assert_eq "$boots_first" "$(lab-device boots "$n_first")" "the finished device was not flashed again"
note "pass"
