/*
 * fuzz_json.c - libFuzzer target for pr_json_value_to_json, the rewriter
 * of JSON written by Prefect's JSON serializer (envelopes, exceptions,
 * Python's NaN/Infinity tokens, numbers kept as written).
 *
 * The input is not NUL-terminated: the function must honour `len`.  Mode
 * and NaN policy rotate with the input length.  Checks pr.h's contract
 * through fuzz_check.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "pr.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const pr_nan_policy nan_policies[3] = {
    PR_NAN_NULL, PR_NAN_STRING, PR_NAN_TOKEN
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pr_nan_policy nan = nan_policies[size % 3];
    pr_decode_opts opts;
    pr_error err;
    pr_buf out;
    pr_code rc;

    fuzz_decode_opts(&opts, (int)((size / 3) & 1), nan, PR_PY2STR_AUTO);
    pr_buf_init(&out, FUZZ_MAX_OUTPUT);
    pr_error_clear(&err);
    rc = pr_json_value_to_json(&out, (const char *)data, size, &opts, &err);
    fuzz_check_result(rc, &out, &err, nan == PR_NAN_TOKEN);
    pr_buf_dispose(&out);
    return 0;
}
