#!/usr/bin/env bash
# make demo: decode the bundled examples with prefect-curl.
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
fi
if command -v pg_config >/dev/null 2>&1; then
    echo
    echo "(SQL: the same resolution inside PostgreSQL is exercised by tests/pg/run.sh,"
    echo " which loads Prefect's tables into a throwaway cluster; see README.)"
else
    echo "(PostgreSQL is not installed: the SQL part of the demo is skipped.)"
fi
