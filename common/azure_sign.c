/*
 * azure_sign.c - Azure Storage SharedKey: the canonical string to sign
 * and its HMAC-SHA256 (OpenSSL), for storage_azure.c.  The format is in
 * azure_sign.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "pr.h"
#include "alloc.h"
#include "azure_sign.h"
#include "config.h"
#include "hexdigit.h"
#include "jsonw.h"

/* The standard headers, in the order of the string to sign. */
static const char *const std_headers[] = {
    "Content-Encoding", "Content-Language", "Content-Length",
    "Content-MD5", "Content-Type", "Date", "If-Modified-Since",
    "If-Match", "If-None-Match", "If-Unmodified-Since", "Range"
};
#define NSTD (sizeof(std_headers) / sizeof(std_headers[0]))

/* A name/value pair, both owned (x-ms-* headers, query parameters). */
typedef struct pair {
    char *name;
    char *value;
} pair;

static void
pairs_free(pair *p, size_t n)
{
    size_t i;

    for (i = 0; p != NULL && i < n; i++) {
        pr_free_secret(p[i].name);
        pr_free_secret(p[i].value);
    }
    pr_free(p);
}

static int
pair_cmp(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    return c != 0 ? c : strcmp(x->value, y->value);
}

static int
is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/* A copy of s[0..n) trimmed, inner white space runs folded to one
 * space; NULL when out of memory. */
static char *
fold(const char *s, size_t n)
{
    char *d = pr_malloc(n + 1);
    size_t i, o = 0;
    int space = 0;

    if (d == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        if (is_ws(s[i]) || s[i] == '\r' || s[i] == '\n') {
            space = o > 0;
            continue;
        }
        if (space)
            d[o++] = ' ';
        space = 0;
        d[o++] = s[i];
    }
    d[o] = '\0';
    return d;
}

/* A percent-decoded copy of s[0..n) ('+' kept, as Azure does), lower-
 * cased when `lower`; NULL when out of memory. */
static char *
pct_decode(const char *s, size_t n, int lower)
{
    char *d = pr_malloc(n + 1);
    size_t i, o = 0;

    if (d == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        char c = s[i];

        if (c == '%' && i + 2 < n && pr_hex_digit(s[i + 1]) >= 0 &&
            pr_hex_digit(s[i + 2]) >= 0) {
            c = (char)(pr_hex_digit(s[i + 1]) * 16 +
                       pr_hex_digit(s[i + 2]));
            i += 2;
        }
        if (lower && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        d[o++] = c;
    }
    d[o] = '\0';
    return d;
}

/* A lower-cased copy of s[0..n), or NULL. */
static char *
lower_dup(const char *s, size_t n)
{
    char *d = pr_malloc(n + 1);
    size_t i;

    if (d == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        d[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a')
                                             : s[i];
    d[n] = '\0';
    return d;
}

static pr_code
nomem(pr_error *err)
{
    return pr_error_set(err, PR_ENOMEM, "out of memory signing an Azure "
                        "Storage request");
}

static pr_code
put(pr_buf *out, const char *s, pr_error *err)
{
    return pr_buf_append(out, s, strlen(s), err);
}

/* The x-ms-* headers among `headers`, sorted; the standard ones into
 * std[] (borrowed, trimmed copies owned by stdv). */
static pr_code
split_headers(pair **xms, size_t *nxms, char **stdv,
              const char *const *headers, size_t nheaders, pr_error *err)
{
    pair *p = NULL;
    size_t i, k, n = 0;

    if (nheaders > 0) {
        p = pr_malloc(nheaders * sizeof(*p));
        if (p == NULL)
            return nomem(err);
    }
    for (i = 0; i < nheaders; i++) {
        const char *h = headers[i], *colon = strchr(h, ':');
        size_t nl;

        if (colon == NULL) {
            pairs_free(p, n);
            return pr_error_set(err, PR_EINVAL, "an Azure Storage request "
                                "header line has no ':'");
        }
        nl = (size_t)(colon - h);
        while (nl > 0 && is_ws(h[nl - 1]))
            nl--;
        if (nl > 5 && strncasecmp(h, "x-ms-", 5) == 0) {
            p[n].name = lower_dup(h, nl);
            p[n].value = fold(colon + 1, strlen(colon + 1));
            n++;
            if (p[n - 1].name == NULL || p[n - 1].value == NULL) {
                pairs_free(p, n);
                return nomem(err);
            }
            continue;
        }
        for (k = 0; k < NSTD; k++)
            if (strlen(std_headers[k]) == nl &&
                strncasecmp(h, std_headers[k], nl) == 0)
                break;
        if (k == NSTD)
            continue;
        pr_free_secret(stdv[k]);
        stdv[k] = fold(colon + 1, strlen(colon + 1));
        if (stdv[k] == NULL) {
            pairs_free(p, n);
            return nomem(err);
        }
    }
    if (n > 1)
        qsort(p, n, sizeof(*p), pair_cmp);
    *xms = p;
    *nxms = n;
    return PR_OK;
}

/* The query's parameters, decoded, names lower-cased, sorted. */
static pr_code
split_query(pair **params, size_t *nparams, const char *query,
            pr_error *err)
{
    pair *p = NULL;
    size_t n = 0, cap = 0, len;
    const char *s = query, *amp, *eq;

    *params = NULL;
    *nparams = 0;
    if (query == NULL || query[0] == '\0')
        return PR_OK;
    for (amp = query; amp != NULL; amp = strchr(amp + 1, '&'))
        cap++;
    p = pr_malloc(cap * sizeof(*p));
    if (p == NULL)
        return nomem(err);
    while (s != NULL && *s != '\0') {
        amp = strchr(s, '&');
        len = amp != NULL ? (size_t)(amp - s) : strlen(s);
        if (len > 0) {
            eq = memchr(s, '=', len);
            p[n].name = pct_decode(s, eq != NULL ? (size_t)(eq - s) : len,
                                   1);
            p[n].value = eq != NULL
                ? pct_decode(eq + 1, len - (size_t)(eq - s) - 1, 0)
                : pct_decode("", 0, 0);
            n++;
            if (p[n - 1].name == NULL || p[n - 1].value == NULL) {
                pairs_free(p, n);
                return nomem(err);
            }
        }
        s = amp != NULL ? amp + 1 : NULL;
    }
    if (n > 1)
        qsort(p, n, sizeof(*p), pair_cmp);
    *params = p;
    *nparams = n;
    return PR_OK;
}

pr_code
pr_azure_string_to_sign(pr_buf *out, const char *verb,
                        const char *const *headers, size_t nheaders,
                        const char *account, const char *path,
                        const char *query, pr_error *err)
{
    char *stdv[NSTD];
    pair *xms = NULL, *params = NULL;
    size_t nxms = 0, nparams = 0, i;
    pr_code rc;

    memset(stdv, 0, sizeof(stdv));
    rc = split_headers(&xms, &nxms, stdv, headers, nheaders, err);
    if (rc == PR_OK)
        rc = split_query(&params, &nparams, query, err);
    if (rc == PR_OK)
        rc = put(out, verb, err);
    for (i = 0; i < NSTD && rc == PR_OK; i++) {
        const char *v = stdv[i] != NULL ? stdv[i] : "";

        if (strcmp(std_headers[i], "Content-Length") == 0 &&
            strcmp(v, "0") == 0)
            v = "";
        rc = put(out, "\n", err);
        if (rc == PR_OK)
            rc = put(out, v, err);
    }
    if (rc == PR_OK)
        rc = put(out, "\n", err);
    for (i = 0; i < nxms && rc == PR_OK; i++) {
        rc = put(out, xms[i].name, err);
        if (rc == PR_OK)
            rc = put(out, ":", err);
        if (rc == PR_OK)
            rc = put(out, xms[i].value, err);
        if (rc == PR_OK)
            rc = put(out, "\n", err);
    }
    if (rc == PR_OK)
        rc = put(out, "/", err);
    if (rc == PR_OK)
        rc = put(out, account, err);
    if (rc == PR_OK)
        rc = put(out, path != NULL && path[0] != '\0' ? path : "/", err);
    for (i = 0; i < nparams && rc == PR_OK; i++) {
        int same = i > 0 && strcmp(params[i - 1].name, params[i].name) == 0;

        if (!same) {
            rc = put(out, "\n", err);
            if (rc == PR_OK)
                rc = put(out, params[i].name, err);
            if (rc == PR_OK)
                rc = put(out, ":", err);
        } else {
            rc = put(out, ",", err);
        }
        if (rc == PR_OK)
            rc = put(out, params[i].value, err);
    }
    for (i = 0; i < NSTD; i++)
        pr_free_secret(stdv[i]);
    pairs_free(xms, nxms);
    pairs_free(params, nparams);
    return rc;
}

pr_code
pr_azure_shared_key(char **out, const char *account, const char *key_b64,
                    const char *sts, size_t len, pr_error *err)
{
    size_t klen = strlen(key_b64), keyn = 0, n;
    unsigned char *key, mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char sig[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1], *line;
    pr_error kerr;
    pr_code rc;

    key = pr_malloc(3 * (klen / 4) + 4);
    if (key == NULL)
        return nomem(err);
    memset(&kerr, 0, sizeof(kerr));
    rc = pr_base64_decode(key, &keyn, key_b64, klen, &kerr);
    if (rc != PR_OK || keyn == 0) {
        explicit_bzero(key, 3 * (klen / 4) + 4);
        pr_free(key);
        return pr_error_set(err, PR_EFORMAT, "the Azure Storage account "
                            "key is not base64");
    }
    if (HMAC(EVP_sha256(), key, (int)keyn, (const unsigned char *)sts, len,
             mac, &maclen) == NULL) {
        explicit_bzero(key, 3 * (klen / 4) + 4);
        pr_free(key);
        return pr_error_set(err, PR_ENOMEM, "HMAC-SHA256 failed signing an "
                            "Azure Storage request");
    }
    explicit_bzero(key, 3 * (klen / 4) + 4);
    pr_free(key);
    EVP_EncodeBlock((unsigned char *)sig, mac, (int)maclen);
    explicit_bzero(mac, sizeof(mac));
    n = strlen("Authorization: SharedKey :") + strlen(account) +
        strlen(sig) + 1;
    line = pr_malloc(n);
    if (line == NULL) {
        explicit_bzero(sig, sizeof(sig));
        return nomem(err);
    }
    snprintf(line, n, "Authorization: SharedKey %s:%s", account, sig);
    explicit_bzero(sig, sizeof(sig));
    *out = line;
    return PR_OK;
}

void
pr_azure_date(char dst[PR_AZURE_DATE_SIZE], time_t t)
{
    static const char days[7][4] = {
        "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
    };
    static const char months[12][4] = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
        "Oct", "Nov", "Dec"
    };
    char tmp[160];
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL)
        memset(&tm, 0, sizeof(tm));
    snprintf(tmp, sizeof(tmp), "%s, %02d %s %04d %02d:%02d:%02d GMT",
             days[(unsigned)tm.tm_wday % 7], tm.tm_mday,
             months[(unsigned)tm.tm_mon % 12], tm.tm_year + 1900,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    memcpy(dst, tmp, PR_AZURE_DATE_SIZE - 1);
    dst[PR_AZURE_DATE_SIZE - 1] = '\0';
}
