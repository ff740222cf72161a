/*
 * http.c - the only caller of curl_easy_*: one reused easy handle per
 * pr_http, GET (or a small POST) with a capped body, timeouts,
 * cancellation, retries.
 *
 * Why each choice:
 *   - curl_easy_reset before every request drops the previous request's
 *     options (a storage backend's signing must not leak into an API
 *     call) but keeps the connection and DNS caches, so a batch of
 *     lookups reuses one connection;
 *   - CURLOPT_NOSIGNAL, because hosts (PostgreSQL) own the signals and
 *     may be multi-threaded;
 *   - an XFERINFO callback polls the host's cancel callback, and the
 *     waits between retries sleep in short slices that poll it too;
 *   - the body cap is enforced twice: CURLOPT_MAXFILESIZE stops before
 *     reading when the length is announced, the write callback stops
 *     when it is not (or the reply is compressed);
 *   - secrets handed to libcurl in header lines are wiped before the
 *     list is freed; URLs in messages are redacted.
 * Retried: 429 and 503 (waiting what Retry-After says, as seconds or an
 * HTTP date, bounded; else the backoff, jittered), 502, 504, and
 * connections that dropped or closed without a reply.  Not retried:
 * refused connections and timeouts (the caller's time budget is spent),
 * and every other status.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <cJSON.h>

#include "pr.h"
#include "alloc.h"
#include "http.h"
#include "http_impl.h"
#include "jsonw.h"

#define DETAIL_SHOW 100
#define WAIT_SLICE_MS 20L

const char *
pr_url_redact(char *dst, size_t n, const char *url)
{
    const char *p, *host, *end, *at;
    size_t o = 0;

    if (n == 0)
        return dst;
    dst[0] = '\0';
    if (url == NULL)
        return dst;
    /* Copy the scheme, then skip any userinfo in the authority. */
    p = strstr(url, "://");
    host = url;
    if (p != NULL && strcspn(url, "/?#") == (size_t)(p - url) + 1) {
        host = p + 3;
        for (; url < host && o + 1 < n; url++)
            dst[o++] = *url;
    }
    end = host + strcspn(host, "/?#");
    at = NULL;
    for (p = host; p < end; p++)
        if (*p == '@')
            at = p;
    if (at != NULL)
        host = at + 1;
    /* Host and path, up to the query or fragment. */
    end = host + strcspn(host, "?#");
    for (p = host; p < end && o + 1 < n; p++)
        dst[o++] = *p;
    dst[o] = '\0';
    return dst;
}

int
pr_wait_ms(long ms, int (*cancel)(void *arg), void *arg)
{
    struct timespec now, until, slice;
    long long left;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    for (;;) {
        if (cancel != NULL && cancel(arg))
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        left = (long long)(until.tv_sec - now.tv_sec) * 1000000000LL +
               (until.tv_nsec - now.tv_nsec);
        if (left <= 0)
            return 0;
        if (left > WAIT_SLICE_MS * 1000000LL)
            left = WAIT_SLICE_MS * 1000000LL;
        slice.tv_sec = 0;
        slice.tv_nsec = (long)left;
        while (nanosleep(&slice, &slice) != 0 && errno == EINTR)
            ;
    }
}

pr_code
pr_http_new(pr_http **out, pr_error *err)
{
    pr_http *h;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return pr_error_set(err, PR_ENETWORK, "libcurl could not be "
                            "initialised");
    h = pr_malloc(sizeof(*h));
    if (h == NULL) {
        curl_global_cleanup();
        return pr_error_set(err, PR_ENOMEM, "out of memory creating an "
                            "HTTP client");
    }
    memset(h, 0, sizeof(*h));
    h->curl = curl_easy_init();
    if (h->curl == NULL) {
        pr_free(h);
        curl_global_cleanup();
        return pr_error_set(err, PR_ENETWORK, "libcurl could not create a "
                            "transfer handle");
    }
    *out = h;
    return PR_OK;
}

void
pr_http_free(pr_http *h)
{
    if (h == NULL)
        return;
    pr_http_multi_free(h);
    curl_easy_cleanup(h->curl);
    pr_free(h);
    curl_global_cleanup();
}

void
pr_http_set_cancel(pr_http *h, int (*cancel)(void *arg), void *arg)
{
    h->cancel = cancel;
    h->cancel_arg = arg;
}

/** libcurl write callback: append to the capped body, or stop. */
static size_t
on_write(char *data, size_t size, size_t nmemb, void *arg)
{
    xfer *x = arg;
    size_t n = size * nmemb;

    if (pr_buf_append(x->body, data, n, &x->werr) != PR_OK) {
        x->over_cap = x->werr.code == PR_ELIMIT;
        return 0;           /* CURLE_WRITE_ERROR */
    }
    return n;
}

/** libcurl progress callback: nonzero aborts the transfer. */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
            curl_off_t ultotal, curl_off_t ulnow)
{
    xfer *x = arg;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    if (x->h->cancel != NULL && x->h->cancel(x->h->cancel_arg)) {
        x->canceled = 1;
        return 1;
    }
    return 0;
}

void
pr_http_headers_free(struct curl_slist *list)
{
    struct curl_slist *l;

    for (l = list; l != NULL; l = l->next)
        if (l->data != NULL)
            explicit_bzero(l->data, strlen(l->data));
    curl_slist_free_all(list);
}

pr_code
pr_http_headers(struct curl_slist **out, const pr_http_request *req,
                const char *action, pr_error *err)
{
    struct curl_slist *list = NULL, *next;
    size_t i;

    if (!req->no_accept_json) {
        next = curl_slist_append(list, "Accept: application/json");
        if (next == NULL)
            goto nomem;
        list = next;
    }
    for (i = 0; i < req->nheaders; i++) {
        next = curl_slist_append(list, req->headers[i]);
        if (next == NULL)
            goto nomem;
        list = next;
    }
    *out = list;
    return PR_OK;
nomem:
    pr_http_headers_free(list);
    return pr_error_set(err, PR_ENOMEM, "%s: out of memory building the "
                        "request headers", action);
}

void
pr_http_setup(CURL *c, xfer *x, char *errbuf, const pr_http_request *req,
              const pr_http_opts *o, struct curl_slist *headers)
{
    curl_off_t cap = 0;

    errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (req->body != NULL) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)req->body_len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500     /* 7.85.0 */
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS,
                     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(c, CURLOPT_USERAGENT, "prefect-result/"
                     PR_VERSION_STRING);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    if (o->timeout_ms > 0)
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    if (o->connect_timeout_ms > 0)
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                         o->connect_timeout_ms);
    if (o->ca_file != NULL && o->ca_file[0] != '\0')
        curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
    if (o->insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (req->aws_sigv4 != NULL)
        curl_easy_setopt(c, CURLOPT_AWS_SIGV4, req->aws_sigv4);
    if (req->userpwd != NULL)
        curl_easy_setopt(c, CURLOPT_USERPWD, req->userpwd);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
    if (x->body->max != 0 && x->body->max > x->body->len &&
        x->body->max - x->body->len < (size_t)INT64_MAX) {
        cap = (curl_off_t)(x->body->max - x->body->len);
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, cap);
    }
}

/* One attempt on the reused handle. */
static CURLcode
perform(pr_http *h, xfer *x, const pr_http_request *req,
        const pr_http_opts *o, struct curl_slist *headers)
{
    curl_easy_reset(h->curl);
    pr_http_setup(h->curl, x, h->errbuf, req, o, headers);
    return curl_easy_perform(h->curl);
}

/* Nonzero for transfer failures worth another attempt: the server
 * dropped the connection or answered nothing. */
static int
retry_transfer(CURLcode rc)
{
    return rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR ||
           rc == CURLE_SEND_ERROR || rc == CURLE_PARTIAL_FILE;
}

static int
retry_status(long status)
{
    return status == 429 || status == 502 || status == 503 ||
           status == 504;
}

http_verdict
pr_http_judge(const pr_http_request *req, const pr_http_opts *o,
              CURLcode rc, long status, int canceled, int tries)
{
    if (rc == CURLE_OK) {
        if ((status >= 200 && status < 300) ||
            (status == 404 && req->accept_404) ||
            (req->any_status && (!retry_status(status) ||
                                 tries > o->retries)))
            return HTTP_DONE;
        if (!retry_status(status) || tries > o->retries)
            return HTTP_BAD_STATUS;
        return HTTP_RETRY;
    }
    if (canceled || !retry_transfer(rc) || tries > o->retries)
        return HTTP_BAD_TRANSFER;
    return HTTP_RETRY;
}

/*
 * Half the backoff plus a random part of the other half ("equal
 * jitter"): the transfers of a batch that met one 503 together must not
 * all come back at the same moment.  Not for secrets: xorshift, seeded
 * per thread from the clock and a stack address.
 */
static long
jitter(long ms)
{
    static _Thread_local uint64_t x;
    struct timespec ts;

    if (ms < 2)
        return ms;
    if (x == 0) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        x = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
            (uint64_t)(uintptr_t)&ts;
        x |= 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return ms / 2 + (long)(x % (uint64_t)(ms - ms / 2 + 1));
}

long
pr_http_retry_wait(const pr_http_opts *o, long *backoff,
                   curl_off_t retry_after)
{
    long wait_ms = jitter(*backoff);

    if (retry_after > 0)
        wait_ms = retry_after > o->retry_max_wait_ms / 1000 + 1
                  ? o->retry_max_wait_ms : (long)retry_after * 1000L;
    if (wait_ms > o->retry_max_wait_ms)
        wait_ms = o->retry_max_wait_ms;
    if (*backoff < o->retry_max_wait_ms)
        *backoff *= 2;
    return wait_ms;
}

/* A short, printable "detail" from an error reply ({"detail": "..."},
 * as the Prefect API writes them), or "". */
static void
reply_detail(char *dst, size_t n, const pr_buf *body, size_t from)
{
    cJSON *doc, *d;
    size_t i, o = 0;
    const char *s;

    dst[0] = '\0';
    if (body->data == NULL || body->len <= from)
        return;
    doc = cJSON_ParseWithLength(body->data + from, body->len - from);
    if (doc == NULL)
        return;
    d = cJSON_GetObjectItemCaseSensitive(doc, "detail");
    if (cJSON_IsString(d) && d->valuestring != NULL) {
        s = d->valuestring;
        for (i = 0; s[i] != '\0' && o + 1 < n && o < DETAIL_SHOW; i++)
            dst[o++] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
        dst[o] = '\0';
    }
    cJSON_Delete(doc);
}

pr_code
pr_http_status_error(pr_error *err, long status, const char *action,
                     const char *shown, const pr_buf *body, size_t from,
                     int tries)
{
    char detail[DETAIL_SHOW + 4];
    pr_code code;

    reply_detail(detail, sizeof(detail), body, from);
    if (status == 401 || status == 403)
        code = PR_EAUTH;
    else if (status == 404)
        code = PR_ENOTFOUND;
    else
        code = PR_EHTTP;
    if (tries > 1)
        pr_error_set(err, code, "%s: HTTP %ld from %s after %d attempts%s%s",
                     action, status, shown, tries, detail[0] ? ": " : "",
                     detail);
    else
        pr_error_set(err, code, "%s: HTTP %ld from %s%s%s", action, status,
                     shown, detail[0] ? ": " : "", detail);
    err->http_status = status;
    if (status == 401)
        pr_error_hint(err, "the server refused the credentials");
    else if (status == 403)
        pr_error_hint(err, "the credentials lack permission for this");
    else if (status >= 300 && status < 400)
        pr_error_hint(err, "redirects are not followed: give the final "
                      "URL");
    else if (retry_status(status))
        pr_error_hint(err, "the server is busy or unavailable: try again "
                      "later");
    return code;
}

pr_code
pr_http_transfer_error(pr_error *err, CURLcode rc, const char *action,
                       const char *shown, const pr_http_opts *o,
                       const xfer *x, const char *errbuf, int tries)
{
    const char *why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    char again[32] = "";

    if (tries > 1)
        snprintf(again, sizeof(again), " after %d attempts", tries);
    if (x->canceled || rc == CURLE_ABORTED_BY_CALLBACK) {
        pr_error_set(err, PR_ECANCELED, "%s: canceled (%s)", action, shown);
    } else if (x->over_cap || rc == CURLE_FILESIZE_EXCEEDED) {
        pr_error_set(err, PR_ELIMIT, "%s: the reply from %s is larger than "
                     "%zu bytes (max_input)", action, shown, x->body->max);
    } else if (x->werr.code == PR_ENOMEM || rc == CURLE_OUT_OF_MEMORY) {
        pr_error_set(err, PR_ENOMEM, "%s: out of memory reading the reply "
                     "from %s", action, shown);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        pr_error_set(err, PR_ETIMEOUT, "%s: no complete reply from %s "
                     "within %ld ms (%s)", action, shown,
                     o->timeout_ms, why);
        pr_error_hint(err, "the server is slow or unreachable: raise the "
                      "timeout or check the URL");
    } else {
        pr_error_set(err, PR_ENETWORK, "%s: %s%s (%s)", action, why, again,
                     shown);
        if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
            pr_error_hint(err, "check that the server is running and the "
                          "URL (PREFECT_API_URL) is right");
        else if (rc == CURLE_PEER_FAILED_VERIFICATION)
            pr_error_hint(err, "set PREFECT_API_SSL_CERT_FILE to the CA "
                          "bundle that signed the server's certificate");
        else if (rc == CURLE_SSL_CACERT_BADFILE)
            pr_error_hint(err, "check the CA file named by "
                          "PREFECT_API_SSL_CERT_FILE or SSL_CERT_FILE");
    }
    err->curl_code = (int)rc;
    return err->code;
}

pr_code
pr_http_get(pr_http *h, long *status, pr_buf *body,
            const pr_http_request *req, pr_error *err)
{
    static const pr_http_opts defaults = PR_HTTP_OPTS_INIT;
    const pr_http_opts *o = req->opts != NULL ? req->opts : &defaults;
    const char *action = req->action != NULL ? req->action : "fetching";
    struct curl_slist *headers = NULL;
    char shown[URL_SHOW];
    size_t start = body->len;
    long code = 0, backoff = o->retry_base_ms;
    curl_off_t retry_after;
    CURLcode rc;
    pr_code prc;
    xfer x;
    int tries = 0;

    if (h->tape != NULL && !req->immediate)
        return pr_http_tape_answer(h, status, body, req, err);
    pr_url_redact(shown, sizeof(shown), req->url);
    prc = pr_http_headers(&headers, req, action, err);
    if (prc != PR_OK)
        return prc;
    for (;;) {
        memset(&x, 0, sizeof(x));
        x.h = h;
        x.body = body;
        body->len = start;
        if (body->data != NULL)
            body->data[start] = '\0';
        tries++;
        rc = perform(h, &x, req, o, headers);
        code = 0;
        retry_after = -1;
        if (rc == CURLE_OK)
            curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
        switch (pr_http_judge(req, o, rc, code, x.canceled, tries)) {
        case HTTP_DONE:
            *status = code;
            pr_http_headers_free(headers);
            return PR_OK;
        case HTTP_BAD_STATUS:
            prc = pr_http_status_error(err, code, action, shown, body,
                                       start, tries);
            goto failed;
        case HTTP_BAD_TRANSFER:
            prc = pr_http_transfer_error(err, rc, action, shown, o, &x,
                                         h->errbuf, tries);
            goto failed;
        case HTTP_RETRY:
            break;
        }
        if ((code == 429 || code == 503) &&
            curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER,
                              &retry_after) != CURLE_OK)
            retry_after = -1;
        /* Wait, then try again. */
        if (pr_wait_ms(pr_http_retry_wait(o, &backoff, retry_after),
                       h->cancel, h->cancel_arg)) {
            prc = pr_error_set(err, PR_ECANCELED, "%s: canceled while "
                               "waiting to retry %s", action, shown);
            goto failed;
        }
    }
failed:
    pr_http_headers_free(headers);
    body->len = start;
    if (body->data != NULL)
        body->data[start] = '\0';
    return prc;
}
