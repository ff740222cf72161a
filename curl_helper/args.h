/*
 * args.h - prefect-curl's command line: curl's options (same names, same
 * meanings, same parsing rules) plus options of our own whose names curl
 * does not use.  Nothing here touches libcurl.
 */
#ifndef PCURL_ARGS_H
#define PCURL_ARGS_H

#include <stddef.h>

#include "pr.h"

/* What to do with a body that may be a Prefect result. */
typedef enum pcurl_decode_mode {
    PCURL_DECODE_AUTO = 0,  /* decode results, pass anything else through */
    PCURL_DECODE_ALWAYS,    /* --decode: anything else is an error (110) */
    PCURL_DECODE_NEVER      /* --raw-body: always pass the body through */
} pcurl_decode_mode;

/* One URL from the command line and the -o that goes with it. */
typedef struct pcurl_target {
    const char *url;        /* borrowed from argv */
    const char *output;     /* borrowed from argv; NULL or "-": stdout */
} pcurl_target;

typedef struct pcurl_args {
    /* curl's options */
    int silent;             /* -s */
    int show_error;         /* -S */
    int fail;               /* -f */
    int location;           /* -L */
    int verbose;            /* -v */
    int insecure;           /* -k */
    int compressed;         /* --compressed */
    long max_time_ms;       /* -m, 0: none */
    long connect_timeout_ms;/* --connect-timeout, 0: libcurl's default */
    const char *user_agent; /* -A, borrowed; NULL: ours */
    char *user;             /* -u, owned copy (argv is blanked) */
    const char *request;    /* -X, borrowed */
    char *data;             /* -d, owned, joined with '&'; NULL: none */
    size_t data_len;
    const char **headers;   /* -H, borrowed, in order */
    size_t nheaders;
    pcurl_target *targets;  /* URLs in order, each with its -o */
    size_t ntargets;
    int help;               /* -h: print help and stop */
    int version;            /* -V: print version and stop */

    /* ours */
    pcurl_decode_mode decode;
    pr_decode_opts opts;    /* --typed, --nan-as, --py2-str, --limit-* */
} pcurl_args;

/*
 * pcurl_args_parse - parse argv as curl does.  argv entries that hold a
 * -u value are overwritten so that `ps` no longer shows the secret.
 * Returns 0 on success, 2 (after printing curl's style of message to
 * stderr, whatever -s says) on a usage error, 27 when out of memory.
 * On success *a must be released with pcurl_args_dispose.
 */
int pcurl_args_parse(pcurl_args *a, int argc, char **argv);

/* Frees what pcurl_args_parse allocated, wiping the -u copy first. */
void pcurl_args_dispose(pcurl_args *a);

/* Prints --help (curl's options and ours apart, then exit codes). */
void pcurl_args_help(void);

/* Prints curl's "try --help" line after a usage error. */
void pcurl_args_usage_hint(void);

#endif /* PCURL_ARGS_H */
