/*
 * config.c - pr_config: the settings Prefect's own tools would use,
 * read once (docs/prefect-results.md sections 4.2 and 5).
 *
 * Sources, highest first: pr_config_set() overrides, the environment
 * (through the host's getenv callback), the selected profile of
 * profiles.toml, defaults.  The profile is $PREFECT_PROFILE or the file's
 * top-level `active`.  profiles.toml is read by a small, strict TOML
 * reader: comments, basic strings (with escapes) and literal strings,
 * bare and quoted keys, dotted keys and table headers, booleans and
 * numbers (kept as their text).  Arrays and inline tables are skipped
 * and refused only if a setting we use has one.  Multi-line strings,
 * dates and arrays of tables are errors, with the line number.  Errors
 * never echo a value: any of them may be a key or a password.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "pr.h"
#include "alloc.h"
#include "config.h"
#include "http.h"

#define PROFILES_MAX_BYTES ((size_t)1 << 20)
#define TOML_MAX_PATH 8
#define NAME_SHOW 64

/* ------------------------------------------------------------ strings */

static char *
str_ndup(const char *s, size_t n)
{
    char *p = pr_malloc(n + 1);

    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *
str_dup(const char *s)
{
    return s == NULL ? NULL : str_ndup(s, strlen(s));
}

static char *
str_cat3(const char *a, const char *b, const char *c)
{
    size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
    char *p = pr_malloc(na + nb + nc + 1);

    if (p == NULL)
        return NULL;
    memcpy(p, a, na);
    memcpy(p + na, b, nb);
    memcpy(p + na + nb, c, nc);
    p[na + nb + nc] = '\0';
    return p;
}

void
pr_free_secret(char *s)
{
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    pr_free(s);
}

static pr_code
nomem(pr_error *err, const char *what)
{
    return pr_error_set(err, PR_ENOMEM, "out of memory %s", what);
}

/* Replaces *dst with a copy of v (NULL clears it). */
static pr_code
set_str(char **dst, const char *v, int secret, pr_error *err)
{
    char *p = NULL;

    if (v != NULL && (p = str_dup(v)) == NULL)
        return nomem(err, "storing a setting");
    if (secret)
        pr_free_secret(*dst);
    else
        pr_free(*dst);
    *dst = p;
    return PR_OK;
}

/* A name for messages: printable ASCII only, shortened. */
static const char *
show_name(char *dst, size_t n, const char *s, size_t len)
{
    size_t i, o = 0;

    for (i = 0; i < len && o + 4 < n && o < NAME_SHOW; i++) {
        unsigned char ch = (unsigned char)s[i];

        dst[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (i < len && o + 4 <= n) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
    return dst;
}

/* -------------------------------------------------------------- paths */

pr_code
pr_path_expand_user(char **out, const char *path, const char *user_home,
                    pr_error *err)
{
    const char *rest, *home = user_home;
    struct passwd pw, *res = NULL;
    char pwbuf[4096], name[256], shown[NAME_SHOW + 8];
    size_t n;
    char *p;

    if (path[0] != '~') {
        if ((p = str_dup(path)) == NULL)
            return nomem(err, "copying a path");
        *out = p;
        return PR_OK;
    }
    rest = path + 1 + strcspn(path + 1, "/");
    n = (size_t)(rest - path) - 1;
    if (n == 0) {
        if (home == NULL || home[0] == '\0') {
            if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &res) != 0 ||
                res == NULL)
                return pr_error_set(err, PR_EINVAL, "cannot expand '~': "
                                    "HOME is not set and the user has no "
                                    "password entry");
            home = pw.pw_dir;
        }
    } else {
        if (n >= sizeof(name))
            return pr_error_set(err, PR_EINVAL, "cannot expand a path "
                                "starting with '~': the user name is too "
                                "long");
        memcpy(name, path + 1, n);
        name[n] = '\0';
        if (getpwnam_r(name, &pw, pwbuf, sizeof(pwbuf), &res) != 0 ||
            res == NULL)
            return pr_error_set(err, PR_EINVAL, "cannot expand '~%s': no "
                                "such user", show_name(shown, sizeof(shown),
                                                       name, n));
        home = pw.pw_dir;
    }
    /* "~/" under a home of "/" gives "/x", not "//x". */
    n = strlen(home);
    while (n > 1 && home[n - 1] == '/')
        n--;
    p = pr_malloc(n + strlen(rest) + 1);
    if (p == NULL)
        return nomem(err, "expanding a path");
    memcpy(p, home, n);
    if (n == 1 && home[0] == '/' && rest[0] == '/')
        n = 0;
    strcpy(p + n, rest);
    *out = p;
    return PR_OK;
}

/* -------------------------------------------------------- API URL */

static int
is_hex_run(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    return 1;
}

/* A UUID as text: 8-4-4-4-12 hex digits, exactly n == 36. */
static int
is_uuid(const char *s, size_t n)
{
    return n == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' &&
           s[23] == '-' && is_hex_run(s, 8) && is_hex_run(s + 9, 4) &&
           is_hex_run(s + 14, 4) && is_hex_run(s + 19, 4) &&
           is_hex_run(s + 24, 12);
}

/* Does the path (from its first '/') end in a Prefect API root? */
static int
api_path_ok(const char *path, size_t n)
{
    static const char cloud_a[] = "/api/accounts/";
    static const char cloud_w[] = "/workspaces/";
    size_t tail = sizeof(cloud_a) - 1 + 36 + sizeof(cloud_w) - 1 + 36;
    const char *t;

    if (n >= 4 && memcmp(path + n - 4, "/api", 4) == 0)
        return 1;
    if (n < tail)
        return 0;
    t = path + n - tail;
    return memcmp(t, cloud_a, sizeof(cloud_a) - 1) == 0 &&
           is_uuid(t + sizeof(cloud_a) - 1, 36) &&
           memcmp(t + sizeof(cloud_a) - 1 + 36, cloud_w,
                  sizeof(cloud_w) - 1) == 0 &&
           is_uuid(t + tail - 36, 36);
}

pr_code
pr_config_check_api_url(char **out, const char *url, const char *from,
                        pr_error *err)
{
    char shown[200];
    const char *host, *path;
    size_t n = strlen(url), i;
    int bad = 0;

    while (n > 0 && url[n - 1] == '/')
        n--;
    if (strncasecmp(url, "http://", 7) == 0)
        host = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        host = url + 8;
    else
        host = NULL;
    for (i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f ||
            url[i] == '?' || url[i] == '#')
            bad = 1;
    if (host != NULL && (size_t)(host - url) >= n)
        host = NULL;
    path = host != NULL ? memchr(host, '/', n - (size_t)(host - url)) : NULL;
    if (host == NULL || bad || path == NULL || path == host ||
        !api_path_ok(path, n - (size_t)(path - url))) {
        pr_error_set(err, PR_EINVAL, "%s is not a Prefect API URL: %s",
                     from, pr_url_redact(shown, sizeof(shown), url));
        return pr_error_hint(err, "it must be http(s) and end in /api "
                             "(a server: http://127.0.0.1:4200/api) or "
                             "/api/accounts/<account id>/workspaces/"
                             "<workspace id> (Prefect Cloud)");
    }
    if ((*out = str_ndup(url, n)) == NULL)
        return nomem(err, "storing the API URL");
    return PR_OK;
}

/* ------------------------------------------------------ TOML subset */

/* One `PREFECT_X = value` of a profile, or the top-level `active`. */
typedef struct toml_entry {
    char *profile;          /* NULL for top-level keys */
    char *key;
    char *value;            /* NULL: a value we skipped (array, table) */
    int line;
} toml_entry;

typedef struct toml_doc {
    toml_entry *e;
    size_t n, cap;
    char **tables;          /* table headers seen, joined with '\x1f' */
    size_t ntables, captables;
} toml_doc;

typedef struct toml_path {
    char *part[TOML_MAX_PATH];
    size_t n;
} toml_path;

typedef struct toml_reader {
    const char *s;
    size_t len, pos;
    int line;
    const char *file;       /* for messages */
    pr_error *err;
} toml_reader;

static void
toml_path_clear(toml_path *p)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        pr_free(p->part[i]);
    p->n = 0;
}

static void
toml_doc_dispose(toml_doc *d)
{
    size_t i;

    for (i = 0; i < d->n; i++) {
        pr_free(d->e[i].profile);
        pr_free(d->e[i].key);
        pr_free_secret(d->e[i].value);
    }
    pr_free(d->e);
    for (i = 0; i < d->ntables; i++)
        pr_free(d->tables[i]);
    pr_free(d->tables);
    memset(d, 0, sizeof(*d));
}

static pr_code
toml_fail(toml_reader *r, const char *what)
{
    pr_error_set(r->err, PR_EINVAL, "profiles file %s, line %d: %s",
                 r->file, r->line, what);
    return pr_error_hint(r->err, "fix the file, or point "
                         "PREFECT_PROFILES_PATH at another one");
}

static int
toml_peek(const toml_reader *r)
{
    return r->pos < r->len ? (unsigned char)r->s[r->pos] : -1;
}

static void
toml_skip_blank(toml_reader *r)
{
    while (r->pos < r->len && (r->s[r->pos] == ' ' || r->s[r->pos] == '\t'))
        r->pos++;
}

/* After a statement: blanks, an optional comment, then end of line. */
static pr_code
toml_end_line(toml_reader *r)
{
    toml_skip_blank(r);
    if (toml_peek(r) == '#') {
        while (r->pos < r->len && r->s[r->pos] != '\n') {
            unsigned char ch = (unsigned char)r->s[r->pos];

            if (ch < 0x20 && ch != '\t' && ch != '\r')
                return toml_fail(r, "control character in a comment");
            r->pos++;
        }
    }
    if (toml_peek(r) == '\r')
        r->pos++;
    if (r->pos < r->len && r->s[r->pos] != '\n')
        return toml_fail(r, "unexpected text after the value");
    return PR_OK;
}

static void
put_utf8(char *dst, size_t *o, unsigned long cp)
{
    if (cp < 0x80) {
        dst[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        dst[(*o)++] = (char)(0xC0 | (cp >> 6));
        dst[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        dst[(*o)++] = (char)(0xE0 | (cp >> 12));
        dst[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        dst[(*o)++] = (char)(0xF0 | (cp >> 18));
        dst[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        dst[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[(*o)++] = (char)(0x80 | (cp & 0x3F));
    }
}

/*
 * A basic ("...") or literal ('...') string at r->pos, on one line.
 * The decoded text is never longer than the literal, so one allocation
 * of the remaining length would do; we size it to the closing quote.
 */
static pr_code
toml_string(toml_reader *r, char **out)
{
    char q = r->s[r->pos];
    size_t start = ++r->pos, end, o = 0;
    char *dst;

    if (r->pos + 1 < r->len && r->s[r->pos] == q && r->s[r->pos + 1] == q)
        return toml_fail(r, "multi-line strings are not supported");
    for (end = start; end < r->len && r->s[end] != q; end++) {
        if (r->s[end] == '\n')
            return toml_fail(r, "unterminated string");
        if (q == '"' && r->s[end] == '\\' && end + 1 < r->len &&
            r->s[end + 1] != '\n')
            end++;
    }
    if (end >= r->len)
        return toml_fail(r, "unterminated string");
    dst = pr_malloc(end - start + 1);
    if (dst == NULL)
        return nomem(r->err, "reading the profiles file");
    while (r->pos < end) {
        unsigned char ch = (unsigned char)r->s[r->pos];

        if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
            explicit_bzero(dst, o);
            pr_free(dst);
            return toml_fail(r, "control character in a string");
        }
        if (q == '\'' || ch != '\\') {
            dst[o++] = (char)ch;
            r->pos++;
            continue;
        }
        r->pos++;
        ch = (unsigned char)r->s[r->pos++];
        switch (ch) {
        case 'b': dst[o++] = '\b'; break;
        case 't': dst[o++] = '\t'; break;
        case 'n': dst[o++] = '\n'; break;
        case 'f': dst[o++] = '\f'; break;
        case 'r': dst[o++] = '\r'; break;
        case 'e': dst[o++] = 0x1b; break;
        case '"': dst[o++] = '"'; break;
        case '\\': dst[o++] = '\\'; break;
        case 'u':
        case 'U': {
            size_t nd = ch == 'u' ? 4 : 8, k;
            unsigned long cp = 0;

            if (end - r->pos < nd || !is_hex_run(r->s + r->pos, nd)) {
                explicit_bzero(dst, o);
                pr_free(dst);
                return toml_fail(r, "bad \\u escape in a string");
            }
            for (k = 0; k < nd; k++) {
                char c = r->s[r->pos + k];

                cp = cp * 16 + (unsigned long)(c <= '9' ? c - '0'
                                               : (c | 0x20) - 'a' + 10);
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                explicit_bzero(dst, o);
                pr_free(dst);
                return toml_fail(r, "\\u escape is not a Unicode scalar "
                                 "value");
            }
            /* 4 or 8 escape characters + 2 make room for 4 bytes. */
            put_utf8(dst, &o, cp);
            r->pos += nd;
            break;
        }
        default:
            explicit_bzero(dst, o);
            pr_free(dst);
            return toml_fail(r, "unknown escape in a string");
        }
    }
    r->pos = end + 1;
    dst[o] = '\0';
    *out = dst;
    return PR_OK;
}

static int
is_bare(int ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
           (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

/* One key: bare, or a quoted string. */
static pr_code
toml_key(toml_reader *r, char **out)
{
    int ch = toml_peek(r);
    size_t start = r->pos;

    if (ch == '"' || ch == '\'')
        return toml_string(r, out);
    while (is_bare(toml_peek(r)))
        r->pos++;
    if (r->pos == start)
        return toml_fail(r, "expected a key");
    if ((*out = str_ndup(r->s + start, r->pos - start)) == NULL)
        return nomem(r->err, "reading the profiles file");
    return PR_OK;
}

/* key(.key)* into p, appended; stops before '=' or ']'. */
static pr_code
toml_dotted(toml_reader *r, toml_path *p)
{
    pr_code rc;

    for (;;) {
        toml_skip_blank(r);
        if (p->n == TOML_MAX_PATH)
            return toml_fail(r, "keys nest too deeply");
        rc = toml_key(r, &p->part[p->n]);
        if (rc != PR_OK)
            return rc;
        p->n++;
        toml_skip_blank(r);
        if (toml_peek(r) != '.')
            return PR_OK;
        r->pos++;
    }
}

/* Skips an array or inline table, which may span lines (arrays). */
static pr_code
toml_skip_composite(toml_reader *r)
{
    size_t depth = 0;
    char *tmp;
    pr_code rc;

    for (;;) {
        int ch = toml_peek(r);

        if (ch < 0)
            return toml_fail(r, "unterminated array or inline table");
        if (ch == '"' || ch == '\'') {
            rc = toml_string(r, &tmp);
            if (rc != PR_OK)
                return rc;
            pr_free_secret(tmp);
            continue;
        }
        if (ch == '#') {
            while (r->pos < r->len && r->s[r->pos] != '\n')
                r->pos++;
            continue;
        }
        if (ch == '\n')
            r->line++;
        r->pos++;
        if (ch == '[' || ch == '{') {
            if (++depth > 64)
                return toml_fail(r, "arrays nest too deeply");
        } else if (ch == ']' || ch == '}') {
            if (depth == 0 || --depth == 0)
                return PR_OK;
        }
    }
}

/* A value: string, boolean, number (as text), or a skipped composite. */
static pr_code
toml_value(toml_reader *r, char **out)
{
    int ch = toml_peek(r);
    size_t start = r->pos, i;
    int digits = 0;

    *out = NULL;
    if (ch == '"' || ch == '\'')
        return toml_string(r, out);
    if (ch == '[' || ch == '{')
        return toml_skip_composite(r);
    while (r->pos < r->len && (is_bare(r->s[r->pos]) || r->s[r->pos] == '.' ||
                               r->s[r->pos] == '+' || r->s[r->pos] == ':'))
        r->pos++;
    if (r->pos == start)
        return toml_fail(r, "expected a value");
    if ((r->pos - start == 4 && memcmp(r->s + start, "true", 4) == 0) ||
        (r->pos - start == 5 && memcmp(r->s + start, "false", 5) == 0))
        goto text;
    for (i = start; i < r->pos; i++) {
        char c = r->s[i];

        if (c >= '0' && c <= '9')
            digits++;
        else if ((c == '+' || c == '-') && i > start &&
                 r->s[i - 1] != 'e' && r->s[i - 1] != 'E')
            return toml_fail(r, "unsupported value (dates and times are "
                             "not read)");
        else if (!(c == '+' || c == '-' || c == '_' || c == '.' ||
                   c == 'e' || c == 'E'))
            return toml_fail(r, "unsupported value (only strings, "
                             "booleans and numbers are read)");
    }
    if (digits == 0)
        return toml_fail(r, "unsupported value (only strings, booleans "
                         "and numbers are read)");
text:
    {
        char *p = pr_malloc(r->pos - start + 1);
        size_t o = 0;

        if (p == NULL)
            return nomem(r->err, "reading the profiles file");
        for (i = start; i < r->pos; i++)
            if (r->s[i] != '_')
                p[o++] = r->s[i];
        p[o] = '\0';
        *out = p;
    }
    return PR_OK;
}

static char *
path_join(const toml_path *a, const toml_path *b)
{
    size_t n = 0, i, o = 0;
    char *p;

    for (i = 0; i < a->n; i++)
        n += strlen(a->part[i]) + 1;
    for (i = 0; b != NULL && i < b->n; i++)
        n += strlen(b->part[i]) + 1;
    p = pr_malloc(n + 1);
    if (p == NULL)
        return NULL;
    for (i = 0; i < a->n; i++) {
        strcpy(p + o, a->part[i]);
        o += strlen(a->part[i]);
        p[o++] = '\x1f';
    }
    for (i = 0; b != NULL && i < b->n; i++) {
        strcpy(p + o, b->part[i]);
        o += strlen(b->part[i]);
        p[o++] = '\x1f';
    }
    p[o] = '\0';
    return p;
}

/* Records a table header; the same table twice is an error. */
static pr_code
toml_add_table(toml_reader *r, toml_doc *d, const toml_path *p)
{
    char *joined = path_join(p, NULL);
    size_t i;

    if (joined == NULL)
        return nomem(r->err, "reading the profiles file");
    for (i = 0; i < d->ntables; i++)
        if (strcmp(d->tables[i], joined) == 0) {
            pr_free(joined);
            return toml_fail(r, "table defined twice");
        }
    if (d->ntables == d->captables) {
        size_t nc = d->captables ? d->captables * 2 : 8;
        char **nt = pr_realloc(d->tables, nc * sizeof(*nt));

        if (nt == NULL) {
            pr_free(joined);
            return nomem(r->err, "reading the profiles file");
        }
        d->tables = nt;
        d->captables = nc;
    }
    d->tables[d->ntables++] = joined;
    return PR_OK;
}

/*
 * Keeps `key = value` when its full path is ["active"] or
 * ["profiles", name, key].  A repeated full path is an error.
 */
static pr_code
toml_add(toml_reader *r, toml_doc *d, const toml_path *table,
         const toml_path *key, char **value)
{
    const char *parts[TOML_MAX_PATH * 2];
    size_t n = 0, i;
    toml_entry *e;
    const char *prof = NULL, *k;

    for (i = 0; i < table->n; i++)
        parts[n++] = table->part[i];
    for (i = 0; i < key->n && n < TOML_MAX_PATH * 2; i++)
        parts[n++] = key->part[i];
    if (n == 1 && strcmp(parts[0], "active") == 0) {
        k = parts[0];
    } else if (n == 3 && strcmp(parts[0], "profiles") == 0) {
        prof = parts[1];
        k = parts[2];
    } else {
        /* Another setting: parsed, not kept. */
        pr_free_secret(*value);
        *value = NULL;
        return PR_OK;
    }
    for (i = 0; i < d->n; i++) {
        e = &d->e[i];
        if (strcmp(e->key, k) == 0 &&
            ((e->profile == NULL && prof == NULL) ||
             (e->profile != NULL && prof != NULL &&
              strcmp(e->profile, prof) == 0)))
            return toml_fail(r, "key defined twice");
    }
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 16;
        toml_entry *ne = pr_realloc(d->e, nc * sizeof(*ne));

        if (ne == NULL)
            return nomem(r->err, "reading the profiles file");
        d->e = ne;
        d->cap = nc;
    }
    e = &d->e[d->n];
    e->profile = prof != NULL ? str_dup(prof) : NULL;
    e->key = str_dup(k);
    if (e->key == NULL || (prof != NULL && e->profile == NULL)) {
        pr_free(e->profile);
        pr_free(e->key);
        return nomem(r->err, "reading the profiles file");
    }
    e->value = *value;
    e->line = r->line;
    *value = NULL;
    d->n++;
    return PR_OK;
}

static pr_code
toml_parse(toml_doc *d, const char *s, size_t len, const char *file,
           pr_error *err)
{
    toml_reader r;
    toml_path table, key;
    char *value = NULL;
    pr_code rc = PR_OK;

    memset(d, 0, sizeof(*d));
    memset(&table, 0, sizeof(table));
    memset(&key, 0, sizeof(key));
    r.s = s;
    r.len = len;
    r.pos = 0;
    r.line = 1;
    r.file = file;
    r.err = err;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        r.pos = 3;
    while (r.pos < r.len && rc == PR_OK) {
        int ch;

        toml_skip_blank(&r);
        ch = toml_peek(&r);
        if (ch == '\n') {
            r.pos++;
            r.line++;
            continue;
        }
        if (ch == '#' || ch == '\r') {
            rc = toml_end_line(&r);
            continue;
        }
        if (ch == '[') {
            r.pos++;
            if (toml_peek(&r) == '[') {
                rc = toml_fail(&r, "arrays of tables are not supported");
                break;
            }
            toml_path_clear(&table);
            rc = toml_dotted(&r, &table);
            if (rc != PR_OK)
                break;
            if (toml_peek(&r) != ']') {
                rc = toml_fail(&r, "expected ']' after the table name");
                break;
            }
            r.pos++;
            rc = toml_add_table(&r, d, &table);
            if (rc == PR_OK)
                rc = toml_end_line(&r);
            continue;
        }
        toml_path_clear(&key);
        rc = toml_dotted(&r, &key);
        if (rc != PR_OK)
            break;
        if (toml_peek(&r) != '=') {
            rc = toml_fail(&r, "expected '=' after the key");
            break;
        }
        r.pos++;
        toml_skip_blank(&r);
        {
            int start = r.line, end;

            rc = toml_value(&r, &value);
            if (rc != PR_OK)
                break;
            /* An entry's line is where it starts (arrays span lines). */
            end = r.line;
            r.line = start;
            rc = toml_add(&r, d, &table, &key, &value);
            if (rc == PR_OK)
                r.line = end;
        }
        pr_free_secret(value);
        value = NULL;
        if (rc == PR_OK)
            rc = toml_end_line(&r);
    }
    toml_path_clear(&table);
    toml_path_clear(&key);
    if (rc != PR_OK)
        toml_doc_dispose(d);
    return rc;
}

/* ------------------------------------------------------------ loading */

typedef struct loader {
    pr_getenv_fn getenv_fn;
    void *arg;
    toml_doc doc;
    int have_doc;
    const char *profile;        /* selected, borrowed from doc or env */
    int profile_found;
    char *profiles_path;
} loader;

static const char *
env(const loader *L, const char *name)
{
    if (L->getenv_fn != NULL)
        return L->getenv_fn(name, L->arg);
    return getenv(name);
}

/*
 * A setting's value: the environment, else the selected profile.
 * *from describes it for messages; NULL when unset.  *skipped is set
 * when the profile has it as an array or table (not usable).
 */
static const char *
lookup(const loader *L, const char *name, char *from, size_t fromn,
       int *skipped)
{
    const char *v = env(L, name);
    size_t i;

    *skipped = 0;
    if (v != NULL) {
        snprintf(from, fromn, "%s", name);
        return v;
    }
    if (!L->have_doc || L->profile == NULL)
        return NULL;
    for (i = 0; i < L->doc.n; i++) {
        const toml_entry *e = &L->doc.e[i];

        if (e->profile != NULL && strcmp(e->profile, L->profile) == 0 &&
            strcmp(e->key, name) == 0) {
            char shown[NAME_SHOW + 8];

            snprintf(from, fromn, "%s in profile '%s'", name,
                     show_name(shown, sizeof(shown), L->profile,
                               strlen(L->profile)));
            if (e->value == NULL)
                *skipped = 1;
            return e->value;
        }
    }
    return NULL;
}

/* A setting that must be text: an array or table in the profile is an
 * error.  Returns PR_OK with *v NULL when unset. */
static pr_code
get_text(const loader *L, const char *name, const char **v, char *from,
         size_t fromn, pr_error *err)
{
    int skipped;

    *v = lookup(L, name, from, fromn, &skipped);
    if (skipped)
        return pr_error_set(err, PR_EINVAL, "%s must be a string, not an "
                            "array or table", from);
    return PR_OK;
}

static int
parse_bool(const char *v, int *out)
{
    static const char *const yes[] = { "1", "true", "t", "yes", "y", "on" };
    static const char *const no[] = { "0", "false", "f", "no", "n", "off" };
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = 1;
            return 1;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = 0;
            return 1;
        }
    }
    return 0;
}

static int
parse_long(const char *v, long lo, long hi, long *out)
{
    char *end;
    long x;

    errno = 0;
    x = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || x < lo || x > hi)
        return 0;
    *out = x;
    return 1;
}

/* Seconds as Prefect writes them (60, 60.0, 2.5) to milliseconds. */
static int
parse_seconds_ms(const char *v, long *out)
{
    char *end;
    double x;

    errno = 0;
    x = strtod(v, &end);
    if (errno != 0 || end == v || *end != '\0' || !(x > 0) || x > 86400.0)
        return 0;
    *out = (long)(x * 1000.0 + 0.5);
    if (*out < 1)
        *out = 1;
    return 1;
}

/* A header name: an RFC 9110 token. */
static int
header_name_ok(const char *s)
{
    size_t i;

    if (s[0] == '\0')
        return 0;
    for (i = 0; s[i] != '\0'; i++)
        if (!(is_bare((unsigned char)s[i]) ||
              strchr("!#$%&'*+.^`|~", s[i]) != NULL))
            return 0;
    return 1;
}

static int
header_value_ok(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
            return 0;
    return 1;
}

static pr_code
add_header(pr_config *c, const char *name, size_t nn, const char *value,
           const char *from, pr_error *err)
{
    char nm[128], shown[NAME_SHOW + 8];
    char **nh;
    char *line;
    size_t n;

    if (nn >= sizeof(nm))
        return pr_error_set(err, PR_EINVAL, "%s: a header name is too "
                            "long", from);
    memcpy(nm, name, nn);
    nm[nn] = '\0';
    if (!header_name_ok(nm))
        return pr_error_set(err, PR_EINVAL, "%s: '%s' is not a valid "
                            "header name", from,
                            show_name(shown, sizeof(shown), nm, nn));
    while (*value == ' ' || *value == '\t')
        value++;
    if (!header_value_ok(value))
        return pr_error_set(err, PR_EINVAL, "%s: the value of header '%s' "
                            "holds a control character", from, nm);
    n = nn + 2 + strlen(value) + 1;
    line = pr_malloc(n);
    if (line == NULL)
        return nomem(err, "storing a header");
    snprintf(line, n, "%s: %s", nm, value);
    nh = pr_realloc(c->headers, (c->nheaders + 1) * sizeof(*nh));
    if (nh == NULL) {
        pr_free_secret(line);
        return nomem(err, "storing a header");
    }
    c->headers = nh;
    c->headers[c->nheaders++] = line;
    return PR_OK;
}

/* PREFECT_CLIENT_CUSTOM_HEADERS: a JSON object of string values. */
static pr_code
load_custom_headers(pr_config *c, const char *v, const char *from,
                    pr_error *err)
{
    cJSON *doc = cJSON_ParseWithLength(v, strlen(v)), *it;
    pr_code rc = PR_OK;

    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        pr_error_set(err, PR_EINVAL, "%s is not a JSON object", from);
        return pr_error_hint(err, "write it as {\"X-Name\": \"value\"}");
    }
    cJSON_ArrayForEach(it, doc) {
        if (!cJSON_IsString(it) || it->valuestring == NULL) {
            rc = pr_error_set(err, PR_EINVAL, "%s: every header value must "
                              "be a string", from);
            break;
        }
        rc = add_header(c, it->string, strlen(it->string), it->valuestring,
                        from, err);
        if (rc != PR_OK)
            break;
    }
    /* The document held header values: wipe them. */
    cJSON_ArrayForEach(it, doc)
        if (cJSON_IsString(it) && it->valuestring != NULL)
            explicit_bzero(it->valuestring, strlen(it->valuestring));
    cJSON_Delete(doc);
    return rc;
}

static pr_code
add_remap(pr_config *c, const char *spec, pr_error *err)
{
    const char *eq = strchr(spec, '=');
    char *from = NULL, *to = NULL, *expanded = NULL;
    char **nf, **nt;
    size_t n;
    pr_code rc;

    if (eq == NULL || eq == spec || eq[1] == '\0')
        return pr_error_set(err, PR_EINVAL, "a remap must be FROM=TO (a "
                            "path prefix where the results were written, "
                            "and where that is here)");
    n = (size_t)(eq - spec);
    while (n > 1 && spec[n - 1] == '/')
        n--;
    from = str_ndup(spec, n);
    rc = from == NULL ? nomem(err, "storing a remap")
         : pr_path_expand_user(&expanded, eq + 1, c->user_home, err);
    if (rc != PR_OK) {
        pr_free(from);
        return rc;
    }
    n = strlen(expanded);
    while (n > 1 && expanded[n - 1] == '/')
        expanded[--n] = '\0';
    to = expanded;
    nf = pr_realloc(c->remap_from, (c->nremap + 1) * sizeof(*nf));
    if (nf != NULL)
        c->remap_from = nf;
    nt = nf == NULL ? NULL
         : pr_realloc(c->remap_to, (c->nremap + 1) * sizeof(*nt));
    if (nt == NULL) {
        pr_free(from);
        pr_free(to);
        return nomem(err, "storing a remap");
    }
    c->remap_to = nt;
    c->remap_from[c->nremap] = from;
    c->remap_to[c->nremap] = to;
    c->nremap++;
    return PR_OK;
}

static pr_code
set_local_storage_default(pr_config *c, pr_error *err)
{
    char *p;

    if (c->local_storage_set)
        return PR_OK;
    p = str_cat3(c->home, strcmp(c->home, "/") == 0 ? "" : "/", "storage");
    if (p == NULL)
        return nomem(err, "storing the local storage path");
    pr_free(c->local_storage);
    c->local_storage = p;
    return PR_OK;
}

static pr_code
set_path(pr_config *c, char **dst, const char *v, pr_error *err)
{
    char *p = NULL;
    pr_code rc;

    if (v != NULL && v[0] != '\0') {
        rc = pr_path_expand_user(&p, v, c->user_home, err);
        if (rc != PR_OK)
            return rc;
    }
    pr_free(*dst);
    *dst = p;
    return PR_OK;
}

/* Reads the profiles file when it exists.  A missing file is fine. */
static pr_code
read_profiles(loader *L, pr_error *err)
{
    struct stat st;
    char *text;
    size_t got = 0;
    ssize_t r;
    int fd;
    pr_code rc;

    fd = open(L->profiles_path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
              O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return PR_OK;
        pr_error_set(err, PR_EIO, "cannot read the profiles file %s: %s",
                     L->profiles_path, strerror(errno));
        return pr_error_hint(err, "fix its permissions, or point "
                             "PREFECT_PROFILES_PATH at another file");
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return pr_error_set(err, PR_EIO, "the profiles file %s is not a "
                            "regular file", L->profiles_path);
    }
    if ((size_t)st.st_size > PROFILES_MAX_BYTES) {
        close(fd);
        return pr_error_set(err, PR_ELIMIT, "the profiles file %s is "
                            "larger than %zu bytes", L->profiles_path,
                            PROFILES_MAX_BYTES);
    }
    text = pr_malloc((size_t)st.st_size + 1);
    if (text == NULL) {
        close(fd);
        return nomem(err, "reading the profiles file");
    }
    while (got < (size_t)st.st_size) {
        r = read(fd, text + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    rc = toml_parse(&L->doc, text, got, L->profiles_path, err);
    explicit_bzero(text, got);
    pr_free(text);
    if (rc == PR_OK)
        L->have_doc = 1;
    return rc;
}

/* Picks the profile: $PREFECT_PROFILE, else the file's `active`. */
static pr_code
select_profile(loader *L, pr_config *c, pr_error *err)
{
    const char *want = env(L, "PREFECT_PROFILE");
    char shown[NAME_SHOW + 8];
    size_t i;

    if (want != NULL && want[0] == '\0')
        want = NULL;
    if (want == NULL && L->have_doc) {
        for (i = 0; i < L->doc.n; i++)
            if (L->doc.e[i].profile == NULL &&
                strcmp(L->doc.e[i].key, "active") == 0) {
                if (L->doc.e[i].value == NULL)
                    return pr_error_set(err, PR_EINVAL, "profiles file "
                                        "%s, line %d: 'active' must be a "
                                        "string", L->profiles_path,
                                        L->doc.e[i].line);
                want = L->doc.e[i].value;
            }
    }
    if (want == NULL)
        return PR_OK;
    L->profile = want;
    for (i = 0; L->have_doc && i < L->doc.n; i++)
        if (L->doc.e[i].profile != NULL &&
            strcmp(L->doc.e[i].profile, want) == 0)
            L->profile_found = 1;
    for (i = 0; L->have_doc && i < L->doc.ntables; i++) {
        /* An empty [profiles.name] table counts too. */
        const char *t = L->doc.tables[i];
        size_t wn = strlen(want);

        if (strncmp(t, "profiles\x1f", 9) == 0 &&
            strncmp(t + 9, want, wn) == 0 && strcmp(t + 9 + wn, "\x1f") == 0)
            L->profile_found = 1;
    }
    if (!L->profile_found && env(L, "PREFECT_PROFILE") != NULL &&
        L->have_doc) {
        pr_error_set(err, PR_EINVAL, "PREFECT_PROFILE names the profile "
                     "'%s', which %s does not define",
                     show_name(shown, sizeof(shown), want, strlen(want)),
                     L->profiles_path);
        return pr_error_hint(err, "run 'prefect profile ls', or unset "
                             "PREFECT_PROFILE");
    }
    if ((c->profile = str_dup(want)) == NULL)
        return nomem(err, "storing the profile name");
    return PR_OK;
}

static pr_code
load_settings(loader *L, pr_config *c, pr_error *err)
{
    char from[PR_CONFIG_FROM_SIZE];
    const char *v;
    long x;
    int b;
    pr_code rc;

    /* PREFECT_HOME from a profile moves the default storage path. */
    if (env(L, "PREFECT_HOME") == NULL) {
        rc = get_text(L, "PREFECT_HOME", &v, from, sizeof(from), err);
        if (rc == PR_OK && v != NULL)
            rc = set_path(c, &c->home, v, err);
        if (rc != PR_OK)
            return rc;
        if (c->home == NULL)
            return pr_error_set(err, PR_EINVAL, "%s is empty", from);
    }

    rc = get_text(L, "PREFECT_API_URL", &v, from, sizeof(from), err);
    if (rc == PR_OK && v != NULL && v[0] != '\0') {
        rc = pr_config_check_api_url(&c->api_url, v, from, err);
        snprintf(c->api_url_from, sizeof(c->api_url_from), "%s", from);
    }
    if (rc == PR_OK)
        rc = get_text(L, "PREFECT_API_KEY", &v, from, sizeof(from), err);
    if (rc == PR_OK && v != NULL && v[0] != '\0')
        rc = set_str(&c->api_key, v, 1, err);
    if (rc == PR_OK)
        rc = get_text(L, "PREFECT_API_AUTH_STRING", &v, from, sizeof(from),
                      err);
    if (rc == PR_OK && v != NULL && v[0] != '\0')
        rc = set_str(&c->auth_string, v, 1, err);
    if (rc != PR_OK)
        return rc;

    /* The 3.x name first, as Prefect's alias order has it. */
    rc = get_text(L, "PREFECT_RESULTS_LOCAL_STORAGE_PATH", &v, from,
                  sizeof(from), err);
    if (rc == PR_OK && v == NULL)
        rc = get_text(L, "PREFECT_LOCAL_STORAGE_PATH", &v, from,
                      sizeof(from), err);
    if (rc == PR_OK && v != NULL && v[0] != '\0') {
        rc = set_path(c, &c->local_storage, v, err);
        c->local_storage_set = 1;
    }
    if (rc == PR_OK)
        rc = set_local_storage_default(c, err);
    if (rc != PR_OK)
        return rc;

    rc = get_text(L, "PREFECT_API_TLS_INSECURE_SKIP_VERIFY", &v, from,
                  sizeof(from), err);
    if (rc == PR_OK && v != NULL && v[0] != '\0') {
        if (!parse_bool(v, &b))
            return pr_error_set(err, PR_EINVAL, "%s must be true or false",
                                from);
        c->insecure = b;
    }
    if (rc == PR_OK)
        rc = get_text(L, "PREFECT_API_SSL_CERT_FILE", &v, from,
                      sizeof(from), err);
    if (rc == PR_OK && v == NULL)
        v = env(L, "SSL_CERT_FILE");
    if (rc == PR_OK)
        rc = set_path(c, &c->ca_file, v, err);
    if (rc != PR_OK)
        return rc;

    rc = get_text(L, "PREFECT_API_REQUEST_TIMEOUT", &v, from, sizeof(from),
                  err);
    if (rc == PR_OK && v != NULL && v[0] != '\0' &&
        !parse_seconds_ms(v, &c->timeout_ms))
        return pr_error_set(err, PR_EINVAL, "%s must be a number of "
                            "seconds", from);
    if (rc == PR_OK)
        rc = get_text(L, "PREFECT_CLIENT_MAX_RETRIES", &v, from,
                      sizeof(from), err);
    if (rc == PR_OK && v != NULL && v[0] != '\0') {
        if (!parse_long(v, 0, 100, &x))
            return pr_error_set(err, PR_EINVAL, "%s must be a whole number "
                                "from 0 to 100", from);
        c->retries = (int)x;
    }
    if (rc == PR_OK)
        rc = get_text(L, "PREFECT_CLIENT_CUSTOM_HEADERS", &v, from,
                      sizeof(from), err);
    if (rc == PR_OK && v != NULL && v[0] != '\0')
        rc = load_custom_headers(c, v, from, err);
    if (rc != PR_OK)
        return rc;

    /* For the database source: the 3.x name first. */
    rc = get_text(L, "PREFECT_SERVER_DATABASE_CONNECTION_URL", &v, from,
                  sizeof(from), err);
    if (rc == PR_OK && v == NULL)
        rc = get_text(L, "PREFECT_API_DATABASE_CONNECTION_URL", &v, from,
                      sizeof(from), err);
    if (rc == PR_OK && v != NULL && v[0] != '\0')
        rc = set_str(&c->database_url, v, 1, err);
    if (rc == PR_OK)
        rc = get_text(L, "PREFECT_SERVER_ENCRYPTION_KEY", &v, from,
                      sizeof(from), err);
    /* Servers before 2.9 (Orion) read the key under this name. */
    if (rc == PR_OK && (v == NULL || v[0] == '\0'))
        rc = get_text(L, "ORION_ENCRYPTION_KEY", &v, from, sizeof(from),
                      err);
    if (rc == PR_OK && v != NULL && v[0] != '\0')
        rc = set_str(&c->encryption_key, v, 1, err);
    return rc;
}

const char *const pr_aws_env_names[PR_AWS_NENV] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
    "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"
};

const char *const pr_gcp_env_names[PR_GCP_NENV] = {
    "GOOGLE_APPLICATION_CREDENTIALS", "STORAGE_EMULATOR_HOST"
};

const char *const pr_azure_env_names[PR_AZURE_NENV] = {
    "AZURE_AUTHORITY_HOST", "AZURE_CLIENT_ID", "AZURE_TENANT_ID",
    "AZURE_CLIENT_SECRET"
};

/* The AWS_* variables the S3 backend's credential chain reads, the
 * Google ones the GCS backend reads and the Azure ones. */
static pr_code
load_aws_env(const loader *L, pr_config *c, pr_error *err)
{
    const char *v;
    size_t i;
    pr_code rc = PR_OK;

    for (i = 0; i < PR_AWS_NENV && rc == PR_OK; i++) {
        v = env(L, pr_aws_env_names[i]);
        if (v != NULL && v[0] != '\0')
            rc = set_str(&c->aws_env[i], v, 1, err);
    }
    for (i = 0; i < PR_GCP_NENV && rc == PR_OK; i++) {
        v = env(L, pr_gcp_env_names[i]);
        if (v != NULL && v[0] != '\0')
            rc = set_str(&c->gcp_env[i], v, 1, err);
    }
    for (i = 0; i < PR_AZURE_NENV && rc == PR_OK; i++) {
        v = env(L, pr_azure_env_names[i]);
        if (v != NULL && v[0] != '\0')
            rc = set_str(&c->azure_env[i], v, 1, err);
    }
    return rc;
}

static pr_config *
config_alloc(void)
{
    pr_config *c = pr_malloc(sizeof(*c));

    if (c == NULL)
        return NULL;
    memset(c, 0, sizeof(*c));
    c->timeout_ms = PR_CONFIG_TIMEOUT_MS;
    c->connect_timeout_ms = PR_CONFIG_CONNECT_TIMEOUT_MS;
    c->retries = PR_CONFIG_RETRIES;
    c->retry_base_ms = PR_CONFIG_RETRY_BASE_MS;
    c->retry_max_wait_ms = PR_CONFIG_RETRY_MAX_WAIT_MS;
    c->file_retries = PR_CONFIG_FILE_RETRIES;
    c->file_retry_ms = PR_CONFIG_FILE_RETRY_MS;
    c->source = PR_SOURCE_AUTO;
    return c;
}

pr_code
pr_config_load(pr_config **out, pr_getenv_fn getenv_fn, void *arg,
               pr_error *err)
{
    loader L;
    pr_config *c;
    const char *v;
    pr_error local;
    pr_code rc;

    if (err == NULL)
        err = &local;
    pr_error_clear(err);
    if (out == NULL)
        return pr_error_set(err, PR_EINVAL, "pr_config_load needs an "
                            "output pointer");
    memset(&L, 0, sizeof(L));
    L.getenv_fn = getenv_fn;
    L.arg = arg;
    if ((c = config_alloc()) == NULL)
        return nomem(err, "loading the configuration");

    v = env(&L, "HOME");
    rc = v != NULL && v[0] != '\0' ? set_str(&c->user_home, v, 0, err)
                                   : PR_OK;
    v = env(&L, "PREFECT_HOME");
    if (rc == PR_OK)
        rc = set_path(c, &c->home, v != NULL && v[0] != '\0'
                      ? v : "~/.prefect", err);
    v = env(&L, "PREFECT_PROFILES_PATH");
    if (rc == PR_OK && v != NULL && v[0] != '\0') {
        rc = set_path(c, &c->profiles_path, v, err);
    } else if (rc == PR_OK) {
        c->profiles_path = str_cat3(c->home, "/", "profiles.toml");
        if (c->profiles_path == NULL)
            rc = nomem(err, "loading the configuration");
    }
    L.profiles_path = c->profiles_path;
    if (rc == PR_OK)
        rc = read_profiles(&L, err);
    if (rc == PR_OK)
        rc = select_profile(&L, c, err);
    if (rc == PR_OK)
        rc = load_settings(&L, c, err);
    if (rc == PR_OK)
        rc = load_aws_env(&L, c, err);
    if (L.have_doc)
        toml_doc_dispose(&L.doc);
    if (rc != PR_OK) {
        pr_config_free(c);
        return rc;
    }
    *out = c;
    return PR_OK;
}

/* ----------------------------------------------------------- set/free */

static void free_list(char **list, size_t n, int secret);

pr_code
pr_config_set(pr_config *c, const char *key, const char *value,
              pr_error *err)
{
    char opt[48];
    long x;
    int b;
    pr_code rc;

    if (c == NULL || key == NULL || value == NULL)
        return pr_error_set(err, PR_EINVAL, "pr_config_set needs a "
                            "configuration, a key and a value");
    snprintf(opt, sizeof(opt), "the %s option", key);
    if (strcmp(key, "api_url") == 0) {
        char *u = NULL;

        if (value[0] != '\0') {
            rc = pr_config_check_api_url(&u, value, opt, err);
            if (rc != PR_OK)
                return rc;
        }
        pr_free(c->api_url);
        c->api_url = u;
        snprintf(c->api_url_from, sizeof(c->api_url_from), "%s", opt);
        return PR_OK;
    }
    if (strcmp(key, "api_key") == 0)
        return set_str(&c->api_key, value[0] ? value : NULL, 1, err);
    if (strcmp(key, "auth_string") == 0)
        return set_str(&c->auth_string, value[0] ? value : NULL, 1, err);
    if (strcmp(key, "encryption_key") == 0)
        return set_str(&c->encryption_key, value[0] ? value : NULL, 1, err);
    if (strcmp(key, "home") == 0) {
        if (value[0] == '\0')
            return pr_error_set(err, PR_EINVAL, "%s must not be empty", opt);
        rc = set_path(c, &c->home, value, err);
        return rc == PR_OK ? set_local_storage_default(c, err) : rc;
    }
    if (strcmp(key, "local_storage") == 0) {
        if (value[0] == '\0') {
            c->local_storage_set = 0;
            return set_local_storage_default(c, err);
        }
        rc = set_path(c, &c->local_storage, value, err);
        if (rc == PR_OK)
            c->local_storage_set = 1;
        return rc;
    }
    if (strcmp(key, "remap") == 0)
        return add_remap(c, value, err);
    if (strcmp(key, "ca_file") == 0)
        return set_path(c, &c->ca_file, value, err);
    if (strcmp(key, "database") == 0)
        return set_path(c, &c->database, value, err);
    if (strcmp(key, "headers") == 0) {
        /* "" drops every header so far (those of the environment and
         * profile): they belong to the configured API, not to another. */
        if (value[0] != '\0')
            return pr_error_set(err, PR_EINVAL, "%s can only be set to "
                                "'' (no headers)", opt);
        free_list(c->headers, c->nheaders, 1);
        c->headers = NULL;
        c->nheaders = 0;
        return PR_OK;
    }
    if (strcmp(key, "header") == 0) {
        const char *colon = strchr(value, ':');

        if (colon == NULL)
            return pr_error_set(err, PR_EINVAL, "%s must be 'Name: value'",
                                opt);
        return add_header(c, value, (size_t)(colon - value), colon + 1, opt,
                          err);
    }
    if (strcmp(key, "insecure") == 0) {
        if (!parse_bool(value, &b))
            return pr_error_set(err, PR_EINVAL, "%s must be 0 or 1", opt);
        c->insecure = b;
        return PR_OK;
    }
    if (strcmp(key, "source") == 0) {
        if (strcmp(value, "auto") == 0)
            c->source = PR_SOURCE_AUTO;
        else if (strcmp(value, "api") == 0)
            c->source = PR_SOURCE_API;
        else if (strcmp(value, "database") == 0)
            c->source = PR_SOURCE_DATABASE;
        else
            return pr_error_set(err, PR_EINVAL, "%s must be auto, api or "
                                "database", opt);
        return PR_OK;
    }
    {
        static const struct {
            const char *key;
            long lo, hi;
        } nums[] = {
            { "timeout_ms", 1, 86400000L },
            { "connect_timeout_ms", 1, 86400000L },
            { "retries", 0, 100 },
            { "retry_base_ms", 0, 600000L },
            { "retry_max_wait_ms", 0, 3600000L },
            { "file_retries", 0, 1000 },
            { "file_retry_ms", 0, 600000L },
        };
        size_t i;

        for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
            if (strcmp(key, nums[i].key) != 0)
                continue;
            if (!parse_long(value, nums[i].lo, nums[i].hi, &x))
                return pr_error_set(err, PR_EINVAL, "%s must be a whole "
                                    "number from %ld to %ld", opt,
                                    nums[i].lo, nums[i].hi);
            switch (i) {
            case 0: c->timeout_ms = x; break;
            case 1: c->connect_timeout_ms = x; break;
            case 2: c->retries = (int)x; break;
            case 3: c->retry_base_ms = x; break;
            case 4: c->retry_max_wait_ms = x; break;
            case 5: c->file_retries = (int)x; break;
            default: c->file_retry_ms = x; break;
            }
            return PR_OK;
        }
    }
    {
        char shown[NAME_SHOW + 8];

        return pr_error_set(err, PR_EINVAL, "unknown setting '%s'",
                            show_name(shown, sizeof(shown), key,
                                      strlen(key)));
    }
}

static void
free_list(char **list, size_t n, int secret)
{
    size_t i;

    if (list == NULL)
        return;
    for (i = 0; i < n; i++) {
        if (secret)
            pr_free_secret(list[i]);
        else
            pr_free(list[i]);
    }
    pr_free(list);
}

void
pr_config_free(pr_config *c)
{
    size_t i;

    if (c == NULL)
        return;
    pr_free(c->api_url);
    pr_free_secret(c->api_key);
    pr_free_secret(c->auth_string);
    pr_free(c->user_home);
    pr_free(c->home);
    pr_free(c->profiles_path);
    pr_free(c->profile);
    pr_free(c->local_storage);
    free_list(c->remap_from, c->nremap, 0);
    free_list(c->remap_to, c->nremap, 0);
    pr_free(c->ca_file);
    free_list(c->headers, c->nheaders, 1);
    pr_free(c->database);
    pr_free_secret(c->database_url);
    pr_free_secret(c->encryption_key);
    for (i = 0; i < PR_AWS_NENV; i++)
        pr_free_secret(c->aws_env[i]);
    for (i = 0; i < PR_GCP_NENV; i++)
        pr_free_secret(c->gcp_env[i]);
    for (i = 0; i < PR_AZURE_NENV; i++)
        pr_free_secret(c->azure_env[i]);
    pr_free(c);
}

static pr_code
dup_list(char ***dst, char *const *src, size_t n)
{
    size_t i;

    *dst = NULL;
    if (n == 0)
        return PR_OK;
    *dst = pr_malloc(n * sizeof(**dst));
    if (*dst == NULL)
        return PR_ENOMEM;
    for (i = 0; i < n; i++)
        (*dst)[i] = NULL;
    for (i = 0; i < n; i++)
        if (((*dst)[i] = str_dup(src[i])) == NULL)
            return PR_ENOMEM;
    return PR_OK;
}

pr_code
pr_config_dup(pr_config **out, const pr_config *c, pr_error *err)
{
    pr_config *d = config_alloc();
    size_t i;
    int bad = 0;

    if (d == NULL)
        return nomem(err, "copying the configuration");
    *d = *c;
#define DUP(f) do { d->f = NULL; \
        if (c->f != NULL && (d->f = str_dup(c->f)) == NULL) bad = 1; \
    } while (0)
    DUP(api_url);
    DUP(api_key);
    DUP(auth_string);
    DUP(user_home);
    DUP(home);
    DUP(profiles_path);
    DUP(profile);
    DUP(local_storage);
    DUP(ca_file);
    DUP(database);
    DUP(database_url);
    DUP(encryption_key);
    for (i = 0; i < PR_AWS_NENV; i++)
        DUP(aws_env[i]);
    for (i = 0; i < PR_GCP_NENV; i++)
        DUP(gcp_env[i]);
    for (i = 0; i < PR_AZURE_NENV; i++)
        DUP(azure_env[i]);
#undef DUP
    d->remap_from = d->remap_to = d->headers = NULL;
    d->nremap = d->nheaders = 0;
    if (dup_list(&d->remap_from, c->remap_from, c->nremap) != PR_OK ||
        dup_list(&d->remap_to, c->remap_to, c->nremap) != PR_OK)
        bad = 1;
    d->nremap = c->nremap;
    if (dup_list(&d->headers, c->headers, c->nheaders) != PR_OK)
        bad = 1;
    d->nheaders = c->nheaders;
    if (bad) {
        pr_config_free(d);
        return nomem(err, "copying the configuration");
    }
    *out = d;
    return PR_OK;
}
