#!/usr/bin/env bash
# tests/e2e/vdev_espota_faults.sh — every fault of the virtual device seen from an independent
# espota client: drop-at, corrupt-sector, lose-udp, no-connect-back, no-space, slow-reboot,
# never-return, old-image. One device per fault, each starts on 1.14.0 full and is sent the
# 1.14.1 core image (which fits), so a version change shows whether the upgrade took.
source "$(dirname "$0")/lib.sh"

FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)

base="image=$FULL_1140 dialect=dev reboot-ms=300"
lab_reexec --device "$base fault=drop-at=50" \
  --device "$base fault=corrupt-sector" \
  --device "$base fault=lose-udp=2" \
  --device "$base fault=no-connect-back" \
  --device "$base fault=no-space" \
  --device "$base fault=slow-reboot=2500" \
  --device "$base fault=never-return" \
  --device "$base fault=old-image" -- "$@"

# uptime_ms: a monotonic clock in milliseconds (unaffected by changes of the wall clock)
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# unchanged N: device N still runs 1.14.0 and did not reboot.
unchanged() {
  assert_eq 1 "$(lab-device boots "$1")" "device $1: no reboot"
  assert_eq 1.14.0 "$(info_version "$1")" "device $1: version unchanged"
}

note "drop-at=50: the device drops the connection half way"
out=$(espota 1 "$CORE_1141")
assert_status 1 "drop-at exit status" -- test "$out" = OK
[[ $out == "connection closed"* || $out == "connection reset"* ]] ||
  fail "drop-at: expected the connection to drop, got '$out'"
unchanged 1

note "corrupt-sector: a sector is written wrong, the MD5 check catches it"
out=$(espota 2 "$CORE_1141")
assert_contains "$out" "ERROR[7]: MD5 Failed: expected:$(md5sum <"$CORE_1141" | cut -d' ' -f1), calculated:" \
  "corrupt-sector result (core 2.7.4's words)"
unchanged 2

note "lose-udp=2: the first two datagrams are lost; a single try fails, retries succeed"
out=$(espota 3 "$CORE_1141" --udp-timeout 0.5)
assert_eq "No response from device" "$out" "lose-udp, one try"
# the wait per answer is far longer than any answer takes, so a slow machine cannot make the
# client re-send while the device's answer is on its way
out=$(espota 3 "$CORE_1141" --udp-timeout 3 --retries 4)
assert_eq OK "$out" "lose-udp, with retries"
lab-device wait-boot 3 2 10 || fail "lose-udp: device did not reboot"
assert_eq 1.14.1 "$(info_version 3)" "lose-udp: version after upload"

note "no-connect-back: the invitation is accepted but the device never connects"
out=$(espota 4 "$CORE_1141" --connect-timeout 2)
assert_eq "No response from device" "$out" "no-connect-back result"
unchanged 4

note "no-space: begin fails with error 4 although the image fits"
out=$(espota 5 "$CORE_1141")
assert_eq "ERR: ERROR[4]: Not Enough Space" "$out" "no-space result"
unchanged 5

note "slow-reboot=2500: away for reboot-ms + 2500 ms after the upload, back with the new image"
# Judged without racing the device: the order of its log lines shows the services stopped
# after the upload and served nothing until the new image booted, and the time until it was
# back is a lower bound that load cannot break (a busy machine only notices later): the device
# cannot boot before 2500 ms (the fault, which the lab's time scale leaves alone) after the
# upload's OK, which came after the upload started. Without the fault an idle machine sees it
# back within a second.
start=$(uptime_ms)
out=$(espota 6 "$CORE_1141")
assert_eq OK "$out" "slow-reboot upload"
lab-device wait-boot 6 2 30 || fail "slow-reboot: device never came back"
away=$(($(uptime_ms) - start))
note "back ${away} ms after the upload started"
((away >= 2500)) || fail "slow-reboot: back ${away} ms after the upload started, not >= 2500"
events=$(lab-device log 6 | sed -n '/^espota: result OK/,$p' |
  sed -nE 's/^(espota: result OK|rebooting|eboot: copied|booted [^ ]+|listening on|espota: from|web: |telnet: ).*/\1/p')
assert_eq "espota: result OK
rebooting
eboot: copied
booted 1.14.1
listening on" "$events" "slow-reboot: the device's log after the upload"
assert_eq 1.14.1 "$(info_version 6)" "slow-reboot: version after upload"

note "never-return: the upload succeeds and the device never answers again"
out=$(espota 7 "$CORE_1141")
assert_eq OK "$out" "never-return upload"
if lab-device wait-boot 7 2 3 2>/dev/null; then fail "never-return: device booted again"; fi
if python3 "$E2E_TOOLS/telnet_client.py" --address "$(dev_address 7)" --timeout 0.5 info \
  >/dev/null 2>&1; then
  fail "never-return: the terminal answered"
fi

note "old-image: the upload succeeds, the device reboots into the old image"
out=$(espota 8 "$CORE_1141")
assert_eq OK "$out" "old-image upload"
lab-device wait-boot 8 2 10 || fail "old-image: device did not reboot"
assert_eq 1.14.0 "$(info_version 8)" "old-image: version after the reboot"
note "pass"
