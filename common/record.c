/*
 * record.c - pr_decode_result: from the bytes at a result's storage key
 * to the value's JSON, for every file form and serializer Prefect has
 * written (docs/prefect-results.md sections 2 and 3).
 *
 * Two questions are answered in turn.  Which file form is it?  The file
 * is scanned once as JSON, without building a tree, to see its top-level
 * keys: {"metadata","result"} is a 3.x record, {"serializer","data"} a
 * 2.x blob (read exactly as a record, as Prefect's coerce_old_format
 * does), {"encoding","blob"} a 2.0-2.5 DataDocument, anything else raw
 * serializer output.  Flow results use the stricter rule: only a file
 * with a "metadata" key is a record, because Prefect 3.4+ writes JSON
 * flow results raw and a value like {"__class__": ..., "data": ...}
 * must not be taken for an old blob (Prefect itself makes that mistake).
 * Which serializer made the payload?  The record's own serializer wins;
 * raw files use the state's.  A serializer becomes a chain of steps -
 * base64, decompress, base64, unpickle - run over owned buffers.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "pr.h"
#include "alloc.h"
#include "decompress.h"
#include "jsontext.h"
#include "jsonw.h"

/* Serializers nest only through "compressed"; a few levels is plenty. */
#define CHAIN_MAX 8
#define LIB_MAX 48
#define TYPE_MAX 80

typedef enum step_kind {
    STEP_DETECT = 0,        /* not stated: tell from the bytes */
    STEP_PICKLE,            /* base64 text of a pickle */
    STEP_JSON,              /* JSON text (Python's json.dumps) */
    STEP_TEXT,              /* UTF-8 text (DataDocument "text") */
    STEP_COMPRESSED         /* base64 text of compressed bytes */
} step_kind;

typedef struct step {
    step_kind kind;
    int has_lib;
    char lib[LIB_MAX];      /* compressionlib, when has_lib */
} step;

typedef struct chain {
    step s[CHAIN_MAX];
    size_t n;
} chain;

typedef enum file_form {
    FORM_RAW = 0,
    FORM_RECORD3,
    FORM_BLOB2,
    FORM_DATADOC
} file_form;

static void
chain_detect(chain *c)
{
    memset(c, 0, sizeof(*c));
    c->n = 1;
    c->s[0].kind = STEP_DETECT;
}

static pr_code
unsupported(const char *type, pr_error *err)
{
    pr_error_set(err, PR_EUNSUPPORTED, "result serializer '%.*s' is not "
                 "supported: only pickle, json and compressed serializers "
                 "can be decoded without Python", TYPE_MAX, type);
    return pr_error_hint(err, "read this result with Python, or save "
                         "results with result_serializer=\"pickle\" or "
                         "\"json\"");
}

/*
 * Turns a serializer (the pydantic dump of a Prefect serializer, or a
 * type name as shorthand) into steps.  A compressed serializer without
 * "compressionlib" (what the API shows for 3.x task states) leaves the
 * magic bytes to decide; without a nested serializer the type's
 * shorthand decides, and plain "compressed" detects the inner payload.
 */
static pr_code
chain_parse(chain *c, const cJSON *ser, pr_error *err)
{
    const cJSON *cur = ser;

    memset(c, 0, sizeof(*c));
    for (;;) {
        const cJSON *obj = NULL, *lib, *inner;
        const char *type;
        step *st;

        if (c->n == CHAIN_MAX)
            return pr_error_set(err, PR_EFORMAT, "serializer nests more "
                                "than %d levels", CHAIN_MAX);
        st = &c->s[c->n++];
        if (cur == NULL || cJSON_IsNull(cur)) {
            st->kind = STEP_DETECT;
            return PR_OK;
        }
        if (cJSON_IsString(cur)) {
            type = cur->valuestring;
        } else if (cJSON_IsObject(cur)) {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(cur, "type");

            if (!cJSON_IsString(t))
                return pr_error_set(err, PR_EFORMAT, "serializer object "
                                    "has no \"type\" string");
            type = t->valuestring;
            obj = cur;
        } else {
            return pr_error_set(err, PR_EFORMAT, "serializer is neither "
                                "an object nor a type name");
        }

        if (strcmp(type, "pickle") == 0) {
            /* cloudpickle, pickle and dill all write pickle streams */
            st->kind = STEP_PICKLE;
            return PR_OK;
        }
        if (strcmp(type, "json") == 0) {
            /* json, orjson ...: the bytes are JSON either way */
            st->kind = STEP_JSON;
            return PR_OK;
        }
        if (strcmp(type, "compressed") != 0 &&
            strcmp(type, "compressed/pickle") != 0 &&
            strcmp(type, "compressed/json") != 0)
            return unsupported(type, err);

        st->kind = STEP_COMPRESSED;
        lib = obj != NULL ?
              cJSON_GetObjectItemCaseSensitive(obj, "compressionlib") : NULL;
        if (cJSON_IsString(lib)) {
            if (strlen(lib->valuestring) >= LIB_MAX)
                return pr_error_set(err, PR_EUNSUPPORTED, "compressionlib "
                                    "'%.40s...' is not supported",
                                    lib->valuestring);
            st->has_lib = 1;
            strcpy(st->lib, lib->valuestring);
        } else if (lib != NULL && !cJSON_IsNull(lib)) {
            return pr_error_set(err, PR_EFORMAT, "serializer's "
                                "compressionlib is not a string");
        }
        inner = obj != NULL ?
                cJSON_GetObjectItemCaseSensitive(obj, "serializer") : NULL;
        if (inner != NULL && !cJSON_IsNull(inner)) {
            cur = inner;
            continue;
        }
        if (c->n == CHAIN_MAX)
            return pr_error_set(err, PR_EFORMAT, "serializer nests more "
                                "than %d levels", CHAIN_MAX);
        st = &c->s[c->n++];
        st->kind = strcmp(type, "compressed/pickle") == 0 ? STEP_PICKLE :
                   strcmp(type, "compressed/json") == 0 ? STEP_JSON :
                   STEP_DETECT;
        return PR_OK;
    }
}

/* Parses serializer JSON text (n bytes) into a chain. */
static pr_code
chain_from_text(chain *c, const char *text, size_t n, const char *what,
                pr_error *err)
{
    cJSON *doc = cJSON_ParseWithLength(text, n);
    pr_code rc;

    if (doc == NULL)
        return pr_error_set(err, PR_EFORMAT, "%s is not valid JSON", what);
    rc = chain_parse(c, doc, err);
    cJSON_Delete(doc);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Steps */

static int
is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
raw_pickle(const uint8_t *p, size_t n)
{
    return n >= 2 && p[0] == 0x80 && p[1] <= 5;
}

static size_t
first_byte(const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n && is_blank(p[i]))
        i++;
    return i;
}

/*
 * Base64 text to bytes (pr_free *out).  Python's decodebytes skips what
 * is not base64, so JSON would "decode" to junk: refuse it by name.
 */
static pr_code
unbase64(uint8_t **out, size_t *outn, const uint8_t *p, size_t n,
         const char *what, const char *sername, pr_error *err)
{
    size_t i = first_byte(p, n), cap;
    uint8_t *buf;
    pr_code rc;

    if (i < n && (p[i] == '{' || p[i] == '[')) {
        pr_error_set(err, PR_EFORMAT, "%s is JSON, but the %s serializer "
                     "writes base64 text", what, sername);
        return pr_error_hint(err, "check the serializer: a file written "
                             "with the json serializer holds JSON");
    }
    if (!pr_size_add(n / 4 * 3, 4, &cap))
        return pr_error_set(err, PR_ENOMEM, "%s is too large", what);
    buf = pr_malloc(cap);
    if (buf == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory decoding %zu "
                            "bytes of base64", n);
    rc = pr_base64_decode(buf, outn, (const char *)p, n, err);
    if (rc != PR_OK) {
        char why[PR_ERROR_SIZE];
        const char *w = err != NULL ? err->msg : "";

        if (strncmp(w, "invalid base64: ", 16) == 0)
            w += 16;
        snprintf(why, sizeof(why), "%s", w);
        pr_free(buf);
        pr_error_set(err, PR_EFORMAT, "%s is not valid base64 text (%s "
                     "serializer): %s", what, sername, why);
        return pr_error_hint(err, "the result file is damaged or "
                             "truncated; check that it was copied in "
                             "full");
    }
    buf[*outn] = 0;
    *out = buf;
    return PR_OK;
}

/* A hint when bytes that should be a pickle are something else. */
static void
hint_not_pickle(const uint8_t *p, size_t n, pr_error *err)
{
    pr_comp c = pr_comp_sniff(p, n);

    if (c != PR_COMP_NONE)
        pr_error_hint(err, "the data is %s-compressed: the serializer is "
                      "probably compressed/pickle with compressionlib "
                      "'%s'", pr_comp_format(c), pr_comp_lib(c));
}

static pr_code
step_pickle(pr_buf *out, const uint8_t *p, size_t n,
            const pr_decode_opts *opts, const char *what, pr_error *err)
{
    uint8_t *bytes;
    size_t bn = 0;
    pr_code rc;

    /* Bare pickle bytes: no serializer writes them, but they cannot be
     * mistaken for base64 text (0x80 is not in the alphabet). */
    if (raw_pickle(p, n))
        return pr_pickle_to_json(out, p, n, opts, err);
    rc = unbase64(&bytes, &bn, p, n, what, "pickle", err);
    if (rc != PR_OK)
        return rc;
    rc = pr_pickle_to_json(out, bytes, bn, opts, err);
    if (rc == PR_EFORMAT)
        hint_not_pickle(bytes, bn, err);
    pr_free(bytes);
    return rc;
}

static int
looks_base64_pickle(const uint8_t *p, size_t n)
{
    size_t i = first_byte(p, n);

    return n - i >= 4 && p[i] == 'g' && p[i + 1] == 'A' &&
           pr_base64_looks_like((const char *)p + i, n - i);
}

static pr_code
step_json(pr_buf *out, const uint8_t *p, size_t n,
          const pr_decode_opts *opts, pr_error *err)
{
    pr_code rc = pr_json_value_to_json(out, (const char *)p, n, opts, err);

    if (rc == PR_EFORMAT) {
        if (looks_base64_pickle(p, n))
            pr_error_hint(err, "the data is base64 pickle text: the "
                          "serializer is probably pickle, not json");
        else if (raw_pickle(p, n))
            pr_error_hint(err, "the data is a pickle, not JSON");
        else
            pr_error_hint(err, "the json serializer's output should be "
                          "JSON text; is the file complete?");
    }
    return rc;
}

static pr_code
step_text(pr_buf *out, const uint8_t *p, size_t n, pr_error *err)
{
    return pr_json_string(out, (const char *)p, n, err);
}

/*
 * No serializer was stated: bare pickle, base64 pickle, base64 of
 * compressed data, or JSON, tried in that order.  Each is told by its
 * first bytes, so no guess can decode one form as another.
 * When the payload turns out to be compressed, *next (pr_free it) and
 * *next_n get the decompressed bytes, nothing is written, and the
 * caller detects again on them.
 */
static pr_code
step_detect(pr_buf *out, uint8_t **next, size_t *next_n, const uint8_t *p,
            size_t n, const pr_decode_opts *opts, const char *what,
            pr_error *err)
{
    size_t i = first_byte(p, n);
    pr_code rc;

    *next = NULL;
    if (raw_pickle(p, n))
        return pr_pickle_to_json(out, p, n, opts, err);
    if (n - i >= 4 && pr_base64_looks_like((const char *)p + i, n - i)) {
        uint8_t *bytes;
        size_t bn = 0;
        pr_error probe;

        pr_error_clear(&probe);
        rc = unbase64(&bytes, &bn, p, n, what, "pickle", &probe);
        if (rc == PR_ENOMEM) {
            *err = probe;
            return rc;
        }
        if (rc == PR_OK) {
            if (raw_pickle(bytes, bn)) {
                rc = pr_pickle_to_json(out, bytes, bn, opts, err);
                pr_free(bytes);
                return rc;
            }
            if (pr_comp_sniff(bytes, bn) != PR_COMP_NONE) {
                uint8_t *d = NULL;
                size_t dn = 0;

                rc = pr_decompress(&d, &dn, NULL, bytes, bn, &opts->lim,
                                   err);
                pr_free(bytes);
                if (rc != PR_OK)
                    return rc;
                *next = d;
                *next_n = dn;
                return PR_OK;
            }
            pr_free(bytes);
        }
    }
    if (i < n && p[i] != 0 && strchr("{[\"-0123456789tfnNI", p[i]) != NULL)
        return pr_json_value_to_json(out, (const char *)p, n, opts, err);
    pr_error_set(err, PR_EFORMAT, "cannot tell how the %s was serialized: "
                 "it is not a pickle, base64 pickle text, base64 of "
                 "compressed data, or JSON", what);
    return pr_error_hint(err, "pass the serializer from the state's "
                         "metadata (data.serializer)");
}

/* Runs the steps of c from the first over n bytes at p. */
static pr_code
run_chain(pr_buf *out, const chain *c, const uint8_t *p, size_t n,
          const pr_decode_opts *opts, const char *what, pr_error *err)
{
    uint8_t *owned = NULL;
    size_t i = 0, detects = 0;
    pr_code rc;

    for (;;) {
        const step *st = &c->s[i];

        switch (st->kind) {
        case STEP_PICKLE:
            rc = step_pickle(out, p, n, opts, what, err);
            goto done;
        case STEP_JSON:
            rc = step_json(out, p, n, opts, err);
            goto done;
        case STEP_TEXT:
            rc = step_text(out, p, n, err);
            goto done;
        case STEP_DETECT: {
            uint8_t *next = NULL;
            size_t next_n = 0;

            rc = step_detect(out, &next, &next_n, p, n, opts, what, err);
            if (rc != PR_OK || next == NULL)
                goto done;
            pr_free(owned);
            owned = next;
            p = next;
            n = next_n;
            if (++detects >= CHAIN_MAX) {
                rc = pr_error_set(err, PR_EFORMAT, "%s is compressed more "
                                  "than %d times over", what, CHAIN_MAX);
                goto done;
            }
            break;
        }
        case STEP_COMPRESSED: {
            uint8_t *bytes = NULL, *d = NULL;
            size_t bn = 0, dn = 0;

            rc = unbase64(&bytes, &bn, p, n, what, "compressed", err);
            if (rc != PR_OK)
                goto done;
            rc = pr_decompress(&d, &dn, st->has_lib ? st->lib : NULL,
                               bytes, bn, &opts->lim, err);
            pr_free(bytes);
            if (rc != PR_OK)
                goto done;
            pr_free(owned);
            owned = d;
            p = d;
            n = dn;
            i++;
            break;
        }
        }
    }
done:
    pr_free(owned);
    return rc;
}

/* ------------------------------------------------------------------ */
/* File forms */

enum {
    K_METADATA, K_RESULT, K_SERIALIZER, K_DATA, K_ENCODING, K_BLOB,
    K_COUNT
};

static const char *const form_keys[K_COUNT] = {
    "metadata", "result", "serializer", "data", "encoding", "blob"
};

static int
span_is(const pr_json_span *s, char first)
{
    return s->p != NULL && s->n > 0 && s->p[0] == first;
}

/*
 * Section 2.5, with the value types each form has (a record whose parts
 * have the wrong types is no record: Python's validation would fail and
 * it would fall back to the state's serializer, as we do).
 */
static file_form
classify(const pr_json_span *k, int flow_result)
{
    if (span_is(&k[K_METADATA], '{') && span_is(&k[K_RESULT], '"'))
        return FORM_RECORD3;
    if (flow_result)
        return FORM_RAW;
    if ((span_is(&k[K_SERIALIZER], '{') ||
         span_is(&k[K_SERIALIZER], '"')) && span_is(&k[K_DATA], '"'))
        return FORM_BLOB2;
    if (span_is(&k[K_ENCODING], '"') && span_is(&k[K_BLOB], '"'))
        return FORM_DATADOC;
    return FORM_RAW;
}

/* The serializer inside a record's metadata (absent: *found = 0). */
static pr_code
record_serializer(chain *c, int *found, const pr_json_span *meta,
                  const pr_decode_opts *opts, pr_error *err)
{
    static const char *const want[1] = { "serializer" };
    pr_json_span ser;
    int is_obj;
    pr_code rc;

    rc = pr_json_scan_keys(&is_obj, &ser, want, 1, meta->p, meta->n,
                           opts->lim.max_depth, err);
    if (rc != PR_OK)
        return rc;
    *found = ser.p != NULL && !(ser.n == 4 && memcmp(ser.p, "null", 4)
                                == 0);
    if (!*found)
        return PR_OK;
    return chain_from_text(c, ser.p, ser.n, "the record's serializer",
                           err);
}

/* DataDocument encodings (prefect 2.0-2.5 serializers). */
static pr_code
datadoc_chain(chain *c, const pr_json_span *enc, pr_error *err)
{
    char name[40];
    pr_buf b;
    pr_code rc;

    pr_buf_init(&b, 256);
    rc = pr_json_unescape(&b, enc->p, enc->n, err);
    if (rc == PR_ELIMIT)
        rc = pr_error_set(err, PR_EUNSUPPORTED, "DataDocument encoding is "
                          "not supported: only cloudpickle, json and "
                          "text");
    if (rc != PR_OK) {
        pr_buf_dispose(&b);
        return rc;
    }
    snprintf(name, sizeof(name), "%s", b.data);
    pr_buf_dispose(&b);
    memset(c, 0, sizeof(*c));
    c->n = 1;
    if (strcmp(name, "cloudpickle") == 0 || strcmp(name, "pickle") == 0)
        c->s[0].kind = STEP_PICKLE;
    else if (strcmp(name, "json") == 0)
        c->s[0].kind = STEP_JSON;
    else if (strcmp(name, "text") == 0)
        c->s[0].kind = STEP_TEXT;
    else
        return pr_error_set(err, PR_EUNSUPPORTED, "DataDocument encoding "
                            "'%s' is not supported: only cloudpickle, "
                            "json and text", name);
    return PR_OK;
}

/* The state's serializer, parsed up front; its error is kept until a
 * raw file actually needs it. */
typedef struct state_ser {
    pr_code rc;
    pr_error err;
    chain c;
} state_ser;

static void
state_ser_parse(state_ser *ss, const char *json)
{
    cJSON *doc;

    memset(ss, 0, sizeof(*ss));
    if (json == NULL) {
        chain_detect(&ss->c);
        return;
    }
    doc = cJSON_Parse(json);
    if (doc == NULL) {
        ss->rc = pr_error_set(&ss->err, PR_EINVAL, "the serializer given "
                              "is not valid JSON");
        pr_error_hint(&ss->err, "pass the state's data.serializer as JSON, "
                      "e.g. {\"type\":\"pickle\"} or \"json\"");
        return;
    }
    ss->rc = chain_parse(&ss->c, doc, &ss->err);
    cJSON_Delete(doc);
}

static pr_code
state_ser_use(const chain **c, const state_ser *ss, pr_error *err)
{
    if (ss->rc != PR_OK) {
        if (err != NULL)
            *err = ss->err;
        return ss->rc;
    }
    *c = &ss->c;
    return PR_OK;
}

pr_code
pr_decode_result(pr_buf *out, const void *data, size_t len,
                 const char *serializer_json, int flow_result,
                 const pr_decode_opts *opts, pr_error *err)
{
    pr_decode_opts defaults = PR_DECODE_OPTS_INIT;
    const uint8_t *p = data;
    pr_json_span keys[K_COUNT];
    file_form form = FORM_RAW;
    state_ser ss;
    chain file_chain;
    const chain *use = NULL;
    const pr_json_span *payload = NULL;
    const char *what = "result file";
    int scanned_bad = 0, found = 0;
    pr_error local, scan_err;
    pr_buf text;
    size_t i;
    pr_code rc;

    if (err == NULL)
        err = &local;
    pr_error_clear(err);
    if (opts == NULL)
        opts = &defaults;
    if (out == NULL || (data == NULL && len > 0))
        return pr_error_set(err, PR_EINVAL, "pr_decode_result needs an "
                            "output buffer and input bytes");
    if (len > opts->lim.max_input)
        return pr_error_set(err, PR_ELIMIT, "result file of %zu bytes is "
                            "larger than %zu bytes (max_input)", len,
                            opts->lim.max_input);
    state_ser_parse(&ss, serializer_json);

    /* Which form?  Only text that opens with '{' can be a wrapper. */
    i = first_byte(p, len);
    if (i < len && p[i] == '{') {
        int is_obj = 0;

        pr_error_clear(&scan_err);
        rc = pr_json_scan_keys(&is_obj, keys, form_keys, K_COUNT,
                               (const char *)p, len, opts->lim.max_depth,
                               &scan_err);
        if (rc == PR_ENOMEM || rc == PR_ELIMIT) {
            *err = scan_err;
            return rc;
        }
        if (rc == PR_OK && is_obj)
            form = classify(keys, flow_result);
        scanned_bad = rc != PR_OK;
    }

    switch (form) {
    case FORM_RECORD3:
        what = "record's result";
        payload = &keys[K_RESULT];
        rc = record_serializer(&file_chain, &found, &keys[K_METADATA],
                               opts, err);
        if (rc != PR_OK)
            return rc;
        break;
    case FORM_BLOB2:
        /* coerce_old_format: "data" is the result, "serializer" the
         * metadata's serializer */
        what = "blob's data";
        payload = &keys[K_DATA];
        rc = chain_from_text(&file_chain, keys[K_SERIALIZER].p,
                             keys[K_SERIALIZER].n, "the blob's serializer",
                             err);
        if (rc != PR_OK)
            return rc;
        found = 1;
        break;
    case FORM_DATADOC:
        what = "DataDocument's blob";
        payload = &keys[K_BLOB];
        rc = datadoc_chain(&file_chain, &keys[K_ENCODING], err);
        if (rc != PR_OK)
            return rc;
        found = 1;
        break;
    default:
        break;
    }
    if (found) {
        use = &file_chain;
    } else {
        rc = state_ser_use(&use, &ss, err);
        if (rc != PR_OK)
            return rc;
    }

    if (payload == NULL) {
        /* Raw serializer output.  A file that opens like JSON but does
         * not parse is more likely a damaged record than base64. */
        if (scanned_bad && use->s[0].kind != STEP_JSON) {
            pr_error_set(err, PR_EFORMAT, "result file starts like a JSON "
                         "record but is not valid JSON (%s)",
                         scan_err.msg);
            return pr_error_hint(err, "the file is damaged or truncated; "
                                 "check that it was copied in full");
        }
        return run_chain(out, use, p, len, opts, what, err);
    }

    /* The wrapper's string holds the serializer's output as text. */
    pr_buf_init(&text, opts->lim.max_input);
    rc = pr_json_unescape(&text, payload->p, payload->n, err);
    if (rc == PR_OK)
        rc = run_chain(out, use, (const uint8_t *)text.data, text.len,
                       opts, what, err);
    pr_buf_dispose(&text);
    return rc;
}
