#!/usr/bin/env bash
# run-all.sh - every test suite, counted into one total; `make check` runs
# it and CI runs `make check`.
#
#   tests/run-all.sh                    all suites
#   tests/run-all.sh unit asan          only these (any order given is
#                                       run in the order below)
#
# Suites:
#   unit      build/tests/test_* (tests/unit/test_*.c), counts they print
#   fixtures  tests/fixtures/compare.py against build/tools/pr-decode
#   cli       tests/cli/*.sh, one test each (exit 0 pass, 77 skip), but
#             not lib.sh, run.sh or _*.sh (helpers)
#   e2e       tests/e2e/run.sh: the front ends against a throwaway Prefect
#             API on loopback (E2E_SKIP_NEEDS=s3 would skip S3 cases)
#   s3        tests/emulators/s3/run-tests.sh: S3 reads against s3rver
#             behind a SigV4-verifying proxy (npm ci on first use)
#   azure     tests/emulators/azure/run-tests.sh: Azure Blob reads against
#             Azurite (SharedKey, SAS, OAuth)
#   gcs       tests/emulators/gcs/run-tests.sh: GCS reads against
#             firebase-tools' storage emulator with a JWT-checking token
#             endpoint
#   jq        tests/jq/run.sh: prefect-jq's .test files (when present)
#   pg        tests/pg/run.sh: the PostgreSQL extension's regression
#             suite on a throwaway cluster (when present)
#   asan      `make asan`, then build-asan/tests/test_* (ASan + UBSan),
#             and the jq suite against build-asan/prefect-jq (LSan)
#   valgrind  build/tests/test_* under memcheck (leaks are errors)
#   fuzz      `make fuzz`, then each libFuzzer target for a time
#             (FUZZ_SECONDS, FUZZ_OTHER_SECONDS: see tests/lib/fuzz.sh)
#
# Environment given to the suites' scripts: PR_ROOT (the top directory),
# PR_BUILD (build), PR_DECODE (the decoder driver built from
# tests/tools/pr_decode.c: build/tools/pr-decode, or pr_decode as the
# Makefile names it after its source), PR_SHARED_DIR (the shared corpora,
# default ../shared next to the clone).
# PR_SKIP_DEPS=1 skips tests/deps.sh.  Logs go to build/test-logs/.
#
# The last line printed is "N passed, N failed" (", N skipped" when
# something was skipped); the exit status is 1 if anything failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PR_ROOT=$PWD
export PR_BUILD=build
export PR_DECODE=$PR_ROOT/build/tools/pr-decode
[ -e "$PR_DECODE" ] || [ ! -e tests/tools/pr_decode.c ] ||
    PR_DECODE=$PR_ROOT/build/tools/pr_decode
export PR_SHARED_DIR=${PR_SHARED_DIR:-$PR_ROOT/../shared}
PYTHON=/usr/bin/python3
LOGS=build/test-logs

. tests/lib/report.sh
. tests/lib/fuzz.sh

ALL_SUITES=(unit fixtures cli e2e s3 azure gcs jq pg asan valgrind fuzz)

usage() {
    echo "usage: tests/run-all.sh [${ALL_SUITES[*]}]" >&2
    exit 2
}

declare -A WANT=()
if [ $# -eq 0 ]; then
    for s in "${ALL_SUITES[@]}"; do WANT[$s]=1; done
else
    for a in "$@"; do
        case " ${ALL_SUITES[*]} " in
            *" $a "*) WANT[$a]=1 ;;
            *) usage ;;
        esac
    done
fi
want() { [ -n "${WANT[$1]:-}" ]; }

RUN_T0=$(pr_now)
mkdir -p "$LOGS"

# Unit test binaries, from the sources (stale binaries are never run).
UNIT_NAMES=()
for f in tests/unit/test_*.c; do
    [ -f "$f" ] || continue
    f=${f#tests/unit/}
    UNIT_NAMES+=("${f%.c}")
done

# ---------------------------------------------------------------- deps
if [ "${PR_SKIP_DEPS:-0}" != 1 ]; then
    if ! bash tests/deps.sh; then
        pr_suite_begin deps
        pr_fail "deps" "tests/deps.sh could not install the packages"
        pr_suite_end
        pr_finish
        exit 1
    fi
fi

# ---------------------------------------------------------------- build
# make -k builds all that can be built; a failed build counts as one
# failure, and each suite still runs what was built afresh.
BUILD_OK=1
if want unit || want fixtures || want cli || want valgrind; then
    pr_suite_begin build
    if make --no-print-directory -k -j2 all unit >"$LOGS/build.log" 2>&1 \
            </dev/null; then
        echo "built in $(pr_since "$PR_SUITE_T0") s"
    else
        BUILD_OK=0
        pr_fail "build" "make -k -j2 all unit" "$LOGS/build.log"
    fi
    pr_suite_end
fi

# run_units PREFIX DIR BUILT_OK SECS [WRAPPER...]: each unit binary in
# DIR.  After a failed build, a binary older than its source is stale
# and counts as a failure instead of running.
# stdbuf -oL keeps the summary line in the log when a sanitizer ends the
# process with _exit() before stdio is flushed.
run_units() {
    local prefix=$1 dir=$2 built_ok=$3 secs=$4 n
    shift 4
    if [ ${#UNIT_NAMES[@]} -eq 0 ]; then
        pr_skip "$prefix" "no tests/unit/test_*.c yet"
        return 0
    fi
    for n in "${UNIT_NAMES[@]}"; do
        if [ ! -x "$dir/$n" ]; then
            pr_fail "$prefix:$n" "$dir/$n was not built"
            continue
        fi
        if [ "$built_ok" != 1 ] && [ ! "$dir/$n" -nt "tests/unit/$n.c" ]; then
            pr_fail "$prefix:$n" "$dir/$n is stale: the build failed"
            continue
        fi
        pr_run_counted "$prefix:$n" "$LOGS/$prefix-$n.log" "$secs" \
            "$@" "$dir/$n"
    done
}

# ---------------------------------------------------------------- unit
if want unit; then
    pr_suite_begin unit
    run_units unit build/tests "$BUILD_OK" 300 stdbuf -oL
    pr_suite_end
fi

# ---------------------------------------------------------------- fixtures
if want fixtures; then
    pr_suite_begin fixtures
    if [ ! -f tests/fixtures/compare.py ]; then
        pr_skip fixtures "tests/fixtures/compare.py does not exist yet"
    else
        pr_run_counted fixtures "$LOGS/fixtures.log" 1200 \
            "$PYTHON" tests/fixtures/compare.py --decoder "$PR_DECODE"
    fi
    pr_suite_end
fi

# ---------------------------------------------------------------- cli
if want cli; then
    pr_suite_begin cli
    found=0
    for t in tests/cli/*.sh; do
        [ -f "$t" ] || continue
        case $(basename "$t") in
            lib.sh|run.sh|_*) continue ;;    # helpers, not tests
        esac
        found=1
        name=cli:$(basename "$t" .sh)
        log=$LOGS/cli-$(basename "$t" .sh).log
        t0=$(pr_now)
        timeout -k 10 300 bash "$t" >"$log" 2>&1 </dev/null
        rc=$?
        case "$rc" in
            0) pr_pass "$name" "$(pr_since "$t0") s" ;;
            77) pr_skip "$name" "$(tail -n 1 "$log")" ;;
            *) pr_fail "$name" "$(pr_rc_text "$rc")" "$log" ;;
        esac
    done
    [ "$found" = 1 ] || pr_skip cli "no tests/cli/*.sh yet"
    pr_suite_end
fi

# run_script SUITE SCRIPT SECS: a suite's own runner, counted from its
# "N passed, N failed" line; a visible skip when it does not exist yet.
run_script() {
    local suite=$1 script=$2 secs=$3
    pr_suite_begin "$suite"
    if [ ! -f "$script" ]; then
        pr_skip "$suite" "$script does not exist yet"
    else
        pr_run_counted "$suite" "$LOGS/$suite.log" "$secs" bash "$script"
    fi
    pr_suite_end
}

if want e2e; then
    run_script e2e tests/e2e/run.sh 900
fi
if want s3; then
    run_script s3 tests/emulators/s3/run-tests.sh 900
fi
if want azure; then
    run_script azure tests/emulators/azure/run-tests.sh 900
fi
if want gcs; then
    # a cold npm cache makes firebase-tools' npm ci take up to ~14 min
    run_script gcs tests/emulators/gcs/run-tests.sh 1800
fi
if want jq; then
    run_script jq tests/jq/run.sh 600
fi
if want pg; then
    run_script pg tests/pg/run.sh 900
fi

# ---------------------------------------------------------------- asan
if want asan; then
    pr_suite_begin asan
    ASAN_OK=1
    if make --no-print-directory -k -j2 asan >"$LOGS/asan-build.log" 2>&1 \
            </dev/null; then
        echo "built build-asan in $(pr_since "$PR_SUITE_T0") s"
    else
        ASAN_OK=0
        pr_fail "asan build" "make -k asan" "$LOGS/asan-build.log"
    fi
    asan_opts=detect_leaks=1:halt_on_error=1:strict_string_checks=1
    asan_opts=$asan_opts:detect_stack_use_after_return=1
    asan_opts=$asan_opts:check_initialization_order=1
    ASAN_OPTIONS=$asan_opts UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        run_units asan build-asan/tests "$ASAN_OK" 600 stdbuf -oL
    # prefect-jq's natives handle jq values by reference count: the jq
    # suite against the ASan build finds a reference never given back
    # (LeakSanitizer; full stacks, so libjq 1.6's own known leak can be
    # told apart: tests/jq/lsan.supp).
    if [ "$ASAN_OK" = 1 ] && [ -x build-asan/prefect-jq ]; then
        ASAN_OPTIONS=$asan_opts:fast_unwind_on_malloc=0 \
        LSAN_OPTIONS=suppressions=$PWD/tests/jq/lsan.supp:print_suppressions=0 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        PREFECT_JQ=build-asan/prefect-jq \
            pr_run_counted asan:jq "$LOGS/asan-jq.log" 900 \
                bash tests/jq/run.sh
    fi
    pr_suite_end
fi

# ---------------------------------------------------------------- valgrind
if want valgrind; then
    pr_suite_begin valgrind
    PR_LOG_TAIL=60 run_units valgrind build/tests "$BUILD_OK" 1200 \
        valgrind --error-exitcode=1 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --track-origins=yes
    pr_suite_end
fi

# ---------------------------------------------------------------- fuzz
if want fuzz; then
    pr_suite_begin fuzz
    pr_fuzz_all
    pr_suite_end
fi

echo
echo "whole run: $(pr_since "$RUN_T0") s"
pr_finish
