/*
 * pr_decode.c - test and bench driver: decodes each file and prints one
 * line per file, "OK <json>" or "ERR <code-name> <message>".
 *
 *   pr-decode [--typed] [--sniff] [--nan=null|string|token]
 *             [--py2str=auto|latin1|bytes] [--max-depth=N]
 *             [--max-output=N] [--quiet] FILE...
 *
 * --quiet prints nothing for successes (for timing the decoder alone).
 * --stream writes the JSON in chunks as it is produced instead of holding
 * it whole (how prefect-curl writes; the bench measures it); an error
 * after output began ends the line and prints the ERR line after it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pr.h"

static pr_code
to_stdout(void *arg, const char *p, size_t n, pr_error *err)
{
    int *quiet = arg;

    if (!*quiet && fwrite(p, 1, n, stdout) != n)
        return pr_error_set(err, PR_EIO, "write error on standard output");
    return PR_OK;
}

/* Reads a whole file into one exact allocation (the bench measures
 * peak memory, so no doubling buffer). */
static int
read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *buf;
    size_t n;

    if (f == NULL)
        return -1;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0) {
        fclose(f);
        return -1;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        fclose(f);
        return -1;
    }
    n = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    *data = buf;
    *len = n;
    return 0;
}

int
main(int argc, char **argv)
{
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    int sniff = 0, quiet = 0, stream = 0, status = 0;
    pr_buf out;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *data;
        size_t len;
        pr_error err;
        pr_code rc;

        if (strcmp(a, "--typed") == 0) {
            opts.typed = 1;
            continue;
        }
        if (strcmp(a, "--sniff") == 0) {
            sniff = 1;
            continue;
        }
        if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
            continue;
        }
        if (strcmp(a, "--stream") == 0) {
            stream = 1;
            continue;
        }
        if (strncmp(a, "--nan=", 6) == 0) {
            opts.nan = strcmp(a + 6, "string") == 0 ? PR_NAN_STRING :
                       strcmp(a + 6, "token") == 0 ? PR_NAN_TOKEN :
                       PR_NAN_NULL;
            continue;
        }
        if (strncmp(a, "--py2str=", 9) == 0) {
            opts.py2str = strcmp(a + 9, "latin1") == 0 ? PR_PY2STR_LATIN1 :
                          strcmp(a + 9, "bytes") == 0 ? PR_PY2STR_BYTES :
                          PR_PY2STR_AUTO;
            continue;
        }
        if (strncmp(a, "--max-depth=", 12) == 0) {
            opts.lim.max_depth = strtoul(a + 12, NULL, 10);
            continue;
        }
        if (strncmp(a, "--max-output=", 13) == 0) {
            opts.lim.max_output = strtoul(a + 13, NULL, 10);
            continue;
        }
        if (read_file(a, &data, &len) != 0) {
            printf("ERR io cannot read %s\n", a);
            status = 1;
            continue;
        }
        pr_buf_init(&out, 0);
        if (stream) {
            pr_buf_stream(&out, to_stdout, &quiet);
            if (!quiet)
                fputs("OK ", stdout);
        }
        rc = sniff ? pr_sniff_to_json_inplace(&out, NULL, data, len, &opts,
                                              &err)
                   : pr_pickle_to_json(&out, data, len, &opts, &err);
        if (rc == PR_OK && stream)
            rc = pr_buf_flush(&out, &err);
        if (stream) {
            if (!quiet || rc != PR_OK)
                fputc('\n', stdout);
            if (rc != PR_OK) {
                printf("ERR %s %s\n", pr_code_name(rc), err.msg);
                status = 1;
            }
        } else if (rc == PR_OK) {
            if (!quiet) {
                fputs("OK ", stdout);
                fwrite(out.data, 1, out.len, stdout);
                fputc('\n', stdout);
            }
        } else {
            printf("ERR %s %s\n", pr_code_name(rc), err.msg);
            status = 1;
        }
        pr_buf_dispose(&out);
        free(data);
    }
    return status;
}
