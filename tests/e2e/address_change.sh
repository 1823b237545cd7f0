#!/usr/bin/env bash
# tests/e2e/address_change.sh — a device is its host name and chip id, not its address: devices
# whose address changes at their reboot (the vdev's new-address fault: a DHCP lease that moved)
# are followed between the two steps of an upgrade, whether the tool was given the host name or
# the old address, and in a batch; the verdict comes from the device at its new address.
source "$(dirname "$0")/lib.sh"

FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
IMAGES=$EO_BUILD/firmware/images

lab_reexec \
  --device "image=$FULL_1141 fault=new-address=127.0.2.11" \
  --device "image=$FULL_1141 fault=new-address=127.0.2.12" \
  --device "image=$FULL_1141 fault=new-address=127.0.2.13" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home XDG_DATA_HOME=$LAB_DIR/no-data
cd "$LAB_DIR" || fail "no lab directory"
cp "$(dev_password_file 1)" pw
host() { lab-device hostname "$1"; }

# the device's own log says where it listened last
listening_on() { grep -o 'listening on [0-9.]*' "$LAB_DIR/dev/$1/log" | tail -n 1 | cut -d' ' -f3; }

note "by host name: the core goes to the old address, the full image to the new one"
capture "$EO_BIN" upgrade --device "$(host 1)" --image "$FULL_DEV" --firmware-dir "$IMAGES" \
  --password-file pw --reboot-timeout 30 --json
assert_eq 0 "$status" "upgrade by host name ($err)"
assert_eq "$DEV_VERSION full" "$(dev_running 1)" "device 1 runs the new image"
assert_eq 127.0.2.11 "$(listening_on 1)" "device 1 moved"
assert_eq two-step "$(jq -r .plan.route <<<"$out")" "device 1: two steps"
assert_eq 127.0.2.11 "$(jq -r .address <<<"$out")" "the result names the new address"

note "by its old address: the tool follows the device it identified"
capture "$EO_BIN" upgrade --device 127.0.1.12 --image "$FULL_DEV" --firmware-dir "$IMAGES" \
  --password-file pw --reboot-timeout 30 --json
assert_eq 0 "$status" "upgrade by old address ($err)"
assert_eq "$DEV_VERSION full" "$(dev_running 2)" "device 2 runs the new image"
assert_eq 127.0.2.12 "$(listening_on 2)" "device 2 moved"

note "in a batch"
host 3 >list.txt
capture "$EO_BIN" batch --devices list.txt --firmware-dir "$IMAGES" --password-file pw \
  --reboot-timeout 30 --no-journal --json
assert_eq 0 "$status" "batch ($err)"
assert_eq "done 127.0.2.13" "$(jq -r '.devices[0] | "\(.state) \(.address)"' <<<"$out")" \
  "device 3 done, at its new address"
assert_eq "$DEV_VERSION full" "$(dev_running 3)" "device 3 runs the new image"
assert_eq 127.0.2.13 "$(listening_on 3)" "device 3 moved"
note "pass"
