/*
 * storage_s3.c - results in S3 and S3-compatible stores (MinIO, R2):
 * s3-bucket blocks (prefect-aws) with aws-credentials or
 * minio-credentials, the legacy S3Bucket fields, the 2.x `s3` block and
 * remote-file-system blocks with an s3:// basepath
 * (docs/prefect-results.md section 4.4).
 *
 * Requests are signed by libcurl (CURLOPT_AWS_SIGV4 "aws:amz:REGION:s3"
 * with the key id and secret as USERPWD) through http.c; libcurl 7.88
 * does not send x-amz-content-sha256, so it is added here (the empty
 * body's hash), with x-amz-security-token for temporary credentials.
 * The URL is built canonical (s3url.c) because libcurl signs it as given.
 *
 * Credentials: the block's own; when its key id or secret is empty, the
 * part of the AWS chain that needs no SDK: a profile named by the block
 * (profile_name), else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN, else the profile AWS_PROFILE (or "default") from
 * AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials) and AWS_CONFIG_FILE
 * (~/.aws/config).  Nothing found: the request goes unsigned (public
 * buckets).  Region: the block, AWS_REGION, AWS_DEFAULT_REGION, the
 * profile's region, us-east-1.
 *
 * bucket_folder: prefect-aws 3.8.3 does not prefix a key that already
 * starts with "folder/"; older versions always did.  The 3.8.3 name is
 * tried first and, when S3 says NoSuchKey, the older one.
 *
 * Messages name the object (s3://bucket/key), the block whose
 * credentials were used and what to check; never a secret.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "pr.h"
#include "alloc.h"
#include "config.h"
#include "http.h"
#include "jsonw.h"
#include "s3url.h"
#include "storage.h"

#define NAME_SHOW 60
#define KEY_SHOW 120
#define INI_MAX ((size_t)1 << 20)
#define EMPTY_SHA256 \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Everything one read needs; every string owned (wiped when freed). */
typedef struct s3_req {
    char *bucket;
    char *folder;           /* bucket_folder, or NULL */
    char *object;           /* the object name tried first */
    char *object_alt;       /* the pre-3.8.3 name, or NULL */
    char *akid, *secret, *token;
    char *region;
    char *endpoint;         /* endpoint_url, or NULL for AWS */
    char *profile;          /* profile_name from the block */
    int use_ssl;
    int insecure;           /* verify: false */
    char *ca_file;          /* verify: "path" / verify_cert_path */
    int minio;              /* minio-credentials: no AWS chain */
    char what[100];         /* "block 'name'", for messages */
    char creds_from[320];   /* "the credentials of block 'x'", ... */
    char id_field[48];      /* the field to check for a bad key id */
    char secret_field[NAME_SHOW + 48];  /* ... and for a bad secret */
    char region_from[96];
    char profile_hint[160]; /* why a profile gave no keys */
} s3_req;

static void
req_free(s3_req *r)
{
    pr_free(r->bucket);
    pr_free(r->folder);
    pr_free(r->object);
    pr_free(r->object_alt);
    pr_free_secret(r->akid);
    pr_free_secret(r->secret);
    pr_free_secret(r->token);
    pr_free(r->region);
    pr_free(r->endpoint);
    pr_free(r->profile);
    pr_free(r->ca_file);
}

static pr_code
nomem(pr_error *err)
{
    return pr_error_set(err, PR_ENOMEM, "out of memory reading an S3 "
                        "object");
}

/* Sets *dst to a copy of a non-empty string member (kept otherwise). */
static pr_code
take(char **dst, const cJSON *o, const char *name, pr_error *err)
{
    const char *s = pr_jstr(o, name);

    if (s == NULL)
        return PR_OK;
    pr_free_secret(*dst);
    if ((*dst = pr_strdup(s)) == NULL)
        return nomem(err);
    return PR_OK;
}

static int
truthy(const cJSON *j, int dflt)
{
    if (cJSON_IsBool(j))
        return cJSON_IsTrue(j);
    if (cJSON_IsString(j) && j->valuestring != NULL)
        return strcasecmp(j->valuestring, "false") != 0 &&
               strcmp(j->valuestring, "0") != 0;
    if (cJSON_IsNumber(j))
        return j->valuedouble != 0;
    return dflt;
}

/* aws_client_parameters: endpoint_url, use_ssl, verify,
 * verify_cert_path. */
static pr_code
client_params(s3_req *r, const cJSON *p, pr_error *err)
{
    const cJSON *v;
    pr_code rc;

    if (!cJSON_IsObject(p))
        return PR_OK;
    rc = take(&r->endpoint, p, "endpoint_url", err);
    if (rc != PR_OK)
        return rc;
    r->use_ssl = truthy(cJSON_GetObjectItemCaseSensitive(p, "use_ssl"),
                        r->use_ssl);
    v = cJSON_GetObjectItemCaseSensitive(p, "verify");
    if (cJSON_IsString(v) && v->valuestring != NULL &&
        v->valuestring[0] != '\0' && strcasecmp(v->valuestring, "true") &&
        strcasecmp(v->valuestring, "false"))
        rc = take(&r->ca_file, p, "verify", err);
    else
        r->insecure = !truthy(v, 1);
    if (rc == PR_OK)
        rc = take(&r->ca_file, p, "verify_cert_path", err);
    return rc;
}

/* The credentials of a (nested) aws-credentials or minio-credentials
 * document; `owner` names the block for messages. */
static pr_code
parse_creds(s3_req *r, const cJSON *c, int minio, const char *owner,
            pr_error *err)
{
    pr_code rc = PR_OK;

    r->minio = minio;
    snprintf(r->creds_from, sizeof(r->creds_from),
             "the credentials of block '%s'", owner);
    if (minio) {
        snprintf(r->id_field, sizeof(r->id_field), "minio_root_user");
        snprintf(r->secret_field, sizeof(r->secret_field),
                 "minio_root_password");
        rc = take(&r->akid, c, "minio_root_user", err);
        if (rc == PR_OK)
            rc = take(&r->secret, c, "minio_root_password", err);
    } else {
        rc = take(&r->akid, c, "aws_access_key_id", err);
        if (rc == PR_OK)
            rc = take(&r->secret, c, "aws_secret_access_key", err);
        if (rc == PR_OK)
            rc = take(&r->token, c, "aws_session_token", err);
        if (rc == PR_OK)
            rc = take(&r->profile, c, "profile_name", err);
    }
    if (rc == PR_OK)
        rc = take(&r->region, c, "region_name", err);
    if (rc == PR_OK)
        rc = client_params(r, cJSON_GetObjectItemCaseSensitive(c,
                               "aws_client_parameters"), err);
    if (rc == PR_OK && r->region != NULL)
        snprintf(r->region_from, sizeof(r->region_from), "region_name");
    return rc;
}

static int
is_minio(const cJSON *c, const char *ref_slug)
{
    const char *s = pr_jstr(c, "block_type_slug");

    if (s != NULL)
        return strcmp(s, "minio-credentials") == 0;
    if (ref_slug != NULL)
        return strcmp(ref_slug, "minio-credentials") == 0;
    return cJSON_GetObjectItemCaseSensitive(c, "minio_root_user") != NULL;
}

/* s3-bucket (prefect-aws), current and legacy fields. */
static pr_code
parse_s3_bucket(s3_req *r, const cJSON *block, const char *block_id,
                pr_error *err)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(block, "data");
    const cJSON *c;
    const char *name = pr_jstr(block, "name"), *cname, *slug = NULL;
    char owner[NAME_SHOW + 4];
    const char *field = "credentials";
    pr_code rc;

    pr_storage_what(r->what, sizeof(r->what), "s3-bucket", name,
                    block_id);
    rc = take(&r->bucket, data, "bucket_name", err);
    if (rc == PR_OK)
        rc = take(&r->folder, data, "bucket_folder", err);
    if (rc == PR_OK && r->folder == NULL)      /* legacy */
        rc = take(&r->folder, data, "basepath", err);
    if (rc != PR_OK)
        return rc;
    if (r->bucket == NULL)
        return pr_error_set(err, PR_EFORMAT, "%s has no bucket_name",
                            r->what);
    c = cJSON_GetObjectItemCaseSensitive(data, "credentials");
    if (!cJSON_IsObject(c)) {
        field = "minio_credentials";
        c = cJSON_GetObjectItemCaseSensitive(data, field);
    }
    if (!cJSON_IsObject(c)) {
        field = "aws_credentials";
        c = cJSON_GetObjectItemCaseSensitive(data, field);
    }
    cname = pr_storage_ref_name(block, field, &slug);
    pr_storage_show(owner, sizeof(owner), cname != NULL ? cname
                    : name != NULL ? name : "?", NAME_SHOW);
    if (cJSON_IsObject(c))
        rc = parse_creds(r, c, strcmp(field, "minio_credentials") == 0 ||
                         is_minio(c, slug), owner, err);
    else
        snprintf(r->creds_from, sizeof(r->creds_from),
                 "the credentials of block '%s'", owner);
    if (rc == PR_OK)        /* legacy top-level endpoint_url */
        rc = r->endpoint == NULL ? take(&r->endpoint, data, "endpoint_url",
                                        err) : PR_OK;
    return rc;
}

/* "s3://bucket/prefix" (or s3a://) into bucket and folder. */
static pr_code
split_s3_url(s3_req *r, const char *url, pr_error *err)
{
    const char *p = url;

    if (strncmp(p, "s3://", 5) == 0)
        p += 5;
    else if (strncmp(p, "s3a://", 6) == 0)
        p += 6;
    if (pr_storage_split_bucket(p, &r->bucket, &r->folder) != 0)
        return nomem(err);
    if (r->bucket[0] == '\0')
        return pr_error_set(err, PR_EFORMAT, "%s: the S3 URL names no "
                            "bucket", r->what);
    return PR_OK;
}

/* remote-file-system with an s3:// basepath; fsspec settings. */
static pr_code
parse_remote_fs(s3_req *r, const cJSON *block, const char *block_id,
                pr_error *err)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(block, "data");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(data, "settings");
    const cJSON *ck = cJSON_GetObjectItemCaseSensitive(st, "client_kwargs");
    const char *name = pr_jstr(block, "name"), *bp = pr_jstr(data, "basepath");
    char owner[NAME_SHOW + 4];
    pr_code rc;

    pr_storage_what(r->what, sizeof(r->what), "remote-file-system", name,
                    block_id);
    pr_storage_show(owner, sizeof(owner), name != NULL ? name : "?",
                    NAME_SHOW);
    snprintf(r->creds_from, sizeof(r->creds_from),
             "the credentials of block '%s'", owner);
    snprintf(r->id_field, sizeof(r->id_field), "settings.key");
    snprintf(r->secret_field, sizeof(r->secret_field), "settings.secret");
    if (bp == NULL)
        return pr_error_set(err, PR_EFORMAT, "%s has no basepath", r->what);
    rc = split_s3_url(r, bp, err);
    if (rc == PR_OK)
        rc = take(&r->akid, st, "key", err);
    if (rc == PR_OK)
        rc = take(&r->secret, st, "secret", err);
    if (rc == PR_OK)
        rc = take(&r->token, st, "token", err);
    if (rc == PR_OK)
        rc = take(&r->profile, st, "profile", err);
    if (rc == PR_OK)
        rc = take(&r->endpoint, st, "endpoint_url", err);
    if (rc == PR_OK)
        rc = take(&r->endpoint, ck, "endpoint_url", err);
    if (rc == PR_OK)
        rc = take(&r->region, ck, "region_name", err);
    if (rc == PR_OK && r->region != NULL)
        snprintf(r->region_from, sizeof(r->region_from),
                 "settings.client_kwargs.region_name");
    if (cJSON_IsObject(st))
        r->use_ssl = truthy(cJSON_GetObjectItemCaseSensitive(st, "use_ssl"),
                            1);
    if (rc == PR_OK && cJSON_IsObject(ck)) {
        r->use_ssl = truthy(cJSON_GetObjectItemCaseSensitive(ck, "use_ssl"),
                            r->use_ssl);
        r->insecure = !truthy(cJSON_GetObjectItemCaseSensitive(ck,
                                  "verify"), 1);
    }
    if (rc == PR_OK && truthy(cJSON_GetObjectItemCaseSensitive(st, "anon"),
                              0)) {
        pr_free_secret(r->akid);
        pr_free_secret(r->secret);
        r->akid = r->secret = NULL;
        r->minio = 1;           /* anon=True: no credential chain */
    }
    return rc;
}

/* The 2.x `s3` block: bucket_path, aws_access_key_id, ... */
static pr_code
parse_s3_v2(s3_req *r, const cJSON *block, const char *block_id,
            pr_error *err)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(block, "data");
    const char *name = pr_jstr(block, "name");
    const char *bp = pr_jstr(data, "bucket_path");
    char owner[NAME_SHOW + 4];
    pr_code rc;

    pr_storage_what(r->what, sizeof(r->what), "s3", name, block_id);
    pr_storage_show(owner, sizeof(owner), name != NULL ? name : "?",
                    NAME_SHOW);
    snprintf(r->creds_from, sizeof(r->creds_from),
             "the credentials of block '%s'", owner);
    if (bp == NULL)
        return pr_error_set(err, PR_EFORMAT, "%s has no bucket_path",
                            r->what);
    rc = split_s3_url(r, bp, err);
    if (rc == PR_OK)
        rc = take(&r->akid, data, "aws_access_key_id", err);
    if (rc == PR_OK)
        rc = take(&r->secret, data, "aws_secret_access_key", err);
    return rc;
}

/* ------------------------------------------------ the credential chain */

/* Reads a small text file; NULL if it cannot be read. */
static char *
read_small(const char *path)
{
    char *buf;
    size_t len = 0;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return NULL;
    buf = pr_malloc(INI_MAX + 1);
    if (buf == NULL) {
        close(fd);
        return NULL;
    }
    while (len < INI_MAX) {
        n = read(fd, buf + len, INI_MAX - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    return buf;
}

static char *
trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* The keys of one section of an AWS ini file. */
typedef struct ini_vals {
    char *akid, *secret, *token, *region;
    int found;              /* the section exists */
    int sdk_only;           /* role_arn, sso_*, credential_process ... */
} ini_vals;

static void
ini_free(ini_vals *v)
{
    pr_free_secret(v->akid);
    pr_free_secret(v->secret);
    pr_free_secret(v->token);
    pr_free(v->region);
}

/* Reads section `section` of the file at path into v (keys already set
 * are kept).  Returns PR_ENOMEM only; unreadable files are skipped. */
static pr_code
ini_read(ini_vals *v, const char *path, const char *section,
         pr_error *err)
{
    char *text = read_small(path), *line, *next, *s, *eq, **dst;
    int in = 0;
    pr_code rc = PR_OK;

    if (text == NULL)
        return PR_OK;
    for (line = text; line != NULL && rc == PR_OK; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        s = trim(line);
        if (*s == '#' || *s == ';' || *s == '\0')
            continue;
        if (*s == '[') {
            char *e = strrchr(s, ']');

            if (e != NULL)
                *e = '\0';
            in = strcmp(trim(s + 1), section) == 0;
            v->found |= in;
            continue;
        }
        eq = strchr(s, '=');
        if (!in || eq == NULL)
            continue;
        *eq = '\0';
        s = trim(s);
        dst = NULL;
        if (strcasecmp(s, "aws_access_key_id") == 0)
            dst = &v->akid;
        else if (strcasecmp(s, "aws_secret_access_key") == 0)
            dst = &v->secret;
        else if (strcasecmp(s, "aws_session_token") == 0)
            dst = &v->token;
        else if (strcasecmp(s, "region") == 0)
            dst = &v->region;
        else if (strcasecmp(s, "role_arn") == 0 ||
                 strcasecmp(s, "credential_process") == 0 ||
                 strncasecmp(s, "sso_", 4) == 0 ||
                 strcasecmp(s, "web_identity_token_file") == 0)
            v->sdk_only = 1;
        if (dst != NULL && *dst == NULL && *trim(eq + 1) != '\0' &&
            (*dst = pr_strdup(trim(eq + 1))) == NULL)
            rc = nomem(err);
    }
    explicit_bzero(text, strlen(text));
    pr_free(text);
    return rc;
}

/* A file path: the variable, else ~/.aws/<name>. */
static pr_code
aws_file(char **out, const pr_config *cfg, int var, const char *name,
         pr_error *err)
{
    const char *v = cfg->aws_env[var];
    char tmp[64];

    if (v == NULL) {
        snprintf(tmp, sizeof(tmp), "~/.aws/%s", name);
        v = tmp;
    }
    return pr_path_expand_user(out, v, cfg->user_home, err);
}

/* Reads profile `prof` from the credentials and config files. */
static pr_code
read_profile(s3_req *r, const pr_config *cfg, const char *prof,
             int want_keys, pr_error *err)
{
    ini_vals v;
    char *cred = NULL, *conf = NULL, sect[160], shown[NAME_SHOW + 4];
    pr_code rc;

    memset(&v, 0, sizeof(v));
    rc = aws_file(&cred, cfg, PR_AWS_SHARED_CREDENTIALS_FILE, "credentials",
                  err);
    if (rc == PR_OK)
        rc = aws_file(&conf, cfg, PR_AWS_CONFIG_FILE, "config", err);
    if (rc == PR_OK && want_keys)
        rc = ini_read(&v, cred, prof, err);
    snprintf(sect, sizeof(sect), strcmp(prof, "default") == 0 ? "%s"
             : "profile %s", prof);
    if (rc == PR_OK)
        rc = ini_read(&v, conf, sect, err);
    if (rc == PR_OK && strcmp(prof, "default") == 0)
        rc = ini_read(&v, conf, "profile default", err);
    pr_storage_show(shown, sizeof(shown), prof, NAME_SHOW);
    if (rc == PR_OK && want_keys && v.akid != NULL && v.secret != NULL) {
        r->akid = v.akid;
        r->secret = v.secret;
        r->token = v.token;
        v.akid = v.secret = v.token = NULL;
        snprintf(r->creds_from, sizeof(r->creds_from), "the credentials "
                 "of AWS profile '%s' (used because %s has none)", shown,
                 r->what);
        snprintf(r->id_field, sizeof(r->id_field), "aws_access_key_id");
        snprintf(r->secret_field, sizeof(r->secret_field),
                 "aws_secret_access_key in profile '%s'", shown);
    } else if (rc == PR_OK && want_keys) {
        snprintf(r->profile_hint, sizeof(r->profile_hint),
                 "AWS profile '%s' %s", shown, !v.found
                 ? "was not found in the credentials or config file"
                 : v.sdk_only ? "needs an AWS SDK (role, SSO or "
                   "credential_process), which is not supported"
                 : "has no aws_access_key_id and aws_secret_access_key");
    }
    if (rc == PR_OK && r->region == NULL && v.region != NULL) {
        r->region = v.region;
        v.region = NULL;
        snprintf(r->region_from, sizeof(r->region_from),
                 "region of AWS profile '%s'", shown);
    }
    ini_free(&v);
    pr_free(cred);
    pr_free(conf);
    return rc;
}

static pr_code
chain(s3_req *r, const pr_config *cfg, pr_error *err)
{
    const char *prof = r->profile;
    int need = !r->minio && (r->akid == NULL || r->secret == NULL);
    pr_code rc = PR_OK;

    if (r->id_field[0] == '\0')
        snprintf(r->id_field, sizeof(r->id_field), "aws_access_key_id");
    if (r->secret_field[0] == '\0')
        snprintf(r->secret_field, sizeof(r->secret_field),
                 "aws_secret_access_key");
    if (need) {
        pr_free_secret(r->akid);
        pr_free_secret(r->secret);
        pr_free_secret(r->token);
        r->akid = r->secret = r->token = NULL;
    }
    if (need && prof == NULL &&
        cfg->aws_env[PR_AWS_ACCESS_KEY_ID] != NULL &&
        cfg->aws_env[PR_AWS_SECRET_ACCESS_KEY] != NULL) {
        r->akid = pr_strdup(cfg->aws_env[PR_AWS_ACCESS_KEY_ID]);
        r->secret = pr_strdup(cfg->aws_env[PR_AWS_SECRET_ACCESS_KEY]);
        if (cfg->aws_env[PR_AWS_SESSION_TOKEN] != NULL)
            r->token = pr_strdup(cfg->aws_env[PR_AWS_SESSION_TOKEN]);
        if (r->akid == NULL || r->secret == NULL ||
            (cfg->aws_env[PR_AWS_SESSION_TOKEN] != NULL && r->token == NULL))
            return nomem(err);
        snprintf(r->creds_from, sizeof(r->creds_from), "the credentials "
                 "in AWS_ACCESS_KEY_ID (used because %s has none)",
                 r->what);
        snprintf(r->id_field, sizeof(r->id_field), "AWS_ACCESS_KEY_ID");
        snprintf(r->secret_field, sizeof(r->secret_field),
                 "AWS_SECRET_ACCESS_KEY");
        need = 0;
    }
    if (prof == NULL)
        prof = cfg->aws_env[PR_AWS_PROFILE];
    if (prof == NULL)
        prof = cfg->aws_env[PR_AWS_DEFAULT_PROFILE];
    if (prof == NULL)
        prof = "default";
    if (r->region == NULL && cfg->aws_env[PR_AWS_REGION] != NULL) {
        if ((r->region = pr_strdup(cfg->aws_env[PR_AWS_REGION])) == NULL)
            return nomem(err);
        snprintf(r->region_from, sizeof(r->region_from), "AWS_REGION");
    }
    if (r->region == NULL && cfg->aws_env[PR_AWS_DEFAULT_REGION] != NULL) {
        r->region = pr_strdup(cfg->aws_env[PR_AWS_DEFAULT_REGION]);
        if (r->region == NULL)
            return nomem(err);
        snprintf(r->region_from, sizeof(r->region_from),
                 "AWS_DEFAULT_REGION");
    }
    if (!r->minio && (need || r->region == NULL))
        rc = read_profile(r, cfg, prof, need, err);
    if (rc == PR_OK && r->region == NULL) {
        if ((r->region = pr_strdup("us-east-1")) == NULL)
            return nomem(err);
        snprintf(r->region_from, sizeof(r->region_from),
                 "the default region");
    }
    if (rc == PR_OK && r->endpoint == NULL) {
        const char *e = cfg->aws_env[PR_AWS_ENDPOINT_URL_S3];

        if (e == NULL)
            e = cfg->aws_env[PR_AWS_ENDPOINT_URL];
        if (e != NULL && (r->endpoint = pr_strdup(e)) == NULL)
            return nomem(err);
    }
    if (rc == PR_OK && r->akid == NULL)
        snprintf(r->creds_from, sizeof(r->creds_from), "no credentials "
                 "(an unsigned request: %s, AWS_ACCESS_KEY_ID and the AWS "
                 "profile have none)", r->what);
    return rc;
}

/* ---------------------------------------------------------- the request */

static int
valid_region(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-'))
            return 0;
    return i > 0 && i < 40;
}

/* Writes "s3://bucket/object" (shortened) into dst. */
static void
s3_name(char *dst, size_t n, const s3_req *r, const char *object)
{
    char b[NAME_SHOW + 4], k[KEY_SHOW + 4];

    pr_storage_show(b, sizeof(b), r->bucket, NAME_SHOW);
    pr_storage_show(k, sizeof(k), object, KEY_SHOW);
    snprintf(dst, n, "s3://%s/%s", b, k);
}

/* One GET; *status and the body (object or error document). */
static pr_code
get_once(const pr_storage_ctx *ctx, pr_http *http, const s3_req *r,
         const char *object, pr_buf *body, long *status, pr_error *err)
{
    const pr_config *cfg = ctx->cfg;
    pr_http_opts o;
    pr_http_request req;
    const char *headers[2];
    char sig[80], *url, *userpwd = NULL, *tokhdr = NULL, action[420];
    char name[KEY_SHOW + NAME_SHOW + 16];
    size_t n;
    pr_code rc;

    url = pr_s3_object_url(r->endpoint, r->use_ssl, r->region, r->bucket,
                           object);
    if (url == NULL)
        return nomem(err);
    s3_name(name, sizeof(name), r, object);
    snprintf(action, sizeof(action), "reading %s (%s)", name, r->what);
    pr_storage_http_opts(&o, cfg);
    if (r->ca_file != NULL)
        o.ca_file = r->ca_file;
    o.insecure = r->insecure || o.insecure;
    memset(&req, 0, sizeof(req));
    req.url = url;
    req.action = action;
    req.opts = &o;
    req.any_status = 1;
    req.no_accept_json = 1;
    headers[0] = "x-amz-content-sha256: " EMPTY_SHA256;
    req.headers = headers;
    req.nheaders = 1;
    rc = PR_OK;
    if (r->akid != NULL && r->secret != NULL) {
        snprintf(sig, sizeof(sig), "aws:amz:%s:s3", r->region);
        n = strlen(r->akid) + strlen(r->secret) + 2;
        userpwd = pr_malloc(n);
        if (userpwd == NULL)
            rc = nomem(err);
        else
            snprintf(userpwd, n, "%s:%s", r->akid, r->secret);
        if (rc == PR_OK && r->token != NULL) {
            n = strlen(r->token) + 32;
            tokhdr = pr_malloc(n);
            if (tokhdr == NULL)
                rc = nomem(err);
            else
                snprintf(tokhdr, n, "x-amz-security-token: %s", r->token);
            headers[1] = tokhdr;
            req.nheaders = 2;
        }
        req.aws_sigv4 = sig;
        req.userpwd = userpwd;
    }
    if (rc == PR_OK)
        rc = pr_http_get(http, status, body, &req, err);
    pr_free_secret(userpwd);
    pr_free_secret(tokhdr);
    pr_free(url);
    return rc;
}

/* Turns a failed status into the error for `object`; doc is the
 * reply's error document. */
static pr_code
s3_error(const s3_req *r, const char *object, long status,
         const char *doc, pr_error *err)
{
    char name[KEY_SHOW + NAME_SHOW + 16], code[64], reg[48];
    pr_code rc;

    s3_name(name, sizeof(name), r, object);
    pr_storage_xml_field(code, sizeof(code), doc, "Code");
    if (code[0] == '\0')
        snprintf(code, sizeof(code), "no S3 error code");
    if (status == 404 && strcmp(code, "NoSuchBucket") == 0) {
        rc = pr_error_set(err, PR_ENOTFOUND, "bucket of %s does not exist "
                          "(404 NoSuchBucket), reading it through %s", name,
                          r->what);
        pr_error_hint(err, "check bucket_name%s", r->endpoint != NULL
                      ? " and endpoint_url (the store the bucket is in)"
                      : "");
    } else if (status == 404) {
        rc = pr_error_set(err, PR_ENOTFOUND, "no object %s (404 %s) in %s",
                          name, code, r->what);
        pr_error_hint(err, "the result was not written, was deleted, or "
                      "the block's bucket_folder differs from the one it "
                      "was written with");
    } else if (status == 403 || (status == 400 &&
               (strcmp(code, "AuthorizationHeaderMalformed") == 0 ||
                strcmp(code, "InvalidToken") == 0)) || status == 401) {
        rc = pr_error_set(err, PR_EAUTH, "access denied reading %s with "
                          "%s (%ld %s)", name, r->creds_from, status, code);
        if (strcmp(code, "SignatureDoesNotMatch") == 0)
            pr_error_hint(err, "check %s and the region (%s, from %s)",
                          r->secret_field, r->region, r->region_from);
        else if (strcmp(code, "InvalidAccessKeyId") == 0)
            pr_error_hint(err, "check %s%s", r->id_field, r->token != NULL
                          ? " and aws_session_token" : " (temporary keys "
                          "also need aws_session_token)");
        else if (strcmp(code, "AuthorizationHeaderMalformed") == 0) {
            pr_storage_xml_field(reg, sizeof(reg), doc, "Region");
            pr_error_hint(err, "the request was signed for region '%s' "
                          "(from %s)%s%s%s: set region_name in the "
                          "credentials block or AWS_REGION", r->region,
                          r->region_from, reg[0] ? "; the bucket is in '"
                          : "", reg, reg[0] ? "'" : "");
        } else if (strcmp(code, "InvalidToken") == 0 ||
                   strcmp(code, "ExpiredToken") == 0 ||
                   strcmp(code, "TokenRefreshRequired") == 0)
            pr_error_hint(err, "check aws_session_token (temporary "
                          "credentials expire)");
        else if (strcmp(code, "RequestTimeTooSkewed") == 0)
            pr_error_hint(err, "this machine's clock is off by more than "
                          "15 minutes");
        else if (r->akid == NULL)
            pr_error_hint(err, "the bucket is not public: set %s and %s in "
                          "the block, AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY, or an AWS profile%s%s",
                          r->id_field, r->secret_field,
                          r->profile_hint[0] ? " (" : "", r->profile_hint);
        else
            pr_error_hint(err, "the credentials lack s3:GetObject on this "
                          "key (S3 answers 403 for a missing key when "
                          "s3:ListBucket is not granted)");
    } else if (status == 301 || status == 307) {
        pr_storage_xml_field(reg, sizeof(reg), doc, "Region");
        rc = pr_error_set(err, PR_EHTTP, "reading %s through %s: HTTP %ld "
                          "(%s): the bucket is in another region", name,
                          r->what, status, code);
        pr_error_hint(err, "set region_name in the credentials block or "
                      "AWS_REGION%s%s%s", reg[0] ? " (S3 says '" : "", reg,
                      reg[0] ? "')" : "");
    } else {
        rc = pr_error_set(err, PR_EHTTP, "reading %s through %s: HTTP %ld "
                          "(%s)", name, r->what, status, code);
    }
    err->http_status = status;
    return rc;
}

/* The read itself, once the request is complete. */
static pr_code
s3_read(const pr_storage_ctx *ctx, pr_buf *out, char *where, size_t wn,
        const s3_req *r, pr_error *err)
{
    pr_http *own, *http;
    char errdoc[PR_STORAGE_ERRDOC_MAX + 1];
    const char *objs[2];
    size_t start = out->len, i, nobj;
    long status = 0;
    pr_code rc = PR_OK;

    if (!valid_region(r->region))
        return pr_error_set(err, PR_EINVAL, "%s: the region '%.40s' (from "
                            "%s) is not a region name", r->what, r->region,
                            r->region_from);
    if (r->akid != NULL && strchr(r->akid, ':') != NULL)
        return pr_error_set(err, PR_EINVAL, "%s: the access key id (%s) "
                            "contains ':'", r->what, r->id_field);
    if (r->endpoint != NULL && strstr(r->endpoint, "://") != NULL &&
        strncmp(r->endpoint, "http://", 7) != 0 &&
        strncmp(r->endpoint, "https://", 8) != 0)
        return pr_error_set(err, PR_EINVAL, "%s: endpoint_url is not an "
                            "http or https URL", r->what);
    rc = pr_storage_http(ctx, &http, &own, err);
    if (rc != PR_OK)
        return rc;
    objs[0] = r->object;
    objs[1] = r->object_alt;
    nobj = r->object_alt != NULL ? 2 : 1;
    for (i = 0; i < nobj; i++) {
        out->len = start;
        rc = get_once(ctx, http, r, objs[i], out, &status, err);
        if (rc != PR_OK)
            break;
        if (status >= 200 && status < 300) {
            if (wn > 0)
                s3_name(where, wn, r, objs[i]);
            break;
        }
        /* Keep the error document, give the buffer back. */
        pr_storage_take_errdoc(errdoc, out, start);
        if (status == 404 && i + 1 < nobj &&
            strstr(errdoc, "<Code>NoSuchKey</Code>") != NULL)
            continue;
        rc = s3_error(r, objs[i], status, errdoc, err);
        break;
    }
    if (rc == PR_ELIMIT && err != NULL) {
        char name[KEY_SHOW + NAME_SHOW + 16];

        s3_name(name, sizeof(name), r, objs[i < nobj ? i : 0]);
        pr_storage_too_large(ctx, name, r->what, err);
    }
    if (own != NULL)
        pr_http_free(own);
    return rc;
}

/* Joins the key (s3_bucket: prefect-aws's names, else fsspec's) and runs
 * the request for a parsed block. */
static pr_code
s3_finish(const pr_storage_ctx *ctx, pr_buf *out, char *where, size_t wn,
          s3_req *r, const char *key, int s3_bucket, pr_error *err)
{
    pr_code rc;

    r->object = pr_storage_object_name(r->folder, key, s3_bucket,
                                       &r->object_alt);
    if (r->object == NULL)
        return nomem(err);
    if (r->object[0] == '\0')
        return pr_error_set(err, PR_EFORMAT, "%s: the storage key is "
                            "empty", r->what);
    rc = chain(r, ctx->cfg, err);
    if (rc == PR_OK)
        rc = s3_read(ctx, out, where, wn, r, err);
    return rc;
}

/* The block's fields, into r. */
typedef pr_code (*s3_parse_fn)(s3_req *r, const cJSON *block,
                               const char *block_id, pr_error *err);

/* Parses the block with `parse`, then reads the key. */
static pr_code
s3_fetch(const pr_storage_ctx *ctx, pr_buf *out, char *where, size_t wn,
         s3_parse_fn parse, int s3_bucket, const cJSON *block,
         const char *block_id, const char *key, pr_error *err)
{
    s3_req r;
    pr_code rc;

    memset(&r, 0, sizeof(r));
    r.use_ssl = 1;
    rc = parse(&r, block, block_id, err);
    if (rc == PR_OK)
        rc = s3_finish(ctx, out, where, wn, &r, key, s3_bucket, err);
    req_free(&r);
    return rc;
}

pr_code
pr_storage_s3_bucket(const pr_storage_ctx *ctx, pr_buf *out, char *where,
                     size_t wn, const cJSON *block, const char *block_id,
                     const char *key, pr_error *err)
{
    return s3_fetch(ctx, out, where, wn, parse_s3_bucket, 1, block,
                    block_id, key, err);
}

pr_code
pr_storage_s3_v2(const pr_storage_ctx *ctx, pr_buf *out, char *where,
                 size_t wn, const cJSON *block, const char *block_id,
                 const char *key, pr_error *err)
{
    return s3_fetch(ctx, out, where, wn, parse_s3_v2, 0, block, block_id,
                    key, err);
}

pr_code
pr_storage_s3_remote(const pr_storage_ctx *ctx, pr_buf *out, char *where,
                     size_t wn, const cJSON *block, const char *block_id,
                     const char *key, pr_error *err)
{
    return s3_fetch(ctx, out, where, wn, parse_remote_fs, 0, block,
                    block_id, key, err);
}
