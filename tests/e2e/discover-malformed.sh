#!/usr/bin/env bash
# discover-malformed.sh — devices whose _arduino._tcp TXT is missing, empty, garbage, over-long
# or full of control characters are still listed with what is known, and the tool never
# crashes. The records are published by hand (mdns_fake.sh): no virtual device announces
# these on purpose. No device binary is needed, so the lab gets /bin/true as one.
source "$(dirname "$0")/lib.sh"
lab_reexec --vdev /bin/true -- "$@"
source "$(dirname "$0")/mdns_fake.sh"

long=$(printf 'x%.0s' {1..240}) # + "app_version=" = 252 of the 255 a TXT string holds
fake_host NOKEYS 127.0.1.50
fake_service NOKEYS NOKEYS _arduino._tcp 8266 tcp_check=no ssh_upload=no board=ESP8266_GENERIC auth_upload=no
fake_host EMPTY 127.0.1.51
fake_service EMPTY EMPTY _arduino._tcp 8266
fake_host GARBAGE 127.0.1.52
fake_service GARBAGE GARBAGE _arduino._tcp 8266 app_name=ESPURNA app_version=1.15.0-dev \
  mem_size=12abc sdk_size=-4 free_space=99999999999999999999 mac=ZZ:ZZ junk =novalue
fake_service GARBAGE GARBAGE _http._tcp 80
fake_host LONG 127.0.1.53
fake_service LONG LONG _arduino._tcp 8266 "app_version=$long" "build_date=$long" \
  $'target_board=\e[2J\e[31mRED' "mem_size=1024" "free_space=4096000000"
fake_wait_count _arduino._tcp 4

out=$("$EO_BIN" discover --json 2>/dev/null) || fail "discover --json failed ($?) on malformed records"
count=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["devices"]))' <<<"$out")
assert_eq 4 "$count" "devices listed"

field() { # field HOST PYTHON-EXPRESSION-ON-d
  python3 -c 'import json,sys
d=[x for x in json.loads(sys.argv[1])["devices"] if x["hostname"]==sys.argv[2]][0]
print(eval(sys.argv[3]))' "$out" "$1" "$2"
}
assert_eq None "$(field NOKEYS 'd["version"]')" "no ESPurna keys: version"
assert_eq False "$(field NOKEYS 'd["auth"]')" "no ESPurna keys: auth from ArduinoOTA's key"
assert_eq core "$(field NOKEYS 'd["kind"]')" "no ESPurna keys, no _http._tcp: core"
assert_eq "['espota']" "$(field EMPTY 'd["methods"]')" "empty TXT: methods"
assert_eq None "$(field EMPTY 'd["free_space"]["bytes"]')" "empty TXT: free space"
assert_eq 1.15.0-dev "$(field GARBAGE 'd["version"]')" "garbage: version kept"
assert_eq "None None None" "$(field GARBAGE '" ".join(str(d[k]["bytes"]) for k in ("flash_real", "flash_built", "free_space"))')" \
  "garbage numbers are unknown, not zero"
assert_eq None "$(field GARBAGE 'd["mac"]')" "garbage mac"
assert_eq 4 "$(field GARBAGE 'len(d["notes"])')" "garbage: one note per bad value"
assert_eq full "$(field GARBAGE 'd["kind"]')" "garbage: _http._tcp makes it full"
assert_eq 63 "$(field LONG 'len(d["version"])')" "over-long version cut"
assert_eq "?[2J?[31mRED" "$(field LONG 'd["board"]')" "control characters replaced"
assert_eq None "$(field LONG 'd["free_space"]["bytes"]')" "free space larger than the flash"

table=$("$EO_BIN" discover 2>"$LAB_DIR/stderr") || fail "discover (table) failed ($?)"
assert_eq 5 "$(wc -l <<<"$table")" "table: heading + 4 rows"
assert_not_contains "$table" $'\e' "table holds no escape characters"
assert_contains "$(<"$LAB_DIR/stderr")" "GARBAGE: mem_size '12abc' is not a number" "notes on stderr"
assert_contains "$(<"$LAB_DIR/stderr")" "LONG: app_version cut to 63 characters (announced 240)" "notes on stderr"
note "malformed records listed with what is known"
