#!/usr/bin/env bash
# A throwaway redis-server on a free loopback port, for the incident example and test and
# the guard's shapes test (tests/guard_redis.rs).
#
#   tests/redis.sh [COMMAND [ARGS...]]
#       installs redis-server if missing (Debian package; needs root, as in CI),
#       starts it, exports CANCELSAFE_REDIS=127.0.0.1:PORT, runs COMMAND
#       (default: cargo test --test incident), stops the server, exits with COMMAND's status.
#
#   source tests/redis.sh
#       the same, but leaves the server running in your shell (CANCELSAFE_REDIS exported);
#       it is stopped when the shell exits, or by `cancelsafe_redis_stop`.
#
# Nothing is written outside a temporary directory; the server keeps no data on disk.

cancelsafe_redis_stop() {
    if [ -n "${CANCELSAFE_REDIS_DIR:-}" ] && [ -f "$CANCELSAFE_REDIS_DIR/redis.pid" ]; then
        local pid
        pid=$(cat "$CANCELSAFE_REDIS_DIR/redis.pid" 2>/dev/null || true)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
    fi
    if [ -n "${CANCELSAFE_REDIS_DIR:-}" ]; then rm -rf "$CANCELSAFE_REDIS_DIR"; fi
    unset CANCELSAFE_REDIS CANCELSAFE_REDIS_DIR
}

cancelsafe_redis_install() {
    command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "redis.sh: installing redis-server (apt-get)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2 && apt-get install -y -qq redis-server >&2 || return 1
        # The package may start a system service on 6379; we use our own server only.
    else
        echo "redis.sh: redis-server is not installed; install it with:" >&2
        echo "    sudo apt-get install -y redis-server" >&2
        return 1
    fi
}

cancelsafe_redis_start() {
    cancelsafe_redis_install || return 1
    CANCELSAFE_REDIS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cancelsafe-redis.XXXXXX") || return 1
    export CANCELSAFE_REDIS_DIR
    local attempt port
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        # Taken already? (bash's /dev/tcp connects if something listens.)
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
        redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
            --daemonize yes --dir "$CANCELSAFE_REDIS_DIR" \
            --pidfile "$CANCELSAFE_REDIS_DIR/redis.pid" \
            --logfile "$CANCELSAFE_REDIS_DIR/redis.log" || continue
        for _ in $(seq 50); do
            if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
                export CANCELSAFE_REDIS="127.0.0.1:$port"
                echo "redis.sh: $(redis-server --version | cut -d' ' -f1-3) on $CANCELSAFE_REDIS" >&2
                return 0
            fi
            sleep 0.1
        done
        # Did not come up on this port (lost a race for it?): clean up, try another.
        [ -f "$CANCELSAFE_REDIS_DIR/redis.pid" ] && kill "$(cat "$CANCELSAFE_REDIS_DIR/redis.pid")" 2>/dev/null
        rm -f "$CANCELSAFE_REDIS_DIR/redis.pid"
    done
    echo "redis.sh: could not start redis-server (log: $CANCELSAFE_REDIS_DIR/redis.log)" >&2
    cat "$CANCELSAFE_REDIS_DIR/redis.log" >&2 2>/dev/null
    cancelsafe_redis_stop
    return 1
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: start, leave running, stop when the shell exits.
    cancelsafe_redis_start && trap cancelsafe_redis_stop EXIT
else
    set -u
    trap cancelsafe_redis_stop EXIT
    trap 'exit 130' INT TERM
    cancelsafe_redis_start || exit 1
    if [ $# -eq 0 ]; then set -- cargo test --test incident; fi
    "$@"
    exit $?
fi
