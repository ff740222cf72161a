/*
 * emit.h - internal: the JSON emitter that walks a decoded value graph,
 * and the interface recognisers use to render known classes.
 *
 * The walk is iterative: an explicit stack of frames, one per open JSON
 * container, so input nesting never becomes C recursion.  A frame's step
 * function writes separators, keys and the closing bracket itself, and
 * either hands back the next child value to emit, pushes a frame of its
 * own, or reports that it is done.
 */
#ifndef PR_EMIT_H
#define PR_EMIT_H

#include "pyval.h"
#include "jsonw.h"

typedef struct pe_emitter pe_emitter;
typedef struct pe_frame pe_frame;

enum { PE_DONE = 0, PE_CHILD = 1, PE_PUSHED = 2, PE_ERROR = -1 };

/* Returns PE_DONE (closer written), PE_CHILD (*child set), PE_PUSHED (a
 * frame was pushed on top of f) or PE_ERROR (e->err set). */
typedef int (*pe_step_fn)(pe_emitter *e, pe_frame *f, pv **child);

/* A field of a synthetic JSON object. */
typedef enum pe_field_kind {
    PEF_VALUE = 0,          /* v: emitted like any value */
    PEF_STRING,             /* s/slen: written as a JSON string */
    PEF_RAW,                /* s/slen: written verbatim (valid JSON) */
    PEF_ITEMS,              /* items/n: written as an array of values */
    PEF_PLAIN_VALUE         /* v: emitted in plain mode even if typed */
} pe_field_kind;

typedef struct pe_field {
    const char *key;        /* NUL-terminated unless klen is set */
    uint32_t klen;          /* 0: strlen(key) */
    uint8_t kind;
    const char *s;
    size_t slen;
    pv *v;
    pv **items;
    uint32_t n;
} pe_field;

struct pe_frame {
    pe_step_fn step;
    pv *owner;              /* value being emitted (cycle marks), or NULL */
    uint32_t i, n;          /* iteration state */
    uint8_t plain;          /* children are emitted in plain mode */
    uint8_t tok_is_key;     /* current child token: key or index */
    uint32_t tok_len;
    const char *tok;        /* key bytes when tok_is_key */
    uint64_t tok_index;
    void *st;               /* step-specific state (arena) */
    pv **items;
    const pe_field *fields;
    pr_arena_mark mark;     /* scratch memory to release on pop */
    char keybuf[40];        /* for keys formatted from numbers */
};

struct pe_emitter {
    pr_buf *out;
    const pr_decode_opts *opts;
    pr_error *err;
    /*
     * a: scratch memory for writing values (field lists, key texts,
     * recogniser state).  What is allocated while a value is being
     * emitted lives until that value's frame is popped (or, when the
     * value pushes no frame, until its emit returns), so memory is
     * bounded by nesting depth, not by the number of values.
     * doc: the decoded document's arena, for anything cached on values.
     */
    pr_arena *a;
    pr_arena *doc;
    pr_arena_mark value_mark;   /* taken when the current value began */
    int value_open;             /* value_mark not yet given to a frame */
    pe_frame *frames;
    uint32_t depth, cap;
    void *tz;               /* pr_tzcache *, created on first use */
};

/* Is the value being written now in typed mode? */
int pe_typed(const pe_emitter *e);

/* Writers (append to e->out; PR_ELIMIT when the output cap is hit). */
pr_code pe_raw(pe_emitter *e, const char *s, size_t n);
pr_code pe_str(pe_emitter *e, const char *s, size_t n);
pr_code pe_cstr(pe_emitter *e, const char *s);
pr_code pe_double(pe_emitter *e, double d);
/* Writes `"key":` after a comma when not first. */
pr_code pe_key(pe_emitter *e, const char *key, int first);

/* Pushes a frame emitting items as a JSON array (writes '['). */
pr_code pe_push_items(pe_emitter *e, pv *owner, pv **items, uint32_t n);
/* Pushes a frame emitting a synthetic object (writes '{'). */
pr_code pe_push_fields(pe_emitter *e, pv *owner, const pe_field *fields,
                       uint32_t n);
/* Pushes a custom frame; the caller has written the opening bracket. */
pe_frame *pe_push(pe_emitter *e, pv *owner, pe_step_fn step);
/* Writes {"__class__": cls, "data": ...} around value v (typed mode). */
pr_code pe_envelope(pe_emitter *e, pv *owner, const char *cls, pv *v);
/* Allocates n fields in the decode's arena. */
pe_field *pe_fields(pe_emitter *e, uint32_t n);

/*
 * A recogniser renders one known class.  It returns 1 when it handled
 * v (wrote output and/or pushed frames), 0 to let the generic rendering
 * run (shape mismatch: never a crash), -1 with e->err set on failure.
 */
typedef int (*pe_rec_fn)(pe_emitter *e, pv *v, const pv_global *g);

typedef struct pe_rec {
    const char *module;
    const char *name;
    pe_rec_fn fn;
} pe_rec;

/* Tables, each ended by a {NULL, NULL, NULL} entry.  Every module named
 * in them must pass pe_maybe_recognised (a fast pre-check; the unit
 * tests verify it). */
int pe_maybe_recognised(const char *module);
extern const pe_rec pe_rec_stdlib[];
extern const pe_rec pe_rec_numpy[];
extern const pe_rec pe_rec_pandas[];

/* Helpers for recognisers. */
/* Bytes content of v: PV_BYTES/PV_BYTEARRAY.  0 if not bytes. */
int pe_as_bytes(const pv *v, const uint8_t **p, size_t *n);
/* Integer value if v is a PV_INT or PV_BOOL. */
int pe_as_i64(const pv *v, int64_t *out);
/* NUL-terminated copy of a PV_STR in the arena (NULL if not a str). */
const char *pe_as_cstr(pe_emitter *e, const pv *v);
/* The arguments tuple of a PV_OBJ (never NULL for PV_OBJ). */
static inline pv *
pe_args(const pv *v)
{
    return v->u.o->args;
}

#endif
