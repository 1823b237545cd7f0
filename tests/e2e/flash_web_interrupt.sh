#!/usr/bin/env bash
# tests/e2e/flash_web_interrupt.sh — `espurna-ota flash --method web` to slow devices behind
# lwIP-sized TCP buffers (5840 bytes), where what the device's TCP acknowledged follows what it
# wrote: progress lines show plausible rates at quarter crossings, 100 % once; SIGTERM (with
# --json) and SIGINT mid-upload print where the device stands (exit 143 / 130, status
# "interrupted") and the device drops the update; a device that stops reading is a stall (exit
# 9) that says how much it took, and it drops the update too.
source "$(dirname "$0")/lib.sh"

FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)

# real time: the progress rates are checked against the flash speeds
lab_reexec --no-avahi --time-scale 1 --tcp-rmem "2920 5840 5840" \
  --device "image=$FULL_1141 dialect=1.14 reboot-ms=300 flash-kbps=20 mdns=no" \
  --device "image=$FULL_1141 dialect=1.14 reboot-ms=300 flash-kbps=10 mdns=no" \
  --device "image=$FULL_1141 dialect=1.14 reboot-ms=300 flash-kbps=20 mdns=no" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home

# flash_args N: FLASH becomes the arguments that send the core image to device N by the web
# method; flash [OPTIONS] runs them. In the background, run `"$EO_BIN" "${FLASH[@]}" &` so that
# $! is the tool itself (a function in the background is a shell around it, deaf to SIGINT).
flash() { "$EO_BIN" "${FLASH[@]}" "$@"; }
flash_args() {
  FLASH=(flash --method web --device "$(dev_address "$1")" --image "$CORE_1141"
    --password-file "$(dev_password_file "$1")" --connect-timeout 5000)
}

# begun N COUNT: device N has started taking COUNT uploads' file data.
begun() { [[ $(grep -c '^web: POST /upgrade: the file part begins' "$LAB_DIR/dev/$1/log") -ge $2 ]]; }
# dropped N COUNT: device N has dropped COUNT uploads.
dropped() { [[ $(grep -c 'upload ended early.*update dropped' "$LAB_DIR/dev/$1/log") -ge $2 ]]; }

note "device 1 (20 KB/s): progress is what the device took, at quarters, 100 % once"
flash_args 1
out=$(flash 2>"$LAB_DIR/err1") || fail "upload failed: $(<"$LAB_DIR/err1")"
assert_contains "$(tr -s " " <<<"$out")" "reply OK" "the device's answer"
lines=$(grep '^espurna-ota: flash ' "$LAB_DIR/err1")
[[ -n $lines ]] || fail "no progress lines"
percents=$(sed -n 's/^espurna-ota: flash [^:]*: \([0-9]*\)% .*/\1/p' <<<"$lines")
[[ $percents == $(sort -n -u <<<"$percents") ]] || fail "progress went back or repeated: $lines"
assert_eq 1 "$(grep -c '100% (296960 of 296960 bytes' <<<"$lines")" "100 % printed once"
# a 20 KB/s device takes at most its buffers (kernel, web server, a sector: < 64 KiB) ahead of
# what it wrote: early lines stay within 10x its speed, the 100 % line within 2x
rates=$(sed -n 's/.*bytes, \([0-9]*\)\.[0-9] KiB\/s)$/\1/p' <<<"$lines")
while read -r rate; do
  ((rate <= 200)) || fail "implausible rate $rate KiB/s for a 20 KB/s device: $lines"
done <<<"$rates"
(($(tail -n 1 <<<"$rates") <= 40)) || fail "implausible rate at 100 % for a 20 KB/s device: $lines"

note "device 2 (10 KB/s): SIGTERM mid-upload with --json → 143, status interrupted, update dropped"
flash_args 2
"${INTERRUPTIBLE[@]}" "$EO_BIN" "${FLASH[@]}" --json >"$LAB_DIR/out2" 2>"$LAB_DIR/err2" &
pid=$!
wait_until 30 begun 2 1 || { kill "$pid"; fail "device 2: the upload never began"; }
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
assert_eq 143 "$status" "SIGTERM exit status"
out=$(<"$LAB_DIR/out2")
assert_eq interrupted "$(json_field "$out" status)" "json status"
assert_eq 143 "$(json_field "$out" exit_code)" "json exit_code"
taken=$(json_field "$out" bytes_confirmed)
((taken > 0 && taken < 296960)) || fail "bytes_confirmed $taken: not part of the image"
assert_eq "interrupted (SIGTERM): device $(dev_address 2) received $taken of 296960 bytes and drops the update; it keeps its current firmware" \
  "$(json_field "$out" error)" "json error"
assert_eq "espurna-ota: $(json_field "$out" error)" "$(<"$LAB_DIR/err2")" "one line on stderr"
wait_until 30 dropped 2 1 || fail "device 2 did not drop the update"

note "device 2: SIGINT mid-upload, text → 130, one line, update dropped"
flash_args 2
"${INTERRUPTIBLE[@]}" "$EO_BIN" "${FLASH[@]}" >"$LAB_DIR/out2" 2>"$LAB_DIR/err2" &
pid=$!
wait_until 30 begun 2 2 || { kill "$pid"; fail "device 2: the second upload never began"; }
kill -INT "$pid"
status=0
wait "$pid" || status=$?
assert_eq 130 "$status" "SIGINT exit status"
line=$(tail -n 1 "$LAB_DIR/err2")
[[ $line =~ ^espurna-ota:\ interrupted\ \(SIGINT\):\ device\ $(dev_address 2)\ received\ ([0-9]+)\ of\ 296960\ bytes\ and\ drops\ the\ update\;\ it\ keeps\ its\ current\ firmware$ ]] ||
  fail "SIGINT message: $line"
((BASH_REMATCH[1] > 0)) || fail "SIGINT message: nothing taken: $line"
assert_eq "" "$(<"$LAB_DIR/out2")" "nothing on stdout"
wait_until 30 dropped 2 2 || fail "device 2 did not drop the second update"
assert_eq 1 "$(lab-device boots 2)" "device 2 never rebooted"

note "device 3: the device stops reading mid-upload → a stall saying what it took (9)"
{
  status=0
  flash_args 3
  flash --stall-timeout 2000 >"$LAB_DIR/out3" 2>"$LAB_DIR/err3" || status=$?
  echo "$status" >"$LAB_DIR/status3"
} &
pid=$!
wait_until 30 begun 3 1 || { kill "$pid"; fail "device 3: the upload never began"; }
device=$(lab-device pid 3)
kill -STOP "$device"
wait_until 60 test -s "$LAB_DIR/status3" || { kill -CONT "$device"; fail "no stall: $(<"$LAB_DIR/err3")"; }
kill -CONT "$device"
wait "$pid"
assert_eq 9 "$(<"$LAB_DIR/status3")" "stall exit status"
line=$(tail -n 1 "$LAB_DIR/err3")
[[ $line =~ ^espurna-ota:\ the\ upload\ to\ $(dev_address 3)\ stalled:\ the\ device\ took\ ([0-9]+)\ of\ 296960\ bytes,\ then\ its\ TCP\ showed\ no\ sign\ of\ life\ for\ [0-9]+\ s\;\ it\ drops\ the\ update\;\ try\ again$ ]] ||
  fail "stall message: $line"
wait_until 30 dropped 3 1 || fail "device 3 did not drop the update"
assert_eq 1 "$(lab-device boots 3)" "device 3 never rebooted"
echo "flash_web_interrupt: ok"
