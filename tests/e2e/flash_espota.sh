#!/usr/bin/env bash
# tests/e2e/flash_espota.sh — `espurna-ota flash` over espota against virtual devices: a full
# image over a core image and back (pipelined, then --window 1), the JSON result, a fixed
# --host-port, a wrong and a missing password, a real "Not Enough Space" and a device that does
# not listen. Exit codes and the one-line messages are checked exactly where they matter.
source "$(dirname "$0")/lib.sh"

CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
WEBUI_DEV=$(image "espurna-$DEV_VERSION-minimal-webui-1m.bin")

lab_reexec --no-avahi \
  --device "image=$CORE_DEV dialect=dev reboot-ms=300 password=s3cret-pw mdns=no" \
  --device "image=$FULL_DEV dialect=dev reboot-ms=300 mdns=no" \
  --device "image=$WEBUI_DEV dialect=dev reboot-ms=300 mdns=no" -- "$@"

# flash N IMAGE [OPTIONS]: the tool against device N with its password file ($PW_FILE
# instead when set: an option is given once).
flash() {
  local n=$1 file=$2
  shift 2
  "$EO_BIN" flash --device "$(dev_address "$n")" --image "$file" \
    --password-file "${PW_FILE:-$(dev_password_file "$n")}" --invite-timeout 1000 \
    --connect-timeout 5000 --result-timeout 20000 "$@"
}

note "core → full, pipelined, JSON result"
out=$(flash 1 "$FULL_DEV" --json 2>"$LAB_DIR/err") || fail "core → full failed: $(<"$LAB_DIR/err")"
assert_eq ok "$(json_field "$out" status)" "json status"
assert_eq OK "$(json_field "$out" device_reply)" "json device_reply"
assert_eq espota "$(json_field "$out" method)" "json method"
assert_eq 655360 "$(json_field "$out" bytes_confirmed)" "json bytes_confirmed"
assert_eq "" "$(<"$LAB_DIR/err")" "nothing on stderr with --json"
lab-device wait-boot 1 2 15 || fail "device 1 did not reboot after the full image"
assert_eq "$DEV_VERSION full" "$(dev_running 1)" "device 1 runs the full image"

note "full → core, --window 1 (stop-and-wait), fixed --host-port, text result"
out=$(flash 1 "$CORE_1141" --window 1 --host-port 47123 --quiet 2>"$LAB_DIR/err") ||
  fail "full → core with --window 1 failed: $(<"$LAB_DIR/err")"
assert_contains "$out" "reply      OK" "text result"
assert_contains "$out" "296960 bytes" "text result names the image size"
assert_eq "" "$(<"$LAB_DIR/err")" "nothing on stderr with --quiet"
assert_contains "$(lab-device log 1)" ":47123" "device connected back to --host-port"
lab-device wait-boot 1 3 15 || fail "device 1 did not reboot after the core image"
assert_eq "1.14.1 core" "$(dev_running 1)" "device 1 runs the core image again"

note "wrong password: exit 8, nothing changes"
printf 'fibonacci\n' >"$LAB_DIR/wrong"
chmod 600 "$LAB_DIR/wrong"
status=0
err=$(PW_FILE=$LAB_DIR/wrong flash 1 "$FULL_DEV" 2>&1 >/dev/null) || status=$?
assert_eq 8 "$status" "wrong password exit status"
assert_eq "espurna-ota: device $(dev_address 1) rejected the password; check the password in --password-file, ESPURNA_OTA_PASSWORD or the password store" \
  "$err" "wrong password message"
assert_eq 3 "$(lab-device boots 1)" "no reboot after a refused password"

note "password from ESPURNA_OTA_PASSWORD works; --password works and warns"
out=$(ESPURNA_OTA_PASSWORD=$(<"$(dev_password_file 1)") "$EO_BIN" flash -q \
  --device "$(dev_address 1)" --image "$CORE_DEV" --invite-timeout 1000 2>&1) ||
  fail "flash with ESPURNA_OTA_PASSWORD failed: $out"
lab-device wait-boot 1 4 15 || fail "device 1 did not reboot (env password)"
err=$("$EO_BIN" flash -q --device "$(dev_address 1)" --image "$CORE_1141" \
  --password "$(<"$(dev_password_file 1)")" 2>&1 >/dev/null) || fail "flash with --password failed: $err"
assert_contains "$err" "warning: --password shows the password" "--password warns"
assert_not_contains "$err" "$(<"$(dev_password_file 1)")" "the password is never printed"
lab-device wait-boot 1 5 15 || fail "device 1 did not reboot (--password)"

note "no password for a device that asks: exit 8 with what to do"
status=0
err=$(env -u ESPURNA_OTA_PASSWORD XDG_CONFIG_HOME="$LAB_DIR/none" "$EO_BIN" flash \
  --device "$(dev_address 1)" --image "$FULL_DEV" 2>&1 >/dev/null) || status=$?
assert_eq 8 "$status" "missing password exit status"
assert_contains "$err" "asks for a password and none was given; give it with --password-file FILE" "missing password message"

note "a real Not Enough Space: full 1.14.1 (150 sectors) beside full 1.15 (160): exit 5"
status=0
err=$(flash 2 "$FULL_1141" 2>&1 >/dev/null) || status=$?
assert_eq 5 "$status" "not enough space exit status"
assert_contains "$err" "has not enough space for espurna-1.14.1-itead-sonoff-basic.bin" "nospace message"
assert_contains "$err" "the image needs 614400 bytes (150 sectors)" "nospace names the size"
assert_contains "$err" "flash a core image first" "nospace points to the two-step upgrade"
assert_eq 1 "$(lab-device boots 2)" "no reboot after a refusal"

note "a webui build has no espota: exit 6, says nothing listens"
status=0
err=$(flash 3 "$CORE_DEV" --invite-tries 2 2>&1 >/dev/null) || status=$?
assert_eq 6 "$status" "no espota exit status"
assert_contains "$err" "nothing listens for espota on device $(dev_address 3) port" \
  "no espota message"

note "not an image: exit 4 before anything is sent"
head -c 5000 /dev/urandom >"$LAB_DIR/junk.bin"
seen=$(lab-device log 2 | grep -c "espota: from")
status=0
"$EO_BIN" flash --device "$(dev_address 2)" --image "$LAB_DIR/junk.bin" --password-file "$(dev_password_file 2)" 2>/dev/null || status=$?
assert_eq 4 "$status" "junk image exit status"
assert_eq "$seen" "$(lab-device log 2 | grep -c "espota: from")" "the device got no invitation"
note "pass"
