#!/usr/bin/env bash
# run.sh - prefect-jq's tests (issue 6).
#
#   tests/jq/run.sh [FILE...]       all tests, or only these files
#
# Files:
#   *.test        jq's test format (program, input, expected outputs,
#                 blank line; %%FAIL blocks for compile errors), run with
#                 prefect-jq -c -S -L jq_module; the input line is the
#                 program's stdin, so it may hold several JSON texts for
#                 input/inputs.  Outputs are compared as jq prints them
#                 (expected lines are normalised with plain jq -c -S).
#   *.both.test   the same, run with prefect-jq AND with plain jq
#   *.plain.test  the same, run with plain jq only (stubs, helpers)
#   flags.sh      command lines run with both programs: stdout, stderr and
#                 exit code must match (see that file)
#   resolve.test  needs $PJQ_DATA: this script copies data/results/ into
#                 a temporary directory and points it there
#
# Environment: PREFECT_JQ (default build/prefect-jq), JQ (the plain jq to
# compare with, default /usr/bin/jq), PREFECT_JQ_VALGRIND=1 runs every
# prefect-jq under valgrind memcheck (an error or a leak fails the test),
# VERBOSE=1 prints every test.
#
# The last line printed is "N passed, N failed"; the exit status is 1 if
# anything failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PJQ_BIN=${PREFECT_JQ:-build/prefect-jq}
JQ=${JQ:-/usr/bin/jq}
HERE=tests/jq
PASS=0
FAIL=0
SKIP=0

if [ ! -x "$PJQ_BIN" ]; then
    echo "run.sh: $PJQ_BIN is not built (make $PJQ_BIN)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
PJQ=("$PJQ_BIN")
if [ "${PREFECT_JQ_VALGRIND:-0}" = 1 ]; then
    PJQ=(valgrind -q --error-exitcode=99 --leak-check=full
         --errors-for-leak-kinds=definite,indirect
         --show-leak-kinds=definite,indirect
         --suppressions="$PWD/$HERE/valgrind.supp" "$PJQ_BIN")
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export PJQ_DATA=$TMP/results
cp -r "$HERE/data/results" "$PJQ_DATA"
# Keep the user's Prefect settings out of the tests.
export PREFECT_HOME=$TMP/prefect-home
unset PREFECT_API_URL PREFECT_API_KEY PREFECT_PROFILE PREFECT_PROFILES_PATH \
      PREFECT_API_AUTH_STRING 2>/dev/null || true

# The command line follows jq 1.6; jq 1.7 changed some of its own (exit
# codes after parse errors, -e over several inputs, halt_error, messages).
# Comparisons of those run only against a jq 1.6.
JQ16=0
[ "$("$JQ" --version 2>&1)" = jq-1.6 ] && JQ16=1
cli16() {
    if [ "$JQ16" = 1 ]; then
        "$@"
    else
        SKIP=$((SKIP + 1))
    fi
}

pass() {
    PASS=$((PASS + 1))
    [ "${VERBOSE:-0}" = 1 ] && echo "ok   $1"
    return 0
}

fail() {
    FAIL=$((FAIL + 1))
    echo "FAIL $1"
    shift
    local line
    for line in "$@"; do
        printf '     %s\n' "$line"
    done
}

# ---- jq's test format -----------------------------------------------------

# run_case WHO FILE:LINE PROGRAM INPUT EXPECTED...
run_case() {
    local who=$1 where=$2 prog=$3 input=$4
    shift 4
    local out err rc want
    if [ "$who" = jq ]; then
        out=$(printf '%s\n' "$input" |
              "$JQ" -c -S -L jq_module "$prog" 2>"$TMP/err")
    else
        out=$(printf '%s\n' "$input" |
              "${PJQ[@]}" -c -S -L jq_module "$prog" 2>"$TMP/err")
    fi
    rc=$?
    err=$(head -c 2000 "$TMP/err")
    if [ $# -gt 0 ]; then
        want=$(printf '%s\n' "$@" | "$JQ" -c -S . 2>&1)
    else
        want=""
    fi
    if [ "$rc" = 0 ] && [ "$out" = "$want" ]; then
        pass "$who $where"
    else
        fail "$who $where: $prog" "input:    $input" \
             "expected: $(echo "$want" | head -c 600)" \
             "got:      $(echo "$out" | head -c 600)" "exit:     $rc" \
             "stderr:   $err"
    fi
}

# run_fail WHO FILE:LINE PROGRAM EXPECTED-ERROR-LINES...
run_fail() {
    local who=$1 where=$2 prog=$3
    shift 3
    local rc i=0 line
    if [ "$who" = jq ]; then
        "$JQ" -n -L jq_module "$prog" >/dev/null 2>"$TMP/err" </dev/null
    else
        "${PJQ[@]}" -n -L jq_module "$prog" >/dev/null 2>"$TMP/err" \
            </dev/null
    fi
    rc=$?
    if [ "$rc" != 3 ]; then
        fail "$who $where: $prog" "expected a compile error (exit 3)," \
             "got exit $rc: $(head -c 600 "$TMP/err")"
        return
    fi
    for line in "$@"; do
        i=$((i + 1))
        if [ "$(sed -n "${i}p" "$TMP/err")" != "$line" ]; then
            fail "$who $where: $prog" "expected: $line" \
                 "got:      $(sed -n "${i}p" "$TMP/err")"
            return
        fi
    done
    pass "$who $where"
}

# run_test_file WHO FILE
run_test_file() {
    local who=$1 file=$2 n=0 line prog input start mode
    local -a exp=()
    mode=skip
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        case $mode in
        skip)
            case $line in
                ''|'#'*) continue ;;
                '%%FAIL'*) mode=failprog; start=$n; continue ;;
            esac
            prog=$line
            start=$n
            mode=input
            ;;
        input)
            input=$line
            exp=()
            mode=expect
            ;;
        failprog)
            prog=$line
            exp=()
            mode=failexpect
            ;;
        expect|failexpect)
            if [ -z "$line" ]; then
                if [ $mode = expect ]; then
                    run_case "$who" "$file:$start" "$prog" "$input" \
                        ${exp[@]+"${exp[@]}"}
                else
                    run_fail "$who" "$file:$start" "$prog" \
                        ${exp[@]+"${exp[@]}"}
                fi
                mode=skip
            else
                exp+=("$line")
            fi
            ;;
        esac
    done <"$file"
    if [ $mode = expect ]; then
        run_case "$who" "$file:$start" "$prog" "$input" ${exp[@]+"${exp[@]}"}
    elif [ $mode = failexpect ]; then
        run_fail "$who" "$file:$start" "$prog" ${exp[@]+"${exp[@]}"}
    fi
}

# ---- command lines, compared with plain jq ----------------------------------

# jq starts command-line messages with argv[0]; the usage hint lines
# differ on purpose (they name prefect-jq's manual).
norm_err() {
    sed -e "s|^$JQ: |PROG: |" -e "s|^$PJQ_BIN: |PROG: |" \
        -e '/^Use .* --help for help with command-line options,$/d' \
        -e '/^or see the jq manpage/d' \
        -e '/^or see the prefect-jq(1) manpage/d' "$1"
}

# matches FILE PATTERN: the whole file matches the extended regular
# expression; an empty pattern means an empty file.
matches() {
    if [ -z "$2" ]; then
        [ ! -s "$1" ]
    else
        grep -Ezq -- "^$2\$" "$1"
    fi
}

# IN=stdin like PJQ-FILTER JQ-FILTER ARGS... : prefect-jq and jq with the
# same arguments, except that an argument "@F" is PJQ-FILTER for
# prefect-jq and JQ-FILTER for jq (a native call and the value it must
# give); stdout, stderr (minus the usage hint) and exit code must match.
like() {
    local pf=$1 jf=$2 a
    shift 2
    local -a pa=() ja=()
    for a in "$@"; do
        if [ "$a" = @F ]; then
            pa+=("$pf")
            ja+=("$jf")
        else
            pa+=("$a")
            ja+=("$a")
        fi
    done
    local label="${IN+IN=$(printf %q "$IN") }${pa[*]}"
    [ "$pf" != "$jf" ] && label="$label  (plain jq: ${jf:0:60}...)"
    printf '%s' "${IN-}" | "$JQ" ${ja[@]+"${ja[@]}"} >"$TMP/jo" 2>"$TMP/je"
    local jrc=$?
    printf '%s' "${IN-}" | "${PJQ[@]}" ${pa[@]+"${pa[@]}"} \
        >"$TMP/po" 2>"$TMP/pe"
    local prc=$?
    if [ "$jrc" != "$prc" ]; then
        fail "flags $label" "exit: jq $jrc, prefect-jq $prc" \
             "prefect-jq stderr: $(head -c 600 "$TMP/pe")"
    elif ! cmp -s "$TMP/jo" "$TMP/po"; then
        fail "flags $label" "stdout differs:" \
             "$(diff "$TMP/jo" "$TMP/po" | head -20)"
    elif [ "$(norm_err "$TMP/je")" != "$(norm_err "$TMP/pe")" ]; then
        fail "flags $label" "stderr differs:" \
             "$(diff <(norm_err "$TMP/je") <(norm_err "$TMP/pe") | head -20)"
    else
        pass "flags $label"
    fi
}

# IN=stdin same ARGS... : the same command line for both.
same() {
    like "" "" "$@"
}

# expect RC OUT-PATTERN ERR-PATTERN ARGS... : prefect-jq alone; stdout and
# stderr must match the extended regular expressions (whole text).
expect() {
    local rc=$1 op=$2 ep=$3
    shift 3
    local label="${IN+IN=$(printf %q "$IN") }$*"
    printf '%s' "${IN-}" | "${PJQ[@]}" "$@" >"$TMP/po" 2>"$TMP/pe"
    local prc=$?
    if [ "$prc" != "$rc" ]; then
        fail "prefect-jq $label" "exit $prc, expected $rc" \
             "stderr: $(head -c 600 "$TMP/pe")"
    elif ! matches "$TMP/po" "$op"; then
        fail "prefect-jq $label" "stdout does not match: $op" \
             "got: $(head -c 600 "$TMP/po")"
    elif ! matches "$TMP/pe" "$ep"; then
        fail "prefect-jq $label" "stderr does not match: $ep" \
             "got: $(head -c 600 "$TMP/pe")"
    else
        pass "prefect-jq $label"
    fi
}

# ---- main -----------------------------------------------------------------

FILES=("$@")
if [ ${#FILES[@]} -eq 0 ]; then
    FILES=("$HERE"/*.test "$HERE/flags.sh")
fi

echo "prefect-jq: $PJQ_BIN; plain jq: $JQ ($("$JQ" --version 2>&1))"
[ "${PREFECT_JQ_VALGRIND:-0}" = 1 ] && echo "under valgrind"
for f in "${FILES[@]}"; do
    [ -f "$f" ] || { fail "$f" "no such file"; continue; }
    before=$((PASS + FAIL))
    case $f in
        *.plain.test) run_test_file jq "$f" ;;
        *.both.test) run_test_file pjq "$f"; run_test_file jq "$f" ;;
        *.test) run_test_file pjq "$f" ;;
        *.sh) . "$f" ;;
        *) fail "$f" "not a test file" ;;
    esac
    echo "$f: $((PASS + FAIL - before)) tests"
done
[ "$SKIP" = 0 ] ||
    echo "$SKIP comparisons of jq 1.6 command-line behaviour skipped:" \
         "$JQ is not jq 1.6"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
