#!/usr/bin/env bash
# shellcheck disable=SC2154  # NAME_URL and the like: set by start_api
# auth.sh - both auth styles (Bearer API key, Basic auth string), the
# Cloud URL shape, profiles, and the 401/403/404 messages, through the
# core (pr-resolve) and prefect-curl.  No secret may appear in the
# output of a failing command (lib.sh's run scans every one).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KEY=pnu_e2eSecretApiKey0123456789abcdefXYZ
WRONG_KEY=pnu_e2eWrongKeyMustNotEcho98765
AUTH='e2e-user:e2e-Pass-Word!77'
WRONG_AUTH='e2e-user:wrong-Pass-Word!88'
SECRETS+=("$KEY" "$WRONG_KEY" "$AUTH" "$WRONG_AUTH" "e2e-Pass-Word!77"
          "wrong-Pass-Word!88" "$(printf %s "$AUTH" | base64)"
          "$(printf %s "$WRONG_AUTH" | base64)")
ACC=6d1f6a1e-1b1a-4f0e-9d3c-0a1b2c3d4e5f
WS=8e2a7b3c-4d5e-4f60-8a71-9b8c7d6e5f40

A=d-flow-pickle-str          # a state whose file needs no block
B=b-flow-pickle-str          # a 2.x reference: the block is fetched too
T=d-task-json-decimal        # a task-run state
A_SID=$(case_field $A 2); A_RID=$(case_field $A 4)
B_SID=$(case_field $B 2); B_RID=$(case_field $B 4)
T_SID=$(case_field $T 2)
MISSING=7d0c1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f

start_api key --api-key "$KEY"
start_api basic --auth-string "$AUTH"
start_api ws --api-key "$KEY" --workspace "$ACC/$WS"

# write_profiles FILE: profiles.toml with an active profile "e2e" and
# others that a test selects with PREFECT_PROFILE.
write_profiles() {
    cat >"$1" <<TOML
active = "e2e"

[profiles.e2e]
PREFECT_API_URL = "$key_URL"
PREFECT_API_KEY = "$KEY"

[profiles.wrong]
PREFECT_API_URL = "$key_URL"
PREFECT_API_KEY = "$WRONG_KEY"

[profiles.basic]
PREFECT_API_URL = "$basic_URL"
PREFECT_API_AUTH_STRING = "$AUTH"

[profiles.cloud]
PREFECT_API_URL = "$ws_ORIGIN/api/accounts/$ACC/workspaces/$WS"
PREFECT_API_KEY = "$KEY"
TOML
}

# log_auth NAME SCHEME: every logged request that reached server NAME
# with credentials shows only SCHEME, and no secret is in the log.
log_auth() {
    local var="${1}_LOG" s bad=
    for s in "${SECRETS[@]}"; do
        grep -qF -- "$s" "${!var}" && bad=1
    done
    if [ -n "$bad" ]; then
        fail "log of $1" "a secret value was logged"
    elif grep -q "\"Authorization\":\"$2 \\[redacted\\]\"" "${!var}"; then
        pass "log of $1: Authorization sent as $2, value not logged"
    else
        fail "log of $1" "no request with 'Authorization: $2 ...'"
    fi
}

if need_resolve "auth: resolver"; then
    # -- Bearer key
    export PREFECT_API_URL=$key_URL
    PREFECT_API_KEY=$KEY run key-ok "${RES[@]}" "$A_SID"
    expect_ok "api key: flow-run state" $A
    PREFECT_API_KEY=$KEY run key-ok-block "${RES[@]}" "$B_SID"
    expect_ok "api key: block fetched with the key" $B
    PREFECT_API_KEY=$KEY run key-ok-task "${RES[@]}" "$T_SID"
    expect_ok "api key: task-run state" $T
    PREFECT_API_KEY=$KEY run key-ok-run "${RES[@]}" "$A_RID"
    expect_ok "api key: flow run id" $A
    PREFECT_API_KEY=$WRONG_KEY run key-wrong "${RES[@]}" "$A_SID"
    expect_err "api key: wrong key is refused" 7 "401|auth|credential"
    secret_free key-wrong
    run key-none "${RES[@]}" "$A_SID"
    expect_err "api key: no key is refused" 7
    secret_free key-none
    PREFECT_API_KEY=$KEY run key-404 "${RES[@]}" "$MISSING"
    expect_err "unknown id: not found, naming the id" 6 "$MISSING"
    faults key '{"rules":[{"path":"/flow_run_states/","status":403}]}'
    PREFECT_API_KEY=$KEY run key-403 "${RES[@]}" "$A_SID"
    expect_err "403 from the API is an auth error" 7 "403|forbidden|auth"
    secret_free key-403
    faults key '{"rules":[]}'
    PREFECT_API_KEY=$KEY run key-set "${RES[@]}" --set "api_key=$WRONG_KEY" \
        "$A_SID"
    expect_err "--set api_key overrides the environment" 7
    secret_free key-set
    run key-set-ok "${RES[@]}" --set "api_key=$KEY" "$A_SID"
    expect_ok "--set api_key alone is enough" $A

    # -- Basic auth string (wins over a key)
    export PREFECT_API_URL=$basic_URL
    PREFECT_API_AUTH_STRING=$AUTH run basic-ok "${RES[@]}" "$B_SID"
    expect_ok "auth string: Basic accepted (block too)" $B
    PREFECT_API_AUTH_STRING=$AUTH PREFECT_API_KEY=$WRONG_KEY \
        run basic-wins "${RES[@]}" "$A_SID"
    expect_ok "auth string wins over an API key" $A
    secret_free basic-wins
    PREFECT_API_AUTH_STRING=$WRONG_AUTH run basic-wrong "${RES[@]}" "$A_SID"
    expect_err "auth string: wrong password is refused" 7
    secret_free basic-wrong
    PREFECT_API_KEY=$KEY run basic-key-only "${RES[@]}" "$A_SID"
    expect_err "auth string server refuses a Bearer key" 7
    secret_free basic-key-only

    # -- Cloud URL shape
    export PREFECT_API_URL=$ws_ORIGIN/api/accounts/$ACC/workspaces/$WS
    PREFECT_API_KEY=$KEY run cloud-ok "${RES[@]}" "$A_SID"
    expect_ok "cloud URL: state" $A
    PREFECT_API_KEY=$KEY run cloud-ok-block "${RES[@]}" "$B_RID"
    expect_ok "cloud URL: run id and block under the workspace" $B
    run cloud-nokey "${RES[@]}" "$A_SID"
    expect_err "cloud URL without a key: 401" 7
    OTHER_WS=$ws_ORIGIN/api/accounts/$ACC/workspaces/$ACC
    PREFECT_API_KEY=$KEY PREFECT_API_URL=$OTHER_WS \
        run cloud-wrong-ws "${RES[@]}" "$A_SID"
    expect_err "cloud URL of another workspace: not found" 6
    unset PREFECT_API_URL

    # -- profiles
    write_profiles "$PREFECT_HOME/profiles.toml"
    run prof-active "${RES[@]}" "$A_SID"
    expect_ok "profile: the active one from PREFECT_HOME/profiles.toml" $A
    PREFECT_PROFILE=wrong run prof-wrong "${RES[@]}" "$A_SID"
    expect_err "profile: PREFECT_PROFILE selects another" 7
    secret_free prof-wrong
    PREFECT_PROFILE=wrong PREFECT_API_KEY=$KEY run prof-env "${RES[@]}" \
        "$A_SID"
    expect_ok "profile: the environment wins over the profile" $A
    PREFECT_PROFILE=basic run prof-basic "${RES[@]}" "$B_SID"
    expect_ok "profile: auth string from a profile" $B
    PREFECT_PROFILE=cloud run prof-cloud "${RES[@]}" "$A_SID"
    expect_ok "profile: cloud URL and key from a profile" $A
    mkdir -p "$WORK/elsewhere"
    mv "$PREFECT_HOME/profiles.toml" "$WORK/elsewhere/p.toml"
    PREFECT_PROFILES_PATH=$WORK/elsewhere/p.toml run prof-path \
        "${RES[@]}" "$A_SID"
    expect_ok "profile: PREFECT_PROFILES_PATH" $A
    run prof-none "${RES[@]}" "$A_SID"
    if grep -qE '^ERR ' "$OUT"; then
        pass "no profile and no URL: an error, not a guess"
    else
        fail "no profile and no URL" "printed $(first_line "$OUT")"
    fi
    secret_free prof-none

    log_auth key Bearer
    log_auth basic Basic
fi

if need_curl "auth: prefect-curl"; then
    H="Authorization: Bearer $KEY"
    curl_case "curl bearer state" plain state_id $A -s -H "$H" \
        "$key_URL/flow_run_states/$A_SID"
    curl_case "curl bearer run" plain run_id $A -s -H "$H" \
        "$key_URL/flow_runs/$A_RID"
    PREFECT_API_URL=$key_URL curl_case "curl bearer block (header only)" \
        plain state_id $B -s -H "$H" "$key_URL/flow_run_states/$B_SID"
    PREFECT_API_URL=$key_URL PREFECT_API_KEY=$KEY \
        curl_case "curl bearer block (key in env)" plain state_id $B -s \
        -H "$H" "$key_URL/flow_run_states/$B_SID"
    curl_case "curl basic -u" plain state_id $B -s -u "$AUTH" \
        "$basic_URL/flow_run_states/$B_SID"
    curl_case "curl cloud" plain run_id $B -s -H "$H" \
        "$ws_ORIGIN/api/accounts/$ACC/workspaces/$WS/flow_runs/$B_RID"
    run curl-wrong "$CURL_BIN" -sS -f -v \
        -H "Authorization: Bearer $WRONG_KEY" "$key_URL/flow_run_states/$A_SID"
    if [ "$RC" = 22 ] && grep -q 401 "$ERR"; then
        pass "curl: wrong key fails with 22 and names 401"
    else
        fail "curl: wrong key" "exit $RC, stderr $(head -c 300 "$ERR")"
    fi
    secret_free curl-wrong
    run curl-wrong-u "$CURL_BIN" -sS -f -v -u "$WRONG_AUTH" \
        "$basic_URL/flow_run_states/$A_SID"
    [ "$RC" = 22 ] && pass "curl: wrong -u fails with 22" ||
        fail "curl: wrong -u" "exit $RC"
    secret_free curl-wrong-u
    run curl-404 "$CURL_BIN" -sS -f -H "$H" \
        "$key_URL/flow_run_states/$MISSING"
    if [ "$RC" = 22 ] && grep -q 404 "$ERR"; then
        pass "curl: unknown state is 404 with -f"
    else
        fail "curl: unknown state" "exit $RC, stderr $(head -c 300 "$ERR")"
    fi
    run curl-404-body "$CURL_BIN" -s -H "$H" \
        "$key_URL/flow_run_states/$MISSING"
    if [ "$RC" = 0 ] && grep -q '"detail"' "$OUT"; then
        pass "curl: without -f the 404 body is written unchanged"
    else
        fail "curl: 404 without -f" "exit $RC, stdout $(first_line "$OUT")"
    fi

    # A bare id is read from the configured API: profiles apply.
    write_profiles "$PREFECT_HOME/profiles.toml"
    curl_case "curl id: active profile" plain state_id $B -s "$B_SID"
    PREFECT_PROFILE=basic curl_case "curl id: auth-string profile" plain \
        run_id $B -s "$B_RID"
    PREFECT_PROFILE=cloud curl_case "curl id: cloud profile" plain \
        state_id $A -s "$A_SID"
    PREFECT_PROFILE=wrong run curl-id-wrong "$CURL_BIN" -sS "$A_SID"
    if [ "$RC" != 0 ] && grep -q 401 "$ERR"; then
        pass "curl id: a refused key fails and names 401"
    else
        fail "curl id: refused key" "exit $RC, stderr $(head -c 300 "$ERR")"
    fi
    secret_free curl-id-wrong
    run curl-id-missing "$CURL_BIN" -sS "$MISSING"
    [ "$RC" = 114 ] && pass "curl id: unknown id exits 114" ||
        fail "curl id: unknown id" "exit $RC, expected 114:" \
            "$(head -c 300 "$ERR")"
    rm -f "$PREFECT_HOME/profiles.toml"
    log_auth key Bearer

    # PREFECT_CLIENT_CUSTOM_HEADERS belong to the configured API, like
    # its key: sent when a bare id is looked up there, never to a server
    # a URL names (its own -H lines are sent instead).  The block lookup
    # of state B is made by the resolution, so its headers are ours.
    team_header() {     # team_header LABEL: the X-Team of the block GET
        "$PY" - "$key_LOG" <<'PY'
import json, sys
seen = [json.loads(l).get("headers", {}) for l in open(sys.argv[1])
        if "/block_documents/" in json.loads(l)["path"]]
print(seen[-1].get("X-Team", "-") if seen else "no block request")
PY
    }
    export PREFECT_CLIENT_CUSTOM_HEADERS='{"X-Team": "data-eng"}'
    : >"$key_LOG"
    PREFECT_API_URL=$key_URL PREFECT_API_KEY=$KEY \
        run curl-id-custom "$CURL_BIN" -sS "$B_SID"
    by_id=$(team_header)
    : >"$key_LOG"
    PREFECT_API_URL=http://127.0.0.1:1/api \
        run curl-url-custom "$CURL_BIN" -sS -H "Authorization: Bearer $KEY" \
        -H "X-Trace: t1" "$key_URL/flow_run_states/$B_SID"
    by_url=$(team_header)
    x_trace=$("$PY" -c 'import json,sys
print([json.loads(l)["headers"].get("X-Trace", "-") for l in open(sys.argv[1])
       if "/block_documents/" in json.loads(l)["path"]][-1])' "$key_LOG")
    unset PREFECT_CLIENT_CUSTOM_HEADERS
    if [ "$by_id" = data-eng ] && [ "$by_url" = - ] && [ "$x_trace" = t1 ]; then
        pass "custom headers go to the configured API only; a URL's request gets its own -H"
    else
        fail "custom headers" "by id: $by_id (want data-eng), by URL: $by_url (want -), -H X-Trace: $x_trace (want t1)"
    fi
fi

finish
