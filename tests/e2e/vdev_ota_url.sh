#!/usr/bin/env bash
# tests/e2e/vdev_ota_url.sh — the terminal's `ota <url>` on the virtual device (core builds'
# second step), per era: the device fetches the image from a plain HTTP server inside the lab
# (python3 -m http.server on the lab's loopback), reboots and runs the new version; a URL that
# serves no image (404 page) or an image larger than the free space changes nothing. The lines
# it prints: dev "[OTA] Connecting to host:port" before "+OK", "[OTA] Downloading <path>",
# "[OTA] Success: %7u bytes", "[OTA] ERROR: No magic byte / invalid flash config"; 1.14.1 the
# same with prefixes and without the "Connecting" line; 1.14.0 no header check (the Updater's
# refusal goes to the serial port only). The silent 1.14 core build prints nothing, not even
# "+OK", and still downloads and installs.
source "$(dirname "$0")/lib.sh"

CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
OVERSIZED=$(image "espurna-$DEV_VERSION-oversized-1m.bin")

lab_reexec --device "image=$CORE_DEV reboot-ms=300" \
  --device "image=$CORE_1141 reboot-ms=300" \
  --device "image=$FULL_1141 reboot-ms=300" \
  --device "image=$FULL_1140 reboot-ms=300" -- "$@"

SERVE=$LAB_DIR/www
mkdir -p "$SERVE"
cp "$FULL_DEV" "$FULL_1141" "$OVERSIZED" "$SERVE/"
python3 -m http.server 8080 --bind 127.0.0.1 --directory "$SERVE" >"$LAB_DIR/http.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' EXIT
wait_until 10 curl -s -o /dev/null http://127.0.0.1:8080/ || fail "http server did not start"
URL=http://127.0.0.1:8080

# raw N [LINE...]: an independent client sends the lines (password first on full builds) and
# prints what came back within a second of quiet after each.
raw() {
  local n=$1
  shift
  python3 "$E2E_TOOLS/telnet_client.py" --raw --idle 1 --address "$(dev_address "$n")" "$@"
}

note "device 1 (dev core): a URL that serves a 404 page is fetched and refused"
out=$(raw 1 "ota $URL/missing.bin") || fail "ota missing: $out"
assert_contains "$out" "[OTA] Connecting to 127.0.0.1:8080
+OK
[OTA] Downloading /missing.bin
[OTA] ERROR: No magic byte / invalid flash config

[OTA] Disconnected" "dev: the whole dialogue"
grep -q '"GET /missing.bin' "$LAB_DIR/http.log" || fail "device 1 never fetched the URL"
assert_eq 1 "$(lab-device boots 1)" "device 1: no reboot after a bad download"

note "device 1: an image larger than the free space"
out=$(raw 1 "ota $URL/$(basename "$OVERSIZED")") || fail "ota oversized: $out"
assert_contains "$out" "[OTA] ERROR[4]: Not Enough Space" "dev: the Updater's words"
assert_contains "$(lab-device log 1)" "[OTA] ERROR[4]: Not Enough Space" "device 1 log"
assert_eq 1 "$(lab-device boots 1)" "device 1: no reboot after an oversized download"

note "device 1 (dev): core -> full by ota <url>"
out=$(telnet 1 "ota $URL/$(basename "$FULL_DEV")") || fail "ota: $out"
assert_contains "$out" "+OK" "ota answers +OK"
lab-device wait-boot 1 2 15 || fail "device 1 did not reboot after ota"
grep -q "\"GET /$(basename "$FULL_DEV") HTTP/1.[01]\" 200" "$LAB_DIR/http.log" ||
  fail "device 1: the server did not serve the image: $(cat "$LAB_DIR/http.log")"
assert_eq "$DEV_VERSION" "$(info_version 1)" "device 1 version"
assert_contains "$(lab-device log 1)" "[OTA] Success:  $(stat -c %s "$FULL_DEV") bytes" "device 1 log (%7u)"
assert_contains "$(lab-device log 1)" "booted $DEV_VERSION (full)" "device 1 boots the full image"

note "device 3 (1.14.1 full): the 404 page, with prefixes and no Connecting line"
out=$(raw 3 fibonacci "ota $URL/missing.bin" ota) || fail "1.14.1 ota missing: $out"
grep -q '^\[[0-9]\{6\}\] +OK$' <<<"$out" || fail "1.14.1 +OK: $out"
grep -q '^\[[0-9]\{6\}\] \[OTA\] Downloading /missing.bin$' <<<"$out" || fail "1.14.1 Downloading: $out"
grep -q '^\[[0-9]\{6\}\] \[OTA\] ERROR: No magic byte / invalid flash config$' <<<"$out" ||
  fail "1.14.1 header refusal (ended by the disconnect's line end): $out"
grep -q '^\[[0-9]\{6\}\] -ERROR: OTA <url>$' <<<"$out" || fail "1.14.1 ota without a URL: $out"
assert_not_contains "$out" "Connecting" "1.14.1 has no Connecting line"

note "device 4 (1.14.0 full): no header check; the Updater's refusal only on the serial port"
out=$(raw 4 fibonacci "ota $URL/missing.bin") || fail "1.14.0 ota missing: $out"
grep -q '^\[[0-9]\{6\}\] \[OTA\] Disconnected$' <<<"$out" || fail "1.14.0 Disconnected: $out"
assert_not_contains "$out" "ERROR" "1.14.0 telnet shows no error"
assert_contains "$(lab-device log 4)" "serial: ERROR[10]: Magic byte is wrong, not 0xE9" "device 4 log"
assert_eq 1 "$(lab-device boots 4)" "device 4: no reboot"

note "device 2 (1.14.1 core, silent): core -> full by ota <url> without a word"
out=$(raw 2 "ota $URL/$(basename "$FULL_1141")" 2>&1)
[[ -z $out || $out == "[closed]" ]] || fail "the silent core printed something: $out"
lab-device wait-boot 2 2 15 || fail "device 2 did not reboot after ota"
assert_eq 1.14.1 "$(json_field "$(discover 2)" version)" "device 2 /discover after ota"
assert_contains "$(lab-device log 2)" "[OTA] Success:  $(stat -c %s "$FULL_1141") bytes" "device 2 log"
assert_contains "$(lab-device log 2)" "booted 1.14.1 (full)" "device 2 boots the full image"
note "pass"
