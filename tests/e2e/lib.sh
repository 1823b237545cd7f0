# tests/e2e/lib.sh — small shared helpers for end-to-end test scripts (source it; bash only).
#
# A script that needs virtual devices runs itself inside a lab (tests/lab/run):
#     source "$(dirname "$0")/lib.sh"
#     lab_reexec --device "image=$(image espurna-1.14.1-itead-sonoff-basic.bin)" -- "$@"
#     # from here on we are inside the lab: LAB_DIR, LAB_DEVICES, lab-device ...
#
# Environment (set by ctest, see tests/CMakeLists.txt): EO_BIN, EO_BUILD, EO_SOURCE, EO_MKIMAGE;
# EO_VALGRIND=1 runs the tool under valgrind's memcheck (exit 99 on an error or a definite leak).
# Exit codes: 0 pass, 1 fail (with "FAIL: ..." on stderr), 77 skip.
#
#   fail MESSAGE                    print "FAIL: MESSAGE" and exit 1
#   skip MESSAGE                    print "SKIP: MESSAGE" and exit 77
#   note MESSAGE                    progress line on stderr
#   assert_eq EXPECTED ACTUAL WHAT  exact equality
#   assert_contains TEXT PART WHAT  / assert_not_contains TEXT PART WHAT
#   assert_status EXPECTED WHAT -- COMMAND...   run COMMAND, check its exit status
#   image NAME                      path of a test image in $EO_BUILD/firmware/images/
#   require_lab                     exit 77 unless labs can be created (root, unshare)
#   lab_reexec [LAB OPTIONS] -- [ARGS]   re-run this script inside a new lab (once)
#   dev_address N                   address of lab device N
#   dev_password_file N             file holding device N's admin password
#   dev_running N                   "<version> <kind>" of the image device N booted last
#   espota N IMAGE [CLIENT OPTIONS] tests/tools/espota_client.py to device N (prints result)
#   telnet N [OPTIONS] COMMAND...   tests/tools/telnet_client.py to device N
#   info_version N                  version from the terminal's `info` (dev "ESPURNA <v> built ...",
#                                   1.14 "[NNNNNN] [MAIN] ESPURNA <v>"; a silent 1.14 core says nothing)
#   discover N                      body of GET /discover (curl)
#   json_field JSON KEY             a top-level string field of a JSON object
#   mdns_record HOSTNAME            the resolved _arduino._tcp line (avahi-browse -rtp), or ""
#   txt_value RECORD KEY            one TXT value from such a line
#   wait_until SECONDS COMMAND...   retry COMMAND every 0.1 s until it succeeds (1 if never)
#   free_space_bytes FLASH RUNNING  Updater arithmetic: (FLASH - 5*4096) - roundup4K(RUNNING)
#   acked_bytes PORT                most bytes a peer acknowledged on a TCP connection from local
#                                   port PORT (ss -ti: the kernel's count), 0 when there is none
#   acked_over PORT BYTES           whether acked_bytes PORT is more than BYTES (for wait_until)
#   "${INTERRUPTIBLE[@]}" COMMAND & runs COMMAND with SIGINT's default handling, as a job started
#                                   from a terminal (a script's background jobs inherit SIGINT
#                                   ignored, and the tool keeps an inherited ignore); env execs
#                                   COMMAND, so $! is its pid
#   BG_PIDS+=(PID); trap stop_background EXIT   background helpers ended (by pid) on exit
#   capture COMMAND...              run COMMAND: its stdout, stderr and exit status in $out,
#                                   $err and $status
#   DEV_VERSION                     version string of the 1.15.0-dev test images

# shellcheck shell=bash disable=SC2034 # its variables are for the scripts that source it
set -uo pipefail

EO_SOURCE=${EO_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
EO_BUILD=${EO_BUILD:-$EO_SOURCE/build}
source "$EO_SOURCE/tests/e2e/valgrind.sh" # EO_VALGRIND=1: the tool under valgrind
E2E_TOOLS=$EO_SOURCE/tests/tools
DEV_VERSION=1.15.0-dev.gita1b2c3d4+github261101

# The machine's own settings never reach a test: no system config file, and no ESPURNA_OTA_*
# variable from the caller (a test sets what it needs after sourcing this file).
while read -r variable; do
  unset "$variable"
done < <(compgen -e | grep '^ESPURNA_OTA_')
export ESPURNA_OTA_SYSTEM_CONFIG=/nonexistent/espurna-ota/config

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
note() { echo "-- $*" >&2; }

assert_eq() {
  [[ $1 == "$2" ]] || fail "$3: expected '$1', got '$2'"
}

assert_contains() {
  [[ $1 == *"$2"* ]] || fail "$3: expected to contain '$2', got '$1'"
}

assert_not_contains() {
  [[ $1 != *"$2"* ]] || fail "$3: expected not to contain '$2', got '$1'"
}

assert_status() {
  local expected=$1 what=$2 status=0
  shift 3
  "$@" || status=$?
  [[ $status == "$expected" ]] || fail "$what: exit status $status, expected $expected"
}

image() {
  local path=$EO_BUILD/firmware/images/$1
  [[ -f $path ]] || fail "test image $1 not found in $EO_BUILD/firmware/images (build first)"
  echo "$path"
}

require_lab() {
  [[ $(id -u) == 0 ]] || skip "the lab needs root (network namespaces)"
  unshare --net --mount --propagation private true 2>/dev/null ||
    skip "cannot create network namespaces here"
}

# lab_reexec [LAB OPTIONS] -- [ARGS]: outside a lab, replace this script by the same script
# run inside a new lab; inside (E2E_IN_LAB set), return and go on.
lab_reexec() {
  [[ -n ${E2E_IN_LAB:-} ]] && return 0
  require_lab
  local -a options=()
  while [[ $# -gt 0 && $1 != -- ]]; do options+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  E2E_IN_LAB=1 exec bash "$EO_SOURCE/tests/lab/run" "${options[@]}" -- bash "$0" "$@"
}

dev_address() { lab-device address "$1"; }
dev_password_file() { echo "$LAB_DIR/dev/$1/password"; }
dev_running() {
  lab-device log "$1" | sed -n 's/^booted \([^ ]*\) (\([a-z]*\)).*/\1 \2/p' | tail -n 1
}

espota() {
  local n=$1 file=$2
  shift 2
  python3 "$E2E_TOOLS/espota_client.py" --address "$(dev_address "$n")" --image "$file" \
    --password-file "$(dev_password_file "$n")" --quiet --udp-timeout 3 --connect-timeout 5 \
    --ack-timeout 10 --result-timeout 20 "$@"
}

telnet() {
  local n=$1
  shift
  python3 "$E2E_TOOLS/telnet_client.py" --address "$(dev_address "$n")" \
    --password-file "$(dev_password_file "$n")" "$@"
}

info_version() {
  telnet "$1" --connect-wait 5 info |
    sed -n -e 's/^ESPURNA \([^ ]*\) built.*/\1/p' -e 's/^\[[0-9]*\] \[MAIN\] ESPURNA \([^ ]*\)$/\1/p' |
    head -n 1
}

discover() {
  curl -sS --max-time 5 "http://$(dev_address "$1")/discover"
}

json_field() {
  python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$1" "$2"
}

mdns_record() {
  timeout 10 avahi-browse -rtp _arduino._tcp 2>/dev/null | grep "^=;lo;IPv4;$1;_arduino._tcp;" | head -n 1
}

txt_value() {
  local record=$1 key=$2
  grep -o "\"$key=[^\"]*\"" <<<"$record" | head -n 1 | sed "s/^\"$key=//; s/\"\$//"
}

wait_until() {
  local deadline=$((EPOCHSECONDS + $1))
  shift
  until "$@"; do
    ((EPOCHSECONDS < deadline)) || return 1
    sleep 0.1
  done
}

free_space_bytes() {
  local flash=$1 running=$2
  echo $(((flash - 5 * 4096) - (running + 4095) / 4096 * 4096))
}

acked_bytes() {
  local most
  most=$(ss -tinH "( sport = :$1 )" 2>/dev/null | grep -o 'bytes_acked:[0-9]*' | cut -d: -f2 |
    sort -n | tail -n 1)
  echo "${most:-0}"
}

acked_over() {
  (($(acked_bytes "$1") > $2))
}
INTERRUPTIBLE=(env --default-signal=INT)

BG_PIDS=()
stop_background() {
  local pid
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
}

capture() {
  status=0
  out=$("$@" 2>"$LAB_DIR/capture.err") || status=$?
  err=$(<"$LAB_DIR/capture.err")
}
