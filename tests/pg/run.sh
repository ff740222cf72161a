#!/usr/bin/env bash
# tests/pg/run.sh - the PostgreSQL extension's tests, end to end:
#
#   1. build pg_extension (and the core library) and install it (root);
#   2. initdb a throwaway PostgreSQL cluster (PG_VERSION: 15 or 17) as
#      `postgres`, on a free loopback port, with a clean environment
#      (PREFECT_API_URL points at the fake API below, to test the
#      fallback from unset settings);
#   3. start tests/pg/fake_api.py (a throwaway Prefect API serving the
#      shared corpora's captured replies, plus slow and failing routes);
#   4. run pg_regress (PGXS installcheck) with the tests that can run
#      here: the corpora tests need ../shared/corpora, the resolution
#      tests need a core with the resolution API;
#   5. pgbench: 8 clients x 2,000 calls of prefect_decode, then of
#      prefect_result (database source; with the corpora also 8 x 250
#      through the REST API and a result file), 0 errors;
#   6. stop everything, always, and print "N passed, N failed" last
#      (", N skipped" when something could not run).  regression.diffs is
#      printed when a test failed.  Exit 1 on any failure.
#
# Environment: PR_SHARED_DIR (default ../shared next to the clone),
# PR_BUILD (the core's build directory, default build), PG_VERSION (the
# major version to test, default the one `pg_config --version` names:
# 15 on Debian 12, 17 in tests/modern's Debian 13 chroot), PGBIN.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
EXT=$ROOT/pg_extension
# The cluster and build helpers, shared with tests/demo.sh.
. "$ROOT/tests/pg/cluster.sh"
pg_pick_version
PYTHON=/usr/bin/python3
SHARED=${PR_SHARED_DIR:-$ROOT/../shared}
CORPORA=$SHARED/corpora
export PR_BUILD=${PR_BUILD:-build}

PASSED=0
FAILED=0
SKIPPED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP $*"; }
finish() {
    local line="$PASSED passed, $FAILED failed"
    [ "$SKIPPED" -gt 0 ] && line="$line, $SKIPPED skipped"
    echo "$line"
    [ "$FAILED" -eq 0 ]
    exit $?
}

TMP=
API_PID=
cleanup() {
    pg_cluster_stop
    pg_stop_own "$API_PID" fake_api.py
    [ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT

why=$(pg_missing)
if [ -n "$why" ]; then
    skip "pg: $why"
    finish
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pr-pg.XXXXXX")
chmod 755 "$TMP"
LOG=$TMP/logs
mkdir -p "$LOG"

# ---------------------------------------------------------------- build
if pg_build_install "$LOG/build.log"; then
    pass "pg: build and install"
else
    tail -n 40 "$LOG/build.log"
    fail "pg: build and install"
    finish
fi

# ---------------------------------------------------------------- corpora
HAVE_CORPORA=0
if [ -f "$CORPORA/prefect2/prefect-pg15.sql" ] &&
   [ -f "$CORPORA/prefect3/prefect-pg17.sql" ] &&
   [ -f "$CORPORA/prefect2/cases.json" ] &&
   [ -f "$CORPORA/prefect3/cases.json" ]; then
    HAVE_CORPORA=1
    # psql 15 knows neither \restrict nor transaction_timeout (17).
    for v in 2:prefect2/prefect-pg15.sql 3:prefect3/prefect-pg17.sql; do
        grep -v -e '^\\restrict ' -e '^\\unrestrict ' \
            -e '^SET transaction_timeout' "$CORPORA/${v#*:}" \
            >"$TMP/dump${v%%:*}.sql"
    done
    "$PYTHON" "$ROOT/tests/pg/gen_corpus_cases.py" "$TMP/corpus_cases.sql" \
        "$TMP/remap.txt" "$TMP/stage" "$CORPORA/prefect2" "$CORPORA/prefect3" \
        >"$LOG/corpus.log" 2>&1 || { cat "$LOG/corpus.log"; HAVE_CORPORA=0; }
fi
export PR_PG_DUMP2=$TMP/dump2.sql PR_PG_DUMP3=$TMP/dump3.sql
export PR_PG_CORPUS_SQL=$TMP/corpus_cases.sql
export PR_PG_REMAP=$(cat "$TMP/remap.txt" 2>/dev/null)
export PR_PG_CORPORA=$CORPORA

# ---------------------------------------------------------------- fake API
"$PYTHON" "$ROOT/tests/pg/fake_api.py" "$TMP/api.port" \
    "$CORPORA/prefect2/cases" "$CORPORA/prefect3/cases" \
    >"$LOG/fake_api.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 100); do
    [ -s "$TMP/api.port" ] && break
    sleep 0.05
done
if [ ! -s "$TMP/api.port" ]; then
    cat "$LOG/fake_api.log"
    fail "pg: fake API did not start"
    finish
fi
export PR_PG_API_PORT=$(cat "$TMP/api.port")
CLOSED_PORT=$(pg_free_port)
export PR_PG_CLOSED_PORT=$CLOSED_PORT

# ---------------------------------------------------------------- cluster
mkdir -p "$TMP/home"
chown postgres "$TMP/home" "$LOG"
PORT=$(pg_free_port)
if ! pg_cluster_init "$TMP" "$LOG/initdb.log"; then
    cat "$LOG/initdb.log"
    fail "pg: initdb"
    finish
fi
# The server's environment is what unset settings fall back to.
if ! pg_cluster_start "$PORT" "$TMP" "$LOG/server.log" HOME="$TMP/home" \
        PREFECT_HOME="$TMP/home/.prefect" \
        PREFECT_API_URL="http://127.0.0.1:$PR_PG_API_PORT/api"; then
    tail -n 30 "$LOG/server.log" | cut -c1-300
    fail "pg: server start"
    finish
fi
pass "pg: cluster on 127.0.0.1"

# ---------------------------------------------------------------- tests
TESTS=()
if [ "$HAVE_CORPORA" = 1 ]; then
    TESTS+=(indb_load)
else
    skip "pg: indb_load, indb, resolve_db, resolve_api (no shared corpora in" \
         "$CORPORA)"
fi
TESTS+=(setup decode nan gucs errors minidb privileges memory)
[ "$HAVE_CORPORA" = 1 ] && TESTS+=(indb)
TESTS+=(minidb_resolve api_errors timeout)
[ "$HAVE_CORPORA" = 1 ] && TESTS+=(resolve_db resolve_api)

export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres
rm -f "$EXT/regression.diffs" "$EXT/regression.out"
make --no-print-directory -C "$EXT" installcheck REGRESS="${TESTS[*]}" \
    >"$LOG/installcheck.log" 2>&1
# pg_regress 15 prints "test NAME ... ok"; 16 and later print TAP,
# "ok N - NAME" or "not ok N - NAME" (issue 8).
sed -n -e '/^\(test\| \) \?[a-z_]* *\.\.\./p' \
    -e '/^\(not \)\?ok [0-9]/p' "$LOG/installcheck.log"
for t in "${TESTS[@]}"; do
    line=$(grep -E -e "^(test| )? *$t +\.\.\. " \
           -e "^(not )?ok +[0-9]+ +[-+] +$t( |\$)" "$LOG/installcheck.log" |
           head -n 1)
    case "$line" in
        "not ok "*) fail "pg: $t" ;;
        "ok "*|*" ok"*) pass "pg: $t" ;;
        "") fail "pg: $t (did not run)" ;;
        *) fail "pg: $t" ;;
    esac
done
if [ -s "$EXT/regression.diffs" ]; then
    echo "---- regression.diffs"
    cat "$EXT/regression.diffs"
    echo "---- end of regression.diffs"
elif ! grep -q "All [0-9]* tests passed" "$LOG/installcheck.log"; then
    tail -n 30 "$LOG/installcheck.log"
fi

# ---------------------------------------------------------------- pgbench
# A 3.x record of a small dict, as prefect_decode sees it from a table.
cat >"$TMP/bench.sql" <<'EOF'
SELECT prefect_decode(convert_to('{"metadata":{"storage_key":"/x","expiration":null,"serializer":{"type":"pickle","picklelib":"cloudpickle","picklelib_version":null},"prefect_version":"3.4.1","storage_block_id":null},"result":"gAWVIAAAAAAAAAB9lCiMAWGUSwGMAWKUXZQoRz/4AAAAAAAAjAF4lGV1Lg==\n"}', 'UTF8'));
EOF
if "$PGBIN/pgbench" -n -c 8 -j 4 -t 2000 -f "$TMP/bench.sql" \
        contrib_regression >"$LOG/pgbench.log" 2>&1 &&
   grep -q 'number of transactions actually processed: 16000/16000' \
        "$LOG/pgbench.log" &&
   ! grep -q 'number of failed transactions: [1-9]' "$LOG/pgbench.log"; then
    pass "pg: pgbench 8 clients x 2000 prefect_decode, 0 failed" \
         "($(grep -o 'tps = [0-9.]*' "$LOG/pgbench.log" | head -n 1))"
else
    tail -n 20 "$LOG/pgbench.log"
    fail "pg: pgbench 8 clients x 2000 prefect_decode"
fi

# The same concurrency through resolution: each backend has its own
# client (and curl handles).  Prefect's tables (the minidb test's schema)
# always; with the corpora, the REST API and a remapped result file too.
# bench_resolve LABEL SCRIPT N: 8 clients x N transactions of SCRIPT.
bench_resolve() {
    if "$PGBIN/pgbench" -n -c 8 -j 4 -t "$3" -f "$2" \
            contrib_regression >"$LOG/pgbench-$1.log" 2>&1 &&
       grep -q "number of transactions actually processed: $((8 * $3))/" \
            "$LOG/pgbench-$1.log" &&
       ! grep -q 'number of failed transactions: [1-9]' \
            "$LOG/pgbench-$1.log"; then
        pass "pg: pgbench 8 clients x $3 prefect_result ($1), 0 failed" \
             "($(grep -o 'tps = [0-9.]*' "$LOG/pgbench-$1.log" | head -n 1))"
    else
        tail -n 20 "$LOG/pgbench-$1.log"
        fail "pg: pgbench 8 clients x $3 prefect_result ($1)"
    fi
}
cat >"$TMP/bench_db.sql" <<'EOF'
SET prefect_result.schema = 'regress_mini';
SELECT prefect_result('50000000-0000-4000-8000-000000000004');
EOF
bench_resolve database "$TMP/bench_db.sql" 2000
if [ "$HAVE_CORPORA" = 1 ]; then
    sid=$("$PGBIN/psql" -X -A -t -q -d contrib_regression -c \
        "SELECT state_id FROM corpus_case
         WHERE name = 'p3/pg-flow-pickle-block-int_7'" 2>/dev/null)
    {
        echo "SET prefect_result.source = 'api';"
        echo "SET prefect_result.path_remap = '$PR_PG_REMAP';"
        echo "SELECT prefect_result('$sid');"
    } >"$TMP/bench_api.sql"
    if [ -n "$sid" ]; then
        # The fake API (Python) answers ~300 requests a second: fewer.
        bench_resolve "REST API and a block's file" "$TMP/bench_api.sql" 250
    else
        fail "pg: pgbench through the API: no corpus_case row to resolve"
    fi
fi

if [ "$FAILED" -gt 0 ]; then
    echo "---- server log (tail)"
    tail -n 30 "$LOG/server.log" | cut -c1-300
fi
finish
