/*
 * pyjson.c - the emitter: walks the value graph the VM built and writes
 * the contract's JSON (docs/json-mapping.md), plain or typed.
 *
 * The walk never recurses on the input's depth: open containers are
 * frames on an explicit stack (max_depth bounds it).  Shared values are
 * written again wherever they occur, within the output budget; a value
 * met again while it is still open is a cycle and becomes a {"__ref__"}
 * JSON pointer to where it was first opened.  Known classes go to the
 * recogniser tables (rec_*.c); everything else is rendered as data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "alloc.h"
#include "tzdb.h"

/* ---- writers --------------------------------------------------------- */

static pr_code pe_keyn(pe_emitter *e, const char *key, size_t klen,
                       int first);

int
pe_typed(const pe_emitter *e)
{
    if (!e->opts->typed)
        return 0;
    return e->depth == 0 || !e->frames[e->depth - 1].plain;
}

pr_code
pe_raw(pe_emitter *e, const char *s, size_t n)
{
    return pr_buf_append(e->out, s, n, e->err);
}

pr_code
pe_str(pe_emitter *e, const char *s, size_t n)
{
    return pr_json_string(e->out, s, n, e->err);
}

pr_code
pe_cstr(pe_emitter *e, const char *s)
{
    return pr_json_string(e->out, s, strlen(s), e->err);
}

pr_code
pe_double(pe_emitter *e, double d)
{
    return pr_json_double(e->out, d, e->opts->nan, e->err);
}

pr_code
pe_key(pe_emitter *e, const char *key, int first)
{
    return pe_keyn(e, key, strlen(key), first);
}

static pr_code
pe_keyn(pe_emitter *e, const char *key, size_t klen, int first)
{
    pr_code rc;

    if (!first && (rc = pr_buf_putc(e->out, ',', e->err)) != PR_OK)
        return rc;
    if ((rc = pe_str(e, key, klen)) != PR_OK)
        return rc;
    return pr_buf_putc(e->out, ':', e->err);
}

/* ---- frames ---------------------------------------------------------- */

pe_frame *
pe_push(pe_emitter *e, pv *owner, pe_step_fn step)
{
    pe_frame *f;
    uint8_t plain = e->depth ? e->frames[e->depth - 1].plain : 0;

    if (e->depth >= e->opts->lim.max_depth || e->depth >= 65535) {
        pr_error_set(e->err, PR_ELIMIT, "value nests deeper than %zu "
                     "levels (max_depth)", e->opts->lim.max_depth);
        return NULL;
    }
    if (e->depth == e->cap) {
        uint32_t ncap = e->cap ? e->cap * 2 : 32;
        pe_frame *nf = pr_realloc(e->frames, ncap * sizeof(pe_frame));
        if (nf == NULL) {
            pr_error_set(e->err, PR_ENOMEM, "out of memory growing the "
                         "emitter stack");
            return NULL;
        }
        e->frames = nf;
        e->cap = ncap;
    }
    f = &e->frames[e->depth++];
    memset(f, 0, offsetof(pe_frame, keybuf));
    f->keybuf[0] = '\0';
    /* the first frame a value pushes owns the scratch memory the value
     * allocated before pushing it; later ones own only their own */
    if (e->value_open) {
        f->mark = e->value_mark;
        e->value_open = 0;
    } else {
        f->mark = pr_arena_get_mark(e->a);
    }
    f->step = step;
    f->owner = owner;
    f->plain = plain;
    if (owner != NULL) {
        owner->flags |= PVF_EMITTING;
        owner->frame = (uint16_t)(e->depth - 1);
    }
    return f;
}

static void
pe_pop(pe_emitter *e)
{
    pe_frame *f = &e->frames[--e->depth];

    if (f->owner != NULL)
        f->owner->flags &= (uint8_t)~PVF_EMITTING;
    pr_arena_reset(e->a, f->mark);
}

static void
set_tok_index(pe_frame *f, uint64_t i)
{
    f->tok_is_key = 0;
    f->tok_index = i;
}

static void
set_tok_key(pe_frame *f, const char *k, size_t n)
{
    f->tok_is_key = 1;
    f->tok = k;
    f->tok_len = (uint32_t)n;
}

/* Array of values. */
static int
step_items(pe_emitter *e, pe_frame *f, pv **child)
{
    if (f->i == f->n) {
        if (pr_buf_putc(e->out, ']', e->err) != PR_OK)
            return PE_ERROR;
        return PE_DONE;
    }
    if (f->i > 0 && pr_buf_putc(e->out, ',', e->err) != PR_OK)
        return PE_ERROR;
    set_tok_index(f, f->i);
    *child = f->items[f->i++];
    return PE_CHILD;
}

pr_code
pe_push_items(pe_emitter *e, pv *owner, pv **items, uint32_t n)
{
    pe_frame *f;

    if (pr_buf_putc(e->out, '[', e->err) != PR_OK)
        return e->err->code;
    f = pe_push(e, owner, step_items);
    if (f == NULL)
        return e->err->code;
    f->items = items;
    f->n = n;
    return PR_OK;
}

/* Synthetic object from a field list. */
static int
step_fields(pe_emitter *e, pe_frame *f, pv **child)
{
    const pe_field *fl;

    if (f->i == f->n) {
        if (pr_buf_putc(e->out, '}', e->err) != PR_OK)
            return PE_ERROR;
        return PE_DONE;
    }
    fl = &f->fields[f->i];
    {
        size_t klen = fl->klen ? fl->klen : strlen(fl->key);
        if (pe_keyn(e, fl->key, klen, f->i == 0) != PR_OK)
            return PE_ERROR;
        set_tok_key(f, fl->key, klen);
    }
    f->i++;
    switch (fl->kind) {
    case PEF_STRING:
        if (pe_str(e, fl->s, fl->slen) != PR_OK)
            return PE_ERROR;
        return step_fields(e, f, child);
    case PEF_RAW:
        if (pe_raw(e, fl->s, fl->slen) != PR_OK)
            return PE_ERROR;
        return step_fields(e, f, child);
    case PEF_ITEMS:
        if (pe_push_items(e, NULL, fl->items, fl->n) != PR_OK)
            return PE_ERROR;
        if (e->frames[e->depth - 2].plain)
            e->frames[e->depth - 1].plain = 1;
        return PE_PUSHED;
    case PEF_PLAIN_VALUE:
        f->plain = 1;
        *child = fl->v;
        return PE_CHILD;
    default:
        *child = fl->v;
        return PE_CHILD;
    }
}

pr_code
pe_push_fields(pe_emitter *e, pv *owner, const pe_field *fields,
               uint32_t n)
{
    pe_frame *f;

    if (pr_buf_putc(e->out, '{', e->err) != PR_OK)
        return e->err->code;
    f = pe_push(e, owner, step_fields);
    if (f == NULL)
        return e->err->code;
    f->fields = fields;
    f->n = n;
    return PR_OK;
}

pe_field *
pe_fields(pe_emitter *e, uint32_t n)
{
    return pr_arena_calloc(e->a, (size_t)(n ? n : 1) * sizeof(pe_field),
                           e->err);
}

pr_code
pe_envelope(pe_emitter *e, pv *owner, const char *cls, pv *v)
{
    pe_field *fl = pe_fields(e, 2);

    if (fl == NULL)
        return e->err->code;
    fl[0].key = "__class__";
    fl[0].kind = PEF_STRING;
    fl[0].s = cls;
    fl[0].slen = strlen(cls);
    fl[1].key = "data";
    fl[1].kind = PEF_PLAIN_VALUE;
    fl[1].v = v;
    return pe_push_fields(e, owner, fl, 2);
}

/* ---- helpers for recognisers ----------------------------------------- */

int
pe_as_bytes(const pv *v, const uint8_t **p, size_t *n)
{
    if (v == NULL || (v->kind != PV_BYTES && v->kind != PV_BYTEARRAY))
        return 0;
    *p = v->u.p;
    *n = v->n;
    return 1;
}

int
pe_as_i64(const pv *v, int64_t *out)
{
    if (v == NULL || (v->kind != PV_INT && v->kind != PV_BOOL))
        return 0;
    *out = v->u.i;
    return 1;
}

const char *
pe_as_cstr(pe_emitter *e, const pv *v)
{
    char *s;

    if (v == NULL || v->kind != PV_STR)
        return NULL;
    s = pr_arena_alloc(e->a, (size_t)v->n + 1, e->err);
    if (s != NULL) {
        memcpy(s, v->u.p, v->n);
        s[v->n] = '\0';
    }
    return s;
}

/* ---- dicts ----------------------------------------------------------- */

typedef struct dict_keys {
    const char **key;       /* formatted key text (NULL: use the str) */
    uint32_t *len;
} dict_keys;

static int
step_dict(pe_emitter *e, pe_frame *f, pv **child)
{
    const pv_dict *d = f->owner->u.d;
    const dict_keys *dk = f->st;
    const char *k;
    size_t klen;
    pv *key;

    /* the dict may not grow while we write it: the VM is finished */
    if (f->i == f->n) {
        if (pr_buf_putc(e->out, '}', e->err) != PR_OK)
            return PE_ERROR;
        return PE_DONE;
    }
    key = d->kv[2 * f->i];
    if (dk != NULL && dk->key[f->i] != NULL) {
        k = dk->key[f->i];
        klen = dk->len[f->i];
    } else {
        k = (const char *)key->u.p;
        klen = key->n;
    }
    if (f->i > 0 && pr_buf_putc(e->out, ',', e->err) != PR_OK)
        return PE_ERROR;
    if (pe_str(e, k, klen) != PR_OK ||
        pr_buf_putc(e->out, ':', e->err) != PR_OK)
        return PE_ERROR;
    set_tok_key(f, k, klen);
    *child = d->kv[2 * f->i + 1];
    f->i++;
    return PE_CHILD;
}

/* A key as Python's json module writes a non-str key, or -1 if it has
 * no such form.  Writes into buf (>= 40 bytes) or points at the str. */
static int
key_text(pe_emitter *e, const pv *k, const char **out, uint32_t *len)
{
    char buf[40];
    size_t n;
    char *copy;

    switch (k->kind) {
    case PV_STR:
        *out = NULL;
        *len = k->n;
        return 0;
    case PV_NONE:
        *out = "null";
        *len = 4;
        return 0;
    case PV_BOOL:
        *out = k->u.i ? "true" : "false";
        *len = k->u.i ? 4 : 5;
        return 0;
    case PV_INT:
        n = (size_t)snprintf(buf, sizeof(buf), "%lld", (long long)k->u.i);
        break;
    case PV_FLOAT:
        if (k->u.f != k->u.f)
            n = (size_t)snprintf(buf, sizeof(buf), "NaN");
        else if (k->u.f > 1.7976931348623157e308)
            n = (size_t)snprintf(buf, sizeof(buf), "Infinity");
        else if (k->u.f < -1.7976931348623157e308)
            n = (size_t)snprintf(buf, sizeof(buf), "-Infinity");
        else
            n = pr_fmt_double(k->u.f, buf);
        break;
    case PV_BIGINT: {
        pr_buf tmp;
        pr_code rc;
        pr_buf_init(&tmp, 0);
        if (k->flags & PVF_PY2STR)
            rc = pr_buf_append(&tmp, k->u.p, k->n, e->err);
        else
            rc = pr_json_bigint(&tmp, k->u.p, k->n, e->err);
        if (rc != PR_OK) {
            pr_buf_dispose(&tmp);
            return -2;
        }
        copy = pr_arena_alloc(e->a, tmp.len + 1, e->err);
        if (copy == NULL) {
            pr_buf_dispose(&tmp);
            return -2;
        }
        memcpy(copy, tmp.data, tmp.len);
        *out = copy;
        *len = (uint32_t)tmp.len;
        pr_buf_dispose(&tmp);
        return 0;
    }
    default:
        return -1;
    }
    copy = pr_arena_alloc(e->a, n + 1, e->err);
    if (copy == NULL)
        return -2;
    memcpy(copy, buf, n + 1);
    *out = copy;
    *len = (uint32_t)n;
    return 0;
}

typedef struct key_ref {
    const char *p;
    uint32_t n;
} key_ref;

static int
cmp_key_ref(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    uint32_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->p, y->p, n);

    return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* {"__items__": [[k, v], ...]} */
static int
step_pairs(pe_emitter *e, pe_frame *f, pv **child)
{
    (void)child;
    if (f->i == f->n) {
        if (pr_buf_putc(e->out, ']', e->err) != PR_OK)
            return PE_ERROR;
        return PE_DONE;
    }
    if (f->i > 0 && pr_buf_putc(e->out, ',', e->err) != PR_OK)
        return PE_ERROR;
    set_tok_index(f, f->i);
    if (pe_push_items(e, NULL, f->items + 2 * (size_t)f->i, 2) != PR_OK)
        return PE_ERROR;
    f->i++;
    return PE_PUSHED;
}

static pr_code
emit_items_form(pe_emitter *e, pv *dict)
{
    pe_frame *f;

    if (pe_raw(e, "{\"__items__\":[", 14) != PR_OK)
        return e->err->code;
    /* the wrapper object and its array are one frame: closer "]}" */
    f = pe_push(e, dict, step_pairs);
    if (f == NULL)
        return e->err->code;
    f->items = dict->u.d->kv;
    f->n = dict->u.d->n;
    f->st = (void *)1;      /* marks the "]}" closer, see emit_loop */
    return PR_OK;
}

static pr_code
emit_dict(pe_emitter *e, pv *v)
{
    const pv_dict *d = v->u.d;
    int all_str = 1;
    dict_keys *dk = NULL;
    pe_frame *f;

    for (uint32_t i = 0; i < d->n; i++)
        if (d->kv[2 * i]->kind != PV_STR) {
            all_str = 0;
            break;
        }
    if (!all_str) {
        key_ref *refs;
        dk = pr_arena_alloc(e->a, sizeof(*dk), e->err);
        if (dk == NULL)
            return e->err->code;
        dk->key = pr_arena_alloc(e->a, d->n * sizeof(char *), e->err);
        dk->len = pr_arena_alloc(e->a, d->n * sizeof(uint32_t), e->err);
        refs = pr_arena_alloc(e->a, d->n * sizeof(key_ref), e->err);
        if (dk->key == NULL || dk->len == NULL || refs == NULL)
            return e->err->code;
        for (uint32_t i = 0; i < d->n; i++) {
            int r = key_text(e, d->kv[2 * i], &dk->key[i], &dk->len[i]);
            if (r == -2)
                return e->err->code;
            if (r == -1)
                return emit_items_form(e, v);
            refs[i].p = dk->key[i] ? dk->key[i]
                                   : (const char *)d->kv[2 * i]->u.p;
            refs[i].n = dk->len[i];
        }
        qsort(refs, d->n, sizeof(key_ref), cmp_key_ref);
        for (uint32_t i = 1; i < d->n; i++)
            if (cmp_key_ref(&refs[i - 1], &refs[i]) == 0)
                return emit_items_form(e, v);   /* never merge keys */
    }
    if (pr_buf_putc(e->out, '{', e->err) != PR_OK)
        return e->err->code;
    f = pe_push(e, v, step_dict);
    if (f == NULL)
        return e->err->code;
    f->n = d->n;
    f->st = dk;
    return PR_OK;
}

/* ---- generic objects ------------------------------------------------- */

static int
is_reserved_key(const pv *k)
{
    return k->kind == PV_STR && k->n > 4 && k->u.p[0] == '_' &&
           k->u.p[1] == '_' && k->u.p[k->n - 1] == '_' &&
           k->u.p[k->n - 2] == '_';
}

/* True when state can be flattened: a dict of str keys, none reserved. */
static int
flattenable(const pv *s)
{
    if (s == NULL || s->kind != PV_DICT)
        return 0;
    for (uint32_t i = 0; i < s->u.d->n; i++) {
        const pv *k = s->u.d->kv[2 * i];
        if (k->kind != PV_STR || is_reserved_key(k))
            return 0;
    }
    return 1;
}

/* Reduces a pydantic or (dict, slots) state to one dict, or NULL. */
static pv *
merged_state(pe_emitter *e, pv *s)
{
    pv *parts[3] = { NULL, NULL, NULL };
    int np = 0;
    pv *m;

    if (s == NULL)
        return NULL;
    if (s->kind == PV_DICT) {
        pv *dd = pv_dict_get_str(s, "__dict__");
        if (dd != NULL && dd->kind == PV_DICT &&
            (pv_dict_get_str(s, "__pydantic_fields_set__") != NULL ||
             pv_dict_get_str(s, "__fields_set__") != NULL)) {
            pv *extra = pv_dict_get_str(s, "__pydantic_extra__");
            parts[np++] = dd;
            if (extra != NULL && extra->kind == PV_DICT)
                parts[np++] = extra;
        } else {
            return s;
        }
    } else if (s->kind == PV_TUPLE && s->n == 2 &&
               (s->u.items[0]->kind == PV_DICT ||
                s->u.items[0]->kind == PV_NONE) &&
               (s->u.items[1]->kind == PV_DICT ||
                s->u.items[1]->kind == PV_NONE)) {
        for (int i = 0; i < 2; i++)
            if (s->u.items[i]->kind == PV_DICT)
                parts[np++] = s->u.items[i];
    } else {
        return NULL;
    }
    if (np == 1)
        return parts[0];
    m = pr_arena_calloc(e->a, sizeof(pv), e->err);
    if (m == NULL)
        return NULL;
    m->kind = PV_DICT;
    m->u.d = pr_arena_calloc(e->a, sizeof(pv_dict), e->err);
    if (m->u.d == NULL)
        return NULL;
    for (int p = 0; p < np; p++)
        for (uint32_t i = 0; i < parts[p]->u.d->n; i++)
            if (pv_dict_set(e->a, m, parts[p]->u.d->kv[2 * i],
                            parts[p]->u.d->kv[2 * i + 1], e->err) != PR_OK)
                return NULL;
    return m;
}

static const char *
global_text(pe_emitter *e, const pv_global *g)
{
    size_t n = (size_t)g->mlen + g->nlen + 2;
    char *s = pr_arena_alloc(e->a, n, e->err);

    if (s != NULL)
        snprintf(s, n, "%s.%s", g->module, g->name);
    return s;
}

/* The name of a cloudpickle class skeleton (by-value class), or NULL. */
const char *pe_by_value_name(pe_emitter *e, const pv *cls);

static int
is_cloudpickle(const pv_global *g, const char *name)
{
    return strncmp(g->module, "cloudpickle", 11) == 0 &&
           strcmp(g->name, name) == 0;
}

/* Looks a str up in a cloudpickle state: a dict, or (dict, slotstate)
 * where the slot state carries __name__, __qualname__, __module__. */
static const pv *
state_str(const pv *st, const char *key)
{
    const pv *hit;

    if (st == NULL)
        return NULL;
    if (st->kind == PV_TUPLE && st->n == 2) {
        hit = state_str(st->u.items[1], key);
        return hit ? hit : state_str(st->u.items[0], key);
    }
    hit = pv_dict_get_str(st, key);
    return hit != NULL && hit->kind == PV_STR ? hit : NULL;
}

static const char *by_value_name(pe_emitter *e, const pv *cls);

/* Names are cached on the class node (in the document's arena): every
 * instance of a by-value class asks for the same name. */
const char *
pe_by_value_name(pe_emitter *e, const pv *cls)
{
    pr_arena *scratch = e->a;
    const char *name;

    if (cls == NULL || cls->kind != PV_OBJ)
        return NULL;
    if (cls->u.o->name != NULL)
        return cls->u.o->name;
    e->a = e->doc;
    name = by_value_name(e, cls);
    e->a = scratch;
    cls->u.o->name = name;
    return name;
}

static const char *
by_value_name(pe_emitter *e, const pv *cls)
{
    const pv_global *g = pv_obj_global(cls);
    const pv *args, *mod = NULL, *qual = NULL, *st;
    const char *m, *q;
    char *s;
    size_t n;

    if (g == NULL)
        return NULL;
    args = cls->u.o->args;
    st = cls->u.o->state;
    if (is_cloudpickle(g, "_make_skeleton_class") && args->n >= 4) {
        /* (type_constructor, name, bases, type_kwargs, tracker, extra) */
        qual = state_str(st, "__qualname__");
        if (qual == NULL)
            qual = args->u.items[1];
        mod = pv_dict_get_str(args->u.items[3], "__module__");
        if (mod == NULL)
            mod = state_str(st, "__module__");
    } else if (is_cloudpickle(g, "_make_skeleton_enum") && args->n >= 5) {
        /* (bases, name, qualname, members, module, tracker, extra) */
        qual = args->u.items[2];
        mod = args->u.items[4];
    } else if (is_cloudpickle(g, "_make_function") && args->n >= 3) {
        /* (code, globals, name, argdefs, closure); the names are in the
         * state that _function_setstate applies */
        qual = state_str(st, "__qualname__");
        if (qual == NULL)
            qual = state_str(st, "__name__");
        if (qual == NULL)
            qual = args->u.items[2];
        mod = state_str(st, "__module__");
        if (mod == NULL && args->u.items[1]->kind == PV_DICT)
            mod = pv_dict_get_str(args->u.items[1], "__name__");
    } else {
        return NULL;
    }
    q = qual && qual->kind == PV_STR ? pe_as_cstr(e, qual) : "?";
    if (q == NULL)
        return NULL;
    if (mod == NULL || mod->kind != PV_STR)
        return q;       /* the module is not in the stream */
    m = pe_as_cstr(e, mod);
    if (m == NULL)
        return NULL;
    n = strlen(m) + strlen(q) + 2;
    s = pr_arena_alloc(e->a, n, e->err);
    if (s != NULL)
        snprintf(s, n, "%s.%s", m, q);
    return s;
}

static int
is_function_skeleton(const pv *v)
{
    const pv_global *g = pv_obj_global(v);

    return g != NULL && is_cloudpickle(g, "_make_function");
}

/* Builtin exception classes: REDUCE of one is an instance.  A user's
 * exception class pickled by reference looks like any other call, so it
 * stays a __reduce__ (nothing in the stream says it is an exception). */
static int
is_exception_name(const pv_global *g)
{
    size_t n = g->nlen;
    const char *s = g->name;

    if (strcmp(g->module, "builtins") != 0 || strchr(s, '.') != NULL)
        return 0;
    return (n >= 5 && strcmp(s + n - 5, "Error") == 0) ||
           (n >= 9 && strcmp(s + n - 9, "Exception") == 0) ||
           (n >= 7 && strcmp(s + n - 7, "Warning") == 0) ||
           strcmp(s, "StopIteration") == 0 ||
           strcmp(s, "StopAsyncIteration") == 0 ||
           strcmp(s, "KeyboardInterrupt") == 0 ||
           strcmp(s, "SystemExit") == 0 ||
           strcmp(s, "GeneratorExit") == 0 ||
           strcmp(s, "BaseException") == 0 ||
           strcmp(s, "BaseExceptionGroup") == 0 ||
           strcmp(s, "ExceptionGroup") == 0;
}

static pr_code
emit_generic(pe_emitter *e, pv *v)
{
    pv_obj *o = v->u.o;
    pv *cls = o->callable, *state, *flat = NULL;
    pe_field *fl = pe_fields(e, 9);
    uint32_t n = 0;
    const char *name = NULL;
    int as_class = o->how != PVH_REDUCE, by_value = 0;
    pv *args = o->args, *base_items = NULL;

    if (fl == NULL)
        return e->err->code;
    /* copyreg._reconstructor(cls, base, basestate): an instance of cls */
    if (o->how == PVH_REDUCE && pv_global_is(cls, "copyreg",
                                            "_reconstructor") &&
        args->n == 3) {
        cls = args->u.items[0];
        as_class = 1;
        /* base.__new__(cls, basestate): a tuple base value spreads into
         * the arguments; a list or dict base holds the items; any other
         * is the one argument */
        if (args->u.items[2]->kind == PV_NONE) {
            args = NULL;
        } else if (args->u.items[2]->kind == PV_TUPLE) {
            args = args->u.items[2];
        } else if (args->u.items[2]->kind == PV_LIST ||
                   args->u.items[2]->kind == PV_DICT) {
            base_items = args->u.items[2];
            args = NULL;
        } else {
            pv *t = pr_arena_calloc(e->a, sizeof(pv), e->err);
            if (t == NULL)
                return e->err->code;
            t->kind = PV_TUPLE;
            t->n = 1;
            t->u.items = &o->args->u.items[2];
            args = t;
        }
    }
    if (cls->kind == PV_GLOBAL) {
        if (o->how == PVH_REDUCE && !as_class && is_exception_name(cls->u.g))
            as_class = 1;
        name = global_text(e, cls->u.g);
        if (name == NULL)
            return e->err->code;
    } else if ((name = pe_by_value_name(e, cls)) != NULL) {
        by_value = 1;
        as_class = 1;
    } else if (e->err->code != PR_OK) {
        return e->err->code;
    }
    fl[n].key = as_class ? "__class__" : "__reduce__";
    if (name != NULL) {
        fl[n].kind = PEF_STRING;
        fl[n].s = name;
        fl[n].slen = strlen(name);
    } else {
        fl[n].kind = PEF_VALUE;
        fl[n].v = cls;
    }
    n++;
    if (by_value) {
        fl[n].key = "__by_value__";
        fl[n].kind = PEF_RAW;
        fl[n].s = "true";
        fl[n].slen = 4;
        n++;
    }
    if (args != NULL && args->n > 0) {
        fl[n].key = "__args__";
        fl[n].kind = PEF_ITEMS;
        fl[n].items = args->u.items;
        fl[n].n = args->n;
        n++;
    }
    if (o->kwargs != NULL && o->kwargs->u.d->n > 0) {
        fl[n].key = "__kwargs__";
        fl[n].kind = PEF_VALUE;
        fl[n].v = o->kwargs;
        n++;
    }
    state = o->state;
    if (state != NULL && state->kind != PV_NONE) {
        flat = merged_state(e, state);
        if (flat == NULL && e->err->code != PR_OK)
            return e->err->code;
        if (flat != NULL && flattenable(flat) && flat->u.d->n > 0) {
            /* splice the state's keys in as fields */
            pe_field *big = pe_fields(e, n + flat->u.d->n + 2);
            if (big == NULL)
                return e->err->code;
            memcpy(big, fl, n * sizeof(pe_field));
            fl = big;
            for (uint32_t i = 0; i < flat->u.d->n; i++) {
                const pv *k = flat->u.d->kv[2 * i];
                /* keys point into the document; never empty here? an
                 * empty key has klen 0, so give it a NUL-terminated "" */
                fl[n].key = k->n ? (const char *)k->u.p : "";
                fl[n].klen = k->n;
                fl[n].kind = PEF_VALUE;
                fl[n].v = flat->u.d->kv[2 * i + 1];
                n++;
            }
        } else if (flat == NULL || !flattenable(flat)) {
            fl[n].key = "__state__";
            fl[n].kind = PEF_VALUE;
            fl[n].v = state;
            n++;
        }
    }
    if (base_items != NULL) {
        fl[n].key = base_items->kind == PV_LIST ? "__listitems__"
                                                : "__dictitems__";
        if (base_items->kind == PV_LIST) {
            fl[n].kind = PEF_ITEMS;
            fl[n].items = base_items->u.items;
            fl[n].n = base_items->n;
        } else {
            fl[n].kind = PEF_VALUE;
            fl[n].v = base_items;
        }
        n++;
    }
    if (o->listitems != NULL) {
        fl[n].key = "__listitems__";
        fl[n].kind = PEF_ITEMS;
        fl[n].items = o->listitems->u.items;
        fl[n].n = o->listitems->n;
        n++;
    }
    if (o->dictitems != NULL) {
        fl[n].key = "__dictitems__";
        fl[n].kind = PEF_VALUE;
        fl[n].v = o->dictitems;
        n++;
    }
    return pe_push_fields(e, v, fl, n);
}

/* ---- dispatch -------------------------------------------------------- */

static const pe_rec *const rec_tables[] = {
    pe_rec_stdlib, pe_rec_numpy, pe_rec_pandas
};

static pe_rec_fn
find_rec_in(const pe_rec *table, const pv_global *g)
{
    for (const pe_rec *r = table; r->module != NULL; r++)
        if (strcmp(r->name, g->name) == 0 &&
            strcmp(r->module, g->module) == 0)
            return r->fn;
    return NULL;
}

/* Modules some recogniser table names; anything else (most of all a
 * user's __main__ classes) skips the table scan. */
int
pe_maybe_recognised(const char *m)
{
    switch (m[0]) {
    case 'b': return strcmp(m, "builtins") == 0;
    case 'c': return strncmp(m, "co", 2) == 0;    /* collections, copyreg */
    case 'd': return strncmp(m, "d", 1) == 0;     /* datetime, decimal */
    case 'n': return strncmp(m, "numpy", 5) == 0;
    case 'p': return strncmp(m, "pa", 2) == 0;    /* pandas, pathlib */
    case 'u': return strcmp(m, "uuid") == 0;
    case '_': return strcmp(m, "_pydecimal") == 0;
    default: return 0;
    }
}

static pe_rec_fn
find_rec(const pv_global *g)
{
    if (!pe_maybe_recognised(g->module))
        return NULL;
    for (size_t t = 0; t < sizeof(rec_tables) / sizeof(rec_tables[0]);
         t++) {
        pe_rec_fn fn = find_rec_in(rec_tables[t], g);
        if (fn != NULL)
            return fn;
    }
    return NULL;
}

/* {"<tag>": "<module.qualname>", "__by_value__": true} for a function
 * or class that cloudpickle sent by value. */
static pr_code
emit_by_value(pe_emitter *e, pv *v, const char *tag)
{
    const char *name = pe_by_value_name(e, v);
    pe_field *fl;

    if (name == NULL) {
        if (e->err->code != PR_OK)
            return e->err->code;
        /* not the shape cloudpickle writes: show it as the call it is */
        return emit_generic(e, v);
    }
    fl = pe_fields(e, 2);
    if (fl == NULL)
        return e->err->code;
    fl[0].key = tag;
    fl[0].kind = PEF_STRING;
    fl[0].s = name;
    fl[0].slen = strlen(name);
    fl[1].key = "__by_value__";
    fl[1].kind = PEF_RAW;
    fl[1].s = "true";
    fl[1].slen = 4;
    return pe_push_fields(e, v, fl, 2);
}

static pr_code
emit_obj(pe_emitter *e, pv *v)
{
    pv_obj *o = v->u.o;
    const pv_global *g = pv_obj_global(v);

    /* protocols 0-1 make instances with copyreg._reconstructor(cls,
     * object, None): the recogniser of cls decides, as for NEWOBJ */
    if (g != NULL && o->how == PVH_REDUCE && o->args->n == 3 &&
        strcmp(g->module, "copyreg") == 0 &&
        strcmp(g->name, "_reconstructor") == 0 &&
        o->args->u.items[0]->kind == PV_GLOBAL) {
        const pv_global *cg = o->args->u.items[0]->u.g;
        pe_rec_fn fn = find_rec(cg);
        if (fn != NULL) {
            int r = fn(e, v, cg);
            if (r < 0)
                return e->err->code ? e->err->code : PR_EFORMAT;
            if (r > 0)
                return PR_OK;
        }
    }
    if (g != NULL) {
        pe_rec_fn fn = find_rec(g);
        if (fn != NULL) {
            int r = fn(e, v, g);
            if (r < 0)
                return e->err->code ? e->err->code : PR_EFORMAT;
            if (r > 0)
                return PR_OK;
        }
    }
    /* getattr(<class by value>, 'NAME'): a member of a by-value enum */
    if (o->how == PVH_REDUCE && g != NULL &&
        strcmp(g->module, "builtins") == 0 &&
        strcmp(g->name, "getattr") == 0 && o->args->n == 2 &&
        o->args->u.items[1]->kind == PV_STR && o->state == NULL) {
        const char *cls = pe_by_value_name(e, o->args->u.items[0]);
        const char *attr = pe_as_cstr(e, o->args->u.items[1]);
        if (cls != NULL && attr != NULL) {
            size_t n = strlen(cls) + strlen(attr) + 2;
            char *full = pr_arena_alloc(e->a, n, e->err);
            if (full == NULL)
                return e->err->code;
            snprintf(full, n, "%s.%s", cls, attr);
            if (pe_raw(e, "{\"__global__\":", 14) != PR_OK ||
                pe_cstr(e, full) != PR_OK)
                return e->err->code;
            return pr_buf_putc(e->out, '}', e->err);
        }
        if (e->err->code != PR_OK)
            return e->err->code;
    }
    /* cloudpickle function by value: never decode the code object */
    if (is_function_skeleton(v))
        return emit_by_value(e, v, "__function__");
    /* a by-value class used as a value */
    if (o->how == PVH_REDUCE && g != NULL &&
        (is_cloudpickle(g, "_make_skeleton_class") ||
         is_cloudpickle(g, "_make_skeleton_enum")))
        return emit_by_value(e, v, "__global__");
    return emit_generic(e, v);
}

static pr_code
emit_bytes(pe_emitter *e, pv *v)
{
    pr_code rc;

    if (pe_typed(e))
        rc = pe_raw(e, v->kind == PV_BYTES ?
                    "{\"__class__\":\"builtins.bytes\",\"data\":" :
                    "{\"__class__\":\"builtins.bytearray\",\"data\":",
                    v->kind == PV_BYTES ? 37 : 41);
    else
        rc = pe_raw(e, "{\"__bytes__\":", 13);
    if (rc == PR_OK)
        rc = pr_json_base64(e->out, v->u.p, v->n, e->err);
    if (rc == PR_OK)
        rc = pr_buf_putc(e->out, '}', e->err);
    return rc;
}

/* Writes "#/a/b" for the position of frame k (RFC 6901). */
static pr_code
emit_ref(pe_emitter *e, uint32_t k)
{
    pr_code rc = pe_raw(e, "{\"__ref__\":", 11);
    pr_buf ptr;

    if (rc != PR_OK)
        return rc;
    pr_buf_init(&ptr, e->out->max ? e->out->max : 0);
    rc = pr_buf_putc(&ptr, '#', e->err);
    for (uint32_t j = 0; j < k && rc == PR_OK; j++) {
        const pe_frame *f = &e->frames[j];
        if (f->tok_is_key == 2)
            continue;       /* a frame standing in for its child */
        if (f->step == step_pairs && f->st != NULL)
            rc = pr_buf_append(&ptr, "/__items__", 10, e->err);
        if (rc != PR_OK)
            break;
        rc = pr_buf_putc(&ptr, '/', e->err);
        if (rc != PR_OK)
            break;
        if (f->tok_is_key) {
            for (uint32_t c = 0; c < f->tok_len && rc == PR_OK; c++) {
                char ch = f->tok[c];
                if (ch == '~')
                    rc = pr_buf_append(&ptr, "~0", 2, e->err);
                else if (ch == '/')
                    rc = pr_buf_append(&ptr, "~1", 2, e->err);
                else
                    rc = pr_buf_putc(&ptr, ch, e->err);
            }
        } else {
            char num[24];
            int nn = snprintf(num, sizeof(num), "%llu",
                              (unsigned long long)f->tok_index);
            rc = pr_buf_append(&ptr, num, (size_t)nn, e->err);
        }
    }
    if (rc == PR_OK)
        rc = pe_str(e, ptr.data, ptr.len);
    pr_buf_dispose(&ptr);
    if (rc == PR_OK)
        rc = pr_buf_putc(e->out, '}', e->err);
    return rc;
}

static pe_rec_fn find_rec_in(const pe_rec *table, const pv_global *g);

static pr_code
emit_value_in(pe_emitter *e, pv *v)
{
    switch (v->kind) {
    case PV_NONE:
        return pe_raw(e, "null", 4);
    case PV_BOOL:
        return v->u.i ? pe_raw(e, "true", 4) : pe_raw(e, "false", 5);
    case PV_INT:
        return pr_json_i64(e->out, v->u.i, e->err);
    case PV_BIGINT:
        if (v->flags & PVF_PY2STR)
            return pe_raw(e, (const char *)v->u.p, v->n);
        return pr_json_bigint(e->out, v->u.p, v->n, e->err);
    case PV_FLOAT:
        return pe_double(e, v->u.f);
    case PV_STR:
        return pe_str(e, (const char *)v->u.p, v->n);
    case PV_BYTES:
    case PV_BYTEARRAY:
        return emit_bytes(e, v);
    default:
        break;
    }
    if (v->flags & PVF_EMITTING)
        return emit_ref(e, v->frame);
    switch (v->kind) {
    case PV_LIST:
    case PV_TUPLE:
        return pe_push_items(e, v, v->u.items, v->n);
    case PV_SET:
    case PV_FROZENSET:
        if (pe_typed(e)) {
            pe_field *fl = pe_fields(e, 2);
            if (fl == NULL)
                return e->err->code;
            fl[0].key = "__class__";
            fl[0].kind = PEF_STRING;
            fl[0].s = v->kind == PV_SET ? "builtins.set"
                                        : "builtins.frozenset";
            fl[0].slen = strlen(fl[0].s);
            fl[1].key = "data";
            fl[1].kind = PEF_ITEMS;
            fl[1].items = v->u.d->kv;
            fl[1].n = v->u.d->n;
            if (pe_push_fields(e, v, fl, 2) != PR_OK)
                return e->err->code;
            e->frames[e->depth - 1].plain = 1;
            return PR_OK;
        }
        return pe_push_items(e, v, v->u.d->kv, v->u.d->n);
    case PV_DICT:
        return emit_dict(e, v);
    case PV_GLOBAL: {
        const char *name;
        /* a few pandas globals stand for values (pandas.NA); only that
         * table's recognisers accept a bare global */
        pe_rec_fn fn = find_rec_in(pe_rec_pandas, v->u.g);
        if (fn != NULL) {
            int r = fn(e, v, v->u.g);
            if (r < 0)
                return e->err->code ? e->err->code : PR_EFORMAT;
            if (r > 0)
                return PR_OK;
        }
        /* The decoder runs _codecs.encode itself (protocol 0-2 bytes),
         * so as a bare value it is shown as Python shows that function,
         * like the reference of the contract does. */
        if (pv_global_is(v, "_codecs", "encode"))
            return pe_raw(e, "{\"__class__\":\"builtins.builtin_function_"
                          "or_method\",\"__repr__\":\"<built-in function "
                          "encode>\"}", 91);
        name = global_text(e, v->u.g);
        if (name == NULL)
            return e->err->code;
        if (pe_raw(e, "{\"__global__\":", 14) != PR_OK ||
            pe_cstr(e, name) != PR_OK)
            return e->err->code;
        return pr_buf_putc(e->out, '}', e->err);
    }
    case PV_OBJ:
        return emit_obj(e, v);
    default:
        return pr_error_set(e->err, PR_EFORMAT, "internal: value of "
                            "unknown kind %d", v->kind);
    }
}

/* Emits one value; scratch memory it allocated is released at once
 * unless it pushed a frame, which then owns it. */
static pr_code
emit_value(pe_emitter *e, pv *v)
{
    pr_code rc;
    uint32_t depth = e->depth;

    if (v->kind <= PV_BYTEARRAY)
        return emit_value_in(e, v);     /* scalars allocate nothing */
    e->value_mark = pr_arena_get_mark(e->a);
    e->value_open = 1;
    rc = emit_value_in(e, v);
    if (e->value_open && e->depth == depth)
        pr_arena_reset(e->a, e->value_mark);
    e->value_open = 0;
    return rc;
}

static pr_code
emit_loop(pe_emitter *e, pv *root)
{
    pr_code rc = emit_value(e, root);

    while (rc == PR_OK && e->depth > 0) {
        pe_frame *f = &e->frames[e->depth - 1];
        pv *child = NULL;
        int r = f->step(e, f, &child);

        if (r == PE_ERROR)
            return e->err->code ? e->err->code : PR_EFORMAT;
        if (r == PE_DONE) {
            int items_form = f->step == step_pairs && f->st != NULL;
            pe_pop(e);
            if (items_form)
                rc = pr_buf_putc(e->out, '}', e->err);
        } else if (r == PE_CHILD) {
            rc = emit_value(e, child);
        }
    }
    return rc;
}

pr_code
pr_pickle_to_json(pr_buf *out, const void *data, size_t len,
                  const pr_decode_opts *opts, pr_error *err)
{
    pr_decode_opts defaults = PR_DECODE_OPTS_INIT;
    pv_doc doc;
    pe_emitter e;
    pr_arena scratch;
    pr_code rc;
    size_t saved_max = out->max, budget, flushed_before = out->flushed;
    pr_error local;

    if (err == NULL)
        err = &local;
    pr_error_clear(err);
    if (opts == NULL)
        opts = &defaults;
    rc = pv_unpickle(&doc, data, len, opts, err);
    if (rc != PR_OK) {
        pv_doc_dispose(&doc);
        return rc;
    }
    /* the expansion budget: output_ratio x input, never past the cap */
    if (!pr_size_mul(len, opts->lim.output_ratio, &budget))
        budget = SIZE_MAX;
    if (budget < ((size_t)64 << 10))
        budget = (size_t)64 << 10;
    if (budget > opts->lim.max_output)
        budget = opts->lim.max_output;
    if (!pr_size_add(budget, out->len, &budget))
        budget = SIZE_MAX;
    if (out->max == 0 || budget < out->max)
        out->max = budget;
    memset(&e, 0, sizeof(e));
    e.out = out;
    e.opts = opts;
    e.err = err;
    e.doc = &doc.arena;
    pr_arena_init(&scratch, opts->lim.max_arena);
    e.a = &scratch;
    rc = emit_loop(&e, doc.root);
    pr_arena_dispose(&scratch);
    /* bytes a streaming buffer sent also count against the caller's cap */
    if (saved_max != 0)
        saved_max -= out->flushed - flushed_before < saved_max ?
                     out->flushed - flushed_before : saved_max;
    out->max = saved_max;
    if (rc == PR_ELIMIT && strstr(err->msg, "(max_output)") != NULL &&
        budget < opts->lim.max_output)
        pr_error_set(err, PR_ELIMIT, "decoded JSON would exceed %zu bytes "
                     "(output_ratio: %zu x the %zu-byte input)",
                     budget - (out->len > budget ? 0 : 0),
                     opts->lim.output_ratio, len);
    pr_free(e.frames);
    if (e.tz != NULL)
        pr_tzcache_free(e.tz);
    pv_doc_dispose(&doc);
    return rc;
}
