#!/bin/bash
# Base64 lines of a pickle (Prefect's pickle serializer output, and the
# whole file of a Prefect 3 flow result) decode to the same JSON.
. "$(dirname "$0")/lib.sh"
gen_inputs
step "base64 lines" "file://$IN/value.b64"
expect_rc 0
expect_stdout_file "$IN/value.json"
finish
