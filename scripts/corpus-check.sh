#!/usr/bin/env bash
# Scans every crate folder under SRC (default: the corpus fetched by
# ../shared/realworld/fetch.sh) with the release binary, one run per crate, and reports the
# runs that crashed: exit code 101 (panic) or above, or a signal (stack overflow aborts with
# SIGABRT/SIGSEGV). Findings (exit 1) and unanalysable inputs (exit 2) are fine. With
# --all-targets, so tests, benches and examples are crash-checked too.
# usage: scripts/corpus-check.sh [SRC]      (builds the release binary first)
set -uo pipefail
cd "$(dirname "$0")/.."
src=${1:-${TMPDIR:-/tmp}/cs-corpus/visible/cargo-home/registry/src/index.crates.io-1949cf8c6b5b557f}
cargo build --release --quiet || exit 2
bin=${CARGO_TARGET_DIR:-target}/release/cargo-cancelsafe
crates=0 crashed=0 findings=0 errors=0 scanned=0 sources=0
times=$(mktemp)
trap 'rm -f "$times"' EXIT
for dir in "$src"/*/; do
  crates=$((crates + 1))
  start=$(date +%s.%N)
  json=$(mktemp)
  out=$("$bin" cancelsafe --format json --no-cache --all-targets "$dir" 2>&1 >"$json")
  code=$?
  n=$(grep -o '"files_scanned": [0-9]*' "$json" | grep -o '[0-9]*$')
  rm -f "$json"
  scanned=$((scanned + ${n:-0}))
  sources=$((sources + $(find "$dir" -name '*.rs' -not -path '*/target/*' | wc -l)))
  echo "$(echo "$(date +%s.%N) - $start" | bc) $dir" >>"$times"
  case $code in
    0 | 1 | 2) ;;
    *)
      crashed=$((crashed + 1))
      echo "CRASH exit $code: $dir"
      echo "$out" | tail -n 5 | sed 's/^/    /'
      ;;
  esac
  [[ $code == 1 ]] && findings=$((findings + 1))
  [[ $code == 2 ]] && errors=$((errors + 1))
done
echo "slowest crates (seconds):"
sort -rn "$times" | head -n 5 | sed 's/^/    /'
echo "corpus-check: $crates crates, $crashed crashed, $findings with findings, $errors could not be analysed"
echo "files analysed: $scanned of $sources .rs files (the rest no module of their crate reaches)"
[[ $crashed == 0 ]]
