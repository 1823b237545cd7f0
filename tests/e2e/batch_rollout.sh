#!/usr/bin/env bash
# tests/e2e/batch_rollout.sh — `espurna-ota batch --firmware-dir` over one lab of 26 devices of
# mixed eras (1.14.0, 1.14.1, an older dev build, a 1.14.1 core build), boards
# (itead-sonoff-basic and itead-sonoff-s20 on 1 MB, nodemcu-lolin on 4 MB, a 1 MB build on a
# 4 MB chip) and so routes (two steps, one gzip step, one step); each scenario has its devices:
#  - a dry run plans every device from the release folder (its board's build, the route its
#    flash and era need) and touches nothing;
#  - a canary that fails stops the rollout before any other device is touched (exit 15);
#  - --max-failures is checked between waves (the split by a stable hash of the chip id is
#    read from tests/tools/eo-waves): one failure in the first wave lets the second start, the
#    second failure stops the rollout once that wave is over (exit 15): the third wave is
#    not-run and untouched;
#  - retries recover from injected transient faults (lost invitations, 1 MB and 4 MB); a wrong
#    password is tried once, never again; password rotation finds the second candidate (and
#    names it, never showing it); offline devices (a host name, an address) are reported apart,
#    not failed (exit 14); --events are JSON Lines that jq reads; the JUnit report is read by
#    Debian's python3-junitparser: every device a test case, the failed one with its message,
#    the offline ones skipped; a secrets file others can read is refused;
#  - a run killed with SIGKILL mid espota transfer (a device stranded on its core image),
#    resumed from its journal (the stranded device first) and killed again mid web upload, then
#    resumed again, finishes every device without flashing the finished ones again; the device
#    whose upload was cut drops it at once and takes the next one.
source "$(dirname "$0")/lib.sh"

IMAGES=$EO_BUILD/firmware/images
WAVES=$EO_BUILD/tests/tools/eo-waves
OLDER=1.15.0-dev.git9f8e7d6c+github260915
B140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
B141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
BOD=$(image "espurna-$OLDER-itead-sonoff-basic.bin")
S140=$(image espurna-1.14.0-itead-sonoff-s20.bin)
S141=$(image espurna-1.14.1-itead-sonoff-s20.bin)
SOD=$(image "espurna-$OLDER-itead-sonoff-s20.bin")
L140=$(image espurna-1.14.0-nodemcu-lolin.bin)
L141=$(image espurna-1.14.1-nodemcu-lolin.bin)
LOD=$(image "espurna-$OLDER-nodemcu-lolin.bin")
CORE=$(image espurna-1.14.1-espurna-core-1MB.bin)

# One line per device: lab spec | the route a dry run plans | the environment of its new image.
# 1 MB devices on 1.14.x (core 2.3.0: no gzip) need two steps, the older dev 1 MB ones one gzip
# step; 4 MB devices take one step; device 22 runs a core build (its list line names env=).
FLEET=(
  "image=$L141 flash=4M | one-step | nodemcu-lolin"                                   # 1  canary group
  "image=$S140 | two-step | itead-sonoff-s20"                                # 2
  "image=$BOD | gzip-one-step | itead-sonoff-basic"                          # 3
  "image=$B140 | two-step | itead-sonoff-basic"                              # 4
  "image=$B141 fault=drop-at=50 | two-step | itead-sonoff-basic"             # 5  the canary
  "image=$B140 | two-step | itead-sonoff-basic"                              # 6  waves: third
  "image=$S141 | two-step | itead-sonoff-s20"                                # 7
  "image=$LOD flash=4M | one-step | nodemcu-lolin"                                    # 8
  "image=$B141 flash=4M | two-step | itead-sonoff-basic"                     # 9  1 MB build, 4 MB chip
  "image=$SOD | gzip-one-step | itead-sonoff-s20"                            # 10 second wave
  "image=$B141 password=another | two-step | itead-sonoff-basic"             # 11 (wrong password)
  "image=$L140 flash=4M | one-step | nodemcu-lolin"                                   # 12
  "image=$L141 flash=4M | one-step | nodemcu-lolin"                                   # 13 third
  "image=$S141 fault=drop-at=50 | two-step | itead-sonoff-s20"               # 14 first wave
  "image=$LOD flash=4M | one-step | nodemcu-lolin"                                    # 15
  "image=$B141 fault=lose-udp=5 | two-step | itead-sonoff-basic"             # 16 retries group
  "image=$L141 flash=4M fault=lose-udp=5 | one-step | nodemcu-lolin"                  # 17
  "image=$S141 password=another | two-step | itead-sonoff-s20"               # 18 wrong password
  "image=$L140 flash=4M password=another | one-step | nodemcu-lolin"                  # 19 rotation
  "image=$BOD | gzip-one-step | itead-sonoff-basic"                          # 20 offline
  "image=$S140 | two-step | itead-sonoff-s20"                                # 21 offline
  "image=$CORE | one-step | itead-sonoff-s20"                                # 22 stranded core
  "image=$LOD flash=4M | one-step | nodemcu-lolin"                                    # 23 killed runs
  "image=$B141 flash-sector-ms=200 | two-step | itead-sonoff-basic"          # 24
  "image=$L141 flash=4M flash-sector-ms=200 | one-step | nodemcu-lolin"               # 25
  "image=$SOD | gzip-one-step | itead-sonoff-s20"                            # 26
)
field() { cut -d'|' -f"$2" <<<"${FLEET[$1 - 1]}" | xargs; }

lab_args=()
for n in "${!FLEET[@]}"; do lab_args+=(--device "$(field $((n + 1)) 1)"); done
lab_reexec "${lab_args[@]}" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home XDG_DATA_HOME=$LAB_DIR/no-data
export XDG_STATE_HOME=$LAB_DIR/state
cd "$LAB_DIR" || fail "no lab directory"
cp "$(dev_password_file 1)" "$LAB_DIR/pw" # every lab device without password= has this one
host() { lab-device hostname "$1"; }
chip() { printf '%06X' $((10 + $1)); }
hosts() { local n; for n in "$@"; do host "$n"; done; }
chips() { local n; for n in "$@"; do chip "$n"; echo; done; }
dev_of() { echo $(($(printf '%d' "0x${1: -6}") - 10)); } # ESPURNA-0000XX is device XX - 10
# label N: how the lists name device N (device 22, a core build, by its chip id)
label() { if [[ $1 == 22 ]]; then chip 22; else host "$1"; fi; }
# of N FILTER: jq FILTER over the --json result ($out) of device N
of() { jq -r --arg d "$(label "$1")" ".devices[] | select(.device == \$d) | $2" <<<"$out"; }
new_image() { echo "espurna-$DEV_VERSION-$(field "$1" 3).bin"; }
BATCH=("$EO_BIN" batch --firmware-dir "$IMAGES" --password-file pw --reboot-timeout 60)
batch() { "${BATCH[@]}" "$@"; } # in the background, "${BATCH[@]}" itself: $! is then the tool
untouched() { local n; for n in "$@"; do assert_eq 1 "$(lab-device boots "$n")" "device $n untouched"; done; }
upgraded() {
  local n
  for n in "$@"; do assert_eq "$DEV_VERSION full" "$(dev_running "$n")" "device $n runs the new image"; done
}

note "a dry run over the whole fleet: each board's build, the route its flash and era need"
hosts {1..21} >all.txt
printf '%s env=itead-sonoff-s20\n' "$(chip 22)" >>all.txt
hosts {23..26} >>all.txt
capture batch --devices all.txt --dry-run --json
assert_eq 0 "$status" "dry run exit status ($err $(jq -c ".devices[] | select(.state != \"planned\") | [.device,.state,.error]" <<<"$out"))"
assert_eq "${#FLEET[@]}" "$(jq '.summary.planned' <<<"$out")" "every device planned"
for n in "${!FLEET[@]}"; do
  n=$((n + 1))
  assert_eq "$(field "$n" 2) $(new_image "$n")" "$(of "$n" '"\(.route) \(.image | split("/") | last)"')" \
    "device $n: the route and image planned"
done
untouched {1..26}

note "the canary (device 5) fails: the rollout stops, nobody else is touched (exit 15)"
mapfile -t ids < <(chips 1 2 3 4 5)
assert_eq "$(chip 5) 0" "$("$WAVES" --canary 1 "${ids[@]}" | grep ' 0$')" \
  "device 5 is the canary of devices 1-5"
hosts 1 2 3 4 5 >canary.txt
capture batch --devices canary.txt --canary 1 --journal canary.jsonl --json
assert_eq 15 "$status" "canary exit status ($err)"
assert_eq "failed aborted" "$(of 5 .state) $(jq -r .status <<<"$out")" "canary result"
assert_contains "$(of 5 .where)" "is running the core image" "the canary: where it stands"
assert_eq 4 "$(jq -r '.summary."not-run"' <<<"$out")" "the others did not run"
untouched 1 2 3 4

note "waves 20,50,100 with --max-failures 2: one failure lets the second wave start, two stop it"
# 10 devices: the first wave is 2 of them (ceil 20 %), the second 3 more, the third the last 5
split=("" "" "")
mapfile -t ids < <(chips {6..15})
while read -r id wave; do split[wave]+=" $(dev_of "$id")"; done < <("$WAVES" --waves 20,50,100 "${ids[@]}")
assert_eq " 14 15 | 10 11 12 | 6 7 8 9 13" "${split[0]} |${split[1]} |${split[2]}" "the waves of devices 6-15"
hosts {6..15} >waves.txt
capture batch --devices waves.txt --waves 20,50,100 --max-failures 2 --journal waves.jsonl --json
assert_eq 15 "$status" "waves exit status ($err)"
assert_eq aborted "$(jq -r .status <<<"$out")" "waves status"
for n in 14 11; do assert_eq failed "$(of "$n" .state)" "device $n failed"; done
assert_eq auth "$(of 11 .status)" "device 11: a wrong password"
for n in 15 10 12; do assert_eq 'done' "$(of "$n" .state)" "device $n done"; done
for n in 6 7 8 9 13; do assert_eq not-run "$(of "$n" .state)" "device $n (third wave) not run"; done
untouched 6 7 8 9 13
upgraded 15 10 12
# between waves: every device of a wave was done before the next wave started
# seq_of EVENT min|max N...: the first or last sequence number of EVENT for these devices
seq_of() {
  local -a labels
  mapfile -t labels < <(hosts "${@:3}")
  jq -rs --args --arg e "$1" "[.[] | select(.event == \$e and (.device | IN(\$ARGS.positional[]))) | .seq] | $2" \
    "${labels[@]}" <waves.jsonl
}
last_done() { seq_of device-done max "$@"; }
first_start() { seq_of started min "$@"; }
(($(last_done 14 15) < $(first_start 10 11 12))) || fail "the second wave started before the first was over"
assert_eq null "$(first_start 6 7 8 9 13)" "the third wave never started"

note "retries, a wrong password, rotation and offline devices in one run (exit 14)"
lab-device stop 20
lab-device stop 21
printf 'stale=%s\ncurrent=another\n' "$(<pw)" >secrets.txt
chmod 600 secrets.txt
cat >retries.txt <<LIST
$(host 16) method=espota     # loses its first five invitations
$(host 17) method=espota     # the same, on 4 MB
$(host 18) password=stale    # a wrong password: never tried again
$(host 19) password=stale password=current
$(host 20)                   # offline
$(dev_address 21)            # offline, by address
$(chip 22) env=itead-sonoff-s20
LIST
batch --devices retries.txt --secrets secrets.txt --retries 2 --journal retries.jsonl --events \
  --junit junit.xml >events.jsonl 2>err.txt
status=$?
assert_eq 14 "$status" "retries run exit status ($(tail -5 err.txt))"
jq -e . events.jsonl >/dev/null || fail "--events: not JSON Lines"
# results N: the statuses of device N's device-result events, one per attempt or password
results() {
  jq -r --arg d "$1" 'select(.kind == "device-result" and .device == $d) | .status' events.jsonl |
    paste -sd' '
}
for n in 16 17; do
  assert_eq "unreachable ok" "$(results "$(host "$n")")" "device $n: lost invitations, then a retry"
  assert_contains "$(<err.txt)" "[$(host "$n")] transient failure: trying again" "device $n was retried"
done
assert_eq auth "$(results "$(host 18)")" "device 18: a wrong password, tried once"
assert_eq "auth ok" "$(results "$(host 19)")" "device 19: the stale password, then the current one"
assert_eq ok "$(results "$(chip 22)")" "device 22 (a core build) finished"
for label in "$(host 20)" "$(dev_address 21)"; do
  assert_eq "note offline: it did not answer|state offline" \
    "$(jq -r --arg d "$label" 'select(.device == $d and .kind != "progress") | "\(.kind) \(.text)"' events.jsonl | paste -sd'|')" \
    "$label is reported offline, and nothing else"
done
assert_not_contains "$(<err.txt)" "[$(host 18)] transient failure" "device 18 was not retried"
assert_contains "$(<err.txt)" "[$(host 19)] password stale rejected: trying current" "device 19: rotation"
for n in 18 19; do
  assert_eq 1 "$(grep -c 'web: wrong credentials' "$LAB_DIR/dev/$n/log")" "device $n got the stale password once"
done
assert_not_contains "$(<err.txt)$(<events.jsonl)" "another" "rotation: the password never shows"
upgraded 16 17 19 22
untouched 18 20 21
# every device a test case, named by its list label; the failed one with its message, the
# offline ones skipped, the others passed
/usr/bin/python3 - junit.xml "$(host 18)" "$(host 20) $(dev_address 21)" \
  "$(host 16) $(host 17) $(host 19) $(chip 22)" <<'PY' || fail "junitparser: the report is not what it should be"
import sys
from junitparser import JUnitXml, Failure, Skipped
path, failed, offline, passed = sys.argv[1], [sys.argv[2]], sys.argv[3].split(), sys.argv[4].split()
cases = {case.name: case for suite in JUnitXml.fromfile(path) for case in suite}
assert sorted(cases) == sorted(failed + offline + passed), f"test cases: {sorted(cases)}"
def results(name, kind):
    return [r for r in cases[name].result if isinstance(r, kind)]
assert [n for n in cases if results(n, Failure)] == failed, "failed cases"
message = results(failed[0], Failure)[0].message
assert "wrong password" in message, f"failure message: {message!r}"
assert sorted(n for n in cases if results(n, Skipped)) == sorted(offline), "skipped cases"
for name in offline:
    assert "offline" in results(name, Skipped)[0].message, f"{name}: skipped message"
assert all(not cases[n].result for n in passed), "passed cases"
PY
chmod 644 secrets.txt
capture batch --devices retries.txt --secrets secrets.txt
assert_eq 12 "$status" "a secrets file others can read is refused"
assert_contains "$err" "readable by other users (mode 0644)" "secrets file mode message"

note "a run killed with SIGKILL mid espota transfer, then mid web upload, resumed each time"
hosts 23 24 25 26 >kill.txt
# kill_when PID COMMAND...: SIGKILL the tool once COMMAND succeeds, and reap it
kill_when() {
  local pid=$1
  shift
  wait_until 90 "$@" || { kill -KILL "$pid"; fail "the run did not get that far in time: $*"; }
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
}
log_has() { grep -q -- "$2" "$LAB_DIR/dev/$1/log"; }
trap stop_background EXIT
"${BATCH[@]}" --devices kill.txt -j 1 --journal kill.jsonl >/dev/null 2>kill1.txt &
pid=$!
BG_PIDS+=("$pid")
# device 23 is done, device 24 took its core image and is taking the full one by espota
kill_when "$pid" log_has 24 "espota: connected to"
wait_until 10 log_has 24 "update dropped" ||
  fail "device 24 did not drop the cut transfer: $(tail -n 3 "$LAB_DIR/dev/24/log")"
assert_eq "$DEV_VERSION full" "$(dev_running 23)" "device 23 was done before the kill"
assert_eq core "$(dev_running 24 | cut -d' ' -f2)" "device 24 is stranded on its core image"
boots_23=$(lab-device boots 23)
"${BATCH[@]}" --devices kill.txt -j 1 --journal kill.jsonl >/dev/null 2>kill2.txt &
pid=$!
BG_PIDS+=("$pid")
# device 24 goes first (stranded), 23 is skipped, then device 25's web upload is cut
kill_when "$pid" log_has 25 "web: POST /upgrade: the file part begins"
# at once (a device that stayed busy would answer the next upload "Upgrade in progress")
wait_until 10 log_has 25 "update dropped" ||
  fail "device 25 did not drop the cut upload: $(tail -n 3 "$LAB_DIR/dev/25/log")"
upgraded 24
untouched 25
boots_24=$(lab-device boots 24)
second=$(jq -rs '[.[] | select(.event == "run-started") | .run][1]' kill.jsonl)
assert_eq "$(host 24) one-step" \
  "$(jq -rs --arg r "$second" '[.[] | select(.run == $r and .event == "plan")][0] | "\(.device) \(.route)"' kill.jsonl)" \
  "the second run took device 24 first, stranded on its core: its second step only"
capture batch --devices kill.txt -j 1 --journal kill.jsonl --json
assert_eq 0 "$status" "resumed run exit status ($err)"
for n in 23 24; do assert_eq finished-earlier "$(of "$n" .state)" "device $n is skipped"; done
for n in 25 26; do assert_eq 'done' "$(of "$n" .state)" "device $n done"; done
upgraded 23 24 25 26
assert_eq "$boots_23 $boots_24" "$(lab-device boots 23) $(lab-device boots 24)" \
  "the finished devices were not flashed again"
note "pass"
