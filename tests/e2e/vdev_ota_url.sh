#!/usr/bin/env bash
# tests/e2e/vdev_ota_url.sh — the terminal's `ota <url>` on the virtual device (core builds'
# second step): "+OK" at once, the device fetches the image from a plain HTTP server inside the
# lab (python3 -m http.server on the lab's loopback), reboots and runs the new version; a URL
# that serves no image (404 page) or an image larger than the free space changes nothing.
source "$(dirname "$0")/lib.sh"

CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
OVERSIZED=$(image "espurna-$DEV_VERSION-oversized-1m.bin")

lab_reexec --device "image=$CORE_DEV dialect=dev reboot-ms=300" \
  --device "image=$CORE_1141 dialect=1.14 reboot-ms=300" -- "$@"

SERVE=$LAB_DIR/www
mkdir -p "$SERVE"
cp "$FULL_DEV" "$FULL_1141" "$OVERSIZED" "$SERVE/"
python3 -m http.server 8080 --bind 127.0.0.1 --directory "$SERVE" >"$LAB_DIR/http.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' EXIT
wait_until 10 curl -s -o /dev/null http://127.0.0.1:8080/ || fail "http server did not start"
URL=http://127.0.0.1:8080

note "device 1: a URL that serves a 404 page is fetched and refused"
out=$(telnet 1 "ota $URL/missing.bin") || fail "ota missing: $out"
assert_contains "$out" "+OK" "ota answers +OK at once"
wait_until 10 grep -q '"GET /missing.bin' "$LAB_DIR/http.log" || fail "device 1 never fetched the URL"
wait_until 10 grep -q '\[OTA\] ERROR' "$LAB_DIR/dev/1/log" || fail "device 1 logged no OTA error"
assert_eq 1 "$(lab-device boots 1)" "device 1: no reboot after a bad download"

note "device 1: an image larger than the free space"
out=$(telnet 1 "ota $URL/$(basename "$OVERSIZED")") || fail "ota oversized: $out"
wait_until 10 grep -q '\[OTA\] ERROR\[4\]: Not Enough Space' "$LAB_DIR/dev/1/log" ||
  fail "device 1: no 'Not Enough Space' for the oversized image: $(tail -n 5 "$LAB_DIR/dev/1/log")"
assert_eq 1 "$(lab-device boots 1)" "device 1: no reboot after an oversized download"

note "device 1 (dev): core -> full by ota <url>"
out=$(telnet 1 "ota $URL/$(basename "$FULL_DEV")") || fail "ota: $out"
assert_contains "$out" "+OK" "ota answers +OK"
lab-device wait-boot 1 2 15 || fail "device 1 did not reboot after ota"
grep -q "\"GET /$(basename "$FULL_DEV") HTTP/1.[01]\" 200" "$LAB_DIR/http.log" ||
  fail "device 1: the server did not serve the image: $(cat "$LAB_DIR/http.log")"
assert_eq "$DEV_VERSION" "$(info_version 1)" "device 1 version"
assert_contains "$(lab-device log 1)" "[OTA] Success: $(stat -c %s "$FULL_DEV") bytes" "device 1 log"
assert_contains "$(lab-device log 1)" "booted $DEV_VERSION (full)" "device 1 boots the full image"

note "device 2 (1.14): core -> full by ota <url>"
out=$(telnet 2 "ota $URL/$(basename "$FULL_1141")") || fail "ota: $out"
assert_contains "$out" "+OK" "ota answers +OK"
lab-device wait-boot 2 2 15 || fail "device 2 did not reboot after ota"
assert_eq 1.14.1 "$(json_field "$(discover 2)" version)" "device 2 /discover after ota"
assert_contains "$(lab-device log 2)" "booted 1.14.1 (full)" "device 2 boots the full image"
note "pass"
