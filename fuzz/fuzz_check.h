/*
 * fuzz_check.h - contract checks shared by the libFuzzer targets.
 *
 * A target calls the decoder, then fuzz_check_result(), which aborts
 * (a crash to libFuzzer, with the reason on stderr) when pr.h's rules are
 * broken: an unknown code, an error without a message, or a success whose
 * output is not one NUL-terminated, valid UTF-8, well-formed JSON text
 * within the cap.  Only the targets include this file.
 *
 * JSON is checked by the small grammar checker below rather than by
 * cJSON: cJSON 1.7.15 reads at most 63 characters of a number, and the
 * decoder writes Python ints with every digit.
 */
#ifndef PR_FUZZ_CHECK_H
#define PR_FUZZ_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pr.h"

/* Output cap for every fuzz decode: large enough for the seeds, small
 * enough that an expansion bug shows as PR_ELIMIT, not as an OOM. */
#define FUZZ_MAX_OUTPUT ((size_t)1 << 20)

#define FUZZ_ASSERT(cond, why) do {                                     \
        if (!(cond)) {                                                  \
            fprintf(stderr, "contract broken: %s (%s:%d)\n", (why),     \
                    __FILE__, __LINE__);                                \
            abort();                                                    \
        }                                                               \
    } while (0)

/* Modest limits: the fuzzer should hit every limit, not the RSS cap. */
static inline void
fuzz_decode_opts(pr_decode_opts *opts, int typed, pr_nan_policy nan,
                 pr_py2str py2str)
{
    pr_decode_opts init = PR_DECODE_OPTS_INIT;

    *opts = init;
    opts->typed = typed;
    opts->nan = nan;
    opts->py2str = py2str;
    opts->lim.max_input = (size_t)4 << 20;
    opts->lim.max_memo = (size_t)1 << 16;
    opts->lim.max_stack = (size_t)1 << 16;
    opts->lim.max_ops = (size_t)1 << 22;
    opts->lim.max_depth = 200;
    opts->lim.max_output = FUZZ_MAX_OUTPUT;
    opts->lim.max_arena = (size_t)64 << 20;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static inline int
fuzz_valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i];
        size_t k;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i <= k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

#define FUZZ_JSON_DEPTH 4096

static inline int
fuzz_json_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline int
fuzz_json_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* A JSON string starting at s[*i] == '"'; advances past it. */
static inline int
fuzz_json_string(const char *s, size_t n, size_t *i)
{
    size_t k = *i + 1;

    while (k < n) {
        unsigned char c = (unsigned char)s[k];

        if (c == '"') {
            *i = k + 1;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            if (k + 1 >= n)
                return 0;
            c = (unsigned char)s[k + 1];
            if (c == 'u') {
                if (n - k < 6)
                    return 0;
                for (size_t j = 2; j < 6; j++)
                    if (!fuzz_json_hex(s[k + j]))
                        return 0;
                k += 6;
                continue;
            }
            if (strchr("\"\\/bfnrt", c) == NULL || c == '\0')
                return 0;
            k += 2;
            continue;
        }
        k++;
    }
    return 0;
}

static inline size_t
fuzz_json_digits(const char *s, size_t n, size_t k)
{
    while (k < n && s[k] >= '0' && s[k] <= '9')
        k++;
    return k;
}

/* A JSON number at s[*i] (RFC 8259 grammar); advances past it. */
static inline int
fuzz_json_number(const char *s, size_t n, size_t *i)
{
    size_t k = *i, m;

    if (k < n && s[k] == '-')
        k++;
    if (k >= n)
        return 0;
    if (s[k] == '0') {
        k++;
    } else {
        m = fuzz_json_digits(s, n, k);
        if (m == k)
            return 0;
        k = m;
    }
    if (k < n && s[k] == '.') {
        m = fuzz_json_digits(s, n, k + 1);
        if (m == k + 1)
            return 0;
        k = m;
    }
    if (k < n && (s[k] == 'e' || s[k] == 'E')) {
        k++;
        if (k < n && (s[k] == '+' || s[k] == '-'))
            k++;
        m = fuzz_json_digits(s, n, k);
        if (m == k)
            return 0;
        k = m;
    }
    *i = k;
    return 1;
}

/* Bare NaN, Infinity, -Infinity at s[*i], as Python's json writes them. */
static inline int
fuzz_json_nonfinite(const char *s, size_t n, size_t *i)
{
    static const char *const toks[] = { "NaN", "Infinity", "-Infinity" };

    for (size_t t = 0; t < sizeof toks / sizeof toks[0]; t++) {
        size_t len = strlen(toks[t]);

        if (n - *i >= len && memcmp(s + *i, toks[t], len) == 0) {
            *i += len;
            return 1;
        }
    }
    return 0;
}

/*
 * fuzz_json_valid - 1 when s[0..n) is exactly one JSON value (RFC 8259),
 * checked without recursion; containers nest at most FUZZ_JSON_DEPTH.
 * allow_nan also accepts Python's bare NaN / Infinity / -Infinity.
 */
static inline int
fuzz_json_valid(const char *s, size_t n, int allow_nan)
{
    char stack[FUZZ_JSON_DEPTH];
    size_t depth = 0, i = 0;

value:
    while (i < n && fuzz_json_ws(s[i]))
        i++;
    if (i >= n)
        return 0;
    switch (s[i]) {
    case '{':
    case '[':
        if (depth == FUZZ_JSON_DEPTH)
            return 0;
        stack[depth++] = s[i++];
        while (i < n && fuzz_json_ws(s[i]))
            i++;
        if (i < n && s[i] == (stack[depth - 1] == '{' ? '}' : ']')) {
            i++;
            depth--;
            goto after;
        }
        if (stack[depth - 1] == '{')
            goto key;
        goto value;
    case '"':
        if (!fuzz_json_string(s, n, &i))
            return 0;
        goto after;
    case 't':
    case 'f':
    case 'n': {
        const char *lit = s[i] == 't' ? "true" :
                          s[i] == 'f' ? "false" : "null";
        size_t len = strlen(lit);

        if (n - i < len || memcmp(s + i, lit, len) != 0)
            return 0;
        i += len;
        goto after;
    }
    default:
        if (allow_nan && fuzz_json_nonfinite(s, n, &i))
            goto after;
        if (!fuzz_json_number(s, n, &i))
            return 0;
        goto after;
    }

key:
    while (i < n && fuzz_json_ws(s[i]))
        i++;
    if (i >= n || s[i] != '"' || !fuzz_json_string(s, n, &i))
        return 0;
    while (i < n && fuzz_json_ws(s[i]))
        i++;
    if (i >= n || s[i] != ':')
        return 0;
    i++;
    goto value;

after:
    while (i < n && fuzz_json_ws(s[i]))
        i++;
    if (depth == 0)
        return i == n;
    if (i >= n)
        return 0;
    if (s[i] == ',') {
        i++;
        if (stack[depth - 1] == '{')
            goto key;
        goto value;
    }
    if (s[i] == (stack[depth - 1] == '{' ? '}' : ']')) {
        i++;
        depth--;
        goto after;
    }
    return 0;
}

/*
 * fuzz_check_result - abort unless (rc, out, err) obey pr.h.  allow_nan
 * is set when bare NaN/Infinity tokens were asked for (PR_NAN_TOKEN).
 */
static inline void
fuzz_check_result(pr_code rc, const pr_buf *out, const pr_error *err,
                  int allow_nan)
{
    FUZZ_ASSERT(rc >= PR_OK && rc <= PR_ECANCELED, "unknown pr_code");
    if (rc != PR_OK) {
        FUZZ_ASSERT(err->code == rc, "err->code differs from the result");
        FUZZ_ASSERT(memchr(err->msg, '\0', sizeof err->msg) != NULL,
                    "err->msg is not NUL-terminated");
        FUZZ_ASSERT(err->msg[0] != '\0', "failure without a message");
        FUZZ_ASSERT(memchr(err->hint, '\0', sizeof err->hint) != NULL,
                    "err->hint is not NUL-terminated");
        return;
    }
    FUZZ_ASSERT(out->data != NULL && out->len > 0, "success, no output");
    FUZZ_ASSERT(out->len <= FUZZ_MAX_OUTPUT, "output over max_output");
    FUZZ_ASSERT(out->data[out->len] == '\0', "output not NUL-terminated");
    FUZZ_ASSERT(strlen(out->data) == out->len, "NUL byte inside output");
    FUZZ_ASSERT(fuzz_valid_utf8((const unsigned char *)out->data, out->len),
                "output is not valid UTF-8");
    FUZZ_ASSERT(fuzz_json_valid(out->data, out->len, allow_nan),
                "output is not one well-formed JSON value");
}

#endif /* PR_FUZZ_CHECK_H */
