/*
 * apimode.h - "API mode": a JSON body that holds Prefect states is
 * printed with each state's "data" replaced in place by the value it
 * points at (resolved with the core's pr_client_resolve), the original
 * kept beside it under PCURL_REF_KEY; or, with --result/--result-json,
 * only the values.  And `prefect-curl ID`: a state looked up by id.
 *
 * Which Prefect API is asked for blocks and ids, with which
 * credentials:
 *   - a body fetched from an http(s) URL whose path has an "/api"
 *     segment: the API at that URL (up to "/api", or the Prefect Cloud
 *     workspace after it), with the request's own credentials (-u,
 *     --oauth2-bearer, -H "Authorization: ...", userinfo in the URL) and
 *     its other -H headers, -k, --cacert, -m, --connect-timeout and
 *     --retry.  PREFECT_API_KEY and PREFECT_API_AUTH_STRING are not
 *     sent there: they belong to the configured API, not to whatever
 *     server the URL names;
 *   - anything else (file://, other URLs) and ids: the configured API
 *     (environment, then profile, as Prefect reads them), with its own
 *     credentials; for ids also -k, --cacert, -m, --connect-timeout and
 *     --retry.
 * --remap-storage applies in every case.
 */
#ifndef PCURL_APIMODE_H
#define PCURL_APIMODE_H

#include "args.h"
#include "output.h"
#include "pr.h"
#include "states.h"

/*
 * pcurl_api_emit - resolve the states `scan` found in b and write the
 * result for target t.  `client` may be NULL (one is made when a state
 * needs it, as described above).  Reports its own errors; returns the
 * exit code: 0, 113 when a state is FAILED or CRASHED (after writing;
 * not with --allow-failed), 23, or a resolution error's code (nothing
 * written).
 */
int pcurl_api_emit(const pcurl_args *a, const pcurl_target *t,
                   const pcurl_body *b, const pcurl_scan *scan,
                   pr_client *client);

/*
 * pcurl_emit_id - `prefect-curl ID`: the state of a flow-run state,
 * task-run state, flow run or task run, from the configured API, with
 * its data resolved (as pcurl_api_emit).  Returns the exit code.
 */
int pcurl_emit_id(const pcurl_args *a, const pcurl_target *t);

#endif /* PCURL_APIMODE_H */
