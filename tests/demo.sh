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
