/*
 * civil.c - proleptic Gregorian day counts and UTC-offset text.
 *
 * Dates are counted in 400-year cycles (146097 days each) that begin on
 * 1 March, so the leap day is always the last day of a counting year and
 * no month table has to special-case February.  Everything is integer
 * arithmetic on int64 with floor division, exact for the whole range
 * documented in civil.h.
 */
#include <stdint.h>

#include "civil.h"

#define DAYS_PER_CYCLE 146097       /* 400 Gregorian years */
#define DAYS_PER_CENTURY 36524      /* 100 years whose last is not leap */
#define DAYS_PER_QUAD 1461          /* 4 years whose last is leap */
/* Days from 0000-03-01 (start of a cycle) to 1970-01-01. */
#define CYCLE_START_TO_EPOCH 719468

/* Days before each month of a year that starts on 1 March. */
static const int16_t days_before_march_month[12] = {
    0, 31, 61, 92, 122, 153, 184, 214, 245, 275, 306, 337
};

int64_t
pr_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if (a % b != 0 && a < 0)
        q--;
    return q;
}

int64_t
pr_floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;

    if (r < 0)
        r += b;
    return r;
}

int
pr_is_leap_year(int64_t year)
{
    if (pr_floor_mod(year, 4) != 0)
        return 0;
    if (pr_floor_mod(year, 100) != 0)
        return 1;
    return pr_floor_mod(year, 400) == 0;
}

int
pr_days_in_month(int64_t year, int month)
{
    static const int8_t len[12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && pr_is_leap_year(year))
        return 29;
    return len[month - 1];
}

int
pr_days_from_civil(int64_t *days, int64_t year, int month, int day)
{
    int64_t cycles, y;
    int mi;

    if (year > PR_CIVIL_YEAR_MAX || year < -PR_CIVIL_YEAR_MAX)
        return 0;
    if (day < 1 || day > pr_days_in_month(year, month))
        return 0;
    /* January and February belong to the counting year before. */
    if (month <= 2) {
        y = year - 1;
        mi = month + 9;
    } else {
        y = year;
        mi = month - 3;
    }
    cycles = pr_floor_div(y, 400);
    y -= cycles * 400;      /* now 0..399 within the cycle */
    /* Leap days of years 1..y of the cycle; year 0's is before 1 March. */
    *days = cycles * DAYS_PER_CYCLE + y * 365 + y / 4 - y / 100
            + days_before_march_month[mi] + (day - 1)
            - CYCLE_START_TO_EPOCH;
    return 1;
}

void
pr_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    int64_t cycles, rem, c, q, y;
    int mi;

    /* Split first, then shift, so that no step can overflow. */
    cycles = pr_floor_div(days, DAYS_PER_CYCLE);
    rem = pr_floor_mod(days, DAYS_PER_CYCLE) + CYCLE_START_TO_EPOCH;
    cycles += rem / DAYS_PER_CYCLE;
    rem %= DAYS_PER_CYCLE;

    /* The last century of a cycle has one day more (year 400 leaps). */
    c = rem / DAYS_PER_CENTURY;
    if (c > 3)
        c = 3;
    rem -= c * DAYS_PER_CENTURY;
    q = rem / DAYS_PER_QUAD;
    rem -= q * DAYS_PER_QUAD;
    /* Likewise the last year of a quad owns the leap day. */
    y = rem / 365;
    if (y > 3)
        y = 3;
    rem -= y * 365;

    mi = 11;
    while (days_before_march_month[mi] > rem)
        mi--;
    *day = (int)(rem - days_before_march_month[mi]) + 1;
    *month = mi < 10 ? mi + 3 : mi - 9;
    *year = cycles * 400 + c * 100 + q * 4 + y + (*month <= 2);
}

int
pr_weekday_from_days(int64_t days)
{
    /* 1970-01-01 was a Thursday (3 when Monday is 0). */
    return (int)((pr_floor_mod(days, 7) + 3) % 7);
}

/* Writes v in decimal with at least `width` digits; returns the count. */
static size_t
put_uint(char *out, uint64_t v, int width)
{
    char tmp[24];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n < (size_t)width)
        tmp[n++] = '0';
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

size_t
pr_fmt_offset_us(int64_t microseconds, char *out)
{
    uint64_t a, hours, minutes, seconds, micros;
    size_t n = 0;

    /* Negate in unsigned arithmetic: INT64_MIN has no positive twin. */
    if (microseconds < 0) {
        out[n++] = '-';
        a = 0 - (uint64_t)microseconds;
    } else {
        out[n++] = '+';
        a = (uint64_t)microseconds;
    }
    micros = a % 1000000;
    a /= 1000000;
    seconds = a % 60;
    a /= 60;
    minutes = a % 60;
    hours = a / 60;

    n += put_uint(out + n, hours, 2);
    out[n++] = ':';
    n += put_uint(out + n, minutes, 2);
    /* Python adds seconds only when they (or microseconds) are there. */
    if (seconds != 0 || micros != 0) {
        out[n++] = ':';
        n += put_uint(out + n, seconds, 2);
        if (micros != 0) {
            out[n++] = '.';
            n += put_uint(out + n, micros, 6);
        }
    }
    out[n] = '\0';
    return n;
}

size_t
pr_fmt_offset(int32_t seconds, char *out)
{
    return pr_fmt_offset_us((int64_t)seconds * 1000000, out);
}
