#!/bin/bash
# Several URLs are fetched in turn, each decoded or passed through on its
# own; a failure does not stop the next one, and the exit code is the
# last URL's, as in curl.
. "$(dirname "$0")/lib.sh"
gen_inputs
cat "$IN/value.json" "$IN/text.txt" >"$WORK/both"
step "pickle then text" "file://$IN/value.pkl" "file://$IN/text.txt"
expect_rc 0
expect_stdout_file "$WORK/both"
step "missing then ok" "file://$WORK/nope" "file://$IN/text.txt"
expect_rc 0
expect_stdout_file "$IN/text.txt"
step "ok then missing" "file://$IN/text.txt" "file://$WORK/nope"
expect_rc 37
expect_stdout_file "$IN/text.txt"
finish
