/*
 * test_source_sqlite.c - the "database" source: states and blocks read
 * from a Prefect SQLite database, and the client's choice of source.
 *
 * Part 1 builds a prefect.db with tests/unit/gen_prefect_db.py (Prefect's
 * table shapes, rows written as Prefect writes them, Fernet-encrypted
 * blocks; needs /usr/bin/python3 with python3-cryptography, else SKIP)
 * in a temporary directory.  Part 2 resolves every SQLite case of the
 * shared corpora through the real prefect.db files Prefect 2.20.25 and
 * 3.4.1 wrote, and compares with truth.json as test_corpus_resolve.c
 * does (absent corpora: SKIP).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "unit.h"
#include "pr.h"
#include "client.h"
#include "config.h"
#include "source_sqlite.h"

#define ID(n) "00000000-0000-4000-8000-000000000" #n
#define OTHER_KEY "b3RoZXIta2V5LW9mLTMyLWJ5dGVzLWZvci10ZXN0aW4="

static char tmp[PATH_MAX];          /* generated database directory */
static char dbpath[PATH_MAX];
static int n_skipped;

/* dst = a + b + c, cut to n bytes. */
static void
cat3(char *dst, size_t n, const char *a, const char *b, const char *c)
{
    const char *parts[3];
    size_t o = 0, i, k;

    parts[0] = a;
    parts[1] = b;
    parts[2] = c;
    for (i = 0; i < 3; i++)
        for (k = 0; parts[i][k] != '\0' && o + 1 < n; k++)
            dst[o++] = parts[i][k];
    dst[o] = '\0';
}

static const char *env_home;        /* PREFECT_HOME for the next load */
static const char *env_url;         /* PREFECT_API_URL */
static const char *env_db_url;      /* PREFECT_API_DATABASE_CONNECTION_URL */

static const char *
test_env(const char *name, void *arg)
{
    (void)arg;
    if (strcmp(name, "HOME") == 0)
        return "/nonexistent/sqlite-home";
    if (strcmp(name, "PREFECT_HOME") == 0)
        return env_home;
    if (strcmp(name, "PREFECT_API_URL") == 0)
        return env_url;
    if (strcmp(name, "PREFECT_API_DATABASE_CONNECTION_URL") == 0)
        return env_db_url;
    return NULL;
}

/* A client reading PREFECT_HOME=home; extra "key", "value" pairs. */
static pr_client *
client(const char *home, const char *k1, const char *v1)
{
    pr_config *cfg = NULL;
    pr_client *c = NULL;
    pr_error err;

    env_home = home;
    CHECK(pr_config_load(&cfg, test_env, NULL, &err) == PR_OK);
    if (cfg == NULL)
        return NULL;
    if (k1 != NULL)
        CHECK(pr_config_set(cfg, k1, v1, &err) == PR_OK);
    CHECK(pr_client_new(&c, cfg, &err) == PR_OK);
    pr_config_free(cfg);
    env_home = NULL;
    return c;
}

/* The value of id through the database, as JSON text (caller frees). */
static char *
result(pr_client *c, const char *id, pr_result_info *info, pr_code *rc,
       pr_error *err)
{
    pr_buf out;

    pr_buf_init(&out, 0);
    *rc = pr_client_result(c, &out, info, id, NULL, err);
    if (*rc != PR_OK) {
        pr_buf_dispose(&out);
        return NULL;
    }
    return pr_buf_detach(&out, NULL);
}

static int
json_equal(const char *got, const char *want)
{
    cJSON *a = cJSON_Parse(got), *b = cJSON_Parse(want);
    int eq = a != NULL && b != NULL && cJSON_Compare(a, b, 1);

    if (!eq)
        fprintf(stderr, "  got:  %s\n  want: %s\n", got ? got : "(null)",
                want);
    cJSON_Delete(a);
    cJSON_Delete(b);
    return eq;
}

static int
exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

/* ------------------------------------------------------------ states */

TEST(state_json_as_the_api_shows_it)
{
    pr_client *c = client(tmp, NULL, NULL);
    pr_id_kind kind = PR_ID_UNKNOWN;
    pr_error err;
    pr_buf out;
    cJSON *j;

    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, ID(202), &err), PR_OK);
    CHECK_EQ_INT(kind, PR_ID_FLOW_RUN_STATE);
    j = cJSON_Parse(out.data);
    CHECK(j != NULL);
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "id")), ID(202));
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "type")),
                 "COMPLETED");
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "timestamp")),
                 "2026-11-29T04:26:45.000020+00:00");
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "message")));
    CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"),
                              "storage_key") != NULL);
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(
        cJSON_GetObjectItem(j, "state_details"), "flow_run_id")), ID(101));
    cJSON_Delete(j);

    /* The run's current state, by the run's id. */
    out.len = 0;
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, ID(101), &err), PR_OK);
    CHECK_EQ_INT(kind, PR_ID_FLOW_RUN);
    CHECK(strstr(out.data, "\"id\":\"" ID(202) "\"") != NULL);
    out.len = 0;
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, ID(109), &err), PR_OK);
    CHECK_EQ_INT(kind, PR_ID_TASK_RUN);
    out.len = 0;
    CHECK_EQ_INT(pr_client_get_state(c, &out, &kind, ID(20a), &err), PR_OK);
    CHECK_EQ_INT(kind, PR_ID_TASK_RUN_STATE);
    pr_buf_dispose(&out);
    pr_client_free(c);
}

TEST(results_of_every_kind)
{
    pr_client *c = client(tmp, NULL, NULL);
    pr_result_info info;
    pr_error err;
    pr_code rc;
    char *v;

    /* 3.x flow: metadata in the artifact, raw JSON file. */
    v = result(c, ID(202), &info, &rc, &err);
    CHECK_EQ_INT(rc, PR_OK);
    CHECK(json_equal(v, "{\"rows\":[1,2,3],\"name\":\"sample\"}"));
    CHECK_EQ_STR(info.source, "file");
    pr_free(v);
    /* 2.x flow: a reference through an encrypted block. */
    v = result(c, ID(203), &info, &rc, &err);
    CHECK_EQ_INT(rc, PR_OK);
    CHECK(json_equal(v, "[1,\"two\",3.5]"));
    pr_free(v);
    /* 3.x task: metadata inline in the state, a record file; by run id. */
    v = result(c, ID(109), &info, &rc, &err);
    CHECK_EQ_INT(rc, PR_OK);
    CHECK(json_equal(v, "[1,2,3]"));
    pr_free(v);
    /* An inline value keeps its digits; source "database". */
    v = result(c, ID(208), &info, &rc, &err);
    CHECK_EQ_INT(rc, PR_OK);
    CHECK(v != NULL && strstr(v, "1000000000000000000000000000000") != NULL);
    CHECK_EQ_STR(info.source, "database");
    CHECK(strstr(info.location, "prefect.db") != NULL);
    pr_free(v);
    /* Failed: the pickled exception, and the message. */
    v = result(c, ID(209), &info, &rc, &err);
    CHECK_EQ_INT(rc, PR_OK);
    CHECK(info.failed);
    CHECK(v != NULL && strstr(v, "ValueError") != NULL);
    CHECK(strstr(info.message, "boom") != NULL);
    pr_free(v);
    pr_client_free(c);
}

TEST(migrated_rows_and_falsy_inline_data)
{
    pr_client *c = client(tmp, NULL, NULL);
    pr_result_info info;
    pr_error err;
    pr_buf out;
    pr_code rc;
    char *v;

    pr_buf_init(&out, 0);
    CHECK_EQ_INT(pr_client_get_state(c, &out, NULL, ID(204), &err), PR_OK);
    CHECK(strstr(out.data, "artifact_") == NULL);
    CHECK(strstr(out.data, "\"storage_key\"") != NULL);
    pr_buf_dispose(&out);
    v = result(c, ID(204), &info, &rc, &err);
    CHECK_EQ_INT(rc, PR_OK);
    CHECK(json_equal(v, "[1,\"two\",3.5]"));
    pr_free(v);
    v = result(c, ID(205), &info, &rc, &err);
    CHECK_EQ_INT(rc, PR_OK);
    CHECK(json_equal(v, "true"));
    pr_free(v);
    /* Inline 0 is falsy: the artifact's literal false wins. */
    v = result(c, ID(206), &info, &rc, &err);
    CHECK_EQ_INT(rc, PR_OK);
    CHECK(json_equal(v, "false"));
    CHECK_EQ_INT(info.has_value, 1);
    pr_free(v);
    /* Inline {} and no artifact: no result. */
    v = result(c, ID(207), &info, &rc, &err);
    CHECK_EQ_INT(rc, PR_OK);
    CHECK(json_equal(v, "null"));
    CHECK_EQ_INT(info.has_value, 0);
    pr_free(v);
    pr_client_free(c);
}

TEST(missing_ids_and_runs_without_state)
{
    pr_client *c = client(tmp, NULL, NULL);
    pr_result_info info;
    pr_error err;
    pr_code rc;

    CHECK(result(c, ID(10a), &info, &rc, &err) == NULL);
    CHECK_EQ_INT(rc, PR_ENOTFOUND);
    CHECK(strstr(err.msg, "has no state yet") != NULL);
    CHECK(result(c, ID(eee), &info, &rc, &err) == NULL);
    CHECK_EQ_INT(rc, PR_ENOTFOUND);
    CHECK(strstr(err.msg, "in the database") != NULL);
    CHECK(strstr(err.msg, "prefect.db") != NULL);
    pr_client_free(c);
}

/* ------------------------------------------------------------ blocks */

static pr_code
get_block(const char *id, const char *key, pr_buf *out, pr_error *err,
          const char *path)
{
    const pr_source_ops *ops;
    pr_config *cfg = NULL;
    void *ctx;
    pr_code rc;

    env_home = tmp;
    rc = pr_config_load(&cfg, test_env, NULL, err);
    env_home = NULL;
    if (rc == PR_OK && key != NULL)
        rc = pr_config_set(cfg, "encryption_key", key, err);
    if (rc == PR_OK)
        rc = pr_sqlite_source(&ops, &ctx, cfg, path, err);
    if (rc == PR_OK) {
        rc = ops->get_block(ctx, out, id, err);
        ops->free(ctx);
    }
    pr_config_free(cfg);
    return rc;
}

TEST(blocks_decrypted_and_references_inlined)
{
    pr_error err;
    pr_buf out;
    cJSON *j, *d, *r;

    pr_buf_init(&out, 0);
    CHECK_EQ_INT(get_block(ID(701), NULL, &out, &err, dbpath), PR_OK);
    j = cJSON_Parse(out.data);
    CHECK(j != NULL);
    d = cJSON_GetObjectItem(j, "data");
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(d, "bucket_name")),
                 "bkt");
    d = cJSON_GetObjectItem(d, "credentials");
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(
        d, "aws_secret_access_key")), "s3cr3t");
    CHECK(cJSON_IsObject(cJSON_GetObjectItem(d, "inner")));
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(
        cJSON_GetObjectItem(j, "block_type"), "slug")), "s3-bucket");
    r = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
        "block_document_references"), "credentials"), "block_document");
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(r, "id")),
                 ID(702));
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(
        cJSON_GetObjectItem(r, "block_type"), "slug")), "aws-credentials");
    CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(r,
        "block_document_references"), "inner") != NULL);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(j, "is_anonymous")));
    cJSON_Delete(j);
    pr_buf_dispose(&out);
}

TEST(block_errors)
{
    char dir2[PATH_MAX], cmd[4 * PATH_MAX], db2[PATH_MAX];
    sqlite3 *db = NULL;
    pr_error err;
    pr_buf out;

    pr_buf_init(&out, 0);
    /* A token altered after it was written: the HMAC check says so. */
    CHECK_EQ_INT(get_block(ID(704), NULL, &out, &err, dbpath), PR_EAUTH);
    CHECK(strstr(err.msg, "signature") != NULL);
    CHECK(strstr(err.hint, "HMAC") != NULL);
    CHECK(strstr(err.msg, "prefect.db") != NULL);
    /* A wrong key (a valid one) fails the same check. */
    CHECK_EQ_INT(get_block(ID(700), OTHER_KEY, &out, &err, dbpath),
                 PR_EAUTH);
    CHECK(strstr(err.hint, "PREFECT_SERVER_ENCRYPTION_KEY") != NULL);
    /* Not a key at all. */
    CHECK_EQ_INT(get_block(ID(700), "short", &out, &err, dbpath),
                 PR_EINVAL);
    /* Self-reference: bounded. */
    CHECK_EQ_INT(get_block(ID(705), NULL, &out, &err, dbpath), PR_ELIMIT);
    CHECK(strstr(err.msg, "50") != NULL);
    CHECK_EQ_INT(get_block(ID(7ff), NULL, &out, &err, dbpath), PR_ENOTFOUND);
    CHECK_EQ_INT(out.len, 0);

    /* No key anywhere: a copy without the configuration row. */
    cat3(dir2, sizeof(dir2), tmp, "/nokey", "");
    cat3(db2, sizeof(db2), dir2, "/prefect.db", "");
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp '%s' '%s'", dir2, dbpath,
             db2);
    CHECK(system(cmd) == 0);
    CHECK(sqlite3_open(db2, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "DELETE FROM configuration", NULL, NULL, NULL) ==
          SQLITE_OK);
    sqlite3_close(db);
    CHECK_EQ_INT(get_block(ID(700), NULL, &out, &err, db2), PR_ENOTFOUND);
    CHECK(strstr(err.msg, "no encryption key") != NULL);
    CHECK(strstr(err.hint, "PREFECT_SERVER_ENCRYPTION_KEY") != NULL);
    pr_buf_dispose(&out);
}

/* ------------------------------------------------- a running Prefect */

static void
read_while_writing(const char *path, const char *journal)
{
    char q[128];
    sqlite3 *w = NULL;
    pr_client *c;
    pr_result_info info;
    pr_error err;
    pr_code rc;
    char *v;
    char home[PATH_MAX];

    CHECK(sqlite3_open(path, &w) == SQLITE_OK);
    snprintf(q, sizeof(q), "PRAGMA journal_mode=%s", journal);
    CHECK(sqlite3_exec(w, q, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(w, "BEGIN IMMEDIATE; INSERT INTO flow_run (id, "
                       "created, updated, name, flow_id) VALUES ('x', '', "
                       "'', 'w', 'f')", NULL, NULL, NULL) == SQLITE_OK);
    snprintf(home, sizeof(home), "%s", path);
    *strrchr(home, '/') = '\0';
    c = client(home, NULL, NULL);
    v = result(c, ID(203), &info, &rc, &err);
    CHECK_EQ_INT(rc, PR_OK);
    if (rc != PR_OK)
        fprintf(stderr, "  %s: %s\n", journal, err.msg);
    CHECK(json_equal(v, "[1,\"two\",3.5]"));
    pr_free(v);
    pr_client_free(c);
    CHECK(sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(w);
}

TEST(reads_while_prefect_writes)
{
    char dir2[PATH_MAX], db2[PATH_MAX], cmd[4 * PATH_MAX], shm[PATH_MAX];
    pr_client *c;
    pr_result_info info;
    pr_error err;
    pr_code rc;

    /* No writer: nothing is created next to the database. */
    cat3(shm, sizeof(shm), dbpath, "-shm", "");
    c = client(tmp, NULL, NULL);
    pr_free(result(c, ID(202), &info, &rc, &err));
    CHECK_EQ_INT(rc, PR_OK);
    CHECK(!exists(shm));
    pr_client_free(c);

    cat3(dir2, sizeof(dir2), tmp, "/busy", "");
    cat3(db2, sizeof(db2), dir2, "/prefect.db", "");
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp '%s' '%s'", dir2, dbpath,
             db2);
    CHECK(system(cmd) == 0);
    read_while_writing(db2, "WAL");
    read_while_writing(db2, "DELETE");
}

/* -------------------------------------------------------- selection */

TEST(source_selection)
{
    char url[2 * PATH_MAX], *p = NULL;
    pr_client *c;
    pr_error err;
    pr_buf out;

    pr_buf_init(&out, 0);
    /* PREFECT_HOME with a prefect.db, no URL: the database. */
    c = client(tmp, NULL, NULL);
    CHECK_EQ_INT(pr_client_source(c, &err), PR_OK);
    CHECK_EQ_STR(c->ops->name, "database");
    pr_client_free(c);
    /* An API URL wins. */
    env_url = "http://127.0.0.1:9/api";
    c = client(tmp, NULL, NULL);
    CHECK_EQ_INT(pr_client_source(c, &err), PR_OK);
    CHECK_EQ_STR(c->ops->name, "api");
    pr_client_free(c);
    /* ... unless the database is forced. */
    c = client(tmp, "source", "database");
    CHECK_EQ_INT(pr_client_source(c, &err), PR_OK);
    CHECK_EQ_STR(c->ops->name, "database");
    pr_client_free(c);
    env_url = NULL;
    /* Forced API with no URL. */
    c = client(tmp, "source", "api");
    CHECK_EQ_INT(pr_client_get_state(c, &out, NULL, ID(202), &err),
                 PR_EINVAL);
    pr_client_free(c);
    /* The database setting, from any PREFECT_HOME. */
    c = client("/nonexistent/h", "database", dbpath);
    CHECK_EQ_INT(pr_client_get_state(c, &out, NULL, ID(202), &err), PR_OK);
    pr_client_free(c);
    c = client("/nonexistent/h", "database", "/nonexistent/x.db");
    CHECK_EQ_INT(pr_client_get_state(c, &out, NULL, ID(202), &err),
                 PR_ENOTFOUND);
    CHECK(strstr(err.msg, "/nonexistent/x.db") != NULL);
    pr_client_free(c);
    /* A connection URL. */
    snprintf(url, sizeof(url), "sqlite+aiosqlite:///%s", dbpath);
    env_db_url = url;
    c = client("/nonexistent/h", NULL, NULL);
    CHECK_EQ_INT(pr_client_get_state(c, &out, NULL, ID(202), &err), PR_OK);
    pr_client_free(c);
    env_db_url = "postgresql+asyncpg://u:secretpw@db/prefect";
    c = client("/nonexistent/h", NULL, NULL);
    CHECK_EQ_INT(pr_client_get_state(c, &out, NULL, ID(202), &err),
                 PR_EUNSUPPORTED);
    CHECK(strstr(err.msg, "postgresql") != NULL);
    CHECK(strstr(err.msg, "secretpw") == NULL);
    pr_client_free(c);
    env_db_url = NULL;
    /* Nothing at all: the old message. */
    c = client("/nonexistent/h", NULL, NULL);
    CHECK_EQ_INT(pr_client_get_state(c, &out, NULL, ID(202), &err),
                 PR_EINVAL);
    CHECK(strstr(err.msg, "no Prefect API configured") != NULL);
    pr_client_free(c);
    pr_buf_dispose(&out);

    CHECK_EQ_INT(pr_sqlite_url_path(&p, "sqlite+aiosqlite:////a/b.db",
                                    "/h", &err), PR_OK);
    CHECK_EQ_STR(p, "/a/b.db");
    pr_free(p);
    CHECK_EQ_INT(pr_sqlite_url_path(&p, "sqlite:///rel.db?timeout=5", "/h",
                                    &err), PR_OK);
    CHECK_EQ_STR(p, "rel.db");
    pr_free(p);
    CHECK_EQ_INT(pr_sqlite_url_path(&p, "sqlite+aiosqlite:///${PREFECT_HOME}"
                                    "/prefect.db", "/h", &err), PR_OK);
    CHECK_EQ_STR(p, "/h/prefect.db");
    pr_free(p);
    CHECK_EQ_INT(pr_sqlite_url_path(&p, "sqlite+aiosqlite://", "/h", &err),
                 PR_EUNSUPPORTED);
    CHECK_EQ_INT(pr_sqlite_url_path(&p, "sqlite:///:memory:", "/h", &err),
                 PR_OK);
    pr_free(p);
    CHECK_EQ_INT(pr_sqlite_url_path(&p, "prefect.db", "/h", &err),
                 PR_EINVAL);

    {
        char id[PR_ID_SIZE];

        CHECK_EQ_INT(pr_sqlite_db_url(&p, id, "prefect-db:" ID(202), &err),
                     PR_OK);
        CHECK(p == NULL);
        CHECK_EQ_STR(id, ID(202));
        CHECK_EQ_INT(pr_sqlite_db_url(&p, id, "prefect-db:///a/b%23c.db#"
                                      "00000000000040008000000000000202",
                                      &err), PR_OK);
        CHECK_EQ_STR(p, "/a/b#c.db");
        CHECK_EQ_STR(id, ID(202));
        pr_free(p);
        CHECK_EQ_INT(pr_sqlite_db_url(&p, id, "prefect-db:x/p.db#" ID(202),
                                      &err), PR_OK);
        CHECK_EQ_STR(p, "x/p.db");
        pr_free(p);
        CHECK_EQ_INT(pr_sqlite_db_url(&p, id, "prefect-db://host/p.db#"
                                      ID(202), &err), PR_EINVAL);
        CHECK_EQ_INT(pr_sqlite_db_url(&p, id, "prefect-db:#" ID(202), &err),
                     PR_EINVAL);
        CHECK_EQ_INT(pr_sqlite_db_url(&p, id, "prefect-db:nope", &err),
                     PR_EINVAL);
    }
}

TEST(not_a_prefect_database)
{
    char path[PATH_MAX];
    const pr_source_ops *ops;
    void *ctx;
    pr_config *cfg = NULL;
    sqlite3 *db = NULL;
    FILE *f;
    pr_error err;

    env_home = tmp;
    CHECK(pr_config_load(&cfg, test_env, NULL, &err) == PR_OK);
    env_home = NULL;
    cat3(path, sizeof(path), tmp, "/text.db", "");
    f = fopen(path, "w");
    fputs("this is not a database, but it is long enough to have a header "
          "of one hundred bytes in it, really it is\n", f);
    fclose(f);
    CHECK_EQ_INT(pr_sqlite_source(&ops, &ctx, cfg, path, &err), PR_EFORMAT);
    CHECK(strstr(err.msg, "not a SQLite database") != NULL);
    cat3(path, sizeof(path), tmp, "/other.db", "");
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL) ==
          SQLITE_OK);
    sqlite3_close(db);
    CHECK_EQ_INT(pr_sqlite_source(&ops, &ctx, cfg, path, &err), PR_EFORMAT);
    CHECK(strstr(err.msg, "no Prefect tables") != NULL);
    cat3(path, sizeof(path), tmp, "/absent.db", "");
    CHECK_EQ_INT(pr_sqlite_source(&ops, &ctx, cfg, path, &err),
                 PR_ENOTFOUND);
    pr_config_free(cfg);
}

/* ------------------------------------------------------ the corpora */

static int n_exact, n_decoded, n_expected, n_cases, n_state_same;

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)n + 1)) != NULL) {
        if (fread(p, 1, (size_t)n, f) != (size_t)n) {
            free(p);
            p = NULL;
        } else {
            p[n] = '\0';
        }
    }
    fclose(f);
    return p;
}

static cJSON *
load_json(const char *dir, const char *name)
{
    char path[PATH_MAX];
    char *t;
    cJSON *j;

    cat3(path, sizeof(path), dir, "/", name);
    t = slurp(path);
    if (t == NULL)
        return NULL;
    j = cJSON_Parse(t);
    free(t);
    return j;
}

static const char *
jstr(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/*
 * Same-value check for the plain JSON: numbers by value, NaN/inf as
 * null, sets (truth {"__set__"}) as arrays in any order.  Truth values
 * needing more mapping than that are counted as decoded.
 */
static int
plain_match(const cJSON *exp, const cJSON *got)
{
    const cJSON *e, *g;

    if (cJSON_IsNumber(exp))
        return cJSON_IsNumber(got) && exp->valuedouble == got->valuedouble;
    if (cJSON_IsArray(exp)) {
        if (!cJSON_IsArray(got) ||
            cJSON_GetArraySize(exp) != cJSON_GetArraySize(got))
            return 0;
        for (e = exp->child, g = got->child; e != NULL;
             e = e->next, g = g->next)
            if (!plain_match(e, g))
                return 0;
        return 1;
    }
    if (cJSON_IsObject(exp)) {
        if (!cJSON_IsObject(got) ||
            cJSON_GetArraySize(exp) != cJSON_GetArraySize(got))
            return 0;
        cJSON_ArrayForEach(e, exp) {
            g = cJSON_GetObjectItemCaseSensitive(got, e->string);
            if (g == NULL || !plain_match(e, g))
                return 0;
        }
        return 1;
    }
    return cJSON_Compare(exp, got, 1);
}

static void
corpus_case(const char *root, const char *db, const cJSON *row, int v3)
{
    const char *name = jstr(row, "case");
    char dir[PATH_MAX], spec[2 * PATH_MAX + 2];
    cJSON *truth, *expect, *got = NULL;
    const char *from, *id;
    pr_config *cfg = NULL;
    pr_client *c = NULL;
    pr_result_info info;
    pr_error err;
    pr_buf out;
    pr_code rc;

    unit_case = name;
    unit_case_failed = 0;
    n_cases++;
    cat3(dir, sizeof(dir), root, "/cases/", name);
    truth = load_json(dir, "truth.json");
    if (truth == NULL) {
        fprintf(stderr, "FAIL %s: no truth.json\n", name);
        unit_failed++;
        return;
    }
    id = jstr(truth, "state_id");
    env_home = "/nonexistent/corpus-home/.prefect";
    CHECK(pr_config_load(&cfg, test_env, NULL, &err) == PR_OK);
    env_home = NULL;
    CHECK(pr_config_set(cfg, "database", db, &err) == PR_OK);
    CHECK(pr_config_set(cfg, "source", "database", &err) == PR_OK);
    CHECK(pr_config_set(cfg, "local_storage", "/nonexistent/storage",
                        &err) == PR_OK);
    CHECK(pr_config_set(cfg, "file_retries", "1", &err) == PR_OK);
    CHECK(pr_config_set(cfg, "file_retry_ms", "1", &err) == PR_OK);
    if ((from = jstr(truth, "block_basepath")) != NULL) {
        cat3(spec, sizeof(spec), from, "=", dir);
        CHECK(pr_config_set(cfg, "remap", spec, &err) == PR_OK);
    }
    if (v3 && (from = jstr(truth, "default_storage_basepath")) != NULL) {
        cat3(spec, sizeof(spec), from, "=", dir);
        CHECK(pr_config_set(cfg, "remap", spec, &err) == PR_OK);
    }
    CHECK(pr_client_new(&c, cfg, &err) == PR_OK);
    pr_buf_init(&out, 0);
    rc = pr_client_result(c, &out, &info, id, NULL, &err);
    if (getenv("PR_CORPUS_VERBOSE") != NULL)
        printf("%s: %s %.160s\n", name, pr_code_name(rc),
               rc == PR_OK ? out.data : err.msg);

    /* The state as the API gave it, field by field. */
    {
        static const char *const same[] = {
            "id", "type", "name", "message", "data", "state_details"
        };
        cJSON *api = load_json(dir, "state.json");
        pr_buf st;
        cJSON *mine;
        size_t i;

        pr_buf_init(&st, 0);
        CHECK(pr_client_get_state(c, &st, NULL, id, &err) == PR_OK);
        mine = cJSON_Parse(st.data != NULL ? st.data : "");
        CHECK(api != NULL && mine != NULL);
        for (i = 0; api != NULL && mine != NULL && i < 6; i++)
            if (!cJSON_Compare(cJSON_GetObjectItem(api, same[i]),
                               cJSON_GetObjectItem(mine, same[i]), 1)) {
                fprintf(stderr, "FAIL %s: state field %s differs from the "
                        "API's\n", name, same[i]);
                unit_case_failed = 1;
            }
        if (api != NULL && mine != NULL)
            CHECK(strncmp(jstr(api, "timestamp"), jstr(mine, "timestamp"),
                          26) == 0);
        n_state_same += !unit_case_failed;
        cJSON_Delete(api);
        cJSON_Delete(mine);
        pr_buf_dispose(&st);
    }

    expect = truth;
    if (v3 && cJSON_IsObject(cJSON_GetObjectItem(truth, "serializer_loads")))
        expect = cJSON_GetObjectItem(truth, "serializer_loads");
    if (v3 && strstr(name, "nocache") != NULL) {
        if (rc == PR_ENOTFOUND)
            n_expected++;
        else
            unit_case_failed = 1;
    } else if (v3 && strstr(name, "not_persisted") != NULL) {
        if (rc == PR_OK && !info.has_value)
            n_expected++;
        else
            unit_case_failed = 1;
    } else if (rc != PR_OK) {
        unit_case_failed = 1;
    } else if (jstr(truth, "state_type") != NULL &&
               strcmp(jstr(truth, "state_type"), "FAILED") == 0) {
        const char *type = jstr(cJSON_GetObjectItem(truth, "exception"),
                                "type");

        if (info.failed && type != NULL && strstr(out.data, type) != NULL)
            n_exact++;
        else
            unit_case_failed = 1;
    } else if (cJSON_IsTrue(cJSON_GetObjectItem(expect, "json_able"))) {
        got = cJSON_Parse(out.data);
        if (got != NULL && plain_match(cJSON_GetObjectItem(expect, "json"),
                                       got))
            n_exact++;
        else
            unit_case_failed = 1;
    } else {
        n_decoded++;
    }
    if (unit_case_failed)
        fprintf(stderr, "FAIL %s: %s | got %.200s | %s: %s\n", name, id,
                rc == PR_OK ? out.data : "-", pr_code_name(err.code),
                err.msg);
    cJSON_Delete(got);
    pr_buf_dispose(&out);
    pr_client_free(c);
    pr_config_free(cfg);
    cJSON_Delete(truth);
    if (unit_case_failed)
        unit_failed++;
    else
        unit_passed++;
}

static void
run_corpus(const char *base, const char *which)
{
    char root[PATH_MAX], db[PATH_MAX];
    cJSON *cases, *row;
    int v3 = strcmp(which, "prefect3") == 0;
    int c0 = n_cases, e0 = n_exact, d0 = n_decoded, x0 = n_expected;
    int f0 = unit_failed, s0 = n_state_same;

    cat3(root, sizeof(root), base, "/", which);
    cat3(db, sizeof(db), root, "/prefect.db", "");
    cases = load_json(root, "cases.json");
    if (!cJSON_IsArray(cases) || !exists(db)) {
        printf("SKIP corpus %s: no %s/cases.json or prefect.db\n", which,
               root);
        n_skipped++;
        cJSON_Delete(cases);
        return;
    }
    cJSON_ArrayForEach(row, cases) {
        const char *b = jstr(row, "backend");

        if (b != NULL && strcmp(b, "sqlite") == 0)
            corpus_case(root, db, row, v3);
    }
    printf("corpus %s through its prefect.db: %d cases: %d exact, "
           "%d decoded (not comparable), %d expected errors, %d failed\n",
           which, n_cases - c0, n_exact - e0, n_decoded - d0,
           n_expected - x0, unit_failed - f0);
    printf("corpus %s: %d of %d states equal the API's state.json\n",
           which, n_state_same - s0, n_cases - c0);
    cJSON_Delete(cases);
}

/* -------------------------------------------------------------- main */

static int
generate(void)
{
    char cmd[2 * PATH_MAX];
    int st;

    if (access("/usr/bin/python3", X_OK) != 0)
        return 3;
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 tests/unit/gen_prefect_db.py"
             " '%s'", tmp);
    st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int
main(void)
{
    const char *shared = getenv("PR_SHARED_DIR");
    char base[PATH_MAX], cmd[PATH_MAX + 16];
    int g;

    snprintf(tmp, sizeof(tmp), "%s/pr-sqlite-XXXXXX",
             getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(tmp) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    cat3(dbpath, sizeof(dbpath), tmp, "/prefect.db", "");
    g = generate();
    if (g == 3) {
        printf("SKIP generated database: /usr/bin/python3 with "
               "python3-cryptography is needed\n");
        n_skipped++;
    } else if (g != 0) {
        fprintf(stderr, "FAIL gen_prefect_db.py exited %d\n", g);
        unit_failed++;
    } else {
        RUN(state_json_as_the_api_shows_it);
        RUN(results_of_every_kind);
        RUN(migrated_rows_and_falsy_inline_data);
        RUN(missing_ids_and_runs_without_state);
        RUN(blocks_decrypted_and_references_inlined);
        RUN(block_errors);
        RUN(reads_while_prefect_writes);
        RUN(source_selection);
        RUN(not_a_prefect_database);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);

    if (shared != NULL && shared[0] != '\0')
        cat3(base, sizeof(base), shared, "/corpora", "");
    else
        snprintf(base, sizeof(base), "../shared/corpora");
    if (!exists(base)) {
        printf("SKIP corpus: %s not found (set PR_SHARED_DIR)\n", base);
        n_skipped++;
    } else {
        run_corpus(base, "prefect2");
        run_corpus(base, "prefect3");
    }
    if (n_skipped == 0)
        return unit_done();
    printf("%d passed, %d failed, %d skipped\n", unit_passed, unit_failed,
           n_skipped);
    return unit_failed ? 1 : 0;
}
