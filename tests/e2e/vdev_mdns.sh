#!/usr/bin/env bash
# tests/e2e/vdev_mdns.sh — what the virtual device announces over mDNS (avahi-browse in the
# lab): _arduino._tcp TXT per dialect (mac with or without colons, free_space in bytes or KiB),
# free_space equal to the Updater arithmetic on 1 MB and 4 MB flash, the record withdrawn while
# the device reboots and back with the new version/board after an upgrade, the host name's
# address record, no record at all with mdns=no, ArduinoOTA's keys only with txt=minimal, and
# a device without dialect= (auto) that speaks 1.14 on 1.14.1 and dev after an espota upgrade,
# and a 4 MB chip running a 1 MB build: the 1 MB layout's free space (the running build's
# linker layout ends the sketch area), sdk_size 1024, mem_size 4096, the oversized image refused.
# ArduinoOTA's board key is PlatformIO's for the build's flash size (PLATFORMIO_ESP01_1M,
# PLATFORMIO_ESP12E); a 1.14 core build keeps announcing the previous full build's
# target_board (it never sets its own), a dev minimal build announces its own.
source "$(dirname "$0")/lib.sh"

FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
FULL_4M=$(image "espurna-$DEV_VERSION-nodemcu-lolin-4m.bin")
CORE_4M=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-4m.bin")
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")
OVERSIZED=$(image "espurna-$DEV_VERSION-oversized-1m.bin")

lab_reexec --device "image=$FULL_1140 dialect=1.14 reboot-ms=2500 time-scale=1" \
  --device "image=$FULL_DEV dialect=dev reboot-ms=300" \
  --device "image=$FULL_4M dialect=dev flash=4M reboot-ms=2500 time-scale=1" \
  --device "image=$FULL_DEV dialect=dev reboot-ms=300 mdns=no" \
  --device "image=$FULL_DEV dialect=1.14 reboot-ms=300 txt=minimal" \
  --device "image=$FULL_1141 reboot-ms=300" \
  --device "image=$FULL_DEV flash=4M reboot-ms=300" \
  --device "image=$FULL_1141 reboot-ms=300" -- "$@"

CORE_1141=$(image espurna-1.14.1-espurna-core-1MB.bin)

MB1=1048576
MB4=4194304
size() { stat -c %s "$1"; }

# announced N...: one browse ($BROWSE) holds a resolved _arduino._tcp line of every device N.
announced() {
  local n
  BROWSE=$(timeout 10 avahi-browse -rtp _arduino._tcp 2>/dev/null | grep '^=')
  for n in "$@"; do
    grep -q "^=;lo;IPv4;$(lab-device hostname "$n");" <<<"$BROWSE" || return 1
  done
}
wait_until 15 announced 1 2 3 5 7 || fail "not every device announced itself: $BROWSE"
# browsed N: device N's line from that browse.
browsed() { grep "^=;lo;IPv4;$(lab-device hostname "$1");" <<<"$BROWSE" | head -n 1; }

# record N: the resolved _arduino._tcp line of device N now, waiting for it to appear.
record() {
  local host rec deadline=$((EPOCHSECONDS + 10))
  host=$(lab-device hostname "$1")
  until rec=$(mdns_record "$host") && [[ -n $rec ]]; do
    ((EPOCHSECONDS < deadline)) || fail "device $1: no _arduino._tcp record"
    sleep 0.1
  done
  echo "$rec"
}

# expect_txt RECORD KEY VALUE WHAT
expect_txt() { assert_eq "$3" "$(txt_value "$1" "$2")" "$4: TXT $2"; }

# common RECORD N: fields every ESPurna full build announces.
common() {
  local rec=$1 n=$2
  assert_eq "$(dev_address "$n")" "$(cut -d';' -f8 <<<"$rec")" "device $n: address"
  assert_eq 8266 "$(cut -d';' -f9 <<<"$rec")" "device $n: port"
  expect_txt "$rec" app_name ESPURNA "device $n"
  expect_txt "$rec" auth_upload yes "device $n"
  expect_txt "$rec" tcp_check no "device $n"
  expect_txt "$rec" ssh_upload no "device $n"
  [[ $(txt_value "$rec" board) =~ ^PLATFORMIO_(ESP01_1M|ESP12E)$ ]] ||
    fail "device $n: board '$(txt_value "$rec" board)' is not PlatformIO's"
  [[ $(txt_value "$rec" build_date) =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}$ ]] ||
    fail "device $n: build_date '$(txt_value "$rec" build_date)'"
}

note "device 1 (1.14): mac with colons, free_space in bytes"
rec=$(browsed 1)
common "$rec" 1
expect_txt "$rec" app_version 1.14.0 "device 1"
expect_txt "$rec" target_board ITEAD_SONOFF_BASIC "device 1"
expect_txt "$rec" board PLATFORMIO_ESP01_1M "device 1 (a 1 MB build)"
expect_txt "$rec" mem_size 1024 "device 1"
expect_txt "$rec" sdk_size 1024 "device 1"
expect_txt "$rec" free_space "$(free_space_bytes $MB1 "$(size "$FULL_1140")")" "device 1"
[[ $(txt_value "$rec" mac) =~ ^([0-9A-F]{2}:){5}[0-9A-F]{2}$ ]] ||
  fail "device 1: 1.14 mac '$(txt_value "$rec" mac)' is not AA:BB:CC:DD:EE:FF"

note "device 2 (dev): mac without colons, free_space in KiB"
rec=$(browsed 2)
common "$rec" 2
expect_txt "$rec" app_version "$DEV_VERSION" "device 2"
expect_txt "$rec" free_space $(($(free_space_bytes $MB1 "$(size "$FULL_DEV")") / 1024)) "device 2"
[[ $(txt_value "$rec" mac) =~ ^[0-9A-F]{12}$ ]] ||
  fail "device 2: dev mac '$(txt_value "$rec" mac)' is not 12 upper-case hex digits"

note "device 3 (dev, 4 MB)"
rec=$(browsed 3)
common "$rec" 3
expect_txt "$rec" target_board NODEMCU_LOLIN "device 3"
expect_txt "$rec" board PLATFORMIO_ESP12E "device 3 (a 4 MB build)"
expect_txt "$rec" mem_size 4096 "device 3"
expect_txt "$rec" sdk_size 4096 "device 3"
expect_txt "$rec" free_space $(($(free_space_bytes $MB4 "$(size "$FULL_4M")") / 1024)) "device 3"

note "device 7 (a 1 MB build on a 4 MB chip): the 1 MB layout"
rec=$(browsed 7)
common "$rec" 7
expect_txt "$rec" mem_size 4096 "device 7"
expect_txt "$rec" sdk_size 1024 "device 7"
expect_txt "$rec" free_space $(($(free_space_bytes $MB1 "$(size "$FULL_DEV")") / 1024)) "device 7"
assert_eq 364 "$(txt_value "$rec" free_space)" "device 7: KiB free, as a real device shows"
assert_eq "ERR: ERROR[4]: Not Enough Space" "$(espota 7 "$OVERSIZED")" "device 7: oversized-1m"
assert_eq 1 "$(lab-device boots 7)" "device 7: no reboot after a refused invitation"

note "host names resolve to the device addresses; mdns=no announces nothing"
resolved=$(avahi-resolve -4 -n "$(lab-device hostname 2).local" 2>/dev/null | cut -f2)
assert_eq "$(dev_address 2)" "$resolved" "device 2: address record"
browse=$(timeout 10 avahi-browse -atpk 2>/dev/null)
assert_contains "$browse" "$(lab-device hostname 2);_http._tcp" "device 2: _http._tcp"
assert_contains "$browse" "$(lab-device hostname 2);_telnet._tcp" "device 2: _telnet._tcp"
assert_not_contains "$browse" "$(lab-device hostname 4)" "device 4 (mdns=no)"

note "device 5 (txt=minimal, like 1.13 core builds): ArduinoOTA's keys only"
rec=$(browsed 5)
expect_txt "$rec" auth_upload yes "device 5"
expect_txt "$rec" tcp_check no "device 5"
assert_eq "" "$(txt_value "$rec" app_name)$(txt_value "$rec" app_version)$(txt_value "$rec" free_space)" \
  "device 5: no ESPurna keys"

note "device 1: upgrade; the record goes away while rebooting and comes back with 1.14.1"
assert_eq OK "$(espota 1 "$FULL_1141")" "device 1 upload"
gone() { [[ -z $(mdns_record "$(lab-device hostname "$1")") ]]; }
wait_until 5 gone 1 || fail "device 1: record not withdrawn while rebooting"
assert_eq 1 "$(lab-device boots 1)" "device 1: withdrawn before booting again"
lab-device wait-boot 1 2 10 || fail "device 1 did not come back"
new_version() { [[ $(txt_value "$(mdns_record "$(lab-device hostname 1)")" app_version) == 1.14.1 ]]; }
wait_until 10 new_version || fail "device 1: no record with app_version=1.14.1 after the upgrade"
rec=$(record 1)
expect_txt "$rec" free_space "$(free_space_bytes $MB1 "$(size "$FULL_1141")")" "device 1 after"

note "device 3: to the 4 MB core; withdrawn while rebooting, board and free space follow"
assert_eq OK "$(espota 3 "$CORE_4M")" "device 3 upload"
wait_until 5 gone 3 || fail "device 3: record not withdrawn while rebooting"
assert_eq 1 "$(lab-device boots 3)" "device 3: withdrawn before booting again"
lab-device wait-boot 3 2 10 || fail "device 3 did not come back"
core_board() {
  [[ $(txt_value "$(mdns_record "$(lab-device hostname 3)")" target_board) == ESPURNA_MINIMAL_ARDUINO_OTA ]]
}
wait_until 10 core_board || fail "device 3: no record with the core's board after the upgrade"
rec=$(record 3)
expect_txt "$rec" free_space $(($(free_space_bytes $MB4 "$(size "$CORE_4M")") / 1024)) "device 3 after"
note "device 6 (no dialect=: auto) on 1.14.1: mac with colons, free_space in bytes"
rec=$(record 6)
common "$rec" 6
expect_txt "$rec" app_version 1.14.1 "device 6"
expect_txt "$rec" free_space "$(free_space_bytes $MB1 "$(size "$FULL_1141")")" "device 6"
[[ $(txt_value "$rec" mac) =~ ^([0-9A-F]{2}:){5}[0-9A-F]{2}$ ]] ||
  fail "device 6: 1.14.1 mac '$(txt_value "$rec" mac)' is not AA:BB:CC:DD:EE:FF"

note "device 6: espota to the $DEV_VERSION core; the dialect follows the firmware"
assert_eq OK "$(espota 6 "$CORE_DEV")" "device 6 upload"
lab-device wait-boot 6 2 10 || fail "device 6 did not come back"
dev_core() {
  [[ $(txt_value "$(mdns_record "$(lab-device hostname 6)")" app_version) == "$DEV_VERSION" ]]
}
wait_until 10 dev_core || fail "device 6: no record with app_version=$DEV_VERSION after the upgrade"
rec=$(record 6)
expect_txt "$rec" free_space $(($(free_space_bytes $MB1 "$(size "$CORE_DEV")") / 1024)) "device 6 after"
[[ $(txt_value "$rec" mac) =~ ^[0-9A-F]{12}$ ]] ||
  fail "device 6: dev mac '$(txt_value "$rec" mac)' is not 12 upper-case hex digits"
assert_contains "$(lab-device log 6)" "booted $DEV_VERSION (core)" "device 6 boots the core"
assert_contains "$(lab-device log 6)" "dialect dev (auto)" "device 6 speaks dev after the upgrade"
expect_txt "$rec" target_board ESPURNA_MINIMAL_ARDUINO_OTA "device 6: a dev minimal build names itself"

note "device 8 (1.14.1 full -> 1.14.1 core): the core keeps the full build's target_board"
wait_until 10 announced 8 || fail "device 8 never announced itself"
expect_txt "$(browsed 8)" target_board ITEAD_SONOFF_BASIC "device 8 before"
assert_eq OK "$(espota 8 "$CORE_1141")" "device 8 upload"
lab-device wait-boot 8 2 10 || fail "device 8 did not come back"
core_8() { # the record with the core's free space (the full build's board name either way)
  [[ $(txt_value "$(mdns_record "$(lab-device hostname 8)")" free_space) == \
    "$(free_space_bytes $MB1 "$(size "$CORE_1141")")" ]]
}
wait_until 10 core_8 || fail "device 8: no record after the upgrade"
rec=$(record 8)
expect_txt "$rec" target_board ITEAD_SONOFF_BASIC "device 8: the 1.14 core shows the stored board"
expect_txt "$rec" board PLATFORMIO_ESP01_1M "device 8"
note "pass"
