#!/bin/bash
# A Prefect 2 PersistedResultBlob ({"serializer", "data"}) decodes to its
# value.
. "$(dirname "$0")/lib.sh"
gen_inputs
step "prefect 2 blob" "file://$IN/value.blob2.json"
expect_rc 0
expect_stdout_file "$IN/value.json"
finish
