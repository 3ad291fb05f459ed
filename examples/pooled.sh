#!/usr/bin/env bash
# The incident in the application: a bb8 pool of `redis::aio::Connection`s, GETs under
# `tokio::time::timeout`, unguarded and through `cancelsafe::Guarded`, against a real
# redis-server, in one command from a fresh clone:
#
#   examples/pooled.sh             # 200 users, 20 ms proxy delay each way
#   examples/pooled.sh --help      # every option
#
# Installs redis-server if missing (Debian/Ubuntu, as root), starts a throwaway one on a
# free loopback port, runs `cargo run --example pooled`, and stops the server after.
set -euo pipefail
cd "$(dirname "$0")/.."
exec tests/redis.sh cargo run --quiet --example pooled -- "$@"
