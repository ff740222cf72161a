/*
 * test_resolve.c - pr_client_resolve without a network: what it accepts
 * (state, run, bare data), values that need no file (null, unpersisted,
 * literal, inline, 2.0-2.5 documents), files through the local backend
 * with the flow/task rules, failed states, errors and allocation
 * failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "pr.h"
#include "pr_source.h"
#include "alloc.h"
#include "jsonw.h"

static char tmp[64];
static pr_config *cfg;
static pr_client *cli;

static const char *
no_env(const char *name, void *arg)
{
    (void)arg;
    if (strcmp(name, "HOME") == 0 || strcmp(name, "PREFECT_HOME") == 0)
        return "/nonexistent/resolve-test";
    return NULL;
}

static void
put(const char *name, const char *text)
{
    char p[256];
    FILE *f;

    snprintf(p, sizeof(p), "%s/%s", tmp, name);
    f = fopen(p, "w");
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

/* Resolves text with the given mode; the output (static) or "ERR". */
static pr_code
resolve_opts(const char *text, const pr_decode_opts *opts, pr_buf *out,
             pr_result_info *info, pr_error *err)
{
    pr_buf_dispose(out);
    pr_buf_init(out, 0);
    return pr_client_resolve(cli, out, info, text, strlen(text), opts, err);
}

static pr_code
resolve(const char *text, pr_buf *out, pr_result_info *info, pr_error *err)
{
    return resolve_opts(text, NULL, out, info, err);
}

/* A state around `data`; task when task != 0. */
static const char *
state(const char *type, const char *data, int task)
{
    static char buf[2048];

    snprintf(buf, sizeof(buf), "{\"id\":\"s\",\"type\":\"%s\",\"name\":\"x\","
             "\"message\":%s,\"data\":%s,\"state_details\":{\"flow_run_id\":"
             "\"f\",\"task_run_id\":%s}}", type,
             strcmp(type, "FAILED") == 0 ? "\"Flow run encountered an "
             "exception: ValueError: boom\"" : "null", data,
             task ? "\"t\"" : "null");
    return buf;
}

TEST(resolve_null_data_has_no_value)
{
    pr_buf out;
    pr_result_info info;
    pr_error err;

    pr_buf_init(&out, 0);
    CHECK_EQ_INT(resolve(state("COMPLETED", "null", 0), &out, &info, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "null");
    CHECK_EQ_INT(info.has_value, 0);
    CHECK_EQ_INT(info.failed, 0);
    CHECK_EQ_STR(info.state_type, "COMPLETED");
    CHECK_EQ_INT(resolve(state("COMPLETED", "{\"type\":\"unpersisted\"}", 1),
                         &out, &info, &err), PR_OK);
    CHECK_EQ_STR(out.data, "null");
    CHECK_EQ_INT(info.has_value, 0);
    CHECK_EQ_INT(resolve(state("FAILED", "null", 0), &out, &info, &err),
                 PR_OK);
    CHECK_EQ_INT(info.failed, 1);
    CHECK_EQ_INT(info.has_value, 0);
    CHECK_EQ_STR(info.message, "Flow run encountered an exception: "
                 "ValueError: boom");
    CHECK_EQ_INT(resolve(state("CRASHED", "null", 0), &out, &info, &err),
                 PR_OK);
    CHECK_EQ_INT(info.failed, 1);
    pr_buf_dispose(&out);
}

TEST(resolve_literal_and_inline_values)
{
    pr_decode_opts typed = PR_DECODE_OPTS_INIT, nanstr = PR_DECODE_OPTS_INIT;
    pr_buf out;
    pr_result_info info;
    pr_error err;

    typed.typed = 1;
    nanstr.nan = PR_NAN_STRING;
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(resolve(state("COMPLETED", "{\"type\":\"literal\","
                               "\"value\":\"0b5e8f7a-3c1d-4e2f-9a6b-"
                               "7c8d9e0f1a2b\"}", 0), &out, &info, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "\"0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b\"");
    CHECK_EQ_INT(info.has_value, 1);
    CHECK_EQ_STR(info.source, "inline");
    CHECK_EQ_INT(resolve(state("COMPLETED", "{\"type\":\"unknown\","
                               "\"value\":null}", 0), &out, &info, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "null");
    CHECK_EQ_INT(info.has_value, 1);
    CHECK_EQ_INT(resolve(state("COMPLETED", "{\"rows\": 3, \"big\": "
                               "123456789012345678901234567890}", 0), &out,
                         &info, &err), PR_OK);
    CHECK_EQ_STR(out.data, "{\"rows\":3,\"big\":"
                 "123456789012345678901234567890}");
    /* Through the JSON rewriter: envelopes and the NaN policy. */
    CHECK_EQ_INT(resolve(state("COMPLETED", "{\"__class__\":\"decimal."
                               "Decimal\",\"data\":\"1.50\"}", 0), &out,
                         &info, &err), PR_OK);
    CHECK_EQ_STR(out.data, "\"1.50\"");
    CHECK_EQ_INT(resolve_opts(state("COMPLETED", "{\"__class__\":\"decimal."
                                    "Decimal\",\"data\":\"1.50\"}", 0),
                              &typed, &out, &info, &err), PR_OK);
    CHECK_EQ_STR(out.data, "{\"__class__\":\"decimal.Decimal\",\"data\":"
                 "\"1.50\"}");
    CHECK_EQ_INT(resolve_opts("[NaN, -Infinity]", &nanstr, &out, &info,
                              &err), PR_OK);
    CHECK_EQ_STR(out.data, "[\"NaN\",\"-Infinity\"]");
    pr_buf_dispose(&out);
}

TEST(resolve_accepts_runs_and_bare_data)
{
    pr_buf out;
    pr_result_info info;
    pr_error err;

    pr_buf_init(&out, 0);
    CHECK_EQ_INT(resolve("42", &out, &info, &err), PR_OK);
    CHECK_EQ_STR(out.data, "42");
    CHECK_EQ_STR(info.state_type, "");
    CHECK_EQ_INT(resolve("{\"a\":[1,2]}", &out, &info, &err), PR_OK);
    CHECK_EQ_STR(out.data, "{\"a\":[1,2]}");
    CHECK_EQ_INT(resolve("{\"id\":\"r\",\"state_id\":\"s\",\"state\":"
                         "{\"type\":\"COMPLETED\",\"data\":{\"type\":"
                         "\"literal\",\"value\":false},\"state_details\":{}}}",
                         &out, &info, &err), PR_OK);
    CHECK_EQ_STR(out.data, "false");
    CHECK_EQ_STR(info.state_type, "COMPLETED");
    CHECK_EQ_INT(resolve("{\"id\":\"r\",\"state\":null}", &out, &info, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "null");
    CHECK_EQ_INT(info.has_value, 0);
    /* A state without state_details but with a known type. */
    CHECK_EQ_INT(resolve("{\"type\":\"COMPLETED\",\"data\":7}", &out, &info,
                         &err), PR_OK);
    CHECK_EQ_STR(out.data, "7");
    /* {"data": ...} alone, with an unknown type, is a value. */
    CHECK_EQ_INT(resolve("{\"type\":\"thing\",\"data\":7}", &out, &info,
                         &err), PR_OK);
    CHECK_EQ_STR(out.data, "{\"type\":\"thing\",\"data\":7}");
    CHECK_EQ_INT(resolve("{\"state\":{\"type\":\"COMPLETED\"}}", &out, &info,
                         &err), PR_EFORMAT);
    CHECK_EQ_INT(resolve("{\"state\":3}", &out, &info, &err), PR_EFORMAT);
    CHECK_EQ_INT(resolve("{\"data\":", &out, &info, &err), PR_EFORMAT);
    pr_buf_dispose(&out);
}

TEST(resolve_era_a_inline_document)
{
    pr_buf out;
    pr_result_info info;
    pr_error err;

    pr_buf_init(&out, 0);
    CHECK_EQ_INT(resolve(state("COMPLETED", "{\"encoding\":\"json\","
                               "\"blob\":\"[1, 2]\"}", 0), &out, &info, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "[1,2]");
    pr_buf_dispose(&out);
}

TEST(resolve_flow_metadata_reads_raw_files)
{
    char data[512];
    pr_buf out;
    pr_result_info info;
    pr_error err;

    /* A raw JSON flow result that looks like an old blob: a flow's file
     * is a record only if it has "metadata". */
    put("flowjson", "{\"__class__\": \"datetime.datetime\", \"data\": "
        "\"2024-01-02T03:04:05Z\"}");
    snprintf(data, sizeof(data), "{\"storage_key\":\"%s/flowjson\","
             "\"expiration\":\"2030-01-01T00:00:00Z\",\"serializer\":"
             "{\"type\":\"json\"},\"prefect_version\":\"3.4.1\","
             "\"storage_block_id\":null}", tmp);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(resolve(state("COMPLETED", data, 0), &out, &info, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "\"2024-01-02T03:04:05Z\"");
    CHECK_EQ_STR(info.source, "file");
    CHECK_EQ_STR(info.expiration, "2030-01-01T00:00:00Z");
    CHECK(strstr(info.location, "/flowjson") != NULL);

    /* The raw pickle of a flow (base64 lines). */
    put("flowpickle", "gAVLKi4=\n");
    snprintf(data, sizeof(data), "{\"storage_key\":\"%s/flowpickle\","
             "\"serializer\":{\"type\":\"pickle\"},\"storage_block_id\":"
             "null}", tmp);
    CHECK_EQ_INT(resolve(state("COMPLETED", data, 0), &out, &info, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "42");
    pr_buf_dispose(&out);
}

TEST(resolve_task_metadata_reads_records)
{
    char data[512];
    pr_buf out;
    pr_result_info info;
    pr_error err;

    put("taskrec", "{\"metadata\":{\"storage_key\":\"k\",\"expiration\":"
        "null,\"serializer\":{\"type\":\"pickle\",\"picklelib\":"
        "\"cloudpickle\",\"picklelib_version\":null},\"prefect_version\":"
        "\"3.4.1\",\"storage_block_id\":null},\"result\":"
        "\"gAWVDAAAAAAAAACMCGhlbGxvLi4ulC4=\\n\"}");
    snprintf(data, sizeof(data), "{\"storage_key\":\"%s/taskrec\","
             "\"serializer\":{\"type\":\"pickle\"},\"storage_block_id\":"
             "null}", tmp);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(resolve(state("COMPLETED", data, 1), &out, &info, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "\"hello...\"");
    pr_buf_dispose(&out);
}

TEST(resolve_2x_reference_from_a_flow_reads_the_blob)
{
    char data[512];
    pr_buf out;
    pr_result_info info;
    pr_error err;

    /* 2.x blobs are not 3.x raw flow files: the flow rule is for 3.x
     * metadata only.  A 3.0 reference without a block reads the path. */
    put("blob2", "{\"serializer\": {\"type\": \"json\", \"jsonlib\": "
        "\"json\"}, \"data\": \"{\\\"a\\\": 1}\", \"prefect_version\": "
        "\"2.10.0\"}");
    snprintf(data, sizeof(data), "{\"type\":\"reference\","
             "\"serializer_type\":\"json\",\"storage_key\":\"%s/blob2\","
             "\"storage_block_id\":null}", tmp);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(resolve(state("COMPLETED", data, 0), &out, &info, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "{\"a\":1}");
    pr_buf_dispose(&out);
}

TEST(resolve_failed_state_value_is_the_exception)
{
    char data[512];
    pr_buf out;
    pr_result_info info;
    pr_error err;

    put("exc", "{\"__exc_type__\": \"builtins.ValueError\", \"message\": "
        "\"boom\"}");
    snprintf(data, sizeof(data), "{\"storage_key\":\"%s/exc\","
             "\"serializer\":{\"type\":\"json\"},\"storage_block_id\":null}",
             tmp);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(resolve(state("FAILED", data, 0), &out, &info, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "{\"__exc_type__\":\"builtins.ValueError\","
                 "\"message\":\"boom\"}");
    CHECK_EQ_INT(info.failed, 1);
    CHECK_EQ_INT(info.has_value, 1);
    CHECK_EQ_STR(info.state_type, "FAILED");
    pr_buf_dispose(&out);
}

TEST(resolve_errors_leave_the_output_alone)
{
    char data[512];
    pr_buf out;
    pr_result_info info;
    pr_error err;

    put("garbage", "this is not base64 !!!");
    snprintf(data, sizeof(data), "{\"storage_key\":\"%s/garbage\","
             "\"serializer\":{\"type\":\"pickle\"},\"storage_block_id\":"
             "null}", tmp);
    pr_buf_init(&out, 0);
    pr_buf_append(&out, "[", 1, &err);
    CHECK_EQ_INT(pr_client_resolve(cli, &out, &info, state("COMPLETED",
                                                           data, 0),
                                   strlen(state("COMPLETED", data, 0)),
                                   NULL, &err), PR_EFORMAT);
    CHECK_EQ_STR(out.data, "[");
    CHECK_EQ_INT(info.has_value, 0);
    CHECK(strstr(err.hint, "garbage") != NULL || strlen(err.hint) > 0);

    /* A pointer without a key; a block without an API. */
    CHECK_EQ_INT(resolve(state("COMPLETED", "{\"type\":\"reference\"}", 0),
                         &out, &info, &err), PR_EFORMAT);
    CHECK(strstr(err.msg, "names no storage_key") != NULL);
    CHECK_EQ_INT(resolve(state("COMPLETED", "{\"type\":\"reference\","
                               "\"storage_key\":\"k\",\"storage_block_id\":"
                               "\"0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b\"}",
                               0), &out, &info, &err), PR_EINVAL);
    CHECK(strstr(err.msg, "storage block 0b5e8f7a-3c1d-4e2f-9a6b-"
                 "7c8d9e0f1a2b") != NULL);
    CHECK(strstr(err.msg, "needs the Prefect API") != NULL);
    CHECK_EQ_INT(resolve(state("COMPLETED", "{\"type\":\"reference\","
                               "\"storage_key\":\"k\",\"storage_block_id\":"
                               "\"../etc\"}", 0), &out, &info, &err),
                 PR_EINVAL);
    CHECK(strstr(err.msg, "not a valid storage block id") != NULL);
    pr_buf_dispose(&out);
}

TEST(resolve_limits_and_arguments)
{
    pr_decode_opts small = PR_DECODE_OPTS_INIT;
    pr_buf out;
    pr_result_info info;
    pr_error err;

    small.lim.max_input = 8;
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(resolve_opts(state("COMPLETED", "1", 0), &small, &out,
                              &info, &err), PR_ELIMIT);
    CHECK_EQ_INT(pr_client_resolve(NULL, &out, &info, "1", 1, NULL, &err),
                 PR_EINVAL);
    CHECK_EQ_INT(pr_client_resolve(cli, &out, NULL, "1", 1, NULL, NULL),
                 PR_OK);
    pr_buf_dispose(&out);
}

static long
ms_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long)(t1.tv_sec - t0->tv_sec) * 1000 +
           (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

TEST(resolve_waits_for_task_files_only)
{
    char data[512];
    pr_buf out;
    pr_result_info info;
    pr_error err;
    struct timespec t0;
    long ms;

    snprintf(data, sizeof(data), "{\"storage_key\":\"%s/missing\","
             "\"serializer\":{\"type\":\"pickle\"},\"storage_block_id\":"
             "null}", tmp);
    pr_buf_init(&out, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(resolve(state("COMPLETED", data, 0), &out, &info, &err),
                 PR_ENOTFOUND);
    CHECK(ms_since(&t0) < 50);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(resolve(state("COMPLETED", data, 1), &out, &info, &err),
                 PR_ENOTFOUND);
    ms = ms_since(&t0);
    if (!(ms >= 90 && ms < 1000))
        fprintf(stderr, "  waited %ld ms: %s\n", ms, err.msg);
    CHECK(ms >= 90 && ms < 1000);           /* 3 retries x 30 ms */
    CHECK(strstr(err.msg, "result file not found") != NULL);
    pr_buf_dispose(&out);
}

/* A host source serving one block, for 2.0-2.5 result blobs. */
static pr_code
src_state(void *ctx, pr_buf *out, pr_id_kind *kind, const char *id,
          pr_error *err)
{
    (void)ctx;
    (void)out;
    (void)kind;
    return pr_error_set(err, PR_ENOTFOUND, "no state %s", id);
}

static pr_code
src_block(void *ctx, pr_buf *out, const char *id, pr_error *err)
{
    char doc[512];

    (void)ctx;
    (void)id;
    snprintf(doc, sizeof(doc), "{\"data\":{\"basepath\":\"%s\"},"
             "\"block_type\":{\"slug\":\"local-file-system\"}}", tmp);
    return pr_buf_puts(out, doc, err);
}

TEST(resolve_era_a_result_blob_through_a_block)
{
    static const pr_source_ops ops = { "test", src_state, src_block, NULL };
    pr_client *c = NULL;
    pr_buf out;
    pr_result_info info;
    pr_error err;
    const char *text;

    put("erakey", "{\"encoding\": \"cloudpickle\", \"blob\": "
        "\"gAVLKi4=\"}");
    text = state("COMPLETED", "{\"encoding\":\"result\",\"blob\":"
                 "\"{\\\"key\\\": \\\"erakey\\\", "
                 "\\\"filesystem_document_id\\\": "
                 "\\\"0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b\\\"}\"}", 0);
    CHECK_EQ_INT(pr_client_new(&c, cfg, &err), PR_OK);
    pr_client_set_source(c, &ops, NULL);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_client_resolve(c, &out, &info, text, strlen(text), NULL,
                                   &err), PR_OK);
    CHECK_EQ_STR(out.data, "42");
    pr_buf_dispose(&out);
    pr_client_free(c);
}

TEST(resolve_survives_every_allocation_failure)
{
    char data[512];
    const char *text;
    pr_buf out;
    pr_result_info info;
    pr_error err;
    long n;
    int ok = 0;

    put("alloc", "{\"metadata\":{\"serializer\":{\"type\":\"json\"}},"
        "\"result\":\"[1, 2, 3]\"}");
    snprintf(data, sizeof(data), "{\"storage_key\":\"%s/alloc\","
             "\"serializer\":{\"type\":\"json\"},\"storage_block_id\":null,"
             "\"expiration\":\"x\"}", tmp);
    text = state("COMPLETED", data, 1);
    for (n = 0; n < 400 && !ok; n++) {
        pr_code rc;

        pr_buf_init(&out, 0);
        pr_alloc_fail_after(n);
        rc = pr_client_resolve(cli, &out, &info, text, strlen(text), NULL,
                               &err);
        pr_alloc_fail_after(-1);
        CHECK(rc == PR_OK || rc == PR_ENOMEM);
        if (rc == PR_OK) {
            ok = 1;
            CHECK_EQ_STR(out.data, "[1,2,3]");
        }
        pr_buf_dispose(&out);
    }
    CHECK(ok);
}

int
main(void)
{
    pr_error err;
    char p[128];

    snprintf(tmp, sizeof(tmp), "/tmp/pr-resolve-XXXXXX");
    if (mkdtemp(tmp) == NULL)
        return 1;
    if (pr_config_load(&cfg, no_env, NULL, &err) != PR_OK ||
        pr_config_set(cfg, "file_retries", "3", &err) != PR_OK ||
        pr_config_set(cfg, "file_retry_ms", "30", &err) != PR_OK ||
        pr_client_new(&cli, cfg, &err) != PR_OK) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    RUN(resolve_null_data_has_no_value);
    RUN(resolve_literal_and_inline_values);
    RUN(resolve_accepts_runs_and_bare_data);
    RUN(resolve_era_a_inline_document);
    RUN(resolve_flow_metadata_reads_raw_files);
    RUN(resolve_task_metadata_reads_records);
    RUN(resolve_2x_reference_from_a_flow_reads_the_blob);
    RUN(resolve_failed_state_value_is_the_exception);
    RUN(resolve_errors_leave_the_output_alone);
    RUN(resolve_limits_and_arguments);
    RUN(resolve_waits_for_task_files_only);
    RUN(resolve_era_a_result_blob_through_a_block);
    RUN(resolve_survives_every_allocation_failure);
    pr_client_free(cli);
    pr_config_free(cfg);
    {
        static const char *const files[] = {
            "flowjson", "flowpickle", "taskrec", "blob2", "exc", "garbage",
            "erakey", "alloc",
        };
        size_t i;

        for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
            snprintf(p, sizeof(p), "%s/%s", tmp, files[i]);
            unlink(p);
        }
        rmdir(tmp);
    }
    return unit_done();
}
