#!/usr/bin/env bash
# tests/e2e/upgrade.sh — `espurna-ota upgrade` takes each kind of device to its image by the route
# the plan chooses, in a lab with mDNS: one step by web (after a --dry-run that leaves the flash
# untouched), one gzip step, two steps (web, then espota) with the core image found in a release
# folder (and the message naming the files when none matches), an image too large even beside a
# core, up to date, a downgrade refused, a silent 1.14 core finished by the terminal method, a
# gzip whose inner image is for another flash refused before sending (the device would not
# check it), and a device in safe mode (no web, no ESPurna mDNS keys): two steps by espota.
source "$(dirname "$0")/lib.sh"

IMAGES=$EO_BUILD/firmware/images
FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
OLDER_DEV=$(image "espurna-1.15.0-dev.git9f8e7d6c+github260915-itead-sonoff-basic.bin")

lab_reexec \
  --device "image=$FULL_1140" \
  --device "image=$OLDER_DEV" \
  --device "image=$FULL_1141" \
  --device "image=$FULL_DEV" \
  --device "image=$CORE_1141" \
  --device "image=$FULL_1141 fault=crash-loop=200" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home XDG_DATA_HOME=$LAB_DIR/no-data
cd "$LAB_DIR" || fail "no lab directory" # no ./firmware here: only --firmware-dir is searched

# a 1.15.0 release small enough to go in one step beside a 1.14.0 image; one too large for
# anything but serial flashing (random bytes: its gzip is no smaller)
mkdir -p "$LAB_DIR/firmware" "$LAB_DIR/empty"
SMALL=$LAB_DIR/firmware/espurna-1.15.0-itead-sonoff-basic.bin
HUGE=$LAB_DIR/firmware/espurna-1.15.0-huge-1m.bin
"$EO_MKIMAGE" --output "$SMALL" --size 450560 --version 1.15.0 \
  --environment itead-sonoff-basic --board ITEAD_SONOFF_BASIC >/dev/null || fail "mkimage small"
"$EO_MKIMAGE" --output "$HUGE" --size 901120 --version 1.15.0 --environment huge-1m \
  --board ITEAD_SONOFF_BASIC --compress-ratio 100 >/dev/null || fail "mkimage huge"

# upgrade N IMAGE [OPTIONS]: the tool against device N by host name; $out $err $status.
upgrade() {
  local n=$1 file=$2
  shift 2
  capture "$EO_BIN" upgrade --device "$(lab-device hostname "$n").local" --image "$file" \
    --password-file "$(dev_password_file "$n")" --reboot-timeout 30 --json "$@"
}
jq_out() { jq -r "$1" <<<"$out"; }

note "device 1 (1.14.0): --dry-run plans one step by web and leaves the flash untouched"
before=$(md5sum <"$LAB_DIR/dev/1/flash.bin")
upgrade 1 "$SMALL" --dry-run
assert_eq 0 "$status" "dry run exit status ($err)"
assert_eq "one-step web true" "$(jq_out '"\(.plan.route) \(.plan.steps[0].method) \(.dry_run)"')" \
  "dry run plan"
assert_eq "$before" "$(md5sum <"$LAB_DIR/dev/1/flash.bin")" "dry run: flash untouched"
assert_eq 1 "$(lab-device boots 1)" "dry run: no reboot"

note "device 1: one step by web, verified by version"
upgrade 1 "$SMALL"
assert_eq 0 "$status" "one step exit status ($err)"
assert_eq "ok one-step web 450560 1.15.0 version" \
  "$(jq_out '"\(.status) \(.plan.route) \(.steps[0].method) \(.steps[0].bytes_confirmed) \(.final_version) \(.check)"')" \
  "one step result"
assert_eq "1.15.0 full" "$(dev_running 1)" "device 1 runs the new image"

note "device 2 (earlier dev build): a gzip of an image for 4 MB is refused before sending"
gzip -9 -c "$(image "espurna-$DEV_VERSION-nodemcu-lolin-4m.bin")" \
  >"$LAB_DIR/espurna-$DEV_VERSION-nodemcu-lolin-4m.bin.gz"
upgrade 2 "$LAB_DIR/espurna-$DEV_VERSION-nodemcu-lolin-4m.bin.gz"
assert_eq 5 "$status" "gzip for 4 MB exit status ($err)"
assert_eq flash_size "$(jq_out .hint)" "gzip for 4 MB hint"
assert_eq 1 "$(lab-device boots 2)" "gzip for 4 MB: nothing sent"

note "device 2: one gzip step"
upgrade 2 "$FULL_DEV"
assert_eq 0 "$status" "gzip step exit status ($err)"
assert_eq "ok gzip-one-step gzip $DEV_VERSION version" \
  "$(jq_out '"\(.status) \(.plan.route) \(.steps[0].image) \(.final_version) \(.check)"')" \
  "gzip step result"
sent=$(jq_out '.steps[0].bytes_confirmed')
((sent > 0 && sent < 655360)) || fail "gzip step sent $sent bytes, expected fewer than 655360"
assert_eq "$DEV_VERSION full" "$(dev_running 2)" "device 2 runs the new image"

note "device 3 (1.14.1): no core image in the folder → exit 5, names the files that would do"
upgrade 3 "$FULL_DEV" --firmware-dir "$LAB_DIR/empty"
assert_eq 5 "$status" "no core exit status ($err)"
assert_eq core_image "$(jq_out .hint)" "no core hint"
assert_contains "$(jq_out .error)" "espurna-minimal-arduino-ota-1m.bin" "no core: file names"
assert_contains "$(jq_out .where)" "was not changed" "no core: where"

note "device 3: an image too large even beside a core image → exit 5, hint serial"
upgrade 3 "$HUGE" --firmware-dir "$IMAGES"
assert_eq 5 "$status" "too large exit status ($err)"
assert_eq serial "$(jq_out .hint)" "too large hint"
assert_contains "$(jq_out .error)" "901120" "too large: the image's size in the message"
assert_eq 1 "$(lab-device boots 3)" "too large: nothing sent"

note "device 3: two steps, the core image by web, then the image by espota"
upgrade 3 "$FULL_DEV" --firmware-dir "$IMAGES"
assert_eq 0 "$status" "two steps exit status ($err)"
assert_eq "ok two-step core web image espota $DEV_VERSION" \
  "$(jq_out '"\(.status) \(.plan.route) \(.steps[0].image) \(.steps[0].method) \(.steps[1].image) \(.steps[1].method) \(.final_version)"')" \
  "two steps result"
assert_eq "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin" \
  "$(basename "$(jq_out .core.path)")" "two steps: the core image found"
assert_eq "$DEV_VERSION full" "$(dev_running 3)" "device 3 runs the new image"
assert_eq 3 "$(lab-device boots 3)" "device 3 rebooted twice"

note "device 4 (already on it): up to date, exit 0; an older image is a downgrade, exit 7"
upgrade 4 "$FULL_DEV"
assert_eq 0 "$status" "up to date exit status ($err)"
assert_eq up-to-date "$(jq_out .status)" "up to date status"
upgrade 4 "$FULL_1141" --firmware-dir "$IMAGES"
assert_eq 7 "$status" "downgrade exit status"
assert_eq downgrade "$(jq_out .hint)" "downgrade hint"
assert_eq 1 "$(lab-device boots 4)" "device 4 was not touched"

note "device 5 (1.14.1 core, silent terminal): the second step by the terminal method"
upgrade 5 "$FULL_1141" --method terminal
assert_eq 0 "$status" "silent core exit status ($err)"
assert_eq "ok one-step true terminal 1.14.1" \
  "$(jq_out '"\(.status) \(.plan.route) \(.plan.resumes) \(.steps[0].method) \(.final_version)"')" \
  "silent core result"
assert_eq "1.14.1 full" "$(dev_running 5)" "device 5 runs the full image"
note "device 6 (1.14.1 crashing into safe mode): learnt by its terminal, two steps by espota"
wait_until 30 bash -c "lab-device log 6 | grep -q 'safe mode'" || fail "device 6 never reached safe mode"
upgrade 6 "$FULL_DEV" --firmware-dir "$IMAGES"
assert_eq 0 "$status" "safe mode exit status ($err)"
assert_eq "ok two-step espota espota $DEV_VERSION" \
  "$(jq_out '"\(.status) \(.plan.route) \(.steps[0].method) \(.steps[1].method) \(.final_version)"')" \
  "safe mode result"
assert_eq "1.14.1 full" "$(jq_out '"\(.before.version) \(.before.kind)"')" "safe mode: what it ran, from its terminal"
note "pass"
