/*
 * test_numpy_pandas.c - behaviours of the numpy and pandas recognisers
 * (rec_numpy.c, rec_pandas.c, ndarray.c) that are easiest to pin down
 * here: exact JSON for a few real pickles, the generic fallback for
 * pickles whose parts disagree, datetime64 text at the edges where numpy
 * wraps around, a missing time zone database, and allocation failure at
 * every step.  Broad agreement with CPython is checked by
 * tests/fixtures/compare.py.  Data: tests/unit/gen_numpy_pandas.py.
 */
#include <stdlib.h>
#include <string.h>

#include "pr.h"
#include "alloc.h"
#include "ndarray.h"
#include "unit.h"

typedef struct decode_case {
    const char *name;
    const char *pickle;
    size_t len;
    int typed;
    const char *json;       /* exact output, or NULL */
    const char *substring;  /* must appear in the output, or NULL */
} decode_case;

static const decode_case cases[] = {
#include "data/numpy_pandas_cases.inc"
};

typedef struct dt_case {
    long long value;
    int unit;
    int num;
    const char *text;
} dt_case;

static const dt_case dt_cases[] = {
#include "data/numpy_datetime_cases.inc"
};

static pr_code
decode(const char *p, size_t n, int typed, char **json, pr_error *err)
{
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    pr_buf out;
    pr_code rc;

    opts.typed = typed;
    pr_buf_init(&out, 0);
    rc = pr_pickle_to_json(&out, p, n, &opts, err);
    *json = rc == PR_OK ? pr_buf_detach(&out, NULL) : NULL;
    pr_buf_dispose(&out);
    return rc;
}

static const decode_case *
find_case(const char *name)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return NULL;
}

TEST(numpy_pandas_match_the_reference_json)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const decode_case *c = &cases[i];
        char *json;
        pr_error err;
        if (c->json == NULL)
            continue;
        CHECK_EQ_INT(decode(c->pickle, c->len, c->typed, &json, &err),
                     PR_OK);
        if (json != NULL && strcmp(json, c->json) != 0)
            fprintf(stderr, "  case %s (typed %d)\n", c->name, c->typed);
        CHECK_EQ_STR(json, c->json);
        pr_free(json);
    }
}

TEST(numpy_pandas_fall_back_when_parts_disagree)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const decode_case *c = &cases[i];
        char *json;
        pr_error err;
        if (c->substring == NULL)
            continue;
        CHECK_EQ_INT(decode(c->pickle, c->len, c->typed, &json, &err),
                     PR_OK);
        if (json == NULL || strstr(json, c->substring) == NULL)
            fprintf(stderr, "  case %s: %.200s\n", c->name,
                    json ? json : "(error)");
        CHECK(json != NULL && strstr(json, c->substring) != NULL);
        pr_free(json);
    }
}

TEST(numpy_datetime64_text_wraps_as_numpy_does)
{
    char buf[PE_DT_BUFSIZE];

    for (size_t i = 0; i < sizeof(dt_cases) / sizeof(dt_cases[0]); i++) {
        const dt_case *c = &dt_cases[i];
        size_t n = pe_fmt_datetime64(buf, c->value, c->unit, c->num);
        buf[n] = '\0';
        if (strcmp(buf, c->text) != 0)
            fprintf(stderr, "  %lld unit %d x%d\n", c->value, c->unit,
                    c->num);
        CHECK_EQ_STR(buf, c->text);
    }
    CHECK_EQ_INT(pe_fmt_datetime64(buf, PE_NAT, PE_UNIT_s, 1), 0);
    CHECK_EQ_INT(pe_fmt_datetime64(buf, 5, PE_UNIT_GENERIC, 1), 0);
}

TEST(pandas_timestamps_print_as_isoformat)
{
    char buf[PE_DT_BUFSIZE];
    size_t n;

    n = pe_fmt_isoformat(buf, 1500000000, PE_UNIT_ns, 1);
    buf[n] = '\0';
    CHECK_EQ_STR(buf, "1970-01-01T00:00:01.500000");
    n = pe_fmt_isoformat(buf, -1, PE_UNIT_ns, 1);
    buf[n] = '\0';
    CHECK_EQ_STR(buf, "1969-12-31T23:59:59.999999999");
    n = pe_fmt_isoformat(buf, 86400, PE_UNIT_s, 1);
    buf[n] = '\0';
    CHECK_EQ_STR(buf, "1970-01-02T00:00:00");
    CHECK_EQ_INT(pe_fmt_isoformat(buf, PE_NAT, PE_UNIT_ns, 1), 0);
    /* no time of day exists for years and months */
    CHECK_EQ_INT(pe_fmt_isoformat(buf, 5, PE_UNIT_Y, 1), 0);
}

TEST(pandas_zones_without_a_database_are_not_invented)
{
    const decode_case *c = find_case("pd_series_tz");
    const char *old = getenv("TZDIR");
    char *saved = old ? strdup(old) : NULL;
    char *json;
    pr_error err;

    CHECK(c != NULL);
    if (c == NULL)
        return;
    setenv("TZDIR", "/nonexistent-zoneinfo", 1);
    CHECK_EQ_INT(decode(c->pickle, c->len, 0, &json, &err), PR_OK);
    /* no offset to print: the series is rendered as its parts */
    CHECK(json != NULL && strstr(json, "+01:00") == NULL &&
          strstr(json, "SingleBlockManager") != NULL);
    pr_free(json);
    if (saved != NULL) {
        setenv("TZDIR", saved, 1);
        free(saved);
    } else {
        unsetenv("TZDIR");
    }
}

TEST(numpy_pandas_survive_allocation_failure_at_every_step)
{
    static const char *const names[] = {
        "pd_split", "pd_multiindex", "np_objects", "np_struct",
        "pd_series_tz"
    };

    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        const decode_case *c = find_case(names[k]);
        int done = 0;
        CHECK(c != NULL);
        if (c == NULL)
            continue;
        for (long n = 0; n < 100000 && !done; n++) {
            char *json;
            pr_error err;
            pr_code rc;
            pr_alloc_fail_after(n);
            rc = decode(c->pickle, c->len, c->typed, &json, &err);
            pr_alloc_fail_after(-1);
            CHECK(rc == PR_OK || rc == PR_ENOMEM);
            if (rc == PR_OK) {
                CHECK_EQ_STR(json, c->json);
                done = 1;
            }
            pr_free(json);
        }
        CHECK(done);
    }
}

int
main(void)
{
    RUN(numpy_pandas_match_the_reference_json);
    RUN(numpy_pandas_fall_back_when_parts_disagree);
    RUN(numpy_datetime64_text_wraps_as_numpy_does);
    RUN(pandas_timestamps_print_as_isoformat);
    RUN(pandas_zones_without_a_database_are_not_invented);
    RUN(numpy_pandas_survive_allocation_failure_at_every_step);
    return unit_done();
}
