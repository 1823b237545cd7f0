#!/usr/bin/env bash
# tests/e2e/json_keys.sh — every JSON key the tool really writes is documented: each command's
# --json (success and failure), batch's --json, --events and --dry-run (also with a --hook),
# report's --json over their journals, serve's JSON lines, run against virtual devices in a lab; every object key of every output (at
# any depth) must appear as a word in the man page. A new key without documentation fails here.
source "$(dirname "$0")/lib.sh"

OLD=$(image espurna-1.14.1-itead-sonoff-basic.bin)
NEW=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
IMAGES=$EO_BUILD/firmware/images

lab_reexec --device "image=$OLD" --device "image=$OLD" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home XDG_DATA_HOME=$LAB_DIR/no-data
export XDG_STATE_HOME=$LAB_DIR/state
outputs=$LAB_DIR/json
mkdir -p "$outputs"
PW1=$(dev_password_file 1)
host1=$(lab-device hostname 1)
host2=$(lab-device hostname 2)

# run NAME COMMAND...: the tool's standard output kept as $outputs/NAME (any exit status)
run() {
  local name=$1
  shift
  "$EO_BIN" "$@" >"$outputs/$name" 2>"$outputs/$name.err" || true
  [[ -s $outputs/$name ]] || fail "$name wrote no JSON: $(cat "$outputs/$name.err")"
}

run inspect inspect --json "$NEW"
run inspect-bad inspect --json "$PW1"
run discover discover --json --image "$NEW"
run discover-one discover --json --device "$host1"
run flash-wrong-pw flash --json -d "$host1" -i "$NEW" --password-file /dev/null
run upgrade-dry upgrade --json -n -d "$host1" -i "$NEW" --firmware-dir "$IMAGES" \
  --password-file "$PW1"
run upgrade upgrade --json -d "$host1" -i "$NEW" --firmware-dir "$IMAGES" --password-file "$PW1"
run upgrade-again upgrade --json -d "$host1" -i "$NEW" --firmware-dir "$IMAGES" \
  --password-file "$PW1"
printf '%s\n%s\n' "$host1" "$host2" >"$LAB_DIR/devices.list"
run batch-dry batch --json -n --devices "$LAB_DIR/devices.list" --firmware-dir "$IMAGES" \
  --password-file "$PW1"
# a hook that says no before the first step: its keys in the JSON, the events and the journal
run batch-hook batch --json --devices "$LAB_DIR/devices.list" --firmware-dir "$IMAGES" \
  --password-file "$PW1" --journal "$LAB_DIR/hook-journal.jsonl" --hook 'echo no; exit 3'
cp "$LAB_DIR/hook-journal.jsonl" "$outputs/hook-journal"
run batch-hook-events batch --events --devices "$LAB_DIR/devices.list" --firmware-dir "$IMAGES" \
  --password-file "$PW1" --no-journal --hook 'exit 3'
run batch-events batch --events --devices "$LAB_DIR/devices.list" --firmware-dir "$IMAGES" \
  --password-file "$PW1" --no-journal
run batch batch --json --devices "$LAB_DIR/devices.list" --firmware-dir "$IMAGES" \
  --password-file "$PW1" --journal "$LAB_DIR/journal.jsonl"
cp "$LAB_DIR/journal.jsonl" "$outputs/journal"
run report report --json "$LAB_DIR/journal.jsonl" hook="$LAB_DIR/hook-journal.jsonl"
run report-bad report --json "$LAB_DIR/nowhere.jsonl"
run serve serve --json "$NEW" --allow 127.0.0.1 --timeout 1

keys=$(cat "$outputs"/* 2>/dev/null | grep '^{' |
  jq -r '[paths | .[] | strings] | .[]' | sort -u) || fail "an output is not JSON"
[[ $(wc -l <<<"$keys") -gt 40 ]] || fail "too few keys seen: $keys"

# the page's source without font escapes (a rendered page hyphenates long words)
man_text=$(sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' "$EO_SOURCE/man/espurna-ota.1")
missing=()
for key in $keys; do
  grep -qE "(^|[^A-Za-z0-9_])${key}([^A-Za-z0-9_]|$)" <<<"$man_text" || missing+=("$key")
done
[[ ${#missing[@]} -eq 0 ]] || fail "JSON keys not in the man page: ${missing[*]}"
echo "json_keys: $(wc -l <<<"$keys") keys written by the tool, each in the man page"
