/*
 * pyval.c - operations on the inert value graph: Python's equality and
 * hashing for dict keys and set members, and container growth.
 *
 * Dicts keep insertion order like Python's.  A hash index is built only
 * once a dict passes a few entries, since most dicts in results are
 * small records whose linear scan is cheaper than hashing.
 */
#include <math.h>
#include <string.h>

#include "pyval.h"
#include "alloc.h"

#define DICT_INDEX_AT 8     /* entries before a hash index pays off */
#define KEY_DEPTH_MAX 64    /* tuple nesting looked at when comparing */

int
pv_global_is(const pv *v, const char *module, const char *name)
{
    return v != NULL && v->kind == PV_GLOBAL &&
           strcmp(v->u.g->module, module) == 0 &&
           strcmp(v->u.g->name, name) == 0;
}

const pv_global *
pv_obj_global(const pv *v)
{
    if (v == NULL || v->kind != PV_OBJ || v->u.o->callable == NULL ||
        v->u.o->callable->kind != PV_GLOBAL)
        return NULL;
    return v->u.o->callable->u.g;
}

/* Numbers compare across bool, int and float as in Python. */
static int
num_kind(const pv *v)
{
    return v->kind == PV_BOOL || v->kind == PV_INT || v->kind == PV_FLOAT;
}

static int
key_equal_depth(const pv *a, const pv *b, int depth)
{
    if (a == b)
        return 1;
    if (depth > KEY_DEPTH_MAX)
        return 0;
    if (num_kind(a) && num_kind(b)) {
        if (a->kind == PV_FLOAT || b->kind == PV_FLOAT) {
            double x = a->kind == PV_FLOAT ? a->u.f : (double)a->u.i;
            double y = b->kind == PV_FLOAT ? b->u.f : (double)b->u.i;
            /* an int that does not convert exactly never equals */
            if (a->kind != PV_FLOAT && (int64_t)x != a->u.i)
                return 0;
            if (b->kind != PV_FLOAT && (int64_t)y != b->u.i)
                return 0;
            return x == y;
        }
        return a->u.i == b->u.i;
    }
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case PV_NONE:
        return 1;
    case PV_STR:
        if ((a->flags ^ b->flags) & PVF_LATIN1)
            return 0;   /* rare; different encodings: treat as unequal */
        /* fall through */
    case PV_BYTES:
    case PV_BIGINT:
        return a->n == b->n && (a->n == 0 ||
               memcmp(a->u.p, b->u.p, a->n) == 0);
    case PV_TUPLE:
        if (a->n != b->n)
            return 0;
        for (uint32_t i = 0; i < a->n; i++)
            if (!key_equal_depth(a->u.items[i], b->u.items[i], depth + 1))
                return 0;
        return 1;
    case PV_GLOBAL:
        return strcmp(a->u.g->module, b->u.g->module) == 0 &&
               strcmp(a->u.g->name, b->u.g->name) == 0;
    default:
        return 0;   /* identity only */
    }
}

int
pv_key_equal(const pv *a, const pv *b)
{
    return key_equal_depth(a, b, 0);
}

static uint64_t
hash_bytes(const uint8_t *p, size_t n, uint64_t h)
{
    /* FNV-1a: keys are short; quality matters less than speed here */
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint64_t
hash_i64(int64_t i)
{
    uint64_t x = (uint64_t)i;

    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static uint64_t
key_hash_depth(const pv *v, int depth)
{
    switch (v->kind) {
    case PV_NONE:
        return 0x9e3779b97f4a7c15ULL;
    case PV_BOOL:
    case PV_INT:
        return hash_i64(v->u.i);
    case PV_FLOAT: {
        double f = v->u.f;
        if (f == floor(f) && f >= -9.2e18 && f <= 9.2e18)
            return hash_i64((int64_t)f);    /* equal ints hash alike */
        uint64_t bits;
        memcpy(&bits, &f, sizeof(bits));
        return hash_i64((int64_t)bits);
    }
    case PV_STR:
    case PV_BYTES:
    case PV_BIGINT:
        return hash_bytes(v->u.p, v->n, 0xcbf29ce484222325ULL + v->kind);
    case PV_TUPLE: {
        uint64_t h = 0x345678;
        if (depth > KEY_DEPTH_MAX)
            return h;
        for (uint32_t i = 0; i < v->n; i++)
            h = (h ^ key_hash_depth(v->u.items[i], depth + 1)) *
                1000003ULL;
        return h;
    }
    case PV_GLOBAL:
        return hash_bytes((const uint8_t *)v->u.g->name, v->u.g->nlen,
                          0x51ed27ULL);
    default:
        return hash_i64((int64_t)(uintptr_t)v);
    }
}

/* Python raises TypeError for these as keys; so do we. */
static int
unhashable(const pv *v, int depth)
{
    if (v->kind == PV_LIST || v->kind == PV_DICT || v->kind == PV_SET ||
        v->kind == PV_BYTEARRAY)
        return 1;
    if (v->kind == PV_TUPLE && depth < KEY_DEPTH_MAX)
        for (uint32_t i = 0; i < v->n; i++)
            if (unhashable(v->u.items[i], depth + 1))
                return 1;
    return 0;
}

static const char *const kind_names[PV_KIND_COUNT] = {
    "None", "bool", "int", "int", "float", "str", "bytes", "bytearray",
    "list", "tuple", "set", "frozenset", "dict", "global", "object"
};

static pr_code
dict_reindex(pr_arena *a, pv_dict *d, int is_set, pr_error *err)
{
    uint32_t icap = 16;

    while (icap < d->cap * 2u)
        icap <<= 1;
    d->index = pr_arena_calloc(a, (size_t)icap * sizeof(uint32_t), err);
    if (d->index == NULL)
        return err->code;
    d->icap = icap;
    for (uint32_t e = 0; e < d->n; e++) {
        pv *k = d->kv[is_set ? e : 2 * e];
        uint32_t s = (uint32_t)key_hash_depth(k, 0) & (icap - 1);
        while (d->index[s] != 0)
            s = (s + 1) & (icap - 1);
        d->index[s] = e + 1;
    }
    return PR_OK;
}

pr_code
pv_dict_reserve(pr_arena *a, pv *dict, size_t extra, pr_error *err)
{
    pv_dict *d = dict->u.d;
    int is_set = dict->kind != PV_DICT;
    uint32_t width = is_set ? 1 : 2;
    size_t want = (size_t)d->n + extra;
    pv **kv;

    if (want <= d->cap)
        return PR_OK;
    if (want > UINT32_MAX / 4)
        return pr_error_set(err, PR_ELIMIT, "dict has too many entries");
    kv = pr_arena_alloc(a, want * width * sizeof(pv *), err);
    if (kv == NULL)
        return err->code;
    if (d->n)
        memcpy(kv, d->kv, (size_t)d->n * width * sizeof(pv *));
    d->kv = kv;
    d->cap = (uint32_t)want;
    if (d->cap >= DICT_INDEX_AT)
        return dict_reindex(a, d, is_set, err);
    return PR_OK;
}

pr_code
pv_dict_set(pr_arena *a, pv *dict, pv *key, pv *value, pr_error *err)
{
    pv_dict *d = dict->u.d;
    int is_set = dict->kind != PV_DICT;
    uint32_t width = is_set ? 1 : 2;
    uint64_t h = 0;

    if (unhashable(key, 0))
        return pr_error_set(err, PR_EFORMAT, "unhashable %s used as a %s",
                            kind_names[key->kind],
                            is_set ? "set member" : "dict key");
    if (d->index == NULL) {
        for (uint32_t e = 0; e < d->n; e++)
            if (pv_key_equal(d->kv[e * width], key)) {
                if (!is_set)
                    d->kv[e * 2 + 1] = value;
                return PR_OK;
            }
    } else {
        h = key_hash_depth(key, 0);
        uint32_t s = (uint32_t)h & (d->icap - 1);
        while (d->index[s] != 0) {
            uint32_t e = d->index[s] - 1;
            if (pv_key_equal(d->kv[e * width], key)) {
                if (!is_set)
                    d->kv[e * 2 + 1] = value;
                return PR_OK;
            }
            s = (s + 1) & (d->icap - 1);
        }
    }
    if (d->n == d->cap) {
        uint32_t ncap = d->cap ? d->cap * 2 : 4;
        pv **kv;
        if (ncap <= d->cap || ncap > UINT32_MAX / 4)
            return pr_error_set(err, PR_ELIMIT, "dict has too many entries");
        kv = pr_arena_alloc(a, (size_t)ncap * width * sizeof(pv *), err);
        if (kv == NULL)
            return err->code;
        if (d->n)
            memcpy(kv, d->kv, (size_t)d->n * width * sizeof(pv *));
        d->kv = kv;
        d->cap = ncap;
        if (d->cap >= DICT_INDEX_AT) {
            pr_code rc = dict_reindex(a, d, is_set, err);
            if (rc != PR_OK)
                return rc;
        }
    }
    d->kv[d->n * width] = key;
    if (!is_set)
        d->kv[d->n * 2 + 1] = value;
    d->n++;
    if (d->index != NULL) {
        uint32_t s = (uint32_t)(h ? h : key_hash_depth(key, 0)) &
                     (d->icap - 1);
        while (d->index[s] != 0)
            s = (s + 1) & (d->icap - 1);
        d->index[s] = d->n;
    }
    return PR_OK;
}

pr_code
pv_list_append(pr_arena *a, pv *list, pv *item, pr_error *err)
{
    uint32_t cap = pv_seq_cap(list->n);

    if (list->n == cap) {
        uint32_t ncap = cap ? cap * 2 : 4;
        pv **items;
        if (ncap <= cap)
            return pr_error_set(err, PR_ELIMIT, "list has too many items");
        items = pr_arena_alloc(a, (size_t)ncap * sizeof(pv *), err);
        if (items == NULL)
            return err->code;
        if (list->n)
            memcpy(items, list->u.items, (size_t)list->n * sizeof(pv *));
        list->u.items = items;
    }
    list->u.items[list->n++] = item;
    return PR_OK;
}

pv *
pv_dict_get_str(const pv *dict, const char *key)
{
    size_t klen = strlen(key);
    const pv_dict *d;

    if (dict == NULL || dict->kind != PV_DICT)
        return NULL;
    d = dict->u.d;
    for (uint32_t e = 0; e < d->n; e++) {
        const pv *k = d->kv[2 * e];
        if (k->kind == PV_STR && k->n == klen &&
            memcmp(k->u.p, key, klen) == 0)
            return d->kv[2 * e + 1];
    }
    return NULL;
}
