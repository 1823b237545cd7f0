# espurna-ota.bash — bash completion for espurna-ota. Thin on purpose: the program itself
# answers (`espurna-ota __complete CWORD WORD...`, see espurna-ota(1), SHELL COMPLETION) from
# its own option tables and its cache of the devices the last discovery saw, so this script
# never lists a command or an option and cannot drift from them. The answer's first line says
# what to complete: "words" (the lines that follow, each "WORD" or "WORD<TAB>DESCRIPTION"),
# "files", "dirs" or "none".
#
# Enable from a build tree:  source completions/espurna-ota.bash  (with espurna-ota on PATH);
# installed as share/bash-completion/completions/espurna-ota, it loads on first use.
# shellcheck shell=bash

_espurna_ota() {
  local cur=${COMP_WORDS[COMP_CWORD]} program=${COMP_WORDS[0]} prefix='' kind line
  local -a answer=()
  # the program typed (./build/normal/espurna-ota) when it runs, else the one on PATH
  [[ $program == */* && -x $program ]] || program=espurna-ota
  mapfile -t answer < <("$program" __complete "$COMP_CWORD" "${COMP_WORDS[@]}" 2>/dev/null)
  kind=${answer[0]-none}
  # A value after "--option=": bash gives "=" as a word of its own (then readline completes
  # what follows it), or the whole "--option=value" when '=' does not break words.
  if [[ $cur == = ]]; then
    cur=
  elif [[ $cur == --*=* ]]; then
    prefix=${cur%%=*}=
    cur=${cur#*=}
  fi
  COMPREPLY=()
  case $kind in
    words)
      for line in "${answer[@]:1}"; do
        COMPREPLY+=("$prefix${line%%$'\t'*}")
      done
      # "hostname=" wants its value right after it
      if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
        compopt -o nospace 2>/dev/null
      fi
      ;;
    files | dirs)
      compopt -o filenames 2>/dev/null
      if [[ $kind == files ]]; then
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      else
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      fi
      [[ -z $prefix ]] || COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
      ;;
  esac
  return 0
}

complete -F _espurna_ota espurna-ota
