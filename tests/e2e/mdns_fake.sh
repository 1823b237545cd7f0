# tests/e2e/mdns_fake.sh — hand-made mDNS announcements for discover tests (source it inside a
# lab, after lib.sh): publishes host names and services with avahi-publish, exactly the TXT
# strings given, so tests can announce what no virtual device would (broken records, other
# instance names). Every avahi-publish started here is stopped by pid when the script exits.
#
#   fake_host HOSTNAME ADDRESS              HOSTNAME.local -> ADDRESS (address added to lo)
#   fake_service INSTANCE HOSTNAME TYPE PORT [TXT...]
#   fake_wait_count TYPE N                  wait until avahi-browse resolves N services of TYPE

# shellcheck shell=bash
FAKE_PIDS=()

fake_stop_all() {
  local pid
  for pid in "${FAKE_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${FAKE_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  FAKE_PIDS=()
}
trap fake_stop_all EXIT

fake_host() {
  ip addr add "$2/8" dev lo 2>/dev/null
  avahi-publish -a -R "$1.local" "$2" >/dev/null 2>&1 &
  FAKE_PIDS+=($!)
}

fake_service() {
  local instance=$1 host=$2 type=$3 port=$4
  shift 4
  avahi-publish -s -H "$host.local" "$instance" "$type" "$port" "$@" >/dev/null 2>&1 &
  FAKE_PIDS+=($!)
}

fake_count() {
  local count
  count=$(timeout 10 avahi-browse -rtp "$1" 2>/dev/null | grep -c '^=')
  [[ $count -ge $2 ]]
}

fake_wait_count() {
  wait_until 20 fake_count "$1" "$2" || fail "avahi never resolved $2 $1 services"
}
