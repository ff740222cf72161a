#!/bin/bash
# A body that is a result but cannot be decoded is an error with its own
# exit code, never passed through: 110 malformed, 111 unsupported, 112 a
# limit (with a hint naming our option).  The decoder's wording is its
# own, so only the code and the shape of the message are checked here.
. "$(dirname "$0")/lib.sh"
gen_inputs
step_unlogged "truncated pickle" "file://$IN/truncated.pkl"
expect_rc 110
expect_stderr_match '^prefect-curl: \(110\) [^ ]'
[ -s "$WORK/out" ] && fail "a malformed pickle wrote to stdout"
step_unlogged "persistent id" "file://$IN/persid.pkl"
expect_rc 111
expect_stderr_match '^prefect-curl: \(111\) [^ ]'
step_unlogged "too deep" --limit-depth 10 "file://$IN/deep.pkl"
expect_rc 112
expect_stderr_match '^prefect-curl: \(112\) [^ ]'
expect_stderr_match '^prefect-curl: Raise it with --limit-depth\.$'
step_unlogged "deep but within the default" "file://$IN/deep.pkl"
expect_rc 0
step_unlogged "output over --limit-output" --limit-output 64 \
    "file://$IN/value.pkl"
expect_rc 112
expect_stderr_match '^prefect-curl: \(112\) '
expect_stderr_match '^prefect-curl: Raise it with --limit-output\.$'
step_unlogged "-o is not created for a failed decode" -o "$WORK/x.json" \
    "file://$IN/truncated.pkl"
expect_rc 110
[ -e "$WORK/x.json" ] && fail "-o file created for a failed decode"
step_unlogged "silent decode error" -s "file://$IN/truncated.pkl"
expect_rc 110
expect_stderr_lines 0
finish
