#!/bin/bash
# Resolution errors: their own exit codes, "prefect-curl: (N) msg" and a
# hint, and nothing on stdout.  114 a result file that is not there (or
# an unknown id), 116 a storage block type we cannot read, 117 no
# Prefect API to look a block up, 115 the API refusing the credentials.
# The core words the messages (and may reword them), so they are checked
# by pattern; our own rewording of its hint is checked exactly.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server

step_unlogged "missing result file" "$BASE/api/flow_run_states/$S_MISSING"
expect_rc 114
expect_stderr_match '^prefect-curl: \(114\) .*does-not-exist'
expect_stderr_match '^prefect-curl: .*--remap-storage FROM=TO'
expect_stderr_lines 2
[ -s "$WORK/out" ] && fail "a failed resolution wrote to stdout"
step_unlogged "-o is not created on an error" -o "$WORK/x.json" \
    "$BASE/api/flow_run_states/$S_MISSING"
expect_rc 114
[ -e "$WORK/x.json" ] && fail "-o file created for a failed resolution"
step_unlogged "written on another machine" \
    "$BASE/api/flow_run_states/$S_REMOTE"
expect_rc 114
expect_stderr_match '^prefect-curl: \(114\) .*/srv/worker-7/'

step "--remap-storage finds it" --result \
    --remap-storage "/srv/worker-7/.prefect/storage=$STORE" \
    "$BASE/api/flow_run_states/$S_REMOTE"
expect_rc 0
expect_stdout_file "$IN/hello.txt"
step_unlogged "unsupported storage block" "$BASE/api/flow_run_states/$S_SMB"
expect_rc 116
expect_stderr_match "^prefect-curl: \(116\) storage block type 'smb' "
step "silent" -s "$BASE/api/flow_run_states/$S_SMB"
expect_rc 116
expect_stderr_lines 0

# A saved 2.x state needs the API for its block: none configured.
cp "$(api_file flow_run_states "$S_V2")" "$WORK/v2.json"
step_unlogged "no API for the block" "file://$WORK/v2.json"
expect_rc 117
expect_stderr_match '^prefect-curl: \(117\) .*PREFECT_API_URL'
[ -s "$WORK/out" ] && fail "a failed resolution wrote to stdout"
# ... and one that refuses us (no credentials configured).
PREFECT_API_URL=$BASE/bearer/api step_unlogged \
    "the API refuses the credentials" "file://$WORK/v2.json"
expect_rc 115
expect_stderr_match '^prefect-curl: \(115\) .*401'
expect_stderr_match '^prefect-curl: .*PREFECT_API_KEY' 
PREFECT_API_URL=$BASE/bearer/api PREFECT_API_KEY=$TOKEN \
    step "... and accepts the configured key" --result "file://$WORK/v2.json"
expect_rc 0
expect_stdout_file "$IN/list2.json"
PREFECT_API_URL=not-a-url step_unlogged "a bad PREFECT_API_URL" \
    "file://$WORK/v2.json"
expect_rc 117
expect_stderr_match '^prefect-curl: \(117\) PREFECT_API_URL .*not-a-url' 
step "a bad --remap-storage" --remap-storage nothing "file:///dev/null"
expect_rc 2
finish
