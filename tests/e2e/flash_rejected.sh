#!/usr/bin/env bash
# tests/e2e/flash_rejected.sh — a valid image the device itself refuses: an image built for 4 MB
# flash sent to 1 MB devices. By web the dev device refuses it from the header before writing
# (400 "No magic byte / invalid flash config"); the 1.14 device takes the bytes and fails at the
# end ("ERROR 9"); espota ends with the device's "ERROR[9]: new Flash config wrong". Every method
# names the device and its own words; the Updater's error 9 means exit 5 (does not fit) whatever
# the method, the ambiguous 400 body exit 7 (refused); each device still runs its old image.
source "$(dirname "$0")/lib.sh"

FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
lab_reexec --no-avahi \
  --device "image=$FULL_1140 dialect=dev reboot-ms=300 mdns=no" \
  --device "image=$FULL_1140 dialect=1.14.0 reboot-ms=300 mdns=no" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home
FOUR_MB=$LAB_DIR/espurna-1.15.0-nodemcu-lolin-4m.bin
"$EO_MKIMAGE" --output "$FOUR_MB" --size 307200 --kind full --version 1.15.0 \
  --environment nodemcu-lolin-4m --board NODEMCU_LOLIN --flash-size 4M

# push N METHOD: the tool against device N; prints "<exit> <stderr>"
push() {
  local status=0 err
  err=$("$EO_BIN" flash --device "$(dev_address "$1")" --image "$FOUR_MB" --method "$2" \
    --password-file "$(dev_password_file "$1")" --quiet 2>&1 >/dev/null) || status=$?
  echo "$status $err"
}

boots() { lab-device boots "$1"; }

note "web, dev dialect: refused from the header, nothing written"
out=$(push 1 web)
assert_eq "7" "${out%% *}" "web dev exit"
assert_contains "$out" "$(dev_address 1)" "web dev names the device"
assert_contains "$out" "No magic byte / invalid flash config" "web dev quotes the device"

note "web, 1.14.0 (no header check): the device fails at the end and says ERROR 9"
out=$(push 2 web)
assert_eq "5" "${out%% *}" "web 1.14 exit (error 9: built for a larger flash)"
assert_contains "$out" "ERROR 9" "web 1.14 quotes the device"

note "espota: the device's end check says new Flash config wrong"
out=$(push 1 espota)
assert_eq "5" "${out%% *}" "espota exit (error 9: built for a larger flash)"
assert_contains "$out" "ERROR[9]: new Flash config wrong" "espota quotes the device"

note "nothing changed: no reboot, old image still running"
sleep 1
assert_eq 1 "$(boots 1)" "device 1 boots"
assert_eq 1 "$(boots 2)" "device 2 boots"
assert_eq "1.14.0" "$(info_version 1)" "device 1 version"
assert_eq "1.14.0" "$(info_version 2)" "device 2 version"
echo "flash_rejected: ok"
