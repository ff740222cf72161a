#!/bin/bash
# Without -L a redirect is the 302 reply itself (an empty body); with -L
# it is followed and the result at its end is decoded.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server
step "redirect without -L" "$BASE/redirect?to=/files/value.record3.json"
expect_rc 0
[ -s "$WORK/out" ] && fail "a 302 without -L printed a body"
step "redirect with -L" -L "$BASE/redirect?to=/files/value.record3.json"
expect_rc 0
expect_stdout_file "$IN/value.json"
step "-sSfL bundle" -sSfL "$BASE/redirect?to=/files/value.pkl"
expect_rc 0
expect_stdout_file "$IN/value.json"
step "-fL to a 404" -fL "$BASE/redirect?to=/status/404"
expect_rc 22
finish
