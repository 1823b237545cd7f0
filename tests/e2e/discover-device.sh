#!/usr/bin/env bash
# discover-device.sh — `discover --device X` (and so eo_resolve_device, shared by every
# command) for each form: an IP address, name.local, a bare hostname, an mDNS instance name
# that is not the hostname; an unknown name fails with exit 6. Hand-made announcements
# (mdns_fake.sh), no device binary needed.
source "$(dirname "$0")/lib.sh"
lab_reexec --vdev /bin/true -- "$@"
source "$(dirname "$0")/mdns_fake.sh"

txt=(app_name=ESPURNA app_version=1.14.1 mac=5C:CF:7F:1A:2B:3C mem_size=1024 sdk_size=1024
     free_space=413696 target_board=ITEAD_SONOFF_BASIC auth_upload=yes)
fake_host ESPURNA-1A2B3C 127.0.1.50
fake_service ESPURNA-1A2B3C ESPURNA-1A2B3C _arduino._tcp 8266 "${txt[@]}"
fake_service ESPURNA-1A2B3C ESPURNA-1A2B3C _http._tcp 80
fake_host ESPURNA-4D5E6F 127.0.1.51
fake_service "Kitchen Lamp" ESPURNA-4D5E6F _arduino._tcp 8266 app_name=ESPURNA app_version=1.15.0
fake_wait_count _arduino._tcp 2

one() { # one DEVICE: "hostname address" of the one device shown
  "$EO_BIN" discover --device "$1" --json 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin)["devices"]; assert len(d)==1
print(d[0]["hostname"], d[0]["addresses"][0])'
}
for form in 127.0.1.50 ESPURNA-1A2B3C.local espurna-1a2b3c.local ESPURNA-1A2B3C; do
  assert_eq "ESPURNA-1A2B3C 127.0.1.50" "$(one "$form")" "--device $form"
done
assert_eq "ESPURNA-4D5E6F 127.0.1.51" "$(one "Kitchen Lamp")" "--device by instance name"
assert_eq "ESPURNA-4D5E6F 127.0.1.51" "$(one ESPURNA-4D5E6F)" "--device by bare hostname"

table=$("$EO_BIN" discover --device ESPURNA-1A2B3C 2>/dev/null)
assert_eq 2 "$(wc -l <<<"$table")" "--device shows one row"
assert_contains "$table" "1.14.1" "the row is the device's"

status=0
err=$("$EO_BIN" discover --device ESPURNA-FFFFFF --timeout 2 2>&1 >/dev/null) || status=$?
assert_eq 6 "$status" "unknown name: exit code"
assert_contains "$err" "no device named 'ESPURNA-FFFFFF' answered over mDNS" "unknown name: message"
status=0
err=$("$EO_BIN" discover --device ESPURNA-1A2B3C --filter board=X 2>&1) || status=$?
assert_eq 2 "$status" "--device with --filter is a usage error"
note "--device resolved in every form"
