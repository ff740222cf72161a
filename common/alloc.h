/* alloc.h - internal: allocation fault injection for tests. */
#ifndef PR_ALLOC_H
#define PR_ALLOC_H

/* After n more successful allocations, every allocation fails until
 * called again; n < 0 turns injection off.  Resets the counter. */
void pr_alloc_fail_after(long n);
/* Allocations attempted since the last pr_alloc_fail_after(). */
unsigned long pr_alloc_count(void);

/* Overflow-checked size arithmetic: 0 on overflow, else 1. */
static inline int
pr_size_mul(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

static inline int
pr_size_add(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

#endif
