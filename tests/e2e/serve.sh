#!/usr/bin/env bash
# tests/e2e/serve.sh — `espurna-ota serve IMAGE`: the URL on stdout at once; a connection from
# another address is refused when it connects, another path gets 404, another method 405, and
# none of them stops the server (nor do traversal paths, PUT, DELETE or PATCH: one file,
# read-only); the device's own `ota <url>` then fetches the image, the server stops after that one
# complete transfer and the device runs the new version; nobody fetching ends in exit 6; bad
# command lines get one exact line and exit 2.
source "$(dirname "$0")/lib.sh"

CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")

lab_reexec --no-avahi --device "image=$CORE_DEV dialect=dev reboot-ms=300 mdns=no" -- "$@"

A1=$(dev_address 1)
# http_code URL [CURL OPTIONS]: the status of one request.
http_code() {
  local url=$1
  shift
  curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$@" "$url"
}

note "serve to device 1, JSON lines"
OUT=$LAB_DIR/serve.out
"$EO_BIN" serve "$FULL_DEV" --allow "$A1" --timeout 120 --json >"$OUT" 2>"$LAB_DIR/serve.err" &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null' EXIT
wait_until 10 grep -q '"event":"listening"' "$OUT" || fail "serve printed no listening line"
listening=$(head -n 1 "$OUT")
url=$(json_field "$listening" url)
[[ $url =~ ^http://127\.0\.0\.1:[0-9]+/[0-9a-f]{32}$ ]] || fail "unexpected URL '$url'"
base=${url%/*}

note "other address → no answer, other path → 404, other method → 405; the server goes on"
assert_eq 000 "$(http_code "$url" --interface 127.0.0.1 2>/dev/null)" "GET from another address"
assert_eq 404 "$(http_code "$base/0123456789abcdef0123456789abcdef" --interface "$A1")" "another path"
assert_eq 404 "$(http_code "$base/" --interface "$A1")" "the bare root"
assert_eq 405 "$(http_code "$url" --interface "$A1" -X POST -d x=1)" "POST"
# read-only, one file: no traversal, no listing, no other method
token=${url##*/}
for path in "$token/.." "$token/../$token" "../$token" "%2e%2e/$token" "$token%2f" "$token/x" \
  "${token^^}"; do
  code=$(http_code "$base/$path" --interface "$A1" --path-as-is)
  [[ $code == 404 || $code == 400 ]] || fail "GET /$path: $code, expected 404 or 400"
done
for method in PUT DELETE PATCH; do
  assert_eq 405 "$(http_code "$url" --interface "$A1" -X "$method" -d x=1)" "$method"
done
kill -0 "$serve_pid" 2>/dev/null || fail "serve stopped after refused requests"

note "the device fetches the URL itself"
out=$(telnet 1 "ota $url") || fail "ota command: $out"
wait "$serve_pid"
status=$?
trap - EXIT
assert_eq 0 "$status" "serve exit status after the device fetched the image"
done_line=$(sed -n 2p "$OUT")
assert_eq "done" "$(json_field "$done_line" event)" "second JSON line"
assert_eq ok "$(json_field "$done_line" status)" "done status"
assert_eq "$A1" "$(json_field "$done_line" client)" "the client was the device"
assert_eq True "$(json_field "$done_line" complete)" "complete"
assert_eq 14 "$(json_field "$done_line" refused)" "fourteen refused requests"
lab-device wait-boot 1 2 15 || fail "device 1 did not reboot"
assert_eq "$DEV_VERSION full" "$(dev_running 1)" "device 1 runs the served image"

note "nobody fetches → exit 6 after --timeout, text mode prints only the URL"
status=0
out=$("$EO_BIN" serve "$CORE_DEV" --allow "$A1" --timeout 1 2>"$LAB_DIR/err") || status=$?
assert_eq 6 "$status" "nobody fetched exit status"
[[ $out =~ ^http://127\.0\.0\.1:[0-9]+/[0-9a-f]{32}$ ]] || fail "text mode stdout: '$out'"
assert_contains "$(<"$LAB_DIR/err")" "nobody fetched the image from ${out%/*}/ within 1 s" \
  "nobody fetched message"

note "usage errors"
check_usage() {
  local expected=$1
  shift
  status=0
  "$EO_BIN" serve "$@" >/dev/null 2>"$LAB_DIR/err" || status=$?
  assert_eq 2 "$status" "serve $* exit status"
  assert_eq "espurna-ota serve: $expected
try 'espurna-ota serve --help'" "$(<"$LAB_DIR/err")" "serve $* message"
}
check_usage "missing --allow DEV (the device that will fetch the image) or --allow-any" "$CORE_DEV"
check_usage "--allow and --allow-any both given; use one" "$CORE_DEV" --allow "$A1" --allow-any
check_usage "--allow-any needs --address ADDR (the local address the client reaches)" \
  "$CORE_DEV" --allow-any
check_usage "--address needs a numeric IPv4 or IPv6 address, not 'localhost'" "$CORE_DEV" \
  --allow "$A1" --address localhost
status=0
"$EO_BIN" serve "$LAB_DIR/missing.bin" --allow "$A1" 2>"$LAB_DIR/err" || status=$?
assert_eq 3 "$status" "missing image exit status"
echo "serve: ok"
