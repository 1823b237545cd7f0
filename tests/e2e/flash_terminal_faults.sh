#!/usr/bin/env bash
# tests/e2e/flash_terminal_faults.sh — `flash --method terminal` judged by what the device's TCP
# acknowledged:
#   - an 8 KB/s device (its kernel acknowledges in jumps seconds apart) takes the whole image
#     with the default stall timeout: no false stall, exit 0, a rate no faster than the device,
#     and it runs the new image;
#   - --serve-address 0.0.0.0 / :: is refused (exit 2) before the device is asked anything;
#   - SIGINT / SIGTERM mid-fetch, text and JSON: the device received N of M bytes and drops the
#     update (it logs an error and does not reboot), exit 128+signal, JSON status "interrupted".
# The 8 KB/s fetch runs in the background while the interrupted ones run on other devices.
source "$(dirname "$0")/lib.sh"

CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")

# Real time (the rate is checked against the flash speed); device 1 has the kernel's autotuned
# receive buffers (rcvbuf=0), so its TCP acknowledges in jumps.
SLOW="image=$CORE_DEV dialect=dev reboot-ms=300 mdns=no flash-kbps=4"
lab_reexec --no-avahi --time-scale 1 \
  --device "image=$CORE_DEV dialect=dev reboot-ms=300 mdns=no flash-kbps=8 rcvbuf=0" \
  --device "$SLOW" --device "$SLOW" --device "$SLOW" --device "$SLOW" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home
SIZE_1141=$(stat -c %s "$CORE_1141")
SIZE_DEV=$(stat -c %s "$CORE_DEV")
trap stop_background EXIT

# flash N IMAGE [OPTIONS]: the tool against device N by the terminal method. It replaces the
# shell running it, so `flash ... &` leaves the tool's own pid in $! (signals reach it).
flash() {
  local n=$1 file=$2
  shift 2
  exec "${INTERRUPTIBLE[@]}" "$EO_BIN" flash --method terminal --device "$(dev_address "$n")" --image "$file" \
    --password-file "$(dev_password_file "$n")" "$@"
}

# served_port N: the port of the last URL device N was asked to fetch ("" when none yet).
served_port() {
  local url
  url=$(sed -n 's/^telnet: ota http:\/\/[^:]*:\([0-9]*\)\/.*/\1/p' "$LAB_DIR/dev/$1/log" | tail -n 1)
  echo "$url"
}
has_served_port() { [[ -n $(served_port "$1") ]]; }

py_field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

note "device 1 (8 KB/s): the whole image with the default stall timeout, in the background"
flash 1 "$CORE_1141" --json >"$LAB_DIR/slow.out" 2>"$LAB_DIR/slow.err" &
slow_pid=$!
BG_PIDS+=("$slow_pid")

note "unspecified serve addresses are refused before the device is asked anything"
for address in 0.0.0.0 ::; do
  status=0
  (flash 2 "$CORE_DEV" --serve-address "$address" --fetch-timeout 3000) >"$LAB_DIR/any.out" \
    2>"$LAB_DIR/any.err" || status=$?
  assert_eq 2 "$status" "--serve-address $address: exit status"
  assert_eq "espurna-ota: cannot serve on '$address': an unspecified address listens everywhere but cannot be put in the URL the device fetches; give an address of this host that the device reaches with --serve-address, or leave it out to use the one facing the device" \
    "$(<"$LAB_DIR/any.err")" "--serve-address $address: message"
  assert_not_contains "$(lab-device log 2)" "telnet: ota" "device 2 was asked nothing"
done

note "interrupted mid-fetch, devices 2-5 (4 KB/s): they received part and drop the update"
n=2
for signal in INT TERM; do
  for mode in text json; do
    name=int_${signal}_$mode
    json=()
    [[ $mode == json ]] && json=(--json)
    flash "$n" "$CORE_DEV" "${json[@]}" >"$LAB_DIR/$name.out" 2>"$LAB_DIR/$name.err" &
    pid=$!
    BG_PIDS+=("$pid")
    wait_until 30 has_served_port "$n" || fail "$name: device $n was not asked to fetch"
    port=$(served_port "$n")
    wait_until 30 acked_over "$port" 20000 || fail "$name: device $n took nothing"
    kill -s "$signal" "$pid"
    status=0
    wait "$pid" || status=$?
    [[ $signal == INT ]] && code=130 || code=143
    assert_eq "$code" "$status" "$name: exit status"
    address=$(dev_address "$n")
    message=$(tail -n 1 "$LAB_DIR/$name.err")
    pattern="^espurna-ota: interrupted \(SIG$signal\): device $address received ([0-9]+) of $SIZE_DEV bytes and drops the update; it keeps its current firmware$"
    [[ $message =~ $pattern ]] || fail "$name: message '$message'"
    received=${BASH_REMATCH[1]}
    ((received > 0 && received < SIZE_DEV)) || fail "$name: received $received"
    if [[ $mode == json ]]; then
      out=$(<"$LAB_DIR/$name.out")
      assert_eq interrupted "$(json_field "$out" status)" "$name: JSON status"
      assert_eq "$code" "$(py_field "$out" 'd["exit_code"]')" "$name: JSON exit_code"
      assert_eq "$received" "$(py_field "$out" 'd["bytes_confirmed"]')" "$name: JSON bytes"
    else
      assert_eq "" "$(<"$LAB_DIR/$name.out")" "$name: nothing on stdout"
    fi
    n=$((n + 1))
  done
done
for n in 2 3 4 5; do
  wait_until 90 grep -q '^telnet: \[OTA\] ERROR' "$LAB_DIR/dev/$n/log" ||
    fail "device $n did not drop the update: $(tail -n 3 "$LAB_DIR/dev/$n/log")"
  assert_eq 1 "$(lab-device boots "$n")" "device $n did not reboot"
done

note "device 1 (8 KB/s): no false stall"
status=0
wait "$slow_pid" || status=$?
assert_eq 0 "$status" "8 KB/s device: exit status ($(<"$LAB_DIR/slow.err"))"
out=$(<"$LAB_DIR/slow.out")
assert_eq ok "$(json_field "$out" status)" "8 KB/s device: JSON status"
assert_eq "$SIZE_1141" "$(py_field "$out" 'd["bytes_confirmed"]')" "8 KB/s device: bytes"
assert_eq "$(printf '[OTA] Success: %7u bytes' "$SIZE_1141")" "$(json_field "$out" device_reply)" \
  "8 KB/s device: its own word"
assert_eq True "$(py_field "$out" 'd["rate_bytes_per_s"] <= 8 * 1024')" \
  "8 KB/s device: a rate no faster than the device ($(py_field "$out" 'd["rate_bytes_per_s"]'))"
lab-device wait-boot 1 2 120 || fail "device 1 did not reboot" # its boot copy runs at 8 KB/s too
assert_eq "1.14.1 core" "$(dev_running 1)" "device 1 runs the new image"
echo "flash_terminal_faults: ok"
