/*
 * jsonw.h - internal: the JSON writer (the decoder's hot path) and the
 * byte-buffer primitives under it.  Not part of the public API.
 *
 * Every writer appends to a capped pr_buf.  When an append would pass
 * b->max, it fails with PR_ELIMIT and a message naming the output limit
 * ("output would exceed N bytes (max_output)").  No function here
 * allocates per value beyond growing the buffer geometrically.
 */
#ifndef PR_JSONW_H
#define PR_JSONW_H

#include "pr.h"

/* Makes room for `extra` more bytes (plus the NUL).  PR_ELIMIT/ENOMEM. */
pr_code pr_buf_reserve(pr_buf *b, size_t extra, pr_error *err);
pr_code pr_buf_putc(pr_buf *b, char c, pr_error *err);

/*
 * Writes `s` (n bytes) as a quoted JSON string.  `s` is UTF-8 in which
 * surrogate code points may appear encoded as 3-byte sequences
 * (ED A0..BF xx), as Python's 'surrogatepass' writes them; those are
 * written as \\udXXX escapes.  Control characters, '"' and '\\' are
 * escaped as Python's json module does (\\n \\r \\t \\b \\f, else \\u00XX).
 * Other non-ASCII is copied through as UTF-8.  Input must already be
 * valid (the VM validates at load time); invalid bytes are written as
 * \\ufffd so the output is always valid JSON.
 */
pr_code pr_json_string(pr_buf *b, const char *s, size_t n, pr_error *err);

/* Writes a 64-bit signed integer in decimal. */
pr_code pr_json_i64(pr_buf *b, int64_t v, pr_error *err);

/*
 * Writes a Python int given as n bytes of little-endian two's complement
 * (the LONG1/LONG4 payload) as a decimal number with every digit.
 * n == 0 is 0.  Cost is quadratic in n; callers cap n beforehand.
 */
pr_code pr_json_bigint(pr_buf *b, const uint8_t *le, size_t n,
                       pr_error *err);

/*
 * Formats a finite double exactly as Python's repr(float) does: the
 * shortest string that round-trips, '1.5', '-0.0', '1e+30', '1e-05',
 * '0.0001', '1e+16', '123456789012345.0'.  Writes into out (at least 32
 * bytes), returns the length (no NUL needed but one is written).
 * For NaN/inf writes 'nan', 'inf', '-inf' (the caller applies the policy).
 */
size_t pr_fmt_double(double v, char *out);

/* Writes a double per the NaN policy: finite as pr_fmt_double;
 * non-finite as null, "NaN"/"Infinity"/"-Infinity", or NaN/Infinity. */
pr_code pr_json_double(pr_buf *b, double v, pr_nan_policy nan,
                       pr_error *err);

/* Writes "<standard base64 with padding>" (quoted, no newlines). */
pr_code pr_json_base64(pr_buf *b, const uint8_t *p, size_t n,
                       pr_error *err);

/*
 * Decodes standard base64 as Python's base64.decodebytes accepts it:
 * newlines and other non-alphabet bytes are skipped, '=' padding ends
 * the data.  Writes at most 3*(n/4)+3 bytes to out; *outlen gets the
 * count.  PR_EFORMAT if the data is not valid base64 (e.g. wrong
 * padding, a lone trailing character).
 */
pr_code pr_base64_decode(uint8_t *out, size_t *outlen, const char *in,
                         size_t n, pr_error *err);
/* Strict variant check: true when every byte is in the base64 alphabet,
 * '=', '\n' or '\r' (how pr_sniff tells base64 text from other data). */
int pr_base64_looks_like(const char *in, size_t n);

#endif /* PR_JSONW_H */
