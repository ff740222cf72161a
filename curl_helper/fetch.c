/*
 * fetch.c - libcurl easy transfers into a capped buffer.
 *
 * The whole body is kept in memory because it has to be sniffed (and
 * maybe decoded) before a byte of it is written; the cap is the
 * decoder's max_input limit (--limit-input), enforced both from the
 * announced size (CURLOPT_MAXFILESIZE_LARGE) and while receiving.
 * Verbose output goes through our own debug callback so that
 * credentials are masked (plain CURLOPT_VERBOSE would print an
 * Authorization header as sent).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "fetch.h"
#include "redact.h"

#define USER_AGENT "prefect-curl/" PR_VERSION_STRING
#define MAX_REDIRS 50L      /* curl's own default for -L */

struct pcurl_fetcher {
    CURL *h;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    /* the transfer in progress */
    pcurl_reply *reply;
    size_t cap;             /* allocated bytes of reply->body */
    size_t max;             /* input limit */
    int over_limit;
};

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
    if (r->len + n + 1 > f->cap) {
        size_t want = f->cap ? f->cap : 16384;
        char *grown;

        while (want < r->len + n + 1)
            want = want > SIZE_MAX / 2 ? r->len + n + 1 : want * 2;
        if ((grown = realloc(r->body, want)) == NULL)
            return 0;           /* reported as a write error, see below */
        r->body = grown;
        f->cap = want;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
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

    if ((f = calloc(1, sizeof(*f))) == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory");
    f->max = a->opts.lim.max_input;
    if ((f->h = curl_easy_init()) == NULL) {
        free(f);
        pr_error_set(err, PR_EINVAL, "libcurl could not start");
        err->curl_code = (int)CURLE_FAILED_INIT;
        return err->code;
    }
    for (i = 0; i < a->nheaders; i++) {
        struct curl_slist *l = curl_slist_append(f->headers, a->headers[i]);

        if (l == NULL) {
            pcurl_fetcher_free(f);
            return pr_error_set(err, PR_ENOMEM, "out of memory");
        }
        f->headers = l;
    }
    SET(CURLOPT_ERRORBUFFER, f->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, f);
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
    if (a->compressed)
        SET(CURLOPT_ACCEPT_ENCODING, "");
    if (a->user)
        SET(CURLOPT_USERPWD, a->user);
    if (a->data) {
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

void
pcurl_reply_dispose(pcurl_reply *r)
{
    free(r->body);
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

pr_code
pcurl_fetch(pcurl_fetcher *f, const char *url, pcurl_reply *r,
            pr_error *err)
{
    CURLcode rc;
    char shown[PR_ERROR_SIZE];

    memset(r, 0, sizeof(*r));
    f->reply = r;
    f->cap = 0;
    f->over_limit = 0;
    f->errbuf[0] = '\0';
    pr_error_clear(err);

    rc = curl_easy_setopt(f->h, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(f->h);
    curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &r->status);
    f->reply = NULL;
    if (rc == CURLE_OK)
        return PR_OK;

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
