#!/usr/bin/env bash
# The one test command (README, CI): formatting, clippy, and every test of the workspace,
# the incident test against a real redis-server that tests/redis.sh installs and starts.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
tests/redis.sh cargo test --workspace 2>&1 | tee "$log"
# One closing line for the whole run (cargo prints one per test binary; the last is doctests).
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
