#!/usr/bin/env bash
# tests/e2e/color.sh — colour for a human at a terminal only: on a pseudo-terminal (script -qfec)
# batch's outcome column and last summary line, upgrade's verdict and the "espurna-ota:" prefix
# of an error are coloured; NO_COLOR (any non-empty value), --no-color, TERM=dumb and a pipe
# take every colour away, and JSON never has any, terminal or not.
source "$(dirname "$0")/lib.sh"

FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")

lab_reexec --device "image=$FULL_DEV" -- "$@"

command -v script >/dev/null || skip "script (util-linux) is not installed"
unset ESPURNA_OTA_PASSWORD NO_COLOR
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home XDG_DATA_HOME=$LAB_DIR/no-data
export ESPURNA_OTA_SYSTEM_CONFIG=$LAB_DIR/no-system-config TERM=xterm
cd "$LAB_DIR" || fail "no lab directory"
cp "$(dev_password_file 1)" pw
chmod 600 pw
dev_address 1 >fleet.txt

ESC=$'\e'
SGR="$ESC\\[[0-9;]*m" # a colour (Select Graphic Rendition) sequence
GREEN="${ESC}[32m" RED="${ESC}[1;31m" RESET="${ESC}[0m"

# on_tty COMMAND...: runs COMMAND on a pseudo-terminal (stdout and stderr both); its output in
# $out, its exit status in $status
on_tty() {
  local line
  printf -v line '%q ' "$@"
  status=0
  out=$(timeout 60 script -qfec "$line" /dev/null) || status=$?
}
batch_cmd=("$EO_BIN" batch --devices fleet.txt --image "$FULL_DEV" --password-file pw --no-journal)
upgrade_cmd=("$EO_BIN" upgrade --device "$(dev_address 1)" --image "$FULL_DEV" --password-file pw)

note "on a terminal: outcomes and error prefixes in colour"
on_tty "${batch_cmd[@]}"
assert_eq 16 "$status" "batch exit status (nothing to do)"
assert_contains "$out" "${GREEN}up-to-date$RESET" "batch: the outcome column"
assert_contains "$out" "${GREEN}fleet [" "batch: the last summary line"
on_tty "${upgrade_cmd[@]}"
assert_eq 0 "$status" "upgrade exit status"
assert_contains "$out" "result     ${GREEN}up to date$RESET" "upgrade: the verdict"
on_tty "$EO_BIN" inspect missing.bin
assert_eq 3 "$status" "inspect exit status"
assert_contains "$out" "${RED}espurna-ota:$RESET " "an error's prefix"
on_tty "$EO_BIN" batch --jobs 0
assert_contains "$out" "${RED}espurna-ota batch:$RESET --jobs must be" "a usage error's prefix"

note "NO_COLOR, --no-color, TERM=dumb: no colour on the terminal"
for way in "NO_COLOR=1" "NO_COLOR=0" "--no-color" "TERM=dumb"; do
  if [[ $way == --* ]]; then
    on_tty "${batch_cmd[@]}" "$way"
    batch_out=$out
    on_tty "$EO_BIN" inspect missing.bin "$way"
  else
    on_tty env "$way" "${batch_cmd[@]}"
    batch_out=$out
    on_tty env "$way" "$EO_BIN" inspect missing.bin
  fi
  [[ ! $batch_out$out =~ $SGR ]] || fail "$way: colour in '$batch_out$out'"
  assert_contains "$batch_out" "up-to-date" "$way: the table is still there"
  assert_contains "$out" "espurna-ota: missing.bin" "$way: the error is still there"
done
on_tty env NO_COLOR= "$EO_BIN" inspect missing.bin
assert_contains "$out" "${RED}espurna-ota:$RESET " "an empty NO_COLOR counts as unset"

note "piped: no escape sequence at all"
piped=$("${batch_cmd[@]}" 2>&1 | cat; "${upgrade_cmd[@]}" 2>&1 | cat; "$EO_BIN" inspect missing.bin 2>&1 | cat)
[[ $piped != *"$ESC"* ]] || fail "an escape sequence in piped output: $piped"
assert_contains "$piped" "up to date" "piped output is there"

note "JSON: never colour, even on a terminal"
on_tty "${upgrade_cmd[@]}" --json
assert_eq 0 "$status" "upgrade --json exit status"
json=$(grep '^{' <<<"$out" | tr -d '\r')
jq -e '.status == "up-to-date"' <<<"$json" >/dev/null || fail "upgrade --json: '$out'"
[[ ! $json =~ $SGR ]] || fail "colour in JSON: $json"
on_tty "${batch_cmd[@]}" --json
json=$(grep '^{' <<<"$out" | tr -d '\r')
jq -e '.devices[0].state == "up-to-date"' <<<"$json" >/dev/null || fail "batch --json: '$out'"
[[ ! $json =~ $SGR ]] || fail "colour in batch JSON: $json"
echo "color: on terminals only, never with NO_COLOR, --no-color, TERM=dumb, a pipe or JSON"
