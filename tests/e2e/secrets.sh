#!/usr/bin/env bash
# tests/e2e/secrets.sh — a password never shows where others can read it: --password is blanked
# in the process list while the tool runs; the running tool writes no core file and is not
# dumpable; no output of flash, upgrade or batch (text, JSON, JSON Lines events, JUnit, the
# journal) and no URL the terminal method serves contains it; a password file or secrets file
# that others can read is refused (exit 3 / 12) before anything is sent.
source "$(dirname "$0")/lib.sh"

FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")
IMAGES=$EO_BUILD/firmware/images
SECRET=Zq9-very-secret-Pw

lab_reexec \
  --device "image=$FULL_1141 password=$SECRET flash-sector-ms=40 time-scale=1" \
  --device "image=$FULL_1141 password=$SECRET" \
  --device "image=$FULL_1141 password=$SECRET" \
  --device "image=$FULL_1141 password=$SECRET" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home XDG_DATA_HOME=$LAB_DIR/no-data
export XDG_STATE_HOME=$LAB_DIR/state
cd "$LAB_DIR" || fail "no lab directory"
host() { lab-device hostname "$1"; }
(umask 077 && printf '%s\n' "$SECRET" >pw)

note "--password: blanked in the process list; no core file; not dumpable"
# run as nobody: a dumpable process's /proc/PID/mem belongs to its user, a non-dumpable one's to root
nobody=$(mktemp -d /tmp/eo-secrets.XXXXXX) # the lab folder is root's alone
trap 'stop_background; rm -rf "$nobody"' EXIT
cp "$CORE_DEV" "$nobody/core.bin" && chown -R 65534:65534 "$nobody"
# the process itself is examined: the tool runs bare even in a valgrind run (valgrind's own
# process would be looked at instead)
setpriv --reuid=65534 --regid=65534 --clear-groups "${EO_REAL_BIN:-$EO_BIN}" flash --device "$(dev_address 1)" \
  --method espota --image "$nobody/core.bin" --password "$SECRET" >flash.out 2>flash.err &
pid=$!
BG_PIDS+=("$pid")
blanked() { tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- '--password x'; }
wait_until 10 blanked || fail "the password was not blanked in /proc/$pid/cmdline"
assert_not_contains "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "$SECRET" "process arguments"
assert_eq "0 0" "$(awk '/^Max core file size/ {print $5, $6}' "/proc/$pid/limits")" \
  "core file size limit"
assert_eq "65534 0" "$(stat -c %u "/proc/$pid") $(stat -c %u "/proc/$pid/mem")" \
  "not dumpable: its memory file belongs to root, not to its user"
wait "$pid"
status=$?
assert_eq 0 "$status" "flash with --password ($(cat flash.err))"
assert_contains "$(<flash.err)" "--password shows the password" "--password warns"
assert_not_contains "$(<flash.out)$(<flash.err)" "$SECRET" "flash output"

note "upgrade and the terminal method: text, JSON and the served URL"
for mode in "" --json; do
  capture "$EO_BIN" upgrade --device "$(host 2)" --image "$FULL_DEV" --firmware-dir "$IMAGES" \
    --password-file pw --method terminal --reboot-timeout 30 $mode
  assert_eq 0 "$status" "upgrade by terminal $mode ($err)"
  assert_not_contains "$out$err" "$SECRET" "upgrade output $mode"
done
assert_contains "$(lab-device log 2)" "http://" "the device logged the URL it fetched"
assert_not_contains "$(lab-device log 2)" "$SECRET" "the URL the device fetched"

note "batch: events, JUnit, JSON and the journal"
printf '%s password=current\n%s password=stale password=current\n' "$(host 3)" "$(host 4)" >list.txt
(umask 077 && printf 'stale=wrong-one\ncurrent=%s\n' "$SECRET" >secrets.txt)
"$EO_BIN" batch --devices list.txt --firmware-dir "$IMAGES" --secrets secrets.txt \
  --reboot-timeout 30 --events --junit junit.xml --journal journal.jsonl >events.jsonl 2>batch.err
status=$?
assert_eq 0 "$status" "batch ($(tail -n 3 batch.err))"
for file in events.jsonl batch.err junit.xml journal.jsonl; do
  grep -q -- "$SECRET" "$file" && fail "the password is in $file"
done
assert_contains "$(<events.jsonl)" '"state":"done"' "the events are there"

note "secrets readable by others are refused, nothing sent"
boots=$(lab-device boots 1)
chmod 644 pw
capture "$EO_BIN" flash --device "$(dev_address 1)" --image "$FULL_DEV" --password-file pw
assert_eq 3 "$status" "password file mode 644"
assert_contains "$err" "password file pw is readable by other users (mode 644); run 'chmod 600 pw'" \
  "password file message"
chmod 600 pw && chmod 640 secrets.txt
capture "$EO_BIN" batch --devices list.txt --firmware-dir "$IMAGES" --secrets secrets.txt --no-journal
assert_eq 12 "$status" "secrets file mode 640"
assert_eq "$boots" "$(lab-device boots 1)" "nothing was sent"
note "pass"
