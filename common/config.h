/*
 * config.h - internal: the loaded configuration, as the resolution core
 * (client, REST source, HTTP layer, storage backends) reads it.  Front
 * ends see only the opaque pr_config of pr.h and pr_config_set().
 *
 * Every string is owned by the struct (pr_malloc), NULL when unset.
 * Paths are already expanded (~ and ~user).  Secrets (api_key,
 * auth_string, encryption_key, database_url, headers) are wiped before
 * they are freed.
 */
#ifndef PR_CONFIG_H
#define PR_CONFIG_H

#include "pr.h"

typedef enum pr_source_mode {
    PR_SOURCE_AUTO = 0,     /* the API when a URL is set, else database */
    PR_SOURCE_API,
    PR_SOURCE_DATABASE
} pr_source_mode;

/* Where a setting came from, for messages ("PREFECT_API_URL",
 * "PREFECT_API_URL in profile 'x'", "the api_url option"). */
#define PR_CONFIG_FROM_SIZE 96

/* AWS variables read from the environment when the configuration is
 * loaded, for the S3 backend's credential chain: indexes of aws_env. */
enum pr_aws_env {
    PR_AWS_ACCESS_KEY_ID,
    PR_AWS_SECRET_ACCESS_KEY,
    PR_AWS_SESSION_TOKEN,
    PR_AWS_REGION,
    PR_AWS_DEFAULT_REGION,
    PR_AWS_PROFILE,
    PR_AWS_DEFAULT_PROFILE,
    PR_AWS_SHARED_CREDENTIALS_FILE,
    PR_AWS_CONFIG_FILE,
    PR_AWS_ENDPOINT_URL_S3,
    PR_AWS_ENDPOINT_URL,
    PR_AWS_NENV
};
/* Their names ("AWS_ACCESS_KEY_ID", ...), in that order. */
extern const char *const pr_aws_env_names[PR_AWS_NENV];

/* Google variables for the GCS backend (as Google's clients read them):
 * indexes of gcp_env. */
enum pr_gcp_env {
    PR_GOOGLE_APPLICATION_CREDENTIALS,  /* a service account key file */
    PR_STORAGE_EMULATOR_HOST,           /* "host:port" or a URL */
    PR_GCP_NENV
};
extern const char *const pr_gcp_env_names[PR_GCP_NENV];

/* Azure variables for the Azure Blob backend (azure-identity's names):
 * indexes of azure_env. */
enum pr_azure_env {
    PR_AZURE_AUTHORITY_HOST,    /* the OAuth authority (tests, clouds) */
    PR_AZURE_CLIENT_ID,         /* a service principal, when the block */
    PR_AZURE_TENANT_ID,         /* ... has only an account_url */
    PR_AZURE_CLIENT_SECRET,
    PR_AZURE_NENV
};
extern const char *const pr_azure_env_names[PR_AZURE_NENV];

struct pr_config {
    char *api_url;          /* checked, trailing '/' removed */
    char api_url_from[PR_CONFIG_FROM_SIZE];
    char *api_key;          /* Bearer token */
    char *auth_string;      /* "user:pass" for Basic; wins over the key */
    char *user_home;        /* the user's home directory ($HOME) */
    char *home;             /* PREFECT_HOME */
    char *profiles_path;
    char *profile;          /* the selected profile, or NULL */
    char *local_storage;    /* default result storage basepath */
    int local_storage_set;  /* given (else $PREFECT_HOME/storage) */
    char **remap_from;      /* storage path prefixes written elsewhere */
    char **remap_to;        /* ... and where they are on this machine */
    size_t nremap;
    char *ca_file;          /* PREFECT_API_SSL_CERT_FILE / SSL_CERT_FILE */
    int insecure;           /* PREFECT_API_TLS_INSECURE_SKIP_VERIFY */
    char **headers;         /* "Name: value" lines sent to the API */
    size_t nheaders;
    long timeout_ms;        /* whole request */
    long connect_timeout_ms;
    int retries;            /* HTTP retries (429, 502-504, drops) */
    long retry_base_ms;     /* first backoff wait, doubled per retry */
    long retry_max_wait_ms; /* longest single wait (caps Retry-After) */
    int file_retries;       /* missing task result file: attempts - 1 */
    long file_retry_ms;     /* ... and the wait between attempts */
    pr_source_mode source;
    char *database;         /* path of a prefect.db (SQLite source) */
    char *database_url;     /* PREFECT_API_DATABASE_CONNECTION_URL */
    char *encryption_key;   /* PREFECT_SERVER_ENCRYPTION_KEY */
    char *aws_env[PR_AWS_NENV]; /* non-empty AWS_* values, all secret */
    char *gcp_env[PR_GCP_NENV]; /* non-empty Google variables */
    char *azure_env[PR_AZURE_NENV]; /* non-empty AZURE_*, all secret */
};

/* Defaults (milliseconds, counts). */
#define PR_CONFIG_TIMEOUT_MS 60000L
#define PR_CONFIG_CONNECT_TIMEOUT_MS 10000L
#define PR_CONFIG_RETRIES 5
#define PR_CONFIG_RETRY_BASE_MS 250L
#define PR_CONFIG_RETRY_MAX_WAIT_MS 30000L
#define PR_CONFIG_FILE_RETRIES 10
#define PR_CONFIG_FILE_RETRY_MS 250L

/* A deep copy (the client keeps its own).  PR_ENOMEM. */
pr_code pr_config_dup(pr_config **out, const pr_config *c, pr_error *err);

/*
 * Expands a leading "~" or "~user" as Python's os.path.expanduser does,
 * with `user_home` for a bare "~" (NULL: the password database).  Other
 * paths are copied.  *out is the caller's (pr_free).  PR_EINVAL for an
 * unknown user, PR_ENOMEM.
 */
pr_code pr_path_expand_user(char **out, const char *path,
                            const char *user_home, pr_error *err);

/*
 * Checks an API URL's shape: http(s), ending in /api (self-hosted) or
 * /api/accounts/<uuid>/workspaces/<uuid> (Prefect Cloud); trailing
 * slashes are dropped.  `from` names the setting for the message.
 * *out (pr_free) is the normalized URL.  PR_EINVAL, PR_ENOMEM.
 */
pr_code pr_config_check_api_url(char **out, const char *url,
                                const char *from, pr_error *err);

/* Wipes and frees a string that may hold a secret (NULL-safe). */
void pr_free_secret(char *s);

#endif /* PR_CONFIG_H */
