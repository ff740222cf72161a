/*
 * fuzz_pickle.c - libFuzzer target for the pickle VM and JSON writer.
 *
 * Every input is decoded twice, in plain and in typed mode, with the
 * small limits of fuzz_check.h; the NaN policy and the Python 2 string
 * mode rotate with the input length so that all of them get exercised
 * without spending input bytes on options.  Small inputs are decoded a
 * second time in plain mode: the decoder keeps no state between calls,
 * so both outputs must be identical.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pr.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const pr_nan_policy plain_nan[3] = {
    PR_NAN_NULL, PR_NAN_STRING, PR_NAN_NULL
};
static const pr_nan_policy typed_nan[3] = {
    PR_NAN_STRING, PR_NAN_TOKEN, PR_NAN_NULL
};
static const pr_py2str plain_py2[3] = {
    PR_PY2STR_AUTO, PR_PY2STR_LATIN1, PR_PY2STR_BYTES
};
static const pr_py2str typed_py2[3] = {
    PR_PY2STR_LATIN1, PR_PY2STR_BYTES, PR_PY2STR_AUTO
};

static pr_code
decode(pr_buf *out, const uint8_t *data, size_t size,
       const pr_decode_opts *opts, pr_error *err)
{
    pr_code rc;

    pr_buf_init(out, FUZZ_MAX_OUTPUT);
    pr_error_clear(err);
    rc = pr_pickle_to_json(out, data, size, opts, err);
    fuzz_check_result(rc, out, err, opts->nan == PR_NAN_TOKEN);
    return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t k = size % 3;
    pr_decode_opts opts;
    pr_error err;
    pr_buf plain, again, typed;
    pr_code rc;

    fuzz_decode_opts(&opts, 0, plain_nan[k], plain_py2[k]);
    rc = decode(&plain, data, size, &opts, &err);

    if (size <= 4096) {
        pr_code rc2 = decode(&again, data, size, &opts, &err);

        FUZZ_ASSERT(rc2 == rc, "same input, different result code");
        if (rc == PR_OK)
            FUZZ_ASSERT(again.len == plain.len &&
                        memcmp(again.data, plain.data, plain.len) == 0,
                        "same input, different output");
        pr_buf_dispose(&again);
    }
    pr_buf_dispose(&plain);

    fuzz_decode_opts(&opts, 1, typed_nan[k], typed_py2[k]);
    rc = decode(&typed, data, size, &opts, &err);
    (void)rc;
    pr_buf_dispose(&typed);
    return 0;
}
