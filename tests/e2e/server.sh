#!/usr/bin/env bash
# shellcheck disable=SC2154  # NAME_URL and the like: set by start_api
# server.sh - the throwaway Prefect API (tests/lib/prefect_api.py) itself,
# with plain curl: byte-exact replies, the spec's paths and shapes, auth,
# secrets, faults, the request log, and that it stops by itself.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KEY=pnu_e2eServerTestKey42
AUTH='srv-user:srv-Pass!9'
SECRETS+=("$KEY" "$AUTH" "srv-Pass!9")
ACC=11111111-2222-4333-8444-555555555555
WS=66666666-7777-4888-9999-aaaaaaaaaaaa

A=d-flow-pickle-str
T=d-task-pickle-str
A_SID=$(case_field $A 2); A_RID=$(case_field $A 4)
T_SID=$(case_field $T 2); T_RID=$(case_field $T 4)
WRAP=$("$PY" -c 'import json,sys
for c in json.load(open(sys.argv[1])):
    if c["name"] == sys.argv[2]: print(c["flow_run_id"])' \
    "$E2E_CASES/cases.json" "$T")

start_api open
start_api key --api-key "$KEY"
start_api basic --auth-string "$AUTH"

C=(curl -s -m 10 -o "$WORK/body" -w '%{http_code}')
# get LABEL EXPECTED-STATUS CURL-ARGS...
get() {
    local label=$1 want=$2 code
    shift 2
    code=$("${C[@]}" "$@")
    if [ "$code" = "$want" ]; then
        pass "$label"
    else
        fail "$label" "HTTP $code, expected $want: $(head -c 200 "$WORK/body")"
    fi
}
# body_is LABEL FILE: the last body equals FILE byte for byte.
body_is() {
    cmp -s "$WORK/body" "$2" && pass "$1" ||
        fail "$1" "body differs from $2"
}
# py_is LABEL PYEXPR EXPECTED: a Python expression over the body (d).
py_is() {
    local got
    got=$("$PY" -c 'import json,sys
d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
        "$WORK/body" "$2" 2>&1)
    [ "$got" = "$3" ] && pass "$1" || fail "$1" "got '$got', expected '$3'"
}

O=$open_URL
get "state by id" 200 "$O/flow_run_states/$A_SID"
body_is "state is served byte for byte" \
    "$E2E_CASES/api/flow_run_states/$A_SID.json"
get "task-run state" 200 "$O/task_run_states/$T_SID"
get "flow run" 200 "$O/flow_runs/$A_RID"
py_is "flow run carries state and state_id" \
    'd["state"]["id"] == d["state_id"] == "'"$A_SID"'"' True
py_is "flow run: state is the final state" 'd["state_id"]' "$A_SID"
get "task run" 200 "$O/task_runs/$T_RID"
py_is "task run: state_id" 'd["state_id"]' "$T_SID"
get "state history" 200 "$O/flow_run_states/?flow_run_id=$A_RID"
py_is "history: PENDING, RUNNING, COMPLETED in time order" \
    '",".join(s["type"] for s in d)' PENDING,RUNNING,COMPLETED
get "task state history" 200 "$O/task_run_states/?task_run_id=$T_RID"
py_is "task history: 3 states" 'len(d)' 3
get "history without a run id: 422" 422 "$O/flow_run_states/"
get "flow_runs/filter by id" 200 -X POST -H 'Content-Type: application/json' \
    -d "{\"flow_runs\":{\"id\":{\"any_\":[\"$A_RID\"]}}}" "$O/flow_runs/filter"
py_is "filter: one run, with its state" \
    '[r["id"] for r in d] == ["'"$A_RID"'"] and d[0]["state"]["id"]' \
    "$A_SID"
get "task_runs/filter by flow run" 200 -X POST \
    -d "{\"flow_runs\":{\"id\":{\"any_\":[\"$WRAP\"]}},\"limit\":500}" \
    "$O/task_runs/filter"
py_is "task filter: the case's task is among them" \
    'any(r["id"] == "'"$T_RID"'" for r in d)' True
get "filter with state type" 200 -X POST \
    -d '{"flow_runs":{"state":{"type":{"any_":["FAILED"]}}},"limit":3}' \
    "$O/flow_runs/filter"
py_is "filter: only FAILED, limit 3" \
    'len(d) == 3 and all(r["state_type"] == "FAILED" for r in d)' True
NOID=7d0c1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f
get "unknown state: 404" 404 "$O/flow_run_states/$NOID"
py_is "404 body names the object" 'd["detail"]' "Flow run state not found"
get "unknown route: 404" 404 "$O/nothing/here"
py_is "unknown route body" 'd["detail"]' "Not Found"
get "bad uuid: 422" 422 "$O/task_runs/not-a-uuid"

# blocks and secrets
S3B=$("$PY" -c 'import json,sys
for c in json.load(open(sys.argv[1])):
    if c["storage"] == "s3": print(c["storage_block_id"]); break' \
    "$E2E_CASES/cases.json")
get "block document" 200 "$O/block_documents/$S3B"
py_is "secrets masked without include_secrets" \
    'd["data"]["credentials"]["aws_secret_access_key"]' "********"
py_is "@@ORIGIN@@ becomes this server" \
    'd["data"]["credentials"]["aws_client_parameters"]["endpoint_url"]' \
    "$open_ORIGIN"
py_is "nested block reference recorded" \
    'd["block_document_references"]["credentials"]["block_document"]'\
'["block_type"]["slug"]' \
    aws-credentials
get "block with secrets" 200 "$O/block_documents/$S3B?include_secrets=true"
py_is "include_secrets=true shows the secret" \
    'd["data"]["credentials"]["aws_secret_access_key"]' "$E2E_S3_SECRET"
get "block by slug and name" 200 \
    "$O/block_types/slug/local-file-system/block_documents/name/$(
    )sample-results?include_secrets=true"
py_is "block by name: the slug" 'd["block_type"]["slug"]' local-file-system
get "block by unknown name: 404" 404 \
    "$O/block_types/slug/local-file-system/block_documents/name/nope"
get "health" 200 "$O/health"

# auth
get "key: no header, 401" 401 "$key_URL/flow_run_states/$A_SID"
get "key: wrong key, 401" 401 -H "Authorization: Bearer nope" \
    "$key_URL/flow_run_states/$A_SID"
get "key: right key" 200 -H "Authorization: Bearer $KEY" \
    "$key_URL/flow_run_states/$A_SID"
get "basic: no header, 401" 401 "$basic_URL/flow_run_states/$A_SID"
py_is "basic: Prefect's 401 body" 'd["exception_message"]' Unauthorized
get "basic: Bearer refused" 401 -H "Authorization: Bearer $KEY" \
    "$basic_URL/flow_run_states/$A_SID"
get "basic: wrong password" 401 -u "srv-user:nope" \
    "$basic_URL/flow_run_states/$A_SID"
get "basic: right user:pass" 200 -u "$AUTH" \
    "$basic_URL/flow_run_states/$A_SID"
CL=$key_ORIGIN/api/accounts/$ACC/workspaces/$WS
get "cloud path with key" 200 -H "Authorization: Bearer $KEY" \
    "$CL/flow_run_states/$A_SID"
body_is "cloud path: same bytes" "$E2E_CASES/api/flow_run_states/$A_SID.json"
get "cloud path without key: 401" 401 "$CL/flow_run_states/$A_SID"
get "cloud path on the open server still needs a Bearer" 401 \
    "$open_ORIGIN/api/accounts/$ACC/workspaces/$WS/flow_runs/$A_RID"
get "cloud path: block" 200 -H "Authorization: Bearer $KEY" \
    "$CL/block_documents/$S3B"

# S3 objects behind the nested block
S3KEY=$("$PY" -c 'import json,sys
for c in json.load(open(sys.argv[1])):
    if c["storage"] == "s3": print(c["storage_key"]); break' \
    "$E2E_CASES/cases.json")
get "s3: anonymous GET refused" 403 "$open_ORIGIN/e2e-bucket/results/$S3KEY"
get "s3: GET with the access key id" 200 \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=AKIAE2EEXAMPLEKEY/$(
    )20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00" \
    "$open_ORIGIN/e2e-bucket/results/$S3KEY"
get "s3: missing key 404" 404 \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=AKIAE2EEXAMPLEKEY/x" \
    "$open_ORIGIN/e2e-bucket/results/nope"

# faults
S=$O/flow_run_states/$A_SID
HF="X-Test-Fault: status=503,times=2,id=h"
get "header fault 503 #1" 503 -H "$HF" "$S"
get "header fault 503 #2" 503 -H "$HF" "$S"
get "header fault: then success" 200 -H "$HF" "$S"
get "query fault 504" 504 "$S?__fault=status%3D504%2Ctimes%3D1%2Cid%3Dq"
get "query fault: then success" 200 \
    "$S?__fault=status%3D504%2Ctimes%3D1%2Cid%3Dq"
code=$(curl -s -m 10 -D "$WORK/hdr" -o /dev/null -w '%{http_code}' \
    -H "X-Test-Fault: status=429,retry_after=3,id=r" "$S")
if [ "$code" = 429 ] && grep -qi '^Retry-After: 3' "$WORK/hdr"; then
    pass "429 carries Retry-After"
else
    fail "429 with Retry-After" "HTTP $code, headers" \
        "$(tr '\r\n' '  ' <"$WORK/hdr")"
fi
curl -s -m 5 -o /dev/null -H "X-Test-Fault: drop=1,id=d" "$S"
[ $? = 52 ] && pass "drop: curl sees an empty reply (52)" ||
    fail "drop" "curl did not see an empty reply"
curl -s -m 5 -o /dev/null -H "X-Test-Fault: truncate=10,id=t" "$S"
[ $? = 18 ] && pass "truncate: curl sees a partial body (18)" ||
    fail "truncate" "curl did not see a partial body"
t0=${EPOCHREALTIME/,/.}
get "sleep fault: answered" 200 -H "X-Test-Fault: sleep=1,id=s" "$S"
ELAPSED=$(awk -v a="$t0" -v b="${EPOCHREALTIME/,/.}" 'BEGIN{print b-a}')
elapsed_between 1.0 5 && pass "sleep fault: slept 1 s" ||
    fail "sleep fault" "took $ELAPSED s"
faults open '{"rules":[{"path":"/task_run_states/","status":502,"times":1},
  {"regex":"/flow_runs/[0-9a-f-]+$","method":"GET","status":503,"skip":1,
   "times":1}]}'
get "rule: 502 once" 502 "$O/task_run_states/$T_SID"
get "rule: then 200" 200 "$O/task_run_states/$T_SID"
get "rule with skip: first passes" 200 "$O/flow_runs/$A_RID"
get "rule with skip: second gets 503" 503 "$O/flow_runs/$A_RID"
get "rule with skip: third passes" 200 "$O/flow_runs/$A_RID"
get "fault rules report their hits" 200 "$open_ORIGIN/__faults__"
py_is "hits counted" '[r["hits"] for r in d["rules"]]' "[1, 1]"
get "bad fault rule is refused" 400 -X POST -d '{"rules":[{"bogus":1}]}' \
    "$open_ORIGIN/__faults__"
curl -s -m 5 -o /dev/null -X DELETE "$open_ORIGIN/__faults__"

# the log: no secret, schemes kept
bad=
for s in "${SECRETS[@]}"; do
    grep -qF -- "$s" "$key_LOG" "$basic_LOG" "$open_LOG" && bad=1
done
[ -z "$bad" ] && pass "request logs hold no secret" ||
    fail "request logs" "a secret was logged"
grep -q '"Authorization":"Bearer \[redacted\]"' "$key_LOG" &&
    grep -q '"Authorization":"Basic \[redacted\]"' "$basic_LOG" &&
    pass "request logs keep the auth scheme" ||
    fail "request logs" "the auth scheme is missing"
get "request log over HTTP" 200 "$open_ORIGIN/__requests__"
py_is "request log has status and fault" \
    'any(r["fault"] and r["status"] == 503 for r in d)' True

# stopping: SIGTERM, idle
stop_api key
if [ -z "$key_PID" ] && ! curl -s -m 2 -o /dev/null "$key_URL/health"; then
    pass "SIGTERM stops the server"
else
    fail "SIGTERM" "the server still answers"
fi
start_api idle --idle 1
t0=${EPOCHREALTIME/,/.}
for _ in $(seq 60); do
    kill -0 "$idle_PID" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$idle_PID" 2>/dev/null; then
    fail "idle stop" "still running after 6 s with --idle 1"
else
    wait "$idle_PID" 2>/dev/null
    pass "stops by itself after --idle"
fi
idle_PID=
"$PY" "$API_PY" --data "$E2E_CASES/api" --host 10.0.0.1 >/dev/null 2>&1
[ $? = 2 ] && pass "refuses a non-loopback address" ||
    fail "non-loopback" "it did not refuse --host 10.0.0.1"

finish
