/*
 * http_impl.h - internal to http.c and http_batch.c: the pr_http
 * behind http.h's opaque type and the pieces both the one-at-a-time
 * path (curl_easy_perform) and the batch path (curl_multi) use, so a
 * request is set up, judged and reported the same way in both.
 */
#ifndef PR_HTTP_IMPL_H
#define PR_HTTP_IMPL_H

#include <curl/curl.h>

#include "pr.h"
#include "http.h"

#define URL_SHOW 200

struct pr_http {
    CURL *curl;
    int (*cancel)(void *arg);
    void *cancel_arg;
    char errbuf[CURL_ERROR_SIZE];
    /* Batch mode (http_batch.c): while `tape` is set, requests are
     * answered from it or recorded in it; `multi` runs them. */
    pr_http_tape *tape;
    CURLM *multi;
};

/* The state one transfer's callbacks share. */
typedef struct xfer {
    pr_http *h;
    pr_buf *body;
    int over_cap;           /* the write callback hit the cap */
    int canceled;
    pr_error werr;
} xfer;

/* What one finished attempt means. */
typedef enum http_verdict {
    HTTP_DONE,              /* an answer: hand it to the caller */
    HTTP_BAD_STATUS,        /* a final status that is an error */
    HTTP_BAD_TRANSFER,      /* a transfer failure, final */
    HTTP_RETRY              /* wait, then try again */
} http_verdict;

/* "Accept: application/json" (unless the request says not) and the
 * request's own lines.  PR_ENOMEM. */
pr_code pr_http_headers(struct curl_slist **out, const pr_http_request *req,
                        const char *action, pr_error *err);
/* Frees a header list after wiping each line: they may hold tokens. */
void pr_http_headers_free(struct curl_slist *list);

/* Sets every option of one attempt on a handle that was just reset or
 * created: the request, the limits, the callbacks (on x). */
void pr_http_setup(CURL *c, xfer *x, char *errbuf,
                   const pr_http_request *req, const pr_http_opts *o,
                   struct curl_slist *headers);

/* Judges an attempt: rc and the status it got (0 when rc failed). */
http_verdict pr_http_judge(const pr_http_request *req,
                           const pr_http_opts *o, CURLcode rc, long status,
                           int canceled, int tries);

/* The wait before the next attempt: what a 429/503 asked for
 * (retry_after seconds, else -1), or the backoff with jitter (between
 * half and all of it); doubles *backoff for the one after. */
long pr_http_retry_wait(const pr_http_opts *o, long *backoff,
                        curl_off_t retry_after);

/* The errors of a final status and of a failed transfer, worded the
 * same in both paths. */
pr_code pr_http_status_error(pr_error *err, long status, const char *action,
                             const char *shown, const pr_buf *body,
                             size_t from, int tries);
pr_code pr_http_transfer_error(pr_error *err, CURLcode rc,
                               const char *action, const char *shown,
                               const pr_http_opts *o, const xfer *x,
                               const char *errbuf, int tries);

/* Answers a request from the tape, or records it there: PR_EPENDING.
 * Only called while h->tape is set. */
pr_code pr_http_tape_answer(pr_http *h, long *status, pr_buf *body,
                            const pr_http_request *req, pr_error *err);

/* Tears down the multi handle (pr_http_free). */
void pr_http_multi_free(pr_http *h);

#endif /* PR_HTTP_IMPL_H */
