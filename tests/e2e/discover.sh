#!/usr/bin/env bash
# discover.sh — one virtual device: discover lists it with every field of its announcement,
# in bytes, with the methods a full build offers; --json has the same facts; the run ends
# long before --timeout because the network went quiet.
source "$(dirname "$0")/lib.sh"
lab_reexec --device "image=$(image espurna-1.14.1-itead-sonoff-basic.bin) dialect=1.14" -- "$@"

table=$("$EO_BIN" discover --timeout 30 2>"$LAB_DIR/stderr") || fail "discover failed ($?)"
assert_eq 2 "$(wc -l <<<"$table")" "heading + one row"
assert_eq "HOSTNAME ADDRESS APP VERSION BOARD FLASH FREE KIND METHODS AUTH" \
  "$(head -n 1 <<<"$table" | tr -s ' ')" "columns"
assert_eq "ESPURNA-00000B 127.0.1.11 ESPURNA 1.14.1 ITEAD_SONOFF_BASIC 1M/1M 404 KiB full web,espota,terminal yes" \
  "$(tail -n 1 <<<"$table" | tr -s ' ')" "the row"
assert_contains "$(<"$LAB_DIR/stderr")" "1 device answered" "summary on stderr"
assert_not_contains "$(<"$LAB_DIR/stderr")" "stopped by --timeout" "ended by quiet, not by the timeout"

json=$("$EO_BIN" discover --json 2>/dev/null) || fail "discover --json failed ($?)"
get() { # get PYTHON-EXPRESSION-ON-d: its value, a tuple printed space-separated
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=eval(sys.argv[2])
print(" ".join(map(str, v)) if isinstance(v, tuple) else v)' "$json" "$1"
}
assert_eq "1 discover ok 0" "$(get 'd["schema_version"], d["command"], d["status"], d["exit_code"]')" "envelope"
dev='d["devices"][0]'
assert_eq ESPURNA-00000B "$(get "${dev}[\"hostname\"]")" "hostname"
assert_eq "['127.0.1.11']" "$(get "${dev}[\"addresses\"]")" "addresses"
assert_eq "{'espota': 8266, 'web': 80, 'telnet': 23}" "$(get "${dev}[\"ports\"]")" "ports"
assert_eq "$(free_space_bytes 1048576 614400)" "$(get "${dev}[\"free_space\"][\"bytes\"]")" "free space in bytes"
assert_eq reported "$(get "${dev}[\"free_space\"][\"source\"]")" "1.14 announces bytes"
assert_eq "1048576 converted" "$(get "${dev}[\"flash_real\"][\"bytes\"], ${dev}[\"flash_real\"][\"source\"]")" "real flash"
assert_eq 1048576 "$(get "${dev}[\"flash_built\"][\"bytes\"]")" "built-for flash"
record=$(mdns_record ESPURNA-00000B)
mac=$(txt_value "$record" mac)
assert_eq "$mac" "$(get "${dev}[\"mac\"]")" "mac as announced (1.14: with colons)"
assert_eq "$(txt_value "$record" build_date)" "$(get "${dev}[\"build_date\"]")" "build date"
assert_eq "${mac:9:2}${mac:12:2}${mac:15:2}" "$(get "${dev}[\"chip_id\"]")" "chip id from the mac"
assert_eq "full ['web', 'espota', 'terminal'] True []" \
  "$(get "${dev}[\"kind\"], ${dev}[\"methods\"], ${dev}[\"auth\"], ${dev}[\"notes\"]")" \
  "kind, methods, auth, no notes"
note "one device listed with all its facts"
