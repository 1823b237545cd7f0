#!/usr/bin/env bash
# tests/e2e/config.sh — defaults from the config files and the environment, with real commands
# against a virtual device: `batch --dry-run` takes its release folder from the system file, the
# user file beats it, ESPURNA_OTA_FIRMWARE_DIR beats both and --firmware-dir beats everything
# (--image leaves the folder unused); `upgrade --dry-run` takes its method from a [upgrade]
# section, the environment and the flag in the same order; -j and --retries from the files pass
# the command line's bounds; a malformed file, an unknown key, a password in a file and a value
# out of bounds are exit 2 naming FILE:LINE (or the variable), and nothing runs; `config` shows
# every value and where it came from, as text and JSON, for each command --help lists; a real
# batch retries a device that lost its invitations because the user file says retries = 1.
source "$(dirname "$0")/lib.sh"

IMAGES=$EO_BUILD/firmware/images
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
OLDER_DEV=$(image "espurna-1.15.0-dev.git9f8e7d6c+github260915-itead-sonoff-basic.bin")

lab_reexec --device "image=$OLDER_DEV" --device "image=$OLDER_DEV fault=lose-udp=5" -- "$@"

unset ESPURNA_OTA_PASSWORD ESPURNA_OTA_FIRMWARE_DIR ESPURNA_OTA_METHOD ESPURNA_OTA_JOBS
unset ESPURNA_OTA_RETRIES ESPURNA_OTA_PASSWORD_FILE NO_COLOR
export XDG_CONFIG_HOME=$LAB_DIR/xdg HOME=$LAB_DIR/no-home XDG_DATA_HOME=$LAB_DIR/no-data
export XDG_STATE_HOME=$LAB_DIR/state
cd "$LAB_DIR" || fail "no lab directory"
USER_FILE=$XDG_CONFIG_HOME/espurna-ota/config
export ESPURNA_OTA_SYSTEM_CONFIG=$LAB_DIR/etc/espurna-ota/config
SYSTEM_FILE=$ESPURNA_OTA_SYSTEM_CONFIG
mkdir -p "$(dirname "$USER_FILE")" "$(dirname "$SYSTEM_FILE")"
cp "$(dev_password_file 1)" pw
chmod 600 pw

# four release folders holding the same images: the plan's image path tells which was used
for folder in system user env flag; do
  mkdir -p "fw-$folder"
  ln -s "$IMAGES"/*.bin "fw-$folder/"
done
dev_address 1 >fleet.txt
flash_before=$(md5sum <"$LAB_DIR/dev/1/flash.bin")

# plan [OPTIONS]: a dry-run batch over the device; $out $err $status; prints the image path
plan() {
  capture "$EO_BIN" batch --devices fleet.txt --dry-run --json "$@"
  [[ $status == 0 ]] || fail "batch --dry-run $*: exit $status ($err)"
  jq -r '.devices[0].image' <<<"$out"
}
# method [OPTIONS]: the method of the one step `upgrade --dry-run` plans
method() {
  capture "$EO_BIN" upgrade --device "$(dev_address 1)" --image "$FULL_DEV" --dry-run --json "$@"
  [[ $status == 0 ]] || fail "upgrade --dry-run $*: exit $status ($err)"
  jq -r '[.plan.steps[].method] | join(" ")' <<<"$out"
}
# source_of COMMAND OPTION: "source file:line value" from `config COMMAND --json`
source_of() {
  "$EO_BIN" config "$1" --json |
    jq -r --arg o "$2" '.settings[] | select(.option == $o) | "\(.source) \(.file // "-"):\(.line // "-") \(.value)"'
}

note "the system file, then the user file, the environment, the flag"
cat >"$SYSTEM_FILE" <<EOF
# site defaults
firmware-dir = $LAB_DIR/fw-system
jobs = 2
password-file = $LAB_DIR/pw

[batch]
retries = 1
EOF
assert_eq "$LAB_DIR/fw-system/$(basename "$FULL_DEV")" "$(plan)" "firmware-dir from the system file"
assert_eq "$LAB_DIR/fw-system/$(basename "$FULL_DEV")" "$(plan -j 1 --retries 0)" \
  "flags for other options leave it"
cat >"$USER_FILE" <<EOF
[batch]
firmware-dir = $LAB_DIR/fw-user
[upgrade]
method = web
EOF
assert_eq "$LAB_DIR/fw-user/$(basename "$FULL_DEV")" "$(plan)" "the user file beats the system file"
assert_eq "$LAB_DIR/fw-env/$(basename "$FULL_DEV")" \
  "$(ESPURNA_OTA_FIRMWARE_DIR=$LAB_DIR/fw-env plan)" "the environment beats the files"
assert_eq "$LAB_DIR/fw-flag/$(basename "$FULL_DEV")" \
  "$(ESPURNA_OTA_FIRMWARE_DIR=$LAB_DIR/fw-env plan --firmware-dir "$LAB_DIR/fw-flag")" \
  "the flag beats everything"
assert_eq "$FULL_DEV" "$(plan --image "$FULL_DEV")" "--image leaves the firmware-dir setting unused"

assert_eq web "$(method)" "upgrade: method from the user file's [upgrade] section"
assert_eq espota "$(ESPURNA_OTA_METHOD=espota method)" "upgrade: the environment beats the file"
assert_eq espota "$(method --method espota)" "upgrade: the flag beats the file"
# --window is for espota: given with a method setting of web, the setting is left unused (the
# plan chooses) instead of making the two conflict
method --window 8 >/dev/null
capture "$EO_BIN" upgrade --device "$(dev_address 1)" --image "$FULL_DEV" --dry-run --window 8 \
  --method web
assert_eq 2 "$status" "--window with --method web on the command line still conflicts"

note "config shows each value and where it came from"
assert_eq "system $SYSTEM_FILE:3 2" "$(source_of batch jobs)" "config: jobs"
assert_eq "system $SYSTEM_FILE:7 1" "$(source_of batch retries)" "config: retries from [batch]"
assert_eq "user $USER_FILE:2 $LAB_DIR/fw-user" "$(source_of batch firmware-dir)" \
  "config: firmware-dir"
assert_eq "environment -:- 6" "$(ESPURNA_OTA_JOBS=6 source_of batch jobs)" "config: jobs from env"
assert_eq "default -:- 5" "$(source_of discover timeout)" "config: a default"
assert_eq "$SYSTEM_FILE true" \
  "$("$EO_BIN" config --json | jq -r '"\(.files.system.path) \(.files.system.found)"')" \
  "config --json: the files"
capture "$EO_BIN" config batch
assert_eq 0 "$status" "config batch exit status ($err)"
assert_contains "$out" "user file    $USER_FILE" "config: the user file"
line=$(grep -E '^batch +jobs ' <<<"$out" | tr -s ' ')
assert_eq "batch jobs 2 system file $SYSTEM_FILE:3" "$line" "config: the jobs row"
assert_not_contains "$out" "upgrade " "config batch: only batch's rows"
# every command --help lists is known to config (the settings see every option table)
for command in $("$EO_BIN" --help | awk '/^commands:/{on=1; next} on && NF>=2 && /^  [a-z]/{print $1}'); do
  "$EO_BIN" config "$command" >/dev/null || fail "config $command failed"
done

note "values pass the command line's bounds; a flag replaces a bad value unseen"
echo "jobs = 100" >>"$USER_FILE" # after [upgrade]: upgrade has no -j
capture "$EO_BIN" batch --devices fleet.txt --dry-run
assert_eq 2 "$status" "jobs = 100 in [upgrade] exit status"
assert_contains "$err" "$USER_FILE:5: unknown key 'jobs' for upgrade" "a key of another command"
sed -i '$d' "$USER_FILE"
printf '[batch]\nretries = 11\n' >>"$USER_FILE"
capture "$EO_BIN" batch --devices fleet.txt
assert_eq 2 "$status" "retries = 11 exit status"
assert_eq "espurna-ota batch: $USER_FILE:6: retries must be between 0 and 10, not 11" \
  "$(head -n 1 <<<"$err")" "retries out of bounds: FILE:LINE and the key"
assert_eq "$LAB_DIR/fw-user/$(basename "$FULL_DEV")" "$(plan --retries 3)" \
  "--retries replaces the bad setting"
capture env ESPURNA_OTA_JOBS=0 "$EO_BIN" batch --devices fleet.txt --retries 3
assert_eq 2 "$status" "ESPURNA_OTA_JOBS=0 exit status"
assert_contains "$err" "ESPURNA_OTA_JOBS must be between 1 and 64, not 0" "-j from the environment"

note "a malformed file, an unknown key, a password: exit 2, FILE:LINE, nothing runs"
for bad in "jobs 8|1: expected 'key = value'" "[batch]\njbos = 8|2: unknown key 'jbos' for batch" \
  "password = secret|1: 'password' cannot be set in a config file" \
  "[bacth]\njobs = 1|1: [bacth] is not a command" "jobs = 1\njobs = 2|2: 'jobs' given twice"; do
  printf '%b\n' "${bad%%|*}" >"$USER_FILE"
  capture "$EO_BIN" batch --devices fleet.txt
  assert_eq 2 "$status" "'${bad%%|*}' exit status"
  assert_contains "$err" "$USER_FILE:${bad#*|}" "'${bad%%|*}' message"
  assert_not_contains "$err$out" "secret" "no password in the output"
done
capture "$EO_BIN" upgrade --device "$(dev_address 1)" --image "$FULL_DEV"
assert_eq 2 "$status" "upgrade with a bad file: exit status"
[[ ! -e $XDG_STATE_HOME/espurna-ota/journal.jsonl ]] || fail "a journal was written"
assert_eq "$flash_before" "$(md5sum <"$LAB_DIR/dev/1/flash.bin")" "the device's flash is untouched"
assert_eq 1 "$(lab-device boots 1)" "the device never rebooted"

note "retries from the user file: a device that loses its first invitations is tried again"
printf '[batch]\nretries = 1\n' >"$USER_FILE"
printf '%s method=espota\n' "$(dev_address 2)" >lossy.txt
capture "$EO_BIN" batch --devices lossy.txt --image "$FULL_DEV" --no-journal --reboot-timeout 30
assert_eq 0 "$status" "retried batch exit status ($err)"
assert_contains "$err" "transient failure: trying again in" "the device was retried"
assert_contains "$err" "(attempt 2 of 2)" "retries = 1 from the user file"
assert_eq "$DEV_VERSION full" "$(dev_running 2)" "device 2 runs the new image"
echo "config: precedence, checks and the config command hold"
