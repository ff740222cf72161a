-- minidb_resolve: values resolved by the core through the database
-- source on minidb's schema (no corpora needed): inline values, the
-- artifact fallback, runs, per-row errors, a failed state, and a block
-- with secrets whose use never shows them.
LOAD 'prefect_result';  -- its settings exist once the module is loaded
SET prefect_result.schema = 'regress_mini';
SELECT s.id, r.result, r.error
FROM regress_mini.flow_run_state s,
     prefect_results(ARRAY[s.id::text]) r
WHERE s.id::text <> '50000000-0000-4000-8000-000000000008'
ORDER BY s.id;
-- Run ids resolve their current state.
SELECT prefect_result('f0000000-0000-4000-8000-000000000001') AS flow_run,
       prefect_result('7a000000-0000-4000-8000-000000000001') AS task_run;
-- prefect_state's output feeds prefect_result (its "_source" is ignored).
SELECT prefect_result(prefect_state('50000000-0000-4000-8000-000000000004'));
-- A failed state whose data is not an exception: the state's message.
SELECT prefect_result('50000000-0000-4000-8000-000000000007');
SELECT prefect_result('50000000-0000-4000-8000-000000000007',
                      raise_on_failure => false);
-- A cancel stops prefect_results; it is never a row's error.
\set VERBOSITY terse
SET statement_timeout = '300ms';
SELECT count(*) FROM prefect_results(
  array_fill('50000000-0000-4000-8000-000000000004'::text, ARRAY[1000000]));
RESET statement_timeout;
\set VERBOSITY default
SELECT prefect_result('50000000-0000-4000-8000-000000000004') AS after_cancel;
-- A block with credentials: whatever happens with it, the error never
-- carries a secret.
CREATE FUNCTION pg_temp.err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  d text;
  h text;
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
  RETURN concat_ws(' ', SQLERRM, d, h);
END $$;
SELECT e <> 'ok' AS failed, position('s3cr3t' IN e) = 0 AS no_secret,
       position('AKIAEXAMPLE' IN e) = 0 AS no_key_id
FROM pg_temp.err($$SELECT prefect_result('50000000-0000-4000-8000-000000000008')$$) e;
RESET prefect_result.schema;
