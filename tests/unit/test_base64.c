/*
 * test_base64.c - pr_base64_decode must accept and reject what Python's
 * base64.decodebytes does (cases from gen_base64.py), and be fast on
 * multi-megabyte input in 76-character lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pr.h"
#include "jsonw.h"
#include "unit.h"

static const struct b64_case {
    const char *in;
    size_t in_len;
    const char *want;
    size_t want_len;
    int error;          /* 1: incorrect padding, 2: 4k+1 data chars */
    int looks;
} cases[] = {
#include "data/base64_cases.inc"
};

TEST(base64_decode_matches_python_decodebytes)
{
    size_t i, bad = 0;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct b64_case *c = &cases[i];
        uint8_t out[64];
        size_t got = 12345;
        pr_error err;
        pr_code rc;

        pr_error_clear(&err);
        rc = pr_base64_decode(out, &got, c->in, c->in_len, &err);
        if (c->error == 0 ? (rc != PR_OK || got != c->want_len ||
                             memcmp(out, c->want, got) != 0)
                          : (rc != PR_EFORMAT || got != 12345 ||
                             err.code != PR_EFORMAT)) {
            if (bad++ < 5)
                fprintf(stderr, "  case %zu: rc %d, got %zu bytes\n", i,
                        (int)rc, got);
        }
        if (c->error == 1 && strstr(err.msg, "incorrect padding") == NULL)
            bad++;
        if (c->error == 2 && strstr(err.msg, "1 more than a multiple of 4")
            == NULL)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
}

TEST(base64_error_messages_say_what_is_wrong)
{
    uint8_t out[16];
    size_t got;
    pr_error err;

    CHECK_EQ_INT(pr_base64_decode(out, &got, "QUJDR", 5, &err), PR_EFORMAT);
    CHECK_EQ_STR(err.msg, "invalid base64: 5 data characters is 1 more "
                 "than a multiple of 4");
    CHECK_EQ_INT(pr_base64_decode(out, &got, "QUJDRA", 6, &err), PR_EFORMAT);
    CHECK_EQ_STR(err.msg, "invalid base64: incorrect padding");
    CHECK_EQ_INT(pr_base64_decode(out, &got, "QUJDRA", 6, NULL), PR_EFORMAT);
}

TEST(base64_looks_like_accepts_only_base64_text)
{
    size_t i, bad = 0;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (pr_base64_looks_like(cases[i].in, cases[i].in_len) !=
            cases[i].looks)
            bad++;
    CHECK_EQ_INT(bad, 0);
    CHECK(pr_base64_looks_like("gASVAAAA\r\n", 10));
    CHECK(!pr_base64_looks_like("\x80\x04\x95", 3));
    CHECK(!pr_base64_looks_like("{\"a\": 1}", 8));
    CHECK(!pr_base64_looks_like("QUJD RA==", 9));
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* 3 MB of bytes as base64 in 76-character lines, as Python's
 * base64.encodebytes writes it, decoded back. */
TEST(base64_decodes_megabytes_of_lines)
{
    enum { N = 3 << 20 };
    uint8_t *raw = malloc(N), *back = malloc(N + 3);
    char *text = malloc(N / 3 * 4 + N / 57 + 16);
    size_t i, t = 0, got = 0;
    uint32_t x = 1;
    double t0, dt;
    pr_buf b;

    for (i = 0; i < N; i++) {
        x = x * 1103515245 + 12345;
        raw[i] = (uint8_t)(x >> 16);
    }
    pr_buf_init(&b, 0);
    CHECK_EQ_INT(pr_json_base64(&b, raw, N, NULL), PR_OK);
    for (i = 1; i + 1 < b.len; i++) {
        text[t++] = b.data[i];
        if (i % 76 == 0)
            text[t++] = '\n';
    }
    text[t++] = '\n';
    t0 = now_s();
    CHECK_EQ_INT(pr_base64_decode(back, &got, text, t, NULL), PR_OK);
    dt = now_s() - t0;
    CHECK(got == N && memcmp(raw, back, N) == 0);
    CHECK(pr_base64_looks_like(text, t));
    /* Far below a second even under valgrind; catches a slow path. */
    CHECK(dt < 2.0);
    if (getenv("PR_BENCH") != NULL)
        printf("decode %zu bytes of base64 lines: %.2f ms (%.0f MB/s)\n", t,
               dt * 1e3, (double)t / dt / 1e6);
    pr_buf_dispose(&b);
    free(raw);
    free(back);
    free(text);
}

int
main(void)
{
    RUN(base64_decode_matches_python_decodebytes);
    RUN(base64_error_messages_say_what_is_wrong);
    RUN(base64_looks_like_accepts_only_base64_text);
    RUN(base64_decodes_megabytes_of_lines);
    return unit_done();
}
