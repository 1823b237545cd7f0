#!/usr/bin/env bash
# tests/e2e/input_files.sh — the local files a command is given are checked before anything is
# sent, each odd case with one line and a documented exit code: a FIFO or a pipe as the image
# (inspect, flash, serve, discover --image) is refused at once instead of hanging in open();
# --password-file naming a directory, a missing or an unreadable file; --pin that is neither
# sha256//BASE64 nor a public key file, --ca-file that is not a PEM bundle. The device's log
# shows that nothing reached it. A pipe still works as --password-file (process substitution).
source "$(dirname "$0")/lib.sh"

FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
lab_reexec --no-avahi \
  --device "image=$FULL_DEV dialect=dev reboot-ms=300 password=pipe-pw mdns=no" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home
DEV=$(dev_address 1)
PW=$(dev_password_file 1)
work=$LAB_DIR/inputs
mkdir -p "$work"
chmod 755 "$LAB_DIR" "$work"

# run ARGS...: the tool (bounded: the old code hung), prints "<exit>|<stderr>"; stdout in $work/out
run() {
  local rc=0 err
  err=$(timeout 20 "$EO_BIN" "$@" 2>&1 >"$work/out") || rc=$?
  echo "$rc|$err"
}
# device_traffic: how many requests the device has logged so far (espota datagrams, web
# requests it could parse, telnet clients)
device_traffic() { lab-device log 1 | grep -cE '^(espota: from|web: |telnet: client)' || true; }
# refused WHAT EXPECTED ARGS...: the run gives exactly EXPECTED and the device saw nothing
refused() {
  local what=$1 expected=$2 before
  shift 2
  before=$(device_traffic)
  assert_eq "$expected" "$(run "$@")" "$what"
  assert_eq "" "$(<"$work/out")" "$what: nothing on stdout"
  assert_eq "$before" "$(device_traffic)" "$what: nothing reached the device"
}

note "a FIFO or a pipe as the image is refused at once (exit 3)"
fifo=$work/image.bin
mkfifo "$fifo"
fifo_line="espurna-ota: $fifo: not a regular file (it is a pipe or FIFO)"
refused "inspect FIFO" "3|$fifo_line" inspect "$fifo"
assert_eq "3|" "$(run inspect --json "$fifo" 2>/dev/null | cut -c1-2)" "inspect --json FIFO exit"
assert_eq 3 "$(jq -r .exit_code "$work/out")" "inspect --json FIFO exit_code"
refused "flash espota FIFO" "3|$fifo_line" flash -d "$DEV" -i "$fifo" --password-file "$PW"
refused "flash web FIFO" "3|$fifo_line" flash -m web -d "$DEV" -i "$fifo" --password-file "$PW"
refused "serve FIFO" "3|$fifo_line" serve "$fifo" --allow "$DEV" --timeout 5
refused "discover --image FIFO" "3|$fifo_line" discover --image "$fifo" --timeout 1
refused "flash -i /dev/stdin from a pipe" \
  "3|espurna-ota: /dev/stdin: not a regular file (it is a pipe or FIFO)" \
  flash -d "$DEV" -i /dev/stdin --password-file "$PW" < <(cat "$CORE_1141")
assert_eq "0|" "$(run inspect /dev/stdin <"$CORE_1141")" "inspect /dev/stdin from a regular file"

note "--password-file: a directory, a missing and an unreadable file (exit 3)"
refused "password file is a directory" \
  "3|espurna-ota: password file $work is a directory; give the file whose first line is the password" \
  flash -d "$DEV" -i "$CORE_1141" --password-file "$work"
refused "password file missing" \
  "3|espurna-ota: cannot read password file $work/nope: No such file or directory" \
  flash -d "$DEV" -i "$CORE_1141" --password-file "$work/nope"
cp "$PW" "$work/secret"
chmod 600 "$work/secret"
before=$(device_traffic)
rc=0
err=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$EO_BIN" flash -d "$DEV" \
  -i "$CORE_1141" --password-file "$work/secret" 2>&1 >/dev/null) || rc=$?
assert_eq "3|espurna-ota: cannot read password file $work/secret: Permission denied" "$rc|$err" \
  "password file unreadable"
assert_eq "$before" "$(device_traffic)" "unreadable password file: nothing reached the device"
refused "password from an empty pipe" \
  "12|espurna-ota: password file /dev/fd/63 is empty; put the password on its first line" \
  flash -d "$DEV" -i "$CORE_1141" --password-file <(true)

note "--pin and --ca-file are checked before anything is sent"
hash=$(head -c 32 /dev/urandom | base64)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/key.pem" 2>/dev/null
openssl pkey -in "$work/key.pem" -pubout -out "$work/pub.pem"
openssl pkey -pubin -in "$work/pub.pem" -outform DER -out "$work/pub.der"
openssl req -x509 -new -key "$work/key.pem" -subj /CN=ca -days 1 -out "$work/ca.pem" 2>/dev/null
WEB=(flash -m web -d "$DEV" -i "$CORE_1141" --password-file "$PW" --connect-timeout 2000)
pin_usage="espurna-ota flash: --pin needs sha256//BASE64 (the base64 of a 32-byte SHA-256; several joined by ';') or a public key file"
for bad in "sha256//" "sha256//abc" "sha256//${hash%=}" "sha256//${hash:1}!" "sha256//$hash;" \
  "sha256//$hash;sha256//short" "sha256//$hash sha256//$hash"; do
  refused "--pin '$bad'" "2|$pin_usage, not '$bad'
try 'espurna-ota flash --help'" "${WEB[@]}" --pin "$bad"
done
refused "--pin missing file" \
  "3|espurna-ota: pinned public key file $work/nope.pem: cannot open: No such file or directory" \
  "${WEB[@]}" --pin "$work/nope.pem"
refused "--pin directory" \
  "3|espurna-ota: pinned public key file $work: not a regular file (it is a directory)" \
  "${WEB[@]}" --pin "$work"
refused "--pin FIFO" \
  "3|espurna-ota: pinned public key file $fifo: not a regular file (it is a pipe or FIFO)" \
  "${WEB[@]}" --pin "$fifo"
for not_key in key.pem ca.pem; do
  refused "--pin $not_key" \
    "12|espurna-ota: pinned public key file $work/$not_key holds no PEM (\"PUBLIC KEY\") or DER public key" \
    "${WEB[@]}" --pin "$work/$not_key"
done
refused "--ca-file missing" \
  "3|espurna-ota: CA file $work/nope.pem: cannot open: No such file or directory" \
  "${WEB[@]}" --ca-file "$work/nope.pem"
refused "--ca-file directory" \
  "3|espurna-ota: CA file $work: not a regular file (it is a directory)" "${WEB[@]}" --ca-file "$work"
refused "--ca-file holds a key" \
  "12|espurna-ota: CA file $work/pub.pem holds no PEM certificate" "${WEB[@]}" --ca-file "$work/pub.pem"

# good values pass the checks: the tool goes on to the device, which speaks no TLS, so the
# handshake fails there (an exit code of the network, not 2, 3 or 12). The device's log cannot
# tell: its web server logs a TLS hello only when it gets to parse it before the client leaves.
for good in "--pin sha256//$hash" "--pin sha256//$hash;sha256//$hash" "--pin $work/pub.pem" \
  "--pin $work/pub.der" "--ca-file $work/ca.pem"; do
  read -r -a good_options <<<"$good"
  out=$(run "${WEB[@]}" "${good_options[@]}")
  [[ ${out%%|*} != 2 && ${out%%|*} != 3 && ${out%%|*} != 12 ]] || fail "$good refused: $out"
  assert_contains "$out" "tls with $DEV failed" "$good: the TLS handshake was tried"
done

note "--password-file from a pipe (process substitution) works"
out=$(run flash -q -d "$DEV" -i "$CORE_1141" --password-file <(cat "$PW"))
assert_eq "0|" "$out" "flash with the password from a pipe"
lab-device wait-boot 1 2 20 || fail "the device did not reboot after the upload"
assert_eq "1.14.1 core" "$(dev_running 1)" "the device runs the image sent"

note "pass"
