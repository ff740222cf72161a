/*
 * args.h - prefect-curl's command line: curl's options (same names, same
 * meanings, same parsing rules) plus options of our own whose names curl
 * does not use.  Nothing here touches libcurl.
 */
#ifndef PCURL_ARGS_H
#define PCURL_ARGS_H

#include <stddef.h>

#include "pr.h"

/*
 * The key under which a state's original "data" (the reference to its
 * result) is kept when "data" is replaced by the value.  Prefect's
 * models are pydantic models, whose fields never start with "_", so no
 * Prefect field can ever have this name.
 */
#define PCURL_REF_KEY "_data_reference"

/* What to do with a body that may be a Prefect result. */
typedef enum pcurl_decode_mode {
    PCURL_DECODE_AUTO = 0,  /* decode results, pass anything else through */
    PCURL_DECODE_ALWAYS,    /* --decode: anything else is an error (110) */
    PCURL_DECODE_NEVER      /* --raw-body: always pass the body through */
} pcurl_decode_mode;

/* What is printed for a body that holds results. */
typedef enum pcurl_print_mode {
    PCURL_PRINT_DOCUMENT = 0, /* the JSON, each state's data resolved */
    PCURL_PRINT_RESULT,       /* --result: values only, strings raw */
    PCURL_PRINT_RESULT_JSON   /* --result-json: values only, as JSON */
} pcurl_print_mode;

/* One URL (or bare id) from the command line and the -o that goes with
 * it. */
typedef struct pcurl_target {
    const char *url;        /* borrowed from argv */
    const char *output;     /* borrowed from argv; NULL or "-": stdout */
    int is_id;              /* a bare Prefect id, not a URL */
} pcurl_target;

typedef struct pcurl_args {
    /* curl's options */
    int silent;             /* -s */
    int show_error;         /* -S */
    int fail;               /* -f */
    int fail_with_body;     /* --fail-with-body */
    int location;           /* -L */
    int verbose;            /* -v */
    int insecure;           /* -k */
    int compressed;         /* --compressed */
    int include;            /* -i */
    int get;                /* -G: data goes into the URL's query */
    int progress_bar;       /* -# */
    int no_meter;           /* --no-progress-meter */
    long max_time_ms;       /* -m, 0: none */
    long connect_timeout_ms;/* --connect-timeout, 0: libcurl's default */
    long retry;             /* --retry: further attempts */
    int retry_set;          /* --retry was given */
    long retry_delay_ms;    /* --retry-delay, 0: curl's backoff */
    long retry_max_time_ms; /* --retry-max-time, 0: no limit */
    long parallel_max;      /* --parallel-max: states resolved at once,
                             * 0: PR_BATCH_PARALLEL */
    int retry_connrefused;  /* --retry-connrefused */
    int retry_all_errors;   /* --retry-all-errors */
    const char *cacert;     /* --cacert, borrowed */
    const char *user_agent; /* -A, borrowed; NULL: ours */
    char *user;             /* -u, owned copy (argv is blanked) */
    char *oauth2_bearer;    /* --oauth2-bearer, owned (argv blanked) */
    const char *request;    /* -X, borrowed */
    char *data;             /* -d and friends, owned, joined; NULL: none */
    size_t data_len;
    int json;               /* --json given: send its two headers */
    char **headers;         /* -H, owned copies, in order */
    size_t nheaders;
    char *write_out;        /* -w format, owned; NULL: none */
    pcurl_target *targets;  /* URLs in order, each with its -o */
    size_t ntargets;
    int help;               /* -h: print help and stop */
    int version;            /* -V: print version and stop */

    /* ours */
    pcurl_decode_mode decode;
    pcurl_print_mode print;  /* --result, --result-json */
    int allow_failed;        /* --allow-failed */
    const char **remaps;     /* --remap-storage FROM=TO, borrowed */
    size_t nremaps;
    pr_decode_opts opts;    /* --typed, --nan-as, --py2-str, --limit-* */
} pcurl_args;

/*
 * pcurl_args_parse - parse argv as curl does.  argv entries that hold a
 * secret (-u, --oauth2-bearer, the value of a credential header) are
 * overwritten so that `ps` no longer shows it.  Returns 0 on success, 2
 * (after printing curl's style of message to stderr, whatever -s says)
 * on a usage error, 27 when out of memory.  On success *a must be
 * released with pcurl_args_dispose.
 */
int pcurl_args_parse(pcurl_args *a, int argc, char **argv);

/* Frees what pcurl_args_parse allocated, wiping the secrets first. */
void pcurl_args_dispose(pcurl_args *a);

/* Prints --help (curl's options and ours apart, then exit codes). */
void pcurl_args_help(void);

/* Prints curl's "try --help" line after a usage error. */
void pcurl_args_usage_hint(void);

/* Wipes a secret string, then frees it (NULL-safe). */
void pcurl_wipe_free(char *s);

/* True when s is a Prefect id (a UUID, with or without dashes). */
int pcurl_is_id(const char *s);

#endif /* PCURL_ARGS_H */
