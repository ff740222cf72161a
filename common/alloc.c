/*
 * alloc.c - the one place the core allocates from the C heap.
 *
 * Tests can make the Nth allocation fail (pr_alloc_fail_after) to check
 * that every caller handles ENOMEM; production code never sets it.
 */
#include <stdlib.h>

#include "pr.h"
#include "alloc.h"

static long fail_countdown = -1;   /* <0: never fail */
static unsigned long alloc_count;

void
pr_alloc_fail_after(long n)
{
    fail_countdown = n;
    alloc_count = 0;
}

unsigned long
pr_alloc_count(void)
{
    return alloc_count;
}

static int
should_fail(void)
{
    alloc_count++;
    if (fail_countdown < 0)
        return 0;
    if (fail_countdown == 0)
        return 1;
    fail_countdown--;
    return 0;
}

void *
pr_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *
pr_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void
pr_free(void *p)
{
    free(p);
}
