#!/bin/bash
# run.sh - run every prefect-curl CLI test (tests/cli/<name>.sh) and end
# with "N passed, N failed".  Exit 0 only when none failed.
#
#   bash tests/cli/run.sh [NAME...]     (default: all of them)
#
# PREFECT_CURL and PREFECT_CURL_WRAP are passed on (see lib.sh).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
passed=0
failed=0
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for t in "$HERE"/*.sh; do
        case $(basename "$t") in
            lib.sh|run.sh) ;;
            *) names+=("$(basename "$t" .sh)") ;;
        esac
    done
fi
for name in "${names[@]}"; do
    if bash "$HERE/$name.sh" </dev/null; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
