#!/usr/bin/env bash
# make_chroot.sh - build a Debian 13 (trixie) tree with today's Python
# stack (Python 3.13, numpy 2, pandas 2, cloudpickle 3, pydantic 2) for
# generating the "modern" fixtures (tests/fixtures/gen_fixtures.py
# --stack modern runs inside it).  (Debian has no python3-tzdata: zoneinfo
# reads the tzdata package.)
#
#   tests/modern/make_chroot.sh [DIR]      default DIR: build/modern-chroot
#
# Idempotent: a tree that already answers the import check is kept; a
# failed build leaves only DIR.partial, removed on the next run.  Needs
# root (debootstrap, chroot); installs debootstrap with apt-get when it is
# missing.  The Debian mirror is the one this machine's apt already uses
# (read from /etc/apt/sources.list.d/*.sources, *.list or
# /etc/apt/sources.list at run time); MODERN_MIRROR overrides it.
#
# Prints the tree's versions on success.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR=$(realpath -m "${1:-$ROOT/build/modern-chroot}")
SUITE=trixie
# (tzdata-legacy: the old zone names such as US/Eastern the catalogue uses)
PKGS=python3,python3-numpy,python3-pandas,python3-cloudpickle,python3-pydantic,tzdata,tzdata-legacy
# the modern stack's own optional extras, tried after the base (absent
# ones are skipped, and the fixture generator says so)
EXTRA_PKGS=(python3-pyarrow)
STAMP=.prefect-result-modern

log() { echo "make_chroot: $*" >&2; }

check_tree() {
    [ -x "$1/usr/bin/python3" ] && [ -f "$1/$STAMP" ] &&
        [ "$(head -n1 "$1/$STAMP")" = "$SUITE $PKGS" ] &&
        chroot "$1" /usr/bin/python3 -c \
            'import numpy, pandas, cloudpickle, pydantic' 2>/dev/null
}

# A tree this script built with an older package list: add what is new.
update_tree() {
    [ -x "$1/usr/bin/python3" ] && [ -f "$1/$STAMP" ] || return 1
    log "adding packages to $1"
    cp /etc/resolv.conf "$1/etc/resolv.conf" 2>/dev/null || true
    chroot "$1" apt-get -q update >/dev/null 2>&1 &&
        chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends ${PKGS//,/ } >/dev/null 2>&1 &&
        chroot "$1" apt-get clean >/dev/null 2>&1 &&
        echo "$SUITE $PKGS" >"$1/$STAMP"
}

versions() {
    chroot "$1" /usr/bin/python3 -c '
import sys, numpy, pandas, cloudpickle, pydantic
print("python %s, numpy %s, pandas %s, cloudpickle %s, pydantic %s" % (
    sys.version.split()[0], numpy.__version__, pandas.__version__,
    cloudpickle.__version__, pydantic.VERSION))'
}

# The URI of the Debian archive apt is configured with: the entry for the
# machine's own release (not -security, not -updates) with "main".
find_mirror() {
    local codename files f
    # shellcheck disable=SC1091
    codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
    files=()
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    awk -v want="$codename" '
        function flush() {
            if (uris != "" && enabled && types ~ /(^| )deb( |$)/ &&
                comps ~ /(^| )main( |$)/) {
                n = split(suites, s, " ")
                for (i = 1; i <= n; i++)
                    if (s[i] !~ /-(security|updates|backports)$/ &&
                        (want == "" || s[i] == want)) {
                        split(uris, u, " "); print u[1]; found = 1; exit
                    }
            }
            uris = suites = comps = types = ""; enabled = 1
        }
        BEGIN { enabled = 1 }
        FNR == 1 && NR > 1 { flush() }
        /^[ \t]*#/ { next }
        /^[ \t]*$/ { flush(); next }
        {
            key = tolower($1); sub(/:$/, "", key)
            val = $0; sub(/^[^:]*:[ \t]*/, "", val)
            if (key == "uris") uris = val
            else if (key == "suites") suites = val
            else if (key == "components") comps = val
            else if (key == "types") types = val
            else if (key == "enabled") enabled = (tolower(val) != "no")
        }
        END { if (!found) flush() }
    ' "${files[@]+"${files[@]}"}" /dev/null | head -n1 | grep . && return 0
    files=()
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && files+=("$f")
    done
    [ ${#files[@]} -gt 0 ] || return 1
    # one-line form: deb [opts] URI SUITE COMPONENT...
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' "${files[@]}" | awk -v want="$codename" '
        $1 == "deb" && NF >= 4 && $3 !~ /-(security|updates|backports)$/ &&
        (want == "" || $3 == want) {
            for (i = 4; i <= NF; i++) if ($i == "main") { print $2; exit }
        }' | head -n1 | grep .
}

if check_tree "$DIR" || { update_tree "$DIR" && check_tree "$DIR"; }; then
    log "$DIR is ready"
    versions "$DIR"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    log "needs root (debootstrap and chroot)"
    exit 1
fi

if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends \
        debootstrap >&2 ||
        { apt-get update -q >&2 &&
          apt-get -o DPkg::Lock::Timeout=300 install -y -q \
              --no-install-recommends debootstrap >&2; }
fi

MIRROR=${MODERN_MIRROR:-}
if [ -z "$MIRROR" ]; then
    MIRROR=$(find_mirror) || true
fi
if [ -z "$MIRROR" ]; then
    log "no Debian mirror found in the apt configuration (set MODERN_MIRROR)"
    exit 1
fi
log "mirror from apt configuration: $MIRROR"

PART=$DIR.partial
rm -rf "$PART"
if [ -e "$DIR" ]; then
    log "removing the incomplete tree $DIR"
    rm -rf "$DIR"
fi
mkdir -p "$(dirname "$DIR")"
T0=$(date +%s)
log "debootstrap $SUITE into $PART"
if ! debootstrap --variant=minbase --include="$PKGS" "$SUITE" "$PART" \
        "$MIRROR" >"$PART.log" 2>&1; then
    tail -n 30 "$PART.log" >&2
    log "debootstrap failed (log: $PART.log)"
    exit 1
fi
mv "$PART.log" "$PART/debootstrap.log" 2>/dev/null || true

# optional extras: from the same mirror, through the tree's own apt
for p in "${EXTRA_PKGS[@]}"; do
    cp /etc/resolv.conf "$PART/etc/resolv.conf" 2>/dev/null || true
    if chroot "$PART" apt-get -q -o Acquire::Retries=2 update >/dev/null 2>&1 &&
       chroot "$PART" env DEBIAN_FRONTEND=noninteractive apt-get install \
            -y -q --no-install-recommends "$p" >/dev/null 2>&1; then
        log "installed $p"
    else
        log "$p is not available for $SUITE: skipped"
    fi
done
chroot "$PART" apt-get clean >/dev/null 2>&1 || true

echo "$SUITE $PKGS" >"$PART/$STAMP"
mv "$PART" "$DIR"
if ! check_tree "$DIR"; then
    log "the new tree fails the import check"
    exit 1
fi
log "built in $(( $(date +%s) - T0 )) s"
versions "$DIR"
