/*
 * ndarray.c - parse pickled numpy dtypes and arrays into checked views,
 * and write their items as JSON.
 *
 * Nothing here trusts the pickle: a dtype's item size comes from its
 * type string and is checked against the BUILD state, field offsets are
 * checked against the item size, and an array's shape product times the
 * item size must equal the length of its buffer exactly (numpy refuses
 * anything else when it unpickles).  Once a view exists the writers read
 * inside it without more checks.  Byte order is handled by assembling
 * integers from bytes, so the host's own order never matters.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndarray.h"
#include "alloc.h"
#include "civil.h"

/* ---- small helpers --------------------------------------------------- */

static int
global_is(const pv_global *g, const char *module, const char *name)
{
    return g != NULL && strcmp(g->module, module) == 0 &&
           strcmp(g->name, name) == 0;
}

/* numpy 1.x and 2.x spell the same function in two modules:
 * numpy.core.<sub> and numpy._core.<sub>. */
static int
numpy_fn(const pv_global *g, const char *sub, const char *name)
{
    const char *m;

    if (g == NULL || strcmp(g->name, name) != 0)
        return 0;
    if (strncmp(g->module, "numpy.core.", 11) == 0)
        m = g->module + 11;
    else if (strncmp(g->module, "numpy._core.", 12) == 0)
        m = g->module + 12;
    else
        return 0;
    return strcmp(m, sub) == 0;
}

static int
is_str(const pv *v)
{
    return v != NULL && v->kind == PV_STR && !(v->flags & PVF_LATIN1);
}

static int
str_is(const pv *v, const char *s)
{
    size_t n = strlen(s);

    return v != NULL && v->kind == PV_STR && v->n == n &&
           memcmp(v->u.p, s, n) == 0;
}

/* A dict entry by a str key given as bytes (names may hold NULs). */
static pv *
dict_get(const pv *d, const uint8_t *k, size_t n)
{
    if (d == NULL || d->kind != PV_DICT)
        return NULL;
    for (uint32_t i = 0; i < d->u.d->n; i++) {
        const pv *key = d->u.d->kv[2 * i];
        if (key->kind == PV_STR && key->n == n &&
            (n == 0 || memcmp(key->u.p, k, n) == 0))
            return d->u.d->kv[2 * i + 1];
    }
    return NULL;
}

uint64_t
pe_load_u(const uint8_t *p, size_t n, int big)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[big ? n - 1 - i : i] << (8 * i);
    return v;
}

int64_t
pe_load_i64(const uint8_t *p, int big)
{
    return (int64_t)pe_load_u(p, 8, big);
}

void *
pe_alloc_array(pe_emitter *e, size_t n, size_t size)
{
    size_t bytes;

    if (!pr_size_mul(n ? n : 1, size, &bytes)) {
        pr_error_set(e->err, PR_ELIMIT, "an array of %zu items of %zu "
                     "bytes does not fit in memory", n, size);
        return NULL;
    }
    return pr_arena_calloc(e->a, bytes, e->err);
}

/* ---- bytes in every spelling ----------------------------------------- */

int
pe_bytes_of(pe_emitter *e, const pv *v, const uint8_t **p, size_t *n)
{
    const pv_global *g;
    const pv *a, *s;
    uint8_t *out;
    size_t k = 0;

    if (v == NULL)
        return 0;
    if (v->kind == PV_BYTES || v->kind == PV_BYTEARRAY ||
        (v->kind == PV_STR && (v->flags & PVF_PY2STR))) {
        *p = v->u.p;
        *n = v->n;
        return 1;
    }
    /* protocols 0-2 write bytes as _codecs.encode(text, 'latin1') */
    g = pv_obj_global(v);
    if (!global_is(g, "_codecs", "encode") || v->u.o->how != PVH_REDUCE)
        return 0;
    a = v->u.o->args;
    if (a->n != 2 || a->u.items[0]->kind != PV_STR ||
        !(str_is(a->u.items[1], "latin1") ||
          str_is(a->u.items[1], "latin-1")))
        return 0;
    s = a->u.items[0];
    if (s->flags & PVF_LATIN1) {
        *p = s->u.p;
        *n = s->n;
        return 1;
    }
    out = pr_arena_alloc(e->a, (size_t)s->n + 1, e->err);
    if (out == NULL)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        uint8_t c = s->u.p[i];
        if (c < 0x80) {
            out[k++] = c;
        } else if ((c == 0xc2 || c == 0xc3) && i + 1 < s->n) {
            out[k++] = (uint8_t)(((c & 0x1f) << 6) | (s->u.p[i + 1] & 0x3f));
            i++;
        } else {
            return 0;       /* not latin-1: encode() would have failed */
        }
    }
    *p = out;
    *n = k;
    return 1;
}

/* ---- dtypes ---------------------------------------------------------- */

static const char *const unit_names[] = {
    "Y", "M", "W", NULL, "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs",
    "as", "generic"
};

static int
unit_from(const uint8_t *p, size_t n)
{
    for (int u = 0; u <= PE_UNIT_GENERIC; u++)
        if (unit_names[u] != NULL && strlen(unit_names[u]) == n &&
            memcmp(unit_names[u], p, n) == 0)
            return u;
    return -1;
}

/* Datetime metadata: (dict, (unit, num, den, events)) in the state. */
static int
parse_dt_meta(pe_emitter *e, const pv *meta, pe_dtype *dt)
{
    const pv *t;
    const uint8_t *up;
    size_t un;
    int64_t num, den;
    int r;

    if (meta == NULL || meta->kind != PV_TUPLE || meta->n != 2)
        return 0;
    t = meta->u.items[1];
    if (t->kind != PV_TUPLE || t->n != 4)
        return 0;
    if (t->u.items[0]->kind == PV_STR) {
        up = t->u.items[0]->u.p;
        un = t->u.items[0]->n;
    } else if ((r = pe_bytes_of(e, t->u.items[0], &up, &un)) != 1) {
        return r;
    }
    if (!pe_as_i64(t->u.items[1], &num) || !pe_as_i64(t->u.items[2], &den))
        return 0;
    r = unit_from(up, un);
    if (r < 0 || num < 1 || den != 1)
        return 0;
    dt->unit = (uint8_t)r;
    dt->unit_num = num;
    return 1;
}

/* Reads the number after the kind letter of a dtype string. */
static int
parse_size(const pv *s, size_t *out)
{
    size_t v = 0;

    if (s->n < 2)
        return 0;
    for (uint32_t i = 1; i < s->n; i++) {
        uint8_t c = s->u.p[i];
        if (c < '0' || c > '9' || v > ((size_t)1 << 40))
            return 0;
        v = v * 10 + (size_t)(c - '0');
    }
    *out = v;
    return 1;
}

static int dtype_parse(pe_emitter *e, const pv *v, int depth,
                       long *budget, const pe_dtype **out);

static int
parse_shape_tuple(pe_emitter *e, const pv *t, uint32_t *ndim,
                  const size_t **shape, size_t *count)
{
    size_t *sh, c = 1;
    int zero = 0;

    if (t->kind == PV_INT) {
        /* numpy accepts a bare int for a one-dimensional subarray */
        if (t->u.i < 0)
            return 0;
        sh = pr_arena_alloc(e->a, sizeof(size_t), e->err);
        if (sh == NULL)
            return -1;
        sh[0] = (size_t)t->u.i;
        *ndim = 1;
        *shape = sh;
        *count = sh[0];
        return 1;
    }
    if (t->kind != PV_TUPLE || t->n > PE_ND_MAX_DIM)
        return 0;
    sh = pe_alloc_array(e, t->n, sizeof(size_t));
    if (sh == NULL)
        return -1;
    for (uint32_t i = 0; i < t->n; i++) {
        const pv *d = t->u.items[i];
        if (d->kind != PV_INT || d->u.i < 0)
            return 0;
        sh[i] = (size_t)d->u.i;
        if (sh[i] == 0)
            zero = 1;
        else if (!pr_size_mul(c, sh[i], &c) || c > (size_t)INT64_MAX)
            return 0;
    }
    *ndim = t->n;
    *shape = sh;
    *count = zero ? 0 : c;
    return 1;
}

/* Structured fields: names tuple, fields dict {name: (dtype, offset)}. */
static int
parse_fields(pe_emitter *e, const pv *names, const pv *fields, int depth,
             long *budget, pe_dtype *dt)
{
    pe_dfield *f;
    int r;

    if (names->kind != PV_TUPLE || fields->kind != PV_DICT ||
        names->n == 0)
        return 0;
    f = pe_alloc_array(e, names->n, sizeof(pe_dfield));
    if (f == NULL)
        return -1;
    for (uint32_t i = 0; i < names->n; i++) {
        const pv *nm = names->u.items[i], *ent;
        const pe_dtype *sub;
        int64_t off;
        size_t end;
        if (!is_str(nm))
            return 0;
        ent = dict_get(fields, nm->u.p, nm->n);
        if (ent == NULL || ent->kind != PV_TUPLE || ent->n < 2 ||
            ent->n > 3 || !pe_as_i64(ent->u.items[1], &off) || off < 0)
            return 0;
        if ((r = dtype_parse(e, ent->u.items[0], depth + 1, budget,
                             &sub)) != 1)
            return r;
        if (!pr_size_add((size_t)off, sub->itemsize, &end) ||
            (!sub->hasobj && end > dt->itemsize))
            return 0;
        f[i].name = (const char *)nm->u.p;
        f[i].name_len = nm->n;
        f[i].offset = (size_t)off;
        f[i].dt = sub;
        if (sub->hasobj)
            dt->hasobj = 1;
        if (sub->depth >= 255)
            return 0;
        if (sub->depth + 1 > dt->depth)
            dt->depth = (uint8_t)(sub->depth + 1);
    }
    dt->fields = f;
    dt->nfields = names->n;
    if (dt->depth == 0)
        dt->depth = 1;
    return 1;
}

static int
parse_subarray(pe_emitter *e, const pv *sa, int depth, long *budget,
               pe_dtype *dt)
{
    const pe_dtype *base;
    size_t total;
    int r;

    if (sa->kind != PV_TUPLE || sa->n != 2)
        return 0;
    if ((r = dtype_parse(e, sa->u.items[0], depth + 1, budget,
                         &base)) != 1)
        return r;
    if ((r = parse_shape_tuple(e, sa->u.items[1], &dt->sub_ndim,
                               &dt->sub_shape, &dt->sub_count)) != 1)
        return r;
    if (base->hasobj || dt->sub_ndim == 0 ||
        !pr_size_mul(base->itemsize, dt->sub_count, &total) ||
        total != dt->itemsize)
        return 0;
    if (base->depth + dt->sub_ndim > 255)
        return 0;
    dt->base = base;
    dt->depth = (uint8_t)(base->depth + dt->sub_ndim);
    return 1;
}

static int
dtype_parse(pe_emitter *e, const pv *v, int depth, long *budget,
            const pe_dtype **out)
{
    const pv_global *g = pv_obj_global(v);
    const pv *a, *st, *s;
    pe_dtype *dt;
    size_t size;
    int64_t ver, elsize;
    char kind;
    int r;

    /* shared sub-dtypes could make the walk exponential: count nodes */
    if (--*budget < 0)
        return 0;
    /* numpy 2's StringDType pickles as a call that makes the dtype from
     * (coerce[, na_object]); its array data is a list of the elements,
     * stored like an object array's */
    if (numpy_fn(g, "_internal", "_convert_to_stringdtype_kwargs") &&
        v->u.o->how == PVH_REDUCE && v->u.o->state == NULL &&
        v->u.o->args->n >= 1 && v->u.o->args->n <= 2 &&
        (v->u.o->args->u.items[0]->kind == PV_INT ||
         v->u.o->args->u.items[0]->kind == PV_BOOL)) {
        dt = pr_arena_calloc(e->a, sizeof(*dt), e->err);
        if (dt == NULL)
            return -1;
        dt->kind = 'O';
        dt->unit_num = 1;
        dt->itemsize = 16;
        dt->hasobj = 1;
        *out = dt;
        return 1;
    }
    if (depth > PE_DT_MAX_DEPTH || !global_is(g, "numpy", "dtype") ||
        v->u.o->how != PVH_REDUCE || v->u.o->listitems != NULL ||
        v->u.o->dictitems != NULL)
        return 0;
    a = v->u.o->args;
    st = v->u.o->state;
    if (a->n < 1 || !is_str(a->u.items[0]) || st == NULL ||
        st->kind != PV_TUPLE || (st->n != 8 && st->n != 9) ||
        !pe_as_i64(st->u.items[0], &ver) || (ver != 3 && ver != 4) ||
        !pe_as_i64(st->u.items[5], &elsize))
        return 0;
    s = a->u.items[0];
    kind = (char)s->u.p[0];
    if (!parse_size(s, &size))
        return 0;
    dt = pr_arena_calloc(e->a, sizeof(*dt), e->err);
    if (dt == NULL)
        return -1;
    dt->kind = kind;
    dt->unit_num = 1;
    dt->itemsize = size;
    switch (kind) {
    case 'b':
        if (size != 1)
            return 0;
        break;
    case 'i':
    case 'u':
        if (size != 1 && size != 2 && size != 4 && size != 8)
            return 0;
        break;
    case 'f':
        if (size != 2 && size != 4 && size != 8 && size != 16)
            return 0;
        break;
    case 'c':
        if (size != 8 && size != 16 && size != 32)
            return 0;
        break;
    case 'M':
    case 'm':
        if (size != 8 || st->n != 9)
            return 0;
        if ((r = parse_dt_meta(e, st->u.items[8], dt)) != 1)
            return r;
        break;
    case 'O':
        if (size != 8 && size != 4)
            return 0;
        dt->hasobj = 1;
        break;
    case 'S':
    case 'V':
        if (elsize != (int64_t)size)
            return 0;
        break;
    case 'U':
        /* the type string counts characters, elsize counts bytes */
        if (size > ((size_t)1 << 38) || elsize != (int64_t)size * 4)
            return 0;
        dt->itemsize = size * 4;
        break;
    default:
        return 0;
    }
    if (!is_str(st->u.items[1]) || st->u.items[1]->n != 1)
        return 0;
    switch (st->u.items[1]->u.p[0]) {
    case '>':
        dt->big = 1;
        break;
    case '<':
    case '|':
    case '=':
        break;
    default:
        return 0;
    }
    if (kind == 'V') {
        const pv *sub = st->u.items[2], *names = st->u.items[3];
        if (sub->kind != PV_NONE) {
            if (names->kind != PV_NONE)
                return 0;
            if ((r = parse_subarray(e, sub, depth, budget, dt)) != 1)
                return r;
        } else if (names->kind != PV_NONE) {
            if ((r = parse_fields(e, names, st->u.items[4], depth, budget,
                                  dt)) != 1)
                return r;
        }
    } else if (st->u.items[2]->kind != PV_NONE ||
               st->u.items[3]->kind != PV_NONE) {
        return 0;
    }
    *out = dt;
    return 1;
}

int
pe_dtype_parse(pe_emitter *e, const pv *v, const pe_dtype **out)
{
    long budget = PE_DT_MAX_NODES;

    return dtype_parse(e, v, 0, &budget, out);
}

/* ---- arrays ---------------------------------------------------------- */

/* Strides for count > 0: C order last index fastest, Fortran first. */
static int
set_strides(pe_emitter *e, pe_ndarray *nd, size_t unit)
{
    size_t *st = pe_alloc_array(e, nd->ndim, sizeof(size_t));
    size_t acc = unit;

    if (st == NULL)
        return -1;
    for (uint32_t k = 0; k < nd->ndim; k++) {
        uint32_t d = nd->fortran ? k : nd->ndim - 1 - k;
        st[d] = nd->count ? acc : 0;
        if (nd->count)
            acc *= nd->shape[d];    /* bounded by count * unit */
    }
    nd->strides = st;
    return 1;
}

static int
finish_array(pe_emitter *e, pe_ndarray *nd, const pv *raw)
{
    size_t need;
    int r;

    if (nd->dt->hasobj) {
        /* object arrays pickle a list of the items in C order */
        if (raw->kind != PV_LIST || raw->n != nd->count)
            return 0;
        /* structured items are tuples of the field values; each is
         * checked when written (a shared array may be written often,
         * its checks should not cost more than its output) */
        if (nd->dt->kind == 'V')
            for (uint32_t f = 0; f < nd->dt->nfields; f++)
                if (nd->dt->fields[f].dt->kind == 'V')
                    return 0;
        nd->items = raw->u.items;
        nd->fortran = 0;
        return set_strides(e, nd, 1);
    }
    if ((r = pe_bytes_of(e, raw, &nd->data, &nd->len)) != 1)
        return r;
    if (!pr_size_mul(nd->count, nd->dt->itemsize, &need) ||
        need != nd->len)
        return 0;
    return set_strides(e, nd, nd->dt->itemsize);
}

static int
parse_reconstruct(pe_emitter *e, const pv *v, pe_ndarray *nd)
{
    const pv_obj *o = v->u.o;
    const pv *st = o->state, *cls, *const *s;
    int64_t fort;
    int r;

    if (o->how != PVH_REDUCE || o->args->n != 3 || st == NULL ||
        o->nbuild != 1 || st->kind != PV_TUPLE ||
        (st->n != 5 && st->n != 4) || o->listitems != NULL ||
        o->dictitems != NULL)
        return 0;
    cls = o->args->u.items[0];
    if (!pv_global_is(cls, "numpy", "ndarray"))
        return 0;
    nd->cls = cls->u.g;
    s = (const pv *const *)st->u.items + (st->n - 4);
    if (st->n == 5 && st->u.items[0]->kind != PV_INT)
        return 0;
    if ((r = parse_shape_tuple(e, s[0], &nd->ndim, &nd->shape,
                               &nd->count)) != 1)
        return r;
    if (s[0]->kind != PV_TUPLE)
        return 0;
    if ((r = pe_dtype_parse(e, s[1], &nd->dt)) != 1)
        return r;
    if (!pe_as_i64(s[2], &fort))
        return 0;
    nd->fortran = fort != 0;
    return finish_array(e, nd, s[3]);
}

static int
parse_frombuffer(pe_emitter *e, const pv *v, pe_ndarray *nd)
{
    const pv_obj *o = v->u.o;
    const pv *const *a = (const pv *const *)o->args->u.items;
    int r;

    if (o->how != PVH_REDUCE || o->args->n != 4 || o->state != NULL ||
        o->listitems != NULL || o->dictitems != NULL)
        return 0;
    if ((r = pe_dtype_parse(e, a[1], &nd->dt)) != 1)
        return r;
    if (nd->dt->hasobj || a[2]->kind != PV_TUPLE)
        return 0;
    if ((r = parse_shape_tuple(e, a[2], &nd->ndim, &nd->shape,
                               &nd->count)) != 1)
        return r;
    if (str_is(a[3], "F"))
        nd->fortran = 1;
    else if (!str_is(a[3], "C"))
        return 0;
    return finish_array(e, nd, a[0]);
}

int
pe_nd_parse(pe_emitter *e, const pv *v, pe_ndarray *out)
{
    const pv_global *g = pv_obj_global(v);

    memset(out, 0, sizeof(*out));
    if (numpy_fn(g, "multiarray", "_reconstruct"))
        return parse_reconstruct(e, v, out);
    if (numpy_fn(g, "numeric", "_frombuffer"))
        return parse_frombuffer(e, v, out);
    return 0;
}

/* ---- numbers --------------------------------------------------------- */

static double
half_to_double(uint16_t h)
{
    int ex = (h >> 10) & 0x1f;
    int man = h & 0x3ff;
    double d;

    if (ex == 0x1f)
        d = man ? NAN : INFINITY;
    else if (ex == 0)
        d = ldexp((double)man, -24);
    else
        d = ldexp((double)(man | 0x400), ex - 25);
    return (h & 0x8000) ? -d : d;
}

static double
float_bits(uint32_t u)
{
    float f;

    memcpy(&f, &u, sizeof(f));
    return (double)f;
}

static double
double_bits(uint64_t u)
{
    double d;

    memcpy(&d, &u, sizeof(d));
    return d;
}

/*
 * 'f16' is the writer's long double: the x87 80-bit format padded to 16
 * bytes on x86 (the padding is whatever was in memory), IEEE binary128
 * on 64-bit ARM and others.  Nothing in the pickle says which; we read
 * little-endian data as x87, since nearly every writer is x86, and
 * big-endian data as binary128 (s390x).
 */
static double
longdouble_to_double(const uint8_t *p, int big)
{
    uint8_t b[16];

    for (int i = 0; i < 16; i++)
        b[i] = p[big ? 15 - i : i];
    if (!big) {
        uint64_t man = pe_load_u(b, 8, 0);
        int ex = (int)(pe_load_u(b + 8, 2, 0) & 0x7fff);
        int neg = b[9] & 0x80;
        double d;
        if (ex == 0x7fff)
            d = (man << 1) ? NAN : INFINITY;
        else
            d = ldexp((double)man, (ex ? ex : 1) - 16383 - 63);
        return neg ? -d : d;
    } else {
        uint64_t lo = pe_load_u(b, 8, 0), hi = pe_load_u(b + 8, 8, 0);
        int ex = (int)((hi >> 48) & 0x7fff);
        int neg = (int)(hi >> 63);
        uint64_t top, rest, half = (uint64_t)1 << 59;
        double d;
        hi &= ((uint64_t)1 << 48) - 1;
        if (ex == 0x7fff) {
            d = (hi | lo) ? NAN : INFINITY;
        } else {
            /* 113-bit significand rounded to 53 bits, ties to even */
            if (ex != 0)
                hi |= (uint64_t)1 << 48;
            top = (hi << 4) | (lo >> 60);
            rest = lo & (((uint64_t)1 << 60) - 1);
            if (rest > half || (rest == half && (top & 1)))
                top++;
            d = ldexp((double)top, (ex ? ex : 1) - 16383 - 52);
        }
        return neg ? -d : d;
    }
}

static double
load_float(const uint8_t *p, size_t size, int big)
{
    switch (size) {
    case 2:
        return half_to_double((uint16_t)pe_load_u(p, 2, big));
    case 4:
        return float_bits((uint32_t)pe_load_u(p, 4, big));
    case 8:
        return double_bits(pe_load_u(p, 8, big));
    default:
        return longdouble_to_double(p, big);
    }
}

static pr_code
write_u64(pe_emitter *e, uint64_t v)
{
    char buf[24], *q = buf + sizeof(buf);

    do {
        *--q = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    return pe_raw(e, q, (size_t)(buf + sizeof(buf) - q));
}

/* ---- text ------------------------------------------------------------ */

/* UCS-4 text as a JSON string, escaped as Python's json module does;
 * surrogates as \udXXX, code points past U+10FFFF as U+FFFD. */
static pr_code
write_ucs4(pe_emitter *e, const uint8_t *p, size_t nchars, int big)
{
    static const char hex[] = "0123456789abcdef";
    char buf[512];
    size_t k = 0;
    pr_code rc;

    while (nchars > 0 && pe_load_u(p + 4 * (nchars - 1), 4, big) == 0)
        nchars--;           /* numpy drops trailing NULs */
    buf[k++] = '"';
    for (size_t i = 0; i < nchars; i++) {
        uint32_t c = (uint32_t)pe_load_u(p + 4 * i, 4, big);
        if (k > sizeof(buf) - 8) {
            if ((rc = pe_raw(e, buf, k)) != PR_OK)
                return rc;
            k = 0;
        }
        if (c == '"' || c == '\\') {
            buf[k++] = '\\';
            buf[k++] = (char)c;
        } else if (c < 0x20) {
            buf[k++] = '\\';
            switch (c) {
            case '\n': buf[k++] = 'n'; break;
            case '\r': buf[k++] = 'r'; break;
            case '\t': buf[k++] = 't'; break;
            case '\b': buf[k++] = 'b'; break;
            case '\f': buf[k++] = 'f'; break;
            default:
                memcpy(buf + k, "u00", 3);
                buf[k + 3] = hex[c >> 4];
                buf[k + 4] = hex[c & 15];
                k += 5;
            }
        } else if (c < 0x80) {
            buf[k++] = (char)c;
        } else if (c < 0x800) {
            buf[k++] = (char)(0xc0 | (c >> 6));
            buf[k++] = (char)(0x80 | (c & 0x3f));
        } else if (c >= 0xd800 && c <= 0xdfff) {
            buf[k++] = '\\';
            buf[k++] = 'u';
            for (int s = 12; s >= 0; s -= 4)
                buf[k++] = hex[(c >> s) & 15];
        } else if (c < 0x10000 || c > 0x10ffff) {
            if (c > 0x10ffff)
                c = 0xfffd;
            buf[k++] = (char)(0xe0 | (c >> 12));
            buf[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
            buf[k++] = (char)(0x80 | (c & 0x3f));
        } else {
            buf[k++] = (char)(0xf0 | (c >> 18));
            buf[k++] = (char)(0x80 | ((c >> 12) & 0x3f));
            buf[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
            buf[k++] = (char)(0x80 | (c & 0x3f));
        }
    }
    buf[k++] = '"';
    return pe_raw(e, buf, k);
}

static pr_code
write_bytes_obj(pe_emitter *e, const uint8_t *p, size_t n)
{
    pr_code rc = pe_raw(e, "{\"__bytes__\":", 13);

    if (rc == PR_OK)
        rc = pr_json_base64(e->out, p, n, e->err);
    if (rc == PR_OK)
        rc = pr_buf_putc(e->out, '}', e->err);
    return rc;
}

/* ---- dates and durations --------------------------------------------- */

static const int64_t pow10_tab[19] = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
    100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
    1000000000000LL, 10000000000000LL, 100000000000000LL,
    1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
    1000000000000000000LL
};

/* Fractional digits of the sub-second units, from seconds down. */
static int
frac_digits(int unit)
{
    return unit >= PE_UNIT_s && unit <= PE_UNIT_as
           ? 3 * (unit - PE_UNIT_s) : -1;
}

/* Decimal digits of v, at least `width` of them (zero padded).  snprintf
 * is too slow for millions of timestamps. */
static size_t
put_uint(char *p, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    while (n < width)
        tmp[n++] = '0';
    for (int i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return (size_t)n;
}

/* A year as C's "%04lld" prints it: "0099", "-001", "12345". */
static size_t
put_year(char *p, int64_t y)
{
    if (y >= 0)
        return put_uint(p, (uint64_t)y, 4);
    p[0] = '-';
    return 1 + put_uint(p + 1, (uint64_t)0 - (uint64_t)y, 3);
}

/*
 * The date of a day count as numpy computes it.  For any day count whose
 * year fits comfortably this is the proleptic Gregorian date of
 * pr_civil_from_days; numpy shifts to the year 2000 first and lets that
 * wrap, so within 146097 days of INT64_MIN it prints a far-future date,
 * and we print the same.
 */
static void
numpy_civil(int64_t days, int64_t *year, int *month, int *day)
{
    static const int mdays[2][12] = {
        { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 },
        { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
    };
    const int64_t per400 = 146097;
    int64_t y, d;
    int leap;

    if (days > INT64_MIN + 2 * per400) {
        pr_civil_from_days(days, year, month, day);
        return;
    }
    d = (int64_t)((uint64_t)days - (365 * 30 + 7));
    if (d >= 0) {
        y = 400 * (d / per400);
        d = d % per400;
    } else {
        y = 400 * ((int64_t)((uint64_t)d - (uint64_t)(per400 - 1)) /
                   per400);
        d = d % per400;
        if (d < 0)
            d += per400;
    }
    if (d >= 366) {
        y += 100 * ((d - 1) / (100 * 365 + 24));
        d = (d - 1) % (100 * 365 + 24);
        if (d >= 365) {
            y += 4 * ((d + 1) / (4 * 365 + 1));
            d = (d + 1) % (4 * 365 + 1);
            if (d >= 366) {
                y += (d - 1) / 365;
                d = (d - 1) % 365;
            }
        }
    }
    y += 2000;
    leap = pr_is_leap_year(y);
    *year = y;
    for (int m = 0; m < 12; m++) {
        if (d < mdays[leap][m]) {
            *month = m + 1;
            *day = (int)d + 1;
            return;
        }
        d -= mdays[leap][m];
    }
    *month = 12;        /* not reached: d < 366 */
    *day = 31;
}

static size_t
fmt_date(char *buf, int64_t days)
{
    int64_t y;
    int m, d;
    size_t n;

    numpy_civil(days, &y, &m, &d);
    n = put_year(buf, y);
    buf[n++] = '-';
    n += put_uint(buf + n, (uint64_t)m, 2);
    buf[n++] = '-';
    n += put_uint(buf + n, (uint64_t)d, 2);
    return n;
}

/* "Thh", "Thh:mm" or "Thh:mm:ss" of a second of the day. */
static size_t
fmt_clock(char *p, int64_t sod, int parts)
{
    size_t n = 0;

    p[n++] = 'T';
    n += put_uint(p + n, (uint64_t)(sod / 3600), 2);
    if (parts > 1) {
        p[n++] = ':';
        n += put_uint(p + n, (uint64_t)(sod / 60 % 60), 2);
    }
    if (parts > 2) {
        p[n++] = ':';
        n += put_uint(p + n, (uint64_t)(sod % 60), 2);
    }
    return n;
}

size_t
pe_fmt_datetime64(char *buf, int64_t v, int unit, int64_t num)
{
    int64_t days, sod = 0, frac = 0;
    int nd = frac_digits(unit);
    size_t n;

    if (v == PE_NAT || unit < 0 || unit >= PE_UNIT_GENERIC || unit == 3)
        return 0;
    /* numpy scales by the multiplier in int64 and lets it wrap */
    v = (int64_t)((uint64_t)v * (uint64_t)num);
    switch (unit) {
    case PE_UNIT_Y:
        return put_year(buf, (int64_t)((uint64_t)v + 1970));
    case PE_UNIT_M:
        n = put_year(buf, 1970 + pr_floor_div(v, 12));
        buf[n++] = '-';
        return n + put_uint(buf + n, (uint64_t)pr_floor_mod(v, 12) + 1, 2);
    case PE_UNIT_W:
        return fmt_date(buf, (int64_t)((uint64_t)v * 7));
    case PE_UNIT_D:
        return fmt_date(buf, v);
    case PE_UNIT_h:
        days = pr_floor_div(v, 24);
        sod = pr_floor_mod(v, 24) * 3600;
        break;
    case PE_UNIT_m:
        days = pr_floor_div(v, 1440);
        sod = pr_floor_mod(v, 1440) * 60;
        break;
    default: {
        int64_t secs = pr_floor_div(v, pow10_tab[nd]);
        frac = pr_floor_mod(v, pow10_tab[nd]);
        days = pr_floor_div(secs, 86400);
        sod = pr_floor_mod(secs, 86400);
    }
    }
    n = fmt_date(buf, days);
    n += fmt_clock(buf + n, sod, unit == PE_UNIT_h ? 1 :
                                 unit == PE_UNIT_m ? 2 : 3);
    if (nd > 0) {
        buf[n++] = '.';
        n += put_uint(buf + n, (uint64_t)frac, nd);
    }
    return n;
}

/* Seconds in one step of the units coarser than a second. */
static int64_t
unit_seconds(int unit)
{
    switch (unit) {
    case PE_UNIT_W: return 604800;
    case PE_UNIT_D: return 86400;
    case PE_UNIT_h: return 3600;
    case PE_UNIT_m: return 60;
    case PE_UNIT_s: return 1;
    default: return 0;
    }
}

size_t
pe_fmt_isoformat(char *buf, int64_t v, int unit, int64_t num)
{
    int64_t secs, sub_ns = 0, days, sod;
    int nd = frac_digits(unit);
    size_t n;

    if (v == PE_NAT || unit < PE_UNIT_W || unit == 3 || unit > PE_UNIT_as)
        return 0;
    if (__builtin_mul_overflow(v, num, &v))
        return 0;
    if (nd <= 0) {
        if (__builtin_mul_overflow(v, unit_seconds(unit), &secs))
            return 0;
    } else {
        secs = pr_floor_div(v, pow10_tab[nd]);
        sub_ns = pr_floor_mod(v, pow10_tab[nd]);
        /* a Timestamp holds nanoseconds at most: drop finer digits */
        sub_ns = nd <= 9 ? sub_ns * pow10_tab[9 - nd]
                         : sub_ns / pow10_tab[nd - 9];
    }
    days = pr_floor_div(secs, 86400);
    sod = pr_floor_mod(secs, 86400);
    n = fmt_date(buf, days);
    n += fmt_clock(buf + n, sod, 3);
    if (sub_ns != 0) {
        int ns = sub_ns % 1000 != 0;
        buf[n++] = '.';
        n += put_uint(buf + n, (uint64_t)(ns ? sub_ns : sub_ns / 1000),
                      ns ? 9 : 6);
    }
    return n;
}

/* An exact integer over 10^digits as the nearest double: strtod of the
 * decimal text is correctly rounded, as Fraction -> float is. */
static double
scaled_to_double(__int128 v, int digits)
{
    char buf[64], *p = buf + sizeof(buf) - 1;
    int neg = v < 0, k = 0;
    unsigned __int128 m = neg ? -(unsigned __int128)v : (unsigned __int128)v;

    *p = '\0';
    do {
        if (digits > 0 && k == digits)
            *--p = '.';
        *--p = (char)('0' + (int)(m % 10));
        m /= 10;
        k++;
    } while (m != 0 || k <= digits);
    if (neg)
        *--p = '-';
    return strtod(p, NULL);
}

pr_code
pe_write_timedelta(pe_emitter *e, int64_t v, int unit, int64_t num)
{
    static const char *const words[] = { "years", "months" };
    char buf[64];
    __int128 n, s;
    int nd = frac_digits(unit);

    if (v == PE_NAT)
        return pe_raw(e, "null", 4);
    if (unit == PE_UNIT_Y || unit == PE_UNIT_M || unit == PE_UNIT_GENERIC) {
        /* no fixed length in seconds: numpy's own text */
        int len = snprintf(buf, sizeof(buf), "%lld %s",
                           (long long)(int64_t)((uint64_t)v * (uint64_t)num),
                           unit == PE_UNIT_GENERIC ? "generic time units"
                                                   : words[unit]);
        return pe_str(e, buf, (size_t)len);
    }
    n = (__int128)v * num;
    if (nd > 0)
        return pe_double(e, scaled_to_double(n, nd));
    if (__builtin_mul_overflow(n, (__int128)unit_seconds(unit), &s))
        return pe_double(e, (double)n * (double)unit_seconds(unit));
    return pe_double(e, scaled_to_double(s, 0));
}

/* ---- items ----------------------------------------------------------- */

static pr_code write_item(pe_emitter *e, const pe_dtype *dt,
                          const uint8_t *p, int dtstyle);

/* A subarray's items, C order, as nested arrays. */
static pr_code
write_sub(pe_emitter *e, const pe_dtype *dt, uint32_t dim,
          const uint8_t *p, size_t inner, int dtstyle)
{
    const pe_dtype *base = dt->base;
    size_t n = dt->sub_shape[dim], step;
    pr_code rc = pr_buf_putc(e->out, '[', e->err);

    step = dim + 1 < dt->sub_ndim ? inner / (n ? n : 1) : base->itemsize;
    for (size_t i = 0; i < n && rc == PR_OK; i++) {
        if (i > 0)
            rc = pr_buf_putc(e->out, ',', e->err);
        if (rc != PR_OK)
            break;
        if (dim + 1 < dt->sub_ndim)
            rc = write_sub(e, dt, dim + 1, p + i * step, step, dtstyle);
        else
            rc = write_item(e, base, p + i * step, dtstyle);
    }
    if (rc == PR_OK)
        rc = pr_buf_putc(e->out, ']', e->err);
    return rc;
}

static pr_code
write_item(pe_emitter *e, const pe_dtype *dt, const uint8_t *p,
           int dtstyle)
{
    char buf[PE_DT_BUFSIZE];
    size_t n;
    pr_code rc;

    switch (dt->kind) {
    case 'b':
        return p[0] ? pe_raw(e, "true", 4) : pe_raw(e, "false", 5);
    case 'i': {
        uint64_t u = pe_load_u(p, dt->itemsize, dt->big);
        int sh = 64 - 8 * (int)dt->itemsize;
        int64_t v = sh ? (int64_t)(u << sh) >> sh : (int64_t)u;
        return pr_json_i64(e->out, v, e->err);
    }
    case 'u':
        return write_u64(e, pe_load_u(p, dt->itemsize, dt->big));
    case 'f':
        return pe_double(e, load_float(p, dt->itemsize, dt->big));
    case 'c': {
        size_t h = dt->itemsize / 2;
        if ((rc = pe_raw(e, "{\"real\":", 8)) != PR_OK ||
            (rc = pe_double(e, load_float(p, h, dt->big))) != PR_OK ||
            (rc = pe_raw(e, ",\"imag\":", 8)) != PR_OK ||
            (rc = pe_double(e, load_float(p + h, h, dt->big))) != PR_OK)
            return rc;
        return pr_buf_putc(e->out, '}', e->err);
    }
    case 'M': {
        int64_t v = pe_load_i64(p, dt->big);
        n = dtstyle == PE_DTSTYLE_PANDAS
            ? pe_fmt_isoformat(buf, v, dt->unit, dt->unit_num)
            : pe_fmt_datetime64(buf, v, dt->unit, dt->unit_num);
        return n ? pe_str(e, buf, n) : pe_raw(e, "null", 4);
    }
    case 'm':
        return pe_write_timedelta(e, pe_load_i64(p, dt->big), dt->unit,
                                  dt->unit_num);
    case 'S':
        n = dt->itemsize;
        while (n > 0 && p[n - 1] == 0)
            n--;
        return write_bytes_obj(e, p, n);
    case 'U':
        return write_ucs4(e, p, dt->itemsize / 4, dt->big);
    case 'V':
        if (dt->base != NULL)
            return write_sub(e, dt, 0, p, dt->itemsize, dtstyle);
        if (dt->nfields == 0)
            return write_bytes_obj(e, p, dt->itemsize);
        if ((rc = pr_buf_putc(e->out, '{', e->err)) != PR_OK)
            return rc;
        for (uint32_t i = 0; i < dt->nfields; i++) {
            const pe_dfield *f = &dt->fields[i];
            if ((i > 0 && (rc = pr_buf_putc(e->out, ',', e->err)) != PR_OK)
                || (rc = pe_str(e, f->name, f->name_len)) != PR_OK ||
                (rc = pr_buf_putc(e->out, ':', e->err)) != PR_OK ||
                (rc = write_item(e, f->dt, p + f->offset, dtstyle)) != PR_OK)
                return rc;
        }
        return pr_buf_putc(e->out, '}', e->err);
    default:
        return pr_error_set(e->err, PR_EFORMAT, "internal: numpy item of "
                            "kind '%c' written as raw data", dt->kind);
    }
}

pr_code
pe_nd_write_item(pe_emitter *e, const pe_dtype *dt, const uint8_t *p,
                 int dtstyle)
{
    return write_item(e, dt, p, dtstyle);
}

const char *
pe_dtype_typename(const pe_dtype *dt, int numpy2)
{
    static const char *const ints[] = {
        "numpy.int8", "numpy.int16", "numpy.int32", "numpy.int64"
    };
    static const char *const uints[] = {
        "numpy.uint8", "numpy.uint16", "numpy.uint32", "numpy.uint64"
    };
    int lg = dt->itemsize == 1 ? 0 : dt->itemsize == 2 ? 1 :
             dt->itemsize == 4 ? 2 : 3;

    switch (dt->kind) {
    case 'b': return numpy2 ? "numpy.bool" : "numpy.bool_";
    case 'i': return ints[lg];
    case 'u': return uints[lg];
    case 'f':
        return dt->itemsize == 2 ? "numpy.float16" :
               dt->itemsize == 4 ? "numpy.float32" :
               dt->itemsize == 8 ? "numpy.float64" :
               numpy2 ? "numpy.longdouble" : "numpy.float128";
    case 'c':
        return dt->itemsize == 8 ? "numpy.complex64" :
               dt->itemsize == 16 ? "numpy.complex128" :
               numpy2 ? "numpy.clongdouble" : "numpy.complex256";
    case 'M': return "numpy.datetime64";
    case 'm': return "numpy.timedelta64";
    case 'S': return "numpy.bytes_";
    case 'U': return "numpy.str_";
    case 'V': return "numpy.void";
    default: return "numpy.object_";
    }
}
