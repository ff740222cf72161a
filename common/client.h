/*
 * client.h - internal: the pr_client behind pr.h's opaque type, shared
 * by client.c (life cycle, sources, ids), resolve.c (state to value)
 * and api.c (the REST source).
 */
#ifndef PR_CLIENT_H
#define PR_CLIENT_H

#include "pr.h"
#include "pr_source.h"
#include "config.h"
#include "http.h"

struct pr_client {
    pr_config *cfg;             /* our own copy */
    const pr_source_ops *ops;   /* NULL until first needed */
    void *ctx;
    pr_http *http;              /* created when first needed */
    int (*cancel)(void *arg);
    void *cancel_arg;
    int (*file_check)(const char *path, void *arg);
    void *file_check_arg;
};

/* A canonical id: 36 characters, lower case, and the NUL. */

/*
 * Normalizes a Prefect id (a UUID: 8-4-4-4-12 hex digits, or 32 hex
 * digits, any case) into out.  PR_EINVAL otherwise, naming it as `what`
 * ("id", "storage block id").  Ids go into URLs: nothing else passes.
 */
pr_code pr_id_normalize(char out[PR_ID_SIZE], const char *id,
                        const char *what, pr_error *err);

/* The client's HTTP layer, created on first use.  PR_ENOMEM etc. */
pr_code pr_client_http(pr_client *c, pr_http **out, pr_error *err);

/* Makes sure a source is set (the REST API when a URL is configured).
 * PR_EINVAL "no Prefect API configured" otherwise. */
pr_code pr_client_source(pr_client *c, pr_error *err);

/*
 * pr_api_source - the REST API as a pr_source_ops.  ctx borrows cfg and
 * http (the client's; they outlive the source).  PR_ENOMEM.
 */
pr_code pr_api_source(const pr_source_ops **ops, void **ctx,
                      const pr_config *cfg, pr_http *http, pr_error *err);

#endif /* PR_CLIENT_H */
