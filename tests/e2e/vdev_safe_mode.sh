#!/usr/bin/env bash
# tests/e2e/vdev_safe_mode.sh — ESPurna's system check on the virtual device: after
# SYSTEM_CHECK_MAX (5) restarts in a row that are not a power-on, each within the stable time
# of its boot, the device starts in safe mode: Wi-Fi, espota and telnet only — no web server,
# and over mDNS only what the era still publishes (1.14 core 2.3.0's ArduinoOTA: _arduino._tcp
# with its four keys; dev: nothing). Shown with the crash-loop fault (a crash 300 ms after
# every stable boot) and with the terminal's `reset.safe`. An espota upload works in safe
# mode; after it 1.14 counts from the start (stable again) while dev stays unstable until its
# stable time passes (system-check-ms, shortened on device 4); a power-on (a new process)
# always clears it.
source "$(dirname "$0")/lib.sh"

FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")

lab_reexec --device "image=$FULL_1141 reboot-ms=200 fault=crash-loop=300" \
  --device "image=$FULL_DEV reboot-ms=200 fault=crash-loop=300" \
  --device "image=$FULL_DEV reboot-ms=200" \
  --device "image=$FULL_DEV reboot-ms=200 system-check-ms=2000" -- "$@"

# last_boot N: device N's last "booted ..." line.
last_boot() { lab-device log "$1" | grep '^booted ' | tail -n 1; }
web_refused() { ! curl -s -o /dev/null --max-time 3 "http://$(dev_address "$1")/discover"; }
record_of() { mdns_record "$(lab-device hostname "$1")"; }
no_record() { [[ -z $(record_of "$1") ]]; }
has_record() { ! no_record "$1"; }
# settled N: device N's current boot has been up for its stable time.
settled() {
  lab-device log "$1" | awk '/^booted /{s=0} /^system check: .* counted stable/{s=1} END{exit !s}'
}

note "device 1 (1.14.1): five crashes in a row, then safe mode"
lab-device wait-boot 1 6 30 || fail "device 1 did not go through five crash reboots"
assert_eq 5 "$(lab-device log 1 | grep -c '^fault crash-loop: crashing')" "device 1 crashed five times"
assert_contains "$(last_boot 1)" ", safe mode" "device 1 boot 6"
assert_eq "espota=8266 web=0 telnet=23" "$(lab-device ports 1)" "device 1 serves no web"
web_refused 1 || fail "device 1: the web server answers in safe mode"
info=$(telnet 1 info) || fail "device 1: info in safe mode: $info"
grep -q '^\[[0-9]\{6\}\] \[MAIN\] Device is in SAFE MODE$' <<<"$info" || fail "device 1 info: $info"
wait_until 10 has_record 1 || fail "device 1: no _arduino._tcp in safe mode"
rec=$(record_of 1)
assert_eq "PLATFORMIO_ESP01_1M yes" "$(txt_value "$rec" board) $(txt_value "$rec" auth_upload)" \
  "device 1: ArduinoOTA's own keys"
assert_eq "" "$(txt_value "$rec" app_name)$(txt_value "$rec" app_version)" "device 1: no ESPurna keys"
browse=$(timeout 10 avahi-browse -atpk 2>/dev/null)
assert_not_contains "$browse" "$(lab-device hostname 1);_http._tcp" "device 1: no _http._tcp"
assert_not_contains "$browse" "$(lab-device hostname 1);_telnet._tcp" "device 1: no _telnet._tcp"

note "device 1: espota works in safe mode; 1.14 starts counting again (a stable boot)"
assert_eq OK "$(espota 1 "$CORE_1141")" "device 1: upload in safe mode"
lab-device wait-boot 1 7 15 || fail "device 1 did not reboot after the upload"
assert_contains "$(last_boot 1)" "booted 1.14.1 (core)" "device 1 runs the upload"
assert_not_contains "$(last_boot 1)" "safe mode" "device 1 boot 7"

note "device 2 (dev): five crashes, safe mode, nothing on mDNS; a restart stays unstable"
lab-device wait-boot 2 6 30 || fail "device 2 did not go through five crash reboots"
assert_contains "$(last_boot 2)" ", safe mode" "device 2 boot 6"
web_refused 2 || fail "device 2: the web server answers in safe mode"
info=$(telnet 2 info) || fail "device 2: info in safe mode: $info"
grep -qxF "system: UNSTABLE boot counter: 5" <<<"$info" || fail "device 2 info: $info"
wait_until 10 no_record 2 || fail "device 2: still announced in safe mode: $(record_of 2)"
telnet 2 --allow-close reset >/dev/null || fail "device 2: reset"
lab-device wait-boot 2 7 15 || fail "device 2 did not reboot"
assert_contains "$(last_boot 2)" ", safe mode" "device 2 boot 7: still unstable (dev)"

note "device 3 (dev): reset.safe, an upload in safe mode, then a power-on clears it"
telnet 3 --allow-close reset.safe >/dev/null || fail "device 3: reset.safe"
lab-device wait-boot 3 2 15 || fail "device 3 did not reboot"
assert_contains "$(last_boot 3)" ", safe mode" "device 3 boot 2"
web_refused 3 || fail "device 3: the web server answers in safe mode"
assert_eq OK "$(espota 3 "$CORE_DEV")" "device 3: upload in safe mode"
lab-device wait-boot 3 3 15 || fail "device 3 did not reboot after the upload"
assert_contains "$(last_boot 3)" "booted $DEV_VERSION (core)" "device 3 runs the upload"
assert_contains "$(last_boot 3)" ", safe mode" "device 3 boot 3: still unstable (dev)"
lab-device restart 3
assert_not_contains "$(last_boot 3)" "safe mode" "device 3 after a power-on"

note "device 4 (dev, 2 s stable time): reset.safe, then a restart after the stable time"
telnet 4 --allow-close reset.safe >/dev/null || fail "device 4: reset.safe"
lab-device wait-boot 4 2 15 || fail "device 4 did not reboot"
assert_contains "$(last_boot 4)" ", safe mode" "device 4 boot 2"
wait_until 15 settled 4 || fail "device 4: the stable time never passed"
telnet 4 --allow-close reset >/dev/null || fail "device 4: reset"
lab-device wait-boot 4 3 15 || fail "device 4 did not reboot"
assert_not_contains "$(last_boot 4)" "safe mode" "device 4 boot 3"
assert_eq "$DEV_VERSION" "$(json_field "$(discover 4)" version)" "device 4 serves the web again"
note "pass"
