/*
 * test_gcs.c - the GCS backend: the RS256 JWT of gcs_auth.c checked with
 * OpenSSL's verifier and decoded claim by claim, service account key
 * parsing, and the requests and errors of storage_gcs.c against the
 * loopback server: the jwt-bearer POST, the bearer token on the GET, the
 * token cache and its renewal after a 401, object names encoded whole,
 * 401/403/404 messages, max_input, and no key or token in any message.
 * The RSA key is made at run time: none is committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "unit.h"
#include "loopback.h"
#include "pr.h"
#include "alloc.h"
#include "config.h"
#include "gcs_auth.h"
#include "storage.h"

#define EMAIL "reader@demo.iam.gserviceaccount.com"

static char *pem;           /* the test key, PEM (malloc) */
static EVP_PKEY *pkey;

static void
make_key(void)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    long n;

    pkey = EVP_RSA_gen(2048);
    PEM_write_bio_PrivateKey(b, pkey, NULL, NULL, 0, NULL, NULL);
    n = BIO_get_mem_data(b, &p);
    pem = malloc((size_t)n + 1);
    memcpy(pem, p, (size_t)n);
    pem[n] = '\0';
    BIO_free(b);
}

/* base64url (no padding) to bytes; returns the length. */
static size_t
unb64url(unsigned char *out, const char *s, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                              "qrstuvwxyz0123456789-_";
    unsigned v = 0;
    size_t i, o = 0;
    int bits = 0;

    for (i = 0; i < n; i++) {
        const char *p = strchr(abc, s[i]);

        if (p == NULL || s[i] == '\0')
            return (size_t)-1;
        v = v << 6 | (unsigned)(p - abc);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(v >> bits & 0xff);
        }
    }
    return o;
}

static void
key_init(pr_gcs_key *k, const char *uri)
{
    memset(k, 0, sizeof(*k));
    k->client_email = strcpy(pr_malloc(strlen(EMAIL) + 1), EMAIL);
    k->private_key = strcpy(pr_malloc(strlen(pem) + 1), pem);
    k->private_key_id = strcpy(pr_malloc(5), "kid1");
    k->token_uri = strcpy(pr_malloc(strlen(uri) + 1), uri);
}

TEST(jwt_is_rs256_over_the_claims_and_verifies_with_the_public_key)
{
    pr_gcs_key k;
    pr_error err;
    char *jwt = NULL, *d1, *d2;
    unsigned char buf[1024];
    size_t n;
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    key_init(&k, "https://oauth2.example/token");
    CHECK_EQ_INT(pr_gcs_jwt(&jwt, &k, PR_GCS_SCOPE_READ, 1700000000, "k",
                            &err), PR_OK);
    d1 = strchr(jwt, '.');
    d2 = d1 != NULL ? strchr(d1 + 1, '.') : NULL;
    CHECK(d1 != NULL && d2 != NULL && strchr(d2 + 1, '.') == NULL);
    if (d2 != NULL) {
        n = unb64url(buf, jwt, (size_t)(d1 - jwt));
        buf[n] = '\0';
        CHECK_EQ_STR((char *)buf, "{\"alg\":\"RS256\",\"typ\":\"JWT\","
                     "\"kid\":\"kid1\"}");
        n = unb64url(buf, d1 + 1, (size_t)(d2 - d1 - 1));
        buf[n] = '\0';
        CHECK_EQ_STR((char *)buf, "{\"iss\":\"" EMAIL "\",\"scope\":"
                     "\"https://www.googleapis.com/auth/devstorage."
                     "read_only\",\"aud\":\"https://oauth2.example/token\","
                     "\"iat\":1700000000,\"exp\":1700003600}");
        n = unb64url(buf, d2 + 1, strlen(d2 + 1));
        CHECK_EQ_INT(n, 256);
        CHECK(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
                                   pkey) == 1);
        CHECK(EVP_DigestVerify(md, buf, n, (const unsigned char *)jwt,
                               (size_t)(d2 - jwt)) == 1);
        CHECK(strchr(jwt, '=') == NULL && strchr(jwt, '+') == NULL &&
              strchr(jwt, '/') == NULL);
    }
    EVP_MD_CTX_free(md);
    pr_free_secret(jwt);
    pr_gcs_key_dispose(&k);
}

TEST(jwt_refuses_a_key_that_is_not_pem_without_showing_it)
{
    pr_gcs_key k;
    pr_error err;
    char *jwt = NULL;

    key_init(&k, "https://oauth2.example/token");
    pr_free_secret(k.private_key);
    k.private_key = strcpy(pr_malloc(80), "-----BEGIN PRIVATE KEY-----\n"
                           "bm90YWtleQ==\n-----END PRIVATE KEY-----\n");
    CHECK_EQ_INT(pr_gcs_jwt(&jwt, &k, PR_GCS_SCOPE_READ, 1, "the key of "
                            "block 'x'", &err), PR_EFORMAT);
    CHECK(jwt == NULL);
    CHECK_EQ_STR(err.msg, "the private_key of the key of block 'x' is not a "
                 "PEM private key without a passphrase");
    CHECK(strstr(err.msg, "bm90") == NULL);
    pr_gcs_key_dispose(&k);
}

static pr_code
parse(pr_gcs_key *k, const char *text, pr_error *err)
{
    return pr_gcs_key_parse(k, text, strlen(text), "f", err);
}

TEST(key_parse_takes_service_accounts_only)
{
    pr_gcs_key k;
    pr_error err;

    CHECK_EQ_INT(parse(&k, "{\"type\":\"authorized_user\","
                       "\"refresh_token\":\"r\"}", &err), PR_EUNSUPPORTED);
    CHECK_EQ_STR(err.msg, "f is a 'authorized_user' credential; only "
                 "service account keys are supported");
    pr_gcs_key_dispose(&k);
    CHECK_EQ_INT(parse(&k, "{\"client_email\":\"a@b\"}", &err),
                 PR_EFORMAT);
    CHECK_EQ_STR(err.msg, "f has no private_key: it is not a service "
                 "account key");
    pr_gcs_key_dispose(&k);
    CHECK_EQ_INT(parse(&k, "not json", &err), PR_EFORMAT);
    pr_gcs_key_dispose(&k);
    /* A PEM whose newlines arrived as the two characters \\ and n. */
    CHECK_EQ_INT(parse(&k, "{\"client_email\":\"a@b\","
                       "\"private_key\":\"x\\\\ny\"}", &err), PR_OK);
    CHECK_EQ_STR(k.private_key, "x\ny");
    CHECK_EQ_STR(k.token_uri, PR_GCS_TOKEN_URI);
    CHECK(k.private_key_id == NULL);
    pr_gcs_key_dispose(&k);
}

/* ------------------------------------------------ against the loopback */

static char emulator_env[64];

static const char *
env_emulator(const char *name, void *arg)
{
    (void)arg;
    if (strcmp(name, "STORAGE_EMULATOR_HOST") == 0 && emulator_env[0])
        return emulator_env;
    return NULL;
}

static pr_config *
new_cfg(int port)
{
    pr_config *c = NULL;
    pr_error err;

    snprintf(emulator_env, sizeof(emulator_env), "127.0.0.1:%d", port);
    pr_config_load(&c, env_emulator, NULL, &err);
    pr_config_set(c, "retries", "0", &err);
    return c;
}

/* A gcs-bucket block with the test key (token_uri on the loopback) or,
 * with port 0, empty credentials.  The caller frees it (cJSON_free). */
static char *
bucket_block(int port, const char *folder, const char *email)
{
    cJSON *b = cJSON_CreateObject(), *d, *c, *info, *r;
    char uri[64];
    char *s;

    snprintf(uri, sizeof(uri), "http://127.0.0.1:%d/token", port);
    cJSON_AddStringToObject(b, "id", "b1");
    cJSON_AddStringToObject(b, "name", "gcs");
    d = cJSON_AddObjectToObject(b, "data");
    cJSON_AddStringToObject(d, "bucket", "bkt");
    cJSON_AddStringToObject(d, "bucket_folder", folder);
    c = cJSON_AddObjectToObject(d, "gcp_credentials");
    if (port != 0) {
        info = cJSON_AddObjectToObject(c, "service_account_info");
        cJSON_AddStringToObject(info, "type", "service_account");
        cJSON_AddStringToObject(info, "client_email", email);
        cJSON_AddStringToObject(info, "private_key", pem);
        cJSON_AddStringToObject(info, "token_uri", uri);
    } else {
        cJSON_AddNullToObject(c, "service_account_info");
    }
    cJSON_AddStringToObject(cJSON_AddObjectToObject(b, "block_type"),
                            "slug", "gcs-bucket");
    r = cJSON_AddObjectToObject(cJSON_AddObjectToObject(b,
            "block_document_references"), "gcp_credentials");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "block_document"),
                            "name", "my-gcp");
    s = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    return s;
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

#define TOKEN_REPLY(t) "{\"access_token\":\"" t "\",\"expires_in\":3599," \
                       "\"token_type\":\"Bearer\"}"
#define CLOSE "Connection: close\r\nContent-Type: application/json\r\n"

/* Nothing of the key or a token in a message or hint. */
static int
clean(const pr_error *err)
{
    char line[80];
    const char *nl = strchr(pem + 40, '\n');

    snprintf(line, sizeof(line), "%.20s", nl != NULL ? nl + 1 : pem);
    return strstr(err->msg, line) == NULL && strstr(err->hint, line) == NULL
           && strstr(err->msg, "tok-") == NULL &&
           strstr(err->hint, "tok-") == NULL &&
           strstr(err->msg, "PRIVATE") == NULL;
}

TEST(bucket_read_posts_a_jwt_grant_then_gets_with_the_bearer_token)
{
    lb_server s;
    pr_config *c;
    pr_buf out;
    pr_error err;
    char where[512], *blk;

    pr_gcs_token_cache_clear();
    pr_buf_init(&out, 0);
    lb_start(&s);
    c = new_cfg(s.port);
    blk = bucket_block(s.port, "results/", EMAIL);
    lb_add(&s, 200, CLOSE, TOKEN_REPLY("tok-123"));
    lb_add(&s, 200, NULL, "the bytes");
    lb_add(&s, 200, NULL, "again");
    CHECK_EQ_INT(fetch(c, 1 << 20, blk, "a b+(c)/\xc3\xa9", &out, where,
                       &err), PR_OK);
    CHECK_EQ_STR(out.data, "the bytes");
    CHECK_EQ_STR(where, "gs://bkt/results/a b+(c)/??");
    /* The second read reuses the cached token: no POST. */
    CHECK_EQ_INT(fetch(c, 1 << 20, blk, "k2", &out, where, &err), PR_OK);
    CHECK_EQ_STR(out.data, "again");
    lb_stop(&s);
    CHECK_EQ_INT(s.nreq, 3);
    CHECK(strncmp(s.req[0], "POST /token HTTP/1.1\r\n", 22) == 0);
    CHECK(strstr(s.req[0], "Content-Type: application/x-www-form-"
                 "urlencoded") != NULL);
    CHECK(strstr(s.req[0], "Authorization") == NULL);
    CHECK(strncmp(s.req[1], "GET /storage/v1/b/bkt/o/results%2Fa%20b%2B"
                  "%28c%29%2F%C3%A9?alt=media HTTP/1.1\r\n", 64) == 0);
    CHECK(strstr(s.req[1], "Authorization: Bearer tok-123\r\n") != NULL);
    CHECK(strncmp(s.req[2], "GET /storage/v1/b/bkt/o/results%2Fk2?alt="
                  "media HTTP/1.1", 54) == 0);
    CHECK(strstr(s.req[2], "Authorization: Bearer tok-123\r\n") != NULL);
    cJSON_free(blk);
    pr_buf_dispose(&out);
    pr_config_free(c);
    pr_gcs_token_cache_clear();
}

TEST(a_refused_cached_token_is_renewed_once)
{
    lb_server s;
    pr_config *c;
    pr_buf out;
    pr_error err;
    char where[512], *blk;

    pr_gcs_token_cache_clear();
    pr_buf_init(&out, 0);
    lb_start(&s);
    c = new_cfg(s.port);
    blk = bucket_block(s.port, "", EMAIL);
    lb_add(&s, 200, CLOSE, TOKEN_REPLY("tok-old"));
    lb_add(&s, 401, NULL, "{\"error\":{\"code\":401,\"message\":"
           "\"Invalid Credentials\"}}");
    lb_add(&s, 200, CLOSE, TOKEN_REPLY("tok-new"));
    lb_add(&s, 200, NULL, "fresh");
    CHECK_EQ_INT(fetch(c, 1 << 20, blk, "k", &out, where, &err), PR_OK);
    CHECK_EQ_STR(out.data, "fresh");
    lb_stop(&s);
    CHECK_EQ_INT(s.nreq, 4);
    CHECK(strstr(s.req[1], "Bearer tok-old") != NULL);
    CHECK(strncmp(s.req[2], "POST /token", 11) == 0);
    CHECK(strstr(s.req[3], "Bearer tok-new") != NULL);
    cJSON_free(blk);
    pr_buf_dispose(&out);
    pr_config_free(c);
    pr_gcs_token_cache_clear();
}

TEST(a_refused_key_fails_at_the_token_endpoint_naming_the_account)
{
    lb_server s;
    pr_config *c;
    pr_buf out;
    pr_error err;
    char where[512], *blk;

    pr_gcs_token_cache_clear();
    pr_buf_init(&out, 0);
    lb_start(&s);
    c = new_cfg(s.port);
    blk = bucket_block(s.port, "f/", EMAIL);
    lb_add(&s, 400, CLOSE, "{\"error\":\"invalid_grant\","
           "\"error_description\":\"Invalid JWT Signature.\"}");
    CHECK_EQ_INT(fetch(c, 1 << 20, blk, "k", &out, where, &err), PR_EAUTH);
    lb_stop(&s);
    CHECK_EQ_INT(s.nreq, 1);
    CHECK_EQ_STR(err.msg, "the token endpoint refused the service account "
                 "key " EMAIL " (service_account_info of block 'my-gcp'): "
                 "400 invalid_grant: Invalid JWT Signature.");
    CHECK(strncmp(err.hint, "check private_key and client_email", 34) == 0);
    CHECK_EQ_INT(err.http_status, 400);
    CHECK(clean(&err));
    cJSON_free(blk);
    pr_buf_dispose(&out);
    pr_config_free(c);
    pr_gcs_token_cache_clear();
}

TEST(forbidden_missing_and_public_reads_are_told_apart)
{
    lb_server s;
    pr_config *c;
    pr_buf out;
    pr_error err;
    char where[512], *blk, *anon;

    pr_gcs_token_cache_clear();
    pr_buf_init(&out, 0);
    lb_start(&s);
    c = new_cfg(s.port);
    blk = bucket_block(s.port, "folder/", EMAIL);
    anon = bucket_block(0, "", EMAIL);
    lb_add(&s, 200, CLOSE, TOKEN_REPLY("tok-1"));
    lb_add(&s, 403, NULL, "{\"error\":{\"code\":403,\"message\":\"no "
           "access\"}}");
    lb_add(&s, 404, NULL, "No such object: bkt/folder/gone");
    lb_add(&s, 404, NULL, "No such object: bkt/gone");
    lb_add(&s, 200, NULL, "public");
    CHECK_EQ_INT(fetch(c, 1 << 20, blk, "key", &out, where, &err),
                 PR_EAUTH);
    CHECK_EQ_STR(err.msg, "access denied reading gs://bkt/folder/key with "
                 "the credentials of block 'my-gcp' (403 no access)");
    CHECK_EQ_STR(err.hint, "check the service account's permissions: "
                 EMAIL " needs storage.objects.get on bucket bkt "
                 "(roles/storage.objectViewer)");
    CHECK(clean(&err));
    CHECK_EQ_INT(fetch(c, 1 << 20, blk, "folder/gone", &out, where, &err),
                 PR_ENOTFOUND);
    /* 3.8.3's name, then the older one: the message names the last. */
    CHECK_EQ_STR(err.msg, "no object gs://bkt/folder/folder/gone (404 No "
                 "such object: bkt/gone) in gcs-bucket block 'gcs'");
    CHECK_EQ_INT(fetch(c, 1 << 20, anon, "pub", &out, where, &err), PR_OK);
    CHECK_EQ_STR(out.data, "public");
    lb_stop(&s);
    CHECK_EQ_INT(s.nreq, 5);
    CHECK(strncmp(s.req[2], "GET /storage/v1/b/bkt/o/folder%2Fgone?", 38)
          == 0);
    CHECK(strncmp(s.req[3], "GET /storage/v1/b/bkt/o/folder%2Ffolder%2F"
                  "gone?", 46) == 0);
    CHECK(strstr(s.req[4], "Authorization") == NULL);
    cJSON_free(blk);
    cJSON_free(anon);
    pr_buf_dispose(&out);
    pr_config_free(c);
    pr_gcs_token_cache_clear();
}

TEST(an_object_larger_than_max_input_is_refused)
{
    lb_server s;
    pr_config *c;
    pr_buf out;
    pr_error err;
    char where[512], *anon;

    pr_buf_init(&out, 0);
    lb_start(&s);
    c = new_cfg(s.port);
    anon = bucket_block(0, "", EMAIL);
    lb_add(&s, 200, NULL, "0123456789abcdef");
    CHECK_EQ_INT(fetch(c, 8, anon, "big", &out, where, &err), PR_ELIMIT);
    lb_stop(&s);
    CHECK_EQ_STR(err.msg, "gs://bkt/big is larger than 8 bytes "
                 "(max_input), in gcs-bucket block 'gcs'");
    cJSON_free(anon);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

int
main(void)
{
    make_key();
    RUN(jwt_is_rs256_over_the_claims_and_verifies_with_the_public_key);
    RUN(jwt_refuses_a_key_that_is_not_pem_without_showing_it);
    RUN(key_parse_takes_service_accounts_only);
    RUN(bucket_read_posts_a_jwt_grant_then_gets_with_the_bearer_token);
    RUN(a_refused_cached_token_is_renewed_once);
    RUN(a_refused_key_fails_at_the_token_endpoint_naming_the_account);
    RUN(forbidden_missing_and_public_reads_are_told_apart);
    RUN(an_object_larger_than_max_input_is_refused);
    EVP_PKEY_free(pkey);
    free(pem);
    return unit_done();
}
