/*
 * storage.c - picks the storage backend for a block document by its
 * block type slug (docs/prefect-results.md section 4.4).
 *
 * The block document is untrusted and may hold credentials: it is
 * parsed here once, handed to the backend as a tree, and every string
 * in the tree is wiped before it is freed.
 */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "pr.h"
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
