-- api_errors: the REST source against tests/pg/fake_api.py, and every
-- error of a resolution with its SQLSTATE.  No corpora needed.
LOAD 'prefect_result';  -- its settings exist once the module is loaded
\getenv api_port PR_PG_API_PORT
\getenv closed_port PR_PG_CLOSED_PORT
\set api_url 'http://127.0.0.1:' :api_port '/api'
\set auth_url 'http://127.0.0.1:' :api_port '/auth/api'
\set status500_url 'http://127.0.0.1:' :api_port '/status500/api'
\set slow_url 'http://127.0.0.1:' :api_port '/slow/api'
\set closed_url 'http://127.0.0.1:' :closed_port '/api'
-- SQLSTATE, message, detail and hint of a statement (ports and the
-- run's temporary directory masked).
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  d text;
  h text;
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
  RETURN regexp_replace(regexp_replace(regexp_replace(regexp_replace(
      SQLSTATE || ': ' || SQLERRM
      || coalesce(E'\n  detail: ' || nullif(d, ''), '')
      || coalesce(E'\n  hint: ' || nullif(h, ''), ''),
      '127\.0\.0\.1:[0-9]+', '127.0.0.1:PORT', 'g'),
      'port [0-9]+', 'port PORT', 'g'),
      'after [0-9]+ ms', 'after N ms', 'g'),
      '/[^ ]*/pr-pg\.[A-Za-z0-9]+/', '$TMP/', 'g');
END $$;
SET prefect_result.source = 'api';
-- Unset settings fall back to the server's environment, as the CLI
-- tools read it: run.sh started the server with PREFECT_API_URL set to
-- the fake API, so an unknown id is the API's 404 (and not "no API").
SELECT pg_temp.try($$SELECT prefect_state('00000000-0000-4000-8000-000000000000')$$);
-- auto: prefect_result.schema (public) holds no Prefect tables, so the
-- API is used; the source shows in the message.
SET prefect_result.source = 'auto';
SELECT pg_temp.try($$SELECT prefect_state('00000000-0000-4000-8000-000000000000')$$);
SET prefect_result.source = 'api';
-- 22023: not an id; not an API URL.
SELECT pg_temp.try($$SELECT prefect_result('not-an-id')$$);
SET prefect_result.api_url = 'ftp://127.0.0.1/api';
SELECT pg_temp.try($$SELECT prefect_result('00000000-0000-4000-8000-000000000000')$$);
-- 28000: the API refuses us; with the right key it answers (404: P0002).
SET prefect_result.api_url = :'auth_url';
SELECT pg_temp.try($$SELECT prefect_result('00000000-0000-4000-8000-000000000000')$$);
SET prefect_result.api_key = 'pnu_wrong';
SELECT pg_temp.try($$SELECT prefect_result('00000000-0000-4000-8000-000000000000')$$);
SET prefect_result.api_key = 'pnu_test';
SELECT pg_temp.try($$SELECT prefect_result('00000000-0000-4000-8000-000000000000')$$);
RESET prefect_result.api_key;
-- 38000: an HTTP status that is neither success nor retried.
SET prefect_result.api_url = :'status500_url';
SELECT pg_temp.try($$SELECT prefect_result('00000000-0000-4000-8000-000000000000')$$);
-- 08001: nothing listens; a reply slower than prefect_result.timeout.
SET prefect_result.api_url = :'closed_url';
SELECT pg_temp.try($$SELECT prefect_result('00000000-0000-4000-8000-000000000000')$$);
SET prefect_result.api_url = :'slow_url';
SET prefect_result.timeout = '300ms';
SELECT split_part(pg_temp.try($$SELECT prefect_result('00000000-0000-4000-8000-000000000000')$$),
                  ' (Operation', 1);
RESET prefect_result.timeout;
-- In prefect_results each of these is the row's error.
SET prefect_result.api_url = :'api_url';
SELECT id, result,
       regexp_replace(error, '127\.0\.0\.1:[0-9]+', '127.0.0.1:PORT') AS error
FROM prefect_results(ARRAY['00000000-0000-4000-8000-000000000000', 'bad',
                           NULL]);
-- The same errors with plain SQLSTATEs.
\set VERBOSITY sqlstate
SELECT prefect_result('00000000-0000-4000-8000-000000000000');
SELECT prefect_result('not-an-id');
SET prefect_result.api_url = :'auth_url';
SELECT prefect_result('00000000-0000-4000-8000-000000000000');
SET prefect_result.api_url = :'status500_url';
SELECT prefect_result('00000000-0000-4000-8000-000000000000');
SET prefect_result.api_url = :'closed_url';
SELECT prefect_result('00000000-0000-4000-8000-000000000000');
SET prefect_result.api_url = :'api_url';
\set VERBOSITY default
-- A state given as JSON: inline values need no storage at all.
SELECT prefect_result('{"type": "COMPLETED", "data": {"rows": [1, 2]}}'::jsonb);
SELECT prefect_result('{"type": "COMPLETED", "data": {"type": "literal", "value": true}}'::jsonb);
SELECT prefect_result('{"type": "COMPLETED", "data": null}'::jsonb);
SELECT prefect_result('{"type": "COMPLETED", "data": {"type": "unpersisted"}}'::jsonb);
-- A failed state raises with the exception in errdetail (P0001), or
-- returns it.
SELECT prefect_result('{"type": "FAILED", "message": "Flow run encountered an exception: boom", "data": {"__exc_type__": "builtins.ValueError", "message": "boom"}}'::jsonb);
SELECT prefect_result('{"type": "FAILED", "data": {"__exc_type__": "builtins.ValueError", "message": "boom"}}'::jsonb,
                      raise_on_failure => false);
-- A state naming a local file: only superusers and pg_read_server_files
-- members may make the server read one.
SELECT pg_temp.try($$SELECT prefect_result('{"type": "COMPLETED", "data": {"storage_key": "/nonexistent/prefect-result-test", "expiration": null, "serializer": {"type": "json"}, "prefect_version": "3.4.1", "storage_block_id": null}}'::jsonb)$$);
-- 58030: the path is there but cannot be read as a file.
SELECT pg_temp.try($$SELECT prefect_result('{"type": "COMPLETED", "data": {"storage_key": "/etc", "expiration": null, "serializer": {"type": "json"}, "prefect_version": "3.4.1", "storage_block_id": null}}'::jsonb)$$);
SET ROLE regress_pr_files;
SELECT pg_temp.try($$SELECT prefect_result('{"type": "COMPLETED", "data": {"storage_key": "/nonexistent/prefect-result-test", "expiration": null, "serializer": {"type": "json"}, "prefect_version": "3.4.1", "storage_block_id": null}}'::jsonb)$$);
RESET ROLE;
SET ROLE regress_pr_user;
\set VERBOSITY sqlstate
SELECT prefect_result('{"type": "COMPLETED", "data": {"storage_key": "/nonexistent/prefect-result-test", "expiration": null, "serializer": {"type": "json"}, "prefect_version": "3.4.1", "storage_block_id": null}}'::jsonb);
\set VERBOSITY default
RESET ROLE;
RESET prefect_result.api_url;
RESET prefect_result.source;
