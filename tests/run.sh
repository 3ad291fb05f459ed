#!/usr/bin/env bash
# The one test command (README, CI): formatting, clippy, and every test of the workspace,
# the incident test against a real redis-server that tests/redis.sh installs and starts.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
exec tests/redis.sh cargo test --workspace
