#!/usr/bin/env bash
# tests/e2e/flash_espota_truth.sh — espota verdicts are what the device confirmed: another host
# that connects first gets nothing and its "OK" counts for nothing; a device left waiting for an
# auth answer is put back to idle; an auth reply is not counted as an invitation; a verdict that
# comes late or never is "unknown" (exit 13) with how to find out, and the device then indeed
# installs the image; --result-timeout below 2 s is refused.
source "$(dirname "$0")/lib.sh"

FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")

base="dialect=dev reboot-ms=300 mdns=no"
lab_reexec --no-avahi \
  --device "image=$FULL_1140 $base fault=no-connect-back" \
  --device "image=$CORE_DEV $base password=s3cret-pw" \
  --device "image=$CORE_DEV $base fault=lose-auth-reply" \
  --device "image=$FULL_1140 $base fault=verdict-delay=6000" \
  --device "image=$FULL_1140 $base fault=no-verdict" -- "$@"

# flash N IMAGE [OPTIONS]: the tool against device N; stdout, stderr, status to $out $err $status.
flash() {
  local n=$1 file=$2
  shift 2
  capture "$EO_BIN" flash --device "$(dev_address "$n")" --image "$file" \
    --password-file "$(dev_password_file "$n")" --invite-timeout 1000 "$@"
}

local_address=$(ip -o route get "$(dev_address 1)" | sed -n 's/.* src \([^ ]*\).*/\1/p')

note "connect-back hijack: another host connects first and answers OK; it gets nothing, exit 6"
python3 "$E2E_TOOLS/stranger.py" --source 127.0.1.99 --host "$local_address" --port 47201 \
  --answer OK --answer-after "$(stat -c %s "$CORE_1141")" >"$LAB_DIR/stranger" 2>&1 &
stranger=$!
flash 1 "$CORE_1141" --host-port 47201 --connect-timeout 3000 --json
wait "$stranger" || fail "the stranger never connected: $(<"$LAB_DIR/stranger")"
assert_eq 6 "$status" "hijack exit status ($out)"
assert_eq unreachable "$(json_field "$out" status)" "hijack json status"
assert_contains "$(json_field "$out" error)" "never connected back to $local_address:47201" \
  "hijack message"
assert_contains "$(json_field "$out" error)" "(1 connection from other hosts refused)" \
  "hijack says another host was refused"
assert_eq 0 "$(<"$LAB_DIR/stranger")" "the stranger received no byte of the image"

note "a device that asks for a password, none given: exit 8, and the device is put back to idle"
status=0
err=$(env -u ESPURNA_OTA_PASSWORD XDG_CONFIG_HOME="$LAB_DIR/none" "$EO_BIN" flash \
  --device "$(dev_address 2)" --image "$CORE_1141" 2>&1 >/dev/null) || status=$?
assert_eq 8 "$status" "no password exit status"
assert_contains "$err" "asks for a password and none was given" "no password message"
log=$(lab-device log 2)
assert_contains "$log" "'1.' -> ignored" "the device got the back-to-idle datagram"
note "... so the next run is answered at its first invitation (--invite-tries 1)"
flash 2 "$CORE_1141" --invite-tries 1 --quiet
assert_eq 0 "$status" "next run with one invitation ($err)"
lab-device wait-boot 2 2 20 || fail "device 2 did not reboot"
assert_eq "1.14.1 core" "$(dev_running 2)" "device 2 runs the new image"

note "auth replies lost: the message counts invitations, not auth replies; the device is released"
flash 3 "$CORE_1141" --invite-tries 3
assert_eq 6 "$status" "lost auth replies exit status"
assert_contains "$err" "device $(dev_address 3) asked for the password 2 times but never answered our reply to its challenge (3 invitations" \
  "lost auth replies message"
assert_eq 3 "$(lab-device log 3 | grep -c "from .*: '0 ")" "device 3 got 3 invitations"
assert_contains "$(lab-device log 3 | tail -n 1)" "'1.' -> ignored" "device 3 put back to idle last"

note "the verdict comes 6 s late, --result-timeout 2000: unknown (13), says how to find out"
flash 4 "$CORE_1141" --result-timeout 2000 --json
assert_eq 13 "$status" "late verdict exit status ($err)"
assert_eq unknown "$(json_field "$out" status)" "late verdict json status"
assert_eq 13 "$(json_field "$out" exit_code)" "late verdict json exit_code"
assert_eq check_version "$(json_field "$out" hint)" "late verdict hint"
assert_contains "$(json_field "$out" error)" "took all 296960 bytes (it confirmed 296960) but gave no verdict within 2.0 s of confirming the last byte; it may install the image and reboot" \
  "late verdict message"
assert_contains "$(json_field "$out" advice)" "espurna-ota discover --device $(dev_address 4)" \
  "late verdict says how to find out"
lab-device wait-boot 4 2 30 || fail "device 4 did not reboot after its late verdict"
assert_eq "1.14.1 core" "$(dev_running 4)" "device 4 installed the image: 'unknown' was right"

note "the verdict is lost (connection closed without it): unknown (13), and the device installs"
flash 5 "$CORE_1141"
assert_eq 13 "$status" "lost verdict exit status ($err)"
assert_contains "$err" "took all 296960 bytes (it confirmed 296960) but closed the connection without a verdict; it may install the image and reboot; once it is back, the version it reports tells: espurna-ota discover --device $(dev_address 5)" \
  "lost verdict message"
lab-device wait-boot 5 2 30 || fail "device 5 did not reboot"
assert_eq "1.14.1 core" "$(dev_running 5)" "device 5 installed the image"

note "--result-timeout below 2000 ms is a usage error"
flash 5 "$CORE_1141" --result-timeout 999
assert_eq 2 "$status" "short result timeout exit status"
assert_contains "$err" "--result-timeout must be between 2000 and 600000, not 999" "short result timeout"
note "pass"
