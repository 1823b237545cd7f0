#!/usr/bin/env bash
# discover-50.sh — fifty virtual devices, half announcing the 1.14 dialect and half the dev
# one, full and core builds: every one is listed exactly once, sorted, with its free space in
# bytes whatever its dialect, and the run ends by quiet rather than by --timeout.
source "$(dirname "$0")/lib.sh"
specs=()
for ((n = 1; n <= 50; n++)); do
  if ((n % 5 == 0)); then file=espurna-1.14.1-espurna-core-1MB.bin
  else file=espurna-1.14.1-itead-sonoff-basic.bin; fi
  dialect=$([[ $((n % 2)) == 1 ]] && echo 1.14 || echo dev)
  specs+=(--device "image=$(image "$file") dialect=$dialect")
done
lab_reexec "${specs[@]}" -- "$@"

json=$("$EO_BIN" discover --json --timeout 60 2>"$LAB_DIR/stderr") || fail "discover failed ($?)"
summary() {
  python3 -c 'import json,sys
d = json.loads(sys.argv[1])["devices"]
names = [x["hostname"] for x in d]
print(len(d), len(set(names)), names == sorted(names, key=str.lower),
      sorted(set(x["free_space"]["bytes"] for x in d)), sorted(set(x["kind"] for x in d)))' "$json"
}
assert_eq "50 50 True [$(free_space_bytes 1048576 614400), $(free_space_bytes 1048576 296960)] ['core', 'full']" \
  "$(summary)" "fifty devices, each once, sorted, two free-space figures in bytes, two kinds"
expected=$(awk '{print $2}' "$LAB_DEVICES" | sort | tr '\n' ' ')
got=$(python3 -c 'import json,sys; print(" ".join(sorted(x["hostname"] for x in json.loads(sys.argv[1])["devices"])))' "$json")
assert_eq "$expected" "$got " "the lab's hostnames"
assert_not_contains "$(<"$LAB_DIR/stderr")" "stopped by --timeout" "ended by quiet, not by the timeout"
note "fifty devices listed"
