#!/usr/bin/env bash
# Detection on the labelled real crates of ../shared/realworld: recall per category, false
# alarms on safe rows, and precision over the findings judged by reading the code (the
# shared judgements plus this project's own, tests/realworld/judged.tsv).
# usage: scripts/accuracy.sh [BIN]   (default: builds and uses the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/realworld
if [ $# -ge 1 ]; then bin=$1; else cargo build --release --quiet; bin=${CARGO_TARGET_DIR:-target}/release/cargo-cancelsafe; fi
root=$("$shared/fetch.sh" "$shared/crates.txt" visible)
judged=$(mktemp)
trap 'rm -f "$judged"' EXIT
cat "$shared/unlabelled.tsv" > "$judged"
grep -v '^#' tests/realworld/judged.tsv >> "$judged"
python3 "$shared/accuracy.py" "$bin" "$shared/labels.tsv" "$root" "$judged"
