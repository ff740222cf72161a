/*
 * decompress.h - internal: the compression layer of Prefect's compressed
 * serializers.  Python's `lzma` (the .xz container), `zlib`, `gzip` and
 * `bz2` modules, as named by the serializer's `compressionlib`, each
 * bounded by a byte cap so a decompression bomb fails cleanly.
 */
#ifndef PR_DECOMPRESS_H
#define PR_DECOMPRESS_H

#include <stdint.h>

#include "pr.h"

typedef enum pr_comp {
    PR_COMP_NONE = 0,       /* unknown name / no known magic */
    PR_COMP_XZ,             /* lzma.compress: FD 37 7A 58 5A 00 */
    PR_COMP_ZLIB,           /* zlib.compress: 78 9C (any valid header) */
    PR_COMP_GZIP,           /* gzip.compress: 1F 8B */
    PR_COMP_BZ2             /* bz2.compress: "BZh" + level */
} pr_comp;

/* The compression a `compressionlib` name stands for ("lzma", "zlib",
 * "gzip", "bz2"); PR_COMP_NONE for any other name. */
pr_comp pr_comp_by_name(const char *name);

/* The compression whose magic bytes start p; PR_COMP_NONE if none. */
pr_comp pr_comp_sniff(const void *p, size_t n);

/* The Python module that writes c ("lzma" for xz), or "?". */
const char *pr_comp_lib(pr_comp c);

/* The container's own name for messages ("xz", "zlib" ...), or "?". */
const char *pr_comp_format(pr_comp c);

/*
 * pr_decompress - decompress n bytes as Python's <lib>.decompress would.
 * `lib` is the serializer's compressionlib; NULL means "not stated" and
 * the magic bytes decide.  When lib is given the magic bytes must agree
 * (PR_EFORMAT naming both otherwise); an unknown name is
 * PR_EUNSUPPORTED.  Output may not pass min(lim->max_input,
 * lim->max_output) bytes (PR_ELIMIT naming that limit); liblzma may use
 * at most lim->max_arena bytes of memory.  On PR_OK *out (pr_free it)
 * holds *outlen bytes plus a NUL not counted in *outlen.
 */
pr_code pr_decompress(uint8_t **out, size_t *outlen, const char *lib,
                      const void *in, size_t n, const pr_limits *lim,
                      pr_error *err);

#endif /* PR_DECOMPRESS_H */
