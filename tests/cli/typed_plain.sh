#!/bin/bash
# Plain mode (the default, or --plain) writes a datetime as its
# isoformat() and a set as an array; --typed keeps both as Prefect's
# {"__class__", "data"} envelopes.  The last of --typed/--plain wins.
. "$(dirname "$0")/lib.sh"
gen_inputs
step "default is plain" "file://$IN/typed.pkl"
expect_rc 0
expect_stdout_file "$IN/typed.plain.json"
step "--typed" --typed "file://$IN/typed.pkl"
expect_rc 0
expect_stdout_file "$IN/typed.typed.json"
step "--typed --plain" --typed --plain "file://$IN/typed.pkl"
expect_rc 0
expect_stdout_file "$IN/typed.plain.json"
finish
