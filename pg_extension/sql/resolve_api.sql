-- resolve_api: every case of both corpora (the SQLite and PostgreSQL
-- servers' runs), resolved through the REST API (tests/pg/fake_api.py
-- serves the captured replies) and the remapped result files.
LOAD 'prefect_result';  -- its settings exist once the module is loaded
\getenv remap PR_PG_REMAP
\getenv api_port PR_PG_API_PORT
SET prefect_result.path_remap = :'remap';
SET prefect_result.source = 'api';
-- api_url unset: PREFECT_API_URL from the server's environment.
SELECT regexp_replace(prefect_state(state_id) ->> '_source', ':[0-9]+/', ':PORT/')
       AS source
FROM corpus_case WHERE name = 'p3/pg-flow-pickle-block-int_7';
SELECT prefect_state(state_id) - '_source' = state AS same_as_captured
FROM corpus_case WHERE name = 'p3/pg-flow-pickle-block-int_7';
CREATE FUNCTION pg_temp.verdict(c corpus_case, result jsonb, error text)
RETURNS text LANGUAGE sql AS $$
  SELECT CASE
    WHEN error IS NOT NULL THEN 'error: ' || error
    WHEN c.expected IS NULL THEN 'decoded (' || jsonb_typeof(result) || ')'
    WHEN result = c.expected THEN 'equal'
    ELSE 'DIFFERENT: ' || result::text END $$;
SELECT c.name, pg_temp.verdict(c, r.result, r.error)
FROM prefect_results((SELECT array_agg(state_id ORDER BY name)
                      FROM corpus_case)) r
JOIN corpus_case c ON c.state_id = r.id ORDER BY c.name;
-- prefect_results at any width gives the same rows, in the same order
-- (prefect_result.parallel: requests in flight on one curl multi handle).
SET prefect_result.parallel = 1;
CREATE TEMP TABLE narrow AS
SELECT * FROM prefect_results((SELECT array_agg(state_id ORDER BY name)
                               FROM corpus_case)) WITH ORDINALITY;
SET prefect_result.parallel = 64;
CREATE TEMP TABLE wide AS
SELECT * FROM prefect_results((SELECT array_agg(state_id ORDER BY name)
                               FROM corpus_case)) WITH ORDINALITY;
RESET prefect_result.parallel;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE n.id IS DISTINCT FROM w.id
                        OR n.result IS DISTINCT FROM w.result
                        OR n.error IS DISTINCT FROM w.error) AS differing
FROM narrow n JOIN wide w USING (ordinality);
-- NaN and infinities from the Prefect 3 corpus, both policies.
SELECT c.name, prefect_result(c.state_id)
FROM corpus_case c WHERE c.name ~ 'float_(nan|posinf)' ORDER BY c.name;
SET prefect_result.nan = 'string';
SELECT c.name, prefect_result(c.state_id)
FROM corpus_case c WHERE c.name ~ 'float_(nan|posinf)' ORDER BY c.name;
RESET prefect_result.nan;
RESET prefect_result.source;
RESET prefect_result.path_remap;
