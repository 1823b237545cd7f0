#!/usr/bin/env bash
# tests/e2e/report.sh — `espurna-ota report` over journals that real `batch --journal` runs wrote
# against virtual devices, one journal per "site" (device lists of one lab):
#  - site-a upgrades a 1.14.1 device in two steps and an older dev build in one gzip step;
#    site-b a 4 MB 1.14.0 device in one step and one whose password is wrong (exit 14); site-c
#    is the first device again, named the same: up to date there, done at site-a — two devices;
#  - the merged table, --json and --junit (python3-junitparser: a suite per site, a case per
#    device) show every device with its site and outcome; exit 14, as batch's;
#  - site-b resumed with the right password: the failed device is done in the second run, the
#    other keeps its first run's outcome (batch skipped it); exit 0;
#  - a journal whose last run has no end (killed) is exit 15 with a warning; a malformed line is
#    FILE:LINE, exit 12, nothing on stdout and no JUnit file; a missing journal exit 3; two
#    journals one site a usage error (2) until named SITE=JOURNAL.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

IMAGES=$EO_BUILD/firmware/images
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
OLDER_DEV=$(image "espurna-1.15.0-dev.git9f8e7d6c+github260915-itead-sonoff-basic.bin")
LOLIN_1140=$(image espurna-1.14.0-nodemcu-lolin.bin)

lab_reexec --device "image=$FULL_1141" --device "image=$OLDER_DEV" \
  --device "image=$LOLIN_1140 flash=4M" --device "image=$FULL_1141 password=another" -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home XDG_DATA_HOME=$LAB_DIR/no-data
cd "$LAB_DIR" || fail "no lab directory"
cp "$(dev_password_file 1)" pw
host() { lab-device hostname "$1"; }
batch() { "$EO_BIN" batch --firmware-dir "$IMAGES" --password-file pw "$@" 2>>batch.log; }
# of SITE DEVICE FILTER: jq FILTER over that device of the report's --json ($out)
of() { jq -r --arg s "$1" --arg d "$2" ".devices[] | select(.site == \$s and .device == \$d) | $3" <<<"$out"; }

note "three sites' batch runs, each with its own journal"
hosts() { local n; for n in "$@"; do host "$n"; done; }
hosts 1 2 >site-a.txt
printf '%s\n%s password=four\n' "$(host 3)" "$(host 4)" >site-b.txt
hosts 1 >site-c.txt
printf 'four=%s\n' "$(<pw)" >secrets-wrong.txt
printf 'four=another\n' >secrets-right.txt
chmod 600 secrets-*.txt
assert_status 0 "site-a batch" -- batch --devices site-a.txt --journal site-a.jsonl --quiet
assert_status 14 "site-b batch (a wrong password)" -- \
  batch --devices site-b.txt --secrets secrets-wrong.txt --journal j/site-b/journal.jsonl --quiet
assert_status 16 "site-c batch (up to date)" -- batch --devices site-c.txt --journal site-c.jsonl --quiet

note "the merged result: table, JSON, JUnit; exit 14"
capture "$EO_BIN" report site-a.jsonl j/site-b/journal.jsonl site-c.jsonl --junit merged.xml
assert_eq 14 "$status" "report exit status ($err)"
assert_eq "SITE DEVICE FROM TO ROUTE WAVE TIME OUTCOME" "$(head -n 1 <<<"$out" | xargs)" "table header"
row() { grep "^$1 *$2 " <<<"$out" | awk '{print $3, $4, $5, $8}'; }
assert_eq "1.14.1 $DEV_VERSION two-step done" "$(row site-a "$(host 1)")" "site-a device 1"
assert_eq "1.15.0-dev.git9f8e7d6c+github260915 $DEV_VERSION gzip-one-step done" \
  "$(row site-a "$(host 2)")" "site-a device 2"
assert_eq "1.14.0 $DEV_VERSION one-step done" "$(row site-b "$(host 3)")" "site-b device 3"
assert_eq "1.14.1 - two-step failed:" "$(row site-b "$(host 4)")" "site-b device 4 (the folder's name)"
assert_contains "$(grep "^site-b *$(host 4) " <<<"$out")" "password" "site-b device 4: why"
assert_eq "$DEV_VERSION $DEV_VERSION up-to-date up-to-date" "$(row site-c "$(host 1)")" \
  "site-c: the same device name, another site"
assert_eq 6 "$(wc -l <<<"$out")" "a header and five devices"
assert_contains "$err" "site-b: 2 devices from 1 run in j/site-b/journal.jsonl" "a note per site"

capture "$EO_BIN" report --json site-a.jsonl j/site-b/journal.jsonl site-c.jsonl
assert_eq 14 "$status" "report --json exit status ($err)"
assert_eq "some_failed 14 1 3 1 0" \
  "$(jq -r '"\(.status) \(.exit_code) \(.schema_version) \(.summary.done) \(.summary."up-to-date") \(.summary."not-run")"' <<<"$out")" \
  "report --json status and summary"
assert_eq "site-a site-a.jsonl finished ok|site-b j/site-b/journal.jsonl finished some_failed|site-c site-c.jsonl finished nothing_to_do" \
  "$(jq -r '[.sites[] | "\(.site) \(.journal) \(.last_run.end) \(.last_run.status)"] | join("|")' <<<"$out")" \
  "report --json sites"
assert_eq "failed auth failed" "$(of site-b "$(host 4)" '"\(.state) \(.status) \(.standing)"')" \
  "device 4: failed, a wrong password"
assert_eq "done ok finished $DEV_VERSION" "$(of site-a "$(host 1)" '"\(.state) \(.status) \(.standing) \(.to)"')" \
  "device 1 at site-a"
assert_eq "up-to-date" "$(of site-c "$(host 1)" .state)" "device 1 at site-c"
assert_contains "$(of site-a "$(host 1)" .image)" "espurna-$DEV_VERSION-itead-sonoff-basic.bin" "image"

/usr/bin/python3 - merged.xml "$(host 1) $(host 2)" "$(host 3)" "$(host 4)" "$(host 1)" <<'PY' ||
import sys
from junitparser import JUnitXml, Failure, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
suites = {suite.name: suite for suite in xml}
assert sorted(suites) == ["site-a", "site-b", "site-c"], sorted(suites)
def outcome(case):
    if any(isinstance(r, Failure) for r in case.result):
        return "failed"
    return "skipped" if any(isinstance(r, Skipped) for r in case.result) else "passed"
got = {name: [(case.name, outcome(case)) for case in suite] for name, suite in suites.items()}
a, b_done, b_failed, c = sys.argv[2].split(), sys.argv[3], sys.argv[4], sys.argv[5]
assert got["site-a"] == [(n, "passed") for n in a], got
assert got["site-b"] == [(b_done, "passed"), (b_failed, "failed")], got
assert got["site-c"] == [(c, "skipped")], got
assert suites["site-b"].failures == 1 and suites["site-b"].tests == 2
failure = [r for r in list(suites["site-b"])[1].result if isinstance(r, Failure)][0]
assert "password" in failure.message and failure.type == "auth", failure.message
assert {case.classname for case in suites["site-c"]} == {"espurna-ota.upgrade.site-c"}
PY
  fail "junitparser: the merged report is not what it should be"

note "site-b resumed with the right password: the latest outcome wins (exit 0)"
first=$(jq -rs '[.[] | select(.event == "run-started") | .run][0]' j/site-b/journal.jsonl)
assert_status 0 "site-b batch again" -- \
  batch --devices site-b.txt --secrets secrets-right.txt --journal j/site-b/journal.jsonl --quiet
second=$(jq -rs '[.[] | select(.event == "run-started") | .run][1]' j/site-b/journal.jsonl)
capture "$EO_BIN" report --json site-a.jsonl j/site-b/journal.jsonl site-c.jsonl
assert_eq 0 "$status" "report after the resumed run ($err)"
assert_eq "done $second 1.14.1" "$(of site-b "$(host 4)" '"\(.state) \(.run) \(.from)"')" \
  "device 4: done in the second run"
assert_eq "done $first" "$(of site-b "$(host 3)" '"\(.state) \(.run)"')" \
  "device 3: its first run's outcome (the second skipped it)"
assert_eq "2 4" "$(jq -r '"\(.sites[1].runs) \(.summary.done)"' <<<"$out")" "two runs at site-b, four done"

note "a last run without its end: exit 15 and a warning"
head -n -1 site-a.jsonl >killed.jsonl
capture "$EO_BIN" report killed.jsonl site-c.jsonl
assert_eq 15 "$status" "report over a killed run"
assert_contains "$err" "warning: killed: the last run in killed.jsonl has no end (still running, or killed)" \
  "the warning"

note "bad input: a malformed line (12), a missing journal (3), one site twice (2)"
{ head -n 2 site-a.jsonl; echo '{"run":"x","seq":3,"time":"t","device":"d","event":"plan","steps":"two"}'
  tail -n +3 site-a.jsonl; } >broken.jsonl
capture "$EO_BIN" report site-c.jsonl broken.jsonl --junit broken.xml
assert_eq 12 "$status" "malformed line exit status"
assert_eq "espurna-ota: broken.jsonl:3: not a journal line (\"steps\" is not a non-negative integer)" \
  "$err" "malformed line message"
assert_eq "" "$out" "nothing printed as a result"
[[ ! -e broken.xml ]] || fail "a JUnit file was written for bad input"
capture "$EO_BIN" report site-a.jsonl nowhere.jsonl
assert_eq "3 espurna-ota: journal nowhere.jsonl: No such file or directory" "$status $err" "missing journal"
mkdir -p other && cp site-c.jsonl other/site-a.jsonl
capture "$EO_BIN" report site-a.jsonl other/site-a.jsonl
assert_eq 2 "$status" "one site twice"
assert_contains "$err" "site site-a: two journals (site-a.jsonl and other/site-a.jsonl): name each SITE=JOURNAL" \
  "one site twice: message"
capture "$EO_BIN" report --quiet site-a.jsonl copy=other/site-a.jsonl
assert_eq "0 " "$status $err" "named SITE=JOURNAL: two sites; --quiet: no notes"
note "pass"
