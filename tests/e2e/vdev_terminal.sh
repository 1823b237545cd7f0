#!/usr/bin/env bash
# tests/e2e/vdev_terminal.sh — the virtual device's telnet terminal seen by an independent
# client, per era: the password dialogue (1.14 lets you try again, dev disconnects after one
# wrong attempt), no password on core builds, "+OK" / "-ERROR: ..." replies with the 1.14
# "[NNNNNN] " prefix, `info` as each era prints it (1.14's "[MAIN] ..." block with the
# firmware MD5, dev's device/mcu/sdk/md5/support/system lines, the md5 being that of the
# running image), `ota` without a URL, the silent 1.14 core build (commands run, nothing is
# printed), one client at a time, and `reset` rebooting the device. The era follows each
# image's version (no dialect= key).
source "$(dirname "$0")/lib.sh"

FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")

lab_reexec --no-avahi --device "image=$FULL_1141 reboot-ms=300" \
  --device "image=$FULL_DEV reboot-ms=300" \
  --device "image=$CORE_DEV reboot-ms=300" \
  --device "image=$CORE_1141 reboot-ms=300" \
  --device "image=$FULL_1140 reboot-ms=300" -- "$@"

md5() { md5sum "$1" | cut -d' ' -f1; }

raw() {
  local n=$1
  shift
  python3 "$E2E_TOOLS/telnet_client.py" --raw --address "$(dev_address "$n")" "$@"
}

note "1.14.1: wrong password, try again, then commands with the uptime prefix"
out=$(raw 1 wrong fibonacci bogus info ota) || fail "1.14 dialogue closed: $out"
assert_contains "$out" "Password: Password (try again): Password correct, welcome!" "1.14 dialogue"
grep -q '^\[[0-9]\{6\}\] -ERROR: Command not found$' <<<"$out" || fail "1.14 unknown command: $out"
grep -q '^\[[0-9]\{6\}\] \[MAIN\] ESPURNA 1.14.1$' <<<"$out" || fail "1.14 info line: $out"
grep -q '^\[[0-9]\{6\}\] \[MAIN\] Core version: 2.3.0$' <<<"$out" || fail "1.14 core version: $out"
grep -q "^\[[0-9]\{6\}\] \[MAIN\] Firmware MD5: $(md5 "$FULL_1141")\$" <<<"$out" ||
  fail "1.14 firmware MD5 is the running image's: $out"
grep -q '^\[[0-9]\{6\}\] +OK$' <<<"$out" || fail "1.14 +OK line: $out"
grep -q '^\[[0-9]\{6\}\] -ERROR: OTA <url>$' <<<"$out" || fail "1.14 ota without a URL: $out"
assert_eq 1.14.1 "$(info_version 1)" "1.14.1 version through lib's info_version"

note "1.14.0: the same info block"
out=$(raw 5 fibonacci info) || fail "1.14.0 dialogue closed: $out"
grep -q '^\[[0-9]\{6\}\] \[MAIN\] ESPURNA 1.14.0$' <<<"$out" || fail "1.14.0 info line: $out"

note "dev: one wrong password disconnects; the right one gets +OK and unprefixed lines"
out=$(raw 2 wrong info)
assert_eq "Password (disconnects after 1 failed attempt): -ERROR: Invalid password
[closed]" "$out" "dev wrong password"
out=$(raw 2 fibonacci bogus info ota) || fail "dev dialogue closed: $out"
assert_contains "$out" "Password (disconnects after 1 failed attempt): +OK" "dev right password"
grep -q '^-ERROR: Command not found$' <<<"$out" || fail "dev unknown command: $out"
grep -q "^ESPURNA $DEV_VERSION built " <<<"$out" || fail "dev info line: $out"
for line in "device: ITEAD_SONOFF_BASIC" "mcu: esp8266 chipid: 00000C freq: 80mhz" \
  "md5: $(md5 "$FULL_DEV")" "system: OK boot counter: 1" "-ERROR: OTA <URL>"; do
  grep -qxF -e "$line" <<<"$out" || fail "dev: no line '$line': $out"
done
grep -q '^sdk: .* core: 2.7.4$' <<<"$out" || fail "dev sdk/core line: $out"
assert_status 1 "dev unknown command through the client" -- telnet 2 bogus >/dev/null

note "dev core build: no password prompt"
out=$(raw 3 info) || fail "core dialogue closed: $out"
assert_not_contains "$out" "Password" "core prompt"
grep -q "^ESPURNA $DEV_VERSION built " <<<"$out" || fail "core info line: $out"
grep -qxF "md5: $(md5 "$CORE_DEV")" <<<"$out" || fail "core md5 line: $out"

note "1.14.1 core build: silent (DEBUG_TELNET_SUPPORT 0), yet its commands run"
out=$(raw 4 --idle 1 info bogus ota help) || fail "1.14 core closed the connection: $out"
assert_eq "" "$out" "1.14 core prints nothing"
raw 4 reset >/dev/null 2>&1
lab-device wait-boot 4 2 10 || fail "1.14 core did not run the silent reset"

note "one client at a time"
python3 -c 'import os, socket, sys, time
s = socket.create_connection((sys.argv[1], 23))
open(sys.argv[2], "w").close()
for _ in range(100):
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.1)' "$(dev_address 2)" "$LAB_DIR/holding" "$LAB_DIR/release" &
holder=$!
wait_until 5 test -e "$LAB_DIR/holding" || fail "first client never connected"
out=$(raw 2 fibonacci info)
assert_contains "$out" "[closed]" "second client"
assert_not_contains "$out" "ESPURNA" "second client gets nothing"
touch "$LAB_DIR/release"
wait "$holder"
assert_contains "$(telnet 2 info)" "ESPURNA $DEV_VERSION built" "after the first left"

note "reset reboots"
telnet 2 --allow-close reset >/dev/null || fail "reset"
lab-device wait-boot 2 2 10 || fail "no reboot after reset"
assert_eq "$DEV_VERSION" "$(info_version 2)" "version after reset"
note "pass"
