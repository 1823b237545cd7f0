# espurna-ota.bash — bash completion for espurna-ota (placeholder: command names only; the full
# completion replaces it).
_espurna_ota() {
  local word=${COMP_WORDS[COMP_CWORD]}
  if [[ $COMP_CWORD -eq 1 ]]; then
    mapfile -t COMPREPLY < <(compgen -W "inspect discover flash batch upgrade serve help" -- "$word")
  fi
}
complete -F _espurna_ota espurna-ota
