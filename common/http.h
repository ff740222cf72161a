/*
 * http.h - internal: the one HTTP layer.  http.c is the only file that
 * calls curl_easy_*; the REST source and the storage backends build
 * requests and hand them here.
 *
 * A pr_http owns one easy handle, reused for every request (reset in
 * between, which keeps the connection and DNS caches), and the host's
 * cancel callback.  Requests are GETs (or a small POST: an OAuth token
 * request) with a capped reply: the cap is the body buffer's `max`.
 * Retries with exponential backoff on 429 (Retry-After honoured,
 * bounded), 502, 503, 504, and connections that dropped or closed
 * without a reply; every wait can be cancelled.
 */
#ifndef PR_HTTP_H
#define PR_HTTP_H

#include "pr.h"

typedef struct pr_http pr_http;

/* Transfer settings; strings are borrowed for the call. */
typedef struct pr_http_opts {
    long timeout_ms;            /* whole transfer, per attempt */
    long connect_timeout_ms;
    int retries;                /* further attempts after the first */
    long retry_base_ms;         /* first backoff wait, doubled each time */
    long retry_max_wait_ms;     /* longest single wait (Retry-After too) */
    const char *ca_file;        /* CA bundle, or NULL for the system's */
    int insecure;               /* skip TLS peer and host verification */
} pr_http_opts;

#define PR_HTTP_OPTS_INIT { 60000L, 10000L, 5, 250L, 30000L, NULL, 0 }

typedef struct pr_http_request {
    const char *url;
    /* What is being done, for messages: "reading flow run state 1a2b". */
    const char *action;
    const char *const *headers; /* "Name: value" lines, may be NULL */
    size_t nheaders;
    int accept_404;             /* 404 is an answer, not an error */
    const pr_http_opts *opts;   /* NULL: PR_HTTP_OPTS_INIT */
    /* Signed object stores (zero when unused). */
    const char *aws_sigv4;      /* CURLOPT_AWS_SIGV4, "aws:amz:REGION:s3" */
    const char *userpwd;        /* CURLOPT_USERPWD "id:secret" (secret) */
    int any_status;             /* every final status is an answer */
    int no_accept_json;         /* omit the "Accept: application/json" */
    /* POST (zero when unused): body != NULL sends body_len bytes of it
     * as a POST (the caller adds Content-Type), else the request is a
     * GET.  Borrowed; may hold a secret (an OAuth assertion). */
    const char *body;
    size_t body_len;
} pr_http_request;

/* PR_ENOMEM, PR_ENETWORK (libcurl could not start). */
pr_code pr_http_new(pr_http **out, pr_error *err);
void pr_http_free(pr_http *h);
/* Polled during transfers and waits; nonzero stops with PR_ECANCELED. */
void pr_http_set_cancel(pr_http *h, int (*cancel)(void *arg), void *arg);

/*
 * pr_http_get - GET req->url (POST req->body when it is set) and append
 * the reply body to `body` (whose `max` caps it: PR_ELIMIT, before
 * reading past it when the length is announced).  On PR_OK, *status is
 * a 2xx code, or 404 when req->accept_404, or any final status (after
 * the retries) when req->any_status, with the reply body (an error
 * document) appended.
 * Otherwise any other final status is an error: PR_EAUTH (401,
 * 403), PR_ENOTFOUND (404), PR_EHTTP (the rest, after the retries), with
 * err->http_status set.  Transfer failures: PR_ENETWORK, PR_ETIMEOUT,
 * PR_ECANCELED, with err->curl_code set.  Messages name req->action and
 * the redacted URL.  On failure `body` is back at its old length.
 */
pr_code pr_http_get(pr_http *h, long *status, pr_buf *body,
                    const pr_http_request *req, pr_error *err);

/*
 * pr_url_redact - copies url into dst (size n, always NUL-terminated,
 * truncated if need be) without its userinfo ("user:pass@"), query
 * string and fragment, which may hold secrets (SAS tokens, passwords).
 * Returns dst.
 */
const char *pr_url_redact(char *dst, size_t n, const char *url);

/*
 * pr_wait_ms - sleeps ms milliseconds, polling cancel (may be NULL)
 * every few milliseconds.  Returns 1 if cancel fired, else 0.
 */
int pr_wait_ms(long ms, int (*cancel)(void *arg), void *arg);

#endif /* PR_HTTP_H */
