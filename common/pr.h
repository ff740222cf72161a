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
    PR_ECANCELED = 12,    /* the host asked us to stop */
    PR_EPENDING = 13      /* internal to a batch: a request was deferred;
                           * never returned by a public call */
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
typedef struct pr_buf pr_buf;
/* Receives full chunks of a streaming buffer; nonzero code stops. */
typedef pr_code (*pr_buf_sink)(void *arg, const char *p, size_t n,
                               pr_error *err);

struct pr_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;     /* bytes still allowed in data; 0 means SIZE_MAX */
    /*
     * Streaming (optional, see pr_buf_stream): when the buffer would
     * grow past a chunk, its bytes go to sink and it starts again
     * empty; max then shrinks by what was sent, so it keeps bounding
     * the whole output.  flushed counts the bytes sent.
     */
    pr_buf_sink sink;
    void *sink_arg;
    size_t flushed;
};

void pr_buf_init(pr_buf *b, size_t max);
/* Makes b stream to sink (see struct pr_buf).  Output already sent
 * cannot be taken back, so a failed decode leaves partial output with
 * the sink; callers that must not, do not stream. */
void pr_buf_stream(pr_buf *b, pr_buf_sink sink, void *arg);
/* Sends what is buffered to the sink (no-op without one). */
pr_code pr_buf_flush(pr_buf *b, pr_error *err);
void pr_buf_dispose(pr_buf *b);
/* Hands the bytes to the caller (free with pr_free); b becomes empty. */
char *pr_buf_detach(pr_buf *b, size_t *len);
/* Appends n bytes (a C string): PR_ELIMIT past max, PR_ENOMEM.  For
 * hosts that bring their own source (pr_source.h). */
pr_code pr_buf_append(pr_buf *b, const void *p, size_t n, pr_error *err);
pr_code pr_buf_puts(pr_buf *b, const char *s, pr_error *err);

/* Memory: everything the core allocates goes through these. */
void *pr_malloc(size_t n);
void *pr_realloc(void *p, size_t n);
void pr_free(void *p);

/* Limits for one decode.  Every one is checked before allocating. */
typedef struct pr_limits {
    size_t max_input;       /* bytes of input accepted */
    size_t max_memo;        /* memo entries (and largest memo index + 1);
                             * larger inputs get one per two bytes */
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
    PR_INPUT_BLOB2,         /* Prefect 2 {"serializer", "data"} */
    PR_INPUT_DATADOC        /* Prefect 2.0-2.5 {"encoding", "blob"} */
} pr_input_kind;

/*
 * pr_sniff - tell what `data` is, without decoding it fully.
 * Never fails: returns PR_INPUT_UNKNOWN for anything else.
 */
pr_input_kind pr_sniff(const void *data, size_t len);

/*
 * pr_sniff_to_json - decode raw pickle bytes, base64 pickle text, or a
 * Prefect result record or data document with any serializer
 * pr_decode_result knows.  *kind (may be NULL) receives what the input
 * was; when it is none of these, *kind is PR_INPUT_UNKNOWN and the
 * result PR_EFORMAT (front ends pass such input through unchanged).
 */
pr_code pr_sniff_to_json(pr_buf *out, pr_input_kind *kind,
                         const void *data, size_t len,
                         const pr_decode_opts *opts, pr_error *err);

/*
 * pr_decode_result - decode the bytes found at a result's storage key,
 * in any file form Prefect writes (docs/prefect-results.md section 2):
 * a 3.x ResultRecord {"metadata","result"}, a 2.x PersistedResultBlob
 * {"serializer","data"}, a 2.0-2.5 DataDocument {"encoding","blob"}, or
 * raw serializer output (3.0.4+ flow results, key_storage tasks), with
 * every serializer of section 3: pickle (any picklelib), json,
 * compressed, compressed/pickle, compressed/json with lzma, zlib, gzip
 * or bz2.
 *
 * `serializer_json` (may be NULL) is the serializer object the state's
 * metadata names, as JSON text; it decodes raw files and is the fallback
 * when a file does not say.  `flow_result` applies the stricter rule for
 * flow results: a file is a record only if it has a "metadata" key.
 * Appends the value's JSON to out.  Errors: PR_EFORMAT (bytes do not
 * match the serializer: magic bytes are checked), PR_EUNSUPPORTED (an
 * unknown or custom serializer type, named in msg), PR_ELIMIT, PR_ENOMEM.
 */
pr_code pr_decode_result(pr_buf *out, const void *data, size_t len,
                         const char *serializer_json, int flow_result,
                         const pr_decode_opts *opts, pr_error *err);

/*
 * pr_json_value_to_json - rewrite JSON text written by Prefect's JSON
 * serializer (Python json.dumps: NaN/Infinity tokens allowed) per the
 * contract: plain mode unwraps {"__class__","data"} envelopes to their
 * data, typed mode keeps them; {"__exc_type__","message"} is kept in
 * both; non-finite numbers follow opts->nan.  Numbers keep their text
 * exactly.  Appends to out.  PR_EFORMAT for invalid JSON (with offset).
 */
pr_code pr_json_value_to_json(pr_buf *out, const char *text, size_t len,
                              const pr_decode_opts *opts, pr_error *err);

/*
 * pr_sniff_to_json_inplace - as pr_sniff_to_json, but the input buffer
 * belongs to the caller and may be overwritten: base64 text is decoded
 * in place instead of into a second buffer (peak memory for a large
 * base64 result drops by the size of the pickle).
 */
pr_code pr_sniff_to_json_inplace(pr_buf *out, pr_input_kind *kind,
                                 void *data, size_t len,
                                 const pr_decode_opts *opts, pr_error *err);

/* ---- resolution: a state id to the value its run returned ---------- */

/*
 * Configuration, read as Prefect's own tools read it (environment over
 * profile; docs/prefect-results.md section 5).  A getenv-like callback
 * lets a host supply its own settings (the PostgreSQL extension maps
 * GUCs); NULL means the process environment.
 */
typedef struct pr_config pr_config;
typedef const char *(*pr_getenv_fn)(const char *name, void *arg);

pr_code pr_config_load(pr_config **out, pr_getenv_fn getenv_fn, void *arg,
                       pr_error *err);
/*
 * Overrides one setting after loading (command-line options, GUCs).
 * Keys: "api_url", "api_key", "auth_string", "home", "local_storage",
 * "remap" (appends "FROM=TO": a storage path prefix written elsewhere
 * and where it is here), "timeout_ms", "connect_timeout_ms", "retries",
 * "ca_file", "insecure" ("0"/"1"), "source" ("auto", "api",
 * "database"), "database" (path of a prefect.db), "encryption_key",
 * "header" (appends "Name: value"), "headers" ("" drops the headers set
 * so far, PREFECT_CLIENT_CUSTOM_HEADERS's included).  PR_EINVAL for an
 * unknown key or a bad value (the value is never echoed: it may be a
 * secret).
 */
pr_code pr_config_set(pr_config *c, const char *key, const char *value,
                      pr_error *err);
void pr_config_free(pr_config *c);

/* A client: configuration, the source of states and blocks, one reused
 * HTTP connection, caches.  One per thread. */
typedef struct pr_client pr_client;

pr_code pr_client_new(pr_client **out, const pr_config *cfg,
                      pr_error *err);
void pr_client_free(pr_client *c);
/* A host callback polled during transfers and waits; nonzero stops
 * them with PR_ECANCELED. */
void pr_client_set_cancel(pr_client *c, int (*cancel)(void *arg),
                          void *arg);

/*
 * A host callback called with the path of each local result file just
 * before it is opened (after remaps and basepath checks; the real path
 * when a basepath applies).  Nonzero refuses the file: the call fails
 * with PR_EAUTH.  A database server uses it to let a role read results
 * in object stores but not the server's files.  Must not longjmp.
 */
void pr_client_set_file_check(pr_client *c,
                              int (*check)(const char *path, void *arg),
                              void *arg);

typedef enum pr_id_kind {
    PR_ID_UNKNOWN = 0,
    PR_ID_FLOW_RUN_STATE,
    PR_ID_TASK_RUN_STATE,
    PR_ID_FLOW_RUN,
    PR_ID_TASK_RUN
} pr_id_kind;

/* Room for a normalized id: 36 characters and a NUL. */
#define PR_ID_SIZE 37

/*
 * pr_sqlite_db_url - splits the "prefect-db:" URL form front ends accept
 * for reading Prefect's own SQLite database:
 *   prefect-db:<id>                   the database the configuration
 *                                     picks ($PREFECT_HOME/prefect.db ...)
 *   prefect-db:///abs/prefect.db#<id> that file (no host allowed)
 *   prefect-db:<path>#<id>            that file (relative, absolute or ~)
 * The path is percent-decoded (%23 is '#').  *path (pr_free) is NULL for
 * the first form; id is normalized.  PR_EINVAL otherwise.  The front
 * end then sets "source" to "database" and, given a path, "database".
 */
pr_code pr_sqlite_db_url(char **path, char id[PR_ID_SIZE], const char *url,
                         pr_error *err);

/* "flow run state", "task run", ... for messages. */
const char *pr_id_kind_name(pr_id_kind kind);

/*
 * pr_client_get_state - the state JSON for an id, which may name a
 * flow-run state, task-run state, flow run or task run (tried in that
 * order; *kind says which matched; for a run, its current state).
 * Appends the state object's JSON to out.
 */
pr_code pr_client_get_state(pr_client *c, pr_buf *out, pr_id_kind *kind,
                            const char *id, pr_error *err);

/* What resolution found, for messages and front-end decisions. */
typedef struct pr_result_info {
    int failed;             /* FAILED/CRASHED: the value is the exception */
    int has_value;          /* 0: the state holds no result (null data) */
    char state_type[16];    /* "COMPLETED", ... or "" */
    char source[16];        /* "api", "database", "inline", "file" */
    char location[512];     /* where the bytes were read, redacted */
    char message[512];      /* the state's message (failed states) */
    char expiration[48];    /* 3.x metadata's cache expiration, or "":
                             * reported only; expired files are read */
} pr_result_info;

/*
 * pr_client_resolve - the value for a state given as JSON: a state
 * object, a flow/task run object (its "state"), or a state's "data"
 * alone.  Classifies the data by era, fetches the bytes from storage,
 * decodes them and appends the value's JSON to out.  A state without a
 * result appends null and sets info->has_value = 0.
 */
pr_code pr_client_resolve(pr_client *c, pr_buf *out, pr_result_info *info,
                          const char *json, size_t len,
                          const pr_decode_opts *opts, pr_error *err);

/* pr_client_get_state + pr_client_resolve. */
pr_code pr_client_result(pr_client *c, pr_buf *out, pr_result_info *info,
                         const char *id, const pr_decode_opts *opts,
                         pr_error *err);

/*
 * Many ids at once.  pr_batch_new borrows ids[0..n) (a NULL entry is
 * that row's error) and resolves them as pr_client_result would, with
 * up to `parallel` requests in flight (0: PR_BATCH_PARALLEL), reading
 * ahead at most `parallel` ids.  pr_batch_next hands out the results in
 * the order of ids: *r is valid until the next call or pr_batch_free,
 * and is NULL after the last one.  A failure of one id is that result's
 * rc/err, not the call's: pr_batch_next fails only with PR_ECANCELED
 * (the cancel callback fired) or PR_ENOMEM, and the batch is then over.
 */
#define PR_BATCH_PARALLEL 16
#define PR_BATCH_PARALLEL_MAX 256

typedef struct pr_batch pr_batch;

typedef struct pr_batch_result {
    size_t index;           /* into ids */
    pr_code rc;             /* PR_OK, or this id's error in err */
    pr_error err;
    pr_result_info info;
    pr_buf *value;          /* the JSON when rc is PR_OK; the caller may
                             * take the bytes with pr_buf_detach */
} pr_batch_result;

pr_code pr_batch_new(pr_batch **out, pr_client *c, const char *const *ids,
                     size_t n, const pr_decode_opts *opts, size_t parallel,
                     pr_error *err);
/* The same for states given as JSON (states[i] is lens[i] bytes, as
 * pr_client_resolve takes them), e.g. every state of an API listing. */
pr_code pr_batch_new_states(pr_batch **out, pr_client *c,
                            const char *const *states, const size_t *lens,
                            size_t n, const pr_decode_opts *opts,
                            size_t parallel, pr_error *err);
pr_code pr_batch_next(pr_batch *b, pr_batch_result **r, pr_error *err);
void pr_batch_free(pr_batch *b);

/* The library version, "MAJOR.MINOR.PATCH". */
const char *pr_version(void);

#ifdef __cplusplus
}
#endif
#endif /* PR_H */
