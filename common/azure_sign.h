/*
 * azure_sign.h - internal: Azure Storage SharedKey signing for the Azure
 * Blob backend (storage_azure.c), kept apart so that the unit tests can
 * check the string to sign against vectors computed independently.
 *
 * The format is Microsoft's "Authorize with Shared Key" for the Blob
 * service, version 2009-09-19 and later:
 *
 *   VERB \n Content-Encoding \n Content-Language \n Content-Length \n
 *   Content-MD5 \n Content-Type \n Date \n If-Modified-Since \n
 *   If-Match \n If-None-Match \n If-Unmodified-Since \n Range \n
 *   CanonicalizedHeaders CanonicalizedResource
 *
 * Content-Length is empty when it is 0.  CanonicalizedHeaders: every
 * x-ms-* header as "name:value\n", names lower-cased and sorted, values
 * trimmed with inner runs of white space folded to one space.
 * CanonicalizedResource: "/" ACCOUNT PATH (the path as sent, so on an
 * emulator's path-style URL the account appears twice), then per query
 * parameter, sorted by lower-cased name, "\nname:v1,v2" with the values
 * percent-decoded and sorted.
 */
#ifndef PR_AZURE_SIGN_H
#define PR_AZURE_SIGN_H

#include <stddef.h>
#include <time.h>

#include "pr.h"

/* Room for an x-ms-date value: "Sun, 06 Nov 1994 08:49:37 GMT". */
#define PR_AZURE_DATE_SIZE 32

/*
 * pr_azure_string_to_sign - appends the string to sign for a request:
 * `verb`, the header lines `headers` ("Name: value", nheaders of them;
 * the standard ones above are picked by name, case-insensitively, the
 * x-ms-* ones canonicalized, the rest ignored), the storage `account`,
 * the URL `path` as sent (percent-encoded, starting with '/') and its
 * `query` (without '?', or NULL).  PR_ENOMEM, PR_ELIMIT from the
 * buffer, PR_EINVAL for a header line without ':'.
 */
pr_code pr_azure_string_to_sign(pr_buf *out, const char *verb,
                                const char *const *headers,
                                size_t nheaders, const char *account,
                                const char *path, const char *query,
                                pr_error *err);

/*
 * pr_azure_shared_key - the Authorization header line
 * "Authorization: SharedKey ACCOUNT:SIGNATURE", where SIGNATURE is
 * base64(HMAC-SHA256(base64-decoded key_b64, sts[0..len))).  *out is the
 * caller's (pr_free_secret: the line authorizes requests).  PR_EFORMAT
 * when key_b64 is not base64 (the message never shows it), PR_ENOMEM.
 */
pr_code pr_azure_shared_key(char **out, const char *account,
                            const char *key_b64, const char *sts,
                            size_t len, pr_error *err);

/* The RFC 1123 date for x-ms-date, in English whatever the locale. */
void pr_azure_date(char dst[PR_AZURE_DATE_SIZE], time_t t);

#endif /* PR_AZURE_SIGN_H */
