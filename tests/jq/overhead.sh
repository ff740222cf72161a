#!/usr/bin/env bash
# overhead.sh - the cost of one native call through prefect-jq's bridge.
#
#   tests/jq/overhead.sh [N]        (default N = 10000 calls)
#
# Times `N x unpickle` of a 5-byte pickle (42) against the same jq loop
# calling the builtin `length` instead, best of 5 runs each, and prints
# microseconds per call.  The difference is the bridge (packing the call,
# debug, the callbacks, input) plus the decoding itself (base64, the
# pickle VM, jv_parse_sized).  Not a test: it never fails.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PJQ=${PREFECT_JQ:-build/prefect-jq}
N=${1:-10000}

best_ms() {
    local best=0 i t0 t1 ms
    for i in 1 2 3 4 5; do
        t0=$(date +%s%N)
        "$PJQ" -n "$1" >/dev/null || return 1
        t1=$(date +%s%N)
        ms=$(( (t1 - t0) / 1000 ))
        if [ "$best" = 0 ] || [ "$ms" -lt "$best" ]; then
            best=$ms
        fi
    done
    echo "$best"
}

empty=$(best_ms '0')
base=$(best_ms "[range($N) | \"gAVLKi4=\" | length] | add")
# what a stub does before debug: the call object
pack=$(best_ms "[range($N) | \"gAVLKi4=\" | {\"prefect_jq_call\":
    \"unpickle/0\", \"token\": \$ENV.HOME, \"input\": ., \"args\": []}
    | .input | length] | add")
call=$(best_ms "[range($N) | \"gAVLKi4=\" | unpickle] | add")

echo "prefect-jq startup (-n 0):        ${empty} us"
echo "$N x length (baseline loop):   ${base} us"
echo "$N x packing the call object:  ${pack} us"
echo "$N x unpickle (tiny pickle):   ${call} us"
awk -v b="$base" -v p="$pack" -v c="$call" -v n="$N" 'BEGIN {
    printf "per call: %.2f us (of which packing the call object %.2f us)\n",
           (c - b) / n, (p - b) / n }'
