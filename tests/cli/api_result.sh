#!/bin/bash
# --result prints only the values (strings raw, as jq -r; anything else
# one line of JSON); --result-json prints each as JSON.  A list of runs
# (POST /api/flow_runs/filter, with --json or -d) gives one line per
# run, null for runs without a result.  --result on a result file gives
# its value too; on a body with no state and no result it is error 110.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server

step "--result, a string" --result "$BASE/api/flow_run_states/$S_HELLO"
expect_rc 0
expect_stdout_file "$IN/hello.txt"
step "--result-json, a string" --result-json \
    "$BASE/api/flow_runs/$R_HELLO"
expect_rc 0
expect_stdout_file "$IN/hello.json"
step "--result, a dict" --result "$BASE/api/task_run_states/$S_TASK"
expect_rc 0
expect_stdout_file "$IN/value.json"
step "--result, a list via a block" --result "$BASE/api/flow_runs/$R_V2"
expect_rc 0
expect_stdout_file "$IN/list2.json"
step "--result, null data" --result "$BASE/api/flow_run_states/$S_NULL"
expect_rc 0
expect_stdout_text null
step "--result, a run without a state" --result \
    "$BASE/api/flow_runs/$R_NOSTATE"
expect_rc 0
expect_stdout_text null

step "filter with --json, --result" --result --json '{"limit": 10}' \
    "$BASE/api/flow_runs/filter"
expect_rc 0
expect_stdout_file "$IN/filter.result"
step "filter with -d, --result-json" --result-json -d '{}' \
    -H 'Content-Type: application/json' "$BASE/api/flow_runs/filter"
expect_rc 0
expect_stdout_file "$IN/filter.result-json"
step "filter, the document" --json '{}' "$BASE/api/flow_runs/filter"
expect_rc 0
"$JQ" -c '[.[].state.data]' "$WORK/out" >"$WORK/datas"
"$PY" -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
print(json.dumps([json.loads(x) for x in lines], separators=(",", ":"),
                 ensure_ascii=False))' "$IN/filter.result-json" >"$WORK/want"
cmp -s "$WORK/datas" "$WORK/want" ||
    fail "filter datas $(cat "$WORK/datas"), want $(cat "$WORK/want")"

step "--result on a result file" --result "file://$IN/value.b64"
expect_rc 0
expect_stdout_file "$IN/value.json"
"$PY" -c 'import base64, cloudpickle, sys
sys.stdout.buffer.write(base64.encodebytes(cloudpickle.dumps("a\nb \u2713")))' \
    >"$WORK/str.b64"
step "--result prints a string raw" --result "file://$WORK/str.b64"
expect_rc 0
printf 'a\nb \342\234\223\n' >"$WORK/want"
expect_stdout_file "$WORK/want"
step "--result-json keeps it JSON" --result-json "file://$WORK/str.b64"
expect_rc 0
expect_stdout_text '"a\nb ✓"'
step "--result on text" --result "file://$IN/text.txt"
expect_rc 110
step "--result on an HTTP error page" --result "$BASE/basic/api/flow_runs/$R_V2"
expect_rc 110
printf '[]' >"$WORK/empty.json"
step "--result on an empty list prints nothing" --result \
    "file://$WORK/empty.json"
expect_rc 0
[ -s "$WORK/out" ] && fail "--result printed something for []"
step "an empty list passes through" "file://$WORK/empty.json"
expect_rc 0
expect_stdout_file "$WORK/empty.json"
finish
