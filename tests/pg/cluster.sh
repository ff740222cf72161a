# tests/pg/cluster.sh - a throwaway PostgreSQL cluster and the extension
# built into it, for the scripts that need one: tests/pg/run.sh (the
# regression suite) and tests/demo.sh (the SQL part of `make demo`).
# Sourced, not run; it sets no shell options of its own.
#
#   pg_pick_version       PG_VERSION, PG_CONFIG (exported) and PGBIN
#   pg_missing            why a cluster cannot run here (empty: it can)
#   pg_free_port          a free loopback TCP port
#   pg_build_install LOG  build pg_extension (and the core library it
#                         links) and install it where pg_config says
#   pg_cluster_init DIR LOG
#                         initdb DIR/data (sets PG_DATA)
#   pg_cluster_start PORT SOCKDIR LOG [NAME=VALUE...]
#                         start it on 127.0.0.1:PORT, the server's
#                         environment being only the NAME=VALUEs given
#   pg_cluster_stop       stop it if it runs (safe to call at any time:
#                         callers put it in their EXIT trap)
#   pg_stop_own PID PATTERN
#                         stop a helper process the caller started (a
#                         test API), if PID still runs a command line
#                         matching PATTERN: PIDs are reused quickly
#
# The caller owns DIR (a temp dir) and removes it after pg_cluster_stop.
# initdb and pg_ctl refuse to run as root: they run as `postgres`, from /
# (the caller's directory may not be readable by postgres), so DIR is
# handed to postgres first.
#
# Environment: PG_VERSION (the major version, default the one
# `pg_config --version` names), PG_CONFIG, PGBIN, PR_BUILD (the core
# library's build directory, default build).

PG_DATA=${PG_DATA:-}
PR_PG_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

pg_pick_version() {
    # Issue 8: the version is a parameter.  An explicit PG_VERSION also
    # picks that version's pg_config for PGXS (pg_extension/Makefile
    # reads PG_CONFIG from the environment).
    if [ -n "${PG_VERSION:-}" ]; then
        if [ -z "${PG_CONFIG:-}" ] &&
           [ -x "/usr/lib/postgresql/$PG_VERSION/bin/pg_config" ]; then
            export PG_CONFIG=/usr/lib/postgresql/$PG_VERSION/bin/pg_config
        fi
    else
        PG_VERSION=$("${PG_CONFIG:-pg_config}" --version 2>/dev/null |
                     sed -n 's/^PostgreSQL \([0-9][0-9]*\).*/\1/p')
        PG_VERSION=${PG_VERSION:-15}
    fi
    PGBIN=${PGBIN:-/usr/lib/postgresql/$PG_VERSION/bin}
}

pg_missing() {
    if [ "$(id -u)" != 0 ]; then
        echo "needs root (make install, runuser postgres)"
    elif [ ! -x "$PGBIN/initdb" ] ||
         ! command -v "${PG_CONFIG:-pg_config}" >/dev/null; then
        echo "PostgreSQL $PG_VERSION server binaries or pg_config are missing"
    fi
}

pg_free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_build_install() {
    local log=$1
    PR_BUILD=${PR_BUILD:-build} \
        make --no-print-directory -C "$PR_PG_TOP/pg_extension" \
        >"$log" 2>&1 &&
    PR_BUILD=${PR_BUILD:-build} \
        make --no-print-directory -C "$PR_PG_TOP/pg_extension" install \
        >>"$log" 2>&1
}

pg_cluster_init() {
    local dir=$1 log=$2
    chmod 755 "$dir"
    chown postgres "$dir"
    PG_DATA=$dir/data
    # --no-sync: a throwaway cluster (it runs with fsync=off too); the
    # final sync of a fresh data dir is most of initdb's time on a busy
    # disk.
    (cd / && runuser -u postgres -- "$PGBIN/initdb" -D "$PG_DATA" \
        -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
        >"$log" 2>&1)
}

pg_cluster_start() {
    local port=$1 sockdir=$2 log=$3
    shift 3
    # env -i: unset settings of the extension fall back to the server's
    # environment, so it holds only what the caller chose.
    (cd / && runuser -u postgres -- env -i PATH=/usr/bin:/bin LANG=C.UTF-8 \
        "$@" "$PGBIN/pg_ctl" -D "$PG_DATA" -l "$log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $sockdir -c fsync=off" \
        start >/dev/null 2>&1)
}

pg_stop_own() {
    [ -n "$1" ] || return 0
    if ps -o cmd= -p "$1" 2>/dev/null | grep -q -- "$2"; then
        kill "$1" 2>/dev/null
        wait "$1" 2>/dev/null
    fi
    return 0
}

pg_cluster_stop() {
    if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
        (cd / && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DATA" \
            -m immediate -w stop >/dev/null 2>&1)
    fi
    return 0
}
