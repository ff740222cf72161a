/*
 * test_api.c - the REST source through pr_client, against the loopback
 * server (loopback.h): the four id lookups in order, runs' "state",
 * credentials (Basic wins over Bearer), 401/403/404 messages, block
 * documents, and one state resolved end to end from the API and a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "loopback.h"
#include "pr.h"
#include "pr_source.h"

#define ID "0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b"
#define BLOCK "836b51e4-5ce4-424c-baeb-140369c6c951"
#define KEY "pnu_TOPSECRETkey"

static const char *
no_env(const char *name, void *arg)
{
    (void)arg;
    if (strcmp(name, "HOME") == 0 || strcmp(name, "PREFECT_HOME") == 0)
        return "/nonexistent/api-test";
    return NULL;
}

/* A client for the loopback server with quick retries. */
static pr_client *
client_for(const lb_server *s, const char *key, const char *auth)
{
    pr_config *cfg = NULL;
    pr_client *c = NULL;
    pr_error err;
    char url[128];

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/", s->port);
    CHECK_EQ_INT(pr_config_load(&cfg, no_env, NULL, &err), PR_OK);
    CHECK_EQ_INT(pr_config_set(cfg, "api_url", url, &err), PR_OK);
    if (key != NULL)
        CHECK_EQ_INT(pr_config_set(cfg, "api_key", key, &err), PR_OK);
    if (auth != NULL)
        CHECK_EQ_INT(pr_config_set(cfg, "auth_string", auth, &err), PR_OK);
    pr_config_set(cfg, "retry_base_ms", "5", &err);
    pr_config_set(cfg, "timeout_ms", "3000", &err);
    pr_config_set(cfg, "header", "X-Extra: yes", &err);
    CHECK_EQ_INT(pr_client_new(&c, cfg, &err), PR_OK);
    pr_config_free(cfg);
    return c;
}

static const char state_json[] =
    "{\"id\":\"" ID "\",\"type\":\"COMPLETED\",\"name\":\"Completed\","
    "\"message\":null,\"data\":{\"type\":\"literal\",\"value\":true},"
    "\"state_details\":{\"flow_run_id\":\"x\",\"task_run_id\":null}}";

TEST(api_flow_run_state_found_first)
{
    lb_server s;
    pr_client *c;
    pr_buf out;
    pr_error err;
    pr_id_kind kind = PR_ID_UNKNOWN;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 200, NULL, state_json);
    c = client_for(&s, KEY, NULL);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, ID, &err), PR_OK);
    CHECK_EQ_INT(kind, PR_ID_FLOW_RUN_STATE);
    CHECK_EQ_STR(out.data, state_json);
    lb_stop(&s);
    CHECK(strstr(s.req[0], "GET /api/flow_run_states/" ID " HTTP") != NULL);
    CHECK(strstr(s.req[0], "Authorization: Bearer " KEY "\r\n") != NULL);
    CHECK(strstr(s.req[0], "X-Extra: yes\r\n") != NULL);
    pr_buf_dispose(&out);
    pr_client_free(c);
}

TEST(api_tries_the_four_kinds_in_order)
{
    static const char run[] =
        "{\"id\":\"" ID "\",\"state_id\":\"s\",\"state\":{\"id\":\"s\","
        "\"type\":\"FAILED\",\"message\":\"boom\",\"data\":42,"
        "\"state_details\":{\"task_run_id\":\"" ID "\"}},\"x\":[1]}";
    lb_server s;
    pr_client *c;
    pr_buf out;
    pr_error err;
    pr_id_kind kind = PR_ID_UNKNOWN;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 404, NULL, "{\"detail\":\"Not found\"}");
    lb_add(&s, 404, NULL, "{\"detail\":\"Not found\"}");
    lb_add(&s, 404, NULL, "{\"detail\":\"Not found\"}");
    lb_add(&s, 200, NULL, run);
    c = client_for(&s, NULL, NULL);
    pr_buf_init(&out, 0);
    /* Any case, with or without dashes: normalized. */
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind,
                                     "0B5E8F7A3C1D4E2F9A6B7C8D9E0F1A2B",
                                     &err), PR_OK);
    CHECK_EQ_INT(kind, PR_ID_TASK_RUN);
    CHECK_EQ_STR(out.data, "{\"id\":\"s\",\"type\":\"FAILED\",\"message\":"
                 "\"boom\",\"data\":42,\"state_details\":{\"task_run_id\":\""
                 ID "\"}}");
    lb_stop(&s);
    CHECK(strstr(s.req[0], "GET /api/flow_run_states/" ID) != NULL);
    CHECK(strstr(s.req[1], "GET /api/task_run_states/" ID) != NULL);
    CHECK(strstr(s.req[2], "GET /api/flow_runs/" ID) != NULL);
    CHECK(strstr(s.req[3], "GET /api/task_runs/" ID) != NULL);
    CHECK(strstr(s.req[0], "Authorization") == NULL);
    pr_buf_dispose(&out);
    pr_client_free(c);
}

TEST(api_result_of_a_failed_task_run)
{
    static const char run[] =
        "{\"id\":\"" ID "\",\"state\":{\"type\":\"FAILED\",\"message\":"
        "\"Task run encountered an exception\",\"data\":{\"type\":"
        "\"literal\",\"value\":123456789012345678901234567890},"
        "\"state_details\":{\"task_run_id\":\"" ID "\"}}}";
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    lb_server s;
    pr_client *c;
    pr_buf out;
    pr_result_info info;
    pr_error err;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 404, NULL, "");
    lb_add(&s, 404, NULL, "");
    lb_add(&s, 404, NULL, "");
    lb_add(&s, 200, NULL, run);
    c = client_for(&s, NULL, NULL);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_client_result(c, &out, &info, ID, &opts, &err), PR_OK);
    CHECK_EQ_STR(out.data, "123456789012345678901234567890");
    CHECK_EQ_INT(info.failed, 1);
    CHECK_EQ_INT(info.has_value, 1);
    CHECK_EQ_STR(info.state_type, "FAILED");
    CHECK_EQ_STR(info.message, "Task run encountered an exception");
    CHECK_EQ_STR(info.source, "inline");
    lb_stop(&s);
    pr_buf_dispose(&out);
    pr_client_free(c);
}

TEST(api_run_without_state)
{
    lb_server s;
    pr_client *c;
    pr_buf out;
    pr_error err;
    pr_id_kind kind;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 404, NULL, "");
    lb_add(&s, 404, NULL, "");
    lb_add(&s, 200, NULL, "{\"id\":\"" ID "\",\"state\":null}");
    c = client_for(&s, NULL, NULL);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, ID, &err),
                 PR_ENOTFOUND);
    CHECK(strstr(err.msg, "the flow run " ID " has no state yet") != NULL);
    CHECK_EQ_INT(out.len, 0);
    lb_stop(&s);
    pr_buf_dispose(&out);
    pr_client_free(c);
}

TEST(api_404_on_all_four)
{
    lb_server s;
    pr_client *c;
    pr_buf out;
    pr_error err;
    pr_id_kind kind;
    char want[256];
    int i;

    CHECK(lb_start(&s) == 0);
    for (i = 0; i < 4; i++)
        lb_add(&s, 404, NULL, "{\"detail\":\"Not found\"}");
    c = client_for(&s, NULL, NULL);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, ID, &err),
                 PR_ENOTFOUND);
    snprintf(want, sizeof(want), "no flow run state, task run state, flow "
             "run or task run has id " ID " on http://127.0.0.1:%d/api",
             s.port);
    CHECK_EQ_STR(err.msg, want);
    CHECK_EQ_STR(err.hint, "check the id and PREFECT_API_URL (and the "
                 "profile)");
    CHECK_EQ_INT(err.http_status, 404);
    lb_stop(&s);
    CHECK_EQ_INT(s.nreq, 4);
    pr_buf_dispose(&out);
    pr_client_free(c);
}

TEST(api_401_names_the_settings_not_the_key)
{
    lb_server s;
    pr_client *c;
    pr_buf out;
    pr_error err;
    pr_id_kind kind;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 401, NULL, "{\"detail\":\"Unauthorized\"}");
    lb_add(&s, 401, NULL, "{\"detail\":\"Unauthorized\"}");
    c = client_for(&s, KEY, NULL);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, ID, &err), PR_EAUTH);
    CHECK(strstr(err.msg, "the API refused the credentials") != NULL);
    CHECK(strstr(err.msg, "looking up " ID " as a flow run state") != NULL);
    CHECK(strstr(err.hint, "check PREFECT_API_KEY / "
                 "PREFECT_API_AUTH_STRING") != NULL);
    CHECK(strstr(err.msg, KEY) == NULL && strstr(err.hint, KEY) == NULL);
    CHECK_EQ_INT(err.http_status, 401);
    pr_client_free(c);

    c = client_for(&s, NULL, NULL);
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, ID, &err), PR_EAUTH);
    CHECK(strstr(err.hint, "no PREFECT_API_KEY or PREFECT_API_AUTH_STRING "
                 "is set") != NULL);
    lb_stop(&s);
    pr_buf_dispose(&out);
    pr_client_free(c);
}

TEST(api_403_is_about_permissions)
{
    lb_server s;
    pr_client *c;
    pr_buf out;
    pr_error err;
    pr_id_kind kind;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 403, NULL, "{\"detail\":\"Forbidden\"}");
    c = client_for(&s, KEY, NULL);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, ID, &err), PR_EAUTH);
    CHECK(strstr(err.msg, "denied access (HTTP 403") != NULL);
    CHECK(strstr(err.hint, "workspace") != NULL);
    CHECK_EQ_INT(err.http_status, 403);
    lb_stop(&s);
    pr_buf_dispose(&out);
    pr_client_free(c);
}

TEST(api_auth_string_wins_over_key)
{
    lb_server s;
    pr_client *c;
    pr_buf out;
    pr_error err;
    pr_id_kind kind;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 200, NULL, state_json);
    c = client_for(&s, KEY, "admin:pass");
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, ID, &err), PR_OK);
    lb_stop(&s);
    CHECK(strstr(s.req[0], "Authorization: Basic YWRtaW46cGFzcw==\r\n")
          != NULL);
    CHECK(strstr(s.req[0], "Bearer") == NULL);
    pr_buf_dispose(&out);
    pr_client_free(c);
}

TEST(api_bad_ids_never_reach_the_network)
{
    static const char *const bad[] = {
        "", "abc", "../../admin", ID "x",
        "0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2g",
        "0b5e8f7a_3c1d_4e2f_9a6b_7c8d9e0f1a2b",
    };
    lb_server s;
    pr_client *c;
    pr_buf out;
    pr_error err;
    pr_id_kind kind;
    size_t i;

    CHECK(lb_start(&s) == 0);
    c = client_for(&s, NULL, NULL);
    pr_buf_init(&out, 0);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, bad[i], &err),
                     PR_EINVAL);
        CHECK(strstr(err.msg, "is not a valid id") != NULL);
    }
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, NULL, &err), PR_EINVAL);
    lb_stop(&s);
    CHECK_EQ_INT(s.nreq, 0);
    pr_buf_dispose(&out);
    pr_client_free(c);
}

TEST(api_not_configured)
{
    pr_config *cfg = NULL;
    pr_client *c = NULL;
    pr_buf out;
    pr_error err;
    pr_id_kind kind;

    CHECK_EQ_INT(pr_config_load(&cfg, no_env, NULL, &err), PR_OK);
    CHECK_EQ_INT(pr_client_new(&c, cfg, &err), PR_OK);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, ID, &err), PR_EINVAL);
    CHECK_EQ_STR(err.msg, "no Prefect API configured, and no Prefect "
                 "database at /nonexistent/api-test/prefect.db: set "
                 "PREFECT_API_URL or a profile, or PREFECT_HOME");
    CHECK(strstr(err.hint, "no profile is active") != NULL);
    pr_config_set(cfg, "source", "database", &err);
    pr_client_free(c);
    CHECK_EQ_INT(pr_client_new(&c, cfg, &err), PR_OK);
    /* Forced to the database, and there is no prefect.db. */
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, ID, &err),
                 PR_ENOTFOUND);
    CHECK(strstr(err.msg, "prefect.db") != NULL);
    pr_buf_dispose(&out);
    pr_client_free(c);
    pr_config_free(cfg);
    CHECK_EQ_INT(pr_client_new(&c, NULL, &err), PR_EINVAL);
}

TEST(api_end_to_end_reference_through_a_block)
{
    static const char pickle_b64[] = "gAVLKi4=\\n";    /* pickle of 42 */
    char dir[64], file[128], state[1024], block[512], blob[256];
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    lb_server s;
    pr_client *c;
    pr_buf out;
    pr_result_info info;
    pr_error err;
    FILE *f;

    snprintf(dir, sizeof(dir), "/tmp/pr-api-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(file, sizeof(file), "%s/a3f9c2", dir);
    f = fopen(file, "w");
    snprintf(blob, sizeof(blob), "{\"serializer\": {\"type\": \"pickle\", "
             "\"picklelib\": \"cloudpickle\", \"picklelib_version\": "
             "\"2.2.1\"}, \"data\": \"%s\", \"prefect_version\": "
             "\"2.10.0\"}", pickle_b64);
    if (f != NULL) {
        fputs(blob, f);
        fclose(f);
    }
    snprintf(state, sizeof(state),
             "{\"id\":\"" ID "\",\"type\":\"COMPLETED\",\"message\":null,"
             "\"data\":{\"type\":\"reference\",\"serializer_type\":"
             "\"pickle\",\"storage_block_id\":\"" BLOCK "\","
             "\"storage_key\":\"a3f9c2\"},\"state_details\":"
             "{\"task_run_id\":null}}");
    snprintf(block, sizeof(block),
             "{\"id\":\"" BLOCK "\",\"name\":\"anonymous-x\",\"data\":"
             "{\"basepath\":\"%s\"},\"block_type\":{\"slug\":"
             "\"local-file-system\"},\"block_document_references\":{}}", dir);

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 200, NULL, state);
    lb_add(&s, 200, NULL, block);
    c = client_for(&s, KEY, NULL);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_client_result(c, &out, &info, ID, &opts, &err), PR_OK);
    CHECK_EQ_STR(out.data, "42");
    CHECK_EQ_STR(info.source, "file");
    CHECK_EQ_STR(info.location, file);
    CHECK_EQ_STR(info.state_type, "COMPLETED");
    CHECK_EQ_INT(info.failed, 0);
    lb_stop(&s);
    CHECK(strstr(s.req[1], "GET /api/block_documents/" BLOCK
                 "?include_secrets=true HTTP") != NULL);

    /* The block is gone: a clear message, nothing appended. */
    CHECK(lb_start(&s) == 0);
    lb_add(&s, 200, NULL, state);
    lb_add(&s, 404, NULL, "{\"detail\":\"Block document not found\"}");
    pr_client_free(c);
    c = client_for(&s, KEY, NULL);
    out.len = 0;
    CHECK_EQ_INT(pr_client_result(c, &out, &info, ID, &opts, &err),
                 PR_ENOTFOUND);
    CHECK(strstr(err.msg, "storage block " BLOCK " does not exist") != NULL);
    CHECK_EQ_INT(out.len, 0);
    lb_stop(&s);

    unlink(file);
    rmdir(dir);
    pr_buf_dispose(&out);
    pr_client_free(c);
}

/* A host source replaces the API (as the PostgreSQL extension does). */
static int freed;

static pr_code
my_state(void *ctx, pr_buf *out, pr_id_kind *kind, const char *id,
         pr_error *err)
{
    (void)ctx;
    (void)id;
    (void)out;
    (void)err;
    *kind = PR_ID_TASK_RUN_STATE;
    return PR_OK;
}

static pr_code
my_block(void *ctx, pr_buf *out, const char *id, pr_error *err)
{
    (void)ctx;
    (void)out;
    return pr_error_set(err, PR_ENOTFOUND, "no block %s", id);
}

static void
my_free(void *ctx)
{
    freed += *(int *)ctx;
}

TEST(client_set_source_overrides_and_frees)
{
    static const pr_source_ops ops = { "mine", my_state, my_block, my_free };
    static int one = 1;
    pr_config *cfg = NULL;
    pr_client *c = NULL;
    pr_buf out;
    pr_error err;
    pr_id_kind kind = PR_ID_UNKNOWN;

    CHECK_EQ_INT(pr_config_load(&cfg, no_env, NULL, &err), PR_OK);
    CHECK_EQ_INT(pr_client_new(&c, cfg, &err), PR_OK);
    pr_client_set_source(c, &ops, &one);
    pr_client_set_source(c, &ops, &one);    /* the first ctx is freed */
    CHECK_EQ_INT(freed, 1);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, ID, &err), PR_OK);
    CHECK_EQ_INT(kind, PR_ID_TASK_RUN_STATE);
    CHECK_EQ_STR(pr_id_kind_name(kind), "task run state");
    pr_client_free(c);
    CHECK_EQ_INT(freed, 2);
    pr_buf_dispose(&out);
    pr_config_free(cfg);
}

int
main(void)
{
    RUN(api_flow_run_state_found_first);
    RUN(api_tries_the_four_kinds_in_order);
    RUN(api_result_of_a_failed_task_run);
    RUN(api_run_without_state);
    RUN(api_404_on_all_four);
    RUN(api_401_names_the_settings_not_the_key);
    RUN(api_403_is_about_permissions);
    RUN(api_auth_string_wins_over_key);
    RUN(api_bad_ids_never_reach_the_network);
    RUN(api_not_configured);
    RUN(api_end_to_end_reference_through_a_block);
    RUN(client_set_source_overrides_and_frees);
    return unit_done();
}
