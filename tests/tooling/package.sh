#!/usr/bin/env bash
# tests/tooling/package.sh — the Debian package and the install rules: CPack builds the .deb from
# the build tree (into a temporary folder); its control fields (Depends from dpkg-shlibdeps,
# avahi-daemon only recommended), its files, ownership and modes are checked; it is unpacked into
# a scratch root whose binaries run; lintian reports no error; `cmake --install` into a
# temporary prefix installs the same files (in the upstream layout), which the README's uninstall
# commands remove; and the installed lab runs a virtual device from the installed binaries alone
# (when labs can be made here).
source "$(dirname "$0")/../e2e/lib.sh"
: "${EO_BUILD:?}" "${EO_SOURCE:?}"

for tool in cpack dpkg-deb dpkg-shlibdeps lintian; do
  command -v "$tool" >/dev/null || fail "$tool not found: run scripts/deps"
done
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$EO_BUILD/CMakeCache.txt")
[[ -n $version ]] || fail "no project version in $EO_BUILD/CMakeCache.txt"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

note "cpack -G DEB"
cpack -G DEB --config "$EO_BUILD/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
  fail "cpack failed: $(tail -n 20 "$work/cpack.log")"
debs=("$work"/out/*.deb)
assert_eq 1 "${#debs[@]}" "one .deb made"
deb=${debs[0]}
[[ -f $deb ]] || fail "cpack made no .deb: $(tail -n 20 "$work/cpack.log")"
assert_eq "espurna-ota_${version}_$(dpkg --print-architecture).deb" "${deb##*/}" "file name"

note "control fields"
field() { dpkg-deb -f "$deb" "$1"; }
assert_eq espurna-ota "$(field Package)" "Package"
assert_eq "$version" "$(field Version)" "Version"
assert_eq electronics "$(field Section)" "Section"
assert_eq optional "$(field Priority)" "Priority"
[[ $(field Maintainer) =~ ^[^\<]+\ \<[^@\>]+@[^\>]+\>$ ]] || fail "Maintainer is not 'Name <address>': $(field Maintainer)"
description=$(field Description)
assert_contains "$description" "ESPurna" "Description"
[[ $(grep -c . <<<"$description") -ge 3 ]] || fail "Description has no extended part: $description"
depends=$(field Depends)
# each library by its family (Debian 12: libcurl4, libssl3, ...; later releases rename some)
for library in libcurl libmicrohttpd libavahi-client libjansson libssl zlib1g libc6; do
  grep -qE "(^|, )${library}[0-9a-z.+-]*( |,|$)" <<<"$depends" || fail "Depends lacks $library: $depends"
done
assert_not_contains "$depends" "avahi-daemon" "avahi-daemon is not a hard dependency"
assert_contains "$(field Recommends)" "avahi-daemon" "Recommends"

note "files, ownership and modes"
# every entry root/root, no setuid, setgid or sticky bit; directories and programs 0755, every
# other file 0644
octal_mode() { # -rwxr-xr-x → 755
  local bits=${1:1} value=0 i
  for ((i = 0; i < 9; i++)); do
    value=$((value * 2))
    [[ ${bits:i:1} == - ]] || value=$((value + 1))
  done
  printf '%o' "$value"
}
listing=$(dpkg-deb -c "$deb")
while read -r mode owner _ _ _ path; do
  path=${path#./}
  assert_eq root/root "$owner" "owner of $path"
  [[ $mode != *[sStT]* ]] || fail "special mode bit on $path: $mode"
  case $path in
    */ | usr/bin/* | usr/share/espurna-ota/lab/run | usr/share/espurna-ota/lab/lab-device)
      expected=755 ;;
    *) expected=644 ;;
  esac
  assert_eq "$expected" "$(octal_mode "$mode")" "mode of $path ($mode)"
done <<<"$listing"
files=$(awk '$1 !~ /^d/ {sub(/^\.\//, "", $6); print $6}' <<<"$listing" | sort)
expected_files="usr/bin/espurna-mkimage
usr/bin/espurna-ota
usr/bin/espurna-vdev
usr/share/bash-completion/completions/espurna-ota
usr/share/doc/espurna-ota/changelog.gz
usr/share/doc/espurna-ota/copyright
usr/share/espurna-ota/lab/README.md
usr/share/espurna-ota/lab/lab-device
usr/share/espurna-ota/lab/run
usr/share/man/man1/espurna-mkimage.1.gz
usr/share/man/man1/espurna-ota.1.gz
usr/share/man/man1/espurna-vdev.1.gz
usr/share/zsh/vendor-completions/_espurna-ota"
assert_eq "$expected_files" "$files" "the package's files"

note "unpacked: the programs run, the pages render, the completions and the lab are the tree's"
root=$work/root
dpkg-deb -x "$deb" "$root"
assert_eq "espurna-ota $version" "$("$root/usr/bin/espurna-ota" --version)" "espurna-ota --version"
assert_contains "$("$root/usr/bin/espurna-vdev" --help)" "usage: espurna-vdev --flash FILE" "espurna-vdev --help"
assert_contains "$("$root/usr/bin/espurna-mkimage" --help)" "usage: espurna-mkimage" "espurna-mkimage --help"
for page in espurna-ota espurna-vdev espurna-mkimage; do
  gz=$root/usr/share/man/man1/$page.1.gz
  gzip -t "$gz" || fail "$page.1.gz is not gzip"
  cmp -s <(zcat "$gz") "$EO_SOURCE/man/$page.1" || fail "$page.1.gz is not man/$page.1"
  assert_eq "" "$(zcat "$gz" | groff -man -ww -z 2>&1)" "$page.1 renders without warnings"
  assert_contains "$(zcat "$gz" | grep '^\.TH ')" "\"espurna-ota $version\"" "$page.1 names this version"
done
# the device's and the image tool's pages document every option their --help lists
for program in espurna-vdev espurna-mkimage; do
  page=$(zcat "$root/usr/share/man/man1/$program.1.gz" | sed 's/\\-/-/g') # \- is a hyphen too
  mapfile -t help_options < <("$root/usr/bin/$program" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
  [[ ${#help_options[@]} -ge 10 ]] || fail "$program --help lists too few options: ${help_options[*]}"
  for option in "${help_options[@]}"; do
    grep -qE -- "$option([^a-z0-9-]|\$)" <<<"$page" || fail "$program.1 does not document $option"
  done
done
cmp -s "$root/usr/share/bash-completion/completions/espurna-ota" "$EO_SOURCE/completions/espurna-ota.bash" ||
  fail "bash completion is not completions/espurna-ota.bash"
cmp -s "$root/usr/share/zsh/vendor-completions/_espurna-ota" "$EO_SOURCE/completions/_espurna-ota" ||
  fail "zsh completion is not completions/_espurna-ota"
for script in run lab-device; do
  cmp -s "$root/usr/share/espurna-ota/lab/$script" "$EO_SOURCE/tests/lab/$script" ||
    fail "lab/$script is not tests/lab/$script"
done
changelog=$(zcat "$root/usr/share/doc/espurna-ota/changelog.gz")
assert_eq "espurna-ota ($version) unstable; urgency=medium" "$(head -n 1 <<<"$changelog")" \
  "the changelog's latest entry is this version"

note "lintian"
start=$SECONDS
lintian --fail-on error "$deb" >"$work/lintian.log" 2>&1 ||
  fail "lintian reports errors: $(grep -v 'root privileges' "$work/lintian.log")"
note "lintian: no error ($((SECONDS - start)) s)$(grep -v 'root privileges' "$work/lintian.log" | sed 's/^/; /' | tr -d '\n')"

note "cmake --install into a temporary prefix: the same files, upstream layout"
prefix=$work/prefix
cmake --install "$EO_BUILD" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  fail "cmake --install failed: $(tail -n 20 "$work/install.log")"
installed=$(cd "$prefix" && find . -type f | sed 's|^\./||' | sort)
# the package's names for them: gzipped pages, Debian's zsh folder, plus its changelog
as_packaged=$(sed -e 's|^|usr/|' -e 's|\(man1/.*\.1\)$|\1.gz|' \
  -e 's|zsh/site-functions/|zsh/vendor-completions/|' <<<"$installed"
  echo usr/share/doc/espurna-ota/changelog.gz)
assert_eq "$files" "$(sort <<<"$as_packaged")" "cmake --install installs what the package holds"
assert_contains "$installed" "share/zsh/site-functions/_espurna-ota" "zsh completion, upstream folder"
assert_contains "$installed" "share/man/man1/espurna-ota.1" "man pages, uncompressed"

note "the README's uninstall commands remove every file cmake --install put there"
uninstall=$(awk '/^\*\*Uninstall\.\*\*/ {on = 1} on && /^```sh$/ {grab = 1; next}
  grab && /^```$/ {exit} grab' "$EO_SOURCE/README.md")
assert_contains "$uninstall" "rm -f bin/espurna-ota" "README's uninstall commands found"
cp -a "$prefix" "$work/uninstalled"
(cd "$work/uninstalled" && bash -euc "$(grep -v '^cd ' <<<"$uninstall")") ||
  fail "the README's uninstall commands failed"
assert_eq "" "$(cd "$work/uninstalled" && find . -type f)" "files left after the README's uninstall"

note "the installed lab, without the build tree: one virtual device of an image the installed mkimage wrote"
"$prefix/bin/espurna-mkimage" --output "$work/espurna-1.14.1-itead-sonoff-basic.bin" --size 614400 \
  --version 1.14.1 --environment itead-sonoff-basic --board ITEAD_SONOFF_BASIC ||
  fail "installed espurna-mkimage failed"
# the lab sees no build tree and a PATH without the installed programs
status=0
# shellcheck disable=SC2016 # the command's $(...) and $1 are for the shell inside the lab
out=$(env -u EO_BUILD -u EO_VDEV -u EO_BIN -u EO_SOURCE PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  timeout 60 "$prefix/share/espurna-ota/lab/run" --devices 1 \
  --image "$work/espurna-1.14.1-itead-sonoff-basic.bin" -- bash -c \
  'readlink "/proc/$(lab-device pid 1)/exe" >&2; exec "$1" discover --json' _ \
  "$prefix/bin/espurna-ota" 2>"$work/lab.err") || status=$?
if [[ $status == 77 ]]; then
  note "SKIP of this part: $(tail -n 1 "$work/lab.err")"
else
  assert_eq 0 "$status" "installed lab + discover ($(tail -n 5 "$work/lab.err"))"
  assert_contains "$(<"$work/lab.err")" "$prefix/bin/espurna-vdev" \
    "the installed lab runs the espurna-vdev of its own prefix"
  assert_eq "ESPURNA-00000B 1.14.1" "$(jq -r '.devices[] | "\(.hostname) \(.version)"' <<<"$out")" \
    "the installed lab's device, found by the installed tool"
fi

note "the lab outside an installation finds espurna-vdev on PATH, and says so when it cannot"
status=0
# shellcheck disable=SC2016 # the command's $(...) is for the shell inside the lab
out=$(env -u EO_BUILD -u EO_VDEV PATH="$prefix/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  timeout 30 bash "$EO_SOURCE/tests/lab/run" --no-avahi --devices 1 \
  --image "$work/espurna-1.14.1-itead-sonoff-basic.bin" -- \
  bash -c 'readlink "/proc/$(lab-device pid 1)/exe"' 2>&1) || status=$?
if [[ $status != 77 ]]; then
  assert_eq 0 "$status" "source-tree lab with espurna-vdev on PATH ($out)"
  assert_eq "$prefix/bin/espurna-vdev" "$out" "the device binary found on PATH"
fi
# a PATH holding only what the lab needs before it looks for the device binary
mkdir "$work/tools"
ln -s "$(command -v readlink)" "$(command -v dirname)" "$work/tools/"
status=0
err=$(env -u EO_BUILD -u EO_VDEV PATH="$work/tools" "$BASH" "$EO_SOURCE/tests/lab/run" \
  --devices 1 --image "$work/espurna-1.14.1-itead-sonoff-basic.bin" -- true 2>&1) || status=$?
assert_eq 1 "$status" "no device binary anywhere: exit status ($err)"
assert_contains "$err" "no device binary: pass --vdev" "no device binary anywhere: message"

note "pass"
