/*
 * decompress.c - undoes the compression step of Prefect's compressed
 * serializers: xz (Python's lzma module), zlib, gzip and bzip2.
 *
 * Each decoder follows what Python's <lib>.decompress accepts, because
 * that is what Prefect reads back: lzma and bz2 decode concatenated
 * streams and ignore trailing bytes that are not another stream, zlib
 * ignores anything after its stream, gzip reads every member and allows
 * only NUL padding after them.  The compressionlib name decides the
 * decoder, but the magic bytes are checked first: a wrong name is the
 * most common mistake and deserves a message that says what the data
 * really is.  The output is capped (compressed results are tiny next to
 * what they can expand to) and the libraries allocate through pr_malloc
 * so allocation failures can be injected in tests.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>

#include "pr.h"
#include "alloc.h"
#include "decompress.h"

/* First allocation for the output: a guess that is usually enough. */
#define FIRST_GUESS_RATIO 4
#define FIRST_MIN ((size_t)4096)
#define FIRST_MAX ((size_t)1 << 20)
/* The libraries count in unsigned int: feed them at most this much. */
#define CHUNK_MAX ((size_t)UINT_MAX)

pr_comp
pr_comp_by_name(const char *name)
{
    if (name == NULL)
        return PR_COMP_NONE;
    if (strcmp(name, "lzma") == 0)
        return PR_COMP_XZ;
    if (strcmp(name, "zlib") == 0)
        return PR_COMP_ZLIB;
    if (strcmp(name, "gzip") == 0)
        return PR_COMP_GZIP;
    if (strcmp(name, "bz2") == 0)
        return PR_COMP_BZ2;
    return PR_COMP_NONE;
}

pr_comp
pr_comp_sniff(const void *data, size_t n)
{
    static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
    const uint8_t *p = data;

    if (n >= 6 && memcmp(p, xz_magic, 6) == 0)
        return PR_COMP_XZ;
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return PR_COMP_GZIP;
    if (n >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' &&
        p[3] >= '1' && p[3] <= '9')
        return PR_COMP_BZ2;
    /* RFC 1950: deflate with a window Python's zlib accepts, and the
     * header check bits (78 9C, 78 01, 78 DA ...). */
    if (n >= 2 && (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 &&
        (((unsigned)p[0] << 8) | p[1]) % 31 == 0)
        return PR_COMP_ZLIB;
    return PR_COMP_NONE;
}

const char *
pr_comp_lib(pr_comp c)
{
    switch (c) {
    case PR_COMP_XZ:
        return "lzma";
    case PR_COMP_ZLIB:
        return "zlib";
    case PR_COMP_GZIP:
        return "gzip";
    case PR_COMP_BZ2:
        return "bz2";
    default:
        return "?";
    }
}

const char *
pr_comp_format(pr_comp c)
{
    switch (c) {
    case PR_COMP_XZ:
        return "xz";
    case PR_COMP_ZLIB:
        return "zlib";
    case PR_COMP_GZIP:
        return "gzip";
    case PR_COMP_BZ2:
        return "bzip2";
    default:
        return "?";
    }
}

/* ------------------------------------------------------------------ */
/* The growing, capped output. */

typedef struct outbuf {
    uint8_t *p;
    size_t len;
    size_t cap;             /* bytes allocated; one is kept for the NUL */
    size_t max;             /* data bytes allowed */
    const char *limit;      /* the limit's name, for the message */
    pr_comp comp;
} outbuf;

/*
 * Grows the buffer so that at least one more byte fits.  The buffer may
 * hold max + 1 data bytes: producing that extra byte is how we learn
 * that the output is over the cap without decompressing all of it.
 */
static pr_code
out_grow(outbuf *o, size_t hint, pr_error *err)
{
    size_t ncap, hard;
    uint8_t *np;

    if (o->len > o->max)
        return pr_error_set(err, PR_ELIMIT, "decompressing the %s data "
                            "would give more than %zu bytes (%s)",
                            pr_comp_format(o->comp), o->max, o->limit);
    hard = o->max + 2;
    if (o->cap == 0) {
        ncap = hint;
    } else if (!pr_size_mul(o->cap, 2, &ncap)) {
        ncap = hard;
    }
    if (ncap > hard)
        ncap = hard;
    if (ncap <= o->len + 1)
        return pr_error_set(err, PR_ELIMIT, "decompressing the %s data "
                            "would give more than %zu bytes (%s)",
                            pr_comp_format(o->comp), o->max, o->limit);
    np = pr_realloc(o->p, ncap);
    if (np == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory growing the "
                            "decompressed %s data to %zu bytes",
                            pr_comp_format(o->comp), ncap);
    o->p = np;
    o->cap = ncap;
    return PR_OK;
}

/* Room left for data (the NUL excluded), at most CHUNK_MAX. */
static size_t
out_room(const outbuf *o)
{
    size_t room = o->cap - o->len - 1;

    return room > CHUNK_MAX ? CHUNK_MAX : room;
}

static pr_code
over_cap(const outbuf *o, pr_error *err)
{
    return pr_error_set(err, PR_ELIMIT, "decompressing the %s data would "
                        "give more than %zu bytes (%s)",
                        pr_comp_format(o->comp), o->max, o->limit);
}

static pr_code
truncated(pr_comp c, pr_error *err)
{
    pr_error_set(err, PR_EFORMAT, "%s data is truncated: it ends before "
                 "the end-of-stream marker", pr_comp_format(c));
    return pr_error_hint(err, "the result file is probably incomplete; "
                         "check that it was copied in full");
}

/* ------------------------------------------------------------------ */
/* Allocation hooks: the libraries allocate through pr_malloc too. */

static void *
hook_alloc(size_t nmemb, size_t size)
{
    size_t n;

    if (!pr_size_mul(nmemb, size, &n))
        return NULL;
    return pr_malloc(n);
}

static voidpf
z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return hook_alloc(items, size);
}

static void
z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    pr_free(p);
}

static void *
xz_alloc(void *opaque, size_t nmemb, size_t size)
{
    (void)opaque;
    return hook_alloc(nmemb, size);
}

static void
xz_free(void *opaque, void *p)
{
    (void)opaque;
    pr_free(p);
}

static void *
bz_alloc(void *opaque, int n, int m)
{
    (void)opaque;
    if (n < 0 || m < 0)
        return NULL;
    return hook_alloc((size_t)n, (size_t)m);
}

static void
bz_free(void *opaque, void *p)
{
    (void)opaque;
    pr_free(p);
}

/* ------------------------------------------------------------------ */
/* xz, as lzma.decompress(data) with FORMAT_AUTO. */

static pr_code
run_xz(outbuf *o, const uint8_t *in, size_t n, uint64_t memlimit,
       pr_error *err)
{
    const lzma_allocator alloc = { xz_alloc, xz_free, NULL };
    lzma_stream strm = LZMA_STREAM_INIT;
    size_t pos = 0, stream_start;
    unsigned streams = 0;
    pr_code rc = PR_OK;

    strm.allocator = &alloc;
    while (pos < n) {
        lzma_ret ret = lzma_auto_decoder(&strm, memlimit, 0);
        int stuck = 0;

        if (ret == LZMA_MEM_ERROR) {
            rc = pr_error_set(err, PR_ENOMEM, "out of memory starting "
                              "the xz decoder");
            goto done;
        }
        if (ret != LZMA_OK) {
            rc = pr_error_set(err, PR_EFORMAT, "cannot start the xz "
                              "decoder (liblzma error %d)", (int)ret);
            goto done;
        }
        stream_start = o->len;
        for (;;) {
            size_t in_before, room, chunk = n - pos;

            if (chunk > CHUNK_MAX)
                chunk = CHUNK_MAX;
            if (out_room(o) == 0) {
                rc = out_grow(o, 0, err);
                if (rc != PR_OK)
                    goto done;
            }
            room = out_room(o);
            strm.next_in = in + pos;
            strm.avail_in = chunk;
            strm.next_out = o->p + o->len;
            strm.avail_out = room;
            in_before = chunk;
            ret = lzma_code(&strm, chunk == n - pos ? LZMA_FINISH
                                                    : LZMA_RUN);
            pos += in_before - strm.avail_in;
            o->len += room - strm.avail_out;
            if (o->len > o->max) {
                rc = over_cap(o, err);
                goto done;
            }
            if (ret == LZMA_STREAM_END)
                break;
            if (ret == LZMA_OK || ret == LZMA_BUF_ERROR) {
                if (strm.avail_in == in_before &&
                    strm.avail_out == room) {
                    if (++stuck >= 2 || pos >= n) {
                        rc = truncated(PR_COMP_XZ, err);
                        goto done;
                    }
                } else {
                    stuck = 0;
                }
                continue;
            }
            if (ret == LZMA_MEMLIMIT_ERROR) {
                rc = pr_error_set(err, PR_ELIMIT, "the xz data needs "
                                  "%llu bytes of decoder memory, more "
                                  "than %llu (max_arena)",
                                  (unsigned long long)lzma_memusage(&strm),
                                  (unsigned long long)memlimit);
                goto done;
            }
            if (ret == LZMA_MEM_ERROR) {
                rc = pr_error_set(err, PR_ENOMEM, "out of memory in the "
                                  "xz decoder");
                goto done;
            }
            /* Python stops quietly at a bad stream after a good one. */
            if (streams > 0) {
                o->len = stream_start;
                goto done;
            }
            if (ret == LZMA_FORMAT_ERROR)
                rc = pr_error_set(err, PR_EFORMAT, "the data is not in "
                                  "the xz format lzma.compress writes");
            else
                rc = pr_error_set(err, PR_EFORMAT, "xz data is corrupt "
                                  "(liblzma error %d)", (int)ret);
            pr_error_hint(err, "the result file is damaged, or was not "
                          "written by this serializer");
            goto done;
        }
        streams++;
    }
done:
    lzma_end(&strm);
    return rc;
}

/* ------------------------------------------------------------------ */
/* zlib (RFC 1950) and gzip (RFC 1952) through zlib's inflate. */

static pr_code
run_inflate(outbuf *o, const uint8_t *in, size_t n, int gzip,
            pr_error *err)
{
    pr_comp c = gzip ? PR_COMP_GZIP : PR_COMP_ZLIB;
    z_stream z;
    size_t pos = 0;
    int stuck = 0, ret;
    pr_code rc = PR_OK;

    memset(&z, 0, sizeof(z));
    z.zalloc = z_alloc;
    z.zfree = z_free;
    ret = inflateInit2(&z, gzip ? 15 + 16 : 15);
    if (ret == Z_MEM_ERROR)
        return pr_error_set(err, PR_ENOMEM, "out of memory starting the "
                            "%s decoder", pr_comp_format(c));
    if (ret != Z_OK)
        return pr_error_set(err, PR_EFORMAT, "cannot start the %s "
                            "decoder (zlib error %d)", pr_comp_format(c),
                            ret);
    for (;;) {
        size_t room, chunk = n - pos;
        uInt in_before;

        if (chunk > CHUNK_MAX)
            chunk = CHUNK_MAX;
        if (out_room(o) == 0) {
            rc = out_grow(o, 0, err);
            if (rc != PR_OK)
                goto done;
        }
        room = out_room(o);
        z.next_in = (Bytef *)(uintptr_t)(in + pos);
        z.avail_in = (uInt)chunk;
        z.next_out = o->p + o->len;
        z.avail_out = (uInt)room;
        in_before = z.avail_in;
        ret = inflate(&z, Z_NO_FLUSH);
        pos += in_before - z.avail_in;
        o->len += room - z.avail_out;
        if (o->len > o->max) {
            rc = over_cap(o, err);
            goto done;
        }
        if (ret == Z_STREAM_END) {
            if (!gzip)
                goto done;      /* zlib.decompress ignores the rest */
            /* gzip.decompress: more members, or NUL padding only. */
            while (pos < n && in[pos] == 0)
                pos++;
            if (pos >= n)
                goto done;
            if (n - pos < 2 || in[pos] != 0x1f || in[pos + 1] != 0x8b) {
                rc = pr_error_set(err, PR_EFORMAT, "bytes after the gzip "
                                  "data at offset %zu are not another "
                                  "gzip member", pos);
                goto done;
            }
            if (inflateReset(&z) != Z_OK) {
                rc = pr_error_set(err, PR_EFORMAT, "cannot restart the "
                                  "gzip decoder");
                goto done;
            }
            stuck = 0;
            continue;
        }
        if (ret == Z_OK || ret == Z_BUF_ERROR) {
            if (z.avail_in == in_before && z.avail_out == room) {
                if (++stuck >= 2 || pos >= n) {
                    rc = truncated(c, err);
                    goto done;
                }
            } else {
                stuck = 0;
            }
            continue;
        }
        if (ret == Z_MEM_ERROR) {
            rc = pr_error_set(err, PR_ENOMEM, "out of memory in the %s "
                              "decoder", pr_comp_format(c));
            goto done;
        }
        if (ret == Z_NEED_DICT)
            rc = pr_error_set(err, PR_EFORMAT, "zlib data needs a preset "
                              "dictionary, which Python's zlib.compress "
                              "never uses");
        else
            rc = pr_error_set(err, PR_EFORMAT, "%s data is corrupt: %s",
                              pr_comp_format(c),
                              z.msg != NULL ? z.msg : "inflate failed");
        pr_error_hint(err, "the result file is damaged, or was not written "
                      "by this serializer");
        goto done;
    }
done:
    inflateEnd(&z);
    return rc;
}

/* ------------------------------------------------------------------ */
/* bzip2, as bz2.decompress(data). */

static pr_code
run_bz2(outbuf *o, const uint8_t *in, size_t n, pr_error *err)
{
    size_t pos = 0;
    unsigned streams = 0;

    while (pos < n) {
        bz_stream b;
        size_t stream_start = o->len;
        int stuck = 0, ret;
        pr_code rc = PR_OK;

        memset(&b, 0, sizeof(b));
        b.bzalloc = bz_alloc;
        b.bzfree = bz_free;
        ret = BZ2_bzDecompressInit(&b, 0, 0);
        if (ret == BZ_MEM_ERROR)
            return pr_error_set(err, PR_ENOMEM, "out of memory starting "
                                "the bzip2 decoder");
        if (ret != BZ_OK)
            return pr_error_set(err, PR_EFORMAT, "cannot start the bzip2 "
                                "decoder (error %d)", ret);
        for (;;) {
            size_t room, chunk = n - pos;
            unsigned in_before;

            if (chunk > CHUNK_MAX)
                chunk = CHUNK_MAX;
            if (out_room(o) == 0) {
                rc = out_grow(o, 0, err);
                if (rc != PR_OK)
                    break;
            }
            room = out_room(o);
            b.next_in = (char *)(uintptr_t)(in + pos);
            b.avail_in = (unsigned)chunk;
            b.next_out = (char *)(o->p + o->len);
            b.avail_out = (unsigned)room;
            in_before = b.avail_in;
            ret = BZ2_bzDecompress(&b);
            pos += in_before - b.avail_in;
            o->len += room - b.avail_out;
            if (o->len > o->max) {
                rc = over_cap(o, err);
                break;
            }
            if (ret == BZ_STREAM_END)
                break;
            if (ret == BZ_OK) {
                if (b.avail_in == in_before && b.avail_out == room) {
                    if (++stuck >= 2 || pos >= n) {
                        rc = truncated(PR_COMP_BZ2, err);
                        break;
                    }
                } else {
                    stuck = 0;
                }
                continue;
            }
            if (ret == BZ_MEM_ERROR) {
                rc = pr_error_set(err, PR_ENOMEM, "out of memory in the "
                                  "bzip2 decoder");
                break;
            }
            /* Python stops quietly at a bad stream after a good one. */
            if (streams > 0) {
                o->len = stream_start;
                BZ2_bzDecompressEnd(&b);
                return PR_OK;
            }
            rc = pr_error_set(err, PR_EFORMAT, ret == BZ_DATA_ERROR_MAGIC ?
                              "the data is not in the bzip2 format" :
                              "bzip2 data is corrupt (error %d)", ret);
            pr_error_hint(err, "the result file is damaged, or was not "
                          "written by this serializer");
            break;
        }
        BZ2_bzDecompressEnd(&b);
        if (rc != PR_OK)
            return rc;
        streams++;
    }
    return PR_OK;
}

/* ------------------------------------------------------------------ */

static const char *
magic_text(pr_comp c)
{
    switch (c) {
    case PR_COMP_XZ:
        return "FD 37 7A 58 5A 00";
    case PR_COMP_ZLIB:
        return "78 9C";
    case PR_COMP_GZIP:
        return "1F 8B";
    case PR_COMP_BZ2:
        return "\"BZh\"";
    default:
        return "?";
    }
}

/* Checks the stated library against the magic bytes; *use gets the
 * decoder to run. */
static pr_code
choose(pr_comp *use, const char *lib, const uint8_t *p, size_t n,
       pr_error *err)
{
    pr_comp seen = pr_comp_sniff(p, n), named;

    if (lib == NULL) {
        if (seen == PR_COMP_NONE) {
            pr_error_set(err, PR_EFORMAT, "compressed data of %zu bytes "
                         "starts with none of the xz, zlib, gzip or bzip2 "
                         "magic bytes", n);
            return pr_error_hint(err, "the serializer does not name its "
                                 "compressionlib; pass the full serializer "
                                 "from the result record or flow state");
        }
        *use = seen;
        return PR_OK;
    }
    named = pr_comp_by_name(lib);
    if (named == PR_COMP_NONE) {
        pr_error_set(err, PR_EUNSUPPORTED, "compressionlib '%.60s' is not "
                     "supported: only lzma, zlib, gzip and bz2 can be "
                     "decompressed", lib);
        if (seen != PR_COMP_NONE)
            pr_error_hint(err, "the data starts with the %s magic, as "
                          "Python's %s module writes it",
                          pr_comp_format(seen), pr_comp_lib(seen));
        return PR_EUNSUPPORTED;
    }
    if (seen != PR_COMP_NONE && seen != named)
        return pr_error_set(err, PR_EFORMAT, "serializer says "
                            "compressionlib '%s' but the data starts with "
                            "the %s magic: the file was written with %s",
                            lib, pr_comp_format(seen), pr_comp_lib(seen));
    /* lzma.decompress also reads the headerless .lzma format: let
     * liblzma judge data without a magic. */
    if (seen == PR_COMP_NONE && named != PR_COMP_XZ) {
        pr_error_set(err, PR_EFORMAT, "serializer says compressionlib "
                     "'%s' but the data does not start with the %s "
                     "magic (%s)", lib, pr_comp_format(named),
                     magic_text(named));
        return pr_error_hint(err, "the result file is damaged, or the "
                             "serializer named does not match the file");
    }
    *use = named;
    return PR_OK;
}

pr_code
pr_decompress(uint8_t **out, size_t *outlen, const char *lib,
              const void *in, size_t n, const pr_limits *lim,
              pr_error *err)
{
    const uint8_t *p = in;
    outbuf o;
    size_t first;
    pr_comp use = PR_COMP_NONE;
    pr_code rc;

    rc = choose(&use, lib, p, n, err);
    if (rc != PR_OK)
        return rc;
    memset(&o, 0, sizeof(o));
    o.comp = use;
    o.max = lim->max_input;
    o.limit = "max_input";
    if (lim->max_output < o.max) {
        o.max = lim->max_output;
        o.limit = "max_output";
    }
    if (o.max > SIZE_MAX - 2)
        o.max = SIZE_MAX - 2;
    if (!pr_size_mul(n, FIRST_GUESS_RATIO, &first) || first > FIRST_MAX)
        first = FIRST_MAX;
    if (first < FIRST_MIN)
        first = FIRST_MIN;
    rc = out_grow(&o, first, err);
    if (rc != PR_OK)
        return rc;

    switch (use) {
    case PR_COMP_XZ:
        rc = run_xz(&o, p, n, lim->max_arena ? (uint64_t)lim->max_arena
                                             : UINT64_MAX, err);
        break;
    case PR_COMP_ZLIB:
        rc = run_inflate(&o, p, n, 0, err);
        break;
    case PR_COMP_GZIP:
        rc = run_inflate(&o, p, n, 1, err);
        break;
    default:
        rc = run_bz2(&o, p, n, err);
        break;
    }
    if (rc == PR_OK && n == 0)
        rc = truncated(use, err);
    if (rc != PR_OK) {
        pr_free(o.p);
        return rc;
    }
    o.p[o.len] = '\0';
    *out = o.p;
    *outlen = o.len;
    return PR_OK;
}
