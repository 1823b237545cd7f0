#!/usr/bin/env bash
# watch_reboot.sh — identification and the reboot wait of the upgrade module, through the
# tests/tools/eo-watch driver, against virtual devices: a full 1.14.1 and a dev device learnt
# from mDNS (+ the terminal's MD5), a core device without mDNS or web learnt from its terminal;
# a flash seen gone then back as a core build, a power cycle (stop, start) seen gone and back,
# a device that never comes back (timeout), one that never goes ("did not reboot"), a cancel
# that ends the wait within a second, the soak; and in a lab without avahi-daemon the http
# fallback and a reboot noticed by its ports alone.
source "$(dirname "$0")/lib.sh"

FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")
WATCH=$EO_BUILD/tests/tools/eo-watch
[[ -x $WATCH ]] || fail "test driver $WATCH not built"

# ---- helpers ------------------------------------------------------------------------------
# jf FILE EXPR: a Python expression over the JSON document d read from FILE.
jf() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# start_watch NAME ARGS...: eo-watch in the background (stdout $LAB_DIR/NAME.json, stderr
# $LAB_DIR/NAME.err), returns once it said "ready"; its pid in WATCH_PID.
start_watch() {
  local name=$1
  shift
  "${INTERRUPTIBLE[@]}" "$WATCH" "$@" >"$LAB_DIR/$name.json" 2>"$LAB_DIR/$name.err" &
  WATCH_PID=$!
  BG_PIDS+=("$WATCH_PID")
  wait_until 20 grep -qs '^ready$' "$LAB_DIR/$name.err" ||
    fail "$name: the driver did not get ready: $(<"$LAB_DIR/$name.err")"
}

# finish_watch NAME SECONDS: waits (bounded) for the driver; its exit status in WATCH_STATUS.
watch_ended() { ! kill -0 "$WATCH_PID" 2>/dev/null; }
finish_watch() {
  local name=$1 seconds=$2
  wait_until "$seconds" watch_ended ||
    fail "$name: the driver did not end within $seconds s"
  WATCH_STATUS=0
  wait "$WATCH_PID" || WATCH_STATUS=$?
}
trap stop_background EXIT

no_avahi_phase() {
  note "no avahi-daemon: identify falls back to GET /discover and says why free space is missing"
  capture "$WATCH" identify "$(dev_address 1)" --name ESPURNA-00000B
  assert_eq 0 "$status" "http fallback status ($out $err)"
  echo "$out" >"$LAB_DIR/id.json"
  assert_eq "['http']" "$(jf "$LAB_DIR/id.json" 'd["identity"]["sources"]')" "http fallback sources"
  assert_eq 1.14.1 "$(jf "$LAB_DIR/id.json" 'd["identity"]["device"]["version"]')" "http version"
  assert_contains "$(jf "$LAB_DIR/id.json" 'd["identity"]["missing"]')" \
    "free space, flash size: no avahi-daemon" "missing names the cause"

  note "no avahi-daemon: a flash's reboot is seen by the ports alone"
  start_watch flash reboot "$(dev_address 1)" --timeout 30000 --password-file "$(dev_password_file 1)"
  "$EO_BIN" flash -q --device "$(dev_address 1)" --image "$CORE_DEV" \
    --password-file "$(dev_password_file 1)" --invite-timeout 1000 >/dev/null 2>&1 ||
    fail "flash of the dev core image failed"
  finish_watch flash 40
  assert_eq 0 "$WATCH_STATUS" "reboot wait status: $(<"$LAB_DIR/flash.json")"
  assert_eq True "$(jf "$LAB_DIR/flash.json" 'd["seen"]["gone_s"] >= 0 and d["seen"]["back_s"] > d["seen"]["gone_s"]')" \
    "gone, then back: $(<"$LAB_DIR/flash.json")"
  assert_eq "$DEV_VERSION core ['terminal']" \
    "$(jf "$LAB_DIR/flash.json" '" ".join((d["after"]["device"]["version"], d["after"]["device"]["kind"], str(d["after"]["sources"])))')" \
    "after the flash (no web any more: the terminal's info)"
  note "ports only: $(jf "$LAB_DIR/flash.json" 'd["seen"]')"
}

# ---- the lab without avahi-daemon first, then the one with it --------------------------
if [[ -z ${E2E_IN_LAB:-} ]]; then
  require_lab
  E2E_IN_LAB=1 bash "$EO_SOURCE/tests/lab/run" --no-avahi \
    --device "image=$FULL_1141 reboot-ms=10000 mdns=no" -- bash "$0" no-avahi || exit $?
fi
if [[ ${1:-} == no-avahi ]]; then
  no_avahi_phase
  exit 0
fi

lab_reexec \
  --device "image=$FULL_1141 reboot-ms=10000" \
  --device "image=$FULL_DEV reboot-ms=10000" \
  --device "image=$CORE_DEV mdns=no" \
  --device "image=$FULL_DEV fault=never-return" -- "$@"

note "full 1.14.1: mDNS record (version, kind, free space) and the terminal's md5"
capture "$WATCH" identify "$(dev_address 1)" --name ESPURNA-00000B --md5 \
  --password-file "$(dev_password_file 1)"
assert_eq 0 "$status" "identify device 1 ($out $err)"
echo "$out" >"$LAB_DIR/id1.json"
assert_eq "1.14.1 full 413696" \
  "$(jf "$LAB_DIR/id1.json" '" ".join(str(x) for x in (d["identity"]["device"]["version"], d["identity"]["device"]["kind"], d["identity"]["device"]["free_space"]["bytes"]))')" \
  "device 1 version, kind, free space"
assert_eq "['mdns', 'terminal']" "$(jf "$LAB_DIR/id1.json" 'd["identity"]["sources"]')" "device 1 sources"
assert_eq 32 "$(jf "$LAB_DIR/id1.json" 'len(d["identity"]["md5"])')" "device 1 md5"

note "dev full: mDNS record, KiB free space converted, md5 from 'md5:'"
capture "$WATCH" identify "$(dev_address 2)" --md5 --password-file "$(dev_password_file 2)"
assert_eq 0 "$status" "identify device 2 ($out $err)"
echo "$out" >"$LAB_DIR/id2.json"
assert_eq "$DEV_VERSION full converted" \
  "$(jf "$LAB_DIR/id2.json" '" ".join((d["identity"]["device"]["version"], d["identity"]["device"]["kind"], d["identity"]["device"]["free_space"]["source"]))')" \
  "device 2 version, kind, free space source"
assert_eq 32 "$(jf "$LAB_DIR/id2.json" 'len(d["identity"]["md5"])')" "device 2 md5"

note "dev core without mDNS or web: the terminal's info"
capture "$WATCH" identify "$(dev_address 3)" --password-file "$(dev_password_file 3)"
assert_eq 0 "$status" "identify device 3 ($out $err)"
echo "$out" >"$LAB_DIR/id3.json"
assert_eq "['terminal'] $DEV_VERSION core" \
  "$(jf "$LAB_DIR/id3.json" '" ".join((str(d["identity"]["sources"]), d["identity"]["device"]["version"], d["identity"]["device"]["kind"]))')" \
  "device 3 from the terminal"
assert_contains "$(jf "$LAB_DIR/id3.json" 'd["identity"]["missing"]')" "free space" "device 3 missing"

note "a flash: device 1 goes, comes back as a core build, identified from its new mDNS record"
start_watch flash reboot "$(dev_address 1)" --name ESPURNA-00000B --timeout 30000 \
  --password-file "$(dev_password_file 1)"
"$EO_BIN" flash -q --device "$(dev_address 1)" --image "$CORE_1141" \
  --password-file "$(dev_password_file 1)" --invite-timeout 1000 >/dev/null 2>&1 ||
  fail "flash of the core image failed"
finish_watch flash 40
assert_eq 0 "$WATCH_STATUS" "reboot wait status: $(<"$LAB_DIR/flash.json")"
assert_eq True "$(jf "$LAB_DIR/flash.json" 'd["seen"]["gone_s"] >= 0 and d["seen"]["back_s"] > d["seen"]["gone_s"]')" \
  "gone, then back: $(<"$LAB_DIR/flash.json")"
assert_eq "1.14.1 core mdns" \
  "$(jf "$LAB_DIR/flash.json" '" ".join((d["after"]["device"]["version"], d["after"]["device"]["kind"], d["after"]["sources"][0]))')" \
  "after the flash"
assert_contains "$(jf "$LAB_DIR/flash.json" '[e["text"] for e in d["events"]]')" "went away" "went-away event"
assert_contains "$(jf "$LAB_DIR/flash.json" '[e["text"] for e in d["events"]]')" "is back" "is-back event"
note "flash: $(jf "$LAB_DIR/flash.json" 'd["seen"]')"

note "a power cycle: device 2 stopped for a second, then started"
start_watch cycle reboot "$(dev_address 2)" --timeout 30000 --password-file "$(dev_password_file 2)"
lab-device stop 2
sleep 1
lab-device start 2
finish_watch cycle 40
assert_eq 0 "$WATCH_STATUS" "power cycle status: $(<"$LAB_DIR/cycle.json")"
assert_eq True "$(jf "$LAB_DIR/cycle.json" 'd["seen"]["gone_s"] >= 0 and d["seen"]["back_s"] > d["seen"]["gone_s"]')" \
  "gone, then back: $(<"$LAB_DIR/cycle.json")"
assert_eq "$DEV_VERSION" "$(jf "$LAB_DIR/cycle.json" 'd["after"]["device"]["version"]')" "version after"
note "power cycle: $(jf "$LAB_DIR/cycle.json" 'd["seen"]')"

note "a device that never comes back: timeout, check_version hint"
start_watch never reboot "$(dev_address 4)" --timeout 3000
telnet 4 reset >/dev/null 2>&1 || true
finish_watch never 10
assert_eq 6 "$WATCH_STATUS" "never-return status"
assert_eq "$(dev_address 4) did not come back within 3 s: it may still be copying the new image; if it never answers again, the copy was cut (a power loss during it leaves a broken image) and only serial flashing recovers it" \
  "$(jf "$LAB_DIR/never.json" 'd["message"]')" "never-return message"
assert_eq check_version "$(jf "$LAB_DIR/never.json" 'd["hint"]')" "never-return hint"

note "a device that does not reboot: 'did not reboot' after the go timeout"
start_watch stays reboot "$(dev_address 2)" --timeout 20000 --go-timeout 1500
finish_watch stays 15
assert_eq 6 "$WATCH_STATUS" "stays-up status"
assert_contains "$(jf "$LAB_DIR/stays.json" 'd["message"]')" \
  "$(dev_address 2) did not reboot: it still runs $DEV_VERSION (full)" "stays-up message"
assert_contains "$(jf "$LAB_DIR/stays.json" 'd["message"]')" \
  "it may install what it was sent at its next restart" "stays-up: it holds the image"
assert_eq restart "$(jf "$LAB_DIR/stays.json" 'd["hint"]')" "stays-up hint"

note "a cancel (SIGINT) ends the wait within a second"
start_watch cancel reboot "$(dev_address 2)" --timeout 30000
sleep 0.5
kill -INT "$WATCH_PID"
sent=$EPOCHREALTIME
finish_watch cancel 5
took=$(python3 -c "import sys,time; print(time.time() - float(sys.argv[1]))" "$sent")
assert_eq 130 "$WATCH_STATUS" "cancel status"
assert_eq "interrupted 2" "$(jf "$LAB_DIR/cancel.json" 'd["status"] + " " + str(d["signal"])')" "cancel outcome"
assert_contains "$(jf "$LAB_DIR/cancel.json" 'd["message"]')" \
  "interrupted while waiting for $(dev_address 2) to reboot" "cancel message"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 1.0 else 1)" "$took" ||
  fail "the cancel took $took s"

note "soak: a device that stays up passes; one that reboots meanwhile fails"
capture "$WATCH" soak "$(dev_address 2)" --seconds 2
assert_eq 0 "$status" "soak of a steady device ($out)"
start_watch soak soak "$(dev_address 2)" --seconds 20
sleep 0.5
telnet 2 reset >/dev/null 2>&1 || true
finish_watch soak 25
assert_eq 10 "$WATCH_STATUS" "soak across a restart: $(<"$LAB_DIR/soak.json")"
assert_contains "$(jf "$LAB_DIR/soak.json" 'd["message"]')" "$(dev_address 2) rebooted again" "soak message"
note "identification and the reboot wait behave"
