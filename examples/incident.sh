#!/usr/bin/env bash
# The incident, reproduced against a real redis-server, in one command from a fresh clone:
#
#   examples/incident.sh                # short run (200 users, 20 ms proxy delay each way)
#   examples/incident.sh --seed-doc     # the redis-py figures (200 GETs, 100 ms, U(120, 600) ms)
#   examples/incident.sh --help         # every option
#
# Installs redis-server if missing (Debian/Ubuntu, as root), starts a throwaway one on a
# free loopback port, runs `cargo run --example incident`, and stops the server after.
set -euo pipefail
cd "$(dirname "$0")/.."
exec tests/redis.sh cargo run --quiet --example incident -- "$@"
