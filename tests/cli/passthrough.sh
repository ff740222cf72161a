#!/bin/bash
# Bodies that are not results pass through byte for byte; --raw-body
# passes even a pickle through; --decode turns "not a result" into 110.
. "$(dirname "$0")/lib.sh"
gen_inputs
step "plain text" "file://$IN/text.txt"
expect_rc 0
expect_stdout_file "$IN/text.txt"
step "binary" "file://$IN/binary.bin"
expect_rc 0
expect_stdout_file "$IN/binary.bin"
step "empty" "file://$IN/empty.txt"
expect_rc 0
expect_stdout_file "$IN/empty.txt"
step "--raw-body on a pickle" --raw-body "file://$IN/value.pkl"
expect_rc 0
expect_stdout_file "$IN/value.pkl"
step "--decode on text" --decode "file://$IN/text.txt"
expect_rc 110
step "--raw-body then --decode: the last wins" --raw-body --decode \
    "file://$IN/value.b64"
expect_rc 0
expect_stdout_file "$IN/value.json"
finish
