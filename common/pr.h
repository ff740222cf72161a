/*
 * pr.h - the public interface of the prefect-result core library.
 *
 * Every front end (prefect-curl, prefect-jq, the PostgreSQL extension)
 * includes only this header.  Rules that hold for every function here:
 *   - fallible functions return a pr_code and take `pr_error *err` last;
 *     on failure err->msg says what was being done (never a secret);
 *   - outputs come first; `*out` is written only on PR_OK;
 *   - input is (const void *, size_t) and is never modified;
 *   - the core never prints, exits or aborts on bad input.
 */
#ifndef PR_H
#define PR_H

#include <stddef.h>
#include <stdint.h>

#define PR_VERSION_STRING "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes.  Frozen once released: append only. */
typedef enum pr_code {
    PR_OK = 0,
    PR_EINVAL = 1,        /* bad argument from the caller */
    PR_ENOMEM = 2,        /* an allocation failed */
    PR_ELIMIT = 3,        /* a configured limit was reached (named in msg) */
    PR_EFORMAT = 4,       /* input is malformed (pickle, base64, JSON ...) */
    PR_EUNSUPPORTED = 5,  /* valid but not supported (opcode, serializer) */
    PR_ENOTFOUND = 6,     /* id, key or file does not exist */
    PR_EAUTH = 7,         /* credentials refused */
    PR_ENETWORK = 8,      /* could not connect / transfer failed */
    PR_ETIMEOUT = 9,      /* a timeout expired */
    PR_EHTTP = 10,        /* unexpected HTTP status */
    PR_EIO = 11,          /* local file could not be read */
    PR_ECANCELED = 12     /* the host asked us to stop */
} pr_code;

#define PR_ERROR_SIZE 256

typedef struct pr_error {
    pr_code code;
    long http_status;            /* 0 unless an HTTP reply caused it */
    int curl_code;               /* CURLcode of a failed transfer, else 0 */
    char msg[PR_ERROR_SIZE];     /* one line, lower case, no period */
    char hint[PR_ERROR_SIZE];    /* optional sentence: what to try */
} pr_error;

/* Sets err (if not NULL) and returns code.  printf-style message. */
pr_code pr_error_set(pr_error *err, pr_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets the hint of an error already set.  Returns err->code. */
pr_code pr_error_hint(pr_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Clears err to PR_OK with empty strings. */
void pr_error_clear(pr_error *err);
/* A short constant name for a code ("limit", "format", ...). */
const char *pr_code_name(pr_code code);

/*
 * A growable byte buffer with a hard cap.  data is always NUL-terminated
 * when non-NULL.  Appending past `max` fails with PR_ELIMIT.
 */
typedef struct pr_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;     /* 0 means SIZE_MAX */
} pr_buf;

void pr_buf_init(pr_buf *b, size_t max);
void pr_buf_dispose(pr_buf *b);
/* Hands the bytes to the caller (free with pr_free); b becomes empty. */
char *pr_buf_detach(pr_buf *b, size_t *len);

/* Memory: everything the core allocates goes through these. */
void *pr_malloc(size_t n);
void *pr_realloc(void *p, size_t n);
void pr_free(void *p);

/* Limits for one decode.  Every one is checked before allocating. */
typedef struct pr_limits {
    size_t max_input;       /* bytes of input accepted */
    size_t max_memo;        /* memo entries (and largest memo index + 1) */
    size_t max_stack;       /* values on the VM stack, and MARK depth */
    size_t max_ops;         /* opcodes executed */
    size_t max_depth;       /* nesting depth of the emitted JSON */
    size_t output_ratio;    /* output may be this many times the input */
    size_t max_output;      /* hard cap on output bytes */
    size_t max_arena;       /* bytes the decoder may allocate for values */
} pr_limits;

#define PR_LIMITS_INIT { \
    (size_t)1 << 30,        /* max_input: 1 GiB */ \
    (size_t)1 << 20,        /* max_memo: 1M entries */ \
    (size_t)1 << 20,        /* max_stack */ \
    (size_t)1 << 28,        /* max_ops */ \
    1000,                   /* max_depth */ \
    64,                     /* output_ratio */ \
    (size_t)1 << 31,        /* max_output: 2 GiB */ \
    (size_t)4 << 30         /* max_arena: 4 GiB */ \
}

/* How non-finite floats are written. */
typedef enum pr_nan_policy {
    PR_NAN_NULL = 0,        /* null (default, valid JSON) */
    PR_NAN_STRING = 1,      /* "NaN", "Infinity", "-Infinity" */
    PR_NAN_TOKEN = 2        /* bare NaN / Infinity as Python writes them */
} pr_nan_policy;

/* How Python 2 `str` (STRING, BINSTRING, SHORT_BINSTRING) is read;
 * mirrors the `encoding=` argument of Python's pickle.loads. */
typedef enum pr_py2str {
    PR_PY2STR_AUTO = 0,     /* text if valid UTF-8, else {"__bytes__"} */
    PR_PY2STR_LATIN1 = 1,   /* always text, each byte one code point */
    PR_PY2STR_BYTES = 2     /* always {"__bytes__"} */
} pr_py2str;

typedef struct pr_decode_opts {
    int typed;              /* 0: plain mode, 1: typed mode */
    pr_nan_policy nan;
    pr_py2str py2str;
    pr_limits lim;
} pr_decode_opts;

#define PR_DECODE_OPTS_INIT { 0, PR_NAN_NULL, PR_PY2STR_AUTO, PR_LIMITS_INIT }

/*
 * pr_pickle_to_json - decode one pickle stream into JSON text.
 * Never executes, imports or looks anything up: see docs/json-mapping.
 * Appends one JSON value (no newline) to `out`; on failure `out` holds
 * whatever was written before the error (callers usually discard it).
 * Returns PR_OK, PR_EFORMAT (malformed), PR_EUNSUPPORTED (persistent id,
 * extension codes, out-of-band buffers), PR_ELIMIT, PR_ENOMEM.
 */
pr_code pr_pickle_to_json(pr_buf *out, const void *data, size_t len,
                          const pr_decode_opts *opts, pr_error *err);

/* What pr_sniff_to_json found the input to be. */
typedef enum pr_input_kind {
    PR_INPUT_UNKNOWN = 0,   /* not a pickle in any form we know */
    PR_INPUT_PICKLE,        /* raw pickle bytes (starts with PROTO) */
    PR_INPUT_BASE64,        /* base64 lines of a pickle */
    PR_INPUT_RECORD3,       /* Prefect 3 {"metadata", "result"} */
    PR_INPUT_BLOB2          /* Prefect 2 {"serializer", "data"} */
} pr_input_kind;

/*
 * pr_sniff - tell what `data` is, without decoding it fully.
 * Never fails: returns PR_INPUT_UNKNOWN for anything else.
 */
pr_input_kind pr_sniff(const void *data, size_t len);

/*
 * pr_sniff_to_json - decode raw pickle bytes, base64 pickle text, or a
 * Prefect result record whose serializer is pickle.  *kind (may be NULL)
 * receives what the input was.  PR_EFORMAT when it is none of these.
 */
pr_code pr_sniff_to_json(pr_buf *out, pr_input_kind *kind,
                         const void *data, size_t len,
                         const pr_decode_opts *opts, pr_error *err);

/* The library version, "MAJOR.MINOR.PATCH". */
const char *pr_version(void);

#ifdef __cplusplus
}
#endif
#endif /* PR_H */
