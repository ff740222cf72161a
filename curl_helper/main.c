/*
 * main.c - prefect-curl: fetch URLs as curl does and print Prefect
 * results (pickles, base64 pickles, result records, and the states in
 * Prefect API replies) as JSON.
 *
 * Each URL (or bare id) is handled in turn; a failure is reported and
 * the next one is still fetched.  The exit code is that of the last
 * one, as curl's.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "apimode.h"
#include "args.h"
#include "fetch.h"
#include "output.h"
#include "writeout.h"

static void
print_version(void)
{
    const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
    const char *const *p;

    printf("prefect-curl %s (libprefectresult %s) %s\n", PR_VERSION_STRING,
           pr_version(), curl_version());
    printf("Protocols:");
    for (p = vi->protocols; p != NULL && *p != NULL; p++)
        printf(" %s", *p);
    printf("\n");
}

/* The body goes to a terminal: no progress meter then, as in curl. */
static int
to_terminal(const pcurl_target *t)
{
    return (t->output == NULL || strcmp(t->output, "-") == 0) &&
           isatty(STDOUT_FILENO);
}

/* One URL: fetch, then decode, resolve or pass through. */
static int
one_url(const pcurl_args *a, pcurl_fetcher *f, const pcurl_target *t,
        pr_error *err)
{
    pcurl_reply r;
    pcurl_body b;
    int rc;

    if (pcurl_fetch(f, t->url, !to_terminal(t), &r, err) != PR_OK) {
        rc = pcurl_report(a, err);
        pcurl_reply_dispose(&r);
        return rc;
    }
    memset(&b, 0, sizeof(b));
    b.data = r.body ? r.body : "";
    b.len = r.len;
    b.head = r.head;
    b.head_len = r.head_len;
    b.url = r.url ? r.url : t->url;
    b.status = r.status;
    rc = pcurl_emit(a, t, &b);
    if (r.http_error) {
        /* --fail-with-body: the body was written; now fail as -f */
        pr_error_clear(err);
        pr_error_set(err, PR_EHTTP, "The requested URL returned error: %ld",
                     r.status);
        err->curl_code = (int)CURLE_HTTP_RETURNED_ERROR;
        err->http_status = r.status;
        rc = pcurl_report(a, err);
    }
    pcurl_reply_dispose(&r);
    return rc;
}

static int
run(const pcurl_args *a)
{
    pcurl_fetcher *f = NULL;
    pr_error err;
    size_t i;
    int rc = 0;

    pr_error_clear(&err);
    if (pcurl_fetcher_new(&f, a, &err) != PR_OK)
        return pcurl_report(a, &err);
    for (i = 0; i < a->ntargets; i++) {
        const pcurl_target *t = &a->targets[i];
        pcurl_wo_info wi;

        pr_error_clear(&err);
        if (t->is_id)
            rc = pcurl_emit_id(a, t);
        else
            rc = one_url(a, f, t, &err);
        memset(&wi, 0, sizeof(wi));
        wi.h = t->is_id ? NULL : pcurl_fetcher_handle(f);
        wi.t = t;
        wi.exitcode = rc;
        wi.errormsg = err.msg;
        pcurl_write_out(a, &wi);
    }
    pcurl_fetcher_free(f);
    return rc;
}

int
main(int argc, char **argv)
{
    pcurl_args a;
    int rc;

    /* A closed pipe is a write error (23), as in curl, not a signal. */
    signal(SIGPIPE, SIG_IGN);

    rc = pcurl_args_parse(&a, argc, argv);
    if (rc == 27) {
        fprintf(stderr, "prefect-curl: (27) out of memory\n");
        return rc;
    }
    if (rc != 0)
        return rc;
    if (a.help) {
        pcurl_args_help();
    } else if (a.version) {
        print_version();
    } else if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        if (!a.silent || a.show_error)
            fprintf(stderr, "prefect-curl: (2) libcurl could not start\n");
        rc = 2;
    } else {
        rc = run(&a);
        curl_global_cleanup();
    }
    if ((a.help || a.version) && fflush(stdout) != 0)
        rc = 23;
    pcurl_args_dispose(&a);
    return rc;
}
