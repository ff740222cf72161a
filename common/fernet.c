/*
 * fernet.c - Fernet token decryption with OpenSSL (HMAC-SHA256, then
 * AES-128-CBC), following Python cryptography's Fernet.decrypt step by
 * step: urlsafe base64, version byte 0x80, signature over everything
 * before the last 32 bytes, checked in constant time before the
 * ciphertext is touched, then CBC decryption and PKCS7 unpadding.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "pr.h"
#include "alloc.h"
#include "fernet.h"
#include "jsonw.h"

#define VERSION 0x80
#define HEAD 9              /* version + timestamp */
#define IV_SIZE 16
#define MAC_SIZE 32
#define BLOCK 16

/*
 * Python's base64.urlsafe_b64decode: '-' and '_' become '+' and '/',
 * then the non-strict decoder (other bytes skipped).  *out is pr_malloc'd
 * and holds *outlen bytes; the caller wipes and frees it.
 */
static pr_code
urlsafe_decode(uint8_t **out, size_t *outlen, const char *in, size_t n,
               const char *what, pr_error *err)
{
    char *tmp;
    uint8_t *dst;
    size_t cap, i;
    pr_code rc;

    if (n > SIZE_MAX / 3 - 8)
        return pr_error_set(err, PR_ELIMIT, "%s is too long", what);
    tmp = pr_malloc(n);
    cap = 3 * (n / 4) + 3;
    dst = pr_malloc(cap);
    if (tmp == NULL || dst == NULL) {
        pr_free(tmp);
        pr_free(dst);
        return pr_error_set(err, PR_ENOMEM, "out of memory decoding %s",
                            what);
    }
    for (i = 0; i < n; i++) {
        char c = in[i];
        tmp[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    rc = pr_base64_decode(dst, outlen, tmp, n, err);
    OPENSSL_cleanse(tmp, n);
    pr_free(tmp);
    if (rc != PR_OK) {
        OPENSSL_cleanse(dst, cap);
        pr_free(dst);
        return pr_error_set(err, rc == PR_EFORMAT ? PR_EFORMAT : rc,
                            "%s is not valid urlsafe base64", what);
    }
    *out = dst;
    return PR_OK;
}

static void
wipe_free(uint8_t *p, size_t n)
{
    if (p != NULL) {
        OPENSSL_cleanse(p, n);
        pr_free(p);
    }
}

pr_code
pr_fernet_decrypt(pr_buf *out, const char *key, size_t key_len,
                  const char *token, size_t token_len, pr_error *err)
{
    uint8_t *k = NULL, *tok = NULL, *plain = NULL;
    size_t klen = 0, tlen = 0, ctlen = 0, plen = 0;
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    EVP_CIPHER_CTX *cx = NULL;
    int n1 = 0, n2 = 0;
    pr_code rc;

    if (key == NULL || token == NULL)
        return pr_error_set(err, PR_EINVAL, "fernet: no key or no token");

    rc = urlsafe_decode(&k, &klen, key, key_len, "the encryption key",
                        err);
    if (rc != PR_OK) {
        if (rc == PR_EFORMAT)
            rc = pr_error_set(err, PR_EINVAL, "the encryption key is not "
                              "urlsafe base64 of %d bytes",
                              PR_FERNET_KEY_SIZE);
        return rc;
    }
    if (klen != PR_FERNET_KEY_SIZE) {
        wipe_free(k, klen);
        return pr_error_set(err, PR_EINVAL, "the encryption key is not "
                            "urlsafe base64 of %d bytes (it decodes to %zu)",
                            PR_FERNET_KEY_SIZE, klen);
    }

    rc = urlsafe_decode(&tok, &tlen, token, token_len, "the fernet token",
                        err);
    if (rc != PR_OK)
        goto done;
    if (tlen < HEAD || tok[0] != VERSION) {
        rc = pr_error_set(err, PR_EFORMAT, "the fernet token does not "
                          "start with version byte 0x80 and a timestamp");
        goto done;
    }
    if (tlen < HEAD + IV_SIZE + MAC_SIZE) {
        rc = pr_error_set(err, PR_EFORMAT, "the fernet token is too short "
                          "(%zu bytes)", tlen);
        goto done;
    }

    /* Signature first: nothing is decrypted unless it matches. */
    if (HMAC(EVP_sha256(), k, BLOCK, tok, tlen - MAC_SIZE, mac,
             &maclen) == NULL || maclen != MAC_SIZE) {
        rc = pr_error_set(err, PR_ENOMEM, "fernet: HMAC-SHA256 failed");
        goto done;
    }
    if (CRYPTO_memcmp(mac, tok + tlen - MAC_SIZE, MAC_SIZE) != 0) {
        rc = pr_error_set(err, PR_EAUTH, "the fernet token's signature "
                          "does not match: wrong key or altered data");
        goto done;
    }

    ctlen = tlen - HEAD - IV_SIZE - MAC_SIZE;
    if (ctlen == 0 || ctlen % BLOCK != 0 || ctlen > (size_t)INT32_MAX) {
        rc = pr_error_set(err, PR_EFORMAT, "the fernet ciphertext is %zu "
                          "bytes, not a positive multiple of %d", ctlen,
                          BLOCK);
        goto done;
    }
    plen = ctlen + BLOCK;
    plain = pr_malloc(plen);
    cx = EVP_CIPHER_CTX_new();
    if (plain == NULL || cx == NULL) {
        rc = pr_error_set(err, PR_ENOMEM, "out of memory decrypting a "
                          "fernet token");
        goto done;
    }
    if (EVP_DecryptInit_ex(cx, EVP_aes_128_cbc(), NULL, k + BLOCK,
                           tok + HEAD) != 1 ||
        EVP_DecryptUpdate(cx, plain, &n1, tok + HEAD + IV_SIZE,
                          (int)ctlen) != 1) {
        rc = pr_error_set(err, PR_EFORMAT, "the fernet ciphertext could "
                          "not be decrypted");
        goto done;
    }
    if (EVP_DecryptFinal_ex(cx, plain + n1, &n2) != 1) {
        rc = pr_error_set(err, PR_EFORMAT, "the fernet plaintext has bad "
                          "PKCS7 padding");
        goto done;
    }
    rc = pr_buf_append(out, plain, (size_t)n1 + (size_t)n2, err);

done:
    EVP_CIPHER_CTX_free(cx);
    OPENSSL_cleanse(mac, sizeof(mac));
    wipe_free(plain, plen);
    wipe_free(tok, tlen);
    wipe_free(k, klen);
    return rc;
}
