#!/usr/bin/env bash
# tests/e2e/serve_faults.sh — `espurna-ota serve` judged by what the client's TCP acknowledged,
# and kept open to the device whatever other clients do:
#   - a client that takes the whole image into a large receive buffer, reads 1000 bytes and
#     closes is no delivery (exit 9, "complete": false); a full reader is (exit 0);
#   - 8 slow-header connections from a disallowed address do not keep the allowed device from
#     the image (refused when they connect); with --allow-any they are closed after the header
#     bound (10 s) and the device then gets the image;
#   - --address 0.0.0.0 / :: is refused (exit 2), no URL is printed;
#   - SIGINT / SIGTERM, text and JSON: mid-fetch from a slow device (it received N of M bytes and
#     drops the update, and it does: the device logs an error and keeps running), before any
#     fetch (unchanged), after every byte was acknowledged (it may install it); exit 128+signal,
#     the JSON "done" line with status "interrupted".
source "$(dirname "$0")/lib.sh"

CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")

# Receive buffers of 16 KiB at most (the devices have lwIP's 5840 bytes): a slow device that
# was reset stops within seconds instead of reading 128 KiB of buffered data first. Device 2
# runs in real time: it is slow enough to be interrupted mid-fetch.
lab_reexec --no-avahi --tcp-rmem "4096 16384 16384" \
  --device "image=$CORE_DEV dialect=dev reboot-ms=300 mdns=no" \
  --device "image=$CORE_DEV dialect=dev reboot-ms=300 mdns=no flash-kbps=4 time-scale=1" -- "$@"

A1=$(dev_address 1)
A2=$(dev_address 2)
SIZE_1141=$(stat -c %s "$CORE_1141")
SIZE_DEV=$(stat -c %s "$CORE_DEV")
trap stop_background EXIT

# serve_bg NAME ARGS...: starts `serve ARGS...` in the background with stdout in $LAB_DIR/NAME.out
# and stderr in $LAB_DIR/NAME.err; waits for the URL; sets SERVE_PID, URL, PORT.
serve_bg() {
  local name=$1
  shift
  "${INTERRUPTIBLE[@]}" "$EO_BIN" serve "$@" >"$LAB_DIR/$name.out" 2>"$LAB_DIR/$name.err" &
  SERVE_PID=$!
  BG_PIDS+=("$SERVE_PID")
  wait_until 10 grep -q 'http://' "$LAB_DIR/$name.out" ||
    fail "$name: serve printed no URL: $(<"$LAB_DIR/$name.err")"
  URL=$(grep -o 'http://[^"]*' "$LAB_DIR/$name.out" | head -n 1)
  PORT=${URL##*:}
  PORT=${PORT%%/*}
}

# serve_wait: waits for the serve started last; sets STATUS.
serve_wait() {
  STATUS=0
  wait "$SERVE_PID" || STATUS=$?
}

# done_line NAME: the JSON "done" line of a --json run.
done_line() { grep '"event":"done"' "$LAB_DIR/$1.out"; }

# py_field JSON EXPR: a value from a JSON document (EXPR is Python on `d`).
py_field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

# ota_lines N PATTERN: how many telnet log lines of device N match PATTERN.
ota_lines() { grep -c "^telnet: \[OTA\] $2" "$LAB_DIR/dev/$1/log"; }
# ota_lines_reach N PATTERN COUNT: whether device N logged COUNT such lines (for wait_until).
ota_lines_reach() { (($(ota_lines "$1" "$2") >= $3)); }

note "a reader of 1000 bytes with a large receive buffer: everything acknowledged, no delivery"
serve_bg r1000 "$CORE_1141" --allow-any --address 127.0.0.1 --json --timeout 15
reader=$(python3 "$E2E_TOOLS/http_reader.py" --url "$URL" --bind 127.0.0.1 --rcvbuf 4194304 \
  --read 1000) || fail "http_reader: $reader"
assert_eq 1000 "$(py_field "$reader" 'd["body_read"]')" "the reader read 1000 bytes"
serve_wait
assert_eq 9 "$STATUS" "1000-byte reader: exit status"
line=$(done_line r1000)
assert_eq False "$(py_field "$line" 'd["complete"]')" "1000-byte reader: complete"
assert_eq transfer "$(json_field "$line" status)" "1000-byte reader: status"
assert_eq "$SIZE_1141" "$(py_field "$line" 'd["bytes_confirmed"]')" "its TCP acknowledged it all"
assert_contains "$(json_field "$line" error)" \
  "127.0.0.1 acknowledged all $SIZE_1141 bytes, then reset the connection" "1000-byte reader: error"

note "a full reader: complete"
serve_bg full "$CORE_1141" --allow-any --address 127.0.0.1 --json --timeout 30
reader=$(python3 "$E2E_TOOLS/http_reader.py" --url "$URL" --bind 127.0.0.1 --read-all) ||
  fail "http_reader: $reader"
assert_eq close "$(py_field "$reader" 'd["server_end"]')" "the server closed after the body"
serve_wait
assert_eq 0 "$STATUS" "full reader: exit status"
line=$(done_line full)
assert_eq True "$(py_field "$line" 'd["complete"]')" "full reader: complete"
assert_eq "$SIZE_1141" "$(py_field "$line" 'd["bytes_confirmed"]')" "full reader: bytes"

note "8 slow-header connections from another address do not keep device 1 from the image"
serve_bg dos "$CORE_DEV" --allow "$A1" --json --timeout 120
python3 "$E2E_TOOLS/slow_headers.py" --host 127.0.0.1 --port "$PORT" --bind 127.0.0.1 --count 8 \
  --interval 5 --duration 60 >"$LAB_DIR/slow.out" &
slow_pid=$!
BG_PIDS+=("$slow_pid")
wait_until 20 grep -q ready "$LAB_DIR/slow.out" || fail "slow_headers did not get ready"
out=$(telnet 1 "ota $URL") || fail "ota command: $out"
wait_until 60 grep -q '^telnet: \[OTA\] \(Success\|ERROR\)' "$LAB_DIR/dev/1/log" ||
  fail "device 1 never finished its fetch"
assert_eq 1 "$(ota_lines 1 "$(printf 'Success: %7u bytes' "$SIZE_DEV")")" \
  "device 1 fetched the image: $(grep '\[OTA\]' "$LAB_DIR/dev/1/log")"
serve_wait
assert_eq 0 "$STATUS" "serve exit status with slow-header connections around"
line=$(done_line dos)
assert_eq True "$(py_field "$line" 'd["complete"]')" "complete"
assert_eq 8 "$(py_field "$line" 'd["refused"]')" "the 8 connections were refused"
wait "$slow_pid"
closed=$(tail -n 1 "$LAB_DIR/slow.out")
assert_eq True "$(py_field "$closed" 'all(t is not None and t < 10 for t in d["closed_after_s"])')" \
  "every slow-header connection was refused at once: $closed"
lab-device wait-boot 1 2 15 || fail "device 1 did not reboot"

note "--allow-any: slow-header connections are closed after the header bound"
serve_bg dos_any "$CORE_DEV" --allow-any --address 127.0.0.1 --json --timeout 120
python3 "$E2E_TOOLS/slow_headers.py" --host 127.0.0.1 --port "$PORT" --bind 127.0.0.1 --count 8 \
  --interval 5 --duration 60 >"$LAB_DIR/slow_any.out" || fail "slow_headers failed"
closed=$(tail -n 1 "$LAB_DIR/slow_any.out")
assert_eq True \
  "$(py_field "$closed" 'all(t is not None and 9 <= t <= 40 for t in d["closed_after_s"])')" \
  "every slow-header connection was closed after about 10 s: $closed"
out=$(telnet 1 "ota $URL") || fail "ota command: $out"
serve_wait
assert_eq 0 "$STATUS" "--allow-any: the device got the image afterwards"
assert_eq 8 "$(py_field "$(done_line dos_any)" 'd["refused"]')" "8 connections cut"
lab-device wait-boot 1 3 15 || fail "device 1 did not reboot"

note "unspecified addresses are refused"
for address in 0.0.0.0 ::; do
  status=0
  "$EO_BIN" serve "$CORE_DEV" --allow "$A1" --address "$address" --timeout 1 \
    >"$LAB_DIR/any.out" 2>"$LAB_DIR/any.err" || status=$?
  assert_eq 2 "$status" "--address $address: exit status"
  assert_eq "espurna-ota: cannot serve on '$address': an unspecified address listens everywhere but cannot be put in the URL the device fetches; give an address of this host that the device reaches with --address (with --allow it may be left out: the one facing the device is used)" \
    "$(<"$LAB_DIR/any.err")" "--address $address: message"
  assert_eq "" "$(<"$LAB_DIR/any.out")" "--address $address: no URL"
done

note "interrupted mid-fetch from a slow device: it received part and drops the update"
errors=0
for signal in INT TERM; do
  for mode in text json; do
    name=int_${signal}_$mode
    json=()
    [[ $mode == json ]] && json=(--json)
    serve_bg "$name" "$CORE_DEV" --allow "$A2" --timeout 120 "${json[@]}"
    out=$(telnet 2 "ota $URL") || fail "$name: ota command: $out"
    wait_until 30 acked_over "$PORT" 20000 || fail "$name: the device took nothing"
    kill -s "$signal" "$SERVE_PID"
    serve_wait
    [[ $signal == INT ]] && code=130 || code=143
    assert_eq "$code" "$STATUS" "$name: exit status"
    message=$(tail -n 1 "$LAB_DIR/$name.err")
    pattern="^espurna-ota: interrupted \(SIG$signal\): device $A2 received ([0-9]+) of $SIZE_DEV bytes and drops the update; it keeps its current firmware$"
    [[ $message =~ $pattern ]] || fail "$name: message '$message'"
    received=${BASH_REMATCH[1]}
    ((received > 0 && received < SIZE_DEV)) || fail "$name: received $received"
    if [[ $mode == json ]]; then
      line=$(done_line "$name") || fail "$name: no done line"
      assert_eq interrupted "$(json_field "$line" status)" "$name: JSON status"
      assert_eq "$code" "$(py_field "$line" 'd["exit_code"]')" "$name: JSON exit_code"
      assert_eq "$received" "$(py_field "$line" 'd["bytes_confirmed"]')" "$name: JSON bytes"
      assert_eq False "$(py_field "$line" 'd["complete"]')" "$name: JSON complete"
    else
      assert_eq "$URL" "$(<"$LAB_DIR/$name.out")" "$name: stdout is the URL only"
    fi
    errors=$((errors + 1))
    wait_until 30 ota_lines_reach 2 ERROR "$errors" ||
      fail "$name: device 2 did not drop the update: $(tail -n 3 "$LAB_DIR/dev/2/log")"
    assert_eq 1 "$(lab-device boots 2)" "$name: device 2 did not reboot"
  done
done

note "interrupted before any fetch: the device is unchanged"
serve_bg int_early "$CORE_DEV" --allow "$A2" --timeout 120 --json
kill -s TERM "$SERVE_PID"
serve_wait
assert_eq 143 "$STATUS" "early SIGTERM: exit status"
assert_eq "espurna-ota: interrupted (SIGTERM) before device $A2 received any of the image; it keeps its current firmware" \
  "$(tail -n 1 "$LAB_DIR/int_early.err")" "early SIGTERM: message"
assert_eq interrupted "$(json_field "$(done_line int_early)" status)" "early SIGTERM: JSON status"

note "interrupted after every byte was acknowledged: it may install the image"
serve_bg int_all "$CORE_1141" --allow-any --address 127.0.0.1 --json --timeout 120
python3 "$E2E_TOOLS/http_reader.py" --url "$URL" --bind 127.0.0.1 --hold --wait 20 \
  >"$LAB_DIR/hold.out" &
BG_PIDS+=($!)
wait_until 20 grep -q held "$LAB_DIR/hold.out" || fail "the reader did not read the image"
wait_until 10 acked_over "$PORT" "$SIZE_1141" || fail "not every byte acknowledged"
kill -s INT "$SERVE_PID"
serve_wait
assert_eq 130 "$STATUS" "SIGINT after everything: exit status"
assert_eq "espurna-ota: interrupted (SIGINT) after device 127.0.0.1 had received all $SIZE_1141 bytes: it may install the image and reboot; once it is back, the version it reports tells: espurna-ota discover --device 127.0.0.1" \
  "$(tail -n 1 "$LAB_DIR/int_all.err")" "SIGINT after everything: message"
line=$(done_line int_all)
assert_eq interrupted "$(json_field "$line" status)" "SIGINT after everything: JSON status"
assert_eq check_version "$(json_field "$line" hint)" "SIGINT after everything: JSON hint"
assert_eq "$SIZE_1141" "$(py_field "$line" 'd["bytes_confirmed"]')" "SIGINT after everything: bytes"
echo "serve_faults: ok"
