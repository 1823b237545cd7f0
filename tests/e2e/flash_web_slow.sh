#!/usr/bin/env bash
# tests/e2e/flash_web_slow.sh — `espurna-ota flash --method web` to slow devices (20–40 KB/s)
# behind large TCP buffers, where the whole body sits in the device's receive buffer long before
# the device has written it: no false failure while the device still reads (it answers OK and
# runs the new image), 100 % printed once; a device that takes the whole body but does not
# answer within --result-timeout is "unknown" (exit 13), not failed, and it does install the
# image; SIGINT after the device took the whole body says it may install it (exit 130), and it
# does. Interruptions mid-upload, stalls and progress on lwIP-sized buffers:
# flash_web_interrupt.sh.
source "$(dirname "$0")/lib.sh"

FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
SLOW="image=$FULL_1141 dialect=1.14 reboot-ms=300 mdns=no"

# receive buffers of 1 MiB from the start (rcvbuf=0: the kernel's, not lwIP's): the 290 KiB
# body is acknowledged at once, and the device needs 7 s (40 KB/s) or 15 s (20 KB/s) to write
# it, in real time
SLOW+=" rcvbuf=0"
lab_reexec --no-avahi --time-scale 1 --tcp-rmem "4096 1048576 6291456" \
  --device "$SLOW flash-kbps=40" --device "$SLOW flash-kbps=40" --device "$SLOW flash-kbps=20" \
  -- "$@"

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

# percents FILE: the percentages of the progress lines in FILE, one a line.
percents() { sed -n 's/^espurna-ota: flash [^:]*: \([0-9]*\)% .*/\1/p' "$1"; }

note "device 1: the body is in the device's buffers while it writes for 7 s: no stall, OK"
flash_args 1
out=$(flash --stall-timeout 3000 2>"$LAB_DIR/err1") ||
  fail "upload to a slow device failed: $(<"$LAB_DIR/err1")"
assert_contains "$(tr -s " " <<<"$out")" "reply OK" "the device's answer"
lab-device wait-boot 1 2 30 || fail "device 1 did not reboot"
assert_eq "1.14.1 core" "$(dev_running 1)" "device 1 runs the new image"
assert_eq 1 "$(grep -c '100% (296960 of 296960 bytes' "$LAB_DIR/err1")" "100 % printed once"
[[ $(percents "$LAB_DIR/err1") == $(percents "$LAB_DIR/err1" | sort -n -u) ]] ||
  fail "progress went back or repeated: $(<"$LAB_DIR/err1")"

note "device 2: the whole body taken, no answer within --result-timeout → unknown (13)"
status=0
flash_args 2
out=$(flash --result-timeout 2000 --json 2>"$LAB_DIR/err2") || status=$?
assert_eq 13 "$status" "unknown exit status"
assert_eq unknown "$(json_field "$out" status)" "json status"
assert_eq 13 "$(json_field "$out" exit_code)" "json exit_code"
assert_eq check_version "$(json_field "$out" hint)" "json hint"
assert_eq 296960 "$(json_field "$out" bytes_confirmed)" "json bytes_confirmed"
assert_eq "$(dev_address 2) took all 296960 bytes but gave no answer within 2 s; it may install the image and reboot" \
  "$(json_field "$out" error)" "json error"
assert_eq "once it is back, the version it reports tells: espurna-ota discover --device $(dev_address 2)" \
  "$(json_field "$out" advice)" "json advice"
assert_eq "espurna-ota: $(json_field "$out" error); $(json_field "$out" advice)" \
  "$(tail -n 1 "$LAB_DIR/err2")" "the one line on stderr"
lab-device wait-boot 2 2 60 || fail "device 2 did not install the image it took"
assert_eq "1.14.1 core" "$(dev_running 2)" "device 2 runs the image the tool could not confirm"

note "device 3: SIGINT after the device took the whole body → it may install it (130), it does"
flash_args 3
"${INTERRUPTIBLE[@]}" "$EO_BIN" "${FLASH[@]}" >"$LAB_DIR/out3" 2>"$LAB_DIR/err3" &
pid=$!
wait_until 60 grep -q '100% (296960 of 296960 bytes' "$LAB_DIR/err3" ||
  { kill "$pid"; fail "no 100 % line: $(<"$LAB_DIR/err3")"; }
kill -INT "$pid"
status=0
wait "$pid" || status=$?
assert_eq 130 "$status" "interrupted exit status"
assert_eq "espurna-ota: interrupted (SIGINT) after device $(dev_address 3) had received all 296960 bytes: it may install the image and reboot; once it is back, the version it reports tells: espurna-ota discover --device $(dev_address 3)" \
  "$(tail -n 1 "$LAB_DIR/err3")" "interrupted message"
assert_eq "" "$(<"$LAB_DIR/out3")" "nothing on stdout"
lab-device wait-boot 3 2 60 || fail "device 3 did not install the image it took"
assert_eq "1.14.1 core" "$(dev_running 3)" "device 3 runs the new image"
echo "flash_web_slow: ok"
