#!/usr/bin/env bash
# tests/e2e/lab_usage.sh — the lab script's own contract: --help, usage errors (exit 2, one
# line), a missing device binary, COMMAND's exit status passed through, the environment inside
# (LAB_DIR, LAB_DEVICES, DBUS_SYSTEM_BUS_ADDRESS, lab-device, --tcp-rmem, only lo), and that
# teardown stops every device and removes the lab directory, also on SIGTERM.
source "$(dirname "$0")/lib.sh"

LAB=$EO_SOURCE/tests/lab/run
FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)

out=$(bash "$LAB" --help) || fail "--help failed"
assert_contains "$out" "usage: tests/lab/run" "--help"
for bad in "--device foo=bar -- true" "--devices x -- true" "--devices 2 -- true" \
  "--tcp-rmem 1 -- true" "--bogus -- true" "--device image=$FULL_1140" "--time-scale x -- true" \
  "--time-scale -1 -- true" "--device time-scale=0,1 -- true" "--device flash-sector-ms=x -- true"; do
  read -r -a bad_args <<<"$bad"
  status=0
  err=$(bash "$LAB" "${bad_args[@]}" 2>&1 >/dev/null) || status=$?
  assert_eq 2 "$status" "'$bad' exit status"
  assert_eq 1 "$(grep -c . <<<"$err")" "'$bad' error is one line"
  assert_contains "$err" "try --help" "'$bad' error"
done
status=0
err=$(bash "$LAB" --vdev /nonexistent/espurna-vdev --devices 1 --image "$FULL_1140" -- true 2>&1) ||
  status=$?
assert_eq 1 "$status" "missing device binary"
assert_contains "$err" "not found" "missing device binary message"

require_lab
note "inside: environment, lab-device, exit status"
status=0
out=$(bash "$LAB" --tcp-rmem "4096 8192 16384" --device "image=$FULL_1140 name=kitchen" \
  --devices 1 --image "$FULL_1140" -- bash -c '
  echo "dir=$LAB_DIR"
  cat "$LAB_DEVICES"
  echo "bus=$DBUS_SYSTEM_BUS_ADDRESS"
  echo "addr2=$(lab-device address 2) host1=$(lab-device hostname 1)"
  echo "rmem=$(sysctl -n net.ipv4.tcp_rmem | tr "\t" " ")"
  echo "links=$(ip -o link show | wc -l)"
  exit 5') || status=$?
assert_eq 5 "$status" "COMMAND's exit status"
dir=$(sed -n 's/^dir=//p' <<<"$out")
[[ -n $dir ]] || fail "no LAB_DIR inside: $out"
assert_contains "$out" "bus=unix:path=$dir/bus.socket" "DBUS_SYSTEM_BUS_ADDRESS"
assert_contains "$out" "addr2=127.0.1.12 host1=kitchen" "lab-device address/hostname"
assert_contains "$out" "rmem=4096 8192 16384" "--tcp-rmem inside"
assert_contains "$out" "links=1" "only lo inside"
pids=$(awk '{print $4}' <<<"$(grep -E '^[12] ' <<<"$out")")
assert_eq 2 "$(grep -c . <<<"$pids")" "LAB_DEVICES lines: $out"
grep -q '^1 kitchen 127.0.1.11 [0-9]' <<<"$out" || fail "LAB_DEVICES line 1: $out"
grep -q '^2 ESPURNA-00000C 127.0.1.12 [0-9]' <<<"$out" || fail "LAB_DEVICES line 2: $out"
[[ ! -e $dir ]] || fail "lab directory $dir left behind"
for pid in $pids; do
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q espurna-vdev; then
    fail "device pid $pid still running after the lab"
  fi
done
note "SIGTERM to the lab ends COMMAND and every device at once"
info=$(mktemp)
bash "$LAB" --devices 2 --image "$FULL_1140" -- \
  bash -c 'cat "$LAB_DEVICES" >"$0.tmp"; echo "dir $LAB_DIR" >>"$0.tmp"; mv "$0.tmp" "$0"; sleep 60' \
  "$info" &
lab=$!
wait_until 20 test -s "$info" || fail "the lab never ran COMMAND"
kill -TERM "$lab"
status=0
wait "$lab" || status=$?
assert_eq 143 "$status" "exit status after SIGTERM"
dir=$(sed -n 's/^dir //p' "$info")
[[ -n $dir && ! -e $dir ]] || fail "lab directory '$dir' left behind after SIGTERM"
while read -r pid; do
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q espurna-vdev; then
    fail "device pid $pid still running after SIGTERM"
  fi
done < <(awk '/^[0-9]/ {print $4}' "$info")
rm -f "$info"
note "pass"
