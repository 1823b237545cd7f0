#!/usr/bin/env bash
# tests/e2e/flash_terminal.sh — `espurna-ota flash --method terminal` against virtual devices
# of both dialects, full and core: the image served once from our side and fetched by the
# device's `ota <url>` (then it runs the new version), wrong passwords (1.14 asks again, dev
# disconnects), a device that says "Not Enough Space", a device that cannot reach the server
# (it must fetch from an address it has no route from), and no secret in any output.
source "$(dirname "$0")/lib.sh"

FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")

lab_reexec --no-avahi \
  --device "image=$FULL_1141 dialect=1.14 reboot-ms=300 password=Term-pw-114 mdns=no" \
  --device "image=$FULL_DEV dialect=dev reboot-ms=300 password=Term-pw-dev mdns=no" \
  --device "image=$FULL_DEV dialect=dev reboot-ms=300 fault=no-space mdns=no" \
  --device "image=$CORE_DEV dialect=dev reboot-ms=300 mdns=no" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home

# flash N IMAGE [OPTIONS]: the tool against device N by the terminal method (--fetch-timeout
# $FETCH_TIMEOUT when set: an option is given once).
flash() {
  local n=$1 file=$2
  shift 2
  "$EO_BIN" flash --method terminal --device "$(dev_address "$n")" --image "$file" \
    --connect-timeout 5000 --stall-timeout 20000 \
    --fetch-timeout "${FETCH_TIMEOUT:-20000}" "$@"
}

WRONG=$LAB_DIR/wrong-password
echo "not-the-password" >"$WRONG"
chmod 600 "$WRONG"

for n in 1 2; do
  note "device $n: wrong password → exit 8, nothing served to anyone"
  status=0
  out=$(flash "$n" "$CORE_1141" --password-file "$WRONG" 2>"$LAB_DIR/err") || status=$?
  assert_eq 8 "$status" "device $n wrong password exit status"
  assert_eq "espurna-ota: wrong password for the terminal of $(dev_address "$n"); check the password in --password-file, ESPURNA_OTA_PASSWORD or the password store" \
    "$(<"$LAB_DIR/err")" "device $n wrong password message"
  assert_not_contains "$(lab-device log "$n")" "ota http" "device $n got no ota command"
done
assert_contains "$(lab-device log 2)" "wrong password" "dev dialect saw the wrong password"

note "device 1 (1.14, full): core image by terminal, JSON result"
out=$(flash 1 "$CORE_1141" --password-file "$(dev_password_file 1)" --json 2>"$LAB_DIR/err") ||
  fail "terminal flash failed: $(<"$LAB_DIR/err")"
assert_eq ok "$(json_field "$out" status)" "json status"
assert_eq terminal "$(json_field "$out" method)" "json method"
assert_eq 296960 "$(json_field "$out" bytes_confirmed)" "json bytes_confirmed"
assert_eq "[OTA] Success:  296960 bytes" "$(json_field "$out" device_reply)" "json device_reply (%7u)"
lab-device wait-boot 1 2 15 || fail "device 1 did not reboot"
assert_eq "1.14.1 core" "$(dev_running 1)" "device 1 runs the core image"
url=$(lab-device log 1 | sed -n 's/^telnet: ota \(http[^ ]*\).*/\1/p' | tail -n 1)
[[ $url =~ ^http://127\.[0-9.]+:[0-9]+/[0-9a-f]{32}$ ]] || fail "unexpected served URL '$url'"

note "device 2 (dev, full): full → core → full with a text result"
out=$(flash 2 "$CORE_DEV" --password-file "$(dev_password_file 2)" 2>"$LAB_DIR/err") ||
  fail "dev terminal flash failed: $(<"$LAB_DIR/err")"
assert_contains "$out" "reply      [OTA] Success:  358400 bytes" "text result"
assert_contains "$(<"$LAB_DIR/err")" "image delivered; waiting for reboot" "delivery message"
lab-device wait-boot 2 2 15 || fail "device 2 did not reboot"
assert_eq "$DEV_VERSION core" "$(dev_running 2)" "device 2 runs the core"
flash 2 "$FULL_DEV" --password-file "$(dev_password_file 2)" --quiet >/dev/null ||
  fail "second step (core → full) failed"
lab-device wait-boot 2 3 15 || fail "device 2 did not reboot into the full image"
assert_eq "$DEV_VERSION full" "$(dev_running 2)" "device 2 runs the full image"

note "device 3: no room → exit 5 with the device's words"
status=0
flash 3 "$CORE_1141" --password-file "$(dev_password_file 3)" 2>"$LAB_DIR/err" || status=$?
assert_eq 5 "$status" "no space exit status"
assert_contains "$(<"$LAB_DIR/err")" "device said 'ERROR[4]: Not Enough Space'" "no space message"
assert_eq 1 "$(lab-device boots 3)" "device 3 did not reboot"

note "device 4 (core, no password): served on an address the device cannot reach → exit 6"
if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1'; then
  # the device fetches from its own IPv4 address: it has no route to an IPv6 server
  status=0
  FETCH_TIMEOUT=3000 flash 4 "$FULL_DEV" --serve-address ::1 2>"$LAB_DIR/err" || status=$?
  assert_eq 6 "$status" "unreachable server exit status"
  assert_contains "$(<"$LAB_DIR/err")" "device never fetched the image from http://[::1]:" \
    "unreachable server message"
  assert_not_contains "$(<"$LAB_DIR/err")" "$(lab-device log 4 | grep -o '[0-9a-f]\{32\}' | tail -n 1)" \
    "the one-time path stays out of the message"
  assert_eq 1 "$(lab-device boots 4)" "device 4 did not reboot"
else
  note "no IPv6 loopback in this lab: skipping the unreachable-server case"
fi

note "device 4: core → full by terminal (the second step of a two-step upgrade)"
flash 4 "$FULL_DEV" --quiet >/dev/null || fail "core → full failed"
lab-device wait-boot 4 2 15 || fail "device 4 did not reboot"
assert_eq "$DEV_VERSION full" "$(dev_running 4)" "device 4 runs the full image"

note "no password in any log"
for n in 1 2; do
  assert_not_contains "$(lab-device log "$n")" "Term-pw" "device $n log"
done
echo "flash_terminal: ok"
