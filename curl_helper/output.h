/*
 * output.h - what prefect-curl does with a body (decode it, resolve the
 * states in it, or pass it through), where it writes it (stdout or -o),
 * and how errors become messages and exit codes.
 */
#ifndef PCURL_OUTPUT_H
#define PCURL_OUTPUT_H

#include <stddef.h>

#include "args.h"
#include "pr.h"

/* Exit codes of our own, above curl's range. */
#define PCURL_EXIT_FORMAT       110
#define PCURL_EXIT_UNSUPPORTED  111
#define PCURL_EXIT_LIMIT        112
#define PCURL_EXIT_FAILED       113 /* a FAILED or CRASHED state */
#define PCURL_EXIT_NOTFOUND     114 /* no such state, run, block, file */
#define PCURL_EXIT_AUTH         115 /* the API refused the credentials */
#define PCURL_EXIT_STORAGE      116 /* a storage we cannot read */
#define PCURL_EXIT_CONFIG       117 /* no usable API or settings */

/* A body fetched for one target. */
typedef struct pcurl_body {
    const char *data;
    size_t len;
    const char *head;       /* response headers (-i), or NULL */
    size_t head_len;
    const char *url;        /* where it came from (effective URL), or
                             * NULL for a state looked up by id */
    long status;            /* HTTP status, 0 when none */
} pcurl_body;

/* One stretch of output. */
typedef struct pcurl_piece {
    const char *p;
    size_t n;
} pcurl_piece;

/*
 * The exit code for an error of a transfer or a decode: err->curl_code
 * when set, else one chosen from err->code (PR_EHTTP 22, PR_EIO and
 * PR_ENOTFOUND 37, PR_ETIMEOUT 28, PR_ENOMEM 27, PR_EFORMAT 110,
 * PR_EUNSUPPORTED 111, PR_ELIMIT 112 ...).
 */
int pcurl_exit_code(const pr_error *err);

/*
 * The exit code for an error of resolution (looking up a state, its
 * block, its result file): PR_ENOTFOUND 114, PR_EAUTH 115, an
 * unsupported storage 116, PR_EINVAL 117, network failures curl's code
 * (6, 7, 28 ...), PR_EHTTP 22, decode errors 110 to 112.
 */
int pcurl_resolve_exit_code(const pr_error *err);

/*
 * Prints "prefect-curl: (N) msg" and, if there is one, the hint on the
 * next line, unless -s was given without -S.  Returns N.
 */
int pcurl_report(const pcurl_args *a, const pr_error *err);
int pcurl_report_code(const pcurl_args *a, const pr_error *err, int code);

/* Writes the pieces to stdout or t's -o file (created only now).
 * Returns 0, or 23 after reporting a write error. */
int pcurl_write_pieces(const pcurl_args *a, const pcurl_target *t,
                       const pcurl_piece *pc, size_t n);

/*
 * pcurl_emit - write one fetched body for target t: decoded to one line
 * of JSON when it is a Prefect result, with its states resolved when it
 * holds Prefect states (apimode.h), else byte for byte (or exit 110
 * under --decode and --result).  Reports its own errors; returns the
 * exit code (0 on success, 23 when writing fails, 113 for a failed
 * state ...).
 */
int pcurl_emit(const pcurl_args *a, const pcurl_target *t,
               const pcurl_body *b);

#endif /* PCURL_OUTPUT_H */
