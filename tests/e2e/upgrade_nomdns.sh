#!/usr/bin/env bash
# tests/e2e/upgrade_nomdns.sh — `espurna-ota upgrade` without mDNS (no avahi-daemon): the device
# is learnt over http (its version, not its free space), so one step is tried; the device says
# the image does not fit (before writing anything) and the plan becomes two steps through the
# given core; that 1.14 core cannot say its version (no mDNS, a silent terminal), so the second
# step's push is the check; the final version is read over http.
source "$(dirname "$0")/lib.sh"

FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")

lab_reexec --no-avahi --device "image=$FULL_1141" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home XDG_DATA_HOME=$LAB_DIR/no-data

note "1.14.1 without mDNS: one step refused as too big, then two steps through the 1.14.1 core"
capture "$EO_BIN" upgrade --device "$(dev_address 1)" --image "$FULL_DEV" --core "$CORE_1141" \
  --password-file "$(dev_password_file 1)" --reboot-timeout 30 --json
assert_eq 0 "$status" "exit status ($err)"
assert_eq "ok two-step web espota $DEV_VERSION version" \
  "$(jq -r '"\(.status) \(.plan.route) \(.steps[0].method) \(.steps[1].method) \(.final_version) \(.check)"' <<<"$out")" \
  "result"
assert_contains "$(jq -r .steps[0].note <<<"$out")" "the next step tells" "the silent core's note"
assert_eq "$DEV_VERSION full" "$(dev_running 1)" "device 1 runs the new image"
assert_eq 3 "$(lab-device boots 1)" "two reboots"
note "pass"
