/*
 * api.c - the Prefect REST API as a source of states and block
 * documents (docs/prefect-results.md sections 1, 4.3 and 5).
 *
 * An id may name a flow-run state, a task-run state, a flow run or a
 * task run; the API has no endpoint that says which, so the four are
 * tried in that order and a 404 moves on to the next.  For a run its
 * current state is taken from "state", cut out of the reply's text (no
 * tree, no reformatting: an inline value keeps its exact digits).
 *
 * Credentials: PREFECT_API_AUTH_STRING is sent as Basic and wins over
 * PREFECT_API_KEY (Bearer), as Prefect's client does.  The header line
 * is built per request and wiped after it; messages never show it.
 */
#include <stdio.h>
#include <string.h>

#include "pr.h"
#include "alloc.h"
#include "client.h"
#include "config.h"
#include "http.h"
#include "jsontext.h"
#include "jsonw.h"

#define URL_SHOW 200
#define DEFAULT_CAP ((size_t)1 << 30)

typedef struct api_ctx {
    const pr_config *cfg;
    pr_http *http;
} api_ctx;

/* One request's headers: Authorization (owned, wiped) + custom ones. */
typedef struct api_headers {
    const char **list;
    size_t n;
    char *auth;
} api_headers;

static void
headers_dispose(api_headers *h)
{
    pr_free_secret(h->auth);
    pr_free(h->list);
    memset(h, 0, sizeof(*h));
}

static pr_code
headers_build(api_headers *h, const pr_config *cfg, pr_error *err)
{
    size_t i;
    pr_buf b;
    pr_code rc = PR_OK;

    memset(h, 0, sizeof(*h));
    pr_buf_init(&b, 0);
    if (cfg->auth_string != NULL) {
        rc = pr_buf_puts(&b, "Authorization: Basic ", err);
        if (rc == PR_OK)
            rc = pr_json_base64(&b, (const uint8_t *)cfg->auth_string,
                                strlen(cfg->auth_string), err);
        if (rc == PR_OK) {
            /* pr_json_base64 writes a quoted string: drop the quotes. */
            size_t q = strlen("Authorization: Basic ");

            memmove(b.data + q, b.data + q + 1, b.len - q - 2);
            b.len -= 2;
            b.data[b.len] = '\0';
        }
    } else if (cfg->api_key != NULL) {
        rc = pr_buf_puts(&b, "Authorization: Bearer ", err);
        if (rc == PR_OK)
            rc = pr_buf_puts(&b, cfg->api_key, err);
    }
    if (rc != PR_OK) {
        if (b.data != NULL)
            explicit_bzero(b.data, b.cap);
        pr_buf_dispose(&b);
        return rc;
    }
    h->auth = b.data;
    h->list = pr_malloc((cfg->nheaders + 1) * sizeof(*h->list));
    if (h->list == NULL) {
        headers_dispose(h);
        return pr_error_set(err, PR_ENOMEM, "out of memory building the "
                            "request headers");
    }
    if (h->auth != NULL)
        h->list[h->n++] = h->auth;
    for (i = 0; i < cfg->nheaders; i++)
        h->list[h->n++] = cfg->headers[i];
    return PR_OK;
}

static char *
make_url(const char *base, const char *path, const char *id,
         const char *query)
{
    size_t n = strlen(base) + strlen(path) + strlen(id) + strlen(query) + 3;
    char *u = pr_malloc(n);

    if (u != NULL)
        snprintf(u, n, "%s/%s/%s%s", base, path, id, query);
    return u;
}

/* Rewrites the layer's 401/403 messages in the API's terms. */
static pr_code
auth_error(pr_error *err, const api_ctx *a, const char *action,
           const char *url)
{
    char shown[URL_SHOW];
    long status = err->http_status;
    int curl_code = err->curl_code;

    pr_url_redact(shown, sizeof(shown), url);
    if (status == 401) {
        pr_error_set(err, PR_EAUTH, "%s: the API refused the credentials "
                     "(HTTP 401 from %s)", action, shown);
        if (a->cfg->api_key == NULL && a->cfg->auth_string == NULL)
            pr_error_hint(err, "no PREFECT_API_KEY or "
                          "PREFECT_API_AUTH_STRING is set: set the one "
                          "this server expects");
        else
            pr_error_hint(err, "check PREFECT_API_KEY / "
                          "PREFECT_API_AUTH_STRING (and the profile)");
    } else {
        pr_error_set(err, PR_EAUTH, "%s: the API denied access (HTTP 403 "
                     "from %s)", action, shown);
        pr_error_hint(err, "the key lacks permission for this workspace: "
                      "check the account and workspace in PREFECT_API_URL "
                      "and the key's role");
    }
    err->http_status = status;
    err->curl_code = curl_code;
    return PR_EAUTH;
}

/* GET base/path/id[query] into body; *status 2xx or 404. */
static pr_code
api_get(api_ctx *a, long *status, pr_buf *body, const char *path,
        const char *id, const char *query, const char *action,
        pr_error *err)
{
    pr_http_opts o = PR_HTTP_OPTS_INIT;
    pr_http_request req;
    api_headers h;
    char *url;
    pr_code rc;

    url = make_url(a->cfg->api_url, path, id, query);
    if (url == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory building a URL");
    rc = headers_build(&h, a->cfg, err);
    if (rc != PR_OK) {
        pr_free(url);
        return rc;
    }
    o.timeout_ms = a->cfg->timeout_ms;
    o.connect_timeout_ms = a->cfg->connect_timeout_ms;
    o.retries = a->cfg->retries;
    o.retry_base_ms = a->cfg->retry_base_ms;
    o.retry_max_wait_ms = a->cfg->retry_max_wait_ms;
    o.ca_file = a->cfg->ca_file;
    o.insecure = a->cfg->insecure;
    memset(&req, 0, sizeof(req));
    req.url = url;
    req.action = action;
    req.headers = h.list;
    req.nheaders = h.n;
    req.accept_404 = 1;
    req.opts = &o;
    rc = pr_http_get(a->http, status, body, &req, err);
    if (rc == PR_EAUTH)
        rc = auth_error(err, a, action, url);
    headers_dispose(&h);
    pr_free(url);
    return rc;
}

static const struct {
    const char *path;
    pr_id_kind kind;
} endpoints[] = {
    { "flow_run_states", PR_ID_FLOW_RUN_STATE },
    { "task_run_states", PR_ID_TASK_RUN_STATE },
    { "flow_runs", PR_ID_FLOW_RUN },
    { "task_runs", PR_ID_TASK_RUN },
};

/* Appends the reply (a state) or its "state" member (a run) to out. */
static pr_code
take_state(pr_buf *out, const pr_buf *body, pr_id_kind kind,
           const char *id, const char *shown, pr_error *err)
{
    static const char *const want[] = { "state" };
    pr_json_span found[1];
    int is_obj = 0;
    pr_code rc;

    rc = pr_json_scan_keys(&is_obj, found, want, 1, body->data, body->len,
                           1000, err);
    if (rc == PR_OK && !is_obj)
        rc = pr_error_set(err, PR_EFORMAT, "the %s %s from %s is not a JSON "
                          "object", pr_id_kind_name(kind), id, shown);
    if (rc != PR_OK) {
        if (err->code == PR_EFORMAT && strstr(err->msg, "invalid JSON"))
            pr_error_set(err, PR_EFORMAT, "the reply for %s %s from %s is "
                         "not JSON", pr_id_kind_name(kind), id, shown);
        return rc;
    }
    if (kind == PR_ID_FLOW_RUN_STATE || kind == PR_ID_TASK_RUN_STATE)
        return pr_buf_append(out, body->data, body->len, err);
    if (found[0].p == NULL || found[0].p[0] != '{') {
        pr_error_set(err, PR_ENOTFOUND, "the %s %s has no state yet",
                     pr_id_kind_name(kind), id);
        return pr_error_hint(err, "it has not been scheduled or started");
    }
    return pr_buf_append(out, found[0].p, found[0].n, err);
}

static pr_code
api_get_state(void *ctx, pr_buf *out, pr_id_kind *kind, const char *id,
              pr_error *err)
{
    api_ctx *a = ctx;
    char nid[PR_ID_SIZE], action[96], shown[URL_SHOW];
    size_t i;
    long status = 0;
    pr_buf body;
    pr_code rc;

    rc = pr_id_normalize(nid, id, "id", err);
    if (rc != PR_OK)
        return rc;
    pr_buf_init(&body, out->max != 0 ? out->max : DEFAULT_CAP);
    for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
        snprintf(action, sizeof(action), "looking up %s as a %s", nid,
                 pr_id_kind_name(endpoints[i].kind));
        body.len = 0;
        rc = api_get(a, &status, &body, endpoints[i].path, nid, "", action,
                     err);
        if (rc != PR_OK)
            break;
        if (status == 404)
            continue;
        pr_url_redact(shown, sizeof(shown), a->cfg->api_url);
        rc = take_state(out, &body, endpoints[i].kind, nid, shown, err);
        if (rc == PR_OK && kind != NULL)
            *kind = endpoints[i].kind;
        break;
    }
    if (i == sizeof(endpoints) / sizeof(endpoints[0])) {
        pr_url_redact(shown, sizeof(shown), a->cfg->api_url);
        pr_error_set(err, PR_ENOTFOUND, "no flow run state, task run state, "
                     "flow run or task run has id %s on %s", nid, shown);
        err->http_status = 404;
        rc = pr_error_hint(err, "check the id and PREFECT_API_URL (and the "
                           "profile)");
    }
    pr_buf_dispose(&body);
    return rc;
}

static pr_code
api_get_block(void *ctx, pr_buf *out, const char *block_id, pr_error *err)
{
    api_ctx *a = ctx;
    char nid[PR_ID_SIZE], action[96], shown[URL_SHOW];
    long status = 0;
    pr_buf body;
    pr_code rc;

    rc = pr_id_normalize(nid, block_id, "storage block id", err);
    if (rc != PR_OK)
        return rc;
    snprintf(action, sizeof(action), "reading storage block %s", nid);
    pr_buf_init(&body, out->max != 0 ? out->max : DEFAULT_CAP);
    rc = api_get(a, &status, &body, "block_documents", nid,
                 "?include_secrets=true", action, err);
    if (rc == PR_OK && status == 404) {
        pr_url_redact(shown, sizeof(shown), a->cfg->api_url);
        pr_error_set(err, PR_ENOTFOUND, "storage block %s does not exist on "
                     "%s", nid, shown);
        err->http_status = 404;
        rc = pr_error_hint(err, "the block was deleted, or the state comes "
                           "from another server or workspace");
    } else if (rc == PR_OK) {
        rc = pr_buf_append(out, body.data, body.len, err);
    }
    /* The document holds the block's secrets. */
    if (body.data != NULL)
        explicit_bzero(body.data, body.cap);
    pr_buf_dispose(&body);
    return rc;
}

static void
api_free(void *ctx)
{
    pr_free(ctx);
}

static const pr_source_ops api_ops = {
    "api", api_get_state, api_get_block, api_free
};

pr_code
pr_api_source(const pr_source_ops **ops, void **ctx, const pr_config *cfg,
              pr_http *http, pr_error *err)
{
    api_ctx *a = pr_malloc(sizeof(*a));

    if (a == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory creating the API "
                            "client");
    a->cfg = cfg;
    a->http = http;
    *ops = &api_ops;
    *ctx = a;
    return PR_OK;
}
