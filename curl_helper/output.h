/*
 * output.h - what prefect-curl does with a body (decode it or pass it
 * through), where it writes it (stdout or -o), and how errors become
 * messages and exit codes.
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

/*
 * The exit code for an error: err->curl_code when set, else one chosen
 * from err->code (PR_EHTTP 22, PR_EIO/PR_ENOTFOUND 37, PR_ETIMEOUT 28,
 * PR_ENOMEM 27, PR_EFORMAT 110, PR_EUNSUPPORTED 111, PR_ELIMIT 112 ...).
 */
int pcurl_exit_code(const pr_error *err);

/*
 * Prints "prefect-curl: (N) msg" and, if there is one, the hint on the
 * next line, unless -s was given without -S.  Returns N.
 */
int pcurl_report(const pcurl_args *a, const pr_error *err);

/*
 * pcurl_emit - write one fetched body for target t: decoded to one line
 * of JSON when it is a Prefect result (unless --raw-body), else byte for
 * byte (or exit 110 under --decode).  Reports its own errors; returns
 * the exit code (0 on success, 23 when writing fails).
 */
int pcurl_emit(const pcurl_args *a, const pcurl_target *t,
               const char *body, size_t len);

#endif /* PCURL_OUTPUT_H */
