# tests/e2e/valgrind.sh — sourced by the end-to-end scripts: with EO_VALGRIND=1 the tool runs
# under valgrind's memcheck (tests/tools/under-valgrind: an error or a definite leak is exit 99).
# shellcheck shell=bash
if [[ ${EO_VALGRIND:-} == 1 && -z ${EO_REAL_BIN:-} ]]; then
  export EO_REAL_BIN=$EO_BIN
  EO_BIN=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)/under-valgrind
  export EO_BIN
fi
