/*
 * fuzz_sniff.c - libFuzzer target for input classification: raw pickle,
 * base64 text, Prefect 3 records and Prefect 2 blobs (JSON parsing, the
 * base64 and decompression layers, then the pickle VM).
 *
 * Checks pr.h's contract, and that a successful decode names what it
 * found: never PR_INPUT_UNKNOWN.
 */
#include <stddef.h>
#include <stdint.h>

#include "pr.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
known_kind(pr_input_kind k)
{
    return k == PR_INPUT_UNKNOWN || k == PR_INPUT_PICKLE ||
           k == PR_INPUT_BASE64 || k == PR_INPUT_RECORD3 ||
           k == PR_INPUT_BLOB2 || k == PR_INPUT_DATADOC;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pr_decode_opts opts;
    pr_input_kind kind = PR_INPUT_UNKNOWN;
    pr_error err;
    pr_buf out;
    pr_code rc;

    FUZZ_ASSERT(known_kind(pr_sniff(data, size)), "pr_sniff: bad kind");

    fuzz_decode_opts(&opts, (int)(size & 1), PR_NAN_NULL, PR_PY2STR_AUTO);
    pr_buf_init(&out, FUZZ_MAX_OUTPUT);
    pr_error_clear(&err);
    rc = pr_sniff_to_json(&out, (size & 2) ? NULL : &kind, data, size,
                          &opts, &err);
    fuzz_check_result(rc, &out, &err, 0);
    if (rc == PR_OK && !(size & 2))
        FUZZ_ASSERT(kind != PR_INPUT_UNKNOWN && known_kind(kind),
                    "decoded, but *kind does not say what it was");
    pr_buf_dispose(&out);
    return 0;
}
