#!/usr/bin/env bash
# run-tests.sh - the GCS backend against firebase-tools' storage emulator
# behind a service-account token endpoint.
#
#   tests/emulators/gcs/run-tests.sh
#
# Installs the emulator's npm packages when node_modules is missing
# (npm ci from the committed package-lock.json; firebase-tools is large),
# generates the e2e cases (tests/e2e/gen_cases.py) and the GCS cases built
# on them (make_cases.py: fresh RSA keys for the service accounts),
# starts server.js (the emulator in process, a /token endpoint that
# verifies the RS256 JWT, a bearer token required on every storage
# request) and the test Prefect API (tests/lib/prefect_api.py), then
# resolves every case through build/tools/pr-resolve: values that must
# come back, failures that must carry the right code and message, and no
# private key, assertion or token in any output.  Also checks that one
# process asks the token endpoint once for many reads (the cache).  Both
# servers are stopped on every exit.  KEEP=1 keeps the temp dir.  The
# last line is "N passed, N failed".
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
PY=/usr/bin/python3
RESOLVE=${PR_RESOLVE:-$ROOT/build/tools/pr-resolve}
N_PASS=0
N_FAIL=0
PIDS=()

pass() { N_PASS=$((N_PASS + 1)); echo "PASS $1"; }
fail() { N_FAIL=$((N_FAIL + 1)); echo "FAIL $1: ${*:2}"; }
finish() {
    echo "$N_PASS passed, $N_FAIL failed"
    [ "$N_FAIL" = 0 ]
    exit
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pr-gcs.XXXXXX")
cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        # Only our own child, still running what we started.
        if ps -o cmd= -p "$p" 2>/dev/null | grep -qE 'server\.js|prefect_api'
        then
            kill "$p" 2>/dev/null
        fi
    done
    for p in "${PIDS[@]}"; do
        wait "$p" 2>/dev/null
    done
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -x "$RESOLVE" ]; then
    fail setup "$RESOLVE is not built (make all)"
    finish
fi
if [ ! -f "$HERE/node_modules/firebase-tools/lib/emulator/storage/index.js" ]
then
    t0=$SECONDS
    if ! (cd "$HERE" && npm ci --no-audit --no-fund) >"$TMP/npm.log" 2>&1
    then
        tail -n 20 "$TMP/npm.log"
        fail setup "npm ci failed in tests/emulators/gcs"
        finish
    fi
    echo "npm ci took $((SECONDS - t0)) s"
fi

# ------------------------------------------------------------ the cases
if ! "$PY" "$ROOT/tests/e2e/gen_cases.py" "$TMP/e2e" >"$TMP/gen.log" 2>&1 ||
   ! "$PY" "$HERE/make_cases.py" "$TMP/e2e" "$TMP/gcs" >>"$TMP/gen.log" 2>&1
then
    cat "$TMP/gen.log"
    fail setup "generating the cases failed"
    finish
fi

# ------------------------------------------------------------ the servers
wait_port() {   # FILE PID: waits up to 60 s for FILE (the port)
    local i
    for i in $(seq 600); do
        [ -s "$1" ] && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

node "$HERE/server.js" --keys "$TMP/gcs/keys.json" --seed "$TMP/gcs/seed" \
    --dir "$TMP/gcsdata" --port-file "$TMP/gcs.port" --idle 120 \
    --lifetime 900 --log "$TMP/gcs.log" >/dev/null 2>"$TMP/gcs.err" &
GCS_PID=$!
PIDS+=("$GCS_PID")
if ! wait_port "$TMP/gcs.port" "$GCS_PID"; then
    cat "$TMP/gcs.err"
    fail setup "the GCS emulator did not start"
    finish
fi
GCS_ORIGIN=http://127.0.0.1:$(cat "$TMP/gcs.port")
# token_uri in the blocks and key files points at the emulator.
grep -rlF '@@GCS_ORIGIN@@' "$TMP/gcs/api" "$TMP/gcs/sa" |
    while IFS= read -r f; do
        sed -i "s|@@GCS_ORIGIN@@|$GCS_ORIGIN|g" "$f"
    done

"$PY" "$ROOT/tests/lib/prefect_api.py" --data "$TMP/gcs/api" \
    --port-file "$TMP/api.port" --idle 120 --lifetime 900 \
    >/dev/null 2>"$TMP/api.err" &
API_PID=$!
PIDS+=("$API_PID")
if ! wait_port "$TMP/api.port" "$API_PID"; then
    cat "$TMP/api.err"
    fail setup "the test Prefect API did not start"
    finish
fi
API_URL=http://127.0.0.1:$(cat "$TMP/api.port")/api

# Every Google variable of the caller is dropped; HOME is empty.  The
# emulator is reached as Google's clients reach one: STORAGE_EMULATOR_HOST.
mkdir -p "$TMP/home"
CLEAN_ENV=(env -i "PATH=$PATH" "HOME=$TMP/home"
           "PREFECT_HOME=$TMP/home/.prefect" "PREFECT_API_URL=$API_URL"
           "STORAGE_EMULATOR_HOST=$GCS_ORIGIN")

# resolve OUT ENVSPEC ID...: runs pr-resolve with ENVSPEC (K=V;K=V or -).
resolve() {
    local out=$1 spec=$2 extra=()
    shift 2
    if [ "$spec" != - ]; then
        IFS=';' read -r -a extra <<<"$spec"
    fi
    "${CLEAN_ENV[@]}" "${extra[@]}" "$RESOLVE" --info "$@" >"$out" 2>&1
}

SECRETS=()
while IFS= read -r s; do
    SECRETS+=("$s")
done <"$TMP/gcs/secrets"

no_secret() {   # LABEL FILE
    local s
    for s in "${SECRETS[@]}"; do
        if grep -qF -- "$s" "$2"; then
            fail "$1" "a secret appears in the output"
            return 1
        fi
    done
    return 0
}

while IFS=$'\t' read -r name sid expect envspec; do
    out=$TMP/out.$name
    resolve "$out" "$envspec" "$sid"
    got=$(grep -m 1 -E '^(OK|ERR) ' "$out")
    no_secret "$name" "$out" || continue
    case $expect in
    OK\ *)
        want="OK $(cat "${expect#OK }")"
        if [ "$got" = "$want" ]; then
            pass "$name"
        else
            fail "$name" "printed '$(head -c 300 "$out")'"
        fi ;;
    ERR\ *)
        rest=${expect#ERR }
        code=${rest%% *}
        re=${rest#* }
        if [[ "$got" == "ERR $code "* ]] &&
           tr '\n' ' ' <"$out" | grep -qE -- "$re"; then
            pass "$name"
        else
            fail "$name" "printed '$(head -c 400 "$out")'," \
                "expected ERR $code matching /$re/"
        fi ;;
    esac
done <"$TMP/gcs/cases.tsv"

# One process, many reads with one key: one token request.
ids=()
for n in ok-pickle ok-json ok-compressed key-space key-unicode; do
    ids+=("$(awk -F'\t' -v n="$n" '$1 == n { print $2 }' \
             "$TMP/gcs/cases.tsv")")
done
before=$(grep -c '"verdict":"issued"' "$TMP/gcs.log")
resolve "$TMP/out.cache" - "${ids[@]}"
after=$(grep -c '"verdict":"issued"' "$TMP/gcs.log")
if [ "$(grep -c '^OK ' "$TMP/out.cache")" = 5 ] &&
   [ $((after - before)) = 1 ]; then
    pass "token cached across reads in one process"
else
    fail "token cache" "$((after - before)) token requests;" \
        "$(head -c 300 "$TMP/out.cache")"
fi

# The emulator really checked: tokens were issued and required, a wrong
# key was refused at /token, a missing token and a foreign bucket at the
# gate.
if grep -q '"verdict":"issued"' "$TMP/gcs.log" &&
   grep -q '"verdict":"invalid_grant","why":"Invalid JWT Signature."' \
       "$TMP/gcs.log" &&
   grep -q '"verdict":"no_token"' "$TMP/gcs.log" &&
   grep -q '"verdict":"denied"' "$TMP/gcs.log" &&
   grep -q '"verdict":"ok"' "$TMP/gcs.log"; then
    pass "emulator verified the requests (log verdicts)"
else
    fail "emulator log" "$(head -c 300 "$TMP/gcs.log")"
fi

# The gate itself: a made-up bearer token and a JWT signed by another key
# are refused.
code=$(curl -s -o "$TMP/g1" -w '%{http_code}' \
    -H 'Authorization: Bearer ya29.made-up' \
    "$GCS_ORIGIN/storage/v1/b/prg/o/results%2F0f1e2d3c?alt=media")
if [ "$code" = 401 ] && grep -q 'Invalid Credentials' "$TMP/g1"; then
    pass "unknown bearer token refused"
else
    fail "unknown bearer token" "HTTP $code $(head -c 200 "$TMP/g1")"
fi
code=$(curl -s -o "$TMP/g2" -w '%{http_code}' \
    --data-urlencode 'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer' \
    --data-urlencode 'assertion=eyJhbGciOiJub25lIn0.e30.' "$GCS_ORIGIN/token")
if [ "$code" = 400 ] && grep -q invalid_grant "$TMP/g2"; then
    pass "unsigned assertion refused"
else
    fail "unsigned assertion" "HTTP $code $(head -c 200 "$TMP/g2")"
fi

finish
