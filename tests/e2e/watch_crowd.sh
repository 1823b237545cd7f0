#!/usr/bin/env bash
# watch_crowd.sh — the reboot wait among many devices: 70 devices announce 210 mDNS service
# instances, far more than one watch may keep resolvers on. Device 1 and device 70 are each
# flashed with a core image while a watch waits: each must be seen gone, then back as a core
# build from its fresh mDNS record — not "back" at once because its record was read before
# its _http._tcp service was resolved (a full build without _http._tcp looks like a core one).
source "$(dirname "$0")/lib.sh"

FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
WATCH=$EO_BUILD/tests/tools/eo-watch
[[ -x $WATCH ]] || fail "test driver $WATCH not built"
COUNT=70

lab_reexec --devices "$COUNT" --image "$FULL_1141" --wait 60 -- "$@"

jf() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
trap stop_background EXIT

# flash_watched N: watches device N (by name) while it is flashed with the core image.
flash_watched() {
  local n=$1 name json=$LAB_DIR/watch$1.json
  name=$(lab-device hostname "$n")
  "$WATCH" reboot "$(dev_address "$n")" --name "$name" --timeout 30000 \
    --password-file "$(dev_password_file "$n")" >"$json" 2>"$LAB_DIR/watch$n.err" &
  local pid=$!
  BG_PIDS+=("$pid")
  wait_until 30 grep -qs '^ready$' "$LAB_DIR/watch$n.err" ||
    fail "device $n: the driver did not get ready: $(<"$LAB_DIR/watch$n.err")"
  "$EO_BIN" flash -q --device "$(dev_address "$n")" --image "$CORE_1141" \
    --password-file "$(dev_password_file "$n")" --invite-timeout 1000 >/dev/null 2>&1 ||
    fail "device $n: flash of the core image failed"
  wait_until 40 eval "! kill -0 $pid 2>/dev/null" || fail "device $n: the driver did not end"
  local status=0
  wait "$pid" || status=$?
  assert_eq 0 "$status" "device $n: reboot wait status: $(<"$json")"
  assert_eq True "$(jf "$json" 'd["seen"]["gone_s"] >= 0 and d["seen"]["back_s"] > d["seen"]["gone_s"]')" \
    "device $n: gone, then back: $(jf "$json" 'd["seen"]')"
  assert_eq "1.14.1 core mdns" \
    "$(jf "$json" '" ".join((d["after"]["device"]["version"], d["after"]["device"]["kind"], d["after"]["sources"][0]))')" \
    "device $n after the flash"
  note "device $n: $(jf "$json" 'd["seen"]')"
}

note "$COUNT devices, $((COUNT * 3)) service instances"
flash_watched 1
flash_watched "$COUNT"
note "a watch among $COUNT devices sees each reboot as it happens"
