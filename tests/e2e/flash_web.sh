#!/usr/bin/env bash
# tests/e2e/flash_web.sh — `espurna-ota flash --method web` against virtual devices: a full
# upgrade on a 1.14 device (then it runs the new version) whose body crosses the wire once, the
# JSON result, the no-auth minimal-webui build, a wrong and a missing password (nothing sent),
# a device that says "Not Enough Space" (two-step advice only when a core image can make room),
# a 4 MB build to a 1 MB device, a core build (no web server), a rebooting device and an
# unreachable network (no core-build advice), /discover naming another device, and no password
# in any output. Slow devices, stalls and interruptions: flash_web_slow.sh.
source "$(dirname "$0")/lib.sh"

FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
WEBUI_DEV=$(image "espurna-$DEV_VERSION-minimal-webui-1m.bin")
FULL_4M=$(image "espurna-$DEV_VERSION-nodemcu-lolin-4m.bin")
OVERSIZED=$(image "espurna-$DEV_VERSION-oversized-1m.bin")

lab_reexec --no-avahi \
  --device "image=$FULL_1140 dialect=1.14.0 reboot-ms=300 password=Web-pw-1140 mdns=no" \
  --device "image=$FULL_DEV dialect=dev reboot-ms=300 fault=no-space mdns=no" \
  --device "image=$CORE_DEV dialect=dev reboot-ms=300 mdns=no" \
  --device "image=$WEBUI_DEV dialect=dev reboot-ms=300 mdns=no" \
  --device "image=$FULL_DEV dialect=dev reboot-ms=300 fault=slow-reboot=600000 mdns=no" -- "$@"

# no password source but the ones a test gives
unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home

# flash N IMAGE [OPTIONS]: the tool against device N by the web method.
flash() {
  local n=$1 file=$2
  shift 2
  "$EO_BIN" flash --method web --device "$(dev_address "$n")" --image "$file" \
    --connect-timeout 5000 --stall-timeout 20000 "$@"
}

WRONG=$LAB_DIR/wrong-password
echo "not-the-password" >"$WRONG"
chmod 600 "$WRONG"
A1=$(dev_address 1)

# log_mark N: where device N's log ends now; log_since N MARK: its lines after that.
log_mark() { lab-device log "$1" | wc -l; }
log_since() { lab-device log "$1" | tail -n "+$(($2 + 1))"; }
# bodies N MARK: how many POST /upgrade requests with a non-empty body device N read since MARK.
bodies() {
  log_since "$1" "$2" | grep -c '^web: POST /upgrade: request ended, [1-9][0-9]* body bytes read$'
}

note "device 1 (1.14): wrong password → exit 8, nothing flashed, the body sent once"
mark=$(log_mark 1)
status=0
out=$(flash 1 "$FULL_1141" --password-file "$WRONG" 2>"$LAB_DIR/err") || status=$?
assert_eq 8 "$status" "wrong password exit status"
assert_eq "espurna-ota: wrong password for admin@$A1 (the web upload answered 401); check the password in --password-file, ESPURNA_OTA_PASSWORD or the password store" \
  "$(tail -n 1 "$LAB_DIR/err")" "wrong password message"
assert_eq "" "$out" "nothing on stdout after a failure"
assert_eq 1 "$(bodies 1 "$mark")" "a wrong password costs one body, not two"

note "device 1: no password at all → exit 8 before any of the image is sent"
mark=$(log_mark 1)
status=0
flash 1 "$FULL_1141" 2>"$LAB_DIR/err" || status=$?
assert_eq 8 "$status" "missing password exit status"
assert_eq "espurna-ota: $A1 asks for the admin password and none was given; nothing was sent; give it with --password-file FILE, ESPURNA_OTA_PASSWORD or the password store" \
  "$(tail -n 1 "$LAB_DIR/err")" "missing password message"
assert_not_contains "$(log_since 1 "$mark")" "POST /upgrade" "no upload without a password"

note "device 1: /discover names another device → refused before uploading"
status=0
flash 1 "$FULL_1141" --password-file "$(dev_password_file 1)" --expect-hostname ESPURNA-FFFFFF \
  2>"$LAB_DIR/err" || status=$?
assert_eq 6 "$status" "wrong device exit status"
assert_eq "espurna-ota: $A1 answers as $(lab-device hostname 1), not ESPURNA-FFFFFF: refusing to upload; check the address, or name the device you mean with --expect-hostname" \
  "$(tail -n 1 "$LAB_DIR/err")" "wrong device message"
assert_eq 1 "$(lab-device boots 1)" "device 1 untouched so far"

note "device 1: 1.14.0 → 1.14.1 full by web, Digest auth, the body crosses the wire once, JSON"
mark=$(log_mark 1)
out=$(flash 1 "$FULL_1141" --password-file "$(dev_password_file 1)" \
  --expect-hostname "$(lab-device hostname 1).local" --json 2>"$LAB_DIR/err") ||
  fail "web upgrade failed: $(<"$LAB_DIR/err")"
assert_eq ok "$(json_field "$out" status)" "json status"
assert_eq web "$(json_field "$out" method)" "json method"
assert_eq OK "$(json_field "$out" device_reply)" "json device_reply"
assert_eq 614400 "$(json_field "$out" bytes_confirmed)" "json bytes_confirmed"
assert_eq "" "$(<"$LAB_DIR/err")" "nothing on stderr with --json"
lab-device wait-boot 1 2 15 || fail "device 1 did not reboot after the upload"
assert_eq "1.14.1 full" "$(dev_running 1)" "device 1 runs the new image"
assert_eq 1 "$(bodies 1 "$mark")" "the image crossed the wire once"
assert_contains "$(log_since 1 "$mark")" "web: POST /upgrade (614400 bytes) -> 200 OK" "the one body"
assert_not_contains "$out $(lab-device log 1)" "Web-pw-1140" "no password in output or device log"

note "device 1: a 4 MB build on a 1 MB device that says 'ERROR 4' → no two-step advice"
status=0
flash 1 "$FULL_4M" --password-file "$(dev_password_file 1)" 2>"$LAB_DIR/err" || status=$?
assert_eq 5 "$status" "4 MB build exit status"
assert_contains "$(<"$LAB_DIR/err")" "device said 'ERROR 4': the image is built for 4096 KiB of flash; a device with less cannot take it at all" \
  "4 MB build message"
assert_contains "$(<"$LAB_DIR/err")" "use the build for the device's flash size" "flash size advice"
assert_not_contains "$(<"$LAB_DIR/err")" "core image first" "no two-step advice for a 4 MB build"
assert_eq 2 "$(lab-device boots 1)" "device 1 did not reboot"

note "device 1: text result names the device that answered"
out=$(flash 1 "$CORE_1141" --password-file "$(dev_password_file 1)" 2>"$LAB_DIR/err") ||
  fail "web core upload failed: $(<"$LAB_DIR/err")"
assert_contains "$(tr -s " " <<<"$out")" "reply OK" "text result"
assert_contains "$(<"$LAB_DIR/err")" "$A1 answers as $(lab-device hostname 1) (ESPURNA 1.14.1)" \
  "who answered"
lab-device wait-boot 1 3 15 || fail "device 1 did not reboot after the core image"
assert_eq "1.14.1 core" "$(dev_running 1)" "device 1 runs the core image"

note "device 2: the device has no room → exit 5 with the two-step advice"
status=0
flash 2 "$CORE_1141" --password-file "$(dev_password_file 2)" 2>"$LAB_DIR/err" || status=$?
assert_eq 5 "$status" "no space exit status"
assert_contains "$(<"$LAB_DIR/err")" "has not enough free space for this image (296960 bytes, 73 sectors;" \
  "no space message"
assert_contains "$(<"$LAB_DIR/err")" "device said 'ERROR[4]: Not Enough Space'; flash a core image first" \
  "device's own words, then the two-step advice"
assert_eq 1 "$(lab-device boots 2)" "device 2 did not reboot"

note "device 2: an image no core image can make room for → no two-step advice"
status=0
flash 2 "$OVERSIZED" --password-file "$(dev_password_file 2)" 2>"$LAB_DIR/err" || status=$?
assert_eq 5 "$status" "oversized exit status"
assert_eq "espurna-ota: $(dev_address 2) has not enough free space for this image (819200 bytes, 200 sectors; the web upload needs one sector more than espota) — device said 'ERROR[4]: Not Enough Space': even beside the smallest core image a 1024 KiB flash takes at most 724992 bytes this way, so no core image can make room" \
  "$(tail -n 1 "$LAB_DIR/err")" "oversized message"

note "device 3: a core build refuses port 80 while its terminal answers → the other methods"
status=0
flash 3 "$FULL_DEV" --password-file "$(dev_password_file 3)" 2>"$LAB_DIR/err" || status=$?
assert_eq 6 "$status" "core build exit status"
assert_eq "espurna-ota: $(dev_address 3) refused a connection to its web server at http://$(dev_address 3):80/discover while its terminal port 23 answers: it runs no web server (a core build); use --method espota or --method terminal" \
  "$(tail -n 1 "$LAB_DIR/err")" "core build message"

note "device 5: while it reboots every port refuses → 'may be rebooting', no core-build advice"
telnet 5 reset >/dev/null || fail "device 5: reset failed"
wait_until 20 grep -q '^rebooting' "$LAB_DIR/dev/5/log" || fail "device 5 did not start rebooting"
status=0
flash 5 "$FULL_DEV" --password-file "$(dev_password_file 5)" 2>"$LAB_DIR/err" || status=$?
assert_eq 6 "$status" "rebooting device exit status"
assert_eq "espurna-ota: $(dev_address 5) refused the connection to http://$(dev_address 5):80/discover, and to its terminal port too: it may be rebooting, or it is not an ESPurna device; try again" \
  "$(tail -n 1 "$LAB_DIR/err")" "rebooting device message"
assert_eq 1 "$(lab-device boots 5)" "device 5 is still rebooting"

note "no route to the address → unreachable, no core-build advice"
status=0
"$EO_BIN" flash --method web --device 10.255.255.1 --image "$FULL_DEV" --connect-timeout 5000 \
  2>"$LAB_DIR/err" || status=$?
assert_eq 6 "$status" "unreachable network exit status"
assert_eq "espurna-ota: cannot reach 10.255.255.1 at http://10.255.255.1:80/discover: Network is unreachable" \
  "$(tail -n 1 "$LAB_DIR/err")" "unreachable network message"

note "device 4: minimal-webui takes the upload without auth"
out=$(flash 4 "$FULL_DEV" --quiet) || fail "webui upload failed"
assert_contains "$(tr -s " " <<<"$out")" "reply OK" "webui text result"
lab-device wait-boot 4 2 15 || fail "device 4 did not reboot"
assert_eq "$DEV_VERSION full" "$(dev_running 4)" "device 4 runs the full image"

note "usage: web options with another method are refused"
status=0
"$EO_BIN" flash --device "$A1" --image "$FULL_DEV" --method espota --web-port 8080 \
  2>"$LAB_DIR/err" || status=$?
assert_eq 2 "$status" "--web-port with espota"
assert_eq "espurna-ota flash: --web-port is for --method web, not --method espota
try 'espurna-ota flash --help'" "$(<"$LAB_DIR/err")" "usage message"
status=0
"$EO_BIN" flash --device "$A1" --image "$FULL_DEV" --method web --window 4 \
  2>"$LAB_DIR/err" || status=$?
assert_eq 2 "$status" "--window with web"
assert_eq "espurna-ota flash: --window is for --method espota, not --method web
try 'espurna-ota flash --help'" "$(<"$LAB_DIR/err")" "espota option with web"
status=0
"$EO_BIN" flash --device "$A1" --image "$FULL_DEV" --method terminal --result-timeout 5000 \
  2>"$LAB_DIR/err" || status=$?
assert_eq 2 "$status" "--result-timeout with terminal"
assert_eq "espurna-ota flash: --result-timeout is for --method espota or web, not --method terminal
try 'espurna-ota flash --help'" "$(<"$LAB_DIR/err")" "--result-timeout is for espota and web"
echo "flash_web: ok"
