#!/bin/bash
# Usage errors: curl's wording, a hint to --help, exit 2, printed even
# under -s.  --help and --version exit 0.
. "$(dirname "$0")/lib.sh"
step "no URL" 
step "no URL, options only" -s -f
step "unknown long option" --foo "file:///dev/null"
step "unknown short option in a bundle" -sZ "file:///dev/null"
step "--opt=value is not curl style" --output=x "file:///dev/null"
step "abbreviations are not accepted" --silen "file:///dev/null"
step "missing value" "file:///dev/null" -o
step "missing value at the end of a bundle" "file:///dev/null" -sm
step "-m not a number" -m 5s "file:///dev/null"
step "-m negative" -m -1 "file:///dev/null"
step "--connect-timeout not a number" --connect-timeout x "file:///dev/null"
step "--nan-as bad" --nan-as nothing "file:///dev/null"
step "--py2-str bad" --py2-str utf8 "file:///dev/null"
step "--limit-input bad suffix" --limit-input 10X "file:///dev/null"
step "--limit-depth with a suffix" --limit-depth 1k "file:///dev/null"
step "--limit-memo zero" --limit-memo 0 "file:///dev/null"
step "--no- on an option with a value" --no-output "file:///dev/null"
step "-- ends options" -- "-not an option"
expect_rc 3
step "--retry negative" --retry -1 "file:///dev/null"
step "--json without a value" --json
step "-f with --fail-with-body" -f --fail-with-body "file:///dev/null"
step "-w @missing" -w @/nonexistent/fmt "file:///dev/null"
step "--help" --help
expect_rc 0
grep -q '^Options of prefect-curl (not curl.s):$' "$WORK/out" ||
    fail "--help does not list our options apart"
for code in 110 111 112 113 114 115 116 117; do
    grep -q "^ $code " "$WORK/out" || fail "--help does not list exit $code"
done
step "-h after a bundle" -sh
expect_rc 0
step "--version" --version
expect_rc 0
grep -q '^prefect-curl [0-9]' "$WORK/out" || fail "--version: no version line"
"$BIN" --help | awk 'length > 79 { print; bad = 1 } END { exit bad }' >&2 ||
    fail "--help has lines over 79 columns"
finish
