# lib.sh - sourced by every tests/e2e/<name>.sh.
#
# Gives each test a private temp dir, the generated cases, throwaway
# Prefect APIs on loopback that are always stopped (trap), counters, and
# a secret scan of every failing command's output.
#
# Environment:
#   E2E_CASES     cases made by gen_cases.py (run.sh makes them once and
#                 exports this); unset: this script makes its own
#   E2E_RESOLVE   the resolver command (default build/tools/pr-resolve;
#                 "/usr/bin/python3 tests/e2e/pyresolve.py" checks the
#                 harness without the C core)
#   PREFECT_CURL  default build/prefect-curl
#   E2E_CURL_REF_KEY  the key prefect-curl keeps the reference under,
#                 when known (else any key holding it is accepted)
#   KEEP=1        keep the temp dir
#
# Functions:
#   start_api NAME [prefect_api.py options]   sets NAME_URL (…/api),
#       NAME_ORIGIN, NAME_PORT, NAME_LOG, NAME_PID
#   stop_api NAME
#   faults NAME JSON                          POST /__faults__
#   fault_rule NAME PATH K=N...               one rule, as JSON
#   run LABEL CMD...     runs CMD (timeout 60 s); sets RC, ELAPSED,
#                        OUT and ERR (files); scans failures for secrets
#   pass NAME / fail NAME WHY / skip NAME WHY
#   count_checks FILE    adds check.py's PASS/FAIL lines to the counts
#   need_resolve / need_curl    false (after a visible SKIP) when the
#                               binary is missing
#   RES                  array: the resolver command plus --set remap=…
#   finish               prints "N passed, N failed" and exits

# NAME_URL and the like are set with printf -v; RES is for the sourcing
# script:
# shellcheck disable=SC2154,SC2034
set -u
E2E_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E_HERE/../.." && pwd)
PY=/usr/bin/python3
API_PY=$ROOT/tests/lib/prefect_api.py
NAME=${E2E_NAME:-$(basename "$0" .sh)}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pr-e2e-$NAME.XXXXXX")
N_PASS=0
N_FAIL=0
N_SKIP=0
API_NAMES=()
SECRETS=()

# Nothing from the caller's Prefect setup may leak into a test.
for _v in $(compgen -e | grep '^PREFECT_' || true); do
    [ "$_v" = PREFECT_CURL ] || unset "$_v"
done
export PREFECT_HOME=$WORK/home
mkdir -p "$PREFECT_HOME"

cleanup() {
    local n
    for n in "${API_NAMES[@]}"; do
        stop_api "$n"
    done
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() {
    N_PASS=$((N_PASS + 1))
    echo "PASS $1"
}

fail() {
    N_FAIL=$((N_FAIL + 1))
    echo "FAIL $1: ${*:2}"
}

skip() {
    N_SKIP=$((N_SKIP + 1))
    echo "SKIP $1: ${*:2}"
}

finish() {
    if [ "$N_SKIP" != 0 ]; then
        echo "$N_PASS passed, $N_FAIL failed, $N_SKIP skipped"
    else
        echo "$N_PASS passed, $N_FAIL failed"
    fi
    [ "$N_FAIL" = 0 ] && exit 0
    exit 1
}

# count_checks FILE: echo check.py's lines and count them.
count_checks() {
    local line
    while IFS= read -r line; do
        case $line in
            PASS\ *) N_PASS=$((N_PASS + 1)); echo "$line" ;;
            FAIL\ *) N_FAIL=$((N_FAIL + 1)); echo "$line" ;;
            SKIP\ *) N_SKIP=$((N_SKIP + 1)); echo "$line" ;;
            *) echo "$line" ;;
        esac
    done <"$1"
}

# ---------------------------------------------------------------- cases
if [ -z "${E2E_CASES:-}" ]; then
    E2E_CASES=$WORK/cases
    if ! "$PY" "$E2E_HERE/gen_cases.py" "$E2E_CASES" >"$WORK/gen.log" 2>&1
    then
        cat "$WORK/gen.log"
        fail gen_cases "tests/e2e/gen_cases.py failed"
        finish
    fi
fi
# shellcheck disable=SC1091
. "$E2E_CASES/env.sh"
export PREFECT_LOCAL_STORAGE_PATH=$E2E_LOCAL_STORAGE
SECRETS+=("$E2E_S3_SECRET")

# case_field NAME FIELD: one field of cases.tsv (2 state id, 3 state
# kind, 4 run id, 5 run kind, 6 expect, 7 needs)
case_field() {
    awk -F'\t' -v n="$1" -v f="$2" '$1 == n { print $f }' \
        "$E2E_CASES/cases.tsv"
}

# ---------------------------------------------------------------- APIs
start_api() {
    local name=$1 port pid
    shift
    rm -f "$WORK/$name.port"
    "$PY" "$API_PY" --data "$E2E_CASES/api" --port-file "$WORK/$name.port" \
        --log "$WORK/$name.log" --idle 60 --lifetime 600 "$@" \
        >/dev/null 2>"$WORK/$name.stderr" &
    pid=$!
    API_NAMES+=("$name")
    printf -v "${name}_PID" '%s' "$pid"
    for _ in $(seq 100); do
        [ -s "$WORK/$name.port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if [ ! -s "$WORK/$name.port" ]; then
        cat "$WORK/$name.stderr"
        fail "start_api $name" "the test API did not start"
        finish
    fi
    port=$(cat "$WORK/$name.port")
    printf -v "${name}_PORT" '%s' "$port"
    printf -v "${name}_ORIGIN" '%s' "http://127.0.0.1:$port"
    printf -v "${name}_URL" '%s' "http://127.0.0.1:$port/api"
    printf -v "${name}_LOG" '%s' "$WORK/$name.log"
}

# Stops our server by its PID, after checking that the PID is still it.
stop_api() {
    local var="${1}_PID" pid
    pid=${!var:-}
    [ -n "$pid" ] || return 0
    if ps -o cmd= -p "$pid" 2>/dev/null | grep -q prefect_api.py; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    printf -v "$var" '%s' ""
}

# faults NAME JSON: replace the fault rules of server NAME.
faults() {
    local var="${1}_ORIGIN"
    curl -sS -m 5 -o /dev/null -X POST --data-binary "$2" \
        "${!var}/__faults__"
}

# fault_rule NAME PATH K=N...: one rule for requests whose path has PATH
# (numeric values only), replacing the others.
fault_rule() {
    local name=$1 json="{\"path\":\"$2\"" kv
    shift 2
    for kv in "$@"; do
        json+=",\"${kv%%=*}\":${kv#*=}"
    done
    faults "$name" "{\"rules\":[$json}]}"
}

# requests NAME: the server's request log, one JSON object a line.
requests() {
    local var="${1}_LOG"
    cat "${!var}"
}

# ---------------------------------------------------------------- running
# run LABEL CMD...: output in $WORK/LABEL.out / .err; RC and ELAPSED set.
run() {
    local label=$1 t0 t1 s
    shift
    OUT=$WORK/$label.out
    ERR=$WORK/$label.err
    t0=${EPOCHREALTIME/,/.}
    timeout -k 5 60 "$@" >"$OUT" 2>"$ERR" </dev/null
    RC=$?
    t1=${EPOCHREALTIME/,/.}
    ELAPSED=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    if [ "$RC" != 0 ]; then
        for s in "${SECRETS[@]}"; do
            [ -n "$s" ] || continue
            if grep -qF -- "$s" "$OUT" "$ERR"; then
                fail "$label" "a secret appears in the output of a" \
                    "failing command (exit $RC)"
            fi
        done
    fi
    return 0
}

# secret_free LABEL: a test of its own that no secret is in LABEL's output.
secret_free() {
    local s found=
    for s in "${SECRETS[@]}"; do
        [ -n "$s" ] || continue
        grep -qF -- "$s" "$WORK/$1.out" "$WORK/$1.err" && found=1
    done
    if [ -n "$found" ]; then
        fail "$1 (no secret)" "a secret appears in stdout or stderr"
    else
        pass "$1 (no secret)"
    fi
}

# elapsed_between LO HI: true when LO <= ELAPSED < HI.
elapsed_between() {
    awk -v e="$ELAPSED" -v lo="$1" -v hi="$2" \
        'BEGIN { exit !(e >= lo && e < hi) }'
}

# ---------------------------------------------------------------- tools
if [ -n "${E2E_RESOLVE:-}" ]; then
    read -r -a RESOLVE <<<"$E2E_RESOLVE"
else
    RESOLVE=("$ROOT/build/tools/pr-resolve")
fi
CURL_BIN=${PREFECT_CURL:-$ROOT/build/prefect-curl}

need_resolve() {
    if [ -n "${E2E_RESOLVE:-}" ] || [ -x "${RESOLVE[0]}" ]; then
        return 0
    fi
    skip "$1" "${RESOLVE[0]} is not built (needs pr_client_* in common/)"
    return 1
}

need_curl() {
    if [ -x "$CURL_BIN" ]; then
        return 0
    fi
    skip "$1" "$CURL_BIN is not built"
    return 1
}

# RES: the resolver with the settings every case needs (run it as
# run LABEL "${RES[@]}" [--typed] ID...).
RES=("${RESOLVE[@]}" --set "remap=$E2E_REMAP")

# first_line FILE: the first line, for messages.
first_line() {
    head -n 1 "$1" | cut -c1-300
}

# expect_ok LABEL CASE [MODE]: the last run printed exactly the expected
# value of CASE as its first OK/ERR line.
expect_ok() {
    local want got
    want="OK $(cat "$E2E_CASES/expect/$2.${3:-plain}")"
    got=$(grep -m 1 -E '^(OK|ERR) ' "$OUT")
    if [ "$RC" = 0 ] && [ "$got" = "$want" ]; then
        pass "$1"
    else
        fail "$1" "exit $RC, printed '$(cut -c1-200 <<<"$got")'," \
            "expected '$(cut -c1-200 <<<"$want")'" \
            "$(head -c 300 "$ERR" | tr '\n' ' ')"
    fi
}

# expect_err LABEL CODE [REGEX]: the last run printed "ERR CODE ..." (and
# the message matches REGEX, case-insensitive).
expect_err() {
    local got
    got=$(grep -m 1 -E '^(OK|ERR) ' "$OUT")
    if [[ "$got" =~ ^ERR\ $2(\ |$) ]] &&
       { [ -z "${3:-}" ] || grep -qiE -- "$3" <<<"$got"; }; then
        pass "$1"
    else
        fail "$1" "printed '$(cut -c1-250 <<<"$got")', expected ERR $2" \
            "${3:+matching /$3/} $(head -c 300 "$ERR" | tr '\n' ' ')"
    fi
}

# curl_case LABEL MODE IDFIELD CASE ARGS...: runs prefect-curl ARGS and
# checks its output as the drop-in form of CASE (check.py curl).
curl_case() {
    local label=$1 mode=$2 idfield=$3 name=$4 dir
    shift 4
    dir=$WORK/cc-$label
    mkdir -p "$dir"
    run "$label" "$CURL_BIN" "$@"
    cp "$OUT" "$dir/$name.out"
    cp "$ERR" "$dir/$name.err"
    echo "$RC" >"$dir/$name.rc"
    "$PY" "$E2E_HERE/check.py" curl "$E2E_CASES" "$dir" "$mode" "$idfield" \
        "$name" | sed "s/^\(PASS\|FAIL\) /\1 $label: /" >"$dir/check"
    count_checks "$dir/check"
}
