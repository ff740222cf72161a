#!/bin/bash
# API mode: a reply that is a Prefect state, or a run with its state,
# is printed with "data" replaced in place by the decoded value and the
# original data kept beside it as "_data_reference"; every other key is
# unchanged.  Covers a 3.4 flow result (bare base64 cloudpickle), a 3.x
# task record, a 2.x reference through a local-file-system block fetched
# from the same server, an inline value, a null data (left alone, byte
# for byte) and a run without a state.  Expected values come from
# CPython (gen_inputs.py).
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server

step "3.4 flow state" "$BASE/api/flow_run_states/$S_HELLO"
expect_rc 0
expect_jq .data "$IN/hello.json"
expect_jq ._data_reference <("$JQ" .data "$(api_file flow_run_states "$S_HELLO")")
expect_same_except 'del(.data, ._data_reference)' \
    "$(api_file flow_run_states "$S_HELLO")"
[ "$(tail -c 1 "$WORK/out" | od -An -c | tr -d ' ')" = '\n' ] ||
    fail "the document does not end with a newline"

step "its flow run" -s "$BASE/api/flow_runs/$R_HELLO"
expect_rc 0
expect_jq .state.data "$IN/hello.json"
expect_same_except 'del(.state.data, .state._data_reference)' \
    "$(api_file flow_runs "$R_HELLO")"

# The one-liner the README promises.
"$BIN" -s "$BASE/api/flow_runs/$R_HELLO" | "$JQ" -r .state.data \
    >"$WORK/jqr"
cmp -s "$WORK/jqr" "$IN/hello.txt" ||
    fail "prefect-curl | jq -r .state.data printed $(cat "$WORK/jqr")"

step "3.x task record" "$BASE/api/task_run_states/$S_TASK"
expect_rc 0
expect_jq .data "$IN/value.json"
expect_jq ._data_reference <("$JQ" .data "$(api_file task_run_states "$S_TASK")")

step "task run" "$BASE/api/task_runs/$R_TASK"
expect_rc 0
expect_jq .state.data "$IN/value.json"

step "2.x reference, block from the same API" \
    "$BASE/api/flow_run_states/$S_V2"
expect_rc 0
expect_jq .data "$IN/list2.json"
expect_jq ._data_reference <("$JQ" .data "$(api_file flow_run_states "$S_V2")")
expect_same_except 'del(.data, ._data_reference)' \
    "$(api_file flow_run_states "$S_V2")"

step "inline value" "$BASE/api/flow_run_states/$S_INLINE"
expect_rc 0
expect_jq .data "$IN/inline.json"
expect_jq ._data_reference "$IN/inline.json"

step "null data stays null, byte for byte" "$BASE/api/flow_run_states/$S_NULL"
expect_rc 0
expect_stdout_file "$(api_file flow_run_states "$S_NULL")"

step "run without a state" "$BASE/api/flow_runs/$R_NOSTATE"
expect_rc 0
expect_stdout_file "$(api_file flow_runs "$R_NOSTATE")"

# A state saved to a file (as plain curl would) and read back: the
# configured API (here the environment) serves its block.
cp "$(api_file flow_run_states "$S_V2")" "$WORK/v2.json"
PREFECT_API_URL=$BASE/api step "a saved state, file://" "file://$WORK/v2.json"
expect_rc 0
expect_jq .data "$IN/list2.json"

# Output of prefect-curl fed back in is left as it is (already resolved).
"$BIN" -s "$BASE/api/flow_run_states/$S_HELLO" >"$WORK/once.json"
step "already resolved" "file://$WORK/once.json"
expect_rc 0
expect_stdout_file "$WORK/once.json"

step "--typed reaches the values" --typed "$BASE/api/flow_run_states/$S_HELLO"
expect_rc 0
expect_jq .data "$IN/hello.json"

step "--raw-body leaves states alone" --raw-body \
    "$BASE/api/flow_run_states/$S_HELLO"
expect_rc 0
expect_stdout_file "$(api_file flow_run_states "$S_HELLO")"

step "-o writes the document" -o "$WORK/o.json" \
    "$BASE/api/flow_run_states/$S_HELLO"
expect_rc 0
"$JQ" -e '.data == "hello world"' "$WORK/o.json" >/dev/null ||
    fail "-o file does not hold the resolved state"
finish
