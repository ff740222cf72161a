/*
 * writeout.c - the -w/--write-out format.
 *
 * Variables are those of curl 7.88 that make sense here (listed in
 * `vars` below and in the man page), read with curl_easy_getinfo after
 * the transfer.  Times print as seconds with six decimals and sizes as
 * whole numbers, as curl prints them; http_code is three digits (000
 * when there was no reply).  URLs lose their userinfo: a password in a
 * URL is never printed.
 */
#include <stdio.h>
#include <string.h>

#include "redact.h"
#include "writeout.h"

#define NAME "prefect-curl"

enum wo_kind { W_CODE, W_STR, W_LONG, W_OFF, W_TIME, W_SPECIAL };

enum wo_special {
    S_NONE, S_URL_EFFECTIVE, S_URL, S_EXITCODE, S_ERRORMSG, S_FILENAME,
    S_STDOUT, S_STDERR, S_HTTP_VERSION
};

struct wo_var {
    const char *name;
    enum wo_kind kind;
    CURLINFO info;
    enum wo_special special;
};

static const struct wo_var vars[] = {
    {"content_type", W_STR, CURLINFO_CONTENT_TYPE, S_NONE},
    {"errormsg", W_SPECIAL, CURLINFO_NONE, S_ERRORMSG},
    {"exitcode", W_SPECIAL, CURLINFO_NONE, S_EXITCODE},
    {"filename_effective", W_SPECIAL, CURLINFO_NONE, S_FILENAME},
    {"http_code", W_CODE, CURLINFO_RESPONSE_CODE, S_NONE},
    {"http_connect", W_CODE, CURLINFO_HTTP_CONNECTCODE, S_NONE},
    {"http_version", W_SPECIAL, CURLINFO_NONE, S_HTTP_VERSION},
    {"local_ip", W_STR, CURLINFO_LOCAL_IP, S_NONE},
    {"local_port", W_LONG, CURLINFO_LOCAL_PORT, S_NONE},
    {"method", W_STR, CURLINFO_EFFECTIVE_METHOD, S_NONE},
    {"num_connects", W_LONG, CURLINFO_NUM_CONNECTS, S_NONE},
    {"num_redirects", W_LONG, CURLINFO_REDIRECT_COUNT, S_NONE},
    {"redirect_url", W_STR, CURLINFO_REDIRECT_URL, S_NONE},
    {"remote_ip", W_STR, CURLINFO_PRIMARY_IP, S_NONE},
    {"remote_port", W_LONG, CURLINFO_PRIMARY_PORT, S_NONE},
    {"response_code", W_CODE, CURLINFO_RESPONSE_CODE, S_NONE},
    {"scheme", W_STR, CURLINFO_SCHEME, S_NONE},
    {"size_download", W_OFF, CURLINFO_SIZE_DOWNLOAD_T, S_NONE},
    {"size_header", W_LONG, CURLINFO_HEADER_SIZE, S_NONE},
    {"size_request", W_LONG, CURLINFO_REQUEST_SIZE, S_NONE},
    {"size_upload", W_OFF, CURLINFO_SIZE_UPLOAD_T, S_NONE},
    {"speed_download", W_OFF, CURLINFO_SPEED_DOWNLOAD_T, S_NONE},
    {"speed_upload", W_OFF, CURLINFO_SPEED_UPLOAD_T, S_NONE},
    {"ssl_verify_result", W_LONG, CURLINFO_SSL_VERIFYRESULT, S_NONE},
    {"stderr", W_SPECIAL, CURLINFO_NONE, S_STDERR},
    {"stdout", W_SPECIAL, CURLINFO_NONE, S_STDOUT},
    {"time_appconnect", W_TIME, CURLINFO_APPCONNECT_TIME_T, S_NONE},
    {"time_connect", W_TIME, CURLINFO_CONNECT_TIME_T, S_NONE},
    {"time_namelookup", W_TIME, CURLINFO_NAMELOOKUP_TIME_T, S_NONE},
    {"time_pretransfer", W_TIME, CURLINFO_PRETRANSFER_TIME_T, S_NONE},
    {"time_redirect", W_TIME, CURLINFO_REDIRECT_TIME_T, S_NONE},
    {"time_starttransfer", W_TIME, CURLINFO_STARTTRANSFER_TIME_T, S_NONE},
    {"time_total", W_TIME, CURLINFO_TOTAL_TIME_T, S_NONE},
    {"url", W_SPECIAL, CURLINFO_NONE, S_URL},
    {"url_effective", W_SPECIAL, CURLINFO_NONE, S_URL_EFFECTIVE},
};

/* A URL without its userinfo (the rest as it is). */
static void
put_url(FILE *f, const char *url)
{
    const char *auth = strstr(url, "://"), *end, *at = NULL, *p;

    if (auth == NULL) {
        fputs(url, f);
        return;
    }
    auth += 3;
    end = auth + strcspn(auth, "/?#");
    for (p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    if (at == NULL) {
        fputs(url, f);
        return;
    }
    fwrite(url, 1, (size_t)(auth - url), f);
    fputs(at + 1, f);
}

static void
put_var(FILE *f, const struct wo_var *v, const pcurl_wo_info *wi,
        FILE **stream)
{
    CURL *h = wi->h;
    const char *s = NULL;
    long l = 0;
    curl_off_t o = 0;

    switch (v->kind) {
    case W_CODE:
        if (h != NULL)
            curl_easy_getinfo(h, v->info, &l);
        fprintf(f, "%03ld", l);
        return;
    case W_STR:
        if (h != NULL && curl_easy_getinfo(h, v->info, &s) == CURLE_OK &&
            s != NULL) {
            if (v->info == CURLINFO_REDIRECT_URL)
                put_url(f, s);
            else
                fputs(s, f);
        }
        return;
    case W_LONG:
        if (h != NULL)
            curl_easy_getinfo(h, v->info, &l);
        fprintf(f, "%ld", l);
        return;
    case W_OFF:
        if (h != NULL)
            curl_easy_getinfo(h, v->info, &o);
        fprintf(f, "%" CURL_FORMAT_CURL_OFF_T, o);
        return;
    case W_TIME:
        if (h != NULL)
            curl_easy_getinfo(h, v->info, &o);
        fprintf(f, "%" CURL_FORMAT_CURL_OFF_T ".%06ld", o / 1000000,
                (long)(o % 1000000));
        return;
    case W_SPECIAL:
        break;
    }
    switch (v->special) {
    case S_URL_EFFECTIVE:
        if (h != NULL && curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &s) ==
            CURLE_OK && s != NULL)
            put_url(f, s);
        else if (wi->t != NULL)
            put_url(f, wi->t->url);
        break;
    case S_URL:
        if (wi->t != NULL)
            put_url(f, wi->t->url);
        break;
    case S_EXITCODE:
        fprintf(f, "%d", wi->exitcode);
        break;
    case S_ERRORMSG:
        if (wi->errormsg != NULL)
            fputs(wi->errormsg, f);
        break;
    case S_FILENAME:
        if (wi->t != NULL && wi->t->output != NULL &&
            strcmp(wi->t->output, "-") != 0)
            fputs(wi->t->output, f);
        break;
    case S_HTTP_VERSION:
        if (h != NULL)
            curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &l);
        fputs(l == CURL_HTTP_VERSION_1_0 ? "1" :
              l == CURL_HTTP_VERSION_1_1 ? "1.1" :
              l == CURL_HTTP_VERSION_2_0 ? "2" :
              l == CURL_HTTP_VERSION_3 ? "3" : "0", f);
        break;
    case S_STDOUT:
        *stream = stdout;
        break;
    case S_STDERR:
        *stream = stderr;
        break;
    case S_NONE:
        break;
    }
}

/* %header{name}: the value of a response header (the last one). */
static void
put_header(FILE *f, CURL *h, const char *name, size_t n)
{
#if LIBCURL_VERSION_NUM >= 0x075300     /* curl_easy_header: 7.83.0 */
    struct curl_header *hd = NULL;
    char nm[256];

    if (h == NULL || n == 0 || n >= sizeof(nm))
        return;
    memcpy(nm, name, n);
    nm[n] = '\0';
    if (curl_easy_header(h, nm, 0, CURLH_HEADER, -1, &hd) == CURLHE_OK &&
        hd != NULL && hd->value != NULL)
        fputs(hd->value, f);
#else
    (void)f;
    (void)h;
    (void)name;
    (void)n;
#endif
}

void
pcurl_write_out(const pcurl_args *a, const pcurl_wo_info *wi)
{
    const char *p = a->write_out;
    FILE *f = stdout;

    if (p == NULL)
        return;
    while (*p != '\0') {
        if (p[0] == '%' && p[1] == '%') {
            fputc('%', f);
            p += 2;
        } else if (p[0] == '%' && p[1] == '{' && strchr(p, '}') != NULL) {
            const char *name = p + 2, *close = strchr(p, '}');
            size_t n = (size_t)(close - name), i;

            for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
                if (strlen(vars[i].name) == n &&
                    memcmp(vars[i].name, name, n) == 0)
                    break;
            if (i < sizeof(vars) / sizeof(vars[0])) {
                put_var(f, &vars[i], wi, &f);
            } else {
                fflush(stdout);
                fprintf(stderr, NAME ": unknown --write-out variable: "
                        "'%.*s'\n", (int)n, name);
            }
            p = close + 1;
        } else if (strncmp(p, "%header{", 8) == 0 &&
                   strchr(p, '}') != NULL) {
            const char *close = strchr(p, '}');

            put_header(f, wi->h, p + 8, (size_t)(close - p - 8));
            p = close + 1;
        } else if (p[0] == '\\' &&
                   (p[1] == 'n' || p[1] == 'r' || p[1] == 't')) {
            fputc(p[1] == 'n' ? '\n' : p[1] == 'r' ? '\r' : '\t', f);
            p += 2;
        } else {
            fputc(*p++, f);
        }
    }
    fflush(stdout);
    fflush(stderr);
}
