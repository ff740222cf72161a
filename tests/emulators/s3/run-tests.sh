#!/usr/bin/env bash
# run-tests.sh - the S3 backend against a signature-checking emulator.
#
#   tests/emulators/s3/run-tests.sh
#
# Installs the emulator's npm packages when node_modules is missing
# (npm ci from the committed package-lock.json), generates the e2e cases
# (tests/e2e/gen_cases.py) and the S3 cases built on them
# (make_cases.py), starts server.js (s3rver behind a SigV4 verifier that
# uses AWS's own signer) and the test Prefect API (tests/lib/prefect_api.py
# --s3-origin pointing at the emulator), then resolves every case through
# build/tools/pr-resolve: values that must come back, failures that must
# carry the right code and message, and no secret in any output.  Also
# checks the verifier itself with presigned URLs (valid, tampered,
# expired).  Both servers are stopped on every exit.  KEEP=1 keeps the
# temp dir.  The last line is "N passed, N failed".
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
. "$HERE/../lib.sh"
emu_setup pr-s3 'server\.js|prefect_api'
if [ ! -d "$HERE/node_modules/s3rver" ] ||
   [ ! -d "$HERE/node_modules/@smithy/signature-v4" ]; then
    npm_ci s3 || finish
fi

# ------------------------------------------------------------ the cases
gen_cases "generating the cases" "$TMP/s3"
# The e2e suite's own S3 cases are seeded too, under their bucket.
cp -r "$TMP/e2e/api/s3/." "$TMP/s3/seed/"

# ------------------------------------------------------------ the servers
ACCOUNTS=()
while IFS= read -r a; do
    ACCOUNTS+=(--account "$a")
done <"$TMP/s3/accounts"
ACCOUNTS+=(--account "$(cat "$TMP/e2e/api/s3/e2e-bucket/.access_key_id"):$(
    sed -n "s/^E2E_S3_SECRET='\(.*\)'$/\1/p" "$TMP/e2e/env.sh")")

node "$HERE/server.js" --dir "$TMP/s3data" --seed "$TMP/s3/seed" \
    --port-file "$TMP/s3.port" --idle 120 --lifetime 900 \
    --log "$TMP/s3.log" "${ACCOUNTS[@]}" >/dev/null 2>"$TMP/s3.err" &
started "the S3 emulator" $! "$TMP/s3.port" "$TMP/s3.err"
S3_ORIGIN=http://127.0.0.1:$(cat "$TMP/s3.port")

start_api "$TMP/s3/api" --s3-origin "$S3_ORIGIN"

# Every AWS variable of the caller is dropped; HOME is empty, so no
# ~/.aws of this machine is read.
mkdir -p "$TMP/home"
CLEAN_ENV=(env -i "PATH=$PATH" "HOME=$TMP/home" "PREFECT_HOME=$TMP/home/.prefect"
           "PREFECT_API_URL=$API_URL")

# resolve OUT ENVSPEC ID: runs pr-resolve with ENVSPEC (K=V;K=V or -).
resolve() {
    local out=$1 spec=$2 id=$3 extra=()
    if [ "$spec" != - ]; then
        spec=${spec//@@S3_ORIGIN@@/$S3_ORIGIN}
        spec=${spec//@@AWS@@/$TMP/s3/aws}
        IFS=';' read -r -a extra <<<"$spec"
    fi
    "${CLEAN_ENV[@]}" "${extra[@]}" "$RESOLVE" --info "$id" >"$out" 2>&1
}

read_secrets "$TMP/s3/secrets"

while IFS=$'\t' read -r name sid expect envspec; do
    out=$TMP/out.$name
    resolve "$out" "$envspec" "$sid"
    check_case "$name" "$expect" "$out"
done <"$TMP/s3/cases.tsv"
batch_same "s3 batch" "$TMP/s3/cases.tsv" "${CLEAN_ENV[@]}"

# The e2e suite's S3 cases (nested aws-credentials block), now signed.
for name in d-task-s3-nested-block d-flow-s3-nested-block; do
    sid=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$TMP/e2e/cases.tsv")
    out=$TMP/out.$name
    "${CLEAN_ENV[@]}" "PREFECT_API_URL=http://127.0.0.1:$(cat "$TMP/api.port")/api" \
        "$RESOLVE" "$sid" >"$out" 2>&1
    # These states live in the e2e data, which the API serves as well.
    want="OK $(cat "$TMP/e2e/expect/$name.plain")"
    if [ "$(grep -m 1 -E '^(OK|ERR) ' "$out")" = "$want" ]; then
        pass "e2e $name"
    else
        fail "e2e $name" "printed '$(head -c 300 "$out")'"
    fi
done

# Every request the emulator accepted was signature-checked: the log has
# verdicts, and the refusals above came from the verifier.
if grep -q '"verdict":"SignatureDoesNotMatch"' "$TMP/s3.log" &&
   grep -q '"verdict":"AuthorizationHeaderMalformed"' "$TMP/s3.log" &&
   grep -q '"verdict":"AccessDenied"' "$TMP/s3.log" &&
   grep -q '"verdict":"ok"' "$TMP/s3.log"; then
    pass "emulator verified the requests (log verdicts)"
else
    fail "emulator log" "$(head -c 300 "$TMP/s3.log")"
fi

# ------------------------------------------- the verifier: presigned URLs
presign() {     # SECRET EXPIRES DATE-OFFSET-S: prints a presigned URL
    (cd "$HERE" && node -e '
const { SignatureV4 } = require("@smithy/signature-v4");
const { Hash } = require("@smithy/hash-node");
const [origin, akid, secret, expires, offset] = process.argv.slice(1);
const u = new URL(origin);
const s = new SignatureV4({ credentials: { accessKeyId: akid,
  secretAccessKey: secret }, region: "us-east-1", service: "s3",
  sha256: Hash.bind(null, "sha256"), uriEscapePath: false });
s.presign({ method: "GET", protocol: "http:", hostname: u.hostname,
  port: Number(u.port), path: "/prb/results/a%20b%20c", query: {},
  headers: { host: u.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } },
  { expiresIn: Number(expires),
    unsignableHeaders: new Set(["x-amz-content-sha256"]),
    unhoistableHeaders: new Set(["x-amz-content-sha256"]),
    signingDate: new Date(Date.now() + Number(offset) * 1000) })
 .then(r => { const q = Object.entries(r.query).map(([k, v]) =>
   k + "=" + encodeURIComponent(v)).join("&");
   console.log(origin + r.path + "?" + q); });
' "$S3_ORIGIN" "$@")
}
AK=$(head -n 1 "$TMP/s3/accounts" | cut -d: -f1)
SK=$(head -n 1 "$TMP/s3/accounts" | cut -d: -f2)
url=$(presign "$AK" "$SK" 600 0)
code=$(curl -s -o "$TMP/p1" -w '%{http_code}' "$url")
if [ "$code" = 200 ]; then pass "presigned URL"; else
    fail "presigned URL" "HTTP $code $(head -c 200 "$TMP/p1")"; fi
url=$(presign "$AK" "not-the-secret" 600 0)
code=$(curl -s -o "$TMP/p2" -w '%{http_code}' "$url")
if [ "$code" = 403 ] && grep -q SignatureDoesNotMatch "$TMP/p2"; then
    pass "presigned URL, wrong secret"
else
    fail "presigned URL, wrong secret" "HTTP $code $(head -c 200 "$TMP/p2")"
fi
url=$(presign "$AK" "$SK" 60 -3600)
code=$(curl -s -o "$TMP/p3" -w '%{http_code}' "$url")
if [ "$code" = 403 ] && grep -q 'Request has expired' "$TMP/p3"; then
    pass "presigned URL, expired"
else
    fail "presigned URL, expired" "HTTP $code $(head -c 200 "$TMP/p3")"
fi
code=$(curl -s -o "$TMP/p4" -w '%{http_code}' "${url/a%20b%20c/a%20b%20d}")
if [ "$code" = 403 ]; then pass "presigned URL, other key"; else
    fail "presigned URL, other key" "HTTP $code"; fi
# Header auth signed by the SDK's signer with a clock 20 minutes off.
code=$( (cd "$HERE" && node -e '
const { SignatureV4 } = require("@smithy/signature-v4");
const { Hash } = require("@smithy/hash-node");
const http = require("http");
const [origin, akid, secret] = process.argv.slice(1);
const u = new URL(origin);
const s = new SignatureV4({ credentials: { accessKeyId: akid,
  secretAccessKey: secret }, region: "us-east-1", service: "s3",
  sha256: Hash.bind(null, "sha256"), uriEscapePath: false,
  applyChecksum: true });
s.sign({ method: "GET", protocol: "http:", hostname: u.hostname,
  port: Number(u.port), path: "/prb/results/a%20b%20c", query: {},
  headers: { host: u.host } },
  { signingDate: new Date(Date.now() - 20 * 60 * 1000) }).then(r =>
  http.get({ host: u.hostname, port: u.port, path: r.path,
             headers: r.headers }, res => {
    let b = ""; res.on("data", d => b += d);
    res.on("end", () => console.log(res.statusCode + " " + b)); }));
' "$S3_ORIGIN" "$AK" "$SK") 2>&1)
if [[ "$code" == "403 "*RequestTimeTooSkewed* ]]; then
    pass "header auth, skewed clock"
else
    fail "header auth, skewed clock" "${code:0:200}"
fi

finish
