-- indb: the database source on the real Prefect databases (indb_load):
-- every state of the PostgreSQL cases as the API showed it, every run
-- to its current state, every block document decrypted.
-- States: equal to the captured API reply (timestamps compared as
-- instants: the API's text form depends on the Prefect version).
LOAD 'prefect_result';  -- its settings exist once the module is loaded
CREATE FUNCTION pg_temp.same_state(c corpus_case) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  s jsonb;
BEGIN
  PERFORM set_config('prefect_result.schema', c.schema, true);
  s := prefect_state(c.state_id);
  RETURN (s - '_source' - 'timestamp') = (c.state - 'timestamp')
     AND (s ->> 'timestamp')::timestamptz = (c.state ->> 'timestamp')::timestamptz
     AND s -> '_source' = jsonb_build_object('source', 'database',
                                             'schema', c.schema,
                                             'matched', c.kind || ' run state');
END $$;
SELECT corpus, count(*) AS cases,
       count(*) FILTER (WHERE pg_temp.same_state(c)) AS same_as_api
FROM corpus_case c WHERE backend = 'pg' GROUP BY corpus ORDER BY corpus;
-- A run id gives its current state (the final one here).
CREATE FUNCTION pg_temp.run_state(c corpus_case) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('prefect_result.schema', c.schema, true);
  RETURN prefect_state(c.run_id);
END $$;
SELECT corpus, count(*) AS runs,
       count(*) FILTER (WHERE pg_temp.run_state(c) ->> 'id' = c.state_id)
         AS current_state_found,
       string_agg(DISTINCT pg_temp.run_state(c) -> '_source' ->> 'matched', ', ')
         AS matched
FROM corpus_case c WHERE backend = 'pg' GROUP BY corpus ORDER BY corpus;
-- 3.x task states keep their metadata inline, flow states in artifacts.
SET prefect_result.schema = 'prefect3';
SELECT c.kind, count(*), count(*) FILTER (WHERE s.data IS NOT NULL) AS inline,
       count(*) FILTER (WHERE s.result_artifact_id IS NOT NULL) AS artifact
FROM corpus_case c
LEFT JOIN prefect3.task_run_state s ON s.id::text = c.state_id
WHERE c.corpus = 'prefect3' AND c.backend = 'pg' GROUP BY 1 ORDER BY 1;
-- Blocks: every document of both databases decrypts with the key in
-- its configuration table.
SET prefect_result.schema = 'prefect2';
SELECT count(*) AS blocks,
       count(DISTINCT prefect_block(id::text) -> 'data') AS distinct_data
FROM prefect2.block_document;
SELECT DISTINCT (prefect_block(id::text) -> 'data')::text AS p2_block_data
FROM prefect2.block_document ORDER BY 1::text;
SET prefect_result.schema = 'prefect3';
SELECT prefect_block(id::text) ->> 'name' AS name,
       prefect_block(id::text) -> 'data' AS data,
       prefect_block(id::text) -> 'block_type' ->> 'slug' AS slug
FROM prefect3.block_document ORDER BY 1;
-- The setting's key wins; Prefect 2's key cannot open Prefect 3's blocks.
SELECT set_config('prefect_result.encryption_key',
                  (SELECT value ->> 'fernet_key' FROM prefect2.configuration),
                  false) IS NOT NULL AS key_set;
\set VERBOSITY sqlstate
SELECT prefect_block(id::text) FROM prefect3.block_document LIMIT 1;
\set VERBOSITY default
SET prefect_result.schema = 'prefect2';
SELECT count(prefect_block(id::text)) AS p2_blocks_with_setting_key
FROM prefect2.block_document;
RESET prefect_result.encryption_key;
-- Memory: 20,000 state reads (each an SPI query in a subtransaction)
-- leave the backend's size flat.
CREATE FUNCTION pg_temp.rss_kb() RETURNS bigint LANGUAGE sql AS $$
  SELECT (regexp_match(pg_read_file('/proc/self/status'),
                       'RssAnon:\s+(\d+)'))[1]::bigint $$;
SELECT count(prefect_state(state_id)) FROM corpus_case c,
       generate_series(1, 435)
WHERE corpus = 'prefect2' AND backend = 'pg';
SELECT pg_temp.rss_kb() AS before \gset
SELECT count(prefect_state(state_id)) FROM corpus_case c,
       generate_series(1, 435)
WHERE corpus = 'prefect2' AND backend = 'pg';
SELECT pg_temp.rss_kb() - :before < 2048 AS flat_after_20000_states;
RESET prefect_result.schema;
