/*
 * tzdb.c - read TZif files of the system tz database and compute the
 * UTC offset of a named zone the way CPython 3.11's zoneinfo does.
 *
 * Matching Python means matching its C module (Modules/_zoneinfo.c)
 * rather than RFC 8536 where the two differ, because the decoder must
 * print the offset Python prints:
 *   - before the first transition the offset is that of the first
 *     non-DST local time type, else of type 0;
 *   - transitions are turned into wall times twice, once per fold, using
 *     the larger / smaller of the offsets around them; for the first
 *     transition the "offset before" is type 0's, not the one above;
 *   - after the last transition the POSIX TZ footer applies, evaluated
 *     for the calendar year of the wall time (or, from UTC, of the UTC
 *     time); with no footer the type of the last transition stays;
 *   - footer grammar: abbreviations of any length (even "<>"), offsets
 *     hh[:mm[:ss]] with hh <= 24, rule times [+-]h[h][:mm[:ss]] with the
 *     sign applied to every part (so -1 .. -99 and up to 99 hours, not
 *     RFC 8536's 167);
 *   - a "Jn" rule adds the leap day for n >= 59 (so J59 is 29 February
 *     in leap years) and a zero-based "n" rule counts from 31 December
 *     of the year before: both as Python computes them.
 * Corrupt files that Python would half-accept (indices out of range,
 * unsorted transitions, a footer without its closing newline) are
 * refused here with PR_EFORMAT.  Leap-second records are skipped, as
 * Python does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pr.h"
#include "alloc.h"
#include "civil.h"
#include "tzdb.h"

#define DEFAULT_TZDIR "/usr/share/zoneinfo"
#define KEY_MAX 255
#define HEADER_SIZE 44
/* Transition times beyond this are corrupt; it leaves room to add any
 * int32 offset without overflow (zic writes at most -2^59). */
#define TRANS_LIMIT ((int64_t)1 << 61)
#define DAY_SECONDS 86400

/* One end of a footer rule: when in the year DST starts or ends. */
typedef struct tz_date {
    char kind;          /* 'M' month.week.day, 'J' Julian, 'N' year day */
    int month;          /* M: 1-12 */
    int week;           /* M: 1-5, 5 = last */
    int wday;           /* M: 0 Sunday - 6 */
    int yday;           /* J: 1-365, N: 0-365 */
    int32_t time;       /* local seconds after midnight, may be < 0 */
} tz_date;

/* The footer: what holds after the last transition. */
typedef struct tz_rule {
    int std_only;
    int32_t std_off;
    int32_t dst_off;
    int32_t dst_diff;   /* dst_off - std_off, may be negative */
    tz_date start;
    tz_date end;
} tz_rule;

typedef struct tz_zone {
    size_t ntrans;
    int64_t *utc;       /* transition instants, strictly ascending */
    int64_t *wall[2];   /* the same as wall times, per fold */
    int32_t *off;       /* offset in force from transition i on */
    int32_t before;     /* offset before the first transition */
    tz_rule after;
} tz_zone;

typedef struct tz_entry {
    size_t keylen;
    char key[KEY_MAX + 1];
    pr_code status;     /* PR_OK, or the cached PR_ENOTFOUND/PR_EFORMAT */
    pr_error why;       /* the failure, to repeat it */
    tz_zone *zone;
} tz_entry;

struct pr_tzcache {
    char *dir;
    size_t count;
    size_t next;        /* slot to reuse when full (oldest first) */
    tz_entry ent[PR_TZCACHE_MAX];
};

/* The counts of one TZif header. */
typedef struct tzif_header {
    int version;        /* 1, or 2 for any later version */
    size_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_header;

/* ------------------------------------------------------------------ */
/* Zone objects                                                        */

static void
zone_free(tz_zone *z)
{
    if (z == NULL)
        return;
    pr_free(z->utc);    /* one block holds all four arrays */
    pr_free(z);
}

/* ------------------------------------------------------------------ */
/* TZif parsing                                                        */

static uint32_t
get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16
           | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int64_t
to_signed64(uint64_t u)
{
    /* Two's complement without relying on implementation-defined casts. */
    if (u <= (uint64_t)INT64_MAX)
        return (int64_t)u;
    return -(int64_t)(~u) - 1;
}

static int64_t
get_time(const uint8_t *p, size_t tsize)
{
    uint64_t u;

    if (tsize == 4) {
        u = get_be32(p);
        if (u & 0x80000000u)
            u |= 0xffffffff00000000u;
        return to_signed64(u);
    }
    u = (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
    return to_signed64(u);
}

static int32_t
get_offset(const uint8_t *p)
{
    uint32_t u = get_be32(p);

    if (u & 0x80000000u)
        return (int32_t)(-(int64_t)(~u) - 1);
    return (int32_t)u;
}

static pr_code
read_header(tzif_header *h, const uint8_t *p, size_t len, size_t pos,
            const char *what, pr_error *err)
{
    size_t *counts[6];
    size_t i;
    uint8_t v;

    if (len < HEADER_SIZE || pos > len - HEADER_SIZE)
        return pr_error_set(err, PR_EFORMAT,
                            "time zone %s: TZif header is truncated", what);
    if (memcmp(p + pos, "TZif", 4) != 0)
        return pr_error_set(err, PR_EFORMAT,
                            "time zone %s: TZif magic is missing", what);
    /* Python reads the version byte with int(): NUL and '1' are
     * version 1, any other digit means 64-bit data and a footer. */
    v = p[pos + 4];
    if (v == 0 || v == '1')
        h->version = 1;
    else if (v >= '0' && v <= '9')
        h->version = 2;
    else
        return pr_error_set(err, PR_EFORMAT,
                            "time zone %s: unknown TZif version byte 0x%02x",
                            what, (unsigned)v);
    counts[0] = &h->isutcnt;
    counts[1] = &h->isstdcnt;
    counts[2] = &h->leapcnt;
    counts[3] = &h->timecnt;
    counts[4] = &h->typecnt;
    counts[5] = &h->charcnt;
    for (i = 0; i < 6; i++) {
        uint32_t n = get_be32(p + pos + 20 + 4 * i);

        if (n & 0x80000000u)
            return pr_error_set(err, PR_EFORMAT,
                                "time zone %s: negative count in TZif "
                                "header", what);
        *counts[i] = n;
    }
    return PR_OK;
}

/* Bytes of the data block that follows a header; 0 on overflow. */
static int
data_size(const tzif_header *h, size_t tsize, size_t *out)
{
    size_t a, b, sum;

    if (!pr_size_mul(h->timecnt, tsize + 1, &sum)
        || !pr_size_mul(h->typecnt, 6, &a) || !pr_size_add(sum, a, &sum)
        || !pr_size_add(sum, h->charcnt, &sum)
        || !pr_size_mul(h->leapcnt, tsize + 4, &b)
        || !pr_size_add(sum, b, &sum)
        || !pr_size_add(sum, h->isstdcnt, &sum)
        || !pr_size_add(sum, h->isutcnt, &sum))
        return 0;
    *out = sum;
    return 1;
}

/* A cursor over the footer text; peek() gives 0 at the end, which is
 * how Python's C parser sees the end of its NUL-terminated string. */
typedef struct tz_text {
    const char *s;
    size_t n;
    size_t i;
} tz_text;

static int
peek(const tz_text *t)
{
    return t->i < t->n ? (unsigned char)t->s[t->i] : 0;
}

static int
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* std or dst name: "<...>" of alphanumerics, + and -, or letters.
 * Returns the characters consumed (0 for an empty unquoted name), or
 * -1 when a quoted name is bad or unterminated. */
static long
parse_abbr(tz_text *t)
{
    size_t start = t->i;
    int c;

    if (peek(t) == '<') {
        t->i++;
        while ((c = peek(t)) != '>') {
            if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-')
                return -1;
            t->i++;
        }
        t->i++;
    } else {
        while (is_alpha(peek(t)))
            t->i++;
    }
    return (long)(t->i - start);
}

/* A footer UTC offset [+-]hh[:mm[:ss]], hh at most 24, returned with
 * the sign flipped: POSIX "CET-1" means one hour east of UTC. */
static int
parse_delta(tz_text *t, int32_t *out)
{
    int32_t sign = -1, hours = 0, parts[2] = { 0, 0 };
    int c, i, j;

    c = peek(t);
    if (c == '-' || c == '+') {
        if (c == '-')
            sign = 1;
        t->i++;
    }
    for (i = 0; i < 2; i++) {
        c = peek(t);
        if (!is_digit(c)) {
            if (i == 0)
                return 0;
            break;
        }
        hours = hours * 10 + (c - '0');
        t->i++;
    }
    if (hours > 24)
        return 0;
    for (i = 0; i < 2; i++) {
        if (peek(t) != ':')
            break;
        t->i++;
        for (j = 0; j < 2; j++) {
            c = peek(t);
            if (!is_digit(c))
                return 0;
            parts[i] = parts[i] * 10 + (c - '0');
            t->i++;
        }
    }
    *out = sign * (hours * 3600 + parts[0] * 60 + parts[1]);
    return 1;
}

/* The time of a rule, [+-]h[h][:mm[:ss]]; parts not given keep the
 * caller's defaults, and the sign applies to each part given. */
static int
parse_rule_time(tz_text *t, int32_t hms[3])
{
    int32_t sign = 1;
    int c, i, j;

    c = peek(t);
    if (c == '-' || c == '+') {
        if (c == '-')
            sign = -1;
        t->i++;
    }
    for (i = 0; i < 3; i++) {
        int32_t v = 0;

        if (i > 0) {
            if (peek(t) != ':')
                break;
            t->i++;
        }
        for (j = 0; j < 2; j++) {
            c = peek(t);
            if (!is_digit(c)) {
                if (i == 0 && j > 0)
                    break;
                return 0;
            }
            v = v * 10 + (c - '0');
            t->i++;
        }
        hms[i] = sign * v;
    }
    return 1;
}

/* One of the two rules after the commas: Mm.w.d, Jn or n, then an
 * optional /time (default 02:00). */
static int
parse_rule_date(tz_text *t, tz_date *d)
{
    int32_t hms[3] = { 2, 0, 0 };
    int c;

    memset(d, 0, sizeof(*d));
    if (peek(t) == 'M') {
        int *fields[2];
        int i;

        d->kind = 'M';
        t->i++;
        c = peek(t);
        if (!is_digit(c))
            return 0;
        d->month = c - '0';
        t->i++;
        if (peek(t) != '.') {
            c = peek(t);
            if (!is_digit(c))
                return 0;
            d->month = d->month * 10 + (c - '0');
            t->i++;
        }
        fields[0] = &d->week;
        fields[1] = &d->wday;
        for (i = 0; i < 2; i++) {
            if (peek(t) != '.')
                return 0;
            t->i++;
            c = peek(t);
            if (!is_digit(c))
                return 0;
            *fields[i] = c - '0';
            t->i++;
        }
        if (d->month < 1 || d->month > 12 || d->week < 1 || d->week > 5
            || d->wday > 6)
            return 0;
    } else {
        int i;

        d->kind = 'N';
        if (peek(t) == 'J') {
            d->kind = 'J';
            t->i++;
        }
        for (i = 0; i < 3; i++) {
            c = peek(t);
            if (!is_digit(c)) {
                if (i == 0)
                    return 0;
                break;
            }
            d->yday = d->yday * 10 + (c - '0');
            t->i++;
        }
        if (d->yday < (d->kind == 'J') || d->yday > 365)
            return 0;
    }
    if (peek(t) == '/') {
        t->i++;
        if (!parse_rule_time(t, hms))
            return 0;
    }
    d->time = hms[0] * 3600 + hms[1] * 60 + hms[2];
    return 1;
}

/* The POSIX TZ string of a version 2+ file, non-empty. */
static pr_code
parse_footer(tz_rule *r, const char *s, size_t n, const char *what,
             pr_error *err)
{
    tz_text t = { s, n, 0 };
    long used;
    int i;

    memset(r, 0, sizeof(*r));
    used = parse_abbr(&t);
    if (used < 1 || !parse_delta(&t, &r->std_off))
        goto bad;
    if (t.i >= t.n) {
        r->std_only = 1;
        return PR_OK;
    }
    used = parse_abbr(&t);
    if (used < 1)
        goto bad;
    if (peek(&t) == ',') {
        r->dst_off = r->std_off + 3600;
    } else if (!parse_delta(&t, &r->dst_off)) {
        goto bad;
    }
    for (i = 0; i < 2; i++) {
        if (peek(&t) != ',')
            goto bad;
        t.i++;
        if (!parse_rule_date(&t, i == 0 ? &r->start : &r->end))
            goto bad;
    }
    if (t.i != t.n)
        goto bad;
    r->dst_diff = r->dst_off - r->std_off;
    return PR_OK;
bad:
    return pr_error_set(err, PR_EFORMAT,
                        "time zone %s: TZ footer is malformed near "
                        "character %zu", what, t.i + 1);
}

static pr_code
tzif_parse(tz_zone **out, const uint8_t *p, size_t len, const char *what,
           pr_error *err)
{
    tzif_header h;
    size_t pos = 0, size, tsize = 4, i, ntypes, bytes;
    size_t times_at, idx_at, types_at;
    const uint8_t *nl;
    tz_zone *z = NULL;
    pr_code rc;
    int have_footer = 0;

    rc = read_header(&h, p, len, 0, what, err);
    if (rc != PR_OK)
        return rc;
    pos = HEADER_SIZE;
    if (h.version >= 2) {
        /* Skip the 32-bit data; the second header describes 64-bit. */
        if (!data_size(&h, 4, &size) || size > len - pos)
            return pr_error_set(err, PR_EFORMAT, "time zone %s: version 1 "
                                "data is truncated", what);
        pos += size;
        rc = read_header(&h, p, len, pos, what, err);
        if (rc != PR_OK)
            return rc;
        h.version = 2;
        pos += HEADER_SIZE;
        tsize = 8;
    }
    if (!data_size(&h, tsize, &size) || size > len - pos)
        return pr_error_set(err, PR_EFORMAT, "time zone %s: TZif data is "
                            "truncated", what);
    times_at = pos;
    idx_at = times_at + h.timecnt * tsize;
    types_at = idx_at + h.timecnt;
    ntypes = h.typecnt;
    pos += size;

    z = pr_malloc(sizeof(*z));
    if (z == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory reading time "
                            "zone %s", what);
    memset(z, 0, sizeof(*z));
    z->ntrans = h.timecnt;
    /* Three int64 arrays and one int32 array in one block. */
    if (!pr_size_mul(h.timecnt, 3 * sizeof(int64_t) + sizeof(int32_t),
                     &bytes)) {
        rc = pr_error_set(err, PR_EFORMAT, "time zone %s: too many "
                          "transitions", what);
        goto fail;
    }
    z->utc = pr_malloc(bytes);
    if (z->utc == NULL) {
        rc = pr_error_set(err, PR_ENOMEM, "out of memory reading time "
                          "zone %s", what);
        goto fail;
    }
    z->wall[0] = z->utc + h.timecnt;
    z->wall[1] = z->wall[0] + h.timecnt;
    z->off = (int32_t *)(void *)(z->wall[1] + h.timecnt);

    for (i = 0; i < ntypes; i++) {
        int32_t off = get_offset(p + types_at + 6 * i);

        if (off == INT32_MIN) {
            rc = pr_error_set(err, PR_EFORMAT, "time zone %s: UT offset "
                              "of local time type %zu is invalid", what, i);
            goto fail;
        }
    }
    for (i = 0; i < h.timecnt; i++) {
        int64_t t = get_time(p + times_at + i * tsize, tsize);
        size_t ti = p[idx_at + i];

        if (t < -TRANS_LIMIT || t > TRANS_LIMIT) {
            rc = pr_error_set(err, PR_EFORMAT, "time zone %s: transition "
                              "%zu is out of range", what, i);
            goto fail;
        }
        if (i > 0 && t <= z->utc[i - 1]) {
            rc = pr_error_set(err, PR_EFORMAT, "time zone %s: transition "
                              "times are not ascending", what);
            goto fail;
        }
        if (ti >= ntypes) {
            rc = pr_error_set(err, PR_EFORMAT, "time zone %s: transition "
                              "%zu names local time type %zu of %zu", what,
                              i, ti, ntypes);
            goto fail;
        }
        z->utc[i] = t;
        z->off[i] = get_offset(p + types_at + 6 * ti);
    }

    /* Before the first transition: the first standard-time type. */
    z->before = 0;
    for (i = 0; i < ntypes; i++) {
        if (p[types_at + 6 * i + 4] == 0)
            break;
    }
    if (i < ntypes)
        z->before = get_offset(p + types_at + 6 * i);
    else if (ntypes > 0)
        z->before = get_offset(p + types_at);

    /* Wall-clock transitions: fold 0 sees each one at the later wall
     * time (larger offset), fold 1 at the earlier. */
    for (i = 0; i < h.timecnt; i++) {
        int64_t a, b;

        if (i == 0) {
            a = get_offset(p + types_at);
            b = ntypes > 1 ? z->off[0] : a;
        } else {
            a = z->off[i - 1];
            b = z->off[i];
        }
        z->wall[0][i] = z->utc[i] + (a > b ? a : b);
        z->wall[1][i] = z->utc[i] + (a > b ? b : a);
    }

    if (h.version >= 2) {
        size_t flen;

        if (pos >= len || p[pos] != '\n') {
            rc = pr_error_set(err, PR_EFORMAT, "time zone %s: TZ footer "
                              "is missing", what);
            goto fail;
        }
        pos++;
        nl = memchr(p + pos, '\n', len - pos);
        if (nl == NULL) {
            rc = pr_error_set(err, PR_EFORMAT, "time zone %s: TZ footer "
                              "is not terminated", what);
            goto fail;
        }
        flen = (size_t)(nl - (p + pos));
        if (memchr(p + pos, '\0', flen) != NULL) {
            rc = pr_error_set(err, PR_EFORMAT, "time zone %s: TZ footer "
                              "contains a NUL byte", what);
            goto fail;
        }
        if (flen > 0) {
            rc = parse_footer(&z->after, (const char *)p + pos, flen, what,
                              err);
            if (rc != PR_OK)
                goto fail;
            have_footer = 1;
        }
    }
    if (!have_footer) {
        /* Python keeps the type of the last transition (or the last
         * type when there is none) for ever. */
        if (ntypes == 0) {
            rc = pr_error_set(err, PR_EFORMAT, "time zone %s: no local "
                              "time types and no TZ footer", what);
            goto fail;
        }
        memset(&z->after, 0, sizeof(z->after));
        z->after.std_only = 1;
        if (h.timecnt > 0)
            z->after.std_off = z->off[h.timecnt - 1];
        else
            z->after.std_off = get_offset(p + types_at + 6 * (ntypes - 1));
    }
    *out = z;
    return PR_OK;
fail:
    zone_free(z);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Offsets                                                             */

static int64_t
year_of(int64_t seconds)
{
    int64_t y;
    int m, d;

    pr_civil_from_days(pr_floor_div(seconds, DAY_SECONDS), &y, &m, &d);
    return y;
}

/* Wall seconds at which a rule fires in `year` (Python's formulas). */
static int64_t
rule_moment(const tz_date *d, int64_t year)
{
    int64_t first = 0, jan1 = 0;
    int mday, dim, first_wday, day;

    if (d->kind == 'M') {
        (void)pr_days_from_civil(&first, year, d->month, 1);
        dim = pr_days_in_month(year, d->month);
        /* first_wday: 0 Monday; POSIX counts 0 Sunday. */
        first_wday = pr_weekday_from_days(first);
        mday = (d->wday - (first_wday + 1)) % 7;
        if (mday < 0)
            mday += 7;
        mday += 1 + (d->week - 1) * 7;
        if (mday > dim)
            mday -= 7;
        return (first + mday - 1) * DAY_SECONDS + d->time;
    }
    (void)pr_days_from_civil(&jan1, year, 1, 1);
    day = d->yday;
    if (d->kind == 'J' && day >= 59 && pr_is_leap_year(year))
        day++;
    return (jan1 - 1 + day) * DAY_SECONDS + d->time;
}

static int32_t
rule_local(const tz_rule *r, int64_t ts, int fold)
{
    int64_t year, start, end;
    int isdst;

    if (r->std_only)
        return r->std_off;
    year = year_of(ts);
    start = rule_moment(&r->start, year);
    end = rule_moment(&r->end, year);
    /* fold=0 puts the gap in standard time and the repeat in DST (for
     * positive DST; the other way round for negative DST). */
    if (fold == (r->dst_diff >= 0))
        end -= r->dst_diff;
    else
        start += r->dst_diff;
    if (start < end)
        isdst = ts >= start && ts < end;
    else
        isdst = ts < end || ts >= start;
    return isdst ? r->dst_off : r->std_off;
}

static int32_t
rule_fromutc(const tz_rule *r, int64_t ts, int *fold)
{
    int64_t year, start, end, amb_lo, amb_hi;
    int isdst;

    *fold = 0;
    if (r->std_only)
        return r->std_off;
    year = year_of(ts);     /* the UTC year, as Python passes it */
    start = rule_moment(&r->start, year) - r->std_off;
    end = rule_moment(&r->end, year) - r->dst_off;
    if (start < end)
        isdst = ts >= start && ts < end;
    else
        isdst = ts < end || ts >= start;
    if (r->dst_diff > 0) {
        amb_lo = end;
        amb_hi = end + r->dst_diff;
    } else {
        amb_lo = start;
        amb_hi = start - r->dst_diff;
    }
    *fold = ts >= amb_lo && ts < amb_hi;
    return isdst ? r->dst_off : r->std_off;
}

/* Python's bisect_right, step for step: the wall arrays need not be
 * sorted, and the same probes give the same answer. */
static size_t
bisect_right(const int64_t *a, size_t n, int64_t v)
{
    size_t lo = 0, hi = n, m;

    while (lo < hi) {
        m = lo + (hi - lo) / 2;
        if (a[m] > v)
            hi = m;
        else
            lo = m + 1;
    }
    return hi;
}

static int32_t
zone_local(const tz_zone *z, int64_t ts, int fold)
{
    const int64_t *w = z->wall[fold];
    size_t n = z->ntrans;

    if (n > 0 && ts < w[0])
        return z->before;
    if (n == 0 || ts > w[n - 1])
        return rule_local(&z->after, ts, fold);
    return z->off[bisect_right(w, n, ts) - 1];
}

/* ZoneInfo.fromutc: the offset to add and the fold of the result. */
static int32_t
zone_fromutc(const tz_zone *z, int64_t ts, int *fold)
{
    size_t n = z->ntrans, idx;
    int32_t off, prev;

    *fold = 0;
    if (n > 0 && ts < z->utc[0])
        return z->before;
    if (n == 0 || ts > z->utc[n - 1]) {
        off = rule_fromutc(&z->after, ts, fold);
        /* Just after the last transition the repeat is between that
         * transition's offsets, not the footer's. */
        if (n > 0) {
            prev = n == 1 ? z->before : z->off[n - 2];
            if ((int64_t)prev - off > 0
                && ts < z->utc[n - 1] + ((int64_t)prev - off))
                *fold = 1;
        }
        return off;
    }
    idx = bisect_right(z->utc, n, ts);
    if (idx >= 2) {
        prev = z->off[idx - 2];
        off = z->off[idx - 1];
    } else {
        prev = z->before;
        off = z->off[0];
    }
    if ((int64_t)prev - off > ts - z->utc[idx - 1])
        *fold = 1;
    return off;
}

static pr_code
check_offset(int32_t off, const char *what, pr_error *err)
{
    /* datetime refuses utcoffset() results of 24 hours or more. */
    if (off <= -DAY_SECONDS || off >= DAY_SECONDS)
        return pr_error_set(err, PR_EFORMAT, "time zone %s gives a UTC "
                            "offset of %ld seconds, beyond 24 hours",
                            what, (long)off);
    return PR_OK;
}

static pr_code
zone_offset_local(const tz_zone *z, int64_t ts, int fold, int32_t *out,
                  const char *what, pr_error *err)
{
    int32_t off = zone_local(z, ts, fold);
    pr_code rc = check_offset(off, what, err);

    if (rc == PR_OK)
        *out = off;
    return rc;
}

static pr_code
zone_offset_utc(const tz_zone *z, int64_t ts, int32_t *out,
                const char *what, pr_error *err)
{
    int fold;
    int32_t first = zone_fromutc(z, ts, &fold);
    pr_code rc = check_offset(first, what, err);

    if (rc != PR_OK)
        return rc;
    /* isoformat() asks utcoffset() of the wall time fromutc() made. */
    return zone_offset_local(z, ts + first, fold, out, what, err);
}

/* ------------------------------------------------------------------ */
/* Keys, files and the cache                                           */

int
pr_tz_key_valid(const char *key, size_t keylen)
{
    size_t i;
    int at_start = 1;

    if (key == NULL || keylen == 0 || keylen > KEY_MAX)
        return 0;
    for (i = 0; i < keylen; i++) {
        int c = (unsigned char)key[i];

        if (c == '/') {
            if (at_start)
                return 0;   /* leading '/' or an empty component */
            at_start = 1;
            continue;
        }
        if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '+'
            && c != '-' && c != '.')
            return 0;
        /* No ".", ".." or hidden names; no ".." anywhere at all. */
        if (c == '.' && (at_start || (i > 0 && key[i - 1] == '.')))
            return 0;
        at_start = 0;
    }
    return !at_start;
}

pr_tzcache *
pr_tzcache_new(const char *tzdir)
{
    pr_tzcache *c;
    size_t n;

    if (tzdir == NULL) {
        tzdir = secure_getenv("TZDIR");
        if (tzdir == NULL || tzdir[0] == '\0')
            tzdir = DEFAULT_TZDIR;
    }
    c = pr_malloc(sizeof(*c));
    if (c == NULL)
        return NULL;
    memset(c, 0, sizeof(*c));
    n = strlen(tzdir);
    c->dir = pr_malloc(n + 1);
    if (c->dir == NULL) {
        pr_free(c);
        return NULL;
    }
    memcpy(c->dir, tzdir, n + 1);
    return c;
}

void
pr_tzcache_free(pr_tzcache *c)
{
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < c->count; i++)
        zone_free(c->ent[i].zone);
    pr_free(c->dir);
    pr_free(c);
}

/* Reads the whole regular file `path`, at most PR_TZIF_MAX_SIZE bytes. */
static pr_code
read_file(uint8_t **out, size_t *outlen, const char *path,
          const char *what, pr_error *err)
{
    struct stat st;
    uint8_t *buf = NULL, *grown;
    size_t cap, len = 0;
    pr_code rc = PR_OK;
    int fd;

    /* O_NONBLOCK: a FIFO planted in the directory must not hang us. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
        return pr_error_set(err, PR_ENOTFOUND, "time zone %s not found",
                            what);
    if (fd < 0)
        return pr_error_set(err, PR_ENOTFOUND, "time zone %s cannot be "
                            "opened: %s", what, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = pr_error_set(err, PR_ENOTFOUND, "time zone %s not found "
                          "(not a regular file)", what);
        goto done;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > PR_TZIF_MAX_SIZE) {
        rc = pr_error_set(err, PR_EFORMAT, "time zone %s: file is larger "
                          "than %zu bytes", what, PR_TZIF_MAX_SIZE);
        goto done;
    }
    /* One byte more than expected shows whether the file grew. */
    cap = (size_t)st.st_size + 1;
    buf = pr_malloc(cap);
    if (buf == NULL) {
        rc = pr_error_set(err, PR_ENOMEM, "out of memory reading time "
                          "zone %s", what);
        goto done;
    }
    for (;;) {
        ssize_t got;

        if (len == cap) {
            if (cap > PR_TZIF_MAX_SIZE) {
                rc = pr_error_set(err, PR_EFORMAT, "time zone %s: file is "
                                  "larger than %zu bytes", what,
                                  PR_TZIF_MAX_SIZE);
                goto done;
            }
            cap = cap * 2 > PR_TZIF_MAX_SIZE + 1 ? PR_TZIF_MAX_SIZE + 1
                                                : cap * 2;
            grown = pr_realloc(buf, cap);
            if (grown == NULL) {
                rc = pr_error_set(err, PR_ENOMEM, "out of memory reading "
                                  "time zone %s", what);
                goto done;
            }
            buf = grown;
        }
        got = read(fd, buf + len, cap - len);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            rc = pr_error_set(err, PR_EIO, "time zone %s: read failed: %s",
                              what, strerror(errno));
            goto done;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
done:
    close(fd);
    if (rc != PR_OK) {
        pr_free(buf);
        return rc;
    }
    *out = buf;
    *outlen = len;
    return PR_OK;
}

/* Reads and parses the zone; *zone stays NULL on failure. */
static pr_code
load_zone(tz_zone **zone, const pr_tzcache *c, const char *key,
          size_t keylen, const char *what, pr_error *err)
{
    size_t dirlen = strlen(c->dir), n;
    char *path;
    uint8_t *data = NULL;
    size_t len = 0;
    pr_code rc;

    if (!pr_size_add(dirlen, keylen, &n) || !pr_size_add(n, 2, &n))
        return pr_error_set(err, PR_ENOTFOUND, "time zone %s: path is too "
                            "long", what);
    path = pr_malloc(n);
    if (path == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory reading time "
                            "zone %s", what);
    memcpy(path, c->dir, dirlen);
    path[dirlen] = '/';
    memcpy(path + dirlen + 1, key, keylen);
    path[dirlen + 1 + keylen] = '\0';
    rc = read_file(&data, &len, path, what, err);
    pr_free(path);
    if (rc == PR_ENOTFOUND && access(c->dir, F_OK) != 0)
        pr_error_hint(err, "The tz database is missing: install the tzdata "
                      "package or set TZDIR.");
    if (rc != PR_OK)
        return rc;
    /* Another file of the database (zone.tab, tzdata.zi) is no zone. */
    if (len < 4 || memcmp(data, "TZif", 4) != 0) {
        pr_free(data);
        return pr_error_set(err, PR_ENOTFOUND, "time zone %s not found "
                            "(not a TZif file)", what);
    }
    rc = tzif_parse(zone, data, len, what, err);
    pr_free(data);
    return rc;
}

/* 'key' for messages: valid keys are printable and short. */
static void
quote_key(char what[KEY_MAX + 3], const char *key, size_t keylen)
{
    what[0] = '\'';
    memcpy(what + 1, key, keylen);
    what[keylen + 1] = '\'';
    what[keylen + 2] = '\0';
}

/* The cached entry for a valid key, loading it when needed. */
static pr_code
find_zone(const tz_zone **zone, pr_tzcache *c, const char *key,
          size_t keylen, const char *what, pr_error *err)
{
    tz_entry *e;
    tz_zone *z = NULL;
    pr_error local;
    size_t i;
    pr_code rc;

    for (i = 0; i < c->count; i++) {
        e = &c->ent[i];
        if (e->keylen == keylen && memcmp(e->key, key, keylen) == 0) {
            if (e->status != PR_OK) {
                if (err != NULL)
                    *err = e->why;
                return e->status;
            }
            *zone = e->zone;
            return PR_OK;
        }
    }
    pr_error_clear(&local);
    rc = load_zone(&z, c, key, keylen, what, &local);
    if (rc != PR_OK && rc != PR_ENOTFOUND && rc != PR_EFORMAT) {
        /* Out of memory or a read error may pass: do not remember it. */
        if (err != NULL)
            *err = local;
        return rc;
    }
    if (c->count < PR_TZCACHE_MAX) {
        e = &c->ent[c->count++];
    } else {
        e = &c->ent[c->next];
        c->next = (c->next + 1) % PR_TZCACHE_MAX;
        zone_free(e->zone);
    }
    memset(e, 0, sizeof(*e));
    e->keylen = keylen;
    memcpy(e->key, key, keylen);
    e->status = rc;
    e->zone = z;
    if (rc != PR_OK) {
        e->why = local;
        if (err != NULL)
            *err = local;
        return rc;
    }
    *zone = z;
    return PR_OK;
}

static pr_code
check_args(pr_tzcache *c, const char *key, size_t keylen, int64_t t,
           pr_error *err)
{
    if (c == NULL)
        return pr_error_set(err, PR_EINVAL, "no time-zone cache given");
    if (!pr_tz_key_valid(key, keylen))
        return pr_error_set(err, PR_EINVAL, "time-zone key of %zu bytes "
                            "is not a valid zone name", keylen);
    if (t > PR_TZ_SECONDS_MAX || t < -PR_TZ_SECONDS_MAX)
        return pr_error_set(err, PR_EINVAL, "time %lld is too far from "
                            "1970 for a time-zone lookup", (long long)t);
    return PR_OK;
}

pr_code
pr_tz_offset_local(pr_tzcache *c, const char *key, size_t keylen,
                   int64_t local_seconds, int fold, int32_t *offset,
                   pr_error *err)
{
    const tz_zone *z = NULL;
    char what[KEY_MAX + 3];
    pr_code rc;

    rc = check_args(c, key, keylen, local_seconds, err);
    if (rc != PR_OK)
        return rc;
    if (fold != 0 && fold != 1)
        return pr_error_set(err, PR_EINVAL, "fold must be 0 or 1, not %d",
                            fold);
    quote_key(what, key, keylen);
    rc = find_zone(&z, c, key, keylen, what, err);
    if (rc != PR_OK)
        return rc;
    return zone_offset_local(z, local_seconds, fold, offset, what, err);
}

pr_code
pr_tz_offset_utc(pr_tzcache *c, const char *key, size_t keylen,
                 int64_t utc_seconds, int32_t *offset, pr_error *err)
{
    const tz_zone *z = NULL;
    char what[KEY_MAX + 3];
    pr_code rc;

    rc = check_args(c, key, keylen, utc_seconds, err);
    if (rc != PR_OK)
        return rc;
    quote_key(what, key, keylen);
    rc = find_zone(&z, c, key, keylen, what, err);
    if (rc != PR_OK)
        return rc;
    return zone_offset_utc(z, utc_seconds, offset, what, err);
}

/* ------------------------------------------------------------------ */
/* Fuzzing and tests                                                   */

pr_code
pr_tzif_check(const void *data, size_t len, pr_error *err)
{
    /* Wall times to probe besides the transitions: years 1, 1800,
     * 1970, 2000, 2100, 9999 and a few rule edges. */
    static const int64_t probes[] = {
        -62135596800, -5364662400, -1, 0, 1, 946684800, 1711846800,
        1729990800, 4102444800, 253402300799
    };
    const tz_zone *zc;
    tz_zone *z = NULL;
    pr_code rc;
    size_t i, step;
    int32_t off;
    int fold;

    if (data == NULL && len > 0)
        return pr_error_set(err, PR_EINVAL, "no TZif data given");
    rc = tzif_parse(&z, data, len, "(memory)", err);
    if (rc != PR_OK)
        return rc;
    zc = z;
    /* Look at most 64 transitions closely so big inputs stay fast. */
    step = zc->ntrans > 64 ? zc->ntrans / 64 : 1;
    for (i = 0; rc == PR_OK && i < zc->ntrans; i += step) {
        for (fold = 0; rc == PR_OK && fold < 2; fold++) {
            int64_t w = zc->wall[fold][i], u = zc->utc[i];

            if (w > -PR_TZ_SECONDS_MAX && w < PR_TZ_SECONDS_MAX)
                rc = zone_offset_local(zc, w - 1 + fold, fold, &off,
                                       "(memory)", err);
            if (rc == PR_OK && u > -PR_TZ_SECONDS_MAX
                && u < PR_TZ_SECONDS_MAX)
                rc = zone_offset_utc(zc, u - 1 + fold, &off, "(memory)",
                                     err);
        }
    }
    for (i = 0; rc == PR_OK && i < sizeof(probes) / sizeof(probes[0]);
         i++) {
        rc = zone_offset_local(zc, probes[i], (int)(i & 1), &off,
                               "(memory)", err);
        if (rc == PR_OK)
            rc = zone_offset_utc(zc, probes[i], &off, "(memory)", err);
    }
    zone_free(z);
    return rc;
}
