/*
 * bridge.h - native functions in jq filters through libjq's public
 * debug and input callbacks (docs/jq-bridge.md).
 *
 * Each native function is a jq `def` (a stub) that packs
 * {"prefect_jq_call", "token", "input", "args"}, pipes it to `debug` and
 * calls `input`.  The debug callback recognises the call by its token,
 * runs the C function, parks the result and installs a one-shot input
 * callback; `input` then returns the parked value or raises the parked
 * error, and the real input callback is back in place before it returns.
 *
 * Memory follows jv.h: every function consumes the jv it is given.
 */
#ifndef PJQ_BRIDGE_H
#define PJQ_BRIDGE_H

#include <stddef.h>

#include <jq.h>

/* A native function: consumes input and args (an array of `arity`
 * values), returns a value or jv_invalid_with_msg(error). */
typedef jv (*pjq_fn)(void *ctx, jv input, jv args);

typedef struct pjq_native {
    pjq_fn fn;
    const char *name;
    int arity;
    const char *params;     /* jq parameter list, "$opts"; "" if none */
} pjq_native;

/* The environment variable that carries the token into $ENV while the
 * program compiles. */
#define PJQ_TOKEN_ENV "PREFECT_JQ_TOKEN"

typedef struct pjq_bridge {
    jq_state *jq;
    const pjq_native *natives;
    size_t nnatives;
    void *ctx;                      /* passed to every native */
    char token[33];                 /* 128 random bits, hex */
    char *prelude;                  /* the generated defs, one line */
    jq_msg_cb pass_cb;              /* other debug messages go here */
    void *pass_data;
    jq_input_cb real_cb;            /* saved while a result is parked */
    void *real_data;
    jv parked;
    int pending;                    /* a result is parked */
    unsigned long calls;            /* native calls served */
} pjq_bridge;

/*
 * pjq_bridge_init - make the token and the prelude.  Returns 0, or -1
 * when out of memory or no random bytes could be read (message in
 * errbuf).
 */
int pjq_bridge_init(pjq_bridge *b, const pjq_native *natives, size_t n,
                    void *ctx, char *errbuf, size_t errlen);
void pjq_bridge_dispose(pjq_bridge *b);

/* The jq text of the stubs as a module file (one def a line), for
 * --native-defs and the installed prefect-native.jq.  malloc'ed. */
char *pjq_bridge_module_text(const pjq_bridge *b);

/*
 * pjq_bridge_splice - the user's program with the prelude inserted after
 * its leading module/import/include directives, on the same line so
 * that line numbers do not move.  malloc'ed; NULL when out of memory.
 */
char *pjq_bridge_splice(const pjq_bridge *b, const char *program);

/*
 * pjq_bridge_compile - put the token in the environment, compile, and
 * remove it again: the compiled program holds it (through $ENV), nothing
 * else does.  Compile errors go to err_cb with the prelude removed from
 * the quoted program text.  Returns jq_compile_args's result.
 */
int pjq_bridge_compile(pjq_bridge *b, jq_state *jq, const char *program,
                       jv args, jq_msg_cb err_cb, void *err_data);

/* Installs the debug callback on jq; other debug messages go to
 * pass_cb(pass_data, msg). */
void pjq_bridge_attach(pjq_bridge *b, jq_state *jq, jq_msg_cb pass_cb,
                       void *pass_data);

#endif
