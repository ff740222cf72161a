/*
 * redact.h - keep secrets out of what prefect-curl prints: credentials in
 * URLs (user:password@, query strings such as SAS tokens) and the values
 * of authentication headers.
 */
#ifndef PCURL_REDACT_H
#define PCURL_REDACT_H

#include <stddef.h>

/*
 * Copies `text` (n bytes) to out (cap bytes, always NUL-terminated,
 * truncated if needed), replacing the userinfo of every URL in it
 * ("scheme://user:pw@host") by "***" and its query by "?***".
 */
void pcurl_redact_text(char *out, size_t cap, const char *text, size_t n);

/*
 * True when a header line ("Name: value") carries a credential whose
 * value must not be shown: Authorization, Proxy-Authorization, Cookie,
 * Set-Cookie, and any name ending in "api-key" or "token".
 */
int pcurl_header_is_secret(const char *line, size_t n);

#endif /* PCURL_REDACT_H */
