#!/usr/bin/env bash
# shellcheck disable=SC2154  # NAME_URL and the like: set by start_api
# faults.sh - the core against an API that misbehaves: 502/503/504 a few
# times then success (retried, within bounds), a persistent 503 (a clear
# error, bounded), 429 with Retry-After (honoured: elapsed >= the header,
# bounded), slow replies (a timeout error, or success under the limit),
# dropped connections and truncated bodies; and prefect-curl, which
# retries like the core for what it resolves but, like curl, not the URL
# it was given.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

A=d-flow-pickle-str          # state only
B=b-flow-pickle-str          # state + block document
A_SID=$(case_field $A 2)
B_SID=$(case_field $B 2)

start_api api
export PREFECT_API_URL=$api_URL

# hits PATH-SUBSTRING: requests for it in the log since the last clear.
hits() {
    curl -s -m 5 "$api_ORIGIN/__requests__" |
        "$PY" -c 'import json,sys; p=sys.argv[1]
print(sum(1 for r in json.load(sys.stdin) if p in r["path"]))' "$1"
}
clear() {
    faults api '{"rules":[]}'
    curl -s -m 5 -o /dev/null -X DELETE "$api_ORIGIN/__requests__"
}

# within LABEL LO HI: ELAPSED in [LO, HI)
within() {
    if elapsed_between "$2" "$3"; then
        pass "$1 (${ELAPSED}s)"
    else
        fail "$1" "took ${ELAPSED}s, expected between $2 and $3 s"
    fi
}

if need_resolve "faults: resolver"; then
    R=("${RES[@]}" --set retries=3)

    clear
    fault_rule api /flow_run_states/ status=503 times=2
    run r503x2 "${R[@]}" "$A_SID"
    expect_ok "503 twice then success" $A
    within "503 twice: retried within bounds" 0 15
    n=$(hits /flow_run_states/)
    [ "$n" = 3 ] && pass "503 twice: exactly 3 requests" ||
        fail "503 twice" "$n requests to the state, expected 3"

    for s in 502 504; do
        clear
        fault_rule api /flow_run_states/ status=$s times=1
        run "r$s" "${R[@]}" "$A_SID"
        expect_ok "$s once then success" $A
    done

    clear
    fault_rule api /block_documents/ status=503 times=2
    run rblock "${R[@]}" "$B_SID"
    expect_ok "503 twice on the block document then success" $B

    clear
    fault_rule api /flow_run_states/ status=503
    run rpersist "${RES[@]}" --set retries=2 "$A_SID"
    expect_err "persistent 503: a clear error" 10 "503"
    within "persistent 503: gives up within bounds" 0 20
    n=$(hits /flow_run_states/)
    [ "$n" = 3 ] && pass "persistent 503: 1 + 2 retries" ||
        fail "persistent 503" "$n requests with retries=2, expected 3"

    clear
    fault_rule api /flow_run_states/ status=429 retry_after=2 times=1
    run r429 "${R[@]}" "$A_SID"
    expect_ok "429 then success" $A
    within "429: Retry-After 2 honoured" 2.0 12

    clear
    fault_rule api /flow_run_states/ status=429 retry_after=1
    run r429p "${RES[@]}" --set retries=2 "$A_SID"
    expect_err "persistent 429: an error naming it" 10 "429"
    within "persistent 429: bounded, each Retry-After waited" 2.0 20

    clear
    fault_rule api /flow_run_states/ sleep=0.5
    run rslow "${R[@]}" "$A_SID"
    expect_ok "slow reply under the timeout" $A

    clear
    fault_rule api /flow_run_states/ sleep=4
    run rtimeout "${RES[@]}" --set retries=0 --set timeout_ms=1000 "$A_SID"
    expect_err "slow reply over timeout_ms: a timeout error" 9
    within "timeout: gives up near timeout_ms" 0.9 3.5

    clear
    fault_rule api /flow_run_states/ drop=1 times=1
    run rdrop "${R[@]}" "$A_SID"
    expect_ok "dropped connection once, then success" $A

    clear
    fault_rule api /flow_run_states/ drop=1
    run rdropp "${RES[@]}" --set retries=2 "$A_SID"
    expect_err "connection always dropped: a network error" 8
    within "dropped: bounded" 0 20

    clear
    fault_rule api /flow_run_states/ truncate=40
    run rtrunc "${RES[@]}" --set retries=1 "$A_SID"
    expect_err "truncated body: an error, not a partial state" "(8|4)"

    clear
    fault_rule api /flow_run_states/ truncate=40 times=1
    run rtrunc1 "${R[@]}" "$A_SID"
    expect_ok "truncated once, then success" $A
    clear
fi

if need_curl "faults: prefect-curl"; then
    clear
    fault_rule api /block_documents/ status=503 times=1
    curl_case "curl: the block fetch is retried" plain state_id $B -s \
        "$api_URL/flow_run_states/$B_SID"

    clear
    run curl-503 "$CURL_BIN" -sS -f -H "X-Test-Fault: status=503,id=c1" \
        "$api_URL/flow_run_states/$A_SID"
    if [ "$RC" = 22 ] && grep -q 503 "$ERR"; then
        pass "curl: 503 on the given URL fails like curl -f (22)"
    else
        fail "curl: 503 on the URL" "exit $RC, stderr $(head -c 200 "$ERR")"
    fi
    within "curl: no retry of the given URL" 0 5
    run curl-429q "$CURL_BIN" -sS -f \
        "$api_URL/flow_run_states/$A_SID?__fault=status%3D429%2Cid%3Dq1"
    [ "$RC" = 22 ] && pass "curl: 429 by query fault, exit 22" ||
        fail "curl: 429 by query fault" "exit $RC"
    run curl-drop "$CURL_BIN" -sS -H "X-Test-Fault: drop=1,id=c2" \
        "$api_URL/flow_run_states/$A_SID"
    [ "$RC" = 52 ] && pass "curl: dropped connection is curl's 52" ||
        fail "curl: dropped connection" "exit $RC, expected 52"
    run curl-trunc "$CURL_BIN" -sS -H "X-Test-Fault: truncate=40,id=c3" \
        "$api_URL/flow_run_states/$A_SID"
    if [ "$RC" = 18 ] && [ ! -s "$OUT" ]; then
        pass "curl: truncated body is curl's 18 and prints nothing"
    else
        fail "curl: truncated body" "exit $RC (expected 18), stdout" \
            "$(head -c 100 "$OUT")"
    fi
    run curl-slow "$CURL_BIN" -sS -m 1 -H "X-Test-Fault: sleep=3,id=c4" \
        "$api_URL/flow_run_states/$A_SID"
    [ "$RC" = 28 ] && pass "curl: -m 1 against a slow reply is 28" ||
        fail "curl: -m 1" "exit $RC, expected 28"
    within "curl: -m 1 gives up in time" 0.9 2.5
fi

finish
