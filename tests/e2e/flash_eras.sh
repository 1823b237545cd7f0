#!/usr/bin/env bash
# tests/e2e/flash_eras.sh — `espurna-ota flash` against the quirks of 1.14-era firmware: a
# 1.14.1 core build prints nothing on its terminal (no +OK), yet the terminal method upgrades
# it, judged by the fetch; the same silent device that cannot reach the server is told apart; a
# 1.14.1 full build prints the Updater's refusal raw (no "[OTA]"), and it is reported as the
# device's refusal; a 1.14 device built with core 2.3.0 that cannot begin an espota update says
# OK and then nothing, and the message says that this may be why.
source "$(dirname "$0")/lib.sh"

CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")

base="reboot-ms=300 mdns=no"
lab_reexec --no-avahi \
  --device "image=$CORE_1141 $base" \
  --device "image=$CORE_1141 $base" \
  --device "image=$FULL_1141 $base fault=no-space" \
  --device "image=$FULL_1141 $base" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home

# flash N IMAGE [OPTIONS]: the tool against device N; stdout, stderr, status in $out $err $status.
flash() {
  local n=$1 file=$2
  shift 2
  capture "$EO_BIN" flash --device "$(dev_address "$n")" --image "$file" \
    --password-file "$(dev_password_file "$n")" --connect-timeout 5000 "$@"
}

note "device 1 (1.14.1 core, silent terminal): core → full by the terminal method"
assert_eq "" "$(telnet 1 --connect-wait 5 info)" "device 1 prints nothing on its terminal"
flash 1 "$FULL_1141" --method terminal --fetch-timeout 20000 --json
assert_eq 0 "$status" "silent core → full exit status ($err)"
assert_eq ok "$(json_field "$out" status)" "silent core → full json status"
assert_eq 614400 "$(json_field "$out" bytes_confirmed)" "every byte acknowledged"
lab-device wait-boot 1 2 30 || fail "device 1 did not reboot into the full image"
assert_eq "1.14.1 full" "$(dev_running 1)" "device 1 runs the full image"

note "device 2 (silent): served where it cannot fetch from → exit 6, says the terminal was silent"
if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1'; then
  flash 2 "$FULL_1141" --method terminal --serve-address ::1 --fetch-timeout 3000
  assert_eq 6 "$status" "never fetched exit status"
  assert_contains "$err" "device never fetched the image from http://[::1]:" "never fetched message"
  assert_contains "$err" "its terminal printed nothing" "never fetched: the terminal was silent"
  assert_eq 1 "$(lab-device boots 2)" "device 2 did not reboot"
else
  note "no IPv6 loopback in this lab: skipping the unreachable-server case"
fi

note "device 3 (1.14.1 full): the Updater's refusal printed raw is the device's refusal (exit 5)"
flash 3 "$CORE_1141" --method terminal --fetch-timeout 20000
assert_eq 5 "$status" "raw refusal exit status ($err)"
assert_contains "$err" "device said 'ERROR[4]: Not Enough Space'" "raw refusal message"
assert_eq 1 "$(lab-device boots 3)" "device 3 did not reboot"

note "device 4 (1.14.1 full, core 2.3.0): espota of an image that cannot begin: OK, then silence"
flash 4 "$FULL_DEV"
assert_eq 6 "$status" "silent begin failure exit status"
assert_contains "$err" "never connected back" "silent begin failure message"
assert_contains "$err" "or it could not begin the update and said nothing, as firmware built with Arduino core 2.3.0 (ESPurna 1.14) does when 655360 bytes do not fit beside its running image" \
  "silent begin failure: the message names the 2.3.0 silence"
assert_eq 1 "$(lab-device boots 4)" "device 4 did not reboot"
note "pass"
