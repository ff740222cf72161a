/*
 * storage_gcs.c - results in Google Cloud Storage: gcs-bucket blocks
 * (prefect-gcp) with gcp-credentials, the 2.x `gcs` block and
 * remote-file-system blocks with a gs:// or gcs:// basepath
 * (docs/prefect-results.md section 4.4).
 *
 * Objects are read through the JSON API, GET
 * ENDPOINT/storage/v1/b/BUCKET/o/NAME?alt=media with the whole object
 * name percent-encoded (its '/' too), at https://storage.googleapis.com
 * or STORAGE_EMULATOR_HOST, as Google's clients honour it ("host:port"
 * means http).  Authorization is "Bearer TOKEN", the token from the
 * service account key (gcs_auth.c).
 *
 * Credentials: gcp-credentials' service_account_info (a dict, or JSON
 * text as 2.x stored it), else its service_account_file; when both are
 * empty, the key file named by GOOGLE_APPLICATION_CREDENTIALS; none:
 * the request goes without a token (public buckets, emulators).
 * Metadata-server and gcloud user credentials need Google's SDK and are
 * not read.
 *
 * bucket_folder: prefect-gcp normalizes it to end in '/', joins
 * PurePosixPath(folder, key), and as of 3.8.3 does not prefix a key that
 * already starts with the folder; the 3.8.3 name is tried first and,
 * when GCS says 404, the older one (as storage_s3.c does).
 *
 * Messages name the object (gs://bucket/name), the block whose
 * credentials were used and what to check; never the key or a token.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "pr.h"
#include "alloc.h"
#include "config.h"
#include "gcs_auth.h"
#include "http.h"
#include "jsonw.h"
#include "s3url.h"
#include "storage.h"

#define NAME_SHOW 60
#define KEY_SHOW 120
#define PATH_SHOW 100
#define GCS_MSG_SHOW 60
#define KEY_FILE_MAX ((size_t)1 << 20)
#define GCS_ENDPOINT "https://storage.googleapis.com"

/* Everything one read needs; every string owned. */
typedef struct gcs_req {
    char *bucket;
    char *folder;           /* bucket_folder / basepath prefix, or NULL */
    char *object;           /* the object name tried first */
    char *object_alt;       /* the pre-3.8.3 name, or NULL */
    char *endpoint;         /* "http(s)://host[:port][/path]", no '/' */
    pr_gcs_key key;
    int have_key;
    char what[100];         /* "gcs-bucket block 'name'" */
    char owner[NAME_SHOW + 4];      /* the credentials' block name */
    char creds_from[320];   /* "the credentials of block 'x'" ... */
    char key_from[200];     /* "service_account_info of block 'x'" */
} gcs_req;

static void
req_free(gcs_req *r)
{
    pr_free(r->bucket);
    pr_free(r->folder);
    pr_free(r->object);
    pr_free(r->object_alt);
    pr_free(r->endpoint);
    pr_gcs_key_dispose(&r->key);
}

static pr_code
nomem(pr_error *err)
{
    return pr_error_set(err, PR_ENOMEM, "out of memory reading a GCS "
                        "object");
}

/* ------------------------------------------------------ the key itself */

/* Reads a key file (at most KEY_FILE_MAX bytes) into r->key. */
static pr_code
key_from_file(gcs_req *r, const pr_config *cfg, const char *path,
              const char *from, pr_error *err)
{
    char *full = NULL, *buf = NULL, shown[PATH_SHOW + 4];
    size_t len = 0;
    ssize_t n;
    int fd, e = 0;
    pr_code rc;

    rc = pr_path_expand_user(&full, path, cfg != NULL ? cfg->user_home
                             : NULL, err);
    if (rc != PR_OK)
        return rc;
    pr_storage_show(shown, sizeof(shown), full, PATH_SHOW);
    snprintf(r->key_from, sizeof(r->key_from), "%s (%s)", from, shown);
    fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        e = errno;
        pr_free(full);
        pr_error_set(err, e == ENOENT ? PR_ENOTFOUND : PR_EIO, "cannot "
                     "open the service account key file %s: %s", r->key_from,
                     strerror(e));
        return pr_error_hint(err, "the file is read on this machine: "
                             "copy the key here or set "
                             "service_account_info");
    }
    pr_free(full);
    buf = pr_malloc(KEY_FILE_MAX + 1);
    if (buf == NULL) {
        close(fd);
        return nomem(err);
    }
    while (len < KEY_FILE_MAX) {
        n = read(fd, buf + len, KEY_FILE_MAX - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            e = errno;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    if (e != 0)
        rc = pr_error_set(err, PR_EIO, "cannot read the service account "
                          "key file %s: %s", r->key_from, strerror(e));
    else
        rc = pr_gcs_key_parse(&r->key, buf, len, r->key_from, err);
    explicit_bzero(buf, len);
    pr_free(buf);
    r->have_key = rc == PR_OK;
    return rc;
}

/* service_account_info: a dict, or JSON text. */
static pr_code
key_from_info(gcs_req *r, const cJSON *info, const char *from,
              pr_error *err)
{
    pr_code rc;

    snprintf(r->key_from, sizeof(r->key_from), "%s", from);
    if (cJSON_IsString(info))
        rc = pr_gcs_key_parse(&r->key, info->valuestring,
                              strlen(info->valuestring), r->key_from, err);
    else
        rc = pr_gcs_key_from_json(&r->key, info, r->key_from, err);
    if (rc == PR_EFORMAT && cJSON_IsString(info) &&
        strcmp(info->valuestring, "********") == 0)
        pr_error_hint(err, "the block document was read without its "
                      "secrets (include_secrets=true is needed)");
    r->have_key = rc == PR_OK;
    return rc;
}

/* Nonzero when j holds a key: a non-empty dict or non-empty string. */
static int
has_info(const cJSON *j)
{
    return (cJSON_IsObject(j) && j->child != NULL) ||
           (cJSON_IsString(j) && j->valuestring != NULL &&
            j->valuestring[0] != '\0');
}

/* Application default credentials, the part that needs no SDK. */
static pr_code
key_default(gcs_req *r, const pr_config *cfg, pr_error *err)
{
    const char *gac = cfg != NULL
                      ? cfg->gcp_env[PR_GOOGLE_APPLICATION_CREDENTIALS]
                      : NULL;
    pr_code rc;

    if (gac == NULL) {
        snprintf(r->creds_from, sizeof(r->creds_from), "no credentials "
                 "(%s has none and GOOGLE_APPLICATION_CREDENTIALS is not "
                 "set)", r->what);
        return PR_OK;
    }
    rc = key_from_file(r, cfg, gac, "GOOGLE_APPLICATION_CREDENTIALS", err);
    if (rc == PR_OK)
        snprintf(r->creds_from, sizeof(r->creds_from), "the credentials "
                 "in GOOGLE_APPLICATION_CREDENTIALS (used because %s has "
                 "none)", r->what);
    return rc;
}

/* A gcp-credentials document (or the 2.x fields, which share names). */
static pr_code
parse_creds(gcs_req *r, const pr_config *cfg, const cJSON *c,
            pr_error *err)
{
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(c,
                                                 "service_account_info");
    const char *file = pr_jstr(c, "service_account_file");
    char from[160];

    snprintf(r->creds_from, sizeof(r->creds_from),
             "the credentials of block '%s'", r->owner);
    if (has_info(info)) {
        snprintf(from, sizeof(from), "service_account_info of block '%s'",
                 r->owner);
        return key_from_info(r, info, from, err);
    }
    if (file != NULL) {
        snprintf(from, sizeof(from), "service_account_file of block '%s'",
                 r->owner);
        return key_from_file(r, cfg, file, from, err);
    }
    return key_default(r, cfg, err);
}

/* ---------------------------------------------------------- the blocks */

/* gcs-bucket (prefect-gcp). */
static pr_code
parse_gcs_bucket(gcs_req *r, const pr_config *cfg, const cJSON *block,
                 const char *block_id, pr_error *err)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(block, "data");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(data,
                                                      "gcp_credentials");
    const char *name = pr_jstr(block, "name"), *cname, *s;

    pr_storage_what(r->what, sizeof(r->what), "gcs-bucket", name,
                    block_id);
    s = pr_jstr(data, "bucket");
    if (s == NULL)
        return pr_error_set(err, PR_EFORMAT, "%s has no bucket", r->what);
    if ((r->bucket = pr_strdup(s)) == NULL)
        return nomem(err);
    s = pr_jstr(data, "bucket_folder");
    if (s != NULL && (r->folder = pr_strdup(s)) == NULL)
        return nomem(err);
    cname = pr_storage_ref_name(block, "gcp_credentials", NULL);
    pr_storage_show(r->owner, sizeof(r->owner), cname != NULL ? cname
                    : name != NULL ? name : "?", NAME_SHOW);
    if (!cJSON_IsObject(c)) {
        snprintf(r->creds_from, sizeof(r->creds_from),
                 "the credentials of block '%s'", r->owner);
        return key_default(r, cfg, err);
    }
    return parse_creds(r, cfg, c, err);
}

/* "gs://bucket/prefix", "gcs://...", or "bucket/prefix" (2.x). */
static pr_code
split_url(gcs_req *r, const char *url, pr_error *err)
{
    const char *p = url;

    if (strncmp(p, "gs://", 5) == 0)
        p += 5;
    else if (strncmp(p, "gcs://", 6) == 0)
        p += 6;
    if (pr_storage_split_bucket(p, &r->bucket, &r->folder) != 0)
        return nomem(err);
    if (r->bucket[0] == '\0')
        return pr_error_set(err, PR_EFORMAT, "%s: the GCS path names no "
                            "bucket", r->what);
    return PR_OK;
}

/* The 2.x `gcs` block: bucket_path, service_account_info (text). */
static pr_code
parse_gcs_v2(gcs_req *r, const pr_config *cfg, const cJSON *block,
             const char *block_id, pr_error *err)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(block, "data");
    const char *name = pr_jstr(block, "name");
    const char *bp = pr_jstr(data, "bucket_path");
    pr_code rc;

    pr_storage_what(r->what, sizeof(r->what), "gcs", name, block_id);
    pr_storage_show(r->owner, sizeof(r->owner), name != NULL ? name : "?",
                    NAME_SHOW);
    if (bp == NULL)
        return pr_error_set(err, PR_EFORMAT, "%s has no bucket_path",
                            r->what);
    rc = split_url(r, bp, err);
    if (rc == PR_OK)
        rc = parse_creds(r, cfg, data, err);
    return rc;
}

/* remote-file-system, gs:// or gcs://: gcsfs settings (token,
 * endpoint_url). */
static pr_code
parse_remote_fs(gcs_req *r, const pr_config *cfg, const cJSON *block,
                const char *block_id, pr_error *err)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(block, "data");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(data, "settings");
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(st, "token");
    const char *name = pr_jstr(block, "name"), *bp = pr_jstr(data, "basepath");
    char from[160];
    pr_code rc;

    pr_storage_what(r->what, sizeof(r->what), "remote-file-system", name,
                    block_id);
    pr_storage_show(r->owner, sizeof(r->owner), name != NULL ? name : "?",
                    NAME_SHOW);
    snprintf(r->creds_from, sizeof(r->creds_from),
             "the credentials of block '%s'", r->owner);
    if (bp == NULL)
        return pr_error_set(err, PR_EFORMAT, "%s has no basepath", r->what);
    rc = split_url(r, bp, err);
    if (rc == PR_OK)
        rc = pr_jstr(st, "endpoint_url") != NULL &&
             (r->endpoint = pr_strdup(pr_jstr(st, "endpoint_url"))) == NULL
             ? nomem(err) : PR_OK;
    if (rc != PR_OK)
        return rc;
    snprintf(from, sizeof(from), "settings.token of block '%s'", r->owner);
    if (cJSON_IsObject(tok) && tok->child != NULL)
        return key_from_info(r, tok, from, err);
    if (cJSON_IsString(tok) && tok->valuestring != NULL) {
        const char *t = tok->valuestring;

        if (strcmp(t, "anon") == 0) {
            snprintf(r->creds_from, sizeof(r->creds_from), "no "
                     "credentials (%s sets token 'anon')", r->what);
            return PR_OK;
        }
        if (t[0] == '{')
            return key_from_info(r, tok, from, err);
        if (t[0] != '\0' && strcmp(t, "google_default") != 0 &&
            strcmp(t, "cloud") != 0 && strcmp(t, "browser") != 0 &&
            strcmp(t, "cache") != 0)
            return key_from_file(r, cfg, t, from, err);
    }
    return key_default(r, cfg, err);
}

/* ---------------------------------------------------------- the request */

/* Writes "gs://bucket/object" (shortened) into dst. */
static void
gs_name(char *dst, size_t n, const gcs_req *r, const char *object)
{
    char b[NAME_SHOW + 4], k[KEY_SHOW + 4];

    pr_storage_show(b, sizeof(b), r->bucket, NAME_SHOW);
    pr_storage_show(k, sizeof(k), object, KEY_SHOW);
    snprintf(dst, n, "gs://%s/%s", b, k);
}

/* The endpoint: the block's, STORAGE_EMULATOR_HOST, else Google's. */
static pr_code
pick_endpoint(gcs_req *r, const pr_config *cfg, pr_error *err)
{
    const char *e = r->endpoint;
    char *d;
    size_t n;

    if (e == NULL && cfg != NULL)
        e = cfg->gcp_env[PR_STORAGE_EMULATOR_HOST];
    if (e == NULL)
        e = GCS_ENDPOINT;
    n = strlen(e);
    while (n > 0 && e[n - 1] == '/')
        n--;
    if (strstr(e, "://") == NULL) {
        d = pr_malloc(n + 8);
        if (d != NULL) {
            memcpy(d, "http://", 7);
            memcpy(d + 7, e, n);
            d[n + 7] = '\0';
        }
    } else {
        d = pr_strndup(e, n);
    }
    if (d == NULL)
        return nomem(err);
    pr_free(r->endpoint);
    r->endpoint = d;
    if (strncmp(d, "http://", 7) != 0 && strncmp(d, "https://", 8) != 0)
        return pr_error_set(err, PR_EINVAL, "%s: the GCS endpoint is not "
                            "an http or https URL", r->what);
    if (strchr(d, '?') != NULL || strchr(d, '#') != NULL)
        return pr_error_set(err, PR_EINVAL, "%s: the GCS endpoint has a "
                            "query or fragment", r->what);
    return PR_OK;
}

/* ENDPOINT/storage/v1/b/BUCKET/o/NAME?alt=media, both encoded whole. */
static char *
object_url(const gcs_req *r, const char *object)
{
    pr_buf b;
    pr_error e;
    pr_code rc;

    pr_buf_init(&b, 0);
    rc = pr_buf_puts(&b, r->endpoint, &e);
    if (rc == PR_OK)
        rc = pr_buf_puts(&b, "/storage/v1/b/", &e);
    if (rc == PR_OK)
        rc = pr_s3_encode(&b, r->bucket, 0, &e);
    if (rc == PR_OK)
        rc = pr_buf_puts(&b, "/o/", &e);
    if (rc == PR_OK)
        rc = pr_s3_encode(&b, object, 0, &e);
    if (rc == PR_OK)
        rc = pr_buf_puts(&b, "?alt=media", &e);
    if (rc != PR_OK) {
        pr_buf_dispose(&b);
        return NULL;
    }
    return pr_buf_detach(&b, NULL);
}

/* The message of a GCS error reply (body[0..len)):
 * {"error":{"message":...}} or the plain text alt=media errors are;
 * printable, first line, shortened. */
static void
gcs_message(char *dst, size_t n, const char *body, size_t len)
{
    cJSON *doc;
    const char *m = NULL;
    char line[GCS_MSG_SHOW + 4];
    size_t i;

    dst[0] = '\0';
    if (body == NULL || len == 0)
        return;
    doc = cJSON_ParseWithLength(body, len);
    m = pr_jstr(cJSON_GetObjectItemCaseSensitive(doc, "error"), "message");
    if (m != NULL) {
        pr_storage_show(dst, n, m, GCS_MSG_SHOW);
    } else if (doc == NULL) {
        for (i = 0; i < len && i < GCS_MSG_SHOW &&
             body[i] != '\n' && body[i] != '\r'; i++)
            line[i] = body[i];
        line[i] = '\0';
        pr_storage_show(dst, n, line, GCS_MSG_SHOW);
    }
    cJSON_Delete(doc);
}

/* One GET with the token (or none); *status and the body. */
static pr_code
get_once(pr_http *http, const pr_http_opts *o, const gcs_req *r,
         const char *object, const char *token, pr_buf *body,
         long *status, pr_error *err)
{
    pr_http_request req;
    const char *headers[1];
    char *url, *auth = NULL, action[420], name[KEY_SHOW + NAME_SHOW + 16];
    size_t n;
    pr_code rc;

    url = object_url(r, object);
    if (url == NULL)
        return nomem(err);
    gs_name(name, sizeof(name), r, object);
    snprintf(action, sizeof(action), "reading %s (%s)", name, r->what);
    memset(&req, 0, sizeof(req));
    req.url = url;
    req.action = action;
    req.opts = o;
    req.any_status = 1;
    req.no_accept_json = 1;
    if (token != NULL) {
        n = strlen(token) + 32;
        auth = pr_malloc(n);
        if (auth == NULL) {
            pr_free(url);
            return nomem(err);
        }
        snprintf(auth, n, "Authorization: Bearer %s", token);
        headers[0] = auth;
        req.headers = headers;
        req.nheaders = 1;
    }
    rc = pr_http_get(http, status, body, &req, err);
    pr_free_secret(auth);
    pr_free(url);
    return rc;
}

/* Turns a failed status into the error for `object`; body[0..len) is
 * the reply. */
static pr_code
gcs_error(const gcs_req *r, const char *object, long status,
          const char *body, size_t len, pr_error *err)
{
    char name[KEY_SHOW + NAME_SHOW + 16], msg[GCS_MSG_SHOW + 8];
    char email[84];
    pr_code rc;

    gs_name(name, sizeof(name), r, object);
    gcs_message(msg, sizeof(msg), body, len);
    if (msg[0] == '\0')
        snprintf(msg, sizeof(msg), "no GCS message");
    pr_storage_show(email, sizeof(email),
                    r->have_key ? r->key.client_email : NULL, 80);
    if (status == 404 && strstr(msg, "bucket") != NULL &&
        strstr(msg, "not exist") != NULL) {
        rc = pr_error_set(err, PR_ENOTFOUND, "bucket of %s does not exist "
                          "(404 %s), reading it through %s", name, msg,
                          r->what);
        pr_error_hint(err, "check the block's bucket");
    } else if (status == 404) {
        rc = pr_error_set(err, PR_ENOTFOUND, "no object %s (404 %s) in %s",
                          name, msg, r->what);
        pr_error_hint(err, "the result was not written, was deleted, or "
                      "the block's bucket_folder differs from the one it "
                      "was written with");
    } else if (status == 401 || status == 403) {
        rc = pr_error_set(err, PR_EAUTH, "access denied reading %s with "
                          "%s (%ld %s)", name, r->creds_from, status, msg);
        if (!r->have_key)
            pr_error_hint(err, "the bucket is not public: set "
                          "service_account_info or service_account_file "
                          "in the gcp-credentials block, or "
                          "GOOGLE_APPLICATION_CREDENTIALS");
        else if (status == 401)
            pr_error_hint(err, "the access token of %s was refused: check "
                          "the service account key", email);
        else
            pr_error_hint(err, "check the service account's permissions: "
                          "%s needs storage.objects.get on bucket %s "
                          "(roles/storage.objectViewer)", email, r->bucket);
    } else {
        rc = pr_error_set(err, PR_EHTTP, "reading %s through %s: HTTP %ld "
                          "(%s)", name, r->what, status, msg);
    }
    err->http_status = status;
    return rc;
}

/* The read itself, once the request is complete. */
static pr_code
gcs_read(const pr_storage_ctx *ctx, pr_buf *out, char *where, size_t wn,
         const gcs_req *r, pr_error *err)
{
    pr_http *own, *http;
    pr_http_opts o;
    char errdoc[PR_STORAGE_ERRDOC_MAX + 1];
    const char *objs[2];
    char *token = NULL;
    size_t start = out->len, i, nobj, n;
    long status = 0;
    int renewed = 0;
    pr_code rc = PR_OK;

    pr_storage_http_opts(&o, ctx->cfg);
    rc = pr_storage_http(ctx, &http, &own, err);
    if (rc != PR_OK)
        return rc;
    if (r->have_key)
        rc = pr_gcs_token(&token, http, &o, &r->key, PR_GCS_SCOPE_READ,
                          r->key_from, err);
    objs[0] = r->object;
    objs[1] = r->object_alt;
    nobj = r->object_alt != NULL ? 2 : 1;
    for (i = 0; i < nobj && rc == PR_OK; i++) {
        out->len = start;
        rc = get_once(http, &o, r, objs[i], token, out, &status, err);
        if (rc != PR_OK)
            break;
        if (status >= 200 && status < 300) {
            if (wn > 0)
                gs_name(where, wn, r, objs[i]);
            break;
        }
        /* Keep the error document, give the buffer back. */
        n = pr_storage_take_errdoc(errdoc, out, start);
        if (status == 401 && token != NULL && !renewed) {
            /* A cached token the server no longer takes: one new one. */
            renewed = 1;
            pr_gcs_token_forget(&r->key, PR_GCS_SCOPE_READ);
            pr_free_secret(token);
            token = NULL;
            rc = pr_gcs_token(&token, http, &o, &r->key, PR_GCS_SCOPE_READ,
                              r->key_from, err);
            i--;
            continue;
        }
        if (status == 404 && i + 1 < nobj)
            continue;
        rc = gcs_error(r, objs[i], status, errdoc, n, err);
        break;
    }
    pr_free_secret(token);
    if (rc == PR_ELIMIT && err != NULL) {
        char name[KEY_SHOW + NAME_SHOW + 16];

        gs_name(name, sizeof(name), r, objs[i < nobj ? i : 0]);
        pr_storage_too_large(ctx, name, r->what, err);
    }
    if (own != NULL)
        pr_http_free(own);
    return rc;
}

/* Joins the key (gcs_bucket: prefect-gcp's names, else fsspec's) and runs
 * the request for a parsed block. */
static pr_code
gcs_finish(const pr_storage_ctx *ctx, pr_buf *out, char *where, size_t wn,
           gcs_req *r, const char *key, int gcs_bucket, pr_error *err)
{
    pr_code rc;

    r->object = pr_storage_object_name(r->folder, key, gcs_bucket,
                                       &r->object_alt);
    if (r->object == NULL)
        return nomem(err);
    if (r->object[0] == '\0')
        return pr_error_set(err, PR_EFORMAT, "%s: the storage key is "
                            "empty", r->what);
    rc = pick_endpoint(r, ctx->cfg, err);
    if (rc == PR_OK)
        rc = gcs_read(ctx, out, where, wn, r, err);
    return rc;
}

/* The block's fields, into r. */
typedef pr_code (*gcs_parse_fn)(gcs_req *r, const pr_config *cfg,
                                const cJSON *block, const char *block_id,
                                pr_error *err);

/* Parses the block with `parse`, then reads the key. */
static pr_code
gcs_fetch(const pr_storage_ctx *ctx, pr_buf *out, char *where, size_t wn,
          gcs_parse_fn parse, int gcs_bucket, const cJSON *block,
          const char *block_id, const char *key, pr_error *err)
{
    gcs_req r;
    pr_code rc;

    memset(&r, 0, sizeof(r));
    rc = parse(&r, ctx->cfg, block, block_id, err);
    if (rc == PR_OK)
        rc = gcs_finish(ctx, out, where, wn, &r, key, gcs_bucket, err);
    req_free(&r);
    return rc;
}

pr_code
pr_storage_gcs_bucket(const pr_storage_ctx *ctx, pr_buf *out, char *where,
                      size_t wn, const cJSON *block, const char *block_id,
                      const char *key, pr_error *err)
{
    return gcs_fetch(ctx, out, where, wn, parse_gcs_bucket, 1, block,
                     block_id, key, err);
}

pr_code
pr_storage_gcs_v2(const pr_storage_ctx *ctx, pr_buf *out, char *where,
                  size_t wn, const cJSON *block, const char *block_id,
                  const char *key, pr_error *err)
{
    return gcs_fetch(ctx, out, where, wn, parse_gcs_v2, 0, block, block_id,
                     key, err);
}

pr_code
pr_storage_gcs_remote(const pr_storage_ctx *ctx, pr_buf *out, char *where,
                      size_t wn, const cJSON *block, const char *block_id,
                      const char *key, pr_error *err)
{
    return gcs_fetch(ctx, out, where, wn, parse_remote_fs, 0, block,
                     block_id, key, err);
}
