/*
 * fetch.c - libcurl easy transfers into capped buffers.
 *
 * The whole body is kept in memory because it has to be sniffed (and
 * maybe decoded) before a byte of it is written; the cap is the
 * decoder's max_input limit (--limit-input), enforced both from the
 * announced size (CURLOPT_MAXFILESIZE_LARGE) and while receiving.
 * Verbose output goes through our own debug callback so that
 * credentials are masked (plain CURLOPT_VERBOSE would print an
 * Authorization header as sent).
 *
 * --retry follows curl's rules: a timeout, a failed name lookup, an
 * HTTP 408, 429, 500, 502, 503 or 504 (and a refused connection with
 * --retry-connrefused, anything with --retry-all-errors) is tried again
 * after 1 s, then 2, 4 ... up to 10 minutes, or --retry-delay, or the
 * server's Retry-After.  A retried reply is dropped, never written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fetch.h"
#include "progress.h"
#include "redact.h"

#define USER_AGENT "prefect-curl/" PR_VERSION_STRING
#define MAX_REDIRS 50L      /* curl's own default for -L */
#define HEAD_MAX ((size_t)1 << 20)
#define RETRY_FIRST_MS 1000L
#define RETRY_LONGEST_MS 600000L

struct pcurl_fetcher {
    CURL *h;
    const pcurl_args *a;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    pcurl_progress progress;
    /* the transfer in progress */
    pcurl_reply *reply;
    size_t cap;             /* allocated bytes of reply->body */
    size_t head_cap;
    size_t max;             /* input limit */
    int over_limit;
};

/* Appends n bytes to a growing NUL-terminated buffer.  0 or -1. */
static int
append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t want = *cap ? *cap : 16384;
        char *grown;

        while (want < *len + n + 1)
            want = want > SIZE_MAX / 2 ? *len + n + 1 : want * 2;
        if ((grown = realloc(*buf, want)) == NULL)
            return -1;
        *buf = grown;
        *cap = want;
    }
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    pcurl_fetcher *f = userp;
    pcurl_reply *r = f->reply;
    size_t n = size * nmemb;    /* libcurl guarantees size == 1 */

    if (n > f->max - r->len) {
        f->over_limit = 1;
        return 0;               /* libcurl stops with CURLE_WRITE_ERROR */
    }
    if (append(&r->body, &r->len, &f->cap, data, n) != 0)
        return 0;               /* reported as a write error, see below */
    return n;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    pcurl_fetcher *f = userp;
    pcurl_reply *r = f->reply;
    size_t n = size * nmemb;

    /* Headers past 1 MiB are not kept for -i (libcurl caps them too). */
    if (r->head_len + n <= HEAD_MAX &&
        append(&r->head, &r->head_len, &f->head_cap, data, n) != 0)
        return 0;
    return n;
}

/* Prints one verbose line: prefix, then the text with secrets masked. */
static void
debug_line(char prefix, const char *line, size_t n, int header)
{
    char shown[2048];
    const char *who;

    if (header && pcurl_header_is_secret(line, n)) {
        const char *colon = memchr(line, ':', n);

        fprintf(stderr, "%c %.*s: ***\n", prefix, (int)(colon - line),
                line);
        return;
    }
    /* libcurl names the -u user when it picks an auth method. */
    if (!header && (who = memmem(line, n, " with user '", 12)) != NULL)
        n = (size_t)(who - line);
    pcurl_redact_text(shown, sizeof(shown), line, n);
    fprintf(stderr, "%c %s\n", prefix, shown);
}

static int
on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *userp)
{
    char prefix;
    size_t i, next;
    int header = 1;

    (void)h;
    (void)userp;
    switch (type) {
    case CURLINFO_TEXT: prefix = '*'; header = 0; break;
    case CURLINFO_HEADER_OUT: prefix = '>'; break;
    case CURLINFO_HEADER_IN: prefix = '<'; break;
    default: return 0;      /* bodies and TLS records are not shown */
    }
    for (i = 0; i < size; i = next) {
        const char *nl = memchr(data + i, '\n', size - i);
        size_t end = nl ? (size_t)(nl - data) : size;

        next = nl ? end + 1 : size;
        while (end > i && data[end - 1] == '\r')
            end--;
        if (end > i || !header)
            debug_line(prefix, data + i, end - i, header);
    }
    return 0;
}

static pr_code
setup_failed(pr_error *err, CURLcode rc)
{
    pr_error_set(err, PR_EINVAL, "%s", curl_easy_strerror(rc));
    err->curl_code = (int)rc;
    return err->code;
}

/* Does the user's -H list name this header (in any form)? */
static int
user_header(const pcurl_args *a, const char *name)
{
    size_t i, n = strlen(name);

    for (i = 0; i < a->nheaders; i++)
        if (strncasecmp(a->headers[i], name, n) == 0 &&
            (a->headers[i][n] == ':' || a->headers[i][n] == ';'))
            return 1;
    return 0;
}

static int
add_header(pcurl_fetcher *f, const char *line)
{
    struct curl_slist *l = curl_slist_append(f->headers, line);

    if (l == NULL)
        return -1;
    f->headers = l;
    return 0;
}

/* Every setopt is checked: a libcurl built without a feature says so. */
#define SET(opt, val) do {                                  \
        CURLcode rc_ = curl_easy_setopt(f->h, opt, val);    \
        if (rc_ != CURLE_OK) {                              \
            pcurl_fetcher_free(f);                          \
            return setup_failed(err, rc_);                  \
        }                                                   \
    } while (0)

pr_code
pcurl_fetcher_new(pcurl_fetcher **out, const pcurl_args *a, pr_error *err)
{
    pcurl_fetcher *f;
    size_t i;
    int bad = 0;

    if ((f = calloc(1, sizeof(*f))) == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory");
    f->a = a;
    f->max = a->opts.lim.max_input;
    if ((f->h = curl_easy_init()) == NULL) {
        free(f);
        pr_error_set(err, PR_EINVAL, "libcurl could not start");
        err->curl_code = (int)CURLE_FAILED_INIT;
        return err->code;
    }
    for (i = 0; i < a->nheaders; i++)
        bad |= add_header(f, a->headers[i]);
    /* --json's two headers, unless -H says otherwise (as in curl) */
    if (a->json && !user_header(a, "Content-Type"))
        bad |= add_header(f, "Content-Type: application/json");
    if (a->json && !user_header(a, "Accept"))
        bad |= add_header(f, "Accept: application/json");
    if (bad) {
        pcurl_fetcher_free(f);
        return pr_error_set(err, PR_ENOMEM, "out of memory");
    }
    SET(CURLOPT_ERRORBUFFER, f->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, f);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, f);
    SET(CURLOPT_XFERINFOFUNCTION, pcurl_progress_cb);
    SET(CURLOPT_XFERINFODATA, &f->progress);
    SET(CURLOPT_USERAGENT, a->user_agent ? a->user_agent : USER_AGENT);
    if ((uintmax_t)f->max <= (uintmax_t)INT64_MAX)
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->max);
    if (f->headers)
        SET(CURLOPT_HTTPHEADER, f->headers);
    if (a->fail)
        SET(CURLOPT_FAILONERROR, 1L);
    if (a->location) {
        SET(CURLOPT_FOLLOWLOCATION, 1L);
        SET(CURLOPT_MAXREDIRS, MAX_REDIRS);
    }
    if (a->max_time_ms > 0)
        SET(CURLOPT_TIMEOUT_MS, a->max_time_ms);
    if (a->connect_timeout_ms > 0)
        SET(CURLOPT_CONNECTTIMEOUT_MS, a->connect_timeout_ms);
    if (a->insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (a->cacert)
        SET(CURLOPT_CAINFO, a->cacert);
    if (a->compressed)
        SET(CURLOPT_ACCEPT_ENCODING, "");
    if (a->user)
        SET(CURLOPT_USERPWD, a->user);
    if (a->oauth2_bearer) {
        SET(CURLOPT_XOAUTH2_BEARER, a->oauth2_bearer);
        SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
    }
    if (a->data && !a->get) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)a->data_len);
        SET(CURLOPT_POSTFIELDS, a->data);
    }
    if (a->request)
        SET(CURLOPT_CUSTOMREQUEST, a->request);
    if (a->verbose) {
        SET(CURLOPT_DEBUGFUNCTION, on_debug);
        SET(CURLOPT_VERBOSE, 1L);
    }
    *out = f;
    return PR_OK;
}

void
pcurl_fetcher_free(pcurl_fetcher *f)
{
    if (f == NULL)
        return;
    if (f->h)
        curl_easy_cleanup(f->h);
    curl_slist_free_all(f->headers);
    free(f);
}

CURL *
pcurl_fetcher_handle(pcurl_fetcher *f)
{
    return f != NULL ? f->h : NULL;
}

void
pcurl_reply_dispose(pcurl_reply *r)
{
    free(r->body);
    free(r->head);
    free(r->url);
    memset(r, 0, sizeof(*r));
}

/* A pr_code for a CURLcode, for callers that look at err->code. */
static pr_code
code_for(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return PR_ETIMEOUT;
    case CURLE_HTTP_RETURNED_ERROR: return PR_EHTTP;
    case CURLE_FILE_COULDNT_READ_FILE: return PR_EIO;
    case CURLE_OUT_OF_MEMORY: return PR_ENOMEM;
    case CURLE_LOGIN_DENIED: return PR_EAUTH;
    case CURLE_URL_MALFORMAT: return PR_EINVAL;
    default: return PR_ENETWORK;
    }
}

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Is this outcome worth another try?  NULL, or curl's word for it. */
static const char *
transient(const pcurl_args *a, CURLcode rc, long status, int over_limit)
{
    if (over_limit || rc == CURLE_FILESIZE_EXCEEDED ||
        rc == CURLE_WRITE_ERROR)
        return NULL;
    if (rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_RESOLVE_HOST ||
        rc == CURLE_COULDNT_RESOLVE_PROXY)
        return "timeout";
    if (rc == CURLE_COULDNT_CONNECT && a->retry_connrefused)
        return "connection refused";
    if ((rc == CURLE_OK || rc == CURLE_HTTP_RETURNED_ERROR) &&
        (status == 408 || status == 429 || status == 500 || status == 502 ||
         status == 503 || status == 504))
        return "HTTP error";
    if (a->retry_all_errors &&
        (rc != CURLE_OK || ((a->fail || a->fail_with_body) &&
                            status >= 400)))
        return "retrying all errors";
    return NULL;
}

/* One attempt.  The reply is emptied first. */
static CURLcode
attempt(pcurl_fetcher *f, pcurl_reply *r, int meter)
{
    const pcurl_args *a = f->a;
    pcurl_progress_mode mode = PCURL_PROGRESS_OFF;
    CURLcode rc;

    free(r->body);
    free(r->head);
    r->body = r->head = NULL;
    r->len = r->head_len = 0;
    r->status = 0;
    f->cap = f->head_cap = 0;
    f->over_limit = 0;
    f->errbuf[0] = '\0';
    f->reply = r;
    if (!a->silent && a->progress_bar)
        mode = PCURL_PROGRESS_BAR;
    else if (!a->silent && !a->no_meter && meter)
        mode = PCURL_PROGRESS_METER;
    pcurl_progress_begin(&f->progress, mode);
    curl_easy_setopt(f->h, CURLOPT_NOPROGRESS,
                     mode == PCURL_PROGRESS_OFF ? 1L : 0L);
    rc = curl_easy_perform(f->h);
    pcurl_progress_end(&f->progress);
    curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &r->status);
    f->reply = NULL;
    return rc;
}

/* The URL to fetch: with -G, the data goes into its query. */
static char *
make_url(const pcurl_args *a, const char *url)
{
    size_t n = strlen(url);
    char *u;

    if (!a->get || a->data == NULL || a->data_len == 0)
        return strdup(url);
    if ((u = malloc(n + 1 + a->data_len + 1)) == NULL)
        return NULL;
    memcpy(u, url, n);
    u[n] = strchr(url, '?') != NULL ? '&' : '?';
    memcpy(u + n + 1, a->data, a->data_len);
    u[n + 1 + a->data_len] = '\0';
    return u;
}

pr_code
pcurl_fetch(pcurl_fetcher *f, const char *url, int meter, pcurl_reply *r,
            pr_error *err)
{
    const pcurl_args *a = f->a;
    CURLcode rc;
    char shown[PR_ERROR_SIZE], *full;
    const char *why, *eff = NULL;
    long left = a->retry, wait_ms = RETRY_FIRST_MS;
    double start = now_ms();

    memset(r, 0, sizeof(*r));
    pr_error_clear(err);
    if ((full = make_url(a, url)) == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory");
    rc = curl_easy_setopt(f->h, CURLOPT_URL, full);
    while (rc == CURLE_OK) {
        double spent;
        long sleep_ms;
        curl_off_t after = 0;

        rc = attempt(f, r, meter);
        why = transient(a, rc, r->status, f->over_limit);
        spent = now_ms() - start;
        if (why == NULL || left <= 0 ||
            (a->retry_max_time_ms > 0 && spent >= a->retry_max_time_ms))
            break;
        sleep_ms = a->retry_delay_ms > 0 ? a->retry_delay_ms : wait_ms;
        if (strcmp(why, "HTTP error") == 0 &&
            curl_easy_getinfo(f->h, CURLINFO_RETRY_AFTER, &after) ==
            CURLE_OK && after > 0)
            sleep_ms = after > RETRY_LONGEST_MS / 1000 ? RETRY_LONGEST_MS
                                                       : (long)after * 1000;
        if (a->retry_max_time_ms > 0 &&
            sleep_ms > a->retry_max_time_ms - (long)spent)
            sleep_ms = a->retry_max_time_ms - (long)spent;
        if (!a->silent) {
            char what[64], when[32];

            if (strcmp(why, "HTTP error") == 0)
                snprintf(what, sizeof(what), "HTTP error %ld", r->status);
            else
                snprintf(what, sizeof(what), "%s", why);
            if (sleep_ms % 1000 == 0)
                snprintf(when, sizeof(when), "%ld second%s", sleep_ms / 1000,
                         sleep_ms == 1000 ? "" : "s");
            else
                snprintf(when, sizeof(when), "%.1f seconds",
                         (double)sleep_ms / 1000.0);
            fprintf(stderr, "prefect-curl: warning: transient problem (%s); "
                    "will retry in %s, %ld retr%s left\n", what, when, left,
                    left == 1 ? "y" : "ies");
        }
        {
            struct timespec ts;

            ts.tv_sec = sleep_ms / 1000;
            ts.tv_nsec = (sleep_ms % 1000) * 1000000L;
            nanosleep(&ts, NULL);
        }
        if (wait_ms < RETRY_LONGEST_MS / 2)
            wait_ms *= 2;
        else
            wait_ms = RETRY_LONGEST_MS;
        left--;
        rc = CURLE_OK;
    }
    free(full);
    if (curl_easy_getinfo(f->h, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK &&
        eff != NULL)
        r->url = strdup(eff);
    if (rc == CURLE_OK) {
        r->http_error = a->fail_with_body && r->status >= 400;
        return PR_OK;
    }

    if (f->over_limit || rc == CURLE_FILESIZE_EXCEEDED) {
        pcurl_redact_text(shown, sizeof(shown), url, strlen(url));
        pr_error_set(err, PR_ELIMIT, "the body of %s is larger than the "
                     "input limit of %zu bytes", shown, f->max);
        pr_error_hint(err, "Raise it with --limit-input.");
        return err->code;
    }
    if (rc == CURLE_WRITE_ERROR) {
        /* on_body refuses only when over the limit or out of memory */
        pr_error_set(err, PR_ENOMEM, "out of memory while receiving %zu "
                     "bytes", r->len);
        err->curl_code = (int)CURLE_OUT_OF_MEMORY;
        return err->code;
    }
    pcurl_redact_text(shown, sizeof(shown),
                      f->errbuf[0] ? f->errbuf : curl_easy_strerror(rc),
                      strlen(f->errbuf[0] ? f->errbuf
                                          : curl_easy_strerror(rc)));
    pr_error_set(err, code_for(rc), "%s", shown);
    err->curl_code = (int)rc;
    err->http_status = r->status;
    return err->code;
}
