/*
 * resolve.c - pr_client_resolve: from a state to the value its run
 * returned (docs/prefect-results.md sections 1, 2.3 and 7).
 *
 *   state / run / bare data  ->  classify "data" by era
 *     inline or literal      ->  the JSON rewriter (NaN policy, typed)
 *     a pointer              ->  the block document (from the source),
 *                                the bytes (storage backend),
 *                                pr_decode_result
 *
 * Two facts decide how the bytes are read.  Is it a flow's result?
 * 3.x flow results are raw serializer output, so for 3.x metadata from
 * a flow-run state a file is a record only if it has a "metadata" key
 * (Prefect 3.4+ misreads its own JSON flow results otherwise).  A state
 * is a task's when state_details.task_run_id is set.  Is it a task's?
 * Task records are written when the transaction commits, possibly after
 * the state is visible, so a missing task file is looked for again.
 * FAILED and CRASHED states hold the exception as their value.
 */
#include <string.h>

#include "pr.h"
#include "alloc.h"
#include "classify.h"
#include "client.h"
#include "config.h"
#include "jsontext.h"
#include "jsonw.h"
#include "storage.h"

#define BLOCK_CAP ((size_t)16 << 20)
#define ID_SHOW 40

enum {
    S_DATA = 0, S_TYPE, S_MESSAGE, S_DETAILS, S_STATE, S_COUNT
};

static const char *const state_keys[S_COUNT] = {
    "data", "type", "message", "state_details", "state"
};

static const char *const state_types[] = {
    "SCHEDULED", "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED",
    "CRASHED", "PAUSED", "CANCELLING"
};

/* What the top-level text turned out to be. */
typedef struct state_view {
    const char *data;
    size_t data_len;
    int is_state;           /* a state object (else bare data) */
    int is_task;            /* state_details.task_run_id is set */
} state_view;

/* Copies the unescaped text of a JSON string span into dst (size n),
 * cut at a UTF-8 character boundary.  "" when not a string. */
static void
span_text(char *dst, size_t n, const pr_json_span *s)
{
    pr_buf b;
    pr_error e;
    size_t len;

    dst[0] = '\0';
    if (s->p == NULL || s->n == 0 || s->p[0] != '"')
        return;
    pr_buf_init(&b, 0);
    if (pr_json_unescape(&b, s->p, s->n, &e) == PR_OK && b.data != NULL) {
        len = b.len < n - 1 ? b.len : n - 1;
        while (len > 0 && len < b.len &&
               ((unsigned char)b.data[len] & 0xC0) == 0x80)
            len--;
        memcpy(dst, b.data, len);
        dst[len] = '\0';
    }
    pr_buf_dispose(&b);
}

static int
known_state_type(const char *t)
{
    size_t i;

    for (i = 0; i < sizeof(state_types) / sizeof(state_types[0]); i++)
        if (strcmp(t, state_types[i]) == 0)
            return 1;
    return 0;
}

/* Does the state_details object name a task run? */
static pr_code
details_task(int *is_task, const pr_json_span *d, size_t max_depth,
             pr_error *err)
{
    static const char *const want[] = { "task_run_id" };
    pr_json_span f[1];
    int is_obj = 0;
    pr_code rc;

    *is_task = 0;
    if (d->p == NULL || d->p[0] != '{')
        return PR_OK;
    rc = pr_json_scan_keys(&is_obj, f, want, 1, d->p, d->n, max_depth, err);
    if (rc == PR_OK)
        *is_task = f[0].p != NULL && f[0].p[0] == '"';
    return rc;
}

/*
 * Finds the state in `json`: a state object, a run object (its
 * "state"), or else the whole text is the data.  Fills info's state
 * fields.  *no_state is set for a run without a state.
 */
static pr_code
find_state(state_view *v, int *no_state, pr_result_info *info,
           const char *json, size_t len, size_t max_depth, pr_error *err)
{
    pr_json_span k[S_COUNT];
    int is_obj = 0, hops;
    char type[32];
    pr_code rc;

    memset(v, 0, sizeof(*v));
    *no_state = 0;
    v->data = json;
    v->data_len = len;
    for (hops = 0; hops < 2; hops++) {
        rc = pr_json_scan_keys(&is_obj, k, state_keys, S_COUNT, v->data,
                               v->data_len, max_depth, err);
        if (rc != PR_OK)
            return rc;
        if (!is_obj)
            return PR_OK;
        if (hops == 0 && k[S_STATE].p != NULL && k[S_DATA].p == NULL) {
            /* A flow or task run: its current state. */
            if (k[S_STATE].p[0] == 'n') {
                *no_state = 1;
                return PR_OK;
            }
            if (k[S_STATE].p[0] != '{')
                return pr_error_set(err, PR_EFORMAT, "the run's \"state\" "
                                    "is not a JSON object");
            v->data = k[S_STATE].p;
            v->data_len = k[S_STATE].n;
            continue;
        }
        span_text(type, sizeof(type), &k[S_TYPE]);
        if (k[S_DATA].p != NULL &&
            (k[S_DETAILS].p != NULL || known_state_type(type))) {
            v->is_state = 1;
            if (known_state_type(type))
                memcpy(info->state_type, type, strlen(type) + 1);
            span_text(info->message, sizeof(info->message), &k[S_MESSAGE]);
            info->failed = strcmp(type, "FAILED") == 0 ||
                           strcmp(type, "CRASHED") == 0;
            rc = details_task(&v->is_task, &k[S_DETAILS], max_depth, err);
            if (rc != PR_OK)
                return rc;
            v->data = k[S_DATA].p;
            v->data_len = k[S_DATA].n;
        } else if (hops == 1) {
            return pr_error_set(err, PR_EFORMAT, "the run's \"state\" has "
                                "no \"data\"");
        }
        return PR_OK;
    }
    return PR_OK;
}

static void
set_field(char *dst, size_t n, const char *s)
{
    size_t len = strlen(s);

    if (len >= n)
        len = n - 1;
    memcpy(dst, s, len);
    dst[len] = '\0';
}

/* The block document for a pointer with a block id. */
static pr_code
fetch_block(pr_client *c, pr_buf *block, const char *block_id,
            pr_error *err)
{
    char nid[PR_ID_SIZE];
    pr_code rc;

    rc = pr_id_normalize(nid, block_id, "storage block id", err);
    if (rc != PR_OK)
        return rc;
    rc = pr_client_source(c, err);
    if (rc != PR_OK) {
        if (rc == PR_EINVAL) {
            pr_error_set(err, PR_EINVAL, "the result is in storage block %s, "
                         "and reading the block needs the Prefect API: set "
                         "PREFECT_API_URL or a profile", nid);
            pr_error_hint(err, "or copy the file here and give its path");
        }
        return rc;
    }
    return c->ops->get_block(c->ctx, block, nid, err);
}

/* Reads and decodes the file a pointer names. */
static pr_code
resolve_pointer(pr_client *c, pr_buf *out, pr_result_info *info,
                const pr_data_ref *ref, const state_view *v,
                const pr_decode_opts *opts, pr_error *err)
{
    pr_storage_ctx sc;
    pr_buf block, bytes;
    pr_code rc = PR_OK;
    int flow_result;

    if (ref->storage_key == NULL)
        return pr_error_set(err, PR_EFORMAT, "the state's %s names no "
                            "storage_key", pr_data_kind_name(ref->kind));
    memset(&sc, 0, sizeof(sc));
    sc.cfg = c->cfg;
    sc.http = c->http;
    sc.cancel = c->cancel;
    sc.cancel_arg = c->cancel_arg;
    sc.file_check = c->file_check;
    sc.file_check_arg = c->file_check_arg;
    sc.max_input = opts->lim.max_input;
    sc.retry_missing = v->is_state && v->is_task;
    pr_buf_init(&block, BLOCK_CAP);
    pr_buf_init(&bytes, opts->lim.max_input);
    if (ref->storage_block_id != NULL)
        rc = fetch_block(c, &block, ref->storage_block_id, err);
    if (rc == PR_OK) {
        sc.http = c->http;      /* fetch_block may have created it */
        rc = pr_storage_fetch(&sc, &bytes, info->location,
                              sizeof(info->location),
                              ref->storage_block_id != NULL ? block.data
                              : NULL, block.len, ref->storage_block_id,
                              ref->storage_key, err);
    }
    if (block.data != NULL)
        explicit_bzero(block.data, block.cap);
    pr_buf_dispose(&block);
    if (rc == PR_OK) {
        set_field(info->source, sizeof(info->source), "file");
        /* Only 3.x flow metadata points at raw serializer output. */
        flow_result = ref->kind == PR_DATA_METADATA && v->is_state &&
                      !v->is_task;
        rc = pr_decode_result(out, bytes.data != NULL ? bytes.data : "",
                              bytes.len, ref->serializer, flow_result, opts,
                              err);
        if (rc != PR_OK && err != NULL && err->hint[0] == '\0')
            pr_error_hint(err, "the bytes came from %.200s",
                          info->location);
    }
    pr_buf_dispose(&bytes);
    return rc;
}

pr_code
pr_client_resolve(pr_client *c, pr_buf *out, pr_result_info *info,
                  const char *json, size_t len, const pr_decode_opts *opts,
                  pr_error *err)
{
    pr_decode_opts defaults = PR_DECODE_OPTS_INIT;
    pr_result_info local_info;
    pr_data_ref ref;
    state_view v;
    pr_error local;
    size_t start;
    int no_state = 0;
    pr_code rc;

    if (err == NULL)
        err = &local;
    pr_error_clear(err);
    if (info == NULL)
        info = &local_info;
    memset(info, 0, sizeof(*info));
    if (opts == NULL)
        opts = &defaults;
    if (c == NULL || out == NULL || (json == NULL && len > 0))
        return pr_error_set(err, PR_EINVAL, "pr_client_resolve needs a "
                            "client, an output buffer and JSON text");
    if (json == NULL)
        json = "";
    if (len > opts->lim.max_input)
        return pr_error_set(err, PR_ELIMIT, "state JSON of %zu bytes is "
                            "larger than %zu bytes (max_input)", len,
                            opts->lim.max_input);
    start = out->len;
    rc = find_state(&v, &no_state, info, json, len, opts->lim.max_depth,
                    err);
    if (rc != PR_OK)
        return rc;
    if (no_state)
        return pr_buf_puts(out, "null", err);

    rc = pr_classify_data(&ref, v.data, v.data_len, opts->lim.max_depth,
                          err);
    if (rc != PR_OK)
        return rc;
    if (ref.expiration != NULL)
        set_field(info->expiration, sizeof(info->expiration),
                  ref.expiration);

    switch (ref.kind) {
    case PR_DATA_NONE:
    case PR_DATA_UNPERSISTED:
        /* Nothing to read: the value was never stored.  (An inline
         * 0, false, "" or {} also reads back as null: classify.h.) */
        rc = pr_buf_puts(out, "null", err);
        break;
    case PR_DATA_LITERAL:
    case PR_DATA_INLINE:
        info->has_value = 1;
        set_field(info->source, sizeof(info->source), "inline");
        rc = pr_json_value_to_json(out, ref.value, ref.value_len, opts, err);
        break;
    case PR_DATA_DATADOC_INLINE:
        info->has_value = 1;
        set_field(info->source, sizeof(info->source), "inline");
        rc = pr_decode_result(out, ref.value, ref.value_len, NULL, 0, opts,
                              err);
        break;
    case PR_DATA_METADATA:
    case PR_DATA_REFERENCE:
    case PR_DATA_DATADOC:
        info->has_value = 1;
        rc = resolve_pointer(c, out, info, &ref, &v, opts, err);
        break;
    }
    pr_data_ref_dispose(&ref);
    if (rc != PR_OK) {
        out->len = start;
        if (out->data != NULL)
            out->data[start] = '\0';
        info->has_value = 0;
    }
    return rc;
}
