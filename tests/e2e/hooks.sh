#!/usr/bin/env bash
# tests/e2e/hooks.sh — `--hook CMD` of `upgrade` and `batch` against virtual devices in a lab. A
# hook script records what it is told (its ESPURNA_OTA_* variables) in a file per device and
# phase, writes to stdout and stderr, and answers as a file of the test says:
#  - a dry run runs no hook;
#  - a hook before the first step that says no (exit 3) skips the device: exit 17, nothing sent
#    (the device still boots its old version, once), the message names the exit status;
#  - one that runs past --hook-timeout is killed and taken as a no: exit 17, the device unchanged;
#  - a hook after the upgrade that says no fails it: exit 18, the message says the image is
#    installed and the hook said no (hint hook_after), and the device runs the new version;
#  - a hook that passes is told the device, its address, both versions, the route, the plan and
#    (after) the outcome, and never the password (given in ESPURNA_OTA_PASSWORD);
#  - a batch of three, -j 3, with --events: the device whose hook before says no is skipped (not
#    failed), the others done (exit 0); every stdout line is a JSON event despite the hook's
#    chatter; hook-result events and the journal's "hook" lines record both phases;
#  - a batch whose hook after says no for one device: exit 14, that device failed (hook_failed);
#    run again with the same journal and a hook that agrees, the device is up to date and its
#    pending hook after runs (ESPURNA_OTA_RESUMED=1); a third run runs no hook at all.
source "$(dirname "$0")/lib.sh"

FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)

lab_reexec \
  --device "image=$FULL_1140" --device "image=$FULL_1140" --device "image=$FULL_1140" \
  --device "image=$FULL_1140" --device "image=$FULL_1140" --device "image=$FULL_1140" \
  --device "image=$FULL_1140" --device "image=$FULL_1140" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home XDG_DATA_HOME=$LAB_DIR/no-data
export XDG_STATE_HOME=$LAB_DIR/state
cd "$LAB_DIR" || fail "no lab directory"
cp "$(dev_password_file 1)" "$LAB_DIR/pw" # every lab device has the same default password
host() { lab-device hostname "$1"; }

# a 1.15.0 release that goes in one step beside a 1.14.0 image
SMALL=$LAB_DIR/espurna-1.15.0-itead-sonoff-basic.bin
"$EO_MKIMAGE" --output "$SMALL" --size 450560 --version 1.15.0 \
  --environment itead-sonoff-basic --board ITEAD_SONOFF_BASIC >/dev/null || fail "mkimage"

# The hook: records its ESPURNA_OTA_* variables in $HOOK_DIR/DEVICE.PHASE.env (appending a
# line "run" per run to DEVICE.PHASE.runs), chats on stdout and stderr, and exits with what
# DEVICE.PHASE.answer holds (0 without one); DEVICE.PHASE.sleep makes it sleep first.
export HOOK_DIR=$LAB_DIR/hook
mkdir -p "$HOOK_DIR"
cat >"$LAB_DIR/hook.sh" <<'HOOK'
#!/bin/sh
base="$HOOK_DIR/$ESPURNA_OTA_DEVICE.$ESPURNA_OTA_PHASE"
env | grep '^ESPURNA_OTA_' | sort >"$base.env"
echo run >>"$base.runs"
echo "hook on stdout: {not json"
echo "hook on stderr" >&2
[ -f "$base.sleep" ] && sleep "$(cat "$base.sleep")"
[ -f "$base.answer" ] && { echo "answering $(cat "$base.answer")"; exit "$(cat "$base.answer")"; }
exit 0
HOOK
HOOK="sh '$LAB_DIR/hook.sh'" # quoted as a user would, run by /bin/sh -c
answer() { echo "$3" >"$HOOK_DIR/$1.$2.answer"; }
runs() { local f=$HOOK_DIR/$1.$2.runs; [[ -f $f ]] && wc -l <"$f" || echo 0; }
var() { sed -n "s/^ESPURNA_OTA_$3=//p" "$HOOK_DIR/$1.$2.env"; }

# upgrade_text N [OPTIONS]: the tool against device N by host name; $out $err $status.
upgrade_text() {
  local n=$1
  shift
  capture "$EO_BIN" upgrade --device "$(host "$n").local" --image "$SMALL" \
    --password-file pw --reboot-timeout 30 --hook "$HOOK" "$@"
}
upgrade() { upgrade_text "$@" --json; } # one JSON object on stdout
jq_out() { jq -r "$1" <<<"$out"; }

note "device 1: --dry-run runs no hook and says so"
upgrade_text 1 --dry-run
assert_eq 0 "$status" "dry run exit status ($err)"
assert_contains "$err" "dry run: the hook is not run" "dry run: says so"
upgrade 1 --dry-run
assert_eq "null null" "$(jq_out '"\(.hooks.before) \(.hooks.after)"')" "dry run: no hooks in JSON"
assert_eq 0 "$(runs "$(host 1).local" before)" "dry run: no hook ran"

note "device 1: the hook before says no (exit 3): skipped, exit 17, nothing sent"
answer "$(host 1).local" before 3
upgrade 1
assert_eq 17 "$status" "before no: exit status ($err)"
assert_eq "hook_skipped hook_before 3 false" \
  "$(jq_out '"\(.status) \(.hint) \(.hooks.before.exit_code) \(.hooks.before.passed)"')" \
  "before no: JSON"
assert_contains "$(jq_out .error)" "the hook before the upgrade exited with 3: skipped, nothing was sent; it said: 'answering 3'" \
  "before no: message"
assert_eq null "$(jq_out .hooks.after)" "before no: no hook after"
assert_eq 0 "$(runs "$(host 1).local" after)" "before no: the hook after did not run"
assert_eq "1.14.0 full" "$(dev_running 1)" "before no: device 1 still runs 1.14.0"
assert_eq 1 "$(lab-device boots 1)" "before no: device 1 never rebooted"

note "device 2: the hook before runs past --hook-timeout 1: killed, a no (exit 17)"
echo 30 >"$HOOK_DIR/$(host 2).local.before.sleep"
started=$EPOCHSECONDS
upgrade 2 --hook-timeout 1
assert_eq 17 "$status" "timeout: exit status ($err)"
((EPOCHSECONDS - started < 15)) || fail "timeout: the hook was not killed at its timeout"
assert_eq "timed-out null" "$(jq_out '"\(.hooks.before.end) \(.hooks.before.exit_code)"')" \
  "timeout: JSON"
assert_contains "$(jq_out .error)" "was killed after 1 s (its timeout)" "timeout: message"
assert_eq "1.14.0 full" "$(dev_running 2)" "timeout: device 2 still runs 1.14.0"
assert_eq 1 "$(lab-device boots 2)" "timeout: device 2 never rebooted"

note "device 3: the hook after says no (exit 1): failed, exit 18, the image is installed"
answer "$(host 3).local" after 1
upgrade_text 3
assert_eq 18 "$status" "after no: exit status ($err)"
assert_contains "$err" \
  "espurna-ota: $(host 3).local: the hook after the upgrade exited with 1: the image is installed ($(host 3).local runs 1.15.0, checked by version) but the hook said no; it said: 'answering 1'; the new image stays installed" \
  "after no: message and advice"
assert_contains "$err" "$(host 3).local: hook after: answering 1" "after no: the hook's own lines, on stderr"
assert_contains "$err" "$(host 3).local runs 1.15.0 (the image is installed), but the hook after the upgrade said no" \
  "after no: where it stands"
assert_eq "" "$out" "after no: nothing on stdout"
assert_eq "1.15.0 full" "$(dev_running 3)" "after no: device 3 runs the new image"

note "device 4: a hook that passes is told about the device, never the password"
ESPURNA_OTA_PASSWORD=$(<pw) capture "$EO_BIN" upgrade --device "$(host 4).local" \
  --image "$SMALL" --reboot-timeout 30 --json --hook "$HOOK"
assert_eq 0 "$status" "env: exit status ($err)"
assert_eq "true true" "$(jq_out '"\(.hooks.before.passed) \(.hooks.after.passed)"')" "env: both hooks"
d="$(host 4).local"
for phase in before after; do
  assert_eq "$phase|$d|$(host 4)|$(dev_address 4)|1.14.0|1.15.0|$SMALL|one-step|1" \
    "$(var "$d" "$phase" PHASE)|$(var "$d" "$phase" DEVICE)|$(var "$d" "$phase" HOSTNAME)|$(var "$d" "$phase" ADDRESS)|$(var "$d" "$phase" FROM_VERSION)|$(var "$d" "$phase" TO_VERSION)|$(var "$d" "$phase" IMAGE)|$(var "$d" "$phase" ROUTE)|$(var "$d" "$phase" STEPS)" \
    "env: what the hook $phase is told"
  assert_contains "$(var "$d" "$phase" PLAN)" "one step" "env: the plan, $phase"
  assert_not_contains "$(cat "$HOOK_DIR/$d.$phase.env")" "$(<pw)" "env: no password, $phase"
  assert_not_contains "$(cat "$HOOK_DIR/$d.$phase.env")" "ESPURNA_OTA_PASSWORD" "env: no password variable, $phase"
done
assert_eq "|" "$(var "$d" before OUTCOME)|$(var "$d" before STATUS)" "env: no outcome before"
assert_eq "done|ok|0|1.15.0|version" \
  "$(var "$d" after OUTCOME)|$(var "$d" after STATUS)|$(var "$d" after EXIT_CODE)|$(var "$d" after FINAL_VERSION)|$(var "$d" after CHECK)" \
  "env: the outcome after"
assert_eq "1.15.0 full" "$(dev_running 4)" "env: device 4 runs the new image"

note "batch of three, -j 3, --events: the hook before says no for one: skipped, the rest done"
printf '%s\n' "$(host 5)" "$(host 6)" "$(host 7)" >fleet.txt
answer "$(host 6)" before 4
capture "$EO_BIN" batch --devices fleet.txt --image "$SMALL" --password-file pw -j 3 \
  --reboot-timeout 30 --journal fleet.jsonl --events --hook "$HOOK"
assert_eq 0 "$status" "batch: exit status ($err)"
jq -e . >/dev/null <<<"$out" || fail "batch: stdout is not JSON Lines: $out"
assert_contains "$(jq -r --arg d "$(host 5)" 'select(.kind == "note" and .device == $d) | .text' <<<"$out")" \
  "hook before: hook on stdout: {not json" "batch: the hook's stdout is a note event, not a line of its own"
assert_contains "$err" "[$(host 5)] hook before: hook on stdout: {not json" "batch: the hook's lines, prefixed"
states=$(jq -r 'select(.kind == "state" and .state != "running") | "\(.device)=\(.state)"' <<<"$out" | sort | paste -sd' ')
assert_eq "$(host 5)=done $(host 6)=skipped $(host 7)=done" "$states" "batch: states"
assert_eq "$(host 5) after true|$(host 5) before true|$(host 6) before false|$(host 7) after true|$(host 7) before true" \
  "$(jq -r 'select(.kind == "hook-result") | "\(.device) \(.hook.when) \(.hook.passed)"' <<<"$out" | sort | paste -sd'|')" \
  "batch: hook-result events"
assert_eq "hook_skipped" "$(jq -r --arg d "$(host 6)" 'select(.kind == "hook-result" and .device == $d) | .status' <<<"$out")" \
  "batch: the skipping hook's status"
assert_eq "$(host 5) after true 0|$(host 5) before true 0|$(host 6) before false 4|$(host 7) after true 0|$(host 7) before true 0" \
  "$(jq -r 'select(.event == "hook") | "\(.device) \(.when) \(.passed) \(.exit_code)"' fleet.jsonl | sort | paste -sd'|')" \
  "batch: the journal's hook lines"
assert_eq "1.15.0 full|1.14.0 full|1.15.0 full" "$(dev_running 5)|$(dev_running 6)|$(dev_running 7)" \
  "batch: what the devices run"

note "batch: the hook after says no for one: exit 14, failed; run again: its hook after resumes"
printf '%s\n' "$(host 8)" >resume.txt
answer "$(host 8)" after 2
capture "$EO_BIN" batch --devices resume.txt --image "$SMALL" --password-file pw \
  --reboot-timeout 30 --journal resume.jsonl --json --hook "$HOOK"
assert_eq 14 "$status" "after no in a batch: exit status ($err)"
assert_eq "failed hook_failed hook_after" \
  "$(jq -r '.devices[0] | "\(.state) \(.status) \(.hint)"' <<<"$out")" "after no in a batch: the device"
assert_eq "1.15.0 full" "$(dev_running 8)" "after no in a batch: device 8 runs the new image"
rm "$HOOK_DIR/$(host 8).after.answer"
capture "$EO_BIN" batch --devices resume.txt --image "$SMALL" --password-file pw \
  --reboot-timeout 30 --journal resume.jsonl --json --hook "$HOOK"
assert_eq 16 "$status" "resumed: exit status ($err)"
assert_eq "up-to-date true true" \
  "$(jq -r '.devices[0] | "\(.state) \(.hooks.after.passed) \(.hooks.after.resumed)"' <<<"$out")" \
  "resumed: the pending hook after ran"
assert_eq "1|done" "$(var "$(host 8)" after RESUMED)|$(var "$(host 8)" after OUTCOME)" "resumed: told so"
assert_eq "1 2" "$(runs "$(host 8)" before) $(runs "$(host 8)" after)" "resumed: hook runs so far"
capture "$EO_BIN" batch --devices resume.txt --image "$SMALL" --password-file pw \
  --reboot-timeout 30 --journal resume.jsonl --json --hook "$HOOK"
assert_eq 16 "$status" "third run: exit status ($err)"
assert_eq "1 2" "$(runs "$(host 8)" before) $(runs "$(host 8)" after)" "third run: no hook ran"
note "pass"
