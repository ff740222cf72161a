/*
 * rec_pandas.c - recognisers for pandas objects: DataFrame, Series, the
 * Index family, Categorical, the nullable and datetime extension arrays,
 * Timestamp, Timedelta, NaT and NA.
 *
 * Every container is first reduced to columns (pd_col): a view on a
 * numpy buffer or object list with an offset and a step, a masked
 * column, a categorical (codes into another column) or a range.  Only
 * when every column has been checked against the row count is anything
 * written, so a frame that does not add up is left to the generic
 * rendering whole.  Cells are written from the buffers by the frames
 * below; object cells go back to the emitter as child values.
 *
 * Values read out of a pandas container print as pandas prints them:
 * datetimes as Timestamp.isoformat(), with the offset of their zone at
 * each instant for tz-aware data (from tzdb.h), durations in seconds,
 * NaT and NA as null.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ndarray.h"
#include "alloc.h"
#include "civil.h"
#include "tzdb.h"

/* How deep indexes may sit inside each other (categories, MultiIndex
 * levels) before we stop following them. */
#define PD_MAX_NEST 4

/* Appends a string literal. */
#define PUT_LIT(e, s) pe_raw((e), (s), sizeof(s) - 1)

/* ---- time zones ------------------------------------------------------ */

typedef enum pd_tz_kind {
    PD_TZ_NONE = 0,         /* naive */
    PD_TZ_FIXED,            /* offset only */
    PD_TZ_NAMED             /* zone key; carried offset as a fallback */
} pd_tz_kind;

typedef struct pd_tz {
    uint8_t kind;
    uint8_t has_carried;    /* pytz pickles the offset of one instant */
    int32_t offset;         /* seconds east of UTC */
    const char *key;
    size_t keylen;
} pd_tz;

static int
gl_is(const pv_global *g, const char *module, const char *name)
{
    return g != NULL && strcmp(g->module, module) == 0 &&
           strcmp(g->name, name) == 0;
}

static int
is_na(const pv *v)
{
    return pv_global_is(v, "pandas._libs.missing", "NA");
}

/*
 * The class of an instance made without calling its constructor:
 * NEWOBJ (protocol 2 and up) or copyreg._reconstructor(cls, object,
 * None) (protocols 0 and 1).  NULL for anything else.
 */
static const pv_global *
new_class(const pv *v)
{
    const pv_global *g = pv_obj_global(v);
    const pv *a;

    if (g == NULL)
        return NULL;
    if (v->u.o->how == PVH_NEWOBJ)
        return pe_args(v)->n == 0 ? g : NULL;
    a = pe_args(v);
    if (v->u.o->how == PVH_REDUCE && gl_is(g, "copyreg", "_reconstructor")
        && a->n == 3 && a->u.items[0]->kind == PV_GLOBAL &&
        pv_global_is(a->u.items[1], "builtins", "object") &&
        a->u.items[2]->kind == PV_NONE)
        return a->u.items[0]->u.g;
    return NULL;
}

/* datetime.timedelta(days, seconds, us) as whole seconds. */
static int
timedelta_seconds(const pv *td, int32_t *out)
{
    const pv *a;
    int64_t d, s, us;

    if (!gl_is(pv_obj_global(td), "datetime", "timedelta"))
        return 0;
    a = td->u.o->args;
    if (a->n != 3 || !pe_as_i64(a->u.items[0], &d) ||
        !pe_as_i64(a->u.items[1], &s) || !pe_as_i64(a->u.items[2], &us) ||
        d < -1 || d > 0 || s < 0 || s >= 86400 || us != 0)
        return 0;
    *out = (int32_t)(d * 86400 + s);
    return 1;
}

/* Classifies a pickled tzinfo; 0 when we do not know it. */
static int
parse_tz(const pv *tz, pd_tz *out)
{
    const pv_global *g;
    const pv *a;

    memset(out, 0, sizeof(*out));
    if (tz == NULL || tz->kind == PV_NONE)
        return 1;
    g = pv_obj_global(tz);
    if (g == NULL || tz->u.o->how != PVH_REDUCE)
        return 0;
    a = tz->u.o->args;
    if (gl_is(g, "datetime", "timezone") && a->n >= 1 && a->n <= 2 &&
        timedelta_seconds(a->u.items[0], &out->offset)) {
        out->kind = PD_TZ_FIXED;
        return 1;
    }
    if (gl_is(g, "pytz", "_UTC") && a->n == 0) {
        out->kind = PD_TZ_FIXED;
        return 1;
    }
    if (gl_is(g, "pytz", "FixedOffset") && a->n == 1 &&
        a->u.items[0]->kind == PV_INT && a->u.items[0]->u.i > -1440 &&
        a->u.items[0]->u.i < 1440) {
        out->kind = PD_TZ_FIXED;
        out->offset = (int32_t)a->u.items[0]->u.i * 60;
        return 1;
    }
    if ((gl_is(g, "zoneinfo", "ZoneInfo._unpickle") ||
         gl_is(g, "pytz", "_p")) && a->n >= 1 &&
        a->u.items[0]->kind == PV_STR) {
        out->kind = PD_TZ_NAMED;
        out->key = (const char *)a->u.items[0]->u.p;
        out->keylen = a->u.items[0]->n;
        if (g->module[0] == 'p' && a->n == 4 &&
            a->u.items[1]->kind == PV_INT &&
            a->u.items[1]->u.i > -86400 && a->u.items[1]->u.i < 86400) {
            out->has_carried = 1;
            out->offset = (int32_t)a->u.items[1]->u.i;
        }
        return 1;
    }
    return 0;
}

/* The offset of tz at a UTC instant: 1, 0 when the zone is unknown
 * (no database, bad key), -1 on error. */
static int
tz_offset(pe_emitter *e, const pd_tz *tz, int64_t utc_s, int32_t *off)
{
    pr_error terr;
    pr_code rc;

    if (tz->kind == PD_TZ_FIXED) {
        *off = tz->offset;
        return 1;
    }
    if (e->tz == NULL && (e->tz = pr_tzcache_new(NULL)) == NULL) {
        pr_error_set(e->err, PR_ENOMEM, "out of memory for the time zone "
                     "cache");
        return -1;
    }
    /* terr is only read on failure: clearing it per cell costs more
     * than the lookup */
    rc = pr_tz_offset_utc(e->tz, tz->key, tz->keylen, utc_s, off, &terr);
    if (rc == PR_OK)
        return 1;
    if (rc == PR_ENOMEM) {
        pr_error_set(e->err, PR_ENOMEM, "out of memory reading time zone "
                     "%.*s", (int)tz->keylen, tz->key);
        return -1;
    }
    if (tz->has_carried) {
        *off = tz->offset;
        return 1;
    }
    return 0;
}

static const int64_t per_second[] = {
    1, 1000, 1000000, 1000000000      /* s ms us ns */
};

/* Writes a datetime64 value of a pandas container (unit s..ns) with its
 * zone's offset; NaT is null. */
static pr_code
write_stamp(pe_emitter *e, int64_t v, int unit, const pd_tz *tz)
{
    char buf[PE_DT_BUFSIZE + PR_OFFSET_BUFSIZE];
    size_t n;
    int32_t off = 0;
    int64_t local = v;
    int r;

    if (v == PE_NAT)
        return PUT_LIT(e, "null");
    if (tz->kind != PD_TZ_NONE) {
        int64_t ps = per_second[unit - PE_UNIT_s];
        r = tz_offset(e, tz, pr_floor_div(v, ps), &off);
        if (r < 0)
            return e->err->code;
        if (r == 0 || __builtin_add_overflow(v, (int64_t)off * ps, &local))
            return PUT_LIT(e, "null");
    }
    n = pe_fmt_isoformat(buf, local, unit, 1);
    if (n == 0)
        return PUT_LIT(e, "null");
    if (tz->kind != PD_TZ_NONE)
        n += pr_fmt_offset(off, buf + n);
    return pe_str(e, buf, n);
}

/* ---- columns --------------------------------------------------------- */

typedef enum pd_col_kind {
    PC_ND = 0,              /* numpy data or objects: off + i * step */
    PC_MASKED,              /* data unless mask[i] */
    PC_CAT,                 /* cats[codes[i]], -1 missing */
    PC_RANGE,               /* start + i * step */
    PC_MULTI                /* tuples of levels[k][i] */
} pd_col_kind;

typedef struct pd_col pd_col;

struct pd_col {
    uint8_t kind;
    uint8_t missing_nan;    /* categorical: a missing entry is NaN */
    uint8_t as_float;       /* categorical: integer values as floats */
    size_t len;
    /* PC_ND */
    const pe_dtype *dt;
    const uint8_t *data;
    pv **items;
    size_t off, step;
    pd_tz tz;
    /* PC_MASKED, PC_CAT */
    const pd_col *a, *b;    /* data and mask / codes and categories */
    /* PC_RANGE */
    int64_t start, rstep;
    /* PC_MULTI: one PC_CAT column per level */
    const pd_col *levels;
    uint32_t nlev;
};

/* A 2-D source: `rows` columns of `len`, row r at off + r * row_step. */
typedef struct pd_src {
    pd_col col;
    size_t rows;
    size_t row_step;
} pd_src;

static int col_item(pe_emitter *e, const pd_col *c, size_t i,
                    pv **child);

/* One MultiIndex entry being written as an array. */
typedef struct pd_tuple {
    const pd_col *c;
    size_t row;
} pd_tuple;

static int
step_tuple(pe_emitter *e, pe_frame *f, pv **child)
{
    const pd_tuple *t = f->st;

    while (f->i < t->c->nlev) {
        uint32_t k = f->i++;
        int r;
        if (k > 0 && pr_buf_putc(e->out, ',', e->err) != PR_OK)
            return PE_ERROR;
        f->tok_is_key = 0;
        f->tok_index = k;
        r = col_item(e, &t->c->levels[k], t->row, child);
        if (r < 0)
            return PE_ERROR;
        if (r > 0)
            return r == 1 ? PE_CHILD : PE_PUSHED;
    }
    if (pr_buf_putc(e->out, ']', e->err) != PR_OK)
        return PE_ERROR;
    return PE_DONE;
}

/* An integer cell written as the float pandas upcasts it to. */
static int
write_as_float(pe_emitter *e, const pd_col *c, size_t i, pv **child)
{
    double d;

    if (c->kind == PC_RANGE) {
        d = (double)(c->start + (int64_t)i * c->rstep);
    } else if (c->kind == PC_ND && c->items == NULL &&
               (c->dt->kind == 'i' || c->dt->kind == 'u')) {
        const uint8_t *p = c->data + c->off + i * c->step;
        uint64_t u = pe_load_u(p, c->dt->itemsize, c->dt->big);
        int sh = 64 - 8 * (int)c->dt->itemsize;
        d = c->dt->kind == 'u' ? (double)u :
            (double)(sh ? (int64_t)(u << sh) >> sh : (int64_t)u);
    } else {
        return col_item(e, c, i, child);
    }
    return pe_double(e, d) == PR_OK ? 0 : -1;
}

/* Writes cell i of c: 0 written, 1 *child set, 2 a frame pushed, -1
 * error. */
static int
col_item(pe_emitter *e, const pd_col *c, size_t i, pv **child)
{
    switch (c->kind) {
    case PC_MULTI: {
        pd_tuple *t = pr_arena_alloc(e->a, sizeof(*t), e->err);
        pe_frame *f;
        if (t == NULL || pr_buf_putc(e->out, '[', e->err) != PR_OK)
            return -1;
        t->c = c;
        t->row = i;
        f = pe_push(e, NULL, step_tuple);
        if (f == NULL)
            return -1;
        f->st = t;
        return 2;
    }
    case PC_RANGE: {
        int64_t v = c->start + (int64_t)i * c->rstep;   /* checked */
        return pr_json_i64(e->out, v, e->err) == PR_OK ? 0 : -1;
    }
    case PC_MASKED:
        if (c->b->data[c->b->off + i * c->b->step])
            return PUT_LIT(e, "null") == PR_OK ? 0 : -1;
        return col_item(e, c->a, i, child);
    case PC_CAT: {
        const pd_col *k = c->a;
        uint64_t u = pe_load_u(k->data + k->off + i * k->step,
                               k->dt->itemsize, k->dt->big);
        int sh = 64 - 8 * (int)k->dt->itemsize;
        int64_t code = sh ? (int64_t)(u << sh) >> sh : (int64_t)u;
        if (code < 0 || (uint64_t)code >= c->b->len) {
            pr_code rc = c->missing_nan && code == -1 ? pe_double(e, NAN)
                                                       : PUT_LIT(e, "null");
            return rc == PR_OK ? 0 : -1;
        }
        if (c->as_float)
            return write_as_float(e, c->b, (size_t)code, child);
        return col_item(e, c->b, (size_t)code, child);
    }
    default:
        break;
    }
    if (c->items != NULL) {
        pv *it = c->items[c->off + i * c->step];
        if (is_na(it))
            return PUT_LIT(e, "null") == PR_OK ? 0 : -1;
        *child = it;
        return 1;
    }
    if (c->dt->kind == 'M')
        return write_stamp(e, pe_load_i64(c->data + c->off + i * c->step,
                                          c->dt->big), c->dt->unit,
                           &c->tz) == PR_OK ? 0 : -1;
    return pe_nd_write_item(e, c->dt, c->data + c->off + i * c->step,
                            PE_DTSTYLE_PANDAS) == PR_OK ? 0 : -1;
}

/* ---- reading the pickled arrays -------------------------------------- */

static int parse_index(pe_emitter *e, const pv *v, int nest, pd_col *out,
                       const char **cls);

/* A numpy array as a 1- or 2-D source. */
static int
src_from_nd(const pe_ndarray *nd, pd_src *s)
{
    memset(s, 0, sizeof(*s));
    if (nd->dt->kind == 'V' || nd->ndim < 1 || nd->ndim > 2)
        return 0;
    /* pandas holds datetimes in s, ms, us or ns */
    if (nd->dt->kind == 'M' && (nd->dt->unit < PE_UNIT_s ||
                                nd->dt->unit > PE_UNIT_ns ||
                                nd->dt->unit_num != 1))
        return 0;
    s->col.kind = PC_ND;
    s->col.dt = nd->dt;
    s->col.data = nd->data;
    s->col.items = nd->items;
    if (nd->ndim == 1) {
        s->rows = 1;
        s->col.len = nd->shape[0];
        s->col.step = nd->strides[0];
    } else {
        s->rows = nd->shape[0];
        s->col.len = nd->shape[1];
        s->row_step = nd->strides[0];
        s->col.step = nd->strides[1];
    }
    return 1;
}

static int
is_int_nd(const pe_dtype *dt)
{
    return dt->kind == 'i' || dt->kind == 'u';
}

static int
is_ndarray(const pv *v)
{
    const pv_global *g = pv_obj_global(v);

    return g != NULL && strncmp(g->module, "numpy.", 6) == 0 &&
           (strcmp(g->name, "_reconstruct") == 0 ||
            strcmp(g->name, "_frombuffer") == 0);
}

/* The state tuple of an NDArrayBacked array: (dtype, ndarray, attrs). */
static int
backed_parts(const pv *v, const pv **dtype, const pv **arr)
{
    const pv_obj *o = v->u.o;
    const pv *st = o->args->n == 3 && o->args->u.items[2]->kind != PV_NONE
                   ? o->args->u.items[2] : o->state;

    if (st == NULL)
        return 0;
    if (st->kind == PV_TUPLE && st->n == 1 &&
        st->u.items[0]->kind == PV_DICT)
        st = st->u.items[0];
    if (st->kind == PV_DICT) {
        *arr = pv_dict_get_str(st, "_ndarray");
        if (*arr == NULL)
            *arr = pv_dict_get_str(st, "_data");
        *dtype = pv_dict_get_str(st, "_dtype");
        return *arr != NULL && *dtype != NULL;
    }
    if (st->kind != PV_TUPLE || st->n != 3)
        return 0;
    *dtype = st->u.items[0];
    *arr = st->u.items[1];
    if (is_ndarray(*dtype)) {
        /* pandas accepts the two swapped */
        const pv *t = *dtype;
        *dtype = *arr;
        *arr = t;
    }
    return 1;
}

/* Codes (an int numpy array) into a column of values, -1 missing: a
 * Categorical, or one level of a MultiIndex. */
static int
coded_col(pe_emitter *e, const pv *codes, const pv *values, int nest,
          pd_col *out)
{
    pe_ndarray nd;
    pd_src s;
    pd_col *k, *cats;
    int r;

    if ((r = pe_nd_parse(e, codes, &nd)) != 1)
        return r;
    if (nd.ndim != 1 || nd.items != NULL || nd.dt->kind != 'i' ||
        src_from_nd(&nd, &s) != 1)
        return 0;
    k = pr_arena_calloc(e->a, sizeof(pd_col) * 2, e->err);
    if (k == NULL)
        return -1;
    cats = k + 1;
    if ((r = parse_index(e, values, nest + 1, cats, NULL)) != 1)
        return r;
    *k = s.col;
    /* codes are checked as they are written: a code naming no category
     * is written as null (pandas itself could not have written it) */
    memset(out, 0, sizeof(*out));
    out->kind = PC_CAT;
    out->len = k->len;
    out->a = k;
    out->b = cats;
    /* pandas boxes a missing entry as NaN, NaT for datetime categories */
    out->missing_nan = !(cats->kind == PC_ND && cats->dt != NULL &&
                         (cats->dt->kind == 'M' || cats->dt->kind == 'm'));
    return 1;
}

/* A Categorical: CategoricalDtype({"categories": Index}) and codes. */
static int
parse_categorical(pe_emitter *e, const pv *dtype, const pv *codes,
                  int nest, pd_src *s)
{
    const pv *st, *cv;

    if (!gl_is(new_class(dtype), "pandas.core.dtypes.dtypes",
               "CategoricalDtype"))
        return 0;
    st = dtype->u.o->state;
    cv = st == NULL ? NULL : pv_dict_get_str(st, "categories");
    if (cv == NULL)
        cv = pv_dict_get_str(st, "_categories");
    if (cv == NULL)
        return 0;
    memset(s, 0, sizeof(*s));
    s->rows = 1;
    return coded_col(e, codes, cv, nest, &s->col);
}

/* True when a coded column has a -1 code. */
static int
has_missing(const pd_col *c)
{
    const pd_col *k = c->a;

    for (size_t i = 0; i < k->len; i++)
        if (pe_load_u(k->data + k->off + i * k->step, k->dt->itemsize,
                      k->dt->big) == (UINT64_MAX >> (64 - 8 *
                                                     k->dt->itemsize)))
            return 1;
    return 0;
}

/* A MultiIndex: {"levels": [Index], "codes": [int array]}; each entry
 * is the tuple of its levels' values. */
static int
parse_multi(pe_emitter *e, const pv *d, int nest, pd_col *out)
{
    const pv *lv = pv_dict_get_str(d, "levels");
    const pv *cd = pv_dict_get_str(d, "codes");
    pd_col *levels;
    int r;

    if (lv == NULL || cd == NULL ||
        (lv->kind != PV_LIST && lv->kind != PV_TUPLE) ||
        (cd->kind != PV_LIST && cd->kind != PV_TUPLE) ||
        lv->n != cd->n || lv->n == 0)
        return 0;
    levels = pe_alloc_array(e, lv->n, sizeof(pd_col));
    if (levels == NULL)
        return -1;
    for (uint32_t k = 0; k < lv->n; k++) {
        if ((r = coded_col(e, cd->u.items[k], lv->u.items[k], nest,
                           &levels[k])) != 1)
            return r;
        if (levels[k].len != levels[0].len)
            return 0;
        /* a level with missing entries takes NaN: its ints become floats */
        levels[k].as_float = has_missing(&levels[k]);
    }
    memset(out, 0, sizeof(*out));
    out->kind = PC_MULTI;
    out->len = levels[0].len;
    out->levels = levels;
    out->nlev = lv->n;
    return 1;
}

static const char *
global_name(pe_emitter *e, const pv_global *g)
{
    size_t n = (size_t)g->mlen + g->nlen + 2;
    char *t = pr_arena_alloc(e->a, n, e->err);

    if (t != NULL) {
        memcpy(t, g->module, g->mlen);
        t[g->mlen] = '.';
        memcpy(t + g->mlen + 1, g->name, (size_t)g->nlen + 1);
    }
    return t;
}

/* __pyx_unpickle_NDArrayBacked(cls, checksum, state) + BUILD. */
static int
parse_backed(pe_emitter *e, const pv *v, int nest, pd_src *s,
             const char **cls)
{
    const pv *cv = pe_args(v)->n == 3 ? pe_args(v)->u.items[0] : NULL;
    const pv *dtype, *arr;
    pe_ndarray nd;
    const char *name;
    int r;

    if (cv == NULL || cv->kind != PV_GLOBAL || !backed_parts(v, &dtype, &arr))
        return 0;
    name = cv->u.g->name;
    if (cls != NULL)
        *cls = NULL;
    if (strcmp(cv->u.g->module, "pandas.core.arrays.categorical") == 0 &&
        strcmp(name, "Categorical") == 0) {
        r = parse_categorical(e, dtype, arr, nest, s);
    } else {
        if ((r = pe_nd_parse(e, arr, &nd)) != 1 ||
            (r = src_from_nd(&nd, s)) != 1)
            return r;
        if (strcmp(name, "DatetimeArray") == 0) {
            if (nd.dt->kind != 'M')
                return 0;
            if (gl_is(new_class(dtype), "pandas.core.dtypes.dtypes",
                      "DatetimeTZDtype")) {
                const pv *tz = pv_dict_get_str(dtype->u.o->state, "tz");
                if (tz == NULL || tz->kind == PV_NONE ||
                    !parse_tz(tz, &s->col.tz))
                    return 0;
                /* a dtype's pytz zone carries its first (LMT) offset,
                 * which says nothing about the instants in the array */
                s->col.tz.has_carried = 0;
            }
        } else if (strcmp(name, "TimedeltaArray") == 0) {
            if (nd.dt->kind != 'm')
                return 0;
        } else if (strcmp(name, "StringArray") == 0) {
            if (nd.items == NULL)
                return 0;
        } else if (strcmp(name, "PandasArray") != 0 &&
                   strcmp(name, "NumpyExtensionArray") != 0) {
            return 0;
        }
    }
    if (r == 1 && cls != NULL && (*cls = global_name(e, cv->u.g)) == NULL)
        return -1;
    return r;
}

static const char *const masked_names[][2] = {
    { "pandas.core.arrays.integer", "IntegerArray" },
    { "pandas.core.arrays.floating", "FloatingArray" },
    { "pandas.core.arrays.boolean", "BooleanArray" },
};

static int
is_masked_class(const pv_global *g)
{
    for (size_t i = 0; i < sizeof(masked_names) / sizeof(masked_names[0]);
         i++)
        if (gl_is(g, masked_names[i][0], masked_names[i][1]))
            return 1;
    return 0;
}

/* IntegerArray / FloatingArray / BooleanArray: {'_data', '_mask'}. */
static int
parse_masked(pe_emitter *e, const pv *v, pd_src *s)
{
    const pv *st;
    pe_ndarray dn, mn;
    pd_src ds, ms;
    pd_col *c;
    int r;

    if (!is_masked_class(new_class(v)))
        return 0;
    st = v->u.o->state;
    if (st == NULL || st->kind != PV_DICT)
        return 0;
    if ((r = pe_nd_parse(e, pv_dict_get_str(st, "_data"), &dn)) != 1 ||
        (r = pe_nd_parse(e, pv_dict_get_str(st, "_mask"), &mn)) != 1)
        return r;
    if (dn.ndim != 1 || mn.ndim != 1 || dn.items != NULL ||
        mn.dt->kind != 'b' || src_from_nd(&dn, &ds) != 1 ||
        src_from_nd(&mn, &ms) != 1 || ds.col.len != ms.col.len ||
        !(dn.dt->kind == 'i' || dn.dt->kind == 'u' || dn.dt->kind == 'f' ||
          dn.dt->kind == 'b'))
        return 0;
    c = pr_arena_calloc(e->a, sizeof(pd_col) * 2, e->err);
    if (c == NULL)
        return -1;
    c[0] = ds.col;
    c[1] = ms.col;
    memset(s, 0, sizeof(*s));
    s->col.kind = PC_MASKED;
    s->col.len = ds.col.len;
    s->col.a = &c[0];
    s->col.b = &c[1];
    s->rows = 1;
    return 1;
}

/* Block values or an Index's data: numpy array or extension array. */
static int
parse_values(pe_emitter *e, const pv *v, int nest, pd_src *s,
             const char **cls)
{
    const pv_global *g = pv_obj_global(v);
    pe_ndarray nd;
    int r;

    if (cls != NULL)
        *cls = NULL;
    if (g == NULL || nest > PD_MAX_NEST)
        return 0;
    if (gl_is(g, "pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked") &&
        v->u.o->how == PVH_REDUCE)
        return parse_backed(e, v, nest, s, cls);
    if (is_masked_class(new_class(v)))
        return parse_masked(e, v, s);
    if ((r = pe_nd_parse(e, v, &nd)) != 1)
        return r;
    return src_from_nd(&nd, s);
}

/* A 1-D column from values. */
static int
parse_column(pe_emitter *e, const pv *v, int nest, pd_col *out)
{
    pd_src s;
    int r = parse_values(e, v, nest, &s, NULL);

    if (r != 1)
        return r;
    if (s.rows != 1)
        return 0;
    *out = s.col;
    return 1;
}

static int
range_len(int64_t start, int64_t stop, int64_t step, size_t *n)
{
    __int128 span, len;

    if (step == 0)
        return 0;
    span = (__int128)stop - start;
    if (step > 0)
        len = span <= 0 ? 0 : (span + step - 1) / step;
    else
        len = span >= 0 ? 0 : (-span + (-(__int128)step) - 1) /
                              (-(__int128)step);
    if (len > (__int128)INT64_MAX)
        return 0;
    *n = (size_t)len;
    return 1;
}

/* _new_Index(cls, {...}) and _new_DatetimeIndex(cls, {...}). */
static int
parse_index(pe_emitter *e, const pv *v, int nest, pd_col *out,
            const char **cls)
{
    const pv_global *g = pv_obj_global(v);
    const pv *a, *d, *cv;
    int r;

    if (g == NULL || nest > PD_MAX_NEST || v->u.o->how != PVH_REDUCE ||
        v->u.o->state != NULL)
        return 0;
    a = v->u.o->args;
    if (a->n != 2 || a->u.items[0]->kind != PV_GLOBAL ||
        a->u.items[1]->kind != PV_DICT)
        return 0;
    cv = a->u.items[0];
    d = a->u.items[1];
    memset(out, 0, sizeof(*out));
    if (gl_is(g, "pandas.core.indexes.base", "_new_Index") &&
        gl_is(cv->u.g, "pandas.core.indexes.range", "RangeIndex")) {
        int64_t start, stop, step;
        if (!pe_as_i64(pv_dict_get_str(d, "start"), &start) ||
            !pe_as_i64(pv_dict_get_str(d, "stop"), &stop) ||
            !pe_as_i64(pv_dict_get_str(d, "step"), &step) ||
            !range_len(start, stop, step, &out->len))
            return 0;
        out->kind = PC_RANGE;
        out->start = start;
        out->rstep = step;
    } else if (gl_is(g, "pandas.core.indexes.base", "_new_Index") ||
               gl_is(g, "pandas.core.indexes.datetimes",
                     "_new_DatetimeIndex")) {
        const char *n = cv->u.g->name;
        if (strcmp(n, "MultiIndex") == 0) {
            /* levels of levels would multiply the work at each level */
            if (nest > 0)
                return 0;
            if ((r = parse_multi(e, d, nest, out)) != 1)
                return r;
        } else if (strcmp(n, "PeriodIndex") == 0 ||
                   strcmp(n, "IntervalIndex") == 0) {
            return 0;
        } else {
            if ((r = parse_column(e, pv_dict_get_str(d, "data"), nest,
                                  out)) != 1)
                return r;
            /* old pandas kept the zone beside UTC data */
            if (out->kind == PC_ND && out->dt != NULL &&
                out->dt->kind == 'M' && out->tz.kind == PD_TZ_NONE) {
                const pv *tz = pv_dict_get_str(d, "tz");
                if (tz != NULL && !parse_tz(tz, &out->tz))
                    return 0;
                out->tz.has_carried = 0;
            }
        }
    } else {
        return 0;
    }
    if (cls != NULL && (*cls = global_name(e, cv->u.g)) == NULL)
        return -1;
    return 1;
}

/* Checks that a named zone resolves before anything is written. */
static int
check_zone(pe_emitter *e, const pd_col *c)
{
    int32_t off;

    while (c->kind == PC_CAT || c->kind == PC_MASKED)
        c = c->kind == PC_CAT ? c->b : c->a;
    if (c->kind == PC_MULTI) {
        /* nesting is bounded by PD_MAX_NEST at parse time */
        for (uint32_t k = 0; k < c->nlev; k++) {
            int r = check_zone(e, &c->levels[k]);
            if (r != 1)
                return r;
        }
        return 1;
    }
    if (c->kind != PC_ND || c->tz.kind != PD_TZ_NAMED)
        return 1;
    return tz_offset(e, &c->tz, 0, &off);
}

/* ---- frames ---------------------------------------------------------- */

typedef struct pd_list {
    const pd_col *c;
    size_t i;
} pd_list;

static int
step_list(pe_emitter *e, pe_frame *f, pv **child)
{
    pd_list *l = f->st;

    while (l->i < l->c->len) {
        int r;
        if (l->i > 0 && pr_buf_putc(e->out, ',', e->err) != PR_OK)
            return PE_ERROR;
        f->tok_is_key = 0;
        f->tok_index = l->i;
        r = col_item(e, l->c, l->i++, child);
        if (r < 0)
            return PE_ERROR;
        if (r > 0)
            return r == 1 ? PE_CHILD : PE_PUSHED;
    }
    if (pr_buf_putc(e->out, ']', e->err) != PR_OK)
        return PE_ERROR;
    return PE_DONE;
}

static int
push_list(pe_emitter *e, pv *owner, const pd_col *c)
{
    pd_list *l = pr_arena_calloc(e->a, sizeof(*l), e->err);
    pe_frame *f;

    if (l == NULL || pr_buf_putc(e->out, '[', e->err) != PR_OK)
        return PE_ERROR;
    l->c = c;
    f = pe_push(e, owner, step_list);
    if (f == NULL)
        return PE_ERROR;
    f->st = l;
    return PE_PUSHED;
}

/* A DataFrame or Series being written. */
typedef struct pd_obj {
    int form;               /* PD_LIST, PD_RECORDS, PD_SPLIT, PD_SERIES */
    const char *cls;        /* typed: envelope class, else NULL */
    uint8_t phase;
    const pd_col *data;     /* PD_LIST, PD_SERIES */
    const pd_col *index;    /* PD_SPLIT, PD_SERIES */
    const pd_col *columns;  /* PD_SPLIT */
    pv *name;               /* PD_SERIES (NULL: None) */
    const pd_col *cols;     /* DataFrame cells by column */
    pv **names;             /* PD_RECORDS: the column names */
    uint32_t ncols;
    size_t nrows, row, next;
} pd_obj;

enum { PD_LIST = 0, PD_RECORDS, PD_SPLIT, PD_SERIES };

static int
step_row(pe_emitter *e, pe_frame *f, pv **child)
{
    pd_obj *o = f->st;
    int rec = o->form == PD_RECORDS;

    while (f->i < o->ncols) {
        uint32_t j = f->i++;
        int r;
        if (j > 0 && pr_buf_putc(e->out, ',', e->err) != PR_OK)
            return PE_ERROR;
        if (rec) {
            const pv *k = o->names[j];
            if (pe_str(e, (const char *)k->u.p, k->n) != PR_OK ||
                pr_buf_putc(e->out, ':', e->err) != PR_OK)
                return PE_ERROR;
            f->tok_is_key = 1;
            f->tok = (const char *)k->u.p;
            f->tok_len = k->n;
        } else {
            f->tok_is_key = 0;
            f->tok_index = j;
        }
        r = col_item(e, &o->cols[j], o->row, child);
        if (r < 0)
            return PE_ERROR;
        if (r > 0)
            return r == 1 ? PE_CHILD : PE_PUSHED;
    }
    if (pr_buf_putc(e->out, rec ? '}' : ']', e->err) != PR_OK)
        return PE_ERROR;
    return PE_DONE;
}

static int
step_rows(pe_emitter *e, pe_frame *f, pv **child)
{
    pd_obj *o = f->st;
    pe_frame *nf;

    (void)child;
    if (o->next == o->nrows) {
        if (pr_buf_putc(e->out, ']', e->err) != PR_OK)
            return PE_ERROR;
        return PE_DONE;
    }
    if (o->next > 0 && pr_buf_putc(e->out, ',', e->err) != PR_OK)
        return PE_ERROR;
    f->tok_is_key = 0;
    f->tok_index = o->next;
    o->row = o->next++;
    if (pr_buf_putc(e->out, o->form == PD_RECORDS ? '{' : '[', e->err)
        != PR_OK)
        return PE_ERROR;
    nf = pe_push(e, NULL, step_row);
    if (nf == NULL)
        return PE_ERROR;
    nf->st = o;
    return PE_PUSHED;
}

static int
push_rows(pe_emitter *e, pv *owner, pd_obj *o)
{
    pe_frame *f;

    if (pr_buf_putc(e->out, '[', e->err) != PR_OK)
        return PE_ERROR;
    o->next = 0;
    f = pe_push(e, owner, step_rows);
    if (f == NULL)
        return PE_ERROR;
    f->st = o;
    return PE_PUSHED;
}

static int
set_key(pe_frame *f, const char *k)
{
    f->tok_is_key = 1;
    f->tok = k;
    f->tok_len = (uint32_t)strlen(k);
    return 0;
}

/* The split forms: {"__class__", "columns"|"name", "index", "data"}. */
static int
step_split(pe_emitter *e, pe_frame *f, pv **child)
{
    pd_obj *o = f->st;
    int series = o->form == PD_SERIES;

    switch (o->phase++) {
    case 0:
        if ((series ? PUT_LIT(e, "\"__class__\":\"pandas.core.series."
                              "Series\",\"name\":")
                    : PUT_LIT(e, "\"__class__\":\"pandas.core.frame."
                              "DataFrame\",\"columns\":")) != PR_OK)
            return PE_ERROR;
        if (series) {
            set_key(f, "name");
            if (o->name != NULL && !is_na(o->name)) {
                *child = o->name;
                return PE_CHILD;
            }
            if (PUT_LIT(e, "null") != PR_OK)
                return PE_ERROR;
            return step_split(e, f, child);
        }
        set_key(f, "columns");
        return push_list(e, NULL, o->columns);
    case 1:
        if (PUT_LIT(e, ",\"index\":") != PR_OK)
            return PE_ERROR;
        set_key(f, "index");
        return push_list(e, NULL, o->index);
    case 2:
        if (PUT_LIT(e, ",\"data\":") != PR_OK)
            return PE_ERROR;
        set_key(f, "data");
        return series ? push_list(e, NULL, o->data) : push_rows(e, NULL, o);
    default:
        if (pr_buf_putc(e->out, '}', e->err) != PR_OK)
            return PE_ERROR;
        return PE_DONE;
    }
}

static int
open_obj(pe_emitter *e, pv *owner, pd_obj *o)
{
    pe_frame *f;

    switch (o->form) {
    case PD_LIST:
        return push_list(e, owner, o->data);
    case PD_RECORDS:
        return push_rows(e, owner, o);
    default:
        if (pr_buf_putc(e->out, '{', e->err) != PR_OK)
            return PE_ERROR;
        o->phase = 0;
        f = pe_push(e, owner, step_split);
        if (f == NULL)
            return PE_ERROR;
        f->st = o;
        return PE_PUSHED;
    }
}

static int
step_envelope(pe_emitter *e, pe_frame *f, pv **child)
{
    pd_obj *o = f->st;

    (void)child;
    if (f->i++ == 0) {
        set_key(f, "data");
        return open_obj(e, NULL, o);
    }
    if (pr_buf_putc(e->out, '}', e->err) != PR_OK)
        return PE_ERROR;
    return PE_DONE;
}

/* Writes o, typed inside {"__class__": cls, "data": ...}.  1 or -1. */
static int
emit_obj(pe_emitter *e, pv *owner, pd_obj *o)
{
    pe_frame *f;

    if (o->cls == NULL)
        return open_obj(e, owner, o) == PE_ERROR ? -1 : 1;
    if (PUT_LIT(e, "{\"__class__\":") != PR_OK ||
        pe_cstr(e, o->cls) != PR_OK || PUT_LIT(e, ",\"data\":") != PR_OK)
        return -1;
    f = pe_push(e, owner, step_envelope);
    if (f == NULL)
        return -1;
    f->st = o;
    f->plain = 1;
    return 1;
}

static pd_obj *
new_obj(pe_emitter *e, int form, const char *cls)
{
    pd_obj *o = pr_arena_calloc(e->a, sizeof(*o), e->err);

    if (o != NULL) {
        o->form = form;
        o->cls = pe_typed(e) ? cls : NULL;
    }
    return o;
}

/* A 1-D column written as an array (Index, Categorical, arrays). */
static int
emit_column(pe_emitter *e, pv *v, const pd_col *c, const char *cls)
{
    pd_obj *o;
    pd_col *copy;
    int r = check_zone(e, c);

    if (r != 1)
        return r;
    copy = pr_arena_alloc(e->a, sizeof(*copy), e->err);
    o = new_obj(e, PD_LIST, cls);
    if (copy == NULL || o == NULL)
        return -1;
    *copy = *c;
    o->data = copy;
    return emit_obj(e, v, o);
}

/* ---- block managers -------------------------------------------------- */

/*
 * Column positions of a block: slice(start, stop, step) or an int array.
 * With out == NULL only counts them (*n), allocating nothing: a count
 * is checked against the data before an array of that size is made.
 */
static int
parse_locs(pe_emitter *e, const pv *p, size_t ncols, size_t **out,
           size_t *n)
{
    const pv_global *g = pv_obj_global(p);
    size_t *locs;

    if (gl_is(g, "builtins", "slice")) {
        const pv *a = pe_args(p);
        int64_t start = 0, stop, step = 1;
        size_t cnt;
        if (a->n != 3 || (a->u.items[0]->kind != PV_NONE &&
                          !pe_as_i64(a->u.items[0], &start)) ||
            !pe_as_i64(a->u.items[1], &stop) ||
            (a->u.items[2]->kind != PV_NONE &&
             !pe_as_i64(a->u.items[2], &step)) ||
            start < 0 || stop < 0 || step <= 0 ||
            !range_len(start, stop, step, &cnt) || cnt > ncols)
            return 0;
        /* the last position is below stop: all of them are < ncols */
        if (cnt > 0 && (uint64_t)start + (uint64_t)(cnt - 1) *
                       (uint64_t)step >= ncols)
            return 0;
        *n = cnt;
        if (out == NULL)
            return 1;
        if ((locs = pe_alloc_array(e, cnt, sizeof(size_t))) == NULL)
            return -1;
        for (size_t i = 0; i < cnt; i++)
            locs[i] = (size_t)start + i * (size_t)step;
        *out = locs;
        return 1;
    } else {
        pe_ndarray nd;
        int r = pe_nd_parse(e, p, &nd);
        if (r != 1)
            return r;
        if (nd.ndim != 1 || nd.items != NULL || !is_int_nd(nd.dt) ||
            nd.count > ncols)
            return 0;
        *n = nd.count;
        if (out == NULL)
            return 1;
        if ((locs = pe_alloc_array(e, nd.count, sizeof(size_t))) == NULL)
            return -1;
        for (size_t i = 0; i < nd.count; i++) {
            const uint8_t *q = nd.data + i * nd.strides[0];
            uint64_t u = pe_load_u(q, nd.dt->itemsize, nd.dt->big);
            int sh = 64 - 8 * (int)nd.dt->itemsize;
            int64_t x = nd.dt->kind == 'u' ? (int64_t)u :
                        sh ? (int64_t)(u << sh) >> sh : (int64_t)u;
            if (x < 0 || (uint64_t)x >= ncols ||
                (nd.dt->kind == 'u' && u > (uint64_t)INT64_MAX))
                return 0;
            locs[i] = (size_t)x;
        }
        *out = locs;
        return 1;
    }
}

/* One block: its values and placement. */
typedef struct pd_block {
    const pv *values;
    const pv *locs;
} pd_block;

/* Blocks and axes of a BlockManager in either pickled form. */
static int
manager_parts(const pv *mgr, pd_block **blocks, uint32_t *nblocks,
              const pv **axes, pe_emitter *e)
{
    const pv_global *g = pv_obj_global(mgr), *nc = new_class(mgr);
    const pv *bl;
    pd_block *b;

    if (nc != NULL) {
        if (strcmp(nc->module, "pandas.core.internals.managers") != 0)
            return 0;
    } else if (g != NULL && mgr->u.o->how == PVH_REDUCE &&
               gl_is(g, "pandas.core.internals.managers", "BlockManager")) {
        /* BlockManager(blocks, axes) with _unpickle_block(v, locs, nd) */
        const pv *a = pe_args(mgr);
        if (a->n != 2 || mgr->u.o->state != NULL)
            return 0;
        bl = a->u.items[0];
        *axes = a->u.items[1];
        if (bl->kind != PV_TUPLE && bl->kind != PV_LIST)
            return 0;
        b = pe_alloc_array(e, bl->n, sizeof(pd_block));
        if (b == NULL)
            return -1;
        for (uint32_t i = 0; i < bl->n; i++) {
            const pv *u = bl->u.items[i];
            const pv *ua;
            if (!gl_is(pv_obj_global(u), "pandas._libs.internals",
                       "_unpickle_block") || u->u.o->how != PVH_REDUCE)
                return 0;
            ua = pe_args(u);
            if (ua->n != 3)
                return 0;
            b[i].values = ua->u.items[0];
            b[i].locs = ua->u.items[1];
        }
    } else {
        return 0;
    }
    if (nc != NULL) {
        /* (axes, values, items, {"0.14.1": {"axes", "blocks"}}) */
        const pv *st = mgr->u.o->state, *x;
        if (st == NULL ||
            st->kind != PV_TUPLE || st->n != 4)
            return 0;
        x = pv_dict_get_str(st->u.items[3], "0.14.1");
        if (x == NULL)
            return 0;
        *axes = pv_dict_get_str(x, "axes");
        bl = pv_dict_get_str(x, "blocks");
        if (*axes == NULL || bl == NULL || bl->kind != PV_LIST)
            return 0;
        b = pe_alloc_array(e, bl->n, sizeof(pd_block));
        if (b == NULL)
            return -1;
        for (uint32_t i = 0; i < bl->n; i++) {
            b[i].values = pv_dict_get_str(bl->u.items[i], "values");
            b[i].locs = pv_dict_get_str(bl->u.items[i], "mgr_locs");
            if (b[i].values == NULL || b[i].locs == NULL)
                return 0;
        }
    }
    if ((*axes)->kind != PV_LIST && (*axes)->kind != PV_TUPLE)
        return 0;
    *blocks = b;
    *nblocks = bl->n;
    return 1;
}

/* Unique str names (no latin-1 text): records can use them as keys. */
static int
cmp_name(const void *x, const void *y)
{
    const pv *a = *(const pv *const *)x, *b = *(const pv *const *)y;
    uint32_t n = a->n < b->n ? a->n : b->n;
    int c = n ? memcmp(a->u.p, b->u.p, n) : 0;

    return c ? c : (a->n > b->n) - (a->n < b->n);
}

static int
unique_str_names(pe_emitter *e, const pd_col *c, pv ***out)
{
    pv **names, **sorted;

    if (c->len == 0) {
        *out = NULL;        /* no columns: vacuously unique strings */
        return 1;
    }
    if (c->kind != PC_ND || c->items == NULL)
        return 0;
    names = pe_alloc_array(e, c->len, sizeof(pv *));
    sorted = pe_alloc_array(e, c->len, sizeof(pv *));
    if (names == NULL || sorted == NULL)
        return -1;
    for (size_t i = 0; i < c->len; i++) {
        pv *k = c->items[c->off + i * c->step];
        if (k->kind != PV_STR || (k->flags & PVF_LATIN1))
            return 0;
        names[i] = sorted[i] = k;
    }
    qsort(sorted, c->len, sizeof(pv *), cmp_name);
    for (size_t i = 1; i < c->len; i++)
        if (cmp_name(&sorted[i - 1], &sorted[i]) == 0)
            return 0;
    *out = names;
    return 1;
}

static int
is_default_range(const pd_col *c, size_t n)
{
    return c->kind == PC_RANGE && c->start == 0 && c->rstep == 1 &&
           c->len == n;
}

static int
rec_dataframe(pe_emitter *e, pv *v, const pv_global *g)
{
    const pv *st, *mgr, *axes;
    pd_block *blocks;
    uint32_t nblocks;
    pd_col *cols, *colix, *rowix;
    uint8_t *seen;
    size_t total = 0;
    pd_obj *o;
    int r;

    (void)g;
    if (v->kind != PV_OBJ)
        return 0;
    st = v->u.o->state;
    if (!gl_is(new_class(v), "pandas.core.frame", "DataFrame") ||
        st == NULL || st->kind != PV_DICT)
        return 0;
    mgr = pv_dict_get_str(st, "_mgr");
    if (mgr == NULL)
        mgr = pv_dict_get_str(st, "_data");
    if (mgr == NULL ||
        (r = manager_parts(mgr, &blocks, &nblocks, &axes, e)) != 1)
        return mgr == NULL ? 0 : r;
    if (axes->n != 2)
        return 0;
    colix = pr_arena_calloc(e->a, sizeof(pd_col) * 2, e->err);
    if (colix == NULL)
        return -1;
    rowix = colix + 1;
    if ((r = parse_index(e, axes->u.items[0], 0, colix, NULL)) != 1 ||
        (r = parse_index(e, axes->u.items[1], 0, rowix, NULL)) != 1)
        return r;
    if (colix->len > UINT32_MAX)
        return 0;
    /* the blocks must place exactly one column at each position */
    for (uint32_t b = 0; b < nblocks; b++) {
        size_t n;
        if ((r = parse_locs(e, blocks[b].locs, colix->len, NULL, &n)) != 1)
            return r;
        total += n;         /* n <= colix->len <= UINT32_MAX */
        if (total > colix->len)
            return 0;
    }
    if (total != colix->len)
        return 0;
    cols = pe_alloc_array(e, total, sizeof(pd_col));
    seen = pe_alloc_array(e, total, 1);
    if (cols == NULL || seen == NULL)
        return -1;
    for (uint32_t b = 0; b < nblocks; b++) {
        size_t *locs, n;
        pd_src s;
        if ((r = parse_locs(e, blocks[b].locs, colix->len, NULL, &n)) != 1 ||
            (r = parse_values(e, blocks[b].values, 0, &s, NULL)) != 1)
            return r;
        if (s.rows != n || s.col.len != rowix->len ||
            (r = parse_locs(e, blocks[b].locs, colix->len, &locs, &n)) != 1)
            return r == 1 ? 0 : r;
        for (size_t k = 0; k < n; k++) {
            if (seen[locs[k]])
                return 0;
            seen[locs[k]] = 1;
            cols[locs[k]] = s.col;
            cols[locs[k]].off += k * s.row_step;
            if ((r = check_zone(e, &cols[locs[k]])) != 1)
                return r;
        }
    }
    if ((r = check_zone(e, colix)) != 1 || (r = check_zone(e, rowix)) != 1)
        return r;
    o = new_obj(e, PD_SPLIT, "pandas.core.frame.DataFrame");
    if (o == NULL)
        return -1;
    o->cols = cols;
    o->ncols = (uint32_t)colix->len;
    o->nrows = rowix->len;
    o->columns = colix;
    o->index = rowix;
    if (is_default_range(rowix, rowix->len)) {
        r = unique_str_names(e, colix, &o->names);
        if (r < 0)
            return -1;
        if (r == 1)
            o->form = PD_RECORDS;
    }
    return emit_obj(e, v, o);
}

static int
rec_series(pe_emitter *e, pv *v, const pv_global *g)
{
    const pv *st, *mgr, *axes;
    pd_block *blocks;
    uint32_t nblocks;
    pd_col *c;
    pd_obj *o;
    pv *name;
    int r;

    (void)g;
    if (v->kind != PV_OBJ)
        return 0;
    st = v->u.o->state;
    if (!gl_is(new_class(v), "pandas.core.series", "Series") ||
        st == NULL || st->kind != PV_DICT)
        return 0;
    mgr = pv_dict_get_str(st, "_mgr");
    if (mgr == NULL)
        mgr = pv_dict_get_str(st, "_data");
    if (mgr == NULL ||
        (r = manager_parts(mgr, &blocks, &nblocks, &axes, e)) != 1)
        return mgr == NULL ? 0 : r;
    if (axes->n != 1 || nblocks != 1)
        return 0;
    c = pr_arena_calloc(e->a, sizeof(pd_col) * 2, e->err);
    if (c == NULL)
        return -1;
    if ((r = parse_index(e, axes->u.items[0], 0, &c[0], NULL)) != 1 ||
        (r = parse_column(e, blocks[0].values, 0, &c[1])) != 1)
        return r;
    if (c[1].len != c[0].len)
        return 0;
    if ((r = check_zone(e, &c[0])) != 1 || (r = check_zone(e, &c[1])) != 1)
        return r;
    name = pv_dict_get_str(st, "_name");
    if (name == NULL)
        name = pv_dict_get_str(st, "name");
    o = new_obj(e, is_default_range(&c[0], c[1].len) ? PD_LIST : PD_SERIES,
                "pandas.core.series.Series");
    if (o == NULL)
        return -1;
    o->index = &c[0];
    o->data = &c[1];
    o->name = name;
    return emit_obj(e, v, o);
}

static int
rec_index(pe_emitter *e, pv *v, const pv_global *g)
{
    pd_col c;
    const char *cls;
    int r;

    (void)g;
    if ((r = parse_index(e, v, 0, &c, &cls)) != 1)
        return r;
    return emit_column(e, v, &c, cls);
}

static int
rec_backed(pe_emitter *e, pv *v, const pv_global *g)
{
    pd_src s;
    const char *cls;
    int r;

    (void)g;
    if (v->kind != PV_OBJ || v->u.o->how != PVH_REDUCE)
        return 0;
    if ((r = parse_backed(e, v, 0, &s, &cls)) != 1)
        return r;
    if (s.rows != 1)
        return 0;
    return emit_column(e, v, &s.col, cls);
}

static int
rec_masked(pe_emitter *e, pv *v, const pv_global *g)
{
    pd_src s;
    const char *cls;
    int r;

    if ((r = parse_masked(e, v, &s)) != 1)
        return r;
    (void)g;
    if ((cls = global_name(e, new_class(v))) == NULL)
        return -1;
    return emit_column(e, v, &s.col, cls);
}

/* ---- scalars --------------------------------------------------------- */

static int
write_scalar(pe_emitter *e, const char *cls, const char *s, size_t n)
{
    int typed = pe_typed(e);

    if (typed && (PUT_LIT(e, "{\"__class__\":") != PR_OK ||
                  pe_cstr(e, cls) != PR_OK ||
                  PUT_LIT(e, ",\"data\":") != PR_OK))
        return -1;
    if ((s == NULL ? PUT_LIT(e, "null") : pe_str(e, s, n)) != PR_OK)
        return -1;
    if (typed && pr_buf_putc(e->out, '}', e->err) != PR_OK)
        return -1;
    return 1;
}

/* _unpickle_timestamp(value, freq, tz[, reso]) */
static int
rec_timestamp(pe_emitter *e, pv *v, const pv_global *g)
{
    const pv *a;
    int64_t value, reso = PE_UNIT_ns;
    pd_tz tz;
    int typed = pe_typed(e);

    (void)g;
    if (v->kind != PV_OBJ)
        return 0;
    a = pe_args(v);
    if (v->u.o->how != PVH_REDUCE || v->u.o->state != NULL ||
        (a->n != 3 && a->n != 4) || !pe_as_i64(a->u.items[0], &value) ||
        a->u.items[0]->kind != PV_INT ||
        (a->n == 4 && !pe_as_i64(a->u.items[3], &reso)) ||
        reso < PE_UNIT_s || reso > PE_UNIT_ns || value == PE_NAT ||
        !parse_tz(a->u.items[2], &tz))
        return 0;
    if (tz.kind == PD_TZ_NAMED) {
        int32_t off;
        int r = tz_offset(e, &tz, 0, &off);
        if (r != 1)
            return r;
    }
    if (typed && PUT_LIT(e, "{\"__class__\":\"pandas._libs.tslibs."
                         "timestamps.Timestamp\",\"data\":") != PR_OK)
        return -1;
    if (write_stamp(e, value, (int)reso, &tz) != PR_OK)
        return -1;
    if (typed && pr_buf_putc(e->out, '}', e->err) != PR_OK)
        return -1;
    return 1;
}

/* _timedelta_unpickle(value, reso) */
static int
rec_timedelta(pe_emitter *e, pv *v, const pv_global *g)
{
    const pv *a;
    int64_t value, reso = PE_UNIT_ns;
    int typed = pe_typed(e);

    (void)g;
    if (v->kind != PV_OBJ)
        return 0;
    a = pe_args(v);
    if (v->u.o->how != PVH_REDUCE || v->u.o->state != NULL ||
        (a->n != 1 && a->n != 2) || a->u.items[0]->kind != PV_INT ||
        (a->n == 2 && !pe_as_i64(a->u.items[1], &reso)) ||
        reso < PE_UNIT_s || reso > PE_UNIT_ns)
        return 0;
    value = a->u.items[0]->u.i;
    if (typed && PUT_LIT(e, "{\"__class__\":\"pandas._libs.tslibs."
                         "timedeltas.Timedelta\",\"data\":") != PR_OK)
        return -1;
    if (pe_write_timedelta(e, value, (int)reso, 1) != PR_OK)
        return -1;
    if (typed && pr_buf_putc(e->out, '}', e->err) != PR_OK)
        return -1;
    return 1;
}

static int
rec_nat(pe_emitter *e, pv *v, const pv_global *g)
{
    (void)g;
    if (v->kind != PV_OBJ || v->u.o->how != PVH_REDUCE ||
        v->u.o->state != NULL)
        return 0;
    return write_scalar(e, "pandas._libs.tslibs.nattype.NaTType", NULL, 0);
}

/* pd.NA is pickled as the global itself. */
static int
rec_na(pe_emitter *e, pv *v, const pv_global *g)
{
    (void)g;
    if (v->kind != PV_GLOBAL)
        return 0;
    return write_scalar(e, "pandas._libs.missing.NAType", NULL, 0);
}

const pe_rec pe_rec_pandas[] = {
    { "pandas.core.frame", "DataFrame", rec_dataframe },
    { "pandas.core.series", "Series", rec_series },
    { "pandas.core.indexes.base", "_new_Index", rec_index },
    { "pandas.core.indexes.datetimes", "_new_DatetimeIndex", rec_index },
    { "pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked", rec_backed },
    { "pandas.core.arrays.integer", "IntegerArray", rec_masked },
    { "pandas.core.arrays.floating", "FloatingArray", rec_masked },
    { "pandas.core.arrays.boolean", "BooleanArray", rec_masked },
    { "pandas._libs.tslibs.timestamps", "_unpickle_timestamp",
      rec_timestamp },
    { "pandas._libs.tslibs.timedeltas", "_timedelta_unpickle",
      rec_timedelta },
    { "pandas._libs.tslibs.nattype", "__nat_unpickle", rec_nat },
    { "pandas._libs.missing", "NA", rec_na },
    { NULL, NULL, NULL }
};
