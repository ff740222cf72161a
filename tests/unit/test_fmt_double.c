/*
 * test_fmt_double.c - pr_fmt_double must print what Python's repr(float)
 * prints.  Expected output comes from tests/unit/gen_fmt_double.py:
 * edge cases as strings, and hashes over 2.4 million pseudo-random
 * doubles that this file regenerates with the same generator.
 *
 * A self-check needing no Python compares against glibc: the output
 * reads back to the same double, no shorter decimal does, and it is the
 * nearest decimal of its length whenever that one reads back.
 *
 *   test_fmt_double                  the unit tests
 *   test_fmt_double --selfcheck N    N random doubles against glibc
 *   test_fmt_double --bench          ns per value, ours vs snprintf
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pr.h"
#include "jsonw.h"
#include "unit.h"

static const char *const edge_cases[] = {
#include "data/fmt_double_cases.inc"
};

static const struct block {
    int kind;
    uint64_t seed;
    long count;
    uint64_t hash;
} blocks[] = {
#include "data/fmt_double_hashes.inc"
};

/* Same stream as gen_common.SplitMix64. */
static uint64_t
splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15U);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9U;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebU;
    return z ^ (z >> 31);
}

static uint64_t
fnv1a(uint64_t h, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 0x100000001b3U;
    return h;
}

static double
from_bits(uint64_t b)
{
    double v;

    memcpy(&v, &b, sizeof(v));
    return v;
}

static uint64_t
to_bits(double v)
{
    uint64_t b;

    memcpy(&b, &v, sizeof(b));
    return b;
}

static uint64_t
pow10_u(unsigned j)
{
    uint64_t p = 1;

    while (j-- > 0)
        p *= 10;
    return p;
}

/* 10^j for j <= 22: every one is exact in a double. */
static double
pow10_d(unsigned j)
{
    double p = 1.0;

    while (j-- > 0)
        p *= 10.0;
    return p;
}

/* One double of a block; mirrors gen_block() in gen_fmt_double.py. */
static double
gen_value(int kind, uint64_t *st)
{
    uint64_t r = splitmix(st), m;
    unsigned d;

    switch (kind) {
    case 0:
        while (((r >> 52) & 0x7ff) == 0x7ff)
            r = splitmix(st);
        return from_bits(r);
    case 1:
        return (double)(r >> 11) * 0x1p-53;
    case 2: {
        double x = (double)(r >> (splitmix(st) & 63));

        return (r & 1) ? -x : x;
    }
    case 3:
        d = 1 + (unsigned)(splitmix(st) % 15);
        m = r % pow10_u(d);
        return (double)m / pow10_d((unsigned)(splitmix(st) % 23));
    case 4:
        d = 1 + (unsigned)(splitmix(st) % 15);
        m = r % pow10_u(d);
        return (double)m * pow10_d((unsigned)(splitmix(st) % 23));
    case 5:
        return from_bits((r & (((uint64_t)1 << 52) - 1)) |
                         (r & ((uint64_t)1 << 63)));
    case 6: {
        uint32_t b = (uint32_t)r;
        float f;

        while (((b >> 23) & 0xff) == 0xff)
            b = (uint32_t)splitmix(st);
        memcpy(&f, &b, sizeof(f));
        return (double)f;
    }
    default:
        return ((double)(r >> 11) * 0x1p-53 - 0.5) * 2e6;
    }
}

TEST(fmt_double_matches_repr_on_edge_cases)
{
    size_t i, bad = 0;
    char out[40];

    for (i = 0; i < sizeof(edge_cases) / sizeof(edge_cases[0]); i++) {
        double v = strtod(edge_cases[i], NULL);
        size_t n = pr_fmt_double(v, out);

        if (strcmp(out, edge_cases[i]) != 0 || n != strlen(out)) {
            if (bad++ < 10)
                fprintf(stderr, "  %s: got %s\n", edge_cases[i], out);
        }
    }
    CHECK_EQ_INT(bad, 0);
}

TEST(fmt_double_matches_repr_on_random_blocks)
{
    size_t i;
    char out[40];

    for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
        uint64_t st = blocks[i].seed, h = 0xcbf29ce484222325U;
        long j;

        for (j = 0; j < blocks[i].count; j++) {
            size_t n = pr_fmt_double(gen_value(blocks[i].kind, &st), out);

            out[n] = '\n';
            h = fnv1a(h, out, n + 1);
        }
        if (h != blocks[i].hash)
            fprintf(stderr, "  block kind %d seed %llu differs\n",
                    blocks[i].kind, (unsigned long long)blocks[i].seed);
        CHECK(h == blocks[i].hash);
    }
}

TEST(fmt_double_writes_nan_and_inf_as_python_names)
{
    char out[40];

    CHECK_EQ_INT(pr_fmt_double(from_bits(0x7ff8000000000000U), out), 3);
    CHECK_EQ_STR(out, "nan");
    pr_fmt_double(from_bits(0xfff8000000000001U), out);
    CHECK_EQ_STR(out, "nan");
    CHECK_EQ_INT(pr_fmt_double(from_bits(0x7ff0000000000000U), out), 3);
    CHECK_EQ_STR(out, "inf");
    CHECK_EQ_INT(pr_fmt_double(from_bits(0xfff0000000000000U), out), 4);
    CHECK_EQ_STR(out, "-inf");
}

TEST(fmt_double_lays_out_like_repr)
{
    static const struct {
        double v;
        const char *want;
    } t[] = {
        { 0.0, "0.0" }, { -0.0, "-0.0" }, { 1.5, "1.5" }, { 1e30, "1e+30" },
        { 1e-5, "1e-05" }, { 0.0001, "0.0001" }, { 1e16, "1e+16" },
        { 123.0, "123.0" }, { 5e-324, "5e-324" },
        { 123456789012345.0, "123456789012345.0" },
        { 1.7976931348623157e308, "1.7976931348623157e+308" },
        { -1.2345e-100, "-1.2345e-100" }, { 9999999999999998.0,
          "9999999999999998.0" }, { 0.1, "0.1" }, { 100.0, "100.0" }
    };
    size_t i;
    char out[40];

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        CHECK_EQ_INT(pr_fmt_double(t[i].v, out), strlen(t[i].want));
        CHECK_EQ_STR(out, t[i].want);
    }
}

/* Significant digits and exponent of a decimal: value = m * 10^e. */
static int
parse_decimal(const char *s, uint64_t *m, int *e)
{
    int frac = 0, in_frac = 0, nd = 0;
    uint64_t v = 0;

    if (*s == '-')
        s++;
    for (; *s && *s != 'e'; s++) {
        if (*s == '.') {
            in_frac = 1;
            continue;
        }
        if (v == 0 && *s == '0') {
            frac += in_frac;
            continue;
        }
        if (nd++ >= 19)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        frac += in_frac;
    }
    *e = (*s == 'e' ? atoi(s + 1) : 0) - frac;
    while (v != 0 && v % 10 == 0) {
        v /= 10;
        (*e)++;
    }
    *m = v;
    return 0;
}

static int
ndigits(uint64_t m)
{
    int n = 1;

    while (m >= 10) {
        m /= 10;
        n++;
    }
    return n;
}

/* Does m * 10^e read back as v? */
static int
reads_back(uint64_t m, int e, double v)
{
    char s[48];

    snprintf(s, sizeof(s), "%s%llue%d", v < 0 ? "-" : "",
             (unsigned long long)m, e);
    return to_bits(strtod(s, NULL)) == to_bits(v);
}

/* 0 when v is formatted correctly, else prints why and returns 1. */
static int
self_check_one(double v)
{
    char out[40], near[48];
    uint64_t m, nm;
    int e, ne, n;

    pr_fmt_double(v, out);
    if (to_bits(strtod(out, NULL)) != to_bits(v)) {
        fprintf(stderr, "  %a: %s does not read back\n", v, out);
        return 1;
    }
    if (v == 0 || parse_decimal(out, &m, &e) != 0)
        return v != 0;
    n = ndigits(m);
    if (n > 1) {
        /* The two (n-1)-digit decimals around v must not read back. */
        snprintf(near, sizeof(near), "%.*e", n - 2, v);
        parse_decimal(near, &nm, &ne);
        while (ndigits(nm) < n - 1 && nm != 0) {
            nm *= 10;
            ne--;
        }
        if (reads_back(nm, ne, v) || reads_back(nm - 1, ne, v) ||
            reads_back(nm + 1, ne, v)) {
            fprintf(stderr, "  %a: %s is not the shortest\n", v, out);
            return 1;
        }
    }
    /* The nearest n-digit decimal wins whenever it reads back. */
    snprintf(near, sizeof(near), "%.*e", n - 1, v);
    parse_decimal(near, &nm, &ne);
    if (reads_back(nm, ne, v) && (nm != m || ne != e)) {
        fprintf(stderr, "  %a: %s, but %s is nearer\n", v, out, near);
        return 1;
    }
    return 0;
}

static long
self_check(long count, uint64_t seed)
{
    uint64_t st = seed;
    long i, bad = 0;

    for (i = 0; i < count && bad < 10; i++) {
        int kind = (int)(i % 8);
        double v = gen_value(kind, &st);

        bad += self_check_one(v);
    }
    return bad;
}

TEST(fmt_double_is_shortest_and_nearest_per_glibc)
{
    CHECK_EQ_INT(self_check(30000, 42), 0);
}

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void
bench(void)
{
    enum { N = 1000000 };
    static const char *const names[] = {
        "random bits", "uniform [0,1)", "integers", "m/10^j",
        "m*10^j", "subnormal", "float32", "uniform +-1e6"
    };
    static double vals[N];
    char out[64];
    int kind;

    /* CPU time, best of three: the machine may be busy with other work. */
    for (kind = 0; kind < 8; kind++) {
        uint64_t st = 7, sink = 0;
        double ours = 1e18, theirs = 1e18, t0;
        int i, rep;

        for (i = 0; i < N; i++)
            vals[i] = gen_value(kind, &st);
        for (rep = 0; rep < 3; rep++) {
            t0 = now_ns();
            for (i = 0; i < N; i++)
                sink += pr_fmt_double(vals[i], out);
            if (now_ns() - t0 < ours)
                ours = now_ns() - t0;
            t0 = now_ns();
            for (i = 0; i < N; i++)
                sink += (uint64_t)snprintf(out, sizeof(out), "%.17g",
                                           vals[i]);
            if (now_ns() - t0 < theirs)
                theirs = now_ns() - t0;
        }
        printf("%-14s pr_fmt_double %6.1f ns  snprintf %%.17g %6.1f ns"
               "  (%llu)\n", names[kind], ours / N, theirs / N,
               (unsigned long long)(sink % 10));
    }
}

int
main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
        bench();
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "--selfcheck") == 0) {
        long n = atol(argv[2]);
        long bad = self_check(n, (uint64_t)time(NULL));

        printf("%ld doubles checked against glibc, %ld bad\n", n, bad);
        return bad != 0;
    }
    RUN(fmt_double_matches_repr_on_edge_cases);
    RUN(fmt_double_matches_repr_on_random_blocks);
    RUN(fmt_double_writes_nan_and_inf_as_python_names);
    RUN(fmt_double_lays_out_like_repr);
    RUN(fmt_double_is_shortest_and_nearest_per_glibc);
    return unit_done();
}
