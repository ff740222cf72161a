#!/bin/bash
# A body larger than --limit-input is refused (112) before it is
# decoded or written, from a file and over HTTP alike; sizes take k/M/G.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server
step "file over the limit" --limit-input 1k "file://$IN/big.txt"
expect_rc 112
step "http over the limit" --limit-input 1000 "$BASE/files/big.txt"
expect_rc 112
step "-o not created over the limit" --limit-input 1k -o "$WORK/x" \
    "$BASE/files/big.txt"
expect_rc 112
[ -e "$WORK/x" ] && fail "-o file created for a refused body"
step "exactly at the limit" --limit-input 64k "file://$IN/big.txt"
expect_rc 0
expect_stdout_file "$IN/big.txt"
finish
