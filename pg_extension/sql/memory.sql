-- memory: no growth across calls.  The backend's private resident memory
-- (RssAnon in /proc/self/status, read by this backend: malloc and palloc,
-- not shared buffers) after 100,000 decodes, 100,000 resolutions and a
-- 100,000-id prefect_results stays within 2 MB of what it was after a
-- warm-up of the same kind.
LOAD 'prefect_result';  -- its settings exist once the module is loaded
CREATE FUNCTION pg_temp.rss_kb() RETURNS bigint LANGUAGE sql AS $$
  SELECT (regexp_match(pg_read_file('/proc/self/status'),
                       'RssAnon:\s+(\d+)'))[1]::bigint $$;
CREATE TEMP TABLE rss (step text, kb bigint);
-- A 3.x record of a dict (base64 pickle inside JSON), and an error path.
CREATE TEMP TABLE payload AS SELECT convert_to(
  '{"metadata":{"storage_key":"/x","expiration":null,"serializer":{"type":"pickle","picklelib":"cloudpickle","picklelib_version":null},"prefect_version":"3.4.1","storage_block_id":null},"result":"gAWVIAAAAAAAAAB9lCiMAWGUSwGMAWKUXZQoRz/4AAAAAAAAjAF4lGV1Lg==\n"}',
  'UTF8') AS data;
SELECT count(prefect_decode(data)) FROM payload, generate_series(1, 100000);
INSERT INTO rss SELECT 'warm', pg_temp.rss_kb();
SELECT count(prefect_decode(data)) FROM payload, generate_series(1, 100000);
INSERT INTO rss SELECT 'after 100000 decodes', pg_temp.rss_kb();
-- Failing calls free what they allocated too (each raises; a PL/pgSQL
-- loop catches them).
CREATE FUNCTION pg_temp.fail_many(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..n LOOP
    BEGIN
      PERFORM prefect_decode('\x80059501'::bytea);
    EXCEPTION WHEN invalid_binary_representation THEN NULL;
    END;
  END LOOP;
END $$;
SELECT pg_temp.fail_many(20000);
INSERT INTO rss SELECT 'warm errors', pg_temp.rss_kb();
SELECT pg_temp.fail_many(20000);
INSERT INTO rss SELECT 'after 20000 errors', pg_temp.rss_kb();
-- Resolution keeps a client per backend: 100,000 prefect_result calls
-- and one prefect_results over 100,000 ids (Prefect's tables in
-- regress_mini, made by the minidb test: a value kept in the state row).
SET prefect_result.schema = 'regress_mini';
-- (A long warm-up: malloc keeps what the first calls freed, so RssAnon
-- wanders by about a megabyte before it settles.)
SELECT count(prefect_result('50000000-0000-4000-8000-000000000004'))
FROM generate_series(1, 100000);
INSERT INTO rss SELECT 'warm results', pg_temp.rss_kb();
SELECT count(prefect_result('50000000-0000-4000-8000-000000000004'))
FROM generate_series(1, 100000);
INSERT INTO rss SELECT 'after 100000 results', pg_temp.rss_kb();
SELECT count(result) FROM prefect_results(
  array_fill('50000000-0000-4000-8000-000000000004'::text, ARRAY[100000]));
INSERT INTO rss SELECT 'warm bulk', pg_temp.rss_kb();
SELECT count(result) FROM prefect_results(
  array_fill('50000000-0000-4000-8000-000000000004'::text, ARRAY[100000]));
INSERT INTO rss SELECT 'after 100000 ids in bulk', pg_temp.rss_kb();
RESET prefect_result.schema;
SELECT r.step, r.kb - w.kb < 2048 AS flat
FROM rss r JOIN rss w ON w.step = CASE r.step
  WHEN 'after 100000 decodes' THEN 'warm'
  WHEN 'after 20000 errors' THEN 'warm errors'
  WHEN 'after 100000 ids in bulk' THEN 'warm bulk'
  ELSE 'warm results' END
WHERE r.step LIKE 'after%' ORDER BY r.step;
-- The result itself.
SELECT prefect_decode(data) FROM payload;
