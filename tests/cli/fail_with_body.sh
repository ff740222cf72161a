#!/bin/bash
# --fail-with-body: an HTTP error writes its body and still exits 22;
# with -f as well it is a usage error, as in curl.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server
step "404 writes the body, exits 22" --fail-with-body "$BASE/status/404"
expect_rc 22
expect_stdout_text 'status 404 body'
step "-s: no message" -s --fail-with-body "$BASE/status/500"
expect_rc 22
expect_stdout_text 'status 500 body'
step "200 is fine" --fail-with-body "$BASE/files/value.b64"
expect_rc 0
expect_stdout_file "$IN/value.json"
step "with -f" -f --fail-with-body "$BASE/status/404"
expect_rc 2
step "--no-fail-with-body" --fail-with-body --no-fail-with-body \
    "$BASE/status/404"
expect_rc 0
finish
