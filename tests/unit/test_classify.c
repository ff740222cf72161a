/*
 * test_classify.c - every shape of a state's "data" in
 * docs/prefect-results.md section 1, with the spec's own examples, in
 * the order of "Telling them apart".
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "pr.h"
#include "alloc.h"
#include "classify.h"

static pr_code
classify(pr_data_ref *r, const char *text, pr_error *err)
{
    pr_error_clear(err);
    return pr_classify_data(r, text, strlen(text), 100, err);
}

/* The value span as a C string (static buffer). */
static const char *
value_of(const pr_data_ref *r)
{
    static char buf[512];
    size_t n = r->value_len < sizeof(buf) - 1 ? r->value_len
                                                : sizeof(buf) - 1;

    if (r->value == NULL)
        return "(none)";
    memcpy(buf, r->value, n);
    buf[n] = '\0';
    return buf;
}

TEST(classify_null_is_no_result)
{
    pr_data_ref r;
    pr_error err;

    CHECK_EQ_INT(classify(&r, "null", &err), PR_OK);
    CHECK_EQ_INT(r.kind, PR_DATA_NONE);
    pr_data_ref_dispose(&r);
    CHECK_EQ_INT(classify(&r, " \n null\t", &err), PR_OK);
    CHECK_EQ_INT(r.kind, PR_DATA_NONE);
    pr_data_ref_dispose(&r);
}

TEST(classify_3x_metadata_spec_example)
{
    static const char text[] =
        "{\"storage_key\":\"/home/ana/.prefect/storage/6f1e\","
        "\"expiration\":null,\"serializer\":{\"type\":\"pickle\","
        "\"picklelib\":\"cloudpickle\",\"picklelib_version\":null},"
        "\"prefect_version\":\"3.4.1\",\"storage_block_id\":null}";
    pr_data_ref r;
    pr_error err;

    CHECK_EQ_INT(classify(&r, text, &err), PR_OK);
    CHECK_EQ_INT(r.kind, PR_DATA_METADATA);
    CHECK_EQ_STR(r.storage_key, "/home/ana/.prefect/storage/6f1e");
    CHECK(r.storage_block_id == NULL);
    CHECK(r.expiration == NULL);
    CHECK_EQ_STR(r.serializer, "{\"type\":\"pickle\",\"picklelib\":"
                 "\"cloudpickle\",\"picklelib_version\":null}");
    CHECK(r.key_given);
    pr_data_ref_dispose(&r);
}

TEST(classify_3x_metadata_with_block_expiration_and_short_serializer)
{
    /* 3.x task states over the API show only the serializer's type;
     * PostgreSQL returns the keys in another order. */
    static const char text[] =
        "{\"expiration\":\"2026-12-01T00:00:00+00:00\",\"serializer\":"
        "{\"type\":\"compressed\"},\"storage_key\":\"bd10\\u00e9\","
        "\"prefect_version\":\"3.4.1\",\"storage_block_id\":"
        "\"836b51e4-5ce4-424c-baeb-140369c6c951\"}";
    pr_data_ref r;
    pr_error err;

    CHECK_EQ_INT(classify(&r, text, &err), PR_OK);
    CHECK_EQ_INT(r.kind, PR_DATA_METADATA);
    CHECK_EQ_STR(r.storage_key, "bd10\xc3\xa9");
    CHECK_EQ_STR(r.storage_block_id, "836b51e4-5ce4-424c-baeb-140369c6c951");
    CHECK_EQ_STR(r.expiration, "2026-12-01T00:00:00+00:00");
    CHECK_EQ_STR(r.serializer, "{\"type\":\"compressed\"}");
    pr_data_ref_dispose(&r);
}

TEST(classify_any_dict_with_storage_key_is_metadata)
{
    /* Python 3.x reads any dict with storage_key as metadata, unless
     * it says "type": "reference". */
    pr_data_ref r;
    pr_error err;

    CHECK_EQ_INT(classify(&r, "{\"type\":\"literal\",\"storage_key\":\"k\","
                          "\"serializer\":\"json\"}", &err), PR_OK);
    CHECK_EQ_INT(r.kind, PR_DATA_METADATA);
    CHECK_EQ_STR(r.storage_key, "k");
    CHECK_EQ_STR(r.serializer, "{\"type\": \"json\"}");
    pr_data_ref_dispose(&r);

    CHECK_EQ_INT(classify(&r, "{\"storage_key\":null}", &err), PR_OK);
    CHECK_EQ_INT(r.kind, PR_DATA_METADATA);
    CHECK(r.storage_key == NULL);
    CHECK(r.key_given);
    CHECK(r.serializer == NULL);
    pr_data_ref_dispose(&r);
}

TEST(classify_3_0_0_reference_spec_example)
{
    static const char text[] =
        "{\"type\":\"reference\",\"serializer_type\":\"pickle\","
        "\"storage_key\":\"/home/ana/.prefect/storage/6f1e\","
        "\"storage_block_id\":null,\"expiration\":null,"
        "\"serialize_to_none\":false}";
    pr_data_ref r;
    pr_error err;

    CHECK_EQ_INT(classify(&r, text, &err), PR_OK);
    CHECK_EQ_INT(r.kind, PR_DATA_REFERENCE);
    CHECK_EQ_STR(r.storage_key, "/home/ana/.prefect/storage/6f1e");
    CHECK(r.storage_block_id == NULL);
    CHECK_EQ_STR(r.serializer, "{\"type\": \"pickle\"}");
    pr_data_ref_dispose(&r);
}

TEST(classify_2x_reference_spec_example)
{
    static const char text[] =
        "{\"type\":\"reference\",\"serializer_type\":\"json\","
        "\"storage_block_id\":\"0b8c\",\"storage_key\":\"a3f9c2\"}";
    pr_data_ref r;
    pr_error err;

    CHECK_EQ_INT(classify(&r, text, &err), PR_OK);
    CHECK_EQ_INT(r.kind, PR_DATA_REFERENCE);
    CHECK_EQ_STR(r.storage_key, "a3f9c2");
    CHECK_EQ_STR(r.storage_block_id, "0b8c");
    CHECK_EQ_STR(r.serializer, "{\"type\": \"json\"}");
    pr_data_ref_dispose(&r);

    /* Escaped spelling, spaces (the artifact's stored text), a
     * compressed hint. */
    CHECK_EQ_INT(classify(&r, "{\"type\": \"\\u0072eference\", "
                          "\"serializer_type\": \"compressed/pickle\", "
                          "\"storage_block_id\": \"b\", \"storage_key\": "
                          "\"sample/first.json\"}", &err), PR_OK);
    CHECK_EQ_INT(r.kind, PR_DATA_REFERENCE);
    CHECK_EQ_STR(r.storage_key, "sample/first.json");
    CHECK_EQ_STR(r.serializer, "{\"type\": \"compressed/pickle\"}");
    pr_data_ref_dispose(&r);

    /* A reference without a key still classifies; resolve refuses it. */
    CHECK_EQ_INT(classify(&r, "{\"type\":\"reference\"}", &err), PR_OK);
    CHECK_EQ_INT(r.kind, PR_DATA_REFERENCE);
    CHECK(r.storage_key == NULL);
    CHECK(!r.key_given);
    pr_data_ref_dispose(&r);
}

TEST(classify_literal_and_unknown_values)
{
    static const struct {
        const char *text;
        const char *value;
    } cases[] = {
        { "{\"type\":\"literal\",\"value\":true}", "true" },
        { "{\"type\":\"literal\",\"value\":false}", "false" },
        { "{\"type\":\"literal\",\"value\":null}", "null" },
        { "{\"type\": \"literal\", \"value\": "
          "\"0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b\"}",
          "\"0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b\"" },
        { "{\"type\":\"unknown\",\"value\":null}", "null" },
        { "{\"type\":\"literal\"}", "null" },
    };
    size_t i;
    pr_data_ref r;
    pr_error err;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_EQ_INT(classify(&r, cases[i].text, &err), PR_OK);
        CHECK_EQ_INT(r.kind, PR_DATA_LITERAL);
        CHECK_EQ_STR(value_of(&r), cases[i].value);
        pr_data_ref_dispose(&r);
    }
}

TEST(classify_unpersisted)
{
    pr_data_ref r;
    pr_error err;

    CHECK_EQ_INT(classify(&r, "{\"type\":\"unpersisted\"}", &err), PR_OK);
    CHECK_EQ_INT(r.kind, PR_DATA_UNPERSISTED);
    pr_data_ref_dispose(&r);
}

TEST(classify_era_a_result_blob_spec_example)
{
    static const char text[] =
        "{\"encoding\":\"result\",\"blob\":\"{\\\"key\\\": \\\"9e2\\\", "
        "\\\"filesystem_document_id\\\": \\\"0b8c\\\"}\"}";
    pr_data_ref r;
    pr_error err;

    CHECK_EQ_INT(classify(&r, text, &err), PR_OK);
    CHECK_EQ_INT(r.kind, PR_DATA_DATADOC);
    CHECK_EQ_STR(r.storage_key, "9e2");
    CHECK_EQ_STR(r.storage_block_id, "0b8c");
    CHECK(r.serializer == NULL);
    pr_data_ref_dispose(&r);
}

TEST(classify_era_a_bad_blobs_are_format_errors)
{
    static const char *const bad[] = {
        "{\"encoding\":\"result\",\"blob\":42}",
        "{\"encoding\":\"result\",\"blob\":\"not json\"}",
        "{\"encoding\":\"result\",\"blob\":\"[1]\"}",
        "{\"encoding\":\"result\",\"blob\":\"{\\\"nokey\\\": 1}\"}",
    };
    size_t i;
    pr_data_ref r;
    pr_error err;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ_INT(classify(&r, bad[i], &err), PR_EFORMAT);
        CHECK(strstr(err.msg, "blob") != NULL);
    }
}

TEST(classify_era_a_inline_document)
{
    pr_data_ref r;
    pr_error err;

    CHECK_EQ_INT(classify(&r, "{\"encoding\":\"json\",\"blob\":\"42\"}",
                          &err), PR_OK);
    CHECK_EQ_INT(r.kind, PR_DATA_DATADOC_INLINE);
    CHECK_EQ_STR(value_of(&r), "{\"encoding\":\"json\",\"blob\":\"42\"}");
    pr_data_ref_dispose(&r);
}

TEST(classify_anything_else_is_the_value)
{
    static const struct {
        const char *text;
        const char *value;
    } cases[] = {
        { "42", "42" },
        { " {\"rows\":3} \n", "{\"rows\":3}" },
        { "\"text\"", "\"text\"" },
        { "[1, 2.50, 123456789012345678901234567890]",
          "[1, 2.50, 123456789012345678901234567890]" },
        { "{\"type\":\"custom\",\"value\":1}",
          "{\"type\":\"custom\",\"value\":1}" },
        { "{\"encoding\":\"x\"}", "{\"encoding\":\"x\"}" },
        { "{\"type\":\"Reference\",\"x\":1}",
          "{\"type\":\"Reference\",\"x\":1}" },
        { "NaN", "NaN" },
        /* The falsy caveat: a stored 0 or {} reads back as null from the
         * server, but when given, they are values. */
        { "0", "0" },
        { "{}", "{}" },
        { "false", "false" },
    };
    size_t i;
    pr_data_ref r;
    pr_error err;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_EQ_INT(classify(&r, cases[i].text, &err), PR_OK);
        CHECK_EQ_INT(r.kind, PR_DATA_INLINE);
        CHECK_EQ_STR(value_of(&r), cases[i].value);
        pr_data_ref_dispose(&r);
    }
}

TEST(classify_rejects_bad_json_and_bad_fields)
{
    pr_data_ref r;
    pr_error err;

    CHECK_EQ_INT(classify(&r, "{\"storage_key\":", &err), PR_EFORMAT);
    CHECK_EQ_INT(classify(&r, "", &err), PR_EFORMAT);
    CHECK_EQ_INT(classify(&r, "{\"storage_key\":7}", &err), PR_EFORMAT);
    CHECK(strstr(err.msg, "storage_key") != NULL);
    CHECK_EQ_INT(classify(&r, "{\"storage_key\":\"k\",\"storage_block_id\""
                          ":[1]}", &err), PR_EFORMAT);
    CHECK_EQ_INT(classify(&r, "{\"storage_key\":\"a\\u0000b\"}", &err),
                 PR_EFORMAT);
    CHECK_EQ_INT(pr_classify_data(&r, "[[[[1]]]]", 9, 2, &err), PR_ELIMIT);
}

TEST(classify_kind_names)
{
    CHECK_EQ_STR(pr_data_kind_name(PR_DATA_METADATA), "3.x result metadata");
    CHECK_EQ_STR(pr_data_kind_name(PR_DATA_REFERENCE), "result reference");
    CHECK_EQ_STR(pr_data_kind_name((pr_data_kind)99), "unknown");
}

TEST(classify_survives_every_allocation_failure)
{
    static const char *const texts[] = {
        "{\"storage_key\":\"/k\",\"serializer\":\"json\",\"expiration\":"
        "\"2026\",\"storage_block_id\":\"b\"}",
        "{\"type\":\"reference\",\"serializer_type\":\"pickle\","
        "\"storage_key\":\"k\",\"storage_block_id\":\"b\"}",
        "{\"encoding\":\"result\",\"blob\":\"{\\\"key\\\": \\\"9e2\\\", "
        "\\\"filesystem_document_id\\\": \\\"0b8c\\\"}\"}",
    };
    size_t i;
    long n;
    pr_data_ref r;
    pr_error err;

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        for (n = 0; n < 100; n++) {
            pr_code rc;

            pr_alloc_fail_after(n);
            rc = classify(&r, texts[i], &err);
            pr_alloc_fail_after(-1);
            CHECK(rc == PR_OK || rc == PR_ENOMEM);
            if (rc == PR_OK) {
                CHECK(r.storage_key != NULL);
                pr_data_ref_dispose(&r);
                break;
            }
        }
    }
}

int
main(void)
{
    RUN(classify_null_is_no_result);
    RUN(classify_3x_metadata_spec_example);
    RUN(classify_3x_metadata_with_block_expiration_and_short_serializer);
    RUN(classify_any_dict_with_storage_key_is_metadata);
    RUN(classify_3_0_0_reference_spec_example);
    RUN(classify_2x_reference_spec_example);
    RUN(classify_literal_and_unknown_values);
    RUN(classify_unpersisted);
    RUN(classify_era_a_result_blob_spec_example);
    RUN(classify_era_a_bad_blobs_are_format_errors);
    RUN(classify_era_a_inline_document);
    RUN(classify_anything_else_is_the_value);
    RUN(classify_rejects_bad_json_and_bad_fields);
    RUN(classify_kind_names);
    RUN(classify_survives_every_allocation_failure);
    return unit_done();
}
