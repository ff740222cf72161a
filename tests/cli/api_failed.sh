#!/bin/bash
# A FAILED state: its pickled exception (a ValueError) becomes its data,
# the JSON is printed, and the exit code is 113 with a message naming
# the state, unless --allow-failed.  A list with a failed run fails the
# same way.  The exception's JSON comes from the contract's CPython
# renderer (tests/fixtures/reference.py).
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server

step "failed state" "$BASE/api/flow_run_states/$S_FAIL"
expect_rc 113
expect_jq .data "$IN/exc.json"
expect_jq ._data_reference <("$JQ" .data "$(api_file flow_run_states "$S_FAIL")")
step "its run, silent" -s "$BASE/api/flow_runs/$R_FAIL"
expect_rc 113
expect_jq .state.data "$IN/exc.json"
step "--allow-failed" --allow-failed "$BASE/api/flow_runs/$R_FAIL"
expect_rc 0
expect_jq .state.data "$IN/exc.json"
step "--result prints the exception" --result \
    "$BASE/api/flow_run_states/$S_FAIL"
expect_rc 113
expect_stdout_file "$IN/exc.json"
step "--result --allow-failed" --result --allow-failed \
    "$BASE/api/flow_run_states/$S_FAIL"
expect_rc 0
expect_stdout_file "$IN/exc.json"

# A list holding a failed run (saved from the API and fed back).
"$JQ" -c '[., .]' "$(api_file flow_runs "$R_FAIL")" >"$WORK/two.json"
"$JQ" -c '.[0] = input' "$WORK/two.json" \
    "$(api_file flow_runs "$R_HELLO")" >"$WORK/mixed.json"
step "a list with a failed run" --result-json "file://$WORK/mixed.json"
expect_rc 113
cat "$IN/hello.json" "$IN/exc.json" >"$WORK/want"
expect_stdout_file "$WORK/want"
step "two failed runs" -o /dev/null "file://$WORK/two.json"
expect_rc 113
finish
