/*
 * main.c - prefect-curl: fetch URLs as curl does and print Prefect
 * results (pickles, base64 pickles, result records) as JSON.
 *
 * Each URL is fetched in turn; a failure is reported and the next URL
 * is still fetched.  The exit code is that of the last URL, as curl's.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "args.h"
#include "fetch.h"
#include "output.h"

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
        pcurl_reply r;

        if (pcurl_fetch(f, a->targets[i].url, &r, &err) != PR_OK)
            rc = pcurl_report(a, &err);
        else
            rc = pcurl_emit(a, &a->targets[i], r.body ? r.body : "", r.len);
        pcurl_reply_dispose(&r);
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
