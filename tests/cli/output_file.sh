#!/bin/bash
# -o writes the decoded JSON (or the passthrough body) to a file, in
# every spelling curl accepts; the n-th -o goes with the n-th URL;
# "-o -" is stdout; nothing is created when the transfer fails; an
# unwritable -o is error 23.
. "$(dirname "$0")/lib.sh"
gen_inputs
step "-o FILE" -o "$WORK/a.json" "file://$IN/value.pkl"
expect_rc 0
expect_file "$WORK/a.json" "$IN/value.json"
step "--output FILE" --output "$WORK/b.json" "file://$IN/value.b64"
expect_rc 0
expect_file "$WORK/b.json" "$IN/value.json"
step "-oFILE bundled" "-so$WORK/c.txt" "file://$IN/text.txt"
expect_rc 0
expect_file "$WORK/c.txt" "$IN/text.txt"
step "two URLs, two -o" "file://$IN/value.pkl" -o "$WORK/d1.json" \
    "file://$IN/text.txt" -o "$WORK/d2.txt"
expect_rc 0
expect_file "$WORK/d1.json" "$IN/value.json"
expect_file "$WORK/d2.txt" "$IN/text.txt"
step "-o - is stdout" -o - "file://$IN/value.pkl"
expect_rc 0
expect_stdout_file "$IN/value.json"
step "failed transfer creates no file" -o "$WORK/e.json" "file://$WORK/nope"
expect_rc 37
[ -e "$WORK/e.json" ] && fail "e.json was created for a failed transfer"
step "unwritable -o" -o "$WORK/no/such/dir/f.json" "file://$IN/value.pkl"
expect_rc 23
step_stdout_to /dev/full "stdout full" "file://$IN/text.txt"
expect_rc 23
step_stdout_to /dev/full "decoded to a full stdout" "file://$IN/value.pkl"
expect_rc 23
finish
