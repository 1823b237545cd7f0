#!/usr/bin/env bash
# discover-nodaemon.sh — without avahi-daemon, discover and mDNS names fail with the one clear
# message and exit code 11 (EO_ERR_DISCOVERY), while an IP address still works (it never
# touches mDNS). A lab without avahi and without devices (/bin/true stands for the binary).
source "$(dirname "$0")/lib.sh"
lab_reexec --no-avahi --vdev /bin/true -- "$@"

hint="use --device <ip> or a device list"
status=0
err=$("$EO_BIN" discover 2>&1 >/dev/null) || status=$?
assert_eq 11 "$status" "discover without avahi-daemon: exit code"
assert_contains "$err" "espurna-ota: discovery needs avahi-daemon" "the message"
assert_contains "$err" "$hint" "the message says what to do"
assert_eq 1 "$(wc -l <<<"$err")" "one line"

status=0
json=$("$EO_BIN" discover --json 2>/dev/null) || status=$?
assert_eq 11 "$status" "discover --json without avahi-daemon: exit code"
assert_eq discovery "$(json_field "$json" status)" "JSON status"

for name in ESPURNA-00000B.local ESPURNA-00000B; do
  status=0
  err=$("$EO_BIN" discover --device "$name" 2>&1 >/dev/null) || status=$?
  assert_eq 11 "$status" "--device $name without avahi-daemon: exit code"
  assert_contains "$err" "$hint" "--device $name: message"
done

status=0
out=$("$EO_BIN" discover --device 127.0.1.11 --json 2>"$LAB_DIR/stderr") || status=$?
assert_eq 0 "$status" "--device with an IP address works without avahi-daemon"
got=$(python3 -c 'import json,sys; d=json.load(sys.stdin)["devices"]; print(len(d), d[0]["addresses"], d[0]["notes"])' <<<"$out")
assert_eq "1 ['127.0.1.11'] ['avahi-daemon not reachable: only the address is known']" "$got" \
  "the address is known, and the record says why nothing more"
note "no-daemon message and IP addresses checked"
