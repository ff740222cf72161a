/*
 * storage.c - picks the storage backend for a block document by its
 * block type slug (docs/prefect-results.md section 4.4).
 *
 * The block document is untrusted and may hold credentials: it is
 * parsed here once, handed to the backend as a tree, and every string
 * in the tree is wiped before it is freed.
 *
 * Also the helpers the backends share (storage.h): strings, messages,
 * object names, the HTTP handle and what becomes of a failed reply.
 */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "pr.h"
#include "s3url.h"
#include "storage.h"

static pr_code remote_fs(const pr_storage_ctx *ctx, pr_buf *out,
                         char *where, size_t wn, const cJSON *block,
                         const char *block_id, const char *key,
                         pr_error *err);

static const pr_storage_backend backends[] = {
    { "local-file-system", pr_storage_local_block },
    { "s3-bucket", pr_storage_s3_bucket },
    { "s3", pr_storage_s3_v2 },
    { "remote-file-system", remote_fs },
    { "gcs-bucket", pr_storage_gcs_bucket },
    { "gcs", pr_storage_gcs_v2 },
    { "azure-blob-storage-container", pr_storage_azure_container },
    { "azure", pr_storage_azure_v2 },
};

/* remote-file-system blocks, by the scheme of their basepath (fsspec
 * protocol names, "s3" for "s3://..."). */
static const pr_storage_backend remote_schemes[] = {
    { "s3", pr_storage_s3_remote },
    { "s3a", pr_storage_s3_remote },
    { "gs", pr_storage_gcs_remote },
    { "gcs", pr_storage_gcs_remote },
    { "az", pr_storage_azure_remote },
    { "abfs", pr_storage_azure_remote },
    { "abfss", pr_storage_azure_remote },
};

#define ID_SHOW 40
#define NAME_SHOW 60

/* Wipes every string in a tree (the block may hold secrets). */
static void
wipe_json(cJSON *j, int depth)
{
    cJSON *c;

    if (j == NULL || depth > 200)
        return;
    if (j->valuestring != NULL)
        explicit_bzero(j->valuestring, strlen(j->valuestring));
    for (c = j->child; c != NULL; c = c->next)
        wipe_json(c, depth + 1);
}

static const char *
block_slug(const cJSON *doc)
{
    const cJSON *bt = cJSON_GetObjectItemCaseSensitive(doc, "block_type");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(bt, "slug");

    if (cJSON_IsString(s) && s->valuestring != NULL)
        return s->valuestring;
    s = cJSON_GetObjectItemCaseSensitive(doc, "block_type_slug");
    if (cJSON_IsString(s) && s->valuestring != NULL)
        return s->valuestring;
    return NULL;
}

static pr_code
remote_fs(const pr_storage_ctx *ctx, pr_buf *out, char *where, size_t wn,
          const cJSON *block, const char *block_id, const char *key,
          pr_error *err)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(block, "data");
    const cJSON *bp = cJSON_GetObjectItemCaseSensitive(data, "basepath");
    const char *s, *colon;
    char scheme[24];
    size_t i, n;

    if (!cJSON_IsString(bp) || bp->valuestring == NULL)
        return pr_error_set(err, PR_EFORMAT, "remote-file-system block "
                            "%.*s has no basepath", ID_SHOW, block_id);
    s = bp->valuestring;
    colon = strstr(s, "://");
    n = colon != NULL ? (size_t)(colon - s) : 0;
    for (i = 0; i < n && i + 1 < sizeof(scheme); i++)
        scheme[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    scheme[i] = '\0';
    for (i = 0; i < sizeof(remote_schemes) / sizeof(remote_schemes[0]); i++)
        if (n > 0 && strcmp(remote_schemes[i].slug, scheme) == 0)
            return remote_schemes[i].fetch(ctx, out, where, wn, block,
                                           block_id, key, err);
    pr_error_set(err, PR_EUNSUPPORTED, "remote-file-system block %.*s: "
                 "the basepath scheme '%s' is not supported yet", ID_SHOW,
                 block_id, n > 0 ? scheme : "(none)");
    return pr_error_hint(err, "supported: s3://, gs://, gcs://, az://, "
                         "abfs://, abfss://");
}

pr_code
pr_storage_fetch(const pr_storage_ctx *ctx, pr_buf *out, char *where,
                 size_t wn, const char *block_json, size_t len,
                 const char *block_id, const char *key, pr_error *err)
{
    char slug[64];
    const char *s;
    cJSON *doc;
    size_t i;
    pr_code rc;

    if (wn > 0)
        where[0] = '\0';
    if (block_json == NULL)
        return pr_storage_local_path(ctx, out, where, wn, key, err);
    doc = cJSON_ParseWithLength(block_json, len);
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return pr_error_set(err, PR_EFORMAT, "storage block %.*s: the "
                            "block document is not a JSON object", ID_SHOW,
                            block_id);
    }
    s = block_slug(doc);
    if (s == NULL) {
        wipe_json(doc, 0);
        cJSON_Delete(doc);
        return pr_error_set(err, PR_EFORMAT, "storage block %.*s: the "
                            "block document has no block_type.slug",
                            ID_SHOW, block_id);
    }
    for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
        if (strcmp(backends[i].slug, s) == 0)
            break;
    if (i == sizeof(backends) / sizeof(backends[0])) {
        /* The slug is server data: show printable ASCII only. */
        size_t o = 0, k;

        for (k = 0; s[k] != '\0' && o + 1 < sizeof(slug); k++)
            slug[o++] = (s[k] >= 0x20 && s[k] < 0x7f) ? s[k] : '?';
        slug[o] = '\0';
        wipe_json(doc, 0);
        cJSON_Delete(doc);
        pr_error_set(err, PR_EUNSUPPORTED, "storage block type '%s' is not "
                     "supported yet (storage block %.*s)", slug, ID_SHOW,
                     block_id);
        return pr_error_hint(err, "supported: local-file-system, "
                             "s3-bucket, gcs-bucket, "
                             "azure-blob-storage-container, the 2.x s3, "
                             "gcs and azure blocks, remote-file-system");
    }
    rc = backends[i].fetch(ctx, out, where, wn, doc, block_id, key, err);
    wipe_json(doc, 0);
    cJSON_Delete(doc);
    return rc;
}

char *
pr_strndup(const char *s, size_t n)
{
    char *d = pr_malloc(n + 1);

    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *
pr_strdup(const char *s)
{
    return s != NULL ? pr_strndup(s, strlen(s)) : NULL;
}

const char *
pr_jstr(const cJSON *o, const char *name)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, name);

    if (cJSON_IsString(j) && j->valuestring != NULL &&
        j->valuestring[0] != '\0')
        return j->valuestring;
    return NULL;
}

/* ------------------------------------ shared by the cloud backends */

void
pr_storage_show(char *dst, size_t n, const char *s, size_t max)
{
    size_t o = 0, i;

    for (i = 0; s != NULL && s[i] != '\0' && o + 1 < n && i < max; i++)
        dst[o++] = ((unsigned char)s[i] >= 0x20 &&
                    (unsigned char)s[i] < 0x7f) ? s[i] : '?';
    if (s != NULL && s[i] != '\0' && o + 4 < n) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
}

void
pr_storage_xml_field(char *dst, size_t n, const char *doc, const char *tag)
{
    char open[48];
    const char *p, *e;
    size_t len, i;

    dst[0] = '\0';
    if (doc == NULL)
        return;
    snprintf(open, sizeof(open), "<%s>", tag);
    p = strstr(doc, open);
    if (p == NULL)
        return;
    p += strlen(open);
    e = strchr(p, '<');
    if (e == NULL)
        return;
    len = (size_t)(e - p);
    if (len > n - 1)
        len = n - 1;
    for (i = 0; i < len; i++)
        dst[i] = ((unsigned char)p[i] >= 0x20 &&
                  (unsigned char)p[i] < 0x7f) ? p[i] : '?';
    dst[len] = '\0';
}

void
pr_storage_what(char *dst, size_t n, const char *kind, const char *name,
                const char *id)
{
    char shown[NAME_SHOW + 4];

    if (name != NULL) {
        pr_storage_show(shown, sizeof(shown), name, NAME_SHOW);
        snprintf(dst, n, "%s block '%s'", kind, shown);
    } else {
        snprintf(dst, n, "%s block %.*s", kind, ID_SHOW,
                 id != NULL ? id : "?");
    }
}

const char *
pr_storage_ref_name(const cJSON *block, const char *field,
                    const char **slug)
{
    const cJSON *refs = cJSON_GetObjectItemCaseSensitive(block,
                            "block_document_references");
    const cJSON *bd = cJSON_GetObjectItemCaseSensitive(
                          cJSON_GetObjectItemCaseSensitive(refs, field),
                          "block_document");

    if (slug != NULL)
        *slug = pr_jstr(cJSON_GetObjectItemCaseSensitive(bd, "block_type"),
                        "slug");
    return pr_jstr(bd, "name");
}

char *
pr_storage_object_name(const char *folder, const char *key, int bucket,
                       char **alt)
{
    const char *k = key;
    size_t fl = folder != NULL ? strlen(folder) : 0, kl;
    char *d;

    if (alt != NULL)
        *alt = NULL;
    if (bucket) {
        /* 3.8.3's name first, then the older one. */
        d = pr_s3_join(folder, key, 1);
        if (d == NULL || folder == NULL)
            return d;
        *alt = pr_s3_join(folder, key, 0);
        if (*alt == NULL) {
            pr_free(d);
            return NULL;
        }
        if (strcmp(*alt, d) == 0) {
            pr_free(*alt);
            *alt = NULL;
        }
        return d;
    }
    /* fsspec: basepath.rstrip('/') + '/' + key.lstrip('/'). */
    while (*k == '/')
        k++;
    while (fl > 0 && folder[fl - 1] == '/')
        fl--;
    kl = strlen(k);
    d = pr_malloc(fl + kl + 2);
    if (d == NULL)
        return NULL;
    if (fl > 0) {
        memcpy(d, folder, fl);
        d[fl] = '/';
        memcpy(d + fl + 1, k, kl + 1);
    } else {
        memcpy(d, k, kl + 1);
    }
    return d;
}

int
pr_storage_split_bucket(const char *p, char **bucket, char **folder)
{
    const char *slash;

    while (*p == '/')
        p++;
    slash = strchr(p, '/');
    *bucket = pr_strndup(p, slash != NULL ? (size_t)(slash - p) : strlen(p));
    if (*bucket == NULL)
        return -1;
    if (slash != NULL && slash[1] != '\0' &&
        (*folder = pr_strdup(slash + 1)) == NULL)
        return -1;
    return 0;
}

void
pr_storage_http_opts(pr_http_opts *o, const pr_config *cfg)
{
    pr_http_opts d = PR_HTTP_OPTS_INIT;

    *o = d;
    if (cfg == NULL)
        return;
    o->timeout_ms = cfg->timeout_ms;
    o->connect_timeout_ms = cfg->connect_timeout_ms;
    o->retries = cfg->retries;
    o->retry_base_ms = cfg->retry_base_ms;
    o->retry_max_wait_ms = cfg->retry_max_wait_ms;
    o->ca_file = cfg->ca_file;
    o->insecure = cfg->insecure;
}

pr_code
pr_storage_http(const pr_storage_ctx *ctx, pr_http **http, pr_http **own,
                pr_error *err)
{
    pr_code rc;

    *own = NULL;
    *http = ctx->http;
    if (*http != NULL)
        return PR_OK;
    rc = pr_http_new(own, err);
    if (rc != PR_OK)
        return rc;
    pr_http_set_cancel(*own, ctx->cancel, ctx->cancel_arg);
    *http = *own;
    return PR_OK;
}

size_t
pr_storage_take_errdoc(char *doc, pr_buf *out, size_t start)
{
    size_t n = out->len - start;

    if (n > PR_STORAGE_ERRDOC_MAX)
        n = PR_STORAGE_ERRDOC_MAX;
    memcpy(doc, out->data != NULL ? out->data + start : "", n);
    doc[n] = '\0';
    out->len = start;
    if (out->data != NULL)
        out->data[start] = '\0';
    return n;
}

pr_code
pr_storage_too_large(const pr_storage_ctx *ctx, const char *name,
                     const char *what, pr_error *err)
{
    return pr_error_set(err, PR_ELIMIT, "%s is larger than %zu bytes "
                        "(max_input), in %s", name, ctx->max_input, what);
}
