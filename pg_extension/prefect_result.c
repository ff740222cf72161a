/*
 * prefect_result.c - the SQL functions of the prefect_result extension:
 * Prefect results as jsonb, decoded without Python and without running
 * pickles.  Only glue lives here: arguments in, one core call, the
 * result or the error out.
 *
 * Backend discipline:
 *  - one pr_client per backend, reused until a setting changes;
 *  - the core polls QueryCancelPending || ProcDiePending, so a cancel or
 *    statement_timeout stops a transfer; PR_ECANCELED then goes through
 *    CHECK_FOR_INTERRUPTS() (57014);
 *  - core objects (malloc) are freed before any ereport; a pr_error is a
 *    caller-owned struct, so its text is still there to raise;
 *  - jsonb is made by jsonb_in on the core's text; jsonb has no NaN, so
 *    the decoder writes non-finite floats as null or strings
 *    (prefect_result.nan) and never as bare tokens.
 */
#include "postgres.h"

#include <string.h>

#include <curl/curl.h>

#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "pr_pg.h"

PG_MODULE_MAGIC;

void _PG_init(void);

/* Set when our file check refused a path during the current call. */
static bool file_refused = false;
static bool may_read_files = false;     /* of the current user, per call */

static bool may_read_server_files(void);
static char refused_path[256];

void
_PG_init(void)
{
    prpg_define_gucs();
    /* Before any transfer, once per process (docs/test-infra.md). */
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- errors ---------------------------------------------------------- */

static int
sqlstate_of(pr_code code)
{
    switch (code) {
    case PR_EINVAL:
        return ERRCODE_INVALID_PARAMETER_VALUE;           /* 22023 */
    case PR_ENOTFOUND:
        return ERRCODE_NO_DATA_FOUND;                     /* P0002 */
    case PR_EAUTH:
        return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION; /* 28000 */
    case PR_ENETWORK:
    case PR_ETIMEOUT:
        return ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION;
    case PR_EHTTP:
        return ERRCODE_EXTERNAL_ROUTINE_EXCEPTION;        /* 38000 */
    case PR_EIO:
        return ERRCODE_IO_ERROR;                          /* 58030 */
    case PR_EFORMAT:
        return ERRCODE_INVALID_BINARY_REPRESENTATION;     /* 22P03 */
    case PR_EUNSUPPORTED:
        return ERRCODE_FEATURE_NOT_SUPPORTED;             /* 0A000 */
    case PR_ELIMIT:
        return ERRCODE_PROGRAM_LIMIT_EXCEEDED;            /* 54000 */
    case PR_ENOMEM:
        return ERRCODE_OUT_OF_MEMORY;                     /* 53200 */
    default:
        return ERRCODE_INTERNAL_ERROR;
    }
}

static void
raise_file_refused(void)
{
    ereport(ERROR,
            (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
             errmsg("permission denied to read result file \"%s\"",
                    refused_path),
             errdetail("Reading local result files requires superuser or "
                       "membership in pg_read_server_files.")));
}

/*
 * Raises the error of a failed core call.  Core objects must already be
 * freed: `e` is the caller's struct.  A PostgreSQL error kept by the SPI
 * source wins (it has the precise SQLSTATE), then a refused file.
 */
static void pg_attribute_noreturn()
raise_pr(const pr_error *e)
{
    char *msg, *hint = NULL;

    prpg_pending_rethrow();
    if (file_refused)
        raise_file_refused();
    msg = pstrdup(e->msg[0] != '\0' ? e->msg : pr_code_name(e->code));
    if (e->hint[0] != '\0')
        hint = pstrdup(e->hint);
    if (GetDatabaseEncoding() != PG_UTF8) {
        msg = pg_any_to_server(msg, (int) strlen(msg), PG_UTF8);
        if (hint != NULL)
            hint = pg_any_to_server(hint, (int) strlen(hint), PG_UTF8);
    }
    if (e->code == PR_ECANCELED) {
        CHECK_FOR_INTERRUPTS();
        ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
                        errmsg("%s", msg)));
    }
    ereport(ERROR,
            (errcode(sqlstate_of(e->code)),
             errmsg("%s", msg),
             e->http_status != 0 ?
                errdetail("The server answered with HTTP status %ld.",
                          e->http_status) :
             e->curl_code != 0 ?
                errdetail("libcurl error %d.", e->curl_code) : 0,
             hint != NULL ? errhint("%s", hint) : 0));
    pg_unreachable();
}

/* Every SQL function starts from a clean slate: no kept PostgreSQL
 * error and no refused file from an earlier call. */
static void
begin_call(void)
{
    prpg_pending_clear();
    file_refused = false;
    /* Asked here, not in the core's callback: a catalog lookup may
     * raise, and the callback must not. */
    may_read_files = may_read_server_files();
}

/* ---- JSON text to jsonb ---------------------------------------------- */

/* jsonb cannot store U+0000; find a \u0000 escape outside of another
 * escape (backslashes only occur inside strings). */
static bool
has_nul_escape(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i + 1 < n; i++) {
        if (s[i] != '\\')
            continue;
        if (s[i + 1] == 'u' && i + 5 < n && memcmp(s + i + 2, "0000", 4) == 0)
            return true;
        i++;
    }
    return false;
}

static const char nul_message[] =
    "the result contains a NUL character (\\u0000), which jsonb cannot "
    "store";

/* Consumes b (disposed on every path). */
static Datum
buf_to_jsonb(pr_buf *b)
{
    Datum d = (Datum) 0;

    if (b->data != NULL && has_nul_escape(b->data, b->len)) {
        pr_buf_dispose(b);
        ereport(ERROR,
                (errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
                 errmsg(nul_message),
                 errdetail("jsonb strings cannot contain U+0000.")));
    }
    PG_TRY();
    {
        char *text = b->data != NULL ? b->data : "null";

        if (GetDatabaseEncoding() != PG_UTF8)
            text = pg_any_to_server(text, (int) strlen(text), PG_UTF8);
        d = DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
    }
    PG_FINALLY();
    {
        pr_buf_dispose(b);
    }
    PG_END_TRY();
    return d;
}

static bool
arg_typed(FunctionCallInfo fcinfo, int n)
{
    if (PG_NARGS() <= n || PG_ARGISNULL(n))
        return prpg_typed;
    return PG_GETARG_BOOL(n);
}

/* A jsonb argument as UTF-8 JSON text for the core. */
static char *
jsonb_text(Jsonb *j)
{
    return prpg_utf8(JsonbToCString(NULL, &j->root, VARSIZE(j)));
}

/* ---- the source and the client ---------------------------------------- */

/* Reads Prefect's tables?  Raises when `database` is asked for and the
 * schema lacks them. */
static bool
use_database(void)
{
    const char *schema = prpg_schema != NULL ? prpg_schema : "";

    switch ((prpg_source_mode) prpg_source) {
    case PRPG_SOURCE_API:
        return false;
    case PRPG_SOURCE_DATABASE:
        if (!prpg_schema_has_prefect(schema))
            ereport(ERROR,
                    (errcode(ERRCODE_UNDEFINED_TABLE),
                     errmsg("schema \"%s\" has no Prefect tables", schema),
                     errdetail("prefect_result.source is database; it "
                               "needs flow_run_state, task_run_state, "
                               "flow_run and task_run in "
                               "prefect_result.schema.")));
        return true;
    case PRPG_SOURCE_AUTO:
    default:
        return prpg_schema_has_prefect(schema);
    }
}

/* The "_source" object prefect_state adds. */
static Datum
source_object(bool database, pr_id_kind kind)
{
    StringInfoData s;

    initStringInfo(&s);
    appendStringInfoString(&s, "{\"_source\": {\"source\": ");
    if (database) {
        appendStringInfoString(&s, "\"database\", \"schema\": ");
        escape_json(&s, prpg_schema);
    } else {
        char *url = prpg_api_url_redacted();

        appendStringInfoString(&s, "\"api\", \"url\": ");
        if (url != NULL)
            escape_json(&s, url);
        else
            appendStringInfoString(&s, "null");
    }
    appendStringInfoString(&s, ", \"matched\": ");
    escape_json(&s, prpg_kind_name(kind));
    appendStringInfoString(&s, "}}");
    return DirectFunctionCall1(jsonb_in, CStringGetDatum(s.data));
}


static pr_client *client = NULL;
static bool client_database = false;

static bool
may_read_server_files(void)
{
    return superuser() ||
           has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES);
}

static int
cancel_requested(void *arg)     /* nonzero: the core stops */
{
    (void) arg;
    return QueryCancelPending || ProcDiePending;
}

/* ---- failed states --------------------------------------------------- */

static char *
jsonb_key_text(Jsonb *j, const char *key, bool want_string)
{
    JsonbValue v, *got;

    if (!JB_ROOT_IS_OBJECT(j))
        return NULL;
    got = getKeyJsonValueFromContainer(&j->root, key, (int) strlen(key),
                                       &v);
    if (got == NULL)
        return NULL;
    if (got->type == jbvString)
        return pnstrdup(got->val.string.val, got->val.string.len);
    if (want_string)
        return NULL;
    if (got->type == jbvBinary) {
        StringInfoData s;

        initStringInfo(&s);
        return JsonbToCString(&s, got->val.binary.data, got->val.binary.len);
    }
    return NULL;
}

/* "ValueError: boom" from the decoded exception: the JSON serializer's
 * {"__exc_type__", "message"} or the pickle form {"__class__",
 * "__args__"}. */
static char *
exception_text(Jsonb *j, const pr_result_info *info)
{
    char *type = jsonb_key_text(j, "__exc_type__", true);
    char *msg = NULL;

    if (type != NULL)
        msg = jsonb_key_text(j, "message", true);
    else {
        type = jsonb_key_text(j, "__class__", true);
        if (type != NULL) {
            char *args = jsonb_key_text(j, "__args__", false);

            msg = args;
            if (args != NULL) {
                Datum a = DirectFunctionCall1(jsonb_in,
                                              CStringGetDatum(args));
                Jsonb *aj = DatumGetJsonbP(a);

                /* One string argument reads as Python's str(exc). */
                if (JB_ROOT_IS_ARRAY(aj) && JB_ROOT_COUNT(aj) == 1) {
                    JsonbValue *e = getIthJsonbValueFromContainer(&aj->root,
                                                                  0);

                    if (e != NULL && e->type == jbvString)
                        msg = pnstrdup(e->val.string.val,
                                       e->val.string.len);
                    /* str(KeyError(k)) is repr(k). */
                    if (e != NULL && e->type == jbvString &&
                        strcmp(type, "builtins.KeyError") == 0)
                        msg = psprintf(strchr(msg, '\'') != NULL &&
                                       strchr(msg, '"') == NULL ?
                                       "\"%s\"" : "'%s'", msg);
                }
            }
        }
    }
    if (type == NULL)
        return pstrdup(info->message[0] != '\0' ? info->message :
                       "the state holds no exception");
    if (strncmp(type, "builtins.", 9) == 0)
        type += 9;
    return msg != NULL ? psprintf("%s: %s", type, msg) : pstrdup(type);
}

static void pg_attribute_noreturn()
raise_failed(Datum value, const pr_result_info *info)
{
    char *detail = exception_text(DatumGetJsonbP(value), info);

    ereport(ERROR,
            (errcode(ERRCODE_RAISE_EXCEPTION),
             errmsg("the run ended in state %s",
                    info->state_type[0] != '\0' ? info->state_type :
                    "FAILED"),
             errdetail("%s", detail),
             errhint("Pass raise_on_failure => false to get the exception "
                     "as jsonb.")));
    pg_unreachable();
}


/** Called by the core before it opens a local file: refuse unless the
 * current user may read server files.  Never raises. */
static int
file_check(const char *path, void *arg)
{
    (void) arg;
    if (may_read_files)
        return 0;
    file_refused = true;
    strlcpy(refused_path, path != NULL ? path : "", sizeof(refused_path));
    return 1;
}

static void
set_or_raise(pr_config *cfg, const char *key, const char *value)
{
    pr_error err;

    pr_error_clear(&err);
    if (pr_config_set(cfg, key, value, &err) != PR_OK) {
        pr_config_free(cfg);
        raise_pr(&err);
    }
}

/* The backend's client for the current settings and source. */
static pr_client *
get_client(bool *database)
{
    bool db = use_database();
    List *remap;
    ListCell *lc;
    prpg_src_ctx *ctx = NULL;
    pr_config *cfg = NULL;
    pr_client *c = NULL;
    pr_error err;
    char num[32];

    *database = db;
    if (client != NULL && !prpg_settings_changed && db == client_database)
        return client;
    pr_client_free(client);
    client = NULL;

    /* Everything that may raise, before any core object exists. */
    remap = prpg_remap_items();

    pr_error_clear(&err);
    if (pr_config_load(&cfg, prpg_getenv, NULL, &err) != PR_OK)
        raise_pr(&err);
    if (prpg_timeout_ms > 0) {
        snprintf(num, sizeof(num), "%d", prpg_timeout_ms);
        set_or_raise(cfg, "timeout_ms", num);
    }
    if (prpg_connect_timeout_ms > 0) {
        snprintf(num, sizeof(num), "%d", prpg_connect_timeout_ms);
        set_or_raise(cfg, "connect_timeout_ms", num);
    }
    foreach (lc, remap)
        set_or_raise(cfg, "remap", (const char *) lfirst(lc));
    /* Never let the core look for a prefect.db of its own here. */
    set_or_raise(cfg, "source", "api");

    if (pr_client_new(&c, cfg, &err) != PR_OK) {
        pr_config_free(cfg);
        raise_pr(&err);
    }
    pr_config_free(cfg);
    pr_client_set_cancel(c, cancel_requested, NULL);
    pr_client_set_file_check(c, file_check, NULL);
    if (db) {
        ctx = malloc(sizeof(*ctx));
        if (ctx == NULL) {
            pr_client_free(c);
            ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
                            errmsg("out of memory")));
        }
        strlcpy(ctx->schema, prpg_schema, sizeof(ctx->schema));
        pr_client_set_source(c, &prpg_source_ops, ctx);
    }
    client = c;
    client_database = db;
    prpg_settings_changed = false;
    return client;
}

/* One resolution: by id, or from a state's JSON. */
static Datum
resolve(const char *id, const char *state, bool typed, bool raise_failure,
        pr_result_info *info)
{
    pr_decode_opts opts;
    pr_client *c;
    pr_buf out;
    pr_error err;
    pr_code rc;
    bool db;
    Datum value;

    begin_call();
    c = get_client(&db);
    prpg_decode_opts(&opts, typed);
    memset(info, 0, sizeof(*info));
    pr_error_clear(&err);
    pr_buf_init(&out, opts.lim.max_output);
    if (id != NULL)
        rc = pr_client_result(c, &out, info, id, &opts, &err);
    else
        rc = pr_client_resolve(c, &out, info, state, strlen(state), &opts,
                               &err);
    if (rc != PR_OK) {
        pr_buf_dispose(&out);
        raise_pr(&err);
    }
    prpg_pending_clear();
    value = buf_to_jsonb(&out);
    if (info->failed && raise_failure)
        raise_failed(value, info);
    return value;
}


/* ---- SQL functions --------------------------------------------------- */

/* SQL function: prefect_decode(bytea, jsonb, boolean) returns jsonb */
PG_FUNCTION_INFO_V1(pg_prefect_decode);
Datum
pg_prefect_decode(PG_FUNCTION_ARGS)
{
    bytea *data;
    char *serializer = NULL;
    pr_decode_opts opts;
    pr_buf out;
    pr_error err;

    begin_call();
    if (PG_ARGISNULL(0))
        PG_RETURN_NULL();
    data = PG_GETARG_BYTEA_PP(0);
    if (!PG_ARGISNULL(1))
        serializer = jsonb_text(PG_GETARG_JSONB_P(1));
    prpg_decode_opts(&opts, arg_typed(fcinfo, 2));

    pr_error_clear(&err);
    pr_buf_init(&out, opts.lim.max_output);
    if (pr_decode_result(&out, VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data),
                         serializer, 0, &opts, &err) != PR_OK) {
        pr_buf_dispose(&out);
        raise_pr(&err);
    }
    PG_RETURN_DATUM(buf_to_jsonb(&out));
}

/* SQL function: prefect_result(text, boolean, boolean) returns jsonb */
PG_FUNCTION_INFO_V1(pg_prefect_result_id);
Datum
pg_prefect_result_id(PG_FUNCTION_ARGS)
{
    pr_result_info info;
    char *id;

    if (PG_ARGISNULL(0))
        PG_RETURN_NULL();
    id = prpg_utf8(text_to_cstring(PG_GETARG_TEXT_PP(0)));
    PG_RETURN_DATUM(resolve(id, NULL, arg_typed(fcinfo, 1),
                            PG_ARGISNULL(2) || PG_GETARG_BOOL(2), &info));
}

/* SQL function: prefect_result(jsonb, boolean, boolean) returns jsonb */
PG_FUNCTION_INFO_V1(pg_prefect_result_state);
Datum
pg_prefect_result_state(PG_FUNCTION_ARGS)
{
    pr_result_info info;
    char *state;

    if (PG_ARGISNULL(0))
        PG_RETURN_NULL();
    state = jsonb_text(PG_GETARG_JSONB_P(0));
    PG_RETURN_DATUM(resolve(NULL, state, arg_typed(fcinfo, 1),
                            PG_ARGISNULL(2) || PG_GETARG_BOOL(2), &info));
}

/* SQL function: prefect_state(text) returns jsonb */
PG_FUNCTION_INFO_V1(pg_prefect_state);
Datum
pg_prefect_state(PG_FUNCTION_ARGS)
{
    char *id = prpg_utf8(text_to_cstring(PG_GETARG_TEXT_PP(0)));
    bool db;
    pr_id_kind kind = PR_ID_UNKNOWN;
    pr_decode_opts opts;
    pr_buf out;
    pr_error err;
    pr_code rc;
    Datum state;

    begin_call();
    db = use_database();
    prpg_decode_opts(&opts, false);
    pr_error_clear(&err);
    if (db) {
        prpg_src_ctx ctx;

        strlcpy(ctx.schema, prpg_schema, sizeof(ctx.schema));
        pr_buf_init(&out, opts.lim.max_output);
        rc = prpg_source_ops.get_state(&ctx, &out, &kind, id, &err);
    } else {
        pr_client *c = get_client(&db);

        pr_buf_init(&out, opts.lim.max_output);
        rc = pr_client_get_state(c, &out, &kind, id, &err);
    }
    if (rc != PR_OK) {
        pr_buf_dispose(&out);
        raise_pr(&err);
    }
    prpg_pending_clear();
    state = buf_to_jsonb(&out);
    PG_RETURN_DATUM(DirectFunctionCall2(jsonb_concat, state,
                                        source_object(db, kind)));
}

/* SQL function: prefect_block(text) returns jsonb */
PG_FUNCTION_INFO_V1(pg_prefect_block);
Datum
pg_prefect_block(PG_FUNCTION_ARGS)
{
    char *id = text_to_cstring(PG_GETARG_TEXT_PP(0));
    prpg_src_ctx ctx;
    pr_decode_opts opts;
    pr_buf out;
    pr_error err;

    begin_call();
    if (!superuser())
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                 errmsg("permission denied for prefect_block"),
                 errdetail("Block documents hold secrets; only a superuser "
                           "may read them.")));
    if (!use_database())
        ereport(ERROR,
                (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                 errmsg("prefect_block reads Prefect's own tables"),
                 errhint("Set prefect_result.schema to the schema that "
                         "holds them.")));
    strlcpy(ctx.schema, prpg_schema, sizeof(ctx.schema));
    prpg_decode_opts(&opts, false);
    pr_error_clear(&err);
    pr_buf_init(&out, opts.lim.max_output);
    if (prpg_source_ops.get_block(&ctx, &out, id, &err) != PR_OK) {
        if (out.data != NULL)
            explicit_bzero(out.data, out.len);
        pr_buf_dispose(&out);
        raise_pr(&err);
    }
    prpg_pending_clear();
    PG_RETURN_DATUM(buf_to_jsonb(&out));
}

/*
 * SQL function: prefect_results(text[], boolean)
 *   returns table (id text, result jsonb, error text)
 * One row per id, in order; a failure is that row's error.  The ids are
 * resolved by a core batch: prefect_result.parallel requests in flight
 * on one curl multi handle.  A cancel stops the whole call.
 *
 * The batch is core (malloc) memory held across PostgreSQL calls that
 * may raise (jsonb_in, tuplestore): a reset callback on the call's
 * memory context frees it on every way out.
 */
typedef struct batch_guard {
    pr_batch *batch;
} batch_guard;

static void
free_batch(void *arg)
{
    batch_guard *g = arg;

    pr_batch_free(g->batch);
    g->batch = NULL;
}

/* Builds one row from a batch result. */
static void
put_row(ReturnSetInfo *rsinfo, Datum id, bool id_null, pr_batch_result *r)
{
    Datum values[3];
    bool nulls[3] = {false, true, true};
    pr_buf *out = r->value;

    values[0] = id;
    nulls[0] = id_null;
    if (r->rc != PR_OK) {
        const char *msg = r->err.msg[0] != '\0' ? r->err.msg
                          : pr_code_name(r->rc);

        if (id_null)
            msg = "the id is null";
        values[2] = CStringGetTextDatum(msg);
        nulls[2] = false;
    } else if (out->data != NULL && has_nul_escape(out->data, out->len)) {
        values[2] = CStringGetTextDatum(nul_message);
        nulls[2] = false;
    } else {
        values[1] = buf_to_jsonb(out);
        nulls[1] = false;
        if (r->info.failed) {
            values[2] = CStringGetTextDatum(psprintf(
                "the run ended in state %s: %s",
                r->info.state_type[0] != '\0' ? r->info.state_type
                : "FAILED",
                exception_text(DatumGetJsonbP(values[1]), &r->info)));
            nulls[2] = false;
        }
    }
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

PG_FUNCTION_INFO_V1(pg_prefect_results);
Datum
pg_prefect_results(PG_FUNCTION_ARGS)
{
    ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
    ArrayType *ids;
    Datum *elems;
    bool *enulls;
    int n, i;
    bool typed = arg_typed(fcinfo, 1), db;
    const char **cids;
    pr_decode_opts opts;
    pr_client *c;
    pr_error err;
    pr_code rc;
    pr_batch_result *r;
    batch_guard *guard;
    MemoryContextCallback *cb;
    MemoryContext rowcxt, oldcxt;

    begin_call();
    InitMaterializedSRF(fcinfo, 0);
    if (PG_ARGISNULL(0))
        return (Datum) 0;
    ids = PG_GETARG_ARRAYTYPE_P(0);
    if (ARR_NDIM(ids) > 1)
        ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
                        errmsg("ids must be a one-dimensional array")));
    deconstruct_array(ids, TEXTOID, -1, false, TYPALIGN_INT, &elems,
                      &enulls, &n);
    c = get_client(&db);
    prpg_decode_opts(&opts, typed);
    cids = palloc0(sizeof(*cids) * (n > 0 ? n : 1));
    for (i = 0; i < n; i++)
        if (!enulls[i])
            cids[i] = prpg_utf8(TextDatumGetCString(elems[i]));

    guard = palloc0(sizeof(*guard));
    cb = palloc0(sizeof(*cb));
    cb->func = free_batch;
    cb->arg = guard;
    MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
    pr_error_clear(&err);
    if (pr_batch_new(&guard->batch, c, cids, (size_t) n, &opts,
                     (size_t) prpg_parallel, &err) != PR_OK)
        raise_pr(&err);
    rowcxt = AllocSetContextCreate(CurrentMemoryContext,
                                   "prefect_results row",
                                   ALLOCSET_DEFAULT_SIZES);
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        rc = pr_batch_next(guard->batch, &r, &err);
        if (rc != PR_OK) {
            ErrorData *kept = prpg_pending_take();

            free_batch(guard);
            if (kept != NULL && (kept->sqlerrcode == ERRCODE_QUERY_CANCELED ||
                                 kept->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN))
                ReThrowError(kept);
            file_refused = false;   /* a row's refusal is not this error */
            raise_pr(&err);
        }
        if (r == NULL)
            break;
        oldcxt = MemoryContextSwitchTo(rowcxt);
        put_row(rsinfo, elems[r->index], enulls[r->index], r);
        MemoryContextSwitchTo(oldcxt);
        MemoryContextReset(rowcxt);
    }
    free_batch(guard);
    prpg_pending_clear();
    return (Datum) 0;
}
