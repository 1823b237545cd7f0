#!/usr/bin/env bash
# tests/tooling/lint.sh — the tree stays clean: every C file (*.c, *.h) is as clang-format
# (.clang-format) writes it, and every shell script — *.sh, *.bash, and every file without an
# extension whose first line is a sh or bash shebang — passes shellcheck at every severity,
# following `source` from the script's folder. Files are the tracked ones plus new ones git does
# not ignore (outside git: every file but build*/ and .git/). First it proves both checkers catch
# a known fault, so the test cannot pass by checking nothing.
source "$(dirname "$0")/../e2e/lib.sh"
: "${EO_SOURCE:?}"

for tool in clang-format shellcheck; do
  command -v "$tool" >/dev/null || fail "$tool not found: run scripts/deps"
done
cd "$EO_SOURCE" || fail "no source tree at $EO_SOURCE"

# the files of the tree, one per line, relative to it
tree_files() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard
  else
    find . \( -path ./.git -o -path './build*' \) -prune -o -type f -print | sed 's|^\./||'
  fi
}
# is_shell_script FILE: *.sh, *.bash, or no extension and a sh/bash shebang
is_shell_script() {
  local first
  case ${1##*/} in
    *.sh | *.bash) return 0 ;;
    *.*) return 1 ;;
  esac
  IFS= read -r first <"$1" 2>/dev/null || return 1
  [[ $first =~ ^\#!\ ?(/usr)?/bin/(env\ +)?(ba)?sh([[:space:]]|$) ]]
}

c_files=() shell_files=()
while IFS= read -r file; do
  [[ -f $file && ! -L $file ]] || continue # listed by git but deleted here
  case $file in
    *.c | *.h) c_files+=("$file") ;;
    *) if is_shell_script "$file"; then shell_files+=("$file"); fi ;;
  esac
done < <(tree_files)
[[ ${#c_files[@]} -gt 0 ]] || fail "no C files found under $EO_SOURCE"
[[ ${#shell_files[@]} -gt 0 ]] || fail "no shell scripts found under $EO_SOURCE"

note "the checkers catch a known fault"
bad_c=$'int  main( void ){return 0;}\n'
clang-format --dry-run -Werror --assume-filename="$EO_SOURCE/src/lint_probe.c" <<<"$bad_c" \
  >/dev/null 2>&1 && fail "clang-format passes a badly formatted file"
bad_sh=$'#!/usr/bin/env bash\nrm -rf $1/tmp\n'
shellcheck - <<<"$bad_sh" >/dev/null 2>&1 && fail "shellcheck passes an unquoted expansion"

failures=0
note "clang-format: ${#c_files[@]} C files"
if ! report=$(clang-format --dry-run -Werror "${c_files[@]}" 2>&1); then
  echo "$report" | head -n 60 >&2
  places=$(grep -E '^[^ :][^:]*:[0-9]+:[0-9]+: error: code should be clang-formatted' <<<"$report")
  echo "lint: $(grep -c . <<<"$places") places not as clang-format writes them, in:" \
    "$(cut -d: -f1 <<<"$places" | sort -u | tr '\n' ' ')" >&2
  echo "lint: fix with clang-format -i FILE..." >&2
  failures=$((failures + 1))
fi

note "shellcheck: ${#shell_files[@]} scripts"
# *.bash (completions) has no shebang: bash is said; the others declare their shell
check_script() { # FILE...: shellcheck each, bash dialect for *.bash
  local file status=0
  for file; do
    if [[ $file == *.bash ]]; then
      shellcheck -x -P SCRIPTDIR -s bash "$file" || status=1
    else
      shellcheck -x -P SCRIPTDIR "$file" || status=1
    fi
  done
  return "$status"
}
export -f check_script
# two at a time: following lib.sh from every end-to-end script makes this the slow part
if ! printf '%s\0' "${shell_files[@]}" | xargs -0 -n 6 -P 2 bash -c 'check_script "$@"' _ >&2; then
  echo "lint: shellcheck warnings above (fix the code; a '# shellcheck disable=SCnnnn # reason'" \
    "only where the code is right)" >&2
  failures=$((failures + 1))
fi

[[ $failures -eq 0 ]] || fail "lint: $failures check(s) failed"
echo "lint: ${#c_files[@]} C files formatted, ${#shell_files[@]} shell scripts shellcheck-clean"
