#!/usr/bin/env bash
# oracle.sh - the same checks as resolve.sh with tests/e2e/pyresolve.py,
# a Python reader written from docs/prefect-results.md, as the resolver.
# It checks the generated cases, the test API and the harness without
# the C core: when this passes and resolve.sh fails, look at the core.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export E2E_RESOLVE="/usr/bin/python3 $HERE/pyresolve.py"
export E2E_NAME=oracle
exec bash "$HERE/resolve.sh"
