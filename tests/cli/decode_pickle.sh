#!/bin/bash
# A raw pickle read through file:// (cloudpickle's, and CPython's in
# protocols 2 and 0) prints as one line of JSON, the same JSON CPython's
# json module writes for the value.
. "$(dirname "$0")/lib.sh"
gen_inputs
step "raw pickle" "file://$IN/value.pkl"
expect_rc 0
expect_stdout_file "$IN/value.json"
step "protocol 2 pickle" "file://$IN/value.p2.pkl"
expect_rc 0
expect_stdout_file "$IN/value.json"
step "protocol 0 pickle (no header)" "file://$IN/value.p0.pkl"
expect_rc 0
expect_stdout_file "$IN/value.json"
finish
