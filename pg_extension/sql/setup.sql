-- setup: the extension, its functions and the roles the tests use.
CREATE EXTENSION prefect_result;
SELECT extversion FROM pg_extension WHERE extname = 'prefect_result';
\df prefect_*
-- Who may execute what: only prefect_decode is granted to PUBLIC.
SELECT p.oid::regprocedure AS function,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute,
       p.provolatile AS volatility, p.proisstrict AS strict,
       p.proparallel AS parallel
FROM pg_proc p WHERE p.proname LIKE 'prefect\_%' ORDER BY 1::text;
-- Roles: no grants; EXECUTE only; EXECUTE and pg_read_server_files.
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_pr_nobody;
DROP ROLE IF EXISTS regress_pr_user;
DROP ROLE IF EXISTS regress_pr_files;
RESET client_min_messages;
CREATE ROLE regress_pr_nobody;
CREATE ROLE regress_pr_user;
CREATE ROLE regress_pr_files IN ROLE pg_read_server_files;
GRANT EXECUTE ON FUNCTION prefect_result(text, boolean, boolean),
    prefect_result(jsonb, boolean, boolean), prefect_state(text),
    prefect_results(text[], boolean), prefect_block(text)
    TO regress_pr_user, regress_pr_files;
