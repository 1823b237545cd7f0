#!/usr/bin/env bash
# tests/e2e/vdev_web.sh — web upload (POST /upgrade, multipart) on the virtual device with curl:
# Digest (the async web server's challenge: realm = hostname, qop="auth", 32-hex nonce and
# opaque) and Basic auth, 401 on a wrong password, "Connection: close" and ESPurna's security
# headers, and each answer in each era: dev and 1.14.1 (400 for a busy Updater, a file part
# of one 1460-byte piece or less, a bad header; 500 with the Updater's text ending "\r\n";
# 200 "OK" without a reboot when no file part came), <= 1.14.0 (always 200, "OK" or "ERROR n";
# a second upload joins the running one), gzip refused by 1.14.1's header check (core 2.3.0),
# the no-auth minimal-webui build, and successful uploads followed by a reboot. A client
# killed mid upload has its update dropped at once, so the next upload is taken.
# A large body refused with 401 is read to its end first, so a client that sends it whole (no
# Expect: 100-continue; curl and one that reads only after writing) gets the 401; the lab has
# lwIP-sized TCP receive buffers (--tcp-rmem).
source "$(dirname "$0")/lib.sh"

FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
OVERSIZED=$(image "espurna-$DEV_VERSION-oversized-1m.bin")
WEBUI=$(image "espurna-$DEV_VERSION-minimal-webui-1m.bin")

lab_reexec --tcp-rmem "2920 5840 5840" --device "image=$FULL_1141 dialect=dev reboot-ms=300" \
  --device "image=$FULL_1140 reboot-ms=300" \
  --device "image=$FULL_DEV dialect=dev reboot-ms=300 flash-kbps=200 time-scale=1" \
  --device "image=$WEBUI dialect=dev reboot-ms=300" \
  --device "image=$FULL_1140 reboot-ms=300 flash-kbps=200 time-scale=1" \
  --device "image=$FULL_1141 reboot-ms=300" \
  --device "image=$FULL_1141 reboot-ms=300 flash-kbps=200 time-scale=1" -- "$@"

JUNK=$LAB_DIR/junk.bin
head -c 20000 /dev/zero | tr '\0' 'x' >"$JUNK"
SMALL=$LAB_DIR/small.bin
head -c 1000 "$CORE_DEV" >"$SMALL"
BIG=$LAB_DIR/big.bin
head -c 614400 "$FULL_DEV" >"$BIG"

# shown FILE: the file with CR and LF written as \r and \n.
shown() { sed -z 's/\r/\\r/g; s/\n/\\n/g' "$1"; }

# upload N FILE [CURL AUTH OPTIONS]: prints "STATUS BODY" of POST /upgrade with FILE (the
# body's CR and LF shown as \r \n); the headers land in $LAB_DIR/headers.
upload() {
  local n=$1 file=$2
  shift 2
  curl -sS --max-time 30 -D "$LAB_DIR/headers" -o "$LAB_DIR/body" -w '%{http_code}' "$@" \
    -F "upgrade=@$file;type=application/octet-stream" "http://$(dev_address "$n")/upgrade" \
    >"$LAB_DIR/status" || fail "device $n: curl failed"
  echo "$(<"$LAB_DIR/status") $(shown "$LAB_DIR/body")"
}

# no_file N: POST /upgrade without a file part (url-encoded x=1); prints "STATUS BODY".
no_file() {
  curl -sS --max-time 10 -o "$LAB_DIR/body" -w '%{http_code}' --digest -u "admin:$(pw "$1")" \
    -d 'x=1' "http://$(dev_address "$1")/upgrade" >"$LAB_DIR/status" || fail "device $1: curl failed"
  echo "$(<"$LAB_DIR/status") $(shown "$LAB_DIR/body")"
}
pw() { cat "$(dev_password_file "$1")"; }

note "device 1 (dev): auth"
assert_eq "401" "$(upload 1 "$SMALL" | cut -d' ' -f1)" "no credentials"
assert_eq "401" "$(upload 1 "$SMALL" --digest -u admin:wrong | cut -d' ' -f1)" "wrong password"
assert_eq "401" "$(upload 1 "$SMALL" --basic -u admin:wrong | cut -d' ' -f1)" "wrong password (basic)"
# post_all N FILE [AUTH HEADER]: a client that writes the whole multipart request before it
# reads anything (python http.client); prints the status, or the error it met.
post_all() {
  python3 - "$(dev_address "$1")" "$2" "${3:-}" <<'PY'
import http.client, sys
address, path, auth = sys.argv[1:4]
b = "eo-boundary"
head = f'--{b}\r\nContent-Disposition: form-data; name="upgrade"; filename="f.bin"\r\n\r\n'
body = head.encode() + open(path, "rb").read() + f"\r\n--{b}--\r\n".encode()
headers = {"Content-Type": f"multipart/form-data; boundary={b}"}
if auth:
    headers["Authorization"] = auth
try:
    conn = http.client.HTTPConnection(address, 80, timeout=30)
    conn.request("POST", "/upgrade", body=body, headers=headers)
    print(conn.getresponse().status)
except OSError as e:
    print(f"error: {e}")
PY
}
# a large body sent at once (no Expect: 100-continue) with wrong or no credentials: the device
# reads it to the end before answering, so the client gets the 401, not a broken pipe
wrong_basic="Basic $(printf admin:wrong | base64)"
for try in 1 2 3 4; do
  assert_eq "401" "$(upload 1 "$BIG" -H 'Expect:' --basic -u admin:wrong | cut -d' ' -f1)" \
    "curl: large body, wrong password (basic), try $try"
  assert_eq "401" "$(post_all 1 "$BIG" "$wrong_basic")" "large body sent whole, wrong password, try $try"
  assert_eq "401" "$(post_all 1 "$BIG")" "large body sent whole, no credentials, try $try"
done
assert_contains "$(lab-device log 1)" "401 unauthorized (614" "device 1: the refused body was read"
challenge=$(curl -sS -D - -o /dev/null -X POST "http://$(dev_address 1)/upgrade" | tr -d '\r')
grep -Eq "^WWW-Authenticate: Digest realm=\"$(lab-device hostname 1)\", qop=\"auth\", nonce=\"[0-9a-f]{32}\", opaque=\"[0-9a-f]{32}\"\$" \
  <<<"$challenge" || fail "the 401 challenge: $challenge"
grep -qx "Connection: close" <<<"$challenge" || fail "the 401 says Connection: close: $challenge"

note "device 1 (dev): error bodies"
assert_eq "200 OK" "$(no_file 1)" "no file part: OK from the Updater's state, no reboot"
assert_eq "400 ERROR: No magic byte / invalid flash config" "$(upload 1 "$JUNK" --digest -u "admin:$(pw 1)")" \
  "invalid image"
headers=$(tr -d '\r' <"$LAB_DIR/headers")
for header in "Connection: close" "X-XSS-Protection: 1; mode=block" "X-Content-Type-Options: nosniff" \
  "X-Frame-Options: deny"; do
  grep -qxF "$header" <<<"$headers" || fail "an /upgrade answer without '$header': $headers"
done
assert_eq '500 ERROR[4]: Not Enough Space\r\n' "$(upload 1 "$FULL_DEV" --digest -u "admin:$(pw 1)")" "no space"
assert_eq "400 ERROR: Invalid request" "$(upload 1 "$SMALL" --digest -u "admin:$(pw 1)")" \
  "a file of one 1460-byte piece"
assert_eq '200 ERROR[4]: Not Enough Space\r\n' "$(no_file 1)" \
  "no file part after a refused upload: the Updater's error is still there"
sleep 1
assert_eq 1 "$(lab-device boots 1)" "device 1: no reboot after errors"

note "device 1 (dev): Digest upload of the core image"
assert_eq "200 OK" "$(upload 1 "$CORE_DEV" --digest -u "admin:$(pw 1)")" "digest upload"
lab-device wait-boot 1 2 10 || fail "device 1 did not reboot"
assert_eq "$DEV_VERSION" "$(info_version 1)" "device 1 version after upload"
assert_contains "$(lab-device log 1)" "booted $DEV_VERSION (core)" "device 1 boots the core"

note "device 6 (1.14.1, core 2.3.0): status codes and the 2.3.0 Updater's words"
assert_eq "400 ERROR: No magic byte / invalid flash config" "$(upload 6 "$JUNK" --digest -u "admin:$(pw 6)")" \
  "1.14.1 invalid image"
assert_eq '500 ERROR[4]: Not Enough Space\r\n' "$(upload 6 "$OVERSIZED" --digest -u "admin:$(pw 6)")" \
  "1.14.1 no space"
GZ=$LAB_DIR/core.bin.gz
gzip -9 -c "$CORE_DEV" >"$GZ"
assert_eq "400 ERROR: No magic byte / invalid flash config" "$(upload 6 "$GZ" --digest -u "admin:$(pw 6)")" \
  "1.14.1 (core 2.3.0) has no gzip"
assert_eq '200 ERROR[4]: Not Enough Space\r\n' "$(no_file 6)" \
  "no file part: the error the last upload left, 200"
assert_eq 1 "$(lab-device boots 6)" "device 6: no reboot"

note "device 2 (1.14.0): always 200, body OK or ERROR <n>"
assert_eq "401" "$(upload 2 "$SMALL" --digest -u admin:wrong | cut -d' ' -f1)" "1.14 wrong password"
assert_eq "200 ERROR 10" "$(upload 2 "$JUNK" --digest -u "admin:$(pw 2)")" "1.14 invalid image"
head -c 1000 "$JUNK" >"$LAB_DIR/small-junk.bin"
assert_eq "200 ERROR 10" "$(upload 2 "$LAB_DIR/small-junk.bin" --digest -u "admin:$(pw 2)")" \
  "1.14 one piece: no such check, the end refuses it"
assert_eq "200 ERROR 4" "$(upload 2 "$OVERSIZED" --digest -u "admin:$(pw 2)")" "1.14 no space"
assert_eq 1 "$(lab-device boots 2)" "device 2: no reboot after errors"
note "device 2 (1.14.0): Basic upload of 1.14.1 full (exactly the largest the web path takes)"
assert_eq "200 OK" "$(upload 2 "$FULL_1141" --basic -u "admin:$(<"$(dev_password_file 2)")")" \
  "basic upload"
lab-device wait-boot 2 2 10 || fail "device 2 did not reboot"
assert_eq 1.14.1 "$(info_version 2)" "device 2 version after upload"

# staging_written N RUNNING-SIZE: some sector beside the running image is no longer erased,
# i.e. an upload is being written (the Updater stages it between the image and sketch end).
staging_written() {
  python3 - "$LAB_DIR/dev/$1/flash.bin" "$2" <<'PY'
import sys
with open(sys.argv[1], "rb") as f:
    f.seek((int(sys.argv[2]) + 4095) // 4096 * 4096)
    area = f.read(1048576 - 5 * 4096 - f.tell())
sys.exit(0 if area.strip(b"\xff") else 1)
PY
}

# second_upload N RUNNING-SIZE EXPECTED: while a slow upload runs on N, another one (junk, so
# that it could change nothing if it got through) gets "STATUS BODY" EXPECTED.
second_upload() {
  local n=$1 running=$2 expected=$3 first
  staging_written "$n" "$running" && fail "device $n: staging area not erased before the upload"
  curl -sS --max-time 30 -o "$LAB_DIR/first$n" --digest -u "admin:$(pw "$n")" -F "upgrade=@$CORE_DEV" \
    "http://$(dev_address "$n")/upgrade" &
  first=$!
  wait_until 10 staging_written "$n" "$running" || fail "device $n: the first upload never began"
  assert_eq "$expected" "$(upload "$n" "$JUNK" --digest -u "admin:$(pw "$n")")" "device $n: upload while busy"
  wait "$first" || fail "device $n: the first upload failed"
  assert_eq OK "$(<"$LAB_DIR/first$n")" "device $n: the first upload"
  lab-device wait-boot "$n" 2 10 || fail "device $n did not reboot"
}

note "device 3 (dev, slow flash): a second upload while one runs"
second_upload 3 "$(stat -c %s "$FULL_DEV")" "400 ERROR: Upgrade in progress"

note "device 5 (1.14.0, slow flash): a second upload joins the running one and ends it"
# core 2.3.0's begin() fails without an error while an update runs, so 1.14.0 writes the
# second upload's bytes into the running update and its end() ends that update: "OK", and the
# device restarts into the first upload's beginning with the junk behind it.
running=$(stat -c %s "$FULL_1140")
curl -sS --max-time 30 -o "$LAB_DIR/first5" --digest -u "admin:$(pw 5)" -F "upgrade=@$CORE_DEV" \
  "http://$(dev_address 5)/upgrade" >/dev/null 2>&1 &
first=$!
wait_until 10 staging_written 5 "$running" || fail "device 5: the first upload never began"
assert_eq "200 OK" "$(upload 5 "$JUNK" --digest -u "admin:$(pw 5)")" "device 5: the joining upload"
wait "$first"
lab-device wait-boot 5 2 10 || fail "device 5 did not reboot"
assert_not_contains "$(lab-device log 5 | grep '^booted' | tail -n 1)" "$DEV_VERSION (core), 358400 bytes" \
  "device 5 does not run the first upload as sent"

note "device 7 (1.14.1, slow flash): a client killed mid upload: the update is dropped at once"
curl -sS --max-time 30 -o /dev/null --digest -u "admin:$(pw 7)" -F "upgrade=@$FULL_1141" \
  "http://$(dev_address 7)/upgrade" >/dev/null 2>&1 &
client=$!
wait_until 10 grep -q 'file part begins' "$LAB_DIR/dev/7/log" || fail "device 7: the upload never began"
kill -KILL "$client"
wait "$client" 2>/dev/null
# at once, not at libmicrohttpd's 30 s connection timeout: until then the Updater runs and the
# next upload gets "400 ERROR: Upgrade in progress"
wait_until 5 grep -q 'upload ended early' "$LAB_DIR/dev/7/log" ||
  fail "device 7: the cut upload was not dropped: $(tail -n 3 "$LAB_DIR/dev/7/log")"
assert_eq "200 OK" "$(upload 7 "$CORE_DEV" --digest -u "admin:$(pw 7)")" "device 7: the next upload"
lab-device wait-boot 7 2 10 || fail "device 7 did not reboot"

note "device 4 (minimal-webui): no espota, no terminal; no auth, upload the full image"
assert_eq "No response from device" "$(espota 4 "$FULL_DEV" --udp-timeout 1)" "webui espota"
assert_status 1 "webui terminal" -- telnet 4 info 2>/dev/null
assert_eq "200 OK" "$(upload 4 "$FULL_DEV")" "webui upload without credentials"
lab-device wait-boot 4 2 10 || fail "device 4 did not reboot"
assert_eq "$DEV_VERSION" "$(json_field "$(discover 4)" version)" "device 4 /discover after upload"
assert_contains "$(lab-device log 4)" "booted $DEV_VERSION (full)" "device 4 boots the full image"
note "pass"
