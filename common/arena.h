/*
 * arena.h - internal: one bump allocator per decode.
 *
 * The pickle VM allocates every value, container array and emitter
 * frame here and frees everything at once at the end, so there are no
 * per-node frees and no reference counts.  Every allocation is counted
 * against a byte limit (max_arena) so hostile input cannot make us
 * allocate past it.
 */
#ifndef PR_ARENA_H
#define PR_ARENA_H

#include "pr.h"

typedef struct pr_arena_chunk pr_arena_chunk;

typedef struct pr_arena {
    pr_arena_chunk *head;
    char *cur;              /* next free byte in head */
    char *end;              /* end of head */
    size_t used;            /* bytes handed out + chunk headers */
    size_t max;             /* limit on used */
    size_t next_chunk;      /* size of the next chunk to allocate */
    pr_arena_chunk *spare;  /* kept by pr_arena_reset for reuse */
} pr_arena;

void pr_arena_init(pr_arena *a, size_t max);
void pr_arena_dispose(pr_arena *a);
/* 16-byte aligned, uninitialised.  NULL with err set (ELIMIT/ENOMEM). */
void *pr_arena_alloc(pr_arena *a, size_t n, pr_error *err);
/* Like pr_arena_alloc, zero-filled. */
void *pr_arena_calloc(pr_arena *a, size_t n, pr_error *err);

/*
 * A position in an arena.  pr_arena_reset(a, m) frees everything
 * allocated after m was taken (stack discipline): the emitter uses it so
 * that memory for writing a value lives only while the value is open.
 */
typedef struct pr_arena_mark {
    pr_arena_chunk *head;
    char *cur;
} pr_arena_mark;

static inline pr_arena_mark
pr_arena_get_mark(const pr_arena *a)
{
    pr_arena_mark m = { a->head, a->cur };

    return m;
}

void pr_arena_reset(pr_arena *a, pr_arena_mark m);

#endif
