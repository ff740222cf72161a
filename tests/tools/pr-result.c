/*
 * pr-result.c - test driver for pr_decode_result: decodes each result
 * file and prints one line per file, "OK <json>" or "ERR <code-name>
 * <message>" (with --hints, the hint follows on a "HINT " line).
 *
 *   pr-result [--typed|--plain] [--serializer JSON|--no-serializer]
 *             [--flow|--task] [--nan=null|string|token] [--max-depth=N]
 *             [--max-input=N] [--max-output=N] [--hints] FILE...
 *
 * Options apply to the files after them, so one run can decode files
 * that need different serializers: --serializer takes the state's
 * data.serializer as JSON text; --flow applies the flow-result rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pr.h"

static int
read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16, n = 0;
    char *buf;

    if (f == NULL)
        return -1;
    buf = malloc(cap);
    while (buf != NULL) {
        char *nb;

        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        nb = realloc(buf, cap);
        if (nb == NULL)
            free(buf);
        buf = nb;
    }
    fclose(f);
    if (buf == NULL)
        return -1;
    *data = buf;
    *len = n;
    return 0;
}

int
main(int argc, char **argv)
{
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    const char *serializer = NULL;
    int flow = 0, hints = 0, status = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *data;
        size_t len;
        pr_error err;
        pr_buf out;
        pr_code rc;

        if (strcmp(a, "--typed") == 0 || strcmp(a, "--plain") == 0) {
            opts.typed = a[2] == 't';
            continue;
        }
        if (strcmp(a, "--flow") == 0 || strcmp(a, "--task") == 0) {
            flow = a[2] == 'f';
            continue;
        }
        if (strcmp(a, "--hints") == 0) {
            hints = 1;
            continue;
        }
        if (strcmp(a, "--serializer") == 0 && i + 1 < argc) {
            serializer = argv[++i];
            continue;
        }
        if (strcmp(a, "--no-serializer") == 0) {
            serializer = NULL;
            continue;
        }
        if (strncmp(a, "--nan=", 6) == 0) {
            opts.nan = strcmp(a + 6, "string") == 0 ? PR_NAN_STRING :
                       strcmp(a + 6, "token") == 0 ? PR_NAN_TOKEN :
                       PR_NAN_NULL;
            continue;
        }
        if (strncmp(a, "--max-depth=", 12) == 0) {
            opts.lim.max_depth = strtoul(a + 12, NULL, 10);
            continue;
        }
        if (strncmp(a, "--max-input=", 12) == 0) {
            opts.lim.max_input = strtoul(a + 12, NULL, 10);
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
        rc = pr_decode_result(&out, data, len, serializer, flow, &opts,
                              &err);
        if (rc == PR_OK) {
            fputs("OK ", stdout);
            fwrite(out.data, 1, out.len, stdout);
            fputc('\n', stdout);
        } else {
            printf("ERR %s %s\n", pr_code_name(rc), err.msg);
            if (hints && err.hint[0] != '\0')
                printf("HINT %s\n", err.hint);
            status = 1;
        }
        pr_buf_dispose(&out);
        free(data);
    }
    return status;
}
