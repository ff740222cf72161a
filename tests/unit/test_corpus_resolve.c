/*
 * test_corpus_resolve.c - every case of the shared Prefect 2 and 3
 * corpora (real API replies and result files) resolved through
 * pr_client_result, with a source that serves the case's captured JSON
 * from disk and remaps from the original absolute storage paths to the
 * case directory; then compared with truth.json where that is exact.
 *
 * Corpora: $PR_SHARED_DIR/corpora, else ../shared/corpora from the
 * repository root.  Absent corpora are a visible SKIP.
 *
 * What "exact" means here: the plain-mode JSON equals truth's `json`
 * (Prefect 3: the serializer's own reading, `serializer_loads`, which is
 * right where Prefect's read path fails), with a few typed forms mapped
 * to plain JSON (NaN -> null, tuple -> array, set -> array in any order,
 * Decimal/UUID/date/fixed-offset datetime -> string, bytes -> base64,
 * ndarray -> nested arrays).  Exceptions: the output names the type.
 * Everything else (dataclasses, models, DataFrames) must decode but is
 * not compared.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "unit.h"
#include "pr.h"
#include "pr_source.h"
#include "jsontext.h"
#include "jsonw.h"

typedef struct corpus_src {
    char dir[PATH_MAX];
} corpus_src;

static int n_exact, n_decoded, n_expected_err, n_cases, n_skipped;

/* dst = a + b + c, cut to n bytes (no snprintf: paths are long). */
static void
cat3(char *dst, size_t n, const char *a, const char *b, const char *c)
{
    size_t o = 0;
    const char *parts[3];
    size_t i, k;

    parts[0] = a;
    parts[1] = b;
    parts[2] = c;
    for (i = 0; i < 3; i++)
        for (k = 0; parts[i][k] != '\0' && o + 1 < n; k++)
            dst[o++] = parts[i][k];
    dst[o] = '\0';
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)n + 1)) != NULL) {
        if (fread(p, 1, (size_t)n, f) != (size_t)n) {
            free(p);
            p = NULL;
        } else {
            p[n] = '\0';
            if (len != NULL)
                *len = (size_t)n;
        }
    }
    fclose(f);
    return p;
}

static cJSON *
load_json(const char *dir, const char *name)
{
    char path[PATH_MAX];
    char *t;
    cJSON *j;

    cat3(path, sizeof(path), dir, "/", name);
    t = slurp(path, NULL);
    if (t == NULL)
        return NULL;
    j = cJSON_Parse(t);
    free(t);
    return j;
}

static const char *
jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The source: state.json for the state's id; a run file's "state" for
 * the run's id; block_<id>.json for blocks. */
static pr_code
src_get_state(void *ctx, pr_buf *out, pr_id_kind *kind, const char *id,
              pr_error *err)
{
    static const char *const files[] = {
        "state.json", "flow_run.json", "task_run.json"
    };
    static const pr_id_kind kinds[] = {
        PR_ID_FLOW_RUN_STATE, PR_ID_FLOW_RUN, PR_ID_TASK_RUN
    };
    static const char *const want[] = { "id", "state" };
    corpus_src *s = ctx;
    char path[PATH_MAX];
    size_t i, len = 0;

    for (i = 0; i < 3; i++) {
        pr_json_span f[2];
        int is_obj = 0;
        char *t;
        pr_code rc;

        cat3(path, sizeof(path), s->dir, "/", files[i]);
        t = slurp(path, &len);
        if (t == NULL)
            continue;
        rc = pr_json_scan_keys(&is_obj, f, want, 2, t, len, 100, err);
        if (rc == PR_OK && f[0].p != NULL && f[0].n == strlen(id) + 2 &&
            memcmp(f[0].p + 1, id, strlen(id)) == 0) {
            *kind = kinds[i];
            if (i == 0)
                rc = pr_buf_append(out, t, len, err);
            else
                rc = pr_buf_append(out, f[1].p, f[1].n, err);
            free(t);
            return rc;
        }
        free(t);
    }
    return pr_error_set(err, PR_ENOTFOUND, "corpus: no file has id %s", id);
}

static pr_code
src_get_block(void *ctx, pr_buf *out, const char *id, pr_error *err)
{
    corpus_src *s = ctx;
    char path[PATH_MAX];
    size_t len = 0;
    char *t;
    pr_code rc;

    cat3(path, sizeof(path), s->dir, "/block_", id);
    cat3(path, sizeof(path), path, ".json", "");
    t = slurp(path, &len);
    if (t == NULL)
        return pr_error_set(err, PR_ENOTFOUND, "corpus: no block %s", id);
    rc = pr_buf_append(out, t, len, err);
    free(t);
    return rc;
}

static void
src_free(void *ctx)
{
    free(ctx);
}

static const pr_source_ops corpus_ops = {
    "corpus", src_get_state, src_get_block, src_free
};

/* Only HOME and PREFECT_HOME, both somewhere that does not exist, so
 * no profile of this machine leaks in. */
static const char *
no_env(const char *name, void *arg)
{
    (void)arg;
    if (strcmp(name, "HOME") == 0)
        return "/nonexistent/corpus-home";
    if (strcmp(name, "PREFECT_HOME") == 0)
        return "/nonexistent/corpus-home/.prefect";
    return NULL;
}

/* ------------------------------------------------------- comparison */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static cJSON *
bytes_hex_to_b64(const char *hex)
{
    size_t n = strlen(hex) / 2, i, o = 0;
    unsigned char *raw = malloc(n + 1);
    char *s = malloc(n / 3 * 4 + 8);
    cJSON *obj, *str;

    for (i = 0; i < n; i++) {
        unsigned v;

        sscanf(hex + 2 * i, "%2x", &v);
        raw[i] = (unsigned char)v;
    }
    for (i = 0; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 |
                     raw[i + 2];

        s[o++] = b64[v >> 18];
        s[o++] = b64[(v >> 12) & 63];
        s[o++] = b64[(v >> 6) & 63];
        s[o++] = b64[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)raw[i] << 16;

        s[o++] = b64[v >> 18];
        s[o++] = b64[(v >> 12) & 63];
        s[o++] = '=';
        s[o++] = '=';
    } else if (n - i == 2) {
        unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8;

        s[o++] = b64[v >> 18];
        s[o++] = b64[(v >> 12) & 63];
        s[o++] = b64[(v >> 6) & 63];
        s[o++] = '=';
    }
    s[o] = '\0';
    obj = cJSON_CreateObject();
    str = cJSON_CreateString(s);
    cJSON_AddItemToObject(obj, "__bytes__", str);
    free(raw);
    free(s);
    return obj;
}

/*
 * The plain form a typed truth value should have, or NULL when the
 * mapping is not exact (*why names it).  Sets become
 * {"__unordered__": [...]}, matched in any order.
 */
static cJSON *
plain_of(const cJSON *t, const char **why)
{
    cJSON *r, *c;
    const cJSON *e;

    if (cJSON_IsArray(t)) {
        r = cJSON_CreateArray();
        cJSON_ArrayForEach(e, t) {
            c = plain_of(e, why);
            if (c == NULL) {
                cJSON_Delete(r);
                return NULL;
            }
            cJSON_AddItemToArray(r, c);
        }
        return r;
    }
    if (!cJSON_IsObject(t))
        return cJSON_Duplicate(t, 1);
    if ((e = cJSON_GetObjectItemCaseSensitive(t, "__float__")) != NULL)
        return cJSON_CreateNull();
    if ((e = cJSON_GetObjectItemCaseSensitive(t, "__tuple__")) != NULL)
        return plain_of(e, why);
    if ((e = cJSON_GetObjectItemCaseSensitive(t, "__set__")) != NULL) {
        c = plain_of(e, why);
        if (c == NULL)
            return NULL;
        r = cJSON_CreateObject();
        cJSON_AddItemToObject(r, "__unordered__", c);
        return r;
    }
    if ((e = cJSON_GetObjectItemCaseSensitive(t, "__decimal__")) != NULL ||
        (e = cJSON_GetObjectItemCaseSensitive(t, "__uuid__")) != NULL ||
        (e = cJSON_GetObjectItemCaseSensitive(t, "__date__")) != NULL)
        return cJSON_Duplicate(e, 1);
    if ((e = cJSON_GetObjectItemCaseSensitive(t, "__bytes_hex__")) != NULL)
        return bytes_hex_to_b64(e->valuestring);
    if ((e = cJSON_GetObjectItemCaseSensitive(t, "__datetime__")) != NULL) {
        const cJSON *tz = cJSON_GetObjectItemCaseSensitive(t, "tzinfo");
        const char *key = jstr(tz, "key");

        if (cJSON_IsNull(tz) || (tz != NULL && key == NULL))
            return cJSON_Duplicate(e, 1);
        *why = "named time zone";
        return NULL;
    }
    if ((e = cJSON_GetObjectItemCaseSensitive(t, "__ndarray__")) != NULL) {
        const char *dt = jstr(e, "dtype");

        if (dt != NULL && (strncmp(dt, "float", 5) == 0 ||
                           strncmp(dt, "int", 3) == 0 ||
                           strcmp(dt, "datetime64[D]") == 0))
            return plain_of(cJSON_GetObjectItemCaseSensitive(e, "values"),
                            why);
        *why = "ndarray dtype";
        return NULL;
    }
    if (t->child != NULL && t->child->string != NULL &&
        strncmp(t->child->string, "__", 2) == 0) {
        *why = t->child->string;
        return NULL;
    }
    r = cJSON_CreateObject();
    cJSON_ArrayForEach(e, t) {
        c = plain_of(e, why);
        if (c == NULL) {
            cJSON_Delete(r);
            return NULL;
        }
        cJSON_AddItemToObject(r, e->string, c);
    }
    return r;
}

static int
match(const cJSON *exp, const cJSON *got)
{
    const cJSON *u, *e, *g;

    if (cJSON_IsObject(exp) &&
        (u = cJSON_GetObjectItemCaseSensitive(exp, "__unordered__")) != NULL) {
        int n = cJSON_GetArraySize(u), i, j;
        char used[256];

        if (!cJSON_IsArray(got) || cJSON_GetArraySize(got) != n || n > 256)
            return 0;
        memset(used, 0, sizeof(used));
        for (i = 0; i < n; i++) {
            e = cJSON_GetArrayItem(u, i);
            for (j = 0; j < n; j++)
                if (!used[j] && match(e, cJSON_GetArrayItem(got, j))) {
                    used[j] = 1;
                    break;
                }
            if (j == n)
                return 0;
        }
        return 1;
    }
    if (cJSON_IsNumber(exp))
        return cJSON_IsNumber(got) && exp->valuedouble == got->valuedouble;
    if (cJSON_IsArray(exp)) {
        if (!cJSON_IsArray(got) ||
            cJSON_GetArraySize(exp) != cJSON_GetArraySize(got))
            return 0;
        for (e = exp->child, g = got->child; e != NULL;
             e = e->next, g = g->next)
            if (!match(e, g))
                return 0;
        return 1;
    }
    if (cJSON_IsObject(exp)) {
        if (!cJSON_IsObject(got) ||
            cJSON_GetArraySize(exp) != cJSON_GetArraySize(got))
            return 0;
        cJSON_ArrayForEach(e, exp) {
            g = cJSON_GetObjectItemCaseSensitive(got, e->string);
            if (g == NULL || !match(e, g))
                return 0;
        }
        return 1;
    }
    return cJSON_Compare(exp, got, 1);
}

/* ----------------------------------------------------------- a case */

static void
add_remap(pr_config *cfg, const char *from, const char *to)
{
    char spec[2 * PATH_MAX + 2];
    pr_error err;

    if (from == NULL)
        return;
    cat3(spec, sizeof(spec), from, "=", to);
    CHECK(pr_config_set(cfg, "remap", spec, &err) == PR_OK);
}

static void
fail_case(const char *name, const char *why, const pr_buf *out,
          const pr_error *err)
{
    fprintf(stderr, "FAIL %s: %s\n  got: %.300s\n  err: (%s) %s | %s\n",
            name, why, out->data ? out->data : "(none)",
            pr_code_name(err->code), err->msg, err->hint);
    unit_case_failed = 1;
}

static void
run_case(const char *root, const char *name, int v3)
{
    pr_decode_opts opts = PR_DECODE_OPTS_INIT;
    char dir[PATH_MAX];
    cJSON *truth, *expect_src, *exc, *plain = NULL, *got = NULL;
    const char *why = NULL, *state_id, *run_file;
    pr_config *cfg = NULL;
    pr_client *cli = NULL;
    pr_result_info info;
    corpus_src *src;
    pr_error err;
    pr_buf out;
    pr_code rc;

    unit_case = name;
    unit_case_failed = 0;
    n_cases++;
    cat3(dir, sizeof(dir), root, "/cases/", name);
    truth = load_json(dir, "truth.json");
    if (truth == NULL) {
        fprintf(stderr, "FAIL %s: no truth.json\n", name);
        unit_failed++;
        return;
    }
    state_id = jstr(truth, "state_id");

    CHECK(pr_config_load(&cfg, no_env, NULL, &err) == PR_OK);
    CHECK(pr_config_set(cfg, "local_storage", "/nonexistent/storage",
                        &err) == PR_OK);
    CHECK(pr_config_set(cfg, "file_retries", "1", &err) == PR_OK);
    CHECK(pr_config_set(cfg, "file_retry_ms", "1", &err) == PR_OK);
    add_remap(cfg, jstr(truth, "block_basepath"), dir);
    if (v3)
        add_remap(cfg, jstr(truth, "default_storage_basepath"), dir);
    CHECK(pr_client_new(&cli, cfg, &err) == PR_OK);
    src = malloc(sizeof(*src));
    cat3(src->dir, sizeof(src->dir), dir, "", "");
    pr_client_set_source(cli, &corpus_ops, src);

    pr_buf_init(&out, 0);
    rc = pr_client_result(cli, &out, &info, state_id, &opts, &err);
    if (getenv("PR_CORPUS_VERBOSE") != NULL)
        printf("%s: %s %.200s | %s\n", name, pr_code_name(rc),
               rc == PR_OK ? out.data : err.msg, info.location);

    /* What the bytes mean: Prefect 3's serializer reading when its own
     * read path failed, else the fresh read. */
    expect_src = truth;
    if (v3 && cJSON_IsObject(cJSON_GetObjectItem(truth, "serializer_loads")))
        expect_src = cJSON_GetObjectItem(truth, "serializer_loads");
    exc = cJSON_GetObjectItem(expect_src, "exception");

    if (v3 && strstr(name, "nocache") != NULL) {
        if (rc == PR_ENOTFOUND && strstr(err.msg, "not found") != NULL)
            n_expected_err++;
        else
            fail_case(name, "want PR_ENOTFOUND for a file never written",
                      &out, &err);
    } else if (v3 && strstr(name, "not_persisted") != NULL) {
        if (rc == PR_OK && !info.has_value && strcmp(out.data, "null") == 0)
            n_expected_err++;
        else
            fail_case(name, "want null with has_value 0", &out, &err);
    } else if (rc != PR_OK) {
        fail_case(name, "did not resolve", &out, &err);
    } else if (strcmp(jstr(truth, "state_type"), "FAILED") == 0) {
        const char *type = jstr(cJSON_GetObjectItem(truth, "exception"),
                                "type");

        if (!info.failed || type == NULL || strstr(out.data, type) == NULL)
            fail_case(name, "want the persisted exception, failed=1", &out,
                      &err);
        else
            n_exact++;
    } else if (cJSON_IsTrue(cJSON_GetObjectItem(expect_src, "json_able"))) {
        got = cJSON_Parse(out.data);
        if (got == NULL ||
            !match(cJSON_GetObjectItem(expect_src, "json"), got))
            fail_case(name, "value differs from truth json", &out, &err);
        else
            n_exact++;
    } else if (cJSON_IsObject(exc)) {
        /* The serializer itself could not load it (a __main__ class):
         * decoding is all we can ask. */
        n_decoded++;
    } else if (v3 && (plain = plain_of(cJSON_GetObjectItem(expect_src,
                                                           "json_typed"),
                                       &why)) != NULL) {
        got = cJSON_Parse(out.data);
        if (got == NULL || !match(plain, got))
            fail_case(name, "value differs from truth json_typed", &out,
                      &err);
        else
            n_exact++;
    } else {
        n_decoded++;
    }
    CHECK(rc != PR_OK || info.has_value || strstr(name, "not_persisted"));

    /* The same through the run object, where there is one. */
    run_file = strstr(name, "-task-") != NULL ? "task_run.json"
                                              : "flow_run.json";
    if (rc == PR_OK) {
        char path[PATH_MAX];
        size_t len = 0;
        char *run;
        pr_buf out2;
        pr_result_info info2;

        cat3(path, sizeof(path), dir, "/", run_file);
        run = slurp(path, &len);
        if (run != NULL) {
            pr_buf_init(&out2, 0);
            rc = pr_client_resolve(cli, &out2, &info2, run, len, &opts,
                                   &err);
            CHECK(rc == PR_OK);
            if (rc == PR_OK)
                CHECK_EQ_STR(out2.data, out.data);
            CHECK_EQ_INT(info2.failed, info.failed);
            pr_buf_dispose(&out2);
            free(run);
        }
    }

    cJSON_Delete(got);
    cJSON_Delete(plain);
    pr_buf_dispose(&out);
    pr_client_free(cli);
    pr_config_free(cfg);
    cJSON_Delete(truth);
    if (unit_case_failed)
        unit_failed++;
    else
        unit_passed++;
}

static void
run_corpus(const char *base, const char *which)
{
    char root[PATH_MAX];
    cJSON *cases, *c;
    int v3 = strcmp(which, "prefect3") == 0;
    int before_exact = n_exact, before_dec = n_decoded;
    int before_err = n_expected_err, before_cases = n_cases;
    int before_fail = unit_failed;

    cat3(root, sizeof(root), base, "/", which);
    cases = load_json(root, "cases.json");
    if (!cJSON_IsArray(cases)) {
        printf("SKIP corpus %s: no %s/cases.json\n", which, root);
        n_skipped++;
        cJSON_Delete(cases);
        return;
    }
    cJSON_ArrayForEach(c, cases) {
        const char *name = jstr(c, "case");

        if (name != NULL)
            run_case(root, name, v3);
    }
    printf("corpus %s: %d cases: %d exact, %d decoded (not comparable), "
           "%d expected errors, %d failed\n", which, n_cases - before_cases,
           n_exact - before_exact, n_decoded - before_dec,
           n_expected_err - before_err, unit_failed - before_fail);
    cJSON_Delete(cases);
}

int
main(void)
{
    const char *shared = getenv("PR_SHARED_DIR");
    char base[PATH_MAX];
    struct stat st;

    if (shared != NULL && shared[0] != '\0')
        cat3(base, sizeof(base), shared, "/corpora", "");
    else
        snprintf(base, sizeof(base), "../shared/corpora");
    if (stat(base, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("SKIP corpus: %s not found (set PR_SHARED_DIR)\n", base);
        n_skipped++;
    } else {
        run_corpus(base, "prefect2");
        run_corpus(base, "prefect3");
    }
    if (n_skipped == 0)
        return unit_done();
    printf("%d passed, %d failed, %d skipped\n", unit_passed, unit_failed,
           n_skipped);
    return unit_failed ? 1 : 0;
}
