#!/usr/bin/env bash
# completion.sh — shell completion, in bash and in zsh, as a user at a prompt gets it: bash
# --norc sources completions/espurna-ota.bash and `complete -p` names its function; the function,
# called as bash calls it, offers commands, each command's options (exactly those its --help
# lists, so a table and its completion cannot drift), files, folders, methods, --filter keys
# (those the tool accepts), option values after "--opt=", and device names and addresses from
# a cache file (never an unsafe word of it, nothing from a corrupt one); `espurna-ota __complete`
# makes no socket (strace) and is quick. A real interactive zsh (zpty, compinit) completes the
# same lines with completions/_espurna-ota. In a lab, `discover`, `upgrade --dry-run` and
# `batch --all --dry-run` against virtual devices write the cache, and `--device <TAB>` offers
# their names in both shells.
source "$(dirname "$0")/lib.sh"

COMPLETIONS=$EO_SOURCE/completions
ZSH_DRIVER=$EO_SOURCE/tests/e2e/completion_zsh.zsh
PROGRAM=${EO_REAL_BIN:-$EO_BIN} # completion runs the program itself, never under valgrind
PATH=$(dirname "$PROGRAM"):$PATH # the scripts call espurna-ota by name
export PATH
for tool in zsh strace; do
  command -v "$tool" >/dev/null || fail "$tool is missing: run scripts/deps"
done
# shellcheck source=../../completions/espurna-ota.bash
source "$COMPLETIONS/espurna-ota.bash"

# complete_words WORD...: what the completion function offers, sorted, when the last WORD is
# the one being completed (bash's own split: "--method=w" comes as "--method" "=" "w")
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _espurna_ota espurna-ota "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  if ((${#COMPREPLY[@]})); then printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort; fi
}

# offered LINE: complete_words on LINE split at spaces (a trailing space starts a new word),
# one line
offered() {
  local -a words
  read -ra words <<<"$1"
  [[ $1 == *' ' ]] && words+=("")
  complete_words "${words[@]}" | tr '\n' ' ' | sed 's/ $//'
}

# zsh_offers OUT LINE...: each LINE typed in zsh then TAB: "<matches>|<line after>" in OUT
zsh_offers() {
  local out=$1
  shift
  timeout 60 zsh -f "$ZSH_DRIVER" "$COMPLETIONS" "$out" "$@" ||
    fail "zsh completion driver failed ($?)"
}

write_cache() { # write_cache XDG_CACHE_HOME TEXT
  mkdir -p "$1/espurna-ota"
  printf '%b' "$2" >"$1/espurna-ota/devices.tsv"
}

# ---------------------------------------------------------------------------------------------
if [[ ${1:-} != --in-lab ]]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  export XDG_CACHE_HOME=$work/no-cache

  note "bash --norc: the script registers its function"
  assert_eq "complete -F _espurna_ota espurna-ota" \
    "$(bash --norc -c "source '$COMPLETIONS/espurna-ota.bash' && complete -p espurna-ota")" \
    "complete -p espurna-ota"
  assert_eq "" "$(shellcheck "$COMPLETIONS/espurna-ota.bash" 2>&1)" "shellcheck of the script"

  note "commands"
  assert_eq upgrade "$(offered "espurna-ota up")" "espurna-ota up<TAB>"
  mapfile -t commands < <("$PROGRAM" --help |
    awk '/^commands:/{on=1; next} on && NF>=2 && /^  [a-z]/{print $1}')
  ((${#commands[@]} > 0)) || fail "--help lists no command"
  assert_eq "$(printf '%s\n' "${commands[@]}" help | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" \
    "$(offered "espurna-ota ")" "every command of --help, and help"
  assert_eq "$(printf '%s\n' "${commands[@]}" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" \
    "$(offered "espurna-ota help ")" "help <TAB>: the commands"
  assert_eq "--help --version" "$(offered "espurna-ota --")" "options of the program"
  assert_eq "" "$(offered "espurna-ota frobnicate --")" "an unknown command: nothing"

  note "every option of every command's --help is offered, and nothing else"
  for command in "${commands[@]}"; do
    listed=$("$PROGRAM" "$command" --help | grep -oE -- '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u |
      tr '\n' ' ' | sed 's/ $//')
    [[ -n $listed ]] || fail "$command --help lists no option"
    assert_eq "$listed" "$(offered "espurna-ota $command --")" "options of $command"
  done

  note "option values, by what --help says each option takes"
  for command in "${commands[@]}"; do
    while read -r option argument; do
      case $argument in
        *FILE* | IMAGE) expected=files ;;
        *DIR*) expected=dirs ;;
        DEV | DEVICE | PATTERN | METHOD | KEY=VALUE) expected=words ;;
        *) expected=none ;;
      esac
      kind=$("$PROGRAM" __complete 3 espurna-ota "$command" "$option" "" | head -n 1)
      assert_eq "$expected" "$kind" "$command $option $argument: what is completed"
    done < <("$PROGRAM" "$command" --help |
      sed -nE 's/^ +(-[a-z], )?(--[a-z][a-z0-9-]*) ([^ ]+) .*/\2 \3/p')
  done

  note "options: by prefix, once, after other options"
  assert_eq "--image" "$(offered "espurna-ota upgrade --ima")" "upgrade --ima<TAB>"
  assert_eq "--devices" "$(offered "espurna-ota batch --de")" "batch --de<TAB>"
  assert_eq "" "$(offered "espurna-ota upgrade --image fw.bin --ima")" "--image is given once"
  assert_eq "--filter" "$(offered "espurna-ota discover --filter a=b --fil")" \
    "--filter repeats"
  assert_eq "--json" "$(offered "espurna-ota upgrade --dry-run -i fw.bin --js")" \
    "after a flag and a short option with its value"
  assert_eq "--help --json --no-color" "$(offered "espurna-ota inspect fw.bin ")" \
    "inspect's one argument given: its options"

  note "files and folders"
  mkdir -p "$work/releases" "$work/reports"
  touch "$work/fw-1.bin" "$work/fw-2.bin" "$work/other.bin" "$work/readme"
  assert_eq "$work/fw-1.bin $work/fw-2.bin" "$(offered "espurna-ota upgrade --image $work/fw")" \
    "upgrade --image <partial>: the files"
  assert_eq "$work/fw-1.bin $work/fw-2.bin" "$(offered "espurna-ota upgrade -i $work/fw")" \
    "-i <partial>: the files"
  assert_eq "$work/fw-1.bin $work/fw-2.bin" "$(offered "espurna-ota inspect $work/fw")" \
    "inspect IMAGE: the files"
  assert_eq "$work/releases $work/reports" \
    "$(offered "espurna-ota batch --firmware-dir $work/re")" \
    "--firmware-dir: folders only"
  assert_eq "$work/readme" "$(offered "espurna-ota batch --junit $work/rea")" "--junit: files"
  assert_eq "$work/fw-1.bin $work/fw-2.bin" \
    "$(complete_words espurna-ota upgrade --image = "$work/fw" | tr '\n' ' ' | sed 's/ $//')" \
    "--image=<partial> as bash splits it"

  note "enumerated values"
  assert_eq "espota terminal web" "$(offered "espurna-ota flash --method ")" "flash --method"
  assert_eq "espota terminal web" "$(offered "espurna-ota upgrade -m ")" "upgrade -m"
  assert_eq "web" "$(complete_words espurna-ota flash --method = w)" "--method=w"
  assert_eq "espota terminal web" \
    "$(complete_words espurna-ota flash --method = | tr '\n' ' ' | sed 's/ $//')" "--method="
  keys=$("$PROGRAM" discover --filter bogus 2>&1 | sed -nE 's/.*KEY one of (.*)$/\1/p' |
    tr -d ',' | tr ' ' '\n' | sed 's/$/=/' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
  [[ -n $keys ]] || fail "discover --filter bogus did not list the keys"
  assert_eq "$keys" "$(offered "espurna-ota discover --filter ")" \
    "--filter: every key discover accepts"
  assert_eq "board=" "$(offered "espurna-ota batch --filter bo")" "batch --filter bo"
  assert_eq "" "$(offered "espurna-ota flash --window ")" "a number: nothing"
  assert_eq "" "$(offered "espurna-ota flash --password ")" "a password: nothing"

  note "devices from the cache"
  assert_eq "" "$(offered "espurna-ota upgrade --device ")" "no cache: nothing"
  cache_home=$work/cache
  write_cache "$cache_home" "# espurna-ota device cache 1 (test)\n\
kitchen\t127.0.1.15\tITEAD_SONOFF_BASIC\t1.14.0\t300\n\
ESPURNA-00000B\t127.0.1.11\tITEAD_SONOFF_BASIC\t1.14.1\t200\n\
\t10.0.0.7\t\t\t100\n\
\$(touch $work/pwned)\t127.0.1.99\tB\tV\t400\n\
evil;reboot\t\tB\tV\t400\n\
x\`id\`\t127.0.1.98\tB\tV\t400\n"
  export XDG_CACHE_HOME=$cache_home
  assert_eq "10.0.0.7 127.0.1.11 127.0.1.15 ESPURNA-00000B kitchen" \
    "$(offered "espurna-ota upgrade --device ")" "upgrade --device: names and addresses"
  assert_eq "kitchen" "$(offered "espurna-ota flash -d kit")" "flash -d kit"
  assert_eq "127.0.1.11 127.0.1.15" "$(offered "espurna-ota discover --device 127.0.1.1")" \
    "discover --device: by address"
  assert_eq "10.0.0.7 127.0.1.11 127.0.1.15 ESPURNA-00000B kitchen" \
    "$(offered "espurna-ota serve fw.bin --allow ")" "serve --allow DEV"
  assert_eq "ESPURNA-00000B kitchen" "$(offered "espurna-ota batch --exclude ")" \
    "--exclude PATTERN: host names only"
  [[ ! -e $work/pwned ]] || fail "a word of the cache was run"
  description=$("$PROGRAM" __complete 3 espurna-ota upgrade --device kit | sed -n 2p)
  assert_eq $'kitchen\t127.0.1.15 ITEAD_SONOFF_BASIC 1.14.0' "$description" \
    "a device's description: address, board, version"
  write_cache "$cache_home" '\x7fELF\x02\x01garbage\n\t\t\n'
  assert_eq "" "$(offered "espurna-ota upgrade --device ")" "a corrupt cache: nothing"

  note "__complete: no socket, quick, usage"
  entries=""
  for i in $(seq 1 200); do
    entries+="host-$i\t10.1.$((i / 250)).$((i % 250))\tBOARD\t1.14.1\t$i\n"
  done
  write_cache "$cache_home" "# espurna-ota device cache 1\n$entries"
  assert_eq 257 "$("$PROGRAM" __complete 3 espurna-ota upgrade --device '' | wc -l)" \
    "a full cache: 128 devices, name and address each"
  # (LeakSanitizer cannot run under ptrace: a sanitizer build checks leaks elsewhere)
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    strace -f -qq -e trace=socket,connect -o "$work/strace" \
    "$PROGRAM" __complete 3 espurna-ota upgrade --device '' >/dev/null ||
    fail "__complete under strace failed"
  assert_eq "" "$(cat "$work/strace")" "__complete makes no socket"
  start=$EPOCHREALTIME
  for i in $(seq 1 50); do offered "espurna-ota upgrade --device host-1" >/dev/null; done
  elapsed_ms=$(((${EPOCHREALTIME/./} - ${start/./}) / 1000))
  note "50 completions of --device with a full cache: $elapsed_ms ms"
  ((elapsed_ms < 10000)) || fail "50 completions took $elapsed_ms ms (more than 10 s)"
  assert_status 2 "__complete without words" -- "$PROGRAM" __complete
  assert_status 2 "__complete with a CWORD that is not a number" -- "$PROGRAM" __complete x y
  assert_not_contains "$("$PROGRAM" --help)" "__complete" "--help does not list it"

  note "zsh: compinit loads _espurna-ota; TAB completes the same lines"
  write_cache "$cache_home" "# espurna-ota device cache 1\n\
kitchen\t127.0.1.15\tITEAD_SONOFF_BASIC\t1.14.0\t300\n\
ESPURNA-00000B\t127.0.1.11\tITEAD_SONOFF_BASIC\t1.14.1\t200\n"
  assert_eq "_espurna-ota" "$(zsh -f -c "fpath=('$COMPLETIONS' \$fpath); autoload -Uz compinit
    compinit -u -D; print -r -- \$_comps[espurna-ota]" 2>&1)" "compinit finds it, no error"
  zsh_offers "$work/zsh.out" \
    "espurna-ota up" \
    "espurna-ota upgrade --ima" \
    "espurna-ota upgrade --image $work/fw" \
    "espurna-ota upgrade --image $work/fw-1" \
    "espurna-ota batch --firmware-dir $work/rel" \
    "espurna-ota flash --method " \
    "espurna-ota flash --method w" \
    "espurna-ota flash --method=te" \
    "espurna-ota batch --de" \
    "espurna-ota discover --filter bo" \
    "espurna-ota upgrade --device " \
    "espurna-ota upgrade --device kit" \
    "espurna-ota "
  expected="1|espurna-ota upgrade 
1|espurna-ota upgrade --image 
2|espurna-ota upgrade --image $work/fw-
1|espurna-ota upgrade --image $work/fw-1.bin 
1|espurna-ota batch --firmware-dir $work/releases/
3|espurna-ota flash --method 
1|espurna-ota flash --method web 
1|espurna-ota flash --method=terminal 
1|espurna-ota batch --devices 
1|espurna-ota discover --filter board=
4|espurna-ota upgrade --device 
1|espurna-ota upgrade --device kitchen 
$((${#commands[@]} + 1))|espurna-ota "
  assert_eq "$expected" "$(<"$work/zsh.out")" "zsh completions"

  rm -rf "$work"
  trap - EXIT
  note "in a lab: the cache written by discover, upgrade and batch"
  lab_reexec --device "image=$(image espurna-1.14.1-itead-sonoff-basic.bin)" \
    --device "image=$(image espurna-1.14.1-itead-sonoff-basic.bin) name=kitchen" -- --in-lab
fi

# ---- inside the lab: XDG_CACHE_HOME is $LAB_DIR/cache ------------------------------------------
[[ $XDG_CACHE_HOME == "$LAB_DIR/cache" ]] || fail "the lab sets XDG_CACHE_HOME ($XDG_CACHE_HOME)"
cache=$XDG_CACHE_HOME/espurna-ota/devices.tsv
assert_eq "" "$(offered "espurna-ota upgrade --device ")" "before any discovery: nothing"
"$PROGRAM" discover --timeout 10 >/dev/null 2>"$LAB_DIR/discover.err" ||
  fail "discover failed: $(<"$LAB_DIR/discover.err")"
assert_eq "127.0.1.11 127.0.1.12 ESPURNA-00000B kitchen" \
  "$(offered "espurna-ota upgrade --device ")" "after discover: both devices"
assert_eq "kitchen" "$(offered "espurna-ota flash --device kit")" "--device kit<TAB>"
assert_eq "600 700" "$(stat -c %a "$cache") $(stat -c %a "$(dirname "$cache")")" \
  "the cache and its folder are private"
password=$(<"$(dev_password_file 1)")
assert_not_contains "$(<"$cache")" "$password" "no password in the cache"
zsh_offers "$LAB_DIR/zsh.out" "espurna-ota upgrade --device kit" "espurna-ota upgrade --device "
assert_eq "1|espurna-ota upgrade --device kitchen 
4|espurna-ota upgrade --device " "$(<"$LAB_DIR/zsh.out")" "zsh after discover"

export XDG_CACHE_HOME=$LAB_DIR/cache-upgrade
"$PROGRAM" upgrade --dry-run --device 127.0.1.12 --password-file "$(dev_password_file 2)" \
  --image "$(image espurna-1.14.1-itead-sonoff-basic.bin)" >/dev/null 2>&1 ||
  fail "upgrade --dry-run failed ($?)"
assert_eq "127.0.1.12 kitchen" "$(offered "espurna-ota upgrade --device ")" \
  "after upgrade: the device it identified"

export XDG_CACHE_HOME=$LAB_DIR/cache-batch
"$PROGRAM" batch --all --dry-run --password-file "$(dev_password_file 1)" \
  --image "$(image espurna-1.14.1-itead-sonoff-basic.bin)" --no-journal >/dev/null 2>&1
status=$?
[[ $status == 0 || $status == 16 ]] || fail "batch --all --dry-run failed ($status)"
assert_eq "127.0.1.11 127.0.1.12 ESPURNA-00000B kitchen" \
  "$(offered "espurna-ota upgrade --device ")" "after batch --all: every device"
note "completion of commands, options, files, values and devices in bash and zsh"
