/*
 * fuzz_result.c - libFuzzer target for pr_decode_result: every file form
 * Prefect writes (records, blobs, data documents, raw serializer output)
 * with every serializer chain (base64, lzma/zlib/gzip/bz2, pickle, JSON).
 *
 * The serializer the state would name, the flow-result rule and the
 * mode rotate with the input length, so no input bytes are spent on
 * options.  Checks pr.h's contract through fuzz_check.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "pr.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a state's metadata may say; NULL when it says nothing. */
static const char *const serializers[] = {
    NULL,
    "{\"type\":\"pickle\",\"picklelib\":\"cloudpickle\","
    "\"picklelib_version\":null}",
    "{\"type\":\"json\",\"jsonlib\":\"json\"}",
    "{\"type\":\"compressed/pickle\",\"compressionlib\":\"lzma\"}",
    "{\"type\":\"compressed/json\",\"compressionlib\":\"lzma\"}",
    "{\"type\":\"compressed\",\"serializer\":{\"type\":\"pickle\"},"
    "\"compressionlib\":\"zlib\"}",
    "{\"type\":\"compressed\",\"serializer\":{\"type\":\"pickle\"},"
    "\"compressionlib\":\"bz2\"}",
    "{\"type\":\"compressed\",\"serializer\":{\"type\":\"json\"},"
    "\"compressionlib\":\"gzip\"}",
};

#define N_SERIALIZERS (sizeof serializers / sizeof serializers[0])

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *ser = serializers[size % N_SERIALIZERS];
    int flow_result = (int)((size / N_SERIALIZERS) & 1);
    int typed = (int)((size / N_SERIALIZERS / 2) & 1);
    pr_decode_opts opts;
    pr_error err;
    pr_buf out;
    pr_code rc;

    fuzz_decode_opts(&opts, typed, typed ? PR_NAN_TOKEN : PR_NAN_NULL,
                     PR_PY2STR_AUTO);
    pr_buf_init(&out, FUZZ_MAX_OUTPUT);
    pr_error_clear(&err);
    rc = pr_decode_result(&out, data, size, ser, flow_result, &opts, &err);
    fuzz_check_result(rc, &out, &err, typed);
    pr_buf_dispose(&out);
    return 0;
}
