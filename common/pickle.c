/*
 * pickle.c - the pickle virtual machine: opcodes in, inert values out.
 *
 * This is an interpreter over data.  It follows CPython's C unpickler
 * (_pickle.c) opcode by opcode, including its stack "fence" at the last
 * MARK and its memo rules, but where CPython would import a module and
 * call a function, it records the call as a PV_OBJ node instead.  Every
 * length prefix is checked against the remaining input, and the stack,
 * mark stack, memo, opcode count and arena are bounded by pr_limits.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pyval.h"
#include "hexdigit.h"
#include "alloc.h"
#include "py2names.h"

#define HIGHEST_PROTOCOL 5

typedef struct pr_vm {
    const uint8_t *p;       /* start of input */
    size_t pos, len;
    const pr_decode_opts *opts;
    pr_arena *a;
    pr_error *err;
    int proto;
    size_t ops;

    pv **stack;
    size_t sp, scap;
    size_t *marks;
    size_t nmarks, mcap;
    size_t fence;           /* stack index below which pops fail */

    pv **memo;
    size_t memo_cap;        /* slots allocated */
    size_t memo_max;        /* entries allowed: see pr_vm_memo_limit */
    size_t memo_len;        /* slots set (MEMOIZE uses this) */
    size_t frame_end;       /* end of the current FRAME, 0 if none */
} pr_vm;

static pv none_value = { PV_NONE, 0, 0, 0, { 0 } };
static pv true_value = { PV_BOOL, 0, 0, 0, { 1 } };
static pv false_value = { PV_BOOL, 0, 0, 0, { 0 } };

#define FAIL(code, ...) return pr_error_set(vm->err, (code), __VA_ARGS__)
#define TRY(expr) do { pr_code rc_ = (expr); if (rc_ != PR_OK) return rc_; \
                     } while (0)

/* ---- allocation helpers ---------------------------------------------- */

static pv *
new_value(pr_vm *vm, pv_kind kind)
{
    pv *v = pr_arena_alloc(vm->a, sizeof(pv), vm->err);

    if (v != NULL) {
        memset(v, 0, sizeof(*v));
        v->kind = (uint8_t)kind;
    }
    return v;
}

static pv *
new_dictlike(pr_vm *vm, pv_kind kind)
{
    pv *v = new_value(vm, kind);

    if (v == NULL)
        return NULL;
    v->u.d = pr_arena_calloc(vm->a, sizeof(pv_dict), vm->err);
    return v->u.d ? v : NULL;
}

/* Small ints are shared, read-only nodes (as CPython caches them): a
 * result full of counters and flags allocates nothing for them. */
#define SI(n) { PV_INT, 0, 0, 0, { .i = (n) } }
#define SI4(n) SI(n), SI((n) + 1), SI((n) + 2), SI((n) + 3)
#define SI16(n) SI4(n), SI4((n) + 4), SI4((n) + 8), SI4((n) + 12)
#define SI64(n) SI16(n), SI16((n) + 16), SI16((n) + 32), SI16((n) + 48)
static pv small_ints[256] = { SI64(0), SI64(64), SI64(128), SI64(192) };

static pv *
new_int(pr_vm *vm, int64_t i)
{
    pv *v;

    if (i >= 0 && i < 256)
        return &small_ints[i];
    v = new_value(vm, PV_INT);

    if (v != NULL)
        v->u.i = i;
    return v;
}

/* ---- the stack ------------------------------------------------------- */

static pr_code
push(pr_vm *vm, pv *v)
{
    if (v == NULL)
        return vm->err->code;   /* an allocation just failed */
    if (vm->sp == vm->scap) {
        size_t ncap = vm->scap ? vm->scap * 2 : 64;
        pv **ns;
        if (vm->sp >= vm->opts->lim.max_stack)
            FAIL(PR_ELIMIT, "pickle stack deeper than %zu values "
                 "(max_stack)", vm->opts->lim.max_stack);
        if (ncap > vm->opts->lim.max_stack)
            ncap = vm->opts->lim.max_stack;
        ns = pr_realloc(vm->stack, ncap * sizeof(pv *));
        if (ns == NULL)
            FAIL(PR_ENOMEM, "out of memory growing the pickle stack");
        vm->stack = ns;
        vm->scap = ncap;
    }
    vm->stack[vm->sp++] = v;
    return PR_OK;
}

static pr_code
underflow(pr_vm *vm, const char *op)
{
    FAIL(PR_EFORMAT, "unpickling stack underflow at %s (byte %zu)", op,
         vm->pos);
}

static pr_code
pop(pr_vm *vm, pv **out, const char *op)
{
    if (vm->sp <= vm->fence)
        return underflow(vm, op);
    *out = vm->stack[--vm->sp];
    return PR_OK;
}

static pr_code
top(pr_vm *vm, pv **out, const char *op)
{
    if (vm->sp <= vm->fence)
        return underflow(vm, op);
    *out = vm->stack[vm->sp - 1];
    return PR_OK;
}

static pr_code
push_mark(pr_vm *vm)
{
    if (vm->nmarks == vm->mcap) {
        size_t ncap = vm->mcap ? vm->mcap * 2 : 16;
        size_t *nm;
        if (vm->nmarks >= vm->opts->lim.max_stack)
            FAIL(PR_ELIMIT, "pickle has more than %zu nested MARKs "
                 "(max_stack)", vm->opts->lim.max_stack);
        if (ncap > vm->opts->lim.max_stack)
            ncap = vm->opts->lim.max_stack;
        nm = pr_realloc(vm->marks, ncap * sizeof(size_t));
        if (nm == NULL)
            FAIL(PR_ENOMEM, "out of memory growing the mark stack");
        vm->marks = nm;
        vm->mcap = ncap;
    }
    vm->marks[vm->nmarks++] = vm->sp;
    vm->fence = vm->sp;
    return PR_OK;
}

/* Pops the last MARK; *start gets the stack index where it stood. */
static pr_code
pop_mark(pr_vm *vm, size_t *start, const char *op)
{
    if (vm->nmarks == 0)
        FAIL(PR_EFORMAT, "%s without a MARK (byte %zu): could not find "
             "MARK", op, vm->pos);
    *start = vm->marks[--vm->nmarks];
    vm->fence = vm->nmarks ? vm->marks[vm->nmarks - 1] : 0;
    return PR_OK;
}

/* Builds a tuple or list from stack[start..sp) and truncates. */
static pv *
seq_from_stack(pr_vm *vm, pv_kind kind, size_t start)
{
    size_t n = vm->sp - start;
    pv *v = new_value(vm, kind);

    if (v == NULL)
        return NULL;
    if (n > UINT32_MAX / 2) {
        pr_error_set(vm->err, PR_ELIMIT, "sequence too long");
        return NULL;
    }
    if (n) {
        size_t cap = kind == PV_LIST ? pv_seq_cap((uint32_t)n) : n;
        v->u.items = pr_arena_alloc(vm->a, cap * sizeof(pv *), vm->err);
        if (v->u.items == NULL)
            return NULL;
        memcpy(v->u.items, vm->stack + start, n * sizeof(pv *));
    }
    v->n = (uint32_t)n;
    vm->sp = start;
    return v;
}

/* ---- memo ------------------------------------------------------------ */

/*
 * The memo is a dense array (as CPython's), so a PUT with a huge index
 * must not size it: max_memo bounds the index.  But a large real pickle
 * memoizes far more than 1M objects (a list of 700k small dicts), and
 * every entry costs at least two bytes of input (EMPTY_DICT MEMOIZE), so
 * the limit grows to one entry per two input bytes: what an honest
 * pickle can need, and at most 4 pointer bytes per input byte.
 */
static size_t
memo_limit(const pr_vm *vm)
{
    size_t by_input = vm->len / 2;

    return by_input > vm->opts->lim.max_memo ? by_input
           : vm->opts->lim.max_memo;
}

static pr_code
memo_put(pr_vm *vm, size_t idx, pv *v)
{
    if (idx >= vm->memo_max)
        FAIL(PR_ELIMIT, "memo index %zu is past the limit of %zu entries "
             "(max_memo, or one per two input bytes)", idx, vm->memo_max);
    if (idx >= vm->memo_cap) {
        size_t ncap = vm->memo_cap ? vm->memo_cap : 64;
        pv **nm;
        while (ncap <= idx)
            ncap *= 2;
        if (ncap > vm->memo_max)
            ncap = vm->memo_max;
        nm = pr_realloc(vm->memo, ncap * sizeof(pv *));
        if (nm == NULL)
            FAIL(PR_ENOMEM, "out of memory growing the memo to %zu "
                 "entries", ncap);
        memset(nm + vm->memo_cap, 0, (ncap - vm->memo_cap) * sizeof(pv *));
        vm->memo = nm;
        vm->memo_cap = ncap;
    }
    if (vm->memo[idx] == NULL)
        vm->memo_len++;
    vm->memo[idx] = v;
    return PR_OK;
}

static pr_code
memo_get(pr_vm *vm, size_t idx)
{
    if (idx >= vm->memo_cap || vm->memo[idx] == NULL)
        FAIL(PR_EFORMAT, "memo value not found at index %zu (byte %zu)",
             idx, vm->pos);
    return push(vm, vm->memo[idx]);
}

/* ---- reading the input ----------------------------------------------- */

/*
 * Frames are enforced as pickle.py's _Unframer does: an opcode and its
 * argument may not cross the end of a FRAME (CPython's C unpickler is
 * laxer, but no pickler writes such streams; only crafted ones do).
 */
static pr_code
frame_check(pr_vm *vm, size_t n, const char *what)
{
    if (vm->frame_end == 0)
        return PR_OK;
    if (vm->pos == vm->frame_end) {
        vm->frame_end = 0;
        return PR_OK;
    }
    if (n > vm->frame_end - vm->pos)
        FAIL(PR_EFORMAT, "pickle exhausted before end of frame: %s at "
             "byte %zu crosses the frame end at byte %zu", what, vm->pos,
             vm->frame_end);
    return PR_OK;
}

static pr_code
need(pr_vm *vm, size_t n, const char *what)
{
    TRY(frame_check(vm, n, what));
    if (n > vm->len - vm->pos)
        FAIL(PR_EFORMAT, "pickle data was truncated: %s at byte %zu needs "
             "%zu bytes, %zu left", what, vm->pos, n, vm->len - vm->pos);
    return PR_OK;
}

static uint64_t
le(const uint8_t *p, int n)
{
    uint64_t v = 0;

    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* A length prefix of n bytes; it must fit in what is left. */
static pr_code
read_len(pr_vm *vm, int n, size_t *out, const char *op)
{
    uint64_t v;

    TRY(need(vm, (size_t)n, op));
    v = le(vm->p + vm->pos, n);
    vm->pos += (size_t)n;
    if (n == 4 && (v & 0x80000000u) && (op[0] == 'B' && op[3] == 'S'))
        FAIL(PR_EFORMAT, "%s has a negative byte count", op);
    /* A length prefix may not exceed the remaining input; checked
     * before anything is allocated.  A length no input may have is a
     * limit; a plausible one is a truncated file. */
    if (v > vm->opts->lim.max_input)
        FAIL(PR_ELIMIT, "%s at byte %zu declares %llu bytes, more than "
             "any input may have (max_input %zu)", op,
             vm->pos - (size_t)n - 1, (unsigned long long)v,
             vm->opts->lim.max_input);
    if (v > vm->len - vm->pos)
        FAIL(PR_EFORMAT, "pickle data was truncated: %s at byte %zu "
             "declares %llu bytes but only %zu remain", op,
             vm->pos - (size_t)n - 1, (unsigned long long)v,
             vm->len - vm->pos);
    TRY(frame_check(vm, (size_t)v, op));
    *out = (size_t)v;
    return PR_OK;
}

/* A text line ending in '\n'; *n excludes the newline. */
static pr_code
read_line(pr_vm *vm, const uint8_t **line, size_t *n, const char *op)
{
    const uint8_t *s, *nl;

    TRY(frame_check(vm, 1, op));
    s = vm->p + vm->pos;
    nl = memchr(s, '\n', (vm->frame_end ? vm->frame_end : vm->len) -
                          vm->pos);
    if (nl == NULL && vm->frame_end)
        FAIL(PR_EFORMAT, "pickle exhausted before end of frame: %s at "
             "byte %zu has no end of line inside its frame", op, vm->pos);
    if (nl == NULL)
        FAIL(PR_EFORMAT, "pickle data was truncated: %s at byte %zu has "
             "no end of line", op, vm->pos);
    *line = s;
    *n = (size_t)(nl - s);
    vm->pos += *n + 1;
    return PR_OK;
}

/* ---- text and numbers ------------------------------------------------ */

/* Validates UTF-8 as Python's 'surrogatepass' decoder accepts it. */
static int
utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            /* fast path over ASCII runs, 8 bytes at a time */
            while (i + 8 <= n) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                if (w & 0x8080808080808080ULL)
                    break;
                i += 8;
            }
            if (i < n && s[i] < 0x80)
                i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            if (i + 1 >= n || (s[i + 1] & 0xc0) != 0x80)
                return 0;
            i += 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            if (i + 2 >= n || (s[i + 1] & 0xc0) != 0x80 ||
                (s[i + 2] & 0xc0) != 0x80)
                return 0;
            if (c == 0xe0 && s[i + 1] < 0xa0)
                return 0;   /* overlong; surrogates (ED A0..) allowed */
            i += 3;
        } else if (c >= 0xf0 && c <= 0xf4) {
            if (i + 3 >= n || (s[i + 1] & 0xc0) != 0x80 ||
                (s[i + 2] & 0xc0) != 0x80 || (s[i + 3] & 0xc0) != 0x80)
                return 0;
            if ((c == 0xf0 && s[i + 1] < 0x90) ||
                (c == 0xf4 && s[i + 1] >= 0x90))
                return 0;
            i += 4;
        } else {
            return 0;
        }
    }
    return 1;
}

/* Appends code point cp as (surrogate-tolerant) UTF-8 at *o. */
static uint8_t *
put_utf8(uint8_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (uint8_t)cp;
    } else if (cp < 0x800) {
        *o++ = (uint8_t)(0xc0 | (cp >> 6));
        *o++ = (uint8_t)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *o++ = (uint8_t)(0xe0 | (cp >> 12));
        *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        *o++ = (uint8_t)(0x80 | (cp & 0x3f));
    } else {
        *o++ = (uint8_t)(0xf0 | (cp >> 18));
        *o++ = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        *o++ = (uint8_t)(0x80 | (cp & 0x3f));
    }
    return o;
}

static pv *
new_str_copy(pr_vm *vm, const uint8_t *s, size_t n, pv_kind kind)
{
    pv *v = new_value(vm, kind);
    uint8_t *copy;

    if (v == NULL)
        return NULL;
    if (n > UINT32_MAX) {
        pr_error_set(vm->err, PR_ELIMIT, "string of %zu bytes is too long",
                     n);
        return NULL;
    }
    copy = pr_arena_alloc(vm->a, n ? n : 1, vm->err);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, n);
    v->u.p = copy;
    v->n = (uint32_t)n;
    return v;
}

/* Zero-copy string or bytes pointing into the input. */
static pv *
new_str_ref(pr_vm *vm, const uint8_t *s, size_t n, pv_kind kind)
{
    pv *v;

    if (n > UINT32_MAX) {
        pr_error_set(vm->err, PR_ELIMIT, "%s of %zu bytes is too long",
                     kind == PV_STR ? "str" : "bytes", n);
        return NULL;
    }
    v = new_value(vm, kind);
    if (v != NULL) {
        v->u.p = s;
        v->n = (uint32_t)n;
    }
    return v;
}

static pv *
new_latin1(pr_vm *vm, const uint8_t *s, size_t n)
{
    uint8_t *buf, *o;
    pv *v;
    size_t cap;

    if (!pr_size_mul(n, 2, &cap) || cap > UINT32_MAX) {
        pr_error_set(vm->err, PR_ELIMIT, "string too long");
        return NULL;
    }
    buf = pr_arena_alloc(vm->a, cap ? cap : 1, vm->err);
    if (buf == NULL)
        return NULL;
    o = buf;
    for (size_t i = 0; i < n; i++)
        o = put_utf8(o, s[i]);
    v = new_value(vm, PV_STR);
    if (v != NULL) {
        v->u.p = buf;
        v->n = (uint32_t)(o - buf);
    }
    return v;
}

/* A Python 2 str, read per opts->py2str (pickle.loads' encoding=). */
static pv *
py2_str(pr_vm *vm, const uint8_t *s, size_t n, int copy)
{
    pv *v;

    switch (vm->opts->py2str) {
    case PR_PY2STR_LATIN1:
        v = new_latin1(vm, s, n);
        break;
    case PR_PY2STR_BYTES:
        v = copy ? new_str_copy(vm, s, n, PV_BYTES)
                 : new_str_ref(vm, s, n, PV_BYTES);
        break;
    default:
        if (utf8_valid(s, n))
            v = copy ? new_str_copy(vm, s, n, PV_STR)
                     : new_str_ref(vm, s, n, PV_STR);
        else
            v = copy ? new_str_copy(vm, s, n, PV_BYTES)
                     : new_str_ref(vm, s, n, PV_BYTES);
        break;
    }
    if (v != NULL)
        v->flags |= PVF_PY2STR;
    return v;
}

/* Protocol 0 UNICODE: 'raw-unicode-escape' (latin-1 plus \uXXXX and
 * \UXXXXXXXX), converted to UTF-8 with surrogates kept. */
static pr_code
op_unicode(pr_vm *vm)
{
    const uint8_t *s;
    size_t n, cap;
    uint8_t *buf, *o;
    pv *v;

    TRY(read_line(vm, &s, &n, "UNICODE"));
    if (!pr_size_mul(n, 2, &cap) || cap > UINT32_MAX)
        FAIL(PR_ELIMIT, "UNICODE string too long");
    buf = pr_arena_alloc(vm->a, cap ? cap : 1, vm->err);
    if (buf == NULL)
        return vm->err->code;
    o = buf;
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i++];
        int count;
        uint32_t cp = 0;
        if (c != '\\' || i >= n) {
            o = put_utf8(o, c);
            continue;
        }
        c = s[i++];
        if (c == 'u')
            count = 4;
        else if (c == 'U')
            count = 8;
        else {
            o = put_utf8(o, '\\');
            o = put_utf8(o, c);
            continue;
        }
        for (int k = 0; k < count; k++) {
            int h = i < n ? pr_hex_digit(s[i]) : -1;
            if (h < 0)
                FAIL(PR_EFORMAT, "UNICODE at byte %zu: truncated \\%c "
                     "escape", vm->pos, count == 4 ? 'u' : 'U');
            cp = cp * 16 + (uint32_t)h;
            i++;
        }
        if (cp > 0x10ffff)
            FAIL(PR_EFORMAT, "UNICODE at byte %zu: \\U%08x out of range",
                 vm->pos, cp);
        o = put_utf8(o, cp);
    }
    v = new_value(vm, PV_STR);
    if (v == NULL)
        return vm->err->code;
    v->u.p = buf;
    v->n = (uint32_t)(o - buf);
    return push(vm, v);
}

/* Protocol 0 STRING: a quoted Python 2 repr, decoded like
 * codecs.escape_decode. */
static pr_code
op_string(pr_vm *vm)
{
    const uint8_t *s;
    size_t n;
    uint8_t *buf, *o;

    TRY(read_line(vm, &s, &n, "STRING"));
    /* CPython strips trailing whitespace, then wants matching quotes */
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r' ||
                     s[n - 1] == '\t'))
        n--;
    if (n < 2 || s[0] != s[n - 1] || (s[0] != '\'' && s[0] != '"'))
        FAIL(PR_EFORMAT, "STRING at byte %zu: the STRING opcode argument "
             "must be quoted", vm->pos);
    s++;
    n -= 2;
    buf = pr_arena_alloc(vm->a, n ? n : 1, vm->err);
    if (buf == NULL)
        return vm->err->code;
    o = buf;
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i++];
        if (c != '\\') {
            *o++ = c;
            continue;
        }
        if (i >= n)
            FAIL(PR_EFORMAT, "STRING at byte %zu: trailing \\ in string",
                 vm->pos);
        c = s[i++];
        switch (c) {
        case '\n': break;
        case '\\': *o++ = '\\'; break;
        case '\'': *o++ = '\''; break;
        case '"': *o++ = '"'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 't': *o++ = '\t'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 'v': *o++ = '\v'; break;
        case 'a': *o++ = '\a'; break;
        case '0': case '1': case '2': case '3':
        case '4': case '5': case '6': case '7': {
            unsigned x = c - '0';
            if (i < n && s[i] >= '0' && s[i] <= '7') {
                x = x * 8 + (s[i++] - '0');
                if (i < n && s[i] >= '0' && s[i] <= '7')
                    x = x * 8 + (s[i++] - '0');
            }
            *o++ = (uint8_t)x;
            break;
        }
        case 'x': {
            int h1 = i < n ? pr_hex_digit(s[i]) : -1;
            int h2 = i + 1 < n ? pr_hex_digit(s[i + 1]) : -1;
            if (h1 < 0 || h2 < 0)
                FAIL(PR_EFORMAT, "STRING at byte %zu: invalid \\x escape",
                     vm->pos);
            *o++ = (uint8_t)(h1 * 16 + h2);
            i += 2;
            break;
        }
        default:
            *o++ = '\\';
            *o++ = c;
            break;
        }
    }
    return push(vm, py2_str(vm, buf, (size_t)(o - buf), 0));
}

/* Decimal digits (optionally signed) that do not fit in int64: kept as
 * canonical text in a PV_BIGINT flagged PVF_PY2STR ("decimal form"). */
#define PVF_DECIMAL PVF_PY2STR

static pr_code
parse_int_text(pr_vm *vm, const uint8_t *s, size_t n, const char *op)
{
    size_t i = 0, j;
    int neg = 0;
    uint64_t acc = 0;
    int overflow = 0;

    /* int() accepts surrounding whitespace, a sign and underscores
     * between digits; bases other than 10 only with a prefix. */
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
        i++;
    while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
                     s[n - 1] == '\r'))
        n--;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i + 1 < n && s[i] == '0' && (s[i + 1] | 0x20) != '_' &&
        ((s[i + 1] | 0x20) == 'x' || (s[i + 1] | 0x20) == 'o' ||
         (s[i + 1] | 0x20) == 'b')) {
        int base = (s[i + 1] | 0x20) == 'x' ? 16 :
                   (s[i + 1] | 0x20) == 'o' ? 8 : 2;
        i += 2;
        if (i >= n)
            FAIL(PR_EFORMAT, "%s at byte %zu: invalid literal for int()",
                 op, vm->pos);
        for (j = i; j < n; j++) {
            int h = s[j] == '_' ? -2 : pr_hex_digit(s[j]);
            if (h == -2)
                continue;
            if (h < 0 || h >= base)
                FAIL(PR_EFORMAT, "%s at byte %zu: invalid literal for "
                     "int()", op, vm->pos);
            if (acc > (UINT64_MAX - (uint64_t)h) / (uint64_t)base)
                FAIL(PR_EUNSUPPORTED, "%s at byte %zu: prefixed integer "
                     "beyond 64 bits", op, vm->pos);
            acc = acc * (uint64_t)base + (uint64_t)h;
        }
    } else {
        if (i >= n)
            FAIL(PR_EFORMAT, "%s at byte %zu: invalid literal for int()",
                 op, vm->pos);
        for (j = i; j < n; j++) {
            if (s[j] == '_' && j > i && j + 1 < n && s[j + 1] != '_')
                continue;
            if (s[j] < '0' || s[j] > '9')
                FAIL(PR_EFORMAT, "%s at byte %zu: invalid literal for "
                     "int(): '%.*s'", op, vm->pos,
                     (int)(n > 40 ? 40 : n), (const char *)s);
            if (acc > (UINT64_MAX - 9) / 10)
                overflow = 1;
            else
                acc = acc * 10 + (uint64_t)(s[j] - '0');
        }
        if (overflow) {
            /* keep the digits as text: canonical, no leading zeros */
            size_t cap = n - i + 2, k = 0;
            uint8_t *d = pr_arena_alloc(vm->a, cap, vm->err);
            pv *v;
            if (d == NULL)
                return vm->err->code;
            if (neg)
                d[k++] = '-';
            for (j = i; j < n && (s[j] == '0' || s[j] == '_'); j++)
                ;
            for (; j < n; j++)
                if (s[j] != '_')
                    d[k++] = s[j];
            v = new_value(vm, PV_BIGINT);
            if (v == NULL)
                return vm->err->code;
            v->flags |= PVF_DECIMAL;
            v->u.p = d;
            v->n = (uint32_t)k;
            return push(vm, v);
        }
    }
    if (neg) {
        if (acc > (uint64_t)INT64_MAX + 1)
            goto big;
        return push(vm, new_int(vm, acc ? (int64_t)(0 - acc) : 0));
    }
    if (acc > (uint64_t)INT64_MAX)
        goto big;
    return push(vm, new_int(vm, (int64_t)acc));
big: {
        /* 64-bit magnitude that overflows int64: two's complement bytes */
        uint8_t *b = pr_arena_alloc(vm->a, 9, vm->err);
        uint64_t x = neg ? 0 - acc : acc;
        pv *v;
        if (b == NULL)
            return vm->err->code;
        for (int k = 0; k < 8; k++)
            b[k] = (uint8_t)(x >> (8 * k));
        b[8] = neg ? 0xff : 0x00;
        v = new_value(vm, PV_BIGINT);
        if (v == NULL)
            return vm->err->code;
        v->u.p = b;
        v->n = 9;
        return push(vm, v);
    }
}

static pr_code
op_int(pr_vm *vm)
{
    const uint8_t *s;
    size_t n;

    TRY(read_line(vm, &s, &n, "INT"));
    if (n == 2 && s[0] == '0' && s[1] == '0')
        return push(vm, &false_value);
    if (n == 2 && s[0] == '0' && s[1] == '1')
        return push(vm, &true_value);
    return parse_int_text(vm, s, n, "INT");
}

static pr_code
op_long(pr_vm *vm)
{
    const uint8_t *s;
    size_t n;

    TRY(read_line(vm, &s, &n, "LONG"));
    if (n > 0 && s[n - 1] == 'L')
        n--;
    return parse_int_text(vm, s, n, "LONG");
}

/* LONG1/LONG4 payload: little-endian two's complement.  Values that fit
 * int64 become PV_INT so equal ints compare and hash alike. */
static pr_code
push_long_bytes(pr_vm *vm, const uint8_t *b, size_t n)
{
    pv *v;

    if (n <= 8) {
        uint64_t x = 0;
        if (n == 0)
            return push(vm, new_int(vm, 0));
        x = le(b, (int)n);
        if (n < 8 && (b[n - 1] & 0x80))
            x |= ~(uint64_t)0 << (8 * n);   /* sign-extend */
        return push(vm, new_int(vm, (int64_t)x));
    }
    v = new_str_ref(vm, b, n, PV_BIGINT);
    return push(vm, v);
}

static pr_code
op_float(pr_vm *vm)
{
    const uint8_t *s;
    size_t n;
    char buf[128];
    char *end;
    double d;
    pv *v;

    TRY(read_line(vm, &s, &n, "FLOAT"));
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        n--;
    if (n == 0 || n >= sizeof(buf) || memchr(s, 'x', n) ||
        memchr(s, 'X', n) || memchr(s, '\0', n))
        FAIL(PR_EFORMAT, "FLOAT at byte %zu: could not convert string to "
             "float", vm->pos);
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    d = strtod(buf, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end != '\0' || end == buf)
        FAIL(PR_EFORMAT, "FLOAT at byte %zu: could not convert string to "
             "float: '%s'", vm->pos, buf);
    v = new_value(vm, PV_FLOAT);
    if (v == NULL)
        return vm->err->code;
    v->u.f = d;
    return push(vm, v);
}

/* ---- globals --------------------------------------------------------- */

static int
cmp_name(const void *key, const void *elem)
{
    const pr_py2_name *k = key, *e = elem;
    int c = strcmp(k->module, e->module);

    return c ? c : strcmp(k->name, e->name);
}

static int
cmp_module(const void *key, const void *elem)
{
    return strcmp(((const pr_py2_module *)key)->module,
                  ((const pr_py2_module *)elem)->module);
}

static char *
arena_strndup(pr_vm *vm, const uint8_t *s, size_t n)
{
    char *d = pr_arena_alloc(vm->a, n + 1, vm->err);

    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Makes a PV_GLOBAL, applying the Python 2 -> 3 mapping for protocol < 3
 * exactly as Unpickler.find_class does with fix_imports. */
static pv *
new_global(pr_vm *vm, const uint8_t *m, size_t mlen, const uint8_t *nm,
           size_t nlen)
{
    const char *module, *name;
    pv_global *g;
    pv *v;

    if (!utf8_valid(m, mlen) || !utf8_valid(nm, nlen) ||
        memchr(m, '\0', mlen) || memchr(nm, '\0', nlen)) {
        pr_error_set(vm->err, PR_EFORMAT, "global name at byte %zu is "
                     "not valid UTF-8", vm->pos);
        return NULL;
    }
    module = arena_strndup(vm, m, mlen);
    name = module ? arena_strndup(vm, nm, nlen) : NULL;
    if (name == NULL)
        return NULL;
    if (vm->proto < 3) {
        pr_py2_name key = { module, name, NULL, NULL };
        const pr_py2_name *hit = bsearch(&key, pr_py2_names,
                                         pr_py2_names_count,
                                         sizeof(key), cmp_name);
        if (hit != NULL) {
            module = hit->module3;
            name = hit->name3;
        } else {
            pr_py2_module mk = { module, NULL };
            const pr_py2_module *mh = bsearch(&mk, pr_py2_modules,
                                              pr_py2_modules_count,
                                              sizeof(mk), cmp_module);
            if (mh != NULL)
                module = mh->module3;
        }
    }
    g = pr_arena_alloc(vm->a, sizeof(*g), vm->err);
    v = g ? new_value(vm, PV_GLOBAL) : NULL;
    if (v == NULL)
        return NULL;
    g->module = module;
    g->name = name;
    g->mlen = (uint32_t)strlen(module);
    g->nlen = (uint32_t)strlen(name);
    v->u.g = g;
    return v;
}

static pr_code
op_global(pr_vm *vm, int inst)
{
    const uint8_t *m, *nm;
    size_t mlen, nlen;
    pv *g;

    TRY(read_line(vm, &m, &mlen, inst ? "INST" : "GLOBAL"));
    TRY(read_line(vm, &nm, &nlen, inst ? "INST" : "GLOBAL"));
    g = new_global(vm, m, mlen, nm, nlen);
    if (g == NULL)
        return vm->err->code;
    if (inst) {
        size_t start;
        pv *args, *o;
        TRY(pop_mark(vm, &start, "INST"));
        args = seq_from_stack(vm, PV_TUPLE, start);
        o = args ? new_value(vm, PV_OBJ) : NULL;
        if (o == NULL)
            return vm->err->code;
        o->u.o = pr_arena_calloc(vm->a, sizeof(pv_obj), vm->err);
        if (o->u.o == NULL)
            return vm->err->code;
        /* pickle.py's _instantiate: with arguments it is a call */
        o->u.o->how = args->n ? PVH_REDUCE : PVH_INST;
        o->u.o->callable = g;
        o->u.o->args = args;
        return push(vm, o);
    }
    return push(vm, g);
}

static pr_code
op_stack_global(pr_vm *vm)
{
    pv *name = NULL, *module = NULL;

    TRY(pop(vm, &name, "STACK_GLOBAL"));
    TRY(pop(vm, &module, "STACK_GLOBAL"));
    if (name->kind != PV_STR || module->kind != PV_STR)
        FAIL(PR_EFORMAT, "STACK_GLOBAL at byte %zu requires str",
             vm->pos);
    return push(vm, new_global(vm, module->u.p, module->n, name->u.p,
                               name->n));
}

/* ---- objects --------------------------------------------------------- */

static pv *
new_obj(pr_vm *vm, pv_how how, pv *callable, pv *args, pv *kwargs)
{
    pv *v = new_value(vm, PV_OBJ);

    if (v == NULL)
        return NULL;
    v->u.o = pr_arena_calloc(vm->a, sizeof(pv_obj), vm->err);
    if (v->u.o == NULL)
        return NULL;
    v->u.o->how = (uint8_t)how;
    v->u.o->callable = callable;
    v->u.o->args = args;
    v->u.o->kwargs = kwargs;
    return v;
}

static pv empty_tuple = { PV_TUPLE, 0, 0, 0, { 0 } };

/*
 * REDUCE of a few builtins whose result is plain data is evaluated here,
 * because later opcodes (APPENDS, SETITEMS, ADDITEMS) must see a real
 * container: set(), frozenset(), dict(), list().  Everything else stays
 * a recorded call.
 */
/* Latin-1 encodes a str of code points < 256 (from UTF-8), as
 * _codecs.encode(s, 'latin1') does for protocol 0-2 bytes. */
static pv *
latin1_bytes(pr_vm *vm, const pv *s, pv_kind kind)
{
    uint8_t *buf = pr_arena_alloc(vm->a, s->n ? s->n : 1, vm->err);
    size_t o = 0;
    pv *v;

    if (buf == NULL)
        return NULL;
    for (uint32_t i = 0; i < s->n;) {
        uint8_t c = s->u.p[i];
        if (c < 0x80) {
            buf[o++] = c;
            i++;
        } else if ((c == 0xc2 || c == 0xc3) && i + 1 < s->n) {
            buf[o++] = (uint8_t)(((c & 0x03) << 6) | (s->u.p[i + 1] & 0x3f));
            i += 2;
        } else {
            return NULL;    /* not latin-1: leave the call as data */
        }
    }
    v = new_value(vm, kind);
    if (v != NULL) {
        v->u.p = buf;
        v->n = (uint32_t)o;
    }
    return v;
}

static int
is_latin1_name(const pv *v)
{
    static const char *const names[] = { "latin1", "latin-1", "latin_1",
                                         "iso-8859-1", "iso8859-1",
                                         "l1" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (v->kind == PV_STR && v->n == strlen(names[i]) &&
            strncasecmp((const char *)v->u.p, names[i], v->n) == 0)
            return 1;
    return 0;
}

static int
is_cloudpickle_fn(const pv *callable, const char *name)
{
    return callable->kind == PV_GLOBAL &&
           strncmp(callable->u.g->module, "cloudpickle", 11) == 0 &&
           strcmp(callable->u.g->name, name) == 0;
}

/* getattr(GLOBAL m.n, 'attr') is how protocols < 4 name nested
 * qualnames and how Python 3.11 pickles enum members: fold it into one
 * global m.'n.attr'. */
static pv *
reduce_getattr(pr_vm *vm, pv *args)
{
    const pv *cls, *attr;
    size_t nlen;
    char *name;
    pv_global *g;
    pv *v;

    if (args->n != 2)
        return NULL;
    cls = args->u.items[0];
    attr = args->u.items[1];
    if (cls->kind == PV_OBJ && cls->u.o->callable->kind == PV_GLOBAL &&
        strncmp(cls->u.o->callable->u.g->module, "cloudpickle", 11) == 0)
        return NULL;        /* a member of a by-value class: data */
    if (cls->kind != PV_GLOBAL || attr->kind != PV_STR) {
        /* an attribute of a call's result exists only by running it */
        pr_error_set(vm->err, PR_EUNSUPPORTED, "getattr at byte %zu reads "
                     "an attribute of a value that only exists by "
                     "executing the pickle", vm->pos);
        return NULL;
    }
    nlen = (size_t)cls->u.g->nlen + 1 + attr->n;
    name = pr_arena_alloc(vm->a, nlen + 1, vm->err);
    g = name ? pr_arena_alloc(vm->a, sizeof(*g), vm->err) : NULL;
    v = g ? new_value(vm, PV_GLOBAL) : NULL;
    if (v == NULL)
        return NULL;
    memcpy(name, cls->u.g->name, cls->u.g->nlen);
    name[cls->u.g->nlen] = '.';
    memcpy(name + cls->u.g->nlen + 1, attr->u.p, attr->n);
    name[nlen] = '\0';
    g->module = cls->u.g->module;
    g->mlen = cls->u.g->mlen;
    g->name = name;
    g->nlen = (uint32_t)nlen;
    v->u.g = g;
    return v;
}

static pv *
reduce_builtin(pr_vm *vm, pv *callable, pv *args)
{
    pv_kind kind;
    pv *arg, *res;

    if (callable->kind != PV_GLOBAL)
        return NULL;
    if (pv_global_is(callable, "_codecs", "encode") && args->n == 2 &&
        args->u.items[0]->kind == PV_STR && is_latin1_name(args->u.items[1]))
        return latin1_bytes(vm, args->u.items[0], PV_BYTES);
    /* cloudpickle's state setters: record the state like BUILD would */
    if ((is_cloudpickle_fn(callable, "_class_setstate") ||
         is_cloudpickle_fn(callable, "_function_setstate")) &&
        args->n == 2 && args->u.items[0]->kind == PV_OBJ) {
        args->u.items[0]->u.o->state = args->u.items[1];
        return args->u.items[0];
    }
    if (strcmp(callable->u.g->module, "builtins") != 0)
        return NULL;
    if (strcmp(callable->u.g->name, "getattr") == 0)
        return reduce_getattr(vm, args);
    if (strcmp(callable->u.g->name, "bytearray") == 0 ||
        strcmp(callable->u.g->name, "bytes") == 0) {
        pv_kind bk = callable->u.g->name[4] == 'a' ? PV_BYTEARRAY
                                                   : PV_BYTES;
        const uint8_t *bp;
        if (args->n == 0)
            return new_str_ref(vm, (const uint8_t *)"", 0, bk);
        bp = args->u.items[0]->u.p;
        if (args->n == 1 && (args->u.items[0]->kind == PV_BYTES ||
                             args->u.items[0]->kind == PV_BYTEARRAY))
            return new_str_ref(vm, bp, args->u.items[0]->n, bk);
        if (args->n == 2 && args->u.items[0]->kind == PV_STR &&
            is_latin1_name(args->u.items[1]))
            return latin1_bytes(vm, args->u.items[0], bk);
        return NULL;
    }
    if (strcmp(callable->u.g->name, "set") == 0)
        kind = PV_SET;
    else if (strcmp(callable->u.g->name, "frozenset") == 0)
        kind = PV_FROZENSET;
    else if (strcmp(callable->u.g->name, "dict") == 0)
        kind = PV_DICT;
    else if (strcmp(callable->u.g->name, "list") == 0)
        kind = PV_LIST;
    else
        return NULL;
    if (args->n > 1)
        return NULL;
    arg = args->n ? args->u.items[0] : NULL;
    if (arg != NULL && arg->kind != PV_LIST && arg->kind != PV_TUPLE &&
        !(kind == PV_DICT && arg->kind == PV_DICT))
        return NULL;
    if (kind == PV_LIST) {
        res = new_value(vm, PV_LIST);
        for (uint32_t i = 0; res && arg && i < arg->n; i++)
            if (pv_list_append(vm->a, res, arg->u.items[i], vm->err))
                return NULL;
        return res;
    }
    res = new_dictlike(vm, kind);
    if (res == NULL || arg == NULL)
        return res;
    if (arg->kind == PV_DICT) {
        for (uint32_t e = 0; e < arg->u.d->n; e++)
            if (pv_dict_set(vm->a, res, arg->u.d->kv[2 * e],
                            arg->u.d->kv[2 * e + 1], vm->err))
                return NULL;
        return res;
    }
    for (uint32_t i = 0; i < arg->n; i++) {
        pv *item = arg->u.items[i];
        if (kind == PV_DICT) {
            if (item->kind != PV_TUPLE && item->kind != PV_LIST)
                return NULL;
            if (item->n != 2)
                return NULL;
            if (pv_dict_set(vm->a, res, item->u.items[0],
                            item->u.items[1], vm->err))
                return NULL;
        } else if (pv_dict_set(vm->a, res, item, NULL, vm->err)) {
            return NULL;
        }
    }
    return res;
}

static pr_code
op_reduce(pr_vm *vm)
{
    pv *args = NULL, *callable = NULL, *res;

    TRY(pop(vm, &args, "REDUCE"));
    TRY(pop(vm, &callable, "REDUCE"));
    if (args->kind != PV_TUPLE)
        FAIL(PR_EFORMAT, "REDUCE at byte %zu: argument list must be a "
             "tuple", vm->pos);
    vm->err->code = PR_OK;
    res = reduce_builtin(vm, callable, args);
    if (res == NULL && vm->err->code != PR_OK)
        return vm->err->code;
    if (res == NULL)
        res = new_obj(vm, PVH_REDUCE, callable, args, NULL);
    return push(vm, res);
}

static pr_code
op_newobj(pr_vm *vm, int ex)
{
    pv *cls = NULL, *args = NULL, *kwargs = NULL;

    if (ex) {
        TRY(pop(vm, &kwargs, "NEWOBJ_EX"));
        if (kwargs->kind != PV_DICT)
            FAIL(PR_EFORMAT, "NEWOBJ_EX at byte %zu: kwargs must be a "
                 "dict", vm->pos);
    }
    TRY(pop(vm, &args, ex ? "NEWOBJ_EX" : "NEWOBJ"));
    TRY(pop(vm, &cls, ex ? "NEWOBJ_EX" : "NEWOBJ"));
    if (args->kind != PV_TUPLE)
        FAIL(PR_EFORMAT, "%s at byte %zu: args must be a tuple",
             ex ? "NEWOBJ_EX" : "NEWOBJ", vm->pos);
    if (kwargs != NULL && kwargs->u.d->n == 0)
        kwargs = NULL;
    return push(vm, new_obj(vm, ex ? PVH_NEWOBJ_EX : PVH_NEWOBJ, cls, args,
                            kwargs));
}

static pr_code
op_obj(pr_vm *vm)
{
    size_t start;
    pv *args, *cls;

    TRY(pop_mark(vm, &start, "OBJ"));
    if (vm->sp == start)
        FAIL(PR_EFORMAT, "OBJ at byte %zu without a class", vm->pos);
    cls = vm->stack[start];
    args = seq_from_stack(vm, PV_TUPLE, start + 1);
    if (args == NULL)
        return vm->err->code;
    vm->sp = start;
    return push(vm, new_obj(vm, args->n ? PVH_REDUCE : PVH_INST, cls,
                            args, NULL));
}

/* BUILD: Python calls __setstate__ or updates __dict__; we record the
 * state.  A second dict state merges into the first, as __dict__ would. */
static pr_code
op_build(pr_vm *vm)
{
    pv *state = NULL, *inst = NULL;
    pv_obj *o;

    TRY(pop(vm, &state, "BUILD"));
    TRY(top(vm, &inst, "BUILD"));
    if (inst->kind != PV_OBJ)
        FAIL(PR_EFORMAT, "BUILD at byte %zu applied to a %s, which has no "
             "state to set", vm->pos,
             inst->kind == PV_GLOBAL ? "class or function" :
             inst->kind == PV_DICT ? "dict" :
             inst->kind == PV_LIST ? "list" : "built-in value");
    o = inst->u.o;
    if (o->nbuild < 255)
        o->nbuild++;
    if (o->state != NULL && o->state->kind == PV_DICT &&
        state->kind == PV_DICT && o->state != state) {
        pv *merged = new_dictlike(vm, PV_DICT);
        if (merged == NULL)
            return vm->err->code;
        for (int k = 0; k < 2; k++) {
            pv_dict *d = (k ? state : o->state)->u.d;
            for (uint32_t e = 0; e < d->n; e++)
                TRY(pv_dict_set(vm->a, merged, d->kv[2 * e],
                                d->kv[2 * e + 1], vm->err));
        }
        o->state = merged;
        return PR_OK;
    }
    o->state = state;
    return PR_OK;
}

/* ---- containers ------------------------------------------------------ */

static pr_code
append_to(pr_vm *vm, pv *target, pv **items, size_t n, const char *op)
{
    if (target->kind == PV_LIST) {
        for (size_t i = 0; i < n; i++)
            TRY(pv_list_append(vm->a, target, items[i], vm->err));
        return PR_OK;
    }
    if (target->kind == PV_OBJ) {
        pv_obj *o = target->u.o;
        if (o->listitems == NULL) {
            o->listitems = new_value(vm, PV_LIST);
            if (o->listitems == NULL)
                return vm->err->code;
        }
        for (size_t i = 0; i < n; i++)
            TRY(pv_list_append(vm->a, o->listitems, items[i], vm->err));
        return PR_OK;
    }
    FAIL(PR_EFORMAT, "%s at byte %zu onto a %s, which cannot be appended "
         "to", op, vm->pos, target->kind == PV_TUPLE ? "tuple" :
         target->kind == PV_DICT ? "dict" : "non-list value");
}

static pr_code
setitems_on(pr_vm *vm, pv *target, pv **items, size_t n, const char *op)
{
    pv *d = target;

    if (n % 2)
        FAIL(PR_EFORMAT, "%s at byte %zu: odd number of items", op,
             vm->pos);
    if (target->kind == PV_OBJ) {
        pv_obj *o = target->u.o;
        if (o->dictitems == NULL) {
            o->dictitems = new_dictlike(vm, PV_DICT);
            if (o->dictitems == NULL)
                return vm->err->code;
        }
        d = o->dictitems;
    } else if (target->kind != PV_DICT) {
        FAIL(PR_EFORMAT, "%s at byte %zu onto a %s, which does not support "
             "item assignment", op, vm->pos,
             target->kind == PV_LIST ? "list" : "non-dict value");
    }
    TRY(pv_dict_reserve(vm->a, d, n / 2, vm->err));
    for (size_t i = 0; i < n; i += 2)
        TRY(pv_dict_set(vm->a, d, items[i], items[i + 1], vm->err));
    return PR_OK;
}

static pr_code
op_marked(pr_vm *vm, uint8_t op)
{
    size_t start, n;
    pv *target, *v;

    switch (op) {
    case 'e':   /* APPENDS */
        TRY(pop_mark(vm, &start, "APPENDS"));
        if (start == 0)
            FAIL(PR_EFORMAT, "APPENDS at byte %zu with nothing to append "
                 "to", vm->pos);
        target = vm->stack[start - 1];
        n = vm->sp - start;
        TRY(append_to(vm, target, vm->stack + start, n, "APPENDS"));
        vm->sp = start;
        return PR_OK;
    case 'u':   /* SETITEMS */
        TRY(pop_mark(vm, &start, "SETITEMS"));
        if (start == 0)
            FAIL(PR_EFORMAT, "SETITEMS at byte %zu with no dict", vm->pos);
        target = vm->stack[start - 1];
        TRY(setitems_on(vm, target, vm->stack + start, vm->sp - start,
                        "SETITEMS"));
        vm->sp = start;
        return PR_OK;
    case 0x90:  /* ADDITEMS */
        TRY(pop_mark(vm, &start, "ADDITEMS"));
        if (start == 0)
            FAIL(PR_EFORMAT, "ADDITEMS at byte %zu with no set", vm->pos);
        target = vm->stack[start - 1];
        if (target->kind != PV_SET && target->kind != PV_FROZENSET)
            FAIL(PR_EFORMAT, "ADDITEMS at byte %zu onto a non-set value",
                 vm->pos);
        for (size_t i = start; i < vm->sp; i++)
            TRY(pv_dict_set(vm->a, target, vm->stack[i], NULL, vm->err));
        vm->sp = start;
        return PR_OK;
    case 0x91:  /* FROZENSET */
        TRY(pop_mark(vm, &start, "FROZENSET"));
        v = new_dictlike(vm, PV_FROZENSET);
        if (v == NULL)
            return vm->err->code;
        for (size_t i = start; i < vm->sp; i++)
            TRY(pv_dict_set(vm->a, v, vm->stack[i], NULL, vm->err));
        vm->sp = start;
        return push(vm, v);
    case 'd':   /* DICT */
        TRY(pop_mark(vm, &start, "DICT"));
        if ((vm->sp - start) % 2)
            FAIL(PR_EFORMAT, "DICT at byte %zu: odd number of items",
                 vm->pos);
        v = new_dictlike(vm, PV_DICT);
        if (v == NULL)
            return vm->err->code;
        TRY(pv_dict_reserve(vm->a, v, (vm->sp - start) / 2, vm->err));
        for (size_t i = start; i < vm->sp; i += 2)
            TRY(pv_dict_set(vm->a, v, vm->stack[i], vm->stack[i + 1],
                            vm->err));
        vm->sp = start;
        return push(vm, v);
    case 'l':   /* LIST */
    case 't':   /* TUPLE */
        TRY(pop_mark(vm, &start, op == 'l' ? "LIST" : "TUPLE"));
        return push(vm, seq_from_stack(vm, op == 'l' ? PV_LIST : PV_TUPLE,
                                       start));
    case '1':   /* POP_MARK */
        TRY(pop_mark(vm, &start, "POP_MARK"));
        vm->sp = start;
        return PR_OK;
    }
    FAIL(PR_EFORMAT, "internal: bad marked opcode");
}

/* ---- the loop -------------------------------------------------------- */

static const char *
opname(uint8_t op)
{
    switch (op) {
    case 'P': return "PERSID";
    case 'Q': return "BINPERSID";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return "?";
    }
}

static pr_code
run(pr_vm *vm, pv **result)
{
    const pr_limits *lim = &vm->opts->lim;

    for (;;) {
        uint8_t op;
        size_t n = 0, start = 0;
        pv *v = NULL, *w = NULL;

        if (vm->pos >= vm->len)
            FAIL(PR_EFORMAT, "pickle data was truncated: no STOP opcode "
                 "after %zu bytes", vm->len);
        if (++vm->ops > lim->max_ops)
            FAIL(PR_ELIMIT, "pickle runs more than %zu opcodes (max_ops)",
                 lim->max_ops);
        TRY(frame_check(vm, 1, "an opcode"));
        op = vm->p[vm->pos++];
        switch (op) {
        case 0x80:  /* PROTO */
            TRY(need(vm, 1, "PROTO"));
            vm->proto = vm->p[vm->pos++];
            if (vm->proto > HIGHEST_PROTOCOL)
                FAIL(PR_EUNSUPPORTED, "unsupported pickle protocol: %d",
                     vm->proto);
            break;
        case 0x95:  /* FRAME */
            if (vm->frame_end != 0 && vm->pos - 1 != vm->frame_end)
                FAIL(PR_EFORMAT, "beginning of a new frame at byte %zu "
                     "before end of current frame", vm->pos - 1);
            vm->frame_end = 0;
            TRY(read_len(vm, 8, &n, "FRAME"));
            vm->frame_end = n ? vm->pos + n : 0;
            break;
        case '.':   /* STOP */
            if (vm->sp <= vm->fence)
                return underflow(vm, "STOP");
            *result = vm->stack[vm->sp - 1];
            return PR_OK;
        case '(':
            TRY(push_mark(vm));
            break;
        case '0':   /* POP: pops a MARK if one sits on top */
            if (vm->nmarks && vm->marks[vm->nmarks - 1] == vm->sp) {
                vm->nmarks--;
                vm->fence = vm->nmarks ? vm->marks[vm->nmarks - 1] : 0;
            } else {
                TRY(pop(vm, &v, "POP"));
            }
            break;
        case '2':   /* DUP */
            TRY(top(vm, &v, "DUP"));
            TRY(push(vm, v));
            break;
        case 'N':
            TRY(push(vm, &none_value));
            break;
        case 0x88:
            TRY(push(vm, &true_value));
            break;
        case 0x89:
            TRY(push(vm, &false_value));
            break;
        case 'I':
            TRY(op_int(vm));
            break;
        case 'L':
            TRY(op_long(vm));
            break;
        case 'J':   /* BININT */
            TRY(need(vm, 4, "BININT"));
            TRY(push(vm, new_int(vm, (int32_t)(uint32_t)le(vm->p + vm->pos,
                                                           4))));
            vm->pos += 4;
            break;
        case 'K':   /* BININT1 */
            TRY(need(vm, 1, "BININT1"));
            TRY(push(vm, new_int(vm, vm->p[vm->pos++])));
            break;
        case 'M':   /* BININT2 */
            TRY(need(vm, 2, "BININT2"));
            TRY(push(vm, new_int(vm, (int64_t)le(vm->p + vm->pos, 2))));
            vm->pos += 2;
            break;
        case 0x8a:  /* LONG1 */
            TRY(read_len(vm, 1, &n, "LONG1"));
            TRY(push_long_bytes(vm, vm->p + vm->pos, n));
            vm->pos += n;
            break;
        case 0x8b:  /* LONG4: signed length */
            TRY(need(vm, 4, "LONG4"));
            if (vm->p[vm->pos + 3] & 0x80)
                FAIL(PR_EFORMAT, "LONG pickle has negative byte count");
            TRY(read_len(vm, 4, &n, "LONG4"));
            TRY(push_long_bytes(vm, vm->p + vm->pos, n));
            vm->pos += n;
            break;
        case 'F':
            TRY(op_float(vm));
            break;
        case 'G': { /* BINFLOAT: big-endian IEEE 754 */
            uint64_t bits = 0;
            TRY(need(vm, 8, "BINFLOAT"));
            for (int i = 0; i < 8; i++)
                bits = (bits << 8) | vm->p[vm->pos + (size_t)i];
            vm->pos += 8;
            v = new_value(vm, PV_FLOAT);
            if (v == NULL)
                return vm->err->code;
            memcpy(&v->u.f, &bits, sizeof(bits));
            TRY(push(vm, v));
            break;
        }
        case 'S':
            TRY(op_string(vm));
            break;
        case 'T':   /* BINSTRING: signed 4-byte length */
            TRY(need(vm, 4, "BINSTRING"));
            if (vm->p[vm->pos + 3] & 0x80)
                FAIL(PR_EFORMAT, "BINSTRING pickle has negative byte "
                     "count");
            TRY(read_len(vm, 4, &n, "BINSTRING"));
            TRY(push(vm, py2_str(vm, vm->p + vm->pos, n, 0)));
            vm->pos += n;
            break;
        case 'U':
            TRY(read_len(vm, 1, &n, "SHORT_BINSTRING"));
            TRY(push(vm, py2_str(vm, vm->p + vm->pos, n, 0)));
            vm->pos += n;
            break;
        case 'V':
            TRY(op_unicode(vm));
            break;
        case 'X':
        case 0x8c:
        case 0x8d: {
            const char *name = op == 'X' ? "BINUNICODE" :
                               op == 0x8c ? "SHORT_BINUNICODE" :
                               "BINUNICODE8";
            TRY(read_len(vm, op == 'X' ? 4 : op == 0x8c ? 1 : 8, &n, name));
            if (!utf8_valid(vm->p + vm->pos, n))
                FAIL(PR_EFORMAT, "%s at byte %zu is not valid UTF-8", name,
                     vm->pos);
            TRY(push(vm, new_str_ref(vm, vm->p + vm->pos, n, PV_STR)));
            vm->pos += n;
            break;
        }
        case 'B':
        case 'C':
        case 0x8e:
        case 0x96:
            TRY(read_len(vm, op == 'B' ? 4 : op == 'C' ? 1 : 8, &n,
                         op == 'B' ? "BINBYTES" : op == 'C' ?
                         "SHORT_BINBYTES" : op == 0x8e ? "BINBYTES8" :
                         "BYTEARRAY8"));
            TRY(push(vm, new_str_ref(vm, vm->p + vm->pos, n,
                                     op == 0x96 ? PV_BYTEARRAY :
                                     PV_BYTES)));
            vm->pos += n;
            break;
        case ')':
            TRY(push(vm, &empty_tuple));
            break;
        case 0x85:
        case 0x86:
        case 0x87:
            n = (size_t)(op - 0x84);
            if (vm->sp < vm->fence + n)
                return underflow(vm, "TUPLE1/2/3");
            TRY(push(vm, seq_from_stack(vm, PV_TUPLE, vm->sp - n)));
            break;
        case ']':
            TRY(push(vm, new_value(vm, PV_LIST)));
            break;
        case '}':
            TRY(push(vm, new_dictlike(vm, PV_DICT)));
            break;
        case 0x8f:
            TRY(push(vm, new_dictlike(vm, PV_SET)));
            break;
        case 'a':   /* APPEND */
            TRY(pop(vm, &v, "APPEND"));
            TRY(top(vm, &w, "APPEND"));
            TRY(append_to(vm, w, &v, 1, "APPEND"));
            break;
        case 's': { /* SETITEM */
            pv *kv[2] = { NULL, NULL };
            TRY(pop(vm, &kv[1], "SETITEM"));
            TRY(pop(vm, &kv[0], "SETITEM"));
            TRY(top(vm, &w, "SETITEM"));
            TRY(setitems_on(vm, w, kv, 2, "SETITEM"));
            break;
        }
        case 'e': case 'u': case 0x90: case 0x91:
        case 'd': case 'l': case 't': case '1':
            TRY(op_marked(vm, op));
            break;
        case 'g': { /* GET */
            const uint8_t *s;
            char *end;
            char buf[32];
            long long idx;
            TRY(read_line(vm, &s, &n, "GET"));
            if (n == 0 || n >= sizeof(buf))
                FAIL(PR_EFORMAT, "GET at byte %zu: invalid memo index",
                     vm->pos);
            memcpy(buf, s, n);
            buf[n] = '\0';
            errno = 0;
            idx = strtoll(buf, &end, 10);
            if (*end != '\0' || errno || idx < 0)
                FAIL(PR_EFORMAT, "GET at byte %zu: invalid memo index "
                     "'%s'", vm->pos, buf);
            TRY(memo_get(vm, (size_t)idx));
            break;
        }
        case 'h':
            TRY(need(vm, 1, "BINGET"));
            TRY(memo_get(vm, vm->p[vm->pos++]));
            break;
        case 'j':
            TRY(need(vm, 4, "LONG_BINGET"));
            n = (size_t)le(vm->p + vm->pos, 4);
            vm->pos += 4;
            TRY(memo_get(vm, n));
            break;
        case 'p': { /* PUT */
            const uint8_t *s;
            char *end;
            char buf[32];
            long long idx;
            TRY(read_line(vm, &s, &n, "PUT"));
            if (n == 0 || n >= sizeof(buf))
                FAIL(PR_EFORMAT, "PUT at byte %zu: invalid memo index",
                     vm->pos);
            memcpy(buf, s, n);
            buf[n] = '\0';
            errno = 0;
            idx = strtoll(buf, &end, 10);
            if (*end != '\0' || errno)
                FAIL(PR_EFORMAT, "PUT at byte %zu: invalid memo index "
                     "'%s'", vm->pos, buf);
            if (idx < 0)
                FAIL(PR_EFORMAT, "negative PUT argument");
            TRY(top(vm, &v, "PUT"));
            TRY(memo_put(vm, (size_t)idx, v));
            break;
        }
        case 'q':
            TRY(need(vm, 1, "BINPUT"));
            TRY(top(vm, &v, "BINPUT"));
            TRY(memo_put(vm, vm->p[vm->pos++], v));
            break;
        case 'r':
            TRY(need(vm, 4, "LONG_BINPUT"));
            n = (size_t)le(vm->p + vm->pos, 4);
            vm->pos += 4;
            TRY(top(vm, &v, "LONG_BINPUT"));
            TRY(memo_put(vm, n, v));
            break;
        case 0x94:  /* MEMOIZE */
            TRY(top(vm, &v, "MEMOIZE"));
            TRY(memo_put(vm, vm->memo_len, v));
            break;
        case 'c':
            TRY(op_global(vm, 0));
            break;
        case 'i':
            TRY(op_global(vm, 1));
            break;
        case 0x93:
            TRY(op_stack_global(vm));
            break;
        case 'R':
            TRY(op_reduce(vm));
            break;
        case 0x81:
            TRY(op_newobj(vm, 0));
            break;
        case 0x92:
            TRY(op_newobj(vm, 1));
            break;
        case 'o':
            TRY(op_obj(vm));
            break;
        case 'b':
            TRY(op_build(vm));
            break;
        case 'P': case 'Q': case 0x82: case 0x83: case 0x84:
        case 0x97: case 0x98:
            FAIL(PR_EUNSUPPORTED, "pickle uses %s at byte %zu (%s), which "
                 "needs the writer's own loader; it cannot be decoded "
                 "as data", opname(op), vm->pos - 1,
                 op == 'P' || op == 'Q' ? "a persistent id" :
                 op >= 0x97 ? "an out-of-band buffer" :
                 "an extension-registry code");
        default:
            FAIL(PR_EFORMAT, "invalid load key, '\\x%02x' at byte %zu: "
                 "not a pickle opcode", op, vm->pos - 1);
        }
        (void)start;
    }
}

pr_code
pv_unpickle(pv_doc *doc, const void *data, size_t len,
            const pr_decode_opts *opts, pr_error *err)
{
    pr_vm vm;
    pr_code rc;
    pv *result = NULL;

    memset(doc, 0, sizeof(*doc));
    pr_arena_init(&doc->arena, opts->lim.max_arena);
    doc->input = data;
    doc->input_len = len;
    if (len > opts->lim.max_input)
        return pr_error_set(err, PR_ELIMIT, "pickle of %zu bytes is larger "
                            "than %zu bytes (max_input)", len,
                            opts->lim.max_input);
    if (len == 0)
        return pr_error_set(err, PR_EFORMAT, "pickle is empty: "
                            "Ran out of input");
    memset(&vm, 0, sizeof(vm));
    vm.p = data;
    vm.len = len;
    vm.opts = opts;
    vm.memo_max = memo_limit(&vm);
    vm.a = &doc->arena;
    vm.err = err;
    rc = run(&vm, &result);
    pr_free(vm.stack);
    pr_free(vm.marks);
    pr_free(vm.memo);
    if (rc == PR_OK)
        doc->root = result;
    return rc;
}

void
pv_doc_dispose(pv_doc *doc)
{
    pr_arena_dispose(&doc->arena);
    doc->root = NULL;
}
