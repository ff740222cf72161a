#!/usr/bin/env bash
# run.sh - speed and memory of the C decoder against CPython (`make bench`).
#
#   bench/run.sh                 generate inputs in build/bench, print table
#   BENCH_RUNS=10 bench/run.sh   best of 10 instead of 5
#   BENCH_TYPED=1 bench/run.sh   decode with --typed
#   BENCH_PG_IDS=500 bench/run.sh   the PostgreSQL batch bench on 500 ids
#                                (bench/pg_bench.sh; default 10000)
#
# A benchmark is not a test: this always exits 0, and prints MISSED next
# to each target that was not met.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=/usr/bin/python3
OUT=build/bench
# The decoder driver (tests/tools/pr_decode.c), under either spelling.
DECODER=${PR_DECODE:-build/tools/pr-decode}
[ -x "$DECODER" ] || [ ! -x build/tools/pr_decode ] ||
    DECODER=build/tools/pr_decode

t0=$(date +%s)
if ! "$PYTHON" bench/gen_inputs.py "$OUT"; then
    echo "bench: could not generate the inputs (MISSED: nothing measured)"
    exit 0
fi
if ! cc -O2 -Wall -Wextra -Werror -o "$OUT/timeit" bench/timeit.c; then
    echo "bench: could not build bench/timeit.c (MISSED: C not measured)"
fi
args=(--decoder "$DECODER" --runs "${BENCH_RUNS:-5}")
[ "${BENCH_TYPED:-0}" = 1 ] && args+=(--typed)
"$PYTHON" bench/measure.py "${args[@]}" "$OUT" ||
    echo "bench: measure.py failed (MISSED)"
# prefect-jq: what one native call through the bridge costs (issue 6:
# 10,000 states must be bound by the network, not the bridge)
if [ -x build/prefect-jq ] && [ -f tests/jq/overhead.sh ]; then
    echo
    echo "prefect-jq bridge, 10000 calls:"
    bash tests/jq/overhead.sh 10000 || echo "bench: overhead.sh failed"
fi
# The PostgreSQL extension (bench/pg_bench.sh: batch resolution against a
# slow API, jsonb construction of a 50 MB result).  Its targets are
# stated for PostgreSQL 15, Debian 12's.
echo
if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
    PG_VERSION=15 bash bench/pg_bench.sh || echo "bench: pg_bench.sh failed"
else
    echo "pg bench: skipped (PostgreSQL 15 is not installed)"
fi
echo "bench: $(( $(date +%s) - t0 )) s"
exit 0
