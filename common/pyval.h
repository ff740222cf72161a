/*
 * pyval.h - internal: the inert Python values the pickle VM builds.
 *
 * The VM never creates real objects.  It builds this small tree (a graph
 * really: memo GETs share nodes, BUILD can make cycles) in the decode's
 * arena, and the emitter (pyjson.c) walks it once to write JSON.  Nodes
 * are 16 bytes because a large result has millions of them.
 *
 * Strings and bytes point into the input where the pickle stores them
 * verbatim (BINUNICODE, BINBYTES ...), so they are not copied.
 */
#ifndef PR_PYVAL_H
#define PR_PYVAL_H

#include <stdint.h>

#include "pr.h"
#include "arena.h"

typedef enum pv_kind {
    PV_NONE = 0,
    PV_BOOL,        /* u.i is 0 or 1 */
    PV_INT,         /* u.i */
    PV_BIGINT,      /* u.p: n bytes little-endian two's complement */
    PV_FLOAT,       /* u.f */
    PV_STR,         /* u.p: n bytes UTF-8 ('surrogatepass': may hold
                       encoded surrogates); validated by the VM */
    PV_BYTES,       /* u.p, n */
    PV_BYTEARRAY,   /* u.p, n */
    PV_LIST,        /* u.items, n (capacity: see pv_seq_cap) */
    PV_TUPLE,       /* u.items, n (immutable once built) */
    PV_SET,         /* u.d: keys only, stream order, de-duplicated */
    PV_FROZENSET,   /* u.d */
    PV_DICT,        /* u.d: insertion order, de-duplicated */
    PV_GLOBAL,      /* u.g: module and qualified name */
    PV_OBJ,         /* u.o: REDUCE / NEWOBJ / INST / OBJ result */
    PV_KIND_COUNT
} pv_kind;

/* flags */
#define PVF_EMITTING  0x01   /* on the emitter's current path (cycles) */
#define PVF_PY2STR    0x02   /* a PV_STR/PV_BYTES that came from a
                                Python 2 str opcode */
#define PVF_LATIN1    0x04   /* PV_STR whose bytes are latin-1, not UTF-8
                                (py2str=latin1, or protocol 0 UNICODE
                                converted lazily): emit converts */

typedef struct pv pv;
typedef struct pv_dict pv_dict;
typedef struct pv_obj pv_obj;
typedef struct pv_global pv_global;

struct pv {
    uint8_t kind;
    uint8_t flags;
    uint16_t frame;         /* emitter frame while PVF_EMITTING */
    uint32_t n;             /* length of p / items */
    union {
        int64_t i;
        double f;
        const uint8_t *p;
        pv **items;
        pv_dict *d;
        pv_obj *o;
        pv_global *g;
    } u;
};

/* Dicts and sets: pairs in insertion order plus a lazy hash index. */
struct pv_dict {
    pv **kv;                /* dict: kv[2i] key, kv[2i+1] value;
                               set: kv[i] */
    uint32_t n;             /* entries */
    uint32_t cap;           /* entries kv has room for */
    uint32_t *index;        /* open addressing, slot = entry+1, 0 empty */
    uint32_t icap;          /* slots in index (power of 2) or 0 */
};

struct pv_global {
    const char *module;     /* NUL-terminated, after 2->3 mapping */
    const char *name;       /* qualified name, NUL-terminated */
    uint32_t mlen, nlen;
};

/* How an object came to be. */
typedef enum pv_how {
    PVH_REDUCE = 0,         /* callable(*args) */
    PVH_NEWOBJ,             /* cls.__new__(cls, *args) */
    PVH_NEWOBJ_EX,          /* cls.__new__(cls, *args, **kwargs) */
    PVH_INST,               /* protocol 0 INST / protocol 1 OBJ */
    PVH_GETATTR             /* reserved */
} pv_how;

struct pv_obj {
    uint8_t how;            /* pv_how */
    uint8_t nbuild;         /* how many BUILDs were applied */
    pv *callable;           /* the callable or class (any value) */
    pv *args;               /* PV_TUPLE, never NULL */
    pv *kwargs;             /* PV_DICT or NULL */
    pv *state;              /* from BUILD, or NULL */
    pv *listitems;          /* PV_LIST from APPEND(S) onto it, or NULL */
    pv *dictitems;          /* PV_DICT from SETITEM(S) onto it, or NULL */
    const char *name;       /* emitter cache: name of a by-value class */
};

/* Capacity of a list's item array: n rounded up to a power of 2 (min 4)
 * so the node needs no capacity field. */
static inline uint32_t
pv_seq_cap(uint32_t n)
{
    uint32_t c = 4;

    while (c < n)
        c <<= 1;
    return n ? c : 0;
}

/* Global name check: true when g is module.name exactly. */
int pv_global_is(const pv *v, const char *module, const char *name);
/* For PV_OBJ: the callable's global (module, name) or NULL. */
const pv_global *pv_obj_global(const pv *v);

/* Python equality for dict keys and set members (numbers across
 * bool/int/float, str, bytes, tuples elementwise; identity otherwise). */
int pv_key_equal(const pv *a, const pv *b);

/* Dict/set insertion with Python semantics (replace value, keep first
 * key).  `value` is NULL for sets.  PR_EFORMAT for an unhashable key. */
pr_code pv_dict_set(pr_arena *a, pv *dict, pv *key, pv *value,
                    pr_error *err);
/* Makes room for `extra` more entries in a dict or set (SETITEMS and
 * DICT know their count: one exact allocation instead of doublings). */
pr_code pv_dict_reserve(pr_arena *a, pv *dict, size_t extra,
                        pr_error *err);
/* Append to a PV_LIST growing its array in the arena. */
pr_code pv_list_append(pr_arena *a, pv *list, pv *item, pr_error *err);
/* Lookup of a string key in a PV_DICT; NULL if absent. */
pv *pv_dict_get_str(const pv *dict, const char *key);

/* The decoded result: the root value plus the arena that owns it. */
typedef struct pv_doc {
    pr_arena arena;
    pv *root;
    const uint8_t *input;   /* borrowed: strings point into it */
    size_t input_len;
} pv_doc;

/* Runs the pickle VM over data.  On PR_OK doc->root is set and doc owns
 * everything; call pv_doc_dispose in every case. */
pr_code pv_unpickle(pv_doc *doc, const void *data, size_t len,
                    const pr_decode_opts *opts, pr_error *err);
void pv_doc_dispose(pv_doc *doc);

#endif
