/* arena.c - the per-decode bump allocator (see arena.h for why). */
#include <string.h>

#include "arena.h"
#include "alloc.h"

struct pr_arena_chunk {
    pr_arena_chunk *next;
    size_t size;
    size_t total;           /* bytes counted in used for this chunk */
};

/* The payload starts after the header, rounded up to 16 bytes. */
#define ARENA_HDR ((sizeof(pr_arena_chunk) + 15) & ~(size_t)15)

#define ARENA_MIN_CHUNK ((size_t)64 << 10)
#define ARENA_MAX_CHUNK ((size_t)16 << 20)

void
pr_arena_init(pr_arena *a, size_t max)
{
    memset(a, 0, sizeof(*a));
    a->max = max ? max : SIZE_MAX;
    a->next_chunk = ARENA_MIN_CHUNK;
}

void
pr_arena_dispose(pr_arena *a)
{
    pr_arena_chunk *c = a->head;

    while (c != NULL) {
        pr_arena_chunk *next = c->next;
        pr_free(c);
        c = next;
    }
    pr_free(a->spare);
    memset(a, 0, sizeof(*a));
}

static void *
arena_grow(pr_arena *a, size_t n, pr_error *err)
{
    size_t want = a->next_chunk, total;
    pr_arena_chunk *c;

    if (n > want)
        want = n;
    if (a->spare != NULL && a->spare->size >= n && a->used <= a->max &&
        a->spare->total <= a->max - a->used) {
        /* reuse the chunk the last reset kept instead of malloc/free */
        c = a->spare;
        a->spare = NULL;
        c->next = a->head;
        a->head = c;
        a->used += c->total;
        a->cur = (char *)c + ARENA_HDR;
        a->end = a->cur + c->size;
        return a->cur;
    }
    if (!pr_size_add(want, ARENA_HDR, &total) ||
        a->used > a->max || total > a->max - a->used) {
        pr_error_set(err, PR_ELIMIT, "decoder memory would exceed %zu bytes "
                     "(max_arena)", a->max);
        return NULL;
    }
    c = pr_malloc(total);
    if (c == NULL) {
        pr_error_set(err, PR_ENOMEM, "out of memory allocating %zu bytes "
                     "for decoded values", total);
        return NULL;
    }
    c->next = a->head;
    c->size = want;
    c->total = total;
    a->head = c;
    a->used += total;
    a->cur = (char *)c + ARENA_HDR;
    a->end = a->cur + want;
    if (a->next_chunk < ARENA_MAX_CHUNK)
        a->next_chunk *= 2;
    return a->cur;
}

void *
pr_arena_alloc(pr_arena *a, size_t n, pr_error *err)
{
    void *p;

    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    if ((size_t)(a->end - a->cur) < n || a->cur == NULL) {
        if (arena_grow(a, n, err) == NULL)
            return NULL;
    }
    p = a->cur;
    a->cur += n;
    return p;
}

void *
pr_arena_calloc(pr_arena *a, size_t n, pr_error *err)
{
    void *p = pr_arena_alloc(a, n, err);

    if (p != NULL)
        memset(p, 0, n);
    return p;
}

void
pr_arena_reset(pr_arena *a, pr_arena_mark m)
{
    while (a->head != m.head && a->head != NULL) {
        pr_arena_chunk *c = a->head;
        a->head = c->next;
        a->used -= c->total;
        if (a->spare == NULL || a->spare->size < c->size) {
            pr_free(a->spare);
            a->spare = c;
        } else {
            pr_free(c);
        }
    }
    if (a->head == NULL) {
        a->cur = a->end = NULL;
        return;
    }
    a->cur = m.cur;
    a->end = (char *)a->head + ARENA_HDR + a->head->size;
}
