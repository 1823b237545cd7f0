#!/usr/bin/env bash
# tests/e2e/vdev_espota_auth.sh — espota authentication on the virtual device, dev and 1.14
# (device 2 forces `dialect=1.14`, the alias of 1.14.1): a wrong password gets "Authentication
# Failed" and changes nothing; the right one with any 32-hex cnonce is accepted (the device
# never recomputes it); a malformed invitation or an unknown command is ignored; a filesystem
# upload gets "Not Enough Space" (no filesystem); the Updater's checks (magic byte, size 0,
# MD5, new and running flash config) give their exact lines in the wording of each core
# (2.7.4 on dev; 2.3.0 on 1.14, whose begin failures follow an "OK" and stay silent).
source "$(dirname "$0")/lib.sh"

FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")

lab_reexec --device "image=$CORE_DEV dialect=dev reboot-ms=300 password=s3cret-pw" \
  --device "image=$FULL_1140 dialect=1.14 reboot-ms=300 password=other-pw" \
  --device "image=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-4m.bin") flash=1M" -- "$@"

wrong=$LAB_DIR/wrong-password
printf 'fibonacci' >"$wrong"

for n in 1 2; do
  note "device $n: wrong password"
  out=$(espota "$n" "$FULL_DEV" --password-file "$wrong")
  assert_status 1 "device $n: wrong password exit status" -- \
    espota "$n" "$FULL_DEV" --password-file "$wrong" >/dev/null
  assert_eq "Authentication Failed" "$out" "device $n: wrong password"
  assert_eq 1 "$(lab-device boots "$n")" "device $n: no reboot after a refused password"

  note "device $n: malformed invitation (md5 of 31 digits) is ignored"
  out=$(espota "$n" "$FULL_DEV" --md5 0123456789abcdef0123456789abcde --udp-timeout 1)
  assert_eq "No response from device" "$out" "device $n: malformed invitation"
done
note "device 1: a filesystem upload (command 100) has no space; an unknown command is ignored"
out=$(espota 1 "$CORE_DEV" --command 100)
assert_eq "ERR: ERROR[4]: Not Enough Space" "$out" "command 100"
out=$(espota 1 "$CORE_DEV" --command 5 --udp-timeout 1)
assert_eq "No response from device" "$out" "command 5"
note "device 1: the Updater's checks: magic byte, size 0, flash config of the new image"
head -c 50000 /dev/urandom >"$LAB_DIR/junk.bin"
: >"$LAB_DIR/empty.bin"
assert_eq "ERROR[10]: Magic byte is wrong, not 0xE9" "$(espota 1 "$LAB_DIR/junk.bin")" "junk image"
assert_eq "ERR: ERROR[5]: Bad Size Given" "$(espota 1 "$LAB_DIR/empty.bin")" "empty image"
assert_eq "ERROR[9]: new Flash config wrong real: 1048576" \
  "$(espota 1 "$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-4m.bin")")" "4 MB image"
wrong_md5=0123456789abcdef0123456789abcdef
assert_eq "ERROR[7]: MD5 Failed: expected:$wrong_md5, calculated:$(md5sum <"$CORE_DEV" | cut -d' ' -f1)" \
  "$(espota 1 "$CORE_DEV" --md5 "$wrong_md5")" "MD5 (2.7.4 names both)"
assert_eq 1 "$(lab-device boots 1)" "device 1: no reboot after refusals"
note "device 2 (1.14.1, core 2.3.0): the same checks in 2.3.0's words"
assert_eq "ERROR[10]: Magic byte is wrong, not 0xE9" "$(espota 2 "$LAB_DIR/junk.bin")" "2.3.0 junk image"
assert_eq "ERROR[7]: MD5 Check Failed" "$(espota 2 "$CORE_DEV" --md5 "$wrong_md5")" "2.3.0 MD5"
assert_eq "No response from device" "$(espota 2 "$LAB_DIR/empty.bin" --connect-timeout 2)" \
  "2.3.0 empty image: OK, then a silent begin failure"
assert_contains "$(lab-device log 2)" 'begin failed (ERROR[5]: Bad Size Given) after "OK"' "device 2 log"
assert_contains "$(lab-device log 2)" "dialect 1.14.1 (forced)" "dialect=1.14 is 1.14.1"
assert_eq 1 "$(lab-device boots 2)" "device 2: no reboot after refusals"
note "device 3: runs an image built for 4 MB on a 1 MB chip: begin refuses"
assert_eq "ERR: ERROR[8]: Flash config wrong real: 1048576 IDE: 4194304" "$(espota 3 "$CORE_1141")" \
  "flash config wrong"
assert_contains "$(info_version 1)" "$DEV_VERSION" "device 1 unchanged"
assert_eq 1.14.0 "$(info_version 2)" "device 2 unchanged"

note "device 1: right password, arbitrary cnonce"
out=$(espota 1 "$FULL_DEV" --cnonce 0123456789abcdef0123456789abcdef)
assert_eq OK "$out" "device 1: right password"
lab-device wait-boot 1 2 10 || fail "device 1 did not reboot"
assert_eq "$DEV_VERSION" "$(info_version 1)" "device 1 version after upload"
assert_contains "$(lab-device log 1)" "booted $DEV_VERSION (full)" "device 1 boots the full image"

note "device 2: right password, --expect-failure inverts the exit status"
assert_status 1 "device 2: --expect-failure on success" -- \
  espota 2 "$(image espurna-1.14.1-itead-sonoff-basic.bin)" --expect-failure >/dev/null
lab-device wait-boot 2 2 10 || fail "device 2 did not reboot"
assert_eq 1.14.1 "$(info_version 2)" "device 2 version after upload"
note "pass"
