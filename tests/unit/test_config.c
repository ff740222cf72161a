/*
 * test_config.c - pr_config: environment over profile, the TOML subset
 * (and its errors, with line numbers, never echoing a value), auth
 * settings, API URL shapes, paths and pr_config_set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "pr.h"
#include "alloc.h"
#include "config.h"

#define SECRET "pnu_TOPSECRETvalue"

typedef struct env_tab {
    const char *k[24];
    const char *v[24];
    int n;
} env_tab;

static const char *
tab_getenv(const char *name, void *arg)
{
    env_tab *t = arg;
    int i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->k[i], name) == 0)
            return t->v[i];
    return NULL;
}

static void
env_set(env_tab *t, const char *k, const char *v)
{
    t->k[t->n] = k;
    t->v[t->n] = v;
    t->n++;
}

static char tmpdir[64];
static char home[128];      /* PREFECT_HOME */
static char profiles[192];

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL)
        return;
    fputs(text, f);
    fclose(f);
}

/* A fresh environment: HOME and PREFECT_HOME in the temp dir. */
static void
base_env(env_tab *t)
{
    memset(t, 0, sizeof(*t));
    env_set(t, "HOME", tmpdir);
    env_set(t, "PREFECT_HOME", home);
}

static pr_code
load(pr_config **c, env_tab *t, pr_error *err)
{
    *c = NULL;
    pr_error_clear(err);
    return pr_config_load(c, tab_getenv, t, err);
}

static int
no_secret(const pr_error *err)
{
    return strstr(err->msg, SECRET) == NULL &&
           strstr(err->hint, SECRET) == NULL;
}

TEST(config_defaults_without_profiles_file)
{
    env_tab t;
    pr_config *c;
    pr_error err;
    char want[256];

    base_env(&t);
    unlink(profiles);
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c == NULL)
        return;
    CHECK(c->api_url == NULL);
    CHECK(c->api_key == NULL);
    CHECK(c->profile == NULL);
    CHECK_EQ_STR(c->home, home);
    snprintf(want, sizeof(want), "%s/storage", home);
    CHECK_EQ_STR(c->local_storage, want);
    snprintf(want, sizeof(want), "%s/profiles.toml", home);
    CHECK_EQ_STR(c->profiles_path, want);
    CHECK_EQ_INT(c->timeout_ms, PR_CONFIG_TIMEOUT_MS);
    CHECK_EQ_INT(c->retries, PR_CONFIG_RETRIES);
    CHECK_EQ_INT(c->file_retries, 10);
    CHECK_EQ_INT(c->file_retry_ms, 250);
    pr_config_free(c);
}

TEST(config_prefect_home_defaults_under_user_home)
{
    env_tab t;
    pr_config *c;
    pr_error err;
    char want[256];

    memset(&t, 0, sizeof(t));
    env_set(&t, "HOME", tmpdir);
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c == NULL)
        return;
    snprintf(want, sizeof(want), "%s/.prefect", tmpdir);
    CHECK_EQ_STR(c->home, want);
    snprintf(want, sizeof(want), "%s/.prefect/storage", tmpdir);
    CHECK_EQ_STR(c->local_storage, want);
    pr_config_free(c);
}

TEST(config_env_api_url_trailing_slash_dropped)
{
    env_tab t;
    pr_config *c;
    pr_error err;

    base_env(&t);
    env_set(&t, "PREFECT_API_URL", "http://127.0.0.1:4200/api/");
    env_set(&t, "PREFECT_API_KEY", SECRET);
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c == NULL)
        return;
    CHECK_EQ_STR(c->api_url, "http://127.0.0.1:4200/api");
    CHECK_EQ_STR(c->api_key, SECRET);
    CHECK_EQ_STR(c->api_url_from, "PREFECT_API_URL");
    pr_config_free(c);
}

static const char profile_text[] =
    "# Prefect profiles\n"
    "active = \"dev\"\n"
    "\n"
    "[profiles.dev]\n"
    "PREFECT_API_URL = \"http://dev.example:4200/api\"  # trailing comment\n"
    "PREFECT_API_KEY = '" SECRET "'\n"
    "PREFECT_API_TLS_INSECURE_SKIP_VERIFY = true\n"
    "PREFECT_CLIENT_MAX_RETRIES = 3\n"
    "PREFECT_API_REQUEST_TIMEOUT = 2.5\n"
    "\n"
    "[profiles.\"prod\"]\n"
    "\"PREFECT_API_URL\" = \"https://api.prefect.cloud/api/accounts/"
    "0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b/workspaces/"
    "1b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2c/\"\n"
    "PREFECT_API_AUTH_STRING = \"admin:p\\u00e4ss\\tword\"\n"
    "PREFECT_LOCAL_STORAGE_PATH = \"~/results\"\n"
    "OTHER_LIST = [1, \"two\", [3]]\n"
    "OTHER_TABLE = { a = 1 }\n"
    "\n"
    "[profiles.empty]\n"
    "\n"
    "[other]\n"
    "x = 1\n";

TEST(config_profile_active_is_used)
{
    env_tab t;
    pr_config *c;
    pr_error err;

    base_env(&t);
    write_file(profiles, profile_text);
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c == NULL) {
        fprintf(stderr, "  %s\n", err.msg);
        return;
    }
    CHECK_EQ_STR(c->profile, "dev");
    CHECK_EQ_STR(c->api_url, "http://dev.example:4200/api");
    CHECK_EQ_STR(c->api_key, SECRET);
    CHECK_EQ_INT(c->insecure, 1);
    CHECK_EQ_INT(c->retries, 3);
    CHECK_EQ_INT(c->timeout_ms, 2500);
    CHECK(strstr(c->api_url_from, "profile 'dev'") != NULL);
    pr_config_free(c);
}

TEST(config_environment_beats_profile)
{
    env_tab t;
    pr_config *c;
    pr_error err;

    base_env(&t);
    write_file(profiles, profile_text);
    env_set(&t, "PREFECT_API_URL", "http://env.example/api");
    env_set(&t, "PREFECT_API_TLS_INSECURE_SKIP_VERIFY", "false");
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c == NULL)
        return;
    CHECK_EQ_STR(c->api_url, "http://env.example/api");
    CHECK_EQ_STR(c->api_key, SECRET);       /* still from the profile */
    CHECK_EQ_INT(c->insecure, 0);
    pr_config_free(c);
}

TEST(config_empty_env_value_hides_profile_value)
{
    env_tab t;
    pr_config *c;
    pr_error err;

    base_env(&t);
    write_file(profiles, profile_text);
    env_set(&t, "PREFECT_API_KEY", "");
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c == NULL)
        return;
    CHECK(c->api_key == NULL);
    pr_config_free(c);
}

TEST(config_prefect_profile_selects_and_quoted_keys_work)
{
    env_tab t;
    pr_config *c;
    pr_error err;
    char want[256];

    base_env(&t);
    write_file(profiles, profile_text);
    env_set(&t, "PREFECT_PROFILE", "prod");
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c == NULL) {
        fprintf(stderr, "  %s\n", err.msg);
        return;
    }
    CHECK_EQ_STR(c->profile, "prod");
    CHECK_EQ_STR(c->api_url, "https://api.prefect.cloud/api/accounts/"
                 "0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b/workspaces/"
                 "1b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2c");
    CHECK(c->api_key == NULL);
    CHECK_EQ_STR(c->auth_string, "admin:p\xc3\xa4ss\tword");
    snprintf(want, sizeof(want), "%s/results", tmpdir);
    CHECK_EQ_STR(c->local_storage, want);
    CHECK_EQ_INT(c->insecure, 0);
    pr_config_free(c);
}

TEST(config_missing_profile_is_an_error)
{
    env_tab t;
    pr_config *c;
    pr_error err;

    base_env(&t);
    write_file(profiles, profile_text);
    env_set(&t, "PREFECT_PROFILE", "nope");
    CHECK_EQ_INT(load(&c, &t, &err), PR_EINVAL);
    CHECK(c == NULL);
    CHECK(strstr(err.msg, "'nope'") != NULL);
    CHECK(strstr(err.msg, "profiles.toml") != NULL);
}

TEST(config_empty_profile_table_counts_as_defined)
{
    env_tab t;
    pr_config *c;
    pr_error err;

    base_env(&t);
    write_file(profiles, profile_text);
    env_set(&t, "PREFECT_PROFILE", "empty");
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c == NULL)
        return;
    CHECK(c->api_url == NULL);
    CHECK_EQ_STR(c->profile, "empty");
    pr_config_free(c);
}

TEST(config_profiles_path_env_and_dotted_keys)
{
    env_tab t;
    pr_config *c;
    pr_error err;
    char path[256];

    snprintf(path, sizeof(path), "%s/other.toml", tmpdir);
    write_file(path,
               "profiles.x.PREFECT_API_URL = 'http://x.example/api'\n"
               "active = 'x'\r\n"
               "[profiles]\n"
               "x.PREFECT_HOME = \"~/phome\"\n");
    base_env(&t);
    t.n = 0;
    env_set(&t, "HOME", tmpdir);
    env_set(&t, "PREFECT_PROFILES_PATH", path);
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c == NULL) {
        fprintf(stderr, "  %s\n", err.msg);
        return;
    }
    CHECK_EQ_STR(c->api_url, "http://x.example/api");
    CHECK_EQ_STR(c->profiles_path, path);
    /* PREFECT_HOME from the profile moves the default storage. */
    snprintf(path, sizeof(path), "%s/phome/storage", tmpdir);
    CHECK_EQ_STR(c->local_storage, path);
    pr_config_free(c);
}

/* Loads `text` as the profiles file: the error, or PR_OK. */
static pr_code
load_text(const char *text, pr_error *err)
{
    env_tab t;
    pr_config *c;
    pr_code rc;

    base_env(&t);
    write_file(profiles, text);
    rc = load(&c, &t, err);
    pr_config_free(c);
    return rc;
}

TEST(toml_errors_have_line_numbers_and_no_values)
{
    static const struct {
        const char *text;
        const char *want;
    } bad[] = {
        { "a = 1\nb = \"" SECRET "\n", "line 2: unterminated string" },
        { "\n\nx \"" SECRET "\"\n", "line 3: expected '='" },
        { "[profiles.a]\nK = 1\nK = '" SECRET "'\n",
          "line 3: key defined twice" },
        { "[t]\n[t]\n", "line 2: table defined twice" },
        { "k = \"\"\"" SECRET "\"\"\"\n", "line 1: multi-line strings" },
        { "k = \"bad \\q " SECRET "\"\n", "line 1: unknown escape" },
        { "k = 1979-05-27\n", "line 1: unsupported value" },
        { "k = nan\n", "line 1: unsupported value" },
        { "[[arr]]\n", "line 1: arrays of tables" },
        { "k = '" SECRET "' junk\n", "line 1: unexpected text" },
        { "k = [1,\n2,\n", "unterminated array" },
        { "k = \"\\u12\"\n", "line 1: bad \\u escape" },
        { "k = \"\\ud800\"\n", "line 1: \\u escape is not" },
        { "[a\n", "line 1: expected ']'" },
        { "= 1\n", "line 1: expected a key" },
        { "a = [1,\n 2,\n 3]\nb = 'x' y\n", "line 4: unexpected text" },
        { "a = [\"\n\"]\n", "line 1: unterminated string" },
    };
    size_t i;
    pr_error err;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pr_code rc = load_text(bad[i].text, &err);

        CHECK_EQ_INT(rc, PR_EINVAL);
        if (strstr(err.msg, bad[i].want) == NULL)
            fprintf(stderr, "  case %zu: %s\n", i, err.msg);
        CHECK(strstr(err.msg, bad[i].want) != NULL);
        CHECK(no_secret(&err));
        CHECK(strstr(err.msg, "profiles file") != NULL);
    }
}

TEST(toml_accepts_the_subset)
{
    pr_error err;

    CHECK_EQ_INT(load_text("", &err), PR_OK);
    CHECK_EQ_INT(load_text("\xEF\xBB\xBF# bom\n", &err), PR_OK);
    CHECK_EQ_INT(load_text("a = +1_000\nb = -2.5e3\nc = false\n"
                           "d = 'lit\\eral'\n \t# indented comment\n"
                           "e = \"\\U0001F680 \\\" \\\\ \\b\\f\\n\\r\"\n"
                           "[ profiles . 'a b' ]\nk = \"v\"\n",
                           &err), PR_OK);
    CHECK_EQ_INT(load_text("k = [ \"]\", '[', # c\n  3 ]\n"
                           "t = { x = \"}\" }\n", &err), PR_OK);
}

TEST(config_array_for_a_used_setting_is_refused)
{
    pr_error err;

    CHECK_EQ_INT(load_text("active = 'p'\n[profiles.p]\n"
                           "PREFECT_API_URL = ['" SECRET "']\n", &err),
                 PR_EINVAL);
    CHECK(strstr(err.msg, "PREFECT_API_URL in profile 'p'") != NULL);
    CHECK(no_secret(&err));
}

TEST(config_bad_values_are_named_not_echoed)
{
    env_tab t;
    pr_config *c;
    pr_error err;

    base_env(&t);
    unlink(profiles);
    env_set(&t, "PREFECT_API_TLS_INSECURE_SKIP_VERIFY", SECRET);
    CHECK_EQ_INT(load(&c, &t, &err), PR_EINVAL);
    CHECK(strstr(err.msg, "PREFECT_API_TLS_INSECURE_SKIP_VERIFY") != NULL);
    CHECK(no_secret(&err));

    base_env(&t);
    env_set(&t, "PREFECT_CLIENT_CUSTOM_HEADERS", "{" SECRET);
    CHECK_EQ_INT(load(&c, &t, &err), PR_EINVAL);
    CHECK(strstr(err.msg, "PREFECT_CLIENT_CUSTOM_HEADERS") != NULL);
    CHECK(no_secret(&err));

    base_env(&t);
    env_set(&t, "PREFECT_CLIENT_CUSTOM_HEADERS", "{\"X-A\": 1}");
    CHECK_EQ_INT(load(&c, &t, &err), PR_EINVAL);

    base_env(&t);
    env_set(&t, "PREFECT_CLIENT_CUSTOM_HEADERS",
            "{\"X-A\": \"" SECRET "\\r\\nEvil: 1\"}");
    CHECK_EQ_INT(load(&c, &t, &err), PR_EINVAL);
    CHECK(no_secret(&err));

    base_env(&t);
    env_set(&t, "PREFECT_API_REQUEST_TIMEOUT", "soon");
    CHECK_EQ_INT(load(&c, &t, &err), PR_EINVAL);
}

TEST(config_custom_headers_and_tls)
{
    env_tab t;
    pr_config *c;
    pr_error err;

    base_env(&t);
    unlink(profiles);
    env_set(&t, "PREFECT_CLIENT_CUSTOM_HEADERS",
            "{\"X-Team\": \"data\", \"X-Token\": \"" SECRET "\"}");
    env_set(&t, "SSL_CERT_FILE", "/etc/ssl/fallback.pem");
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c == NULL)
        return;
    CHECK_EQ_INT(c->nheaders, 2);
    if (c->nheaders == 2) {
        CHECK_EQ_STR(c->headers[0], "X-Team: data");
        CHECK_EQ_STR(c->headers[1], "X-Token: " SECRET);
    }
    CHECK_EQ_STR(c->ca_file, "/etc/ssl/fallback.pem");
    /* "headers" = "" drops them (prefect-curl, for a URL's own API);
     * anything else is refused without echoing it. */
    CHECK_EQ_INT(pr_config_set(c, "headers", "", &err), PR_OK);
    CHECK_EQ_INT(c->nheaders, 0);
    CHECK_EQ_INT(pr_config_set(c, "header", "X-Trace: t1", &err), PR_OK);
    CHECK_EQ_INT(c->nheaders, 1);
    CHECK_EQ_INT(pr_config_set(c, "headers", SECRET, &err), PR_EINVAL);
    CHECK(no_secret(&err));
    pr_config_free(c);

    env_set(&t, "PREFECT_API_SSL_CERT_FILE", "~/ca.pem");
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c == NULL)
        return;
    CHECK(c->ca_file != NULL && strncmp(c->ca_file, tmpdir,
                                        strlen(tmpdir)) == 0);
    CHECK(c->ca_file != NULL && strstr(c->ca_file, "/ca.pem") != NULL);
    pr_config_free(c);
}

TEST(config_auth_string_and_key_both_kept)
{
    env_tab t;
    pr_config *c;
    pr_error err;

    base_env(&t);
    unlink(profiles);
    env_set(&t, "PREFECT_API_KEY", SECRET);
    env_set(&t, "PREFECT_API_AUTH_STRING", "admin:pass");
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c == NULL)
        return;
    /* api.c sends Basic when auth_string is set (test_http checks it). */
    CHECK_EQ_STR(c->auth_string, "admin:pass");
    CHECK_EQ_STR(c->api_key, SECRET);
    pr_config_free(c);
}

TEST(config_storage_path_names_and_precedence)
{
    env_tab t;
    pr_config *c;
    pr_error err;

    base_env(&t);
    unlink(profiles);
    env_set(&t, "PREFECT_LOCAL_STORAGE_PATH", "/old/name");
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c != NULL)
        CHECK_EQ_STR(c->local_storage, "/old/name");
    pr_config_free(c);
    env_set(&t, "PREFECT_RESULTS_LOCAL_STORAGE_PATH", "/new/name");
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c != NULL)
        CHECK_EQ_STR(c->local_storage, "/new/name");
    pr_config_free(c);
}

TEST(config_database_settings_kept_for_later)
{
    env_tab t;
    pr_config *c;
    pr_error err;

    base_env(&t);
    unlink(profiles);
    env_set(&t, "PREFECT_API_DATABASE_CONNECTION_URL",
            "sqlite+aiosqlite:///x.db");
    env_set(&t, "PREFECT_SERVER_ENCRYPTION_KEY", SECRET);
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c == NULL)
        return;
    CHECK_EQ_STR(c->database_url, "sqlite+aiosqlite:///x.db");
    CHECK_EQ_STR(c->encryption_key, SECRET);
    pr_config_free(c);

    /* The pre-2.9 name, only when the current one is not set. */
    env_set(&t, "ORION_ENCRYPTION_KEY", "orion-key");
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c != NULL)
        CHECK_EQ_STR(c->encryption_key, SECRET);
    pr_config_free(c);
    base_env(&t);
    env_set(&t, "ORION_ENCRYPTION_KEY", "orion-key");
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c != NULL)
        CHECK_EQ_STR(c->encryption_key, "orion-key");
    pr_config_free(c);
}

TEST(config_api_url_shapes)
{
    static const char *const good[] = {
        "http://127.0.0.1:4200/api",
        "http://127.0.0.1:4200/api/",
        "https://prefect.example/base/path/api",
        "HTTPS://api.prefect.cloud/api/accounts/"
        "0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b/workspaces/"
        "1B5E8F7A-3C1D-4E2F-9A6B-7C8D9E0F1A2C/",
        "http://user:pw@host/api",
    };
    static const char *const bad[] = {
        "http://127.0.0.1:4200",
        "http://127.0.0.1:4200/",
        "http://host/api/v2",
        "ftp://host/api",
        "host:4200/api",
        "http:///api",
        "http://host/api?token=" SECRET,
        "https://api.prefect.cloud/api/accounts/abc/workspaces/def",
        "https://api.prefect.cloud/api/accounts/"
        "0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b/workspaces",
        "http://host /api",
        "",
    };
    size_t i;
    char *u;
    pr_error err;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        u = NULL;
        CHECK_EQ_INT(pr_config_check_api_url(&u, good[i], "X", &err),
                     PR_OK);
        CHECK(u != NULL && u[strlen(u) - 1] != '/');
        pr_free(u);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        u = NULL;
        CHECK_EQ_INT(pr_config_check_api_url(&u, bad[i], "X", &err),
                     PR_EINVAL);
        CHECK(u == NULL);
        CHECK(no_secret(&err));
        CHECK(strstr(err.hint, "/api") != NULL);
    }
    u = NULL;
    CHECK_EQ_INT(pr_config_check_api_url(&u, "http://bob:" SECRET
                                         "@host:4200/", "PREFECT_API_URL",
                                         &err), PR_EINVAL);
    CHECK(no_secret(&err));
    CHECK(strstr(err.msg, "http://host:4200/") != NULL);
}

TEST(config_set_overrides_and_validates)
{
    env_tab t;
    pr_config *c, *d = NULL;
    pr_error err;

    base_env(&t);
    unlink(profiles);
    CHECK_EQ_INT(load(&c, &t, &err), PR_OK);
    if (c == NULL)
        return;
    CHECK_EQ_INT(pr_config_set(c, "api_url", "http://h/api/", &err), PR_OK);
    CHECK_EQ_STR(c->api_url, "http://h/api");
    CHECK_EQ_INT(pr_config_set(c, "api_url", "http://h/", &err), PR_EINVAL);
    CHECK_EQ_STR(c->api_url, "http://h/api");
    CHECK_EQ_INT(pr_config_set(c, "api_key", SECRET, &err), PR_OK);
    CHECK_EQ_INT(pr_config_set(c, "auth_string", "u:p", &err), PR_OK);
    CHECK_EQ_INT(pr_config_set(c, "timeout_ms", SECRET, &err), PR_EINVAL);
    CHECK(no_secret(&err));
    CHECK_EQ_INT(pr_config_set(c, SECRET, "1", &err), PR_EINVAL);
    CHECK(strstr(err.msg, "unknown setting") != NULL);
    CHECK_EQ_INT(pr_config_set(c, "timeout_ms", "1500", &err), PR_OK);
    CHECK_EQ_INT(c->timeout_ms, 1500);
    CHECK_EQ_INT(pr_config_set(c, "connect_timeout_ms", "0", &err),
                 PR_EINVAL);
    CHECK_EQ_INT(pr_config_set(c, "retries", "2", &err), PR_OK);
    CHECK_EQ_INT(pr_config_set(c, "retries", "-1", &err), PR_EINVAL);
    CHECK_EQ_INT(pr_config_set(c, "insecure", "1", &err), PR_OK);
    CHECK_EQ_INT(c->insecure, 1);
    CHECK_EQ_INT(pr_config_set(c, "insecure", "maybe", &err), PR_EINVAL);
    CHECK_EQ_INT(pr_config_set(c, "source", "api", &err), PR_OK);
    CHECK_EQ_INT(c->source, PR_SOURCE_API);
    CHECK_EQ_INT(pr_config_set(c, "source", "x", &err), PR_EINVAL);
    CHECK_EQ_INT(pr_config_set(c, "remap", "/from/dir/=~/to/", &err),
                 PR_OK);
    CHECK_EQ_INT(pr_config_set(c, "remap", "nonsense", &err), PR_EINVAL);
    CHECK_EQ_INT(pr_config_set(c, "remap", "=x", &err), PR_EINVAL);
    CHECK_EQ_INT(c->nremap, 1);
    if (c->nremap == 1) {
        CHECK_EQ_STR(c->remap_from[0], "/from/dir");
        CHECK(strncmp(c->remap_to[0], tmpdir, strlen(tmpdir)) == 0);
        CHECK(c->remap_to[0][strlen(c->remap_to[0]) - 1] != '/');
    }
    CHECK_EQ_INT(pr_config_set(c, "header", "X-One: 1", &err), PR_OK);
    CHECK_EQ_INT(pr_config_set(c, "header", "bad header: 1", &err),
                 PR_EINVAL);
    CHECK_EQ_INT(pr_config_set(c, "header", "no colon", &err), PR_EINVAL);
    CHECK_EQ_INT(c->nheaders, 1);
    CHECK_EQ_INT(pr_config_set(c, "home", "/h2", &err), PR_OK);
    CHECK_EQ_STR(c->local_storage, "/h2/storage");
    CHECK_EQ_INT(pr_config_set(c, "local_storage", "/ls", &err), PR_OK);
    CHECK_EQ_INT(pr_config_set(c, "home", "/h3", &err), PR_OK);
    CHECK_EQ_STR(c->local_storage, "/ls");
    CHECK_EQ_INT(pr_config_set(c, "local_storage", "", &err), PR_OK);
    CHECK_EQ_STR(c->local_storage, "/h3/storage");
    CHECK_EQ_INT(pr_config_set(c, "database", "~/prefect.db", &err), PR_OK);
    CHECK_EQ_INT(pr_config_set(c, "encryption_key", SECRET, &err), PR_OK);
    CHECK_EQ_INT(pr_config_set(c, "file_retries", "3", &err), PR_OK);
    CHECK_EQ_INT(pr_config_set(c, "file_retry_ms", "5", &err), PR_OK);
    CHECK_EQ_INT(pr_config_set(NULL, "x", "y", &err), PR_EINVAL);

    CHECK_EQ_INT(pr_config_dup(&d, c, &err), PR_OK);
    pr_config_free(c);
    if (d == NULL)
        return;
    CHECK_EQ_STR(d->api_url, "http://h/api");
    CHECK_EQ_STR(d->api_key, SECRET);
    CHECK_EQ_INT(d->nremap, 1);
    CHECK_EQ_STR(d->headers[0], "X-One: 1");
    CHECK_EQ_INT(d->file_retries, 3);
    pr_config_free(d);
}

TEST(path_expand_user_forms)
{
    char *p = NULL;
    pr_error err;

    CHECK_EQ_INT(pr_path_expand_user(&p, "~", "/home/x", &err), PR_OK);
    CHECK_EQ_STR(p, "/home/x");
    pr_free(p);
    CHECK_EQ_INT(pr_path_expand_user(&p, "~/a/b", "/home/x/", &err), PR_OK);
    CHECK_EQ_STR(p, "/home/x/a/b");
    pr_free(p);
    CHECK_EQ_INT(pr_path_expand_user(&p, "~/a", "/", &err), PR_OK);
    CHECK_EQ_STR(p, "/a");
    pr_free(p);
    CHECK_EQ_INT(pr_path_expand_user(&p, "~root/r", NULL, &err), PR_OK);
    CHECK_EQ_STR(p, "/root/r");
    pr_free(p);
    CHECK_EQ_INT(pr_path_expand_user(&p, "a/~", NULL, &err), PR_OK);
    CHECK_EQ_STR(p, "a/~");
    pr_free(p);
    CHECK_EQ_INT(pr_path_expand_user(&p, "~no_such_user_here/x", NULL, &err),
                 PR_EINVAL);
}

TEST(config_load_survives_every_allocation_failure)
{
    env_tab t;
    pr_config *c;
    pr_error err;
    long n;
    int ok = 0;

    base_env(&t);
    write_file(profiles, profile_text);
    env_set(&t, "PREFECT_CLIENT_CUSTOM_HEADERS", "{\"X-A\": \"1\"}");
    for (n = 0; n < 400 && !ok; n++) {
        pr_code rc;

        pr_alloc_fail_after(n);
        rc = load(&c, &t, &err);
        pr_alloc_fail_after(-1);
        CHECK(rc == PR_OK || rc == PR_ENOMEM);
        if (rc == PR_OK) {
            pr_config *d = NULL;
            long m;

            ok = 1;
            for (m = 0; m < 60; m++) {
                pr_alloc_fail_after(m);
                rc = pr_config_dup(&d, c, &err);
                pr_alloc_fail_after(-1);
                CHECK(rc == PR_OK || rc == PR_ENOMEM);
                if (rc == PR_OK) {
                    pr_config_free(d);
                    break;
                }
            }
            pr_config_free(c);
        }
    }
    CHECK(ok);
}

static void
cleanup(void)
{
    char p[256];

    unlink(profiles);
    snprintf(p, sizeof(p), "%s/other.toml", tmpdir);
    unlink(p);
    rmdir(home);
    rmdir(tmpdir);
}

int
main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pr-config-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(home, sizeof(home), "%s/ph", tmpdir);
    mkdir(home, 0700);
    snprintf(profiles, sizeof(profiles), "%s/profiles.toml", home);

    RUN(config_defaults_without_profiles_file);
    RUN(config_prefect_home_defaults_under_user_home);
    RUN(config_env_api_url_trailing_slash_dropped);
    RUN(config_profile_active_is_used);
    RUN(config_environment_beats_profile);
    RUN(config_empty_env_value_hides_profile_value);
    RUN(config_prefect_profile_selects_and_quoted_keys_work);
    RUN(config_missing_profile_is_an_error);
    RUN(config_empty_profile_table_counts_as_defined);
    RUN(config_profiles_path_env_and_dotted_keys);
    RUN(toml_errors_have_line_numbers_and_no_values);
    RUN(toml_accepts_the_subset);
    RUN(config_array_for_a_used_setting_is_refused);
    RUN(config_bad_values_are_named_not_echoed);
    RUN(config_custom_headers_and_tls);
    RUN(config_auth_string_and_key_both_kept);
    RUN(config_storage_path_names_and_precedence);
    RUN(config_database_settings_kept_for_later);
    RUN(config_api_url_shapes);
    RUN(config_set_overrides_and_validates);
    RUN(path_expand_user_forms);
    RUN(config_load_survives_every_allocation_failure);
    cleanup();
    return unit_done();
}
