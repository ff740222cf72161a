/*
 * client.c - pr_client: its configuration, the source of states and
 * blocks, the HTTP layer, and the two id-level entry points.
 *
 * Nothing touches the network or the disk until a call needs it: a
 * client made without an API URL can still resolve a state given as
 * JSON whose result is a local file, and a host that brings its own
 * source (pr_client_set_source) never needs a URL at all.
 */
#include <stdio.h>
#include <string.h>

#include "pr.h"
#include "hexdigit.h"
#include "alloc.h"
#include "client.h"
#include "config.h"
#include "http.h"
#include "pr_source.h"
#include "source_sqlite.h"

#define ID_SHOW 48

const char *
pr_id_kind_name(pr_id_kind kind)
{
    switch (kind) {
    case PR_ID_FLOW_RUN_STATE: return "flow run state";
    case PR_ID_TASK_RUN_STATE: return "task run state";
    case PR_ID_FLOW_RUN: return "flow run";
    case PR_ID_TASK_RUN: return "task run";
    default: return "id";
    }
}

pr_code
pr_id_normalize(char out[PR_ID_SIZE], const char *id, const char *what,
                pr_error *err)
{
    static const char digits[] = "0123456789abcdef";
    char hex[32], shown[ID_SHOW + 4];
    size_t n, i, o = 0, k;

    n = id != NULL ? strlen(id) : 0;
    if (n == 36 && id[8] == '-' && id[13] == '-' && id[18] == '-' &&
        id[23] == '-') {
        for (i = 0; i < 36; i++)
            if (i != 8 && i != 13 && i != 18 && i != 23) {
                if (pr_hex_digit(id[i]) < 0)
                    break;
                hex[o++] = id[i];
            }
    } else if (n == 32) {
        for (i = 0; i < 32 && pr_hex_digit(id[i]) >= 0; i++)
            hex[o++] = id[i];
    }
    if (o != 32) {
        for (i = 0, k = 0; id != NULL && id[i] != '\0' && k < ID_SHOW; i++)
            shown[k++] = (id[i] >= 0x20 && id[i] < 0x7f) ? id[i] : '?';
        shown[k] = '\0';
        pr_error_set(err, PR_EINVAL, "'%s%s' is not a valid %s", shown,
                     id != NULL && i < n ? "..." : "", what);
        return pr_error_hint(err, "Prefect ids are UUIDs, such as "
                             "0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b");
    }
    for (i = 0, k = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out[k++] = '-';
        out[k++] = digits[pr_hex_digit(hex[i])];
    }
    out[k] = '\0';
    return PR_OK;
}

pr_code
pr_client_new(pr_client **out, const pr_config *cfg, pr_error *err)
{
    pr_client *c;
    pr_error local;
    pr_code rc;

    if (err == NULL)
        err = &local;
    pr_error_clear(err);
    if (out == NULL || cfg == NULL)
        return pr_error_set(err, PR_EINVAL, "pr_client_new needs an output "
                            "pointer and a configuration");
    c = pr_malloc(sizeof(*c));
    if (c == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory creating a "
                            "client");
    memset(c, 0, sizeof(*c));
    rc = pr_config_dup(&c->cfg, cfg, err);
    if (rc != PR_OK) {
        pr_free(c);
        return rc;
    }
    *out = c;
    return PR_OK;
}

void
pr_client_free(pr_client *c)
{
    if (c == NULL)
        return;
    if (c->ops != NULL && c->ops->free != NULL)
        c->ops->free(c->ctx);
    pr_http_free(c->http);
    pr_config_free(c->cfg);
    pr_free(c);
}

void
pr_client_set_cancel(pr_client *c, int (*cancel)(void *arg), void *arg)
{
    c->cancel = cancel;
    c->cancel_arg = arg;
    if (c->http != NULL)
        pr_http_set_cancel(c->http, cancel, arg);
}

void
pr_client_set_file_check(pr_client *c,
                         int (*check)(const char *path, void *arg),
                         void *arg)
{
    c->file_check = check;
    c->file_check_arg = arg;
}

void
pr_client_set_source(pr_client *c, const pr_source_ops *ops, void *ctx)
{
    if (c->ops != NULL && c->ops->free != NULL)
        c->ops->free(c->ctx);
    c->ops = ops;
    c->ctx = ctx;
}

pr_code
pr_client_http(pr_client *c, pr_http **out, pr_error *err)
{
    pr_code rc;

    if (c->http == NULL) {
        rc = pr_http_new(&c->http, err);
        if (rc != PR_OK)
            return rc;
        pr_http_set_cancel(c->http, c->cancel, c->cancel_arg);
    }
    *out = c->http;
    return PR_OK;
}

/*
 * The source, chosen once: an API URL (environment or profile) means
 * the REST API; without one, a Prefect SQLite database (the "database"
 * setting, a sqlite PREFECT_*_DATABASE_CONNECTION_URL, or an existing
 * $PREFECT_HOME/prefect.db), which is what Prefect itself reads when
 * no server is configured.  The "source" setting forces either.
 */
pr_code
pr_client_source(pr_client *c, pr_error *err)
{
    const pr_config *cfg = c->cfg;
    pr_http *http;
    char *path = NULL;
    pr_code rc;

    if (c->ops != NULL)
        return PR_OK;
    if (cfg->source == PR_SOURCE_DATABASE ||
        (cfg->source == PR_SOURCE_AUTO && cfg->api_url == NULL)) {
        pr_error local;

        rc = pr_sqlite_locate(&path, cfg, &local);
        if (rc == PR_OK) {
            rc = pr_sqlite_source(&c->ops, &c->ctx, cfg, path, err);
            pr_free(path);
            return rc;
        }
        if (rc != PR_ENOTFOUND || cfg->source == PR_SOURCE_DATABASE ||
            (cfg->database != NULL && cfg->database[0] != '\0') ||
            (cfg->database_url != NULL && cfg->database_url[0] != '\0')) {
            *err = local;
            if (rc == PR_ENOTFOUND && err->hint[0] == '\0')
                pr_error_hint(err, "set PREFECT_HOME to the directory "
                              "that holds prefect.db, or give the "
                              "database's path");
            return rc;
        }
    }
    if (cfg->api_url == NULL) {
        /* With no server, Prefect itself would use this database. */
        if (cfg->source == PR_SOURCE_AUTO && cfg->home != NULL)
            pr_error_set(err, PR_EINVAL, "no Prefect API configured, and "
                         "no Prefect database at %.160s/prefect.db: set "
                         "PREFECT_API_URL or a profile, or PREFECT_HOME",
                         cfg->home);
        else
            pr_error_set(err, PR_EINVAL, "no Prefect API configured: set "
                         "PREFECT_API_URL or a profile");
        if (cfg->profile != NULL)
            return pr_error_hint(err, "the profile '%.64s' in %.120s sets no "
                                 "PREFECT_API_URL", cfg->profile,
                                 cfg->profiles_path);
        return pr_error_hint(err, "no profile is active (profiles file: "
                             "%.160s)", cfg->profiles_path != NULL
                             ? cfg->profiles_path : "none");
    }
    rc = pr_client_http(c, &http, err);
    if (rc == PR_OK)
        rc = pr_api_source(&c->ops, &c->ctx, cfg, http, err);
    return rc;
}

pr_code
pr_client_get_state(pr_client *c, pr_buf *out, pr_id_kind *kind,
                    const char *id, pr_error *err)
{
    char nid[PR_ID_SIZE];
    pr_id_kind k = PR_ID_UNKNOWN;
    size_t start;
    pr_error local;
    pr_code rc;

    if (err == NULL)
        err = &local;
    pr_error_clear(err);
    if (c == NULL || out == NULL)
        return pr_error_set(err, PR_EINVAL, "pr_client_get_state needs a "
                            "client and an output buffer");
    rc = pr_id_normalize(nid, id, "id", err);
    if (rc == PR_OK)
        rc = pr_client_source(c, err);
    if (rc != PR_OK)
        return rc;
    start = out->len;
    rc = c->ops->get_state(c->ctx, out, &k, nid, err);
    if (rc != PR_OK) {
        out->len = start;
        if (out->data != NULL)
            out->data[start] = '\0';
        return rc;
    }
    if (kind != NULL)
        *kind = k;
    return PR_OK;
}

pr_code
pr_client_result(pr_client *c, pr_buf *out, pr_result_info *info,
                 const char *id, const pr_decode_opts *opts, pr_error *err)
{
    pr_decode_opts defaults = PR_DECODE_OPTS_INIT;
    pr_buf state;
    pr_error local;
    pr_code rc;

    if (err == NULL)
        err = &local;
    if (opts == NULL)
        opts = &defaults;
    pr_buf_init(&state, opts->lim.max_input);
    rc = pr_client_get_state(c, &state, NULL, id, err);
    if (rc == PR_OK)
        rc = pr_client_resolve(c, out, info, state.data, state.len, opts,
                               err);
    /* A value kept in the state row came from the database itself. */
    if (rc == PR_OK && info != NULL && strcmp(c->ops->name, "database") == 0
        && strcmp(info->source, "inline") == 0) {
        snprintf(info->source, sizeof(info->source), "database");
        snprintf(info->location, sizeof(info->location), "%s",
                 pr_sqlite_source_path(c->ctx));
    }
    pr_buf_dispose(&state);
    return rc;
}
