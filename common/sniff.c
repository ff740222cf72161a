/*
 * sniff.c - tells raw pickle bytes, base64 pickle text and Prefect result
 * records apart, and decodes whichever it is.
 *
 * Prefect's pickle serializer writes base64.encodebytes(pickle) (76-char
 * lines), and wraps it in a JSON record for task results (3.x
 * {"metadata","result"}, 2.x {"serializer","data"}).  Feeding those to a
 * pickle loader directly is the classic "invalid literal for int() with
 * base 10" failure, so the front ends sniff first.  Records of any
 * serializer are decoded by pr_decode_result (record.c).
 */
#include <string.h>

#include <cJSON.h>

#include "pr.h"
#include "jsonw.h"

static int
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Base64 text whose first decoded byte is PROTO (0x80): "gA". */
static int
looks_base64_pickle(const char *s, size_t n)
{
    while (n > 0 && is_space((unsigned char)*s)) {
        s++;
        n--;
    }
    return n >= 4 && s[0] == 'g' && s[1] == 'A' &&
           pr_base64_looks_like(s, n);
}

static const cJSON *
serializer_of(const cJSON *doc, pr_input_kind *kind, const char **payload)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(doc, "metadata");
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(doc, "result");
    const cJSON *ser = cJSON_GetObjectItemCaseSensitive(doc, "serializer");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(doc, "data");

    if (cJSON_IsObject(meta) && cJSON_IsString(res)) {
        *kind = PR_INPUT_RECORD3;
        *payload = res->valuestring;
        return cJSON_GetObjectItemCaseSensitive(meta, "serializer");
    }
    if (cJSON_IsObject(ser) && cJSON_IsString(data)) {
        *kind = PR_INPUT_BLOB2;
        *payload = data->valuestring;
        return ser;
    }
    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "encoding")) &&
        cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "blob"))) {
        *kind = PR_INPUT_DATADOC;
        *payload = NULL;
        return doc;
    }
    return NULL;
}

pr_input_kind
pr_sniff(const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i = 0;

    if (len >= 2 && p[0] == 0x80 && p[1] <= 5)
        return PR_INPUT_PICKLE;
    while (i < len && is_space(p[i]))
        i++;
    if (i < len && p[i] == '{') {
        cJSON *doc = cJSON_ParseWithLength((const char *)p, len);
        pr_input_kind kind = PR_INPUT_UNKNOWN;
        const char *payload;
        if (doc != NULL) {
            if (serializer_of(doc, &kind, &payload) == NULL)
                kind = PR_INPUT_UNKNOWN;
            cJSON_Delete(doc);
        }
        return kind;
    }
    if (looks_base64_pickle((const char *)p, len))
        return PR_INPUT_BASE64;
    return PR_INPUT_UNKNOWN;
}

/* Decodes base64 text, then the pickle in it.  `inplace` (may be NULL)
 * is the same text in a writable buffer the caller gave up: decoding
 * there needs no second buffer (base64 decoding never writes ahead of
 * where it reads). */
static pr_code
decode_base64_pickle(pr_buf *out, const char *text, size_t n,
                     char *inplace, const pr_decode_opts *opts,
                     const char *what, pr_error *err)
{
    uint8_t *bytes;
    size_t blen = 0;
    pr_code rc;

    if (n / 4 * 3 + 3 > opts->lim.max_input + opts->lim.max_input / 3 + 4)
        return pr_error_set(err, PR_ELIMIT, "%s of %zu bytes is larger "
                            "than the input limit (max_input)", what, n);
    if (inplace != NULL) {
        rc = pr_base64_decode((uint8_t *)inplace, &blen, inplace, n, err);
        if (rc == PR_OK)
            return pr_pickle_to_json(out, inplace, blen, opts, err);
        return pr_error_hint(err, "the %s is not valid base64; is the "
                             "file complete?", what);
    }
    bytes = pr_malloc(n / 4 * 3 + 4);
    if (bytes == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory decoding %zu "
                            "bytes of base64", n);
    rc = pr_base64_decode(bytes, &blen, text, n, err);
    if (rc == PR_OK)
        rc = pr_pickle_to_json(out, bytes, blen, opts, err);
    else
        pr_error_hint(err, "the %s is not valid base64; is the file "
                      "complete?", what);
    pr_free(bytes);
    return rc;
}

static pr_code
sniff_to_json(pr_buf *out, pr_input_kind *kindp, const void *data,
              size_t len, char *writable, const pr_decode_opts *opts,
              pr_error *err)
{
    pr_decode_opts defaults = PR_DECODE_OPTS_INIT;
    pr_input_kind kind = pr_sniff(data, len), dummy;
    const unsigned char *p = data;
    pr_code rc;

    if (opts == NULL)
        opts = &defaults;
    if (kindp == NULL)
        kindp = &dummy;
    *kindp = kind;
    pr_error_clear(err);
    switch (kind) {
    case PR_INPUT_PICKLE:
        return pr_pickle_to_json(out, data, len, opts, err);
    case PR_INPUT_BASE64:
        return decode_base64_pickle(out, data, len, writable, opts,
                                    "base64 text", err);
    case PR_INPUT_RECORD3:
    case PR_INPUT_BLOB2:
    case PR_INPUT_DATADOC:
        return pr_decode_result(out, data, len, NULL, 0, opts, err);
    default:
        break;
    }
    /* Protocol 0 and 1 pickles have no header: try one that ends in STOP */
    if (len >= 2 && p[len - 1] == '.') {
        /* a trial decode: into a buffer of its own, since a streaming
         * out could not take back what a failed trial wrote */
        pr_buf trial;
        pr_error probe;
        pr_buf_init(&trial, out->max);
        pr_error_clear(&probe);
        rc = pr_pickle_to_json(&trial, data, len, opts, &probe);
        if (rc == PR_OK) {
            rc = pr_buf_append(out, trial.data, trial.len, err);
            pr_buf_dispose(&trial);
            if (rc == PR_OK)
                *kindp = PR_INPUT_PICKLE;
            return rc;
        }
        pr_buf_dispose(&trial);
    }
    return pr_error_set(err, PR_EFORMAT, "input is not a pickle, base64 "
                        "pickle text or Prefect result record");
}

pr_code
pr_sniff_to_json(pr_buf *out, pr_input_kind *kindp, const void *data,
                 size_t len, const pr_decode_opts *opts, pr_error *err)
{
    return sniff_to_json(out, kindp, data, len, NULL, opts, err);
}

pr_code
pr_sniff_to_json_inplace(pr_buf *out, pr_input_kind *kindp, void *data,
                         size_t len, const pr_decode_opts *opts,
                         pr_error *err)
{
    return sniff_to_json(out, kindp, data, len, data, opts, err);
}
