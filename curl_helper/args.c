/*
 * args.c - parse prefect-curl's command line the way curl parses its own.
 *
 * The rules mirrored from curl: short options bundle ("-sSfL"); an option
 * that takes a value takes the rest of its bundle ("-oFILE") or else the
 * next argument; a long option takes the next argument ("--output=x" is
 * an unknown option, as in curl); a boolean long option also has a
 * "--no-" form; options and URLs mix in any order; "--" ends options.
 * Long options must be spelled in full (curl also accepts unambiguous
 * abbreviations; we do not, so a later option cannot break a script).
 * Usage errors print even under -s, as curl's do, and exit 2.
 *
 * Our own options live in the same table, flagged OURS, so --help lists
 * them apart.  None of their names is a curl option name (checked
 * against `curl --help all` of curl 7.88).
 *
 * Secrets (-u, --oauth2-bearer, the value of an Authorization, Cookie,
 * *Token or *Api-Key header) are copied, then overwritten in argv so
 * that `ps` and /proc/PID/cmdline stop showing them.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "redact.h"

#define NAME "prefect-curl"

/* Largest -d @file we read into memory. */
#define DATA_FILE_MAX ((size_t)256 << 20)

enum opt_id {
    O_USER_AGENT, O_CACERT, O_COMPRESSED, O_CONNECT_TIMEOUT, O_DATA,
    O_DATA_BINARY, O_DATA_RAW, O_DATA_URLENCODE, O_FAIL, O_FAIL_WITH_BODY,
    O_GET, O_HELP, O_HEADER, O_INCLUDE, O_INSECURE, O_JSON, O_LOCATION,
    O_MAX_TIME, O_OAUTH2_BEARER, O_OUTPUT, O_PROGRESS_BAR, O_PROGRESS_METER,
    O_RETRY, O_RETRY_ALL_ERRORS, O_RETRY_CONNREFUSED, O_RETRY_DELAY,
    O_RETRY_MAX_TIME, O_SHOW_ERROR, O_SILENT, O_USER, O_VERBOSE, O_VERSION,
    O_WRITE_OUT, O_REQUEST,
    O_TYPED, O_PLAIN, O_NAN_AS, O_PY2_STR, O_DECODE, O_RAW_BODY,
    O_RESULT, O_RESULT_JSON, O_ALLOW_FAILED, O_REMAP_STORAGE,
    O_LIMIT_INPUT, O_LIMIT_OUTPUT, O_LIMIT_DEPTH, O_LIMIT_MEMO,
    O_PARALLEL_MAX
};

#define ARG   1u    /* takes a value */
#define BOOL  2u    /* curl boolean: "--no-NAME" turns it off */
#define OURS  4u    /* ours, not curl's */

struct opt {
    char sname;             /* short letter, 0 if none */
    const char *lname;
    unsigned flags;
    enum opt_id id;
    const char *argname;    /* for --help */
    const char *help;
};

static const struct opt opts[] = {
    {'A', "user-agent", ARG, O_USER_AGENT, "<name>",
     "Send User-Agent <name> to the server"},
    {0, "cacert", ARG, O_CACERT, "<file>",
     "CA certificates to verify the peer against"},
    {0, "compressed", BOOL, O_COMPRESSED, NULL,
     "Ask for a compressed response and decompress it"},
    {0, "connect-timeout", ARG, O_CONNECT_TIMEOUT, "<seconds>",
     "Maximum time allowed to connect"},
    {'d', "data", ARG, O_DATA, "<data>",
     "HTTP POST data; @file reads it from a file"},
    {0, "data-binary", ARG, O_DATA_BINARY, "<data>",
     "HTTP POST data; @file is read as it is"},
    {0, "data-raw", ARG, O_DATA_RAW, "<data>",
     "HTTP POST data; @ is not special"},
    {0, "data-urlencode", ARG, O_DATA_URLENCODE, "<data>",
     "HTTP POST data, URL-encoded"},
    {'f', "fail", BOOL, O_FAIL, NULL,
     "Fail with no output on HTTP errors (exit 22)"},
    {0, "fail-with-body", BOOL, O_FAIL_WITH_BODY, NULL,
     "Fail on HTTP errors (exit 22) but write the body"},
    {'G', "get", BOOL, O_GET, NULL,
     "Put the post data in the URL and use GET"},
    {'h', "help", 0, O_HELP, NULL, "Show this help and quit"},
    {'H', "header", ARG, O_HEADER, "<header>",
     "Pass a custom header to the server"},
    {'i', "include", BOOL, O_INCLUDE, NULL,
     "Include the response headers in the output"},
    {'k', "insecure", BOOL, O_INSECURE, NULL,
     "Allow insecure TLS connections"},
    {0, "json", ARG, O_JSON, "<data>",
     "HTTP POST JSON (Content-Type and Accept JSON)"},
    {'L', "location", BOOL, O_LOCATION, NULL, "Follow redirects"},
    {'m', "max-time", ARG, O_MAX_TIME, "<seconds>",
     "Maximum time allowed for a transfer"},
    {0, "oauth2-bearer", ARG, O_OAUTH2_BEARER, "<token>",
     "OAuth 2 Bearer token (never printed)"},
    {'o', "output", ARG, O_OUTPUT, "<file>",
     "Write to <file> instead of stdout"},
    {0, "parallel-max", ARG, O_PARALLEL_MAX, "<num>",
     "Resolve up to <num> states at once (default 16)"},
    {'#', "progress-bar", BOOL, O_PROGRESS_BAR, NULL,
     "Show transfer progress as a bar"},
    {0, "progress-meter", BOOL, O_PROGRESS_METER, NULL,
     "Show the progress meter (the default)"},
    {0, "retry", ARG, O_RETRY, "<num>",
     "Retry transient errors <num> times"},
    {0, "retry-all-errors", BOOL, O_RETRY_ALL_ERRORS, NULL,
     "Retry on any error (with --retry)"},
    {0, "retry-connrefused", BOOL, O_RETRY_CONNREFUSED, NULL,
     "Retry on connection refused too (with --retry)"},
    {0, "retry-delay", ARG, O_RETRY_DELAY, "<seconds>",
     "Wait this long between retries"},
    {0, "retry-max-time", ARG, O_RETRY_MAX_TIME, "<seconds>",
     "Retry only within this period"},
    {'S', "show-error", BOOL, O_SHOW_ERROR, NULL,
     "Show errors even when -s is used"},
    {'s', "silent", BOOL, O_SILENT, NULL,
     "Silent mode: no errors, no progress meter"},
    {'u', "user", ARG, O_USER, "<user:password>",
     "Server user and password (never printed)"},
    {'v', "verbose", BOOL, O_VERBOSE, NULL,
     "Show the transfer on stderr, credentials masked"},
    {'V', "version", 0, O_VERSION, NULL, "Show version numbers and quit"},
    {'w', "write-out", ARG, O_WRITE_OUT, "<format>",
     "Print <format> after each transfer"},
    {'X', "request", ARG, O_REQUEST, "<method>", "Request method to use"},

    {0, "result", OURS, O_RESULT, NULL,
     "Print only the values: strings raw (as jq -r),\n"
     "anything else as JSON, one per line"},
    {0, "result-json", OURS, O_RESULT_JSON, NULL,
     "Print only the values, each as one line of JSON"},
    {0, "allow-failed", OURS, O_ALLOW_FAILED, NULL,
     "Exit 0 for FAILED and CRASHED states (not 113)"},
    {0, "remap-storage", ARG | OURS, O_REMAP_STORAGE, "FROM=TO",
     "Read result files written under path FROM\n"
     "from TO here (repeatable)"},
    {0, "plain", OURS, O_PLAIN, NULL,
     "Natural JSON: datetimes as strings (default)"},
    {0, "typed", OURS, O_TYPED, NULL,
     "Keep types: wrap values as {\"__class__\", \"data\"}"},
    {0, "nan-as", ARG | OURS, O_NAN_AS, "null|string|token",
     "Write NaN and Infinity as null (default), as the\n"
     "strings \"NaN\"/\"Infinity\", or as bare tokens"},
    {0, "py2-str", ARG | OURS, O_PY2_STR, "auto|latin1|bytes",
     "Read Python 2 str as text if UTF-8 (auto, the\n"
     "default), always as Latin-1 text, or as bytes"},
    {0, "decode", OURS, O_DECODE, NULL,
     "Fail (exit 110) when a body is not a result"},
    {0, "raw-body", OURS, O_RAW_BODY, NULL,
     "Never decode: write every body unchanged"},
    {0, "limit-input", ARG | OURS, O_LIMIT_INPUT, "<size>",
     "Largest body accepted"},
    {0, "limit-output", ARG | OURS, O_LIMIT_OUTPUT, "<size>",
     "Largest JSON text written"},
    {0, "limit-depth", ARG | OURS, O_LIMIT_DEPTH, "<n>",
     "Deepest nesting of the JSON"},
    {0, "limit-memo", ARG | OURS, O_LIMIT_MEMO, "<n>",
     "Most pickle memo entries"},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

void
pcurl_args_usage_hint(void)
{
    fprintf(stderr, NAME ": try '" NAME " --help' or 'man " NAME
            "' for more information\n");
}

static int
usage_error(const char *shown, const char *what)
{
    fprintf(stderr, NAME ": option %s: %s\n", shown, what);
    pcurl_args_usage_hint();
    return 2;
}

static const struct opt *
find_short(char c)
{
    size_t i;

    for (i = 0; i < NOPTS; i++)
        if (opts[i].sname == c)
            return &opts[i];
    return NULL;
}

static const struct opt *
find_long(const char *name, int *negated)
{
    size_t i;

    *negated = 0;
    for (i = 0; i < NOPTS; i++)
        if (strcmp(opts[i].lname, name) == 0)
            return &opts[i];
    if (strncmp(name, "no-", 3) == 0) {
        for (i = 0; i < NOPTS; i++)
            if ((opts[i].flags & BOOL) &&
                strcmp(opts[i].lname, name + 3) == 0) {
                *negated = 1;
                return &opts[i];
            }
    }
    return NULL;
}

/*
 * Seconds as curl reads them: a decimal number, fractions allowed,
 * stored as milliseconds.  Returns NULL or the complaint.
 */
static const char *
parse_seconds(const char *s, long *ms)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || isnan(v))
        return "expected a proper numerical parameter";
    if (v < 0)
        return "expected a positive numerical parameter";
    if (errno == ERANGE || v * 1000.0 >= (double)LONG_MAX)
        return "too large number";
    *ms = (long)(v * 1000.0 + 0.5);
    if (*ms == 0 && v > 0)
        *ms = 1;        /* a tiny timeout must not become "none" */
    return NULL;
}

/* A positive count, or bytes with an optional k/M/G (1024-based). */
static const char *
parse_count(const char *s, int suffixes, size_t *out)
{
    unsigned long long v, mul = 1;
    char *end;

    if (*s < '0' || *s > '9')
        return suffixes ? "expected a size such as 1048576, 512k, 64M "
                          "or 2G" : "expected a positive whole number";
    errno = 0;
    v = strtoull(s, &end, 10);
    if (suffixes && *end != '\0' && end[1] == '\0') {
        switch (*end) {
        case 'k': case 'K': mul = 1ull << 10; end++; break;
        case 'm': case 'M': mul = 1ull << 20; end++; break;
        case 'g': case 'G': mul = 1ull << 30; end++; break;
        default: break;
        }
    }
    if (*end != '\0')
        return suffixes ? "expected a size such as 1048576, 512k, 64M "
                          "or 2G" : "expected a positive whole number";
    if (errno == ERANGE || v > SIZE_MAX / mul)
        return "too large number";
    if (v == 0)
        return "expected a positive number, not 0";
    *out = (size_t)(v * mul);
    return NULL;
}

/* A whole number >= 0, as curl reads --retry. */
static const char *
parse_whole(const char *s, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end != '\0')
        return "expected a proper numerical parameter";
    if (v < 0)
        return "expected a positive numerical parameter";
    if (errno == ERANGE || v > 100000)
        return "too large number";
    *out = v;
    return NULL;
}

/*
 * Reads a whole file (or stdin for "-"); with `strip`, CR and LF are
 * dropped, as curl does for -d @file.  Returns 0, -1 (cannot read it),
 * -2 (out of memory), -3 (too large).
 */
static int
read_file(const char *path, int strip, char **out, size_t *outlen)
{
    FILE *f;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int c, rc = 0;

    if (strcmp(path, "-") == 0)
        f = stdin;
    else if ((f = fopen(path, "rb")) == NULL)
        return -1;
    while (rc == 0 && (c = getc(f)) != EOF) {
        if (strip && (c == '\r' || c == '\n'))
            continue;
        if (len + 1 >= cap) {
            size_t ncap = cap ? cap * 2 : 256;
            char *n;

            if (ncap > DATA_FILE_MAX)
                rc = -3;
            else if ((n = realloc(buf, ncap)) == NULL)
                rc = -2;
            else {
                buf = n;
                cap = ncap;
            }
            if (rc != 0)
                break;
        }
        buf[len++] = (char)c;
    }
    if (rc == 0 && ferror(f))
        rc = -1;
    if (f != stdin)
        fclose(f);
    if (rc == 0 && buf == NULL && (buf = malloc(1)) == NULL)
        rc = -2;
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    return 0;
}

struct parse_state {
    const char **outputs;   /* -o values in order */
    size_t noutputs;
    const char *unreadable; /* a data @file that could not be read */
};

/* How a data option reads its value. */
enum data_kind {
    D_ASCII,        /* -d: @file with CR and LF dropped */
    D_BINARY,       /* --data-binary: @file as it is */
    D_RAW,          /* --data-raw: no @file */
    D_URLENCODE,    /* --data-urlencode */
    D_JSON          /* --json: @file as it is, no '&' before it */
};

/* Appends the URL-encoding of s (n bytes) to out, as curl's
 * --data-urlencode: unreserved characters kept, space as '+', the rest
 * as %XX.  out must have room for 3 * n bytes. */
static size_t
urlencode(char *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            out[o++] = (char)c;
        } else if (c == ' ') {
            out[o++] = '+';
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    return o;
}

/* Reads the @file of a data option; an unreadable one is remembered
 * (curl warns and sends nothing for it).  Returns 0, 2 or 27. */
static int
data_file(struct parse_state *ps, const char *path, int strip,
          char **piece, size_t *plen, const char *shown)
{
    int rc = read_file(path, strip, piece, plen);

    if (rc == -2)
        return 27;
    if (rc == -3)
        return usage_error(shown, "the data file is larger than 256M");
    if (rc == -1) {
        ps->unreadable = path;
        *piece = NULL;
        *plen = 0;
    }
    return 0;
}

/*
 * Appends one data value.  Pieces are joined with '&' as curl does,
 * except that a --json piece is glued to what came before.
 */
static int
add_data(pcurl_args *a, struct parse_state *ps, const char *val,
         enum data_kind kind, const char *shown)
{
    char *piece = NULL, *joined, *enc = NULL;
    const char *src = val;
    size_t plen = strlen(val), nlen = 0;
    int rc, sep;

    if (kind == D_URLENCODE) {
        /* "name=content", "=content", "name@file", "@file", "content" */
        const char *p = strchr(val, '=');
        int is_file = 0;

        if (p == NULL && (p = strchr(val, '@')) != NULL)
            is_file = 1;
        if (p != NULL) {
            nlen = (size_t)(p - val);
            src = p + 1;
            plen = strlen(src);
        }
        if (is_file) {
            rc = data_file(ps, src, 0, &piece, &plen, shown);
            if (rc != 0)
                return rc;
            src = piece ? piece : "";
        }
        if (plen > (SIZE_MAX - nlen - 2) / 3 ||
            (enc = malloc(nlen + 1 + 3 * plen + 1)) == NULL) {
            free(piece);
            return 27;
        }
        memcpy(enc, val, nlen);
        if (nlen > 0)
            enc[nlen++] = '=';
        plen = nlen + urlencode(enc + nlen, src, plen);
        free(piece);
        piece = enc;
        src = piece;
    } else if (val[0] == '@' && kind != D_RAW) {
        rc = data_file(ps, val + 1, kind == D_ASCII, &piece, &plen, shown);
        if (rc != 0)
            return rc;
        src = piece ? piece : "";
    }
    if (kind == D_JSON)
        a->json = 1;
    sep = a->data != NULL && kind != D_JSON;
    joined = malloc(a->data_len + (size_t)sep + plen + 1);
    if (joined == NULL) {
        free(piece);
        return 27;
    }
    if (a->data) {
        memcpy(joined, a->data, a->data_len);
        if (sep)
            joined[a->data_len++] = '&';
        free(a->data);
    }
    if (plen > 0)
        memcpy(joined + a->data_len, src, plen);
    a->data_len += plen;
    joined[a->data_len] = '\0';
    a->data = joined;
    free(piece);
    return 0;
}

/* Room for one more element; NULL when out of memory (arr kept). */
static void *
grow(void *arr, size_t n, size_t elem)
{
    if (n >= SIZE_MAX / elem - 1)
        return NULL;
    return realloc(arr, (n + 1) * elem);
}

/* Overwrites a secret in argv so that ps shows stars. */
static void
blank(char *s)
{
    memset(s, '*', strlen(s));
}

/* Keeps a copy of a secret argument and blanks argv. */
static int
take_secret(char **dst, char *val)
{
    pcurl_wipe_free(*dst);
    if ((*dst = strdup(val)) == NULL)
        return 27;
    blank(val);
    return 0;
}

/* Applies one option.  `shown` is how the user spelled it. */
static int
apply(pcurl_args *a, struct parse_state *ps, const struct opt *o,
      char *val, int negated, const char *shown)
{
    const char *why = NULL;
    size_t n;
    int on = !negated;

    switch (o->id) {
    case O_SILENT: a->silent = on; break;
    case O_SHOW_ERROR: a->show_error = on; break;
    case O_FAIL: a->fail = on; break;
    case O_FAIL_WITH_BODY: a->fail_with_body = on; break;
    case O_LOCATION: a->location = on; break;
    case O_VERBOSE: a->verbose = on; break;
    case O_INSECURE: a->insecure = on; break;
    case O_COMPRESSED: a->compressed = on; break;
    case O_INCLUDE: a->include = on; break;
    case O_GET: a->get = on; break;
    case O_PROGRESS_BAR: a->progress_bar = on; break;
    case O_PROGRESS_METER: a->no_meter = !on; break;
    case O_RETRY_CONNREFUSED: a->retry_connrefused = on; break;
    case O_RETRY_ALL_ERRORS: a->retry_all_errors = on; break;
    case O_HELP: a->help = 1; break;
    case O_VERSION: a->version = 1; break;
    case O_USER_AGENT: a->user_agent = val; break;
    case O_REQUEST: a->request = val; break;
    case O_CACERT: a->cacert = val; break;
    case O_MAX_TIME:
        why = parse_seconds(val, &a->max_time_ms);
        break;
    case O_CONNECT_TIMEOUT:
        why = parse_seconds(val, &a->connect_timeout_ms);
        break;
    case O_RETRY:
        why = parse_whole(val, &a->retry);
        a->retry_set = why == NULL;
        break;
    case O_RETRY_DELAY:
        why = parse_seconds(val, &a->retry_delay_ms);
        break;
    case O_RETRY_MAX_TIME:
        why = parse_seconds(val, &a->retry_max_time_ms);
        break;
    case O_PARALLEL_MAX:
        /* curl allows 1..300; the core's batch at most 256. */
        why = parse_whole(val, &a->parallel_max);
        if (why == NULL && (a->parallel_max < 1 ||
                            a->parallel_max > PR_BATCH_PARALLEL_MAX))
            why = "expected a number from 1 to 256";
        break;
    case O_HEADER: {
        char **h = grow(a->headers, a->nheaders, sizeof(*h));

        if (h == NULL)
            return 27;
        a->headers = h;
        if ((h[a->nheaders] = strdup(val)) == NULL)
            return 27;
        a->nheaders++;
        if (pcurl_header_is_secret(val, strlen(val))) {
            char *v = strchr(val, ':') + 1;

            while (*v == ' ' || *v == '\t')
                v++;
            blank(v);
        }
        break;
    }
    case O_OUTPUT: {
        const char **o2 = grow(ps->outputs, ps->noutputs, sizeof(*o2));

        if (o2 == NULL)
            return 27;
        ps->outputs = o2;
        o2[ps->noutputs++] = val;
        break;
    }
    case O_USER:
        return take_secret(&a->user, val);
    case O_OAUTH2_BEARER:
        return take_secret(&a->oauth2_bearer, val);
    case O_WRITE_OUT: {
        char *fmt;
        size_t len;

        if (val[0] == '@') {
            int rc = read_file(val + 1, 0, &fmt, &len);

            if (rc == -2)
                return 27;
            if (rc != 0)
                return usage_error(shown, "cannot read the format file");
        } else if ((fmt = strdup(val)) == NULL) {
            return 27;
        }
        free(a->write_out);
        a->write_out = fmt;
        break;
    }
    case O_DATA:
        return add_data(a, ps, val, D_ASCII, shown);
    case O_DATA_BINARY:
        return add_data(a, ps, val, D_BINARY, shown);
    case O_DATA_RAW:
        return add_data(a, ps, val, D_RAW, shown);
    case O_DATA_URLENCODE:
        return add_data(a, ps, val, D_URLENCODE, shown);
    case O_JSON:
        return add_data(a, ps, val, D_JSON, shown);
    case O_TYPED: a->opts.typed = 1; break;
    case O_PLAIN: a->opts.typed = 0; break;
    case O_DECODE: a->decode = PCURL_DECODE_ALWAYS; break;
    case O_RAW_BODY: a->decode = PCURL_DECODE_NEVER; break;
    case O_RESULT: a->print = PCURL_PRINT_RESULT; break;
    case O_RESULT_JSON: a->print = PCURL_PRINT_RESULT_JSON; break;
    case O_ALLOW_FAILED: a->allow_failed = 1; break;
    case O_REMAP_STORAGE: {
        const char **r;
        const char *eq = strchr(val, '=');

        if (eq == NULL || eq == val || eq[1] == '\0')
            return usage_error(shown, "expected FROM=TO, two paths");
        if ((r = grow(a->remaps, a->nremaps, sizeof(*r))) == NULL)
            return 27;
        a->remaps = r;
        r[a->nremaps++] = val;
        break;
    }
    case O_NAN_AS:
        if (strcmp(val, "null") == 0)
            a->opts.nan = PR_NAN_NULL;
        else if (strcmp(val, "string") == 0)
            a->opts.nan = PR_NAN_STRING;
        else if (strcmp(val, "token") == 0)
            a->opts.nan = PR_NAN_TOKEN;
        else
            why = "expected null, string or token";
        break;
    case O_PY2_STR:
        if (strcmp(val, "auto") == 0)
            a->opts.py2str = PR_PY2STR_AUTO;
        else if (strcmp(val, "latin1") == 0)
            a->opts.py2str = PR_PY2STR_LATIN1;
        else if (strcmp(val, "bytes") == 0)
            a->opts.py2str = PR_PY2STR_BYTES;
        else
            why = "expected auto, latin1 or bytes";
        break;
    case O_LIMIT_INPUT:
        if ((why = parse_count(val, 1, &n)) == NULL)
            a->opts.lim.max_input = n;
        break;
    case O_LIMIT_OUTPUT:
        if ((why = parse_count(val, 1, &n)) == NULL)
            a->opts.lim.max_output = n;
        break;
    case O_LIMIT_DEPTH:
        if ((why = parse_count(val, 0, &n)) == NULL)
            a->opts.lim.max_depth = n;
        break;
    case O_LIMIT_MEMO:
        if ((why = parse_count(val, 0, &n)) == NULL)
            a->opts.lim.max_memo = n;
        break;
    }
    return why ? usage_error(shown, why) : 0;
}

static int
hexdigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

int
pcurl_is_id(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 32) {
        for (i = 0; i < n; i++)
            if (!hexdigit(s[i]))
                return 0;
        return 1;
    }
    if (n != 36)
        return 0;
    for (i = 0; i < n; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!hexdigit(s[i])) {
            return 0;
        }
    }
    return 1;
}

static int
add_url(pcurl_args *a, const char *url)
{
    pcurl_target *t = grow(a->targets, a->ntargets, sizeof(*t));

    if (t == NULL)
        return 27;
    a->targets = t;
    t[a->ntargets].url = url;
    t[a->ntargets].output = NULL;
    t[a->ntargets].is_id = pcurl_is_id(url) ||
                           strncmp(url, "prefect-db:", 11) == 0;
    a->ntargets++;
    return 0;
}

/* One "-xyz" bundle; *i advances past a value taken from argv. */
static int
parse_bundle(pcurl_args *a, struct parse_state *ps, int argc, char **argv,
             int *i)
{
    char *arg = argv[*i];
    char *p;
    int rc;

    for (p = arg + 1; *p != '\0'; p++) {
        const struct opt *o = find_short(*p);
        char *val = NULL;

        if (o == NULL)
            return usage_error(arg, "is unknown");
        if (o->flags & ARG) {
            if (p[1] != '\0')
                val = p + 1;
            else if (*i + 1 < argc)
                val = argv[++*i];
            else
                return usage_error(arg, "requires parameter");
        }
        rc = apply(a, ps, o, val, 0, arg);
        if (rc != 0 || a->help || a->version)
            return rc;
        if (val != NULL)
            break;      /* the value used up the rest of the bundle */
    }
    return 0;
}

static int
parse_all(pcurl_args *a, struct parse_state *ps, int argc, char **argv)
{
    int i, rc, only_urls = 0;

    for (i = 1; i < argc; i++) {
        char *arg = argv[i];

        if (only_urls || arg[0] != '-' || arg[1] == '\0') {
            rc = add_url(a, arg);
        } else if (arg[1] == '-' && arg[2] == '\0') {
            only_urls = 1;
            continue;
        } else if (arg[1] == '-') {
            int negated;
            const struct opt *o = find_long(arg + 2, &negated);
            char *val = NULL;

            if (o == NULL)
                return usage_error(arg, "is unknown");
            if (o->flags & ARG) {
                if (i + 1 >= argc)
                    return usage_error(arg, "requires parameter");
                val = argv[++i];
            }
            rc = apply(a, ps, o, val, negated, arg);
        } else {
            rc = parse_bundle(a, ps, argc, argv, &i);
        }
        if (rc != 0 || a->help || a->version)
            return rc;
    }
    return 0;
}

int
pcurl_args_parse(pcurl_args *a, int argc, char **argv)
{
    static const pr_decode_opts dflt = PR_DECODE_OPTS_INIT;
    struct parse_state ps = {NULL, 0, NULL};
    size_t k;
    int rc;

    memset(a, 0, sizeof(*a));
    a->opts = dflt;
    rc = parse_all(a, &ps, argc, argv);
    if (rc == 0 && !a->help && !a->version) {
        if (a->ntargets == 0) {
            fprintf(stderr, NAME ": no URL specified\n");
            pcurl_args_usage_hint();
            rc = 2;
        } else if (a->fail && a->fail_with_body) {
            /* curl's rule: the two are exclusive */
            fprintf(stderr, NAME ": you must select either --fail or "
                    "--fail-with-body, not both\n");
            pcurl_args_usage_hint();
            rc = 2;
        } else {
            /* The n-th -o belongs to the n-th URL, as in curl. */
            for (k = 0; k < ps.noutputs && k < a->ntargets; k++)
                a->targets[k].output = ps.outputs[k];
            if (ps.unreadable != NULL && !a->silent)
                fprintf(stderr, NAME ": warning: cannot read data from "
                        "'%s'; sending an empty body\n", ps.unreadable);
            if (ps.noutputs > a->ntargets && !a->silent)
                fprintf(stderr, NAME ": warning: more -o options than "
                        "URLs; the extra ones are ignored\n");
        }
    }
    free(ps.outputs);
    if (rc != 0)
        pcurl_args_dispose(a);
    return rc;
}

void
pcurl_wipe_free(char *s)
{
    if (s != NULL) {
        /* volatile: the wipe must not be optimised away */
        volatile char *p = s;

        while (*p != '\0')
            *p++ = '\0';
        free(s);
    }
}

void
pcurl_args_dispose(pcurl_args *a)
{
    size_t i;

    pcurl_wipe_free(a->user);
    pcurl_wipe_free(a->oauth2_bearer);
    for (i = 0; i < a->nheaders; i++)
        pcurl_wipe_free(a->headers[i]);
    free(a->headers);
    if (a->data != NULL)
        memset(a->data, 0, a->data_len);
    free(a->data);
    free(a->write_out);
    free(a->remaps);
    free(a->targets);
    memset(a, 0, sizeof(*a));
}

/* "1 GiB" style, for the defaults shown in --help. */
static void
fmt_size(char *out, size_t cap, size_t v)
{
    if (v >= ((size_t)1 << 30) && v % ((size_t)1 << 30) == 0)
        snprintf(out, cap, "%zuG", v >> 30);
    else if (v >= ((size_t)1 << 20) && v % ((size_t)1 << 20) == 0)
        snprintf(out, cap, "%zuM", v >> 20);
    else if (v >= 1024 && v % 1024 == 0)
        snprintf(out, cap, "%zuk", v >> 10);
    else
        snprintf(out, cap, "%zu", v);
}

static void
print_opt(const struct opt *o)
{
    static const pr_limits lim = PR_LIMITS_INIT;
    char left[64], dflt[32];
    const char *h = o->help, *nl;
    int width;

    if (o->sname)
        width = snprintf(left, sizeof(left), " -%c, --%s%s%s", o->sname,
                         o->lname, o->argname ? " " : "",
                         o->argname ? o->argname : "");
    else
        width = snprintf(left, sizeof(left), "     --%s%s%s", o->lname,
                         o->argname ? " " : "",
                         o->argname ? o->argname : "");
    dflt[0] = '\0';
    switch (o->id) {
    case O_LIMIT_INPUT: fmt_size(dflt, sizeof(dflt), lim.max_input); break;
    case O_LIMIT_OUTPUT: fmt_size(dflt, sizeof(dflt), lim.max_output); break;
    case O_LIMIT_DEPTH: snprintf(dflt, sizeof(dflt), "%zu", lim.max_depth);
        break;
    case O_LIMIT_MEMO: snprintf(dflt, sizeof(dflt), "%zu", lim.max_memo);
        break;
    default: break;
    }
    if (width > 30)
        printf("%s\n%-31s", left, "");
    else
        printf("%-31s", left);
    /* Help texts may span lines; indent the later ones. */
    while ((nl = strchr(h, '\n')) != NULL) {
        printf("%.*s\n%-31s", (int)(nl - h), h, "");
        h = nl + 1;
    }
    if (dflt[0])
        printf("%s (default %s)\n", h, dflt);
    else
        printf("%s\n", h);
}

void
pcurl_args_help(void)
{
    size_t i;

    printf("Usage: " NAME " [options...] <url|id>...\n"
           "Fetch each URL as curl does.  A body that is a Prefect result "
           "(a pickle,\n"
           "base64 lines of a pickle, or a Prefect 2 or 3 result record) "
           "is printed as\n"
           "one line of JSON.  A JSON body that holds Prefect states (a "
           "state, a flow or\n"
           "task run, a list or page of them) is printed with each "
           "state's \"data\"\n"
           "replaced by the value it points at, the original kept beside "
           "it as\n"
           "\"" PCURL_REF_KEY "\".  An id (a UUID) instead of a URL "
           "prints that state or\n"
           "run's state from the configured Prefect API "
           "(PREFECT_API_URL, profiles),\n"
           "or with none, from Prefect's own database "
           "($PREFECT_HOME/prefect.db);\n"
           "prefect-db:[PATH#]ID forces the database.\n"
           "Any other body is written unchanged.  Nothing is executed.  "
           "See the man page\n"
           "for which API and credentials a lookup uses.\n"
           "\nOptions with curl's meaning:\n");
    for (i = 0; i < NOPTS; i++)
        if (!(opts[i].flags & OURS))
            print_opt(&opts[i]);
    printf(" Boolean options also have a --no- form (--no-fail).\n"
           "\nOptions of " NAME " (not curl's):\n");
    for (i = 0; i < NOPTS; i++)
        if (opts[i].flags & OURS)
            print_opt(&opts[i]);
    printf(" Sizes take a k, M or G suffix (powers of 1024).\n"
           "\nExit codes: curl's (6 cannot resolve host, 7 cannot connect, "
           "22 HTTP error\n"
           "with --fail, 23 write error, 27 out of memory, 28 timeout, "
           "37 cannot read\n"
           "file, ...), 2 usage error, and " NAME "'s own:\n"
           " 110  malformed result (with --decode or --result: not a "
           "result at all)\n"
           " 111  the result uses a feature the decoder does not support\n"
           " 112  a limit was reached (raise it with a --limit- option)\n"
           " 113  a FAILED or CRASHED state: printed, with its exception "
           "as the value\n"
           " 114  not found: no such state, run, block or result file\n"
           " 115  the Prefect API refused the credentials (HTTP 401 or "
           "403)\n"
           " 116  the result's storage is not supported (a block type)\n"
           " 117  no usable Prefect API or settings for a lookup\n");
}
