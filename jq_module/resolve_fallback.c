/*
 * resolve_fallback.c - weak stand-ins for the core's resolution API, so
 * that prefect-jq links (and its decoding functions work) while the core
 * library does not define these yet.
 *
 * The Makefile links this object AFTER libprefectresult.a: the archive
 * members that define the real functions are pulled in first, and their
 * strong definitions win over these weak ones.  Once the core defines
 * every function below, this file does nothing and can be deleted.
 */
#include <stddef.h>

#include "pr.h"

#define PENDING(err) \
    pr_error_set((err), PR_EUNSUPPORTED, "state resolution is not in " \
                 "this build of libprefectresult")

__attribute__((weak)) pr_code
pr_config_load(pr_config **out, pr_getenv_fn getenv_fn, void *arg,
               pr_error *err)
{
    (void)out;
    (void)getenv_fn;
    (void)arg;
    return PENDING(err);
}

__attribute__((weak)) void
pr_config_free(pr_config *c)
{
    (void)c;
}

__attribute__((weak)) pr_code
pr_client_new(pr_client **out, const pr_config *cfg, pr_error *err)
{
    (void)out;
    (void)cfg;
    return PENDING(err);
}

__attribute__((weak)) void
pr_client_free(pr_client *c)
{
    (void)c;
}

__attribute__((weak)) pr_code
pr_client_get_state(pr_client *c, pr_buf *out, pr_id_kind *kind,
                    const char *id, pr_error *err)
{
    (void)c;
    (void)out;
    (void)kind;
    (void)id;
    return PENDING(err);
}

__attribute__((weak)) pr_code
pr_client_resolve(pr_client *c, pr_buf *out, pr_result_info *info,
                  const char *json, size_t len, const pr_decode_opts *opts,
                  pr_error *err)
{
    (void)c;
    (void)out;
    (void)info;
    (void)json;
    (void)len;
    (void)opts;
    return PENDING(err);
}

__attribute__((weak)) pr_code
pr_client_result(pr_client *c, pr_buf *out, pr_result_info *info,
                 const char *id, const pr_decode_opts *opts, pr_error *err)
{
    (void)c;
    (void)out;
    (void)info;
    (void)id;
    (void)opts;
    return PENDING(err);
}
