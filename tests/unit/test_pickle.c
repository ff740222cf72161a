/*
 * test_pickle.c - behaviours of the pickle VM and emitter that the
 * CPython-generated fixtures cannot show: error paths, limits, hostile
 * streams, and allocation failure at every step.  Value correctness is
 * checked against CPython by tests/fixtures/compare.py.
 */
#include <stdlib.h>
#include <string.h>

#include "pr.h"
#include "alloc.h"
#include "unit.h"

static pr_code
decode(const char *bytes, size_t n, pr_decode_opts *opts, char **json,
       pr_error *err)
{
    pr_buf out;
    pr_code rc;

    pr_buf_init(&out, 0);
    rc = pr_pickle_to_json(&out, bytes, n, opts, err);
    *json = rc == PR_OK ? pr_buf_detach(&out, NULL) : NULL;
    pr_buf_dispose(&out);
    return rc;
}

#define DECODE(lit, opts, json, err) decode(lit, sizeof(lit) - 1, opts, \
                                            json, err)

TEST(pickle_decodes_protocol5_string)
{
    char *json;
    pr_error err;
    /* cloudpickle.dumps("hello world") */
    static const char p[] = "\x80\x05\x95\x0f\x00\x00\x00\x00\x00\x00\x00"
                            "\x8c\x0bhello world\x94.";

    CHECK_EQ_INT(DECODE(p, NULL, &json, &err), PR_OK);
    CHECK_EQ_STR(json, "\"hello world\"");
    pr_free(json);
}

TEST(pickle_rejects_empty_input)
{
    char *json;
    pr_error err;

    CHECK_EQ_INT(decode("", 0, NULL, &json, &err), PR_EFORMAT);
    CHECK(strstr(err.msg, "empty") != NULL);
}

TEST(pickle_rejects_unknown_opcode)
{
    char *json;
    pr_error err;

    CHECK_EQ_INT(DECODE("\x80\x04\xff.", NULL, &json, &err), PR_EFORMAT);
    CHECK(strstr(err.msg, "invalid load key") != NULL);
    CHECK(strstr(err.msg, "byte 2") != NULL);
}

TEST(pickle_rejects_base64_text_with_the_python_error_named)
{
    char *json;
    pr_error err;

    /* 'g' is GET: the line "AWV..." is not a memo index */
    CHECK_EQ_INT(DECODE("gAWVDwAAAAAAAACMC2hlbGxvIHdvcmxklC4=\n", NULL,
                        &json, &err), PR_EFORMAT);
    CHECK(strstr(err.msg, "GET") != NULL);
}

TEST(pickle_reports_truncation_with_offset)
{
    char *json;
    pr_error err;

    CHECK_EQ_INT(DECODE("\x80\x05\x8c\x0bhello", NULL, &json, &err),
                 PR_EFORMAT);
    CHECK(strstr(err.msg, "truncated") != NULL);
    CHECK(strstr(err.msg, "declares 11 bytes") != NULL);
    CHECK_EQ_INT(DECODE("\x80\x05N", NULL, &json, &err), PR_EFORMAT);
    CHECK(strstr(err.msg, "no STOP") != NULL);
}

TEST(pickle_rejects_get_of_unset_memo)
{
    char *json;
    pr_error err;

    CHECK_EQ_INT(DECODE("\x80\x04h\x07.", NULL, &json, &err), PR_EFORMAT);
    CHECK(strstr(err.msg, "memo value not found at index 7") != NULL);
}

TEST(pickle_rejects_stack_underflow_below_mark)
{
    char *json;
    pr_error err;

    /* NONE MARK APPEND: APPEND may not reach below the MARK */
    CHECK_EQ_INT(DECODE("\x80\x02](Na.", NULL, &json, &err), PR_EFORMAT);
    CHECK(strstr(err.msg, "underflow") != NULL);
    CHECK_EQ_INT(DECODE(".", NULL, &json, &err), PR_EFORMAT);
}

TEST(pickle_refuses_persistent_ids_and_extensions_by_name)
{
    char *json;
    pr_error err;

    CHECK_EQ_INT(DECODE("\x80\x04NQ.", NULL, &json, &err),
                 PR_EUNSUPPORTED);
    CHECK(strstr(err.msg, "BINPERSID") != NULL);
    CHECK_EQ_INT(DECODE("\x80\x04\x82\x01.", NULL, &json, &err),
                 PR_EUNSUPPORTED);
    CHECK(strstr(err.msg, "EXT1") != NULL);
    CHECK_EQ_INT(DECODE("\x80\x05\x97.", NULL, &json, &err),
                 PR_EUNSUPPORTED);
    CHECK(strstr(err.msg, "NEXT_BUFFER") != NULL);
}

TEST(pickle_refuses_unknown_protocol)
{
    char *json;
    pr_error err;

    CHECK_EQ_INT(DECODE("\x80\x06N.", NULL, &json, &err),
                 PR_EUNSUPPORTED);
    CHECK(strstr(err.msg, "protocol: 6") != NULL);
}

TEST(pickle_rejects_length_prefix_past_the_end)
{
    char *json;
    pr_error err;

    CHECK_EQ_INT(DECODE("\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\xff.",
                        NULL, &json, &err), PR_ELIMIT);
    CHECK(strstr(err.msg, "BINUNICODE8") != NULL);
    CHECK_EQ_INT(DECODE("\x80\x04\x8b\xff\xff\xff\x7f.", NULL, &json,
                        &err), PR_ELIMIT);
    CHECK_EQ_INT(DECODE("\x80\x04\x95\xfe\xff\xff\xff\xff\xff\xff\xffN.",
                        NULL, &json, &err), PR_ELIMIT);
    CHECK(strstr(err.msg, "FRAME") != NULL);
}

TEST(pickle_names_the_depth_limit)
{
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    size_t n = 100000, i;
    char *p = malloc(n + 8), *json;
    pr_error err;

    /* ']' repeated then 'a' repeated: a list nested n deep */
    p[0] = (char)0x80;
    p[1] = 4;
    for (i = 0; i < n / 2; i++)
        p[2 + i] = ']';
    for (i = 0; i < n / 2 - 1; i++)
        p[2 + n / 2 + i] = 'a';
    p[2 + n - 1] = '.';
    CHECK_EQ_INT(decode(p, n + 2, &opts, &json, &err), PR_ELIMIT);
    CHECK(strstr(err.msg, "max_depth") != NULL);
    opts.lim.max_stack = 1000;
    CHECK_EQ_INT(decode(p, n + 2, &opts, &json, &err), PR_ELIMIT);
    CHECK(strstr(err.msg, "max_stack") != NULL);
    free(p);
}

TEST(pickle_names_the_memo_limit)
{
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    char *json;
    pr_error err;

    opts.lim.max_memo = 100;
    CHECK_EQ_INT(DECODE("\x80\x04Nr\xe8\x03\x00\x00.", &opts, &json,
                        &err), PR_ELIMIT);
    CHECK(strstr(err.msg, "max_memo") != NULL);
}

/*
 * A large honest pickle memoizes more than max_memo objects: the limit
 * grows with the input (one entry per two bytes), while a sparse index
 * in a small input is still refused.  Protocol 4: a list of 1.2M empty
 * dicts, each EMPTY_DICT MEMOIZE, appended in batches of 1000 as
 * pickle.dumps([{} for _ in range(n)], 4) writes it (without frames).
 */
TEST(pickle_memo_limit_grows_with_the_input)
{
    enum { N = 1200000 };
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    size_t n = 0, i, dicts = 0;
    char *in = malloc(3 * N + 16), *json = NULL;
    pr_error err;

    CHECK(in != NULL);
    if (in == NULL)
        return;
    memcpy(in, "\x80\x04]\x94", 4);      /* PROTO 4, [], MEMOIZE */
    n = 4;
    for (i = 0; i < N; i++) {
        if (i % 1000 == 0)
            in[n++] = '(';              /* MARK: batches of 1000 */
        in[n++] = '}';                  /* EMPTY_DICT */
        in[n++] = '\x94';               /* MEMOIZE */
        if (i % 1000 == 999)
            in[n++] = 'e';              /* APPENDS */
    }
    in[n++] = '.';
    CHECK_EQ_INT(decode(in, n, &opts, &json, &err), PR_OK);
    if (json != NULL) {
        for (i = 0; json[i] != '\0'; i++)
            dicts += json[i] == '{';
        CHECK_EQ_INT(dicts, N);
    }
    pr_free(json);
    free(in);
    /* The default still refuses an index past 1M in a small input. */
    CHECK_EQ_INT(DECODE("\x80\x04Nr\x00\x00\x10\x00.", &opts, &json,
                        &err), PR_ELIMIT);
    CHECK(strstr(err.msg, "max_memo") != NULL);
}

TEST(pickle_names_the_opcode_limit)
{
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    char *json;
    pr_error err;

    opts.lim.max_ops = 3;
    CHECK_EQ_INT(DECODE("\x80\x04NNNN.", &opts, &json, &err), PR_ELIMIT);
    CHECK(strstr(err.msg, "max_ops") != NULL);
}

TEST(pickle_stops_billion_laughs_at_the_output_budget)
{
    /* l0 = [s, s, ...]; l(k+1) = [lk, lk]: 2^40 copies of a string */
    char p[4096];
    size_t n = 0;
    char *json;
    pr_error err;

    p[n++] = (char)0x80;
    p[n++] = 4;
    p[n++] = (char)0x8c;
    p[n++] = 8;
    memcpy(p + n, "laughter", 8);
    n += 8;
    p[n++] = (char)0x94;                /* memo 0 */
    for (int k = 0; k < 40; k++) {
        p[n++] = 'h';
        p[n++] = (char)k;
        p[n++] = 'h';
        p[n++] = (char)k;
        p[n++] = (char)0x86;            /* TUPLE2 */
        p[n++] = (char)0x94;            /* memo k+1 */
    }
    p[n++] = '.';
    CHECK_EQ_INT(decode(p, n, NULL, &json, &err), PR_ELIMIT);
    CHECK(strstr(err.msg, "output") != NULL);
}

TEST(pickle_renders_cycles_as_json_pointers)
{
    char *json;
    pr_error err;

    /* l = []; l.append(l) */
    CHECK_EQ_INT(DECODE("\x80\x04]\x94h\x00" "a.", NULL, &json, &err),
                 PR_OK);
    CHECK_EQ_STR(json, "[{\"__ref__\":\"#\"}]");
    pr_free(json);
    /* d = {"a/b": []}; d["a/b"].append(d) */
    CHECK_EQ_INT(DECODE("\x80\x04}\x94\x8c\x03" "a/b]h\x00" "as.", NULL, &json,
                        &err), PR_OK);
    CHECK_EQ_STR(json, "{\"a/b\":[{\"__ref__\":\"#\"}]}");
    pr_free(json);
}

TEST(pickle_treats_dangerous_calls_as_data)
{
    char *json;
    pr_error err;

    CHECK_EQ_INT(DECODE("cos\nsystem\n(S'echo pwned'\ntR.", NULL, &json,
                        &err), PR_OK);
    CHECK_EQ_STR(json, "{\"__reduce__\":\"os.system\",\"__args__\":"
                 "[\"echo pwned\"]}");
    pr_free(json);
}

TEST(pickle_survives_allocation_failure_at_every_step)
{
    /* a stream that allocates a little of everything */
    static const char p[] = "\x80\x04\x95\x34\x00\x00\x00\x00\x00\x00\x00"
        "}\x94(\x8c\x01" "a\x94]\x94(K\x01K\x02" "e\x8c\x01" "b\x94"
        "\x8c\x08" "datetime"
        "\x94\x8c\x04" "date\x94\x93\x94" "C\x04\x07\xe8\x01\x0f\x94\x85\x94R"
        "\x94u.";
    unsigned long total;
    char *json = NULL;
    pr_error err;
    int failures = 0;

    pr_alloc_fail_after(-1);
    CHECK_EQ_INT(DECODE(p, NULL, &json, &err), PR_OK);
    pr_free(json);
    pr_alloc_fail_after(-1);
    pr_alloc_fail_after(1000000);
    CHECK_EQ_INT(DECODE(p, NULL, &json, &err), PR_OK);
    pr_free(json);
    total = pr_alloc_count();
    for (unsigned long k = 0; k < total; k++) {
        pr_code rc;
        pr_alloc_fail_after((long)k);
        rc = DECODE(p, NULL, &json, &err);
        pr_alloc_fail_after(-1);
        if (rc == PR_OK)
            pr_free(json);
        else if (rc != PR_ENOMEM)
            failures++;
    }
    CHECK(total > 3);
    CHECK_EQ_INT(failures, 0);
}

TEST(pickle_renders_an_odd_cloudpickle_call_as_data)
{
    char *json;
    pr_error err;

    /* _make_function with one argument is not what cloudpickle writes:
     * it must still produce output (found by fuzz_pickle) */
    CHECK_EQ_INT(DECODE("\x80\x04\x8c\x17" "cloudpickle.cloudpickle"
                        "\x8c\x0e_make_function\x93N\x85R.", NULL, &json,
                        &err), PR_OK);
    CHECK_EQ_STR(json, "{\"__reduce__\":\"cloudpickle.cloudpickle."
                 "_make_function\",\"__args__\":[null]}");
    pr_free(json);
}

int
main(void)
{
    RUN(pickle_decodes_protocol5_string);
    RUN(pickle_rejects_empty_input);
    RUN(pickle_rejects_unknown_opcode);
    RUN(pickle_rejects_base64_text_with_the_python_error_named);
    RUN(pickle_reports_truncation_with_offset);
    RUN(pickle_rejects_get_of_unset_memo);
    RUN(pickle_rejects_stack_underflow_below_mark);
    RUN(pickle_refuses_persistent_ids_and_extensions_by_name);
    RUN(pickle_refuses_unknown_protocol);
    RUN(pickle_rejects_length_prefix_past_the_end);
    RUN(pickle_names_the_depth_limit);
    RUN(pickle_names_the_memo_limit);
    RUN(pickle_memo_limit_grows_with_the_input);
    RUN(pickle_names_the_opcode_limit);
    RUN(pickle_stops_billion_laughs_at_the_output_budget);
    RUN(pickle_renders_cycles_as_json_pointers);
    RUN(pickle_treats_dangerous_calls_as_data);
    RUN(pickle_survives_allocation_failure_at_every_step);
    RUN(pickle_renders_an_odd_cloudpickle_call_as_data);
    return unit_done();
}
