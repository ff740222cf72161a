#!/bin/bash
# -w prints its format after each transfer's output (success or not):
# %{http_code}, %{url_effective}, %{size_download}, %{time_total},
# %{exitcode}, %{stderr}, %header{...}, \n and %%; an unknown variable
# is a warning, as in curl.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server
step "after the body" -w '%{http_code} %{url_effective} %{size_download}\n' \
    "$BASE/files/text.txt"
expect_rc 0
printf '%s200 %s %s\n' "$(cat "$IN/text.txt")
" "$BASE/files/text.txt" "$(wc -c <"$IN/text.txt" | tr -d ' ')" \
    >"$WORK/want"
expect_stdout_file "$WORK/want"
step "after a decoded result" --result \
    -w '%{http_code}|%{content_type}|%{method}|%{num_redirects}\n' \
    "$BASE/api/flow_run_states/$S_HELLO"
expect_rc 0
printf 'hello world\n200|application/json|GET|0\n' >"$WORK/want"
expect_stdout_file "$WORK/want"
step "time_total" -s -o /dev/null -w '%{time_total}' "$BASE/files/text.txt"
expect_rc 0
grep -Eq '^[0-9]+\.[0-9]{6}$' "$WORK/out" ||
    fail "time_total is $(cat "$WORK/out")"
step "on a failed transfer" -s -w '[%{http_code}] %{exitcode}\n' \
    http://127.0.0.1:1/
expect_rc 7
expect_stdout_text '[000] 7'
step "with -f on 404" -sf -w '%{http_code} %{response_code}\n' \
    "$BASE/status/404"
expect_rc 22
expect_stdout_text '404 404'
step "%{stderr} and back" -s -o /dev/null \
    -w '%{stderr}%{http_code}\n%{stdout}out\t%%\n' "$BASE/files/text.txt"
expect_rc 0
printf 'out\t%%\n' >"$WORK/want"
expect_stdout_file "$WORK/want"
step "%header{}" -s -o /dev/null -w '%header{content-type}\n' \
    "$BASE/api/flow_run_states/$S_HELLO"
expect_rc 0
expect_stdout_text 'application/json'
step "unknown variable" -s -o /dev/null -w '%{nope}x\n' "$BASE/files/text.txt"
expect_rc 0
expect_stdout_text 'x'
printf '%%{http_code}\\n' >"$WORK/fmt"
step "-w @file, one per URL" -s -o /dev/null -o /dev/null -w "@$WORK/fmt" \
    "$BASE/files/text.txt" "$BASE/status/404"
expect_rc 0
printf '200\n404\n' >"$WORK/want"
expect_stdout_file "$WORK/want"
finish
