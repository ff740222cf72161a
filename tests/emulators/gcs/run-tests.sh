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
# shellcheck source=SCRIPTDIR/../lib.sh
. "$HERE/../lib.sh"
emu_setup pr-gcs 'server\.js|prefect_api'
if [ ! -f "$HERE/node_modules/firebase-tools/lib/emulator/storage/index.js" ]
then
    npm_ci gcs || finish
fi

# ------------------------------------------------------------ the cases
gen_cases "generating the cases" "$TMP/gcs"

# ------------------------------------------------------------ the servers
node "$HERE/server.js" --keys "$TMP/gcs/keys.json" --seed "$TMP/gcs/seed" \
    --dir "$TMP/gcsdata" --port-file "$TMP/gcs.port" --idle 120 \
    --lifetime 900 --log "$TMP/gcs.log" >/dev/null 2>"$TMP/gcs.err" &
started "the GCS emulator" $! "$TMP/gcs.port" "$TMP/gcs.err" 60
GCS_ORIGIN=http://127.0.0.1:$(cat "$TMP/gcs.port")
# token_uri in the blocks and key files points at the emulator.
grep -rlF '@@GCS_ORIGIN@@' "$TMP/gcs/api" "$TMP/gcs/sa" |
    while IFS= read -r f; do
        sed -i "s|@@GCS_ORIGIN@@|$GCS_ORIGIN|g" "$f"
    done

start_api "$TMP/gcs/api"

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

read_secrets "$TMP/gcs/secrets"

while IFS=$'\t' read -r name sid expect envspec; do
    out=$TMP/out.$name
    resolve "$out" "$envspec" "$sid"
    check_case "$name" "$expect" "$out"
done <"$TMP/gcs/cases.tsv"
batch_same "gcs batch" "$TMP/gcs/cases.tsv" "${CLEAN_ENV[@]}"

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
