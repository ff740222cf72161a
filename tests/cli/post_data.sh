#!/bin/bash
# The data options as curl reads them: --json (POST, with Content-Type
# and Accept application/json unless -H says otherwise; pieces
# concatenated), --data-binary (@file as it is), --data-raw (no @file),
# --data-urlencode, and -G (the data goes into the query of a GET).
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server
step "--json posts" --json '{"limit": 1}' "$BASE/echo-request"
expect_rc 0
printf 'POST\n{"limit": 1}' >"$WORK/want"
expect_stdout_file "$WORK/want"
step "--json sets Content-Type" --json '{}' "$BASE/echo-header/Content-Type"
expect_stdout_text application/json
step "--json sets Accept" --json '{}' "$BASE/echo-header/Accept"
expect_stdout_text application/json
step "-H overrides --json's Accept" --json '{}' -H 'Accept: text/plain' \
    "$BASE/echo-header/Accept"
expect_stdout_text text/plain
step "--json pieces are glued" --json '{"a":' --json '1}' -d x=1 \
    "$BASE/echo-request"
printf 'POST\n{"a":1}&x=1' >"$WORK/want"
expect_stdout_file "$WORK/want"
printf 'line1\nline2\r\n' >"$WORK/body.txt"
step "--data-binary @file keeps newlines" --data-binary "@$WORK/body.txt" \
    "$BASE/echo-request"
{ printf 'POST\n'; cat "$WORK/body.txt"; } >"$WORK/want"
expect_stdout_file "$WORK/want"
step "--json @file" --json "@$WORK/body.txt" "$BASE/echo-request"
expect_stdout_file "$WORK/want"
step "--data-raw: @ is data" --data-raw '@notafile' "$BASE/echo-request"
printf 'POST\n@notafile' >"$WORK/want"
expect_stdout_file "$WORK/want"
printf 'a b&c' >"$WORK/q.txt"
step "--data-urlencode" --data-urlencode 'q=a b&c/é' \
    --data-urlencode '=x y' --data-urlencode "f@$WORK/q.txt" \
    --data-urlencode 'plain~._-' "$BASE/echo-request"
printf 'POST\nq=a+b%%26c%%2F%%C3%%A9&x+y&f=a+b%%26c&plain~._-' >"$WORK/want"
expect_stdout_file "$WORK/want"
step "-G puts -d in the query" -G -d a=1 -d b=2 "$BASE/echo-query"
expect_stdout_text "$(printf 'GET\na=1&b=2')"
step "-G after an existing query" --get -d b=2 -w '%{url_effective}\n' \
    "$BASE/echo-query?a=1"
printf 'GET\na=1&b=2\n%s\n' "$BASE/echo-query?a=1&b=2" >"$WORK/want"
expect_stdout_file "$WORK/want"
finish
