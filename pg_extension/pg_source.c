/*
 * pg_source.c - states and block documents read through SPI from the
 * tables of a Prefect server that keeps its database in this PostgreSQL
 * (prefect_result.schema): the pr_source_ops the core calls instead of
 * the REST API, and the glue calls directly for prefect_state and
 * prefect_block.
 *
 * States are rebuilt as the API shows them (docs/prefect-results.md
 * section 6): data is COALESCE(nullif(state.data, 'null'),
 * artifact.data) where, as in Prefect's ORM, a falsy inline value (0,
 * false, "", {}, []) counts as absent.  Block documents are decrypted
 * (Fernet; key from prefect_result.encryption_key, the environment's
 * PREFECT_SERVER_ENCRYPTION_KEY, or the configuration table's
 * ENCRYPTION_KEY row) and their references inlined recursively, as GET
 * /block_documents/{id}?include_secrets=true returns them.
 *
 * Each callback runs its SPI work in an internal subtransaction: a
 * PostgreSQL error inside (permission denied, query cancel) is caught,
 * kept for the glue to re-throw, and turned into a pr_code, so it never
 * unwinds through the core.  Queries run with the caller's privileges.
 */
#include "postgres.h"

#include <string.h>

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "pr_pg.h"
#include "fernet.h"

#define MAX_BLOCK_DEPTH 50      /* as the Prefect server recurses */

typedef prpg_src_ctx src_ctx;

/* ---- the kept error -------------------------------------------------- */

static MemoryContext pending_cxt = NULL;
static ErrorData *pending = NULL;

void
prpg_pending_clear(void)
{
    pending = NULL;
    if (pending_cxt != NULL)
        MemoryContextReset(pending_cxt);
}

bool
prpg_pending_exists(void)
{
    return pending != NULL;
}

ErrorData *
prpg_pending_take(void)
{
    ErrorData *e = pending;

    pending = NULL;
    return e;
}

void
prpg_pending_rethrow(void)
{
    ErrorData *e = prpg_pending_take();

    if (e != NULL)
        ReThrowError(e);    /* copies e; pending_cxt is reset later */
}

static pr_code
code_of(int sqlerrcode)
{
    switch (sqlerrcode) {
    case ERRCODE_QUERY_CANCELED:
    case ERRCODE_ADMIN_SHUTDOWN:
        return PR_ECANCELED;
    case ERRCODE_INSUFFICIENT_PRIVILEGE:
        return PR_EAUTH;
    case ERRCODE_OUT_OF_MEMORY:
        return PR_ENOMEM;
    case ERRCODE_INVALID_TEXT_REPRESENTATION:
    case ERRCODE_INVALID_PARAMETER_VALUE:
        return PR_EINVAL;
    case ERRCODE_UNDEFINED_TABLE:
    case ERRCODE_UNDEFINED_COLUMN:
    case ERRCODE_INVALID_SCHEMA_NAME:
        return PR_ENOTFOUND;
    default:
        return PR_EIO;
    }
}

/*
 * Runs body(arg) connected to SPI inside an internal subtransaction.
 * A PostgreSQL error is caught, kept (prpg_pending_*) and returned as a
 * pr_code with its message.
 */
static pr_code
in_subxact(pr_code (*body)(void *arg, pr_error *err), void *arg,
           pr_error *err)
{
    MemoryContext oldcxt = CurrentMemoryContext;
    ResourceOwner oldowner = CurrentResourceOwner;
    volatile pr_code rc = PR_OK;

    if (pending_cxt == NULL)
        pending_cxt = AllocSetContextCreate(TopMemoryContext,
                                            "prefect_result kept error",
                                            ALLOCSET_SMALL_SIZES);
    /* Even starting the subtransaction may fail (out of memory): keep
     * that error too rather than unwind through the core. */
    PG_TRY();
    {
        BeginInternalSubTransaction(NULL);
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(pending_cxt);
        pending = CopyErrorData();
        FlushErrorState();
        rc = PR_ENOMEM;
    }
    PG_END_TRY();
    MemoryContextSwitchTo(oldcxt);
    if (rc != PR_OK)
        return pr_error_set(err, code_of(pending->sqlerrcode), "%s",
                            pending->message != NULL ? pending->message :
                            "error");
    PG_TRY();
    {
        if (SPI_connect() != SPI_OK_CONNECT)
            elog(ERROR, "SPI_connect failed");
        rc = body(arg, err);
        SPI_finish();
        ReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(oldcxt);
        CurrentResourceOwner = oldowner;
    }
    PG_CATCH();
    {
        ErrorData *ed;

        MemoryContextSwitchTo(pending_cxt);
        ed = CopyErrorData();
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(oldcxt);
        CurrentResourceOwner = oldowner;
        pending = ed;
        rc = pr_error_set(err, code_of(ed->sqlerrcode), "%s",
                          ed->message != NULL ? ed->message : "error");
    }
    PG_END_TRY();
    return rc;
}

/* ---- schema detection and plans -------------------------------------- */

static Oid
rel_in(Oid nsp, const char *name)
{
    return OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
}

bool
prpg_schema_has_prefect(const char *schema)
{
    Oid nsp;

    if (schema == NULL || schema[0] == '\0')
        return false;
    nsp = get_namespace_oid(schema, true);
    return OidIsValid(rel_in(nsp, "flow_run_state")) &&
           OidIsValid(rel_in(nsp, "task_run_state")) &&
           OidIsValid(rel_in(nsp, "flow_run")) &&
           OidIsValid(rel_in(nsp, "task_run"));
}

/* Plans of one schema, kept across calls (the plan cache revalidates
 * them after DDL).  Rebuilt when the schema setting changes. */
static struct {
    char schema[NAMEDATALEN];
    SPIPlanPtr state;
    SPIPlanPtr block;
    SPIPlanPtr refs;
    SPIPlanPtr key;
} plans;

static void
forget_plans(void)
{
    SPIPlanPtr *p[] = {&plans.state, &plans.block, &plans.refs, &plans.key};
    size_t i;

    for (i = 0; i < lengthof(p); i++) {
        if (*p[i] != NULL)
            SPI_freeplan(*p[i]);
        *p[i] = NULL;
    }
    plans.schema[0] = '\0';
}

static SPIPlanPtr
keep(const char *sql, int nargs)
{
    Oid types[1] = {UUIDOID};
    SPIPlanPtr p = SPI_prepare(sql, nargs, types);

    if (p == NULL)
        elog(ERROR, "SPI_prepare failed: %s",
             SPI_result_code_string(SPI_result));
    if (SPI_keepplan(p) != 0)
        elog(ERROR, "SPI_keepplan failed");
    return p;
}

/* One branch of the state query: the state columns of `s` (NULL when a
 * run has no state), data with the artifact fallback. */
static void
state_branch(StringInfo q, int k, const char *from, bool artifact)
{
    appendStringInfo(q,
        "SELECT %d AS k, s.id::text, s.type::text, s.name, "
        "to_char(s.\"timestamp\" AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        "CASE WHEN extract(microseconds FROM s.\"timestamp\")::int8 "
        "%% 1000000 = 0 THEN '' ELSE to_char(s.\"timestamp\" AT TIME ZONE "
        "'UTC', '.US') END || '+00:00', "
        "s.message, s.state_details::text, ", k);
    if (artifact)
        appendStringInfoString(q,
            "CASE WHEN s.data IS NULL OR s.data IN ('null', 'false', '0', "
            "'\"\"', '{}', '[]') THEN a.data::text ELSE s.data::text END ");
    else
        appendStringInfoString(q, "s.data::text ");
    appendStringInfoString(q, from);
}

static void
prepare_plans(const char *schema)
{
    const char *s = quote_identifier(schema);
    Oid nsp = get_namespace_oid(schema, false);
    Oid frs = rel_in(nsp, "flow_run_state");
    Oid trs = rel_in(nsp, "task_run_state");
    bool art = OidIsValid(rel_in(nsp, "artifact"));
    bool fart = art && OidIsValid(frs) &&
                get_attnum(frs, "result_artifact_id") != InvalidAttrNumber;
    bool tart = art && OidIsValid(trs) &&
                get_attnum(trs, "result_artifact_id") != InvalidAttrNumber;
    StringInfoData q, from;

    if (strcmp(plans.schema, schema) == 0 && plans.state != NULL)
        return;
    forget_plans();

    initStringInfo(&q);
    initStringInfo(&from);
    appendStringInfoString(&q, "SELECT * FROM (");
#define ART(on) ((on) ? psprintf(" LEFT JOIN %s.artifact a ON a.id = " \
                                 "s.result_artifact_id", s) : "")
    appendStringInfo(&from, "FROM %s.flow_run_state s%s WHERE s.id = $1",
                     s, ART(fart));
    state_branch(&q, 1, from.data, fart);
    resetStringInfo(&from);
    appendStringInfo(&from, "FROM %s.task_run_state s%s WHERE s.id = $1",
                     s, ART(tart));
    appendStringInfoString(&q, " UNION ALL ");
    state_branch(&q, 2, from.data, tart);
    resetStringInfo(&from);
    appendStringInfo(&from, "FROM %s.flow_run r LEFT JOIN "
                     "(%s.flow_run_state s%s) ON s.id = r.state_id "
                     "WHERE r.id = $1", s, s, ART(fart));
    appendStringInfoString(&q, " UNION ALL ");
    state_branch(&q, 3, from.data, fart);
    resetStringInfo(&from);
    appendStringInfo(&from, "FROM %s.task_run r LEFT JOIN "
                     "(%s.task_run_state s%s) ON s.id = r.state_id "
                     "WHERE r.id = $1", s, s, ART(tart));
    appendStringInfoString(&q, " UNION ALL ");
    state_branch(&q, 4, from.data, tart);
#undef ART
    appendStringInfoString(&q, ") q ORDER BY k LIMIT 1");
    plans.state = keep(q.data, 1);

    resetStringInfo(&q);
    appendStringInfo(&q,
        "SELECT d.id::text, d.name, jsonb_typeof(d.data), "
        "CASE WHEN jsonb_typeof(d.data) = 'string' THEN d.data #>> '{}' "
        "ELSE d.data::text END, d.is_anonymous, d.block_schema_id::text, "
        "d.block_type_id::text, d.block_type_name, t.name, t.slug "
        "FROM %s.block_document d JOIN %s.block_type t "
        "ON t.id = d.block_type_id WHERE d.id = $1", s, s);
    plans.block = keep(q.data, 1);

    resetStringInfo(&q);
    appendStringInfo(&q,
        "SELECT name, reference_block_document_id::text "
        "FROM %s.block_document_reference "
        "WHERE parent_block_document_id = $1 ORDER BY name", s);
    plans.refs = keep(q.data, 1);

    resetStringInfo(&q);
    appendStringInfo(&q,
        "SELECT value ->> 'fernet_key' FROM %s.configuration "
        "WHERE key = 'ENCRYPTION_KEY'", s);
    plans.key = keep(q.data, 0);

    strlcpy(plans.schema, schema, sizeof(plans.schema));
}

/* ---- ids ------------------------------------------------------------- */

/* A cheap shape check before the id reaches uuid_in: 32 hex digits,
 * hyphens, optional braces. */
static bool
uuid_shaped(const char *id)
{
    size_t n = strlen(id), i, hex = 0;

    if (n >= 2 && id[0] == '{' && id[n - 1] == '}') {
        id++;
        n -= 2;
    }
    if (n == 0 || id[0] == '-' || id[n - 1] == '-')
        return false;
    for (i = 0; i < n; i++) {
        char c = id[i];

        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
            (c >= 'A' && c <= 'F'))
            hex++;
        else if (c != '-' || id[i + 1] == '-')
            return false;
    }
    return hex == 32;
}

static pr_code
bad_id(const char *id, const char *what, pr_error *err)
{
    pr_error_set(err, PR_EINVAL, "%s id \"%.64s\" is not a UUID", what, id);
    return pr_error_hint(err, "Pass the UUID of a flow run, task run or "
                         "state as Prefect shows it.");
}

const char *
prpg_kind_name(pr_id_kind kind)
{
    switch (kind) {
    case PR_ID_FLOW_RUN_STATE:
        return "flow run state";
    case PR_ID_TASK_RUN_STATE:
        return "task run state";
    case PR_ID_FLOW_RUN:
        return "flow run";
    case PR_ID_TASK_RUN:
        return "task run";
    default:
        return "unknown";
    }
}

/* ---- get_state ------------------------------------------------------- */

typedef struct state_call {
    src_ctx *ctx;
    pr_buf *out;
    pr_id_kind *kind;
    const char *id;
} state_call;

static void
json_str_or_null(StringInfo s, const char *v)
{
    if (v == NULL)
        appendStringInfoString(s, "null");
    else
        escape_json(s, v);
}

static pr_code
state_body(void *arg, pr_error *err)
{
    state_call *a = arg;
    Datum id;
    char nulls[1] = {' '};
    HeapTuple tup;
    TupleDesc td;
    StringInfoData s;
    int k, ret;
    char *v[8];

    prepare_plans(a->ctx->schema);
    id = DirectFunctionCall1(uuid_in, CStringGetDatum(a->id));
    ret = SPI_execute_plan(plans.state, &id, nulls, true, 1);
    if (ret != SPI_OK_SELECT)
        elog(ERROR, "reading the state failed: %s",
             SPI_result_code_string(ret));
    if (SPI_processed == 0)
        return pr_error_set(err, PR_ENOTFOUND, "no flow run state, task run "
                            "state, flow run or task run has id %s in "
                            "schema %s", a->id, a->ctx->schema);
    tup = SPI_tuptable->vals[0];
    td = SPI_tuptable->tupdesc;
    for (k = 0; k < 8; k++)
        v[k] = SPI_getvalue(tup, td, k + 1);
    k = atoi(v[0]);
    if (v[1] == NULL)
        return pr_error_set(err, PR_ENOTFOUND, "%s %s has no state yet",
                            prpg_kind_name((pr_id_kind) k), a->id);

    initStringInfo(&s);
    appendStringInfoString(&s, "{\"id\":");
    escape_json(&s, v[1]);
    appendStringInfoString(&s, ",\"type\":");
    json_str_or_null(&s, v[2]);
    appendStringInfoString(&s, ",\"name\":");
    json_str_or_null(&s, v[3]);
    appendStringInfoString(&s, ",\"timestamp\":");
    json_str_or_null(&s, v[4]);
    appendStringInfoString(&s, ",\"message\":");
    json_str_or_null(&s, v[5]);
    appendStringInfoString(&s, ",\"data\":");
    appendStringInfoString(&s, v[7] != NULL ? v[7] : "null");
    appendStringInfoString(&s, ",\"state_details\":");
    appendStringInfoString(&s, v[6] != NULL ? v[6] : "{}");
    appendStringInfoChar(&s, '}');

    if (a->kind != NULL)
        *a->kind = (pr_id_kind) k;
    v[0] = prpg_utf8(s.data);
    return pr_buf_append(a->out, v[0], strlen(v[0]), err);
}

static pr_code
src_get_state(void *ctx, pr_buf *out, pr_id_kind *kind, const char *id,
              pr_error *err)
{
    state_call a;

    if (id == NULL || !uuid_shaped(id))
        return bad_id(id != NULL ? id : "", "the", err);
    a.ctx = ctx;
    a.out = out;
    a.kind = kind;
    a.id = id;
    return in_subxact(state_body, &a, err);
}

/* ---- get_block ------------------------------------------------------- */

typedef struct block_call {
    src_ctx *ctx;
    pr_buf *out;
    const char *id;
    char *key;          /* Fernet key, found once per call (palloc) */
    bool key_looked_up;
} block_call;

typedef struct block_doc {
    char *id, *name, *schema_id, *type_id, *type_name, *bt_name, *slug;
    bool anonymous;
    Datum data;         /* jsonb: own fields plus children */
    StringInfoData refs; /* block_document_references object */
} block_doc;

static void
wipe(char *p)
{
    if (p != NULL)
        explicit_bzero(p, strlen(p));
}

/* The key: setting or environment first (as the Prefect server reads
 * it), else the configuration table. */
static const char *
block_key(block_call *a)
{
    const char *k;

    if (a->key_looked_up)
        return a->key;
    a->key_looked_up = true;
    k = prpg_getenv("PREFECT_SERVER_ENCRYPTION_KEY", NULL);
    if (k == NULL || k[0] == '\0')
        k = getenv("ORION_ENCRYPTION_KEY");
    if (k != NULL && k[0] != '\0') {
        a->key = pstrdup(k);
        return a->key;
    }
    if (SPI_execute_plan(plans.key, NULL, NULL, true, 1) == SPI_OK_SELECT &&
        SPI_processed == 1)
        a->key = SPI_getvalue(SPI_tuptable->vals[0],
                              SPI_tuptable->tupdesc, 1);
    return a->key;
}

static Datum
jsonb_from(const char *text)
{
    return DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
}

static pr_code
load_block(block_call *a, const char *id, int depth, block_doc *d,
           pr_error *err)
{
    Datum arg;
    char nulls[1] = {' '};
    HeapTuple tup;
    TupleDesc td;
    char *kind, *token;
    int ret;
    uint64 i, nref;
    char **ref_names, **ref_ids;

    CHECK_FOR_INTERRUPTS();
    if (depth > MAX_BLOCK_DEPTH)
        return pr_error_set(err, PR_ELIMIT, "block document references "
                            "nest deeper than %d levels at %s",
                            MAX_BLOCK_DEPTH, id);
    arg = DirectFunctionCall1(uuid_in, CStringGetDatum(id));
    ret = SPI_execute_plan(plans.block, &arg, nulls, true, 1);
    if (ret != SPI_OK_SELECT)
        elog(ERROR, "reading block document %s failed: %s", id,
             SPI_result_code_string(ret));
    if (SPI_processed == 0)
        return pr_error_set(err, PR_ENOTFOUND, "block document %s does not "
                            "exist in schema %s", id, a->ctx->schema);
    tup = SPI_tuptable->vals[0];
    td = SPI_tuptable->tupdesc;
    d->id = SPI_getvalue(tup, td, 1);
    d->name = SPI_getvalue(tup, td, 2);
    kind = SPI_getvalue(tup, td, 3);
    token = SPI_getvalue(tup, td, 5);
    d->anonymous = token != NULL && strcmp(token, "t") == 0;
    token = SPI_getvalue(tup, td, 4);
    d->schema_id = SPI_getvalue(tup, td, 6);
    d->type_id = SPI_getvalue(tup, td, 7);
    d->type_name = SPI_getvalue(tup, td, 8);
    d->bt_name = SPI_getvalue(tup, td, 9);
    d->slug = SPI_getvalue(tup, td, 10);

    if (kind != NULL && strcmp(kind, "object") == 0) {
        /* Written before blocks were encrypted: plain fields. */
        d->data = jsonb_from(token);
    } else if (kind != NULL && strcmp(kind, "string") == 0) {
        const char *key = block_key(a);
        pr_buf plain;
        pr_code rc;

        if (key == NULL) {
            pr_error_set(err, PR_ENOTFOUND, "block document %s is "
                         "encrypted and no key was found", id);
            return pr_error_hint(err, "Set prefect_result.encryption_key "
                                 "to the Prefect server's "
                                 "PREFECT_SERVER_ENCRYPTION_KEY, or grant "
                                 "SELECT on %s.configuration.",
                                 a->ctx->schema);
        }
        pr_buf_init(&plain, 0);
        rc = pr_fernet_decrypt(&plain, key, strlen(key), token,
                               strlen(token), err);
        if (rc != PR_OK) {
            char msg[PR_ERROR_SIZE];

            pr_buf_dispose(&plain);
            strlcpy(msg, err->msg, sizeof(msg));
            pr_error_set(err, rc, "block document %s cannot be "
                         "decrypted: %s", id, msg);
            if (rc == PR_EAUTH || rc == PR_EINVAL)
                pr_error_hint(err, "The key does not match the Prefect "
                              "server's: set prefect_result.encryption_key "
                              "to its PREFECT_SERVER_ENCRYPTION_KEY.");
            return rc;
        }
        PG_TRY();
        {
            d->data = jsonb_from(plain.data != NULL ? plain.data : "");
        }
        PG_FINALLY();
        {
            if (plain.data != NULL)
                explicit_bzero(plain.data, plain.len);
            pr_buf_dispose(&plain);
        }
        PG_END_TRY();
    } else {
        return pr_error_set(err, PR_EFORMAT, "block document %s holds %s "
                            "data, not a token or an object", id,
                            kind != NULL ? kind : "no");
    }

    /* Children: inline their data under the field name. */
    ret = SPI_execute_plan(plans.refs, &arg, nulls, true, 0);
    if (ret != SPI_OK_SELECT)
        elog(ERROR, "reading the references of block document %s failed",
             id);
    nref = SPI_processed;
    ref_names = palloc(sizeof(char *) * (nref + 1));
    ref_ids = palloc(sizeof(char *) * (nref + 1));
    for (i = 0; i < nref; i++) {
        ref_names[i] = SPI_getvalue(SPI_tuptable->vals[i],
                                    SPI_tuptable->tupdesc, 1);
        ref_ids[i] = SPI_getvalue(SPI_tuptable->vals[i],
                                  SPI_tuptable->tupdesc, 2);
    }
    initStringInfo(&d->refs);
    appendStringInfoChar(&d->refs, '{');
    for (i = 0; i < nref; i++) {
        block_doc c;
        StringInfoData one;
        pr_code rc;

        if (ref_names[i] == NULL || ref_ids[i] == NULL)
            continue;
        memset(&c, 0, sizeof(c));
        rc = load_block(a, ref_ids[i], depth + 1, &c, err);
        if (rc != PR_OK)
            return rc;
        initStringInfo(&one);
        appendStringInfoChar(&one, '{');
        escape_json(&one, ref_names[i]);
        appendStringInfoString(&one, ": ");
        appendStringInfoString(&one, JsonbToCString(NULL,
            &DatumGetJsonbP(c.data)->root, VARSIZE(DatumGetPointer(c.data))));
        appendStringInfoChar(&one, '}');
        d->data = DirectFunctionCall2(jsonb_concat, d->data,
                                      jsonb_from(one.data));
        wipe(one.data);

        if (d->refs.len > 1)
            appendStringInfoChar(&d->refs, ',');
        escape_json(&d->refs, ref_names[i]);
        appendStringInfoString(&d->refs, ":{\"block_document\":{\"id\":");
        json_str_or_null(&d->refs, c.id);
        appendStringInfoString(&d->refs, ",\"name\":");
        json_str_or_null(&d->refs, c.name);
        appendStringInfoString(&d->refs, ",\"block_type\":{\"id\":");
        json_str_or_null(&d->refs, c.type_id);
        appendStringInfoString(&d->refs, ",\"name\":");
        json_str_or_null(&d->refs, c.bt_name);
        appendStringInfoString(&d->refs, ",\"slug\":");
        json_str_or_null(&d->refs, c.slug);
        appendStringInfo(&d->refs, "},\"is_anonymous\":%s,"
                         "\"block_document_references\":%s}}",
                         c.anonymous ? "true" : "false", c.refs.data);
    }
    appendStringInfoChar(&d->refs, '}');
    return PR_OK;
}

static pr_code
block_body(void *arg, pr_error *err)
{
    block_call *a = arg;
    block_doc d;
    StringInfoData s;
    char *data;
    pr_code rc;

    prepare_plans(a->ctx->schema);
    memset(&d, 0, sizeof(d));
    rc = load_block(a, a->id, 0, &d, err);
    if (a->key != NULL)
        wipe(a->key);
    if (rc != PR_OK)
        return rc;

    data = JsonbToCString(NULL, &DatumGetJsonbP(d.data)->root,
                          VARSIZE(DatumGetPointer(d.data)));
    initStringInfo(&s);
    appendStringInfoString(&s, "{\"id\":");
    json_str_or_null(&s, d.id);
    appendStringInfoString(&s, ",\"name\":");
    json_str_or_null(&s, d.name);
    appendStringInfoString(&s, ",\"data\":");
    appendStringInfoString(&s, data);
    wipe(data);
    appendStringInfoString(&s, ",\"block_schema_id\":");
    json_str_or_null(&s, d.schema_id);
    appendStringInfoString(&s, ",\"block_type_id\":");
    json_str_or_null(&s, d.type_id);
    appendStringInfoString(&s, ",\"block_type_name\":");
    json_str_or_null(&s, d.type_name);
    appendStringInfoString(&s, ",\"block_type\":{\"id\":");
    json_str_or_null(&s, d.type_id);
    appendStringInfoString(&s, ",\"name\":");
    json_str_or_null(&s, d.bt_name);
    appendStringInfoString(&s, ",\"slug\":");
    json_str_or_null(&s, d.slug);
    appendStringInfo(&s, "},\"block_document_references\":%s,"
                     "\"is_anonymous\":%s}", d.refs.data,
                     d.anonymous ? "true" : "false");
    data = prpg_utf8(s.data);
    rc = pr_buf_append(a->out, data, strlen(data), err);
    if (data != s.data)
        explicit_bzero(data, strlen(data));
    explicit_bzero(s.data, (size_t) s.len);
    return rc;
}

static pr_code
src_get_block(void *ctx, pr_buf *out, const char *block_id, pr_error *err)
{
    block_call a;

    if (block_id == NULL || !uuid_shaped(block_id)) {
        pr_error_set(err, PR_EINVAL, "block document id \"%.64s\" is not "
                     "a UUID", block_id != NULL ? block_id : "");
        return PR_EINVAL;
    }
    memset(&a, 0, sizeof(a));
    a.ctx = ctx;
    a.out = out;
    a.id = block_id;
    return in_subxact(block_body, &a, err);
}

static void
src_free(void *ctx)
{
    free(ctx);
}

const pr_source_ops prpg_source_ops = {
    "postgres",
    src_get_state,
    src_get_block,
    src_free
};

prpg_src_ctx *
prpg_source_ctx_new(const char *schema)
{
    src_ctx *c = malloc(sizeof(src_ctx));

    if (c == NULL)
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
                        errmsg("out of memory")));
    strlcpy(c->schema, schema != NULL ? schema : "", sizeof(c->schema));
    return c;
}
