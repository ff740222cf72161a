/*
 * base64.c - base64 text to bytes, accepting exactly what Python's
 * base64.decodebytes (binascii.a2b_base64, non-strict) accepts, so that
 * anything Prefect could read back we can read too.
 *
 * Python's rules: bytes outside the alphabet are skipped; '=' counts as
 * padding only once two data characters of a quad are in, and the data
 * ends when the quad is complete with padding; a data character after a
 * partial pad resets the pad count.  A final quad of one character is
 * an error, and so is an unpadded partial quad ("Incorrect padding").
 */
#include <stdint.h>

#include "pr.h"
#include "jsonw.h"

#define PAD 64          /* '=' */
#define SKIP 128        /* not in the alphabet: ignored */

static const uint8_t b64_value[256] = {
#define S SKIP
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, S, S, S, S, 62, S, S, S, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, S, S, S, PAD, S, S,
    S, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, S, S, S, S, S,
    S, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, S, S, S, S, S,
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S
#undef S
};

pr_code
pr_base64_decode(uint8_t *out, size_t *outlen, const char *in, size_t n,
                 pr_error *err)
{
    const uint8_t *s = (const uint8_t *)in;
    const uint8_t *end = s + n;
    uint8_t *d = out;
    unsigned quad_pos = 0, pads = 0, left = 0;
    size_t ndata = 0;

    while (s < end) {
        uint8_t v;

        /* Whole quads of data characters, the bulk of any real input. */
        if (quad_pos == 0) {
            while (end - s >= 4) {
                uint8_t a = b64_value[s[0]], b = b64_value[s[1]];
                uint8_t c = b64_value[s[2]], e = b64_value[s[3]];

                if ((a | b | c | e) >= PAD)
                    break;
                d[0] = (uint8_t)(a << 2 | b >> 4);
                d[1] = (uint8_t)(b << 4 | c >> 2);
                d[2] = (uint8_t)(c << 6 | e);
                d += 3;
                s += 4;
                ndata += 4;
                pads = 0;
            }
            if (s >= end)
                break;
        }

        v = b64_value[*s++];
        if (v == PAD) {
            if (quad_pos >= 2 && quad_pos + ++pads >= 4)
                goto done;
            continue;
        }
        if (v == SKIP)
            continue;
        pads = 0;
        ndata++;
        switch (quad_pos) {
        case 0:
            left = v;
            quad_pos = 1;
            break;
        case 1:
            *d++ = (uint8_t)(left << 2 | v >> 4);
            left = v & 0x0f;
            quad_pos = 2;
            break;
        case 2:
            *d++ = (uint8_t)(left << 4 | v >> 2);
            left = v & 0x03;
            quad_pos = 3;
            break;
        default:
            *d++ = (uint8_t)(left << 6 | v);
            quad_pos = 0;
            break;
        }
    }
    if (quad_pos == 1)
        return pr_error_set(err, PR_EFORMAT, "invalid base64: %zu data "
                            "characters is 1 more than a multiple of 4",
                            ndata);
    if (quad_pos != 0)
        return pr_error_set(err, PR_EFORMAT, "invalid base64: incorrect "
                            "padding");
done:
    *outlen = (size_t)(d - out);
    return PR_OK;
}

int
pr_base64_looks_like(const char *in, size_t n)
{
    const uint8_t *s = (const uint8_t *)in;
    size_t i;

    for (i = 0; i < n; i++) {
        uint8_t c = s[i];

        if (b64_value[c] == SKIP && c != '\n' && c != '\r')
            return 0;
    }
    return 1;
}
