#!/usr/bin/env bash
# tests/e2e/platformio.sh — the PlatformIO fragment works as documented: README.md carries
# contrib/platformio/platformio.ini verbatim and the man page its upload_command; that exact
# upload_command, its variables substituted the way PlatformIO's SCons does ($UPLOAD_PORT,
# $SOURCE, $PROJECT_DIR, $UPLOAD_FLAGS; $$ a dollar; an unknown variable empty; a path holding a
# space quoted), run through `sh -c` from the project folder with the password in
# ESPURNA_OTA_PASSWORD (as `pio run -t upload` would), takes a 1.14.0 device to a new image in
# one step and a 1.14.1 device in two (its core image found in $PROJECT_DIR/firmware), exit 0
# and verified; an image for a 4 MB board is refused for a 1 MB device (exit 5, the message
# says why) and nothing is sent. The pre-script for ESPurna's own tree, run against a stand-in
# of SCons, puts back the protocol platformio.ini names.
source "$(dirname "$0")/lib.sh"

INI=$EO_SOURCE/contrib/platformio/platformio.ini
FULL_1140=$(image espurna-1.14.0-itead-sonoff-basic.bin)
FULL_1141=$(image espurna-1.14.1-itead-sonoff-basic.bin)
FULL_DEV=$(image "espurna-$DEV_VERSION-itead-sonoff-basic.bin")
CORE_DEV=$(image "espurna-$DEV_VERSION-espurna-minimal-arduino-ota-1m.bin")
LOLIN_4M=$(image "espurna-$DEV_VERSION-nodemcu-lolin-4m.bin")

# ---- the documents (no lab needed) ------------------------------------------------------------

# the ```ini block of README's "## PlatformIO" section
readme_block() {
  awk '/^## PlatformIO$/ {s=1} s && /^```ini$/ {b=1; next} b && /^```$/ {exit} b {print}' \
    "$EO_SOURCE/README.md"
}
if [[ -z ${E2E_IN_LAB:-} ]]; then
  note "README.md carries contrib/platformio/platformio.ini verbatim"
  [[ -f $INI ]] || fail "no $INI"
  assert_eq "$(cat "$INI")" "$(readme_block)" "README's PlatformIO block"
fi
COMMAND=$(sed -n 's/^upload_command = //p' "$INI")
[[ -n $COMMAND ]] || fail "no upload_command in $INI"
if [[ -z ${E2E_IN_LAB:-} ]]; then
  note "the man page shows the same upload_command"
  assert_contains "$(MANWIDTH=200 man -l "$EO_SOURCE/man/espurna-ota.1" 2>/dev/null | sed 's/^ *//')" \
    "upload_command = $COMMAND" "the man page's fragment"
fi

lab_reexec --device "image=$FULL_1140" --device "image=$FULL_1141" --device "image=$FULL_1141" \
  -- "$@"

unset ESPURNA_OTA_PASSWORD
export XDG_CONFIG_HOME=$LAB_DIR/no-config HOME=$LAB_DIR/no-home XDG_DATA_HOME=$LAB_DIR/no-data
host() { lab-device hostname "$1"; }

# quote_spaces WORD: the word, in double quotes when it holds white space (SCons' quote_spaces)
quote_spaces() {
  if [[ $1 == *[[:space:]]* ]]; then printf '"%s"' "$1"; else printf '%s' "$1"; fi
}

# scons_subst TEMPLATE NAME=VALUE...: the template with $NAME and ${NAME} replaced by the values
# as SCons does for a command line: $$ is a dollar, an unknown name is empty, a value holding
# white space is put in double quotes; a value of several lines is a list (upload_flags): its
# lines, each quoted so, joined by spaces.
scons_subst() {
  local template=$1 result="" name value word
  shift
  local -A vars=()
  for pair in "$@"; do vars[${pair%%=*}]=${pair#*=}; done
  while [[ -n $template ]]; do
    if [[ $template == '$$'* ]]; then
      result+='$'
      template=${template:2}
    elif [[ $template =~ ^\$\{([A-Za-z_][A-Za-z0-9_]*)\}(.*)$ || $template =~ ^\$([A-Za-z_][A-Za-z0-9_]*)(.*)$ ]]; then
      name=${BASH_REMATCH[1]}
      template=${BASH_REMATCH[2]}
      value=${vars[$name]:-}
      if [[ $value == *$'\n'* ]]; then
        local -a words=()
        while IFS= read -r word; do words+=("$(quote_spaces "$word")"); done <<<"$value"
        result+=${words[*]}
      else
        result+=$(quote_spaces "$value")
      fi
    else
      result+=${template:0:1}
      template=${template:1}
    fi
  done
  printf '%s' "$result"
}
# shellcheck disable=SC2016 # dollars for scons_subst, not the shell
[[ $(scons_subst 'a $X ${Y}z $$HOME $NONE. $L' X=1 Y='b c' L=$'-p\nx y') == 'a 1 "b c"z $HOME . -p "x y"' ]] ||
  fail "scons_subst does not substitute as SCons"

# A project as `pio run` leaves it: the built image at .pio/build/ENV/firmware.bin, the release's
# core images in firmware/, espurna-ota on PATH.
PROJECT=$LAB_DIR/espurna/code
mkdir -p "$PROJECT/firmware" "$LAB_DIR/bin"
cp "$CORE_DEV" "$PROJECT/firmware/"
ln -s "$EO_BIN" "$LAB_DIR/bin/espurna-ota"
export PATH=$LAB_DIR/bin:$PATH
PASSWORD=$(<"$(dev_password_file 1)") # every lab device has the same password

# pio_upload ENV IMAGE PORT [FLAGS, one word a line]: what `pio run -e ENV -t upload` runs, from the project
# folder, the password in the environment; $out $err $status
pio_upload() {
  local env=$1 built=$PROJECT/.pio/build/$1/firmware.bin port=$3 flags=${4:-} command
  mkdir -p "$(dirname "$built")"
  cp "$2" "$built"
  command=$(scons_subst "$COMMAND" "UPLOAD_PORT=$port" "SOURCE=$built" \
    "PROJECT_DIR=$PROJECT" "UPLOAD_FLAGS=$flags" "PIOENV=$env")
  note "sh -c '$command'"
  capture env -C "$PROJECT" ESPURNA_OTA_PASSWORD="$PASSWORD" sh -c "$command"
}

note "one step: device 1 (1.14.0) by name.local, a new 1.15.0 build"
SMALL=$LAB_DIR/small.bin
"$EO_MKIMAGE" --output "$SMALL" --size 450560 --version 1.15.0 \
  --environment itead-sonoff-basic --board ITEAD_SONOFF_BASIC >/dev/null || fail "mkimage"
pio_upload itead-sonoff-basic-ota "$SMALL" "$(host 1).local" $'--reboot-timeout\n30'
assert_eq 0 "$status" "one step: exit status ($err)"
assert_contains "$err" "plan: one step" "one step: the plan"
assert_eq "1.15.0 full" "$(dev_running 1)" "one step: device 1 runs the new image"

note "two steps: device 2 (1.14.1) by address, the core image from \$PROJECT_DIR/firmware"
pio_upload itead-sonoff-basic-ota "$FULL_DEV" "$(dev_address 2)"
assert_eq 0 "$status" "two steps: exit status ($err)"
assert_contains "$err" "$(basename "$CORE_DEV")" "two steps: the core image found in the project"
assert_eq "$DEV_VERSION full" "$(dev_running 2)" "two steps: device 2 runs the new image"
assert_eq 3 "$(lab-device boots 2)" "two steps: device 2 rebooted twice"

note "the wrong image for the board: a 4 MB build for a 1 MB device, exit 5, nothing sent"
pio_upload nodemcu-lolin-ota "$LOLIN_4M" "$(host 3).local"
assert_eq 5 "$status" "wrong board: exit status ($err)"
assert_contains "$err" "the image is built for a 4096 KiB flash and the device has 1024 KiB" \
  "wrong board: the message says why"
assert_eq 1 "$(lab-device boots 3)" "wrong board: device 3 was not touched"
assert_eq "1.14.1 full" "$(dev_running 3)" "wrong board: device 3 still runs 1.14.1"

note "the pre-script for ESPurna's own tree puts the protocol back (a stand-in of SCons)"
mkdir -p "$LAB_DIR/scons/SCons"
: >"$LAB_DIR/scons/SCons/__init__.py"
cat >"$LAB_DIR/scons/SCons/Script.py" <<'PY'
import inspect


class Env(dict):
    def __init__(self, options):
        super().__init__(UPLOAD_PROTOCOL="esptool")  # what ESPurna's pio_pre.py left
        self.options = options

    def GetProjectOption(self, name, default=None):
        return self.options.get(name, default)

    def Replace(self, **values):
        self.update(values)


ENV = None


def Import(name):
    inspect.stack()[1].frame.f_globals[name] = ENV
PY
for case in "custom custom" "none esptool"; do
  read -r option expected <<<"$case"
  got=$(PYTHONPATH=$LAB_DIR/scons python3 - "$EO_SOURCE/contrib/platformio/espurna_ota_pre.py" "$option" <<'PY'
import runpy, sys
import SCons.Script as script
script.ENV = script.Env({} if sys.argv[2] == "none" else {"upload_protocol": sys.argv[2]})
runpy.run_path(sys.argv[1], run_name="__main__")
print(script.ENV["UPLOAD_PROTOCOL"])
PY
  )
  assert_eq "$expected" "$got" "pre-script with upload_protocol $option"
done
note "pass"
