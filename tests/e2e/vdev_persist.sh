#!/usr/bin/env bash
# tests/e2e/vdev_persist.sh — the virtual device's flash is its state: after an upgrade, a
# clean stop (SIGTERM) and a crash (SIGKILL) followed by `lab-device start` on the same flash
# file boot the upgraded image again; nothing is re-installed.
source "$(dirname "$0")/lib.sh"

FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)

lab_reexec --device "image=$FULL_1140 dialect=dev reboot-ms=300" -- "$@"

assert_eq OK "$(espota 1 "$CORE_1141")" "upload"
lab-device wait-boot 1 2 10 || fail "device did not reboot"
assert_eq 1.14.1 "$(info_version 1)" "version after upload"

note "clean stop and start"
old_pid=$(lab-device pid 1)
lab-device stop 1
if lab-device pid 1 >/dev/null 2>&1; then fail "device still running after stop"; fi
if python3 "$E2E_TOOLS/telnet_client.py" --address "$(dev_address 1)" --timeout 0.5 info \
  >/dev/null 2>&1; then
  fail "terminal answers while stopped"
fi
lab-device start 1 || fail "device did not start again"
assert_eq 1.14.1 "$(info_version 1)" "version after stop/start"
assert_contains "$(lab-device log 1)" "booted 1.14.1 (core)" "boots the core from flash"
new_pid=$(lab-device pid 1)
[[ $new_pid != "$old_pid" ]] || fail "start did not launch a new process"
assert_eq "1 $(lab-device hostname 1) $(dev_address 1) $new_pid" "$(head -n 1 "$LAB_DEVICES")" \
  "LAB_DEVICES follows the new pid"

note "crash (SIGKILL) and start"
kill -KILL "$new_pid"
dead() { ! lab-device pid 1 >/dev/null 2>&1; }
wait_until 5 dead || fail "device survived SIGKILL"
lab-device start 1 || fail "device did not start after a crash"
assert_eq 1.14.1 "$(info_version 1)" "version after crash/start"
note "pass"
