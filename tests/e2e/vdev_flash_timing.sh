#!/usr/bin/env bash
# tests/e2e/vdev_flash_timing.sh — the virtual device's flash takes one sector time per 4096-byte
# sector it erases and writes, on every path that writes: an espota update (one line per
# transfer: bytes, time, sectors), a web upload, `ota <url>`, and eboot's copy after the reboot
# (which writes the inflated sectors of a gzip update), so the time until the device answers
# again grows with the image size; --time-scale scales the sector time; the socket that takes
# an espota image has lwIP's shape (MSS 1460, a 5840-byte receive buffer) and fills while the
# device flashes. Durations are checked from below only (a busy machine makes them longer,
# never shorter); sector counts are exact. Real time (--time-scale 1), 20 ms a sector.
source "$(dirname "$0")/lib.sh"

FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")

SECTOR_MS=20
REBOOT_MS=300
base="reboot-ms=$REBOOT_MS mdns=no"
lab_reexec --no-avahi --time-scale 1 \
  --device "image=$FULL_1140 $base flash-sector-ms=$SECTOR_MS" \
  --device "image=$CORE_DEV $base flash-sector-ms=$SECTOR_MS" \
  --device "image=$FULL_DEV $base flash-sector-ms=$SECTOR_MS" \
  --device "image=$FULL_1140 $base flash-sector-ms=100" \
  --device "image=$FULL_1140 $base flash-sector-ms=200 time-scale=0.1" -- "$@"

trap stop_background EXIT

note "the device's time options: bad values and the two ways to set the flash time are refused"
VDEV=$EO_BUILD/firmware/host/espurna-vdev
for bad in "--time-scale 0,1" "--time-scale 101" "--time-scale -1" "--flash-sector-ms 1.0005" \
  "--flash-sector-ms 10001" "--flash-kbps 1.5" "--flash-kbps 40 --flash-sector-ms 33"; do
  read -r -a bad_options <<<"$bad"
  status=0
  err=$("$VDEV" --flash "$LAB_DIR/none.bin" --address 127.0.1.99 "${bad_options[@]}" 2>&1 >/dev/null) ||
    status=$?
  assert_eq 2 "$status" "vdev $bad: exit status"
  assert_eq 2 "$(grep -c . <<<"$err")" "vdev $bad: one line and the hint ($err)"
  assert_contains "$err" "try 'espurna-vdev --help'" "vdev $bad: the hint"
done
[[ ! -e $LAB_DIR/none.bin ]] || fail "a refused command line created the flash file"
help=$("$VDEV" --help)
for option in --flash-sector-ms --flash-kbps --time-scale --rcvbuf; do
  assert_contains "$help" "$option" "vdev --help lists $option"
done

# uptime_ms: a monotonic clock in milliseconds (unaffected by changes of the wall clock)
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
sectors_of() { echo $((($(stat -c %s "$1") + 4095) / 4096)); }

# flash N FILE: `espurna-ota flash` (espota) of FILE to device N; fails unless it succeeds.
# The device is timed from the tool's exit, so the tool runs bare even in a valgrind run (under
# memcheck it exits a while after the device's OK, and the device would seem back too early).
flash() {
  "${EO_REAL_BIN:-$EO_BIN}" flash --device "$(dev_address "$1")" --image "$2" \
    --password-file "$(dev_password_file "$1")" --quiet >"$LAB_DIR/out" 2>&1 ||
    fail "flash $(basename "$2") to device $1: $(<"$LAB_DIR/out")"
}

# last_line N PATTERN: the last log line of device N matching PATTERN (sed -E).
last_line() { lab-device log "$1" | sed -nE "/$2/p" | tail -n 1; }

# check_received N BYTES SECTORS WALL_MS_PER_SECTOR: device N's last espota transfer took BYTES
# in SECTORS sector writes and at least SECTORS sector times.
check_received() {
  local n=$1 bytes=$2 sectors=$3 per=$4 line
  line=$(last_line "$n" '^espota: received ')
  [[ $line =~ ^espota:\ received\ ([0-9]+)\ bytes\ in\ ([0-9]+)\ ms,\ ([0-9]+)\ sectors\ written$ ]] ||
    fail "device $n: no transfer line: $line"
  assert_eq "$bytes $sectors" "${BASH_REMATCH[1]} ${BASH_REMATCH[3]}" "device $n: bytes, sectors"
  ((BASH_REMATCH[2] >= sectors * per)) ||
    fail "device $n: $sectors sectors written in ${BASH_REMATCH[2]} ms, less than $sectors x $per ms"
  note "device $n: $bytes bytes, $sectors sectors in ${BASH_REMATCH[2]} ms"
}

# check_copy N SECTORS WALL_MS_PER_SECTOR: device N's last boot copy wrote SECTORS sectors and
# took at least SECTORS sector times.
check_copy() {
  local n=$1 sectors=$2 per=$3 line
  line=$(last_line "$n" '^eboot: copied ')
  [[ $line =~ \(([0-9]+)\ sectors,\ ([0-9]+)\ ms\)$ ]] || fail "device $n: no boot copy line: $line"
  assert_eq "$sectors" "${BASH_REMATCH[1]}" "device $n: sectors the boot copy wrote"
  ((BASH_REMATCH[2] >= sectors * per)) ||
    fail "device $n: boot copy of $sectors sectors in ${BASH_REMATCH[2]} ms, less than $sectors x $per ms"
  note "device $n: boot copy of $sectors sectors in ${BASH_REMATCH[2]} ms"
}

# flash_and_time N FILE BOOTS: flashes, then waits for boot BOOTS; AWAY is the time from the
# tool's end (the device's OK) until the device listened again.
flash_and_time() {
  local start
  flash "$1" "$2"
  start=$(uptime_ms)
  lab-device wait-boot "$1" "$3" 60 || fail "device $1 did not come back"
  AWAY=$(($(uptime_ms) - start))
}

note "device 1: espota, then eboot's copy: a sector time per sector, away longer for a larger image"
sectors=$(sectors_of "$CORE_1141")
flash_and_time 1 "$CORE_1141" 2
check_received 1 "$(stat -c %s "$CORE_1141")" "$sectors" "$SECTOR_MS"
check_copy 1 "$sectors" "$SECTOR_MS"
bound=$((REBOOT_MS + sectors * SECTOR_MS))
((AWAY >= bound)) || fail "device 1 was back $AWAY ms after its OK, before reboot + copy ($bound ms)"
small_bound=$bound
sectors=$(sectors_of "$FULL_1141")
flash_and_time 1 "$FULL_1141" 3
check_received 1 "$(stat -c %s "$FULL_1141")" "$sectors" "$SECTOR_MS"
check_copy 1 "$sectors" "$SECTOR_MS"
bound=$((REBOOT_MS + sectors * SECTOR_MS))
((bound > small_bound + 1000)) || fail "the larger image's copy should take over a second longer"
((AWAY >= bound)) || fail "device 1 was back $AWAY ms after its OK, before reboot + copy ($bound ms)"
assert_eq "1.14.1 full" "$(dev_running 1)" "device 1 runs the larger image"

note "device 2: a gzip update: the staged (compressed) sectors, then the inflated ones at boot"
GZ_FULL=$LAB_DIR/espurna-1.15.1-itead-sonoff-basic.bin.gz
"$EO_MKIMAGE" --output "$GZ_FULL" --size 655360 --kind full --version 1.15.1 \
  --environment itead-sonoff-basic --board ITEAD_SONOFF_BASIC --gzip || fail "mkimage --gzip"
staged=$(sectors_of "$GZ_FULL")
((staged < 160 * 8 / 10)) || fail "the gzip image keeps $staged of 160 sectors: not compressible"
flash_and_time 2 "$GZ_FULL" 2
check_received 2 "$(stat -c %s "$GZ_FULL")" "$staged" "$SECTOR_MS"
check_copy 2 160 "$SECTOR_MS"
((AWAY >= REBOOT_MS + 160 * SECTOR_MS)) || fail "device 2 was back after $AWAY ms"
assert_eq "1.15.1 full" "$(dev_running 2)" "device 2 runs the inflated image"

note "device 3: a web upload and an ota <url> fetch write a sector time per sector too"
sectors=$(sectors_of "$CORE_DEV")
seconds=$(curl -sS --max-time 60 -o "$LAB_DIR/body" -w '%{time_total}' --digest \
  -u "admin:$(<"$(dev_password_file 3)")" -F "upgrade=@$CORE_DEV;type=application/octet-stream" \
  "http://$(dev_address 3)/upgrade") || fail "web upload failed"
assert_eq OK "$(<"$LAB_DIR/body")" "device 3: web upload answer"
ms=$(awk -v s="$seconds" 'BEGIN { printf "%d\n", s * 1000 }')
((ms >= sectors * SECTOR_MS)) || fail "web upload of $sectors sectors in $ms ms"
note "device 3: web upload of $sectors sectors in $ms ms"
lab-device wait-boot 3 2 60 || fail "device 3 did not reboot after the web upload"
check_copy 3 "$sectors" "$SECTOR_MS"
SERVE=$LAB_DIR/www
mkdir -p "$SERVE"
cp "$FULL_DEV" "$SERVE/"
python3 -m http.server 8080 --bind 127.0.0.1 --directory "$SERVE" >"$LAB_DIR/http.log" 2>&1 &
BG_PIDS+=($!)
wait_until 10 curl -s -o /dev/null http://127.0.0.1:8080/ || fail "http server did not start"
sectors=$(sectors_of "$FULL_DEV")
rebooting() { [[ $(lab-device log 3 | grep -c '^rebooting') -ge 2 ]]; }
start=$(uptime_ms)
telnet 3 "ota http://127.0.0.1:8080/$(basename "$FULL_DEV")" >/dev/null || fail "ota command failed"
wait_until 60 rebooting || fail "device 3 did not reboot after the ota fetch"
ms=$(($(uptime_ms) - start))
((ms >= sectors * SECTOR_MS)) || fail "ota fetch of $sectors sectors done in $ms ms"
note "device 3: ota fetch of $sectors sectors, rebooting after $ms ms"
lab-device wait-boot 3 3 60 || fail "device 3 did not come back after the ota fetch"
check_copy 3 "$sectors" "$SECTOR_MS"
assert_eq "$DEV_VERSION full" "$(dev_running 3)" "device 3 runs the fetched image"

note "device 4 (100 ms a sector): the espota socket has lwIP's shape; the host waits on its window"
"${INTERRUPTIBLE[@]}" "$EO_BIN" flash --device "$(dev_address 4)" --image "$CORE_1141" \
  --password-file "$(dev_password_file 4)" --quiet >"$LAB_DIR/out4" 2>&1 &
pid=$!
BG_PIDS+=("$pid")
# taking_data: the device's connection has queued data (its window fills while it flashes)
device_socket() { ss -tmiH state established src "$(dev_address 4)"; }
taking_data() { [[ $(device_socket) =~ bytes_received:[1-9][0-9]{4} ]]; }
wait_until 30 taking_data || fail "device 4 never took 10000 bytes: $(device_socket)"
socket=$(device_socket)
host=$(ss -tmiH state established dst "$(dev_address 4)")
kill -INT "$pid" # the rest of the transfer proves nothing more (the device drops it)
wait "$pid" || true
[[ $socket =~ [^a-z]rb([0-9]+) ]] || fail "no receive buffer in: $socket"
# Linux doubles SO_RCVBUF (for its own overhead): 2 x 5840
assert_eq 11680 "${BASH_REMATCH[1]}" "device 4: receive buffer (SO_RCVBUF 5840, doubled)"
[[ $socket =~ [^a-z]advmss:([0-9]+) ]] || fail "no advertised MSS in: $socket"
((BASH_REMATCH[1] <= 1460)) || fail "device 4 advertises MSS ${BASH_REMATCH[1]}, not lwIP's 1460"
assert_contains "$host" "rwnd_limited:" "the host is held back by the device's receive window"

note "device 5 (200 ms a sector at --time-scale 0.1): 20 ms of wall time a sector"
sectors=$(sectors_of "$CORE_1141")
flash_and_time 5 "$CORE_1141" 2
check_received 5 "$(stat -c %s "$CORE_1141")" "$sectors" 20
check_copy 5 "$sectors" 20
note "pass"
