/*
 * classify.c - which era and shape a state's "data" is
 * (docs/prefect-results.md section 1), in the order Python reads them.
 *
 * The text is scanned, not parsed into a tree: the members we need come
 * back as spans of the original text, so an inline value keeps its
 * exact number spelling (a 40-digit int, 0.1) for the JSON rewriter.
 */
#include <string.h>

#include "pr.h"
#include "alloc.h"
#include "classify.h"
#include "jsontext.h"
#include "jsonw.h"

enum {
    K_STORAGE_KEY = 0, K_TYPE, K_VALUE, K_ENCODING, K_BLOB, K_SERIALIZER,
    K_SERIALIZER_TYPE, K_BLOCK_ID, K_EXPIRATION, K_COUNT
};

static const char *const data_keys[K_COUNT] = {
    "storage_key", "type", "value", "encoding", "blob", "serializer",
    "serializer_type", "storage_block_id", "expiration"
};

enum { B_KEY = 0, B_FSDOC, B_COUNT };

static const char *const blob_keys[B_COUNT] = {
    "key", "filesystem_document_id"
};

const char *
pr_data_kind_name(pr_data_kind kind)
{
    switch (kind) {
    case PR_DATA_NONE: return "no result (null)";
    case PR_DATA_METADATA: return "3.x result metadata";
    case PR_DATA_REFERENCE: return "result reference";
    case PR_DATA_LITERAL: return "literal result";
    case PR_DATA_UNPERSISTED: return "unpersisted result";
    case PR_DATA_DATADOC: return "2.0-2.5 result blob";
    case PR_DATA_DATADOC_INLINE: return "2.0-2.5 data document";
    case PR_DATA_INLINE: return "inline value";
    }
    return "unknown";
}

void
pr_data_ref_dispose(pr_data_ref *r)
{
    if (r == NULL)
        return;
    pr_free(r->storage_key);
    pr_free(r->storage_block_id);
    pr_free(r->serializer);
    pr_free(r->expiration);
    memset(r, 0, sizeof(*r));
}

static int
is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
span_is(const pr_json_span *s, char first)
{
    return s->p != NULL && s->n > 0 && s->p[0] == first;
}

/* The unescaped text of a string member into an owned C string; *out
 * NULL when the member is absent or not a string.  A NUL inside the
 * text would cut it short: refuse it. */
static pr_code
span_dup(char **out, const pr_json_span *s, const char *what,
         pr_error *err)
{
    pr_buf b;
    pr_code rc;

    *out = NULL;
    if (!span_is(s, '"'))
        return PR_OK;
    pr_buf_init(&b, 0);
    rc = pr_json_unescape(&b, s->p, s->n, err);
    if (rc == PR_OK && b.data == NULL)
        rc = pr_buf_append(&b, "", 0, err);
    if (rc == PR_OK && strlen(b.data) != b.len)
        rc = pr_error_set(err, PR_EFORMAT, "the state's %s holds a NUL "
                          "character", what);
    if (rc != PR_OK) {
        pr_buf_dispose(&b);
        return rc;
    }
    *out = pr_buf_detach(&b, NULL);
    return *out != NULL ? PR_OK
           : pr_error_set(err, PR_ENOMEM, "out of memory reading the "
                          "state's %s", what);
}

/* Is the member the string `want` (after unescaping)? */
static int
span_equals(const pr_json_span *s, const char *want)
{
    size_t n = strlen(want);
    pr_buf b;
    pr_error e;
    int eq;

    if (!span_is(s, '"'))
        return 0;
    /* The common case: written without escapes. */
    if (s->n == n + 2 && memcmp(s->p + 1, want, n) == 0)
        return 1;
    if (memchr(s->p, '\\', s->n) == NULL)
        return 0;
    pr_buf_init(&b, 256);
    eq = pr_json_unescape(&b, s->p, s->n, &e) == PR_OK && b.len == n &&
         memcmp(b.data, want, n) == 0;
    pr_buf_dispose(&b);
    return eq;
}

/* Copies a span as an owned string (JSON text). */
static pr_code
span_copy(char **out, const pr_json_span *s, pr_error *err)
{
    char *p = pr_malloc(s->n + 1);

    if (p == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory reading the "
                            "state's data");
    memcpy(p, s->p, s->n);
    p[s->n] = '\0';
    *out = p;
    return PR_OK;
}

/* {"type": "<name>"} from a type name given as a JSON string literal. */
static pr_code
serializer_from_type(char **out, const pr_json_span *s, pr_error *err)
{
    char *name = NULL;
    pr_buf b;
    pr_code rc;

    *out = NULL;
    rc = span_dup(&name, s, "serializer type", err);
    if (rc != PR_OK || name == NULL)
        return rc;
    pr_buf_init(&b, 0);
    rc = pr_buf_puts(&b, "{\"type\": ", err);
    if (rc == PR_OK)
        rc = pr_json_string(&b, name, strlen(name), err);
    if (rc == PR_OK)
        rc = pr_buf_putc(&b, '}', err);
    pr_free(name);
    if (rc != PR_OK) {
        pr_buf_dispose(&b);
        return rc;
    }
    *out = pr_buf_detach(&b, NULL);
    return *out != NULL ? PR_OK
           : pr_error_set(err, PR_ENOMEM, "out of memory reading the "
                          "state's serializer");
}

/* storage_key, storage_block_id, expiration of a pointer. */
static pr_code
pointer_fields(pr_data_ref *r, const pr_json_span *k, pr_error *err)
{
    pr_code rc;

    r->key_given = k[K_STORAGE_KEY].p != NULL;
    if (r->key_given && !span_is(&k[K_STORAGE_KEY], '"') &&
        !span_is(&k[K_STORAGE_KEY], 'n'))
        return pr_error_set(err, PR_EFORMAT, "the state's storage_key is "
                            "not a string");
    if (k[K_BLOCK_ID].p != NULL && !span_is(&k[K_BLOCK_ID], '"') &&
        !span_is(&k[K_BLOCK_ID], 'n'))
        return pr_error_set(err, PR_EFORMAT, "the state's storage_block_id "
                            "is not a string");
    rc = span_dup(&r->storage_key, &k[K_STORAGE_KEY], "storage_key", err);
    if (rc == PR_OK)
        rc = span_dup(&r->storage_block_id, &k[K_BLOCK_ID],
                      "storage_block_id", err);
    if (rc == PR_OK)
        rc = span_dup(&r->expiration, &k[K_EXPIRATION], "expiration", err);
    return rc;
}

/* 2.0-2.5: "blob" is a JSON string holding {"key",
 * "filesystem_document_id"}. */
static pr_code
datadoc_result(pr_data_ref *r, const pr_json_span *blob, size_t max_depth,
               pr_error *err)
{
    pr_json_span bk[B_COUNT];
    pr_buf text;
    pr_error serr;
    int is_obj = 0;
    pr_code rc;

    if (!span_is(blob, '"'))
        return pr_error_set(err, PR_EFORMAT, "the state's 2.x result blob "
                            "is not a string");
    pr_buf_init(&text, 0);
    rc = pr_json_unescape(&text, blob->p, blob->n, err);
    if (rc != PR_OK) {
        pr_buf_dispose(&text);
        return rc;
    }
    rc = text.data == NULL ? PR_EFORMAT
         : pr_json_scan_keys(&is_obj, bk, blob_keys, B_COUNT, text.data,
                             text.len, max_depth, &serr);
    if (rc == PR_OK && !is_obj)
        rc = PR_EFORMAT;
    if (rc == PR_OK && !span_is(&bk[B_KEY], '"'))
        rc = PR_EFORMAT;
    if (rc == PR_OK) {
        rc = span_dup(&r->storage_key, &bk[B_KEY], "blob key", err);
        if (rc == PR_OK)
            rc = span_dup(&r->storage_block_id, &bk[B_FSDOC],
                          "blob filesystem_document_id", err);
        r->key_given = 1;
    } else if (rc != PR_ENOMEM) {
        rc = pr_error_set(err, PR_EFORMAT, "the state's 2.x result blob is "
                          "not a JSON object with a \"key\"");
    } else {
        *err = serr;
    }
    pr_buf_dispose(&text);
    return rc;
}

pr_code
pr_classify_data(pr_data_ref *out, const char *data, size_t len,
                 size_t max_depth, pr_error *err)
{
    pr_json_span k[K_COUNT];
    pr_data_ref r;
    int is_obj = 0;
    size_t a = 0, b = len;
    pr_code rc;

    memset(out, 0, sizeof(*out));
    memset(&r, 0, sizeof(r));
    rc = pr_json_scan_keys(&is_obj, k, data_keys, K_COUNT, data, len,
                           max_depth, err);
    if (rc != PR_OK)
        return rc;
    while (a < b && is_ws(data[a]))
        a++;
    while (b > a && is_ws(data[b - 1]))
        b--;

    if (b - a == 4 && memcmp(data + a, "null", 4) == 0) {
        r.kind = PR_DATA_NONE;
    } else if (!is_obj) {
        r.kind = PR_DATA_INLINE;
    } else if (k[K_STORAGE_KEY].p != NULL &&
               !span_equals(&k[K_TYPE], "reference")) {
        r.kind = PR_DATA_METADATA;
        rc = pointer_fields(&r, k, err);
        if (rc == PR_OK && span_is(&k[K_SERIALIZER], '{'))
            rc = span_copy(&r.serializer, &k[K_SERIALIZER], err);
        else if (rc == PR_OK)
            rc = serializer_from_type(&r.serializer, &k[K_SERIALIZER], err);
    } else if (span_equals(&k[K_TYPE], "reference")) {
        r.kind = PR_DATA_REFERENCE;
        rc = pointer_fields(&r, k, err);
        if (rc == PR_OK)
            rc = serializer_from_type(&r.serializer, &k[K_SERIALIZER_TYPE],
                                      err);
    } else if (span_equals(&k[K_TYPE], "literal") ||
               span_equals(&k[K_TYPE], "unknown")) {
        r.kind = PR_DATA_LITERAL;
        if (k[K_VALUE].p != NULL) {
            r.value = k[K_VALUE].p;
            r.value_len = k[K_VALUE].n;
        } else {
            r.value = "null";
            r.value_len = 4;
        }
    } else if (span_equals(&k[K_TYPE], "unpersisted")) {
        r.kind = PR_DATA_UNPERSISTED;
    } else if (k[K_ENCODING].p != NULL && k[K_BLOB].p != NULL) {
        if (span_equals(&k[K_ENCODING], "result")) {
            r.kind = PR_DATA_DATADOC;
            rc = datadoc_result(&r, &k[K_BLOB], max_depth, err);
        } else {
            r.kind = PR_DATA_DATADOC_INLINE;
        }
    } else {
        r.kind = PR_DATA_INLINE;
    }
    if (rc != PR_OK) {
        pr_data_ref_dispose(&r);
        return rc;
    }
    if (r.kind == PR_DATA_INLINE || r.kind == PR_DATA_DATADOC_INLINE) {
        r.value = data + a;
        r.value_len = b - a;
    }
    *out = r;
    return PR_OK;
}
