#!/usr/bin/env bash
# tests/e2e/vdev_espota_cycle.sh — the two-step upgrade on the virtual device, by espota with
# the independent client: full -> core -> full in the dev era and from 1.14.0 through 1.14.1
# (the era follows the running version), checking the version through the terminal's `info`
# (each era's format; the silent 1.14 core through the device log) and GET /discover after
# every reboot, and that the direct full -> full step is refused while a full image runs: dev
# (core 2.7.4) answers "ERR: ERROR[4]: Not Enough Space", 1.14 (core 2.3.0) says "OK" first and
# then never connects back. The lab has lwIP-sized TCP receive buffers (--tcp-rmem), one step
# keeps 8 chunks in flight, the 1.14 device acks late. gzip images (made here with
# espurna-mkimage --gzip): staged as they are, inflated by the boot copy on core 2.7.4 (dev:
# by the client, and by `espurna-ota flash`); core 2.3.0 (1.14.1) refuses them at the end.
source "$(dirname "$0")/lib.sh"

FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")

lab_reexec --tcp-rmem "2920 5840 5840" --device "image=$FULL_1141 dialect=dev reboot-ms=300" \
  --device "image=$FULL_1140 reboot-ms=300 ack-latency-ms=5 rcvbuf=8192" \
  --device "image=$CORE_DEV reboot-ms=300" --device "image=$FULL_1141 reboot-ms=300" -- "$@"

# check_full N VERSION: a full build runs VERSION (terminal and /discover agree).
check_full() {
  local n=$1 version=$2 info body support
  info=$(telnet "$n" --connect-wait 5 info) || fail "device $n: info failed: $info"
  assert_eq "$version" "$(info_version "$n")" "device $n info version"
  support=$(sed -n -e 's/^support: //p' -e 's/^\[[0-9]*\] \[MAIN\] Support: //p' <<<"$info")
  [[ " $support " == *" WEB "* && " $support " == *" ARDUINO_OTA "* ]] ||
    fail "device $n: a full build should support WEB and ARDUINO_OTA, got '$support'"
  body=$(discover "$n") || fail "device $n: GET /discover failed"
  assert_eq ESPURNA "$(json_field "$body" app)" "device $n /discover app"
  assert_eq "$version" "$(json_field "$body" version)" "device $n /discover version"
  assert_eq "$(lab-device hostname "$n")" "$(json_field "$body" hostname)" "device $n /discover hostname"
}

# check_core N VERSION: a core build runs VERSION: terminal says so, no web server.
check_core() {
  local n=$1 version=$2 info
  info=$(telnet "$n" --connect-wait 5 info) || fail "device $n: info failed: $info"
  assert_contains "$info" "ESPURNA $version built" "device $n info version"
  assert_eq "MDNS ARDUINO_OTA TELNET TERMINAL" "$(sed -n 's/.*support: //p' <<<"$info")" \
    "device $n core support"
  if discover "$n" >/dev/null 2>&1; then fail "device $n: a core build answered GET /discover"; fi
}

# check_silent_core N VERSION: a 1.14 core build runs VERSION (the device log says so); its
# terminal accepts a client and prints nothing; no web server.
check_silent_core() {
  local n=$1 version=$2 out
  assert_eq "$version core" "$(dev_running "$n")" "device $n runs the core"
  out=$(python3 "$E2E_TOOLS/telnet_client.py" --raw --address "$(dev_address "$n")" --connect-wait 5 info) ||
    fail "device $n: the silent core closed the terminal: $out"
  assert_eq "" "$out" "device $n: the 1.14 core prints nothing"
  if discover "$n" >/dev/null 2>&1; then fail "device $n: a core build answered GET /discover"; fi
}

# step N IMAGE BOOTS [CLIENT OPTIONS]: espota IMAGE to device N, expect "OK" and boot BOOTS.
step() {
  local n=$1 file=$2 boots=$3 out
  shift 3
  out=$(espota "$n" "$file" "$@")
  assert_eq OK "$out" "device $n espota $(basename "$file")"
  lab-device wait-boot "$n" "$boots" 10 || fail "device $n did not come back after the upload"
}

note "dev dialect: 1.14.1 full -> $DEV_VERSION full directly is refused"
check_full 1 1.14.1
out=$(espota 1 "$FULL_DEV")
assert_eq "ERR: ERROR[4]: Not Enough Space" "$out" "full over full"
assert_eq 1 "$(lab-device boots 1)" "no reboot after a refused invitation"
check_full 1 1.14.1

note "dev dialect: full -> core -> full"
step 1 "$CORE_DEV" 2
check_core 1 "$DEV_VERSION"
step 1 "$FULL_DEV" 3 --inflight 8
check_full 1 "$DEV_VERSION"

note "1.14: 1.14.0 full -> $DEV_VERSION full directly: \"OK\", then no connection back (core 2.3.0)"
check_full 2 1.14.0
assert_eq "No response from device" "$(espota 2 "$FULL_DEV" --connect-timeout 3)" "full over full"
assert_contains "$(lab-device log 2)" 'begin failed (ERROR[4]: Not Enough Space) after "OK" (core 2.3.0)' \
  "device 2 log"
assert_eq 1 "$(lab-device boots 2)" "no reboot after a silent refusal"

note "1.14: 1.14.0 full -> 1.14.1 core -> 1.14.1 full"
step 2 "$CORE_1141" 2
check_silent_core 2 1.14.1
step 2 "$FULL_1141" 3
check_full 2 1.14.1

note "gzip: a 1.15.1 full image, gzip'd, over the $DEV_VERSION core (client)"
GZ_FULL=$LAB_DIR/espurna-1.15.1-itead-sonoff-basic.bin.gz
"$EO_MKIMAGE" --output "$GZ_FULL" --size 655360 --kind full --version 1.15.1 \
  --environment itead-sonoff-basic --board ITEAD_SONOFF_BASIC --gzip || fail "mkimage --gzip"
step 3 "$GZ_FULL" 2
check_full 3 1.15.1
assert_contains "$(lab-device log 3)" "eboot: copied the staged update" "device 3: the boot copy"
assert_contains "$(lab-device log 3)" "booted 1.15.1 (full) on $(lab-device hostname 3), 655360 bytes" \
  "device 3 runs the inflated image"

GZ_CORE=$LAB_DIR/espurna-1.15.1-espurna-minimal-arduino-ota-1m.bin.gz
"$EO_MKIMAGE" --output "$GZ_CORE" --size 358400 --kind core --version 1.15.1 \
  --environment espurna-minimal-arduino-ota-1m --board ESPURNA_MINIMAL_ARDUINO_OTA --gzip ||
  fail "mkimage --gzip"

note "gzip over 1.14.1 full: core 2.3.0 takes the bytes and refuses them at the end"
assert_eq "ERROR[10]: Magic byte is wrong, not 0xE9" "$(espota 4 "$GZ_CORE")" "gzip over 1.14.1"
sleep 1
assert_eq 1 "$(lab-device boots 4)" "device 4: no reboot"
check_full 4 1.14.1

note "gzip: the 1.15.1 core image, gzip'd, over $DEV_VERSION full (espurna-ota flash)"
"$EO_BIN" flash --device "$(dev_address 1)" --image "$GZ_CORE" --password-file "$(dev_password_file 1)" \
  >"$LAB_DIR/out" 2>&1 || fail "espurna-ota flash of a gzip image: $(<"$LAB_DIR/out")"
lab-device wait-boot 1 4 10 || fail "device 1 did not come back after the gzip upload"
check_core 1 1.15.1
note "pass"
