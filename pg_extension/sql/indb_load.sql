-- indb_load: Prefect's server tables from the real dumps in the shared
-- corpora (Prefect 2.20.25 on PostgreSQL 15, Prefect 3.4.1 on PostgreSQL
-- 17), each in its own schema, before the extension exists (a dump
-- fills "public", which is then renamed).  tests/pg/run.sh strips the
-- \restrict lines and PostgreSQL 17's transaction_timeout.
\getenv dump2 PR_PG_DUMP2
\getenv dump3 PR_PG_DUMP3
\getenv corpus_sql PR_PG_CORPUS_SQL
\set ECHO none
\o /dev/null
\i :dump2
RESET ALL;
ALTER SCHEMA public RENAME TO prefect2;
CREATE SCHEMA public;
ALTER EXTENSION pg_trgm SET SCHEMA public;
\i :dump3
RESET ALL;
ALTER SCHEMA public RENAME TO prefect3;
CREATE SCHEMA public;
GRANT USAGE, CREATE ON SCHEMA public TO PUBLIC;
ALTER EXTENSION pg_trgm SET SCHEMA public;
-- The cases, with the values Python read from them.
\i :corpus_sql
\o
\set ECHO all
SELECT (SELECT count(*) FROM prefect2.flow_run_state) AS p2_flow_states,
       (SELECT count(*) FROM prefect2.block_document) AS p2_blocks,
       (SELECT count(*) FROM prefect3.flow_run_state) AS p3_flow_states,
       (SELECT count(*) FROM prefect3.task_run_state) AS p3_task_states,
       (SELECT count(*) FROM prefect3.block_document) AS p3_blocks;
SELECT corpus, backend, count(*) FROM corpus_case GROUP BY 1, 2 ORDER BY 1, 2;
