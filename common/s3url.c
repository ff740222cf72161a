/*
 * s3url.c - canonical S3 object URLs and bucket_folder joins (see
 * s3url.h; docs/prefect-results.md section 4.4).
 */
#include <string.h>

#include "pr.h"
#include "alloc.h"
#include "jsonw.h"
#include "s3url.h"

static int
unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

pr_code
pr_s3_encode(pr_buf *out, const char *s, int keep_slash, pr_error *err)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;
    char esc[3];
    size_t run;
    pr_code rc;

    while (*p != '\0') {
        for (run = 0; p[run] != '\0' &&
             (unreserved(p[run]) || (keep_slash && p[run] == '/')); run++)
            ;
        if (run > 0) {
            rc = pr_buf_append(out, (const char *)p, run, err);
            if (rc != PR_OK)
                return rc;
            p += run;
            continue;
        }
        esc[0] = '%';
        esc[1] = hex[*p >> 4];
        esc[2] = hex[*p & 15];
        rc = pr_buf_append(out, esc, 3, err);
        if (rc != PR_OK)
            return rc;
        p++;
    }
    return PR_OK;
}

/* Appends path's segments to b, PurePosixPath-style. */
static pr_code
add_segments(pr_buf *b, const char *path, pr_error *err)
{
    const char *p = path, *e;
    size_t n;
    pr_code rc;

    while (*p != '\0') {
        e = strchr(p, '/');
        n = e != NULL ? (size_t)(e - p) : strlen(p);
        if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (b->len > 0 && b->data[b->len - 1] != '/') {
                rc = pr_buf_append(b, "/", 1, err);
                if (rc != PR_OK)
                    return rc;
            }
            rc = pr_buf_append(b, p, n, err);
            if (rc != PR_OK)
                return rc;
        }
        p += n;
        if (*p == '/')
            p++;
    }
    return PR_OK;
}

char *
pr_s3_join(const char *folder, const char *key, int skip_prefixed)
{
    pr_buf b, f;
    pr_error err;
    pr_code rc = PR_OK;
    char *out;

    if (folder == NULL)
        folder = "";
    pr_buf_init(&b, 0);
    pr_buf_init(&f, 0);
    /* The folder alone, normalized, to compare with the key. */
    if (folder[0] == '/')
        rc = pr_buf_append(&f, "/", 1, &err);
    if (rc == PR_OK)
        rc = add_segments(&f, folder, &err);
    if (rc == PR_OK && key[0] == '/') {
        rc = pr_buf_append(&b, "/", 1, &err);
    } else if (rc == PR_OK && !(skip_prefixed && f.len > 0 &&
                                strncmp(key, f.data, f.len) == 0 &&
                                key[f.len] == '/')) {
        if (f.len > 0)
            rc = pr_buf_append(&b, f.data, f.len, &err);
    }
    if (rc == PR_OK)
        rc = add_segments(&b, key, &err);
    if (rc == PR_OK && b.data == NULL)
        rc = pr_buf_append(&b, "", 0, &err);
    pr_buf_dispose(&f);
    if (rc != PR_OK) {
        pr_buf_dispose(&b);
        return NULL;
    }
    out = pr_buf_detach(&b, NULL);
    return out;
}

int
pr_s3_dns_bucket(const char *bucket)
{
    size_t i, n = strlen(bucket);

    if (n < 3 || n > 63)
        return 0;
    for (i = 0; i < n; i++) {
        char c = bucket[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              (c == '-' && i > 0 && i + 1 < n)))
            return 0;
    }
    return 1;
}

char *
pr_s3_object_url(const char *endpoint, int use_ssl, const char *region,
                 const char *bucket, const char *object)
{
    const char *scheme = use_ssl ? "https://" : "http://";
    pr_buf b;
    pr_error err;
    pr_code rc;
    size_t n;

    pr_buf_init(&b, 0);
    if (endpoint != NULL) {
        n = strcspn(endpoint, "?#");
        while (n > 0 && endpoint[n - 1] == '/')
            n--;
        rc = PR_OK;
        if (strstr(endpoint, "://") == NULL)
            rc = pr_buf_append(&b, scheme, strlen(scheme), &err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b, endpoint, n, &err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b, "/", 1, &err);
        if (rc == PR_OK)
            rc = pr_s3_encode(&b, bucket, 0, &err);
    } else if (pr_s3_dns_bucket(bucket)) {
        rc = pr_buf_append(&b, scheme, strlen(scheme), &err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b, bucket, strlen(bucket), &err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b, ".s3.", 4, &err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b, region, strlen(region), &err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b, ".amazonaws.com", 14, &err);
    } else {
        rc = pr_buf_append(&b, scheme, strlen(scheme), &err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b, "s3.", 3, &err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b, region, strlen(region), &err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b, ".amazonaws.com/", 15, &err);
        if (rc == PR_OK)
            rc = pr_s3_encode(&b, bucket, 0, &err);
    }
    if (rc == PR_OK)
        rc = pr_buf_append(&b, "/", 1, &err);
    if (rc == PR_OK)
        rc = pr_s3_encode(&b, object, 1, &err);
    if (rc != PR_OK) {
        pr_buf_dispose(&b);
        return NULL;
    }
    return pr_buf_detach(&b, NULL);
}
