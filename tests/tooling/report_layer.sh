#!/usr/bin/env bash
# report_layer.sh — only the report layer writes: no printf-family call (printf, fprintf,
# vprintf, vfprintf, dprintf, vdprintf, puts, fputs, fputc, putc, putchar, fwrite, perror) in
# src/ outside src/report/. Everything else calls eo_out_* / eo_report_* (output.h, report.h).
# snprintf/vsnprintf/sprintf into buffers are fine; comment lines are skipped. Each offending
# call is named FILE:LINE; usage: report_layer.sh [SOURCE_DIR] (default $EO_SOURCE).
set -euo pipefail
source_dir=${1:-${EO_SOURCE:?}}
cd "$source_dir"
[[ -d src/report ]] || { echo "FAIL: $source_dir has no src/report" >&2; exit 1; }

calls='printf|fprintf|vprintf|vfprintf|dprintf|vdprintf|puts|fputs|fputc|putc|putchar|fwrite|perror'
# the word itself, not a longer name (snprintf, eo_out_printf), followed by its '('
pattern="(^|[^A-Za-z0-9_])($calls)[[:space:]]*\\("
found=$(grep -rnE --include='*.c' --include='*.h' "$pattern" src --exclude-dir=report |
  grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)' || true)
if [[ -n $found ]]; then
  echo "FAIL: printf-family writes outside src/report/ (call the report layer instead):" >&2
  sed -E 's/^([^:]+:[0-9]+):[[:space:]]*/  \1: /' <<<"$found" >&2
  exit 1
fi
echo "report layer: no printf-family writes in src/ outside src/report/"
