#!/usr/bin/env bash
# tests/e2e/vdev_two_labs.sh — two labs at once: each has its own namespace, /run, dbus and
# avahi, and a device at the same address with the same host name; each lab sees only its own
# (version by terminal and mDNS) while the other one is up, and upgrades it independently.
source "$(dirname "$0")/lib.sh"

FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")

# inner NAME OTHER VERSION UPGRADE-IMAGE NEW-VERSION SYNC-DIR: one lab's side.
inner() {
  local name=$1 other=$2 version=$3 file=$4 new=$5 sync=$6 host rec
  host=$(lab-device hostname 1)
  touch "$sync/$name-up"
  wait_until 30 test -e "$sync/$other-up" || fail "lab $name: the other lab never came up"
  assert_eq "$version" "$(info_version 1)" "lab $name: own device's version"
  wait_until 10 test -n "$(mdns_record "$host")" || fail "lab $name: no mDNS record"
  rec=$(timeout 10 avahi-browse -rtp _arduino._tcp 2>/dev/null | grep '^=' || true)
  assert_eq 1 "$(grep -c . <<<"$rec")" "lab $name: exactly one device announced"
  assert_eq "$version" "$(txt_value "$rec" app_version)" "lab $name: mDNS version"
  assert_eq OK "$(espota 1 "$file")" "lab $name: upload"
  lab-device wait-boot 1 2 10 || fail "lab $name: device did not reboot"
  assert_eq "$new" "$(info_version 1)" "lab $name: version after upload"
  touch "$sync/$name-done"
  wait_until 30 test -e "$sync/$other-done" || fail "lab $name: the other lab never finished"
}

if [[ ${1:-} == inner ]]; then
  shift
  inner "$@"
  note "lab $1 pass"
  exit 0
fi

require_lab
sync=$(mktemp -d)
trap 'rm -rf "$sync"' EXIT
bash "$EO_SOURCE/tests/lab/run" --device "image=$FULL_1140 reboot-ms=300" -- \
  env E2E_IN_LAB=1 bash "$0" inner A B 1.14.0 "$FULL_1141" 1.14.1 "$sync" &
a=$!
bash "$EO_SOURCE/tests/lab/run" --device "image=$CORE_DEV dialect=dev reboot-ms=300" -- \
  env E2E_IN_LAB=1 bash "$0" inner B A "$DEV_VERSION" "$FULL_DEV" "$DEV_VERSION" "$sync" &
b=$!
status_a=0 status_b=0
wait "$a" || status_a=$?
wait "$b" || status_b=$?
assert_eq "0 0" "$status_a $status_b" "exit status of both labs"
note "pass"
