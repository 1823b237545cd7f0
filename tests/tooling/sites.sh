#!/usr/bin/env bash
# tests/tooling/sites.sh — the Ansible playbook of contrib/ansible over three "sites", each a lab
# (its own network namespace, avahi-daemon and virtual devices of mixed kinds, some needing two
# steps) with its own release folder written by espurna-mkimage (a release per site), driven by
# one ansible-playbook run (ansible_connection: local; each inventory host runs espurna-ota inside
# its site's namespace through espurna_ota_wrapper = nsenter):
#  - site-a: a password file on the host; two steps, one gzip step, one step;
#  - site-b: a secrets file (password=NAME), and one device whose password is wrong: failed;
#  - site-c: the password from the environment (a lookup, never in the inventory in clear); two
#    steps, and a device already on the release: up to date;
# then the controller's merged result: every device of every site in the table, report.json and
# report.xml (junitparser: a suite per site) with the right outcome, the same host names at the
# three sites kept apart, the events recorded, the play failed by the gate (report: some
# failed, exit 14) after writing everything. Run again, the playbook resumes from the journals:
# finished sites change nothing, no finished device is flashed again. Ansible writes only under
# a temporary HOME and folder. Prints how long each ansible-playbook run took.
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh"

PLAYBOOK=$EO_SOURCE/contrib/ansible/upgrade-sites.yml
SITES=(site-a site-b site-c)
declare -A RELEASE=([site-a]=1.15.0 [site-b]=1.15.1 [site-c]=1.15.2)

# ---- inside a site's lab: tell the outside how to get in, then wait for the end -------------
if [[ ${1:-} == inner ]]; then
  site=$2 work=$3
  printf 'LAB_DIR=%s\nLAB_PID=%s\nLAB_BUS=%s\n' "$LAB_DIR" "$$" "$DBUS_SYSTEM_BUS_ADDRESS" \
    >"$work/$site/lab.env.tmp"
  mv "$work/$site/lab.env.tmp" "$work/$site/lab.env"
  wait_until 240 test -e "$work/stop" || fail "$site: never told to stop"
  exit 0
fi

command -v ansible-playbook >/dev/null || fail "ansible-playbook is missing: run scripts/deps (ansible-core)"
command -v nsenter >/dev/null || fail "nsenter is missing: run scripts/deps (util-linux)"
require_lab
: "${EO_BIN:?}" "${EO_MKIMAGE:?}"

work=$(mktemp -d "${TMPDIR:-/tmp}/eo-sites.XXXXXX")
LAB_DIR=$work # where capture keeps its stderr (the labs have their own)
LAB_PIDS=()
finish() {
  local pid
  touch "$work/stop"
  for pid in "${LAB_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap finish EXIT
real_ansible_home=no
[[ -e $HOME/.ansible ]] && real_ansible_home=yes

# ---- each site's release folder, written by the image tool --------------------------------
# release DIR VERSION: a 1 MB board's full build and core, a 4 MB board's full build
release() {
  local dir=$1 v=$2
  mkdir -p "$dir"
  if ! "$EO_MKIMAGE" --output "$dir/espurna-$v-itead-sonoff-basic.bin" --size 655360 --kind full \
    --version "$v" --environment itead-sonoff-basic --board ITEAD_SONOFF_BASIC --flash-size 1M ||
    ! "$EO_MKIMAGE" --output "$dir/espurna-$v-espurna-minimal-arduino-ota-1m.bin" --size 358400 \
      --kind core --version "$v" --environment espurna-minimal-arduino-ota-1m \
      --board ESPURNA_MINIMAL_ARDUINO_OTA --flash-size 1M ||
    ! "$EO_MKIMAGE" --output "$dir/espurna-$v-nodemcu-lolin.bin" --size 716800 --kind full \
      --version "$v" --environment nodemcu-lolin --board NODEMCU_LOLIN --flash-size 4M; then
    fail "espurna-mkimage could not write the release $v"
  fi
}
for site in "${SITES[@]}"; do release "$work/$site/firmware" "${RELEASE[$site]}"; done

# ---- three labs, one per site --------------------------------------------------------------
B140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
B141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
BOD=$(image espurna-1.15.0-dev.git9f8e7d6c+github260915-itead-sonoff-basic.bin)
L140=$(image espurna-1.14.0-nodemcu-lolin.bin)
L141=$(image espurna-1.14.1-nodemcu-lolin.bin)
declare -A DEVICES=(
  [site-a]="image=$B141|image=$BOD|image=$L140 flash=4M"
  [site-b]="image=$B141|image=$L141 flash=4M|image=$B141 password=another"
  [site-c]="image=$B140|image=$work/site-c/firmware/espurna-1.15.2-itead-sonoff-basic.bin"
)
# what each device becomes: "outcome route" per device, in order
declare -A EXPECTED=(
  [site-a]="done two-step|done gzip-one-step|done one-step"
  [site-b]="done two-step|done one-step|failed two-step"
  [site-c]="done two-step|up-to-date up-to-date"
)
for site in "${SITES[@]}"; do
  args=()
  IFS='|' read -ra specs <<<"${DEVICES[$site]}"
  for spec in "${specs[@]}"; do args+=(--device "$spec"); done
  bash "$EO_SOURCE/tests/lab/run" "${args[@]}" -- env E2E_IN_LAB=1 bash "$0" inner "$site" "$work" \
    >"$work/$site/lab.log" 2>&1 &
  LAB_PIDS+=($!)
done
for site in "${SITES[@]}"; do
  wait_until 60 test -e "$work/$site/lab.env" || fail "$site: the lab did not start: $(tail -n 5 "$work/$site/lab.log")"
done
# lab SITE VAR: a variable of that site's lab
lab() { sed -n "s/^$2=//p" "$work/$1/lab.env"; }
host() { LAB_DIR=$(lab "$1" LAB_DIR) bash "$EO_SOURCE/tests/lab/lab-device" hostname "$2"; }
boots() { LAB_DIR=$(lab "$1" LAB_DIR) bash "$EO_SOURCE/tests/lab/lab-device" boots "$2"; }
running() {
  LAB_DIR=$(lab "$1" LAB_DIR) bash "$EO_SOURCE/tests/lab/lab-device" log "$2" |
    sed -n 's/^booted \([^ ]*\) (\([a-z]*\)).*/\1 \2/p' | tail -n 1
}
count() { local -a list; IFS='|' read -ra list <<<"${DEVICES[$1]}"; echo "${#list[@]}"; }

# ---- each site's files, as its host would hold them ------------------------------------------
password=$(<"$(lab site-a LAB_DIR)/dev/1/password") # every lab device without password= has it
for site in "${SITES[@]}"; do
  dir=$work/$site
  : >"$dir/devices.txt"
  for ((n = 1; n <= $(count "$site"); n++)); do
    if [[ $site == site-b ]]; then
      echo "$(host "$site" "$n") password=gateway" >>"$dir/devices.txt"
    else
      host "$site" "$n" >>"$dir/devices.txt"
    fi
  done
done
(umask 077 && printf '%s' "$password" >"$work/site-a/password" &&
  printf 'gateway=%s\n' "$password" >"$work/site-b/secrets")

# ---- the inventory: local hosts, each entering its site's namespace ------------------------
inventory=$work/inventory.yml
{
  echo "espurna_sites:"
  echo "  hosts:"
  for site in "${SITES[@]}"; do
    echo "    $site:"
    echo "      ansible_connection: local"
    echo "      espurna_ota_devices: $work/$site/devices.txt"
    echo "      espurna_ota_firmware_dir: $work/$site/firmware"
    echo "      espurna_ota_journal: $work/$site/state/journal.jsonl"
    echo "      espurna_ota_bin: $EO_BIN"
    echo "      espurna_ota_wrapper: [nsenter, --target, '$(lab "$site" LAB_PID)', --net, --mount, --,"
    echo "                            env, 'DBUS_SYSTEM_BUS_ADDRESS=$(lab "$site" LAB_BUS)']"
    case $site in
      site-a) echo "      espurna_ota_password_file: $work/site-a/password" ;;
      site-b) echo "      espurna_ota_secrets_file: $work/site-b/secrets" ;;
      site-c) echo "      espurna_ota_environment: {ESPURNA_OTA_PASSWORD: \"{{ lookup('env', 'SITE_C_PASSWORD') }}\"}" ;;
    esac
  done
  echo "all:"
  echo "  vars:"
  echo "    ansible_python_interpreter: /usr/bin/python3"
  echo "    espurna_ota_report_dir: $work/report"
  echo "    espurna_ota_report_bin: $EO_BIN"
} >"$inventory"
grep -q "$password" "$inventory" && fail "the inventory holds a password in clear"

# Ansible writes only under $work: its own HOME, temporary folders and configuration.
mkdir -p "$work/home" "$work/ansible"
cat >"$work/ansible.cfg" <<CFG
[defaults]
local_tmp = $work/ansible/local
remote_tmp = $work/ansible/remote
host_key_checking = False
retry_files_enabled = False
forks = 10
nocolor = True
[connection]
pipelining = True
[ssh_connection]
control_path_dir = $work/ansible/cp
CFG
playbook() {
  local started=$EPOCHREALTIME
  HOME=$work/home ANSIBLE_CONFIG=$work/ansible.cfg ANSIBLE_NOCOWS=1 SITE_C_PASSWORD=$password \
    XDG_STATE_HOME=$work/no-state XDG_CONFIG_HOME=$work/no-config \
    ansible-playbook -i "$inventory" "$PLAYBOOK" >"$work/$1.out" 2>&1
  status=$?
  note "ansible-playbook ($1): $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $started }") s, exit $status"
}
# task_result TASK-NAME SITE [RUN]: "ok" or "changed" (or "failed", "skipping") for that task
task_result() {
  awk -v task="TASK [espurna_ota : $1]" -v host="[$2]" '
    index($0, "TASK [") == 1 { on = index($0, task) == 1 }
    on && index($0, host) { sub(/:.*/, ""); print; exit }' "$work/${3:-first}.out"
}

note "one ansible-playbook run for three sites"
playbook first
assert_eq 2 "$status" "the play fails at the gate (a device failed) — $(tail -n 20 "$work/first.out")"
out=$(<"$work/first.out")
assert_contains "$out" "espurna-ota report: exit 14 (some_failed)" "the gate's message"
for site in "${SITES[@]}"; do
  assert_eq changed "$(task_result "Upgrade the site's devices (resumes from the journal)" "$site")" \
    "$site: the batch changed something"
done
assert_not_contains "$out" "$password" "no password in Ansible's output"

note "the devices, as each lab sees them"
for site in "${SITES[@]}"; do
  IFS='|' read -ra expected <<<"${EXPECTED[$site]}"
  for n in "${!expected[@]}"; do
    case ${expected[$n]} in
      done*|up-to-date*) assert_eq "${RELEASE[$site]} full" "$(running "$site" $((n + 1)))" "$site device $((n + 1)) runs its site's release" ;;
      failed*) assert_eq 1 "$(boots "$site" $((n + 1)))" "$site device $((n + 1)) untouched" ;;
    esac
  done
done

note "the merged result on the controller: table, report.json, report.xml, events"
report=$work/report
table=$(sed -n '/"msg": \[/,/\]/p' "$work/first.out")
for site in "${SITES[@]}"; do
  IFS='|' read -ra expected <<<"${EXPECTED[$site]}"
  for n in "${!expected[@]}"; do
    read -r outcome route <<<"${expected[$n]}"
    row=$(grep -E "\"$site +$(host "$site" $((n + 1))) " <<<"$table" | awk '{print $5, $8}' | tr -d '",:')
    assert_eq "$route $outcome" "$row" "$site device $((n + 1)) in the table"
  done
done
json=$(<"$report/report.json")
assert_eq "some_failed 14 6 1 1" \
  "$(jq -r '"\(.status) \(.exit_code) \(.summary.done) \(.summary."up-to-date") \(.summary.failed)"' <<<"$json")" \
  "report.json: status and summary"
for site in "${SITES[@]}"; do
  IFS='|' read -ra expected <<<"${EXPECTED[$site]}"
  for n in "${!expected[@]}"; do
    assert_eq "${expected[$n]}" "$(jq -r --arg s "$site" --arg d "$(host "$site" $((n + 1)))" \
      '.devices[] | select(.site == $s and .device == $d) | "\(.state) \(.route)"' <<<"$json")" \
      "report.json: $site device $((n + 1))"
  done
  assert_eq "${#expected[@]}" "$(jq --arg s "$site" '[.devices[] | select(.site == $s)] | length' <<<"$json")" \
    "report.json: $site has no other device"
  assert_eq "${RELEASE[$site]}" "$(jq -r --arg s "$site" '[.devices[] | select(.site == $s and .state == "done") | .to] | unique | join(" ")' <<<"$json")" \
    "report.json: $site's devices took its release"
  jq -e 'select(.kind == "state")' "$report/events/$site.jsonl" >/dev/null ||
    fail "$site: no events recorded"
done
assert_eq auth "$(jq -r '.devices[] | select(.site == "site-b" and .state == "failed") | .status' <<<"$json")" \
  "site-b: the wrong password"
assert_eq "3" "$(jq -r --arg d "$(host site-a 1)" '[.devices[] | select(.device == $d)] | length' <<<"$json")" \
  "one host name at three sites: three devices"
/usr/bin/python3 - "$report/report.xml" <<'PY' || fail "junitparser: report.xml is not what it should be"
import sys
from junitparser import JUnitXml, Failure, Skipped
suites = {suite.name: suite for suite in JUnitXml.fromfile(sys.argv[1])}
assert sorted(suites) == ["site-a", "site-b", "site-c"], sorted(suites)
counts = {name: (s.tests, s.failures, s.skipped) for name, s in suites.items()}
assert counts == {"site-a": (3, 0, 0), "site-b": (3, 1, 0), "site-c": (2, 0, 1)}, counts
failed = [c for c in suites["site-b"] if any(isinstance(r, Failure) for r in c.result)]
assert len(failed) == 1 and failed[0].classname == "espurna-ota.upgrade.site-b", failed
PY
capture "$EO_BIN" report "$report"/journals/*.jsonl
assert_eq 14 "$status" "report over the fetched journals: some failed"
assert_eq 9 "$(wc -l <<<"$out")" "report: a header and eight devices"

note "run again: resumed from the journals, nothing finished is touched"
declare -A before=()
for site in "${SITES[@]}"; do
  for ((n = 1; n <= $(count "$site"); n++)); do before[$site.$n]=$(boots "$site" "$n"); done
done
playbook second
assert_eq 2 "$status" "the second run fails at the gate again (the password is still wrong)"
for site in site-a site-c; do
  assert_eq ok "$(task_result "Upgrade the site's devices (resumes from the journal)" "$site" second)" \
    "$site: nothing left to do"
done
assert_eq changed "$(task_result "Upgrade the site's devices (resumes from the journal)" site-b second)" \
  "site-b: its failed device was tried again"
for site in "${SITES[@]}"; do
  for ((n = 1; n <= $(count "$site"); n++)); do
    assert_eq "${before[$site.$n]}" "$(boots "$site" "$n")" "$site device $n not flashed again"
  done
done
json=$(<"$report/report.json")
assert_eq "2 2 2 6 1" "$(jq -r '"\(.sites[0].runs) \(.sites[1].runs) \(.sites[2].runs) \(.summary.done) \(.summary.failed)"' <<<"$json")" \
  "report.json after the second run: two runs per site, the same outcomes"
[[ $real_ansible_home == yes || ! -e $HOME/.ansible ]] || fail "ansible wrote $HOME/.ansible"
note "pass"
