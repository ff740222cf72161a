# lib.sh - sourced by every tests/cli/<name>.sh.
#
# A test runs build/prefect-curl through `step LABEL ARGS...`, which keeps
# that run's stdout, stderr and exit code, and appends them to two
# transcripts: stdout.log ("## LABEL" then the output) and stderr.log
# ("## LABEL: exit N" then the messages).  `finish` compares each
# transcript with <name>.stdout.exact / <name>.stderr.exact next to the
# test when that file exists, after replacing the run's variable parts
# (server port, temp dir) by @PORT@ and @WORK@.  Checks against
# outputs that CPython made at test time (decoded JSON) are made on the
# last step with expect_stdout_file / expect_file.
#
# Environment: PREFECT_CURL (binary, default build/prefect-curl),
# PREFECT_CURL_WRAP (e.g. "valgrind -q --error-exitcode=99"),
# KEEP=1 keeps the temp dir, BLESS=1 rewrites the .exact files from this
# run (review the diff before committing them).

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JQ=/usr/bin/jq
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${PREFECT_CURL:-$ROOT/build/prefect-curl}
WRAP=${PREFECT_CURL_WRAP:-}
PY=/usr/bin/python3
NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/prefect-curl-test.XXXXXX")
IN=$WORK/in
FAILED=0
# Nothing from the caller's Prefect setup may reach a test: no
# PREFECT_* variable, and an empty Prefect home (no profiles).
for _v in $(compgen -e | grep '^PREFECT_' || true); do
    [ "$_v" = PREFECT_CURL ] || [ "$_v" = PREFECT_CURL_WRAP ] ||
        unset "$_v"
done
export PREFECT_HOME=$WORK/home
mkdir -p "$PREFECT_HOME"
SERVER_PID=
PORT=
BASE=

cleanup() {
    stop_server
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

fail() {
    echo "FAIL $NAME: $*" >&2
    FAILED=1
}

gen_inputs() {
    if ! "$PY" "$HERE/gen_inputs.py" "$IN"; then
        echo "$NAME: gen_inputs.py failed" >&2
        exit 1
    fi
    # ids of the test API's states and runs (S_HELLO, R_HELLO ...)
    # shellcheck disable=SC1091
    . "$IN/ids.sh"
}

# The served JSON of an API object: api_file KIND ID
api_file() {
    printf '%s/api/%s/%s.json' "$IN" "$1" "$2"
}

# expect_jq FILTER WANTFILE: jq -c FILTER of the last step's stdout must
# equal jq -c . of WANTFILE (JSON compared after parsing).
expect_jq() {
    local got want
    got=$("$JQ" -c "$1" "$WORK/out" 2>&1) || {
        fail "stdout is not JSON for jq '$1': $(head -c 300 "$WORK/out")"
        return
    }
    want=$("$JQ" -c . "$2")
    [ "$got" = "$want" ] || fail "jq '$1' gives $got, want $want"
}

# expect_same_except KEYS_FILTER SERVED: the last stdout, with the keys
# of FILTER deleted, equals SERVED with the same deletion.
expect_same_except() {
    local got want
    got=$("$JQ" -cS "$1" "$WORK/out" 2>&1)
    want=$("$JQ" -cS "$1" "$2")
    [ "$got" = "$want" ] || fail "other keys changed: $got vs $want"
}

# Starts tests/cli/server.py on a free loopback port serving $IN.
start_server() {
    local i
    "$PY" "$HERE/server.py" "$WORK/port" "$IN" 600 &
    SERVER_PID=$!
    for i in $(seq 200); do
        [ -s "$WORK/port" ] && break
        sleep 0.05
    done
    if [ ! -s "$WORK/port" ]; then
        echo "$NAME: test server did not start" >&2
        exit 1
    fi
    PORT=$(cat "$WORK/port")
    BASE=http://127.0.0.1:$PORT
}

# Stops the server we started, by its PID, after checking it is ours.
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        if ps -o cmd= -p "$SERVER_PID" 2>/dev/null | grep -q server.py; then
            kill "$SERVER_PID" 2>/dev/null
            wait "$SERVER_PID" 2>/dev/null
        fi
        SERVER_PID=
    fi
}

# step LABEL ARGS... : run prefect-curl once and log it.
step() {
    local label=$1
    shift
    # shellcheck disable=SC2086
    $WRAP "$BIN" "$@" >"$WORK/out" 2>"$WORK/err"
    RC=$?
    { printf '## %s\n' "$label"; cat "$WORK/out"; } >>"$WORK/stdout.log"
    if [ "${UNLOGGED:-0}" = 1 ]; then
        printf '## %s: exit %d\n(stderr checked by pattern)\n' "$label" \
            "$RC" >>"$WORK/stderr.log"
    else
        { printf '## %s: exit %d\n' "$label" "$RC"; cat "$WORK/err"; } \
            >>"$WORK/stderr.log"
    fi
}

# Like step, but the stderr transcript gets only the exit code: for runs
# whose messages vary (verbose output, the decoder's own wording).
step_unlogged() {
    UNLOGGED=1 step "$@"
}

# step_stdout_to FILE LABEL ARGS... : like step, stdout sent to FILE
# (e.g. /dev/full) and logged as "(stdout to FILE)".
step_stdout_to() {
    local to=$1 label=$2
    shift 2
    # shellcheck disable=SC2086
    $WRAP "$BIN" "$@" >"$to" 2>"$WORK/err"
    RC=$?
    : >"$WORK/out"
    printf '## %s\n(stdout to %s)\n' "$label" "$to" >>"$WORK/stdout.log"
    { printf '## %s: exit %d\n' "$label" "$RC"; cat "$WORK/err"; } \
        >>"$WORK/stderr.log"
}

expect_rc() {
    [ "$RC" = "$1" ] || fail "exit code $RC, want $1"
}

# The last step's stdout must equal FILE byte for byte.
expect_stdout_file() {
    if ! cmp -s "$1" "$WORK/out"; then
        fail "stdout differs from $(basename "$1")"
        diff <(od -c "$1") <(od -c "$WORK/out") | head -20 >&2
    fi
}

# The last step's stdout must be exactly TEXT plus a newline.
expect_stdout_text() {
    printf '%s\n' "$1" >"$WORK/want"
    expect_stdout_file "$WORK/want"
}

# FILE must equal WANT byte for byte.
expect_file() {
    if [ ! -e "$1" ]; then
        fail "$(basename "$1") was not written"
    elif ! cmp -s "$2" "$1"; then
        fail "$(basename "$1") differs from $(basename "$2")"
        diff <(od -c "$2") <(od -c "$1") | head -20 >&2
    fi
}

# The last step's stderr must match the extended regex (any line).
expect_stderr_match() {
    grep -Eq -- "$1" "$WORK/err" || {
        fail "stderr does not match /$1/:"
        cat "$WORK/err" >&2
    }
}

# The last step's stderr must have exactly N lines.
expect_stderr_lines() {
    local n
    n=$(wc -l <"$WORK/err")
    if [ "$n" -ne "$1" ]; then
        fail "stderr has $n lines, want $1:"
        cat "$WORK/err" >&2
    fi
}

# Replaces the run's variable parts so transcripts can be compared.
normalize() {
    local args=(-e "s|$WORK|@WORK@|g"
                -e 's|after [0-9]* milliseconds|after @N@ milliseconds|g'
                -e 's|after [0-9]* ms:|after @N@ ms:|g')
    if [ -n "$PORT" ]; then
        args+=(-e "s|127\.0\.0\.1:$PORT|127.0.0.1:@PORT@|g")
    fi
    sed "${args[@]}" "$1"
}

need_binary() {
    if [ ! -x "$BIN" ]; then
        echo "$NAME: $BIN is missing: run make first" >&2
        exit 1
    fi
}

finish() {
    local kind
    for kind in stdout stderr; do
        [ -e "$HERE/$NAME.$kind.exact" ] || continue
        touch "$WORK/$kind.log"
        normalize "$WORK/$kind.log" >"$WORK/$kind.norm"
        if [ "${BLESS:-0}" = 1 ]; then
            cp "$WORK/$kind.norm" "$HERE/$NAME.$kind.exact"
        fi
        if ! cmp -s "$HERE/$NAME.$kind.exact" "$WORK/$kind.norm"; then
            fail "$kind differs from $NAME.$kind.exact:"
            diff -u "$HERE/$NAME.$kind.exact" "$WORK/$kind.norm" >&2
        fi
    done
    if [ "$FAILED" = 0 ]; then
        echo "ok $NAME"
        exit 0
    fi
    echo "not ok $NAME"
    exit 1
}

need_binary
