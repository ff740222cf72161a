/*
 * pr_pg.h - internal to the PostgreSQL extension: settings (pg_guc.c),
 * the SPI source over Prefect's own tables (pg_source.c) and the SQL
 * glue (prefect_result.c).  Only SQL functions are exported.
 *
 * Memory rule: the core allocates with malloc (pr_malloc) and never
 * longjmps; PostgreSQL code pallocs and may ereport.  So core objects
 * are freed before any ereport, and PostgreSQL errors raised while the
 * core is on the stack (SPI in a source callback) are caught in a
 * subtransaction, kept, and re-thrown by the glue once the core has
 * returned.
 */
#ifndef PR_PG_H
#define PR_PG_H

#include "postgres.h"

#include <string.h>

#include "mb/pg_wchar.h"
#include "utils/elog.h"

#include "pr.h"
#include "pr_source.h"

/* Only the SQL functions are exported from the module. */
#pragma GCC visibility push(hidden)

/* Text for the core, which reads UTF-8 (palloc'd unless already so). */
static inline char *
prpg_utf8(const char *s)
{
    if (GetDatabaseEncoding() == PG_UTF8 || s == NULL)
        return (char *) s;
    return pg_server_to_any(s, (int) strlen(s), PG_UTF8);
}

/* ---- settings (pg_guc.c) ------------------------------------------ */

typedef enum prpg_source_mode {
    PRPG_SOURCE_AUTO = 0,
    PRPG_SOURCE_API,
    PRPG_SOURCE_DATABASE
} prpg_source_mode;

extern char *prpg_api_url;
extern char *prpg_schema;
extern int prpg_source;         /* prpg_source_mode */
extern bool prpg_typed;
extern int prpg_timeout_ms;
extern int prpg_parallel;
extern int prpg_connect_timeout_ms;

/* Set by every assign hook: the backend's client must be rebuilt. */
extern bool prpg_settings_changed;

void prpg_define_gucs(void);

/* Decode options from the settings; `typed` as the caller resolved it. */
void prpg_decode_opts(pr_decode_opts *o, bool typed);

/*
 * The getenv callback given to pr_config_load: a PREFECT_* name that
 * has a GUC reads the GUC when it is set (non-empty), else the server
 * process's environment, so unset GUCs fall back exactly as the CLI
 * tools do.  Returns a pointer valid until the settings change.
 */
const char *prpg_getenv(const char *name, void *arg);

/* The configured API URL (GUC or environment) without userinfo, query
 * or fragment, palloc'd; NULL when none is set. */
char *prpg_api_url_redacted(void);

/* The path_remap GUC split into "FROM=TO" items (palloc'd List of
 * char *).  Raises 22023 for an item without '='. */
List *prpg_remap_items(void);

/* ---- the SPI source (pg_source.c) ----------------------------------- */

/* True when `schema` exists and holds Prefect's state tables. */
bool prpg_schema_has_prefect(const char *schema);

/* The context of prpg_source_ops: which schema to read. */
typedef struct prpg_src_ctx {
    char schema[NAMEDATALEN];
} prpg_src_ctx;

/* The source ops over the tables of one schema, for the core
 * (pr_client_set_source) and for the glue's direct calls with a
 * prpg_src_ctx on the stack. */
extern const pr_source_ops prpg_source_ops;
/* A malloc'd context for the core to keep (ops->free releases it). */
prpg_src_ctx *prpg_source_ctx_new(const char *schema);

/*
 * A PostgreSQL error caught inside a source callback (permission denied,
 * query cancel, bad UUID syntax ...).  The callback returns a pr_code
 * and keeps the error here; the glue re-throws it (it is more precise
 * than the code) once the core has returned.
 */
void prpg_pending_clear(void);
bool prpg_pending_exists(void);
/* Re-throws the kept error, if any. */
void prpg_pending_rethrow(void);
/* Takes the kept error (the caller owns it), or NULL. */
ErrorData *prpg_pending_take(void);

/* Names of pr_id_kind values, for messages and prefect_state. */
const char *prpg_kind_name(pr_id_kind kind);

#pragma GCC visibility pop

#endif /* PR_PG_H */
