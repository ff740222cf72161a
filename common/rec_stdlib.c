/*
 * rec_stdlib.c - recognisers for standard-library classes: the datetime
 * family with their time zones, Decimal, UUID, complex, collections and
 * pathlib.  Each checks the exact shape CPython pickles (types, lengths,
 * sane month) and returns 0 on any mismatch so the value is rendered as
 * generic data instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emit.h"
#include "civil.h"
#include "tzdb.h"

/* Writes `{"__class__":"<cls>","data":` in typed mode; returns 1 if it
 * did (the caller closes with '}'), 0 in plain mode, -1 on error. */
static int
open_env(pe_emitter *e, const char *cls)
{
    if (!pe_typed(e))
        return 0;
    if (pe_raw(e, "{\"__class__\":", 13) != PR_OK || pe_cstr(e, cls) ||
        pe_raw(e, ",\"data\":", 8) != PR_OK)
        return -1;
    return 1;
}

static int
close_env(pe_emitter *e, int env)
{
    if (env < 0)
        return -1;
    if (env && pr_buf_putc(e->out, '}', e->err) != PR_OK)
        return -1;
    return 1;
}

/* The bytes of a datetime-family state: bytes, or a str of code points
 * below 256 (Python encodes it as latin-1; Python 2 pickles store it as
 * a str). */
static int
state_bytes(pe_emitter *e, const pv *v, const uint8_t **p, size_t *n)
{
    uint8_t *buf;
    size_t o = 0;

    if (pe_as_bytes(v, p, n))
        return 1;
    if (v == NULL || v->kind != PV_STR || v->n > 64)
        return 0;
    buf = pr_arena_alloc(e->a, v->n ? v->n : 1, e->err);
    if (buf == NULL)
        return 0;
    for (uint32_t i = 0; i < v->n;) {
        uint8_t c = v->u.p[i];
        if (c < 0x80) {
            buf[o++] = c;
            i++;
        } else if ((c == 0xc2 || c == 0xc3) && i + 1 < v->n) {
            buf[o++] = (uint8_t)(((c & 3) << 6) | (v->u.p[i + 1] & 0x3f));
            i += 2;
        } else {
            return 0;
        }
    }
    *p = buf;
    *n = o;
    return 1;
}

/* A string value inside an optional envelope. */
static int
put_string(pe_emitter *e, const char *cls, const char *s, size_t n)
{
    int env = open_env(e, cls);

    if (env < 0 || pe_str(e, s, n) != PR_OK)
        return -1;
    return close_env(e, env);
}

/* ---- time zones ------------------------------------------------------ */

typedef enum tz_kind {
    TZ_NONE = 0,        /* naive */
    TZ_FIXED,           /* datetime.timezone: offset_us */
    TZ_NAMED,           /* zoneinfo: key, offset from the tz database */
    TZ_NAMED_FIXED,     /* pytz: key and the offset the pickle carries */
    TZ_UNKNOWN          /* some other tzinfo: render generically */
} tz_kind;

typedef struct tz_info {
    tz_kind kind;
    int64_t offset_us;
    const char *key;
    size_t keylen;
} tz_info;

static int
timedelta_us(const pv *td, int64_t *us)
{
    const pv_global *g = pv_obj_global(td);
    const pv *a;
    int64_t d, s, u;

    if (g == NULL || strcmp(g->module, "datetime") != 0 ||
        strcmp(g->name, "timedelta") != 0)
        return 0;
    a = td->u.o->args;
    if (a->n != 3 || !pe_as_i64(a->u.items[0], &d) ||
        !pe_as_i64(a->u.items[1], &s) || !pe_as_i64(a->u.items[2], &u))
        return 0;
    if (d < -1000000000 || d > 1000000000 || s < 0 || s >= 86400 ||
        u < 0 || u >= 1000000)
        return 0;
    *us = (d * 86400 + s) * 1000000 + u;
    return 1;
}

static void
classify_tz(const pv *tz, tz_info *out)
{
    const pv_global *g;
    const pv *a;

    memset(out, 0, sizeof(*out));
    if (tz == NULL || tz->kind == PV_NONE)
        return;
    out->kind = TZ_UNKNOWN;
    g = pv_obj_global(tz);
    if (g == NULL)
        return;
    a = tz->u.o->args;
    if (strcmp(g->module, "datetime") == 0 &&
        strcmp(g->name, "timezone") == 0 && a->n >= 1 && a->n <= 2 &&
        timedelta_us(a->u.items[0], &out->offset_us)) {
        out->kind = TZ_FIXED;
    } else if (strcmp(g->module, "zoneinfo") == 0 &&
               strcmp(g->name, "ZoneInfo._unpickle") == 0 && a->n >= 1 &&
               a->u.items[0]->kind == PV_STR) {
        out->kind = TZ_NAMED;
        out->key = (const char *)a->u.items[0]->u.p;
        out->keylen = a->u.items[0]->n;
    } else if (strcmp(g->module, "pytz") == 0 && strcmp(g->name, "_p") == 0
               && a->n >= 2 && a->u.items[0]->kind == PV_STR &&
               a->u.items[1]->kind == PV_INT) {
        out->kind = TZ_NAMED_FIXED;
        out->key = (const char *)a->u.items[0]->u.p;
        out->keylen = a->u.items[0]->n;
        out->offset_us = a->u.items[1]->u.i * 1000000;
    } else if (strcmp(g->module, "pytz") == 0 &&
               strcmp(g->name, "_UTC") == 0 && a->n == 0) {
        out->kind = TZ_NAMED_FIXED;
        out->key = "UTC";
        out->keylen = 3;
    }
}

/* Appends the offset (and [zone]) for a wall time to s; returns length
 * or -1 on error.  local_s: wall seconds since 1970. */
static int
fmt_tz(pe_emitter *e, const tz_info *tz, int64_t local_s, int fold,
       char *s, size_t cap)
{
    size_t n = 0;
    int have_offset = 1;
    int64_t off_us = tz->offset_us;

    if (tz->kind == TZ_NAMED) {
        int32_t off;
        pr_error terr;
        pr_code rc;
        if (e->tz == NULL && (e->tz = pr_tzcache_new(NULL)) == NULL) {
            pr_error_set(e->err, PR_ENOMEM, "out of memory for the time "
                         "zone cache");
            return -1;
        }
        pr_error_clear(&terr);
        rc = pr_tz_offset_local(e->tz, tz->key, tz->keylen, local_s, fold,
                                &off, &terr);
        if (rc == PR_ENOMEM) {
            *e->err = terr;
            return -1;
        }
        if (rc != PR_OK)
            have_offset = 0;   /* never invent an offset */
        off_us = (int64_t)off * 1000000;
    }
    if (have_offset) {
        if (off_us % 1000000 == 0)
            n = pr_fmt_offset((int32_t)(off_us / 1000000), s);
        else
            n = pr_fmt_offset_us(off_us, s);
    }
    if (tz->kind == TZ_NAMED || tz->kind == TZ_NAMED_FIXED) {
        if (n + tz->keylen + 3 > cap)
            return 0;
        s[n++] = '[';
        memcpy(s + n, tz->key, tz->keylen);
        n += tz->keylen;
        s[n++] = ']';
        s[n] = '\0';
    }
    return (int)n;
}

/* ---- datetime family ------------------------------------------------- */

static size_t
fmt_clock(char *s, int h, int mi, int sec, long us)
{
    if (us)
        return (size_t)sprintf(s, "%02d:%02d:%02d.%06ld", h, mi, sec, us);
    return (size_t)sprintf(s, "%02d:%02d:%02d", h, mi, sec);
}

static int
rec_datetime(pe_emitter *e, pv *v, const pv_global *g)
{
    const pv *a = pe_args(v);
    const uint8_t *b;
    size_t n;
    char s[160];
    size_t len;
    int year, month, day, hour, mi, sec, fold;
    long us;
    tz_info tz;
    int64_t days;

    (void)g;
    if (v->u.o->how != PVH_REDUCE || a->n < 1 || a->n > 2 ||
        !state_bytes(e, a->u.items[0], &b, &n) || n != 10 ||
        (b[2] & 0x7f) < 1 || (b[2] & 0x7f) > 12 || v->u.o->state != NULL)
        return 0;
    classify_tz(a->n == 2 ? a->u.items[1] : NULL, &tz);
    if (tz.kind == TZ_UNKNOWN)
        return 0;
    year = b[0] * 256 + b[1];
    month = b[2] & 0x7f;
    fold = b[2] >> 7;
    day = b[3];
    hour = b[4];
    mi = b[5];
    sec = b[6];
    us = ((long)b[7] << 16) | ((long)b[8] << 8) | b[9];
    len = (size_t)sprintf(s, "%04d-%02d-%02dT", year, month, day);
    len += fmt_clock(s + len, hour, mi, sec, us);
    if (tz.kind != TZ_NONE) {
        int64_t local = 0;
        int r;
        if (pr_days_from_civil(&days, year, month,
                               day <= pr_days_in_month(year, month) &&
                               day >= 1 ? day : 1))
            local = days * 86400 + hour * 3600 + mi * 60 + sec;
        r = fmt_tz(e, &tz, local, fold, s + len, sizeof(s) - len);
        if (r < 0)
            return -1;
        len += (size_t)r;
    }
    return put_string(e, "datetime.datetime", s, len);
}

static int
rec_date(pe_emitter *e, pv *v, const pv_global *g)
{
    const pv *a = pe_args(v);
    const uint8_t *b;
    size_t n, len;
    char s[32];

    (void)g;
    if (v->u.o->how != PVH_REDUCE || a->n != 1 ||
        !state_bytes(e, a->u.items[0], &b, &n) || n != 4 ||
        b[2] < 1 || b[2] > 12 || v->u.o->state != NULL)
        return 0;
    len = (size_t)sprintf(s, "%04d-%02d-%02d", b[0] * 256 + b[1], b[2],
                          b[3]);
    return put_string(e, "datetime.date", s, len);
}

static int
rec_time(pe_emitter *e, pv *v, const pv_global *g)
{
    const pv *a = pe_args(v);
    const uint8_t *b;
    size_t n, len;
    char s[128];
    tz_info tz;

    (void)g;
    if (v->u.o->how != PVH_REDUCE || a->n < 1 || a->n > 2 ||
        !state_bytes(e, a->u.items[0], &b, &n) || n != 6 ||
        (b[0] & 0x7f) >= 24 || v->u.o->state != NULL)
        return 0;
    classify_tz(a->n == 2 ? a->u.items[1] : NULL, &tz);
    /* a time has no date, so only fixed offsets can be printed */
    if (tz.kind != TZ_NONE && tz.kind != TZ_FIXED)
        return 0;
    len = fmt_clock(s, b[0] & 0x7f, b[1], b[2],
                    ((long)b[3] << 16) | ((long)b[4] << 8) | b[5]);
    if (tz.kind == TZ_FIXED) {
        int r = fmt_tz(e, &tz, 0, 0, s + len, sizeof(s) - len);
        if (r < 0)
            return -1;
        len += (size_t)r;
    }
    return put_string(e, "datetime.time", s, len);
}

/* Exact total seconds of a timedelta as Python's td / timedelta(seconds=1)
 * computes it: a correctly rounded division, via strtod of the decimal. */
static double
us_to_seconds(__int128 us)
{
    char buf[64], *p = buf + sizeof(buf) - 1;
    int neg = us < 0, k = 0;
    unsigned __int128 m = neg ? -(unsigned __int128)us
                              : (unsigned __int128)us;

    *p = '\0';
    do {
        if (k == 6)
            *--p = '.';
        *--p = (char)('0' + (int)(m % 10));
        m /= 10;
        k++;
    } while (m != 0 || k <= 6);
    if (neg)
        *--p = '-';
    return strtod(p, NULL);
}

static int
rec_timedelta(pe_emitter *e, pv *v, const pv_global *g)
{
    const pv *a = pe_args(v);
    int64_t d, s, u;
    int env;

    (void)g;
    if (v->u.o->how != PVH_REDUCE || a->n != 3 ||
        !pe_as_i64(a->u.items[0], &d) || !pe_as_i64(a->u.items[1], &s) ||
        !pe_as_i64(a->u.items[2], &u) || v->u.o->state != NULL)
        return 0;
    env = open_env(e, "datetime.timedelta");
    if (env < 0 ||
        pe_double(e, us_to_seconds(((__int128)d * 86400 + s) * 1000000 +
                                   u)) != PR_OK)
        return -1;
    return close_env(e, env);
}

/* ---- numbers and identifiers ----------------------------------------- */

/* The syntax decimal.Decimal(str) accepts (so that a string it would
 * refuse is shown as data, not as a number): sign, digits with an
 * optional point and exponent, or Inf/Infinity/NaN/sNaN with optional
 * NaN payload digits; case-insensitive, underscores between digits,
 * surrounding whitespace. */
static int
decimal_syntax_ok(const uint8_t *s, size_t n)
{
    size_t i = 0, digits = 0;

    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
        i++;
    while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
                     s[n - 1] == '\n'))
        n--;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    if (n - i >= 3 && strncasecmp((const char *)s + i, "inf", 3) == 0)
        return n - i == 3 || (n - i == 8 &&
               strncasecmp((const char *)s + i, "infinity", 8) == 0);
    if (i < n && (s[i] == 's' || s[i] == 'S'))
        i++;
    if (n - i >= 3 && strncasecmp((const char *)s + i, "nan", 3) == 0) {
        for (i += 3; i < n; i++)
            if (s[i] < '0' || s[i] > '9')
                return 0;
        return 1;
    }
    if (i > 0 && (s[i - 1] == 's' || s[i - 1] == 'S'))
        return 0;
    for (; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
        digits += s[i] != '_';
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    if (digits == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t ed = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ed++;
        if (ed == 0)
            return 0;
    }
    return i == n;
}

static int
rec_decimal(pe_emitter *e, pv *v, const pv_global *g)
{
    const pv *a = pe_args(v);

    (void)g;
    if (v->u.o->how != PVH_REDUCE || a->n != 1 ||
        a->u.items[0]->kind != PV_STR || v->u.o->state != NULL ||
        !decimal_syntax_ok(a->u.items[0]->u.p, a->u.items[0]->n))
        return 0;
    return put_string(e, "decimal.Decimal",
                      (const char *)a->u.items[0]->u.p,
                      a->u.items[0]->n);
}

static int
rec_complex(pe_emitter *e, pv *v, const pv_global *g)
{
    const pv *a = pe_args(v);
    double part[2] = { 0, 0 };
    int env;

    (void)g;
    if (v->u.o->how != PVH_REDUCE || a->n < 1 || a->n > 2 ||
        v->u.o->state != NULL)
        return 0;
    for (uint32_t i = 0; i < a->n; i++) {
        const pv *x = a->u.items[i];
        if (x->kind == PV_FLOAT)
            part[i] = x->u.f;
        else if (x->kind == PV_INT || x->kind == PV_BOOL)
            part[i] = (double)x->u.i;
        else
            return 0;
    }
    env = open_env(e, "builtins.complex");
    if (env < 0 || pe_raw(e, "{\"real\":", 8) != PR_OK ||
        pe_double(e, part[0]) != PR_OK ||
        pe_raw(e, ",\"imag\":", 8) != PR_OK ||
        pe_double(e, part[1]) != PR_OK ||
        pr_buf_putc(e->out, '}', e->err) != PR_OK)
        return -1;
    return close_env(e, env);
}

/* uuid.UUID: NEWOBJ (or copyreg._reconstructor) + BUILD {'int': N}. */
static int
uuid_text(const pv *state, char *s)
{
    const pv *iv = pv_dict_get_str(state, "int");
    uint8_t b[16];

    if (iv == NULL)
        return 0;
    memset(b, 0, sizeof(b));
    if (iv->kind == PV_INT) {
        if (iv->u.i < 0)
            return 0;
        for (int k = 0; k < 8; k++)
            b[15 - k] = (uint8_t)((uint64_t)iv->u.i >> (8 * k));
    } else if (iv->kind == PV_BIGINT && (iv->flags & PVF_PY2STR)) {
        /* decimal digits from a protocol 0 LONG */
        unsigned __int128 x = 0, lim = ~(unsigned __int128)0;
        if (iv->n == 0 || iv->u.p[0] == '-')
            return 0;
        for (uint32_t k = 0; k < iv->n; k++) {
            unsigned d = iv->u.p[k] - '0';
            if (d > 9 || x > (lim - d) / 10)
                return 0;
            x = x * 10 + d;
        }
        for (int k = 0; k < 16; k++)
            b[15 - k] = (uint8_t)(x >> (8 * k));
    } else if (iv->kind == PV_BIGINT) {
        size_t n = iv->n;
        if (iv->u.p[n - 1] & 0x80)
            return 0;
        while (n > 16 && iv->u.p[n - 1] == 0)
            n--;
        if (n > 16)
            return 0;
        for (size_t k = 0; k < n; k++)
            b[15 - k] = iv->u.p[k];
    } else {
        return 0;
    }
    sprintf(s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
            "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
            b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
            b[15]);
    return 1;
}

static int
rec_uuid(pe_emitter *e, pv *v, const pv_global *g)
{
    char s[40];

    (void)g;
    if (v->u.o->how != PVH_NEWOBJ || v->u.o->args->n != 0 ||
        v->u.o->state == NULL || !uuid_text(v->u.o->state, s))
        return 0;
    return put_string(e, "uuid.UUID", s, 36);
}

/* copyreg._reconstructor(cls, object, None): dispatch on cls. */
static int
rec_reconstructor(pe_emitter *e, pv *v, const pv_global *g)
{
    const pv *a = pe_args(v);
    char s[40];

    (void)g;
    if (a->n == 3 && pv_global_is(a->u.items[0], "uuid", "UUID") &&
        pv_global_is(a->u.items[1], "builtins", "object") &&
        a->u.items[2]->kind == PV_NONE && v->u.o->state != NULL &&
        uuid_text(v->u.o->state, s))
        return put_string(e, "uuid.UUID", s, 36);
    return 0;
}

/* ---- collections ----------------------------------------------------- */

/* Emits a value in place of another: a frame that yields it and closes
 * with nothing (used for dict-like wrappers). */
static int
step_one(pe_emitter *e, pe_frame *f, pv **child)
{
    (void)e;
    if (f->i++ == 0) {
        *child = f->items[0];
        return PE_CHILD;
    }
    return PE_DONE;
}

static int
replace_with(pe_emitter *e, pv *v, pv *as)
{
    pe_frame *f;
    pv **slot = pr_arena_alloc(e->a, sizeof(pv *), e->err);

    if (slot == NULL)
        return -1;
    *slot = as;
    f = pe_push(e, v, step_one);
    if (f == NULL)
        return -1;
    f->items = slot;
    f->plain = e->depth > 1 ? e->frames[e->depth - 2].plain : 0;
    /* a replacement is the same JSON position: no pointer token */
    f->tok_is_key = 2;
    return 1;
}

static int
rec_dictlike(pe_emitter *e, pv *v, const pv_global *g)
{
    pv_obj *o = v->u.o;
    pv *a = o->args;
    int counter = strcmp(g->name, "Counter") == 0;

    if (o->how != PVH_REDUCE || o->listitems != NULL)
        return 0;
    if (counter) {
        if (a->n != 1 || a->u.items[0]->kind != PV_DICT ||
            o->dictitems != NULL)
            return 0;
        return replace_with(e, v, a->u.items[0]);
    }
    if (strcmp(g->name, "defaultdict") == 0 ? a->n > 1 : a->n != 0)
        return 0;
    if (o->state != NULL && !(o->state->kind == PV_DICT &&
                              o->state->u.d->n == 0))
        return 0;
    if (o->dictitems == NULL) {
        return pe_raw(e, "{}", 2) == PR_OK ? 1 : -1;
    }
    return replace_with(e, v, o->dictitems);
}

static int
rec_deque(pe_emitter *e, pv *v, const pv_global *g)
{
    pv_obj *o = v->u.o;
    pv *a = o->args, *list;

    (void)g;
    /* deque.__reduce__: (deque, () or ((), maxlen), None, iter(d)) */
    static pv empty = { PV_LIST, 0, 0, 0, { 0 } };

    if (o->how != PVH_REDUCE || a->n > 2 || o->dictitems != NULL ||
        (o->state != NULL && o->state->kind != PV_NONE))
        return 0;
    list = a->n ? a->u.items[0] : &empty;
    if (list->kind != PV_LIST && list->kind != PV_TUPLE)
        return 0;
    if (o->listitems != NULL) {
        if (list->n != 0)
            return 0;
        list = o->listitems;
    }
    if (pe_typed(e))
        return pe_envelope(e, v, "collections.deque", list) == PR_OK ? 1
                                                                   : -1;
    return pe_push_items(e, v, list->u.items, list->n) == PR_OK ? 1 : -1;
}

/* ---- pathlib --------------------------------------------------------- */

/*
 * A path is rebuilt as str(PurePosixPath(*args)) / str(PureWindowsPath(
 * *args)) does: Python 3.11 pickles the normalised parts, 3.12+ the raw
 * strings given to the constructor, and both come out the same here.
 * An argument with a root (POSIX) or a drive (Windows) starts over; a
 * Windows root without a drive keeps the drive.  Empty and "." parts
 * drop, ".." stays; exactly two leading POSIX slashes are kept.
 */
typedef struct path_acc {
    char *s;                /* drive + root + parts, rebuilt as we go */
    size_t drive_len, root_len, len;
    int win;
} path_acc;

static void
path_add(path_acc *p, const char *a, size_t n)
{
    char sep = p->win ? '\\' : '/';
    size_t i = 0, dl = 0, rl = 0;

#define IS_SEP(c) ((c) == '/' || (p->win && (c) == '\\'))
    if (p->win) {
        if (n >= 2 && IS_SEP(a[0]) && IS_SEP(a[1]) &&
            (n == 2 || !IS_SEP(a[2]))) {
            /* UNC drive: \\server\share */
            size_t k = 2;
            while (k < n && !IS_SEP(a[k]))
                k++;
            if (k < n)
                k++;
            while (k < n && !IS_SEP(a[k]))
                k++;
            dl = k;
        } else if (n >= 2 && a[1] == ':') {
            dl = 2;
        }
    }
    if (dl < n && IS_SEP(a[dl])) {
        rl = 1;
        if (!p->win && dl + 1 < n && a[dl + 1] == '/' &&
            (dl + 2 >= n || a[dl + 2] != '/'))
            rl = 2;         /* POSIX keeps exactly two leading slashes */
    }
    if (dl > 0) {
        /* a new drive: start over */
        for (size_t k = 0; k < dl; k++)
            p->s[k] = IS_SEP(a[k]) ? sep : a[k];
        p->drive_len = p->len = dl;
        p->root_len = 0;
    }
    if (rl > 0) {
        p->len = p->drive_len;
        for (size_t k = 0; k < rl; k++)
            p->s[p->len++] = sep;
        p->root_len = rl;
    }
    i = dl + rl;
    while (i < n) {
        size_t st;
        while (i < n && IS_SEP(a[i]))
            i++;
        st = i;
        while (i < n && !IS_SEP(a[i]))
            i++;
        if (i == st || (i - st == 1 && a[st] == '.'))
            continue;
        if (p->len > p->drive_len + p->root_len)
            p->s[p->len++] = sep;
        memcpy(p->s + p->len, a + st, i - st);
        p->len += i - st;
    }
#undef IS_SEP
}

static int
rec_path(pe_emitter *e, pv *v, const pv_global *g)
{
    const pv *a = pe_args(v);
    path_acc p;
    size_t total = 2;
    char cls[80];

    if (v->u.o->how != PVH_REDUCE || v->u.o->state != NULL)
        return 0;
    for (uint32_t i = 0; i < a->n; i++) {
        if (a->u.items[i]->kind != PV_STR)
            return 0;
        total += a->u.items[i]->n + 1;
    }
    memset(&p, 0, sizeof(p));
    p.win = strstr(g->name, "Windows") != NULL;
    p.s = pr_arena_alloc(e->a, total, e->err);
    if (p.s == NULL)
        return -1;
    for (uint32_t i = 0; i < a->n; i++)
        path_add(&p, (const char *)a->u.items[i]->u.p, a->u.items[i]->n);
    if (p.len == 0)
        p.s[p.len++] = '.';
    snprintf(cls, sizeof(cls), "%s.%s", g->module, g->name);
    return put_string(e, cls, p.s, p.len);
}

/* ---- odd globals ----------------------------------------------------- */

const pe_rec pe_rec_stdlib[] = {
    { "datetime", "datetime", rec_datetime },
    { "datetime", "date", rec_date },
    { "datetime", "time", rec_time },
    { "datetime", "timedelta", rec_timedelta },
    { "decimal", "Decimal", rec_decimal },
    { "_pydecimal", "Decimal", rec_decimal },
    { "builtins", "complex", rec_complex },
    { "uuid", "UUID", rec_uuid },
    { "copyreg", "_reconstructor", rec_reconstructor },
    { "collections", "OrderedDict", rec_dictlike },
    { "collections", "defaultdict", rec_dictlike },
    { "collections", "Counter", rec_dictlike },
    { "collections", "deque", rec_deque },
    { "pathlib", "PosixPath", rec_path },
    { "pathlib", "PurePosixPath", rec_path },
    { "pathlib", "WindowsPath", rec_path },
    { "pathlib", "PureWindowsPath", rec_path },
    { "pathlib", "Path", rec_path },
    { "pathlib", "PurePath", rec_path },
    { "pathlib._local", "PosixPath", rec_path },
    { "pathlib._local", "PurePosixPath", rec_path },
    { "pathlib._local", "WindowsPath", rec_path },
    { "pathlib._local", "PureWindowsPath", rec_path },
    { "pathlib._local", "Path", rec_path },
    { "pathlib._local", "PurePath", rec_path },
    { NULL, NULL, NULL }
};
