/*
 * natives.c - unpickle, prefect_decode, prefect_result and prefect_state:
 * the C side of prefect-jq's native jq functions.
 *
 * Each f_* consumes its input and its arguments and returns a jv: the
 * decoded value, parsed from the core's JSON text with jv_parse_sized,
 * or jv_invalid_with_msg({"error", "message", "id"}), which `input`
 * raises as a catchable jq error.  Bytes never travel through a jq
 * string: pickles and result files arrive as base64 text.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pr.h"
#include "natives.h"

struct pjq_natives_ctx {
    pr_config *cfg;
    pr_client *client;
    int tried;              /* loading was attempted */
    pr_error load_err;      /* why it failed, if it did */
};

pjq_natives_ctx *
pjq_natives_ctx_new(void)
{
    return calloc(1, sizeof(pjq_natives_ctx));
}

void
pjq_natives_ctx_free(pjq_natives_ctx *c)
{
    if (c == NULL)
        return;
    pr_client_free(c->client);
    pr_config_free(c->cfg);
    free(c);
}

/* ---- errors ----------------------------------------------------------- */

/* {"error": code name, "message": msg[; hint], "id": id} as a jq error.
 * Consumes id. */
static jv
error_value(const pr_error *err, jv id)
{
    jv msg = err->hint[0] != '\0'
             ? jv_string_fmt("%s; %s", err->msg, err->hint)
             : jv_string(err->msg);

    return jv_invalid_with_msg(JV_OBJECT(jv_string("error"),
                                         jv_string(pr_code_name(err->code)),
                                         jv_string("message"), msg,
                                         jv_string("id"), id));
}

/* An error in how a function was called (PR_EINVAL). */
static jv usage_error(jv id, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static jv
usage_error(jv id, const char *fmt, ...)
{
    pr_error err;
    va_list ap;

    pr_error_clear(&err);
    err.code = PR_EINVAL;
    va_start(ap, fmt);
    vsnprintf(err.msg, sizeof(err.msg), fmt, ap);
    va_end(ap);
    return error_value(&err, id);
}

/* ---- JSON text to jv --------------------------------------------------- */

/* Consumes the buffer's text (disposes of it) and id. */
static jv
buf_to_jv(pr_buf *out, jv id)
{
    pr_error err;
    jv v;

    pr_error_clear(&err);
    if (out->len > (size_t)INT_MAX) {
        pr_buf_dispose(out);
        pr_error_set(&err, PR_ELIMIT, "the decoded JSON is larger than "
                     "jq can parse (2 GiB)");
        return error_value(&err, id);
    }
    v = jv_parse_sized(out->data != NULL ? out->data : "null",
                       out->data != NULL ? (int)out->len : 4);
    pr_buf_dispose(out);
    if (jv_is_valid(v)) {
        jv_free(id);
        return v;
    }
    {
        jv m = jv_invalid_get_msg(v);
        const char *s = jv_get_kind(m) == JV_KIND_STRING
                        ? jv_string_value(m) : "invalid JSON";

        pr_error_set(&err, strstr(s, "depth") != NULL ? PR_ELIMIT
                     : PR_EFORMAT, "jq cannot hold the decoded value: %s",
                     s);
        jv_free(m);
    }
    return error_value(&err, id);
}

/* ---- base64 ------------------------------------------------------------ */

static int
b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/*
 * Standard or URL-safe base64; whitespace (the newlines of
 * base64.encodebytes) is skipped and padding is optional.  *out is
 * malloc'ed.  Returns 0, or -1 (bad text) / -2 (out of memory).
 */
static int
b64_decode(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
    unsigned char *d = malloc(n / 4 * 3 + 3);
    size_t i, len = 0, k = 0, pad = 0;
    unsigned acc = 0;

    if (d == NULL)
        return -2;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int v;

        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        v = b64_value(c);
        if (v < 0 || pad > 0)
            goto bad;
        acc = acc << 6 | (unsigned)v;
        if (++k == 4) {
            d[len++] = (unsigned char)(acc >> 16);
            d[len++] = (unsigned char)(acc >> 8);
            d[len++] = (unsigned char)acc;
            k = 0;
            acc = 0;
        }
    }
    if (k == 1 || pad > 2 || (pad > 0 && (k + pad) % 4 != 0))
        goto bad;
    if (k == 2) {
        d[len++] = (unsigned char)(acc >> 4);
    } else if (k == 3) {
        d[len++] = (unsigned char)(acc >> 10);
        d[len++] = (unsigned char)(acc >> 2);
    }
    *out = d;
    *outlen = len;
    return 0;
bad:
    free(d);
    return -1;
}

/* ---- unpickle ---------------------------------------------------------- */

static jv
f_unpickle(void *ctx, jv input, jv args)
{
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    unsigned char *bytes;
    size_t len;
    pr_buf out;
    pr_error err;
    int rc;

    (void)ctx;
    jv_free(args);
    if (jv_get_kind(input) != JV_KIND_STRING) {
        const char *k = jv_kind_name(jv_get_kind(input));

        jv_free(input);
        return usage_error(jv_null(), "unpickle: input must be base64 "
                           "text of a pickle, not %s", k);
    }
    rc = b64_decode(jv_string_value(input),
                    (size_t)jv_string_length_bytes(jv_copy(input)),
                    &bytes, &len);
    jv_free(input);
    pr_error_clear(&err);
    if (rc != 0) {
        pr_error_set(&err, rc == -2 ? PR_ENOMEM : PR_EFORMAT,
                     rc == -2 ? "out of memory decoding base64"
                     : "unpickle: input is not base64 text");
        return error_value(&err, jv_null());
    }
    pr_buf_init(&out, 0);
    if (pr_sniff_to_json(&out, NULL, bytes, len, &opts, &err) != PR_OK) {
        free(bytes);
        pr_buf_dispose(&out);
        return error_value(&err, jv_null());
    }
    free(bytes);
    return buf_to_jv(&out, jv_null());
}

/* ---- prefect_decode ---------------------------------------------------- */

static jv
f_prefect_decode(void *ctx, jv input, jv args)
{
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    jv ser = jv_array_length(jv_copy(args)) > 0
             ? jv_array_get(jv_copy(args), 0) : jv_null();
    jv ser_text = jv_null();
    const char *text, *file;
    unsigned char *bytes = NULL;
    size_t n, len, i;
    pr_buf out;
    pr_error err;
    pr_code rc;

    (void)ctx;
    jv_free(args);
    pr_error_clear(&err);
    if (jv_get_kind(input) != JV_KIND_STRING) {
        const char *k = jv_kind_name(jv_get_kind(input));

        jv_free(input);
        jv_free(ser);
        return usage_error(jv_null(), "prefect_decode: input must be "
                           "base64 text of a result file, not %s", k);
    }
    if (jv_get_kind(ser) != JV_KIND_NULL) {
        if (jv_get_kind(ser) != JV_KIND_OBJECT &&
            jv_get_kind(ser) != JV_KIND_STRING) {
            const char *k = jv_kind_name(jv_get_kind(ser));

            jv_free(input);
            jv_free(ser);
            return usage_error(jv_null(), "prefect_decode: the serializer "
                               "must be an object or a type name, not "
                               "%s", k);
        }
        ser_text = jv_dump_string(jv_copy(ser), 0);
    }
    jv_free(ser);

    /*
     * The input is base64 of the file's bytes.  Two shortcuts: text that
     * opens with '{' is a record's own text, and base64 whose bytes are a
     * raw pickle is the pickle serializer's output itself (Prefect never
     * writes a raw pickle to a file).
     */
    text = jv_string_value(input);
    n = (size_t)jv_string_length_bytes(jv_copy(input));
    for (i = 0; i < n && (text[i] == ' ' || text[i] == '\n' ||
                          text[i] == '\r' || text[i] == '\t'); i++)
        ;
    file = text;
    len = n;
    if (i == n || text[i] != '{') {
        int r = b64_decode(text, n, &bytes, &len);

        if (r != 0) {
            jv_free(input);
            jv_free(ser_text);
            pr_error_set(&err, r == -2 ? PR_ENOMEM : PR_EFORMAT,
                         r == -2 ? "out of memory decoding base64"
                         : "prefect_decode: input is not base64 text of a "
                         "result file");
            return error_value(&err, jv_null());
        }
        if (pr_sniff(bytes, len) == PR_INPUT_PICKLE) {
            free(bytes);
            bytes = NULL;
            len = n;
        } else {
            file = (const char *)bytes;
        }
    }
    pr_buf_init(&out, 0);
    rc = pr_decode_result(&out, file, len,
                          jv_get_kind(ser_text) == JV_KIND_STRING
                          ? jv_string_value(ser_text) : NULL,
                          0, &opts, &err);
    free(bytes);
    jv_free(input);
    jv_free(ser_text);
    if (rc != PR_OK) {
        pr_buf_dispose(&out);
        return error_value(&err, jv_null());
    }
    return buf_to_jv(&out, jv_null());
}

/* ---- prefect_result and prefect_state ---------------------------------- */

static pr_code
client_get(pjq_natives_ctx *c, pr_client **out, pr_error *err)
{
    pr_code rc;

    if (c->client != NULL) {
        *out = c->client;
        return PR_OK;
    }
    if (c->tried) {
        *err = c->load_err;
        return err->code;
    }
    c->tried = 1;
    pr_error_clear(&c->load_err);
    rc = pr_config_load(&c->cfg, NULL, NULL, &c->load_err);
    if (rc == PR_OK)
        rc = pr_client_new(&c->client, c->cfg, &c->load_err);
    if (rc != PR_OK) {
        pr_client_free(c->client);
        c->client = NULL;
        if (c->load_err.code == PR_OK)
            pr_error_set(&c->load_err, rc, "could not start the client");
        *err = c->load_err;
        return rc;
    }
    *out = c->client;
    return PR_OK;
}

/* The id to name in errors: the id string, or the object's "id". */
static jv
id_of(jv input)
{
    jv id;

    if (jv_get_kind(input) == JV_KIND_STRING)
        return jv_copy(input);
    if (jv_get_kind(input) != JV_KIND_OBJECT)
        return jv_null();
    id = jv_object_get(jv_copy(input), jv_string("id"));
    if (jv_get_kind(id) == JV_KIND_STRING)
        return id;
    jv_free(id);
    return jv_null();
}

static int
bool_opt(jv v, int *out)
{
    if (jv_get_kind(v) == JV_KIND_TRUE)
        *out = 1;
    else if (jv_get_kind(v) == JV_KIND_FALSE ||
             jv_get_kind(v) == JV_KIND_NULL)
        *out = 0;
    else {
        jv_free(v);
        return -1;
    }
    jv_free(v);
    return 0;
}

/* {typed, raise_on_failure, nan} and, when parallel is not NULL, the
 * batch's {parallel}; consumes o.  Returns true or an error. */
static jv
parse_opts(jv o, pr_decode_opts *opts, int *raise, size_t *parallel,
           jv id)
{
    int iter;

    if (jv_get_kind(o) == JV_KIND_NULL) {
        jv_free(id);
        return jv_true();
    }
    if (jv_get_kind(o) != JV_KIND_OBJECT) {
        const char *k = jv_kind_name(jv_get_kind(o));

        jv_free(o);
        return usage_error(id, "prefect_result: options must be an object "
                           "like {typed, raise_on_failure, nan}, not %s", k);
    }
    for (iter = jv_object_iter(o); jv_object_iter_valid(o, iter);
         iter = jv_object_iter_next(o, iter)) {
        jv key = jv_object_iter_key(o, iter);
        jv val = jv_object_iter_value(o, iter);
        const char *k = jv_string_value(key);
        int bad = 0;

        if (strcmp(k, "typed") == 0) {
            bad = bool_opt(val, &opts->typed);
        } else if (strcmp(k, "raise_on_failure") == 0) {
            bad = bool_opt(val, raise);
        } else if (parallel != NULL && strcmp(k, "parallel") == 0) {
            double d = jv_get_kind(val) == JV_KIND_NUMBER
                       ? jv_number_value(val) : 0;

            bad = !(d >= 1 && d <= PR_BATCH_PARALLEL_MAX && d == (int)d);
            if (!bad)
                *parallel = (size_t)d;
            jv_free(val);
        } else if (strcmp(k, "nan") == 0) {
            const char *s = jv_get_kind(val) == JV_KIND_STRING
                            ? jv_string_value(val) : "";

            if (strcmp(s, "null") == 0)
                opts->nan = PR_NAN_NULL;
            else if (strcmp(s, "string") == 0)
                opts->nan = PR_NAN_STRING;
            else if (strcmp(s, "token") == 0)
                opts->nan = PR_NAN_TOKEN;
            else
                bad = 1;
            jv_free(val);
        } else {
            jv e = usage_error(id, "prefect_result: unknown option \"%s\"",
                               k);

            jv_free(val);
            jv_free(key);
            jv_free(o);
            return e;
        }
        if (bad) {
            jv e = usage_error(id, "prefect_result: option \"%s\" takes %s",
                               k, strcmp(k, "nan") == 0
                               ? "\"null\", \"string\" or \"token\""
                               : strcmp(k, "parallel") == 0
                               ? "a whole number from 1 to 256"
                               : "true or false");

            jv_free(key);
            jv_free(o);
            return e;
        }
        jv_free(key);
    }
    jv_free(o);
    jv_free(id);
    return jv_true();
}

static jv failed_error(const pr_result_info *info, jv id, jv v);

static jv
f_prefect_result(void *ctx, jv input, jv args)
{
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    pr_result_info info;
    pr_client *client;
    pr_error err;
    pr_buf out;
    pr_code rc;
    int raise = 1;
    jv id = id_of(input), v;

    if (jv_array_length(jv_copy(args)) > 0) {
        v = parse_opts(jv_array_get(jv_copy(args), 0), &opts, &raise,
                       NULL, jv_copy(id));
        if (!jv_is_valid(v)) {
            jv_free(args);
            jv_free(input);
            jv_free(id);
            return v;
        }
    }
    jv_free(args);
    pr_error_clear(&err);
    memset(&info, 0, sizeof(info));
    if (client_get(ctx, &client, &err) != PR_OK) {
        jv_free(input);
        return error_value(&err, id);
    }
    pr_buf_init(&out, 0);
    if (jv_get_kind(input) == JV_KIND_STRING) {
        rc = pr_client_result(client, &out, &info, jv_string_value(input),
                              &opts, &err);
    } else {
        jv text = jv_dump_string(jv_copy(input), 0);

        rc = pr_client_resolve(client, &out, &info, jv_string_value(text),
                               (size_t)jv_string_length_bytes(jv_copy(text)),
                               &opts, &err);
        jv_free(text);
    }
    jv_free(input);
    if (rc != PR_OK) {
        pr_buf_dispose(&out);
        return error_value(&err, id);
    }
    v = buf_to_jv(&out, jv_copy(id));
    if (!jv_is_valid(v) || !info.failed || !raise) {
        jv_free(id);
        return v;
    }
    return failed_error(&info, id, v);
}

/*
 * prefect_results, prefect_results($opts): an array of ids (or of
 * states) to the array of their values, resolved as a core batch (up to
 * $opts.parallel requests at once, 16 by default).  As map(prefect_result)
 * would, the first element that fails (in order) is the error.
 */
static jv
f_prefect_results(void *ctx, jv input, jv args)
{
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    size_t parallel = 0, n, i, nstr = 0;
    const char **items = NULL;
    size_t *lens = NULL;
    jv *texts = NULL, out = jv_array(), v;
    pr_batch *b = NULL;
    pr_batch_result *r;
    pr_client *client;
    pr_error err;
    int raise = 1;

    if (jv_get_kind(input) != JV_KIND_ARRAY) {
        const char *k = jv_kind_name(jv_get_kind(input));

        jv_free(input);
        jv_free(args);
        jv_free(out);
        return usage_error(jv_null(), "prefect_results: input must be an "
                           "array of ids or of states, not %s", k);
    }
    if (jv_array_length(jv_copy(args)) > 0) {
        v = parse_opts(jv_array_get(jv_copy(args), 0), &opts, &raise,
                       &parallel, jv_null());
        if (!jv_is_valid(v)) {
            jv_free(args);
            jv_free(input);
            jv_free(out);
            return v;
        }
    }
    jv_free(args);
    n = (size_t)jv_array_length(jv_copy(input));
    for (i = 0; i < n; i++) {
        jv e = jv_array_get(jv_copy(input), (int)i);
        jv_kind k = jv_get_kind(e);

        jv_free(e);
        if (k == JV_KIND_STRING)
            nstr++;
        else if (k != JV_KIND_OBJECT) {
            jv_free(input);
            jv_free(out);
            return usage_error(jv_null(), "prefect_results: element %zu is "
                               "%s, not an id or a state", i,
                               jv_kind_name(k));
        }
    }
    if (nstr != 0 && nstr != n) {
        jv_free(input);
        jv_free(out);
        return usage_error(jv_null(), "prefect_results: give ids or "
                           "states, not both");
    }
    pr_error_clear(&err);
    if (client_get(ctx, &client, &err) != PR_OK) {
        jv_free(input);
        jv_free(out);
        return error_value(&err, jv_null());
    }
    items = calloc(n + 1, sizeof(*items));
    lens = calloc(n + 1, sizeof(*lens));
    texts = calloc(n + 1, sizeof(*texts));
    if (items == NULL || lens == NULL || texts == NULL) {
        v = usage_error(jv_null(), "prefect_results: out of memory");
        goto done;
    }
    for (i = 0; i < n; i++) {
        jv e = jv_array_get(jv_copy(input), (int)i);

        texts[i] = nstr == n ? e : jv_dump_string(e, 0);
        items[i] = jv_string_value(texts[i]);
        lens[i] = (size_t)jv_string_length_bytes(jv_copy(texts[i]));
    }
    if ((nstr == n ? pr_batch_new(&b, client, items, n, &opts, parallel,
                                  &err)
                   : pr_batch_new_states(&b, client, items, lens, n, &opts,
                                         parallel, &err)) != PR_OK) {
        v = error_value(&err, jv_null());
        goto done;
    }
    for (;;) {
        jv e, id;

        if (pr_batch_next(b, &r, &err) != PR_OK) {
            v = error_value(&err, jv_null());
            goto done;
        }
        if (r == NULL)
            break;
        e = jv_array_get(jv_copy(input), (int)r->index);
        id = id_of(e);          /* borrows e */
        jv_free(e);
        if (r->rc != PR_OK) {
            v = error_value(&r->err, id);
            goto done;
        }
        v = buf_to_jv(r->value, jv_copy(id));
        if (jv_is_valid(v) && r->info.failed && raise) {
            v = failed_error(&r->info, id, v);
            goto done;
        }
        jv_free(id);
        if (!jv_is_valid(v))
            goto done;
        out = jv_array_append(out, v);
    }
    v = out;
    out = jv_invalid();
done:
    pr_batch_free(b);
    for (i = 0; texts != NULL && i < n; i++)
        jv_free(texts[i]);
    free(texts);
    free(items);
    free(lens);
    jv_free(out);
    jv_free(input);
    return v;
}

/* As Prefect's State.result(): a failed run raises its exception (v).
 * Consumes id and v. */
static jv
failed_error(const pr_result_info *info, jv id, jv v)
{
    return jv_invalid_with_msg(JV_OBJECT(
        jv_string("error"), jv_string("failed"),
        jv_string("message"),
        info->message[0] != '\0' ? jv_string(info->message)
        : jv_string_fmt("the run ended in state %s",
                        info->state_type[0] ? info->state_type : "FAILED"),
        jv_string("id"), id,
        jv_string("state_type"), jv_string(info->state_type),
        jv_string("exception"), v));
}

static jv
f_prefect_state(void *ctx, jv input, jv args)
{
    pr_client *client;
    pr_id_kind kind = PR_ID_UNKNOWN;
    pr_error err;
    pr_buf out;
    jv id;

    jv_free(args);
    if (jv_get_kind(input) != JV_KIND_STRING) {
        const char *k = jv_kind_name(jv_get_kind(input));

        jv_free(input);
        return usage_error(jv_null(), "prefect_state: input must be a "
                           "state or run id, not %s", k);
    }
    pr_error_clear(&err);
    if (client_get(ctx, &client, &err) != PR_OK)
        return error_value(&err, input);
    pr_buf_init(&out, 0);
    if (pr_client_get_state(client, &out, &kind, jv_string_value(input),
                            &err) != PR_OK) {
        pr_buf_dispose(&out);
        return error_value(&err, input);
    }
    id = input;
    return buf_to_jv(&out, id);
}

/* The table: {fn, name, arity, jq parameters}. */
const pjq_native pjq_natives[] = {
    {f_unpickle, "unpickle", 0, ""},
    {f_prefect_decode, "prefect_decode", 0, ""},
    {f_prefect_decode, "prefect_decode", 1, "$serializer"},
    {f_prefect_result, "prefect_result", 0, ""},
    {f_prefect_result, "prefect_result", 1, "$opts"},
    {f_prefect_results, "prefect_results", 0, ""},
    {f_prefect_results, "prefect_results", 1, "$opts"},
    {f_prefect_state, "prefect_state", 0, ""},
};

const size_t pjq_nnatives = sizeof(pjq_natives) / sizeof(pjq_natives[0]);
