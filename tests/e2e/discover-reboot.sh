#!/usr/bin/env bash
# discover-reboot.sh — a device that is upgraded reboots: while it reboots discover no longer
# lists it (its services were withdrawn), afterwards it lists it again with the new version
# and the new free space. The upgrade goes through the independent espota client.
source "$(dirname "$0")/lib.sh"
# device 1 reboots in real time (6 s, then eboot's copy): long enough to watch it gone
lab_reexec --device "image=$(image espurna-1.14.0-itead-sonoff-basic.bin) reboot-ms=6000 time-scale=1" \
  --device "image=$(image espurna-1.14.1-itead-sonoff-basic.bin)" -- "$@"

versions() { # "hostname=version ..." of every listed device
  "$EO_BIN" discover --json --settle 200 2>/dev/null |
    python3 -c 'import json,sys
print(" ".join(x["hostname"] + "=" + str(x["version"]) for x in json.load(sys.stdin)["devices"]))'
}
assert_eq "ESPURNA-00000B=1.14.0 ESPURNA-00000C=1.14.1" "$(versions)" "before the upgrade"

espota 1 "$(image espurna-1.14.1-itead-sonoff-basic.bin)" >/dev/null || fail "espota upgrade failed"
gone() { [[ $(versions) == "ESPURNA-00000C=1.14.1" ]]; }
wait_until 10 gone || fail "the rebooting device was still listed: $(versions)"
back() { [[ $(versions) == "ESPURNA-00000B=1.14.1 ESPURNA-00000C=1.14.1" ]]; }
wait_until 30 back || fail "the device did not come back with its new version: $(versions)"
free=$("$EO_BIN" discover --device ESPURNA-00000B --json 2>/dev/null |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["devices"][0]["free_space"]["bytes"])')
assert_eq "$(free_space_bytes 1048576 614400)" "$free" "free space of the new image"
note "rebooting device disappeared and came back as 1.14.1"
