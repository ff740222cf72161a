#!/bin/bash
# A bare id instead of a URL: the state of that flow-run state, task-run
# state, flow run or task run, looked up on the configured API (the
# environment, or the active profile), with its data resolved.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server

export PREFECT_API_URL=$BASE/api
step "flow run state id" "$S_HELLO"
expect_rc 0
expect_jq .data "$IN/hello.json"
expect_same_except 'del(.data, ._data_reference)' \
    "$(api_file flow_run_states "$S_HELLO")"
step "flow run id: its state" "$R_V2"
expect_rc 0
expect_jq .data "$IN/list2.json"
expect_jq .id <("$JQ" .state_id "$(api_file flow_runs "$R_V2")")
step "task run id, --result" --result "$R_TASK"
expect_rc 0
expect_stdout_file "$IN/value.json"
step "32 hex digits, upper case" --result \
    "$(printf '%s' "$S_HELLO" | tr -d - | tr a-f A-F)"
expect_rc 0
expect_stdout_file "$IN/hello.txt"
step "ids and URLs mixed" --result "$S_HELLO" \
    "$BASE/api/flow_run_states/$S_V2"
expect_rc 0
cat "$IN/hello.txt" "$IN/list2.json" >"$WORK/want"
expect_stdout_file "$WORK/want"
step "failed run id" --result-json "$R_FAIL"
expect_rc 113
expect_stdout_file "$IN/exc.json"
step_unlogged "unknown id" 00000000-0000-4000-8000-000000000000
expect_rc 114
expect_stderr_match '^prefect-curl: \(114\) .*00000000-0000-4000-8000-000000000000' 
step "-w after an id" -s -w '[%{http_code}]\n' --result "$S_HELLO"
expect_rc 0
printf 'hello world\n[000]\n' >"$WORK/want"
expect_stdout_file "$WORK/want"
unset PREFECT_API_URL

step_unlogged "no API configured" "$S_HELLO"
expect_rc 117
expect_stderr_match '^prefect-curl: \(117\) .*PREFECT_API_URL' 
# The active profile names the API.
printf 'active = "local"\n\n[profiles.local]\nPREFECT_API_URL = "%s"\n' \
    "$BASE/api" >"$PREFECT_HOME/profiles.toml"
step "the profile's API" --result "$S_HELLO"
expect_rc 0
expect_stdout_file "$IN/hello.txt"
PREFECT_API_URL=$BASE/bearer/api step_unlogged "a key is needed" "$S_HELLO"
expect_rc 115
expect_stderr_match '^prefect-curl: \(115\) .*401' 
PREFECT_API_URL=$BASE/bearer/api PREFECT_API_KEY=$TOKEN \
    step "PREFECT_API_KEY" --result "$S_V2"
expect_rc 0
expect_stdout_file "$IN/list2.json"
PREFECT_API_URL=http://127.0.0.1:1/api \
    step_unlogged "API down" "$S_HELLO" --retry 0
expect_rc 7
expect_stderr_match "^prefect-curl: \(7\) .*Couldn't connect" 
finish
