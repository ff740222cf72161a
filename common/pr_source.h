/*
 * pr_source.h - the interface a front end implements to supply states
 * and block documents from somewhere other than the REST API (the
 * PostgreSQL extension reads Prefect's tables through SPI).  The core
 * has two of its own: the REST API and a SQLite prefect.db.
 */
#ifndef PR_SOURCE_H
#define PR_SOURCE_H

#include "pr.h"

typedef struct pr_source_ops {
    const char *name;       /* "api", "database", "postgres" */
    /*
     * Appends the state JSON for an id (any of the four kinds, tried in
     * the order pr_client_get_state documents) to out, with its "data"
     * as the API would show it (artifact fallback applied).
     */
    pr_code (*get_state)(void *ctx, pr_buf *out, pr_id_kind *kind,
                         const char *id, pr_error *err);
    /*
     * Appends a block document as GET /block_documents/{id}
     * ?include_secrets=true returns it: "data" with secrets and nested
     * references rebuilt, "block_type": {"slug": ...}, "name".
     */
    pr_code (*get_block)(void *ctx, pr_buf *out, const char *block_id,
                         pr_error *err);
    void (*free)(void *ctx);    /* may be NULL */
} pr_source_ops;

/* Makes the client read states and blocks through ops; ctx is passed to
 * every call and freed with ops->free when the client is freed. */
void pr_client_set_source(pr_client *c, const pr_source_ops *ops,
                          void *ctx);

#endif
