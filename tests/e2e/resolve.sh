#!/usr/bin/env bash
# shellcheck disable=SC2154  # NAME_URL and the like: set by start_api
# resolve.sh - every generated case through the core (pr-resolve): by
# state id in plain and typed mode, and by run id, against a throwaway
# Prefect API.  Each value must match the expected JSON byte for byte.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_resolve "resolve: all cases" || finish
start_api api
export PREFECT_API_URL=$api_URL

mapfile -t NAMES < <(cut -f1 "$E2E_CASES/cases.tsv")
mapfile -t SIDS < <(cut -f2 "$E2E_CASES/cases.tsv")
mapfile -t RIDS < <(cut -f4 "$E2E_CASES/cases.tsv")

# check LABEL MODE IDFIELD: compare the last run's output, case by case.
check() {
    if [ "$RC" -gt 1 ]; then
        fail "$1" "the resolver ended with $RC: $(tail -n 3 "$ERR" |
            tr '\n' ' ')"
    fi
    "$PY" "$E2E_HERE/check.py" resolve "$E2E_CASES" "$OUT" "$2" "$3" \
        >"$WORK/$1.check" 2>&1
    count_checks "$WORK/$1.check"
}

run by-state-plain "${RES[@]}" --info "${SIDS[@]}"
check by-state-plain plain state_id
run by-state-typed "${RES[@]}" --info --typed "${SIDS[@]}"
check by-state-typed typed state_id
[ "$NAME" = oracle ] && finish      # the rest tests the C client
run by-run-plain "${RES[@]}" --info "${RIDS[@]}"
check by-run-plain plain run_id

# One id at a time must give the same as a batch (no state leaks from
# one id to the next through the reused client): a sample of ten.
for i in 0 21 40 62 80 95 110 120 130 140; do
    [ "$i" -lt "${#SIDS[@]}" ] || continue
    run "single-$i" "${RES[@]}" --info "${SIDS[$i]}"
    got=$(grep -E '^(OK|ERR) ' "$OUT" | head -n 1)
    want=$(grep -E '^(OK|ERR) ' "$WORK/by-state-plain.out" |
        sed -n "$((i + 1))p")
    if [ "$got" = "$want" ]; then
        pass "single id ${NAMES[$i]}"
    else
        fail "single id ${NAMES[$i]}" "alone: $(cut -c1-200 <<<"$got");" \
            "in a batch: $(cut -c1-200 <<<"$want")"
    fi
done

finish
