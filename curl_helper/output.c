/*
 * output.c - decode, resolve or pass through; writing, error messages,
 * exit codes.
 *
 * Every body goes to pr_sniff_to_json (unless --raw-body).  When it is a
 * result (raw pickle, base64 pickle, Prefect 3 record, Prefect 2 blob, or
 * a headerless protocol 0/1 pickle) the JSON text and one newline are
 * written.  When it is JSON holding Prefect states, apimode.c resolves
 * them.  Anything else is written byte for byte.  A body that is a
 * result but cannot be decoded is an error (110/111/112), never passed
 * through: a broken result must not look like a good one.  Nothing is
 * written (and no -o file is created) for a failed body.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apimode.h"
#include "output.h"
#include "redact.h"
#include "states.h"

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
    case PR_EPENDING: break;    /* internal to a batch, never seen here */
    }
    return PCURL_EXIT_FORMAT;
}

int
pcurl_resolve_exit_code(const pr_error *err)
{
    pr_error e;

    switch (err->code) {
    case PR_ENOTFOUND: return PCURL_EXIT_NOTFOUND;
    case PR_EAUTH: return PCURL_EXIT_AUTH;
    case PR_EINVAL: return PCURL_EXIT_CONFIG;
    case PR_EHTTP: return 22;
    case PR_ENETWORK: return err->curl_code ? err->curl_code : 7;
    case PR_ETIMEOUT: return err->curl_code ? err->curl_code : 28;
    case PR_EUNSUPPORTED:
        /* The core has one code for "cannot read this storage" and
         * "cannot decode this serializer"; its messages tell them
         * apart (storage.c, client.c). */
        if (strstr(err->msg, "storage block") != NULL ||
            strstr(err->msg, "database") != NULL)
            return PCURL_EXIT_STORAGE;
        return PCURL_EXIT_UNSUPPORTED;
    default:
        break;
    }
    e = *err;
    e.curl_code = 0;
    return pcurl_exit_code(&e);
}

int
pcurl_report_code(const pcurl_args *a, const pr_error *err, int code)
{
    if (!a->silent || a->show_error) {
        fprintf(stderr, NAME ": (%d) %s\n", code, err->msg);
        if (err->hint[0] != '\0')
            fprintf(stderr, NAME ": %s\n", err->hint);
    }
    return code;
}

int
pcurl_report(const pcurl_args *a, const pr_error *err)
{
    return pcurl_report_code(a, err, pcurl_exit_code(err));
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

int
pcurl_write_pieces(const pcurl_args *a, const pcurl_target *t,
                   const pcurl_piece *pc, size_t n)
{
    int to_stdout = t->output == NULL || strcmp(t->output, "-") == 0;
    const char *where = to_stdout ? "stdout" : t->output;
    FILE *f = stdout;
    size_t i;
    int bad = 0;

    errno = 0;
    if (!to_stdout && (f = fopen(t->output, "wb")) == NULL)
        return write_failed(a, where);
    for (i = 0; i < n && !bad; i++)
        bad = pc[i].n > 0 && fwrite(pc[i].p, 1, pc[i].n, f) != pc[i].n;
    if (to_stdout)
        bad |= fflush(f) != 0;
    else
        bad |= fclose(f) != 0;
    return bad ? write_failed(a, where) : 0;
}

/* Headers (with -i), then up to two pieces of content. */
static int
write_out(const pcurl_args *a, const pcurl_target *t, const pcurl_body *b,
          const char *p, size_t n, const char *tail, size_t tn)
{
    pcurl_piece pc[3];
    size_t k = 0;

    if (a->include && b->head != NULL) {
        pc[k].p = b->head;
        pc[k++].n = b->head_len;
    }
    pc[k].p = p;
    pc[k++].n = n;
    pc[k].p = tail;
    pc[k++].n = tn;
    return pcurl_write_pieces(a, t, pc, k);
}

/* A decoded result file: the JSON, or with --result its value. */
static int
write_value(const pcurl_args *a, const pcurl_target *t,
            const pcurl_body *b, const char *json, size_t len)
{
    char *raw;
    size_t rlen;
    int rc;

    if (a->print != PCURL_PRINT_RESULT || len == 0 || json[0] != '"')
        return write_out(a, t, b, json, len, "\n", 1);
    if ((raw = pcurl_json_string_dup(json, len, &rlen)) == NULL) {
        pr_error err;

        pr_error_clear(&err);
        pr_error_set(&err, PR_ENOMEM, "out of memory");
        return pcurl_report(a, &err);
    }
    rc = write_out(a, t, b, raw, rlen, "\n", 1);
    free(raw);
    return rc;
}

static int
not_a_result(const pcurl_args *a, const pcurl_target *t, long status)
{
    char shown[PR_ERROR_SIZE / 2], st[32] = "";
    pr_error err;

    pcurl_redact_text(shown, sizeof(shown), t->url, strlen(t->url));
    if (status >= 400)
        snprintf(st, sizeof(st), " (HTTP %ld)", status);
    pr_error_clear(&err);
    pr_error_set(&err, PR_EFORMAT, "the body of %s%s is not a pickle, "
                 "base64 pickle or Prefect result record%s", shown, st,
                 a->print != PCURL_PRINT_DOCUMENT ? ", and holds no "
                 "Prefect state" : "");
    if (a->print != PCURL_PRINT_DOCUMENT)
        pr_error_hint(&err, "Without --result it would be written "
                      "unchanged.");
    else
        pr_error_hint(&err, "Without --decode it would be written "
                      "unchanged.");
    return pcurl_report(a, &err);
}

int
pcurl_emit(const pcurl_args *a, const pcurl_target *t, const pcurl_body *b)
{
    pr_input_kind kind = PR_INPUT_UNKNOWN;
    pr_error err;
    pr_buf json;
    pcurl_scan scan;
    int rc;

    if (a->decode == PCURL_DECODE_NEVER)
        return write_out(a, t, b, b->data, b->len, NULL, 0);
    pr_error_clear(&err);
    pr_buf_init(&json, a->opts.lim.max_output);
    if (pr_sniff_to_json(&json, &kind, b->data, b->len, &a->opts, &err) ==
        PR_OK) {
        rc = write_value(a, t, b, json.data ? json.data : "", json.len);
        pr_buf_dispose(&json);
        return rc;
    }
    pr_buf_dispose(&json);
    if (kind != PR_INPUT_UNKNOWN) {
        if (err.code == PR_ELIMIT)
            limit_hint(&err);
        return pcurl_report(a, &err);
    }
    /* Not a result file: JSON that holds Prefect states? */
    if (pcurl_scan_states(&scan, b->data, b->len, a->opts.lim.max_depth)
        != 0) {
        pr_error_clear(&err);
        pr_error_set(&err, PR_ENOMEM, "out of memory");
        return pcurl_report(a, &err);
    }
    if (scan.n > 0 || (scan.empty_list && a->print != PCURL_PRINT_DOCUMENT)) {
        rc = pcurl_api_emit(a, t, b, &scan, NULL);
    } else if (a->decode != PCURL_DECODE_ALWAYS &&
               a->print == PCURL_PRINT_DOCUMENT) {
        /* Not a result in any form: the body is someone else's data. */
        rc = write_out(a, t, b, b->data, b->len, NULL, 0);
    } else {
        rc = not_a_result(a, t, b->status);
    }
    pcurl_scan_dispose(&scan);
    return rc;
}
