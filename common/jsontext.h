/*
 * jsontext.h - internal: reading JSON text as Python's json module
 * writes it (NaN and Infinity tokens included).  The public rewriter is
 * pr_json_value_to_json in pr.h; record.c also needs to look into a
 * result file without building a tree, which is what these are for.
 */
#ifndef PR_JSONTEXT_H
#define PR_JSONTEXT_H

#include "pr.h"

/* A slice of the input text; p == NULL when absent. */
typedef struct pr_json_span {
    const char *p;
    size_t n;
} pr_json_span;

/*
 * pr_json_scan_keys - validates `text` as one JSON value (the grammar
 * pr_json_value_to_json accepts, nesting at most max_depth) without
 * writing anything.  When it is an object, *is_object is 1 and, for each
 * name in want[0..nwant), found[i] gets the text of that member's value
 * (the last one if the key repeats; keys are compared after unescaping)
 * or {NULL, 0}.  PR_EFORMAT with the byte offset for invalid JSON,
 * PR_ELIMIT past max_depth, PR_ENOMEM.
 */
pr_code pr_json_scan_keys(int *is_object, pr_json_span *found,
                          const char *const *want, size_t nwant,
                          const char *text, size_t len, size_t max_depth,
                          pr_error *err);

/*
 * pr_json_unescape - appends the UTF-8 bytes a JSON string literal
 * stands for (`s` is the literal with its quotes, as found by
 * pr_json_scan_keys).  A lone surrogate escape becomes its 3-byte
 * 'surrogatepass' form (ED A0..BF xx).  PR_EFORMAT if s is not a string
 * literal, PR_ELIMIT/PR_ENOMEM from the buffer.
 */
pr_code pr_json_unescape(pr_buf *out, const char *s, size_t n,
                         pr_error *err);

#endif /* PR_JSONTEXT_H */
