/*
 * natives.h - the C functions prefect-jq offers to jq filters: one table,
 * each f_* consuming its input and arguments (docs/style.md, jq).
 */
#ifndef PJQ_NATIVES_H
#define PJQ_NATIVES_H

#include "bridge.h"

/* State shared by the natives: the configuration and the client, made
 * on the first call that needs them. */
typedef struct pjq_natives_ctx pjq_natives_ctx;

extern const pjq_native pjq_natives[];
extern const size_t pjq_nnatives;

pjq_natives_ctx *pjq_natives_ctx_new(void);
void pjq_natives_ctx_free(pjq_natives_ctx *c);

#endif
