#!/usr/bin/env bash
# tests/e2e/batch.sh — `espurna-ota batch` over a mixed fleet in a lab with mDNS: a dry run
# plans every device from the release folder and touches nothing; a device list (host names,
# a chip id with its environment, an address) upgrades them four at a time — two steps, one
# gzip step, a stranded core finished, one already up to date — while a stopped device is
# reported offline (not failed) and one whose second step fails is reported failed with where it
# stands (exit 14); nothing left to do is exit 16; a malformed list is FILE:LINE, exit 12.
source "$(dirname "$0")/lib.sh"

IMAGES=$EO_BUILD/firmware/images
FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
OLDER_DEV=$(image "espurna-1.15.0-dev.git9f8e7d6c+github260915-itead-sonoff-basic.bin")

lab_reexec \
  --device "image=$FULL_1141" --device "image=$FULL_1141" --device "image=$OLDER_DEV" \
  --device "image=$FULL_1140" --device "image=$FULL_DEV" --device "image=$CORE_1141" \
  --device "image=$FULL_1141" --device "image=$FULL_1141 fault=drop-at=50" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home XDG_DATA_HOME=$LAB_DIR/no-data
cd "$LAB_DIR" || fail "no lab directory"
cp "$(dev_password_file 1)" "$LAB_DIR/pw" # every lab device has the same default password
host() { lab-device hostname "$1"; }
state_of() { jq -r --arg d "$1" '.devices[] | select(.device == $d) | .state' <<<"$out"; }

note "a dry run over everything discovered: every plan, nothing sent"
before=$(md5sum <"$LAB_DIR/dev/1/flash.bin")
capture "$EO_BIN" batch --all --firmware-dir "$IMAGES" --password-file pw --dry-run --json
assert_eq 0 "$status" "dry run exit status ($err)"
assert_eq "two-step gzip-one-step up-to-date skipped" \
  "$(jq -r --arg a "$(host 1)" --arg b "$(host 3)" --arg c "$(host 5)" --arg d "$(host 6)" \
     '[(.devices[] | select(.device == $a) | .route), (.devices[] | select(.device == $b) | .route),
       (.devices[] | select(.device == $c) | .state), (.devices[] | select(.device == $d) | .state)] | join(" ")' <<<"$out")" \
  "dry run plans"
assert_contains "$(jq -r --arg d "$(host 6)" '.devices[] | select(.device == $d) | .error' <<<"$out")" \
  "give its environment in the device list" "a core device needs its environment"
assert_eq "1 core:web image:espota true" \
  "$(jq -r --arg d "$(host 1)" '.devices[] | select(.device == $d) |
     "\(.wave) \([.plan.steps[] | "\(.image):\(.method)"] | join(" ")) \(.core.path |
       endswith("-espurna-minimal-arduino-ota-1m.bin"))"' <<<"$out")" \
  "dry run: wave, images and methods of each step, the core image"
assert_eq "$before" "$(md5sum <"$LAB_DIR/dev/1/flash.bin")" "dry run: flash untouched"

note "a malformed list: FILE:LINE, exit 12, nothing runs"
printf '%s\n%s imgae=x.bin\n' "$(host 1)" "$(host 2)" >bad.txt
capture "$EO_BIN" batch --devices bad.txt --firmware-dir "$IMAGES" --password-file pw
assert_eq 12 "$status" "malformed list exit status"
assert_contains "$err" "bad.txt:2: unknown key 'imgae'" "malformed list message"

note "a device list, four at a time: done, up to date, offline, failed (exit 14)"
lab-device stop 7
cat >fleet.txt <<LIST
# the fleet
$(host 1)
$(host 2).local
$(host 3)
$(dev_address 4)
$(host 5)
$(printf 'ESPURNA-%06X' $((10 + 6))) env=itead-sonoff-basic   # a stranded core, by chip id
$(host 7)
$(host 8)
LIST
capture "$EO_BIN" batch --devices fleet.txt --firmware-dir "$IMAGES" --password-file pw -j 4 \
  --reboot-timeout 30 --json
assert_eq 14 "$status" "fleet exit status ($err)"
assert_eq some_failed "$(jq -r .status <<<"$out")" "fleet status"
assert_eq "5 1 1 1" "$(jq -r '"\(.summary.done) \(.summary."up-to-date") \(.summary.offline) \(.summary.failed)"' <<<"$out")" \
  "fleet summary"
assert_eq offline "$(state_of "$(host 7)")" "device 7 offline"
assert_eq failed "$(state_of "$(host 8)")" "device 8 failed"
assert_contains "$(jq -r --arg d "$(host 8)" '.devices[] | select(.device == $d) | .where' <<<"$out")" \
  "is running the core image" "device 8: where it stands"
for n in 1 2 3 4 6; do
  assert_eq "$DEV_VERSION full" "$(dev_running "$n")" "device $n runs the new image"
done

note "again, without the failing device: nothing to do (exit 16)"
capture "$EO_BIN" batch --all --exclude "$(host 8)" --firmware-dir "$IMAGES" --password-file pw --json
assert_eq 16 "$status" "nothing to do exit status ($err)"
assert_eq 0 "$(jq -r '.summary.done' <<<"$out")" "nothing done"

note "on a terminal, a live summary below the lines, ending as one line of counts"
lab-device start 7
record_of_7() { [[ -n $(mdns_record "$(host 7)") ]]; }
wait_until 20 record_of_7 || fail "device 7 is not announced again"
printf '%s\n' "$(host 7)" "$(host 1)" >terminal.txt
status=0
TERM=xterm script -qfec "stty cols 160; '$EO_BIN' batch --devices terminal.txt \
  --firmware-dir '$IMAGES' --password-file pw --reboot-timeout 30 --soak 1 --no-journal" \
  "$LAB_DIR/tty.out" >/dev/null || status=$?
assert_eq 0 "$status" "batch on a terminal ($(tail -c 600 "$LAB_DIR/tty.out"))"
tty_out=$(tr -d '\r' <"$LAB_DIR/tty.out")
assert_contains "$tty_out" $'\e[J' "the summary is erased and drawn again"
assert_contains "$tty_out" "  $(host 7)" "a running device has a line of its own"
assert_contains "$tty_out" "step 2/2 push    [" "a running device's bar"
assert_contains "$tty_out" "[$(host 7)] soak: " "--soak: each device is watched after its upgrade"
assert_contains "$tty_out" \
  "fleet [########################] 2/2  done 2  running 0  failed 0  offline 0  skipped 0  not run 0" \
  "the last summary"
note "pass"
