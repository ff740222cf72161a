#!/bin/bash
# The request's own credentials (-H "Authorization: Bearer", 
# --oauth2-bearer, -u, userinfo in the URL) also fetch the block
# documents of the API named by the URL; PREFECT_API_KEY is not sent to
# a server the URL names.  No credential is ever printed: not with -v,
# not in errors, not in -w; and they leave the process's argv.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server
B64=$(printf '%s' "$BASIC" | base64)
PASS=${BASIC#*:}
check_clean() {
    if grep -q -e "$TOKEN" -e "$PASS" -e "$B64" "$WORK/err" "$WORK/out"
    then
        fail "a secret was printed in step '$1':"
        cat "$WORK/err" >&2
    fi
}
V2=bearer/api/flow_run_states/$S_V2

step "-H Authorization: Bearer" --result -H "Authorization: Bearer $TOKEN" \
    "$BASE/$V2"
expect_rc 0
expect_stdout_file "$IN/list2.json"
check_clean "-H"
step "--oauth2-bearer" --result --oauth2-bearer "$TOKEN" "$BASE/$V2"
expect_rc 0
expect_stdout_file "$IN/list2.json"
check_clean "--oauth2-bearer"
step "-u" --result -u "$BASIC" "$BASE/basic/api/flow_run_states/$S_V2"
expect_rc 0
expect_stdout_file "$IN/list2.json"
check_clean "-u"
step "-H Authorization: Basic" --result -H "Authorization: Basic $B64" \
    "$BASE/basic/api/flow_run_states/$S_V2"
expect_rc 0
expect_stdout_file "$IN/list2.json"
step "userinfo in the URL" --result -w '%{url_effective}\n' \
    "http://$BASIC@127.0.0.1:$PORT/basic/api/flow_run_states/$S_V2"
expect_rc 0
check_clean "userinfo"
printf '%s\n%s\n' "$(cat "$IN/list2.json")" \
    "$BASE/basic/api/flow_run_states/$S_V2" >"$WORK/want"
expect_stdout_file "$WORK/want"

# The environment's key is for PREFECT_API_URL, not for this server.
PREFECT_API_KEY=$TOKEN step "PREFECT_API_KEY is not sent to the URL's API" \
    "$BASE/$V2"
expect_rc 0
printf '{"detail":"Unauthorized"}' >"$WORK/want"
expect_stdout_file "$WORK/want"
check_clean "env key"
PREFECT_API_KEY=pnu_WRONG step "the request's key wins" --result \
    -H "Authorization: Bearer $TOKEN" "$BASE/$V2"
expect_rc 0
expect_stdout_file "$IN/list2.json"

step_unlogged "-v shows the exchange, masked" -v --oauth2-bearer "$TOKEN" \
    -u "$BASIC" -H "Authorization: Bearer $TOKEN" "$BASE/$V2"
expect_rc 0
check_clean "-v"
expect_stderr_match '^> Authorization: \*\*\*$'
step_unlogged "an error names no secret" \
    -H "Authorization: Bearer $TOKEN" "$BASE/bearer/api/flow_run_states/$S_SMB"
expect_rc 116
expect_stderr_match "^prefect-curl: \(116\) storage block type 'smb' "
check_clean "error"

# Secrets leave the argument list (ps, /proc) at once.
if [ -z "$WRAP" ]; then
    "$BIN" -s -m 5 --oauth2-bearer "$TOKEN" \
        -H "Authorization: Bearer $TOKEN" "$BASE/stall" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 150); do
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q '\*\*\*' &&
            break
        sleep 0.02
    done
    if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -e "$TOKEN"; then
        fail "a token is still in /proc/$pid/cmdline"
    fi
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'Authorization: \*\*\*' ||
        fail "the Authorization value was not blanked in argv"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
fi
finish
