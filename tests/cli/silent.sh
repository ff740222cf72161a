#!/bin/bash
# -s silences error messages, -S brings them back, as in curl; usage
# errors print whatever -s says.  Holds for decoder errors (110) too.
. "$(dirname "$0")/lib.sh"
gen_inputs
step "-s" -s "file://$WORK/nope"
expect_rc 37
step "-S alone" -S "file://$WORK/nope"
expect_rc 37
step "-sS" -sS "file://$WORK/nope"
expect_rc 37
step "-s -S apart" -s -S "file://$WORK/nope"
expect_rc 37
step "-sS --no-show-error" -sS --no-show-error "file://$WORK/nope"
expect_rc 37
step "-s on a decode error" -s --decode "file://$IN/text.txt"
expect_rc 110
step "-sS on a decode error" -sS --decode "file://$IN/text.txt"
expect_rc 110
step "-s on a usage error" -s --no-such-option "file://$IN/text.txt"
expect_rc 2
finish
