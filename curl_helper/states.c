/*
 * states.c - a validating JSON walk that records Prefect states.
 *
 * Recursive descent over the text, depth-limited.  Each object notes
 * the members that tell a state or a run ("type", "data",
 * "state_details", "state", "state_id", "message" and our reference
 * key); when an object turns out to be a state, whatever was recorded
 * inside it is dropped (a value that merely looks like a state is the
 * run's data, not another state) and the state itself is recorded.
 * Keys are compared as written, escapes and all: the API writes them
 * plain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "states.h"
#include "hexdigit.h"     /* the core's, header-only */

static const char *const state_types[] = {
    "SCHEDULED", "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED",
    "CRASHED", "PAUSED", "CANCELLING"
};

struct walk {
    const char *s;
    size_t n, i;
    size_t depth, max_depth;
    pcurl_scan *out;
    int oom;
};

/* A member of interest: its value's span, or off == 0 when absent
 * (a value never starts at offset 0 inside an object). */
struct span {
    size_t off, len;
};

enum { K_TYPE, K_DATA, K_DETAILS, K_STATE, K_STATE_ID, K_MESSAGE, K_REF,
       K_COUNT };

static const char *const keys[K_COUNT] = {
    "type", "data", "state_details", "state", "state_id", "message",
    PCURL_REF_KEY
};

static int value(struct walk *w);

static void
ws(struct walk *w)
{
    while (w->i < w->n && (w->s[w->i] == ' ' || w->s[w->i] == '\t' ||
                           w->s[w->i] == '\n' || w->s[w->i] == '\r'))
        w->i++;
}

static int
string(struct walk *w)
{
    if (w->i >= w->n || w->s[w->i] != '"')
        return -1;
    for (w->i++; w->i < w->n; w->i++) {
        unsigned char c = (unsigned char)w->s[w->i];

        if (c == '"') {
            w->i++;
            return 0;
        }
        if (c < 0x20)
            return -1;
        if (c == '\\') {
            if (++w->i >= w->n)
                return -1;
            c = (unsigned char)w->s[w->i];
            if (c == 'u') {
                size_t k;

                for (k = 1; k <= 4; k++) {
                    char h = w->i + k < w->n ? w->s[w->i + k] : 0;

                    if (pr_hex_digit(h) < 0)
                        return -1;
                }
                w->i += 4;
            } else if (strchr("\"\\/bfnrt", c) == NULL) {
                return -1;
            }
        }
    }
    return -1;
}

static int
digits(struct walk *w)
{
    size_t start = w->i;

    while (w->i < w->n && w->s[w->i] >= '0' && w->s[w->i] <= '9')
        w->i++;
    return w->i > start ? 0 : -1;
}

static int
literal(struct walk *w, const char *word)
{
    size_t k = strlen(word);

    if (w->n - w->i < k || memcmp(w->s + w->i, word, k) != 0)
        return -1;
    w->i += k;
    return 0;
}

static int
number(struct walk *w)
{
    if (w->s[w->i] == '-') {
        w->i++;
        /* Python's json writes -Infinity; accept it as a token. */
        if (w->i < w->n && w->s[w->i] == 'I')
            return literal(w, "Infinity");
    }
    if (w->i < w->n && w->s[w->i] == '0')
        w->i++;
    else if (digits(w) != 0)
        return -1;
    if (w->i < w->n && w->s[w->i] == '.') {
        w->i++;
        if (digits(w) != 0)
            return -1;
    }
    if (w->i < w->n && (w->s[w->i] == 'e' || w->s[w->i] == 'E')) {
        w->i++;
        if (w->i < w->n && (w->s[w->i] == '+' || w->s[w->i] == '-'))
            w->i++;
        if (digits(w) != 0)
            return -1;
    }
    return 0;
}

static int
push(struct walk *w, const pcurl_state *st)
{
    pcurl_scan *o = w->out;

    if (o->n == o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 16;
        pcurl_state *nv = realloc(o->v, ncap * sizeof(*nv));

        if (nv == NULL) {
            w->oom = 1;
            return -1;
        }
        o->v = nv;
        o->cap = ncap;
    }
    o->v[o->n++] = *st;
    return 0;
}

static int
is_state_type(const char *s, size_t len, char out[16])
{
    size_t i;

    /* the span includes the quotes */
    if (len < 3 || len - 2 >= 16)
        return 0;
    for (i = 0; i < sizeof(state_types) / sizeof(state_types[0]); i++)
        if (strlen(state_types[i]) == len - 2 &&
            memcmp(state_types[i], s + 1, len - 2) == 0) {
            memcpy(out, s + 1, len - 2);
            out[len - 2] = '\0';
            return 1;
        }
    return 0;
}

/* After an object's members: is it a state, or a run without one? */
static int
object_done(struct walk *w, size_t obj_off, size_t first,
            const struct span *m)
{
    pcurl_state st;
    const char *s = w->s;

    memset(&st, 0, sizeof(st));
    if (m[K_TYPE].off && m[K_DATA].off && m[K_DETAILS].off &&
        s[m[K_TYPE].off] == '"' &&
        is_state_type(s + m[K_TYPE].off, m[K_TYPE].len, st.type)) {
        w->out->n = first;      /* nothing inside a state counts */
        st.obj_off = obj_off;
        st.obj_len = w->i - obj_off;
        st.data_off = m[K_DATA].off;
        st.data_len = m[K_DATA].len;
        st.data_null = m[K_DATA].len == 4 &&
                       memcmp(s + m[K_DATA].off, "null", 4) == 0;
        st.resolved = m[K_REF].off != 0;
        if (m[K_MESSAGE].off && s[m[K_MESSAGE].off] == '"') {
            st.msg_off = m[K_MESSAGE].off;
            st.msg_len = m[K_MESSAGE].len;
        }
        st.failed = strcmp(st.type, "FAILED") == 0 ||
                    strcmp(st.type, "CRASHED") == 0;
        return push(w, &st);
    }
    if (m[K_STATE].off && m[K_STATE_ID].off && m[K_STATE].len == 4 &&
        memcmp(s + m[K_STATE].off, "null", 4) == 0) {
        st.obj_off = obj_off;
        st.obj_len = w->i - obj_off;
        st.no_state = 1;
        st.data_null = 1;
        return push(w, &st);
    }
    return 0;
}

static int
object(struct walk *w)
{
    struct span m[K_COUNT];
    size_t obj_off = w->i, first = w->out->n;

    memset(m, 0, sizeof(m));
    w->i++;                     /* '{' */
    ws(w);
    if (w->i < w->n && w->s[w->i] == '}') {
        w->i++;
        return 0;
    }
    for (;;) {
        size_t k0 = w->i, klen, voff, k;

        if (string(w) != 0)
            return -1;
        klen = w->i - k0 - 2;
        ws(w);
        if (w->i >= w->n || w->s[w->i] != ':')
            return -1;
        w->i++;
        ws(w);
        voff = w->i;
        if (value(w) != 0)
            return -1;
        for (k = 0; k < K_COUNT; k++)
            if (strlen(keys[k]) == klen &&
                memcmp(w->s + k0 + 1, keys[k], klen) == 0) {
                m[k].off = voff;
                m[k].len = w->i - voff;
            }
        ws(w);
        if (w->i < w->n && w->s[w->i] == ',') {
            w->i++;
            ws(w);
            continue;
        }
        if (w->i < w->n && w->s[w->i] == '}') {
            w->i++;
            break;
        }
        return -1;
    }
    return object_done(w, obj_off, first, m);
}

static int
array(struct walk *w)
{
    w->i++;                     /* '[' */
    ws(w);
    if (w->i < w->n && w->s[w->i] == ']') {
        w->i++;
        return 0;
    }
    for (;;) {
        if (value(w) != 0)
            return -1;
        ws(w);
        if (w->i < w->n && w->s[w->i] == ',') {
            w->i++;
            ws(w);
            continue;
        }
        if (w->i < w->n && w->s[w->i] == ']') {
            w->i++;
            return 0;
        }
        return -1;
    }
}

static int
value(struct walk *w)
{
    int rc;

    if (w->i >= w->n)
        return -1;
    switch (w->s[w->i]) {
    case '{':
    case '[':
        if (++w->depth > w->max_depth)
            return -1;
        rc = w->s[w->i] == '{' ? object(w) : array(w);
        w->depth--;
        return rc;
    case '"': return string(w);
    case 't': return literal(w, "true");
    case 'f': return literal(w, "false");
    case 'n': return literal(w, "null");
    case 'N': return literal(w, "NaN");
    case 'I': return literal(w, "Infinity");
    default:
        if (w->s[w->i] == '-' || (w->s[w->i] >= '0' && w->s[w->i] <= '9'))
            return number(w);
        return -1;
    }
}

int
pcurl_scan_states(pcurl_scan *s, const char *text, size_t len,
                  size_t max_depth)
{
    struct walk w;
    size_t first;

    memset(s, 0, sizeof(*s));
    memset(&w, 0, sizeof(w));
    w.s = text;
    w.n = len;
    w.max_depth = max_depth;
    w.out = s;
    ws(&w);
    first = w.i;
    if (w.i < w.n && (text[w.i] == '{' || text[w.i] == '[') &&
        value(&w) == 0) {
        ws(&w);
        s->is_json = w.i == w.n;
    }
    if (w.oom) {
        pcurl_scan_dispose(s);
        return -1;
    }
    if (!s->is_json) {
        s->n = 0;
    } else if (text[first] == '[') {
        size_t k = first + 1;

        while (k < len && (text[k] == ' ' || text[k] == '\t' ||
                           text[k] == '\n' || text[k] == '\r'))
            k++;
        s->empty_list = k < len && text[k] == ']';
    }
    return 0;
}

void
pcurl_scan_dispose(pcurl_scan *s)
{
    free(s->v);
    memset(s, 0, sizeof(*s));
}

/* Decodes the next character of a JSON string body; returns its UTF-8
 * bytes in u (1 to 4) and advances *i. */
static size_t
next_char(const char *t, size_t end, size_t *i, char u[4])
{
    unsigned long cp;
    size_t k = *i;

    if (t[k] != '\\') {
        u[0] = t[k];
        *i = k + 1;
        return 1;
    }
    k++;
    switch (t[k]) {
    case 'b': u[0] = '\b'; *i = k + 1; return 1;
    case 'f': u[0] = '\f'; *i = k + 1; return 1;
    case 'n': u[0] = '\n'; *i = k + 1; return 1;
    case 'r': u[0] = '\r'; *i = k + 1; return 1;
    case 't': u[0] = '\t'; *i = k + 1; return 1;
    case 'u': break;
    default: u[0] = t[k]; *i = k + 1; return 1;
    }
    /* string() let only four hex digits through. */
    cp = (unsigned long)((pr_hex_digit(t[k + 1]) << 12) |
                         (pr_hex_digit(t[k + 2]) << 8) |
                         (pr_hex_digit(t[k + 3]) << 4) |
                         pr_hex_digit(t[k + 4]));
    k += 5;
    if (cp >= 0xD800 && cp < 0xDC00 && k + 6 <= end && t[k] == '\\' &&
        t[k + 1] == 'u') {
        unsigned long lo = (unsigned long)((pr_hex_digit(t[k + 2]) << 12) |
                                           (pr_hex_digit(t[k + 3]) << 8) |
                                           (pr_hex_digit(t[k + 4]) << 4) |
                                           pr_hex_digit(t[k + 5]));

        if (lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            k += 6;
        }
    }
    if (cp >= 0xD800 && cp < 0xE000)
        cp = 0xFFFD;            /* a lone surrogate */
    *i = k;
    if (cp < 0x80) {
        u[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

void
pcurl_json_string(char *out, size_t cap, const char *text, size_t len)
{
    size_t i = 1, o = 0, end = len - 1, n;
    char u[4];

    if (cap == 0)
        return;
    out[0] = '\0';
    if (len < 2 || text[0] != '"')
        return;
    while (i < end) {
        n = next_char(text, end, &i, u);
        if (o + n + 1 > cap)
            break;
        memcpy(out + o, u, n);
        o += n;
    }
    /* do not end inside a UTF-8 sequence */
    while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80) {
        size_t k = o;

        while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
            k--;
        if (k > 0) {
            unsigned char lead = (unsigned char)out[k - 1];
            size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

            if (o - (k - 1) == want)
                break;
            o = k - 1;
        } else {
            o = 0;
        }
    }
    out[o] = '\0';
}

char *
pcurl_json_string_dup(const char *text, size_t len, size_t *outlen)
{
    size_t i = 1, end = len - 1, o = 0, n;
    char *out, u[4];

    /* unescaping never makes a string longer */
    if ((out = malloc(len + 1)) == NULL)
        return NULL;
    if (len < 2 || text[0] != '"') {
        memcpy(out, text, len);
        o = len;
    } else {
        while (i < end) {
            n = next_char(text, end, &i, u);
            memcpy(out + o, u, n);
            o += n;
        }
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}
