/*
 * test_record.c - pr_decode_result and pr_json_value_to_json against
 * result files made the way Prefect makes them (gen_record_cases.py:
 * every file form, serializer and compression, the flow-result rule,
 * damaged and hostile files), plus the JSON reader's own rules, the
 * decompressors' magic checks, and allocation failures at every step.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pr.h"
#include "alloc.h"
#include "decompress.h"
#include "jsontext.h"
#include "jsonw.h"
#include "unit.h"

#define DATA_DIR "tests/unit/data/record/"

static const struct record_case {
    const char *name;
    const char *serializer;
    int flow;
    int typed;
    pr_nan_policy nan;
    size_t max_input;
    size_t max_output;
    size_t max_depth;
    pr_code code;
    const char *want;       /* JSON when PR_OK, else part of the message */
} cases[] = {
#include "data/record/cases.inc"
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static char *
slurp(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf;
    long n;

    snprintf(path, sizeof(path), DATA_DIR "%s.in", name);
    f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void
case_opts(pr_decode_opts *o, const struct record_case *c)
{
    pr_decode_opts d = PR_DECODE_OPTS_INIT;

    *o = d;
    o->typed = c->typed;
    o->nan = c->nan;
    if (c->max_input)
        o->lim.max_input = c->max_input;
    if (c->max_output)
        o->lim.max_output = c->max_output;
    if (c->max_depth)
        o->lim.max_depth = c->max_depth;
}

/* Runs case c appending to a buffer that already holds `prefix`. */
static int
run_case(const struct record_case *c, const char *prefix, int quiet)
{
    pr_decode_opts opts;
    size_t len, plen = strlen(prefix);
    char *data = slurp(c->name, &len);
    pr_error err;
    pr_buf out;
    pr_code rc;
    int ok;

    if (data == NULL) {
        fprintf(stderr, "  %s: cannot read the input (run from the "
                "repository root)\n", c->name);
        return 0;
    }
    case_opts(&opts, c);
    pr_buf_init(&out, 0);
    pr_buf_append(&out, prefix, plen, NULL);
    rc = pr_decode_result(&out, data, len, c->serializer, c->flow, &opts,
                          &err);
    if (c->code == PR_OK)
        ok = rc == PR_OK && out.len == plen + strlen(c->want) &&
             memcmp(out.data, prefix, plen) == 0 &&
             strcmp(out.data + plen, c->want) == 0;
    else
        ok = rc == c->code && err.code == c->code &&
             strstr(err.msg, c->want) != NULL;
    if (!ok && !quiet)
        fprintf(stderr, "  %s: rc %s, got %s\n    want %s\n", c->name,
                pr_code_name(rc), rc == PR_OK ? out.data + plen : err.msg,
                c->want);
    pr_buf_dispose(&out);
    free(data);
    return ok;
}

TEST(record_cases_decode_as_python_reads_them)
{
    size_t i, bad = 0;

    for (i = 0; i < NCASES; i++)
        if (!run_case(&cases[i], "", 0))
            bad++;
    CHECK_EQ_INT(bad, 0);
    CHECK(NCASES >= 100);
}

/* Output is appended: envelopes unwrap at their own offsets, not 0. */
TEST(record_cases_append_after_existing_output)
{
    size_t i, bad = 0;

    for (i = 0; i < NCASES; i++)
        if (cases[i].code == PR_OK && !run_case(&cases[i], "[0,", 0))
            bad++;
    CHECK_EQ_INT(bad, 0);
}

static const struct record_case *
find_case(const char *name)
{
    size_t i;

    for (i = 0; i < NCASES; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return NULL;
}

/*
 * Fails the 1st, 2nd ... allocation until the decode succeeds: each
 * failure must be PR_ENOMEM with a message (never a crash, a leak or a
 * different code), and the final run must give the expected JSON.
 */
TEST(record_decode_survives_every_allocation_failure)
{
    static const char *const names[] = {
        "record3_cpickle_lzma_bigint", "blob2_bz2_pickle_int",
        "rawflow_gzip_pickle_none", "record3_zlib_json_int",
        "rawtask_cpickle_lzma_dict", "rawtask_bz2_json_int",
        "bare_compressed_detects_zlib", "no_serializer_compressed",
        "envelopes_plain", "string_escapes", "datadoc_text",
        "blob2_serializer_string", "xz_two_streams", "gzip_two_members"
    };
    size_t k;

    for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        const struct record_case *c = find_case(names[k]);
        pr_decode_opts opts;
        size_t len;
        char *data;
        long n;
        int done = 0, bad = 0;

        CHECK(c != NULL);
        if (c == NULL)
            continue;
        data = slurp(c->name, &len);
        CHECK(data != NULL);
        if (data == NULL)
            continue;
        case_opts(&opts, c);
        for (n = 0; n < 100000 && !done; n++) {
            pr_error err;
            pr_buf out;
            pr_code rc;

            pr_buf_init(&out, 0);
            pr_alloc_fail_after(n);
            rc = pr_decode_result(&out, data, len, c->serializer, c->flow,
                                  &opts, &err);
            pr_alloc_fail_after(-1);
            if (rc == PR_OK) {
                done = 1;
                if (strcmp(out.data, c->want) != 0)
                    bad++;
            } else if (rc != PR_ENOMEM || err.msg[0] == '\0') {
                fprintf(stderr, "  %s: allocation %ld failed, got %s: "
                        "%s\n", c->name, n, pr_code_name(rc), err.msg);
                bad++;
                done = 1;
            }
            pr_buf_dispose(&out);
        }
        CHECK(done);
        CHECK_EQ_INT(bad, 0);
        free(data);
    }
}

/* ------------------------------------------------------------------ */
/* pr_json_value_to_json directly */

static pr_code
rewrite(char *got, size_t cap, const char *text, int typed,
        pr_nan_policy nan, pr_error *err)
{
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    pr_error local;
    pr_buf out;
    pr_code rc;

    if (err == NULL)
        err = &local;
    opts.typed = typed;
    opts.nan = nan;
    pr_buf_init(&out, 0);
    rc = pr_json_value_to_json(&out, text, strlen(text), &opts, err);
    snprintf(got, cap, "%s", rc == PR_OK ? out.data : err->msg);
    pr_buf_dispose(&out);
    return rc;
}

TEST(json_rewrite_keeps_numbers_as_written)
{
    char got[256];
    pr_error err;

    CHECK_EQ_INT(rewrite(got, sizeof(got), "[1e400, -0, 0.10, 1E-7, "
                         "99999999999999999999999]", 0, PR_NAN_NULL, &err),
                 PR_OK);
    CHECK_EQ_STR(got, "[1e400,-0,0.10,1E-7,99999999999999999999999]");
    CHECK_EQ_INT(rewrite(got, sizeof(got), "01", 0, PR_NAN_NULL, &err),
                 PR_EFORMAT);
    CHECK_EQ_STR(got, "invalid JSON at byte 1: extra data after the JSON "
                 "value");
    CHECK_EQ_INT(rewrite(got, sizeof(got), "[1.]", 0, PR_NAN_NULL, &err),
                 PR_EFORMAT);
    CHECK_EQ_STR(got, "invalid JSON at byte 3: expected a digit after the "
                 "decimal point");
    CHECK_EQ_INT(rewrite(got, sizeof(got), "-", 0, PR_NAN_NULL, &err),
                 PR_EFORMAT);
    CHECK_EQ_STR(got, "invalid JSON at byte 1: expected a digit");
    CHECK_EQ_INT(rewrite(got, sizeof(got), "1e+", 0, PR_NAN_NULL, &err),
                 PR_EFORMAT);
    CHECK_EQ_STR(got, "invalid JSON at byte 3: expected a digit in the "
                 "exponent");
}

TEST(json_rewrite_nonfinite_tokens_follow_the_policy)
{
    char got[256];

    CHECK_EQ_INT(rewrite(got, sizeof(got), "{\"a\": -Infinity}", 0,
                         PR_NAN_NULL, NULL), PR_OK);
    CHECK_EQ_STR(got, "{\"a\":null}");
    CHECK_EQ_INT(rewrite(got, sizeof(got), "{\"a\": -Infinity}", 1,
                         PR_NAN_STRING, NULL), PR_OK);
    CHECK_EQ_STR(got, "{\"a\":\"-Infinity\"}");
    CHECK_EQ_INT(rewrite(got, sizeof(got), "NaN", 0, PR_NAN_TOKEN, NULL),
                 PR_OK);
    CHECK_EQ_STR(got, "NaN");
    /* Python's json has no -NaN, nan or inf */
    CHECK_EQ_INT(rewrite(got, sizeof(got), "-NaN", 0, PR_NAN_NULL, NULL),
                 PR_EFORMAT);
    CHECK_EQ_INT(rewrite(got, sizeof(got), "nan", 0, PR_NAN_NULL, NULL),
                 PR_EFORMAT);
    CHECK_EQ_INT(rewrite(got, sizeof(got), "[Infinit]", 0, PR_NAN_NULL,
                         NULL), PR_EFORMAT);
}

TEST(json_rewrite_unwraps_only_exact_envelopes)
{
    char got[512];

    CHECK_EQ_INT(rewrite(got, sizeof(got), "{\"__class__\": \"a.B\", "
                         "\"data\": {\"__class__\": \"c.D\", \"data\": "
                         "[{\"__class__\": \"e\", \"data\": {}}]}}", 0,
                         PR_NAN_NULL, NULL), PR_OK);
    CHECK_EQ_STR(got, "[{}]");
    CHECK_EQ_INT(rewrite(got, sizeof(got), "{\"__class__\": \"a\", "
                         "\"__class__\": \"b\"}", 0, PR_NAN_NULL, NULL),
                 PR_OK);
    CHECK_EQ_STR(got, "{\"__class__\":\"a\",\"__class__\":\"b\"}");
    CHECK_EQ_INT(rewrite(got, sizeof(got), "{\"data\": 1, \"data\": 2}", 0,
                         PR_NAN_NULL, NULL), PR_OK);
    CHECK_EQ_STR(got, "{\"data\":1,\"data\":2}");
    CHECK_EQ_INT(rewrite(got, sizeof(got), "{\"__class__\": null, "
                         "\"data\": 1}", 0, PR_NAN_NULL, NULL), PR_OK);
    CHECK_EQ_STR(got, "{\"__class__\":null,\"data\":1}");
    /* an escaped key is the same key, as Python reads it */
    CHECK_EQ_INT(rewrite(got, sizeof(got), "{\"__cl\\u0061ss__\": \"x\", "
                         "\"d\\u0061ta\": [1]}", 0, PR_NAN_NULL, NULL),
                 PR_OK);
    CHECK_EQ_STR(got, "[1]");
    CHECK_EQ_INT(rewrite(got, sizeof(got), "{\"__class__\": \"x\", "
                         "\"data\": [1]}", 1, PR_NAN_NULL, NULL), PR_OK);
    CHECK_EQ_STR(got, "{\"__class__\":\"x\",\"data\":[1]}");
}

TEST(json_rewrite_reports_the_byte_offset)
{
    static const struct {
        const char *in;
        const char *msg;
    } bad[] = {
        { "", "invalid JSON at byte 0: expected a value, found the end of "
              "the input" },
        { "  ", "invalid JSON at byte 2: expected a value, found the end "
                "of the input" },
        { "{\"a\" 1}", "invalid JSON at byte 5: expected ':' after an "
                       "object key" },
        { "{\"a\": 1,}", "invalid JSON at byte 8: expected a string key" },
        { "{1: 2}", "invalid JSON at byte 1: expected a string key" },
        { "[1 2]", "invalid JSON at byte 3: expected ',' or ']' after an "
                   "array element" },
        { "[1,", "invalid JSON at byte 3: expected a value, found the end "
                 "of the input" },
        { "{\"a\": 1", "invalid JSON at byte 7: expected ',' or '}' after "
                       "an object member, found the end of the input" },
        { "\"abc", "invalid JSON at byte 4: a string is not closed" },
        { "\"a\\x\"", "invalid JSON at byte 2: invalid escape in a "
                      "string" },
        { "\"\\u12G4\"", "invalid JSON at byte 1: invalid \\u escape in a "
                         "string" },
        { "\"\xed\xa0\x80\"", "invalid JSON at byte 1: invalid UTF-8 in a "
                              "string" },
        { "\"\xc0\xaf\"", "invalid JSON at byte 1: invalid UTF-8 in a "
                          "string" },
        { "\xef\xbb\xbf[]", "invalid JSON at byte 0: expected a value" },
        { "[true, tru]", "invalid JSON at byte 7: expected a value" },
        { "'a'", "invalid JSON at byte 0: expected a value" },
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char got[256];
        pr_error err;

        CHECK_EQ_INT(rewrite(got, sizeof(got), bad[i].in, 0, PR_NAN_NULL,
                             &err), PR_EFORMAT);
        CHECK_EQ_STR(got, bad[i].msg);
        CHECK_EQ_INT(err.code, PR_EFORMAT);
    }
}

TEST(json_rewrite_honours_input_and_output_limits)
{
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    const char *text = "[\"0123456789\", \"0123456789\"]";
    pr_error err;
    pr_buf out;

    pr_buf_init(&out, 0);
    opts.lim.max_input = 5;
    CHECK_EQ_INT(pr_json_value_to_json(&out, text, strlen(text), &opts,
                                       &err), PR_ELIMIT);
    CHECK(strstr(err.msg, "(max_input)") != NULL);
    opts.lim.max_input = 1000;
    opts.lim.max_output = 10;
    CHECK_EQ_INT(pr_json_value_to_json(&out, text, strlen(text), &opts,
                                       &err), PR_ELIMIT);
    CHECK(strstr(err.msg, "(max_output)") != NULL);
    CHECK(out.max == 0);        /* the caller's cap is restored */
    pr_buf_dispose(&out);
    /* the caller's own cap still applies */
    pr_buf_init(&out, 8);
    opts.lim.max_output = 1000;
    CHECK_EQ_INT(pr_json_value_to_json(&out, text, strlen(text), &opts,
                                       &err), PR_ELIMIT);
    CHECK(out.max == 8);
    pr_buf_dispose(&out);
}

TEST(json_rewrite_nests_iteratively_to_the_depth_limit)
{
    enum { DEEP = 200000 };
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    char *text = malloc(2 * DEEP + 1);
    pr_error err;
    pr_buf out;
    size_t i;

    for (i = 0; i < DEEP; i++) {
        text[i] = '[';
        text[2 * DEEP - 1 - i] = ']';
    }
    text[2 * DEEP] = '\0';
    opts.lim.max_depth = DEEP;
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_json_value_to_json(&out, text, 2 * DEEP, &opts, &err),
                 PR_OK);
    CHECK(out.len == 2 * DEEP);
    pr_buf_dispose(&out);
    opts.lim.max_depth = DEEP - 1;
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_json_value_to_json(&out, text, 2 * DEEP, &opts, &err),
                 PR_ELIMIT);
    CHECK(strstr(err.msg, "(max_depth)") != NULL);
    pr_buf_dispose(&out);
    free(text);
}

TEST(json_rewrite_survives_every_allocation_failure)
{
    const char *text = "{\"k\\u00e9\": [{\"__class__\": \"a\", \"data\": "
                       "[[[\"\\ud83d\\ude80\", NaN, 1e5]]]}], \"x\": "
                       "{\"y\": {\"z\": [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]"
                       "}}}";
    const char *want = "{\"k\xc3\xa9\":[[[[\"\xf0\x9f\x9a\x80\",null,1e5]]]"
                       "],\"x\":{\"y\":{\"z\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]"
                       "]]]]]]]}}}";
    long n;
    int done = 0;

    for (n = 0; n < 1000 && !done; n++) {
        pr_error err;
        pr_buf out;
        pr_code rc;

        pr_buf_init(&out, 0);
        pr_alloc_fail_after(n);
        rc = pr_json_value_to_json(&out, text, strlen(text), NULL, &err);
        pr_alloc_fail_after(-1);
        if (rc == PR_OK) {
            CHECK_EQ_STR(out.data, want);
            done = 1;
        } else {
            CHECK_EQ_INT(rc, PR_ENOMEM);
        }
        pr_buf_dispose(&out);
    }
    CHECK(done);
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* 1.3 MB of JSON-serializer output in well under a second, even
 * under valgrind: catches a quadratic path. */
TEST(json_rewrite_is_linear_on_megabytes)
{
    pr_buf in, out;
    size_t i;
    double t0, dt;

    pr_buf_init(&in, 0);
    pr_buf_init(&out, 0);
    pr_buf_append(&in, "[", 1, NULL);
    for (i = 0; i < 10000; i++) {
        char row[160];

        snprintf(row, sizeof(row), "%s{\"id\": %zu, \"name\": \"caf\\u00e9 "
                 "row %zu\", \"when\": {\"__class__\": \"datetime.date\", "
                 "\"data\": \"2024-01-02\"}, \"v\": [1.5, NaN, true]}",
                 i ? ", " : "", i, i);
        pr_buf_append(&in, row, strlen(row), NULL);
    }
    pr_buf_append(&in, "]", 1, NULL);
    t0 = now_s();
    CHECK_EQ_INT(pr_json_value_to_json(&out, in.data, in.len, NULL, NULL),
                 PR_OK);
    dt = now_s() - t0;
    CHECK(strstr(out.data, "{\"id\":9999,\"name\":\"caf\xc3\xa9 row "
                 "9999\",\"when\":\"2024-01-02\",\"v\":[1.5,null,true]}]")
          != NULL);
    CHECK(dt < 2.0);
    if (getenv("PR_BENCH") != NULL)
        printf("rewrite %zu bytes of JSON: %.2f ms (%.0f MB/s)\n", in.len,
               dt * 1e3, (double)in.len / dt / 1e6);
    pr_buf_dispose(&in);
    pr_buf_dispose(&out);
}

/* ------------------------------------------------------------------ */
/* The internal helpers record.c relies on */

TEST(scan_keys_finds_top_level_members_only)
{
    static const char *const want[3] = { "metadata", "result", "data" };
    const char *t = "{\"metadata\": {\"result\": 1}, \"r\\u0065sult\": "
                    "\"x\" , \"data\": [1], \"data\": {\"a\": 2} }";
    pr_json_span found[3];
    int is_obj;

    CHECK_EQ_INT(pr_json_scan_keys(&is_obj, found, want, 3, t, strlen(t),
                                   100, NULL), PR_OK);
    CHECK(is_obj);
    CHECK(found[0].p != NULL && found[0].n == 13 &&
          memcmp(found[0].p, "{\"result\": 1}", 13) == 0);
    CHECK(found[1].p != NULL && found[1].n == 3 &&
          memcmp(found[1].p, "\"x\"", 3) == 0);
    CHECK(found[2].p != NULL && found[2].n == 8 &&
          memcmp(found[2].p, "{\"a\": 2}", 8) == 0);
    CHECK_EQ_INT(pr_json_scan_keys(&is_obj, found, want, 3, "[1]", 3, 100,
                                   NULL), PR_OK);
    CHECK(!is_obj && found[0].p == NULL);
    CHECK_EQ_INT(pr_json_scan_keys(&is_obj, found, want, 3, "{\"a\"", 4,
                                   100, NULL), PR_EFORMAT);
}

TEST(unescape_gives_the_bytes_a_string_stands_for)
{
    const char *lit = "\"a\\nb\\u00e9\\ud83d\\ude80\\udc00\\/\"";
    pr_buf b;

    pr_buf_init(&b, 0);
    CHECK_EQ_INT(pr_json_unescape(&b, lit, strlen(lit), NULL), PR_OK);
    CHECK(b.len == 13 && memcmp(b.data, "a\nb\xc3\xa9\xf0\x9f\x9a\x80"
                                "\xed\xb0\x80/", 13) == 0);
    pr_buf_dispose(&b);
    pr_buf_init(&b, 0);
    CHECK_EQ_INT(pr_json_unescape(&b, "\"\"", 2, NULL), PR_OK);
    CHECK(b.data != NULL && b.len == 0);
    CHECK_EQ_INT(pr_json_unescape(&b, "abc", 3, NULL), PR_EFORMAT);
    pr_buf_dispose(&b);
}

TEST(decompress_magic_and_names_agree)
{
    static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0, 0 };
    static const uint8_t zl[] = { 0x78, 0x9c, 0 };
    static const uint8_t zl1[] = { 0x78, 0x01, 0 };
    static const uint8_t zlda[] = { 0x78, 0xda, 0 };
    static const uint8_t gz[] = { 0x1f, 0x8b, 8 };
    static const uint8_t bz[] = { 'B', 'Z', 'h', '9' };
    static const uint8_t notzl[] = { 0x78, 0x9d, 0 };
    static const uint8_t pkl[] = { 0x80, 5 };

    CHECK_EQ_INT(pr_comp_sniff(xz, sizeof(xz)), PR_COMP_XZ);
    CHECK_EQ_INT(pr_comp_sniff(xz, 5), PR_COMP_NONE);
    CHECK_EQ_INT(pr_comp_sniff(zl, sizeof(zl)), PR_COMP_ZLIB);
    CHECK_EQ_INT(pr_comp_sniff(zl1, sizeof(zl1)), PR_COMP_ZLIB);
    CHECK_EQ_INT(pr_comp_sniff(zlda, sizeof(zlda)), PR_COMP_ZLIB);
    CHECK_EQ_INT(pr_comp_sniff(notzl, sizeof(notzl)), PR_COMP_NONE);
    CHECK_EQ_INT(pr_comp_sniff(gz, sizeof(gz)), PR_COMP_GZIP);
    CHECK_EQ_INT(pr_comp_sniff(bz, sizeof(bz)), PR_COMP_BZ2);
    CHECK_EQ_INT(pr_comp_sniff(pkl, sizeof(pkl)), PR_COMP_NONE);
    CHECK_EQ_INT(pr_comp_by_name("lzma"), PR_COMP_XZ);
    CHECK_EQ_INT(pr_comp_by_name("zlib"), PR_COMP_ZLIB);
    CHECK_EQ_INT(pr_comp_by_name("gzip"), PR_COMP_GZIP);
    CHECK_EQ_INT(pr_comp_by_name("bz2"), PR_COMP_BZ2);
    CHECK_EQ_INT(pr_comp_by_name("xz"), PR_COMP_NONE);
    CHECK_EQ_INT(pr_comp_by_name(NULL), PR_COMP_NONE);
    CHECK_EQ_STR(pr_comp_lib(PR_COMP_XZ), "lzma");
    CHECK_EQ_STR(pr_comp_format(PR_COMP_BZ2), "bzip2");
}

TEST(decompress_refuses_data_without_magic_when_unnamed)
{
    pr_limits lim = PR_LIMITS_INIT;
    uint8_t *out = NULL;
    size_t n = 0;
    pr_error err;

    CHECK_EQ_INT(pr_decompress(&out, &n, NULL, "hello", 5, &lim, &err),
                 PR_EFORMAT);
    CHECK(strstr(err.msg, "none of the xz, zlib, gzip or bzip2 magic")
          != NULL);
    CHECK_EQ_INT(pr_decompress(&out, &n, "zlib", "hello", 5, &lim, &err),
                 PR_EFORMAT);
    CHECK_EQ_STR(err.msg, "serializer says compressionlib 'zlib' but the "
                 "data does not start with the zlib magic (78 9C)");
    CHECK_EQ_INT(pr_decompress(&out, &n, "zlib", "", 0, &lim, &err),
                 PR_EFORMAT);
    CHECK_EQ_INT(pr_decompress(&out, &n, "lzma", "", 0, &lim, &err),
                 PR_EFORMAT);
    CHECK(out == NULL);
}

int
main(void)
{
    RUN(record_cases_decode_as_python_reads_them);
    RUN(record_cases_append_after_existing_output);
    RUN(record_decode_survives_every_allocation_failure);
    RUN(json_rewrite_keeps_numbers_as_written);
    RUN(json_rewrite_nonfinite_tokens_follow_the_policy);
    RUN(json_rewrite_unwraps_only_exact_envelopes);
    RUN(json_rewrite_reports_the_byte_offset);
    RUN(json_rewrite_honours_input_and_output_limits);
    RUN(json_rewrite_nests_iteratively_to_the_depth_limit);
    RUN(json_rewrite_survives_every_allocation_failure);
    RUN(json_rewrite_is_linear_on_megabytes);
    RUN(scan_keys_finds_top_level_members_only);
    RUN(unescape_gives_the_bytes_a_string_stands_for);
    RUN(decompress_magic_and_names_agree);
    RUN(decompress_refuses_data_without_magic_when_unnamed);
    return unit_done();
}
