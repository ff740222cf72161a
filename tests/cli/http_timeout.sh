#!/bin/bash
# -m takes decimal seconds; a server that stalls past it is error 28.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server
step "-m 0.5 on a stalled server" -m 0.5 "$BASE/stall"
expect_rc 28
step "--max-time 1.5 on a stalled server, silent" -s --max-time 1.5 \
    "$BASE/stall"
expect_rc 28
step "-m 0 means no limit" -m 0 "$BASE/files/value.pkl"
expect_rc 0
expect_stdout_file "$IN/value.json"
finish
