/*
 * main.c - prefect-jq: jq's command line on the system libjq, with
 * prefect-result's native functions (unpickle, prefect_decode,
 * prefect_result, prefect_state) defined in every filter.
 *
 * Options, messages and exit codes follow the jq 1.6 command line (2
 * usage and system errors, 3 compile errors, 5 runtime errors, 1 and 4
 * for -e, 4 after an input parse error): scripts that run jq can run
 * prefect-jq.  The bridge that makes the functions native is bridge.c.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jq.h>

#include "pr.h"
#include "bridge.h"
#include "natives.h"

enum {
    RC_OK = 0,
    RC_NULL_OUTPUT = 1,     /* -e: the last output was false or null */
    RC_USAGE = 2,
    RC_COMPILE = 3,
    RC_NO_OUTPUT = 4,       /* -e: no output; also after a parse error */
    RC_RUNTIME = 5
};

typedef struct options {
    int null_input, raw_input, slurp, raw_output, join, ascii;
    int seq, stream, exit_status, unbuffered, from_file;
    int color;              /* -1: if stdout is a terminal */
    int dumpopts;
    const char *program;    /* filter text, or its file with -f */
    const char **files;
    size_t nfiles;
    jv named;               /* --arg and friends */
    jv positional;          /* --args / --jsonargs */
    jv lib_dirs;            /* -L, in order; empty: jq's defaults */
} options;

/* argv[0]: jq starts its command-line messages with it. */
static const char *progname = "prefect-jq";

static void
usage_hint(void)
{
    fprintf(stderr, "Use %s --help for help with command-line options,\n"
            "or see the prefect-jq(1) manpage.\n", progname);
}

static void
usage(FILE *f, int full)
{
    fprintf(f,
        "prefect-jq - jq with Prefect result decoding [version %s]\n\n"
        "Usage:\tprefect-jq [options] <jq filter> [file...]\n"
        "\tprefect-jq [options] --args <jq filter> [strings...]\n"
        "\tprefect-jq [options] --jsonargs <jq filter> [JSON_TEXTS...]\n\n"
        "prefect-jq is jq (the system libjq) with these functions in every "
        "filter:\n"
        "  unpickle                  base64 of a pickle -> its value\n"
        "  prefect_decode[($ser)]    base64 of a result file -> its value\n"
        "  prefect_result[($opts)]   id, state, run or data -> the value "
        "of the run\n"
        "  prefect_results[($opts)]  [ids] -> [values], fetched "
        "concurrently\n"
        "  prefect_state             id -> the state JSON\n"
        "Pure-jq helpers: import \"prefect\" as prefect;\n",
        PR_VERSION_STRING);
    if (!full) {
        fprintf(f, "\nFor a listing of options, use prefect-jq --help.\n");
        return;
    }
    fprintf(f,
        "\nOptions (as jq's):\n"
        "  -c               compact instead of pretty-printed output;\n"
        "  -n               use `null` as the single input value;\n"
        "  -e               set the exit status code based on the output;\n"
        "  -s               read (slurp) all inputs into an array; apply "
        "filter to it;\n"
        "  -r               output raw strings, not JSON texts;\n"
        "  -j               like -r, without a newline after each output;\n"
        "  -a               output non-ASCII characters as escapes;\n"
        "  -R               read raw strings, not JSON texts;\n"
        "  -C / -M          colorize JSON / do not;\n"
        "  -S               sort keys of objects on output;\n"
        "  --tab            use tabs for indentation;\n"
        "  --indent n       use n spaces for indentation (-1 to 7);\n"
        "  --seq, --stream  RS-separated output / streamed input;\n"
        "  -f file          read the filter from file;\n"
        "  -L dir           search dir for modules;\n"
        "  --arg a v        set variable $a to value <v>;\n"
        "  --argjson a v    set variable $a to JSON value <v>;\n"
        "  --slurpfile a f  set variable $a to an array of JSON texts read "
        "from <f>;\n"
        "  --rawfile a f    set variable $a to a string consisting of the "
        "contents of <f>;\n"
        "  --args           remaining arguments are string arguments, not "
        "files;\n"
        "  --jsonargs       remaining arguments are JSON arguments, not "
        "files;\n"
        "  --native-defs    print the jq stubs of the native functions;\n"
        "  --               terminates argument processing;\n\n"
        "Exit status: 2 usage or system error, 3 compile error, 5 runtime "
        "error;\n"
        "with -e, 1 if the last output was false or null, 4 if there was "
        "none.\n"
        "Settings (API URL, key, storage paths) come from the environment "
        "and\n"
        "Prefect profiles, as for prefect-curl.  See prefect-jq(1).\n");
}

/* A usage error: jq's first line, our hint, exit 2. */
static void die_usage(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
die_usage(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage_hint();
    exit(RC_USAGE);
}

/* --arg and friends: the first definition of a name wins, as in jq. */
static void
set_named(options *o, const char *name, jv value)
{
    if (jv_object_has(jv_copy(o->named), jv_string(name)))
        jv_free(value);
    else
        o->named = jv_object_set(o->named, jv_string(name), value);
}

static void
named_file(options *o, const char *opt, const char *name,
           const char *file, int raw)
{
    jv data = jv_load_file(file, raw);

    if (!jv_is_valid(data)) {
        jv msg = jv_invalid_get_msg(data);

        fprintf(stderr, "%s: Bad JSON in --%s %s %s: %s\n", progname, opt,
                name, file,
                jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg)
                : "unknown error");
        jv_free(msg);
        exit(RC_USAGE);
    }
    if (strcmp(opt, "argfile") == 0 &&
        jv_array_length(jv_copy(data)) == 1)
        data = jv_array_get(data, 0);
    set_named(o, name, data);
}

static int
is_long(const char *text, const char *name)
{
    return text[0] == '-' && text[1] == '-' && strcmp(text + 2, name) == 0;
}

/*
 * One option, short or long.  Short options may be grouped ("-nr");
 * returns how many of text's short letters it used, so that the caller
 * can tell an unknown letter, as jq does.
 */
static int
flag(const char *text, char letter, const char *name)
{
    if (text[1] != '-')
        return letter != 0 && strchr(text + 1, letter) != NULL;
    return is_long(text, name);
}

static void
parse_args(options *o, int argc, char **argv, int *native_defs)
{
    int i, args_mode = 0, no_more_options = 0;

    for (i = 1; i < argc; i++) {
        const char *text = argv[i];
        int used = 0;

        if (no_more_options || text[0] != '-' || text[1] == '\0') {
            if (o->program == NULL) {
                o->program = text;
            } else if (args_mode == 1) {
                o->positional = jv_array_append(o->positional,
                                                jv_string(text));
            } else if (args_mode == 2) {
                jv v = jv_parse(text);

                if (!jv_is_valid(v)) {
                    jv_free(v);
                    die_usage("%s: Invalid JSON text passed to "
                              "--jsonargs", progname);
                }
                o->positional = jv_array_append(o->positional, v);
            } else {
                o->files[o->nfiles++] = text;
            }
            continue;
        }
        if (strcmp(text, "--") == 0) {
            if (o->program == NULL) {
                usage(stderr, 0);
                exit(RC_USAGE);
            }
            no_more_options = 1;
            continue;
        }
        if (text[1] == 'L') {
            const char *dir = text[2] != '\0' ? text + 2
                              : i + 1 < argc ? argv[++i] : NULL;

            if (dir == NULL)
                die_usage("-L takes a parameter: (e.g. -L /search/path "
                          "or -L/search/path)");
            o->lib_dirs = jv_array_append(o->lib_dirs, jv_string(dir));
            continue;
        }
        if (flag(text, 's', "slurp")) {
            o->slurp = 1;
            used++;
        }
        if (flag(text, 'r', "raw-output")) {
            o->raw_output = 1;
            used++;
        }
        if (flag(text, 'j', "join-output")) {
            o->raw_output = 1;
            o->join = 1;
            used++;
        }
        if (flag(text, 'a', "ascii-output")) {
            o->ascii = 1;
            o->dumpopts |= JV_PRINT_ASCII;
            used++;
        }
        if (flag(text, 'c', "compact-output")) {
            o->dumpopts &= ~(JV_PRINT_TAB | JV_PRINT_INDENT_FLAGS(7));
            used++;
        }
        if (flag(text, 'C', "color-output")) {
            o->color = 1;
            used++;
        }
        if (flag(text, 'M', "monochrome-output")) {
            o->color = 0;
            used++;
        }
        if (flag(text, 'n', "null-input")) {
            o->null_input = 1;
            used++;
        }
        if (flag(text, 'f', "from-file")) {
            o->from_file = 1;
            used++;
        }
        if (flag(text, 'S', "sort-keys")) {
            o->dumpopts |= JV_PRINT_SORTED;
            used++;
        }
        if (flag(text, 'R', "raw-input")) {
            o->raw_input = 1;
            used++;
        }
        if (flag(text, 'e', "exit-status")) {
            o->exit_status = 1;
            used++;
        }
        if (flag(text, 'h', "help")) {
            usage(stdout, 1);
            exit(RC_OK);
        }
        if (text[1] != '-') {
            if ((size_t)used != strlen(text) - 1)
                die_usage("%s: Unknown option %s", progname, text);
            continue;
        }
        if (used > 0)
            continue;
        if (is_long(text, "tab")) {
            o->dumpopts &= ~JV_PRINT_INDENT_FLAGS(7);
            o->dumpopts |= JV_PRINT_TAB | JV_PRINT_PRETTY;
        } else if (is_long(text, "indent")) {
            int n;

            if (i + 1 >= argc)
                die_usage("%s: --indent takes one parameter", progname);
            n = atoi(argv[++i]);
            if (n < -1 || n > 7)
                die_usage("%s: --indent takes a number between -1 and "
                          "7", progname);
            o->dumpopts &= ~(JV_PRINT_TAB | JV_PRINT_INDENT_FLAGS(7));
            o->dumpopts |= JV_PRINT_INDENT_FLAGS(n);
        } else if (is_long(text, "seq")) {
            o->seq = 1;
        } else if (is_long(text, "stream")) {
            o->stream = 1;
        } else if (is_long(text, "unbuffered")) {
            o->unbuffered = 1;
        } else if (is_long(text, "args")) {
            args_mode = 1;
        } else if (is_long(text, "jsonargs")) {
            args_mode = 2;
        } else if (is_long(text, "arg")) {
            if (i + 2 >= argc)
                die_usage("%s: --arg takes two parameters (e.g. --arg "
                          "varname value)", progname);
            set_named(o, argv[i + 1], jv_string(argv[i + 2]));
            i += 2;
        } else if (is_long(text, "argjson")) {
            jv v;

            if (i + 2 >= argc)
                die_usage("%s: --argjson takes two parameters (e.g. "
                          "--argjson varname text)", progname);
            v = jv_parse(argv[i + 2]);
            if (!jv_is_valid(v)) {
                jv_free(v);
                die_usage("%s: invalid JSON text passed to --argjson",
                          progname);
            }
            set_named(o, argv[i + 1], v);
            i += 2;
        } else if (is_long(text, "slurpfile") || is_long(text, "rawfile") ||
                   is_long(text, "argfile")) {
            const char *opt = text + 2;

            if (i + 2 >= argc) {
                fprintf(stderr, "%s: --%s takes two parameters (e.g. --%s "
                        "varname filename)\n", progname, opt, opt);
                usage_hint();
                exit(RC_USAGE);
            }
            named_file(o, opt, argv[i + 1], argv[i + 2],
                       strcmp(opt, "rawfile") == 0);
            i += 2;
        } else if (is_long(text, "version")) {
            printf("prefect-jq-%s (libprefectresult %s)\n",
                   PR_VERSION_STRING, pr_version());
            exit(RC_OK);
        } else if (is_long(text, "native-defs")) {
            *native_defs = 1;
        } else {
            die_usage("%s: Unknown option %s", progname, text);
        }
    }
}

/* ---- where things are -------------------------------------------------- */

/* The directory of this executable, from /proc/self/exe (not argv[0]):
 * $ORIGIN in module search paths. */
static jv
exe_dir(void)
{
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

    if (n <= 0)
        return jv_string(".");
    path[n] = '\0';
    return jv_string(dirname(path));
}

static jv
real_dir(const char *path)
{
    char *copy = strdup(path), *r;
    jv out;

    if (copy == NULL)
        return jv_string(".");
    r = realpath(dirname(copy), NULL);
    out = jv_string(r != NULL ? r : ".");
    free(r);
    free(copy);
    return out;
}

/* ---- output ------------------------------------------------------------ */

typedef struct run {
    options *o;
    jq_state *jq;
    int dumpopts;
} run;

/* Other programs' `debug` messages, printed as jq prints them. */
static void
print_debug(void *data, jv msg)
{
    run *r = data;
    int flags = r->dumpopts & ~(JV_PRINT_PRETTY | JV_PRINT_TAB |
                                JV_PRINT_INDENT_FLAGS(7));

    jv_dumpf(JV_ARRAY(jv_string("DEBUG:"), msg), stderr, flags);
    fputc('\n', stderr);
}

static void
print_error(void *data, jv msg)
{
    (void)data;
    if (jv_get_kind(msg) == JV_KIND_STRING) {
        fprintf(stderr, "%s\n", jv_string_value(msg));
    } else {
        msg = jv_dump_string(msg, 0);
        fprintf(stderr, "%s (not a string)\n", jv_string_value(msg));
    }
    jv_free(msg);
}

/* libjq's input reader names a file it could not open; errno says why. */
static void
input_message(void *data, const char *file)
{
    int e = errno;

    (void)data;
    fprintf(stderr, "jq: error: Could not open file %s: %s\n", file,
            strerror(e));
}

static void
emit(run *r, jv v)
{
    options *o = r->o;

    if (o->seq)
        fputc('\036', stdout);
    if (o->raw_output && jv_get_kind(v) == JV_KIND_STRING) {
        if (o->ascii)
            jv_dumpf(v, stdout, JV_PRINT_ASCII);
        else {
            fwrite(jv_string_value(v), 1,
                   (size_t)jv_string_length_bytes(jv_copy(v)), stdout);
            jv_free(v);
        }
    } else {
        jv_dumpf(v, stdout, r->dumpopts);
    }
    if (!o->join)
        fputc('\n', stdout);
    if (o->unbuffered)
        fflush(stdout);
}

/* Runs the filter on one input; returns that input's exit status. */
static int
process(run *r, jv input)
{
    jq_state *jq = r->jq;
    int rc = r->o->exit_status ? RC_NO_OUTPUT : RC_OK;
    jv v;

    jq_start(jq, input, 0);
    while (jv_is_valid(v = jq_next(jq))) {
        if (r->o->exit_status)
            rc = jv_get_kind(v) == JV_KIND_NULL ||
                 jv_get_kind(v) == JV_KIND_FALSE ? RC_NULL_OUTPUT : RC_OK;
        emit(r, v);
    }
    if (jq_halted(jq)) {
        jv code = jq_get_exit_code(jq), msg = jq_get_error_message(jq);

        if (!jv_is_valid(code))
            rc = RC_OK;
        else if (jv_get_kind(code) == JV_KIND_NUMBER)
            rc = (int)jv_number_value(code);
        else
            rc = RC_RUNTIME;
        jv_free(code);
        if (jv_get_kind(msg) == JV_KIND_STRING) {
            fwrite(jv_string_value(msg), 1,
                   (size_t)jv_string_length_bytes(jv_copy(msg)), stderr);
            jv_free(msg);
        } else if (jv_is_valid(msg) && jv_get_kind(msg) != JV_KIND_NULL) {
            msg = jv_dump_string(msg, 0);
            fprintf(stderr, "%s\n", jv_string_value(msg));
            jv_free(msg);
        } else {
            jv_free(msg);
        }
    } else if (jv_invalid_has_msg(jv_copy(v))) {
        jv where = jq_util_input_get_position(jq);
        jv msg = jv_invalid_get_msg(v);

        if (jv_get_kind(msg) == JV_KIND_STRING) {
            fprintf(stderr, "jq: error (at %s): %s\n",
                    jv_string_value(where), jv_string_value(msg));
        } else {
            msg = jv_dump_string(msg, 0);
            fprintf(stderr, "jq: error (at %s) (not a string): %s\n",
                    jv_string_value(where), jv_string_value(msg));
        }
        jv_free(where);
        jv_free(msg);
        return RC_RUNTIME;
    }
    jv_free(v);
    return rc;
}

static jv
program_args(options *o)
{
    jv args = jv_copy(o->named);

    return jv_object_set(args, jv_string("ARGS"),
                         JV_OBJECT(jv_string("positional"),
                                   jv_copy(o->positional),
                                   jv_string("named"), jv_copy(o->named)));
}

int
main(int argc, char **argv)
{
    options o;
    pjq_bridge bridge;
    pjq_natives_ctx *nctx = NULL;
    jq_util_input_state *input_state = NULL;
    jq_state *jq = NULL;
    run r;
    jv program_text = jv_invalid();
    char errbuf[128], *spliced = NULL;
    int rc = RC_OK, native_defs = 0;

    if (argc > 0 && argv[0] != NULL)
        progname = argv[0];
    memset(&o, 0, sizeof(o));
    o.color = -1;
    o.dumpopts = JV_PRINT_INDENT_FLAGS(2);
    o.named = jv_object();
    o.positional = jv_array();
    o.lib_dirs = jv_array();
    o.files = calloc((size_t)argc + 1, sizeof(*o.files));
    nctx = pjq_natives_ctx_new();
    if (o.files == NULL || nctx == NULL) {
        fprintf(stderr, "jq: error: cannot allocate memory\n");
        return RC_USAGE;
    }
    parse_args(&o, argc, argv, &native_defs);

    if (pjq_bridge_init(&bridge, pjq_natives, pjq_nnatives, nctx, errbuf,
                        sizeof(errbuf)) != 0) {
        fprintf(stderr, "jq: error: %s\n", errbuf);
        return RC_USAGE;
    }
    if (native_defs) {
        char *text = pjq_bridge_module_text(&bridge);

        if (text != NULL)
            fputs(text, stdout);
        free(text);
        rc = text != NULL ? RC_OK : RC_USAGE;
        goto done;
    }

    if (o.program == NULL) {
        if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
            o.program = ".";
        } else {
            usage(stderr, 0);
            rc = RC_USAGE;
            goto done;
        }
    }
    if (o.color == 1 || (o.color == -1 && isatty(STDOUT_FILENO)))
        o.dumpopts |= JV_PRINT_COLOR;
    if (getenv("JQ_COLORS") != NULL && !jq_set_colors(getenv("JQ_COLORS")))
        fprintf(stderr, "Failed to set $JQ_COLORS\n");

    jq = jq_init();
    if (jq == NULL) {
        fprintf(stderr, "jq: error: cannot allocate memory\n");
        rc = RC_USAGE;
        goto done;
    }
    r.o = &o;
    r.jq = jq;
    r.dumpopts = o.dumpopts;

    if (o.from_file) {
        program_text = jv_load_file(o.program, 1);
        if (!jv_is_valid(program_text)) {
            jv msg = jv_invalid_get_msg(program_text);

            fprintf(stderr, "%s: %s\n", progname,
                    jv_get_kind(msg) == JV_KIND_STRING
                    ? jv_string_value(msg) : "could not read the filter");
            jv_free(msg);
            program_text = jv_invalid();
            rc = RC_USAGE;
            goto done;
        }
        jq_set_attr(jq, jv_string("PROGRAM_ORIGIN"), real_dir(o.program));
    } else {
        program_text = jv_string(o.program);
        char *cwd = realpath(".", NULL);

        jq_set_attr(jq, jv_string("PROGRAM_ORIGIN"),
                    jv_string(cwd != NULL ? cwd : "."));
        free(cwd);
    }
    jq_set_attr(jq, jv_string("JQ_ORIGIN"), exe_dir());
    if (jv_array_length(jv_copy(o.lib_dirs)) == 0)
        jq_set_attr(jq, jv_string("JQ_LIBRARY_PATH"),
                    JV_ARRAY(jv_string("~/.jq"),
                             jv_string("$ORIGIN/../lib/jq"),
                             jv_string("$ORIGIN/lib")));
    else
        jq_set_attr(jq, jv_string("JQ_LIBRARY_PATH"), jv_copy(o.lib_dirs));

    spliced = pjq_bridge_splice(&bridge, jv_string_value(program_text));
    if (spliced == NULL) {
        fprintf(stderr, "jq: error: cannot allocate memory\n");
        rc = RC_USAGE;
        goto done;
    }
    if (!pjq_bridge_compile(&bridge, jq, spliced, program_args(&o),
                            print_error, NULL)) {
        rc = RC_COMPILE;
        goto done;
    }
    pjq_bridge_attach(&bridge, jq, print_debug, &r);

    input_state = jq_util_input_init(input_message, NULL);
    if (o.raw_input)
        jq_util_input_set_parser(input_state, NULL, o.slurp);
    else
        jq_util_input_set_parser(input_state,
                                 jv_parser_new((o.seq ? JV_PARSE_SEQ : 0) |
                                               (o.stream
                                                ? JV_PARSE_STREAMING : 0)),
                                 o.slurp);
    if (o.nfiles == 0)
        jq_util_input_add_input(input_state, "-");
    for (size_t i = 0; i < o.nfiles; i++)
        jq_util_input_add_input(input_state, o.files[i]);
    jq_set_input_cb(jq, jq_util_input_next_input_cb, input_state);

    if (o.null_input) {
        rc = process(&r, jv_null());
    } else {
        jv value;

        /* As jq 1.6: once a file could not be opened, stop before the
         * next input (the value already read is still processed). */
        while (jq_util_input_errors(input_state) == 0) {
            value = jq_util_input_next_input(input_state);
            if (jv_is_valid(value)) {
                rc = process(&r, value);
                continue;
            }
            if (!jv_invalid_has_msg(jv_copy(value))) {
                jv_free(value);
                break;
            }
            {
                jv msg = jv_invalid_get_msg(value);

                if (o.seq) {
                    fprintf(stderr, "ignoring parse error: %s\n",
                            jv_string_value(msg));
                    jv_free(msg);
                    continue;
                }
                fprintf(stderr, "parse error: %s\n", jv_string_value(msg));
                jv_free(msg);
                rc = RC_NO_OUTPUT;
                break;
            }
        }
    }
    if (jq_util_input_errors(input_state) != 0)
        rc = RC_USAGE;

done:
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "Error: writing output failed: %s\n",
                strerror(errno));
        rc = RC_USAGE;
    }
    jq_util_input_free(&input_state);
    jq_teardown(&jq);
    pjq_natives_ctx_free(nctx);
    pjq_bridge_dispose(&bridge);
    free(spliced);
    jv_free(program_text);
    jv_free(o.named);
    jv_free(o.positional);
    jv_free(o.lib_dirs);
    free(o.files);
    return rc;
}
