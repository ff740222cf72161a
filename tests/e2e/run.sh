#!/usr/bin/env bash
# run.sh - the end-to-end suite: generated Prefect cases served by a
# throwaway Prefect API on loopback, read through the real front ends.
#
#   tests/e2e/run.sh                 every test script
#   tests/e2e/run.sh auth faults     only these (names of tests/e2e/*.sh)
#
# Scripts (each prints PASS/FAIL/SKIP lines and "N passed, N failed"):
#   server       the test API itself, with plain curl
#   oracle       every case through tests/e2e/pyresolve.py, a Python
#                reader of the spec: checks the cases and the harness
#   resolve      every case through the core (build/tools/pr-resolve)
#   curl_dropin  every case through build/prefect-curl
#   auth         API key, auth string, Cloud URLs, profiles, 401/403/404,
#                no secret in any failing command's output
#   faults       retries, Retry-After, timeouts, drops, truncation
#   batch        pr_batch (many ids at once) against the one-id loop
#
# The cases are generated once (tests/e2e/gen_cases.py) into a temp dir.
# Scripts run in two lanes at once (E2E_JOBS=1: one after the other);
# each has a time limit (E2E_SCRIPT_SECONDS, default 300).  Binaries
# that are not built make their tests SKIP visibly; E2E_BUILD=1 runs
# `make all` first.  E2E_SKIP_NEEDS=s3 skips the cases that need the S3
# storage (see check.py).  KEEP=1 keeps the temp dirs.  Logs go to
# build/test-logs/e2e-<script>.log.
#
# The last line is "N passed, N failed" (", N skipped" when something was
# skipped); the exit status is 1 if anything failed.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
LOGS=$ROOT/build/test-logs
ALL=(server oracle resolve curl_dropin auth faults batch)
LANE1=(faults server auth batch)
LANE2=(oracle resolve curl_dropin)

declare -A WANT=()
if [ $# -eq 0 ]; then
    for s in "${ALL[@]}"; do WANT[$s]=1; done
else
    for a in "$@"; do
        a=${a%.sh}
        case " ${ALL[*]} " in
            *" $a "*) WANT[$a]=1 ;;
            *) echo "usage: tests/e2e/run.sh [${ALL[*]}]" >&2; exit 2 ;;
        esac
    done
fi

T0=${EPOCHREALTIME/,/.}
since() {
    awk -v a="$1" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.1f", b - a }'
}

mkdir -p "$LOGS"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pr-e2e-run.XXXXXX")
LANE_PIDS=()
cleanup() {
    local p
    for p in "${LANE_PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${E2E_BUILD:-0}" = 1 ]; then
    make -C "$ROOT" --no-print-directory -s all >"$LOGS/e2e-build.log" 2>&1 ||
        echo "FAIL e2e build: make all (see $LOGS/e2e-build.log)"
fi

export E2E_CASES=$TMP/cases
if ! "$PY" "$HERE/gen_cases.py" "$E2E_CASES" >"$LOGS/e2e-gen.log" 2>&1; then
    cat "$LOGS/e2e-gen.log"
    echo "FAIL gen_cases: tests/e2e/gen_cases.py failed"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "generated $(tail -n 1 "$LOGS/e2e-gen.log") in $(since "$T0") s"

# run_one NAME: the script, its log, its exit code in $TMP/NAME.rc
run_one() {
    local n=$1 t0
    t0=${EPOCHREALTIME/,/.}
    timeout -k 10 "${E2E_SCRIPT_SECONDS:-300}" bash "$HERE/$n.sh" \
        >"$LOGS/e2e-$n.log" 2>&1 </dev/null
    echo $? >"$TMP/$n.rc"
    since "$t0" >"$TMP/$n.secs"
}

run_lane() {
    local n
    for n in "$@"; do
        [ -n "${WANT[$n]:-}" ] && run_one "$n"
    done
    return 0
}

if [ "${E2E_JOBS:-2}" = 1 ]; then
    run_lane "${ALL[@]}"
else
    run_lane "${LANE1[@]}" &
    LANE_PIDS+=($!)
    run_lane "${LANE2[@]}" &
    LANE_PIDS+=($!)
    wait "${LANE_PIDS[@]}"
    LANE_PIDS=()
fi

P=0 F=0 S=0
RE='^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$'
for n in "${ALL[@]}"; do
    [ -n "${WANT[$n]:-}" ] || continue
    log=$LOGS/e2e-$n.log
    rc=$(cat "$TMP/$n.rc" 2>/dev/null || echo 1)
    secs=$(cat "$TMP/$n.secs" 2>/dev/null || echo "?")
    line=$(grep -E "$RE" "$log" | tail -n 1)
    grep -E '^(FAIL|SKIP) ' "$log" | cut -c1-600
    if [[ "$line" =~ $RE ]]; then
        P=$((P + BASH_REMATCH[1]))
        F=$((F + BASH_REMATCH[2]))
        S=$((S + ${BASH_REMATCH[4]:-0}))
        if [ "$rc" != 0 ] && [ "${BASH_REMATCH[2]}" = 0 ]; then
            echo "FAIL e2e:$n: exit $rc after its summary line"
            F=$((F + 1))
        fi
        printf '%-12s %s  (%s s)\n' "e2e:$n" "$line" "$secs"
    else
        echo "FAIL e2e:$n: exit $rc with no summary line (log: $log)"
        tail -n 20 "$log" | sed 's/^/    | /'
        F=$((F + 1))
    fi
done

echo "e2e: $(since "$T0") s"
if [ "$S" != 0 ]; then
    echo "$P passed, $F failed, $S skipped"
else
    echo "$P passed, $F failed"
fi
[ "$F" = 0 ]
