/*
 * redact.c - mask credentials in URLs and header lines before printing.
 *
 * Everything prefect-curl prints about a transfer (error messages,
 * verbose output) goes through here, so a password given with -u, in a
 * URL or in an Authorization header never reaches the terminal or a log.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "redact.h"

struct sink {
    char *out;
    size_t cap, len;
};

static void
put(struct sink *s, const char *p, size_t n)
{
    while (n-- > 0 && s->len + 1 < s->cap)
        s->out[s->len++] = *p++;
}

/* Ends a URL: whitespace, quotes and angle brackets. */
static int
url_end(char c)
{
    return c == '\0' || isspace((unsigned char)c) || c == '"' ||
           c == '\'' || c == '<' || c == '>';
}

void
pcurl_redact_text(char *out, size_t cap, const char *text, size_t n)
{
    struct sink s = {out, cap, 0};
    size_t i = 0;

    if (cap == 0)
        return;
    while (i < n) {
        size_t auth, end, at, q;

        /* "://" after at least one scheme letter starts a URL. */
        if (!(i > 0 && n - i >= 3 && memcmp(text + i, "://", 3) == 0 &&
              isalpha((unsigned char)text[i - 1]))) {
            put(&s, text + i, 1);
            i++;
            continue;
        }
        put(&s, "://", 3);
        auth = i + 3;
        end = auth;
        while (end < n && !url_end(text[end]) && text[end] != '/' &&
               text[end] != '?' && text[end] != '#')
            end++;
        at = end;
        for (q = auth; q < end; q++)
            if (text[q] == '@')
                at = q;
        if (at < end) {
            put(&s, "***", 3);
            auth = at;
        }
        put(&s, text + auth, end - auth);
        /* path, then the query masked */
        i = end;
        while (i < n && !url_end(text[i]) && text[i] != '?' &&
               text[i] != '#') {
            put(&s, text + i, 1);
            i++;
        }
        if (i < n && text[i] == '?') {
            put(&s, "?***", 4);
            while (i < n && !url_end(text[i]) && text[i] != '#')
                i++;
        }
    }
    s.out[s.len] = '\0';
}

static int
name_is(const char *line, size_t namelen, const char *want)
{
    return namelen == strlen(want) && strncasecmp(line, want, namelen) == 0;
}

static int
name_ends(const char *line, size_t namelen, const char *tail)
{
    size_t t = strlen(tail);

    return namelen >= t &&
           strncasecmp(line + namelen - t, tail, t) == 0;
}

int
pcurl_header_is_secret(const char *line, size_t n)
{
    const char *colon = memchr(line, ':', n);
    size_t namelen;

    if (colon == NULL)
        return 0;
    namelen = (size_t)(colon - line);
    return name_is(line, namelen, "authorization") ||
           name_is(line, namelen, "proxy-authorization") ||
           name_is(line, namelen, "cookie") ||
           name_is(line, namelen, "set-cookie") ||
           name_ends(line, namelen, "api-key") ||
           name_ends(line, namelen, "token");
}
