/*
 * storage.h - internal: reading the bytes at a result's storage key.
 *
 * A backend per storage block type, picked by the block document's
 * block_type.slug from a small table in storage.c; a later backend
 * (s3-bucket, gcs-bucket, azure-blob-storage-container,
 * remote-file-system) adds one row and one file.  A state without a
 * block (3.x default storage) is read by the local backend.
 */
#ifndef PR_STORAGE_H
#define PR_STORAGE_H

#include <cJSON.h>

#include "pr.h"
#include "config.h"
#include "http.h"

typedef struct pr_storage_ctx {
    const pr_config *cfg;   /* local storage path, remaps, retries */
    pr_http *http;          /* for remote backends; may be NULL */
    int (*cancel)(void *arg);
    void *cancel_arg;
    /* The host's veto on local files (pr_client_set_file_check). */
    int (*file_check)(const char *path, void *arg);
    void *file_check_arg;
    size_t max_input;       /* largest file accepted, checked first */
    int retry_missing;      /* task results: wait for a late file */
} pr_storage_ctx;

/*
 * A backend reads `key` through the block document `block` (the whole
 * document: "data", "block_type", "name"; secrets included), appends
 * the bytes to out and writes where they came from (redacted) to
 * where[0..wn).  Errors name the block and key: PR_ENOTFOUND (missing
 * object), PR_EINVAL (a key that leaves the block's storage), PR_EIO,
 * PR_ELIMIT (larger than max_input), PR_ECANCELED, network errors.
 */
typedef pr_code (*pr_storage_fetch_fn)(const pr_storage_ctx *ctx,
                                       pr_buf *out, char *where, size_t wn,
                                       const cJSON *block,
                                       const char *block_id,
                                       const char *key, pr_error *err);

typedef struct pr_storage_backend {
    const char *slug;
    pr_storage_fetch_fn fetch;
} pr_storage_backend;

/*
 * pr_storage_fetch - the bytes for a key.  block_json (len bytes) is
 * the block document, or NULL for a state without a storage block (the
 * key is then a local path: see pr_storage_local_path).  PR_EUNSUPPORTED
 * for a block type without a backend, PR_EFORMAT for a block document
 * that is not one.
 */
/* Helpers the backends share: a NUL-terminated copy of s[0..n) or of s
 * (NULL-safe; NULL when memory runs out), and a non-empty string member
 * of a block's JSON, or NULL. */
char *pr_strndup(const char *s, size_t n);
char *pr_strdup(const char *s);
const char *pr_jstr(const cJSON *o, const char *name);

pr_code pr_storage_fetch(const pr_storage_ctx *ctx, pr_buf *out,
                         char *where, size_t wn, const char *block_json,
                         size_t len, const char *block_id, const char *key,
                         pr_error *err);

/* local-file-system blocks: expanduser(basepath)/key, kept inside. */
pr_code pr_storage_local_block(const pr_storage_ctx *ctx, pr_buf *out,
                               char *where, size_t wn, const cJSON *block,
                               const char *block_id, const char *key,
                               pr_error *err);

/*
 * No block (3.x default storage): an absolute key is opened as it is;
 * if it is not there, under each matching remap prefix, then its base
 * name under the local storage path.  A relative key is read under the
 * local storage path and must stay inside it.
 */
pr_code pr_storage_local_path(const pr_storage_ctx *ctx, pr_buf *out,
                              char *where, size_t wn, const char *key,
                              pr_error *err);

/*
 * More the cloud backends (S3, GCS, Azure) share.
 *
 * pr_storage_show: printable ASCII of server or block data for a
 * message, at most max characters of s, '?' for the others, "..." when
 * cut short; s NULL gives "".
 *
 * pr_storage_xml_field: the text of <tag> in an XML error document (S3,
 * Azure), printable and shortened to fit dst, or "" (doc may be NULL).
 *
 * pr_storage_what: the block, for messages: "KIND block 'NAME'" when it
 * has a name, else "KIND block ID".
 *
 * pr_storage_ref_name: the name of the child block `field` references
 * (block_document_references), else NULL; with slug, its block type
 * slug in *slug (or NULL).
 */
void pr_storage_show(char *dst, size_t n, const char *s, size_t max);
void pr_storage_xml_field(char *dst, size_t n, const char *doc,
                          const char *tag);
void pr_storage_what(char *dst, size_t n, const char *kind,
                     const char *name, const char *id);
const char *pr_storage_ref_name(const cJSON *block, const char *field,
                                const char **slug);

/*
 * The object name for `key` under a block's folder, a pr_malloc'd
 * string or NULL when out of memory.  bucket (s3-bucket and gcs-bucket
 * blocks): pr_s3_join's name as of prefect-aws/prefect-gcp 3.8.3, and in
 * *alt the older one when it differs (else NULL).  Otherwise (fsspec:
 * remote-file-system and the 2.x blocks):
 * basepath.rstrip('/') + '/' + key.lstrip('/'); alt may then be NULL.
 */
char *pr_storage_object_name(const char *folder, const char *key,
                             int bucket, char **alt);

/* "bucket/folder" (after the URL's scheme; leading '/'s skipped) into
 * *bucket and *folder (NULL when empty), pr_malloc'd; -1 when out of
 * memory, else 0. */
int pr_storage_split_bucket(const char *p, char **bucket, char **folder);

/* Transfer settings from cfg (PR_HTTP_OPTS_INIT when cfg is NULL). */
void pr_storage_http_opts(pr_http_opts *o, const pr_config *cfg);

/* The HTTP handle for a read: ctx->http, else a new one in *own (the
 * caller frees it) that honours ctx's cancel callback. */
pr_code pr_storage_http(const pr_storage_ctx *ctx, pr_http **http,
                        pr_http **own, pr_error *err);

/*
 * A reply that is not the object (HTTP status not 2xx) was appended to
 * out from `start`: keeps at most PR_STORAGE_ERRDOC_MAX bytes of it in
 * doc (PR_STORAGE_ERRDOC_MAX + 1 bytes), NUL-terminated, gives the bytes
 * back (out->len = start) and returns the length kept.
 */
#define PR_STORAGE_ERRDOC_MAX 4096
size_t pr_storage_take_errdoc(char *doc, pr_buf *out, size_t start);

/* Rewrites a read's PR_ELIMIT as "NAME is larger than N bytes
 * (max_input), in WHAT"; returns PR_ELIMIT. */
pr_code pr_storage_too_large(const pr_storage_ctx *ctx, const char *name,
                             const char *what, pr_error *err);

/*
 * S3 (storage_s3.c): s3-bucket blocks (prefect-aws, with aws- or
 * minio-credentials, legacy fields too), the 2.x `s3` block, and
 * remote-file-system blocks whose basepath is s3:// (or s3a://).
 */
pr_code pr_storage_s3_bucket(const pr_storage_ctx *ctx, pr_buf *out,
                             char *where, size_t wn, const cJSON *block,
                             const char *block_id, const char *key,
                             pr_error *err);
pr_code pr_storage_s3_v2(const pr_storage_ctx *ctx, pr_buf *out,
                         char *where, size_t wn, const cJSON *block,
                         const char *block_id, const char *key,
                         pr_error *err);
pr_code pr_storage_s3_remote(const pr_storage_ctx *ctx, pr_buf *out,
                             char *where, size_t wn, const cJSON *block,
                             const char *block_id, const char *key,
                             pr_error *err);

/*
 * Azure Blob (storage_azure.c): azure-blob-storage-container blocks
 * (prefect-azure), the 2.x `azure` block, and remote-file-system blocks
 * whose basepath is az://, abfs:// or abfss://.
 */
pr_code pr_storage_azure_container(const pr_storage_ctx *ctx, pr_buf *out,
                                   char *where, size_t wn,
                                   const cJSON *block, const char *block_id,
                                   const char *key, pr_error *err);
pr_code pr_storage_azure_v2(const pr_storage_ctx *ctx, pr_buf *out,
                            char *where, size_t wn, const cJSON *block,
                            const char *block_id, const char *key,
                            pr_error *err);
pr_code pr_storage_azure_remote(const pr_storage_ctx *ctx, pr_buf *out,
                                char *where, size_t wn, const cJSON *block,
                                const char *block_id, const char *key,
                                pr_error *err);

/*
 * GCS (storage_gcs.c): gcs-bucket blocks (prefect-gcp, gcp-credentials
 * with a service account key), the 2.x `gcs` block, and
 * remote-file-system blocks whose basepath is gs:// or gcs://.
 */
pr_code pr_storage_gcs_bucket(const pr_storage_ctx *ctx, pr_buf *out,
                              char *where, size_t wn, const cJSON *block,
                              const char *block_id, const char *key,
                              pr_error *err);
pr_code pr_storage_gcs_v2(const pr_storage_ctx *ctx, pr_buf *out,
                          char *where, size_t wn, const cJSON *block,
                          const char *block_id, const char *key,
                          pr_error *err);
pr_code pr_storage_gcs_remote(const pr_storage_ctx *ctx, pr_buf *out,
                              char *where, size_t wn, const cJSON *block,
                              const char *block_id, const char *key,
                              pr_error *err);

#endif /* PR_STORAGE_H */
