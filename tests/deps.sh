#!/usr/bin/env bash
# deps.sh - install the Debian 12 packages that the build, the tests, the
# fuzzers and the benchmarks need, but only those that are missing.
#
#   tests/deps.sh           install what is missing (root), else explain
#   tests/deps.sh --check   only report what is missing; exit 1 if any
#
# Silent when everything is present; prints the packages it installs.
# Never installs Debian's nodejs/npm: they conflict with the preinstalled
# Node (see docs/test-infra.md).
set -euo pipefail

PKGS=(
    build-essential pkg-config curl ca-certificates
    postgresql-15 postgresql-server-dev-15
    jq libjq-dev libcjson-dev libcurl4-openssl-dev libssl-dev
    zlib1g-dev liblzma-dev libbz2-dev libsqlite3-dev
    python3 python3-cloudpickle python3-numpy python3-pandas python3-cryptography
    clang-14 libclang-rt-14-dev llvm-14 valgrind tzdata
)

check_only=0
case "${1:-}" in
    --check) check_only=1 ;;
    "") ;;
    *) echo "usage: tests/deps.sh [--check]" >&2; exit 2 ;;
esac

missing=()
for p in "${PKGS[@]}"; do
    # dpkg -s also succeeds for removed packages whose config remains;
    # only "install ok installed" means the files are there.
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$st" = "install ok installed" ] || missing+=("$p")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$check_only" = 1 ]; then
    echo "deps.sh: missing: ${missing[*]}" >&2
    exit 1
fi

if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
    echo "deps.sh: install them as root with:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends" \
         "${missing[*]}" >&2
    exit 1
fi

echo "deps.sh: installing ${missing[*]}"
log=$(mktemp "${TMPDIR:-/tmp}/pr-deps.XXXXXX")
trap 'rm -f "$log"' EXIT

apt_ok=0
for attempt in 1 2 3; do
    if apt-get -o Acquire::Retries=3 update -q >"$log" 2>&1 &&
       DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
           -o Acquire::Retries=3 install -y -q --no-install-recommends \
           "${missing[@]}" >>"$log" 2>&1; then
        apt_ok=1
        break
    fi
    echo "deps.sh: apt-get failed (attempt $attempt of 3)" >&2
    sleep $((attempt * 5))
done
if [ "$apt_ok" != 1 ]; then
    tail -n 40 "$log" >&2
    exit 1
fi

still=()
for p in "${missing[@]}"; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$st" = "install ok installed" ] || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
    tail -n 40 "$log" >&2
    echo "deps.sh: still missing after install: ${still[*]}" >&2
    exit 1
fi
echo "deps.sh: installed ${#missing[@]} package(s)"
