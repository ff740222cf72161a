/*
 * http_batch.c - batch mode of the HTTP layer: tapes that record the
 * requests of a resolution pass and replay their outcomes on the next
 * pass, and pr_http_play, which runs every recorded request at once on
 * one curl multi handle (http.h says why resolution is re-run rather
 * than turned into callbacks).
 *
 * Why each choice:
 *   - a request is matched on method and URL only: a token request's
 *     body holds a fresh timestamp each pass, and headers are signed at
 *     transfer time (SigV4) or carry a date;
 *   - outcomes are judged by the same code as pr_http_get (verdict,
 *     retry waits, error wording), so a row's error reads the same as
 *     the error of a single call;
 *   - identical GETs recorded by different tapes (the same storage
 *     block for many runs) are one transfer;
 *   - the multi handle lives as long as the pr_http, so connections are
 *     kept from one batch window to the next;
 *   - retries wait by a per-request "not before" time instead of
 *     sleeping, so other transfers go on meanwhile; the loop wakes at
 *     least every 50 ms to poll the host's cancel callback.
 */
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "pr.h"
#include "alloc.h"
#include "config.h"
#include "http.h"
#include "http_impl.h"
#include "jsonw.h"

#define POLL_MS 50

enum { C_QUEUED, C_RUNNING, C_DONE };

typedef struct call call;
struct call {
    call *next;                 /* the tape's calls, in recording order */
    /* The request, copied: req's pointers point at these. */
    pr_http_request req;
    pr_http_opts opts;
    char *url, *action, *sigv4, *userpwd, *body, *ca_file;
    char **headers;
    size_t nheaders;
    int state;
    int used;                   /* answered in the current pass */
    call *leader;               /* the identical request that runs */
    /* The outcome. */
    pr_code rc;
    pr_error err;
    long status;
    pr_buf reply;
    /* The transfer. */
    CURL *easy;
    struct curl_slist *hdrs;
    xfer x;
    char errbuf[CURL_ERROR_SIZE];
    int tries;
    long backoff;
    long long not_before;       /* monotonic ms */
};

struct pr_http_tape {
    call *head;
    call **tail;
    size_t pending;
};

static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000L;
}

static void
free_str(char *s)
{
    if (s != NULL)
        pr_free_secret(s);
}

static void
call_free(call *c)
{
    size_t i;

    if (c->easy != NULL)
        curl_easy_cleanup(c->easy);
    pr_http_headers_free(c->hdrs);
    free_str(c->url);
    free_str(c->action);
    free_str(c->sigv4);
    free_str(c->userpwd);
    if (c->body != NULL)
        explicit_bzero(c->body, c->req.body_len);
    pr_free(c->body);
    free_str(c->ca_file);
    for (i = 0; i < c->nheaders; i++)
        free_str(c->headers[i]);
    pr_free(c->headers);
    if (c->reply.data != NULL)
        explicit_bzero(c->reply.data, c->reply.cap);
    pr_buf_dispose(&c->reply);
    pr_free(c);
}

pr_http_tape *
pr_http_tape_new(void)
{
    pr_http_tape *t = pr_malloc(sizeof(*t));

    if (t == NULL)
        return NULL;
    t->head = NULL;
    t->tail = &t->head;
    t->pending = 0;
    return t;
}

void
pr_http_tape_free(pr_http_tape *t)
{
    call *c, *next;

    if (t == NULL)
        return;
    for (c = t->head; c != NULL; c = next) {
        next = c->next;
        call_free(c);
    }
    pr_free(t);
}

void
pr_http_tape_rewind(pr_http_tape *t)
{
    call *c;

    for (c = t->head; c != NULL; c = c->next)
        c->used = 0;
}

size_t
pr_http_tape_pending(const pr_http_tape *t)
{
    return t->pending;
}

void
pr_http_set_tape(pr_http *h, pr_http_tape *t)
{
    h->tape = t;
}

/* A copy of s, or NULL for NULL; *bad set when memory ran out. */
static char *
dup_or_null(const char *s, size_t n, int *bad)
{
    char *d;

    if (s == NULL)
        return NULL;
    d = pr_malloc(n + 1);
    if (d == NULL) {
        *bad = 1;
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

#define DUP(s) dup_or_null((s), (s) != NULL ? strlen(s) : 0, &bad)

/* Records req on the tape; PR_EPENDING, or PR_ENOMEM. */
static pr_code
record(pr_http_tape *t, const pr_http_request *req, const pr_buf *body,
       pr_error *err)
{
    static const pr_http_opts defaults = PR_HTTP_OPTS_INIT;
    const char *action = req->action != NULL ? req->action : "fetching";
    call *c;
    size_t i;
    int bad = 0;

    c = pr_malloc(sizeof(*c));
    if (c == NULL)
        goto nomem;
    memset(c, 0, sizeof(*c));
    c->req.body_len = req->body_len;    /* for the wipe in call_free */
    c->url = DUP(req->url);
    c->action = DUP(action);
    c->sigv4 = DUP(req->aws_sigv4);
    c->userpwd = DUP(req->userpwd);
    c->body = dup_or_null(req->body, req->body_len, &bad);
    c->opts = req->opts != NULL ? *req->opts : defaults;
    c->ca_file = DUP(c->opts.ca_file);
    if (req->nheaders > 0) {
        c->headers = pr_malloc(req->nheaders * sizeof(char *));
        if (c->headers == NULL)
            bad = 1;
        for (i = 0; !bad && i < req->nheaders; i++) {
            c->headers[i] = DUP(req->headers[i]);
            c->nheaders = i + 1;
        }
    }
    if (bad) {
        call_free(c);
        goto nomem;
    }
    c->req = *req;
    c->req.url = c->url;
    c->req.action = c->action;
    c->req.aws_sigv4 = c->sigv4;
    c->req.userpwd = c->userpwd;
    c->req.body = c->body;
    c->req.headers = (const char *const *)c->headers;
    c->req.opts = &c->opts;
    c->opts.ca_file = c->ca_file;
    /* The reply may fill what is left of the caller's buffer. */
    pr_buf_init(&c->reply, body->max == 0 ? 0 : body->max > body->len
                ? body->max - body->len : 1);
    c->backoff = c->opts.retry_base_ms;
    c->state = C_QUEUED;
    c->used = 1;
    *t->tail = c;
    t->tail = &c->next;
    t->pending++;
    return pr_error_set(err, PR_EPENDING, "%s: waiting for the batch",
                        action);
nomem:
    return pr_error_set(err, PR_ENOMEM, "%s: out of memory recording a "
                        "request", action);
}

pr_code
pr_http_tape_answer(pr_http *h, long *status, pr_buf *body,
                    const pr_http_request *req, pr_error *err)
{
    pr_http_tape *t = h->tape;
    int post = req->body != NULL;
    char shown[URL_SHOW];
    call *c;
    pr_code rc;

    for (c = t->head; c != NULL; c = c->next)
        if (!c->used && (c->body != NULL) == post &&
            strcmp(c->url, req->url) == 0)
            break;
    if (c == NULL)
        return record(t, req, body, err);
    c->used = 1;
    if (c->state != C_DONE)
        return pr_error_set(err, PR_EPENDING, "%s: waiting for the batch",
                            c->action);
    if (c->rc != PR_OK) {
        *err = c->err;
        return c->rc;
    }
    rc = pr_buf_append(body, c->reply.data != NULL ? c->reply.data : "",
                       c->reply.len, err);
    if (rc == PR_ELIMIT) {
        pr_url_redact(shown, sizeof(shown), req->url);
        return pr_error_set(err, PR_ELIMIT, "%s: the reply from %s is "
                            "larger than %zu bytes (max_input)", c->action,
                            shown, body->max);
    }
    if (rc == PR_OK)
        *status = c->status;
    return rc;
}

/* ---- running the recorded requests ---------------------------------- */

static int
same_strs(const char *a, const char *b)
{
    return (a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0);
}

/* Two recorded GETs that would get the same reply. */
static int
same_request(const call *a, const call *b)
{
    size_t i;

    if (a->body != NULL || b->body != NULL || a->nheaders != b->nheaders ||
        a->reply.max != b->reply.max || strcmp(a->url, b->url) != 0 ||
        !same_strs(a->sigv4, b->sigv4) || !same_strs(a->userpwd, b->userpwd)
        || a->req.accept_404 != b->req.accept_404 ||
        a->req.any_status != b->req.any_status ||
        a->req.no_accept_json != b->req.no_accept_json)
        return 0;
    for (i = 0; i < a->nheaders; i++)
        if (strcmp(a->headers[i], b->headers[i]) != 0)
            return 0;
    return 1;
}

static pr_code
start(pr_http *h, call *c, pr_error *err)
{
    pr_code rc;

    if (c->hdrs == NULL) {
        rc = pr_http_headers(&c->hdrs, &c->req, c->action, err);
        if (rc != PR_OK)
            return rc;
    }
    if (c->easy == NULL)
        c->easy = curl_easy_init();
    else
        curl_easy_reset(c->easy);
    if (c->easy == NULL)
        return pr_error_set(err, PR_ENOMEM, "%s: libcurl could not create "
                            "a transfer handle", c->action);
    memset(&c->x, 0, sizeof(c->x));
    c->x.h = h;
    c->x.body = &c->reply;
    c->reply.len = 0;
    if (c->reply.data != NULL)
        c->reply.data[0] = '\0';
    pr_http_setup(c->easy, &c->x, c->errbuf, &c->req, &c->opts, c->hdrs);
    curl_easy_setopt(c->easy, CURLOPT_PRIVATE, (void *)c);
    if (curl_multi_add_handle(h->multi, c->easy) != CURLM_OK)
        return pr_error_set(err, PR_ENOMEM, "%s: libcurl could not start "
                            "the transfer", c->action);
    c->tries++;
    c->state = C_RUNNING;
    return PR_OK;
}

/* Judges a finished attempt: an outcome, or a retry later. */
static void
finish(pr_http *h, call *c, CURLcode crc)
{
    char shown[URL_SHOW];
    curl_off_t retry_after = -1;
    long status = 0;

    curl_multi_remove_handle(h->multi, c->easy);
    if (crc == CURLE_OK)
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    pr_url_redact(shown, sizeof(shown), c->url);
    switch (pr_http_judge(&c->req, &c->opts, crc, status, c->x.canceled,
                          c->tries)) {
    case HTTP_DONE:
        c->rc = PR_OK;
        c->status = status;
        break;
    case HTTP_BAD_STATUS:
        c->rc = pr_http_status_error(&c->err, status, c->action, shown,
                                     &c->reply, 0, c->tries);
        c->reply.len = 0;
        break;
    case HTTP_BAD_TRANSFER:
        c->rc = pr_http_transfer_error(&c->err, crc, c->action, shown,
                                       &c->opts, &c->x, c->errbuf,
                                       c->tries);
        c->reply.len = 0;
        break;
    case HTTP_RETRY:
        if ((status == 429 || status == 503) &&
            curl_easy_getinfo(c->easy, CURLINFO_RETRY_AFTER,
                              &retry_after) != CURLE_OK)
            retry_after = -1;
        c->not_before = now_ms() +
                        pr_http_retry_wait(&c->opts, &c->backoff,
                                           retry_after);
        c->state = C_QUEUED;
        return;
    }
    c->state = C_DONE;
    curl_easy_cleanup(c->easy);
    c->easy = NULL;
}

/* Stops every running transfer; they stay queued. */
static void
abort_all(pr_http *h, call **list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (list[i]->state == C_RUNNING) {
            curl_multi_remove_handle(h->multi, list[i]->easy);
            list[i]->state = C_QUEUED;
        }
}

/* Gives a follower its leader's outcome. */
static pr_code
copy_outcome(call *c, pr_error *err)
{
    const call *l = c->leader;

    c->rc = l->rc;
    c->err = l->err;
    c->status = l->status;
    c->reply.len = 0;
    if (l->reply.len > 0 &&
        pr_buf_append(&c->reply, l->reply.data, l->reply.len, err) != PR_OK)
        return pr_error_set(err, PR_ENOMEM, "%s: out of memory copying a "
                            "reply", c->action);
    c->state = C_DONE;
    return PR_OK;
}

static pr_code
run(pr_http *h, call **list, size_t n, size_t parallel, pr_error *err)
{
    size_t i, active = 0, left = n;
    long long now, next_at;
    int running, queued;
    CURLMsg *msg;
    pr_code rc;

    while (left > 0) {
        if (h->cancel != NULL && h->cancel(h->cancel_arg)) {
            abort_all(h, list, n);
            return pr_error_set(err, PR_ECANCELED, "canceled while "
                                "fetching %zu results at once", n);
        }
        now = now_ms();
        next_at = now + POLL_MS;
        for (i = 0; i < n && active < parallel; i++) {
            if (list[i]->state != C_QUEUED)
                continue;
            if (list[i]->not_before > now) {
                if (list[i]->not_before < next_at)
                    next_at = list[i]->not_before;
                continue;
            }
            rc = start(h, list[i], err);
            if (rc != PR_OK) {
                abort_all(h, list, n);
                return rc;
            }
            active++;
        }
        if (curl_multi_perform(h->multi, &running) != CURLM_OK) {
            abort_all(h, list, n);
            return pr_error_set(err, PR_ENOMEM, "libcurl failed running "
                                "%zu transfers", active);
        }
        while ((msg = curl_multi_info_read(h->multi, &queued)) != NULL) {
            call *c = NULL;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
                              (char **)&c);
            if (c == NULL)
                continue;
            finish(h, c, msg->data.result);
            active--;
            if (c->state == C_DONE)
                left--;
        }
        if (left == 0)
            break;
        now = now_ms();
        curl_multi_poll(h->multi, NULL, 0,
                        next_at > now ? (int)(next_at - now) : 0, NULL);
    }
    return PR_OK;
}

pr_code
pr_http_play(pr_http *h, pr_http_tape *const *tapes, size_t n,
             size_t parallel, pr_error *err)
{
    call **list = NULL, *c;
    size_t i, j, count = 0, k = 0;
    pr_code rc = PR_OK;

    for (i = 0; i < n; i++)
        count += tapes[i] != NULL ? tapes[i]->pending : 0;
    if (count == 0)
        return PR_OK;
    if (parallel == 0)
        parallel = 1;
    if (h->multi == NULL) {
        h->multi = curl_multi_init();
        if (h->multi == NULL)
            return pr_error_set(err, PR_ENOMEM, "libcurl could not create "
                                "a multi handle");
    }
    list = pr_malloc(count * sizeof(*list));
    if (list == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory fetching %zu "
                            "results at once", count);
    /* The leaders run; an identical request waits for its leader. */
    for (i = 0; i < n; i++) {
        if (tapes[i] == NULL)
            continue;
        for (c = tapes[i]->head; c != NULL; c = c->next) {
            if (c->state == C_DONE)
                continue;
            c->leader = NULL;
            for (j = 0; j < k && c->leader == NULL; j++)
                if (same_request(list[j], c))
                    c->leader = list[j];
            if (c->leader == NULL)
                list[k++] = c;
        }
    }
    rc = run(h, list, k, parallel, err);
    for (i = 0; rc == PR_OK && i < n; i++) {
        if (tapes[i] == NULL)
            continue;
        for (c = tapes[i]->head; rc == PR_OK && c != NULL; c = c->next)
            if (c->state != C_DONE && c->leader != NULL)
                rc = copy_outcome(c, err);
        if (rc == PR_OK)
            tapes[i]->pending = 0;
    }
    pr_free(list);
    return rc;
}

void
pr_http_multi_free(pr_http *h)
{
    if (h->multi != NULL)
        curl_multi_cleanup(h->multi);
    h->multi = NULL;
}
