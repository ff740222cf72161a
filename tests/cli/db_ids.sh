#!/bin/bash
# With no API configured, a bare id is looked up in $PREFECT_HOME/prefect.db
# (read-only), and prefect-db:[PATH#]ID forces the database.  The demo
# home (tests/examples/prefect-home) is copied; expected values are the
# result files read back by CPython.
. "$(dirname "$0")/lib.sh"
DEMO=$ROOT/tests/examples/prefect-home
cp -r "$DEMO" "$WORK/home-db"
export PREFECT_HOME=$WORK/home-db
id() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$PREFECT_HOME/ids.json" "$1"; }
# the value CPython reads from a raw base64 pickle flow result
/usr/bin/python3 - "$PREFECT_HOME" >"$WORK/pickle.json" <<'PY'
import base64, glob, json, pickle, sqlite3, sys
home = sys.argv[1]
db = sqlite3.connect(home + "/prefect.db")
ids = json.load(open(home + "/ids.json"))
row = db.execute("SELECT a.data FROM flow_run_state s JOIN artifact a "
                 "ON a.id = s.result_artifact_id WHERE s.id = ?",
                 (ids["flow-pickle"],)).fetchone()
key = json.loads(row[0])["storage_key"].rsplit("/", 1)[1]
raw = open(home + "/storage/" + key, "rb").read()
print(json.dumps(pickle.loads(base64.decodebytes(raw)),
                 separators=(",", ":")))
PY

step "bare id, no API: the database" --result "$(id flow-pickle)"
expect_rc 0
expect_stdout_file "$WORK/pickle.json"
step "prefect-db:ID" --result "prefect-db:$(id flow-pickle)"
expect_rc 0
expect_stdout_file "$WORK/pickle.json"
step "prefect-db:PATH#ID" --result \
    "prefect-db://$PREFECT_HOME/prefect.db#$(id flow-pickle)"
expect_rc 0
expect_stdout_file "$WORK/pickle.json"
step "a task's result record" --result "$(id task-pickle)"
expect_rc 0
expect_stdout_text 42
step_unlogged "a wrong encryption key fails the HMAC check" \
    --result --remap-storage "/home/ana/.prefect=$PREFECT_HOME" \
    "$(id flow-block)"
expect_rc 0
PREFECT_SERVER_ENCRYPTION_KEY=$(/usr/bin/python3 -c 'import base64; print(base64.urlsafe_b64encode(b"x" * 32).decode())') \
    step_unlogged "wrong key" --result \
    --remap-storage "/home/ana/.prefect=$PREFECT_HOME" "$(id flow-block)"
[ "$RC" -ne 0 ] || fail "a wrong encryption key must fail"
expect_stderr_match "HMAC|signature"
step_unlogged "an id that is not there" --result \
    "prefect-db:00000000-0000-4000-8000-000000000000"
expect_rc 114
expect_stderr_match "prefect.db"
finish
