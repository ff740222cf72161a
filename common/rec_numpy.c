/*
 * rec_numpy.c - recognisers for numpy arrays and scalars.
 *
 * An array becomes nested JSON arrays in logical (C) order whatever its
 * memory order; its items are written straight from the pickled buffer
 * by one frame per dimension, so a million-element array costs a handful
 * of frames, not a million values.  Only object arrays hand their items
 * back to the emitter, which renders them like any other value.  Every
 * shape check lives in ndarray.c; anything that does not add up is left
 * to the generic rendering.
 */
#include <string.h>

#include "ndarray.h"

/* One array being written: the view plus a cursor per dimension. */
typedef struct nd_walk nd_walk;

typedef struct nd_dim {
    nd_walk *w;
    uint32_t dim;
    size_t i;               /* next index in this dimension */
    size_t off;             /* byte (or item) offset of this sub-array */
} nd_dim;

struct nd_walk {
    pe_ndarray nd;
    int dtstyle;
    uint8_t started;        /* the envelope frame has opened the body */
    nd_dim *dims;
};

static int step_dim(pe_emitter *e, pe_frame *f, pv **child);

/* A structured item of an array holding objects: pickled as a tuple of
 * its field values, written as an object keyed by the field names. */
static int
step_struct_obj(pe_emitter *e, pe_frame *f, pv **child)
{
    const pe_dtype *dt = f->st;
    const pe_dfield *fl;

    if (f->i == f->n) {
        if (pr_buf_putc(e->out, '}', e->err) != PR_OK)
            return PE_ERROR;
        return PE_DONE;
    }
    fl = &dt->fields[f->i];
    if ((f->i > 0 && pr_buf_putc(e->out, ',', e->err) != PR_OK) ||
        pe_str(e, fl->name, fl->name_len) != PR_OK ||
        pr_buf_putc(e->out, ':', e->err) != PR_OK)
        return PE_ERROR;
    f->tok_is_key = 1;
    f->tok = fl->name;
    f->tok_len = fl->name_len;
    *child = f->items[f->i++];
    return PE_CHILD;
}

/* Hands back (or, for structured items, opens) object item k. */
static int
object_item(pe_emitter *e, const pe_ndarray *nd, size_t k, pv **child)
{
    pe_frame *nf;
    pv *it = nd->items[k];

    /* a structured item that is not a tuple of its fields is written as
     * whatever it is */
    if (nd->dt->kind != 'V' || it->kind != PV_TUPLE ||
        it->n != nd->dt->nfields) {
        *child = it;
        return PE_CHILD;
    }
    if (pr_buf_putc(e->out, '{', e->err) != PR_OK)
        return PE_ERROR;
    nf = pe_push(e, NULL, step_struct_obj);
    if (nf == NULL)
        return PE_ERROR;
    nf->st = (void *)nd->dt;
    nf->items = it->u.items;
    nf->n = nd->dt->nfields;
    return PE_PUSHED;
}

/* Opens the sub-array of dimension d+1 at index ds->i of dimension d. */
static int
open_subarray(pe_emitter *e, nd_dim *ds)
{
    nd_walk *w = ds->w;
    nd_dim *next = &w->dims[ds->dim + 1];
    pe_frame *nf;

    next->i = 0;
    next->off = ds->off + ds->i * w->nd.strides[ds->dim];
    ds->i++;
    if (pr_buf_putc(e->out, '[', e->err) != PR_OK)
        return PE_ERROR;
    nf = pe_push(e, NULL, step_dim);
    if (nf == NULL)
        return PE_ERROR;
    nf->st = next;
    return PE_PUSHED;
}

static int
step_dim(pe_emitter *e, pe_frame *f, pv **child)
{
    nd_dim *ds = f->st;
    const pe_ndarray *nd = &ds->w->nd;
    size_t n = nd->shape[ds->dim], st = nd->strides[ds->dim];

    if (ds->i < n && ds->dim + 1 < nd->ndim) {
        if (ds->i > 0 && pr_buf_putc(e->out, ',', e->err) != PR_OK)
            return PE_ERROR;
        f->tok_is_key = 0;
        f->tok_index = ds->i;
        return open_subarray(e, ds);
    }
    if (ds->i < n && nd->items != NULL) {
        size_t k = ds->off + ds->i * st;
        if (ds->i > 0 && pr_buf_putc(e->out, ',', e->err) != PR_OK)
            return PE_ERROR;
        f->tok_is_key = 0;
        f->tok_index = ds->i++;
        return object_item(e, nd, k, child);
    }
    /* the innermost dimension of raw data: every item in one go */
    for (; ds->i < n && nd->items == NULL; ds->i++) {
        if ((ds->i > 0 && pr_buf_putc(e->out, ',', e->err) != PR_OK) ||
            pe_nd_write_item(e, nd->dt, nd->data + ds->off + ds->i * st,
                             ds->w->dtstyle) != PR_OK)
            return PE_ERROR;
    }
    if (pr_buf_putc(e->out, ']', e->err) != PR_OK)
        return PE_ERROR;
    return PE_DONE;
}

/* Writes the array body: '[' plus the first frame, or the 0-d item. */
static int
open_body(pe_emitter *e, nd_walk *w, pv *owner, pv **child)
{
    const pe_ndarray *nd = &w->nd;
    pe_frame *nf;

    if (nd->ndim == 0) {
        if (nd->items != NULL)
            return object_item(e, nd, 0, child);
        if (pe_nd_write_item(e, nd->dt, nd->data, w->dtstyle) != PR_OK)
            return PE_ERROR;
        return PE_DONE;
    }
    if (pr_buf_putc(e->out, '[', e->err) != PR_OK)
        return PE_ERROR;
    nf = pe_push(e, owner, step_dim);
    if (nf == NULL)
        return PE_ERROR;
    w->dims[0].i = 0;
    w->dims[0].off = 0;
    nf->st = &w->dims[0];
    return PE_PUSHED;
}

/* {"__class__": ..., "data": <body>}: the body is plain. */
static int
step_envelope(pe_emitter *e, pe_frame *f, pv **child)
{
    nd_walk *w = f->st;
    int r;

    if (w->started) {
        if (pr_buf_putc(e->out, '}', e->err) != PR_OK)
            return PE_ERROR;
        return PE_DONE;
    }
    w->started = 1;
    f->tok_is_key = 1;
    f->tok = "data";
    f->tok_len = 4;
    r = open_body(e, w, NULL, child);
    if (r == PE_DONE)
        return step_envelope(e, f, child);
    return r;
}

/* Stands in for a 0-d object array: yields its one item. */
static int
step_only(pe_emitter *e, pe_frame *f, pv **child)
{
    nd_walk *w = f->st;

    if (w->started)
        return PE_DONE;
    w->started = 1;
    return open_body(e, w, NULL, child);
}

/* JSON levels an array adds below the current frame. */
static int
check_depth(pe_emitter *e, const pe_ndarray *nd, int typed)
{
    size_t levels = (size_t)nd->ndim + nd->dt->depth + (typed ? 1 : 0);

    if (e->depth + levels > e->opts->lim.max_depth) {
        pr_error_set(e->err, PR_ELIMIT, "value nests deeper than %zu "
                     "levels (max_depth)", e->opts->lim.max_depth);
        return -1;
    }
    return 1;
}

/* Writes a checked array, typed inside an envelope named cls (NULL:
 * plain).  Returns 1, or -1 with e->err set. */
static int
emit_array(pe_emitter *e, pv *owner, const pe_ndarray *nd, const char *cls,
           int dtstyle)
{
    nd_walk *w;
    pe_frame *f;
    pv *child = NULL;
    int r;

    if (check_depth(e, nd, cls != NULL) < 0)
        return -1;
    w = pr_arena_calloc(e->a, sizeof(*w), e->err);
    if (w == NULL)
        return -1;
    w->nd = *nd;
    w->dtstyle = dtstyle;
    if (nd->ndim > 0) {
        w->dims = pe_alloc_array(e, nd->ndim, sizeof(nd_dim));
        if (w->dims == NULL)
            return -1;
        for (uint32_t d = 0; d < nd->ndim; d++) {
            w->dims[d].w = w;
            w->dims[d].dim = d;
        }
    }
    if (cls != NULL) {
        if (pe_raw(e, "{\"__class__\":", 13) != PR_OK ||
            pe_cstr(e, cls) != PR_OK || pe_raw(e, ",\"data\":", 8) != PR_OK)
            return -1;
        f = pe_push(e, owner, step_envelope);
        if (f == NULL)
            return -1;
        f->st = w;
        f->plain = 1;
        return 1;
    }
    if (nd->ndim == 0 && nd->items != NULL) {
        f = pe_push(e, owner, step_only);
        if (f == NULL)
            return -1;
        f->st = w;
        f->tok_is_key = 2;  /* stands for its item: no pointer token */
        return 1;
    }
    r = open_body(e, w, owner, &child);
    return r == PE_ERROR ? -1 : 1;
}

static int
rec_ndarray(pe_emitter *e, pv *v, const pv_global *g)
{
    pe_ndarray nd;
    int r;

    (void)g;
    if ((r = pe_nd_parse(e, v, &nd)) != 1)
        return r;
    return emit_array(e, v, &nd, pe_typed(e) ? "numpy.ndarray" : NULL,
                      PE_DTSTYLE_NUMPY);
}

/* numpy.core.multiarray.scalar(dtype, bytes): one item. */
static int
rec_scalar(pe_emitter *e, pv *v, const pv_global *g)
{
    const pv *a;
    pe_ndarray nd;
    const uint8_t *p;
    size_t n;
    int r;

    if (v->kind != PV_OBJ)
        return 0;
    a = pe_args(v);
    if (v->u.o->how != PVH_REDUCE || a->n != 2 || v->u.o->state != NULL)
        return 0;
    memset(&nd, 0, sizeof(nd));
    if ((r = pe_dtype_parse(e, a->u.items[0], &nd.dt)) != 1)
        return r;
    if (nd.dt->hasobj) {
        /* scalar(dtype('O'), obj) is obj itself */
        if (nd.dt->kind != 'O')
            return 0;
        nd.items = &v->u.o->args->u.items[1];
        nd.count = 1;
        return emit_array(e, v, &nd, NULL, PE_DTSTYLE_NUMPY);
    }
    if ((r = pe_bytes_of(e, a->u.items[1], &p, &n)) != 1)
        return r;
    /* numpy reads the first itemsize bytes and refuses fewer */
    if (n < nd.dt->itemsize)
        return 0;
    nd.data = p;
    nd.len = nd.dt->itemsize;
    nd.count = 1;
    return emit_array(e, v, &nd, pe_typed(e) ? pe_dtype_typename(nd.dt,
                      strncmp(g->module, "numpy._core", 11) == 0) : NULL,
                      PE_DTSTYLE_NUMPY);
}

const pe_rec pe_rec_numpy[] = {
    { "numpy.core.multiarray", "_reconstruct", rec_ndarray },
    { "numpy._core.multiarray", "_reconstruct", rec_ndarray },
    { "numpy.core.numeric", "_frombuffer", rec_ndarray },
    { "numpy._core.numeric", "_frombuffer", rec_ndarray },
    { "numpy.core.multiarray", "scalar", rec_scalar },
    { "numpy._core.multiarray", "scalar", rec_scalar },
    { NULL, NULL, NULL }
};
