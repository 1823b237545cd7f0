#!/usr/bin/env bash
# tests/scripts/deps.sh — scripts/deps on every path through it, with stand-in dpkg-query,
# apt-get and systemctl first on PATH (nothing is installed) and a private /usr/sbin (a tmpfs in
# a private mount namespace), so the real policy-rc.d path is exercised without touching the
# machine's: nothing missing; missing without and with an existing policy-rc.d; apt failing.
# Each case checks the exit status, what apt was asked, and that no policy file is left behind.
source "$(dirname "$0")/../e2e/lib.sh"

[[ $(id -u) == 0 ]] || skip "needs root (a private mount namespace over /usr/sbin)"
unshare --mount --propagation private true 2>/dev/null || skip "cannot create mount namespaces here"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stubs=$work/bin
mkdir -p "$stubs"

# dpkg-query: every package is installed except those named in $DEPS_TEST_MISSING.
cat >"$stubs/dpkg-query" <<'EOF'
#!/bin/sh
for package; do :; done
case " $DEPS_TEST_MISSING " in
  *" $package "*) echo "dpkg-query: no packages found matching $package" >&2; exit 1 ;;
esac
printf 'install ok installed'
EOF
# apt-get: records its arguments and whether a policy-rc.d that refuses to start services was in
# place while it ran; fails when $DEPS_TEST_APT_FAILS names its subcommand.
cat >"$stubs/apt-get" <<'EOF'
#!/bin/sh
policy=absent
[ -x /usr/sbin/policy-rc.d ] && { /usr/sbin/policy-rc.d; policy="exit $?"; }
echo "apt-get $* (policy-rc.d: $policy)" >>"$DEPS_TEST_LOG"
for word; do
  [ "$word" = "$DEPS_TEST_APT_FAILS" ] && { echo "E: stand-in failure" >&2; exit 100; }
done
exit 0
EOF
cat >"$stubs/systemctl" <<'EOF'
#!/bin/sh
echo "systemctl $*" >>"$DEPS_TEST_LOG"
EOF
chmod +x "$stubs"/*

# run_deps CASE [existing]: runs scripts/deps in a private mount namespace whose /usr/sbin is an
# empty tmpfs (holding a policy-rc.d of our own when "existing"); afterwards lists /usr/sbin
# into $work/CASE.after. Sets $status and $err.
run_deps() {
  local name=$1 existing=${2:-}
  : >"$work/$name.log"
  status=0
  # shellcheck disable=SC2016 # the script's $1..$3 and $? are the inner shell's
  err=$(DEPS_TEST_LOG=$work/$name.log PATH="$stubs:$PATH" unshare --mount --propagation private \
    bash -c '
      mount -t tmpfs tmpfs /usr/sbin || exit 90
      if [ -n "$1" ]; then printf "#!/bin/sh\n# ours\nexit 101\n" >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; fi
      bash "$2/scripts/deps"
      status=$?
      { ls -A /usr/sbin; [ -e /usr/sbin/policy-rc.d ] && cat /usr/sbin/policy-rc.d; } >"$3" 2>&1
      exit $status' _ "$existing" "$EO_SOURCE" "$work/$name.after" 2>&1) || status=$?
  [[ $status != 90 ]] || fail "$name: cannot mount a tmpfs over /usr/sbin"
}

note "nothing missing: exit 0, apt not run, no policy file"
DEPS_TEST_MISSING='' run_deps none
assert_eq 0 "$status" "nothing missing: exit status ($err)"
assert_eq "" "$(cat "$work/none.log")" "nothing missing: apt and systemctl not run"
assert_eq "" "$(cat "$work/none.after")" "nothing missing: /usr/sbin left empty"
assert_eq "" "$err" "nothing missing: says nothing"

note "missing, no policy-rc.d: exit 0, apt runs under our policy, which is removed afterwards"
DEPS_TEST_MISSING="jq avahi-daemon" run_deps fresh
assert_eq 0 "$status" "missing without policy-rc.d: exit status ($err)"
log=$(cat "$work/fresh.log")
assert_contains "$log" "apt-get update -qq (policy-rc.d: exit 101)" "fresh: update under the policy"
assert_contains "$log" "apt-get install -y -qq --no-install-recommends avahi-daemon jq (policy-rc.d: exit 101)" \
  "fresh: installs exactly the missing packages under the policy"
assert_contains "$log" "systemctl disable avahi-daemon.service avahi-daemon.socket" \
  "fresh: the avahi-daemon it installed is not enabled at boot"
assert_eq "" "$(cat "$work/fresh.after")" "fresh: no policy file left behind"
assert_contains "$err" "deps: installing avahi-daemon jq" "fresh: says what it installs"

note "missing, policy-rc.d already there (Docker images): exit 0, theirs kept as it was"
DEPS_TEST_MISSING="jq" run_deps existing existing
assert_eq 0 "$status" "missing with an existing policy-rc.d: exit status ($err)"
assert_contains "$(cat "$work/existing.log")" "apt-get install -y -qq --no-install-recommends jq (policy-rc.d: exit 101)" \
  "existing: installs"
assert_not_contains "$(cat "$work/existing.log")" "systemctl" "existing: avahi-daemon was not installed by us"
assert_eq $'policy-rc.d\n#!/bin/sh\n# ours\nexit 101' "$(cat "$work/existing.after")" \
  "existing: the machine's own policy-rc.d untouched"

note "apt-get install fails: non-zero exit with a message, policy removed"
DEPS_TEST_MISSING="jq" DEPS_TEST_APT_FAILS=install run_deps install_fails
assert_eq 1 "$status" "install failure: exit status"
assert_contains "$err" "deps: 'apt-get install jq' failed" "install failure: message"
assert_eq "" "$(cat "$work/install_fails.after")" "install failure: no policy file left behind"

note "apt-get update fails: non-zero exit with a message, the existing policy kept"
DEPS_TEST_MISSING="jq" DEPS_TEST_APT_FAILS=update run_deps update_fails existing
assert_eq 1 "$status" "update failure: exit status"
assert_contains "$err" "deps: 'apt-get update' failed" "update failure: message"
assert_not_contains "$(cat "$work/update_fails.log")" "install" "update failure: install not tried"
assert_eq $'policy-rc.d\n#!/bin/sh\n# ours\nexit 101' "$(cat "$work/update_fails.after")" \
  "update failure: the machine's own policy-rc.d untouched"
note "pass"
