#!/usr/bin/env zsh
# completion_zsh.zsh — the zsh half of completion.sh: drives a real interactive zsh (zsh -f,
# compinit, the completion function from COMPLETIONS_DIR on fpath) through zsh/zpty. For each
# LINE argument it types LINE and TAB, and writes "<matches>|<the line after completing>" to
# OUT, one line per LINE. Each step waits for the shell to say it is done (a key typed while
# completion runs a program may be dropped by the terminal), at most 10 s, else exit 1; exit 2
# when zsh/zpty is missing.
#
#   usage: zsh -f completion_zsh.zsh COMPLETIONS_DIR OUT LINE...
emulate -L zsh
zmodload zsh/zpty || exit 2

local dir=$1 out=$2 marks=$2.marks line junk
integer done_lines=0
shift 2
: >| $out
: >| $marks

# wait_lines FILE COUNT: until FILE has COUNT lines, keeping the terminal drained
wait_lines() {
  local deadline=$(( SECONDS + 10 ))
  while (( $(wc -l < $1) < $2 )); do
    if (( SECONDS >= deadline )); then
      print -u2 "completion_zsh: no answer from zsh in 10 s (waiting for line $2 of $1)"
      zpty -d z
      exit 1
    fi
    while zpty -r -t z junk 2>/dev/null; do :; done
    sleep 0.05
  done
}

zpty z zsh -f -i
# No listing on ambiguity (a "do you wish to see all..." question would eat the next key), no
# beep; TAB completes and records how many matches there were; ^X^D writes that count and the
# line, then clears it.
zpty -w z "PS1='%% '; unsetopt auto_list list_ambiguous beep"
zpty -w z "fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "_test_complete() {
  _main_complete; _test_n=\$compstate[nmatches]; print n >>| ${(q)marks} }"
zpty -w z 'zle -C test-complete complete-word _test_complete; bindkey "^I" test-complete'
zpty -w z "_test_dump() {
  print -r -- \"\${_test_n:-0}|\$BUFFER\" >>| ${(q)out}; _test_n=0; BUFFER= }"
zpty -w z "zle -N _test_dump; bindkey '^X^D' _test_dump; print ready >>| ${(q)marks}"
wait_lines $marks 1
for line in "$@"; do
  (( done_lines++ ))
  zpty -w -n z "$line"$'\t'
  wait_lines $marks $(( done_lines + 1 ))
  zpty -w -n z $'\C-x\C-d'
  wait_lines $out $done_lines
done
zpty -d z
