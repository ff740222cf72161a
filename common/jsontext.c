/*
 * jsontext.c - reads JSON text written by Python's json module (what
 * Prefect's JSON serializer stores) and rewrites it per the contract.
 *
 * One iterative parser with an explicit, depth-limited stack serves two
 * jobs: rewriting (pr_json_value_to_json) and validating while noting
 * top-level keys (pr_json_scan_keys, for telling result files apart).
 * Nothing goes through a tree or a double:
 *   - numbers are copied as written, so a 40-digit int stays exact;
 *   - NaN, Infinity and -Infinity (json.dumps writes them) are accepted
 *     and written per the NaN policy by the shared writer;
 *   - strings are decoded and re-encoded with the shared writer, so the
 *     output escapes exactly as the pickle path does (a lone surrogate
 *     escape stays a \udXXX escape);
 *   - in plain mode an object with exactly the keys "__class__" (a
 *     string) and "data" is replaced by its data.  The object is written
 *     as it comes, and when it closes and turns out to be such an
 *     envelope, the data's output is moved over it: no lookahead, and
 *     envelopes nested in envelopes unwrap from the inside out.
 * Input is held to what Python accepts: strict UTF-8, no raw control
 * characters in strings, nothing but whitespace after the value.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "pr.h"
#include "hexdigit.h"
#include "alloc.h"
#include "jsonw.h"
#include "jsontext.h"

#define STACK_FIRST 16

enum { KEY_OTHER = 0, KEY_CLASS, KEY_DATA };

typedef struct frame {
    size_t out_start;       /* output offset of this object's '{' */
    size_t data_start;      /* output span of the "data" member's value */
    size_t data_end;
    size_t val_start;       /* input offset of the current member value */
    size_t nkeys;
    int want;               /* index into the wanted keys, or -1 */
    unsigned char is_obj;
    unsigned char cur;      /* KEY_* of the current member */
    unsigned char n_class;  /* how often "__class__" came (saturates) */
    unsigned char n_data;
    unsigned char class_str;    /* the "__class__" value was a string */
} frame;

typedef struct parser {
    const char *s;
    size_t len;
    size_t pos;
    pr_buf *out;            /* NULL: validate only */
    pr_nan_policy nan;
    int unwrap;             /* plain mode: unwrap envelopes */
    pr_buf tmp;             /* a decoded string */
    frame *stack;
    size_t depth;
    size_t cap;
    size_t max_depth;
    const char *const *want;    /* keys to find in a top-level object */
    size_t nwant;
    pr_json_span *found;
    pr_error *err;
} parser;

static pr_code
fail(parser *ps, const char *what)
{
    return pr_error_set(ps->err, PR_EFORMAT, "invalid JSON at byte %zu: "
                        "%s", ps->pos, what);
}

static void
skip_ws(parser *ps)
{
    const char *s = ps->s;
    size_t i = ps->pos, n = ps->len;

    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' ||
                     s[i] == '\t'))
        i++;
    ps->pos = i;
}

static pr_code
put(parser *ps, char c)
{
    if (ps->out == NULL)
        return PR_OK;
    return pr_buf_putc(ps->out, c, ps->err);
}

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Four hex digits at s (n bytes available) as a code unit, or -1. */
static long
hex4(const char *s, size_t n)
{
    long v = 0;
    int i;

    if (n < 4)
        return -1;
    for (i = 0; i < 4; i++) {
        int h = pr_hex_digit(s[i]);
        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    return v;
}

/* ------------------------------------------------------------------ */
/* Strings */

/*
 * Length of the strict UTF-8 sequence at s (2 to 4), or 0 if invalid.
 * Encoded surrogates (ED A0..BF) are invalid: Python's bytes.decode()
 * refuses them, so Prefect could never have read such a file.
 */
static size_t
utf8_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t k, need;

    if (c >= 0xc2 && c <= 0xdf)
        need = 2;
    else if (c >= 0xe0 && c <= 0xef)
        need = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 4;
    else
        return 0;
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (avail < need || s[1] < lo || s[1] > hi)
        return 0;
    for (k = 2; k < need; k++)
        if ((s[k] & 0xc0) != 0x80)
            return 0;
    return need;
}

/*
 * Scans the string literal at ps->pos (which is '"'), checking escapes
 * and UTF-8.  *body and *n get the text between the quotes; *esc is set when
 * it holds a backslash.  ps->pos ends after the closing quote.
 */
static pr_code
scan_string(parser *ps, const char **body, size_t *n, int *esc)
{
    const unsigned char *s = (const unsigned char *)ps->s;
    size_t i = ps->pos + 1, len = ps->len, start = i;

    *esc = 0;
    for (;;) {
        unsigned char c;

        while (i < len && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' &&
               s[i] != '\\')
            i++;
        if (i >= len) {
            ps->pos = i;
            return fail(ps, "a string is not closed");
        }
        c = s[i];
        if (c == '"')
            break;
        if (c == '\\') {
            *esc = 1;
            if (i + 1 >= len) {
                ps->pos = i;
                return fail(ps, "a string is not closed");
            }
            switch (s[i + 1]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n':
            case 'r': case 't':
                i += 2;
                continue;
            case 'u':
                if (hex4((const char *)s + i + 2, len - i - 2) < 0) {
                    ps->pos = i;
                    return fail(ps, "invalid \\u escape in a string");
                }
                i += 6;
                continue;
            default:
                ps->pos = i;
                return fail(ps, "invalid escape in a string");
            }
        }
        if (c < 0x20) {
            ps->pos = i;
            return fail(ps, "control character in a string (it must be "
                        "escaped)");
        }
        {
            size_t k = utf8_len(s + i, len - i);
            if (k == 0) {
                ps->pos = i;
                return fail(ps, "invalid UTF-8 in a string");
            }
            i += k;
        }
    }
    *body = ps->s + start;
    *n = i - start;
    ps->pos = i + 1;
    return PR_OK;
}

static size_t
utf8_put(unsigned char *d, unsigned long cp)
{
    if (cp < 0x80) {
        d[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (unsigned char)(0xc0 | cp >> 6);
        d[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        /* Surrogates too: the 'surrogatepass' form the writer knows. */
        d[0] = (unsigned char)(0xe0 | cp >> 12);
        d[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        d[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    d[0] = (unsigned char)(0xf0 | cp >> 18);
    d[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    d[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    d[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/*
 * Appends what the string body s (n bytes, quotes excluded) stands for.
 * Pairs \ud83d\ude80 into one code point as Python's json does.
 */
static pr_code
unescape_body(pr_buf *out, const char *s, size_t n, pr_error *err)
{
    size_t i = 0;
    pr_code rc;

    while (i < n) {
        size_t run = i;
        unsigned char u[4];
        unsigned long cp;
        char c;

        while (run < n && s[run] != '\\')
            run++;
        if (run > i) {
            rc = pr_buf_append(out, s + i, run - i, err);
            if (rc != PR_OK)
                return rc;
            i = run;
            continue;
        }
        if (i + 1 >= n)
            return pr_error_set(err, PR_EFORMAT, "a JSON string ends in "
                                "a backslash");
        c = s[i + 1];
        i += 2;
        switch (c) {
        case '"': case '\\': case '/':
            u[0] = (unsigned char)c;
            break;
        case 'b':
            u[0] = '\b';
            break;
        case 'f':
            u[0] = '\f';
            break;
        case 'n':
            u[0] = '\n';
            break;
        case 'r':
            u[0] = '\r';
            break;
        case 't':
            u[0] = '\t';
            break;
        case 'u': {
            long v = hex4(s + i, n - i), lo;

            if (v < 0)
                return pr_error_set(err, PR_EFORMAT, "invalid \\u escape "
                                    "in a JSON string");
            i += 4;
            cp = (unsigned long)v;
            if (cp >= 0xd800 && cp <= 0xdbff && n - i >= 6 &&
                s[i] == '\\' && s[i + 1] == 'u' &&
                (lo = hex4(s + i + 2, n - i - 2)) >= 0xdc00 &&
                lo <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) +
                     ((unsigned long)lo - 0xdc00);
                i += 6;
            }
            rc = pr_buf_append(out, u, utf8_put(u, cp), err);
            if (rc != PR_OK)
                return rc;
            continue;
        }
        default:
            return pr_error_set(err, PR_EFORMAT, "invalid escape in a "
                                "JSON string");
        }
        rc = pr_buf_append(out, u, 1, err);
        if (rc != PR_OK)
            return rc;
    }
    return PR_OK;
}

pr_code
pr_json_unescape(pr_buf *out, const char *s, size_t n, pr_error *err)
{
    if (n < 2 || s[0] != '"' || s[n - 1] != '"')
        return pr_error_set(err, PR_EFORMAT, "expected a JSON string");
    if (out->data == NULL) {
        /* the caller gets a (NUL-terminated) buffer even for "" */
        pr_code rc = pr_buf_reserve(out, n - 2, err);
        if (rc != PR_OK)
            return rc;
    }
    return unescape_body(out, s + 1, n - 2, err);
}

/* Does the string body (raw, n bytes) decode to exactly `want`? */
static pr_code
key_is(parser *ps, const char *body, size_t n, int esc, const char *want,
       int *yes)
{
    size_t wn = strlen(want);
    pr_code rc;

    /* an escape takes at least two bytes for one: shorter cannot match */
    if (n < wn || (!esc && n != wn)) {
        *yes = 0;
        return PR_OK;
    }
    if (!esc) {
        *yes = n == wn && memcmp(body, want, n) == 0;
        return PR_OK;
    }
    /* An escaped key can only match if it decodes to as many bytes. */
    ps->tmp.len = 0;
    rc = unescape_body(&ps->tmp, body, n, ps->err);
    if (rc != PR_OK)
        return rc;
    *yes = ps->tmp.len == wn && memcmp(ps->tmp.data, want, wn) == 0;
    return PR_OK;
}

static pr_code
emit_string(parser *ps, const char *body, size_t n, int esc)
{
    pr_code rc;

    if (ps->out == NULL)
        return PR_OK;
    if (!esc)
        return pr_json_string(ps->out, body, n, ps->err);
    ps->tmp.len = 0;
    rc = unescape_body(&ps->tmp, body, n, ps->err);
    if (rc != PR_OK)
        return rc;
    return pr_json_string(ps->out, ps->tmp.data != NULL ? ps->tmp.data :
                          "", ps->tmp.len, ps->err);
}

/* ------------------------------------------------------------------ */
/* Numbers and bare words */

static pr_code
number(parser *ps)
{
    const char *s = ps->s;
    size_t start = ps->pos, i = ps->pos, n = ps->len;

    if (s[i] == '-')
        i++;
    if (i >= n || !is_digit(s[i])) {
        ps->pos = i;
        return fail(ps, "expected a digit");
    }
    if (s[i] == '0') {
        i++;
    } else {
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || !is_digit(s[i])) {
            ps->pos = i;
            return fail(ps, "expected a digit after the decimal point");
        }
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || !is_digit(s[i])) {
            ps->pos = i;
            return fail(ps, "expected a digit in the exponent");
        }
        while (i < n && is_digit(s[i]))
            i++;
    }
    ps->pos = i;
    /* The text as written: Python reads any length of integer exactly. */
    if (ps->out == NULL)
        return PR_OK;
    return pr_buf_append(ps->out, s + start, i - start, ps->err);
}

/* Matches the bare word w at ps->pos. */
static int
word(parser *ps, const char *w)
{
    size_t n = strlen(w);

    if (ps->len - ps->pos < n || memcmp(ps->s + ps->pos, w, n) != 0)
        return 0;
    ps->pos += n;
    return 1;
}

static pr_code
bare_word(parser *ps)
{
    static const struct {
        const char *w;
        int nonfinite;      /* 0: copy; 1 NaN; 2 Infinity; 3 -Infinity */
    } words[] = {
        { "true", 0 }, { "false", 0 }, { "null", 0 }, { "NaN", 1 },
        { "Infinity", 2 }, { "-Infinity", 3 }
    };
    size_t i, start = ps->pos;

    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (!word(ps, words[i].w))
            continue;
        if (ps->out == NULL)
            return PR_OK;
        switch (words[i].nonfinite) {
        case 0:
            return pr_buf_append(ps->out, ps->s + start, ps->pos - start,
                                 ps->err);
        case 1:
            return pr_json_double(ps->out, NAN, ps->nan, ps->err);
        case 2:
            return pr_json_double(ps->out, INFINITY, ps->nan, ps->err);
        default:
            return pr_json_double(ps->out, -INFINITY, ps->nan, ps->err);
        }
    }
    return fail(ps, "expected a value");
}

/* ------------------------------------------------------------------ */
/* Containers */

static pr_code
push(parser *ps, int is_obj)
{
    frame *f;

    if (ps->depth >= ps->max_depth)
        return pr_error_set(ps->err, PR_ELIMIT, "JSON nests deeper than "
                            "%zu levels at byte %zu (max_depth)",
                            ps->max_depth, ps->pos);
    if (ps->depth == ps->cap) {
        size_t ncap, bytes;
        frame *ns;

        if (!pr_size_mul(ps->cap ? ps->cap : STACK_FIRST / 2, 2, &ncap) ||
            !pr_size_mul(ncap, sizeof(frame), &bytes))
            return pr_error_set(ps->err, PR_ENOMEM, "JSON nesting stack "
                                "too large");
        ns = pr_realloc(ps->stack, bytes);
        if (ns == NULL)
            return pr_error_set(ps->err, PR_ENOMEM, "out of memory for "
                                "the JSON nesting stack (%zu levels)",
                                ncap);
        ps->stack = ns;
        ps->cap = ncap;
    }
    f = &ps->stack[ps->depth++];
    memset(f, 0, sizeof(*f));
    f->is_obj = (unsigned char)is_obj;
    f->want = -1;
    f->out_start = ps->out != NULL ? ps->out->len : 0;
    return put(ps, is_obj ? '{' : '[');
}

/* Parses `"key":` of an object member (ps->pos at the key's quote). */
static pr_code
member_key(parser *ps)
{
    frame *f = &ps->stack[ps->depth - 1];
    const char *body;
    size_t n, i;
    int esc, yes;
    pr_code rc;

    if (ps->pos >= ps->len || ps->s[ps->pos] != '"')
        return fail(ps, "expected a string key");
    rc = scan_string(ps, &body, &n, &esc);
    if (rc != PR_OK)
        return rc;
    f->cur = KEY_OTHER;
    if (ps->unwrap) {
        rc = key_is(ps, body, n, esc, "__class__", &yes);
        if (rc == PR_OK && yes) {
            f->cur = KEY_CLASS;
            if (f->n_class < 2)
                f->n_class++;
        } else if (rc == PR_OK) {
            rc = key_is(ps, body, n, esc, "data", &yes);
            if (rc == PR_OK && yes) {
                f->cur = KEY_DATA;
                if (f->n_data < 2)
                    f->n_data++;
            }
        }
        if (rc != PR_OK)
            return rc;
    }
    f->nkeys++;
    if (ps->depth == 1 && ps->nwant > 0) {
        f->want = -1;
        for (i = 0; i < ps->nwant; i++) {
            rc = key_is(ps, body, n, esc, ps->want[i], &yes);
            if (rc != PR_OK)
                return rc;
            if (yes) {
                f->want = (int)i;
                break;
            }
        }
    }
    rc = emit_string(ps, body, n, esc);
    if (rc != PR_OK)
        return rc;
    skip_ws(ps);
    if (ps->pos >= ps->len || ps->s[ps->pos] != ':')
        return fail(ps, "expected ':' after an object key");
    ps->pos++;
    rc = put(ps, ':');
    if (rc != PR_OK)
        return rc;
    if (f->cur == KEY_DATA && ps->out != NULL)
        f->data_start = ps->out->len;
    return PR_OK;
}

/* A member value of the innermost object has just ended at `end`. */
static void
member_done(parser *ps, size_t end, int was_string)
{
    frame *f = &ps->stack[ps->depth - 1];

    if (f->cur == KEY_DATA && ps->out != NULL)
        f->data_end = ps->out->len;
    else if (f->cur == KEY_CLASS)
        f->class_str = (unsigned char)was_string;
    if (f->want >= 0) {
        ps->found[f->want].p = ps->s + f->val_start;
        ps->found[f->want].n = end - f->val_start;
    }
}

/* Closes the innermost container (the closing bracket was consumed). */
static pr_code
pop(parser *ps)
{
    frame *f = &ps->stack[ps->depth - 1];
    pr_buf *o = ps->out;

    ps->depth--;
    if (f->is_obj && ps->unwrap && o != NULL && f->nkeys == 2 &&
        f->n_class == 1 && f->n_data == 1 && f->class_str) {
        size_t n = f->data_end - f->data_start;

        /* An envelope: its data takes the object's place. */
        memmove(o->data + f->out_start, o->data + f->data_start, n);
        o->len = f->out_start + n;
        o->data[o->len] = '\0';
        return PR_OK;
    }
    return put(ps, f->is_obj ? '}' : ']');
}

/* ------------------------------------------------------------------ */

static pr_code
parse(parser *ps)
{
    int in_value = 1, was_string = 0;
    pr_code rc;

    for (;;) {
        frame *f;
        char c;

        if (in_value) {
            skip_ws(ps);
            if (ps->pos >= ps->len)
                return fail(ps, "expected a value, found the end of the "
                            "input");
            if (ps->depth > 0)
                ps->stack[ps->depth - 1].val_start = ps->pos;
            c = ps->s[ps->pos];
            was_string = 0;
            if (c == '{' || c == '[') {
                rc = push(ps, c == '{');
                if (rc != PR_OK)
                    return rc;
                ps->pos++;
                skip_ws(ps);
                if (ps->pos < ps->len &&
                    ps->s[ps->pos] == (c == '{' ? '}' : ']')) {
                    ps->pos++;
                    rc = pop(ps);
                    if (rc != PR_OK)
                        return rc;
                    in_value = 0;
                    continue;
                }
                if (c == '{') {
                    rc = member_key(ps);
                    if (rc != PR_OK)
                        return rc;
                }
                continue;
            }
            if (c == '"') {
                const char *body;
                size_t n;
                int esc;

                rc = scan_string(ps, &body, &n, &esc);
                if (rc == PR_OK)
                    rc = emit_string(ps, body, n, esc);
                was_string = 1;
            } else if (is_digit(c) ||
                       (c == '-' && (ps->pos + 1 >= ps->len ||
                                     ps->s[ps->pos + 1] != 'I'))) {
                rc = number(ps);
            } else {
                rc = bare_word(ps);
            }
            if (rc != PR_OK)
                return rc;
            in_value = 0;
            continue;
        }

        /* A value has ended at ps->pos. */
        if (ps->depth == 0) {
            skip_ws(ps);
            if (ps->pos < ps->len)
                return fail(ps, "extra data after the JSON value");
            return PR_OK;
        }
        f = &ps->stack[ps->depth - 1];
        if (f->is_obj)
            member_done(ps, ps->pos, was_string);
        was_string = 0;
        skip_ws(ps);
        if (ps->pos >= ps->len)
            return fail(ps, f->is_obj ? "expected ',' or '}' after an "
                        "object member, found the end of the input" :
                        "expected ',' or ']' after an array element, "
                        "found the end of the input");
        c = ps->s[ps->pos];
        if (c == ',') {
            ps->pos++;
            rc = put(ps, ',');
            if (rc == PR_OK && f->is_obj) {
                skip_ws(ps);
                rc = member_key(ps);
            }
            if (rc != PR_OK)
                return rc;
            in_value = 1;
            continue;
        }
        if (c == (f->is_obj ? '}' : ']')) {
            ps->pos++;
            rc = pop(ps);
            if (rc != PR_OK)
                return rc;
            continue;
        }
        return fail(ps, f->is_obj ? "expected ',' or '}' after an object "
                    "member" : "expected ',' or ']' after an array "
                    "element");
    }
}

static void
parser_init(parser *ps, const char *text, size_t len, size_t max_depth,
            pr_error *err)
{
    memset(ps, 0, sizeof(*ps));
    ps->s = text;
    ps->len = len;
    ps->max_depth = max_depth;
    ps->err = err;
    pr_buf_init(&ps->tmp, 0);
}

static void
parser_dispose(parser *ps)
{
    pr_free(ps->stack);
    pr_buf_dispose(&ps->tmp);
}

pr_code
pr_json_scan_keys(int *is_object, pr_json_span *found,
                  const char *const *want, size_t nwant,
                  const char *text, size_t len, size_t max_depth,
                  pr_error *err)
{
    parser ps;
    size_t i;
    pr_code rc;

    for (i = 0; i < nwant; i++) {
        found[i].p = NULL;
        found[i].n = 0;
    }
    *is_object = 0;
    parser_init(&ps, text, len, max_depth, err);
    ps.want = want;
    ps.nwant = nwant;
    ps.found = found;
    rc = parse(&ps);
    parser_dispose(&ps);
    if (rc != PR_OK)
        return rc;
    /* The first non-blank byte tells an object. */
    for (i = 0; i < len && (text[i] == ' ' || text[i] == '\n' ||
                            text[i] == '\r' || text[i] == '\t'); i++)
        ;
    *is_object = i < len && text[i] == '{';
    return PR_OK;
}

pr_code
pr_json_value_to_json(pr_buf *out, const char *text, size_t len,
                      const pr_decode_opts *opts, pr_error *err)
{
    pr_decode_opts defaults = PR_DECODE_OPTS_INIT;
    size_t saved_max = out->max, budget;
    pr_error local;
    parser ps;
    pr_code rc;

    if (err == NULL)
        err = &local;
    pr_error_clear(err);
    if (opts == NULL)
        opts = &defaults;
    if (len > opts->lim.max_input)
        return pr_error_set(err, PR_ELIMIT, "JSON text of %zu bytes is "
                            "larger than %zu bytes (max_input)", len,
                            opts->lim.max_input);
    if (!pr_size_add(out->len, opts->lim.max_output, &budget))
        budget = SIZE_MAX;
    if (out->max == 0 || budget < out->max)
        out->max = budget;
    parser_init(&ps, text, len, opts->lim.max_depth, err);
    ps.out = out;
    ps.nan = opts->nan;
    ps.unwrap = !opts->typed;
    rc = parse(&ps);
    parser_dispose(&ps);
    out->max = saved_max;
    return rc;
}
