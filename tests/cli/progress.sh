#!/bin/bash
# curl's progress meter appears on stderr for a large transfer (1 MiB)
# that lasts more than a second (not for small or quick ones, not under
# -s or --no-progress-meter); -# draws a bar instead.
. "$(dirname "$0")/lib.sh"
gen_inputs
start_server
SLOW="$BASE/slow?size=3000000&ms=1600"
step_unlogged "meter on a slow download" -o "$WORK/slow.bin" "$SLOW"
expect_rc 0
expect_stderr_match '^  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current$'
expect_stderr_match '^                                 Dload  Upload   Total   Spent    Left  Speed$'
tr '\r' '\n' <"$WORK/err" >"$WORK/lines"
grep -Eq '^100 2929k  100 2929k    0     0  [ 0-9.]{4}[0-9kM ]      0 [ 0-9]{2}:[0-9]{2}:[0-9]{2} ' \
    "$WORK/lines" || fail "no final meter line: $(tail -2 "$WORK/lines")"
[ "$(wc -c <"$WORK/slow.bin")" = 3000000 ] || fail "download incomplete"
step "no meter for a quick one" -o /dev/null "$BASE/files/big.txt"
expect_rc 0
step "no meter for a small slow one" -o /dev/null \
    "$BASE/slow?size=60000&ms=1300"
expect_rc 0
step "-s: no meter" -s -o /dev/null "$SLOW"
expect_rc 0
step "--no-progress-meter" --no-progress-meter -o /dev/null "$SLOW"
expect_rc 0
step_unlogged "-# draws a bar" -# -o /dev/null "$BASE/slow?size=300000&ms=400"
expect_rc 0
tr '\r' '\n' <"$WORK/err" >"$WORK/lines"
grep -Eq '^#{72} 100\.0%$' "$WORK/lines" ||
    fail "no full bar: $(tail -2 "$WORK/lines")"
COLUMNS=40 step_unlogged "COLUMNS sets its width" --progress-bar \
    -o /dev/null "$BASE/files/big.txt"
tr '\r' '\n' <"$WORK/err" >"$WORK/lines"
grep -Eq '^#{33} 100\.0%$' "$WORK/lines" ||
    fail "no 40-column bar: $(tail -2 "$WORK/lines")"
finish
