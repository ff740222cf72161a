/*
 * pr-resolve.c - resolve Prefect state or run ids with the core library,
 * one line per id, for the end-to-end tests (tests/e2e/).
 *
 *   pr-resolve [--typed] [--info] [--nan null|string|token]
 *              [--set KEY=VALUE]... [--batch N] ID...
 *
 * Configuration comes from pr_config_load(NULL...) (the environment and
 * the Prefect profile), then each --set is passed to pr_config_set.  Per
 * id it prints
 *     OK <json>                 the value pr_client_result appended
 *     ERR <code> <message>      code: the pr_code number
 * and, with --info, one more line after it:
 *     INFO failed=0|1 has_value=0|1 state=TYPE source=S
 *     INFO code=N name=NAME http=STATUS curl=N hint=...   (after ERR)
 * --batch N resolves the ids with pr_batch, N requests in flight, and
 * must print exactly what the one-at-a-time loop prints.  An id "-"
 * is passed as NULL (batch mode only).
 * Exit status: 0 when every id gave OK, 1 otherwise, 2 for usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pr.h"

static void
usage(void)
{
    fputs("usage: pr-resolve [--typed] [--info] [--nan null|string|token]"
          " [--set KEY=VALUE]... [--batch N] ID...\n", stderr);
    exit(2);
}

/* Prints s on one line: newlines and carriage returns become spaces. */
static void
put_line(const char *s)
{
    for (; *s; s++)
        putchar(*s == '\n' || *s == '\r' ? ' ' : *s);
}

static int
apply_set(pr_config *cfg, const char *kv, pr_error *err)
{
    char key[64];
    const char *eq = strchr(kv, '=');
    size_t n;

    if (eq == NULL || (n = (size_t)(eq - kv)) == 0 || n >= sizeof key) {
        fputs("pr-resolve: --set wants KEY=VALUE\n", stderr);
        exit(2);
    }
    memcpy(key, kv, n);
    key[n] = '\0';
    return pr_config_set(cfg, key, eq + 1, err) == PR_OK;
}

static void
print_error(const pr_error *err, int info)
{
    printf("ERR %d ", (int)err->code);
    put_line(err->msg);
    putchar('\n');
    if (info) {
        printf("INFO code=%d name=%s http=%ld curl=%d hint=",
               (int)err->code, pr_code_name(err->code), err->http_status,
               err->curl_code);
        put_line(err->hint);
        putchar('\n');
    }
}

static void
print_ok(const char *data, size_t len, const pr_result_info *ri, int info)
{
    fputs("OK ", stdout);
    fwrite(data ? data : "null", 1, data ? len : 4, stdout);
    putchar('\n');
    if (info)
        printf("INFO failed=%d has_value=%d state=%s source=%s\n",
               ri->failed, ri->has_value,
               ri->state_type[0] ? ri->state_type : "-",
               ri->source[0] ? ri->source : "-");
}

/* The ids through pr_batch: the same lines as one at a time. */
static int
run_batch(pr_client *cli, const char *const *argv_ids, size_t n,
          const pr_decode_opts *opts, int parallel, int info)
{
    const char **ids = malloc(n * sizeof(*ids));
    pr_batch *b = NULL;
    pr_batch_result *r;
    pr_error err;
    size_t i, want = 0;
    int failed = 0;

    if (ids == NULL)
        return 1;
    for (i = 0; i < n; i++)
        ids[i] = strcmp(argv_ids[i], "-") == 0 ? NULL : argv_ids[i];
    if (pr_batch_new(&b, cli, ids, n, opts, (size_t)parallel, &err)
            != PR_OK) {
        print_error(&err, info);
        free(ids);
        return 1;
    }
    for (;;) {
        if (pr_batch_next(b, &r, &err) != PR_OK) {
            print_error(&err, info);
            failed = 1;
            break;
        }
        if (r == NULL)
            break;
        if (r->index != want++) {
            fprintf(stderr, "pr-resolve: batch result %zu out of order\n",
                    r->index);
            failed = 1;
            break;
        }
        if (r->rc == PR_OK) {
            print_ok(r->value->data, r->value->len, &r->info, info);
        } else {
            failed = 1;
            print_error(&r->err, info);
        }
        fflush(stdout);
    }
    if (!failed && want != n) {
        fprintf(stderr, "pr-resolve: the batch gave %zu of %zu results\n",
                want, n);
        failed = 1;
    }
    pr_batch_free(b);
    free(ids);
    return failed;
}

int
main(int argc, char **argv)
{
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    pr_config *cfg = NULL;
    pr_client *cli = NULL;
    pr_error err;
    int info = 0, first_id = 0, failed = 0, batch = 0, i;

    pr_error_clear(&err);
    /* Options first: --set needs the loaded configuration, so collect
     * their positions and apply them after pr_config_load. */
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--typed") == 0) {
            opts.typed = 1;
        } else if (strcmp(argv[i], "--plain") == 0) {
            opts.typed = 0;
        } else if (strcmp(argv[i], "--info") == 0) {
            info = 1;
        } else if (strcmp(argv[i], "--nan") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(v, "null") == 0)
                opts.nan = PR_NAN_NULL;
            else if (strcmp(v, "string") == 0)
                opts.nan = PR_NAN_STRING;
            else if (strcmp(v, "token") == 0)
                opts.nan = PR_NAN_TOKEN;
            else
                usage();
        } else if (strcmp(argv[i], "--set") == 0 && i + 1 < argc) {
            i++;
        } else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
            batch = atoi(argv[++i]);
            if (batch < 1)
                usage();
        } else if (strcmp(argv[i], "--") == 0) {
            first_id = i + 1;
            break;
        } else if (argv[i][0] == '-') {
            usage();
        } else {
            first_id = i;
            break;
        }
    }
    if (first_id == 0 || first_id >= argc)
        usage();

    if (pr_config_load(&cfg, NULL, NULL, &err) != PR_OK) {
        print_error(&err, info);
        return 1;
    }
    for (i = 1; i < first_id; i++) {
        if (strcmp(argv[i], "--nan") == 0 || strcmp(argv[i], "--batch") == 0) {
            i++;
        } else if (strcmp(argv[i], "--set") == 0) {
            if (!apply_set(cfg, argv[++i], &err)) {
                print_error(&err, info);
                pr_config_free(cfg);
                return 1;
            }
        }
    }
    if (pr_client_new(&cli, cfg, &err) != PR_OK) {
        print_error(&err, info);
        pr_config_free(cfg);
        return 1;
    }

    if (batch > 0) {
        failed = run_batch(cli, (const char *const *)argv + first_id,
                           (size_t)(argc - first_id), &opts, batch, info);
        pr_client_free(cli);
        pr_config_free(cfg);
        return failed;
    }
    for (i = first_id; i < argc; i++) {
        pr_buf out;
        pr_result_info ri;

        memset(&ri, 0, sizeof ri);
        pr_error_clear(&err);
        pr_buf_init(&out, 0);
        if (pr_client_result(cli, &out, &ri, argv[i], &opts, &err)
                == PR_OK) {
            print_ok(out.data, out.len, &ri, info);
        } else {
            failed = 1;
            print_error(&err, info);
        }
        pr_buf_dispose(&out);
        fflush(stdout);
    }

    pr_client_free(cli);
    pr_config_free(cfg);
    return failed;
}
