#!/usr/bin/env bash
# run.sh - build, seed and run the fuzz targets, as the fuzz suite of
# tests/run-all.sh does.
#
#   fuzz/run.sh                         every target
#   FUZZ_SECONDS=600 fuzz/run.sh fuzz_pickle
#   FUZZ_SECONDS=0 fuzz/run.sh          replay the seed corpora only
#
# Ends with "N passed, N failed"; exit 1 when a target failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. tests/lib/report.sh
. tests/lib/fuzz.sh

pr_suite_begin fuzz
pr_fuzz_all "$@"
pr_suite_end
pr_finish
