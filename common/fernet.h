/*
 * fernet.h - internal: Fernet token decryption, as the Prefect server
 * encrypts block documents (docs/prefect-results.md section 6).  Used by
 * the sources that read Prefect's own database (the PostgreSQL
 * extension's SPI source, the SQLite source); it knows nothing of
 * either.
 *
 * A token is urlsafe base64 of
 *   0x80 | 8-byte big-endian timestamp | 16-byte IV |
 *   AES-128-CBC ciphertext (PKCS7) | 32-byte HMAC-SHA256
 * with the HMAC over everything before it, keyed with key bytes 0-15;
 * AES uses key bytes 16-31.  The timestamp is not checked (Prefect sets
 * no ttl).
 */
#ifndef PR_FERNET_H
#define PR_FERNET_H

#include "pr.h"

/* Raw key bytes once decoded. */
#define PR_FERNET_KEY_SIZE 32

/*
 * pr_fernet_decrypt - what Python's Fernet(key).decrypt(token) returns.
 * `key` is the urlsafe base64 text of 32 bytes (44 characters with
 * padding); `token` the urlsafe base64 text of a token.  Both are read
 * as Python's base64.urlsafe_b64decode reads them.  The HMAC is checked,
 * in constant time, before anything is decrypted.  Appends the plaintext
 * to out; every intermediate copy of key or plaintext is wiped.
 *
 * Returns PR_OK; PR_EINVAL (the key is not base64 of 32 bytes);
 * PR_EFORMAT (the token is not base64, has the wrong version byte or
 * length, or bad padding after a valid signature); PR_EAUTH (the
 * signature does not match: wrong key or altered token); PR_ENOMEM;
 * PR_ELIMIT (out->max).  Messages never contain key or plaintext.
 */
pr_code pr_fernet_decrypt(pr_buf *out, const char *key, size_t key_len,
                          const char *token, size_t token_len,
                          pr_error *err);

#endif /* PR_FERNET_H */
