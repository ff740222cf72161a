#!/bin/bash
# --nan-as picks how NaN and the infinities are written.
. "$(dirname "$0")/lib.sh"
gen_inputs
step "default: null" "file://$IN/nan.pkl"
expect_rc 0
expect_stdout_file "$IN/nan.null.json"
for how in null string token; do
    step "--nan-as $how" --nan-as "$how" "file://$IN/nan.pkl"
    expect_rc 0
    expect_stdout_file "$IN/nan.$how.json"
done
finish
