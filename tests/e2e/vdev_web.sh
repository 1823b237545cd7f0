#!/usr/bin/env bash
# tests/e2e/vdev_web.sh — web upload (POST /upgrade, multipart) on the virtual device with curl:
# Digest and Basic auth, 401 on a wrong password, and each error body in both dialects
# (invalid request, invalid image, not enough space, upgrade in progress), the no-auth
# minimal-webui build, and a successful upload followed by a reboot into the new version.
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
  --device "image=$FULL_1140 dialect=1.14 reboot-ms=300" \
  --device "image=$FULL_DEV dialect=dev reboot-ms=300 flash-kbps=200 time-scale=1" \
  --device "image=$WEBUI dialect=dev reboot-ms=300" \
  --device "image=$FULL_1140 dialect=1.14 reboot-ms=300 flash-kbps=200 time-scale=1" -- "$@"

JUNK=$LAB_DIR/junk.bin
head -c 20000 /dev/zero | tr '\0' 'x' >"$JUNK"
SMALL=$LAB_DIR/small.bin
head -c 1000 "$CORE_DEV" >"$SMALL"
BIG=$LAB_DIR/big.bin
head -c 614400 "$FULL_DEV" >"$BIG"

# upload N FILE [CURL AUTH OPTIONS]: prints "STATUS BODY" of POST /upgrade with FILE.
upload() {
  local n=$1 file=$2
  shift 2
  curl -sS --max-time 30 -o "$LAB_DIR/body" -w '%{http_code}' "$@" \
    -F "upgrade=@$file;type=application/octet-stream" "http://$(dev_address "$n")/upgrade" \
    >"$LAB_DIR/status" || fail "device $n: curl failed"
  echo "$(<"$LAB_DIR/status") $(<"$LAB_DIR/body")"
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
assert_contains "$challenge" "WWW-Authenticate: Digest" "the 401 challenge"
assert_contains "$challenge" "realm=\"$(lab-device hostname 1)\"" "the digest realm"

note "device 1 (dev): error bodies"
assert_eq "400 ERROR: No magic byte / invalid flash config" "$(upload 1 "$JUNK" --digest -u "admin:$(pw 1)")" \
  "invalid image"
assert_eq "500 ERROR[4]: Not Enough Space" "$(upload 1 "$FULL_DEV" --digest -u "admin:$(pw 1)")" "no space"
out=$(curl -sS --max-time 10 -o "$LAB_DIR/body" -w '%{http_code}' --digest -u "admin:$(pw 1)" \
  -d 'x=1' "http://$(dev_address 1)/upgrade")
assert_eq "400 ERROR: Invalid request" "$out $(<"$LAB_DIR/body")" "not multipart"
assert_eq 1 "$(lab-device boots 1)" "device 1: no reboot after errors"

note "device 1 (dev): Digest upload of the core image"
assert_eq "200 OK" "$(upload 1 "$CORE_DEV" --digest -u "admin:$(pw 1)")" "digest upload"
lab-device wait-boot 1 2 10 || fail "device 1 did not reboot"
assert_eq "$DEV_VERSION" "$(info_version 1)" "device 1 version after upload"
assert_contains "$(lab-device log 1)" "booted $DEV_VERSION (core)" "device 1 boots the core"

note "device 2 (1.14): always 200, body OK or ERROR <n>"
assert_eq "401" "$(upload 2 "$SMALL" --digest -u admin:wrong | cut -d' ' -f1)" "1.14 wrong password"
assert_eq "200 ERROR 10" "$(upload 2 "$JUNK" --digest -u "admin:$(pw 2)")" "1.14 invalid image"
assert_eq "200 ERROR 4" "$(upload 2 "$OVERSIZED" --digest -u "admin:$(pw 2)")" "1.14 no space"
assert_eq 1 "$(lab-device boots 2)" "device 2: no reboot after errors"
note "device 2 (1.14): Basic upload of 1.14.1 full (exactly the largest the web path takes)"
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

note "device 5 (1.14, slow flash): a second upload while one runs"
second_upload 5 "$(stat -c %s "$FULL_1140")" "200 ERROR 15"

note "device 4 (minimal-webui): no espota, no terminal; no auth, upload the full image"
assert_eq "No response from device" "$(espota 4 "$FULL_DEV" --udp-timeout 1)" "webui espota"
assert_status 1 "webui terminal" -- telnet 4 info 2>/dev/null
assert_eq "200 OK" "$(upload 4 "$FULL_DEV")" "webui upload without credentials"
lab-device wait-boot 4 2 10 || fail "device 4 did not reboot"
assert_eq "$DEV_VERSION" "$(json_field "$(discover 4)" version)" "device 4 /discover after upload"
assert_contains "$(lab-device log 4)" "booted $DEV_VERSION (full)" "device 4 boots the full image"
note "pass"
