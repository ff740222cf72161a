/*
 * states.h - find the Prefect states in a JSON text, without building a
 * tree: a validating walk that records where each state object and its
 * "data" value are, so that the text can be rewritten around them with
 * every other byte kept.
 *
 * A state is a JSON object, anywhere in the document, with a "type"
 * string that is a state type (COMPLETED, FAILED, ...), a "data" member
 * and a "state_details" member, as the Prefect API writes states
 * (alone, as a run's "state", in lists and in pages).  Objects inside
 * a state are not looked at.  A run whose "state" is null (an object
 * with "state": null and a "state_id" member) is recorded too, so that
 * --result can print null for it.
 */
#ifndef PCURL_STATES_H
#define PCURL_STATES_H

#include <stddef.h>

typedef struct pcurl_state {
    size_t obj_off, obj_len;    /* the state object */
    size_t data_off, data_len;  /* its "data" value */
    size_t msg_off, msg_len;    /* its "message" value (0, 0: none) */
    char type[16];              /* "COMPLETED" ...; "" for a null state */
    int data_null;              /* "data" is null */
    int resolved;               /* it already has the reference key */
    int no_state;               /* a run whose state is null */
    int failed;                 /* FAILED or CRASHED */
} pcurl_state;

typedef struct pcurl_scan {
    pcurl_state *v;
    size_t n, cap;
    int is_json;                /* the whole text is one JSON value */
    int empty_list;             /* ... and it is [] */
} pcurl_scan;

/*
 * pcurl_scan_states - walk text (len bytes) and record its states in
 * document order.  Text that is not JSON, or nests deeper than
 * max_depth, is not JSON (is_json 0, no states).  Returns 0, or -1 when
 * out of memory.  Release with pcurl_scan_dispose.
 */
int pcurl_scan_states(pcurl_scan *s, const char *text, size_t len,
                      size_t max_depth);
void pcurl_scan_dispose(pcurl_scan *s);

/*
 * Appends the text of the JSON string at text (len bytes, quotes
 * included) to out (cap bytes, always NUL-terminated), unescaped, cut
 * at a character boundary.  Lone surrogates become U+FFFD.
 */
void pcurl_json_string(char *out, size_t cap, const char *text, size_t len);

/*
 * The unescaped text of the JSON string at text (len bytes, quotes
 * included), as `jq -r` prints it, malloc'd and NUL-terminated, its
 * length in *outlen; text that is not a string is copied.  NULL when
 * out of memory.
 */
char *pcurl_json_string_dup(const char *text, size_t len, size_t *outlen);

#endif /* PCURL_STATES_H */
