#!/usr/bin/env bash
# tests/e2e/mkimage.sh — espurna-mkimage's filler compresses like real ESP8266 firmware: gzip -9
# keeps about 70 % of an image by default (ESPHome: 566,560 → 396,547 bytes), about the share
# --compress-ratio asks for, and nothing of --compress-ratio 100 (random bytes); the same
# arguments give the same bytes; bad ratios are refused (exit 2).
source "$(dirname "$0")/lib.sh"
: "${EO_MKIMAGE:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# kept FILE: percent of FILE that gzip -9 keeps.
kept() { echo $(($(gzip -9 -c "$1" | wc -c) * 100 / $(stat -c %s "$1"))); }
# new_image NAME SIZE [OPTIONS]: an image in the work directory.
new_image() {
  local name=$1 size=$2
  shift 2
  "$EO_MKIMAGE" --output "$work/$name" --size "$size" "$@" || fail "mkimage $name $*"
}

new_image a.bin 655360
new_image b.bin 655360
assert_eq "$(md5sum <"$work/a.bin")" "$(md5sum <"$work/b.bin")" "the same arguments, the same bytes"
new_image c.bin 655360 --version 1.15.1
[[ $(md5sum <"$work/a.bin") != "$(md5sum <"$work/c.bin")" ]] || fail "another identity, the same bytes"

for row in "655360 70 67 73" "296960 70 67 73" "716800 50 47 53" "409600 30 27 34" \
  "358400 90 87 93" "655360 100 98 101"; do
  read -r size ratio low high <<<"$row"
  new_image "r$ratio-$size.bin" "$size" --compress-ratio "$ratio"
  percent=$(kept "$work/r$ratio-$size.bin")
  ((percent >= low && percent <= high)) ||
    fail "--compress-ratio $ratio, $size bytes: gzip -9 keeps $percent %, not $low-$high %"
done
percent=$(kept "$work/a.bin")
((percent >= 67 && percent <= 73)) || fail "default: gzip -9 keeps $percent %, not about 70 %"
percent=$(kept "$(image espurna-1.14.1-itead-sonoff-basic.bin)")
((percent >= 67 && percent <= 73)) || fail "the test images: gzip -9 keeps $percent %, not about 70 %"

for bad in 9 101 x 7.5 ""; do
  status=0
  "$EO_MKIMAGE" --output "$work/bad.bin" --size 65536 --compress-ratio "$bad" 2>/dev/null || status=$?
  assert_eq 2 "$status" "--compress-ratio '$bad'"
done
echo "mkimage: ok"
