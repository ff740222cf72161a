/*
 * storage_local.c - result files on this machine: local-file-system
 * blocks, and 3.x keys without a block (absolute paths written by the
 * default storage).  docs/prefect-results.md sections 4.1 and 4.4.
 *
 * Keys come from the API and are untrusted.  A block key must stay
 * inside the block's basepath: the joined path is normalized lexically
 * (so "a/../../x" is caught before touching the disk) and, once the
 * file exists, its real path must still be inside the real basepath (so
 * a symlink cannot lead out).  An absolute key without a block is read
 * as it is, with the caller's own rights, as Prefect itself would.
 *
 * Files written elsewhere: each remap FROM=TO that prefixes the path is
 * tried, then (no block) the key's base name under the local storage
 * path.  A task's record is written when its transaction commits, which
 * can be after the state is visible, so missing task files are looked
 * for again, file_retries times, file_retry_ms apart.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "pr.h"
#include "alloc.h"
#include "config.h"
#include "http.h"
#include "jsonw.h"
#include "storage.h"

#define MAX_CANDIDATES 16
#define ID_SHOW 40
#define READ_CHUNK ((size_t)1 << 16)

/* One place the file may be; `base` is NULL when nothing confines it. */
typedef struct candidate {
    char *path;
    char *base;
} candidate;

typedef struct cand_list {
    candidate c[MAX_CANDIDATES];
    size_t n;
} cand_list;

static void
cands_dispose(cand_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        pr_free(l->c[i].path);
        pr_free(l->c[i].base);
    }
    l->n = 0;
}

static pr_code
nomem(pr_error *err)
{
    return pr_error_set(err, PR_ENOMEM, "out of memory building a result "
                        "file path");
}

/*
 * Lexical normalization of an absolute path: no "//", "." or "..";
 * ".." never climbs above "/".  No trailing slash (but "/" itself).
 * Returns an owned string, NULL when out of memory.
 */
static char *
norm_abs(const char *p)
{
    size_t n = strlen(p), o = 0, i = 0;
    char *out = pr_malloc(n + 2);

    if (out == NULL)
        return NULL;
    while (i < n) {
        size_t s, len;

        while (i < n && p[i] == '/')
            i++;
        s = i;
        while (i < n && p[i] != '/')
            i++;
        len = i - s;
        if (len == 0 || (len == 1 && p[s] == '.'))
            continue;
        if (len == 2 && p[s] == '.' && p[s + 1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;        /* the '/' before the dropped component */
            continue;
        }
        out[o++] = '/';
        memcpy(out + o, p + s, len);
        o += len;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    return out;
}

/* Is `path` `base` or below it?  Both normalized. */
static int
inside(const char *base, const char *path)
{
    size_t n = strlen(base);

    if (strcmp(base, "/") == 0)
        return path[0] == '/';
    return strncmp(path, base, n) == 0 && (path[n] == '\0' ||
                                           path[n] == '/');
}

static char *
join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = pr_malloc(na + nb + 2);

    if (p == NULL)
        return NULL;
    memcpy(p, a, na);
    p[na] = '/';
    memcpy(p + na + 1, b, nb + 1);
    return p;
}

/* An absolute, normalized form of a directory given by the user or the
 * block ("~" already expanded): relative ones are under the cwd. */
static pr_code
abs_dir(char **out, const char *dir, pr_error *err)
{
    char cwd[PATH_MAX], *j;

    if (dir[0] == '/') {
        *out = norm_abs(dir);
        return *out != NULL ? PR_OK : nomem(err);
    }
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return pr_error_set(err, PR_EIO, "cannot resolve the relative "
                            "storage path %s: the current directory is "
                            "unknown (%s)", dir, strerror(errno));
    j = join(cwd, dir);
    if (j == NULL)
        return nomem(err);
    *out = norm_abs(j);
    pr_free(j);
    return *out != NULL ? PR_OK : nomem(err);
}

static pr_code
cands_add(cand_list *l, char *path, char *base, pr_error *err)
{
    size_t i;

    if (path == NULL) {
        pr_free(base);
        return nomem(err);
    }
    for (i = 0; i < l->n; i++)
        if (strcmp(l->c[i].path, path) == 0) {
            pr_free(path);
            pr_free(base);
            return PR_OK;
        }
    if (l->n == MAX_CANDIDATES) {
        pr_free(path);
        pr_free(base);
        return PR_OK;
    }
    l->c[l->n].path = path;
    l->c[l->n].base = base;
    l->n++;
    return PR_OK;
}

/* If `path` starts with `from` on a component boundary, the rest
 * (with its leading '/'), else NULL. */
static const char *
prefix_rest(const char *path, const char *from)
{
    size_t n = strlen(from);

    if (strcmp(from, "/") == 0)
        return path[0] == '/' ? path : NULL;
    if (strncmp(path, from, n) != 0 || (path[n] != '\0' && path[n] != '/'))
        return NULL;
    return path + n;
}

static char *
concat(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = pr_malloc(na + nb + 1);

    if (p == NULL)
        return NULL;
    memcpy(p, a, na);
    memcpy(p + na, b, nb + 1);
    return p;
}

/*
 * Opens and reads one candidate.  PR_ENOTFOUND (quietly: err untouched)
 * when it is not there, so the caller can try the next one.
 */
static pr_code
read_candidate(const pr_storage_ctx *ctx, pr_buf *out, const candidate *c,
               const char *what, pr_error *err)
{
    char real[PATH_MAX], realbase[PATH_MAX];
    const char *open_path = c->path;
    struct stat st;
    size_t start = out->len, want;
    ssize_t r;
    int fd, flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    pr_code rc;

    if (c->base != NULL) {
        /* The real path must stay inside the real basepath. */
        if (realpath(c->path, real) == NULL) {
            if (errno == ENOENT || errno == ENOTDIR)
                return PR_ENOTFOUND;
            return pr_error_set(err, PR_EIO, "cannot read result file %s "
                                "(%s): %s", c->path, what, strerror(errno));
        }
        if (realpath(c->base, realbase) == NULL)
            return PR_ENOTFOUND;
        if (!inside(realbase, real)) {
            pr_error_set(err, PR_EINVAL, "refusing result file %s (%s): a "
                         "symbolic link leads outside %s", c->path, what,
                         c->base);
            return pr_error_hint(err, "the storage key or a link in the "
                                 "storage directory points elsewhere");
        }
        open_path = real;
        flags |= O_NOFOLLOW;
    }
    if (ctx->file_check != NULL &&
        ctx->file_check(open_path, ctx->file_check_arg) != 0) {
        pr_error_set(err, PR_EAUTH, "permission denied to read result "
                     "file %s (%s)", c->path, what);
        return pr_error_hint(err, "the host refused local files to this "
                             "caller");
    }
    fd = open(open_path, flags);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return PR_ENOTFOUND;
        pr_error_set(err, PR_EIO, "cannot read result file %s (%s): %s",
                     c->path, what, strerror(errno));
        if (errno == EACCES)
            pr_error_hint(err, "check the file's permissions and the user "
                          "this runs as");
        return PR_EIO;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return pr_error_set(err, PR_EIO, "result file %s (%s) is not a "
                            "regular file", c->path, what);
    }
    if ((uintmax_t)st.st_size > (uintmax_t)ctx->max_input) {
        close(fd);
        pr_error_set(err, PR_ELIMIT, "result file %s is %jd bytes, larger "
                     "than %zu bytes (max_input)", c->path,
                     (intmax_t)st.st_size, ctx->max_input);
        return pr_error_hint(err, "raise the input limit to read it");
    }
    /* Read to the end: the size is a hint, the cap is the limit. */
    want = (size_t)st.st_size + 1;
    for (;;) {
        if (want > READ_CHUNK)
            want = READ_CHUNK;
        if (out->len - start + want > ctx->max_input + 1)
            want = ctx->max_input + 1 - (out->len - start);
        rc = pr_buf_reserve(out, want, err);
        if (rc != PR_OK)
            break;
        r = read(fd, out->data + out->len, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = pr_error_set(err, PR_EIO, "cannot read result file %s "
                              "(%s): %s", c->path, what, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        out->len += (size_t)r;
        out->data[out->len] = '\0';
        if (out->len - start > ctx->max_input) {
            rc = pr_error_set(err, PR_ELIMIT, "result file %s grew past "
                              "%zu bytes (max_input) while being read",
                              c->path, ctx->max_input);
            break;
        }
        want = READ_CHUNK;
    }
    close(fd);
    if (rc != PR_OK) {
        out->len = start;
        if (out->data != NULL)
            out->data[start] = '\0';
    }
    return rc;
}

/* Tries every candidate, again after a wait while the file may still be
 * on its way.  `what` says where the path came from, for messages. */
static pr_code
read_any(const pr_storage_ctx *ctx, pr_buf *out, char *where, size_t wn,
         const cand_list *l, const char *what, pr_error *err)
{
    int attempt, tries = ctx->retry_missing ? ctx->cfg->file_retries : 0;
    size_t i;
    pr_code rc;

    for (attempt = 0;; attempt++) {
        for (i = 0; i < l->n; i++) {
            rc = read_candidate(ctx, out, &l->c[i], what, err);
            if (rc == PR_OK && wn > 0)
                snprintf(where, wn, "%s", l->c[i].path);
            if (rc != PR_ENOTFOUND)
                return rc;
        }
        if (attempt >= tries)
            break;
        if (pr_wait_ms(ctx->cfg->file_retry_ms, ctx->cancel,
                       ctx->cancel_arg))
            return pr_error_set(err, PR_ECANCELED, "canceled while waiting "
                                "for result file %s", l->c[0].path);
    }
    pr_error_set(err, PR_ENOTFOUND, "result file not found: %s (%s)",
                 l->c[0].path, what);
    if (l->n > 1)
        return pr_error_hint(err, "the run may not have persisted it, or it "
                             "was written on another machine: use the remap "
                             "setting (also looked for %s)",
                             l->c[l->n - 1].path);
    return pr_error_hint(err, "the run may not have persisted it, or it was "
                         "written on another machine: use the remap "
                         "setting");
}

/* Adds `base`/`key` (key relative or absolute), confined to base, and
 * the same under every remap of base.  PR_EINVAL if the key leaves. */
static pr_code
add_confined(cand_list *l, const pr_config *cfg, const char *base,
             const char *key, const char *what, pr_error *err)
{
    char *full, *j;
    const char *rest;
    size_t i;
    pr_code rc;

    if (key[0] == '/') {
        full = norm_abs(key);
    } else {
        j = join(base, key);
        if (j == NULL)
            return nomem(err);
        full = norm_abs(j);
        pr_free(j);
    }
    if (full == NULL)
        return nomem(err);
    if (!inside(base, full) || strcmp(base, full) == 0) {
        pr_free(full);
        pr_error_set(err, PR_EINVAL, "refusing storage key '%.120s' (%s): "
                     "it leads outside the storage directory %s", key, what,
                     base);
        return pr_error_hint(err, "a key must name a file below the "
                             "storage's basepath");
    }
    rc = cands_add(l, full, concat(base, ""), err);
    for (i = 0; rc == PR_OK && i < cfg->nremap; i++) {
        char *nb, *nf;

        rest = prefix_rest(base, cfg->remap_from[i]);
        if (rest == NULL)
            continue;
        nb = concat(cfg->remap_to[i], rest);
        nf = nb == NULL ? NULL : concat(nb, full + strlen(base));
        if (nf == NULL) {
            pr_free(nb);
            return nomem(err);
        }
        /* Normalize both: TO may itself be relative or end in '/'. */
        {
            char *b2 = NULL, *f2 = NULL;

            rc = abs_dir(&b2, nb, err);
            if (rc == PR_OK)
                rc = abs_dir(&f2, nf, err);
            pr_free(nb);
            pr_free(nf);
            if (rc != PR_OK) {
                pr_free(b2);
                return rc;
            }
            rc = cands_add(l, f2, b2, err);
        }
    }
    return rc;
}

pr_code
pr_storage_local_block(const pr_storage_ctx *ctx, pr_buf *out, char *where,
                       size_t wn, const cJSON *block, const char *block_id,
                       const char *key, pr_error *err)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(block, "data");
    const cJSON *bp = cJSON_GetObjectItemCaseSensitive(data, "basepath");
    const char *raw = ".";
    char what[96], *expanded = NULL, *base = NULL;
    cand_list l;
    pr_code rc;

    memset(&l, 0, sizeof(l));
    snprintf(what, sizeof(what), "key of local-file-system block %.*s",
             ID_SHOW, block_id);
    if (cJSON_IsString(bp) && bp->valuestring != NULL &&
        bp->valuestring[0] != '\0')
        raw = bp->valuestring;
    else if (bp != NULL && !cJSON_IsNull(bp) && !cJSON_IsString(bp))
        return pr_error_set(err, PR_EFORMAT, "storage block %.*s: basepath "
                            "is not a string", ID_SHOW, block_id);
    if (strncmp(raw, "file://", 7) == 0)
        raw += 7;
    rc = pr_path_expand_user(&expanded, raw, ctx->cfg->user_home, err);
    if (rc == PR_OK)
        rc = abs_dir(&base, expanded, err);
    if (rc == PR_OK)
        rc = add_confined(&l, ctx->cfg, base, key, what, err);
    if (rc == PR_OK)
        rc = read_any(ctx, out, where, wn, &l, what, err);
    cands_dispose(&l);
    pr_free(expanded);
    pr_free(base);
    return rc;
}

/* A key written on Windows: "C:\..." or "\\server\...". */
static int
windows_path(const char *k)
{
    return (((k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z')) &&
            k[1] == ':' && (k[2] == '\\' || k[2] == '/')) ||
           (k[0] == '\\' && k[1] == '\\');
}

static const char *
base_name(const char *k)
{
    const char *s = strrchr(k, '/'), *b = strrchr(k, '\\');

    if (b != NULL && (s == NULL || b > s))
        s = b;
    return s != NULL ? s + 1 : k;
}

pr_code
pr_storage_local_path(const pr_storage_ctx *ctx, pr_buf *out, char *where,
                      size_t wn, const char *key, pr_error *err)
{
    static const char what[] = "the state's storage_key";
    const pr_config *cfg = ctx->cfg;
    char *store = NULL, *full;
    const char *bn, *rest;
    cand_list l;
    size_t i;
    pr_code rc = PR_OK;

    memset(&l, 0, sizeof(l));
    if (key[0] == '\0')
        return pr_error_set(err, PR_EFORMAT, "the state's storage_key is "
                            "empty");
    if (cfg->local_storage != NULL)
        rc = abs_dir(&store, cfg->local_storage, err);
    if (rc != PR_OK)
        return rc;
    if (key[0] != '/' && !windows_path(key)) {
        /* Relative: under this machine's local storage path. */
        if (store == NULL)
            return pr_error_set(err, PR_EINVAL, "the storage_key %.120s is "
                                "relative and no local storage path is set",
                                key);
        rc = add_confined(&l, cfg, store, key, what, err);
        if (rc == PR_OK)
            rc = read_any(ctx, out, where, wn, &l, what, err);
        cands_dispose(&l);
        pr_free(store);
        return rc;
    }
    if (key[0] == '/') {
        /* As written (normalized: Prefect wrote it resolved), then
         * remapped. */
        full = norm_abs(key);
        rc = cands_add(&l, full, NULL, err);
        for (i = 0; rc == PR_OK && full != NULL && i < cfg->nremap; i++) {
            rest = prefix_rest(full, cfg->remap_from[i]);
            if (rest != NULL)
                rc = cands_add(&l, concat(cfg->remap_to[i], rest), NULL,
                               err);
        }
    } else {
        /* Windows: a remap FROM may name the drive prefix. */
        for (i = 0; rc == PR_OK && i < cfg->nremap; i++) {
            size_t n = strlen(cfg->remap_from[i]), k;
            char *p;

            if (strncasecmp(key, cfg->remap_from[i], n) != 0 ||
                (key[n] != '\0' && key[n] != '\\' && key[n] != '/'))
                continue;
            p = concat(cfg->remap_to[i], key + n);
            if (p != NULL)
                for (k = strlen(cfg->remap_to[i]); p[k] != '\0'; k++)
                    if (p[k] == '\\')
                        p[k] = '/';
            rc = cands_add(&l, p, NULL, err);
        }
    }
    /* Its base name in this machine's default storage. */
    bn = base_name(key);
    if (rc == PR_OK && store != NULL && bn[0] != '\0' &&
        strcmp(bn, ".") != 0 && strcmp(bn, "..") != 0)
        rc = cands_add(&l, join(store, bn), concat(store, ""), err);
    if (rc == PR_OK && l.n == 0)
        rc = pr_error_set(err, PR_ENOTFOUND, "result file not found: "
                          "%.160s (%s, a Windows path)", key, what);
    if (rc == PR_OK)
        rc = read_any(ctx, out, where, wn, &l, what, err);
    cands_dispose(&l);
    pr_free(store);
    return rc;
}
