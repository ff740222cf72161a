/*
 * gcs_auth.h - internal: OAuth access tokens for Google service
 * accounts, for the GCS backend (storage_gcs.c).
 *
 * A service account key (the JSON file Google hands out) is turned into
 * a token as Google's clients do it: a JWT signed RS256 with the key's
 * private key (iss = client_email, scope, aud = token_uri, iat, exp one
 * hour later) is POSTed to the key's token_uri as a jwt-bearer grant;
 * the reply's access_token is sent as "Authorization: Bearer ...".
 * Tokens are cached in the process per key and scope until shortly
 * before they expire.  The private key, the assertion and the token are
 * secrets: wiped when freed, never in a message.
 */
#ifndef PR_GCS_AUTH_H
#define PR_GCS_AUTH_H

#include <stdint.h>

#include <cJSON.h>

#include "pr.h"
#include "http.h"

/* Read-only access to objects: all the backend needs. */
#define PR_GCS_SCOPE_READ \
    "https://www.googleapis.com/auth/devstorage.read_only"
/* Where a key without token_uri gets its tokens. */
#define PR_GCS_TOKEN_URI "https://oauth2.googleapis.com/token"

/* A service account key; every string owned (pr_malloc). */
typedef struct pr_gcs_key {
    char *client_email;
    char *private_key;      /* PEM; secret */
    char *private_key_id;   /* the JWT's "kid", or NULL */
    char *token_uri;
} pr_gcs_key;

/*
 * pr_gcs_key_from_json - reads a key from a parsed document (a
 * service_account_info dict).  `from` names it for messages
 * ("service_account_info of block 'x'").  k is zeroed first and is the
 * caller's to dispose in every case.  PR_EFORMAT (client_email or
 * private_key missing), PR_EUNSUPPORTED (a "type" other than
 * service_account: authorized_user, external_account), PR_ENOMEM.
 */
pr_code pr_gcs_key_from_json(pr_gcs_key *k, const cJSON *info,
                             const char *from, pr_error *err);

/* The same from JSON text (a JSON string field, a key file's bytes);
 * PR_EFORMAT when the text is not a JSON object. */
pr_code pr_gcs_key_parse(pr_gcs_key *k, const char *text, size_t len,
                         const char *from, pr_error *err);

/* Wipes and frees the key's strings (NULL-safe members). */
void pr_gcs_key_dispose(pr_gcs_key *k);

/*
 * pr_gcs_jwt - the signed assertion for k at time `now` (seconds since
 * the epoch): base64url(header) "." base64url(claims) "."
 * base64url(RS256 signature).  *out (pr_malloc) is a secret: free it
 * with pr_free_secret.  PR_EFORMAT when private_key is not an
 * unencrypted PEM RSA private key (the message names `from`, never the
 * key), PR_ENOMEM.
 */
pr_code pr_gcs_jwt(char **out, const pr_gcs_key *k, const char *scope,
                   int64_t now, const char *from, pr_error *err);

/*
 * pr_gcs_token - an access token for k and scope: the cached one while
 * it has more than a few minutes left, else a new one from token_uri
 * through http with the transfer options o.  *out (pr_malloc) is a
 * secret.  PR_EAUTH when the token endpoint refuses the key (its error
 * and description in the message, which names `from` and client_email),
 * PR_EFORMAT for a reply without access_token, PR_EINVAL for a token_uri
 * that is not http(s), and http.c's codes for transfer failures.
 */
pr_code pr_gcs_token(char **out, pr_http *http, const pr_http_opts *o,
                     const pr_gcs_key *k, const char *scope,
                     const char *from, pr_error *err);

/* Drops the cached token of k and scope (the server refused it). */
void pr_gcs_token_forget(const pr_gcs_key *k, const char *scope);

/* Wipes and drops every cached token. */
void pr_gcs_token_cache_clear(void);

#endif /* PR_GCS_AUTH_H */
