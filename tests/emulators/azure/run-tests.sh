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
# shellcheck source=SCRIPTDIR/../lib.sh
. "$HERE/../lib.sh"
emu_setup pr-az 'azurite|prefect_api|token_server'
AZURITE=$HERE/node_modules/azurite/dist/src/blob/main.js
if [ ! -f "$AZURITE" ]; then
    npm_ci azure || finish
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
gen_cases "generating the cases or uploading the blobs" "$TMP/az" \
    "$AZ_ORIGIN" "$OA_ORIGIN" "$CA"

start_api "$TMP/az/api"

# The service principal of make_cases.py.
SP=$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1])
import make_cases as m
print(m.TENANT, m.CLIENT_ID, m.CLIENT_SECRET)' "$HERE")
read -r SP_TENANT SP_ID SP_SECRET <<<"$SP"
"$PY" "$HERE/token_server.py" --port-file "$TMP/token.port" \
    --tenant "$SP_TENANT" --client-id "$SP_ID" --client-secret "$SP_SECRET" \
    --lifetime 900 >/dev/null 2>"$TMP/token.err" &
started "the token server" $! "$TMP/token.port" "$TMP/token.err"
AUTHORITY=http://127.0.0.1:$(cat "$TMP/token.port")

# No AZURE_* or other variable of the caller; HOME is empty.
mkdir -p "$TMP/home"
CLEAN_ENV=(env -i "PATH=$PATH" "HOME=$TMP/home" "SSL_CERT_FILE=$CA"
           "PREFECT_HOME=$TMP/home/.prefect" "PREFECT_API_URL=$API_URL")

read_secrets "$TMP/az/secrets"

while IFS=$'\t' read -r name sid expect envspec; do
    out=$TMP/out.$name
    extra=()
    if [ "$envspec" != - ]; then
        envspec=${envspec//@@AUTHORITY@@/$AUTHORITY}
        IFS=';' read -r -a extra <<<"$envspec"
    fi
    "${CLEAN_ENV[@]}" "${extra[@]}" "$RESOLVE" --info "$sid" >"$out" 2>&1
    check_case "$name" "$expect" "$out"
done <"$TMP/az/cases.tsv"
batch_same "azure batch" "$TMP/az/cases.tsv" "${CLEAN_ENV[@]}"

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
