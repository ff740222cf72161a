/*
 * source_sqlite.h - internal: Prefect's own SQLite database
 * ($PREFECT_HOME/prefect.db) as a pr_source_ops named "database"
 * (docs/prefect-results.md section 6), and where to find it.
 */
#ifndef PR_SOURCE_SQLITE_H
#define PR_SOURCE_SQLITE_H

#include "pr.h"
#include "pr_source.h"
#include "config.h"

/*
 * pr_sqlite_url_path - the file a SQLAlchemy SQLite URL names, as
 * Prefect's PREFECT_API_DATABASE_CONNECTION_URL /
 * PREFECT_SERVER_DATABASE_CONNECTION_URL give it:
 *   sqlite+aiosqlite:////abs/path.db   ->  /abs/path.db
 *   sqlite:///relative.db              ->  relative.db
 * A query ("?...") is dropped; a leading "${PREFECT_HOME}" or
 * "$PREFECT_HOME" in the path becomes `home`.  *out is the caller's
 * (pr_free).  PR_EUNSUPPORTED when the URL names another database
 * (postgresql+asyncpg://...) or an in-memory one; PR_EINVAL when it is
 * not a URL; PR_ENOMEM.  Messages never show the URL (it may hold a
 * password).
 */
pr_code pr_sqlite_url_path(char **out, const char *url, const char *home,
                           pr_error *err);

/*
 * pr_sqlite_locate - the prefect.db the configuration points at, in
 * this order: the "database" setting; a SQLite
 * PREFECT_*_DATABASE_CONNECTION_URL; $PREFECT_HOME/prefect.db.  The
 * first two must exist (PR_ENOTFOUND naming them).  For the default
 * path, PR_ENOTFOUND when there is no such file.  A connection URL
 * for another database gives PR_EUNSUPPORTED.  *path is the caller's.
 */
pr_code pr_sqlite_locate(char **path, const pr_config *cfg, pr_error *err);

/*
 * pr_sqlite_source - opens `path` read-only (never writing, never
 * taking a write lock; a WAL database with no -wal file is opened
 * immutable so that no -wal/-shm files are left behind) and checks
 * that it holds Prefect's tables.  ctx borrows cfg (the encryption
 * key) and owns the connection.  PR_ENOTFOUND (no such file),
 * PR_EFORMAT (not a SQLite or not a Prefect database), PR_EIO,
 * PR_ENOMEM.
 */
pr_code pr_sqlite_source(const pr_source_ops **ops, void **ctx,
                         const pr_config *cfg, const char *path,
                         pr_error *err);

/* pr_sqlite_db_url is public: see pr.h. */

/* The path the source reads, for messages (as shown: may be cut). */
const char *pr_sqlite_source_path(const void *ctx);

#endif /* PR_SOURCE_SQLITE_H */
