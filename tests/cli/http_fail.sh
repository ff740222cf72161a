#!/bin/bash
# With -f an HTTP error is curl's error 22 and no body; without -f the
# error page passes through unchanged and the exit code is 0, as in curl.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server
step "-f on 404" -f "$BASE/status/404"
expect_rc 22
step "-sf on 404" -sf "$BASE/status/404"
expect_rc 22
[ -s "$WORK/out" ] && fail "-f printed the error page"
step "-sSf on 500" -sSf "$BASE/status/500"
expect_rc 22
step "404 without -f" "$BASE/status/404"
expect_rc 0
expect_stdout_text "status 404 body"
step "-f on 200 decodes" -f "$BASE/files/value.b64"
expect_rc 0
expect_stdout_file "$IN/value.json"
step "--no-fail undoes -f" -f --no-fail "$BASE/status/404"
expect_rc 0
expect_stdout_text "status 404 body"
finish
