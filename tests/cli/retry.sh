#!/bin/bash
# --retry as curl's: an HTTP 408/429/5xx (and timeouts) is tried again
# after a wait (1 s, doubling; --retry-delay; the server's Retry-After),
# with a warning unless -s; a reply that was retried is never written.
# Without --retry the error reply is the body, as in curl.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server
step "no --retry: the 503 page" "$BASE/flaky/a?fail=1"
expect_rc 0
expect_stdout_text 'try again'
step "--retry 1 gets through" --retry 1 "$BASE/flaky/b?fail=1"
expect_rc 0
expect_stdout_text 'ok b'
step "silent retry" -s --retry 3 --retry-delay 0.2 "$BASE/flaky/c?fail=2"
expect_rc 0
expect_stdout_text 'ok c'
step "retries run out, -f" -f --retry 1 --retry-delay 0.1 \
    "$BASE/flaky/d?fail=5"
expect_rc 22
step "429: Retry-After wins over --retry-delay" --retry 1 --retry-delay 0.1 \
    "$BASE/flaky/e?fail=1&code=429&after=1"
expect_rc 0
expect_stdout_text 'ok e'
step "404 is not transient" --retry 2 -f "$BASE/flaky/g?fail=1&code=404"
expect_rc 22
step "--retry-all-errors" --retry 1 --retry-all-errors --retry-delay 0.1 -f \
    "$BASE/flaky/h?fail=1&code=404"
expect_rc 0
expect_stdout_text 'ok h'
step "refused connections need --retry-connrefused" --retry 1 \
    http://127.0.0.1:1/
expect_rc 7
step "--retry-connrefused" -s --retry 1 --retry-connrefused \
    --retry-delay 0.1 http://127.0.0.1:1/
expect_rc 7
step_unlogged "--retry-max-time stops early" --retry 5 --retry-delay 0.3 \
    --retry-max-time 0.5 -f "$BASE/flaky/i?fail=9"
expect_rc 22
[ "$(grep -c 'will retry' "$WORK/err")" -lt 5 ] ||
    fail "--retry-max-time did not stop the retries"
step "--retry bad" --retry x "$BASE/flaky/j"
expect_rc 2
finish
