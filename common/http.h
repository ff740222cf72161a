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
    /* Done at once even in batch mode: a token request whose answer
     * every later request of the batch needs. */
    int immediate;
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
 * Batch mode (http_batch.c).  Resolving many ids concurrently without
 * turning every caller into a state machine: each id gets a tape, and
 * its whole resolution is run again and again.  While a tape is set,
 * pr_http_get answers a request the tape already holds the outcome of
 * (same method and URL, in order), and records any other one, returning
 * PR_EPENDING, which every caller passes up unchanged.  After a pass over
 * all ids, pr_http_play runs every recorded request at once (curl multi,
 * at most `parallel` transfers, retries and cancel as pr_http_get has
 * them; identical GETs of different tapes share one transfer), and the
 * next pass gets further.  Each pass costs a re-parse of small JSON; the
 * decode itself runs once, in the pass that has every byte.
 */
typedef struct pr_http_tape pr_http_tape;

/* NULL when memory runs out. */
pr_http_tape *pr_http_tape_new(void);
/* Wipes (replies may hold secrets: block documents, tokens) and frees. */
void pr_http_tape_free(pr_http_tape *t);
/* Starts a pass: every recorded outcome may be answered again. */
void pr_http_tape_rewind(pr_http_tape *t);
/* Requests recorded and not yet run. */
size_t pr_http_tape_pending(const pr_http_tape *t);
/* Answer from and record into t (NULL: back to doing requests). */
void pr_http_set_tape(pr_http *h, pr_http_tape *t);
/*
 * pr_http_play - runs the pending requests of tapes[0..n) concurrently
 * and records their outcomes.  A request's failure is its outcome, not
 * this call's: this fails only with PR_ECANCELED or PR_ENOMEM.
 */
pr_code pr_http_play(pr_http *h, pr_http_tape *const *tapes, size_t n,
                     size_t parallel, pr_error *err);

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
