#!/usr/bin/env bash
# inspect.sh — end-to-end test of `espurna-ota inspect`: real binary, images written by
# espurna-mkimage into a temporary directory; checks human and JSON values, and that every kind
# of bad input gives one line naming the file and the documented exit code.
set -euo pipefail
: "${EO_BIN:?}" "${EO_MKIMAGE:?}"
source "$(dirname "$0")/valgrind.sh" # EO_VALGRIND=1: the tool under valgrind
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_eq() { [[ "$2" == "$3" ]] || fail "$1: expected '$3', got '$2'"; }

core=$work/espurna-1.14.1-espurna-core-1MB.bin
"$EO_MKIMAGE" --output "$core" --size 296960 --kind core --version 1.14.1 \
  --environment espurna-core-1MB --board ESPURNA_CORE --flash-size 1M

# --- human output
out=$("$EO_BIN" inspect "$core")
grep -qx 'format       Arduino (bootloader + application at 0x1000)' <<<"$out" || fail "format line: $out"
grep -qx 'size         296960 bytes, 73 sectors (290 KiB)' <<<"$out" || fail "size line"
grep -qx 'flash        DOUT, 1MB, 40MHz' <<<"$out" || fail "flash line"
grep -qx 'version      1.14.1' <<<"$out" || fail "version line"
grep -qx 'kind         core (espota telnet mdns)' <<<"$out" || fail "kind line"
grep -qE '^fits beside  1MB +729088 bytes +178 sectors +\(712 KiB\)$' <<<"$out" || fail "fits line"
expect_eq md5 "$(awk '$1=="md5"{print $2}' <<<"$out")" "$(md5sum "$core" | cut -d' ' -f1)"
expect_eq sha256 "$(awk '$1=="sha256"{print $2}' <<<"$out")" "$(sha256sum "$core" | cut -d' ' -f1)"

# --- JSON output
json=$("$EO_BIN" inspect --json "$core")
expect_eq "json lines" "$(wc -l <<<"$json")" 1
expect_eq schema "$(jq -r .schema_version <<<"$json")" 1
expect_eq format "$(jq -r .format <<<"$json")" arduino
expect_eq size "$(jq -r .size <<<"$json")" 296960
expect_eq sectors "$(jq -r .sectors <<<"$json")" 73
expect_eq flash "$(jq -r '.flash | "\(.mode) \(.size) \(.freq) \(.size_code)"' <<<"$json")" "DOUT 1MB 40MHz 2"
expect_eq segments "$(jq -r '.segments | length' <<<"$json")" 3
expect_eq identity "$(jq -r '.identity | "\(.source) \(.version) \(.board) \(.kind)"' <<<"$json")" \
  "descriptor 1.14.1 ESPURNA_CORE core"
expect_eq fits1m "$(jq -r '.max_single_step."1MB"' <<<"$json")" 729088
expect_eq fits4m "$(jq -r '.max_single_step."4MB"' <<<"$json")" $(((1019 - 73) * 4096))
expect_eq status "$(jq -r '"\(.status) \(.exit_code)"' <<<"$json")" "ok 0"

# --- text inside the image is shown safely: a descriptor with a bidi override (U+202E), a
# right-to-left mark, C1 controls (U+009B as UTF-8 and a raw 0x9B byte) and invalid UTF-8
only_ascii() { [[ -z $(LC_ALL=C tr -d '\n\040-\176' <<<"$1") ]]; }
odd=$work/odd.bin
"$EO_MKIMAGE" --output "$odd" --size 65536 --kind core --version $'1.15.0\xe2\x80\xae-evil' \
  --board $'BOARD\xff\xfe' --environment $'env\xc2\x9b31m\x9b2J' --app $'ESP\xe2\x80\x8fURNA'
out=$("$EO_BIN" inspect "$odd")
only_ascii "$out" || fail "odd descriptor: text output holds control or non-ASCII bytes: $(cat -v <<<"$out")"
grep -qxF 'version      1.15.0?-evil' <<<"$out" || fail "odd version line: $(cat -v <<<"$out")"
grep -qxF 'environment  env?31m?2J' <<<"$out" || fail "odd environment line"
grep -qxF 'app          ESP?URNA' <<<"$out" || fail "odd app line"
grep -qxF 'board        BOARD??' <<<"$out" || fail "odd board line"
json=$("$EO_BIN" inspect --json "$odd")
only_ascii "$json" || fail "odd descriptor: JSON holds non-ASCII bytes: $(cat -v <<<"$json")"
expect_eq "odd keys" "$(jq -r '.identity | keys_unsorted | join(" ")' <<<"$json")" \
  "source app board build_date version environment kind features"
expect_eq "odd version" "$(jq -r .identity.version <<<"$json")" $'1.15.0\xe2\x80\xae-evil'
expect_eq "odd board" "$(jq -r .identity.board <<<"$json")" $'BOARD\xef\xbf\xbd\xef\xbf\xbd'
expect_eq "odd environment" "$(jq -r .identity.environment <<<"$json")" \
  $'env\xc2\x9b31m\xef\xbf\xbd2J'
# the same for a release file name with an escape sequence and invalid UTF-8 in it
named=$work/$'espurna-1.14.1\e[2J\xff-espurna-core-1MB.bin'
cp "$core" "$named"
out=$("$EO_BIN" inspect "$named")
only_ascii "$out" || fail "odd file name: text output holds control or non-ASCII bytes"
grep -qxF "file         $work/espurna-1.14.1?[2J?-espurna-core-1MB.bin" <<<"$out" || fail "odd file line"
json=$("$EO_BIN" inspect --json "$named")
expect_eq "odd file" "$(jq -r .file <<<"$json")" "$work/"$'espurna-1.14.1\e[2J\xef\xbf\xbd-espurna-core-1MB.bin'

# --- gzip, plain layout, identity from the file name
"$EO_MKIMAGE" --output "$work/espurna-1.13.3-espurna-core-1MB.bin.gz" --size 100000 --gzip \
  --no-descriptor --layout plain --flash-mode qio --flash-freq 80m --flash-size 4M
json=$("$EO_BIN" inspect --json "$work/espurna-1.13.3-espurna-core-1MB.bin.gz")
expect_eq gzip "$(jq -r '"\(.format) \(.inner_format) \(.uncompressed_size)"' <<<"$json")" "gzip plain 100000"
expect_eq gzflash "$(jq -r '"\(.flash.mode) \(.flash.size) \(.flash.freq)"' <<<"$json")" "QIO 4MB 80MHz"
expect_eq byname "$(jq -r '"\(.identity.source) \(.identity.version) \(.identity.environment) \(.identity.kind)"' <<<"$json")" \
  "file_name 1.13.3 espurna-core-1MB core"
cp "$work/espurna-1.13.3-espurna-core-1MB.bin.gz" "$work/firmware.bin"
expect_eq noidentity "$("$EO_BIN" inspect --json "$work/firmware.bin" | jq -r .identity.source)" none

# --- bad input: one line on stderr naming the file, documented exit code, no stdout (text mode)
check_bad() { # name expected-exit needle file
  local name=$1 code=$2 needle=$3 file=$4 rc=0 err
  err=$("$EO_BIN" inspect "$file" 2>&1 >"$work/stdout") || rc=$?
  expect_eq "$name exit" "$rc" "$code"
  expect_eq "$name lines" "$(wc -l <<<"$err")" 1
  [[ $err == "espurna-ota: $file: "*"$needle"* ]] || fail "$name message: $err"
  [[ ! -s $work/stdout ]] || fail "$name printed data on stdout"
  rc=0
  "$EO_BIN" inspect --json "$file" >"$work/stdout" 2>/dev/null || rc=$?
  expect_eq "$name json exit" "$rc" "$code"
  expect_eq "$name json status" "$(jq -r .exit_code "$work/stdout")" "$code"
}
check_bad missing 3 "No such file" "$work/nope.bin"
check_bad directory 3 "directory" "$work"
: >"$work/empty.bin"
check_bad empty 3 "empty" "$work/empty.bin"
truncate -s 100M "$work/huge.bin"
check_bad huge 3 "larger than any ESP8266 flash" "$work/huge.bin"
head -c 5 "$core" >"$work/short.bin"
check_bad truncated-header 4 "truncated" "$work/short.bin"
head -c 5000 "$core" >"$work/cut.bin"
check_bad truncated-segment 4 "runs past the end" "$work/cut.bin"
head -c 4096 /dev/urandom >"$work/random.bin"
printf '\x00' | dd of="$work/random.bin" bs=1 count=1 conv=notrunc status=none
check_bad random 4 "no image magic" "$work/random.bin"
cp "$core" "$work/count.bin"
printf '\x63' | dd of="$work/count.bin" bs=1 seek=4097 count=1 conv=notrunc status=none
check_bad segment-count 4 "absurd segment count 99" "$work/count.bin"
"$EO_MKIMAGE" --output "$work/badsum.bin" --size 65536 --bad-checksum
check_bad checksum 4 "checksum is wrong" "$work/badsum.bin"

# --- usage errors
rc=0; "$EO_BIN" inspect 2>/dev/null || rc=$?; expect_eq "no argument" "$rc" 2
rc=0; "$EO_BIN" inspect --frobnicate "$core" 2>/dev/null || rc=$?; expect_eq "bad option" "$rc" 2
"$EO_BIN" inspect --help | grep -q -- '--json' || fail "--help lacks --json"

[[ $failures -eq 0 ]] || { echo "$failures failure(s)" >&2; exit 1; }
echo "inspect: all checks passed"
