/*
 * apimode.c - resolve the Prefect states in a JSON body, or a state
 * looked up by id, and print them (see apimode.h for which API and
 * which credentials are used).
 *
 * The body is never re-serialized: it is written as it came, with each
 * state's "data" value cut out and the decoded value put in its place,
 * followed by `,"_data_reference":<the original data>`.  A state whose
 * data is null is left alone (its value is null; there is nothing to
 * keep), and so is a state that already has the reference key (it was
 * resolved before).  Every value is resolved before anything is
 * written, so a failure writes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apimode.h"
#include "redact.h"
#include "hexdigit.h"     /* the core's, header-only */

#define NAME "prefect-curl"
#define BASE_MAX 2048

/* ------------------------------------------------------------ the API */

static int
is_hex36_uuid(const char *s, size_t n)
{
    size_t i;

    if (n < 36)
        return 0;
    for (i = 0; i < 36; i++) {
        char c = s[i];

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (pr_hex_digit(c) < 0) {
            return 0;
        }
    }
    return 1;
}

/*
 * The Prefect API a URL belongs to: "http(s)://host[:port]/prefix/api",
 * plus "/accounts/<uuid>/workspaces/<uuid>" when that follows (Prefect
 * Cloud).  The userinfo, if any, is left out and copied to *userinfo
 * (malloc'd, the caller wipes it).  Returns 1 when the URL names an
 * API, else 0.
 */
static int
api_base(const char *url, char *base, size_t cap, char **userinfo)
{
    static const char acc[] = "/accounts/", ws[] = "/workspaces/";
    const char *auth, *host, *path, *end, *p;
    size_t plen, hostlen, n;

    *userinfo = NULL;
    if (strncasecmp(url, "http://", 7) == 0)
        auth = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        auth = url + 8;
    else
        return 0;
    path = auth + strcspn(auth, "/?#");
    if (*path != '/')
        return 0;
    host = auth;
    for (p = auth; p < path; p++)
        if (*p == '@')
            host = p + 1;
    end = path + strcspn(path, "?#");
    /* the first "/api" segment */
    for (p = path; p + 4 <= end; p++)
        if (memcmp(p, "/api", 4) == 0 && (p + 4 == end || p[4] == '/'))
            break;
    if (p + 4 > end)
        return 0;
    plen = (size_t)(p + 4 - path);
    n = (size_t)(end - (p + 4));
    if (n >= sizeof(acc) - 1 + 36 + sizeof(ws) - 1 + 36 &&
        memcmp(p + 4, acc, sizeof(acc) - 1) == 0 &&
        is_hex36_uuid(p + 4 + sizeof(acc) - 1, 36) &&
        memcmp(p + 4 + sizeof(acc) - 1 + 36, ws, sizeof(ws) - 1) == 0 &&
        is_hex36_uuid(p + 4 + sizeof(acc) - 1 + 36 + sizeof(ws) - 1, 36))
        plen += sizeof(acc) - 1 + 36 + sizeof(ws) - 1 + 36;
    hostlen = (size_t)(path - host);
    n = (size_t)(auth - url);
    if (n + hostlen + plen + 1 > cap)
        return 0;
    memcpy(base, url, n);
    memcpy(base + n, host, hostlen);
    memcpy(base + n + hostlen, path, plen);
    base[n + hostlen + plen] = '\0';
    if (host > auth && (*userinfo = strndup(auth, (size_t)(host - 1 -
                                                            auth))) != NULL) {
        /* percent-decode it in place, as libcurl does */
        char *r = *userinfo, *w = *userinfo;

        while (*r) {
            if (r[0] == '%' && r[1] && r[2] &&
                strchr("0123456789abcdefABCDEF", r[1]) &&
                strchr("0123456789abcdefABCDEF", r[2])) {
                char hx[3] = {r[1], r[2], 0};

                *w++ = (char)strtol(hx, NULL, 16);
                r += 3;
            } else {
                *w++ = *r++;
            }
        }
        *w = '\0';
    }
    return 1;
}

/* Standard base64 to bytes (for an "Authorization: Basic" header);
 * NULL when it is not base64.  The result is NUL-terminated. */
static char *
unbase64(const char *s)
{
    size_t n = strlen(s), i, o = 0;
    unsigned long acc = 0;
    int bits = 0;
    char *out = malloc(n + 1);

    if (out == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                            "wxyz0123456789+/";
        const char *q;

        if (s[i] == '=' || s[i] == ' ' || s[i] == '\t')
            continue;
        if (s[i] == '\0' || (q = strchr(alpha, s[i])) == NULL) {
            pcurl_wipe_free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned long)(q - alpha);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    out[o] = '\0';
    if (strlen(out) != o) {     /* a NUL inside: not a user:password */
        pcurl_wipe_free(out);
        return NULL;
    }
    return out;
}

/* -H headers not passed on to the API's block lookups (GETs). */
static int
skipped_header(const char *h, size_t namelen)
{
    static const char *const names[] = {
        "authorization", "content-type", "content-length", "accept",
        "expect", "transfer-encoding", "host"
    };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == namelen &&
            strncasecmp(h, names[i], namelen) == 0)
            return 1;
    return 0;
}

/* Takes the request's own credentials and headers for the API. */
static pr_code
request_auth(pr_config *cfg, const pcurl_args *a, const char *userinfo,
             pr_error *err)
{
    pr_code rc = PR_OK;
    size_t i;

    if (a->user != NULL)
        rc = pr_config_set(cfg, "auth_string", a->user, err);
    else if (userinfo != NULL && userinfo[0] != '\0')
        rc = pr_config_set(cfg, "auth_string", userinfo, err);
    if (rc == PR_OK && a->oauth2_bearer != NULL) {
        rc = pr_config_set(cfg, "api_key", a->oauth2_bearer, err);
        if (rc == PR_OK)
            rc = pr_config_set(cfg, "auth_string", "", err);
    }
    for (i = 0; rc == PR_OK && i < a->nheaders; i++) {
        const char *h = a->headers[i], *colon = strchr(h, ':'), *v;
        size_t namelen;

        if (colon == NULL)
            continue;           /* "Name;" sends an empty header */
        namelen = (size_t)(colon - h);
        for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
            ;
        if (*v == '\0')
            continue;           /* "Name:" removes a header */
        if (namelen == 13 && strncasecmp(h, "authorization", 13) == 0) {
            if (strncasecmp(v, "Bearer ", 7) == 0) {
                rc = pr_config_set(cfg, "api_key", v + 7, err);
                if (rc == PR_OK)
                    rc = pr_config_set(cfg, "auth_string", "", err);
                continue;
            }
            if (strncasecmp(v, "Basic ", 6) == 0) {
                char *up = unbase64(v + 6);

                if (up != NULL) {
                    rc = pr_config_set(cfg, "api_key", "", err);
                    if (rc == PR_OK)
                        rc = pr_config_set(cfg, "auth_string", up, err);
                    pcurl_wipe_free(up);
                    continue;
                }
            }
            /* another scheme: sent as it is */
            rc = pr_config_set(cfg, "api_key", "", err);
            if (rc == PR_OK)
                rc = pr_config_set(cfg, "auth_string", "", err);
            if (rc == PR_OK)
                rc = pr_config_set(cfg, "header", h, err);
            continue;
        }
        if (!skipped_header(h, namelen))
            rc = pr_config_set(cfg, "header", h, err);
    }
    return rc;
}

static pr_code
set_ms(pr_config *cfg, const char *key, long ms, pr_error *err)
{
    char v[32];

    snprintf(v, sizeof(v), "%ld", ms);
    return pr_config_set(cfg, key, v, err);
}

/* A client for the states of a body from `url` (NULL: no URL).
 * `db` (id mode only): read Prefect's SQLite database instead of an API;
 * "" means the one the configuration picks, else that file. */
static pr_code
client_for(pr_client **out, const pcurl_args *a, const char *url,
           int id_mode, const char *db, pr_error *err)
{
    pr_config *cfg = NULL;
    char base[BASE_MAX], *userinfo = NULL;
    int own_api = 0;
    pr_code rc;
    size_t i;

    rc = pr_config_load(&cfg, NULL, NULL, err);
    if (rc != PR_OK)
        return rc;
    for (i = 0; rc == PR_OK && i < a->nremaps; i++)
        rc = pr_config_set(cfg, "remap", a->remaps[i], err);
    if (rc == PR_OK && url != NULL &&
        api_base(url, base, sizeof(base), &userinfo)) {
        own_api = 1;
        rc = pr_config_set(cfg, "api_url", base, err);
        if (rc == PR_OK)
            rc = pr_config_set(cfg, "api_key", "", err);
        if (rc == PR_OK)
            rc = pr_config_set(cfg, "auth_string", "", err);
        /* PREFECT_CLIENT_CUSTOM_HEADERS are the configured API's too
         * (they may carry a token): not for whichever server a URL names;
         * the request's own -H lines are added back below. */
        if (rc == PR_OK)
            rc = pr_config_set(cfg, "headers", "", err);
        if (rc == PR_OK)
            rc = request_auth(cfg, a, userinfo, err);
        pcurl_wipe_free(userinfo);
    }
    if (rc == PR_OK && db != NULL) {
        rc = pr_config_set(cfg, "source", "database", err);
        if (rc == PR_OK && db[0] != '\0')
            rc = pr_config_set(cfg, "database", db, err);
    }
    if (rc == PR_OK && (own_api || id_mode)) {
        if (a->insecure)
            rc = pr_config_set(cfg, "insecure", "1", err);
        if (rc == PR_OK && a->cacert != NULL)
            rc = pr_config_set(cfg, "ca_file", a->cacert, err);
        if (rc == PR_OK && a->max_time_ms > 0)
            rc = set_ms(cfg, "timeout_ms", a->max_time_ms, err);
        if (rc == PR_OK && a->connect_timeout_ms > 0)
            rc = set_ms(cfg, "connect_timeout_ms", a->connect_timeout_ms,
                        err);
        if (rc == PR_OK && a->retry_set)
            rc = set_ms(cfg, "retries", a->retry > 100 ? 100 : a->retry,
                        err);
    }
    if (rc == PR_OK)
        rc = pr_client_new(out, cfg, err);
    pr_config_free(cfg);
    return rc;
}

/* ------------------------------------------------------------ output */

/* Reports a resolution error, the core's setting names in its hint
 * replaced by our options. */
static int
report_resolve(const pcurl_args *a, pr_error *err)
{
    static const char from[] = "the remap setting";
    char *p = strstr(err->hint, from);

    if (p != NULL) {
        char tail[PR_ERROR_SIZE];

        snprintf(tail, sizeof(tail), "%s", p + sizeof(from) - 1);
        snprintf(p, sizeof(err->hint) - (size_t)(p - err->hint),
                 "--remap-storage FROM=TO%s", tail);
    }
    return pcurl_report_code(a, err, pcurl_resolve_exit_code(err));
}

typedef struct value {
    char *json;         /* pr_free'd; NULL: not resolved here */
    size_t len;
} value;

static void
values_free(value *v, size_t n)
{
    size_t i;

    for (i = 0; v != NULL && i < n; i++)
        pr_free(v[i].json);
    free(v);
}

static int
nomem(const pcurl_args *a)
{
    pr_error err;

    pr_error_clear(&err);
    pr_error_set(&err, PR_ENOMEM, "out of memory");
    return pcurl_report(a, &err);
}

/* Says which state failed (the first) and how many did. */
static int
report_failed(const pcurl_args *a, const pcurl_body *b,
              const pcurl_scan *scan, size_t nfailed, size_t nstates)
{
    char msg[300];
    const pcurl_state *st = NULL;
    pr_error err;
    size_t i;

    for (i = 0; i < scan->n && st == NULL; i++)
        if (scan->v[i].failed)
            st = &scan->v[i];
    msg[0] = '\0';
    if (st->msg_len > 0)
        pcurl_json_string(msg, sizeof(msg), b->data + st->msg_off,
                          st->msg_len);
    /* one line */
    for (i = 0; msg[i] != '\0'; i++)
        if (msg[i] == '\n' || msg[i] == '\r')
            msg[i] = ' ';
    pr_error_clear(&err);
    if (nfailed == 1 && nstates == 1)
        pr_error_set(&err, PR_EINVAL, "the state is %s%s%s", st->type,
                     msg[0] ? ": " : "", msg);
    else
        pr_error_set(&err, PR_EINVAL, "%zu of the %zu states %s FAILED or "
                     "CRASHED; the first is %s%s%s", nfailed, nstates,
                     nfailed == 1 ? "is" : "are", st->type,
                     msg[0] ? ": " : "", msg);
    pr_error_hint(&err, "Its exception is printed as its value; "
                  "--allow-failed exits 0 for failed runs.");
    return pcurl_report_code(a, &err, PCURL_EXIT_FAILED);
}

/* Pieces of the document with each resolved data replaced. */
static int
document_pieces(pcurl_piece **out, size_t *np, const pcurl_args *a,
                const pcurl_body *b, const pcurl_scan *scan,
                const value *v, int *changed)
{
    static const char ref[] = ",\"" PCURL_REF_KEY "\":";
    pcurl_piece *pc = malloc((4 * scan->n + 3) * sizeof(*pc));
    size_t i, k = 0, at = 0;

    if (pc == NULL)
        return -1;
    *changed = 0;
    if (a->include && b->head != NULL) {
        pc[k].p = b->head;
        pc[k++].n = b->head_len;
    }
    for (i = 0; i < scan->n; i++) {
        const pcurl_state *st = &scan->v[i];

        if (v[i].json == NULL)
            continue;
        pc[k].p = b->data + at;
        pc[k++].n = st->data_off - at;
        pc[k].p = v[i].json;
        pc[k++].n = v[i].len;
        pc[k].p = ref;
        pc[k++].n = sizeof(ref) - 1;
        pc[k].p = b->data + st->data_off;
        pc[k++].n = st->data_len;
        at = st->data_off + st->data_len;
        *changed = 1;
    }
    pc[k].p = b->data + at;
    pc[k++].n = b->len - at;
    if (*changed && (b->len == 0 || b->data[b->len - 1] != '\n')) {
        pc[k].p = "\n";
        pc[k++].n = 1;
    }
    *out = pc;
    *np = k;
    return 0;
}

/* Pieces of --result / --result-json: one value a line.  Raw strings
 * are unescaped into *raws (freed by the caller). */
static int
result_pieces(pcurl_piece **out, size_t *np, char ***raws,
              const pcurl_args *a, const pcurl_body *b,
              const pcurl_scan *scan, const value *v)
{
    pcurl_piece *pc = malloc((2 * scan->n + 1) * sizeof(*pc));
    char **r = calloc(scan->n + 1, sizeof(*r));
    size_t i, k = 0;

    *raws = r;
    if (pc == NULL || r == NULL) {
        free(pc);
        return -1;
    }
    if (a->include && b->head != NULL) {
        pc[k].p = b->head;
        pc[k++].n = b->head_len;
    }
    for (i = 0; i < scan->n; i++) {
        const pcurl_state *st = &scan->v[i];
        const char *p = "null";
        size_t n = 4;

        if (v[i].json != NULL) {
            p = v[i].json;
            n = v[i].len;
        } else if (st->resolved) {
            p = b->data + st->data_off;     /* resolved before */
            n = st->data_len;
        }
        if (a->print == PCURL_PRINT_RESULT && n > 0 && p[0] == '"') {
            if ((r[i] = pcurl_json_string_dup(p, n, &n)) == NULL) {
                free(pc);
                return -1;
            }
            p = r[i];
        }
        pc[k].p = p;
        pc[k++].n = n;
        pc[k].p = "\n";
        pc[k++].n = 1;
    }
    *out = pc;
    *np = k;
    return 0;
}

/*
 * Resolves the states that need it, at most --parallel-max at once (a
 * core batch), into v[].  The first failure, in the order of the body,
 * is reported and stops: nothing is written then.  0 or an exit code.
 */
static int
resolve_all(const pcurl_args *a, const pcurl_body *b,
            const pcurl_scan *scan, pr_client *client, value *v)
{
    pr_client *own = NULL;
    const char **states = calloc(scan->n + 1, sizeof(*states));
    size_t *lens = calloc(scan->n + 1, sizeof(*lens));
    size_t *which = calloc(scan->n + 1, sizeof(*which));
    size_t i, n = 0;
    pr_batch *batch = NULL;
    pr_batch_result *r;
    pr_error err;
    int rc = 0;

    pr_error_clear(&err);
    if (states == NULL || lens == NULL || which == NULL) {
        rc = nomem(a);
        goto done;
    }
    for (i = 0; i < scan->n; i++) {
        const pcurl_state *st = &scan->v[i];

        if (st->data_null || st->resolved)
            continue;
        states[n] = b->data + st->obj_off;
        lens[n] = st->obj_len;
        which[n++] = i;
    }
    if (n == 0)
        goto done;
    if (client == NULL) {
        if (client_for(&own, a, b->url, 0, NULL, &err) != PR_OK) {
            rc = report_resolve(a, &err);
            goto done;
        }
        client = own;
    }
    if (pr_batch_new_states(&batch, client, states, lens, n, &a->opts,
                            (size_t)a->parallel_max, &err) != PR_OK) {
        rc = report_resolve(a, &err);
        goto done;
    }
    for (;;) {
        if (pr_batch_next(batch, &r, &err) != PR_OK) {
            rc = report_resolve(a, &err);
            break;
        }
        if (r == NULL)
            break;
        if (r->rc != PR_OK) {
            rc = report_resolve(a, &r->err);
            break;
        }
        if (r->value->data != NULL) {
            i = which[r->index];
            v[i].json = pr_buf_detach(r->value, &v[i].len);
        }
    }
done:
    pr_batch_free(batch);
    pr_client_free(own);
    free(states);
    free(lens);
    free(which);
    return rc;
}

int
pcurl_api_emit(const pcurl_args *a, const pcurl_target *t,
               const pcurl_body *b, const pcurl_scan *scan,
               pr_client *client)
{
    value *v = calloc(scan->n + 1, sizeof(*v));
    pcurl_piece *pc = NULL;
    char **raws = NULL;
    size_t i, npc = 0, nfailed = 0, nstates = 0;
    int rc, changed = 0;

    if (v == NULL)
        return nomem(a);
    for (i = 0; i < scan->n; i++) {
        if (!scan->v[i].no_state) {
            nstates++;
            nfailed += scan->v[i].failed;
        }
    }
    rc = resolve_all(a, b, scan, client, v);
    if (rc == 0) {
        int bad;

        if (a->print == PCURL_PRINT_DOCUMENT)
            bad = document_pieces(&pc, &npc, a, b, scan, v, &changed);
        else
            bad = result_pieces(&pc, &npc, &raws, a, b, scan, v);
        rc = bad ? nomem(a) : pcurl_write_pieces(a, t, pc, npc);
    }
    if (rc == 0 && nfailed > 0 && !a->allow_failed)
        rc = report_failed(a, b, scan, nfailed, nstates);
    for (i = 0; raws != NULL && i < scan->n; i++)
        free(raws[i]);
    free(raws);
    free(pc);
    values_free(v, scan->n);
    return rc;
}

int
pcurl_emit_id(const pcurl_args *a, const pcurl_target *t)
{
    pr_client *c = NULL;
    pr_buf state;
    pr_error err;
    pr_id_kind kind = PR_ID_UNKNOWN;
    pcurl_scan scan;
    pcurl_body b;
    char id[PR_ID_SIZE + 64], *dbpath = NULL;
    int rc;

    pr_error_clear(&err);
    /* A bare id: the configured API, or with none, Prefect's own SQLite
     * database (the core picks).  prefect-db:[PATH#]ID forces the
     * database. */
    if (strncmp(t->url, "prefect-db:", 11) == 0) {
        if (pr_sqlite_db_url(&dbpath, id, t->url, &err) != PR_OK)
            return report_resolve(a, &err);
    } else {
        snprintf(id, sizeof(id), "%s", t->url);
    }
    rc = client_for(&c, a, NULL, 1, dbpath != NULL ? dbpath :
                    strncmp(t->url, "prefect-db:", 11) == 0 ? "" : NULL,
                    &err);
    pr_free(dbpath);
    if (rc != PR_OK)
        return report_resolve(a, &err);
    pr_buf_init(&state, a->opts.lim.max_input);
    if (pr_client_get_state(c, &state, &kind, id, &err) != PR_OK) {
        rc = report_resolve(a, &err);
        pr_buf_dispose(&state);
        pr_client_free(c);
        return rc;
    }
    memset(&b, 0, sizeof(b));
    b.data = state.data != NULL ? state.data : "";
    b.len = state.len;
    if (pcurl_scan_states(&scan, b.data, b.len, a->opts.lim.max_depth)
        != 0) {
        rc = nomem(a);
    } else if (scan.n == 0) {
        /* not a state we recognise: show it as it came */
        pcurl_piece pc[2] = {{b.data, b.len}, {"\n", 1}};

        rc = pcurl_write_pieces(a, t, pc, 2);
    } else {
        rc = pcurl_api_emit(a, t, &b, &scan, c);
    }
    pcurl_scan_dispose(&scan);
    pr_buf_dispose(&state);
    pr_client_free(c);
    return rc;
}
