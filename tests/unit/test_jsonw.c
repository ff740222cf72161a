/*
 * test_jsonw.c - the capped buffer and the JSON value writers.
 *
 * Expected strings and integers come from Python (gen_jsonw.py writes
 * data/jsonw_*.inc); the rest checks caps, allocation failures and the
 * NUL terminator.  `test_jsonw --bench` times a records-shaped output.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pr.h"
#include "alloc.h"
#include "jsonw.h"
#include "unit.h"

static const struct str_case {
    const char *in;
    size_t in_len;
    const char *want;
    size_t want_len;
} str_cases[] = {
#include "data/jsonw_strings.inc"
};

#define JSONW_BIG_EDGES
static const struct big_edge {
    const char *le;
    size_t n;
    const char *want;
} big_edges[] = {
#include "data/jsonw_bigint.inc"
};
#undef JSONW_BIG_EDGES

static const struct big_hash {
    size_t n;
    int mode;
    size_t len;
    uint64_t hash;
} big_hashes[] = {
#include "data/jsonw_bigint.inc"
};

static uint64_t
splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15U);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9U;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebU;
    return z ^ (z >> 31);
}

static uint64_t
fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325U;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 0x100000001b3U;
    return h;
}

/* Buffer holds exactly want (n bytes) and is NUL-terminated. */
static int
buf_is(const pr_buf *b, const char *want, size_t n)
{
    return b->len == n && b->data != NULL && memcmp(b->data, want, n) == 0
           && b->data[n] == '\0';
}

TEST(buf_starts_empty_and_detaches_a_string)
{
    pr_buf b;
    size_t len = 99;
    char *s;

    pr_buf_init(&b, 0);
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0 && b.max == 0);
    s = pr_buf_detach(&b, &len);
    CHECK(s != NULL && s[0] == '\0' && len == 0);
    pr_free(s);

    CHECK_EQ_INT(pr_buf_puts(&b, "abc", NULL), PR_OK);
    CHECK_EQ_INT(pr_buf_putc(&b, 'd', NULL), PR_OK);
    CHECK_EQ_INT(pr_buf_append(&b, "ef", 2, NULL), PR_OK);
    CHECK(buf_is(&b, "abcdef", 6));
    s = pr_buf_detach(&b, &len);
    CHECK_EQ_STR(s, "abcdef");
    CHECK_EQ_INT(len, 6);
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
    pr_free(s);
    pr_buf_dispose(&b);
    pr_buf_dispose(&b);
}

TEST(buf_stops_at_max_output_with_a_limit_error)
{
    pr_buf b;
    pr_error err;

    pr_error_clear(&err);
    pr_buf_init(&b, 10);
    CHECK_EQ_INT(pr_buf_append(&b, "0123456789", 10, &err), PR_OK);
    CHECK(b.cap <= 11);
    CHECK_EQ_INT(pr_buf_putc(&b, 'x', &err), PR_ELIMIT);
    CHECK_EQ_STR(err.msg, "output would exceed 10 bytes (max_output)");
    CHECK_EQ_INT(pr_buf_append(&b, "", 0, &err), PR_OK);
    CHECK(buf_is(&b, "0123456789", 10));
    pr_buf_dispose(&b);

    pr_buf_init(&b, 1048576);
    CHECK_EQ_INT(pr_buf_reserve(&b, 1048577, &err), PR_ELIMIT);
    CHECK_EQ_STR(err.msg, "output would exceed 1048576 bytes (max_output)");
    CHECK_EQ_INT(pr_buf_reserve(&b, 1048576, &err), PR_OK);
    CHECK(b.cap == 1048577);
    CHECK_EQ_INT(pr_buf_reserve(&b, SIZE_MAX, &err), PR_ELIMIT);
    pr_buf_dispose(&b);
}

TEST(buf_grows_geometrically)
{
    pr_buf b;
    int i;

    pr_buf_init(&b, 0);
    pr_alloc_fail_after(-1);
    for (i = 0; i < 1000000; i++)
        if (pr_buf_putc(&b, (char)('a' + i % 26), NULL) != PR_OK)
            break;
    CHECK_EQ_INT(i, 1000000);
    CHECK(pr_alloc_count() <= 20);
    CHECK(b.len == 1000000 && b.data[b.len] == '\0');
    pr_buf_dispose(&b);
}

TEST(buf_reports_enomem_and_keeps_its_bytes)
{
    pr_buf b;
    pr_error err;
    char big[1000];

    memset(big, 'z', sizeof(big));
    pr_buf_init(&b, 0);
    CHECK_EQ_INT(pr_buf_puts(&b, "keep", NULL), PR_OK);
    pr_alloc_fail_after(0);
    CHECK_EQ_INT(pr_buf_append(&b, big, sizeof(big), &err), PR_ENOMEM);
    CHECK_EQ_INT(pr_json_string(&b, big, sizeof(big), &err), PR_ENOMEM);
    CHECK_EQ_INT(pr_json_base64(&b, (const uint8_t *)big, sizeof(big),
                                &err), PR_ENOMEM);
    pr_alloc_fail_after(-1);
    CHECK(buf_is(&b, "keep", 4));
    pr_buf_dispose(&b);

    /* An empty buffer cannot even get its NUL. */
    pr_buf_init(&b, 0);
    pr_alloc_fail_after(0);
    CHECK_EQ_INT(pr_json_i64(&b, 5, &err), PR_ENOMEM);
    CHECK_EQ_INT(pr_json_double(&b, 1.5, PR_NAN_NULL, &err), PR_ENOMEM);
    CHECK_EQ_INT(pr_json_bigint(&b, (const uint8_t *)big, 20, &err),
                 PR_ENOMEM);
    CHECK(pr_buf_detach(&b, NULL) == NULL);
    pr_alloc_fail_after(-1);
    pr_buf_dispose(&b);
}

TEST(string_matches_python_json_dumps)
{
    size_t i, bad = 0;
    pr_buf b;

    pr_buf_init(&b, 0);
    for (i = 0; i < sizeof(str_cases) / sizeof(str_cases[0]); i++) {
        const struct str_case *c = &str_cases[i];

        b.len = 0;
        if (pr_json_string(&b, c->in, c->in_len, NULL) != PR_OK ||
            !buf_is(&b, c->want, c->want_len)) {
            if (bad++ < 5)
                fprintf(stderr, "  case %zu: got %s\n  want %s\n", i,
                        b.data, c->want);
        }
    }
    CHECK_EQ_INT(bad, 0);
    pr_buf_dispose(&b);
}

/* Near the cap the writer switches to exact sizes: every case must fit
 * in exactly its own length and fail one byte short. */
TEST(string_fits_exactly_at_the_cap)
{
    size_t i, bad = 0;

    for (i = 0; i < sizeof(str_cases) / sizeof(str_cases[0]); i++) {
        const struct str_case *c = &str_cases[i];
        pr_buf b;
        pr_error err;

        pr_buf_init(&b, c->want_len + 1);
        pr_buf_puts(&b, "[", NULL);
        if (pr_json_string(&b, c->in, c->in_len, &err) != PR_OK ||
            b.len != c->want_len + 1 ||
            memcmp(b.data + 1, c->want, c->want_len) != 0)
            bad++;
        pr_buf_dispose(&b);

        pr_buf_init(&b, c->want_len);
        pr_buf_puts(&b, "[", NULL);
        if (pr_json_string(&b, c->in, c->in_len, &err) != PR_ELIMIT ||
            b.len > c->want_len || b.data[b.len] != '\0')
            bad++;
        pr_buf_dispose(&b);
    }
    CHECK_EQ_INT(bad, 0);
}

/* Long strings go through in chunks; every chunk boundary must land
 * safely inside multi-byte sequences and escapes. */
TEST(string_long_input_crosses_chunks_intact)
{
    static const char piece[] = "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80"
                                "a\"\n\xed\xa0\xbd\x80";
    static const char enc[] = "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80"
                              "a\\\"\\n\\ud83d\\ufffd";
    size_t plen = sizeof(piece) - 1, elen = sizeof(enc) - 1;
    size_t reps = 50001, i, bad = 0;
    char *in = malloc(plen * reps);
    pr_buf b;

    for (i = 0; i < reps; i++)
        memcpy(in + i * plen, piece, plen);
    pr_buf_init(&b, 0);
    CHECK_EQ_INT(pr_json_string(&b, in, plen * reps, NULL), PR_OK);
    CHECK_EQ_INT(b.len, 2 + elen * reps);
    for (i = 0; i < reps; i++)
        if (memcmp(b.data + 1 + i * elen, enc, elen) != 0)
            bad++;
    CHECK_EQ_INT(bad, 0);
    CHECK(b.data[b.len - 1] == '"' && b.data[b.len] == '\0');

    /* Shifted by one byte: the lone 0xa9 first, then the same pieces. */
    b.len = 0;
    CHECK_EQ_INT(pr_json_string(&b, in + 1, plen * reps - 1, NULL), PR_OK);
    CHECK_EQ_INT(b.len, 2 + 6 + elen * reps - 2);
    CHECK(memcmp(b.data, "\"\\ufffd", 7) == 0);
    CHECK(memcmp(b.data + 7, enc + 2, elen - 2) == 0);
    for (i = 1, bad = 0; i < reps; i++)
        if (memcmp(b.data + 5 + i * elen, enc, elen) != 0)
            bad++;
    CHECK_EQ_INT(bad, 0);
    pr_buf_dispose(&b);
    free(in);
}

TEST(string_escapes_like_python)
{
    pr_buf b;

    pr_buf_init(&b, 0);
    pr_json_string(&b, "a\"b\\c\x01\x1f\x7f/\t", 10, NULL);
    CHECK_EQ_STR(b.data, "\"a\\\"b\\\\c\\u0001\\u001f\x7f/\\t\"");
    b.len = 0;
    pr_json_string(&b, "\xed\xa0\xbd\xed\xb8\x80", 6, NULL);
    CHECK_EQ_STR(b.data, "\"\\ud83d\\ude00\"");
    b.len = 0;
    pr_json_string(&b, "x\0y", 3, NULL);
    CHECK_EQ_STR(b.data, "\"x\\u0000y\"");
    pr_buf_dispose(&b);
}

/* Length of the valid UTF-8 sequence at s, 0 if invalid (strict:
 * no surrogates, no overlongs, nothing above U+10FFFF). */
static size_t
utf8_ok(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len, i;
    unsigned long cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

/* Random bytes in, strict UTF-8 and a well-formed JSON string out. */
TEST(string_output_is_always_valid_json)
{
    unsigned char in[64];
    uint64_t st = 77;
    size_t bad = 0;
    int round;
    pr_buf b;

    pr_buf_init(&b, 0);
    for (round = 0; round < 20000; round++) {
        size_t n = (size_t)(splitmix(&st) % sizeof(in)), i, len;
        const unsigned char *o;

        for (i = 0; i < n; i++) {
            uint64_t r = splitmix(&st);

            /* Lean towards bytes that start or continue sequences. */
            in[i] = (uint8_t)(r & 1 ? 0x80 | (r >> 8) : r >> 8);
        }
        b.len = 0;
        pr_json_string(&b, (const char *)in, n, NULL);
        o = (const unsigned char *)b.data;
        if (b.len < 2 || o[0] != '"' || o[b.len - 1] != '"')
            bad++;
        for (i = 1; i + 1 < b.len; i += len) {
            len = utf8_ok(o + i, b.len - 1 - i);
            if (len == 0 || o[i] < 0x20 || o[i] == '"') {
                bad++;
                break;
            }
            if (o[i] == '\\') {
                if (strchr("\"\\bfnrtu", o[i + 1]) == NULL) {
                    bad++;
                    break;
                }
                len = o[i + 1] == 'u' ? 6 : 2;
            }
        }
    }
    CHECK_EQ_INT(bad, 0);
    pr_buf_dispose(&b);
}

TEST(i64_writes_every_edge_value)
{
    static const int64_t v[] = {
        0, 1, -1, 9, 10, 99, 100, -100, 1234567890, INT64_MAX, INT64_MIN,
        INT64_MIN + 1, 999999999999999999, 1000000000000000000,
        -1000000000000000000, 4294967295, 4294967296
    };
    char want[32];
    size_t i;
    pr_buf b;

    pr_buf_init(&b, 0);
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        b.len = 0;
        CHECK_EQ_INT(pr_json_i64(&b, v[i], NULL), PR_OK);
        snprintf(want, sizeof(want), "%" PRId64, v[i]);
        CHECK_EQ_STR(b.data, want);
    }
    for (i = 0; i < 64; i++) {
        int64_t x = (int64_t)(((uint64_t)1 << i) - 1);

        b.len = 0;
        pr_json_i64(&b, x, NULL);
        snprintf(want, sizeof(want), "%" PRId64, x);
        CHECK_EQ_STR(b.data, want);
        b.len = 0;
        pr_json_i64(&b, -x, NULL);
        snprintf(want, sizeof(want), "%" PRId64, -x);
        CHECK_EQ_STR(b.data, want);
    }
    pr_buf_dispose(&b);
}

TEST(bigint_matches_python_on_edges)
{
    size_t i;
    pr_buf b;

    pr_buf_init(&b, 0);
    for (i = 0; i < sizeof(big_edges) / sizeof(big_edges[0]); i++) {
        b.len = 0;
        CHECK_EQ_INT(pr_json_bigint(&b, (const uint8_t *)big_edges[i].le,
                                    big_edges[i].n, NULL), PR_OK);
        CHECK_EQ_STR(b.data, big_edges[i].want);
    }
    pr_buf_dispose(&b);
}

TEST(bigint_matches_python_on_random_sizes)
{
    size_t i, bad = 0;
    uint8_t le[400];
    pr_buf b;

    pr_buf_init(&b, 0);
    for (i = 0; i < sizeof(big_hashes) / sizeof(big_hashes[0]); i++) {
        const struct big_hash *h = &big_hashes[i];
        uint64_t st = 9000 + i;
        size_t j;

        for (j = 0; j < h->n; j++)
            le[j] = (uint8_t)splitmix(&st);
        if (h->n > 0 && h->mode == 1)
            le[h->n - 1] = 0x80;
        else if (h->n > 0 && h->mode == 2)
            le[h->n - 1] |= 0x80;
        else if (h->n > 0 && h->mode == 3)
            le[h->n - 1] &= 0x7f;
        b.len = 0;
        if (pr_json_bigint(&b, le, h->n, NULL) != PR_OK ||
            b.len != h->len || fnv1a(b.data, b.len) != h->hash) {
            if (bad++ < 5)
                fprintf(stderr, "  case %zu (n %zu mode %d): %s\n", i,
                        h->n, h->mode, b.data);
        }
    }
    CHECK_EQ_INT(bad, 0);
    pr_buf_dispose(&b);
}

TEST(bigint_handles_large_and_capped_output)
{
    static uint8_t le[4096];
    pr_buf b;
    pr_error err;

    /* -2^32767: 9865 bytes, through the heap scratch. */
    le[4095] = 0x80;
    pr_buf_init(&b, 0);
    CHECK_EQ_INT(pr_json_bigint(&b, le, sizeof(le), &err), PR_OK);
    CHECK_EQ_INT(b.len, 9865);
    CHECK(memcmp(b.data, "-70773", 6) == 0);
    CHECK(memcmp(b.data + b.len - 4, "8928", 4) == 0);
    pr_buf_dispose(&b);

    pr_buf_init(&b, 100);
    CHECK_EQ_INT(pr_json_bigint(&b, le, sizeof(le), &err), PR_ELIMIT);
    pr_buf_dispose(&b);
    le[4095] = 0;

    pr_buf_init(&b, 0);
    pr_alloc_fail_after(1);
    le[4000] = 1;
    CHECK_EQ_INT(pr_json_bigint(&b, le, sizeof(le), &err), PR_ENOMEM);
    pr_alloc_fail_after(-1);
    le[4000] = 0;
    pr_buf_dispose(&b);
}

TEST(double_follows_the_nan_policy)
{
    static const struct {
        double v;
        pr_nan_policy p;
        const char *want;
    } t[] = {
        { 1.5, PR_NAN_NULL, "1.5" }, { -0.0, PR_NAN_TOKEN, "-0.0" },
        { 1e300, PR_NAN_STRING, "1e+300" },
        { NAN, PR_NAN_NULL, "null" }, { INFINITY, PR_NAN_NULL, "null" },
        { NAN, PR_NAN_STRING, "\"NaN\"" },
        { INFINITY, PR_NAN_STRING, "\"Infinity\"" },
        { -INFINITY, PR_NAN_STRING, "\"-Infinity\"" },
        { -NAN, PR_NAN_TOKEN, "NaN" }, { INFINITY, PR_NAN_TOKEN, "Infinity" },
        { -INFINITY, PR_NAN_TOKEN, "-Infinity" }
    };
    size_t i;
    pr_buf b;

    pr_buf_init(&b, 0);
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        b.len = 0;
        CHECK_EQ_INT(pr_json_double(&b, t[i].v, t[i].p, NULL), PR_OK);
        CHECK_EQ_STR(b.data, t[i].want);
    }
    pr_buf_dispose(&b);
}

TEST(base64_output_matches_rfc4648)
{
    static const char *const want[] = {
        "\"\"", "\"Zg==\"", "\"Zm8=\"", "\"Zm9v\"", "\"Zm9vYg==\"",
        "\"Zm9vYmE=\"", "\"Zm9vYmFy\""
    };
    size_t i;
    pr_buf b;

    pr_buf_init(&b, 0);
    for (i = 0; i < 7; i++) {
        b.len = 0;
        CHECK_EQ_INT(pr_json_base64(&b, (const uint8_t *)"foobar", i, NULL),
                     PR_OK);
        CHECK_EQ_STR(b.data, want[i]);
    }
    b.len = 0;
    pr_json_base64(&b, (const uint8_t *)"\xfb\xff\xbf", 3, NULL);
    CHECK_EQ_STR(b.data, "\"+/+/\"");
    pr_buf_dispose(&b);
}

TEST(base64_output_decodes_back)
{
    uint8_t in[1000], out[1000];
    uint64_t st = 3;
    size_t n, got;
    pr_buf b;

    for (n = 0; n < sizeof(in); n++)
        in[n] = (uint8_t)splitmix(&st);
    pr_buf_init(&b, 0);
    for (n = 0; n < 200; n++) {
        b.len = 0;
        pr_json_base64(&b, in, n, NULL);
        CHECK_EQ_INT(b.len, 2 + (n + 2) / 3 * 4);
        CHECK_EQ_INT(pr_base64_decode(out, &got, b.data + 1, b.len - 2,
                                      NULL), PR_OK);
        CHECK(got == n && memcmp(in, out, n) == 0);
    }
    pr_buf_dispose(&b);
}

/* A caller may lower max after the buffer grew: writers still obey. */
TEST(writers_obey_a_lowered_cap)
{
    pr_buf b;
    pr_error err;

    pr_buf_init(&b, 0);
    CHECK_EQ_INT(pr_buf_reserve(&b, 4000, &err), PR_OK);
    b.max = 3;
    CHECK_EQ_INT(pr_json_i64(&b, 12345, &err), PR_ELIMIT);
    CHECK_EQ_INT(pr_json_double(&b, 0.25, PR_NAN_NULL, &err), PR_ELIMIT);
    CHECK_EQ_INT(pr_json_string(&b, "abcd", 4, &err), PR_ELIMIT);
    b.len = 0;      /* a failed string may leave its opening quote */
    CHECK_EQ_INT(pr_json_base64(&b, (const uint8_t *)"ab", 2, &err),
                 PR_ELIMIT);
    CHECK_EQ_INT(pr_buf_putc(&b, 'a', &err), PR_OK);
    CHECK_EQ_INT(pr_buf_puts(&b, "bcd", &err), PR_ELIMIT);
    CHECK_EQ_INT(pr_json_i64(&b, 123, &err), PR_ELIMIT);
    CHECK_EQ_INT(pr_json_i64(&b, 12, &err), PR_OK);
    CHECK_EQ_INT(pr_json_i64(&b, 1, &err), PR_ELIMIT);
    CHECK(buf_is(&b, "a12", 3));
    b.len = 0;
    b.data[0] = '\0';
    CHECK_EQ_INT(pr_json_double(&b, 0.5, PR_NAN_NULL, &err), PR_OK);
    CHECK(buf_is(&b, "0.5", 3));
    pr_buf_dispose(&b);
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* [{"name": "item 17", "value": 17, "score": 0.123}, ...] */
static void
bench(void)
{
    enum { ROWS = 250000 };
    static double score[ROWS];
    uint64_t st = 1;
    double best = 1e9, t0;
    char name[32];
    int rep, i;
    pr_buf b;

    for (i = 0; i < ROWS; i++)
        score[i] = (double)(splitmix(&st) >> 11) * 0x1p-53;
    pr_buf_init(&b, 0);
    for (rep = 0; rep < 5; rep++) {
        b.len = 0;
        t0 = now_s();
        pr_buf_putc(&b, '[', NULL);
        for (i = 0; i < ROWS; i++) {
            int n = snprintf(name, sizeof(name), "item %d", i);

            pr_buf_puts(&b, i ? ", {" : "{", NULL);
            pr_json_string(&b, "name", 4, NULL);
            pr_buf_append(&b, ": ", 2, NULL);
            pr_json_string(&b, name, (size_t)n, NULL);
            pr_buf_append(&b, ", ", 2, NULL);
            pr_json_string(&b, "value", 5, NULL);
            pr_buf_append(&b, ": ", 2, NULL);
            pr_json_i64(&b, i, NULL);
            pr_buf_append(&b, ", ", 2, NULL);
            pr_json_string(&b, "score", 5, NULL);
            pr_buf_append(&b, ": ", 2, NULL);
            pr_json_double(&b, score[i], PR_NAN_NULL, NULL);
            pr_buf_putc(&b, '}', NULL);
        }
        pr_buf_putc(&b, ']', NULL);
        if (now_s() - t0 < best)
            best = now_s() - t0;
    }
    printf("%d records, %zu bytes: %.1f ms, %.0f ns/record "
           "(snprintf of the names included)\n", ROWS, b.len, best * 1e3,
           best * 1e9 / ROWS);
    pr_buf_dispose(&b);
}

int
main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
        bench();
        return 0;
    }
    RUN(buf_starts_empty_and_detaches_a_string);
    RUN(buf_stops_at_max_output_with_a_limit_error);
    RUN(buf_grows_geometrically);
    RUN(buf_reports_enomem_and_keeps_its_bytes);
    RUN(string_matches_python_json_dumps);
    RUN(string_fits_exactly_at_the_cap);
    RUN(string_long_input_crosses_chunks_intact);
    RUN(string_escapes_like_python);
    RUN(string_output_is_always_valid_json);
    RUN(i64_writes_every_edge_value);
    RUN(bigint_matches_python_on_edges);
    RUN(bigint_matches_python_on_random_sizes);
    RUN(bigint_handles_large_and_capped_output);
    RUN(double_follows_the_nan_policy);
    RUN(base64_output_matches_rfc4648);
    RUN(base64_output_decodes_back);
    RUN(writers_obey_a_lowered_cap);
    return unit_done();
}
