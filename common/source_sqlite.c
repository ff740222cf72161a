/*
 * source_sqlite.c - states and block documents read straight from the
 * SQLite database a Prefect server keeps ($PREFECT_HOME/prefect.db), so
 * that an id resolves with no server running (docs/prefect-results.md
 * sections 5 and 6).  The tables are the same in 2.x and 3.x: ids are
 * CHAR(36) text, timestamps naive UTC text, JSON columns text.
 *
 * States are rebuilt as the API shows them: {"id","type","name",
 * "timestamp","message","data","state_details"}, where data is the
 * state's own column when truthy (as Prefect's ORM tests it: null, 0,
 * false, "", {} and [] count as absent), else the data of the artifact
 * result_artifact_id names.  The artifact_key/type/description keys
 * 2.x clients sent (kept in rows migrated from before the artifact
 * table) are dropped, as the server drops them.
 *
 * Block documents come back as GET /block_documents/{id}
 * ?include_secrets=true gives them: the data column is a JSON string
 * holding a Fernet token (fernet.c checks its HMAC before decrypting),
 * keyed by PREFECT_SERVER_ENCRYPTION_KEY (config "encryption_key") or
 * else the configuration row ENCRYPTION_KEY; children saved as blocks
 * of their own are inlined from block_document_reference under their
 * field names, recursively, at most 50 levels deep as the server does.
 *
 * The database belongs to a Prefect that may be running: it is opened
 * read-only (mode=ro, query_only), waits on a lock rather than failing
 * (busy timeout), and never writes.  A WAL database that has no -wal
 * file has no writer; it is opened immutable, so that reading it leaves
 * no -wal/-shm files behind (files a later Prefect started as another
 * user could not open).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "pr.h"
#include "alloc.h"
#include "client.h"
#include "config.h"
#include "fernet.h"
#include "jsontext.h"
#include "jsonw.h"
#include "source_sqlite.h"

#define PATH_SHOW 160
#define MAX_BLOCK_DEPTH 50
#define BUSY_MS_MAX 30000L
#define JSON_DEPTH 1000

typedef struct db_ctx {
    const pr_config *cfg;
    sqlite3 *db;
    char shown[PATH_SHOW + 4];
    int has_artifacts;      /* the artifact table and result_artifact_id */
} db_ctx;

/* ---------------------------------------------------------- helpers */

static char *
str_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = pr_malloc(n);

    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

static void
show_path(char *dst, size_t n, const char *path)
{
    size_t len = strlen(path);

    if (len < n - 4) {
        memcpy(dst, path, len + 1);
    } else {
        /* Keep the end: the file name says most. */
        memcpy(dst, "...", 3);
        memcpy(dst + 3, path + len - (n - 4), n - 3);
    }
}

static int
file_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* An SQLite failure while `what` (already formatted) was being done. */
static pr_code
db_error(db_ctx *d, int src, const char *what, pr_error *err)
{
    pr_code code = PR_EIO;

    if (src == SQLITE_NOMEM)
        code = PR_ENOMEM;
    else if (src == SQLITE_NOTADB || src == SQLITE_CORRUPT)
        code = PR_EFORMAT;
    pr_error_set(err, code, "%s from the database %s: %s", what, d->shown,
                 d->db != NULL ? sqlite3_errmsg(d->db) : sqlite3_errstr(src));
    if (src == SQLITE_BUSY || src == SQLITE_LOCKED)
        pr_error_hint(err, "a Prefect server is holding the database "
                      "locked; try again");
    return code;
}

/* Column i as text (NULL for SQL NULL) and its length. */
static const char *
col_text(sqlite3_stmt *st, int i, size_t *n)
{
    const char *p;

    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        *n = 0;
        return NULL;
    }
    p = (const char *)sqlite3_column_text(st, i);
    *n = (size_t)sqlite3_column_bytes(st, i);
    return p;
}

static pr_code
put_str_or_null(pr_buf *b, const char *s, size_t n, pr_error *err)
{
    if (s == NULL)
        return pr_buf_puts(b, "null", err);
    return pr_json_string(b, s, n, err);
}

static const char *
skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/*
 * Python's truth value of the JSON text: null, false, "", {}, [] and
 * any zero number are falsy.  What the ORM's `if self._data:` tests.
 */
static int
json_falsy(const char *p, size_t n)
{
    const char *end = p + n, *q;

    p = skip_ws(p, end);
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' ||
                       end[-1] == '\n' || end[-1] == '\r'))
        end--;
    n = (size_t)(end - p);
    if (n == 0)
        return 1;
    if ((n == 4 && memcmp(p, "null", 4) == 0) ||
        (n == 5 && memcmp(p, "false", 5) == 0) ||
        (n == 2 && memcmp(p, "\"\"", 2) == 0))
        return 1;
    if (*p == '{' || *p == '[') {
        q = skip_ws(p + 1, end);
        return q + 1 == end && *q == (*p == '{' ? '}' : ']');
    }
    if (*p == '-' || (*p >= '0' && *p <= '9')) {
        for (q = p; q < end && *q != 'e' && *q != 'E'; q++)
            if (*q >= '1' && *q <= '9')
                return 0;
        return 1;
    }
    return 0;
}

/*
 * "2026-11-29 04:04:48.749417" (naive UTC, as Prefect stores it) as
 * the API writes it: "2026-11-29T04:04:48.749417+00:00", no fraction
 * when it is zero.  Anything else is passed through as a string.
 */
static pr_code
put_timestamp(pr_buf *b, const char *t, size_t n, pr_error *err)
{
    char s[64];
    size_t i;
    int offset = 0;

    if (t == NULL)
        return pr_buf_puts(b, "null", err);
    if (n < 19 || n > 40 || t[4] != '-' || t[13] != ':')
        return pr_json_string(b, t, n, err);
    memcpy(s, t, n);
    s[n] = '\0';
    if (s[10] == ' ')
        s[10] = 'T';
    for (i = 19; i < n; i++)
        if (s[i] == '+' || s[i] == '-' || s[i] == 'Z')
            offset = 1;
    if (!offset) {
        if (n == 26 && strcmp(s + 19, ".000000") == 0)
            n = 19;
        memcpy(s + n, "+00:00", 7);
        n += 6;
    }
    return pr_json_string(b, s, n, err);
}

/* ------------------------------------------------------------- open */

/* "file:" URI of a path: '%', '?' and '#' are escaped. */
static char *
file_uri(const char *path, int immutable)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *tail = immutable ? "?mode=ro&immutable=1" : "?mode=ro";
    size_t n = strlen(path), i, o = 0;
    char *u = pr_malloc(5 + 3 * n + strlen(tail) + 1);

    if (u == NULL)
        return NULL;
    memcpy(u, "file:", 5);
    o = 5;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];

        if (c == '%' || c == '?' || c == '#') {
            u[o++] = '%';
            u[o++] = hex[c >> 4];
            u[o++] = hex[c & 15];
        } else {
            u[o++] = (char)c;
        }
    }
    memcpy(u + o, tail, strlen(tail) + 1);
    return u;
}

/* Reads the 100-byte header: is it SQLite, is it in WAL mode? */
static pr_code
read_header(int *wal, const char *path, const char *shown, pr_error *err)
{
    unsigned char h[100];
    FILE *f = fopen(path, "rb");
    size_t got;

    if (f == NULL)
        return pr_error_set(err, PR_EIO, "cannot open the database %s",
                            shown);
    got = fread(h, 1, sizeof(h), f);
    fclose(f);
    if (got == 0) {
        /* An empty file: Prefect has not created its tables yet. */
        pr_error_set(err, PR_EFORMAT, "the database %s is empty", shown);
        return pr_error_hint(err, "start Prefect once (or run a flow) so "
                             "that it creates its tables");
    }
    if (got < sizeof(h) || memcmp(h, "SQLite format 3", 16) != 0)
        return pr_error_set(err, PR_EFORMAT, "%s is not a SQLite database",
                            shown);
    *wal = h[18] == 2 && h[19] == 2;
    return PR_OK;
}

static int
has_row(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int yes = 0;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK)
        yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

static void
db_free(void *ctx)
{
    db_ctx *d = ctx;

    if (d == NULL)
        return;
    sqlite3_close_v2(d->db);
    pr_free(d);
}

const char *
pr_sqlite_source_path(const void *ctx)
{
    return ((const db_ctx *)ctx)->shown;
}

/* --------------------------------------------------------- get_state */

static const pr_id_kind state_kinds[] = {
    PR_ID_FLOW_RUN_STATE, PR_ID_TASK_RUN_STATE, PR_ID_FLOW_RUN,
    PR_ID_TASK_RUN
};

/* The query for one kind of id: a marker (the row exists), then the
 * state's columns (NULL when a run has no state), then the artifact's
 * data. */
static void
state_sql(char *q, size_t n, int i, int artifacts)
{
    const char *run = (i == 0 || i == 2) ? "flow_run" : "task_run";
    const char *art = artifacts ? ", a.data FROM " : ", NULL FROM ";

    if (i < 2)
        snprintf(q, n, "SELECT 1, s.id, s.type, s.name, s.timestamp, "
                 "s.message, s.state_details, s.data%s%s_state s%s "
                 "WHERE s.id = ?1", art, run,
                 artifacts ? " LEFT JOIN artifact a ON a.id = "
                 "s.result_artifact_id" : "");
    else
        snprintf(q, n, "SELECT 1, s.id, s.type, s.name, s.timestamp, "
                 "s.message, s.state_details, s.data%s%s r LEFT JOIN "
                 "%s_state s ON s.id = r.state_id%s WHERE r.id = ?1",
                 art, run, run, artifacts ? " LEFT JOIN artifact a ON "
                 "a.id = s.result_artifact_id" : "");
}

/* Appends data, without the artifact_* keys 2.x clients sent. */
static pr_code
put_data(db_ctx *d, pr_buf *out, const char *p, size_t n,
         const char *what, pr_error *err)
{
    static const char *const drop[] = {
        "artifact_key", "artifact_type", "artifact_description"
    };
    pr_json_span found[3];
    sqlite3_stmt *st = NULL;
    int is_obj = 0, src;
    size_t m;
    const char *t;
    pr_code rc;

    rc = pr_json_scan_keys(&is_obj, found, drop, 3, p, n, JSON_DEPTH, err);
    if (rc != PR_OK) {
        pr_error_set(err, rc, "the data of %s in the database %s is not "
                     "valid JSON", what, d->shown);
        return rc;
    }
    if (!is_obj || (found[0].p == NULL && found[1].p == NULL &&
                    found[2].p == NULL))
        return pr_buf_append(out, p, n, err);
    src = sqlite3_prepare_v2(d->db, "SELECT json_remove(?1, "
                             "'$.artifact_key', '$.artifact_type', "
                             "'$.artifact_description')", -1, &st, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(st, 1, p, (int)n, SQLITE_STATIC);
    if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW &&
        (t = col_text(st, 0, &m)) != NULL) {
        rc = pr_buf_append(out, t, m, err);
    } else {
        /* No JSON functions, or JSON SQLite cannot read (NaN): as is. */
        rc = pr_buf_append(out, p, n, err);
    }
    sqlite3_finalize(st);
    return rc;
}

static pr_code
db_get_state(void *ctx, pr_buf *out, pr_id_kind *kind, const char *id,
             pr_error *err)
{
    db_ctx *d = ctx;
    char nid[PR_ID_SIZE], q[512], what[96];
    sqlite3_stmt *st = NULL;
    size_t i, n, dn, an;
    const char *s, *data, *adata;
    int src;
    pr_code rc;

    rc = pr_id_normalize(nid, id, "id", err);
    if (rc != PR_OK)
        return rc;
    for (i = 0; i < 4; i++) {
        snprintf(what, sizeof(what), "reading %s %s",
                 pr_id_kind_name(state_kinds[i]), nid);
        state_sql(q, sizeof(q), (int)i, d->has_artifacts);
        src = sqlite3_prepare_v2(d->db, q, -1, &st, NULL);
        if (src == SQLITE_OK)
            src = sqlite3_bind_text(st, 1, nid, -1, SQLITE_STATIC);
        if (src == SQLITE_OK)
            src = sqlite3_step(st);
        if (src == SQLITE_DONE) {
            sqlite3_finalize(st);
            st = NULL;
            continue;
        }
        if (src != SQLITE_ROW) {
            rc = db_error(d, src, what, err);
            sqlite3_finalize(st);
            return rc;
        }
        break;
    }
    if (i == 4) {
        pr_error_set(err, PR_ENOTFOUND, "no flow run state, task run state, "
                     "flow run or task run has id %s in the database %s",
                     nid, d->shown);
        return pr_error_hint(err, "check the id, and that this is the "
                             "database of the Prefect server that ran it "
                             "(PREFECT_HOME, or set PREFECT_API_URL)");
    }
    if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
        sqlite3_finalize(st);
        pr_error_set(err, PR_ENOTFOUND, "the %s %s has no state yet",
                     pr_id_kind_name(state_kinds[i]), nid);
        return pr_error_hint(err, "it has not been scheduled or started");
    }
    data = col_text(st, 7, &dn);
    adata = col_text(st, 8, &an);
    if (data == NULL || json_falsy(data, dn)) {
        data = adata;
        dn = an;
    }
    rc = pr_buf_puts(out, "{\"id\":", err);
    if (rc == PR_OK) {
        s = col_text(st, 1, &n);
        rc = put_str_or_null(out, s, n, err);
    }
    if (rc == PR_OK)
        rc = pr_buf_puts(out, ",\"type\":", err);
    if (rc == PR_OK) {
        s = col_text(st, 2, &n);
        rc = put_str_or_null(out, s, n, err);
    }
    if (rc == PR_OK)
        rc = pr_buf_puts(out, ",\"name\":", err);
    if (rc == PR_OK) {
        s = col_text(st, 3, &n);
        rc = put_str_or_null(out, s, n, err);
    }
    if (rc == PR_OK)
        rc = pr_buf_puts(out, ",\"timestamp\":", err);
    if (rc == PR_OK) {
        s = col_text(st, 4, &n);
        rc = put_timestamp(out, s, n, err);
    }
    if (rc == PR_OK)
        rc = pr_buf_puts(out, ",\"message\":", err);
    if (rc == PR_OK) {
        s = col_text(st, 5, &n);
        rc = put_str_or_null(out, s, n, err);
    }
    if (rc == PR_OK)
        rc = pr_buf_puts(out, ",\"data\":", err);
    if (rc == PR_OK) {
        if (data == NULL)
            rc = pr_buf_puts(out, "null", err);
        else
            rc = put_data(d, out, data, dn, what + 8, err);
    }
    if (rc == PR_OK)
        rc = pr_buf_puts(out, ",\"state_details\":", err);
    if (rc == PR_OK) {
        s = col_text(st, 6, &n);
        if (s == NULL || n == 0)
            rc = pr_buf_puts(out, "{}", err);
        else
            rc = pr_buf_append(out, s, n, err);
    }
    if (rc == PR_OK)
        rc = pr_buf_putc(out, '}', err);
    sqlite3_finalize(st);
    if (rc == PR_OK && kind != NULL)
        *kind = state_kinds[i];
    return rc;
}

/* --------------------------------------------------------- get_block */

typedef struct block_call {
    db_ctx *d;
    char *key;              /* Fernet key text (wiped, freed) */
    int key_looked_up;
} block_call;

/* One document: its data (secret) and the JSON of its other parts. */
typedef struct block_doc {
    pr_buf data;            /* {...}: own fields plus inlined children */
    pr_buf refs;            /* {...}: block_document_references */
    pr_buf id, name, schema_id, type_id, type_name, bt_name, slug;
    int anonymous;
} block_doc;

static void
doc_init(block_doc *b)
{
    memset(b, 0, sizeof(*b));
    pr_buf_init(&b->data, 0);
    pr_buf_init(&b->refs, 0);
    pr_buf_init(&b->id, 0);
    pr_buf_init(&b->name, 0);
    pr_buf_init(&b->schema_id, 0);
    pr_buf_init(&b->type_id, 0);
    pr_buf_init(&b->type_name, 0);
    pr_buf_init(&b->bt_name, 0);
    pr_buf_init(&b->slug, 0);
}

static void
doc_dispose(block_doc *b)
{
    if (b->data.data != NULL)
        explicit_bzero(b->data.data, b->data.cap);
    pr_buf_dispose(&b->data);
    pr_buf_dispose(&b->refs);
    pr_buf_dispose(&b->id);
    pr_buf_dispose(&b->name);
    pr_buf_dispose(&b->schema_id);
    pr_buf_dispose(&b->type_id);
    pr_buf_dispose(&b->type_name);
    pr_buf_dispose(&b->bt_name);
    pr_buf_dispose(&b->slug);
}

/* The key: the setting first (the server's environment wins there
 * too), else the configuration table's ENCRYPTION_KEY row. */
static pr_code
block_key(block_call *a, const char *shown_id, pr_error *err)
{
    static const char *const want[] = { "fernet_key" };
    db_ctx *d = a->d;
    sqlite3_stmt *st = NULL;
    pr_json_span f[1];
    const char *v;
    size_t n;
    int src, is_obj = 0;
    pr_buf k;
    pr_code rc = PR_OK;

    if (a->key_looked_up)
        goto done;
    a->key_looked_up = 1;
    if (d->cfg->encryption_key != NULL && d->cfg->encryption_key[0]) {
        a->key = str_dup(d->cfg->encryption_key);
        if (a->key == NULL)
            return pr_error_set(err, PR_ENOMEM, "out of memory reading "
                                "the encryption key");
        return PR_OK;
    }
    if (!has_row(d->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' "
                 "AND name = 'configuration'"))
        goto done;
    src = sqlite3_prepare_v2(d->db, "SELECT value FROM configuration "
                             "WHERE key = 'ENCRYPTION_KEY'", -1, &st, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_step(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE) {
        rc = db_error(d, src, "reading the encryption key", err);
        sqlite3_finalize(st);
        return rc;
    }
    if (src == SQLITE_ROW && (v = col_text(st, 0, &n)) != NULL) {
        pr_error local;

        if (pr_json_scan_keys(&is_obj, f, want, 1, v, n, 10, &local) ==
            PR_OK && is_obj && f[0].p != NULL && f[0].p[0] == '"') {
            pr_buf_init(&k, 4096);
            if (pr_json_unescape(&k, f[0].p, f[0].n, &local) == PR_OK)
                a->key = pr_buf_detach(&k, NULL);
            pr_buf_dispose(&k);
        }
    }
    sqlite3_finalize(st);
done:
    if (a->key == NULL) {
        pr_error_set(err, PR_ENOTFOUND, "storage block %s is encrypted and "
                     "the database %s holds no encryption key", shown_id,
                     d->shown);
        return pr_error_hint(err, "set PREFECT_SERVER_ENCRYPTION_KEY to the "
                             "key the Prefect server was started with");
    }
    return PR_OK;
}

/* Appends the decrypted (or, from before encryption, plain) fields. */
static pr_code
block_fields(block_call *a, block_doc *b, const char *id, const char *v,
             size_t n, pr_error *err)
{
    db_ctx *d = a->d;
    const char *p = skip_ws(v, v + n);
    pr_buf tok;
    pr_code rc;

    if (p < v + n && *p == '{')
        return pr_buf_append(&b->data, v, n, err);
    if (p == v + n || *p != '"')
        return pr_error_set(err, PR_EFORMAT, "storage block %s in the "
                            "database %s holds neither a token nor fields",
                            id, d->shown);
    rc = block_key(a, id, err);
    if (rc != PR_OK)
        return rc;
    pr_buf_init(&tok, 0);
    rc = pr_json_unescape(&tok, p, (size_t)(v + n - p), err);
    if (rc == PR_OK)
        rc = pr_fernet_decrypt(&b->data, a->key, strlen(a->key),
                               tok.data != NULL ? tok.data : "", tok.len,
                               err);
    pr_buf_dispose(&tok);
    if (rc != PR_OK) {
        char msg[PR_ERROR_SIZE];

        memcpy(msg, err->msg, sizeof(msg));
        msg[sizeof(msg) - 1] = '\0';
        pr_error_set(err, rc, "decrypting storage block %s from the "
                     "database %s: %s", id, d->shown, msg);
        if (rc == PR_EAUTH)
            pr_error_hint(err, "the HMAC check failed: the encryption key "
                          "is not the one the block was saved with "
                          "(PREFECT_SERVER_ENCRYPTION_KEY), or the token "
                          "was altered");
        else if (rc == PR_EINVAL)
            pr_error_hint(err, "PREFECT_SERVER_ENCRYPTION_KEY must be a "
                          "Fernet key: urlsafe base64 of 32 bytes");
        return rc;
    }
    p = skip_ws(b->data.data, b->data.data + b->data.len);
    if (p == b->data.data + b->data.len || *p != '{')
        return pr_error_set(err, PR_EFORMAT, "storage block %s in the "
                            "database %s decrypts to something other than "
                            "a JSON object", id, d->shown);
    return PR_OK;
}

/* Puts `"name": value` into the object in b (replacing its '}'). */
static pr_code
object_add(pr_buf *b, const char *name, size_t name_len, const char *v,
           size_t vn, pr_error *err)
{
    const char *p, *end;
    size_t close;
    int empty;
    pr_code rc;

    end = b->data + b->len;
    while (end > b->data && end[-1] != '}')
        end--;
    if (end == b->data)
        return pr_error_set(err, PR_EFORMAT, "a block document's data is "
                            "not a JSON object");
    close = (size_t)(end - 1 - b->data);
    p = skip_ws(b->data + 1, b->data + close);
    empty = p == b->data + close;
    b->len = close;
    rc = empty ? PR_OK : pr_buf_puts(b, ", ", err);
    if (rc == PR_OK)
        rc = pr_json_string(b, name, name_len, err);
    if (rc == PR_OK)
        rc = pr_buf_puts(b, ": ", err);
    if (rc == PR_OK)
        rc = pr_buf_append(b, v, vn, err);
    if (rc == PR_OK)
        rc = pr_buf_putc(b, '}', err);
    return rc;
}

static pr_code load_block(block_call *a, block_doc *b, const char *id,
                          int depth, pr_error *err);

/* The children (block_document_reference rows) of document id. */
static pr_code
load_refs(block_call *a, block_doc *b, const char *id, int depth,
          pr_error *err)
{
    db_ctx *d = a->d;
    sqlite3_stmt *st = NULL;
    char what[96];
    int src, first = 1;
    pr_code rc = PR_OK;

    snprintf(what, sizeof(what), "reading the references of storage block "
             "%s", id);
    rc = pr_buf_putc(&b->refs, '{', err);
    src = sqlite3_prepare_v2(d->db, "SELECT name, "
                             "reference_block_document_id FROM "
                             "block_document_reference WHERE "
                             "parent_block_document_id = ?1 ORDER BY rowid",
                             -1, &st, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    while (rc == PR_OK && src == SQLITE_OK &&
           (src = sqlite3_step(st)) == SQLITE_ROW) {
        char cid[PR_ID_SIZE];
        const char *name, *ref;
        size_t nn, rn;
        block_doc c;

        src = SQLITE_OK;
        name = col_text(st, 0, &nn);
        ref = col_text(st, 1, &rn);
        if (name == NULL || ref == NULL)
            continue;
        rc = pr_id_normalize(cid, ref, "block document reference", err);
        if (rc != PR_OK)
            break;
        doc_init(&c);
        rc = load_block(a, &c, cid, depth + 1, err);
        if (rc == PR_OK)
            rc = object_add(&b->data, name, nn, c.data.data, c.data.len,
                            err);
        if (rc == PR_OK && !first)
            rc = pr_buf_putc(&b->refs, ',', err);
        first = 0;
        if (rc == PR_OK)
            rc = pr_json_string(&b->refs, name, nn, err);
        if (rc == PR_OK)
            rc = pr_buf_puts(&b->refs, ":{\"block_document\":{\"id\":", err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b->refs, c.id.data, c.id.len, err);
        if (rc == PR_OK)
            rc = pr_buf_puts(&b->refs, ",\"name\":", err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b->refs, c.name.data, c.name.len, err);
        if (rc == PR_OK)
            rc = pr_buf_puts(&b->refs, ",\"block_type\":{\"id\":", err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b->refs, c.type_id.data, c.type_id.len, err);
        if (rc == PR_OK)
            rc = pr_buf_puts(&b->refs, ",\"name\":", err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b->refs, c.bt_name.data, c.bt_name.len, err);
        if (rc == PR_OK)
            rc = pr_buf_puts(&b->refs, ",\"slug\":", err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b->refs, c.slug.data, c.slug.len, err);
        if (rc == PR_OK)
            rc = pr_buf_puts(&b->refs, c.anonymous ? "},\"is_anonymous\":"
                             "true" : "},\"is_anonymous\":false", err);
        if (rc == PR_OK)
            rc = pr_buf_puts(&b->refs, ",\"block_document_references\":",
                             err);
        if (rc == PR_OK)
            rc = pr_buf_append(&b->refs, c.refs.data, c.refs.len, err);
        if (rc == PR_OK)
            rc = pr_buf_puts(&b->refs, "}}", err);
        doc_dispose(&c);
    }
    if (rc == PR_OK && src != SQLITE_DONE && src != SQLITE_OK)
        rc = db_error(d, src, what, err);
    sqlite3_finalize(st);
    if (rc == PR_OK)
        rc = pr_buf_putc(&b->refs, '}', err);
    return rc;
}

/* Column i into a buffer as a JSON string or null. */
static pr_code
col_json(pr_buf *b, sqlite3_stmt *st, int i, pr_error *err)
{
    size_t n;
    const char *s = col_text(st, i, &n);

    return put_str_or_null(b, s, n, err);
}

static pr_code
load_block(block_call *a, block_doc *b, const char *id, int depth,
           pr_error *err)
{
    db_ctx *d = a->d;
    sqlite3_stmt *st = NULL;
    char what[96];
    const char *v;
    size_t n;
    int src;
    pr_code rc;

    if (depth > MAX_BLOCK_DEPTH)
        return pr_error_set(err, PR_ELIMIT, "block document references in "
                            "the database %s nest deeper than %d levels at "
                            "%s", d->shown, MAX_BLOCK_DEPTH, id);
    snprintf(what, sizeof(what), "reading storage block %s", id);
    src = sqlite3_prepare_v2(d->db, "SELECT d.id, d.name, d.data, "
                             "d.is_anonymous, d.block_schema_id, "
                             "d.block_type_id, d.block_type_name, t.name, "
                             "t.slug FROM block_document d LEFT JOIN "
                             "block_type t ON t.id = d.block_type_id "
                             "WHERE d.id = ?1", -1, &st, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(st);
    if (src == SQLITE_DONE) {
        sqlite3_finalize(st);
        pr_error_set(err, PR_ENOTFOUND, "storage block %s does not exist in "
                     "the database %s", id, d->shown);
        return pr_error_hint(err, "the block was deleted, or the state "
                             "comes from another Prefect server");
    }
    if (src != SQLITE_ROW) {
        rc = db_error(d, src, what, err);
        sqlite3_finalize(st);
        return rc;
    }
    rc = col_json(&b->id, st, 0, err);
    if (rc == PR_OK)
        rc = col_json(&b->name, st, 1, err);
    if (rc == PR_OK)
        rc = col_json(&b->schema_id, st, 4, err);
    if (rc == PR_OK)
        rc = col_json(&b->type_id, st, 5, err);
    if (rc == PR_OK)
        rc = col_json(&b->type_name, st, 6, err);
    if (rc == PR_OK)
        rc = col_json(&b->bt_name, st, 7, err);
    if (rc == PR_OK)
        rc = col_json(&b->slug, st, 8, err);
    b->anonymous = sqlite3_column_int(st, 3) != 0;
    if (rc == PR_OK) {
        v = col_text(st, 2, &n);
        rc = block_fields(a, b, id, v != NULL ? v : "", v != NULL ? n : 0,
                          err);
    }
    sqlite3_finalize(st);
    if (rc == PR_OK)
        rc = load_refs(a, b, id, depth, err);
    return rc;
}

static pr_code
db_get_block(void *ctx, pr_buf *out, const char *block_id, pr_error *err)
{
    block_call a;
    block_doc b;
    char nid[PR_ID_SIZE];
    size_t start = out->len;
    pr_code rc;

    rc = pr_id_normalize(nid, block_id, "storage block id", err);
    if (rc != PR_OK)
        return rc;
    memset(&a, 0, sizeof(a));
    a.d = ctx;
    doc_init(&b);
    rc = load_block(&a, &b, nid, 0, err);
#define PUT(s) if (rc == PR_OK) rc = pr_buf_puts(out, (s), err)
#define ADD(x) if (rc == PR_OK) rc = pr_buf_append(out, (x).data, (x).len, err)
    PUT("{\"id\":");
    ADD(b.id);
    PUT(",\"name\":");
    ADD(b.name);
    PUT(",\"data\":");
    ADD(b.data);
    PUT(",\"block_schema_id\":");
    ADD(b.schema_id);
    PUT(",\"block_type_id\":");
    ADD(b.type_id);
    PUT(",\"block_type_name\":");
    ADD(b.type_name);
    PUT(",\"block_type\":{\"id\":");
    ADD(b.type_id);
    PUT(",\"name\":");
    ADD(b.bt_name);
    PUT(",\"slug\":");
    ADD(b.slug);
    PUT("},\"block_document_references\":");
    ADD(b.refs);
    PUT(b.anonymous ? ",\"is_anonymous\":true}" : ",\"is_anonymous\":false}");
#undef PUT
#undef ADD
    if (rc != PR_OK && out->data != NULL) {
        explicit_bzero(out->data + start, out->len - start);
        out->len = start;
        out->data[start] = '\0';
    }
    doc_dispose(&b);
    pr_free_secret(a.key);
    return rc;
}

static const pr_source_ops db_ops = {
    "database", db_get_state, db_get_block, db_free
};

pr_code
pr_sqlite_source(const pr_source_ops **ops, void **ctx,
                 const pr_config *cfg, const char *path, pr_error *err)
{
    db_ctx *d;
    char *uri;
    int wal = 0, src, immutable;
    long busy;
    char wal_path[4096];
    pr_code rc;

    d = pr_malloc(sizeof(*d));
    if (d == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory opening the "
                            "database");
    memset(d, 0, sizeof(*d));
    d->cfg = cfg;
    show_path(d->shown, sizeof(d->shown), path);
    if (!file_exists(path)) {
        pr_error_set(err, PR_ENOTFOUND, "the database %s does not exist",
                     d->shown);
        pr_free(d);
        return err->code;
    }
    rc = read_header(&wal, path, d->shown, err);
    if (rc != PR_OK) {
        pr_free(d);
        return rc;
    }
    immutable = 0;
    if (wal && snprintf(wal_path, sizeof(wal_path), "%s-wal", path) <
        (int)sizeof(wal_path))
        immutable = !file_exists(wal_path);
    uri = file_uri(path, immutable);
    if (uri == NULL) {
        pr_free(d);
        return pr_error_set(err, PR_ENOMEM, "out of memory opening the "
                            "database");
    }
    src = sqlite3_open_v2(uri, &d->db, SQLITE_OPEN_READONLY |
                          SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    pr_free(uri);
    if (src != SQLITE_OK) {
        rc = db_error(d, src, "opening", err);
        db_free(d);
        return rc;
    }
    busy = cfg->timeout_ms > 0 && cfg->timeout_ms < BUSY_MS_MAX
           ? cfg->timeout_ms : BUSY_MS_MAX;
    sqlite3_busy_timeout(d->db, (int)busy);
    sqlite3_exec(d->db, "PRAGMA query_only = 1", NULL, NULL, NULL);
    src = sqlite3_exec(d->db, "SELECT count(*) FROM sqlite_master", NULL,
                       NULL, NULL);
    if (src != SQLITE_OK) {
        rc = db_error(d, src, "opening", err);
        db_free(d);
        return rc;
    }
    if (!has_row(d->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' "
                 "AND name = 'flow_run_state'")) {
        pr_error_set(err, PR_EFORMAT, "the database %s has no Prefect "
                     "tables (no flow_run_state)", d->shown);
        db_free(d);
        return pr_error_hint(err, "point PREFECT_HOME (or the database "
                             "setting) at the prefect.db of a Prefect "
                             "server");
    }
    d->has_artifacts =
        has_row(d->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' "
                "AND name = 'artifact'") &&
        has_row(d->db, "SELECT 1 FROM pragma_table_info('flow_run_state') "
                "WHERE name = 'result_artifact_id'") &&
        has_row(d->db, "SELECT 1 FROM pragma_table_info('task_run_state') "
                "WHERE name = 'result_artifact_id'");
    *ops = &db_ops;
    *ctx = d;
    return PR_OK;
}

/* ------------------------------------------------------ where it is */

static int
prefix_ci(const char *s, const char *p)
{
    for (; *p != '\0'; s++, p++)
        if ((*s | 0x20) != (*p | 0x20))
            return 0;
    return 1;
}

pr_code
pr_sqlite_url_path(char **out, const char *url, const char *home,
                   pr_error *err)
{
    const char *p, *rest, *end;
    const char *var = NULL;
    size_t n, hn;
    char *path;

    p = strstr(url, "://");
    if (p == NULL)
        return pr_error_set(err, PR_EINVAL, "the database connection URL is "
                            "not a URL");
    if (!prefix_ci(url, "sqlite") ||
        (url + 6 != p && url[6] != '+')) {
        pr_error_set(err, PR_EUNSUPPORTED, "the database connection URL "
                     "names a %.*s database, not SQLite",
                     (int)(strcspn(url, "+:") < 24 ? strcspn(url, "+:")
                           : 24), url);
        return pr_error_hint(err, "set PREFECT_API_URL to that server's "
                             "API, or read PostgreSQL with the extension");
    }
    rest = p + 3;
    if (*rest != '/' || rest[1] == '\0' || rest[1] == '?') {
        pr_error_set(err, PR_EUNSUPPORTED, "the database connection URL "
                     "names no SQLite file (an in-memory or remote one)");
        return pr_error_hint(err, "use sqlite+aiosqlite:////absolute/path"
                             "/prefect.db");
    }
    rest++;
    end = rest + strcspn(rest, "?");
    if (strncmp(rest, "${PREFECT_HOME}", 15) == 0)
        var = rest + 15;
    else if (strncmp(rest, "$PREFECT_HOME", 13) == 0)
        var = rest + 13;
    hn = var != NULL && home != NULL ? strlen(home) : 0;
    if (var == NULL || home == NULL)
        var = rest;
    n = (size_t)(end - var);
    path = pr_malloc(hn + n + 1);
    if (path == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory reading the "
                            "database connection URL");
    if (hn > 0)
        memcpy(path, home, hn);
    memcpy(path + hn, var, n);
    path[hn + n] = '\0';
    if (strncmp(path, "file:", 5) == 0) {
        memmove(path, path + 5, strlen(path + 5) + 1);
    }
    *out = path;
    return PR_OK;
}

pr_code
pr_sqlite_locate(char **path, const pr_config *cfg, pr_error *err)
{
    char shown[PATH_SHOW + 4];
    char *p = NULL;
    size_t n;
    pr_code rc;

    if (cfg->database != NULL && cfg->database[0] != '\0') {
        p = str_dup(cfg->database);
        if (p == NULL)
            return pr_error_set(err, PR_ENOMEM, "out of memory");
        if (!file_exists(p)) {
            show_path(shown, sizeof(shown), p);
            pr_free(p);
            return pr_error_set(err, PR_ENOTFOUND, "the database %s (the "
                                "database setting) does not exist", shown);
        }
        *path = p;
        return PR_OK;
    }
    if (cfg->database_url != NULL && cfg->database_url[0] != '\0') {
        rc = pr_sqlite_url_path(&p, cfg->database_url, cfg->home, err);
        if (rc != PR_OK)
            return rc;
        if (!file_exists(p)) {
            show_path(shown, sizeof(shown), p);
            pr_free(p);
            return pr_error_set(err, PR_ENOTFOUND, "the database %s (the "
                                "database connection URL) does not exist",
                                shown);
        }
        *path = p;
        return PR_OK;
    }
    if (cfg->home == NULL)
        return pr_error_set(err, PR_ENOTFOUND, "no PREFECT_HOME");
    n = strlen(cfg->home);
    p = pr_malloc(n + sizeof("/prefect.db"));
    if (p == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory");
    memcpy(p, cfg->home, n);
    memcpy(p + n, "/prefect.db", sizeof("/prefect.db"));
    if (!file_exists(p)) {
        show_path(shown, sizeof(shown), p);
        pr_free(p);
        return pr_error_set(err, PR_ENOTFOUND, "no database at %s", shown);
    }
    *path = p;
    return PR_OK;
}

static int
hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

pr_code
pr_sqlite_db_url(char **path, char id[PR_ID_SIZE], const char *url,
                 pr_error *err)
{
    const char *p, *hash;
    size_t n, i, o;
    char *out;
    pr_code rc;

    if (url == NULL || !prefix_ci(url, "prefect-db:"))
        return pr_error_set(err, PR_EINVAL, "not a prefect-db: URL");
    p = url + 11;
    hash = strrchr(p, '#');
    if (hash == NULL) {
        rc = pr_id_normalize(id, p, "id", err);
        if (rc == PR_OK)
            *path = NULL;
        return rc;
    }
    rc = pr_id_normalize(id, hash + 1, "id", err);
    if (rc != PR_OK)
        return rc;
    if (p[0] == '/' && p[1] == '/') {
        if (p[2] != '/')
            return pr_error_set(err, PR_EINVAL, "a prefect-db: URL names a "
                                "local file: prefect-db:///absolute/path"
                                "#<id>, with no host");
        p += 2;
    }
    n = (size_t)(hash - p);
    if (n == 0)
        return pr_error_set(err, PR_EINVAL, "the prefect-db: URL names no "
                            "database file before '#'");
    out = pr_malloc(n + 1);
    if (out == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory");
    for (i = 0, o = 0; i < n; i++) {
        if (p[i] == '%' && i + 2 < n + 1 && hex_digit(p[i + 1]) >= 0 &&
            hex_digit(p[i + 2]) >= 0) {
            out[o++] = (char)(hex_digit(p[i + 1]) * 16 + hex_digit(p[i + 2]));
            i += 2;
        } else {
            out[o++] = p[i];
        }
    }
    out[o] = '\0';
    *path = out;
    return PR_OK;
}
