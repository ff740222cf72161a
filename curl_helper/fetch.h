/*
 * fetch.h - one libcurl easy handle, reused for every URL on the command
 * line, that reads a whole body (and its headers, for -i) into buffers
 * capped at the decoder's input limit, retrying transient errors as
 * curl's --retry does.  The only file of prefect-curl that calls
 * libcurl's transfer functions.
 */
#ifndef PCURL_FETCH_H
#define PCURL_FETCH_H

#include <stddef.h>

#include <curl/curl.h>

#include "args.h"
#include "pr.h"

typedef struct pcurl_fetcher pcurl_fetcher;

/* What one transfer brought back. */
typedef struct pcurl_reply {
    char *body;         /* malloc'd, NUL-terminated (not counted in len) */
    size_t len;
    char *head;         /* every response header line as received */
    size_t head_len;
    long status;        /* HTTP status; 0 for file:// and the like */
    char *url;          /* the effective URL (after -L and -G), malloc'd */
    int http_error;     /* status >= 400 under --fail-with-body */
} pcurl_reply;

/*
 * pcurl_fetcher_new - a handle set up from the options in `a` (which
 * must outlive it).  *out is ours to free with pcurl_fetcher_free.
 * Returns PR_OK, or an error with err->curl_code set (2: libcurl could
 * not start; 48: an option this libcurl lacks; 77: a --cacert problem)
 * or PR_ENOMEM.
 */
pr_code pcurl_fetcher_new(pcurl_fetcher **out, const pcurl_args *a,
                          pr_error *err);
void pcurl_fetcher_free(pcurl_fetcher *f);

/*
 * pcurl_fetch - transfer `url` into *r (caller disposes it with
 * pcurl_reply_dispose, also after a failure).  `meter` is 0 when the
 * body goes to a terminal (no progress meter then, as in curl).  On
 * failure err says why with secrets masked: err->curl_code is the
 * CURLcode (22 for --fail on an HTTP error, 28 timeout, 37 unreadable
 * file ...), or err->code is PR_ELIMIT (the body is larger than the
 * input limit, curl_code 0).
 */
pr_code pcurl_fetch(pcurl_fetcher *f, const char *url, int meter,
                    pcurl_reply *r, pr_error *err);
void pcurl_reply_dispose(pcurl_reply *r);

/* The handle of the last transfer, for -w's curl_easy_getinfo. */
CURL *pcurl_fetcher_handle(pcurl_fetcher *f);

#endif /* PCURL_FETCH_H */
