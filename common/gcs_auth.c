/*
 * gcs_auth.c - service account keys to OAuth access tokens (see
 * gcs_auth.h): the RS256 JWT, the jwt-bearer grant, the token cache.
 *
 * Signing is OpenSSL's (EVP_DigestSign with SHA-256 over the PEM key);
 * the POST goes through http.c.  The cache is process-wide (a small
 * table under a mutex: hosts may be multi-threaded), keyed by a SHA-256
 * of token_uri, client_email, private_key and scope, so two blocks with
 * the same key share a token and a changed key never reuses one.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "pr.h"
#include "alloc.h"
#include "config.h"
#include "gcs_auth.h"
#include "http.h"
#include "jsonw.h"
#include "storage.h"

#define EMAIL_SHOW 80
#define DESC_SHOW 100
#define TOKEN_REPLY_MAX ((size_t)64 << 10)
#define JWT_LIFETIME_S 3600
#define REFRESH_MARGIN_S 300    /* renew this long before expiry */
#define CACHE_SLOTS 8
#define GRANT "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3A" \
              "jwt-bearer&assertion="

static pr_code
nomem(pr_error *err)
{
    return pr_error_set(err, PR_ENOMEM, "out of memory getting a Google "
                        "access token");
}

/* Printable ASCII of server or key data, for messages. */
static void
show(char *dst, size_t n, const char *s, size_t max)
{
    size_t o = 0, i;

    for (i = 0; s != NULL && s[i] != '\0' && o + 1 < n && i < max; i++)
        dst[o++] = ((unsigned char)s[i] >= 0x20 &&
                    (unsigned char)s[i] < 0x7f) ? s[i] : '?';
    dst[o] = '\0';
}

/* ------------------------------------------------------------ the key */

void
pr_gcs_key_dispose(pr_gcs_key *k)
{
    pr_free(k->client_email);
    pr_free_secret(k->private_key);
    pr_free(k->private_key_id);
    pr_free(k->token_uri);
    memset(k, 0, sizeof(*k));
}

/* A PEM pasted through a shell or an env file may carry "\n" as two
 * characters: turn them back into newlines when there are no real
 * ones. */
static void
unescape_pem(char *pem)
{
    char *r, *w;

    if (strchr(pem, '\n') != NULL || strstr(pem, "\\n") == NULL)
        return;
    for (r = w = pem; *r != '\0'; r++) {
        if (r[0] == '\\' && r[1] == 'n') {
            *w++ = '\n';
            r++;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

pr_code
pr_gcs_key_from_json(pr_gcs_key *k, const cJSON *info, const char *from,
                     pr_error *err)
{
    const char *type, *email, *pem, *kid, *uri;
    char shown[40];

    memset(k, 0, sizeof(*k));
    if (!cJSON_IsObject(info))
        return pr_error_set(err, PR_EFORMAT, "%s is not a JSON object",
                            from);
    type = pr_jstr(info, "type");
    if (type != NULL && strcmp(type, "service_account") != 0) {
        show(shown, sizeof(shown), type, 30);
        pr_error_set(err, PR_EUNSUPPORTED, "%s is a '%s' credential; only "
                     "service account keys are supported", from, shown);
        return pr_error_hint(err, "create a service account key (type "
                             "service_account) with read access to the "
                             "bucket");
    }
    email = pr_jstr(info, "client_email");
    pem = pr_jstr(info, "private_key");
    if (email == NULL || pem == NULL)
        return pr_error_set(err, PR_EFORMAT, "%s has no %s: it is not a "
                            "service account key", from, email == NULL
                            ? "client_email" : "private_key");
    kid = pr_jstr(info, "private_key_id");
    uri = pr_jstr(info, "token_uri");
    k->client_email = pr_strdup(email);
    k->private_key = pr_strdup(pem);
    k->token_uri = pr_strdup(uri != NULL ? uri : PR_GCS_TOKEN_URI);
    if (kid != NULL)
        k->private_key_id = pr_strdup(kid);
    if (k->client_email == NULL || k->private_key == NULL ||
        k->token_uri == NULL || (kid != NULL && k->private_key_id == NULL))
        return nomem(err);
    unescape_pem(k->private_key);
    return PR_OK;
}

/* Wipes every string in a parsed key document before it is freed. */
static void
wipe_json(cJSON *j, int depth)
{
    cJSON *c;

    if (j == NULL || depth > 50)
        return;
    if (j->valuestring != NULL)
        explicit_bzero(j->valuestring, strlen(j->valuestring));
    for (c = j->child; c != NULL; c = c->next)
        wipe_json(c, depth + 1);
}

pr_code
pr_gcs_key_parse(pr_gcs_key *k, const char *text, size_t len,
                 const char *from, pr_error *err)
{
    cJSON *doc = cJSON_ParseWithLength(text, len);
    pr_code rc;

    memset(k, 0, sizeof(*k));
    if (!cJSON_IsObject(doc)) {
        wipe_json(doc, 0);
        cJSON_Delete(doc);
        return pr_error_set(err, PR_EFORMAT, "%s is not a JSON object (a "
                            "service account key)", from);
    }
    rc = pr_gcs_key_from_json(k, doc, from, err);
    wipe_json(doc, 0);
    cJSON_Delete(doc);
    return rc;
}

/* ------------------------------------------------------------ the JWT */

/* Appends n bytes as base64url without padding (RFC 7515). */
static pr_code
b64url(pr_buf *b, const unsigned char *p, size_t n, pr_error *err)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                              "qrstuvwxyz0123456789-_";
    char q[4];
    size_t i;
    unsigned v;
    pr_code rc = PR_OK;

    for (i = 0; i + 2 < n && rc == PR_OK; i += 3) {
        v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        q[0] = abc[v >> 18 & 63];
        q[1] = abc[v >> 12 & 63];
        q[2] = abc[v >> 6 & 63];
        q[3] = abc[v & 63];
        rc = pr_buf_append(b, q, 4, err);
    }
    if (rc == PR_OK && n - i == 1) {
        v = (unsigned)p[i] << 16;
        q[0] = abc[v >> 18 & 63];
        q[1] = abc[v >> 12 & 63];
        rc = pr_buf_append(b, q, 2, err);
    } else if (rc == PR_OK && n - i == 2) {
        v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
        q[0] = abc[v >> 18 & 63];
        q[1] = abc[v >> 12 & 63];
        q[2] = abc[v >> 6 & 63];
        rc = pr_buf_append(b, q, 3, err);
    }
    return rc;
}

/* No passphrase: an encrypted key is refused, never prompted for. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0;
}

/* RS256 over data; *sig (pr_malloc) and *siglen. */
static pr_code
rs256(unsigned char **sig, size_t *siglen, const char *pem,
      const char *data, size_t n, const char *from, pr_error *err)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *md = NULL;
    unsigned char *s = NULL;
    size_t len = 0;
    pr_code rc = PR_OK;

    if (bio == NULL)
        return nomem(err);
    pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    if (pkey == NULL || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
        rc = pr_error_set(err, PR_EFORMAT, "the private_key of %s is not "
                          "%s", from, pkey == NULL ? "a PEM private key "
                          "without a passphrase" : "an RSA key");
        pr_error_hint(err, "use the service account's JSON key file as "
                      "Google issued it");
        goto done;
    }
    md = EVP_MD_CTX_new();
    if (md == NULL) {
        rc = nomem(err);
        goto done;
    }
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
        EVP_DigestSign(md, NULL, &len, (const unsigned char *)data,
                       n) != 1) {
        rc = pr_error_set(err, PR_EFORMAT, "the private_key of %s cannot "
                          "sign (RS256)", from);
        goto done;
    }
    s = pr_malloc(len);
    if (s == NULL) {
        rc = nomem(err);
        goto done;
    }
    if (EVP_DigestSign(md, s, &len, (const unsigned char *)data, n) != 1) {
        rc = pr_error_set(err, PR_EFORMAT, "the private_key of %s cannot "
                          "sign (RS256)", from);
        pr_free(s);
        goto done;
    }
    *sig = s;
    *siglen = len;
done:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    ERR_clear_error();      /* leave no error of ours in the queue */
    return rc;
}

pr_code
pr_gcs_jwt(char **out, const pr_gcs_key *k, const char *scope,
           int64_t now, const char *from, pr_error *err)
{
    pr_buf hdr, claims, jwt;
    unsigned char *sig = NULL;
    size_t siglen = 0;
    pr_code rc;

    pr_buf_init(&hdr, 0);
    pr_buf_init(&claims, 0);
    pr_buf_init(&jwt, 0);
    rc = pr_buf_puts(&hdr, "{\"alg\":\"RS256\",\"typ\":\"JWT\"", err);
    if (rc == PR_OK && k->private_key_id != NULL) {
        rc = pr_buf_puts(&hdr, ",\"kid\":", err);
        if (rc == PR_OK)
            rc = pr_json_string(&hdr, k->private_key_id,
                                strlen(k->private_key_id), err);
    }
    if (rc == PR_OK)
        rc = pr_buf_putc(&hdr, '}', err);
    if (rc == PR_OK)
        rc = pr_buf_puts(&claims, "{\"iss\":", err);
    if (rc == PR_OK)
        rc = pr_json_string(&claims, k->client_email,
                            strlen(k->client_email), err);
    if (rc == PR_OK)
        rc = pr_buf_puts(&claims, ",\"scope\":", err);
    if (rc == PR_OK)
        rc = pr_json_string(&claims, scope, strlen(scope), err);
    if (rc == PR_OK)
        rc = pr_buf_puts(&claims, ",\"aud\":", err);
    if (rc == PR_OK)
        rc = pr_json_string(&claims, k->token_uri, strlen(k->token_uri),
                            err);
    if (rc == PR_OK)
        rc = pr_buf_puts(&claims, ",\"iat\":", err);
    if (rc == PR_OK)
        rc = pr_json_i64(&claims, now, err);
    if (rc == PR_OK)
        rc = pr_buf_puts(&claims, ",\"exp\":", err);
    if (rc == PR_OK)
        rc = pr_json_i64(&claims, now + JWT_LIFETIME_S, err);
    if (rc == PR_OK)
        rc = pr_buf_putc(&claims, '}', err);
    if (rc == PR_OK)
        rc = b64url(&jwt, (const unsigned char *)hdr.data, hdr.len, err);
    if (rc == PR_OK)
        rc = pr_buf_putc(&jwt, '.', err);
    if (rc == PR_OK)
        rc = b64url(&jwt, (const unsigned char *)claims.data, claims.len,
                    err);
    if (rc == PR_OK)
        rc = rs256(&sig, &siglen, k->private_key, jwt.data, jwt.len, from,
                   err);
    if (rc == PR_OK)
        rc = pr_buf_putc(&jwt, '.', err);
    if (rc == PR_OK)
        rc = b64url(&jwt, sig, siglen, err);
    if (rc == PR_ENOMEM)
        nomem(err);
    pr_free(sig);
    pr_buf_dispose(&hdr);
    pr_buf_dispose(&claims);
    if (rc != PR_OK) {
        if (jwt.data != NULL)
            explicit_bzero(jwt.data, jwt.cap);
        pr_buf_dispose(&jwt);
        return rc;
    }
    *out = pr_buf_detach(&jwt, NULL);
    return PR_OK;
}

/* ---------------------------------------------------------- the cache */

typedef struct tok_slot {
    unsigned char id[32];
    char *token;
    time_t expires;
} tok_slot;

static tok_slot cache[CACHE_SLOTS];
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;

/* SHA-256 of token_uri, client_email, private_key and scope. */
static int
cache_id(unsigned char id[32], const pr_gcs_key *k, const char *scope)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok;

    if (md == NULL)
        return 0;
    ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
         EVP_DigestUpdate(md, k->token_uri, strlen(k->token_uri) + 1) == 1 &&
         EVP_DigestUpdate(md, k->client_email,
                          strlen(k->client_email) + 1) == 1 &&
         EVP_DigestUpdate(md, k->private_key,
                          strlen(k->private_key) + 1) == 1 &&
         EVP_DigestUpdate(md, scope, strlen(scope) + 1) == 1 &&
         EVP_DigestFinal_ex(md, id, &n) == 1 && n == 32;
    EVP_MD_CTX_free(md);
    return ok;
}

static void
slot_clear(tok_slot *s)
{
    pr_free_secret(s->token);
    memset(s, 0, sizeof(*s));
}

/* A copy of a live cached token, or NULL. */
static char *
cache_get(const unsigned char id[32])
{
    time_t now = time(NULL);
    char *t = NULL;
    size_t i;

    pthread_mutex_lock(&cache_mu);
    for (i = 0; i < CACHE_SLOTS; i++)
        if (cache[i].token != NULL && memcmp(cache[i].id, id, 32) == 0 &&
            cache[i].expires - REFRESH_MARGIN_S > now) {
            t = pr_strdup(cache[i].token);
            break;
        }
    pthread_mutex_unlock(&cache_mu);
    return t;
}

/* Keeps a copy of token (best effort: nothing happens out of memory). */
static void
cache_put(const unsigned char id[32], const char *token, time_t expires)
{
    char *t = pr_strdup(token);
    size_t i, pick = 0;

    if (t == NULL)
        return;
    pthread_mutex_lock(&cache_mu);
    for (i = 0; i < CACHE_SLOTS; i++) {
        if (cache[i].token != NULL && memcmp(cache[i].id, id, 32) == 0) {
            pick = i;
            break;
        }
        if (cache[i].token == NULL ||
            (cache[pick].token != NULL &&
             cache[i].expires < cache[pick].expires))
            pick = i;
    }
    slot_clear(&cache[pick]);
    memcpy(cache[pick].id, id, 32);
    cache[pick].token = t;
    cache[pick].expires = expires;
    pthread_mutex_unlock(&cache_mu);
}

void
pr_gcs_token_forget(const pr_gcs_key *k, const char *scope)
{
    unsigned char id[32];
    size_t i;

    if (!cache_id(id, k, scope))
        return;
    pthread_mutex_lock(&cache_mu);
    for (i = 0; i < CACHE_SLOTS; i++)
        if (cache[i].token != NULL && memcmp(cache[i].id, id, 32) == 0)
            slot_clear(&cache[i]);
    pthread_mutex_unlock(&cache_mu);
}

void
pr_gcs_token_cache_clear(void)
{
    size_t i;

    pthread_mutex_lock(&cache_mu);
    for (i = 0; i < CACHE_SLOTS; i++)
        slot_clear(&cache[i]);
    pthread_mutex_unlock(&cache_mu);
}

/* ------------------------------------------------- the token endpoint */

/* The refusal in an OAuth error reply: "invalid_grant: Invalid JWT
 * Signature." (printable, shortened), or "". */
static void
oauth_error(char *dst, size_t n, const pr_buf *body)
{
    cJSON *doc;
    const char *e, *d;
    char es[48], ds[DESC_SHOW + 4];

    dst[0] = '\0';
    if (body->data == NULL)
        return;
    doc = cJSON_ParseWithLength(body->data, body->len);
    e = pr_jstr(doc, "error");
    d = pr_jstr(doc, "error_description");
    if (e == NULL && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc,
                                                                 "error")))
        e = pr_jstr(cJSON_GetObjectItemCaseSensitive(doc, "error"),
                    "message");
    show(es, sizeof(es), e, 40);
    show(ds, sizeof(ds), d, DESC_SHOW);
    snprintf(dst, n, "%s%s%s", es, es[0] && ds[0] ? ": " : "", ds);
    cJSON_Delete(doc);
}

pr_code
pr_gcs_token(char **out, pr_http *http, const pr_http_opts *o,
             const pr_gcs_key *k, const char *scope, const char *from,
             pr_error *err)
{
    unsigned char id[32];
    char *jwt = NULL, *form = NULL, *tok = NULL, action[400], url[200];
    char email[EMAIL_SHOW + 4], why[160];
    const char *headers[2];
    pr_http_request req;
    pr_buf reply;
    cJSON *doc = NULL;
    const cJSON *ttl;
    size_t n;
    long status = 0;
    int have_id;
    time_t now;
    pr_code rc;

    have_id = cache_id(id, k, scope);
    if (have_id && (tok = cache_get(id)) != NULL) {
        *out = tok;
        return PR_OK;
    }
    if (strncmp(k->token_uri, "https://", 8) != 0 &&
        strncmp(k->token_uri, "http://", 7) != 0)
        return pr_error_set(err, PR_EINVAL, "the token_uri of %s is not "
                            "an http or https URL", from);
    show(email, sizeof(email), k->client_email, EMAIL_SHOW);
    pr_url_redact(url, sizeof(url), k->token_uri);
    snprintf(action, sizeof(action), "getting an access token for %s "
             "from %s", email, url);
    now = time(NULL);
    rc = pr_gcs_jwt(&jwt, k, scope, (int64_t)now, from, err);
    if (rc != PR_OK)
        return rc;
    n = strlen(GRANT) + strlen(jwt);
    form = pr_malloc(n + 1);
    if (form == NULL) {
        pr_free_secret(jwt);
        return nomem(err);
    }
    memcpy(form, GRANT, strlen(GRANT));
    memcpy(form + strlen(GRANT), jwt, strlen(jwt) + 1);
    pr_free_secret(jwt);
    memset(&req, 0, sizeof(req));
    headers[0] = "Content-Type: application/x-www-form-urlencoded";
    headers[1] = "Expect:";
    req.url = k->token_uri;
    req.action = action;
    req.headers = headers;
    req.nheaders = 2;
    req.opts = o;
    req.any_status = 1;
    req.body = form;
    req.body_len = n;
    pr_buf_init(&reply, TOKEN_REPLY_MAX);
    rc = pr_http_get(http, &status, &reply, &req, err);
    pr_free_secret(form);
    if (rc != PR_OK)
        goto done;
    if (status < 200 || status >= 300) {
        oauth_error(why, sizeof(why), &reply);
        if (status == 400 || status == 401 || status == 403) {
            rc = pr_error_set(err, PR_EAUTH, "the token endpoint refused "
                              "the service account key %s (%s): %ld%s%s",
                              email, from, status, why[0] ? " " : "", why);
            pr_error_hint(err, "check private_key and client_email: the "
                          "key may be wrong, deleted or disabled, or this "
                          "machine's clock is off");
        } else {
            rc = pr_error_set(err, PR_EHTTP, "%s: HTTP %ld%s%s", action,
                              status, why[0] ? " " : "", why);
        }
        err->http_status = status;
        goto done;
    }
    doc = cJSON_ParseWithLength(reply.data != NULL ? reply.data : "",
                                reply.len);
    if (pr_jstr(doc, "access_token") == NULL) {
        rc = pr_error_set(err, PR_EFORMAT, "%s: the reply has no "
                          "access_token", action);
        goto done;
    }
    tok = pr_strdup(pr_jstr(doc, "access_token"));
    if (tok == NULL) {
        rc = nomem(err);
        goto done;
    }
    ttl = cJSON_GetObjectItemCaseSensitive(doc, "expires_in");
    if (have_id)
        cache_put(id, tok, now + (cJSON_IsNumber(ttl) &&
                                  ttl->valuedouble > 0 &&
                                  ttl->valuedouble < 1e7
                                  ? (time_t)ttl->valuedouble
                                  : JWT_LIFETIME_S));
    *out = tok;
done:
    if (doc != NULL) {
        wipe_json(doc, 0);
        cJSON_Delete(doc);
    }
    if (reply.data != NULL)
        explicit_bzero(reply.data, reply.cap);
    pr_buf_dispose(&reply);
    return rc;
}
