/*
 * test_azure.c - the Azure Blob backend: the SharedKey string to sign and
 * signature against vectors computed independently (Python's hmac and
 * hashlib over the string written out from Microsoft's documented
 * format), and the requests and errors of storage_azure.c against the
 * loopback server: headers sent, SAS in the URL but never in messages,
 * 403/404 messages, max_input, the OAuth token request and Bearer use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "loopback.h"
#include "pr.h"
#include "alloc.h"
#include "azure_sign.h"
#include "config.h"
#include "jsonw.h"
#include "storage.h"

/* The storage emulator's documented account key. */
#define DEV_KEY "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4" \
                "I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
#define DATE "Sun, 11 Oct 2009 21:49:13 GMT"
#define DATE_LINE ("x-ms-date: " DATE)

TEST(string_to_sign_for_an_emulator_get_repeats_the_account)
{
    const char *h[] = { "x-ms-version: 2021-08-06", DATE_LINE };
    pr_buf b;
    pr_error err;
    char *auth = NULL;

    pr_buf_init(&b, 0);
    CHECK_EQ_INT(pr_azure_string_to_sign(&b, "GET", h, 2,
                 "devstoreaccount1", "/devstoreaccount1/prc/results/a%20b",
                 NULL, &err), PR_OK);
    CHECK_EQ_STR(b.data, "GET\n\n\n\n\n\n\n\n\n\n\n\n"
                 "x-ms-date:" DATE "\nx-ms-version:2021-08-06\n"
                 "/devstoreaccount1/devstoreaccount1/prc/results/a%20b");
    CHECK_EQ_INT(pr_azure_shared_key(&auth, "devstoreaccount1", DEV_KEY,
                                     b.data, b.len, &err), PR_OK);
    CHECK_EQ_STR(auth, "Authorization: SharedKey devstoreaccount1:"
                 "78kt5Bo1vvn+iJlJX7BzisqigbHBSHETPUFVKjtXQzs=");
    pr_free_secret(auth);
    pr_buf_dispose(&b);
}

TEST(string_to_sign_orders_headers_and_query_parameters)
{
    const char *h[] = {
        "X-MS-Version:  2021-08-06 ", "Content-Length: 0",
        "Content-Type: text/plain", "x-ms-meta-b:  two   words ",
        DATE_LINE, "Range: bytes=0-9", "User-Agent: x"
    };
    pr_buf b;
    pr_error err;
    char *auth = NULL;

    pr_buf_init(&b, 0);
    CHECK_EQ_INT(pr_azure_string_to_sign(&b, "PUT", h, 7, "myaccount",
                 "/ctr", "restype=container&Comp=list&include=snapshots"
                 "&include=metadata", &err), PR_OK);
    CHECK_EQ_STR(b.data, "PUT\n\n\n\n\ntext/plain\n\n\n\n\n\nbytes=0-9\n"
                 "x-ms-date:" DATE "\nx-ms-meta-b:two words\n"
                 "x-ms-version:2021-08-06\n/myaccount/ctr\ncomp:list\n"
                 "include:metadata,snapshots\nrestype:container");
    CHECK_EQ_INT(pr_azure_shared_key(&auth, "devstoreaccount1", DEV_KEY,
                                     b.data, b.len, &err), PR_OK);
    CHECK_EQ_STR(auth, "Authorization: SharedKey devstoreaccount1:"
                 "n0IqFzIdnDMZswswFz1hZ2d2/LP7GKLlHmhu47D6ink=");
    pr_free_secret(auth);
    pr_buf_dispose(&b);
}

TEST(shared_key_rejects_a_key_that_is_not_base64)
{
    pr_error err;
    char *auth = NULL;

    CHECK_EQ_INT(pr_azure_shared_key(&auth, "a", "not base64!", "x", 1,
                                     &err), PR_EFORMAT);
    CHECK(auth == NULL);
    CHECK(strstr(err.msg, "not base64!") == NULL);
}

TEST(date_is_rfc_1123_in_english)
{
    char d[PR_AZURE_DATE_SIZE];

    pr_azure_date(d, (time_t)1255297753);
    CHECK_EQ_STR(d, DATE);
}

/* ------------------------------------------------ against the loopback */

static const char *
no_env(const char *name, void *arg)
{
    (void)name;
    (void)arg;
    return NULL;
}

static const char *authority_env;

static const char *
env_authority(const char *name, void *arg)
{
    (void)arg;
    if (strcmp(name, "AZURE_AUTHORITY_HOST") == 0)
        return authority_env;
    return NULL;
}

static pr_config *
new_cfg(void)
{
    pr_config *c = NULL;
    pr_error err;

    pr_config_load(&c, no_env, NULL, &err);
    pr_config_set(c, "retries", "0", &err);
    return c;
}

static char block_json[2048];

/* A container block whose credentials are `creds` (a JSON object). */
static const char *
container_block(const char *creds, const char *folder)
{
    snprintf(block_json, sizeof(block_json),
             "{\"id\":\"b1\",\"name\":\"az\",\"data\":{\"container_name\":"
             "\"prc\",\"base_folder\":%s,\"credentials\":%s},"
             "\"block_type\":{\"slug\":\"azure-blob-storage-container\"},"
             "\"block_document_references\":{\"credentials\":{"
             "\"block_document\":{\"name\":\"my-creds\"}}}}",
             folder, creds);
    return block_json;
}

static char creds_json[1024];

static const char *
key_creds(int port, const char *key)
{
    snprintf(creds_json, sizeof(creds_json),
             "{\"connection_string\":\"DefaultEndpointsProtocol=http;"
             "AccountName=devstoreaccount1;AccountKey=%s;BlobEndpoint="
             "http://127.0.0.1:%d/devstoreaccount1;\"}", key, port);
    return creds_json;
}

static pr_code
fetch(const pr_config *c, size_t max, const char *block, const char *key,
      pr_buf *out, char *where, pr_error *err)
{
    pr_storage_ctx sc;

    memset(&sc, 0, sizeof(sc));
    sc.cfg = c;
    sc.max_input = max;
    pr_error_clear(err);
    pr_buf_dispose(out);
    pr_buf_init(out, max);
    return pr_storage_fetch(&sc, out, where, 512, block, strlen(block),
                            "b1", key, err);
}

TEST(shared_key_get_sends_the_signed_headers_and_reads_the_blob)
{
    pr_config *c = new_cfg();
    lb_server s;
    pr_buf out;
    pr_error err;
    char where[512];

    pr_buf_init(&out, 0);
    lb_start(&s);
    lb_add(&s, 200, NULL, "the bytes");
    CHECK_EQ_INT(fetch(c, 1 << 20, container_block(key_creds(s.port,
                       DEV_KEY), "\"results/\""), "a b+(c)", &out, where,
                       &err), PR_OK);
    lb_stop(&s);
    CHECK_EQ_STR(out.data, "the bytes");
    CHECK_EQ_STR(where, "az://prc/results/a b+(c)");
    CHECK(strncmp(s.req[0], "GET /devstoreaccount1/prc/results/"
                  "a%20b%2B%28c%29 HTTP/1.1", 56) == 0);
    CHECK(strstr(s.req[0], "Authorization: SharedKey devstoreaccount1:")
          != NULL);
    CHECK(strstr(s.req[0], "x-ms-date: ") != NULL);
    CHECK(strstr(s.req[0], "x-ms-version: ") != NULL);
    CHECK(strstr(s.req[0], "Content-Type") == NULL);
    CHECK(strstr(s.req[0], "Accept: application/json") == NULL);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(wrong_key_is_access_denied_naming_the_blob_and_block)
{
    pr_config *c = new_cfg();
    lb_server s;
    pr_buf out;
    pr_error err;
    char where[512];

    pr_buf_init(&out, 0);
    lb_start(&s);
    lb_add(&s, 403, NULL, "<?xml version=\"1.0\"?><Error><Code>"
           "AuthenticationFailed</Code><Message>Server failed to "
           "authenticate the request.</Message></Error>");
    CHECK_EQ_INT(fetch(c, 1 << 20, container_block(key_creds(s.port,
                       "QUJDRA=="), "\"folder\""), "key", &out, where,
                       &err), PR_EAUTH);
    lb_stop(&s);
    CHECK_EQ_STR(err.msg, "access denied reading az://prc/folder/key with "
                 "the credentials of block 'my-creds' (403 "
                 "AuthenticationFailed)");
    CHECK(strncmp(err.hint, "check the account key or SAS", 28) == 0);
    CHECK_EQ_INT(err.http_status, 403);
    CHECK_EQ_INT(out.len, 0);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(missing_blob_and_missing_container_are_told_apart)
{
    pr_config *c = new_cfg();
    lb_server s;
    pr_buf out;
    pr_error err;
    char where[512];

    pr_buf_init(&out, 0);
    lb_start(&s);
    lb_add(&s, 404, NULL, "<Error><Code>BlobNotFound</Code></Error>");
    lb_add(&s, 404, NULL, "<Error><Code>ContainerNotFound</Code></Error>");
    CHECK_EQ_INT(fetch(c, 1 << 20, container_block(key_creds(s.port,
                       DEV_KEY), "null"), "k1", &out, where, &err),
                 PR_ENOTFOUND);
    CHECK_EQ_STR(err.msg, "no blob az://prc/k1 (404 BlobNotFound) in "
                 "azure-blob-storage-container block 'az'");
    CHECK_EQ_INT(fetch(c, 1 << 20, container_block(key_creds(s.port,
                       DEV_KEY), "null"), "k2", &out, where, &err),
                 PR_ENOTFOUND);
    lb_stop(&s);
    CHECK(strstr(err.msg, "container 'prc' of az://prc/k2 does not exist "
                 "(404 ContainerNotFound)") != NULL);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(sas_goes_in_the_url_and_never_in_messages)
{
    pr_config *c = new_cfg();
    lb_server s;
    pr_buf out;
    pr_error err;
    char where[512];

    pr_buf_init(&out, 0);
    lb_start(&s);
    lb_add(&s, 200, NULL, "ok");
    lb_add(&s, 500, NULL, "<Error><Code>InternalError</Code></Error>");
    snprintf(creds_json, sizeof(creds_json), "{\"connection_string\":"
             "\"BlobEndpoint=http://127.0.0.1:%d/devstoreaccount1;"
             "SharedAccessSignature=sv=2019-12-12&sp=r&sig=SECRETSIG%%3D\"}",
             s.port);
    CHECK_EQ_INT(fetch(c, 1 << 20, container_block(creds_json, "null"),
                       "k", &out, where, &err), PR_OK);
    CHECK(strncmp(s.req[0], "GET /devstoreaccount1/prc/k?sv=2019-12-12&"
                  "sp=r&sig=SECRETSIG%3D HTTP/1.1", 50) == 0);
    CHECK(strstr(s.req[0], "Authorization") == NULL);
    CHECK(strstr(where, "SECRETSIG") == NULL);
    CHECK_EQ_INT(fetch(c, 1 << 20, container_block(creds_json, "null"),
                       "k", &out, where, &err), PR_EHTTP);
    lb_stop(&s);
    CHECK(strstr(err.msg, "SECRETSIG") == NULL);
    CHECK(strstr(err.hint, "SECRETSIG") == NULL);
    CHECK(strstr(err.msg, "HTTP 500 (InternalError)") != NULL);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(a_blob_larger_than_max_input_is_refused)
{
    pr_config *c = new_cfg();
    lb_server s;
    pr_buf out;
    pr_error err;
    char where[512];

    pr_buf_init(&out, 0);
    lb_start(&s);
    lb_add(&s, 200, NULL, "0123456789abcdef");
    CHECK_EQ_INT(fetch(c, 8, container_block(key_creds(s.port, DEV_KEY),
                       "null"), "big", &out, where, &err), PR_ELIMIT);
    lb_stop(&s);
    CHECK_EQ_STR(err.msg, "az://prc/big is larger than 8 bytes (max_input),"
                 " in azure-blob-storage-container block 'az'");
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(service_principal_gets_a_token_then_sends_it_as_bearer)
{
    pr_config *c = new_cfg();
    lb_server s;
    pr_buf out;
    pr_error err;
    char where[512], authority[64];

    pr_buf_init(&out, 0);
    lb_start(&s);
    lb_add(&s, 200, "Content-Type: application/json\r\n",
           "{\"token_type\":\"Bearer\",\"access_token\":\"tok123\"}");
    lb_add(&s, 200, NULL, "blob");
    lb_add(&s, 401, NULL, "{\"error\":\"invalid_client\"}");
    snprintf(authority, sizeof(authority), "http://127.0.0.1:%d/", s.port);
    pr_config_free(c);
    authority_env = authority;
    pr_config_load(&c, env_authority, NULL, &err);
    pr_config_set(c, "retries", "0", &err);
    snprintf(creds_json, sizeof(creds_json), "{\"account_url\":"
             "\"http://127.0.0.1:%d/acct/\",\"client_id\":\"cid\","
             "\"tenant_id\":\"t-1\",\"client_secret\":\"s+&=\"}", s.port);
    CHECK_EQ_INT(fetch(c, 1 << 20, container_block(creds_json, "null"),
                       "k", &out, where, &err), PR_OK);
    CHECK_EQ_STR(out.data, "blob");
    CHECK(strncmp(s.req[0], "POST /t-1/oauth2/v2.0/token HTTP/1.1", 36)
          == 0);
    CHECK(strstr(s.req[0], "Content-Type: application/x-www-form-"
                 "urlencoded") != NULL);
    CHECK(strncmp(s.req[1], "GET /acct/prc/k HTTP/1.1", 24) == 0);
    CHECK(strstr(s.req[1], "Authorization: Bearer tok123\r\n") != NULL);
    CHECK_EQ_INT(fetch(c, 1 << 20, container_block(creds_json, "null"),
                       "k", &out, where, &err), PR_EAUTH);
    lb_stop(&s);
    CHECK(strstr(err.msg, "HTTP 401 (invalid_client)") != NULL);
    CHECK(strstr(err.msg, "s+&=") == NULL);
    CHECK(strstr(err.hint, "client_secret") != NULL);
    authority_env = NULL;
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(remote_file_system_without_an_account_is_a_format_error)
{
    pr_config *c = new_cfg();
    pr_buf out;
    pr_error err;
    char where[512];
    const char *block =
        "{\"id\":\"b3\",\"name\":\"rfs\",\"data\":{\"basepath\":"
        "\"az://ctr/p\",\"settings\":{\"account_key\":\"QUJD\"}},"
        "\"block_type\":{\"slug\":\"remote-file-system\"}}";

    pr_buf_init(&out, 0);
    CHECK_EQ_INT(fetch(c, 1 << 20, block, "k", &out, where, &err),
                 PR_EFORMAT);
    CHECK(strstr(err.msg, "settings.account_name") != NULL);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

int
main(void)
{
    RUN(string_to_sign_for_an_emulator_get_repeats_the_account);
    RUN(string_to_sign_orders_headers_and_query_parameters);
    RUN(shared_key_rejects_a_key_that_is_not_base64);
    RUN(date_is_rfc_1123_in_english);
    RUN(shared_key_get_sends_the_signed_headers_and_reads_the_blob);
    RUN(wrong_key_is_access_denied_naming_the_blob_and_block);
    RUN(missing_blob_and_missing_container_are_told_apart);
    RUN(sas_goes_in_the_url_and_never_in_messages);
    RUN(a_blob_larger_than_max_input_is_refused);
    RUN(service_principal_gets_a_token_then_sends_it_as_bearer);
    RUN(remote_file_system_without_an_account_is_a_format_error);
    return unit_done();
}
