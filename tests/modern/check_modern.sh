#!/usr/bin/env bash
# check_modern.sh - prefect-jq against libjq 1.7 and the PostgreSQL
# extension against PostgreSQL 17, in the Debian 13 chroot (issue 8);
# `make check-modern` runs this.
#
#   tests/modern/check_modern.sh [CHROOT_DIR]   default: build/modern-chroot
#
# 1. builds the chroot if needed (make_chroot.sh, the same tree the modern
#    fixtures use) and installs in it the build and test packages that
#    are missing (PKGS below: libjq 1.7, PostgreSQL 17 and its server-dev);
# 2. copies the source tree into CHROOT_DIR/prf-check/src (a copy, not a
#    bind mount: PGXS builds in pg_extension/ itself, and PostgreSQL 17
#    objects there would be taken as up to date by the host's PostgreSQL
#    15 build); mounts /proc, a tmpfs on prf-check and on the chroot's
#    /tmp (the copy, build-modern, the suites' clusters: nothing to
#    delete file by file afterwards) and, read-only, the shared corpora
#    (PR_SHARED_DIR, default ../shared next to the clone) when present;
# 3. inside the chroot, as root: make BUILD=build-modern, then
#    tests/jq/run.sh with build-modern/prefect-jq and the chroot's jq, and
#    PG_VERSION=17 tests/pg/run.sh;
# 4. unmounts (always, from a trap), which drops the copy.
#
# Needs root.  The last line is "N passed, N failed" (", N skipped" when
# the PostgreSQL suite skipped something), the two suites plus the build
# added up; exit 1 if anything failed.  CHECK_MODERN_KEEP=1 first copies
# the work tree (logs, build-modern, regression.diffs) to
# CHROOT_DIR.check-kept.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR=$(realpath -m "${1:-$ROOT/build/modern-chroot}")
SHARED=${PR_SHARED_DIR:-$ROOT/../shared}
WORK=$DIR/prf-check
PG_VERSION=17
# The build (Makefile, pg_extension/Makefile) and the suites' own tools
# (procps: tests/pg/run.sh checks its fake API with ps).
PKGS=(build-essential pkg-config libcurl4-openssl-dev libcjson-dev
      zlib1g-dev liblzma-dev libbz2-dev libssl-dev libsqlite3-dev
      jq libjq-dev "postgresql-$PG_VERSION" "postgresql-server-dev-$PG_VERSION"
      python3 tzdata procps)

T0=$(date +%s)
PASSED=0
FAILED=0
SKIPPED=0
MOUNTS=()

log() { echo "check_modern: $*" >&2; }
pass() { PASSED=$((PASSED + 1)); echo "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
finish() {
    local line="$PASSED passed, $FAILED failed"
    cleanup
    [ "$SKIPPED" -gt 0 ] && line="$line, $SKIPPED skipped"
    echo "check_modern: $(( $(date +%s) - T0 )) s in all"
    echo "$line"
    [ "$FAILED" -eq 0 ]
    exit $?
}

# Unmount in reverse order (the copy lives on a tmpfs: it goes too).
cleanup() {
    local i m
    if [ "${CHECK_MODERN_KEEP:-0}" = 1 ] && [ -d "$WORK/src" ]; then
        rm -rf "$DIR.check-kept"
        mkdir -p "$DIR.check-kept"
        cp -a "$WORK/src" "$WORK/logs" "$DIR.check-kept/" 2>/dev/null
        log "work tree kept in $DIR.check-kept"
    fi
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        m=${MOUNTS[i]}
        mountpoint -q "$m" || continue
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
            log "could not unmount $m"
    done
    MOUNTS=()
    rmdir "$WORK" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bind SRC DEST [ro]
bind() {
    mkdir -p "$2"
    mount --bind "$1" "$2" || return 1
    MOUNTS+=("$2")
    if [ "${3:-}" = ro ]; then
        mount -o remount,bind,ro "$2" || return 1
    fi
}

# in_chroot CMD...: a clean environment, as root, from /.
in_chroot() {
    chroot "$DIR" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TMPDIR=/tmp "$@"
}

if [ "$(id -u)" != 0 ]; then
    fail "modern: needs root (debootstrap, chroot, mount)"
    finish
fi

# One run at a time per tree: the suites install into the chroot's system
# directories and share the copy's location.
mkdir -p "$(dirname "$DIR")"
exec 9>"$DIR.check-lock"
if ! flock -w 1800 9; then
    fail "modern: another check_modern.sh holds $DIR.check-lock"
    finish
fi

# ---------------------------------------------------------------- chroot
if ! bash "$ROOT/tests/modern/make_chroot.sh" "$DIR"; then
    fail "modern: make_chroot.sh $DIR"
    finish
fi
T_CHROOT=$(date +%s)

# /proc before apt: postgresql's postinst and the suites need it.
mkdir -p "$DIR/proc"
if ! mountpoint -q "$DIR/proc"; then
    if mount -t proc proc "$DIR/proc"; then
        MOUNTS+=("$DIR/proc")
    else
        fail "modern: mount /proc in $DIR"
        finish
    fi
fi

missing=()
for p in "${PKGS[@]}"; do
    # shellcheck disable=SC2016 # dpkg-query's own ${Status}
    st=$(in_chroot dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$st" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing in the chroot: ${missing[*]}"
    # A chroot runs no services: no cluster started (policy-rc.d) and
    # none created (tests/pg/run.sh makes its own throwaway one).
    if [ ! -e "$DIR/usr/sbin/policy-rc.d" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$DIR/usr/sbin/policy-rc.d"
        chmod 755 "$DIR/usr/sbin/policy-rc.d"
    fi
    mkdir -p "$DIR/etc/postgresql-common/createcluster.d"
    echo "create_main_cluster = false" \
        >"$DIR/etc/postgresql-common/createcluster.d/prefect-result.conf"
    cp /etc/resolv.conf "$DIR/etc/resolv.conf" 2>/dev/null || true
    aptlog=$DIR/var/log/prefect-result-apt.log
    apt_ok=0
    for attempt in 1 2 3; do
        if in_chroot apt-get -o Acquire::Retries=3 update -q >"$aptlog" 2>&1 &&
           in_chroot env DEBIAN_FRONTEND=noninteractive apt-get \
               -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3 install -y -q \
               --no-install-recommends "${missing[@]}" >>"$aptlog" 2>&1
        then
            apt_ok=1
            break
        fi
        log "apt-get failed (attempt $attempt)"
        sleep $((attempt * 5))
    done
    if [ "$apt_ok" != 1 ]; then
        tail -n 30 "$aptlog"
        fail "modern: install ${missing[*]} in the chroot"
        finish
    fi
    in_chroot apt-get clean >/dev/null 2>&1 || true
fi
# initdb refuses root: tests/pg/run.sh runs the cluster as postgres.
if ! in_chroot id -u postgres >/dev/null 2>&1; then
    in_chroot useradd --system --home-dir /var/lib/postgresql \
        --shell /bin/bash postgres ||
        { fail "modern: create the postgres user"; finish; }
fi
T_PKGS=$(date +%s)
# shellcheck disable=SC2016 # dpkg-query's own ${Version}
JQ_VERSION="libjq $(in_chroot dpkg-query -W -f='${Version}' libjq1 2>&1)"
PG_FULL=$(in_chroot "/usr/lib/postgresql/$PG_VERSION/bin/pg_config" \
          --version 2>&1)
log "chroot ready: $JQ_VERSION, $PG_FULL," \
    "$(in_chroot gcc --version | head -n 1) (chroot $((T_CHROOT - T0)) s," \
    "packages $((T_PKGS - T_CHROOT)) s)"

# ---------------------------------------------------------------- tree
# Mounts left by a run killed before its trap (the lock says no run is
# going on): deepest first, then whatever it left on disk.
awk -v w="$WORK" -v t="$DIR/tmp" '$2 == t || $2 == w || index($2, w "/") == 1 \
    { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m"
done
if grep -q " ${WORK}[/ ]" /proc/self/mounts; then
    fail "modern: $WORK is still mounted"
    finish
fi
rm -rf "$WORK"
mkdir -p "$WORK" "$DIR/tmp"
mount -t tmpfs -o size=4g,mode=755 prf-check "$WORK" ||
    { fail "modern: mount a tmpfs on $WORK"; finish; }
MOUNTS+=("$WORK")
mount -t tmpfs -o size=4g,mode=1777 prf-tmp "$DIR/tmp" ||
    { fail "modern: mount a tmpfs on $DIR/tmp"; finish; }
MOUNTS+=("$DIR/tmp")
# Sources only: no build directories, objects, PGXS outputs or
# node_modules (the suites here need none of them).
mkdir -p "$WORK/src"
if ! tar -C "$ROOT" -cf - --exclude=./.git --exclude='./build*' \
        --exclude=node_modules --exclude='*.o' --exclude='*.a' \
        --exclude='*.so' --exclude='*.bc' --exclude=__pycache__ \
        --exclude=./pg_extension/results --exclude=./pg_extension/log \
        --exclude='./pg_extension/regression.*' . |
     tar -C "$WORK/src" -xf -; then
    fail "modern: copy the source tree into $WORK/src"
    finish
fi
if [ -d "$SHARED/corpora" ]; then
    bind "$SHARED" "$WORK/shared" ro ||
        { fail "modern: bind-mount $SHARED"; finish; }
else
    log "no shared corpora in $SHARED: the pg suite skips their tests"
    mkdir -p "$WORK/shared"
fi

# ---------------------------------------------------------------- build
mkdir -p "$WORK/logs"
if in_chroot make -C /prf-check/src -j"$(nproc)" BUILD=build-modern all \
        >"$WORK/logs/build.log" 2>&1; then
    pass "modern: make BUILD=build-modern all (gcc in the chroot)"
else
    tail -n 40 "$WORK/logs/build.log"
    fail "modern: make BUILD=build-modern all (gcc in the chroot)"
fi
T_BUILD=$(date +%s)

# suite NAME LOG CMD...: run a suite in the chroot, show its output, add
# its closing "N passed, N failed[, N skipped]" to the totals.
suite() {
    local name=$1 out=$2 last p f s
    shift 2
    in_chroot "$@" 2>&1 | tee "$out"
    last=$(tail -n 1 "$out")
    local re='^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$'
    if [[ $last =~ $re ]]; then
        p=${BASH_REMATCH[1]}
        f=${BASH_REMATCH[2]}
        s=${BASH_REMATCH[4]:-0}
        PASSED=$((PASSED + p))
        FAILED=$((FAILED + f))
        SKIPPED=$((SKIPPED + s))
        log "$name: $p passed, $f failed, $s skipped"
    else
        fail "modern: $name ended without a count"
    fi
}

# ---------------------------------------------------------------- jq
if [ -x "$WORK/src/build-modern/prefect-jq" ]; then
    suite "jq ($JQ_VERSION)" "$WORK/logs/jq.log" \
        PREFECT_JQ=build-modern/prefect-jq JQ=/usr/bin/jq \
        bash /prf-check/src/tests/jq/run.sh
else
    fail "modern: build-modern/prefect-jq was not built"
fi
T_JQ=$(date +%s)

# ---------------------------------------------------------------- pg
suite "pg ($PG_FULL)" "$WORK/logs/pg.log" \
    PR_BUILD=build-modern PG_VERSION="$PG_VERSION" \
    PR_SHARED_DIR=/prf-check/shared bash /prf-check/src/tests/pg/run.sh
T_PG=$(date +%s)

log "times: chroot $((T_CHROOT - T0)) s, packages $((T_PKGS - T_CHROOT)) s," \
    "copy+build $((T_BUILD - T_PKGS)) s, jq $((T_JQ - T_BUILD)) s," \
    "pg $((T_PG - T_JQ)) s"
finish
