#!/usr/bin/env bash
# shellcheck disable=SC2154  # api_URL and the like: set by start_api
# batch.sh - pr_batch (many ids at once: build/tools/pr-resolve --batch N)
# against the one-at-a-time loop over the same ids.  The batch re-runs
# each resolution in passes and replays recorded replies, so the thing
# to prove is that it prints exactly what the loop prints, for every
# era, serializer, storage and error; then that it really overlaps
# requests, shares identical ones, and keeps a failure to its own row.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_resolve "batch: all cases" || finish
case "${RESOLVE[*]}" in
*pr-resolve*) ;;
*)  skip "batch: all cases" "the resolver is not the C core's pr-resolve"
    finish ;;
esac
start_api api
export PREFECT_API_URL=$api_URL

mapfile -t NAMES < <(cut -f1 "$E2E_CASES/cases.tsv")
mapfile -t SIDS < <(cut -f2 "$E2E_CASES/cases.tsv")
mapfile -t RIDS < <(cut -f4 "$E2E_CASES/cases.tsv")

# same LABEL LOOP_OUT: the last run printed what the loop printed.
same() {
    if [ "$RC" -gt 1 ]; then
        fail "$1" "pr-resolve ended with $RC: $(tail -n 3 "$ERR" |
            tr '\n' ' ')"
    elif cmp -s "$2" "$OUT"; then
        pass "$1 ($(grep -c '^OK ' "$OUT") values, $(grep -c '^ERR ' \
            "$OUT") errors)"
    else
        fail "$1" "differs from the loop: $(diff "$2" "$OUT" |
            head -n 4 | cut -c1-160 | tr '\n' ' ')"
    fi
}

# 1. Every case, by state id and by run id, plain and typed, at several
#    widths (1: one id at a time through the batch machinery).
run loop-state "${RES[@]}" --info "${SIDS[@]}"
cp "$OUT" "$WORK/loop-state.txt"
for p in 1 4 16 64; do
    run "batch-state-$p" "${RES[@]}" --info --batch "$p" "${SIDS[@]}"
    same "batch of state ids, $p in flight" "$WORK/loop-state.txt"
done
run loop-run-typed "${RES[@]}" --info --typed "${RIDS[@]}"
cp "$OUT" "$WORK/loop-run.txt"
run batch-run-typed "${RES[@]}" --info --typed --batch 8 "${RIDS[@]}"
same "batch of run ids, typed, 8 in flight" "$WORK/loop-run.txt"

# 2. Failures stay in their row: a malformed id, a null id, an unknown
#    id, and a state route that answers 503 (retried, then given up),
#    between good ids.  The loop cannot pass NULL, so that row is
#    checked on its own.
bad=${SIDS[3]}
fault_rule api "/flow_run_states/$bad" status=503
mixed=("${SIDS[0]}" not-a-uuid "${SIDS[1]}"
       00000000-0000-4000-8000-000000000000 "$bad" "${SIDS[2]}")
quick=(--set retries=1 --set retry_base_ms=10)
run loop-mixed "${RES[@]}" --info "${quick[@]}" "${mixed[@]}"
cp "$OUT" "$WORK/loop-mixed.txt"
run batch-mixed "${RES[@]}" --info "${quick[@]}" --batch 4 "${mixed[@]}"
same "batch with failing ids" "$WORK/loop-mixed.txt"
if [ "$(grep -c '^ERR ' "$OUT")" = 3 ] &&
   grep -q '^ERR 10 .*: HTTP 503 from .* after 2 attempts' "$OUT"; then
    pass "a 503 after its retries is that row's error"
else
    fail "a 503 after its retries is that row's error" \
        "$(grep '^ERR' "$OUT" | cut -c1-160 | tr '\n' ' ')"
fi
faults api '{"rules":[]}'
run batch-null "${RES[@]}" --batch 2 "${SIDS[0]}" - "${SIDS[1]}"
if [ "$(sed -n 2p "$OUT")" = "ERR 1 the id at position 2 is null" ] &&
   [ "$(grep -c '^OK ' "$OUT")" = 2 ]; then
    pass "a null id is its row's error"
else
    fail "a null id is its row's error" "$(head -c 300 "$OUT")"
fi

# 3. Requests overlap: each state lookup sleeps 0.2 s at the server, and
#    the server's log gives each request's start and end.  The loop
#    never has two at once; the batch must.  (Counting overlaps, not
#    timing us: nothing here depends on how fast the machine is.)
overlap() {
    "$PY" - "$api_LOG" <<'PY'
import json, sys
spans = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "/flow_run_states/" in r["path"]:
        spans.append((r["t"] - r["ms"] / 1000.0, r["t"]))
spans.sort()
most = 0
for i, (s, e) in enumerate(spans):
    # 20 ms of slack: the log's times are rounded, and one request may
    # begin as the previous one is still being logged.
    most = max(most, sum(1 for s2, e2 in spans
                         if s2 < e - 0.02 and s < e2 - 0.02))
print(most)
PY
}
some=("${SIDS[@]:0:8}")
fault_rule api "/flow_run_states/" sleep=0.2
: >"$api_LOG"
run loop-slow "${RES[@]}" "${some[@]}"
n_loop=$(overlap)
: >"$api_LOG"
run batch-slow "${RES[@]}" --batch 8 "${some[@]}"
n_batch=$(overlap)
faults api '{"rules":[]}'
if [ "$n_loop" = 1 ] && [ "${n_batch:-0}" -ge 4 ]; then
    pass "requests overlap in a batch (at most $n_batch at once; the loop: $n_loop)"
else
    fail "requests overlap in a batch" "at most ${n_batch:-?} at once in the batch, ${n_loop:-?} in the loop"
fi

# 4. Identical requests of one window are one transfer (a storage block
#    read for many runs, the same id twice): one state whose result is
#    in a block, 16 times, 16 in flight.
blocked=$("$PY" - "$E2E_CASES/api/flow_run_states" <<'PY'
import os, re, sys
d = sys.argv[1]
for n in sorted(os.listdir(d)):
    if re.search(r'"storage_block_id": *"[0-9a-f-]{36}"',
                 open(os.path.join(d, n), encoding="utf-8").read()):
        print(n[:-5])
        break
PY
)
if [ -n "$blocked" ]; then
    same16=()
    for _ in $(seq 16); do same16+=("$blocked"); done
    : >"$api_LOG"
    run batch-same "${RES[@]}" --batch 16 "${same16[@]}"
    nb=$(grep -c '"/api/block_documents/' "$api_LOG")
    ns=$(grep -c '"/api/flow_run_states/' "$api_LOG")
    if [ "$RC" = 0 ] && [ "$nb" = 1 ] && [ "$ns" = 1 ] &&
       [ "$(sort -u "$OUT" | wc -l)" = 1 ]; then
        pass "16 identical lookups in one window: 1 state and 1 block request"
    else
        fail "identical requests are shared" "exit $RC; $ns state and $nb block requests for 16 lookups of one id"
    fi
else
    skip "identical requests are shared" "no case with a storage block"
fi
# 5. prefect-curl resolves the states of a listing as a batch: a POST to
#    /flow_runs/filter (every run of every case) prints the same bytes at
#    --parallel-max 1 and 16, and the storage requests overlap.
if need_curl "prefect-curl: a listing resolved as a batch"; then
    # The flow runs of the cases that resolve (a listing stops at its
    # first failure), by id.
    filter=$("$PY" - "$E2E_CASES/cases.tsv" <<'PY'
import json, sys
ids = [l.split("\t")[3] for l in open(sys.argv[1])
       if l.split("\t")[4] == "flow_runs" and l.split("\t")[5] == "ok"]
print(json.dumps({"flow_runs": {"id": {"any_": ids}}, "limit": 200}))
PY
)
    listing=(-sS --remap-storage "$E2E_REMAP" -X POST -H
             'Content-Type: application/json' -d "$filter" --allow-failed
             "$api_URL/flow_runs/filter")
    run curl-list-1 "$CURL_BIN" --parallel-max 1 "${listing[@]}"
    cp "$OUT" "$WORK/curl-list-1.txt"
    rc1=$RC
    run curl-list-16 "$CURL_BIN" --parallel-max 16 "${listing[@]}"
    n_runs=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' \
        "$OUT" 2>/dev/null)
    if [ "$rc1" = "$RC" ] && cmp -s "$WORK/curl-list-1.txt" "$OUT" &&
       [ "$RC" = 0 ] && [ "${n_runs:-0}" -gt 100 ]; then
        pass "prefect-curl: a listing of $n_runs runs is the same at --parallel-max 1 and 16 (exit $RC)"
    else
        fail "prefect-curl: a listing resolved as a batch" "exit $rc1 vs $RC, ${n_runs:-?} runs; $(head -c 200 "$ERR") $(cmp "$WORK/curl-list-1.txt" "$OUT" 2>&1 | head -c 200)"
    fi
    run curl-bad-max "$CURL_BIN" --parallel-max 0 "${listing[@]}"
    if [ "$RC" = 2 ] && grep -q "parallel-max" "$ERR"; then
        pass "prefect-curl: --parallel-max 0 is a usage error"
    else
        fail "prefect-curl: --parallel-max 0 is a usage error" "exit $RC: $(head -c 200 "$ERR")"
    fi
fi
finish
