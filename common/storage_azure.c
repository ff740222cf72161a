/*
 * storage_azure.c - results in Azure Blob Storage (and emulators such
 * as Azurite): azure-blob-storage-container blocks (prefect-azure) with
 * azure-blob-storage-credentials, the 2.x `azure` block, and
 * remote-file-system blocks whose basepath is az://, abfs:// or
 * abfss:// (adlfs) (docs/prefect-results.md section 4.4).
 *
 * Authorization, as the Azure SDK picks it:
 *   - a connection string with AccountName and AccountKey: SharedKey,
 *     HMAC-SHA256 over the canonical request (azure_sign.c); its
 *     endpoint is BlobEndpoint, else DefaultEndpointsProtocol://
 *     AccountName.blob.EndpointSuffix; UseDevelopmentStorage=true is
 *     the local emulator;
 *   - a connection string with SharedAccessSignature, a sas_token, or
 *     an account_url with a query: the SAS is appended to the URL;
 *   - account_url with client_id, tenant_id and client_secret (or, as
 *     DefaultAzureCredential's first step, AZURE_CLIENT_ID,
 *     AZURE_TENANT_ID and AZURE_CLIENT_SECRET): an OAuth client-
 *     credentials token from AUTHORITY/TENANT/oauth2/v2.0/token, the
 *     authority being AZURE_AUTHORITY_HOST or login.microsoftonline.com,
 *     sent as a Bearer token;
 *   - account_url alone: an anonymous request (public containers); the
 *     rest of DefaultAzureCredential (managed identity, the CLI) needs
 *     an SDK.
 *
 * The key, the SAS and the connection string are secrets: they are
 * wiped when freed, URLs in messages lose their query (pr_url_redact in
 * http.c), and messages name the blob as az://container/blob.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>

#include "pr.h"
#include "alloc.h"
#include "azure_sign.h"
#include "config.h"
#include "http.h"
#include "jsonw.h"
#include "s3url.h"
#include "storage.h"

#define NAME_SHOW 60
#define KEY_SHOW 120
#define AZ_VERSION "2021-08-06"
/* The storage emulator's account, as Microsoft documents it. */
#define DEV_ACCOUNT "devstoreaccount1"
#define DEV_KEY "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4" \
                "I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
#define DEV_ENDPOINT "http://127.0.0.1:10000/" DEV_ACCOUNT

/* Everything one read needs; every string owned (secrets wiped). */
typedef struct az_req {
    char *container;
    char *folder;           /* base_folder, or the URL's path */
    char *blob;             /* the blob name read */
    char *endpoint;         /* blob service URL: no trailing '/', no query */
    char *account;          /* SharedKey account name */
    char *key;              /* account key, base64 (secret) */
    char *sas;              /* SAS query, without '?' (secret) */
    char *tenant, *client_id, *client_secret;   /* secrets */
    char *token;            /* the OAuth access token (secret) */
    char sp_from[120];      /* where the service principal came from */
    int fsspec;             /* basepath + '/' + key (remote-file-system) */
    char what[100];         /* "azure-blob-storage-container block 'x'" */
    char creds_from[320];   /* "the credentials of block 'x'" */
    char key_hint[120];     /* what to check when access is denied */
} az_req;

static void
req_free(az_req *r)
{
    pr_free(r->container);
    pr_free(r->folder);
    pr_free(r->blob);
    pr_free_secret(r->endpoint);
    pr_free(r->account);
    pr_free_secret(r->key);
    pr_free_secret(r->sas);
    pr_free_secret(r->tenant);
    pr_free_secret(r->client_id);
    pr_free_secret(r->client_secret);
    pr_free_secret(r->token);
}

static pr_code
nomem(pr_error *err)
{
    return pr_error_set(err, PR_ENOMEM, "out of memory reading an Azure "
                        "blob");
}

/* Replaces *dst with a copy of s[0..n) (a secret may be replaced). */
static pr_code
set_n(char **dst, const char *s, size_t n, pr_error *err)
{
    pr_free_secret(*dst);
    *dst = pr_strndup(s, n);
    return *dst != NULL ? PR_OK : nomem(err);
}

static int
truthy(const cJSON *j, int dflt)
{
    if (cJSON_IsBool(j))
        return cJSON_IsTrue(j);
    if (cJSON_IsString(j) && j->valuestring != NULL)
        return strcasecmp(j->valuestring, "false") != 0 &&
               strcmp(j->valuestring, "0") != 0 &&
               strcasecmp(j->valuestring, "f") != 0;
    return dflt;
}

static void
set_creds_from(az_req *r, const char *owner)
{
    char shown[NAME_SHOW + 4];

    pr_storage_show(shown, sizeof(shown), owner != NULL ? owner : "?",
                    NAME_SHOW);
    snprintf(r->creds_from, sizeof(r->creds_from),
             "the credentials of block '%s'", shown);
}

/* Drops trailing '/' from *s. */
static void
rstrip_slash(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && s[n - 1] == '/')
        s[--n] = '\0';
}

/* An http(s) URL split at its query: the part before it into *url
 * (trailing '/' dropped) and a non-empty query into *sas. */
static pr_code
take_url(az_req *r, char **url, const char *s, const char *field,
         pr_error *err)
{
    const char *q = strchr(s, '?');
    size_t n = q != NULL ? (size_t)(q - s) : strlen(s);
    pr_code rc;

    if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
        return pr_error_set(err, PR_EINVAL, "%s: %s is not an http or "
                            "https URL", r->what, field);
    rc = set_n(url, s, n, err);
    if (rc == PR_OK)
        rstrip_slash(*url);
    if (rc == PR_OK && q != NULL && q[1] != '\0')
        rc = set_n(&r->sas, q + 1, strlen(q + 1), err);
    return rc;
}

/* Takes the service principal when all three parts are given. */
static pr_code
set_sp(az_req *r, const char *client_id, const char *tenant,
       const char *secret, const char *from, pr_error *err)
{
    if (client_id == NULL || tenant == NULL || secret == NULL)
        return PR_OK;
    if ((r->client_id = pr_strdup(client_id)) == NULL ||
        (r->tenant = pr_strdup(tenant)) == NULL ||
        (r->client_secret = pr_strdup(secret)) == NULL)
        return nomem(err);
    snprintf(r->sp_from, sizeof(r->sp_from), "%s", from);
    snprintf(r->key_hint, sizeof(r->key_hint), "check %s and the "
             "principal's role on the container (Storage Blob Data "
             "Reader)", from);
    return PR_OK;
}

/* ------------------------------------------------- connection strings */

/* Compares the name s[0..n) with `name`, case-insensitively. */
static int
is_name(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

/*
 * "Name=Value;..." (names case-insensitive, a value up to the next ';',
 * '=' inside values kept).  The message never shows the string.
 */
static pr_code
parse_conn(az_req *r, const char *cs, const char *field, pr_error *err)
{
    char *proto = NULL, *suffix = NULL, *blob_ep = NULL, *acct = NULL;
    char *key = NULL, *sas = NULL;
    const char *s = cs, *semi, *eq;
    int dev = 0;
    size_t len, nl;
    pr_code rc = PR_OK;

    while (s != NULL && *s != '\0' && rc == PR_OK) {
        char **dst = NULL;

        semi = strchr(s, ';');
        len = semi != NULL ? (size_t)(semi - s) : strlen(s);
        eq = memchr(s, '=', len);
        if (eq != NULL) {
            nl = (size_t)(eq - s);
            while (nl > 0 && (s[nl - 1] == ' ' || s[nl - 1] == '\t'))
                nl--;
            while (nl > 0 && (*s == ' ' || *s == '\t')) {
                s++;
                nl--;
                len--;
            }
            if (is_name(s, nl, "DefaultEndpointsProtocol"))
                dst = &proto;
            else if (is_name(s, nl, "EndpointSuffix"))
                dst = &suffix;
            else if (is_name(s, nl, "BlobEndpoint"))
                dst = &blob_ep;
            else if (is_name(s, nl, "AccountName"))
                dst = &acct;
            else if (is_name(s, nl, "AccountKey"))
                dst = &key;
            else if (is_name(s, nl, "SharedAccessSignature"))
                dst = &sas;
            else if (is_name(s, nl, "UseDevelopmentStorage"))
                dev = strncasecmp(eq + 1, "true", 4) == 0;
            if (dst != NULL)
                rc = set_n(dst, eq + 1, len - (size_t)(eq + 1 - s), err);
        }
        s = semi != NULL ? semi + 1 : NULL;
    }
    if (rc == PR_OK && dev) {
        if (acct == NULL)
            rc = set_n(&acct, DEV_ACCOUNT, strlen(DEV_ACCOUNT), err);
        if (rc == PR_OK && key == NULL && sas == NULL)
            rc = set_n(&key, DEV_KEY, strlen(DEV_KEY), err);
        if (rc == PR_OK && blob_ep == NULL)
            rc = set_n(&blob_ep, DEV_ENDPOINT, strlen(DEV_ENDPOINT), err);
    }
    if (rc == PR_OK && blob_ep != NULL) {
        rc = take_url(r, &r->endpoint, blob_ep, "the connection string's "
                      "BlobEndpoint", err);
    } else if (rc == PR_OK && acct != NULL) {
        size_t n = strlen(acct) + 64 + (suffix != NULL ? strlen(suffix) : 0);

        pr_free_secret(r->endpoint);
        r->endpoint = pr_malloc(n);
        if (r->endpoint == NULL)
            rc = nomem(err);
        else
            snprintf(r->endpoint, n, "%s://%s.blob.%s",
                     proto != NULL && strcasecmp(proto, "http") == 0
                     ? "http" : "https", acct,
                     suffix != NULL ? suffix : "core.windows.net");
    } else if (rc == PR_OK) {
        rc = pr_error_set(err, PR_EFORMAT, "%s: %s has neither AccountName "
                          "nor BlobEndpoint", r->what, field);
    }
    if (rc == PR_OK && key != NULL) {
        if (acct == NULL)
            rc = pr_error_set(err, PR_EFORMAT, "%s: %s has an AccountKey "
                              "but no AccountName", r->what, field);
        else {
            r->account = acct;
            r->key = key;
            acct = key = NULL;
        }
    } else if (rc == PR_OK && sas != NULL) {
        const char *q = sas[0] == '?' ? sas + 1 : sas;

        rc = set_n(&r->sas, q, strlen(q), err);
    }
    if (rc == PR_OK)
        snprintf(r->key_hint, sizeof(r->key_hint), "check the account key "
                 "or SAS in %s", field);
    pr_free(proto);
    pr_free(suffix);
    pr_free_secret(blob_ep);
    pr_free(acct);
    pr_free_secret(key);
    pr_free_secret(sas);
    return rc;
}

/* ------------------------------------------------------------- blocks */

/* azure-blob-storage-credentials fields (prefect-azure). */
static pr_code
parse_creds(az_req *r, const cJSON *c, pr_error *err)
{
    const char *cs = pr_jstr(c, "connection_string"), *url;
    pr_code rc = PR_OK;

    if (cs != NULL)
        return parse_conn(r, cs, "connection_string", err);
    url = pr_jstr(c, "account_url");
    if (url == NULL)
        return pr_error_set(err, PR_EFORMAT, "%s: its credentials have "
                            "neither connection_string nor account_url",
                            r->what);
    rc = take_url(r, &r->endpoint, url, "account_url", err);
    snprintf(r->key_hint, sizeof(r->key_hint), "%s", r->sas != NULL
             ? "check the SAS in account_url"
             : "the container is not public: give the credentials a "
               "connection_string");
    if (rc == PR_OK && r->sas == NULL)
        rc = set_sp(r, pr_jstr(c, "client_id"), pr_jstr(c, "tenant_id"),
                    pr_jstr(c, "client_secret"), "client_id, tenant_id and "
                    "client_secret", err);
    return rc;
}

static pr_code
parse_container(az_req *r, const cJSON *block, const char *block_id,
                pr_error *err)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(block, "data");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(data, "credentials");
    const char *name = pr_jstr(block, "name"), *s, *cname;

    pr_storage_what(r->what, sizeof(r->what),
                    "azure-blob-storage-container", name, block_id);
    s = pr_jstr(data, "container_name");
    if (s == NULL)
        return pr_error_set(err, PR_EFORMAT, "%s has no container_name",
                            r->what);
    if ((r->container = pr_strdup(s)) == NULL)
        return nomem(err);
    s = pr_jstr(data, "base_folder");
    if (s != NULL && (r->folder = pr_strdup(s)) == NULL)
        return nomem(err);
    cname = pr_storage_ref_name(block, "credentials", NULL);
    set_creds_from(r, cname != NULL ? cname : name);
    if (!cJSON_IsObject(c))
        return pr_error_set(err, PR_EFORMAT, "%s has no credentials",
                            r->what);
    return parse_creds(r, c, err);
}

/* adlfs settings, named as adlfs names them (the 2.x block maps its
 * azure_storage_* fields onto these). */
typedef struct fs_settings {
    const char *connection_string, *account_name, *account_key;
    const char *sas_token, *client_id, *client_secret, *tenant_id;
    const char *account_host;
    int anon;
} fs_settings;

/*
 * "az://container/path", "abfs[s]://container/path" or
 * "abfs[s]://container@account.dfs.core.windows.net/path" into
 * container, folder and (the last form) the account name.
 */
static pr_code
split_az_url(az_req *r, const char *url, char **acct, pr_error *err)
{
    const char *p = strstr(url, "://"), *slash, *at;
    size_t n;

    p = p != NULL ? p + 3 : url;
    while (*p == '/')
        p++;
    slash = strchr(p, '/');
    n = slash != NULL ? (size_t)(slash - p) : strlen(p);
    at = memchr(p, '@', n);
    if (at != NULL) {
        const char *host = at + 1, *dot = memchr(host, '.',
                                                 (size_t)(p + n - host));

        if (dot != NULL && (strncmp(dot, ".dfs.", 5) == 0 ||
                            strncmp(dot, ".blob.", 6) == 0) &&
            (*acct = pr_strndup(host, (size_t)(dot - host))) == NULL)
            return nomem(err);
        n = (size_t)(at - p);
    }
    if ((r->container = pr_strndup(p, n)) == NULL)
        return nomem(err);
    if (slash != NULL && slash[1] != '\0' &&
        (r->folder = pr_strdup(slash + 1)) == NULL)
        return nomem(err);
    if (r->container[0] == '\0')
        return pr_error_set(err, PR_EFORMAT, "%s: the basepath names no "
                            "container", r->what);
    return PR_OK;
}

/* adlfs's choice: a connection string; else the account (key, SAS,
 * service principal, or anonymous). */
static pr_code
fs_auth(az_req *r, const fs_settings *s, const char *url_acct,
        const char *prefix, pr_error *err)
{
    const char *acct = s->account_name != NULL ? s->account_name : url_acct;
    char field[64];
    size_t n;
    pr_code rc;

    if (s->connection_string != NULL) {
        snprintf(field, sizeof(field), "%sconnection_string", prefix);
        return parse_conn(r, s->connection_string, field, err);
    }
    if (acct == NULL)
        return pr_error_set(err, PR_EFORMAT, "%s names no storage account "
                            "(%saccount_name) and no %sconnection_string",
                            r->what, prefix, prefix);
    n = strlen(acct) + 64 + (s->account_host != NULL
                             ? strlen(s->account_host) : 0);
    r->endpoint = pr_malloc(n);
    if (r->endpoint == NULL)
        return nomem(err);
    if (s->account_host != NULL)
        snprintf(r->endpoint, n, "https://%s", s->account_host);
    else
        snprintf(r->endpoint, n, "https://%s.blob.core.windows.net", acct);
    rstrip_slash(r->endpoint);
    if (s->account_key != NULL) {
        if ((r->account = pr_strdup(acct)) == NULL ||
            (r->key = pr_strdup(s->account_key)) == NULL)
            return nomem(err);
        snprintf(r->key_hint, sizeof(r->key_hint), "check %saccount_key",
                 prefix);
    } else if (s->sas_token != NULL) {
        const char *q = s->sas_token[0] == '?' ? s->sas_token + 1
                                                : s->sas_token;

        rc = set_n(&r->sas, q, strlen(q), err);
        if (rc != PR_OK)
            return rc;
        snprintf(r->key_hint, sizeof(r->key_hint), "check %ssas_token",
                 prefix);
    } else {
        snprintf(r->key_hint, sizeof(r->key_hint), "the container is not "
                 "public: set %saccount_key, %ssas_token or %s"
                 "connection_string", prefix, prefix, prefix);
        snprintf(field, sizeof(field), "%sclient_id, tenant_id and "
                 "client_secret", prefix);
        return set_sp(r, s->client_id, s->tenant_id, s->client_secret,
                      field, err);
    }
    return PR_OK;
}

/* remote-file-system with an az://, abfs:// or abfss:// basepath. */
static pr_code
parse_remote_fs(az_req *r, const cJSON *block, const char *block_id,
                pr_error *err)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(block, "data");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(data, "settings");
    const char *name = pr_jstr(block, "name"), *bp = pr_jstr(data, "basepath");
    char *acct = NULL;
    fs_settings s;
    pr_code rc;

    pr_storage_what(r->what, sizeof(r->what), "remote-file-system", name,
                    block_id);
    set_creds_from(r, name);
    r->fsspec = 1;
    if (bp == NULL)
        return pr_error_set(err, PR_EFORMAT, "%s has no basepath", r->what);
    rc = split_az_url(r, bp, &acct, err);
    memset(&s, 0, sizeof(s));
    s.connection_string = pr_jstr(st, "connection_string");
    s.account_name = pr_jstr(st, "account_name");
    s.account_key = pr_jstr(st, "account_key");
    s.sas_token = pr_jstr(st, "sas_token");
    s.client_id = pr_jstr(st, "client_id");
    s.client_secret = pr_jstr(st, "client_secret");
    s.tenant_id = pr_jstr(st, "tenant_id");
    s.account_host = pr_jstr(st, "account_host");
    s.anon = truthy(cJSON_GetObjectItemCaseSensitive(st, "anon"), 1);
    if (rc == PR_OK)
        rc = fs_auth(r, &s, acct, "settings.", err);
    pr_free(acct);
    return rc;
}

/* The 2.x `azure` block: RemoteFileSystem("az://" + bucket_path) with
 * its azure_storage_* fields as the adlfs settings. */
static pr_code
parse_v2(az_req *r, const cJSON *block, const char *block_id,
         pr_error *err)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(block, "data");
    const char *name = pr_jstr(block, "name");
    const char *bp = pr_jstr(data, "bucket_path");
    char *acct = NULL;
    fs_settings s;
    pr_code rc;

    pr_storage_what(r->what, sizeof(r->what), "azure", name, block_id);
    set_creds_from(r, name);
    r->fsspec = 1;
    if (bp == NULL)
        return pr_error_set(err, PR_EFORMAT, "%s has no bucket_path",
                            r->what);
    rc = split_az_url(r, bp, &acct, err);
    memset(&s, 0, sizeof(s));
    s.connection_string = pr_jstr(data, "azure_storage_connection_string");
    s.account_name = pr_jstr(data, "azure_storage_account_name");
    s.account_key = pr_jstr(data, "azure_storage_account_key");
    s.client_id = pr_jstr(data, "azure_storage_client_id");
    s.client_secret = pr_jstr(data, "azure_storage_client_secret");
    s.tenant_id = pr_jstr(data, "azure_storage_tenant_id");
    s.anon = truthy(cJSON_GetObjectItemCaseSensitive(data,
                        "azure_storage_anon"), 1);
    if (rc == PR_OK)
        rc = fs_auth(r, &s, acct, "azure_storage_", err);
    pr_free(acct);
    return rc;
}

/* ---------------------------------------------------------- the request */

/* Writes "az://container/blob" (shortened) into dst. */
static void
az_name(char *dst, size_t n, const az_req *r)
{
    char c[NAME_SHOW + 4], k[KEY_SHOW + 4];

    pr_storage_show(c, sizeof(c), r->container, NAME_SHOW);
    pr_storage_show(k, sizeof(k), r->blob, KEY_SHOW);
    snprintf(dst, n, "az://%s/%s", c, k);
}

/* The URL's path (from the first '/' after the host), or "". */
static const char *
url_path(const char *url)
{
    const char *p = strstr(url, "://");
    const char *s;

    p = p != NULL ? p + 3 : url;
    s = strchr(p, '/');
    return s != NULL ? s : "";
}

/* The blob's URL (and the SAS query when there is one). */
static pr_code
blob_url(pr_buf *u, const az_req *r, pr_error *err)
{
    pr_code rc = pr_buf_append(u, r->endpoint, strlen(r->endpoint), err);

    if (rc == PR_OK)
        rc = pr_buf_append(u, "/", 1, err);
    if (rc == PR_OK)
        rc = pr_s3_encode(u, r->container, 0, err);
    if (rc == PR_OK)
        rc = pr_buf_append(u, "/", 1, err);
    if (rc == PR_OK)
        rc = pr_s3_encode(u, r->blob, 1, err);
    return rc != PR_OK ? nomem(err) : PR_OK;
}

/* One GET; *status and the body (the blob or an error document). */
static pr_code
get_once(const pr_storage_ctx *ctx, pr_http *http, const az_req *r,
         pr_buf *body, long *status, pr_error *err)
{
    const pr_config *cfg = ctx->cfg;
    pr_http_opts o;
    pr_http_request req;
    const char *headers[4];
    char *bearer = NULL;
    char date[PR_AZURE_DATE_SIZE + 16], name[KEY_SHOW + NAME_SHOW + 16];
    char action[420], *auth = NULL, *url = NULL;
    size_t nh = 0, plen;
    pr_buf u, sts;
    pr_code rc;

    pr_buf_init(&u, 0);
    pr_buf_init(&sts, 0);
    rc = blob_url(&u, r, err);
    plen = u.len;
    if (rc == PR_OK && r->key == NULL && r->sas != NULL &&
        (pr_buf_append(&u, "?", 1, err) != PR_OK ||
         pr_buf_append(&u, r->sas, strlen(r->sas), err) != PR_OK))
        rc = nomem(err);
    strcpy(date, "x-ms-date: ");
    pr_azure_date(date + strlen(date), time(NULL));
    headers[nh++] = date;
    headers[nh++] = "x-ms-version: " AZ_VERSION;
    if (rc == PR_OK && r->key != NULL) {
        char save = u.data[plen];

        u.data[plen] = '\0';
        rc = pr_azure_string_to_sign(&sts, "GET", headers, nh, r->account,
                                     url_path(u.data), NULL, err);
        u.data[plen] = save;
        if (rc == PR_OK)
            rc = pr_azure_shared_key(&auth, r->account, r->key, sts.data,
                                     sts.len, err);
        if (rc == PR_OK)
            headers[nh++] = auth;
        else if (err->code == PR_EFORMAT)
            pr_error_set(err, PR_EFORMAT, "%s: the account key is not "
                         "base64", r->what);
    }
    if (rc == PR_OK && r->key == NULL && r->token != NULL) {
        size_t n = strlen(r->token) + 32;

        if ((bearer = pr_malloc(n)) == NULL)
            rc = nomem(err);
        else {
            snprintf(bearer, n, "Authorization: Bearer %s", r->token);
            headers[nh++] = bearer;
        }
    }
    if (rc == PR_OK) {
        url = u.data;
        az_name(name, sizeof(name), r);
        snprintf(action, sizeof(action), "reading %s (%s)", name, r->what);
        pr_storage_http_opts(&o, cfg);
        memset(&req, 0, sizeof(req));
        req.url = url;
        req.action = action;
        req.opts = &o;
        req.any_status = 1;
        req.no_accept_json = 1;
        req.headers = headers;
        req.nheaders = nh;
        rc = pr_http_get(http, status, body, &req, err);
    }
    pr_free_secret(auth);
    pr_free_secret(bearer);
    if (u.data != NULL)
        explicit_bzero(u.data, u.len);
    pr_buf_dispose(&u);
    pr_buf_dispose(&sts);
    return rc;
}

/* Nonzero when s is a tenant id or domain name (it goes in a path). */
static int
valid_tenant(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.' ||
              s[i] == '_'))
            return 0;
    return i > 0 && i < 100;
}

/* The client-credentials grant: POST the service principal to the
 * authority's token endpoint and keep the access token. */
static pr_code
get_token(const pr_storage_ctx *ctx, pr_http *http, az_req *r,
          pr_error *err)
{
    const pr_config *cfg = ctx->cfg;
    const char *auth = cfg->azure_env[PR_AZURE_AUTHORITY_HOST];
    pr_http_opts o;
    pr_http_request req;
    const char *headers[1] = {
        "Content-Type: application/x-www-form-urlencoded"
    };
    char action[300], shown[160], code[64];
    pr_buf url, body, reply;
    cJSON *doc = NULL;
    const char *tok;
    long status = 0;
    pr_code rc = PR_OK;

    if (!valid_tenant(r->tenant))
        return pr_error_set(err, PR_EINVAL, "%s: the tenant id (%s) is not "
                            "a tenant id or domain name", r->what,
                            r->sp_from);
    if (auth == NULL)
        auth = "https://login.microsoftonline.com";
    pr_buf_init(&url, 0);
    pr_buf_init(&body, 0);
    pr_buf_init(&reply, 1 << 16);
    if (strstr(auth, "://") == NULL &&
        pr_buf_append(&url, "https://", 8, err) != PR_OK)
        rc = nomem(err);
    if (rc == PR_OK && pr_buf_append(&url, auth, strlen(auth), err) != PR_OK)
        rc = nomem(err);
    while (rc == PR_OK && url.len > 0 && url.data[url.len - 1] == '/')
        url.data[--url.len] = '\0';
    if (rc == PR_OK &&
        (pr_buf_append(&url, "/", 1, err) != PR_OK ||
         pr_buf_append(&url, r->tenant, strlen(r->tenant), err) != PR_OK ||
         pr_buf_append(&url, "/oauth2/v2.0/token", 18, err) != PR_OK ||
         pr_buf_append(&body, "client_id=", 10, err) != PR_OK ||
         pr_s3_encode(&body, r->client_id, 0, err) != PR_OK ||
         pr_buf_append(&body, "&client_secret=", 15, err) != PR_OK ||
         pr_s3_encode(&body, r->client_secret, 0, err) != PR_OK ||
         pr_buf_append(&body, "&grant_type=client_credentials&scope="
                       "https%3A%2F%2Fstorage.azure.com%2F.default", 79,
                       err) != PR_OK))
        rc = nomem(err);
    if (rc == PR_OK) {
        pr_url_redact(shown, sizeof(shown), url.data);
        snprintf(action, sizeof(action), "getting an OAuth token for %s "
                 "from %s", r->what, shown);
        pr_storage_http_opts(&o, cfg);
        memset(&req, 0, sizeof(req));
        req.url = url.data;
        req.action = action;
        req.opts = &o;
        req.any_status = 1;
        req.headers = headers;
        req.nheaders = 1;
        req.body = body.data;
        req.body_len = body.len;
        rc = pr_http_get(http, &status, &reply, &req, err);
    }
    if (rc == PR_OK)
        doc = cJSON_ParseWithLength(reply.data != NULL ? reply.data : "",
                                    reply.len);
    tok = pr_jstr(doc, "access_token");
    if (rc == PR_OK && status >= 200 && status < 300 && tok != NULL) {
        if ((r->token = pr_strdup(tok)) == NULL)
            rc = nomem(err);
    } else if (rc == PR_OK) {
        pr_storage_show(code, sizeof(code), pr_jstr(doc, "error") != NULL
                        ? pr_jstr(doc, "error") : "no OAuth error code", 60);
        rc = pr_error_set(err, status == 400 || status == 401 ? PR_EAUTH
                          : PR_EHTTP, "%s: HTTP %ld (%s)", action, status,
                          code);
        err->http_status = status;
        pr_error_hint(err, "check %s", r->sp_from);
    }
    if (doc != NULL) {
        cJSON *t = cJSON_GetObjectItemCaseSensitive(doc, "access_token");

        if (cJSON_IsString(t) && t->valuestring != NULL)
            explicit_bzero(t->valuestring, strlen(t->valuestring));
        cJSON_Delete(doc);
    }
    if (reply.data != NULL)
        explicit_bzero(reply.data, reply.len);
    if (body.data != NULL)
        explicit_bzero(body.data, body.len);
    pr_buf_dispose(&url);
    pr_buf_dispose(&body);
    pr_buf_dispose(&reply);
    return rc;
}

/* Turns a failed status into the error for the blob. */
static pr_code
az_error(const az_req *r, long status, const char *doc, pr_error *err)
{
    char name[KEY_SHOW + NAME_SHOW + 16], code[64], c[NAME_SHOW + 4];
    char msg[64];
    pr_code rc;

    az_name(name, sizeof(name), r);
    pr_storage_xml_field(code, sizeof(code), doc, "Code");
    if (code[0] == '\0')
        snprintf(code, sizeof(code), "no Azure error code");
    if (status == 404 && strcmp(code, "ContainerNotFound") == 0) {
        pr_storage_show(c, sizeof(c), r->container, NAME_SHOW);
        rc = pr_error_set(err, PR_ENOTFOUND, "container '%s' of %s does "
                          "not exist (404 ContainerNotFound), reading it "
                          "through %s", c, name, r->what);
        pr_error_hint(err, "check container_name and the account (the "
                      "endpoint is %.100s)", r->endpoint);
    } else if (status == 404 && r->key == NULL && r->sas == NULL &&
               r->token == NULL && strcmp(code, "ResourceNotFound") == 0) {
        /* Azure answers anonymous reads of a private container so. */
        rc = pr_error_set(err, PR_ENOTFOUND, "no blob %s (404 %s) for an "
                          "anonymous request in %s", name, code, r->what);
        pr_error_hint(err, "%s", r->key_hint);
    } else if (status == 404) {
        rc = pr_error_set(err, PR_ENOTFOUND, "no blob %s (404 %s) in %s",
                          name, code, r->what);
        pr_error_hint(err, "the result was not written, was deleted, or "
                      "the block's base folder differs from the one it was "
                      "written with");
    } else if (status == 401 || status == 403 || (status == 400 &&
               strcmp(code, "InvalidAuthenticationInfo") == 0)) {
        rc = pr_error_set(err, PR_EAUTH, "access denied reading %s with "
                          "%s (%ld %s)", name, r->key == NULL &&
                          r->sas == NULL && r->token == NULL
                          ? "no credentials" : r->creds_from, status, code);
        pr_storage_xml_field(msg, sizeof(msg), doc, "Message");
        /* Azurite answers a bad signature with AuthorizationFailure
         * and Azure's AuthenticationFailed message. */
        if ((r->key == NULL && r->sas == NULL && r->token == NULL) ||
            strcmp(code, "AuthenticationFailed") == 0 ||
            strncmp(msg, "Server failed to authenticate", 29) == 0)
            pr_error_hint(err, "%s%s", r->key_hint, r->sas != NULL
                          ? " (a SAS also expires)" : "");
        else if (strcmp(code, "AuthorizationPermissionMismatch") == 0)
            pr_error_hint(err, "the credentials lack read permission on "
                          "this blob (a role such as Storage Blob Data "
                          "Reader)");
        else if (strcmp(code, "AuthorizationFailure") == 0)
            pr_error_hint(err, "the credentials may not read this blob: "
                          "the SAS's permissions or the account's network "
                          "rules");
        else
            pr_error_hint(err, "%s", r->key_hint);
    } else {
        rc = pr_error_set(err, PR_EHTTP, "reading %s through %s: HTTP %ld "
                          "(%s)", name, r->what, status, code);
    }
    err->http_status = status;
    return rc;
}

/* Joins the key, then reads the blob. */
static pr_code
az_read(const pr_storage_ctx *ctx, pr_buf *out, char *where, size_t wn,
        az_req *r, const char *key, pr_error *err)
{
    pr_http *own, *http;
    char name[KEY_SHOW + NAME_SHOW + 16];
    size_t start = out->len;
    long status = 0;
    pr_code rc;

    /* fsspec: basepath.rstrip('/') + '/' + key.lstrip('/'); prefect-azure:
     * (Path(base_folder) / Path(key)).as_posix(). */
    r->blob = r->fsspec ? pr_storage_object_name(r->folder, key, 0, NULL)
              : pr_s3_join(r->folder, key, 0);
    if (r->blob == NULL)
        return nomem(err);
    if (r->blob[0] == '\0')
        return pr_error_set(err, PR_EFORMAT, "%s: the storage key is "
                            "empty", r->what);
    if (r->key == NULL && r->sas == NULL && r->client_id == NULL) {
        const pr_config *cfg = ctx->cfg;

        rc = set_sp(r, cfg->azure_env[PR_AZURE_CLIENT_ID],
                    cfg->azure_env[PR_AZURE_TENANT_ID],
                    cfg->azure_env[PR_AZURE_CLIENT_SECRET],
                    "AZURE_CLIENT_ID, AZURE_TENANT_ID and "
                    "AZURE_CLIENT_SECRET", err);
        if (rc != PR_OK)
            return rc;
        if (r->client_id != NULL)
            snprintf(r->creds_from, sizeof(r->creds_from), "the service "
                     "principal in AZURE_CLIENT_ID (used because %s has "
                     "no key)", r->what);
    }
    rc = pr_storage_http(ctx, &http, &own, err);
    if (rc != PR_OK)
        return rc;
    if (r->key == NULL && r->sas == NULL && r->client_id != NULL)
        rc = get_token(ctx, http, r, err);
    if (rc == PR_OK)
        rc = get_once(ctx, http, r, out, &status, err);
    if (rc == PR_OK && status >= 200 && status < 300) {
        if (wn > 0)
            az_name(where, wn, r);
    } else if (rc == PR_OK) {
        char doc[PR_STORAGE_ERRDOC_MAX + 1];

        pr_storage_take_errdoc(doc, out, start);
        rc = az_error(r, status, doc, err);
    } else if (rc == PR_ELIMIT && err != NULL) {
        az_name(name, sizeof(name), r);
        pr_storage_too_large(ctx, name, r->what, err);
    }
    if (own != NULL)
        pr_http_free(own);
    return rc;
}

/* The block's fields, into r. */
typedef pr_code (*az_parse_fn)(az_req *r, const cJSON *block,
                               const char *block_id, pr_error *err);

/* Parses the block, then reads the key's blob. */
static pr_code
az_fetch(const pr_storage_ctx *ctx, pr_buf *out, char *where, size_t wn,
         az_parse_fn parse, const cJSON *block, const char *block_id,
         const char *key, pr_error *err)
{
    az_req r;
    pr_code rc;

    memset(&r, 0, sizeof(r));
    rc = parse(&r, block, block_id, err);
    if (rc == PR_OK)
        rc = az_read(ctx, out, where, wn, &r, key, err);
    req_free(&r);
    return rc;
}

pr_code
pr_storage_azure_container(const pr_storage_ctx *ctx, pr_buf *out,
                           char *where, size_t wn, const cJSON *block,
                           const char *block_id, const char *key,
                           pr_error *err)
{
    return az_fetch(ctx, out, where, wn, parse_container, block, block_id,
                    key, err);
}

pr_code
pr_storage_azure_v2(const pr_storage_ctx *ctx, pr_buf *out, char *where,
                    size_t wn, const cJSON *block, const char *block_id,
                    const char *key, pr_error *err)
{
    return az_fetch(ctx, out, where, wn, parse_v2, block, block_id, key,
                    err);
}

pr_code
pr_storage_azure_remote(const pr_storage_ctx *ctx, pr_buf *out,
                        char *where, size_t wn, const cJSON *block,
                        const char *block_id, const char *key,
                        pr_error *err)
{
    return az_fetch(ctx, out, where, wn, parse_remote_fs, block, block_id,
                    key, err);
}
