-- privileges: prefect_decode is for everyone; functions that reach the
-- network or files need EXECUTE, granted explicitly.
LOAD 'prefect_result';  -- its settings exist once the module is loaded
\set VERBOSITY sqlstate
SET ROLE regress_pr_nobody;
SELECT prefect_decode('\x80054b2a2e'::bytea);
SELECT prefect_result('50000000-0000-4000-8000-000000000004');
SELECT prefect_result('{"data": 42}'::jsonb);
SELECT prefect_state('50000000-0000-4000-8000-000000000004');
SELECT * FROM prefect_results(ARRAY['50000000-0000-4000-8000-000000000004']);
SELECT prefect_block('b0000000-0000-4000-8000-000000000003');
RESET ROLE;
-- With EXECUTE, the database source still reads with the caller's own
-- privileges on Prefect's tables.
SET prefect_result.schema = 'regress_mini';
SET ROLE regress_pr_user;
SELECT prefect_state('50000000-0000-4000-8000-000000000004');
RESET ROLE;
GRANT USAGE ON SCHEMA regress_mini TO regress_pr_user, regress_pr_files;
GRANT SELECT ON ALL TABLES IN SCHEMA regress_mini
    TO regress_pr_user, regress_pr_files;
SET ROLE regress_pr_user;
SELECT prefect_state('50000000-0000-4000-8000-000000000004') -> 'data';
-- A value kept in the database (or in an object store) needs no file
-- privilege, one by one or in bulk...
SELECT prefect_result('50000000-0000-4000-8000-000000000004');
SELECT * FROM prefect_results(ARRAY['50000000-0000-4000-8000-000000000004',
                                    '50000000-0000-4000-8000-000000000001']);
-- ...but a local result file does: superuser or pg_read_server_files,
-- checked on the file itself, before it is opened.
\set VERBOSITY default
SELECT prefect_result('{"type": "COMPLETED", "data": {"storage_key":
  "/nonexistent/prefect-result-privileges", "serializer": "pickle",
  "storage_block_id": null, "prefect_version": "3.4.1"}}'::jsonb);
RESET ROLE;
SET ROLE regress_pr_files;
\set VERBOSITY terse
SELECT prefect_result('{"type": "COMPLETED", "data": {"storage_key":
  "/nonexistent/prefect-result-privileges", "serializer": "pickle",
  "storage_block_id": null, "prefect_version": "3.4.1"}}'::jsonb);
RESET ROLE;
\set VERBOSITY sqlstate
SET ROLE regress_pr_user;
-- Settings that decide where to connect or what to read are not theirs.
SET prefect_result.schema = 'other';
SET prefect_result.api_url = 'http://127.0.0.1:1/api';
SET prefect_result.local_storage_path = '/';
RESET ROLE;
\set VERBOSITY default
SET ROLE regress_pr_user;
SELECT prefect_block('b0000000-0000-4000-8000-000000000003');
RESET ROLE;
RESET prefect_result.schema;
