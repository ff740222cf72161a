/* error.c - pr_error: a code plus caller-owned message and hint. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pr.h"

void
pr_error_clear(pr_error *err)
{
    if (err == NULL)
        return;
    memset(err, 0, sizeof(*err));
}

pr_code
pr_error_set(pr_error *err, pr_code code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return code;
    err->code = code;
    err->hint[0] = '\0';
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

pr_code
pr_error_hint(pr_error *err, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return PR_OK;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
    va_end(ap);
    return err->code;
}

const char *
pr_code_name(pr_code code)
{
    static const char *const names[] = {
        "ok", "invalid argument", "out of memory", "limit", "format",
        "unsupported", "not found", "auth", "network", "timeout", "http",
        "io", "canceled", "pending"
    };

    if ((unsigned)code < sizeof(names) / sizeof(names[0]))
        return names[code];
    return "unknown";
}

const char *
pr_version(void)
{
    return PR_VERSION_STRING;
}
