/*
 * test_storage_local.c - result files on this machine: local-file-system
 * blocks kept inside their basepath (lexically and through symlinks),
 * 3.x keys without a block, remaps, the base-name fallback, the
 * missing-file retry, size caps and refusals.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "pr.h"
#include "alloc.h"
#include "config.h"
#include "storage.h"

static char tmp[64];
static char cwd_before[1024];

static void
path(char *dst, size_t n, const char *rel)
{
    snprintf(dst, n, "%s/%s", tmp, rel);
}

static void
put(const char *rel, const char *text)
{
    char p[512];
    FILE *f;

    path(p, sizeof(p), rel);
    f = fopen(p, "w");
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static void
mk(const char *rel)
{
    char p[512];

    path(p, sizeof(p), rel);
    mkdir(p, 0700);
}

static const char *
no_env(const char *name, void *arg)
{
    (void)arg;
    if (strcmp(name, "HOME") == 0)
        return tmp;
    return NULL;
}

static pr_config *
new_cfg(void)
{
    pr_config *c = NULL;
    pr_error err;
    char p[512];

    pr_config_load(&c, no_env, NULL, &err);
    path(p, sizeof(p), "storage");
    pr_config_set(c, "local_storage", p, &err);
    pr_config_set(c, "file_retries", "0", &err);
    return c;
}

static void
ctx_init(pr_storage_ctx *sc, const pr_config *c)
{
    memset(sc, 0, sizeof(*sc));
    sc->cfg = c;
    sc->max_input = 1 << 20;
}

static char block_json[1024];

static const char *
block_with(const char *basepath_json)
{
    snprintf(block_json, sizeof(block_json),
             "{\"id\":\"b\",\"name\":\"n\",\"data\":{\"basepath\":%s},"
             "\"block_type\":{\"slug\":\"local-file-system\"}}",
             basepath_json);
    return block_json;
}

static const char *
block_at(const char *rel)
{
    char q[600];

    snprintf(q, sizeof(q), "\"%s/%s\"", tmp, rel);
    return block_with(q);
}

/* Reads key through the block (or NULL: no block). */
static pr_code
fetch(const pr_storage_ctx *sc, const char *block, const char *key,
      pr_buf *out, char *where, pr_error *err)
{
    pr_error_clear(err);
    pr_buf_dispose(out);
    pr_buf_init(out, 0);
    return pr_storage_fetch(sc, out, where, 512, block,
                            block ? strlen(block) : 0, "1a2b", key, err);
}

TEST(block_reads_keys_under_basepath)
{
    pr_config *c = new_cfg();
    pr_storage_ctx sc;
    pr_buf out;
    pr_error err;
    char where[512], want[512];

    ctx_init(&sc, c);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(fetch(&sc, block_at("base"), "k1", &out, where, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "one");
    path(want, sizeof(want), "base/k1");
    CHECK_EQ_STR(where, want);
    CHECK_EQ_INT(fetch(&sc, block_at("base/"), "sub/k2", &out, where, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "two");
    CHECK_EQ_INT(fetch(&sc, block_at("base"), "sub/../k1", &out, where,
                       &err), PR_OK);
    CHECK_EQ_STR(out.data, "one");
    CHECK_EQ_INT(fetch(&sc, block_at("base"), "./sub//k2", &out, where,
                       &err), PR_OK);
    /* An absolute key inside the basepath is allowed, as in Prefect. */
    CHECK_EQ_INT(fetch(&sc, block_at("base"), want, &out, where, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "one");
    /* file:// and ~ in the basepath. */
    {
        char q[600];

        snprintf(q, sizeof(q), "\"file://%s/base\"", tmp);
        CHECK_EQ_INT(fetch(&sc, block_with(q), "k1", &out, where, &err),
                     PR_OK);
        CHECK_EQ_INT(fetch(&sc, block_with("\"~/base\""), "k1", &out, where,
                           &err), PR_OK);
        CHECK_EQ_STR(out.data, "one");
    }
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(block_null_basepath_is_the_current_directory)
{
    pr_config *c = new_cfg();
    pr_storage_ctx sc;
    pr_buf out;
    pr_error err;
    char where[512], dir[512];

    ctx_init(&sc, c);
    pr_buf_init(&out, 0);
    path(dir, sizeof(dir), "base");
    CHECK(chdir(dir) == 0);
    CHECK_EQ_INT(fetch(&sc, block_with("null"), "k1", &out, where, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "one");
    CHECK(chdir(cwd_before) == 0);
    CHECK_EQ_INT(fetch(&sc, block_with("42"), "k1", &out, where, &err),
                 PR_EFORMAT);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(block_keys_that_climb_out_are_refused)
{
    static const char *const bad[] = {
        "../outside/secret", "sub/../../outside/secret", "..", ".", "",
        "/etc/passwd", "sub/../..//outside/secret",
    };
    pr_config *c = new_cfg();
    pr_storage_ctx sc;
    pr_buf out;
    pr_error err;
    char where[512];
    size_t i;

    ctx_init(&sc, c);
    pr_buf_init(&out, 0);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ_INT(fetch(&sc, block_at("base"), bad[i], &out, where, &err),
                     PR_EINVAL);
        CHECK(strstr(err.msg, "refusing storage key") != NULL);
        CHECK(out.len == 0);
    }
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(block_symlinks_that_lead_out_are_refused)
{
    pr_config *c = new_cfg();
    pr_storage_ctx sc;
    pr_buf out;
    pr_error err;
    char where[512];

    ctx_init(&sc, c);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(fetch(&sc, block_at("base"), "link_out", &out, where, &err),
                 PR_EINVAL);
    CHECK(strstr(err.msg, "symbolic link") != NULL);
    CHECK_EQ_INT(fetch(&sc, block_at("base"), "dirlink/secret", &out, where,
                       &err), PR_EINVAL);
    /* A link that stays inside is fine. */
    CHECK_EQ_INT(fetch(&sc, block_at("base"), "link_in", &out, where, &err),
                 PR_OK);
    CHECK_EQ_STR(out.data, "two");
    /* A basepath that is itself a link is resolved first. */
    CHECK_EQ_INT(fetch(&sc, block_at("baselink"), "k1", &out, where, &err),
                 PR_OK);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(block_basepath_is_remapped)
{
    pr_config *c = new_cfg();
    pr_storage_ctx sc;
    pr_buf out;
    pr_error err;
    char where[512], spec[512], want[512];

    snprintf(spec, sizeof(spec), "/orig/machine=%s", tmp);
    pr_config_set(c, "remap", spec, &err);
    ctx_init(&sc, c);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(fetch(&sc, block_with("\"/orig/machine/base\""), "sub/k2",
                       &out, where, &err), PR_OK);
    CHECK_EQ_STR(out.data, "two");
    path(want, sizeof(want), "base/sub/k2");
    CHECK_EQ_STR(where, want);
    /* Containment holds in the remapped place too. */
    CHECK_EQ_INT(fetch(&sc, block_with("\"/orig/machine/base\""),
                       "../outside/secret", &out, where, &err), PR_EINVAL);
    CHECK_EQ_INT(fetch(&sc, block_with("\"/orig/machine/base\""),
                       "link_out", &out, where, &err), PR_EINVAL);
    /* A prefix must end on a path component. */
    CHECK_EQ_INT(fetch(&sc, block_with("\"/orig/machinery/base\""), "k1",
                       &out, where, &err), PR_ENOTFOUND);
    CHECK(strstr(err.msg, "result file not found: /orig/machinery/base/k1")
          != NULL);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(no_block_absolute_key_remap_and_base_name_fallback)
{
    pr_config *c = new_cfg();
    pr_storage_ctx sc;
    pr_buf out;
    pr_error err;
    char where[512], key[512], spec[512], want[512];

    ctx_init(&sc, c);
    pr_buf_init(&out, 0);
    /* As written. */
    path(key, sizeof(key), "base/k1");
    CHECK_EQ_INT(fetch(&sc, NULL, key, &out, where, &err), PR_OK);
    CHECK_EQ_STR(out.data, "one");
    /* Written on another machine: the base name in our storage. */
    CHECK_EQ_INT(fetch(&sc, NULL, "/home/bob/.prefect/storage/fallback",
                       &out, where, &err), PR_OK);
    CHECK_EQ_STR(out.data, "fb");
    path(want, sizeof(want), "storage/fallback");
    CHECK_EQ_STR(where, want);
    /* A remap wins over the fallback. */
    snprintf(spec, sizeof(spec), "/home/bob/.prefect/storage=%s/remapped",
             tmp);
    pr_config_set(c, "remap", spec, &err);
    CHECK_EQ_INT(fetch(&sc, NULL, "/home/bob/.prefect/storage/x/fallback",
                       &out, where, &err), PR_OK);
    CHECK_EQ_STR(out.data, "remapped");
    /* Not anywhere. */
    CHECK_EQ_INT(fetch(&sc, NULL, "/home/bob/.prefect/storage/none", &out,
                       where, &err), PR_ENOTFOUND);
    CHECK(strstr(err.msg, "result file not found: /home/bob/.prefect/"
                 "storage/none (the state's storage_key)") != NULL);
    CHECK(strstr(err.hint, "remap") != NULL);
    CHECK(strstr(err.hint, "written on another machine") != NULL);
    /* A key ending in ".." has no base name to fall back on. */
    CHECK_EQ_INT(fetch(&sc, NULL, "/nonexistent/..", &out, where, &err),
                 PR_EIO);   /* "/" is a directory, not a file */
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(no_block_windows_key)
{
    pr_config *c = new_cfg();
    pr_storage_ctx sc;
    pr_buf out;
    pr_error err;
    char where[512], spec[512];

    ctx_init(&sc, c);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(fetch(&sc, NULL, "C:\\Users\\bob\\.prefect\\storage\\"
                       "fallback", &out, where, &err), PR_OK);
    CHECK_EQ_STR(out.data, "fb");
    snprintf(spec, sizeof(spec), "C:\\Users\\bob\\.prefect\\storage=%s/"
             "remapped", tmp);
    pr_config_set(c, "remap", spec, &err);
    CHECK_EQ_INT(fetch(&sc, NULL, "c:\\Users\\bob\\.prefect\\storage\\x\\"
                       "fallback", &out, where, &err), PR_OK);
    CHECK_EQ_STR(out.data, "remapped");
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(no_block_relative_key_stays_in_local_storage)
{
    pr_config *c = new_cfg();
    pr_storage_ctx sc;
    pr_buf out;
    pr_error err;
    char where[512];

    ctx_init(&sc, c);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(fetch(&sc, NULL, "fallback", &out, where, &err), PR_OK);
    CHECK_EQ_STR(out.data, "fb");
    CHECK_EQ_INT(fetch(&sc, NULL, "../base/k1", &out, where, &err),
                 PR_EINVAL);
    CHECK_EQ_INT(fetch(&sc, NULL, "", &out, where, &err), PR_EFORMAT);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

static long
ms_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long)(t1.tv_sec - t0->tv_sec) * 1000 +
           (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void *
write_late(void *arg)
{
    struct timespec d = { 0, 60 * 1000000L };

    char from[512], to[512];

    (void)arg;
    nanosleep(&d, NULL);
    /* Written whole, then renamed into place, as a store would. */
    put("storage/late.tmp", "late");
    path(from, sizeof(from), "storage/late.tmp");
    path(to, sizeof(to), "storage/late");
    rename(from, to);
    return NULL;
}

TEST(missing_task_file_is_retried)
{
    pr_config *c = new_cfg();
    pr_storage_ctx sc;
    pr_buf out;
    pr_error err;
    char where[512], key[512];
    struct timespec t0;
    pthread_t th;
    long ms;

    pr_config_set(c, "file_retries", "4", &err);
    pr_config_set(c, "file_retry_ms", "40", &err);
    ctx_init(&sc, c);
    pr_buf_init(&out, 0);
    path(key, sizeof(key), "storage/never");

    /* Flow results (and anything not marked) are not waited for. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(fetch(&sc, NULL, key, &out, where, &err), PR_ENOTFOUND);
    CHECK(ms_since(&t0) < 40);

    sc.retry_missing = 1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(fetch(&sc, NULL, key, &out, where, &err), PR_ENOTFOUND);
    ms = ms_since(&t0);
    CHECK(ms >= 150 && ms < 1000);
    CHECK(strstr(err.msg, "result file not found") != NULL);

    /* A file that shows up while we wait is read. */
    pr_config_set(c, "file_retries", "25", &err);
    path(key, sizeof(key), "storage/late");
    unlink(key);
    CHECK(pthread_create(&th, NULL, write_late, NULL) == 0);
    CHECK_EQ_INT(fetch(&sc, NULL, key, &out, where, &err), PR_OK);
    pthread_join(th, NULL);
    CHECK_EQ_STR(out.data, "late");
    pr_buf_dispose(&out);
    pr_config_free(c);
}

static int
cancel_now(void *arg)
{
    int *calls = arg;

    return ++*calls > 2;
}

TEST(missing_file_wait_can_be_canceled)
{
    pr_config *c = new_cfg();
    pr_storage_ctx sc;
    pr_buf out;
    pr_error err;
    char where[512];
    struct timespec t0;
    int calls = 0;

    pr_config_set(c, "file_retries", "10", &err);
    pr_config_set(c, "file_retry_ms", "1000", &err);
    ctx_init(&sc, c);
    sc.retry_missing = 1;
    sc.cancel = cancel_now;
    sc.cancel_arg = &calls;
    pr_buf_init(&out, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(fetch(&sc, NULL, "/nonexistent/x", &out, where, &err),
                 PR_ECANCELED);
    CHECK(ms_since(&t0) < 500);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(size_cap_is_checked_before_reading)
{
    pr_config *c = new_cfg();
    pr_storage_ctx sc;
    pr_buf out;
    pr_error err;
    char where[512];

    ctx_init(&sc, c);
    sc.max_input = 3;
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(fetch(&sc, block_at("base"), "big", &out, where, &err),
                 PR_ELIMIT);
    CHECK(strstr(err.msg, "max_input") != NULL);
    CHECK(out.len == 0);
    sc.max_input = 10;
    CHECK_EQ_INT(fetch(&sc, block_at("base"), "big", &out, where, &err),
                 PR_OK);
    CHECK_EQ_INT(out.len, 10);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(only_regular_files_are_read)
{
    pr_config *c = new_cfg();
    pr_storage_ctx sc;
    pr_buf out;
    pr_error err;
    char where[512], p[512];
    struct timespec t0;

    ctx_init(&sc, c);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(fetch(&sc, block_at("base"), "sub", &out, where, &err),
                 PR_EIO);
    CHECK(strstr(err.msg, "not a regular file") != NULL);
    path(p, sizeof(p), "base/fifo");
    CHECK(mkfifo(p, 0600) == 0 || errno == EEXIST);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(fetch(&sc, block_at("base"), "fifo", &out, where, &err),
                 PR_EIO);
    CHECK(ms_since(&t0) < 1000);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(block_types_and_documents)
{
    pr_config *c = new_cfg();
    pr_storage_ctx sc;
    pr_buf out;
    pr_error err;
    char where[512];

    ctx_init(&sc, c);
    pr_buf_init(&out, 0);
    CHECK_EQ_INT(fetch(&sc, "{\"data\":{\"share_path\":\"b\"},"
                       "\"block_type\":{\"slug\":\"smb\"}}", "k", &out,
                       where, &err), PR_EUNSUPPORTED);
    CHECK(strstr(err.msg, "storage block type 'smb' is not supported "
                 "yet") != NULL);
    CHECK_EQ_INT(fetch(&sc, "not json", "k", &out, where, &err), PR_EFORMAT);
    CHECK_EQ_INT(fetch(&sc, "{\"data\":{}}", "k", &out, where, &err),
                 PR_EFORMAT);
    CHECK(strstr(err.msg, "block_type.slug") != NULL);
    /* Older documents: a top-level block_type_slug. */
    snprintf(block_json, sizeof(block_json), "{\"data\":{\"basepath\":"
             "\"%s/base\"},\"block_type_slug\":\"local-file-system\"}", tmp);
    CHECK_EQ_INT(fetch(&sc, block_json, "k1", &out, where, &err), PR_OK);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

TEST(storage_survives_every_allocation_failure)
{
    pr_config *c = new_cfg();
    pr_storage_ctx sc;
    pr_buf out;
    pr_error err;
    char where[512], spec[512];
    long n;
    int ok = 0;

    snprintf(spec, sizeof(spec), "/orig=%s", tmp);
    pr_config_set(c, "remap", spec, &err);
    ctx_init(&sc, c);
    pr_buf_init(&out, 0);
    for (n = 0; n < 200 && !ok; n++) {
        pr_code rc;

        pr_alloc_fail_after(n);
        rc = fetch(&sc, block_with("\"/orig/base\""), "sub/k2", &out, where,
                   &err);
        pr_alloc_fail_after(-1);
        CHECK(rc == PR_OK || rc == PR_ENOMEM);
        ok = rc == PR_OK;
    }
    CHECK(ok);
    for (n = 0, ok = 0; n < 200 && !ok; n++) {
        pr_code rc;

        pr_alloc_fail_after(n);
        rc = fetch(&sc, NULL, "/home/bob/x/fallback", &out, where, &err);
        pr_alloc_fail_after(-1);
        CHECK(rc == PR_OK || rc == PR_ENOMEM);
        ok = rc == PR_OK;
    }
    CHECK(ok);
    pr_buf_dispose(&out);
    pr_config_free(c);
}

static void
setup(void)
{
    char a[512], b[512];

    mk("base");
    mk("base/sub");
    mk("outside");
    mk("storage");
    mk("remapped");
    mk("remapped/x");
    put("base/k1", "one");
    put("base/sub/k2", "two");
    put("base/big", "0123456789");
    put("outside/secret", "secret");
    put("storage/fallback", "fb");
    put("remapped/x/fallback", "remapped");
    path(a, sizeof(a), "outside/secret");
    path(b, sizeof(b), "base/link_out");
    CHECK(symlink(a, b) == 0);
    path(a, sizeof(a), "outside");
    path(b, sizeof(b), "base/dirlink");
    CHECK(symlink(a, b) == 0);
    path(b, sizeof(b), "base/link_in");
    CHECK(symlink("sub/k2", b) == 0);
    path(a, sizeof(a), "base");
    path(b, sizeof(b), "baselink");
    CHECK(symlink(a, b) == 0);
}

static void
cleanup(void)
{
    static const char *const files[] = {
        "base/k1", "base/sub/k2", "base/big", "base/link_out",
        "base/dirlink", "base/link_in", "base/fifo", "baselink",
        "outside/secret", "storage/fallback", "storage/late",
        "remapped/x/fallback", "remapped/x", "remapped", "storage",
        "outside", "base/sub", "base",
    };
    char p[512];
    size_t i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        path(p, sizeof(p), files[i]);
        if (unlink(p) != 0)
            rmdir(p);
    }
    rmdir(tmp);
}

int
main(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/pr-storage-XXXXXX");
    if (mkdtemp(tmp) == NULL || getcwd(cwd_before, sizeof(cwd_before)) ==
        NULL) {
        perror("setup");
        return 1;
    }
    unit_case = "setup";
    setup();
    RUN(block_reads_keys_under_basepath);
    RUN(block_null_basepath_is_the_current_directory);
    RUN(block_keys_that_climb_out_are_refused);
    RUN(block_symlinks_that_lead_out_are_refused);
    RUN(block_basepath_is_remapped);
    RUN(no_block_absolute_key_remap_and_base_name_fallback);
    RUN(no_block_windows_key);
    RUN(no_block_relative_key_stays_in_local_storage);
    RUN(missing_task_file_is_retried);
    RUN(missing_file_wait_can_be_canceled);
    RUN(size_cap_is_checked_before_reading);
    RUN(only_regular_files_are_read);
    RUN(block_types_and_documents);
    RUN(storage_survives_every_allocation_failure);
    cleanup();
    return unit_done();
}
