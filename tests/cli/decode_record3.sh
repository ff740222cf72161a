#!/bin/bash
# A Prefect 3 ResultRecord ({"metadata", "result"}) decodes to its value.
. "$(dirname "$0")/lib.sh"
gen_inputs
step "prefect 3 record" "file://$IN/value.record3.json"
expect_rc 0
expect_stdout_file "$IN/value.json"
finish
