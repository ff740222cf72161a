#!/bin/bash
# Credentials never reach stderr: not the -u value, not an Authorization
# header (even with -v), not the userinfo or query of a URL we print.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server
AUTH64=$(printf 'user:secret' | base64)
check_clean() {
    if grep -q -e secret -e "$AUTH64" -e pnu_TOKEN "$WORK/err"; then
        fail "a secret reached stderr in step '$1':"
        cat "$WORK/err" >&2
    fi
}
step "-u with -f on 404" -u user:secret -f "$BASE/status/404"
expect_rc 22
check_clean "-u -f"
step "userinfo in a URL, --decode error" --decode \
    "http://user:secret@127.0.0.1:$PORT/files/text.txt?sig=secret"
expect_rc 110
check_clean "url"
step "userinfo in a URL that cannot connect" "http://user:secret@127.0.0.1:1/"
check_clean "connect"
step_unlogged "-v -u shows the exchange, masked" -v -u user:secret \
    -H "Authorization: Bearer pnu_TOKEN" -H "X-Api-Key: secret" \
    "$BASE/echo-header/X-Other"
expect_rc 0
check_clean "-v"
expect_stderr_match '^> Authorization: \*\*\*$'
expect_stderr_match '^> X-Api-Key: \*\*\*$'
expect_stderr_match '^< HTTP/1.[01] 200 OK$'
step_unlogged "-v -u on a 401-style basic exchange" -v -u user:secret \
    "$BASE/echo-header/X-Other"
check_clean "-v basic"
expect_stderr_match '^> Authorization: \*\*\*$'

# The -u value leaves the process's argument list (ps, /proc) at once.
# (Not under a wrapper such as valgrind, whose own argv /proc shows.)
if [ -z "$WRAP" ]; then
    "$BIN" -s -m 5 -u user:secret "$BASE/stall" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 150); do
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q '\*\*\*' &&
            break
        sleep 0.02
    done
    if ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- '-u \*\*\*\*\*'; then
        fail "-u value still in /proc/$pid/cmdline:"
        tr '\0' ' ' <"/proc/$pid/cmdline" >&2
    fi
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
fi
finish
