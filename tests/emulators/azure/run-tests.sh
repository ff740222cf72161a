#!/usr/bin/env bash
# run-tests.sh - the Azure Blob backend against Azurite.
#
#   tests/emulators/azure/run-tests.sh
#
# Installs the emulator's npm package when node_modules is missing (npm ci
# from the committed package-lock.json), starts two Azurites on free
# loopback ports with temp --locations: one plain (it checks SharedKey
# and SAS signatures), one over HTTPS with a self-signed certificate for
# 127.0.0.1 and --oauth basic (it checks a Bearer token's issuer,
# audience and lifetime), and token_server.py (the OAuth
# client-credentials endpoint), generates the
# e2e cases (tests/e2e/gen_cases.py) and the Azure cases built on them
# (make_cases.py: it also creates the container and uploads the blobs
# with its own SharedKey signer), starts the test Prefect API
# (tests/lib/prefect_api.py), then resolves every case through
# build/tools/pr-resolve: values that must come back, failures that must
# carry the right code and message, and no secret in any output.  Both
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

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pr-az.XXXXXX")
cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        # Only our own child, still running what we started.
        if ps -o cmd= -p "$p" 2>/dev/null |
           grep -qE 'azurite|prefect_api|token_server'; then
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
AZURITE=$HERE/node_modules/azurite/dist/src/blob/main.js
if [ ! -f "$AZURITE" ]; then
    t0=$SECONDS
    if ! (cd "$HERE" && npm ci --no-audit --no-fund) >"$TMP/npm.log" 2>&1
    then
        tail -n 20 "$TMP/npm.log"
        fail setup "npm ci failed in tests/emulators/azure"
        finish
    fi
    echo "npm ci took $((SECONDS - t0)) s"
fi

# ------------------------------------------------------------ Azurite
free_port() {
    "$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Waits up to 30 s for any HTTP answer from URL while PID runs.
wait_http() {
    local i
    for i in $(seq 300); do
        kill -0 "$2" 2>/dev/null || return 1
        curl -s -o /dev/null --max-time 1 --cacert "$CA" "$1" && return 0
        sleep 0.1
    done
    return 1
}

# Azurite's OAuth mode needs HTTPS: a throwaway certificate for the
# loopback address, trusted by pr-resolve through SSL_CERT_FILE.
CA=$TMP/cert.pem
if ! openssl req -x509 -newkey rsa:2048 -nodes -days 1 \
        -keyout "$TMP/key.pem" -out "$CA" -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 >"$TMP/openssl.log" 2>&1; then
    cat "$TMP/openssl.log"
    fail setup "openssl could not make a certificate"
    finish
fi

AZ_PORT=$(free_port)
mkdir -p "$TMP/azurite"
node "$AZURITE" --blobHost 127.0.0.1 --blobPort "$AZ_PORT" \
    --location "$TMP/azurite" --silent --disableTelemetry \
    --skipApiVersionCheck >"$TMP/azurite.log" 2>&1 &
AZ_PID=$!
PIDS+=("$AZ_PID")
AZ_ORIGIN=http://127.0.0.1:$AZ_PORT
OA_PORT=$(free_port)
mkdir -p "$TMP/azurite-oauth"
node "$AZURITE" --blobHost 127.0.0.1 --blobPort "$OA_PORT" \
    --location "$TMP/azurite-oauth" --silent --disableTelemetry \
    --skipApiVersionCheck --oauth basic --cert "$CA" \
    --key "$TMP/key.pem" >"$TMP/azurite-oauth.log" 2>&1 &
OA_PID=$!
PIDS+=("$OA_PID")
OA_ORIGIN=https://127.0.0.1:$OA_PORT
if ! wait_http "$AZ_ORIGIN/" "$AZ_PID" ||
   ! wait_http "$OA_ORIGIN/" "$OA_PID"; then
    cat "$TMP/azurite.log" "$TMP/azurite-oauth.log"
    fail setup "Azurite did not start"
    finish
fi

# ------------------------------------------------------------ the cases
if ! "$PY" "$ROOT/tests/e2e/gen_cases.py" "$TMP/e2e" >"$TMP/gen.log" 2>&1 ||
   ! "$PY" "$HERE/make_cases.py" "$TMP/e2e" "$TMP/az" "$AZ_ORIGIN" \
       "$OA_ORIGIN" "$CA" >>"$TMP/gen.log" 2>&1
then
    cat "$TMP/gen.log"
    fail setup "generating the cases or uploading the blobs failed"
    finish
fi

wait_port() {   # FILE PID: waits up to 20 s for FILE (the port)
    local i
    for i in $(seq 200); do
        [ -s "$1" ] && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

"$PY" "$ROOT/tests/lib/prefect_api.py" --data "$TMP/az/api" \
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

# The service principal of make_cases.py.
SP=$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1])
import make_cases as m
print(m.TENANT, m.CLIENT_ID, m.CLIENT_SECRET)' "$HERE")
read -r SP_TENANT SP_ID SP_SECRET <<<"$SP"
"$PY" "$HERE/token_server.py" --port-file "$TMP/token.port" \
    --tenant "$SP_TENANT" --client-id "$SP_ID" --client-secret "$SP_SECRET" \
    --lifetime 900 >/dev/null 2>"$TMP/token.err" &
TOKEN_PID=$!
PIDS+=("$TOKEN_PID")
if ! wait_port "$TMP/token.port" "$TOKEN_PID"; then
    cat "$TMP/token.err"
    fail setup "the token server did not start"
    finish
fi
AUTHORITY=http://127.0.0.1:$(cat "$TMP/token.port")

# No AZURE_* or other variable of the caller; HOME is empty.
mkdir -p "$TMP/home"
CLEAN_ENV=(env -i "PATH=$PATH" "HOME=$TMP/home" "SSL_CERT_FILE=$CA"
           "PREFECT_HOME=$TMP/home/.prefect" "PREFECT_API_URL=$API_URL")

SECRETS=()
while IFS= read -r s; do
    [ -n "$s" ] && SECRETS+=("$s")
done <"$TMP/az/secrets"

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
    extra=()
    if [ "$envspec" != - ]; then
        envspec=${envspec//@@AUTHORITY@@/$AUTHORITY}
        IFS=';' read -r -a extra <<<"$envspec"
    fi
    "${CLEAN_ENV[@]}" "${extra[@]}" "$RESOLVE" --info "$sid" >"$out" 2>&1
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
done <"$TMP/az/cases.tsv"

# Azurite really checks signatures: an unsigned read of a private blob
# and one with a made-up SharedKey are refused.
code=$(curl -s -o "$TMP/c1" -w '%{http_code}' --cacert "$CA" \
    "$AZ_ORIGIN/devstoreaccount1/prc/results/0f1e2d3c")
if [ "$code" = 403 ] || [ "$code" = 404 ]; then
    pass "emulator refuses an unsigned read"
else
    fail "emulator refuses an unsigned read" "HTTP $code"
fi
code=$(curl -s -o "$TMP/c2" -w '%{http_code}' --cacert "$CA" \
    -H "x-ms-version: 2021-08-06" \
    -H "x-ms-date: $(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')" \
    -H "Authorization: SharedKey devstoreaccount1:AAAA" \
    "$AZ_ORIGIN/devstoreaccount1/prc/results/0f1e2d3c")
if [ "$code" = 403 ]; then
    pass "emulator refuses a wrong SharedKey"
else
    fail "emulator refuses a wrong SharedKey" "HTTP $code"
fi
# ... and, in OAuth mode, a Bearer token that is not a valid JWT.
code=$(curl -s -o "$TMP/c3" -w '%{http_code}' --cacert "$CA" \
    -H "x-ms-version: 2021-08-06" -H "Authorization: Bearer x.y.z" \
    "$OA_ORIGIN/devstoreaccount1/prc/results/0f1e2d3c")
if [ "$code" = 401 ] || [ "$code" = 403 ]; then
    pass "emulator refuses a malformed Bearer token"
else
    fail "emulator refuses a malformed Bearer token" "HTTP $code"
fi

finish
