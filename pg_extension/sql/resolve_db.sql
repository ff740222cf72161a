-- resolve_db: every PostgreSQL case of the real corpora, resolved from
-- Prefect's tables (states, artifacts, encrypted blocks) and the result
-- files, which path_remap maps from where Prefect wrote them to the
-- corpus case folders.  Compared with what Python read.
LOAD 'prefect_result';  -- its settings exist once the module is loaded
\getenv remap PR_PG_REMAP
\getenv corpora PR_PG_CORPORA
SET prefect_result.path_remap = :'remap';
SET prefect_result.source = 'database';
CREATE FUNCTION pg_temp.verdict(c corpus_case, result jsonb, error text)
RETURNS text LANGUAGE sql AS $$
  SELECT CASE
    WHEN error IS NOT NULL THEN 'error: ' || error
    WHEN c.expected IS NULL THEN 'decoded (' || jsonb_typeof(result) || ')'
    WHEN result = c.expected THEN 'equal'
    ELSE 'DIFFERENT: ' || result::text END $$;
SET prefect_result.schema = 'prefect2';
SELECT c.name, pg_temp.verdict(c, r.result, r.error)
FROM prefect_results((SELECT array_agg(state_id ORDER BY name)
                      FROM corpus_case WHERE corpus = 'prefect2'
                      AND backend = 'pg')) r
JOIN corpus_case c ON c.state_id = r.id ORDER BY c.name;
SET prefect_result.schema = 'prefect3';
SELECT c.name, pg_temp.verdict(c, r.result, r.error)
FROM prefect_results((SELECT array_agg(state_id ORDER BY name)
                      FROM corpus_case WHERE corpus = 'prefect3'
                      AND backend = 'pg')) r
JOIN corpus_case c ON c.state_id = r.id ORDER BY c.name;
-- By run id, and from the state JSON the API returned: the same values.
CREATE FUNCTION pg_temp.by_run(c corpus_case) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  by_run text;
  by_json text;
BEGIN
  PERFORM set_config('prefect_result.schema', c.schema, true);
  BEGIN
    by_run := pg_temp.verdict(c, prefect_result(c.run_id), NULL);
  EXCEPTION WHEN OTHERS THEN
    by_run := 'error ' || SQLSTATE;
  END;
  BEGIN
    by_json := pg_temp.verdict(c, prefect_result(c.state), NULL);
  EXCEPTION WHEN OTHERS THEN
    by_json := 'error ' || SQLSTATE;
  END;
  RETURN by_run || ' / ' || by_json;
END $$;
SELECT corpus, pg_temp.by_run(c) AS by_run_and_state_json, count(*)
FROM corpus_case c WHERE backend = 'pg' GROUP BY 1, 2 ORDER BY 1, 2;
-- A failed run raises with the exception in errdetail...
SET prefect_result.schema = 'prefect3';
SELECT prefect_result(state_id) FROM corpus_case
WHERE corpus = 'prefect3' AND backend = 'pg' AND state_type = 'FAILED';
SET prefect_result.schema = 'prefect2';
SELECT prefect_result(state_id) FROM corpus_case
WHERE corpus = 'prefect2' AND backend = 'pg' AND state_type = 'FAILED'
ORDER BY name LIMIT 1;
-- ...or returns it.
SELECT c.name, prefect_result(c.state_id, raise_on_failure => false)
FROM corpus_case c
WHERE corpus = 'prefect2' AND backend = 'pg' AND state_type = 'FAILED'
ORDER BY c.name;
-- Typed mode keeps the types JSON lacks.
SELECT c.name, prefect_result(c.state_id, typed => true)
FROM corpus_case c
WHERE corpus = 'prefect2' AND backend = 'pg'
  AND name IN ('p2/pg-flow-pickle-default-datetime_offset',
               'p2/pg-flow-json-default-frozenset',
               'p2/pg-flow-pickle-default-bytes_nul')
ORDER BY c.name;
-- Without the remap the files are where Prefect wrote them: not here.
SELECT state_id AS sid FROM corpus_case
WHERE name = 'p2/pg-flow-pickle-block-str_sample' \gset
RESET prefect_result.path_remap;
\set VERBOSITY sqlstate
SELECT prefect_result(:'sid');
\set VERBOSITY default
SET prefect_result.path_remap = :'remap';
-- Roles: pg_read_server_files members may have local files read; others
-- may not, even with EXECUTE and SELECT on Prefect's tables.
GRANT USAGE ON SCHEMA prefect2 TO regress_pr_user, regress_pr_files;
GRANT SELECT ON ALL TABLES IN SCHEMA prefect2
    TO regress_pr_user, regress_pr_files;
SET ROLE regress_pr_files;
SELECT prefect_result(:'sid');
RESET ROLE;
SET ROLE regress_pr_user;
\set VERBOSITY sqlstate
SELECT prefect_result(:'sid');
\set VERBOSITY default
SELECT prefect_state(:'sid') ->> 'type' AS state_without_files;
RESET ROLE;
-- Memory: 5,000 resolutions (SPI state and block reads, Fernet, file
-- read, decode) leave the backend's size flat.
CREATE FUNCTION pg_temp.rss_kb() RETURNS bigint LANGUAGE sql AS $$
  SELECT (regexp_match(pg_read_file('/proc/self/status'),
                       'RssAnon:\s+(\d+)'))[1]::bigint $$;
CREATE TEMP TABLE ids AS SELECT state_id FROM corpus_case
WHERE corpus = 'prefect2' AND backend = 'pg' AND state_type = 'COMPLETED'
  AND name LIKE 'p2/pg-flow-%' AND name NOT LIKE '%json%bytes_nul';
SELECT count(prefect_result(state_id)) > 0 FROM ids,
       generate_series(1, 5000 / (SELECT count(*) FROM ids));
SELECT pg_temp.rss_kb() AS before \gset
SELECT count(prefect_result(state_id)) > 0 FROM ids,
       generate_series(1, 5000 / (SELECT count(*) FROM ids));
SELECT pg_temp.rss_kb() - :before < 2048 AS flat_after_5000_results;
RESET prefect_result.schema;
RESET prefect_result.source;
RESET prefect_result.path_remap;
