/*
 * classify.h - internal: what a state's "data" field is, by era
 * (docs/prefect-results.md section 1), without building a tree.
 */
#ifndef PR_CLASSIFY_H
#define PR_CLASSIFY_H

#include "pr.h"

typedef enum pr_data_kind {
    PR_DATA_NONE = 0,       /* null: no result */
    PR_DATA_METADATA,       /* 3.0.2+ ResultRecordMetadata */
    PR_DATA_REFERENCE,      /* 2.6-2.20 and 3.0.0-3.0.1 "reference" */
    PR_DATA_LITERAL,        /* 2.x "literal" or "unknown": value inline */
    PR_DATA_UNPERSISTED,    /* 2.9-2.20 "unpersisted": never stored */
    PR_DATA_DATADOC,        /* 2.0-2.5 {"encoding":"result","blob"} */
    PR_DATA_DATADOC_INLINE, /* 2.0-2.5 DataDocument with the value in it */
    PR_DATA_INLINE          /* anything else: the value itself */
} pr_data_kind;

/*
 * The classification.  Strings are owned (pr_free via
 * pr_data_ref_dispose); spans point into the classified text and live
 * as long as it does.
 */
typedef struct pr_data_ref {
    pr_data_kind kind;
    char *storage_key;      /* unescaped; NULL when absent or not text */
    char *storage_block_id; /* NULL when null or absent */
    char *serializer;       /* serializer object as JSON text: the
                             * metadata's, or {"type": serializer_type}
                             * made from a reference's hint; NULL if none */
    char *expiration;       /* ISO-8601 text, or NULL */
    const char *value;      /* LITERAL, INLINE, DATADOC_INLINE: the JSON
                             * text of the value (or of the document) */
    size_t value_len;
    int key_given;          /* a storage_key member was present */
} pr_data_ref;

/* The name of a kind, for messages ("3.x result metadata", ...). */
const char *pr_data_kind_name(pr_data_kind kind);

/*
 * pr_classify_data - classifies `data` (the JSON text of a state's
 * "data", which must stay alive while *out is used), in this order:
 *   1. null;
 *   2. an object with "storage_key" that is not "type": "reference":
 *      3.x metadata (Python 3.x reads any such dict as metadata);
 *   3. "type": "reference";
 *   4. "type": "literal" / "unknown" (value in "value"), "unpersisted";
 *   5. "encoding" + "blob": 2.0-2.5; a "result" blob is a JSON string
 *      {"key", "filesystem_document_id"} naming the file and block;
 *      other encodings carry the value in the document itself;
 *   6. anything else: the value itself.
 * Caveat for 6: the server stores a state's own data only when it is
 * truthy, so an inline 0, false, "", [] or {} reads back as null (1).
 * PR_EFORMAT for invalid JSON or a 2.0-2.5 blob that is not the JSON
 * it should be, PR_ELIMIT past max_depth, PR_ENOMEM.
 */
pr_code pr_classify_data(pr_data_ref *out, const char *data, size_t len,
                         size_t max_depth, pr_error *err);

void pr_data_ref_dispose(pr_data_ref *r);

#endif /* PR_CLASSIFY_H */
