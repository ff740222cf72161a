# shellcheck shell=bash
# lib.sh - sourced by tests/emulators/<name>/run-tests.sh, after the
# script has set HERE (its own folder).
#
# Sets ROOT, PY, RESOLVE (PR_RESOLVE, default build/tools/pr-resolve),
# the counters, PIDS (the servers started, stopped on exit) and SECRETS.
#
# Functions:
#   pass NAME / fail NAME WHY...
#   finish               prints "N passed, N failed" and exits
#   emu_setup PREFIX RE  makes TMP (KEEP=1 keeps it), stops on every exit
#                        the PIDS whose command line matches the ERE RE
#                        (only our own children, still running what we
#                        started), and checks that RESOLVE is built
#   npm_ci NAME          npm ci in HERE (tests/emulators/NAME) from the
#                        committed package-lock.json; false after a FAIL
#   gen_cases WHAT ARG...  tests/e2e/gen_cases.py into TMP/e2e, then
#                        HERE/make_cases.py TMP/e2e ARG...; a failure
#                        shows the log, fails "WHAT failed" and finishes
#   wait_port FILE PID [S]   waits up to S seconds (20) for FILE (a port)
#                        while PID runs
#   started WHAT PID FILE LOG [S]  adds PID to PIDS and waits for its port
#                        FILE; else shows LOG, fails "WHAT did not start"
#                        and finishes
#   start_api DATA [OPTION...]   tests/lib/prefect_api.py on DATA, as
#                        started; sets API_PID and API_URL (.../api)
#   read_secrets FILE    SECRETS: FILE's non-empty lines
#   no_secret LABEL FILE false (after a FAIL) when FILE holds a secret
#   check_case NAME EXPECT OUT   one case: EXPECT is "OK FILE" (OUT's
#                        first OK/ERR line is "OK " and FILE's text) or
#                        "ERR CODE REGEX" (that code, and REGEX matches
#                        OUT with its lines joined); no secret in OUT
#   batch_same LABEL CASES [ENV...]  the "-" cases of CASES through
#                        pr-resolve one at a time and as a batch of 8:
#                        the same output

# PIDS and SECRETS are for the sourcing script too:
# shellcheck disable=SC2034
ROOT=$(cd "$HERE/../../.." && pwd)
PY=/usr/bin/python3
RESOLVE=${PR_RESOLVE:-$ROOT/build/tools/pr-resolve}
N_PASS=0
N_FAIL=0
PIDS=()
SECRETS=()

pass() { N_PASS=$((N_PASS + 1)); echo "PASS $1"; }
fail() { N_FAIL=$((N_FAIL + 1)); echo "FAIL $1: ${*:2}"; }
finish() {
    echo "$N_PASS passed, $N_FAIL failed"
    [ "$N_FAIL" = 0 ]
    exit
}

emu_setup() {
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    EMU_PROCS=$2
    trap emu_cleanup EXIT
    trap 'exit 130' INT TERM
    if [ ! -x "$RESOLVE" ]; then
        fail setup "$RESOLVE is not built (make all)"
        finish
    fi
}

emu_cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        # Only our own child, still running what we started.
        if ps -o cmd= -p "$p" 2>/dev/null | grep -qE "$EMU_PROCS"; then
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

npm_ci() {
    local t0=$SECONDS
    if ! (cd "$HERE" && npm ci --no-audit --no-fund) >"$TMP/npm.log" 2>&1
    then
        tail -n 20 "$TMP/npm.log"
        fail setup "npm ci failed in tests/emulators/$1"
        return 1
    fi
    echo "npm ci took $((SECONDS - t0)) s"
}

gen_cases() {
    local what=$1
    shift
    if ! "$PY" "$ROOT/tests/e2e/gen_cases.py" "$TMP/e2e" >"$TMP/gen.log" 2>&1 ||
       ! "$PY" "$HERE/make_cases.py" "$TMP/e2e" "$@" >>"$TMP/gen.log" 2>&1
    then
        cat "$TMP/gen.log"
        fail setup "$what failed"
        finish
    fi
}

wait_port() {
    local i
    for i in $(seq $((${3:-20} * 10))); do
        [ -s "$1" ] && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

started() {
    PIDS+=("$2")
    if ! wait_port "$3" "$2" "${5:-20}"; then
        cat "$4"
        fail setup "$1 did not start"
        finish
    fi
}

start_api() {
    local data=$1
    shift
    "$PY" "$ROOT/tests/lib/prefect_api.py" --data "$data" \
        --port-file "$TMP/api.port" --idle 120 --lifetime 900 \
        "$@" >/dev/null 2>"$TMP/api.err" &
    API_PID=$!
    started "the test Prefect API" "$API_PID" "$TMP/api.port" "$TMP/api.err"
    API_URL=http://127.0.0.1:$(cat "$TMP/api.port")/api
}

read_secrets() {
    local s
    while IFS= read -r s; do
        [ -n "$s" ] && SECRETS+=("$s")
    done <"$1"
}

no_secret() {
    local s
    for s in "${SECRETS[@]}"; do
        if grep -qF -- "$s" "$2"; then
            fail "$1" "a secret appears in the output"
            return 1
        fi
    done
    return 0
}

check_case() {
    local name=$1 expect=$2 out=$3 got want rest code re
    got=$(grep -m 1 -E '^(OK|ERR) ' "$out")
    no_secret "$name" "$out" || return 0
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
}

# batch_same LABEL CASES [ENV...]: the cases of CASES (a cases.tsv whose
# fourth field, the environment, is "-") resolved in one pr-resolve run
# one at a time and then as a batch of 8 (pr_batch: signed requests and
# token fetches made concurrently on a curl multi handle) must print
# the same bytes.  ENV is the `env -i ...` prefix of the run.
batch_same() {
    local label=$1 cases=$2 ids=()
    shift 2
    mapfile -t ids < <(awk -F'\t' '$4 == "-" { print $2 }' "$cases")
    if [ "${#ids[@]}" -lt 4 ]; then
        fail "$label" "fewer than 4 cases to batch in $cases"
        return
    fi
    "$@" "$RESOLVE" --info "${ids[@]}" >"$TMP/batch.loop" 2>&1
    "$@" "$RESOLVE" --info --batch 8 "${ids[@]}" >"$TMP/batch.8" 2>&1
    if cmp -s "$TMP/batch.loop" "$TMP/batch.8" &&
       grep -q '^OK ' "$TMP/batch.8"; then
        pass "$label: ${#ids[@]} cases as a batch of 8 print what one at a time prints"
    else
        fail "$label" "the batch differs from one at a time:" \
            "$(diff "$TMP/batch.loop" "$TMP/batch.8" | head -n 6 |
               cut -c1-160 | tr '\n' ' ')"
    fi
    no_secret "$label" "$TMP/batch.8" || true
}
