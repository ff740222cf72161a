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

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pr-s3.XXXXXX")
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
if [ ! -d "$HERE/node_modules/s3rver" ] ||
   [ ! -d "$HERE/node_modules/@smithy/signature-v4" ]; then
    t0=$SECONDS
    if ! (cd "$HERE" && npm ci --no-audit --no-fund) >"$TMP/npm.log" 2>&1
    then
        tail -n 20 "$TMP/npm.log"
        fail setup "npm ci failed in tests/emulators/s3"
        finish
    fi
    echo "npm ci took $((SECONDS - t0)) s"
fi

# ------------------------------------------------------------ the cases
if ! "$PY" "$ROOT/tests/e2e/gen_cases.py" "$TMP/e2e" >"$TMP/gen.log" 2>&1 ||
   ! "$PY" "$HERE/make_cases.py" "$TMP/e2e" "$TMP/s3" >>"$TMP/gen.log" 2>&1
then
    cat "$TMP/gen.log"
    fail setup "generating the cases failed"
    finish
fi
# The e2e suite's own S3 cases are seeded too, under their bucket.
cp -r "$TMP/e2e/api/s3/." "$TMP/s3/seed/"

# ------------------------------------------------------------ the servers
wait_port() {   # FILE PID: waits up to 20 s for FILE (the port)
    local i
    for i in $(seq 200); do
        [ -s "$1" ] && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

ACCOUNTS=()
while IFS= read -r a; do
    ACCOUNTS+=(--account "$a")
done <"$TMP/s3/accounts"
ACCOUNTS+=(--account "$(cat "$TMP/e2e/api/s3/e2e-bucket/.access_key_id"):$(
    sed -n "s/^E2E_S3_SECRET='\(.*\)'$/\1/p" "$TMP/e2e/env.sh")")

node "$HERE/server.js" --dir "$TMP/s3data" --seed "$TMP/s3/seed" \
    --port-file "$TMP/s3.port" --idle 120 --lifetime 900 \
    --log "$TMP/s3.log" "${ACCOUNTS[@]}" >/dev/null 2>"$TMP/s3.err" &
S3_PID=$!
PIDS+=("$S3_PID")
if ! wait_port "$TMP/s3.port" "$S3_PID"; then
    cat "$TMP/s3.err"
    fail setup "the S3 emulator did not start"
    finish
fi
S3_ORIGIN=http://127.0.0.1:$(cat "$TMP/s3.port")

"$PY" "$ROOT/tests/lib/prefect_api.py" --data "$TMP/s3/api" \
    --port-file "$TMP/api.port" --idle 120 --lifetime 900 \
    --s3-origin "$S3_ORIGIN" >/dev/null 2>"$TMP/api.err" &
API_PID=$!
PIDS+=("$API_PID")
if ! wait_port "$TMP/api.port" "$API_PID"; then
    cat "$TMP/api.err"
    fail setup "the test Prefect API did not start"
    finish
fi
API_URL=http://127.0.0.1:$(cat "$TMP/api.port")/api

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

SECRETS=()
while IFS= read -r s; do
    SECRETS+=("$s")
done <"$TMP/s3/secrets"

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
done <"$TMP/s3/cases.tsv"

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
