/*
 * fmt_double.c - pr_fmt_double: the shortest decimal that reads back as
 * the same double, laid out exactly as Python's repr(float) does.
 *
 * Digits come from a Schubfach-style search.  A double v = c * 2^q has
 * the rounding interval [L, U] (open when c is odd, as round-half-even
 * reads it back), whose width is 2^q, or 3/4 of that just above a power
 * of two.  Choosing k with 1 <= width / 10^k < 10 means at most one
 * multiple of 10 * 10^k lies in the interval, and at least one of
 * s * 10^k and (s + 1) * 10^k does, where s = floor(v / 10^k).  So the
 * shortest candidate is either that multiple of ten or the one of s,
 * s + 1 that is inside (the closer one, ties to even, when both are).
 *
 * v / 10^k and the interval ends are computed in units of 10^k / 4 as
 * 64x128-bit products with a table of 10^-k rounded up to 128 bits
 * (fmt_pow10.h); its generator proves the integer parts are exact.
 * Ends are compared as floor(x) | inexact, which orders correctly
 * against the multiples of 4 they are compared with.
 */
#include <stdint.h>
#include <string.h>

#include "jsonw.h"
#include "fmt_digits.h"
#include "fmt_pow10.h"

__extension__ typedef unsigned __int128 u128;

/* 5^k for the exactness test; 5^25 exceeds every scaled significand. */
static const uint64_t pow5[25] = {
    1U, 5U, 25U, 125U, 625U, 3125U, 15625U, 78125U, 390625U, 1953125U,
    9765625U, 48828125U, 244140625U, 1220703125U, 6103515625U,
    30517578125U, 152587890625U, 762939453125U, 3814697265625U,
    19073486328125U, 95367431640625U, 476837158203125U,
    2384185791015625U, 11920928955078125U, 59604644775390625U
};

/* floor(x / 2^FMT_LOG_SHIFT) without shifting a negative value. */
static inline int
floor_shift(int64_t x)
{
    const int64_t bias = (int64_t)1 << 40;

    return (int)(((x + bias) >> FMT_LOG_SHIFT) -
                 (bias >> FMT_LOG_SHIFT));
}

/*
 * Is cp * 2^q / 10^k an integer?  Asked only when the product's fraction
 * bits are all zero, which can also mean a fraction below 2^-64.
 * For k > 0 the generator checks q >= k, so only the 5^k part matters.
 */
static int
is_integer(uint64_t cp, int q, int k)
{
    if (k > 0)
        return k <= 24 && cp % pow5[k] == 0;
    if (q >= k)
        return 1;
    return k - q < 64 && (cp & (((uint64_t)1 << (k - q)) - 1)) == 0;
}

/* floor(cp * 2^q / 10^k) | inexact, with g the table row for k. */
static inline uint64_t
scaled(const uint64_t *g, uint64_t cp, int h, int q, int k)
{
    u128 lo = (u128)(cp << h) * g[1];
    u128 hi = (u128)(cp << h) * g[0] + (uint64_t)(lo >> 64);
    uint64_t ip = (uint64_t)(hi >> 64);

    if ((uint64_t)hi != 0)
        return ip | 1;
    return ip | (uint64_t)!is_integer(cp, q, k);
}

/* The shortest digits: v = c * 2^q is dec * 10^e10. */
static void
shortest(uint64_t c, int q, int irregular, uint64_t *dec, int *e10)
{
    uint64_t cb = c << 2;
    uint64_t cbl = irregular ? cb - 1 : cb - 2;
    uint64_t cbr = cb + 2;
    uint64_t out = c & 1;       /* odd c: the ends are not included */
    uint64_t vb, vbl, vbr, s, t, sp10, tp10;
    const uint64_t *g;
    int k, h, uin, win;

    if (irregular)
        k = floor_shift((int64_t)q * FMT_LOG10_3Q_POW2_MUL +
                        FMT_LOG10_3Q_POW2_ADD);
    else
        k = floor_shift((int64_t)q * FMT_LOG10_POW2_MUL);
    h = q + floor_shift((int64_t)-k * FMT_LOG2_POW10_MUL) + 1;
    g = fmt_pow10[k - FMT_K_MIN];

    vb = scaled(g, cb, h, q, k);
    vbl = scaled(g, cbl, h, q, k);
    vbr = scaled(g, cbr, h, q, k);
    s = vb >> 2;

    /* A multiple of ten inside the interval is the shortest answer. */
    sp10 = s / 10 * 10;
    tp10 = sp10 + 10;
    uin = vbl + out <= sp10 << 2;
    win = (tp10 << 2) + out <= vbr;
    if (uin != win) {
        *dec = uin ? sp10 : tp10;
        *e10 = k;
        return;
    }

    t = s + 1;
    uin = vbl + out <= s << 2;
    win = (t << 2) + out <= vbr;
    *e10 = k;
    if (uin != win) {
        *dec = uin ? s : t;
        return;
    }
    /* Both inside: the closer one; on an exact tie the even one. */
    if (vb < (s << 2) + 2 || (vb == (s << 2) + 2 && (s & 1) == 0))
        *dec = s;
    else
        *dec = t;
}

/* Lays out digits d[0..n) times 10^e10 as repr does. */
static size_t
layout(char *out, const char *d, int n, int e10)
{
    char *p = out;
    int decpt = n + e10;        /* digits before the decimal point */
    int x = decpt - 1;          /* the scientific exponent */

    if (x >= -4 && x < 16) {
        if (decpt <= 0) {
            memcpy(p, "0.0000", (size_t)(2 - decpt));
            p += 2 - decpt;
            memcpy(p, d, (size_t)n);
            p += n;
        } else if (decpt >= n) {
            memcpy(p, d, (size_t)n);
            p += n;
            memset(p, '0', (size_t)(decpt - n));
            p += decpt - n;
            memcpy(p, ".0", 2);
            p += 2;
        } else {
            memcpy(p, d, (size_t)decpt);
            p += decpt;
            *p++ = '.';
            memcpy(p, d + decpt, (size_t)(n - decpt));
            p += n - decpt;
        }
        *p = '\0';
        return (size_t)(p - out);
    }
    *p++ = d[0];
    if (n > 1) {
        *p++ = '.';
        memcpy(p, d + 1, (size_t)(n - 1));
        p += n - 1;
    }
    *p++ = 'e';
    if (x < 0) {
        *p++ = '-';
        x = -x;
    } else {
        *p++ = '+';
    }
    if (x >= 100) {
        *p++ = (char)('0' + x / 100);
        x %= 100;
    }
    memcpy(p, fmt_digit_pairs + 2 * x, 2);
    p += 2;
    *p = '\0';
    return (size_t)(p - out);
}

size_t
pr_fmt_double(double v, char *out)
{
    uint64_t bits, frac, c, dec;
    unsigned bexp;
    char tmp[24], *d, *end = tmp + sizeof(tmp);
    char *p = out;
    int q, e10, n;

    memcpy(&bits, &v, sizeof(bits));
    bexp = (unsigned)(bits >> 52) & 0x7ff;
    frac = bits & (((uint64_t)1 << 52) - 1);
    if (bexp == 0x7ff) {
        if (frac != 0) {
            memcpy(out, "nan", 4);
            return 3;
        }
        if (bits >> 63) {
            memcpy(out, "-inf", 5);
            return 4;
        }
        memcpy(out, "inf", 4);
        return 3;
    }
    if (bits >> 63)
        *p++ = '-';
    if (bexp == 0 && frac == 0) {
        memcpy(p, "0.0", 4);
        return (size_t)(p - out) + 3;
    }

    if (bexp == 0) {
        c = frac;
        q = -1074;
    } else {
        c = frac | ((uint64_t)1 << 52);
        q = (int)bexp - 1075;
    }
    /* An integer below 2^53 is its own shortest form. */
    if (q <= 0 && q > -53 && (c & (((uint64_t)1 << -q) - 1)) == 0) {
        dec = c >> -q;
        e10 = 0;
    } else {
        shortest(c, q, frac == 0 && bexp > 1, &dec, &e10);
    }
    d = fmt_put_digits(end, dec);
    while (end[-1] == '0') {
        end--;
        e10++;
    }
    n = (int)(end - d);
    return (size_t)(p - out) + layout(p, d, n, e10);
}
