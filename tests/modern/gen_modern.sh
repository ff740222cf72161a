#!/usr/bin/env bash
# gen_modern.sh - regenerate tests/fixtures/modern/ (data/*.pkl,
# expected.jsonl, stack.txt) with the Debian 13 stack: builds the chroot
# if needed (make_chroot.sh), copies the generator and the reference into
# it, runs `gen_fixtures.py --stack modern` with the chroot's python3 and
# copies the result back.  `make fixtures-modern` runs this.
#
#   tests/modern/gen_modern.sh [CHROOT_DIR]   default: build/modern-chroot
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR=$(realpath -m "${1:-$ROOT/build/modern-chroot}")
DEST=$ROOT/tests/fixtures/modern
T0=$(date +%s)

bash "$ROOT/tests/modern/make_chroot.sh" "$DIR" >/dev/null

WORK=$DIR/prf
rm -rf "$WORK"
mkdir -p "$WORK"
cp "$ROOT/tests/fixtures/gen_fixtures.py" "$ROOT/tests/fixtures/reference.py" \
    "$WORK/"
rc=0
chroot "$DIR" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 /usr/bin/python3 /prf/gen_fixtures.py --stack modern \
    --out /prf/modern || rc=$?
if [ ! -f "$WORK/modern/expected.jsonl" ]; then
    echo "gen_modern: the generator wrote nothing (exit $rc)" >&2
    exit 1
fi
rm -rf "$DEST.new"
cp -r "$WORK/modern" "$DEST.new"
rm -rf "$DEST"
mv "$DEST.new" "$DEST"
rm -rf "$WORK"
echo "gen_modern: tests/fixtures/modern written ($(du -sk --apparent-size \
"$DEST" | cut -f1) KiB) in $(( $(date +%s) - T0 )) s"
exit "$rc"
