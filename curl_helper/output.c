/*
 * output.c - decode-or-pass-through, writing, error messages, exit codes.
 *
 * Every body goes to pr_sniff_to_json (unless --raw-body).  When it is a
 * result (raw pickle, base64 pickle, Prefect 3 record, Prefect 2 blob, or
 * a headerless protocol 0/1 pickle) the JSON text and one newline are
 * written.  When the decoder says it is none of these (kind stays
 * PR_INPUT_UNKNOWN) the body is written byte for byte.  A body that is a
 * result but cannot be decoded is an error (110/111/112), never passed
 * through: a broken result must not look like a good one.
 * Nothing is written (and no -o file is created) for a failed body.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "redact.h"

#define NAME "prefect-curl"

int
pcurl_exit_code(const pr_error *err)
{
    if (err->curl_code != 0)
        return err->curl_code;
    switch (err->code) {
    case PR_OK: return 0;
    case PR_EINVAL: return 2;
    case PR_ENOMEM: return 27;
    case PR_ELIMIT: return PCURL_EXIT_LIMIT;
    case PR_EFORMAT: return PCURL_EXIT_FORMAT;
    case PR_EUNSUPPORTED: return PCURL_EXIT_UNSUPPORTED;
    case PR_ENOTFOUND: return 37;
    case PR_EIO: return 37;
    case PR_EAUTH: return 67;
    case PR_ENETWORK: return 7;
    case PR_ETIMEOUT: return 28;
    case PR_EHTTP: return 22;
    case PR_ECANCELED: return 42;
    }
    return PCURL_EXIT_FORMAT;
}

int
pcurl_report(const pcurl_args *a, const pr_error *err)
{
    int code = pcurl_exit_code(err);

    if (!a->silent || a->show_error) {
        fprintf(stderr, NAME ": (%d) %s\n", code, err->msg);
        if (err->hint[0] != '\0')
            fprintf(stderr, NAME ": %s\n", err->hint);
    }
    return code;
}

/* The core names the limit it hit; point at our option for it. */
static void
limit_hint(pr_error *err)
{
    static const struct { const char *name, *option; } map[] = {
        {"max_input", "--limit-input"},
        {"max_output", "--limit-output"},
        {"max_depth", "--limit-depth"},
        {"max_memo", "--limit-memo"},
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strstr(err->msg, map[i].name) != NULL) {
            pr_error_hint(err, "Raise it with %s.", map[i].option);
            return;
        }
}

static int
write_failed(const pcurl_args *a, const char *where)
{
    pr_error err;

    pr_error_clear(&err);
    pr_error_set(&err, PR_EIO, "failed writing to %s: %s", where,
                 strerror(errno ? errno : EIO));
    err.curl_code = 23;
    return pcurl_report(a, &err);
}

/* Writes body (and a newline when nl) to stdout or the -o file. */
static int
write_out(const pcurl_args *a, const pcurl_target *t, const char *body,
          size_t len, int nl)
{
    int to_stdout = t->output == NULL || strcmp(t->output, "-") == 0;
    const char *where = to_stdout ? "stdout" : t->output;
    FILE *f = stdout;
    int bad;

    errno = 0;
    if (!to_stdout && (f = fopen(t->output, "wb")) == NULL)
        return write_failed(a, where);
    bad = (len > 0 && fwrite(body, 1, len, f) != len) ||
          (nl && putc('\n', f) == EOF);
    if (to_stdout)
        bad |= fflush(f) != 0;
    else
        bad |= fclose(f) != 0;
    return bad ? write_failed(a, where) : 0;
}

int
pcurl_emit(const pcurl_args *a, const pcurl_target *t, const char *body,
           size_t len)
{
    pr_input_kind kind = PR_INPUT_UNKNOWN;
    pr_error err;
    pr_buf json;
    int rc;

    if (a->decode == PCURL_DECODE_NEVER)
        return write_out(a, t, body, len, 0);
    pr_error_clear(&err);
    pr_buf_init(&json, a->opts.lim.max_output);
    if (pr_sniff_to_json(&json, &kind, body, len, &a->opts, &err) == PR_OK) {
        rc = write_out(a, t, json.data ? json.data : "", json.len, 1);
    } else if (kind == PR_INPUT_UNKNOWN && a->decode != PCURL_DECODE_ALWAYS) {
        /* Not a result in any form: the body is someone else's data. */
        rc = write_out(a, t, body, len, 0);
    } else if (kind == PR_INPUT_UNKNOWN) {
        char shown[PR_ERROR_SIZE / 2];

        pcurl_redact_text(shown, sizeof(shown), t->url, strlen(t->url));
        pr_error_clear(&err);
        pr_error_set(&err, PR_EFORMAT, "the body of %s is not a pickle, "
                     "base64 pickle or Prefect result record", shown);
        pr_error_hint(&err, "Without --decode it would be written "
                      "unchanged.");
        rc = pcurl_report(a, &err);
    } else {
        if (err.code == PR_ELIMIT)
            limit_hint(&err);
        rc = pcurl_report(a, &err);
    }
    pr_buf_dispose(&json);
    return rc;
}
