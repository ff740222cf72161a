# report.sh - counting and printing shared by tests/run-all.sh and the
# other test scripts.  Source it; it defines functions and counters only.
#
#   pr_suite_begin NAME          header, starts the suite clock
#   pr_pass NAME [DETAIL]        one passing test
#   pr_fail NAME [DETAIL] [LOG]  one failing test (shows the log's tail)
#   pr_skip NAME REASON          one skipped test, visibly
#   pr_run_counted NAME LOG SECS CMD...
#                                run CMD (its output goes to LOG) and add
#                                the "N passed, N failed" it prints last
#   pr_suite_end                 per-suite counts and time
#   pr_finish                    recap; prints the closing total line and
#                                returns 1 if anything failed
#
# The closing line is exactly "N passed, N failed" (", N skipped" added
# when something was skipped), the form CI reads.

PR_PASSED=0
PR_FAILED=0
PR_SKIPPED=0
PR_FAILED_NAMES=()
PR_SUITE_LINES=()
PR_LOG_TAIL=${PR_LOG_TAIL:-40}

# A summary line as tests/unit/unit.h, compare.py and ours print it; one
# word with a colon may stand before it.
PR_SUMMARY_RE='^([A-Za-z_-]+: )?[0-9]+ passed, [0-9]+ failed'
PR_SUMMARY_RE+='(, [0-9]+ skipped)?$'

pr_now() {
    printf '%s' "${EPOCHREALTIME/,/.}"
}

# pr_since T0: seconds since T0 with one decimal.
pr_since() {
    awk -v a="$1" -v b="$(pr_now)" 'BEGIN { printf "%.1f", b - a }'
}

pr_show_log() {
    local log=$1 n=${2:-$PR_LOG_TAIL}
    [ -s "$log" ] || return 0
    echo "    --- last $n lines of $log"
    tail -n "$n" "$log" | sed 's/^/    | /'
}

pr_suite_begin() {
    PR_SUITE=$1
    PR_SUITE_T0=$(pr_now)
    PR_SUITE_P0=$PR_PASSED
    PR_SUITE_F0=$PR_FAILED
    PR_SUITE_S0=$PR_SKIPPED
    printf '\n== %s ==\n' "$PR_SUITE"
}

pr_suite_end() {
    local p=$((PR_PASSED - PR_SUITE_P0)) f=$((PR_FAILED - PR_SUITE_F0))
    local s=$((PR_SKIPPED - PR_SUITE_S0)) t
    t=$(pr_since "$PR_SUITE_T0")
    printf -- '-- %s: %d passed, %d failed, %d skipped in %s s\n' \
        "$PR_SUITE" "$p" "$f" "$s" "$t"
    PR_SUITE_LINES+=("$(printf '%-10s %6d passed %4d failed %4d skipped' \
        "$PR_SUITE" "$p" "$f" "$s")$(printf ' %8s s' "$t")")
}

pr_pass() {
    PR_PASSED=$((PR_PASSED + 1))
    echo "PASS $1${2:+  ($2)}"
}

pr_fail() {
    PR_FAILED=$((PR_FAILED + 1))
    PR_FAILED_NAMES+=("$1")
    echo "FAIL $1${2:+  ($2)}"
    [ -n "${3:-}" ] && pr_show_log "$3"
    return 0
}

pr_skip() {
    PR_SKIPPED=$((PR_SKIPPED + 1))
    echo "SKIP $1${2:+  ($2)}"
}

# pr_counts_from LOG: sets PR_CP, PR_CF, PR_CS from the last summary line
# in LOG; returns 1 when there is none.
pr_counts_from() {
    local line
    line=$(grep -E "$PR_SUMMARY_RE" "$1" 2>/dev/null | tail -n 1)
    [ -n "$line" ] || return 1
    line=${line#*: }
    PR_CP=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
    PR_CF=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
    PR_CS=0
    case "$line" in
        *skipped) PR_CS=$(sed -E 's/.* ([0-9]+) skipped$/\1/' <<<"$line") ;;
    esac
    return 0
}

# pr_rc_text RC: how a command ended, for humans.
pr_rc_text() {
    case "$1" in
        124) echo "timed out" ;;
        137) echo "killed after timing out" ;;
        *)
            if [ "$1" -gt 128 ]; then
                echo "killed by signal $(( $1 - 128 ))"
            else
                echo "exit $1"
            fi ;;
    esac
}

# pr_log_reason LOG RC: the cause of a failed run as the log tells it.
pr_log_reason() {
    local why
    why=$(grep -m 1 -oE '^contract broken: [^(]*' "$1")
    [ -z "$why" ] && why=$(grep -m 1 -oE 'ERROR: libFuzzer: [a-z -]+' "$1")
    if [ -n "$why" ]; then
        echo "${why% }, $(pr_rc_text "$2")"
    elif grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$1"; then
        echo "sanitizer report, $(pr_rc_text "$2")"
    elif grep -qE '== ERROR SUMMARY: [1-9]' "$1"; then
        echo "valgrind errors, $(pr_rc_text "$2")"
    else
        pr_rc_text "$2"
    fi
}

# pr_run_counted NAME LOG SECS CMD...: runs CMD with a time limit, output
# to LOG, and adds the counts from its summary line.  A command that exits
# non-zero without reporting a failed case (a sanitizer or valgrind error,
# a crash, a timeout) counts as one more failure; so does one that prints
# no summary line at all.
pr_run_counted() {
    local name=$1 log=$2 secs=$3 rc t0 t
    shift 3
    mkdir -p "$(dirname "$log")"
    t0=$(pr_now)
    timeout -k 10 "$secs" "$@" >"$log" 2>&1 </dev/null
    rc=$?
    t=$(pr_since "$t0")
    if pr_counts_from "$log"; then
        PR_PASSED=$((PR_PASSED + PR_CP))
        PR_FAILED=$((PR_FAILED + PR_CF))
        PR_SKIPPED=$((PR_SKIPPED + PR_CS))
        local detail="$PR_CP passed, $PR_CF failed"
        [ "$PR_CS" != 0 ] && detail="$detail, $PR_CS skipped"
        if [ "$PR_CF" != 0 ]; then
            PR_FAILED_NAMES+=("$name")
            local why
            why=$(pr_log_reason "$log" "$rc")
            [ "$rc" != 0 ] && [ "$why" != "exit 1" ] && detail="$detail, $why"
            echo "FAIL $name  ($detail; $t s)"
            pr_show_log "$log"
        elif [ "$rc" != 0 ]; then
            pr_fail "$name" \
                "$detail, then $(pr_log_reason "$log" "$rc"); $t s" "$log"
        else
            echo "ok   $name  ($detail; $t s)"
        fi
    elif [ "$rc" != 0 ]; then
        pr_fail "$name" \
            "$(pr_log_reason "$log" "$rc"), no summary line; $t s" "$log"
    else
        pr_fail "$name" "exit 0 but no 'N passed, N failed' line; $t s" "$log"
    fi
    return 0
}

pr_finish() {
    local line
    echo
    echo "== summary =="
    for line in "${PR_SUITE_LINES[@]}"; do
        echo "$line"
    done
    if [ ${#PR_FAILED_NAMES[@]} -ne 0 ]; then
        echo "failed:"
        printf '  %s\n' "${PR_FAILED_NAMES[@]}"
    fi
    if [ "$PR_SKIPPED" != 0 ]; then
        echo "$PR_PASSED passed, $PR_FAILED failed, $PR_SKIPPED skipped"
    else
        echo "$PR_PASSED passed, $PR_FAILED failed"
    fi
    [ "$PR_FAILED" = 0 ]
}
