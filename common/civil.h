/*
 * civil.h - internal: exact calendar arithmetic and UTC-offset text.
 *
 * The decoder turns pickled dates and times into ISO strings without
 * calling the C library (whose time_t and locale vary by platform), so
 * these helpers use the proleptic Gregorian calendar on int64 day counts
 * the way Python's datetime and numpy do: day 0 is 1970-01-01, year 0
 * exists and is a leap year, year -1 comes before it.
 */
#ifndef PR_CIVIL_H
#define PR_CIVIL_H

#include <stddef.h>
#include <stdint.h>

/* Years whose day count fits int64 with room to add seconds of a day. */
#define PR_CIVIL_YEAR_MAX ((int64_t)1 << 53)

/* 1 when `year` is a Gregorian leap year (any int64). */
int pr_is_leap_year(int64_t year);

/* Days in `month` (1-12) of `year`; 0 when the month is not 1-12. */
int pr_days_in_month(int64_t year, int month);

/*
 * pr_days_from_civil - days from 1970-01-01 to year-month-day.
 * Returns 1 and sets *days, or 0 (and leaves *days alone) when the month
 * or day does not exist or |year| > PR_CIVIL_YEAR_MAX.
 */
int pr_days_from_civil(int64_t *days, int64_t year, int month, int day);

/*
 * pr_civil_from_days - the date `days` after 1970-01-01 (negative:
 * before).  Defined for every int64; the year then fits int64 easily.
 */
void pr_civil_from_days(int64_t days, int64_t *year, int *month,
                        int *day);

/* Day of the week of a day count: 0 Monday ... 6 Sunday, as Python's
 * date.weekday(). */
int pr_weekday_from_days(int64_t days);

/* Floor division and its non-negative remainder; b must be > 0. */
int64_t pr_floor_div(int64_t a, int64_t b);
int64_t pr_floor_mod(int64_t a, int64_t b);

/* Room for any offset pr_fmt_offset* writes, with its NUL. */
#define PR_OFFSET_BUFSIZE 32

/*
 * pr_fmt_offset - a UTC offset as Python's datetime.isoformat() writes
 * it: "+05:30", "-00:30", "+00:00", and "+05:30:15" when the offset has
 * seconds.  `out` holds PR_OFFSET_BUFSIZE bytes; returns the length.
 * Offsets Python would refuse (24 h or more) are still written exactly,
 * with as many hour digits as they need.
 */
size_t pr_fmt_offset(int32_t seconds, char *out);

/* The same for an offset in microseconds ("+05:30:15.250000"), the form
 * Python uses when a timezone carries sub-second parts. */
size_t pr_fmt_offset_us(int64_t microseconds, char *out);

#endif
