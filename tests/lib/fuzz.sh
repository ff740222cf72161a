# fuzz.sh - build, seed and run the libFuzzer targets; sourced by
# tests/run-all.sh (suite "fuzz") and fuzz/run.sh, after report.sh.
#
#   FUZZ_SECONDS        seconds for fuzz_pickle, seed replay included
#                       (default 60); 0 only replays the seed corpus
#   FUZZ_OTHER_SECONDS  the same for each other target (default 10)
#   FUZZ_MAX_LEN        longest input made by mutation (default 65536);
#                       seeds are always replayed whole
#   FUZZ_RSS_MB         libFuzzer -rss_limit_mb (default 2048)
#
# Each target counts as one test: it passes when libFuzzer ran the whole
# seed corpus and then fuzzed for its time without a crash, leak, timeout
# (-timeout=10 per input), out-of-memory or broken contract (see
# fuzz/fuzz_check.h).  A failure prints the input
# that caused it, in base64, so that it can be replayed from a CI log.

PR_FUZZ_BUILD=${PR_FUZZ_BUILD:-build-fuzz}
PR_FUZZ_LOGS=${PR_FUZZ_LOGS:-build/test-logs}

# pr_fuzz_seconds TARGET: the time budget of one target.
pr_fuzz_seconds() {
    if [ "$1" = fuzz_pickle ]; then
        echo "${FUZZ_SECONDS:-60}"
    else
        echo "${FUZZ_OTHER_SECONDS:-10}"
    fi
}

# pr_fuzz_show_artifacts TARGET BEFORE: the inputs libFuzzer saved for a
# failure of TARGET that are not in the list BEFORE.
pr_fuzz_show_artifacts() {
    local name=$1 before=$2 f size
    for f in "$PR_FUZZ_BUILD/artifacts/$name"-*; do
        [ -f "$f" ] || continue
        grep -qxF -- "$f" <<<"$before" && continue
        size=$(stat -c %s "$f")
        echo "    input: $f ($size bytes); replay: $PR_FUZZ_BUILD/$name $f"
        if [ "$size" -le 65536 ]; then
            echo "    base64 (decode with: base64 -d > crash.bin):"
            base64 -w 76 "$f" | sed 's/^/      /'
        fi
    done
}

# pr_fuzz_stats LOG CORPUS: "N runs, N exec/s, cov: N, corpus N files"
# from what libFuzzer printed, leaving out what it did not print.
pr_fuzz_stats() {
    local runs eps cov parts=()
    runs=$(awk '/^stat::number_of_executed_units/ { print $2 }' "$1")
    eps=$(awk '/^stat::average_exec_per_sec/ { print $2 }' "$1")
    cov=$(grep -oE 'cov: [0-9]+' "$1" | tail -n 1)
    [ -n "$runs" ] && parts+=("$runs runs")
    [ -n "$eps" ] && parts+=("$eps exec/s")
    [ -n "$cov" ] && parts+=("$cov")
    parts+=("corpus $(ls "$2" | wc -l) files")
    local IFS=,
    echo "${parts[*]}" | sed 's/,/, /g'
}

# pr_fuzz_run TARGET: replay the target's whole corpus at full length,
# then fuzz with inputs up to FUZZ_MAX_LEN (default 64 KiB) for what is
# left of the target's time (at least 10 s, or all of it if less).
pr_fuzz_run() {
    local name=$1 secs bin corpus dict log rc t0 before detail left
    local replay_runs replay_s
    local -a args
    secs=$(pr_fuzz_seconds "$name")
    bin=$PR_FUZZ_BUILD/$name
    corpus=$PR_FUZZ_BUILD/corpus/${name#fuzz_}
    dict=fuzz/${name#fuzz_}.dict
    log=$PR_FUZZ_LOGS/$name.log
    mkdir -p "$corpus" "$PR_FUZZ_BUILD/artifacts" "$PR_FUZZ_LOGS"
    before=$(ls -d "$PR_FUZZ_BUILD/artifacts/$name"-* 2>/dev/null)

    args=(-rss_limit_mb="${FUZZ_RSS_MB:-2048}" -timeout=10
          -print_final_stats=1
          -artifact_prefix="$PR_FUZZ_BUILD/artifacts/$name-")
    [ -f "$dict" ] && args+=(-dict="$dict")

    t0=$(pr_now)
    timeout -k 10 900 "$bin" "${args[@]}" -runs=0 "$corpus" \
        >"$log.replay" 2>&1 </dev/null
    rc=$?
    replay_s=$(pr_since "$t0")
    replay_runs=$(awk '/^stat::number_of_executed_units/ { print $2 }' \
                  "$log.replay")
    if [ "$rc" != 0 ]; then
        pr_fail "$name" "replaying the seeds: $(pr_log_reason "$log.replay" \
            "$rc"); $replay_s s" "$log.replay"
        pr_fuzz_show_artifacts "$name" "$before"
        return 0
    fi
    if [ "$secs" -le 0 ]; then
        pr_pass "$name" "replayed ${replay_runs:-0} seeds in $replay_s s"
        return 0
    fi

    left=$((secs - ${replay_s%.*}))
    [ "$left" -ge 10 ] || left=$((secs < 10 ? secs : 10))
    timeout -k 10 $((left + 600)) "$bin" "${args[@]}" \
        -max_len="${FUZZ_MAX_LEN:-65536}" -max_total_time="$left" \
        "$corpus" >"$log" 2>&1 </dev/null
    rc=$?
    detail="replayed ${replay_runs:-0} seeds in $replay_s s, then"
    detail="$detail $(pr_fuzz_stats "$log" "$corpus"); $(pr_since "$t0") s"
    if [ "$rc" = 0 ]; then
        pr_pass "$name" "$detail"
    else
        pr_fail "$name" "$(pr_log_reason "$log" "$rc"); $detail" "$log"
        pr_fuzz_show_artifacts "$name" "$before"
    fi
}

# pr_fuzz_all [TARGET...]: build every target, seed, run the given ones
# (default: every fuzz/fuzz_*.c).
pr_fuzz_all() {
    local log=$PR_FUZZ_LOGS/fuzz-build.log t0 f name
    local -a targets=("$@")
    mkdir -p "$PR_FUZZ_LOGS"
    t0=$(pr_now)
    if ! make --no-print-directory -j2 fuzz >"$log" 2>&1 </dev/null; then
        pr_fail "fuzz build" "make fuzz failed" "$log"
        return 0
    fi
    echo "built fuzz targets in $(pr_since "$t0") s"
    if ! /usr/bin/python3 fuzz/gather_seeds.py "$PR_FUZZ_BUILD/corpus"; then
        pr_fail "fuzz seeds" "fuzz/gather_seeds.py failed"
        return 0
    fi
    if [ ${#targets[@]} -eq 0 ]; then
        for f in fuzz/fuzz_*.c; do
            [ -f "$f" ] || continue
            name=${f#fuzz/}
            targets+=("${name%.c}")
        done
    fi
    for name in "${targets[@]}"; do
        if [ ! -x "$PR_FUZZ_BUILD/$name" ]; then
            pr_fail "$name" "no binary $PR_FUZZ_BUILD/$name"
            continue
        fi
        pr_fuzz_run "$name"
    done
}
