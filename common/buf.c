/*
 * buf.c - pr_buf: the capped, NUL-terminated byte buffer every JSON
 * writer appends to.
 *
 * Growth doubles the capacity, so appending N bytes costs O(N) in
 * total, but never beyond max + 1 bytes: the cap bounds memory as well
 * as output.  The capacity always has room for the trailing NUL.
 */
#include <stdint.h>
#include <string.h>

#include "pr.h"
#include "alloc.h"
#include "jsonw.h"

#define MIN_CAP 256

/* A streaming buffer sends its bytes once it holds this much. */
#define SINK_CHUNK ((size_t)64 << 10)

void
pr_buf_init(pr_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->sink = NULL;
    b->sink_arg = NULL;
    b->flushed = 0;
}

void
pr_buf_stream(pr_buf *b, pr_buf_sink sink, void *arg)
{
    b->sink = sink;
    b->sink_arg = arg;
}

pr_code
pr_buf_flush(pr_buf *b, pr_error *err)
{
    pr_code rc;

    if (b->sink == NULL || b->len == 0)
        return PR_OK;
    rc = b->sink(b->sink_arg, b->data, b->len, err);
    if (rc != PR_OK)
        return rc;
    if (b->max != 0)
        b->max -= b->len < b->max ? b->len : b->max;
    b->flushed += b->len;
    b->len = 0;
    b->data[0] = '\0';
    return PR_OK;
}

void
pr_buf_dispose(pr_buf *b)
{
    if (b == NULL)
        return;
    pr_free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

char *
pr_buf_detach(pr_buf *b, size_t *len)
{
    char *p = b->data;

    /* The caller gets a string even when nothing was written. */
    if (p == NULL) {
        p = pr_malloc(1);
        if (p != NULL)
            p[0] = '\0';
    }
    if (len != NULL)
        *len = p != NULL ? b->len : 0;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

pr_code
pr_buf_reserve(pr_buf *b, size_t extra, pr_error *err)
{
    size_t need, ncap;
    char *p;

    if (b->sink != NULL && b->len >= SINK_CHUNK &&
        b->len + extra >= b->cap) {
        pr_code rc = pr_buf_flush(b, err);
        if (rc != PR_OK)
            return rc;
    }
    if (!pr_size_add(b->len, extra, &need) || need == SIZE_MAX) {
        if (b->max != 0)
            return pr_error_set(err, PR_ELIMIT, "output would exceed %zu "
                                "bytes (max_output)", b->max + b->flushed);
        return pr_error_set(err, PR_ENOMEM, "output buffer cannot grow "
                            "past %zu bytes", b->len);
    }
    if (b->max != 0 && need > b->max)
        return pr_error_set(err, PR_ELIMIT, "output would exceed %zu bytes "
                            "(max_output)", b->max + b->flushed);
    if (need < b->cap)
        return PR_OK;

    ncap = b->cap < MIN_CAP ? MIN_CAP : b->cap;
    while (ncap <= need) {
        if (!pr_size_mul(ncap, 2, &ncap)) {
            ncap = need + 1;
            break;
        }
    }
    /* Never hold more than the cap allows (plus the NUL). */
    if (b->max != 0 && ncap > b->max + 1 && b->max + 1 > need)
        ncap = b->max + 1;

    p = pr_realloc(b->data, ncap);
    if (p == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory growing the "
                            "output buffer to %zu bytes", ncap);
    if (b->data == NULL)
        p[0] = '\0';
    b->data = p;
    b->cap = ncap;
    return PR_OK;
}

pr_code
pr_buf_append(pr_buf *b, const void *p, size_t n, pr_error *err)
{
    pr_code rc;

    if (n == 0 && b->data != NULL)
        return PR_OK;
    rc = pr_buf_reserve(b, n, err);
    if (rc != PR_OK)
        return rc;
    if (n != 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return PR_OK;
}

pr_code
pr_buf_puts(pr_buf *b, const char *s, pr_error *err)
{
    return pr_buf_append(b, s, strlen(s), err);
}

pr_code
pr_buf_putc(pr_buf *b, char c, pr_error *err)
{
    if (b->cap - b->len > 1 && (b->max == 0 || b->len < b->max)) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return PR_OK;
    }
    return pr_buf_append(b, &c, 1, err);
}
