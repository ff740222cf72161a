/*
 * pg_guc.c - the prefect_result.* settings, and the getenv callback that
 * lets the core read them as if they were Prefect's environment
 * variables (a set GUC wins; an unset one falls back to the server's
 * environment and profile, exactly as the command-line tools read them).
 *
 * Who may set what: anything that decides where the server connects or
 * which files it reads, and every secret, is PGC_SUSET; secrets are also
 * GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL and SHOW prints "********".
 * Decoding choices and limits are PGC_USERSET.
 */
#include "postgres.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

#include "pr_pg.h"

/* Values (GUC-owned storage). */
char *prpg_api_url = NULL;
static char *api_key = NULL;
static char *auth_string = NULL;
static char *encryption_key = NULL;
static char *local_storage_path = NULL;
static char *path_remap = NULL;
static char *ca_file = NULL;
char *prpg_schema = NULL;
int prpg_source = PRPG_SOURCE_AUTO;
bool prpg_typed = false;
int prpg_timeout_ms = 0;
int prpg_parallel = PR_BATCH_PARALLEL;
int prpg_connect_timeout_ms = 0;
static int nan_policy = PR_NAN_NULL;
static int max_result_bytes = 256 * 1024 * 1024;
static int max_output_bytes = 256 * 1024 * 1024;
static int max_depth = 1000;
static int max_memory_kb = 1024 * 1024;

bool prpg_settings_changed = true;

static const struct config_enum_entry nan_options[] = {
    {"null", PR_NAN_NULL, false},
    {"string", PR_NAN_STRING, false},
    {NULL, 0, false}
};

static const struct config_enum_entry source_options[] = {
    {"auto", PRPG_SOURCE_AUTO, false},
    {"api", PRPG_SOURCE_API, false},
    {"database", PRPG_SOURCE_DATABASE, false},
    {NULL, 0, false}
};

/* Any change of a setting the client was built from. */
static void
changed_string(const char *newval, void *extra)
{
    (void) newval;
    (void) extra;
    prpg_settings_changed = true;
}

static void
changed_int(int newval, void *extra)
{
    (void) newval;
    (void) extra;
    prpg_settings_changed = true;
}

static const char *
mask(const char *v)
{
    return v != NULL && v[0] != '\0' ? "********" : "";
}

/* Secrets never show their value, even to a superuser. */
static const char *
show_api_key(void)
{
    return mask(api_key);
}

static const char *
show_auth_string(void)
{
    return mask(auth_string);
}

static const char *
show_encryption_key(void)
{
    return mask(encryption_key);
}

/* path_remap: a comma-separated list of FROM=TO items. */
static bool
check_path_remap(char **newval, void **extra, GucSource source)
{
    char *raw;
    List *items;
    ListCell *lc;
    bool ok = true;

    (void) extra;
    (void) source;
    if (*newval == NULL || (*newval)[0] == '\0')
        return true;
    raw = pstrdup(*newval);
    if (!SplitGUCList(raw, ',', &items)) {
        GUC_check_errdetail("List syntax is invalid.");
        return false;
    }
    foreach (lc, items) {
        const char *item = lfirst(lc);
        const char *eq = strchr(item, '=');

        if (eq == NULL || eq == item || eq[1] == '\0') {
            GUC_check_errdetail("Each item must be FROM=TO, with a path "
                                "prefix on either side.");
            ok = false;
            break;
        }
    }
    list_free(items);
    pfree(raw);
    return ok;
}

static void
define_secret(const char *name, const char *desc, char **var,
              GucShowHook show)
{
    DefineCustomStringVariable(name, desc, NULL, var, "", PGC_SUSET,
                               GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL |
                               GUC_NOT_IN_SAMPLE,
                               NULL, changed_string, show);
}

void
prpg_define_gucs(void)
{
    DefineCustomStringVariable(
        "prefect_result.api_url",
        "Prefect API URL (PREFECT_API_URL when empty).",
        "Self-hosted: http://host:4200/api; Prefect Cloud: "
        "https://<host>/api/accounts/<id>/workspaces/<id>.",
        &prpg_api_url, "", PGC_SUSET, 0, NULL, changed_string, NULL);
    define_secret("prefect_result.api_key",
                  "Prefect API key (PREFECT_API_KEY when empty).",
                  &api_key, show_api_key);
    define_secret("prefect_result.auth_string",
                  "Basic auth user:password for a self-hosted server "
                  "(PREFECT_API_AUTH_STRING when empty).",
                  &auth_string, show_auth_string);
    define_secret("prefect_result.encryption_key",
                  "Fernet key of the Prefect server's block documents "
                  "(PREFECT_SERVER_ENCRYPTION_KEY when empty, else the "
                  "configuration table).",
                  &encryption_key, show_encryption_key);
    DefineCustomStringVariable(
        "prefect_result.local_storage_path",
        "Default local result storage (PREFECT_LOCAL_STORAGE_PATH when "
        "empty).",
        NULL, &local_storage_path, "", PGC_SUSET, 0, NULL, changed_string,
        NULL);
    DefineCustomStringVariable(
        "prefect_result.path_remap",
        "Storage path prefixes written elsewhere and where they are here.",
        "A comma-separated list of FROM=TO items.",
        &path_remap, "", PGC_SUSET, GUC_LIST_INPUT,
        check_path_remap, changed_string, NULL);
    DefineCustomStringVariable(
        "prefect_result.ca_file",
        "CA bundle for HTTPS (PREFECT_API_SSL_CERT_FILE when empty).",
        NULL, &ca_file, "", PGC_SUSET, 0, NULL, changed_string, NULL);
    DefineCustomStringVariable(
        "prefect_result.schema",
        "Schema holding Prefect's server tables, for the database source.",
        NULL, &prpg_schema, "public", PGC_SUSET, 0, NULL, changed_string,
        NULL);
    DefineCustomEnumVariable(
        "prefect_result.source",
        "Where states and blocks are read: auto, api or database.",
        "auto reads Prefect's tables when prefect_result.schema holds "
        "them, else the API.",
        &prpg_source, PRPG_SOURCE_AUTO, source_options, PGC_USERSET, 0,
        NULL, changed_int, NULL);
    DefineCustomIntVariable(
        "prefect_result.timeout",
        "Timeout of one HTTP request (0: PREFECT_API_REQUEST_TIMEOUT or "
        "60 s).",
        NULL, &prpg_timeout_ms, 0, 0, INT_MAX, PGC_USERSET, GUC_UNIT_MS,
        NULL, changed_int, NULL);
    DefineCustomIntVariable(
        "prefect_result.connect_timeout",
        "Timeout for connecting (0: 10 s).",
        NULL, &prpg_connect_timeout_ms, 0, 0, INT_MAX, PGC_USERSET,
        GUC_UNIT_MS, NULL, changed_int, NULL);
    DefineCustomIntVariable(
        "prefect_result.parallel",
        "Requests prefect_results keeps in flight at once.",
        NULL, &prpg_parallel, PR_BATCH_PARALLEL, 1, PR_BATCH_PARALLEL_MAX,
        PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomBoolVariable(
        "prefect_result.typed",
        "Typed mode when a function's typed argument is NULL or omitted.",
        NULL, &prpg_typed, false, PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomEnumVariable(
        "prefect_result.nan",
        "How NaN and infinities are written (jsonb has no NaN): null or "
        "string.",
        NULL, &nan_policy, PR_NAN_NULL, nan_options, PGC_USERSET, 0, NULL,
        NULL, NULL);
    DefineCustomIntVariable(
        "prefect_result.max_result_bytes",
        "Largest stored result (file or bytea) that is decoded.",
        NULL, &max_result_bytes, 256 * 1024 * 1024, 1024, MaxAllocSize,
        PGC_USERSET, GUC_UNIT_BYTE, NULL, NULL, NULL);
    DefineCustomIntVariable(
        "prefect_result.max_output_bytes",
        "Largest JSON text a result may decode to.",
        NULL, &max_output_bytes, 256 * 1024 * 1024, 1024, MaxAllocSize - 1,
        PGC_USERSET, GUC_UNIT_BYTE, NULL, NULL, NULL);
    DefineCustomIntVariable(
        "prefect_result.max_depth",
        "Deepest nesting a decoded value may have.",
        NULL, &max_depth, 1000, 1, 5000, PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable(
        "prefect_result.max_memory",
        "Memory the decoder may use for one value.",
        NULL, &max_memory_kb, 1024 * 1024, 1024, INT_MAX, PGC_USERSET,
        GUC_UNIT_KB, NULL, NULL, NULL);

    MarkGUCPrefixReserved("prefect_result");
}

void
prpg_decode_opts(pr_decode_opts *o, bool typed)
{
    pr_decode_opts d = PR_DECODE_OPTS_INIT;

    d.typed = typed ? 1 : 0;
    d.nan = nan_policy == PR_NAN_STRING ? PR_NAN_STRING : PR_NAN_NULL;
    d.lim.max_input = (size_t) max_result_bytes;
    d.lim.max_output = (size_t) max_output_bytes;
    d.lim.max_depth = (size_t) max_depth;
    d.lim.max_arena = (size_t) max_memory_kb * 1024;
    *o = d;
}

static const char *
set_or_null(const char *v)
{
    return v != NULL && v[0] != '\0' ? v : NULL;
}

const char *
prpg_getenv(const char *name, void *arg)
{
    static const struct {
        const char *env;
        char **guc;
    } map[] = {
        {"PREFECT_API_URL", &prpg_api_url},
        {"PREFECT_API_KEY", &api_key},
        {"PREFECT_API_AUTH_STRING", &auth_string},
        {"PREFECT_SERVER_ENCRYPTION_KEY", &encryption_key},
        {"PREFECT_LOCAL_STORAGE_PATH", &local_storage_path},
        {"PREFECT_RESULTS_LOCAL_STORAGE_PATH", &local_storage_path},
        {"PREFECT_API_SSL_CERT_FILE", &ca_file},
    };
    size_t i;

    (void) arg;
    if (name == NULL)
        return NULL;
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(name, map[i].env) == 0) {
            const char *v = set_or_null(*map[i].guc);

            if (v != NULL)
                return v;
            break;
        }
    }
    return getenv(name);
}

char *
prpg_api_url_redacted(void)
{
    const char *url = set_or_null(prpg_getenv("PREFECT_API_URL", NULL));
    const char *scheme, *host, *at, *end;
    StringInfoData s;

    if (url == NULL)
        return NULL;
    /* scheme://[userinfo@]host/path?query#fragment: keep scheme, host
     * and path. */
    scheme = strstr(url, "://");
    host = scheme != NULL ? scheme + 3 : url;
    end = host + strcspn(host, "/?#");
    at = memchr(host, '@', (size_t) (end - host));
    initStringInfo(&s);
    appendBinaryStringInfo(&s, url, (int) (host - url));
    if (at != NULL)
        host = at + 1;
    appendBinaryStringInfo(&s, host, (int) strcspn(host, "?#"));
    return s.data;
}

List *
prpg_remap_items(void)
{
    char *raw;
    List *items;

    if (path_remap == NULL || path_remap[0] == '\0')
        return NIL;
    raw = pstrdup(path_remap);
    if (!SplitGUCList(raw, ',', &items))
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("prefect_result.path_remap is not a valid list")));
    return items;
}
