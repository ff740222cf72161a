-- memory: no growth across calls.  The backend's private resident memory
-- (RssAnon in /proc/self/status, read by this backend: malloc and palloc,
-- not shared buffers) after 100,000 decodes stays within 2 MB of what it
-- was after a warm-up of the same query.
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
SELECT r.step, r.kb - w.kb < 2048 AS flat
FROM rss r JOIN rss w ON w.step = CASE r.step
  WHEN 'after 100000 decodes' THEN 'warm' ELSE 'warm errors' END
WHERE r.step LIKE 'after%' ORDER BY r.step;
-- The result itself.
SELECT prefect_decode(data) FROM payload;
