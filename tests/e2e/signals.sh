#!/usr/bin/env bash
# tests/e2e/signals.sh — SIGINT, SIGTERM and SIGHUP in every phase of an upgrade (learning from a
# device that does not answer, pushing by the terminal method with the image server up, waiting
# for the reboot) and in the middle of a batch: the tool ends with 128+signal, says where each
# device stands, leaves no listening socket and no temporary file, and the device is where the
# tool said (unchanged, or rebooting into the image it took).
source "$(dirname "$0")/lib.sh"

FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
IMAGES=$EO_BUILD/firmware/images

slow_flash="image=$FULL_1141 flash-sector-ms=3000"
slow_reboot="image=$FULL_1141 fault=slow-reboot=6000"
lab_reexec --device "image=$FULL_1141" \
  --device "$slow_flash" --device "$slow_reboot" --device "$slow_reboot" --device "$slow_reboot" \
  --device "$slow_flash" --device "$slow_flash" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home XDG_DATA_HOME=$LAB_DIR/no-data
export XDG_STATE_HOME=$LAB_DIR/state TMPDIR=$LAB_DIR/tmp
mkdir -p "$TMPDIR"
cd "$LAB_DIR" || fail "no lab directory"
cp "$(dev_password_file 1)" pw
host() { lab-device hostname "$1"; }
trap stop_background EXIT

signal_number() { kill -l "$1"; }

# stop_when SIGNAL WHEN COMMAND...: runs COMMAND in the background, sends SIGNAL once WHEN (a
# command) succeeds; $status, $err. Then: no listener left by the tool, no temporary file.
stop_when() {
  local signal=$1 when=$2 pid
  shift 2
  "${INTERRUPTIBLE[@]}" "$@" >"$LAB_DIR/out" 2>"$LAB_DIR/err" &
  pid=$!
  BG_PIDS+=("$pid")
  wait_until 60 bash -c "$when" || fail "SIG$signal: '$when' never happened ($(<"$LAB_DIR/err"))"
  kill -"$signal" "$pid"
  status=0
  wait "$pid" || status=$?
  err=$(<"$LAB_DIR/err")
  assert_eq $((128 + $(signal_number "$signal"))) "$status" "SIG$signal exit status ($err)"
  [[ $(ss -Htlnp) != *espurna-ota* ]] || fail "SIG$signal: a listener was left behind"
  [[ -z $(ls -A "$TMPDIR") ]] || fail "SIG$signal: temporary files were left: $(ls -A "$TMPDIR")"
}

# upgrade_command N [OPTIONS]: UPGRADE=(the command that upgrades device N by its mDNS name)
upgrade_command() {
  local n=$1
  shift
  UPGRADE=("$EO_BIN" upgrade --device "$(host "$n").local" --image "$FULL_DEV"
    --firmware-dir "$IMAGES" --password-file pw --reboot-timeout 60 "$@")
}

note "learning from a device that does not answer (frozen), each signal: nothing was sent"
frozen=$(lab-device pid 1)
kill -STOP "$frozen" # its sockets still accept connections; nothing answers on them
for signal in INT TERM HUP; do
  stop_when "$signal" "grep -qs 'learn:' '$LAB_DIR/err'" \
    "$EO_BIN" upgrade --device "$(dev_address 1)" --image "$FULL_DEV" --no-mdns \
    --password-file pw
  assert_contains "$err" "$(dev_address 1) was not changed: nothing was sent" "SIG$signal while learning"
done
kill -CONT "$frozen"
assert_eq 1 "$(lab-device boots 1)" "device 1 untouched"

note "pushing by the terminal method (the image server up), each signal: the device drops it"
for signal in INT TERM HUP; do
  upgrade_command 2 --method terminal
  stop_when "$signal" "grep -qs 'ota http' '$LAB_DIR/dev/2/log' && grep -qs '%' '$LAB_DIR/err'" \
    "${UPGRADE[@]}"
  assert_contains "$err" "drops the update" "SIG$signal while pushing: what the device does"
  assert_contains "$err" "$(host 2).local was not changed" "SIG$signal while pushing: where"
  wait_until 30 bash -c "lab-device log 2 | tail -n 3 | grep -q 'ERROR\|Disconnected\|dropped'" ||
    fail "SIG$signal: device 2 never noticed the server going"
  : >"$LAB_DIR/dev/2/log.mark"
done
assert_eq 1 "$(lab-device boots 2)" "device 2 never rebooted"
assert_eq "1.14.1 full" "$(dev_running 2)" "device 2 still runs its image"

note "waiting for the reboot, each signal on its own device: it comes back on the core image"
n=3
for signal in INT TERM HUP; do
  upgrade_command "$n"
  stop_when "$signal" "grep -qs 'reboot:' '$LAB_DIR/err'" "${UPGRADE[@]}"
  assert_contains "$err" "the same command again" "SIG$signal while rebooting: how to finish"
  lab-device wait-boot "$n" 2 30 || fail "device $n did not come back"
  assert_eq "$DEV_VERSION core" "$(dev_running "$n")" "device $n is where the tool said"
  n=$((n + 1))
done

note "a batch, SIGTERM mid-transfer: every device's standing in the table"
printf '%s\n' "$(host 6)" "$(host 7)" >two.txt
stop_when TERM "grep -qs 'push' '$LAB_DIR/err'" \
  "$EO_BIN" batch --devices two.txt --firmware-dir "$IMAGES" --password-file pw -j 2 \
  --journal j.jsonl
out=$(<"$LAB_DIR/out")
for n in 6 7; do
  assert_contains "$(grep "^$(host "$n") " <<<"$out")" "failed: interrupted" "device $n in the table"
done
assert_contains "$(tail -n 1 j.jsonl)" '"event":"run-done"' "the journal records the end of the run"
note "pass"
