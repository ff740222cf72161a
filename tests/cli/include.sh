#!/bin/bash
# -i writes the response headers (as received) before the body; the
# body is still decoded or resolved.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server
check_head() {
    head -1 "$WORK/out" | grep -q $'^HTTP/1\\.[01] 200 OK\r$' ||
        fail "no status line: $(head -1 "$WORK/out")"
    grep -q $'^Content-Length: [0-9]*\r$' "$WORK/out" ||
        fail "no Content-Length header"
    sed -n '/^\r$/,$p' "$WORK/out" | tail -n +2 >"$WORK/body"
}
step "-i on text" -i "$BASE/files/text.txt"
expect_rc 0
check_head
cmp -s "$WORK/body" "$IN/text.txt" || fail "-i body differs"
step "-i on a result" --include "$BASE/files/value.pkl"
expect_rc 0
check_head
cmp -s "$WORK/body" "$IN/value.json" || fail "-i decoded body differs"
step "-i on a state, --result" -i --result \
    "$BASE/api/flow_run_states/$S_HELLO"
expect_rc 0
check_head
grep -q $'^Content-Type: application/json\r$' "$WORK/out" ||
    fail "no Content-Type header"
cmp -s "$WORK/body" "$IN/hello.txt" || fail "-i --result body differs"
step "-i -L shows both replies" -iL "$BASE/redirect?to=/files/text.txt"
expect_rc 0
[ "$(grep -c '^HTTP/' "$WORK/out")" = 2 ] || fail "want two status lines"
step "--no-include" -i --no-include "$BASE/files/text.txt"
expect_rc 0
expect_stdout_file "$IN/text.txt"
finish
