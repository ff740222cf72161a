#!/usr/bin/env bash
# make demo: decode the bundled examples with prefect-curl and prefect-jq,
# then resolve the same ids with the PostgreSQL extension in a throwaway
# cluster (skipped, with a note, when PostgreSQL or root is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
ex="$PWD/tests/examples"
bin=build/prefect-curl

echo "== A Prefect 3 flow result file: base64 lines of a cloudpickle"
echo "\$ cat tests/examples/hello-world.result"
cat "$ex/hello-world.result"
if /usr/bin/python3 -c 'import cloudpickle' 2>/dev/null; then
    echo "\$ python3 -c 'import cloudpickle; cloudpickle.load(open(...,\"rb\"))'"
    /usr/bin/python3 - "$ex/hello-world.result" <<'PY' || true
import sys, cloudpickle
try:
    cloudpickle.load(open(sys.argv[1], "rb"))
except Exception as e:
    print("%s: %s" % (type(e).__name__, e))
PY
fi
echo "\$ prefect-curl -s file://$ex/hello-world.result"
"$bin" -s "file://$ex/hello-world.result"
echo
echo "== A Prefect 3 task result record (JSON around a base64 cloudpickle)"
echo "\$ prefect-curl -s file://$ex/task-record.json"
"$bin" -s "file://$ex/task-record.json"
echo "\$ prefect-curl -s --typed file://$ex/task-record.json"
"$bin" -s --typed "file://$ex/task-record.json"

echo
echo "== A flow run as the API returns it: data is only a reference"
echo "\$ PREFECT_HOME=tests/examples/prefect-home prefect-curl -s file://.../tests/examples/flow-run.json | jq -c .state"
env -u PREFECT_API_URL PREFECT_HOME="$PWD/tests/examples/prefect-home" \
    "$bin" -s "file://$ex/flow-run.json" | { jq -c .state 2>/dev/null || cat; }
echo "\$ ... prefect-curl -s --result file://.../tests/examples/flow-run.json"
env -u PREFECT_API_URL PREFECT_HOME="$PWD/tests/examples/prefect-home" \
    "$bin" -s --result "file://$ex/flow-run.json"

echo
echo "== No Prefect server: resolve ids from Prefect's own database"
echo "   (a bundled PREFECT_HOME with a prefect.db written the way Prefect 3 writes it)"
H="$PWD/tests/examples/prefect-home"
ids() { /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$H/ids.json" "$1" 2>/dev/null || sed -n "s/.*\"$1\": \"\\([^\"]*\\)\".*/\\1/p" "$H/ids.json"; }
show() {
    echo "\$ PREFECT_HOME=tests/examples/prefect-home prefect-curl $*"
    env -u PREFECT_API_URL -u PREFECT_API_KEY -u PREFECT_PROFILE \
        PREFECT_HOME="$H" "$bin" "$@" || echo "(exit $?)"
}
show -s --result "$(ids flow-pickle)"            # a flow's cloudpickle result
show -s --result "$(ids flow-json)"              # the JSON serializer
show -s --result "$(ids flow-compressed)"        # compressed/pickle (lzma)
show -s --result "$(ids task-pickle)"            # a task's result record
show -s --result --remap-storage "/home/ana/.prefect=$H" "$(ids flow-block)"
                                                 # a LocalFileSystem block, Fernet-encrypted
show -S -s --result "$(ids flow-failed)"         # a FAILED run: its exception, exit 113
show -s "$(ids flow-run)"                        # a flow run id: its state, data resolved
if [ -x build/prefect-jq ]; then
    echo "\$ PREFECT_HOME=tests/examples/prefect-home prefect-jq -n -c '\"$(ids flow-json)\" | prefect_result'"
    env -u PREFECT_API_URL -u PREFECT_API_KEY -u PREFECT_PROFILE \
        PREFECT_HOME="$H" build/prefect-jq -n -c \
        "\"$(ids flow-json)\" | prefect_result" || echo "(exit $?)"
    echo "\$ ... prefect-jq -c '.state | prefect_result' tests/examples/flow-run.json"
    env -u PREFECT_API_URL -u PREFECT_API_KEY -u PREFECT_PROFILE \
        PREFECT_HOME="$H" build/prefect-jq -c '.state | prefect_result' \
        "$ex/flow-run.json" || echo "(exit $?)"
    many="[\"$(ids flow-pickle)\", \"$(ids flow-json)\", \"$(ids flow-compressed)\"]"
    echo "\$ ... prefect-jq -n -c '$many | prefect_results'   # fetched concurrently"
    env -u PREFECT_API_URL -u PREFECT_API_KEY -u PREFECT_PROFILE \
        PREFECT_HOME="$H" build/prefect-jq -n -c "$many | prefect_results" ||
        echo "(exit $?)"
fi
# ---------------------------------------------------------------- SQL
# The same ids inside PostgreSQL: the extension reads Prefect's own
# tables in place ("in-database mode"), so the rows of the bundled
# prefect.db are copied into a throwaway cluster with the table shapes a
# Prefect server creates on PostgreSQL.  The cluster helpers are
# tests/pg/run.sh's (tests/pg/cluster.sh).
. tests/pg/cluster.sh
pg_pick_version
why=$(pg_missing)
if [ -z "$why" ] && [ ! -f "$("${PG_CONFIG:-pg_config}" --pgxs 2>/dev/null)" ]
then
    why="PGXS is missing (postgresql-server-dev-$PG_VERSION)"
fi
echo
if [ -n "$why" ]; then
    case $why in
        "needs root"*) hint="run make demo as root to see it" ;;
        *) hint="tests/deps.sh (make check) installs it" ;;
    esac
    echo "(The SQL part of the demo is skipped: $why; $hint.)"
    exit 0
fi

echo "== The same ids inside PostgreSQL: the prefect_result extension"
echo "   (a throwaway PostgreSQL $PG_VERSION cluster; prefect.db's rows copied into"
echo "    the tables Prefect creates on PostgreSQL, which the extension reads)"
PGT=
sql_cleanup() {
    # Always: a cluster left running would hold its port and temp dir.
    pg_cluster_stop
    if [ -n "$PGT" ]; then rm -rf "$PGT"; fi
}
trap sql_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
PGT=$(mktemp -d "${TMPDIR:-/tmp}/pr-demo.XXXXXX")
mkdir -p "$PGT/home" "$PGT/logs"
chown postgres "$PGT/home" "$PGT/logs"
# A setup step that fails ends the demo with its log: it is broken, not
# something to show.
sql_fail() {
    echo "make demo: $1 failed:" >&2
    tail -n 30 "$2" >&2
    exit 1
}

echo "\$ make -C pg_extension && make -C pg_extension install"
pg_build_install "$PGT/logs/build.log" ||
    sql_fail "building the extension" "$PGT/logs/build.log"
pg_cluster_init "$PGT" "$PGT/logs/initdb.log" ||
    sql_fail "initdb" "$PGT/logs/initdb.log"
port=$(pg_free_port)
echo "\$ initdb && pg_ctl start    # as postgres, in a temp dir, on 127.0.0.1:$port"
# No PREFECT_* in the server's environment: what the queries read comes
# from the tables and the settings below.
pg_cluster_start "$port" "$PGT" "$PGT/logs/server.log" HOME="$PGT/home" ||
    sql_fail "starting the cluster" "$PGT/logs/server.log"
psql_demo() {
    "$PGBIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"
}
echo "\$ python3 tests/pg/sqlite_to_pg.py tests/examples/prefect-home/prefect.db prefect | psql -X -q"
/usr/bin/python3 tests/pg/sqlite_to_pg.py "$H/prefect.db" prefect \
    >"$PGT/prefect.sql" 2>"$PGT/logs/load.log" ||
    sql_fail "sqlite_to_pg.py" "$PGT/logs/load.log"
psql_demo -v ON_ERROR_STOP=1 -f "$PGT/prefect.sql" >>"$PGT/logs/load.log" 2>&1 ||
    sql_fail "loading the tables" "$PGT/logs/load.log"

# One session, each statement echoed (-e) before its output; errors go
# to stderr, merged so the raising call shows its message in place.
echo "\$ psql -X -q -e"
q=(
    "CREATE EXTENSION prefect_result;"
    "SELECT (SELECT count(*) FROM prefect.flow_run_state) AS flow_run_states,
       (SELECT count(*) FROM prefect.task_run_state) AS task_run_states,
       (SELECT count(*) FROM prefect.artifact) AS artifacts,
       (SELECT count(*) FROM prefect.block_document) AS block_documents;"
    # As PREFECT_HOME and --remap-storage do for prefect-curl above: the
    # rows hold the writer's paths under /home/ana/.prefect.
    "SET prefect_result.schema = 'prefect';"
    "SET prefect_result.path_remap = '/home/ana/.prefect=$H';"
    "SELECT prefect_result('$(ids flow-pickle)');  -- a flow's cloudpickle"
    "SELECT prefect_result('$(ids flow-json)');  -- the JSON serializer"
    "SELECT prefect_result('$(ids flow-compressed)');  -- compressed/pickle (lzma)"
    "SELECT prefect_result('$(ids task-pickle)');  -- a task's result record"
    "SELECT prefect_result('$(ids flow-block)');  -- in the Fernet-encrypted block"
    "SELECT prefect_result('$(ids flow-failed)', raise_on_failure => false);  -- a FAILED run"
    "SELECT prefect_result('$(ids flow-failed)');  -- by default a FAILED run raises"
    "SELECT id, result, error  -- many at once: a failure is its row's error
  FROM prefect_results(ARRAY['$(ids flow-json)', '$(ids flow-failed)', 'not-an-id']);"
    # Expanded output (\x is not echoed): the state rows are wide.
    '\x'
    "SELECT id, state ->> 'id' AS state_id, state ->> 'type' AS type,
       state -> '_source' AS _source,
       state -> 'data' ->> 'storage_key' AS storage_key
  FROM unnest(ARRAY['$(ids flow-run)', '$(ids task-run)']) AS id,
       prefect_state(id) AS s(state);  -- where the states came from"
)
args=()
for stmt in "${q[@]}"; do args+=(-c "$stmt"); done
psql_demo -e -P footer=off "${args[@]}" 2>&1 || true
