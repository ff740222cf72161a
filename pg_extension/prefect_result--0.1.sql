/* prefect_result--0.1.sql - the SQL API of prefect_result 0.1 */

\echo Use "CREATE EXTENSION prefect_result" to load this file. \quit

-- typed => NULL means the prefect_result.typed setting (off by default).

-- Decodes stored result bytes: no network, no file access, so it is
-- granted to everyone.  STABLE: the output follows prefect_result.nan,
-- .typed and the limits.
CREATE FUNCTION prefect_decode(data bytea, serializer jsonb DEFAULT NULL,
                               typed boolean DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pg_prefect_decode'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION prefect_decode(bytea, jsonb, boolean) IS
'decode the bytes of a Prefect result file or payload (any era and serializer) to jsonb';

-- The value a flow run, task run or state returned.  Reads the API or
-- Prefect's tables, and result storage (network, local files).
CREATE FUNCTION prefect_result(id text, typed boolean DEFAULT NULL,
                               raise_on_failure boolean DEFAULT true)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pg_prefect_result_id'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION prefect_result(text, boolean, boolean) IS
'the value returned by a Prefect flow run, task run or state, as jsonb';

-- The value of a state given as JSON (a state, a run, or a state's data).
CREATE FUNCTION prefect_result(state jsonb, typed boolean DEFAULT NULL,
                               raise_on_failure boolean DEFAULT true)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pg_prefect_result_state'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION prefect_result(jsonb, boolean, boolean) IS
'the value a Prefect state (as JSON) points at, as jsonb';

-- The state JSON as the API shows it, plus "_source": where it was read.
CREATE FUNCTION prefect_state(id text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pg_prefect_state'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION prefect_state(text) IS
'the Prefect state of a flow run, task run or state id, with its source';

-- Many ids at once; a failure is that row's error.
CREATE FUNCTION prefect_results(ids text[], typed boolean DEFAULT NULL)
RETURNS TABLE (id text, result jsonb, error text)
AS 'MODULE_PATHNAME', 'pg_prefect_results'
LANGUAGE C VOLATILE ROWS 10;

COMMENT ON FUNCTION prefect_results(text[], boolean) IS
'prefect_result for each id, with per-row errors';

-- A block document with its secrets (database source; superuser only).
CREATE FUNCTION prefect_block(id text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pg_prefect_block'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION prefect_block(text) IS
'a Prefect block document, decrypted, with references inlined (superuser only)';

-- Network and file access is granted explicitly.
REVOKE EXECUTE ON FUNCTION prefect_result(text, boolean, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION prefect_result(jsonb, boolean, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION prefect_state(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION prefect_results(text[], boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION prefect_block(text) FROM PUBLIC;
