/*
 * jsonw.c - the JSON value writers: strings, integers of any size,
 * doubles and base64 byte strings, appended to a capped pr_buf.
 *
 * This is the decoder's hot path.  Each writer makes room for its worst
 * case once and then stores without further checks; strings copy ASCII
 * runs eight bytes at a time.  Only when the worst case would pass the
 * cap does a writer format into scratch and append the exact bytes, so
 * a value that fits is never refused.  Nothing here allocates except
 * the buffer (and the scratch of an integer over 512 bytes).
 */
#include <stdint.h>
#include <string.h>

#include "pr.h"
#include "alloc.h"
#include "jsonw.h"
#include "fmt_digits.h"

/* Input bytes per reservation for a long string. */
#define STR_CHUNK ((size_t)1 << 16)
/* Input bytes per step when the output is close to its cap. */
#define STR_STEP 256
/* Worst-case output for k input bytes (a sequence may overrun by 3). */
#define STR_WORST(k) (6 * ((k) + 3) + 2)

static const char hex_lower[] = "0123456789abcdef";

/* The short escapes Python's json uses; 'u' means \u00XX. */
static const char ctl_escape[32] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u'
};

/*
 * Is there room for n more bytes plus the NUL, within the cap?  The cap
 * is tested too because a caller may lower b->max after the buffer grew.
 */
static inline int
fits(const pr_buf *b, size_t n)
{
    return __builtin_expect(n < b->cap - b->len &&
                            (b->max == 0 || b->len + n <= b->max), 1);
}

/* Makes room for exactly n more bytes (plus the NUL). */
static inline pr_code
room(pr_buf *b, size_t n, pr_error *err)
{
    if (fits(b, n))
        return PR_OK;
    return pr_buf_reserve(b, n, err);
}

/* Would n more bytes pass the cap? */
static inline int
over_cap(const pr_buf *b, size_t n)
{
    return b->max != 0 && (b->len > b->max || n > b->max - b->len);
}

/*
 * Nonzero when one of the 8 bytes of w is a control byte, '"', '\\' or
 * non-ASCII.  The lowest flagged byte is exact; borrows may flag bytes
 * above it, which only costs a trip through the slow path.
 */
static inline uint64_t
needs_care(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101U;
    const uint64_t highs = 0x8080808080808080U;
    uint64_t ctl = (w - ones * 0x20) & ~w;
    uint64_t quo = w ^ (ones * '"');
    uint64_t bsl = w ^ (ones * '\\');

    quo = (quo - ones) & ~quo;
    bsl = (bsl - ones) & ~bsl;
    return (ctl | quo | bsl | w) & highs;
}

static inline int
is_cont(uint8_t c)
{
    return (c & 0xc0) == 0x80;
}

/*
 * Length of the UTF-8 sequence at s (s < end), 2 to 4, or 0 when it is
 * invalid; then *bad gets the length of its maximal valid prefix (at
 * least 1), which becomes one U+FFFD, as Python's 'replace' does.
 * *surr is set for ED A0..BF xx, a surrogate as 'surrogatepass' writes.
 */
static size_t
utf8_seq(const uint8_t *s, const uint8_t *end, size_t *bad, int *surr)
{
    size_t avail = (size_t)(end - s);
    uint8_t c = s[0], lo = 0x80, hi = 0xbf;

    *surr = 0;
    *bad = 1;
    if (c >= 0xc2 && c <= 0xdf) {
        if (avail < 2 || !is_cont(s[1]))
            return 0;
        return 2;
    }
    if (c >= 0xe0 && c <= 0xef) {
        if (c == 0xe0)
            lo = 0xa0;
        if (avail < 2 || s[1] < lo || s[1] > hi)
            return 0;
        if (c == 0xed && s[1] >= 0xa0) {
            /* Not a strict-UTF-8 prefix: a bad end costs one byte. */
            if (avail < 3 || !is_cont(s[2]))
                return 0;
            *surr = 1;
            return 3;
        }
        *bad = 2;
        if (avail < 3 || !is_cont(s[2]))
            return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
        if (avail < 2 || s[1] < lo || s[1] > hi)
            return 0;
        *bad = 2;
        if (avail < 3 || !is_cont(s[2]))
            return 0;
        *bad = 3;
        if (avail < 4 || !is_cont(s[3]))
            return 0;
        return 4;
    }
    return 0;
}

/*
 * Encodes from *sp until it reaches stop into d, returns the new end of
 * d.  A multi-byte sequence that starts before stop may run to end.
 * Writes at most STR_WORST(stop - *sp) - 2 bytes.
 */
static char *
encode_run(char *d, const uint8_t **sp, const uint8_t *stop,
           const uint8_t *end)
{
    const uint8_t *s = *sp;

    while (s < stop) {
        size_t len, bad;
        int surr;
        uint8_t c;

        while (stop - s >= 8) {
            uint64_t w, m;

            memcpy(&w, s, 8);
            m = needs_care(w);
            if (m != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                /* Keep the clean bytes below the first flagged one. */
                size_t skip = (size_t)__builtin_ctzll(m) >> 3;

                memcpy(d, &w, 8);
                d += skip;
                s += skip;
#endif
                break;
            }
            memcpy(d, &w, 8);
            d += 8;
            s += 8;
        }
        if (s >= stop)
            break;

        c = *s;
        if (c < 0x80) {
            if (c == '"' || c == '\\') {
                d[0] = '\\';
                d[1] = (char)c;
                d += 2;
            } else if (c >= 0x20) {
                *d++ = (char)c;
            } else if (ctl_escape[c] != 'u') {
                d[0] = '\\';
                d[1] = ctl_escape[c];
                d += 2;
            } else {
                memcpy(d, "\\u00", 4);
                d[4] = hex_lower[c >> 4];
                d[5] = hex_lower[c & 15];
                d += 6;
            }
            s++;
            continue;
        }
        len = utf8_seq(s, end, &bad, &surr);
        if (len == 0) {
            memcpy(d, "\\ufffd", 6);
            d += 6;
            s += bad;
        } else if (surr) {
            unsigned cp = 0xd000u | (unsigned)(s[1] & 0x3f) << 6 |
                          (unsigned)(s[2] & 0x3f);

            memcpy(d, "\\ud", 3);
            d[3] = hex_lower[(cp >> 8) & 15];
            d[4] = hex_lower[(cp >> 4) & 15];
            d[5] = hex_lower[cp & 15];
            d += 6;
            s += 3;
        } else {
            memcpy(d, s, len);
            d += len;
            s += len;
        }
    }
    *sp = s;
    return d;
}

/* The rest of a string when the cap is near: encode to a scratch
 * buffer a little at a time and append exactly what was produced. */
static pr_code
string_near_cap(pr_buf *b, const uint8_t *s, const uint8_t *end,
                int opened, pr_error *err)
{
    char tmp[STR_WORST(STR_STEP)];
    pr_code rc;

    if (!opened && (rc = pr_buf_putc(b, '"', err)) != PR_OK)
        return rc;
    while (s < end) {
        size_t left = (size_t)(end - s);
        const uint8_t *stop = s + (left < STR_STEP ? left : STR_STEP);
        char *d = encode_run(tmp, &s, stop, end);

        rc = pr_buf_append(b, tmp, (size_t)(d - tmp), err);
        if (rc != PR_OK)
            return rc;
    }
    return pr_buf_putc(b, '"', err);
}

pr_code
pr_json_string(pr_buf *b, const char *str, size_t n, pr_error *err)
{
    const uint8_t *s = (const uint8_t *)str;
    const uint8_t *end = s + n;
    int opened = 0;

    for (;;) {
        size_t left = (size_t)(end - s);
        size_t chunk = left < STR_CHUNK ? left : STR_CHUNK;
        size_t worst = STR_WORST(chunk);
        pr_code rc;
        char *d;

        if (over_cap(b, worst))
            return string_near_cap(b, s, end, opened, err);
        rc = room(b, worst, err);
        if (rc != PR_OK)
            return rc;
        d = b->data + b->len;
        if (!opened) {
            *d++ = '"';
            opened = 1;
        }
        d = encode_run(d, &s, s + chunk, end);
        if (s == end)
            *d++ = '"';
        *d = '\0';
        b->len = (size_t)(d - b->data);
        if (s == end)
            return PR_OK;
    }
}

/* Writes an optional '-' and u at d; returns the end. */
static inline char *
put_int(char *d, int neg, uint64_t u)
{
    int nd = fmt_count_digits(u);

    if (neg)
        *d++ = '-';
    fmt_put_digits(d + nd, u);
    return d + nd;
}

/*
 * Writes an integer of up to 21 bytes: straight into the buffer when
 * that much room exists, else via tmp and an exact append, so that a
 * number that fits under the cap is never refused.
 */
static pr_code
write_int(pr_buf *b, int neg, uint64_t u, pr_error *err)
{
    char tmp[24], *d;

    if (fits(b, 21)) {
        d = put_int(b->data + b->len, neg, u);
        *d = '\0';
        b->len = (size_t)(d - b->data);
        return PR_OK;
    }
    d = put_int(tmp, neg, u);
    return pr_buf_append(b, tmp, (size_t)(d - tmp), err);
}

pr_code
pr_json_i64(pr_buf *b, int64_t v, pr_error *err)
{
    /* Negate in unsigned arithmetic: INT64_MIN has no positive twin. */
    if (v < 0)
        return write_int(b, 1, (uint64_t)0 - (uint64_t)v, err);
    return write_int(b, 0, (uint64_t)v, err);
}

/* Scratch limbs kept on the stack: enough for 512-byte integers. */
#define BIG_STACK_LIMBS 128

pr_code
pr_json_bigint(pr_buf *b, const uint8_t *le, size_t n, pr_error *err)
{
    uint32_t stack[3 * BIG_STACK_LIMBS + 2], *limb, *chunk;
    size_t nl, nchunk = 0, i, top, words, ndig;
    int neg;
    pr_code rc;
    char *d;

    /* Drop sign-extension bytes: they add no digits. */
    while (n > 1 && ((le[n - 1] == 0x00 && !(le[n - 2] & 0x80)) ||
                     (le[n - 1] == 0xff && (le[n - 2] & 0x80))))
        n--;
    if (n == 0)
        return pr_json_i64(b, 0, err);
    neg = (le[n - 1] & 0x80) != 0;
    if (n <= 8) {
        uint64_t u = neg ? ~(uint64_t)0 : 0;

        for (i = n; i-- > 0;)
            u = u << 8 | le[i];
        return write_int(b, neg, neg ? (uint64_t)0 - u : u, err);
    }

    /* Limbs of the magnitude, then at most 2 base-10^9 chunks per limb
     * (one holds 32 bits, a chunk 29.9). */
    nl = (n + 3) / 4;
    if (nl <= BIG_STACK_LIMBS) {
        limb = stack;
    } else {
        size_t bytes;

        if (!pr_size_mul(nl, 3, &words) || !pr_size_add(words, 2, &words) ||
            !pr_size_mul(words, sizeof(uint32_t), &bytes))
            return pr_error_set(err, PR_ENOMEM, "integer of %zu bytes is "
                                "too large to write", n);
        limb = pr_malloc(bytes);
        if (limb == NULL)
            return pr_error_set(err, PR_ENOMEM, "out of memory writing an "
                                "integer of %zu bytes", n);
    }
    chunk = limb + nl;
    for (i = 0; i < nl; i++) {
        uint32_t w = 0;
        size_t j;

        for (j = 4; j-- > 0;) {
            size_t at = 4 * i + j;
            uint8_t byte = at < n ? le[at] : (neg ? 0xff : 0x00);

            w = w << 8 | byte;
        }
        limb[i] = w;
    }
    if (neg) {
        /* Two's complement negate; -2^(8n-1) still fits in nl limbs. */
        uint32_t carry = 1;

        for (i = 0; i < nl; i++) {
            limb[i] = ~limb[i] + carry;
            carry = carry && limb[i] == 0;
        }
    }

    top = nl;
    while (top > 0 && limb[top - 1] == 0)
        top--;
    do {
        uint64_t rem = 0;

        for (i = top; i-- > 0;) {
            uint64_t cur = rem << 32 | limb[i];

            limb[i] = (uint32_t)(cur / 1000000000U);
            rem = cur % 1000000000U;
        }
        chunk[nchunk++] = (uint32_t)rem;
        while (top > 0 && limb[top - 1] == 0)
            top--;
    } while (top > 0);

    i = nchunk - 1;
    ndig = (size_t)neg + (size_t)fmt_count_digits(chunk[i]) + 9 * i;
    rc = room(b, ndig, err);
    if (rc == PR_OK) {
        d = put_int(b->data + b->len, neg, chunk[i]);
        while (i-- > 0) {
            /* Inner chunks keep their leading zeros. */
            char *e = fmt_put_digits(d + 9, chunk[i]);

            while (e > d)
                *--e = '0';
            d += 9;
        }
        *d = '\0';
        b->len = (size_t)(d - b->data);
    }
    if (limb != stack)
        pr_free(limb);
    return rc;
}

pr_code
pr_json_double(pr_buf *b, double v, pr_nan_policy nan, pr_error *err)
{
    uint64_t bits;
    const char *s;

    memcpy(&bits, &v, sizeof(bits));
    if (((bits >> 52) & 0x7ff) != 0x7ff) {
        char tmp[32];

        if (fits(b, 32)) {
            b->len += pr_fmt_double(v, b->data + b->len);
            return PR_OK;
        }
        return pr_buf_append(b, tmp, pr_fmt_double(v, tmp), err);
    }
    if (nan == PR_NAN_STRING)
        s = (bits << 12) != 0 ? "\"NaN\"" :
            (bits >> 63) ? "\"-Infinity\"" : "\"Infinity\"";
    else if (nan == PR_NAN_TOKEN)
        s = (bits << 12) != 0 ? "NaN" :
            (bits >> 63) ? "-Infinity" : "Infinity";
    else
        s = "null";
    return pr_buf_puts(b, s, err);
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pr_code
pr_json_base64(pr_buf *b, const uint8_t *p, size_t n, pr_error *err)
{
    size_t quads = n / 3 + (n % 3 != 0), out, i;
    pr_code rc;
    char *d;

    if (!pr_size_mul(quads, 4, &out) || !pr_size_add(out, 2, &out))
        return pr_error_set(err, PR_ENOMEM, "%zu bytes are too many to "
                            "write as base64", n);
    rc = room(b, out, err);
    if (rc != PR_OK)
        return rc;
    d = b->data + b->len;
    *d++ = '"';
    for (i = 0; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 |
                     p[i + 2];

        d[0] = b64_alphabet[v >> 18];
        d[1] = b64_alphabet[(v >> 12) & 63];
        d[2] = b64_alphabet[(v >> 6) & 63];
        d[3] = b64_alphabet[v & 63];
        d += 4;
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;

        d[0] = b64_alphabet[v >> 18];
        d[1] = b64_alphabet[(v >> 12) & 63];
        memcpy(d + 2, "==", 2);
        d += 4;
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

        d[0] = b64_alphabet[v >> 18];
        d[1] = b64_alphabet[(v >> 12) & 63];
        d[2] = b64_alphabet[(v >> 6) & 63];
        d[3] = '=';
        d += 4;
    }
    *d++ = '"';
    *d = '\0';
    b->len = (size_t)(d - b->data);
    return PR_OK;
}
