#!/usr/bin/env bash
# tests/e2e/vdev_terminal.sh — the virtual device's telnet terminal seen by an independent
# client: the password dialogue of each dialect (1.14 lets you try again, dev disconnects after
# one wrong attempt), no password on core builds, "+OK" / "-ERROR: ..." replies with the 1.14
# "[NNNNNN] " prefix, one client at a time, and `reset` rebooting the device.
source "$(dirname "$0")/lib.sh"

FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")

lab_reexec --no-avahi --device "image=$FULL_1141 dialect=1.14 reboot-ms=300" \
  --device "image=$FULL_DEV dialect=dev reboot-ms=300" \
  --device "image=$CORE_DEV dialect=dev reboot-ms=300" -- "$@"

raw() {
  local n=$1
  shift
  python3 "$E2E_TOOLS/telnet_client.py" --raw --address "$(dev_address "$n")" "$@"
}

note "1.14: wrong password, try again, then commands with the uptime prefix"
out=$(raw 1 wrong fibonacci bogus info) || fail "1.14 dialogue closed: $out"
assert_contains "$out" "Password: Password (try again): Password correct, welcome!" "1.14 dialogue"
grep -q '^\[[0-9]\{6\}\] -ERROR: Command not found$' <<<"$out" || fail "1.14 unknown command: $out"
grep -q '^\[[0-9]\{6\}\] ESPURNA 1.14.1 built ' <<<"$out" || fail "1.14 info line: $out"
grep -q '^\[[0-9]\{6\}\] +OK$' <<<"$out" || fail "1.14 +OK line: $out"

note "dev: one wrong password disconnects; the right one gets +OK and unprefixed lines"
out=$(raw 2 wrong info)
assert_eq "Password (disconnects after 1 failed attempt): -ERROR: Invalid password
[closed]" "$out" "dev wrong password"
out=$(raw 2 fibonacci bogus info) || fail "dev dialogue closed: $out"
assert_contains "$out" "Password (disconnects after 1 failed attempt): +OK" "dev right password"
grep -q '^-ERROR: Command not found$' <<<"$out" || fail "dev unknown command: $out"
grep -q "^ESPURNA $DEV_VERSION built " <<<"$out" || fail "dev info line: $out"
assert_status 1 "dev unknown command through the client" -- telnet 2 bogus >/dev/null

note "core build: no password prompt"
out=$(raw 3 info) || fail "core dialogue closed: $out"
assert_not_contains "$out" "Password" "core prompt"
grep -q "^ESPURNA $DEV_VERSION built " <<<"$out" || fail "core info line: $out"

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
