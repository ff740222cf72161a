/*
 * fmt_digits.h - internal: decimal digit output shared by the number
 * writers (fmt_double.c, jsonw.c).  Two digits per division halves the
 * divisions, which dominate integer formatting.
 */
#ifndef PR_FMT_DIGITS_H
#define PR_FMT_DIGITS_H

#include <stdint.h>
#include <string.h>

static const char fmt_digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* Writes v right-aligned so that it ends just before end; returns the
 * first digit.  Up to 20 digits. */
static inline char *
fmt_put_digits(char *end, uint64_t v)
{
    while (v >= 100) {
        uint64_t r = v % 100;

        v /= 100;
        end -= 2;
        memcpy(end, fmt_digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        end -= 2;
        memcpy(end, fmt_digit_pairs + 2 * v, 2);
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}

/* Number of decimal digits of v (1 for 0). */
static inline int
fmt_count_digits(uint64_t v)
{
    int n = 1;

    for (;;) {
        if (v < 10)
            return n;
        if (v < 100)
            return n + 1;
        if (v < 1000)
            return n + 2;
        if (v < 10000)
            return n + 3;
        v /= 10000;
        n += 4;
    }
}

#endif /* PR_FMT_DIGITS_H */
