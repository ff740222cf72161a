#!/bin/bash
# -H reaches the server (it echoes it back), as do -A, -X and -d.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server
step "-H" -H "X-Prefect-Test: hello there" "$BASE/echo-header/X-Prefect-Test"
expect_rc 0
step "-H twice" -H "X-One: 1" --header "X-Two: 2" \
    "$BASE/echo-header/X-Two"
expect_rc 0
step "default User-Agent" "$BASE/echo-header/User-Agent"
expect_rc 0
step "-A" -A "tester/1.0" "$BASE/echo-header/User-Agent"
expect_rc 0
step "-X" -X DELETE "$BASE/echo-request"
expect_rc 0
step "-d posts, twice joins with &" -d '{"limit":1}' -d b=2 \
    "$BASE/echo-request"
expect_rc 0
printf 'line1\nline2\r\n' >"$WORK/body.txt"
step "-d @file drops newlines" -d "@$WORK/body.txt" "$BASE/echo-request"
expect_rc 0
step "-d @missing warns, posts nothing" -d "@$WORK/missing" \
    "$BASE/echo-request"
expect_rc 0
step "-d @missing under -s" -d "@$WORK/missing" -s "$BASE/echo-request"
expect_rc 0
finish
