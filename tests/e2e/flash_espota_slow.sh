#!/usr/bin/env bash
# tests/e2e/flash_espota_slow.sh — espota to devices with a slow flash, where kernel buffers hide
# the device: with a large window and large receive buffers the whole image is queued a moment
# after the start, but the verdict timer starts only when the device confirmed the last byte, and
# progress and the rate follow its counts (here one count for the whole image). An interrupt
# says where the device stands: part of the image (it drops the update) or all of it (it may
# install it, and does).
source "$(dirname "$0")/lib.sh"

CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")

# Receive buffers that grow to 4 MB (rcvbuf=0: the kernel's, not lwIP's): a device's TCP takes
# the whole image at once. Real time: the rates are checked against the flash speeds.
base="dialect=dev reboot-ms=300 mdns=no"
lab_reexec --no-avahi --time-scale 1 --tcp-rmem "4096 1048576 4194304" \
  --device "image=$FULL_1140 $base flash-kbps=40 rcvbuf=0" \
  --device "image=$CORE_DEV $base flash-kbps=20 rcvbuf=5840" \
  --device "image=$FULL_1140 $base flash-kbps=40 rcvbuf=0" -- "$@"

SIZE=$(stat -c %s "$CORE_1141")

# start_flash N IMAGE [OPTIONS]: the tool in the background against device N ($pid, output to
# $LAB_DIR/out and $LAB_DIR/err), SIGINT handled as from a terminal, SIGHUP ignored as by nohup.
start_flash() {
  local n=$1 file=$2
  shift 2
  "${INTERRUPTIBLE[@]}" --ignore-signal=HUP "$EO_BIN" flash --device "$(dev_address "$n")" \
    --image "$file" \
    --password-file "$(dev_password_file "$n")" --invite-timeout 1000 "$@" \
    >"$LAB_DIR/out" 2>"$LAB_DIR/err" &
  pid=$!
}

finish_flash() {
  status=0
  wait "$pid" || status=$?
  out=$(<"$LAB_DIR/out") err=$(<"$LAB_DIR/err")
}

connected() { lab-device log "$1" | grep -q "espota: connected to"; }


note "window 256, 40 KB/s flash, --result-timeout 2000: the verdict timer waits for the device"
note "(started as under nohup: a SIGHUP it inherits ignored stays ignored)"
start_flash 1 "$CORE_1141" --window 256 --result-timeout 2000 --json
wait_until 20 connected 1 || fail "device 1 never connected back"
kill -HUP "$pid"
finish_flash
assert_eq 0 "$status" "slow flash exit status ($out $err)"
assert_eq ok "$(json_field "$out" status)" "slow flash json status"
assert_eq "$SIZE" "$(json_field "$out" bytes_confirmed)" "slow flash confirmed every byte"
rate=$(json_field "$out" rate_bytes_per_s)
python3 -c "import sys; r=float(sys.argv[1]); sys.exit(0 if 0 < r <= 1.25 * 40 * 1024 else 1)" \
  "$rate" || fail "the rate $rate B/s is not what a 40 KB/s flash confirms"
lab-device wait-boot 1 2 60 || fail "device 1 did not reboot"
assert_eq "1.14.1 core" "$(dev_running 1)" "device 1 runs the new image"

note "progress lines follow confirmed bytes: no 100 % before the device confirmed everything"
start_flash 1 "$FULL_1140" --window 256 --result-timeout 2000
finish_flash
assert_eq 0 "$status" "slow flash, text progress, exit status ($err)"
[[ $(grep -c ": 100% " <<<"$err") -le 1 ]] || fail "100 % printed more than once: $err"
lab-device wait-boot 1 3 60 || fail "device 1 did not reboot (second upload)"

note "SIGINT part way (lwIP-sized receive buffer): exit 130, it drops the update"
start_flash 2 "$FULL_DEV" --json
wait_until 20 connected 2 || fail "device 2 never connected back"
sleep 1
kill -INT "$pid"
finish_flash
assert_eq 130 "$status" "SIGINT exit status ($err)"
assert_eq interrupted "$(json_field "$out" status)" "SIGINT json status"
assert_eq 130 "$(json_field "$out" exit_code)" "SIGINT json exit_code"
[[ $(json_field "$out" error) =~ interrupted\ \(SIGINT\):\ device\ $(dev_address 2)\ received\ ([0-9]+)\ of\ 655360\ bytes\ and\ drops\ the\ update ]] ||
  fail "SIGINT message: $(json_field "$out" error)"
wait_until 20 grep -q "update dropped" "$LAB_DIR/dev/2/log" || fail "device 2 did not drop the update"
sleep 1
assert_eq 1 "$(lab-device boots 2)" "device 2 did not reboot"
assert_eq "$DEV_VERSION core" "$(dev_running 2)" "device 2 keeps its image"

note "SIGTERM part way: exit 143, one line on stderr"
start_flash 2 "$FULL_DEV" --quiet
wait_until 20 bash -c "[[ \$(grep -c 'espota: connected to' '$LAB_DIR/dev/2/log') -ge 2 ]]" ||
  fail "device 2 never connected back (second time)"
sleep 1
kill -TERM "$pid"
finish_flash
assert_eq 143 "$status" "SIGTERM exit status"
assert_contains "$err" "espurna-ota: interrupted (SIGTERM): device $(dev_address 2) received" \
  "SIGTERM message"
assert_eq 1 "$(wc -l <<<"$err")" "SIGTERM: one line"

note "SIGINT after the device's TCP took the whole image: it may install it, and it does"
start_flash 3 "$CORE_1141" --window 256 --host-port 47301
wait_until 20 acked_over 47301 "$((SIZE - 1))" || fail "the device never took the whole image"
kill -INT "$pid"
finish_flash
assert_eq 130 "$status" "SIGINT after everything exit status ($err)"
assert_contains "$err" "interrupted (SIGINT) after device $(dev_address 3) had received all $SIZE bytes: it may install the image and reboot; once it is back, the version it reports tells: espurna-ota discover --device $(dev_address 3)" \
  "SIGINT after everything message"
lab-device wait-boot 3 2 60 || fail "device 3 did not reboot"
assert_eq "1.14.1 core" "$(dev_running 3)" "device 3 installed the image, as said"
note "pass"
