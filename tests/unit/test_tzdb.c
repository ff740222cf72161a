/*
 * test_tzdb.c - tzdb.c and civil.c against CPython's zoneinfo.
 *
 * The expected offsets come from tests/unit/data/tzdb_cases.txt, which
 * gen_tzdb_cases.py writes with /usr/bin/python3 from Debian's tzdata.
 * A zone whose file has changed since then (a tzdata update) is skipped
 * with a visible SKIP line, and so is every real zone when the database
 * is not installed; made-up TZif files and footers are always tested.
 * The other cases feed hostile keys and corrupt files, which must give
 * an error code and never a crash (run this under ASan and valgrind).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "pr.h"
#include "alloc.h"
#include "civil.h"
#include "tzdb.h"

#define SYSTEM_TZDIR "/usr/share/zoneinfo"
#define CASES_FILE "tests/unit/data/tzdb_cases.txt"
#define MAX_REPORTED 25

static char tmpdir[256];
static int have_db;
static char cases_beside_binary[1024];  /* <bin>/../../CASES_FILE */

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static int
write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[512];
    FILE *f;
    size_t put;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    /* A new file, not a truncated one: ext4 flushes a file rewritten
     * in place on close, which made this test take seconds. */
    (void)unlink(path);
    f = fopen(path, "wb");
    if (f == NULL)
        return 0;
    put = len ? fwrite(data, 1, len, f) : 0;
    return fclose(f) == 0 && put == len;
}

static void
remove_file(const char *dir, const char *name)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    (void)unlink(path);
}

static uint8_t *
read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;

    if (f == NULL)
        return NULL;
    for (;;) {
        size_t got;

        if (n == cap) {
            uint8_t *g = realloc(buf, cap ? cap * 2 : 4096);

            if (g == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = g;
            cap = cap ? cap * 2 : 4096;
        }
        got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    *len = n;
    return buf;
}

static uint64_t
fnv1a64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3u;
    }
    return h;
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes hex text into a new buffer; NULL on bad input. */
static uint8_t *
unhex(const char *s, size_t *len)
{
    size_t n = strlen(s), i;
    uint8_t *out;

    if (n % 2 != 0)
        return NULL;
    out = malloc(n / 2 + 1);
    if (out == NULL)
        return NULL;
    for (i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            free(out);
            return NULL;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* What a made-up TZif file holds; nothing is validated on purpose. */
typedef struct tzif_spec {
    char version;           /* 0, '2', '3' ... */
    size_t ntrans;
    const int64_t *trans;
    const uint8_t *idx;
    size_t ntypes;
    const int32_t *utoff;
    const uint8_t *isdst;
    const char *footer;     /* NULL: none (version 1) */
    size_t footer_len;
    int no_final_newline;
} tzif_spec;

static size_t
put_block(uint8_t *out, const tzif_spec *s, size_t tsize)
{
    size_t n = 0, i;

    memcpy(out, "TZif", 4);
    out[4] = (uint8_t)s->version;
    memset(out + 5, 0, 15);
    put_be32(out + 20, 0);
    put_be32(out + 24, 0);
    put_be32(out + 28, 0);
    put_be32(out + 32, (uint32_t)s->ntrans);
    put_be32(out + 36, (uint32_t)s->ntypes);
    put_be32(out + 40, 4);
    n = 44;
    for (i = 0; i < s->ntrans; i++) {
        int64_t t = s->trans[i];

        if (tsize == 4) {
            if (t > INT32_MAX)
                t = INT32_MAX;
            if (t < INT32_MIN)
                t = INT32_MIN;
            put_be32(out + n, (uint32_t)(int32_t)t);
        } else {
            put_be32(out + n, (uint32_t)((uint64_t)t >> 32));
            put_be32(out + n + 4, (uint32_t)(uint64_t)t);
        }
        n += tsize;
    }
    for (i = 0; i < s->ntrans; i++)
        out[n++] = s->idx[i];
    for (i = 0; i < s->ntypes; i++) {
        put_be32(out + n, (uint32_t)s->utoff[i]);
        out[n + 4] = s->isdst ? s->isdst[i] : 0;
        out[n + 5] = 0;
        n += 6;
    }
    memcpy(out + n, "UTC", 4);
    return n + 4;
}

/* Writes the file into out (cap bytes, large enough); returns length. */
static size_t
make_tzif(uint8_t *out, const tzif_spec *s)
{
    size_t n = put_block(out, s, 4);

    if (s->version == 0)
        return n;
    n += put_block(out + n, s, 8);
    out[n++] = '\n';
    memcpy(out + n, s->footer, s->footer_len);
    n += s->footer_len;
    if (!s->no_final_newline)
        out[n++] = '\n';
    return n;
}

/* The bytes gen_tzdb_cases.py's footer_file() makes: one UTC type. */
static size_t
footer_tzif(uint8_t *out, const char *footer, size_t len)
{
    static const int32_t zero = 0;
    tzif_spec s;

    memset(&s, 0, sizeof(s));
    s.version = '2';
    s.ntypes = 1;
    s.utoff = &zero;
    s.footer = footer;
    s.footer_len = len;
    return make_tzif(out, &s);
}

/* pr_tzif_check on an exact-size heap copy, so ASan sees over-reads. */
static pr_code
check_copy(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    pr_code rc;

    if (copy == NULL)
        return PR_ENOMEM;
    if (len)
        memcpy(copy, data, len);
    rc = pr_tzif_check(copy, len, NULL);
    free(copy);
    return rc;
}

static int32_t
must_offset(pr_tzcache *c, const char *key, int64_t t, int utc)
{
    int32_t off = INT32_MIN;
    pr_error err;
    pr_code rc;

    pr_error_clear(&err);
    if (utc)
        rc = pr_tz_offset_utc(c, key, strlen(key), t, &off, &err);
    else
        rc = pr_tz_offset_local(c, key, strlen(key), t, 0, &off, &err);
    if (rc != PR_OK)
        fprintf(stderr, "  lookup %s at %lld: %s: %s\n", key, (long long)t,
                pr_code_name(rc), err.msg);
    return off;
}

/* ------------------------------------------------------------------ */
/* Agreement with CPython                                              */

typedef struct run {
    pr_tzcache *sys;
    pr_tzcache *tmp;        /* cache over tmpdir for the current file */
    const char *key;        /* key of the zone L/U lines refer to */
    pr_tzcache *cur;
    int skip;               /* current zone is skipped */
    char zone[300];         /* for messages */
    long local_ok, utc_ok, bad, skipped_zones, zones, files, footers;
    long refused, missing, fmt;
} run;

static void
mismatch(run *r, const char *fmt, long long t, const char *want,
         pr_code rc, long got)
{
    if (r->bad++ < MAX_REPORTED)
        fprintf(stderr, "  MISMATCH %s: %s %lld: want %s, got %s %ld\n",
                r->zone, fmt, t, want, pr_code_name(rc), got);
}

static void
check_one(run *r, int utc, long long t, int fold, const char *want)
{
    int32_t off = 0;
    pr_error err;
    pr_code rc;

    pr_error_clear(&err);
    if (utc)
        rc = pr_tz_offset_utc(r->cur, r->key, strlen(r->key), t, &off,
                              &err);
    else
        rc = pr_tz_offset_local(r->cur, r->key, strlen(r->key), t, fold,
                                &off, &err);
    if (strcmp(want, "x") == 0) {
        if (rc != PR_EFORMAT) {
            mismatch(r, utc ? "utc" : fold ? "local fold=1" : "local",
                     t, want, rc, (long)off);
            return;
        }
    } else if (rc != PR_OK || off != strtol(want, NULL, 10)) {
        mismatch(r, utc ? "utc" : fold ? "local fold=1" : "local", t,
                 want, rc, rc == PR_OK ? (long)off : 0);
        return;
    }
    if (utc)
        r->utc_ok++;
    else
        r->local_ok++;
}

/* Makes `data` the zone "zone" of a fresh cache over tmpdir. */
static int
use_file(run *r, const uint8_t *data, size_t len)
{
    pr_tzcache_free(r->tmp);
    r->tmp = NULL;
    if (!write_file(tmpdir, "zone", data, len))
        return 0;
    r->tmp = pr_tzcache_new(tmpdir);
    r->cur = r->tmp;
    r->key = "zone";
    r->skip = 0;
    return r->tmp != NULL;
}

static void
expect_refused(run *r, const uint8_t *data, size_t len)
{
    int32_t off;
    pr_code rc, want_file;

    rc = check_copy(data, len);
    want_file = len >= 4 && memcmp(data, "TZif", 4) == 0 ? PR_EFORMAT
                                                          : PR_ENOTFOUND;
    if (rc != PR_EFORMAT) {
        mismatch(r, "parse", 0, "format", rc, 0);
        return;
    }
    if (!use_file(r, data, len)) {
        mismatch(r, "write", 0, "file", PR_EIO, 0);
        return;
    }
    rc = pr_tz_offset_local(r->tmp, "zone", 4, 0, 0, &off, NULL);
    if (rc != want_file) {
        mismatch(r, "lookup", 0, pr_code_name(want_file), rc, 0);
        return;
    }
    r->refused++;
}

static void
start_real_zone(run *r, const char *key, const char *size,
                const char *hash)
{
    char path[512];
    uint8_t *data;
    size_t len = 0;
    char hex[17];

    snprintf(r->zone, sizeof(r->zone), "%s", key);
    r->cur = r->sys;
    r->key = key;
    r->skip = 1;
    if (!have_db)
        return;
    snprintf(path, sizeof(path), "%s/%s", SYSTEM_TZDIR, key);
    data = read_whole(path, &len);
    if (data == NULL) {
        printf("SKIP zone %s: not in %s\n", key, SYSTEM_TZDIR);
        r->skipped_zones++;
        return;
    }
    snprintf(hex, sizeof(hex), "%016llx",
             (unsigned long long)fnv1a64(data, len));
    free(data);
    if ((size_t)strtoull(size, NULL, 10) != len || strcmp(hex, hash) != 0) {
        printf("SKIP zone %s: its file changed since the cases were made "
               "(re-run gen_tzdb_cases.py)\n", key);
        r->skipped_zones++;
        return;
    }
    r->skip = 0;
    r->zones++;
}

static void
do_line(run *r, char *line)
{
    char *f[4] = { NULL, NULL, NULL, NULL };
    char *save = NULL;
    size_t n = 0, len;
    uint8_t *data;
    static uint8_t buf[4096];

    if (line[0] == '#' || line[0] == '\0')
        return;
    /* F and G take the rest of the line verbatim (may hold spaces). */
    if ((line[0] == 'F' || line[0] == 'G') && line[1] == ' ') {
        const char *footer = line + 2;

        len = strlen(footer);
        snprintf(r->zone, sizeof(r->zone), "footer \"%s\"", footer);
        if (len > 2048) {
            mismatch(r, "footer", 0, "short", PR_EINVAL, 0);
            return;
        }
        n = footer_tzif(buf, footer, len);
        if (line[0] == 'G') {
            expect_refused(r, buf, n);
            r->skip = 1;
            return;
        }
        if (!use_file(r, buf, n))
            mismatch(r, "write", 0, "file", PR_EIO, 0);
        r->footers++;
        return;
    }
    while (n < 4 && (f[n] = strtok_r(n == 0 ? line : NULL, " ", &save))
           != NULL)
        n++;
    if (n == 0)
        return;
    switch (f[0][0]) {
    case 'Z':
        start_real_zone(r, f[1], f[2], f[3]);
        /* key points into line, which the caller reuses: copy it. */
        snprintf(r->zone, sizeof(r->zone), "%s", f[1]);
        r->key = r->zone;
        break;
    case 'N': {
        int32_t off;
        pr_code rc;

        if (!have_db)
            break;
        snprintf(r->zone, sizeof(r->zone), "%s", f[1]);
        rc = pr_tz_offset_local(r->sys, f[1], strlen(f[1]), 0, 0, &off,
                                NULL);
        if (rc != PR_ENOTFOUND)
            mismatch(r, "missing", 0, "not found", rc, 0);
        else
            r->missing++;
        r->skip = 1;
        break;
    }
    case 'T':
    case 'B':
        snprintf(r->zone, sizeof(r->zone), "file %s", f[1]);
        data = f[2] ? unhex(f[2], &len) : NULL;
        if (data == NULL) {
            mismatch(r, "hex", 0, "data", PR_EINVAL, 0);
            r->skip = 1;
            break;
        }
        if (f[0][0] == 'B') {
            expect_refused(r, data, len);
            r->skip = 1;
        } else {
            pr_code rc = check_copy(data, len);

            /* EFORMAT: a file whose offsets reach 24 hours somewhere. */
            if (rc != PR_OK && rc != PR_EFORMAT)
                mismatch(r, "check", 0, "ok", rc, 0);
            if (!use_file(r, data, len))
                mismatch(r, "write", 0, "file", PR_EIO, 0);
            r->files++;
        }
        free(data);
        break;
    case 'L':
        if (r->skip || n < 3)
            break;
        check_one(r, 0, strtoll(f[1], NULL, 10), 0, f[2]);
        check_one(r, 0, strtoll(f[1], NULL, 10), 1, n > 3 ? f[3] : f[2]);
        break;
    case 'U':
        if (r->skip || n < 3)
            break;
        check_one(r, 1, strtoll(f[1], NULL, 10), 0, f[2]);
        break;
    case 'O': {
        char out[PR_OFFSET_BUFSIZE], out2[PR_OFFSET_BUFSIZE];
        long long us = strtoll(f[1], NULL, 10);

        snprintf(r->zone, sizeof(r->zone), "offset text");
        pr_fmt_offset_us(us, out);
        if (n < 3 || strcmp(out, f[2]) != 0) {
            if (r->bad++ < MAX_REPORTED)
                fprintf(stderr, "  MISMATCH offset %lld: want %s got %s\n",
                        us, n < 3 ? "?" : f[2], out);
            break;
        }
        if (us % 1000000 == 0) {
            pr_fmt_offset((int32_t)(us / 1000000), out2);
            if (strcmp(out2, out) != 0) {
                if (r->bad++ < MAX_REPORTED)
                    fprintf(stderr, "  MISMATCH offset %llds: %s\n",
                            us / 1000000, out2);
                break;
            }
        }
        r->fmt++;
        break;
    }
    default:
        if (r->bad++ < MAX_REPORTED)
            fprintf(stderr, "  unknown case line: %s\n", line);
    }
}

TEST(tzdb_agrees_with_python_zoneinfo)
{
    const char *path = getenv("PR_TZDB_CASES");
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    run r;

    memset(&r, 0, sizeof(r));
    if (path == NULL) {
        path = CASES_FILE;
        /* From elsewhere than the top directory, find it via argv[0]. */
        if (access(path, R_OK) != 0 && cases_beside_binary[0] != '\0')
            path = cases_beside_binary;
    }
    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "  cannot open %s (run from the repository root "
                "or set PR_TZDB_CASES)\n", path);
        CHECK(f != NULL);
        return;
    }
    r.sys = pr_tzcache_new(SYSTEM_TZDIR);
    CHECK(r.sys != NULL);
    if (r.sys == NULL) {
        fclose(f);
        return;
    }
    while ((got = getline(&line, &cap, f)) > 0) {
        if (line[got - 1] == '\n')
            line[got - 1] = '\0';
        do_line(&r, line);
    }
    free(line);
    fclose(f);
    pr_tzcache_free(r.sys);
    pr_tzcache_free(r.tmp);
    remove_file(tmpdir, "zone");

    printf("tzdb: %ld local and %ld UTC lookups agree with CPython "
           "zoneinfo (%ld real zones, %ld made-up files, %ld footers); "
           "%ld refused files/footers, %ld missing keys, %ld offset "
           "texts; %ld disagree\n", r.local_ok, r.utc_ok, r.zones,
           r.files, r.footers, r.refused, r.missing, r.fmt, r.bad);
    if (!have_db)
        printf("SKIP real zones: no tz database in %s (apt-get install "
               "tzdata)\n", SYSTEM_TZDIR);
    else if (r.skipped_zones > 0)
        printf("SKIP %ld real zones whose files differ\n",
               r.skipped_zones);
    CHECK_EQ_INT(r.bad, 0);
    CHECK(r.footers > 100 && r.refused > 100 && r.files > 10);
    if (have_db)
        CHECK(r.zones + r.skipped_zones >= 30);
}

/* ------------------------------------------------------------------ */
/* Keys                                                                */

TEST(tz_hostile_keys_are_refused_before_any_file_is_opened)
{
    static const char *const bad[] = {
        "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd", "..",
        ".", "./UTC", "Europe//Berlin", "Europe/Berlin/", "/", "Europe/.x",
        ".hidden", "a..b", "Europe\\Berlin", "Europe/Ber lin", "UTC\n",
        "caf\xc3\xa9", "Europe/Berlin;rm", "~root", "$HOME", "UTC*",
        "Europe/%2e%2e"
    };
    char longkey[300];
    int32_t off = 12345;
    pr_error err;
    pr_tzcache *c;
    size_t i;

    c = pr_tzcache_new(tmpdir);
    CHECK(c != NULL);
    if (c == NULL)
        return;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pr_error_clear(&err);
        CHECK(!pr_tz_key_valid(bad[i], strlen(bad[i])));
        CHECK_EQ_INT(pr_tz_offset_local(c, bad[i], strlen(bad[i]), 0, 0,
                                        &off, &err), PR_EINVAL);
        CHECK_EQ_INT(pr_tz_offset_utc(c, bad[i], strlen(bad[i]), 0, &off,
                                      &err), PR_EINVAL);
        CHECK(strstr(err.msg, "valid") != NULL);
    }
    /* An embedded NUL must not cut the key short. */
    CHECK(!pr_tz_key_valid("UTC\0/../x", 9));
    CHECK_EQ_INT(pr_tz_offset_local(c, "UTC\0x", 5, 0, 0, &off, NULL),
                 PR_EINVAL);
    CHECK(!pr_tz_key_valid("", 0));
    CHECK(!pr_tz_key_valid(NULL, 3));
    memset(longkey, 'A', sizeof(longkey));
    CHECK(pr_tz_key_valid(longkey, 255));
    CHECK(!pr_tz_key_valid(longkey, 256));
    CHECK_EQ_INT(pr_tz_offset_local(c, longkey, 256, 0, 0, &off, NULL),
                 PR_EINVAL);
    CHECK_EQ_INT(pr_tz_offset_local(c, longkey, 255, 0, 0, &off, NULL),
                 PR_ENOTFOUND);
    CHECK(pr_tz_key_valid("America/Argentina/Buenos_Aires", 30));
    CHECK(pr_tz_key_valid("Etc/GMT+5", 9));
    CHECK(pr_tz_key_valid("Etc/GMT-14", 10));
    CHECK(pr_tz_key_valid("America/Port-au-Prince", 22));
    CHECK(pr_tz_key_valid("zone.tab", 8));
    CHECK_EQ_INT(off, 12345);   /* never written on failure */
    pr_tzcache_free(c);
}

TEST(tz_key_cannot_reach_a_valid_file_outside_the_database)
{
    static const int32_t one[] = { 3600 };
    char db[300];
    uint8_t buf[512];
    tzif_spec s;
    size_t n;
    int32_t off = 0;
    pr_tzcache *c;

    memset(&s, 0, sizeof(s));
    s.version = '2';
    s.ntypes = 1;
    s.utoff = one;
    s.footer = "AAA-1";
    s.footer_len = 5;
    n = make_tzif(buf, &s);
    CHECK(write_file(tmpdir, "secret", buf, n));
    snprintf(db, sizeof(db), "%s/db", tmpdir);
    CHECK(mkdir(db, 0700) == 0);
    c = pr_tzcache_new(db);
    CHECK(c != NULL);
    CHECK_EQ_INT(pr_tz_offset_local(c, "../secret", 9, 0, 0, &off, NULL),
                 PR_EINVAL);
    CHECK_EQ_INT(pr_tz_offset_local(c, "secret", 6, 0, 0, &off, NULL),
                 PR_ENOTFOUND);
    pr_tzcache_free(c);
    c = pr_tzcache_new(tmpdir);
    CHECK_EQ_INT(pr_tz_offset_local(c, "secret", 6, 0, 0, &off, NULL),
                 PR_OK);
    CHECK_EQ_INT(off, 3600);
    pr_tzcache_free(c);
    remove_file(tmpdir, "secret");
    rmdir(db);
}

/* ------------------------------------------------------------------ */
/* Corrupt files                                                       */

/* A v2 image with transitions and a rule footer, like a real zone. */
static size_t
sample_image(uint8_t *out)
{
    static const int64_t trans[] = {
        -2422054408, -1693706400, -1680483600, 1000000000, 1011000000
    };
    static const uint8_t idx[] = { 1, 2, 1, 2, 1 };
    static const int32_t off[] = { 3208, 3600, 7200 };
    static const uint8_t dst[] = { 0, 0, 1 };
    tzif_spec s;

    memset(&s, 0, sizeof(s));
    s.version = '2';
    s.ntrans = 5;
    s.trans = trans;
    s.idx = idx;
    s.ntypes = 3;
    s.utoff = off;
    s.isdst = dst;
    s.footer = "CET-1CEST,M3.5.0,M10.5.0/3";
    s.footer_len = strlen(s.footer);
    return make_tzif(out, &s);
}

TEST(tzif_every_truncation_is_a_format_error)
{
    uint8_t own[1024];
    uint8_t *data = NULL;
    size_t len = 0, i;
    int rounds;

    for (rounds = 0; rounds < 2; rounds++) {
        if (rounds == 0) {
            len = sample_image(own);
            data = own;
        } else {
            data = read_whole(SYSTEM_TZDIR "/Europe/Berlin", &len);
            if (data == NULL) {
                printf("SKIP truncating Europe/Berlin: no tz database\n");
                break;
            }
        }
        CHECK_EQ_INT(check_copy(data, len), PR_OK);
        for (i = 0; i < len; i++) {
            pr_code rc = check_copy(data, i);

            if (rc != PR_EFORMAT) {
                fprintf(stderr, "  truncated at %zu: %s\n", i,
                        pr_code_name(rc));
                CHECK_EQ_INT(rc, PR_EFORMAT);
                break;
            }
        }
        if (rounds == 1)
            free(data);
    }
}

static uint32_t
lcg(uint32_t *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

TEST(tzif_mutations_never_crash_and_only_fail_as_format_errors)
{
    static const uint8_t masks[] = { 0x01, 0x02, 0x10, 0x80, 0xff };
    uint8_t base[1024], buf[1024];
    size_t len = sample_image(base), i, m;
    uint32_t seed = 12345;
    long ok = 0, format = 0, other = 0;
    int k;

    for (i = 0; i < len; i++) {
        for (m = 0; m < sizeof(masks); m++) {
            pr_code rc;

            memcpy(buf, base, len);
            buf[i] ^= masks[m];
            rc = check_copy(buf, len);
            if (rc == PR_OK)
                ok++;
            else if (rc == PR_EFORMAT)
                format++;
            else
                other++;
        }
    }
    for (k = 0; k < 20000; k++) {
        size_t cut = len - lcg(&seed) % 8;
        int changes = 1 + (int)(lcg(&seed) % 6), j;
        pr_code rc;

        memcpy(buf, base, len);
        for (j = 0; j < changes; j++)
            buf[lcg(&seed) % len] = (uint8_t)lcg(&seed);
        rc = check_copy(buf, cut);
        if (rc == PR_OK)
            ok++;
        else if (rc == PR_EFORMAT)
            format++;
        else
            other++;
    }
    printf("tzif mutations: %ld parsed, %ld refused as corrupt, %ld "
           "other\n", ok, format, other);
    CHECK_EQ_INT(other, 0);
    CHECK(format > 0 && ok > 0);
}

TEST(tzif_specific_corruptions_are_format_errors)
{
    static const int64_t t2[] = { 1000, 1000 };
    static const int64_t t2d[] = { 2000, 1000 };
    static const int64_t huge[] = { (int64_t)1 << 62 };
    static const uint8_t idx2[] = { 0, 1 };
    static const uint8_t idx_eq[] = { 2 };
    static const int32_t offs[] = { 0, 3600 };
    static const int32_t bad_off[] = { INT32_MIN };
    static const int32_t big_off[] = { 86400 };
    uint8_t buf[1024];
    tzif_spec s;
    size_t n, v1;

    memset(&s, 0, sizeof(s));
    s.version = '2';
    s.ntypes = 2;
    s.utoff = offs;
    s.footer = "AAA0";
    s.footer_len = 4;

    s.ntrans = 1;
    s.trans = t2;
    s.idx = idx_eq;     /* index == typecnt: Python's check lets it by */
    CHECK_EQ_INT(check_copy(buf, make_tzif(buf, &s)), PR_EFORMAT);
    s.ntrans = 2;
    s.idx = idx2;
    s.trans = t2;       /* equal times */
    CHECK_EQ_INT(check_copy(buf, make_tzif(buf, &s)), PR_EFORMAT);
    s.trans = t2d;      /* descending */
    CHECK_EQ_INT(check_copy(buf, make_tzif(buf, &s)), PR_EFORMAT);
    s.ntrans = 1;
    s.trans = huge;
    CHECK_EQ_INT(check_copy(buf, make_tzif(buf, &s)), PR_EFORMAT);
    s.ntrans = 0;

    s.no_final_newline = 1;     /* Python would loop for ever here */
    CHECK_EQ_INT(check_copy(buf, make_tzif(buf, &s)), PR_EFORMAT);
    s.no_final_newline = 0;
    s.footer = "AAA\0-1";
    s.footer_len = 6;
    CHECK_EQ_INT(check_copy(buf, make_tzif(buf, &s)), PR_EFORMAT);
    s.footer = "AAA0";
    s.footer_len = 4;

    n = make_tzif(buf, &s);
    CHECK_EQ_INT(check_copy(buf, n), PR_OK);
    buf[n - 6] = 'x';           /* the newline before the footer */
    CHECK_EQ_INT(check_copy(buf, n), PR_EFORMAT);

    v1 = 44 + 2 * 6 + 4;        /* the version 1 block: 2 types, "UTC" */
    n = make_tzif(buf, &s);     /* negative count in the v2 header */
    buf[v1 + 32] = 0x80;
    CHECK_EQ_INT(check_copy(buf, n), PR_EFORMAT);
    n = make_tzif(buf, &s);     /* huge count in the v1 header */
    put_be32(buf + 36, 0x7fffffff);
    CHECK_EQ_INT(check_copy(buf, n), PR_EFORMAT);
    n = make_tzif(buf, &s);     /* second magic broken */
    buf[v1 + 1] = 'X';
    CHECK_EQ_INT(check_copy(buf, n), PR_EFORMAT);

    s.ntypes = 1;
    s.utoff = bad_off;
    CHECK_EQ_INT(check_copy(buf, make_tzif(buf, &s)), PR_EFORMAT);
    s.utoff = big_off;          /* loads, but no offset can be given */
    s.footer_len = 0;
    CHECK_EQ_INT(check_copy(buf, make_tzif(buf, &s)), PR_EFORMAT);

    CHECK_EQ_INT(check_copy((const uint8_t *)"", 0), PR_EFORMAT);
    CHECK_EQ_INT(pr_tzif_check(NULL, 0, NULL), PR_EFORMAT);
    CHECK_EQ_INT(pr_tzif_check(NULL, 5, NULL), PR_EINVAL);
}

/* ------------------------------------------------------------------ */
/* Files, caches and arguments                                         */

TEST(tz_odd_files_in_the_database_are_not_zones)
{
    uint8_t buf[1024];
    uint8_t *big;
    char path[512];
    size_t n = sample_image(buf);
    int32_t off = 0;
    pr_error err;
    pr_tzcache *c;

    CHECK(write_file(tmpdir, "good", buf, n));
    CHECK(write_file(tmpdir, "empty", "", 0));
    CHECK(write_file(tmpdir, "text", "# zone.tab\n", 11));
    big = calloc(1, PR_TZIF_MAX_SIZE + 1);
    CHECK(big != NULL);
    if (big != NULL) {
        memcpy(big, buf, n);
        CHECK(write_file(tmpdir, "big", big, PR_TZIF_MAX_SIZE + 1));
        free(big);
    }
    snprintf(path, sizeof(path), "%s/fifo", tmpdir);
    CHECK(mkfifo(path, 0600) == 0);
    snprintf(path, sizeof(path), "%s/dir", tmpdir);
    CHECK(mkdir(path, 0700) == 0);
    snprintf(path, sizeof(path), "%s/link", tmpdir);
    CHECK(symlink("good", path) == 0);

    c = pr_tzcache_new(tmpdir);
    CHECK(c != NULL);
    CHECK_EQ_INT(pr_tz_offset_local(c, "good", 4, 0, 0, &off, NULL),
                 PR_OK);
    CHECK_EQ_INT(off, 3600);
    CHECK_EQ_INT(pr_tz_offset_local(c, "link", 4, 1005000000, 0, &off,
                                    NULL), PR_OK);
    CHECK_EQ_INT(off, 7200);
    CHECK_EQ_INT(pr_tz_offset_local(c, "empty", 5, 0, 0, &off, NULL),
                 PR_ENOTFOUND);
    CHECK_EQ_INT(pr_tz_offset_local(c, "text", 4, 0, 0, &off, NULL),
                 PR_ENOTFOUND);
    pr_error_clear(&err);
    CHECK_EQ_INT(pr_tz_offset_local(c, "big", 3, 0, 0, &off, &err),
                 PR_EFORMAT);
    CHECK(strstr(err.msg, "'big'") != NULL);
    CHECK_EQ_INT(pr_tz_offset_local(c, "fifo", 4, 0, 0, &off, NULL),
                 PR_ENOTFOUND);
    CHECK_EQ_INT(pr_tz_offset_local(c, "dir", 3, 0, 0, &off, NULL),
                 PR_ENOTFOUND);
    CHECK_EQ_INT(pr_tz_offset_local(c, "nothing", 7, 0, 0, &off, NULL),
                 PR_ENOTFOUND);
    /* Answers, failures included, are remembered with their message. */
    pr_error_clear(&err);
    CHECK_EQ_INT(pr_tz_offset_utc(c, "big", 3, 0, &off, &err),
                 PR_EFORMAT);
    CHECK(strstr(err.msg, "'big'") != NULL);
    pr_tzcache_free(c);

    c = pr_tzcache_new("/nonexistent-tz-database");
    pr_error_clear(&err);
    CHECK_EQ_INT(pr_tz_offset_utc(c, "UTC", 3, 0, &off, &err),
                 PR_ENOTFOUND);
    CHECK(strstr(err.hint, "tzdata") != NULL);
    pr_error_clear(&err);       /* the same answer from the cache */
    CHECK_EQ_INT(pr_tz_offset_utc(c, "UTC", 3, 0, &off, &err),
                 PR_ENOTFOUND);
    CHECK(strstr(err.msg, "'UTC' not found") != NULL);
    CHECK(strstr(err.hint, "tzdata") != NULL);
    pr_tzcache_free(c);
    pr_tzcache_free(NULL);

    remove_file(tmpdir, "good");
    remove_file(tmpdir, "empty");
    remove_file(tmpdir, "text");
    remove_file(tmpdir, "big");
    remove_file(tmpdir, "fifo");
    remove_file(tmpdir, "link");
    snprintf(path, sizeof(path), "%s/dir", tmpdir);
    rmdir(path);
}

TEST(tzcache_forgets_the_oldest_zone_and_stays_correct)
{
    char name[32], footer[32];
    uint8_t buf[256];
    pr_tzcache *c;
    int i, round, nz = PR_TZCACHE_MAX + 9;

    for (i = 0; i < nz; i++) {
        snprintf(name, sizeof(name), "z%d", i);
        /* "<+0001>-0:01" and so on: offset i minutes. */
        snprintf(footer, sizeof(footer), "<+00%02d>-0:%02d", i, i);
        CHECK(write_file(tmpdir, name, buf,
                         footer_tzif(buf, footer, strlen(footer))));
    }
    c = pr_tzcache_new(tmpdir);
    CHECK(c != NULL);
    for (round = 0; round < 3; round++) {
        for (i = 0; i < nz; i++) {
            snprintf(name, sizeof(name), "z%d", i);
            CHECK_EQ_INT(must_offset(c, name, 0, round & 1), i * 60);
        }
    }
    pr_tzcache_free(c);
    for (i = 0; i < nz; i++) {
        snprintf(name, sizeof(name), "z%d", i);
        remove_file(tmpdir, name);
    }
}

TEST(tzdb_survives_every_allocation_failure)
{
    uint8_t buf[1024];
    size_t n = sample_image(buf);
    long fail;
    int done = 0;
    int32_t off = 0;

    CHECK(write_file(tmpdir, "zone", buf, n));
    for (fail = 0; fail < 50 && !done; fail++) {
        pr_tzcache *c;
        pr_code rc;

        pr_alloc_fail_after(fail);
        c = pr_tzcache_new(tmpdir);
        if (c == NULL) {
            pr_alloc_fail_after(-1);
            continue;
        }
        rc = pr_tz_offset_utc(c, "zone", 4, 1000000000, &off, NULL);
        pr_alloc_fail_after(-1);
        CHECK(rc == PR_OK || rc == PR_ENOMEM);
        if (rc == PR_OK) {
            CHECK_EQ_INT(off, 7200);
            done = 1;
        } else {
            /* A failed allocation is not remembered as an answer. */
            CHECK_EQ_INT(pr_tz_offset_utc(c, "zone", 4, 1000000000, &off,
                                          NULL), PR_OK);
            CHECK_EQ_INT(off, 7200);
        }
        pr_tzcache_free(c);
    }
    CHECK(done);
    remove_file(tmpdir, "zone");
}

TEST(tz_lookups_check_their_arguments)
{
    uint8_t buf[1024];
    size_t n = sample_image(buf);
    int32_t off = 0;
    pr_tzcache *c;
    pr_error err;

    CHECK(write_file(tmpdir, "zone", buf, n));
    c = pr_tzcache_new(tmpdir);
    CHECK_EQ_INT(pr_tz_offset_local(c, "zone", 4, 0, 2, &off, NULL),
                 PR_EINVAL);
    CHECK_EQ_INT(pr_tz_offset_local(c, "zone", 4, 0, -1, &off, NULL),
                 PR_EINVAL);
    CHECK_EQ_INT(pr_tz_offset_local(c, "zone", 4, PR_TZ_SECONDS_MAX + 1,
                                    0, &off, NULL), PR_EINVAL);
    CHECK_EQ_INT(pr_tz_offset_utc(c, "zone", 4, INT64_MIN, &off, NULL),
                 PR_EINVAL);
    CHECK_EQ_INT(pr_tz_offset_utc(NULL, "zone", 4, 0, &off, NULL),
                 PR_EINVAL);
    /* Far but allowed: the footer rule keeps working. */
    CHECK_EQ_INT(pr_tz_offset_utc(c, "zone", 4, PR_TZ_SECONDS_MAX, &off,
                                  NULL), PR_OK);
    CHECK_EQ_INT(pr_tz_offset_local(c, "zone", 4, -PR_TZ_SECONDS_MAX, 1,
                                    &off, NULL), PR_OK);
    CHECK_EQ_INT(off, 3208);
    pr_error_clear(&err);
    CHECK_EQ_INT(pr_tz_offset_local(c, "zone", 4, 0, 7, &off, &err),
                 PR_EINVAL);
    CHECK(strstr(err.msg, "fold") != NULL);
    pr_tzcache_free(c);
    remove_file(tmpdir, "zone");
}

TEST(tzdir_comes_from_the_environment_when_not_given)
{
    uint8_t buf[1024];
    size_t n = sample_image(buf);
    const char *old = getenv("TZDIR");
    char *saved = old ? strdup(old) : NULL;
    int32_t off = 0;
    pr_tzcache *c;

    CHECK(write_file(tmpdir, "zone", buf, n));
    CHECK(setenv("TZDIR", tmpdir, 1) == 0);
    c = pr_tzcache_new(NULL);
    CHECK_EQ_INT(pr_tz_offset_local(c, "zone", 4, 0, 0, &off, NULL),
                 PR_OK);
    CHECK_EQ_INT(off, 3600);
    pr_tzcache_free(c);
    CHECK(setenv("TZDIR", "", 1) == 0);
    c = pr_tzcache_new(NULL);   /* empty: the system database */
    CHECK_EQ_INT(pr_tz_offset_local(c, "zone", 4, 0, 0, &off, NULL),
                 PR_ENOTFOUND);
    if (have_db) {
        CHECK_EQ_INT(pr_tz_offset_local(c, "Europe/Berlin", 13,
                                        1719835200, 0, &off, NULL), PR_OK);
        CHECK_EQ_INT(off, 7200);
    }
    pr_tzcache_free(c);
    if (saved != NULL) {
        setenv("TZDIR", saved, 1);
        free(saved);
    } else {
        unsetenv("TZDIR");
    }
    remove_file(tmpdir, "zone");
}

TEST(tz_symlinked_keys_match_their_targets)
{
    static const char *const pairs[][2] = {
        { "Cuba", "America/Havana" }, { "UTC", "Etc/UTC" },
        { "Eire", "Europe/Dublin" }, { "posixrules", "America/New_York" }
    };
    pr_tzcache *c;
    size_t i;
    int64_t t;

    if (!have_db) {
        printf("SKIP symlinked keys: no tz database\n");
        return;
    }
    c = pr_tzcache_new(SYSTEM_TZDIR);
    for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        for (t = -3000000000; t < 4000000000; t += 7777777) {
            CHECK_EQ_INT(must_offset(c, pairs[i][0], t, 0),
                         must_offset(c, pairs[i][1], t, 0));
            CHECK_EQ_INT(must_offset(c, pairs[i][0], t, 1),
                         must_offset(c, pairs[i][1], t, 1));
        }
    }
    pr_tzcache_free(c);
}

/* ------------------------------------------------------------------ */
/* civil.c                                                             */

TEST(civil_days_match_a_day_by_day_walk)
{
    int64_t y = -400, days = 0, got_y = 0;
    int m = 1, d = 1, got_m = 0, got_d = 0, bad = 0, wd;

    CHECK(pr_days_from_civil(&days, y, m, d));
    wd = pr_weekday_from_days(days);
    /* Walk 1.5 million days forward from -0400-01-01. */
    for (long i = 0; i < 1500000 && bad < 5; i++) {
        int64_t want = days + i, calc = 0;

        if (!pr_days_from_civil(&calc, y, m, d) || calc != want) {
            fprintf(stderr, "  %lld-%d-%d: %lld, want %lld\n",
                    (long long)y, m, d, (long long)calc, (long long)want);
            bad++;
        }
        pr_civil_from_days(want, &got_y, &got_m, &got_d);
        if (got_y != y || got_m != m || got_d != d) {
            fprintf(stderr, "  day %lld: %lld-%d-%d, want %lld-%d-%d\n",
                    (long long)want, (long long)got_y, got_m, got_d,
                    (long long)y, m, d);
            bad++;
        }
        if (pr_weekday_from_days(want) != (wd + i) % 7)
            bad++;
        if (++d > pr_days_in_month(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(y, 3706);
}

TEST(civil_known_dates_and_edges)
{
    static const int64_t far[] = {
        INT64_MIN, INT64_MIN + 1, -3000000000000000000, -1,
        3000000000000000000, INT64_MAX - 1, INT64_MAX
    };
    int64_t days = 0, y = 0, back = 0;
    int m = 0, d = 0;
    size_t i;

    CHECK(pr_days_from_civil(&days, 1970, 1, 1));
    CHECK_EQ_INT(days, 0);
    CHECK(pr_days_from_civil(&days, 2000, 3, 1));
    CHECK_EQ_INT(days, 11017);
    CHECK(pr_days_from_civil(&days, 1, 1, 1));
    CHECK_EQ_INT(days, -719162);
    CHECK(pr_days_from_civil(&days, 9999, 12, 31));
    CHECK_EQ_INT(days, 2932896);
    CHECK(pr_days_from_civil(&days, 0, 2, 29));     /* year 0 leaps */
    CHECK(pr_days_from_civil(&days, 2024, 7, 1));
    CHECK_EQ_INT(pr_weekday_from_days(days), 0);    /* a Monday */
    CHECK(!pr_days_from_civil(&days, 2023, 2, 29));
    CHECK(!pr_days_from_civil(&days, 1900, 2, 29));
    CHECK(pr_days_from_civil(&days, 2000, 2, 29));
    CHECK(!pr_days_from_civil(&days, 2024, 0, 1));
    CHECK(!pr_days_from_civil(&days, 2024, 13, 1));
    CHECK(!pr_days_from_civil(&days, 2024, 4, 31));
    CHECK(!pr_days_from_civil(&days, 2024, 1, 0));
    CHECK(!pr_days_from_civil(&days, PR_CIVIL_YEAR_MAX + 1, 1, 1));
    CHECK(pr_days_from_civil(&days, PR_CIVIL_YEAR_MAX, 12, 31));
    CHECK(pr_days_from_civil(&days, -PR_CIVIL_YEAR_MAX, 1, 1));
    pr_civil_from_days(days, &y, &m, &d);
    CHECK(y == -PR_CIVIL_YEAR_MAX && m == 1 && d == 1);
    for (i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
        pr_civil_from_days(far[i], &y, &m, &d);
        CHECK(m >= 1 && m <= 12 && d >= 1 && d <= pr_days_in_month(y, m));
        if (y <= PR_CIVIL_YEAR_MAX && y >= -PR_CIVIL_YEAR_MAX) {
            CHECK(pr_days_from_civil(&back, y, m, d));
            CHECK_EQ_INT(back, far[i]);
        }
    }
    CHECK_EQ_INT(pr_floor_div(-7, 2), -4);
    CHECK_EQ_INT(pr_floor_mod(-7, 2), 1);
    CHECK_EQ_INT(pr_floor_div(INT64_MIN, 86400), -106751991167301);
    CHECK(pr_is_leap_year(-4) && !pr_is_leap_year(-100)
          && pr_is_leap_year(-400) && !pr_is_leap_year(-1));
}

TEST(fmt_offset_writes_what_isoformat_writes)
{
    char out[PR_OFFSET_BUFSIZE];

    CHECK_EQ_INT(pr_fmt_offset(0, out), 6);
    CHECK_EQ_STR(out, "+00:00");
    pr_fmt_offset(19800, out);
    CHECK_EQ_STR(out, "+05:30");
    pr_fmt_offset(-1800, out);
    CHECK_EQ_STR(out, "-00:30");
    pr_fmt_offset(19815, out);
    CHECK_EQ_STR(out, "+05:30:15");
    pr_fmt_offset(-2670, out);
    CHECK_EQ_STR(out, "-00:44:30");
    pr_fmt_offset(INT32_MIN, out);
    CHECK_EQ_STR(out, "-596523:14:08");
    pr_fmt_offset_us(-1, out);
    CHECK_EQ_STR(out, "-00:00:00.000001");
    pr_fmt_offset_us(INT64_MIN, out);
    CHECK_EQ_STR(out, "-2562047788:00:54.775808");
    CHECK(strlen(out) < PR_OFFSET_BUFSIZE);
}

int
main(int argc, char **argv)
{
    const char *base = getenv("TMPDIR");
    const char *slash;
    struct stat st;

    /* build/tests/test_tzdb: the top directory is two levels up. */
    slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    if (slash != NULL && (size_t)(slash - argv[0]) < 900)
        snprintf(cases_beside_binary, sizeof(cases_beside_binary),
                 "%.*s/../../%s", (int)(slash - argv[0]), argv[0],
                 CASES_FILE);

    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    snprintf(tmpdir, sizeof(tmpdir), "%s/pr_tzdb_XXXXXX", base);
    if (mkdtemp(tmpdir) == NULL) {
        fprintf(stderr, "cannot make a temporary directory: %s\n",
                strerror(errno));
        return 1;
    }
    have_db = stat(SYSTEM_TZDIR "/UTC", &st) == 0;
    if (!have_db)
        printf("SKIP: no tz database in %s; real zones are not tested "
               "(apt-get install tzdata)\n", SYSTEM_TZDIR);

    RUN(tzdb_agrees_with_python_zoneinfo);
    RUN(tz_hostile_keys_are_refused_before_any_file_is_opened);
    RUN(tz_key_cannot_reach_a_valid_file_outside_the_database);
    RUN(tzif_every_truncation_is_a_format_error);
    RUN(tzif_mutations_never_crash_and_only_fail_as_format_errors);
    RUN(tzif_specific_corruptions_are_format_errors);
    RUN(tz_odd_files_in_the_database_are_not_zones);
    RUN(tzcache_forgets_the_oldest_zone_and_stays_correct);
    RUN(tzdb_survives_every_allocation_failure);
    RUN(tz_lookups_check_their_arguments);
    RUN(tzdir_comes_from_the_environment_when_not_given);
    RUN(tz_symlinked_keys_match_their_targets);
    RUN(civil_days_match_a_day_by_day_walk);
    RUN(civil_known_dates_and_edges);
    RUN(fmt_offset_writes_what_isoformat_writes);

    rmdir(tmpdir);
    return unit_done();
}
