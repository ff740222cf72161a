-- minidb: the database source on a small Prefect-shaped schema built
-- here (no corpora needed): the artifact fallback and its falsy-inline
-- caveat, runs to their current state, block documents encrypted with
-- Fernet by pgcrypto (an implementation independent of ours), nested
-- references, and the errors of each.
LOAD 'prefect_result';  -- its settings exist once the module is loaded
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE SCHEMA regress_mini;
SET search_path = regress_mini, public;
CREATE TABLE artifact (id uuid PRIMARY KEY, data json);
CREATE TABLE flow_run_state (id uuid PRIMARY KEY, type text, name text,
    "timestamp" timestamptz, message text, state_details jsonb, data jsonb,
    result_artifact_id uuid);
CREATE TABLE task_run_state (LIKE flow_run_state);
CREATE TABLE flow_run (id uuid PRIMARY KEY, state_id uuid);
CREATE TABLE task_run (id uuid PRIMARY KEY, state_id uuid);
CREATE TABLE block_type (id uuid PRIMARY KEY, name text, slug text);
CREATE TABLE block_document (id uuid PRIMARY KEY, name text, data jsonb,
    is_anonymous boolean, block_schema_id uuid, block_type_id uuid,
    block_type_name text);
CREATE TABLE block_document_reference (name text,
    parent_block_document_id uuid, reference_block_document_id uuid);
CREATE TABLE configuration (key text PRIMARY KEY, value jsonb);
-- Fernet: 0x80 | timestamp | IV | AES-128-CBC | HMAC-SHA256 (fixed IV,
-- so the tokens are stable).
CREATE FUNCTION fernet(key text, plain text) RETURNS text LANGUAGE sql AS $$
  WITH k AS (SELECT decode(translate(key, '-_', '+/'), 'base64') AS k),
       b AS (SELECT '\x80'::bytea || int8send(1764388800)
                    || '\x000102030405060708090a0b0c0d0e0f'::bytea
                    || encrypt_iv(convert_to(plain, 'UTF8'), substr(k, 17, 16),
                                  '\x000102030405060708090a0b0c0d0e0f',
                                  'aes-cbc/pad:pkcs') AS b FROM k)
  SELECT translate(encode(b || hmac(b, substr(k, 1, 16), 'sha256'), 'base64'),
                   E'+/\n', '-_') FROM b, k $$;
INSERT INTO configuration VALUES ('ENCRYPTION_KEY',
    '{"fernet_key": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}');
INSERT INTO artifact VALUES
  ('a0000000-0000-4000-8000-000000000001', '{"type": "literal", "value": true}'),
  ('a0000000-0000-4000-8000-000000000002', '{"x": 1}'),
  ('a0000000-0000-4000-8000-000000000005', '{"type": "unpersisted"}');
INSERT INTO flow_run_state VALUES
  ('50000000-0000-4000-8000-000000000001', 'COMPLETED', 'Completed',
   '2026-11-29 04:05:05.417591+00', NULL, '{"flow_run_id": null}', NULL,
   'a0000000-0000-4000-8000-000000000001'),
  ('50000000-0000-4000-8000-000000000002', 'COMPLETED', 'Completed',
   '2026-11-29 04:05:06+00', NULL, '{}', '0',
   'a0000000-0000-4000-8000-000000000002'),
  ('50000000-0000-4000-8000-000000000003', 'COMPLETED', 'Completed',
   '2026-11-29 04:05:07.5+00', NULL, '{}', '{}', NULL),
  ('50000000-0000-4000-8000-000000000004', 'COMPLETED', 'Completed',
   '2026-11-29 04:05:08+00', NULL, '{}', '42', NULL),
  ('50000000-0000-4000-8000-000000000005', 'COMPLETED', 'Completed',
   '2026-11-29 04:05:09+00', NULL, '{}', 'null',
   'a0000000-0000-4000-8000-000000000005'),
  ('50000000-0000-4000-8000-000000000007', 'FAILED', 'Failed',
   '2026-11-29 04:05:10+00', 'Flow run encountered an exception: boom', '{}',
   '{"rows": [1, 2]}', NULL),
  ('50000000-0000-4000-8000-000000000008', 'COMPLETED', 'Completed',
   '2026-11-29 04:05:12+00', NULL, '{}', '{"type": "reference",
   "serializer_type": "pickle", "storage_key": "k1",
   "storage_block_id": "b0000000-0000-4000-8000-000000000001"}', NULL);
INSERT INTO task_run_state VALUES
  ('50000000-0000-4000-8000-000000000006', 'COMPLETED', 'Completed',
   '2026-11-29 04:05:11+00', '', '{"task_run_id": "7a000000-0000-4000-8000-000000000001"}',
   '{"type": "literal", "value": "0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b"}', NULL);
INSERT INTO flow_run VALUES
  ('f0000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000001'),
  ('f0000000-0000-4000-8000-000000000002', NULL);
INSERT INTO task_run VALUES
  ('7a000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000006');
INSERT INTO block_type VALUES
  ('b7000000-0000-4000-8000-000000000001', 'S3 Bucket', 's3-bucket'),
  ('b7000000-0000-4000-8000-000000000002', 'AWS Credentials', 'aws-credentials'),
  ('b7000000-0000-4000-8000-000000000003', 'Local File System', 'local-file-system');
INSERT INTO block_document VALUES
  ('b0000000-0000-4000-8000-000000000001', 'results', to_jsonb(fernet(
     'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
     '{"bucket_name": "bkt", "bucket_folder": "runs"}')), false, NULL,
   'b7000000-0000-4000-8000-000000000001', 'S3 Bucket'),
  ('b0000000-0000-4000-8000-000000000002', 'creds', to_jsonb(fernet(
     'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
     '{"aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "s3cr3t", "region_name": "eu-west-1", "aws_client_parameters": {"endpoint_url": "http://127.0.0.1:9000"}}')),
   false, NULL, 'b7000000-0000-4000-8000-000000000002', 'AWS Credentials'),
  ('b0000000-0000-4000-8000-000000000003', 'plain', '{"basepath": "/srv/results"}',
   true, NULL, 'b7000000-0000-4000-8000-000000000003', 'Local File System'),
  ('b0000000-0000-4000-8000-000000000004', 'tampered', to_jsonb(overlay(fernet(
     'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', '{"basepath": "/x"}')
     PLACING 'AAAA' FROM 40)), false, NULL,
   'b7000000-0000-4000-8000-000000000003', 'Local File System'),
  ('b0000000-0000-4000-8000-000000000005', 'loop-a', to_jsonb(fernet(
     'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', '{}')), false, NULL,
   'b7000000-0000-4000-8000-000000000003', 'Local File System'),
  ('b0000000-0000-4000-8000-000000000006', 'loop-b', to_jsonb(fernet(
     'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', '{}')), false, NULL,
   'b7000000-0000-4000-8000-000000000003', 'Local File System');
INSERT INTO block_document_reference VALUES
  ('credentials', 'b0000000-0000-4000-8000-000000000001',
   'b0000000-0000-4000-8000-000000000002'),
  ('next', 'b0000000-0000-4000-8000-000000000005',
   'b0000000-0000-4000-8000-000000000006'),
  ('next', 'b0000000-0000-4000-8000-000000000006',
   'b0000000-0000-4000-8000-000000000005');
RESET search_path;

SET prefect_result.schema = 'regress_mini';
-- auto finds the tables.
SHOW prefect_result.source;
-- States as the API shows them, with where they came from.
SELECT prefect_state('50000000-0000-4000-8000-000000000001');
-- data: the artifact when the state's own data is NULL, JSON null or
-- falsy (0, false, "", {}, []), as Prefect's ORM reads it.
SELECT s.id, prefect_state(s.id::text) -> 'data' AS data,
       prefect_state(s.id::text) ->> 'timestamp' AS ts
FROM regress_mini.flow_run_state s ORDER BY s.id;
-- Any of the four ids: state, task run state, flow run, task run.
SELECT prefect_state('50000000-0000-4000-8000-000000000006') -> '_source';
SELECT prefect_state('f0000000-0000-4000-8000-000000000001') -> '_source',
       prefect_state('f0000000-0000-4000-8000-000000000001') ->> 'id';
SELECT prefect_state('7a000000-0000-4000-8000-000000000001') -> 'data';
-- Upper case and 32-digit forms are the same UUID.
SELECT prefect_state('50000000000040008000000000000004') ->> 'id',
       prefect_state('{50000000-0000-4000-8000-000000000004}') -> 'data';
-- Blocks: decrypted with the configuration table's key, references
-- inlined under their field name, as include_secrets=true returns them.
SELECT jsonb_pretty(prefect_block('b0000000-0000-4000-8000-000000000001'));
SELECT prefect_block('b0000000-0000-4000-8000-000000000003') -> 'data';
-- The key from the setting wins over the table (as PREFECT_SERVER_
-- ENCRYPTION_KEY does on the server).
SET prefect_result.encryption_key = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
SELECT prefect_block('b0000000-0000-4000-8000-000000000002') -> 'data' -> 'region_name';
\set VERBOSITY sqlstate
SET prefect_result.encryption_key = 'Fje-4Rj6EHk6sgUy01b1BZPnlBAAC4vyxit_k2lK530=';
SELECT prefect_block('b0000000-0000-4000-8000-000000000002');
SET prefect_result.encryption_key = 'not-a-key';
SELECT prefect_block('b0000000-0000-4000-8000-000000000002');
RESET prefect_result.encryption_key;
\set VERBOSITY default
-- Errors, each with its SQLSTATE.
SELECT prefect_block('b0000000-0000-4000-8000-000000000004');
SELECT prefect_block('b0000000-0000-4000-8000-000000000005');
SELECT prefect_block('b0000000-0000-4000-8000-0000000000ff');
SELECT prefect_state('f0000000-0000-4000-8000-000000000002');
SELECT prefect_state('00000000-0000-4000-8000-000000000000');
SELECT prefect_state('not-a-uuid');
SELECT prefect_state('50000000-0000-4000-8000-00000000000g');
\set VERBOSITY sqlstate
SELECT prefect_block('b0000000-0000-4000-8000-000000000004');
SELECT prefect_block('b0000000-0000-4000-8000-000000000005');
SELECT prefect_block('b0000000-0000-4000-8000-0000000000ff');
SELECT prefect_state('f0000000-0000-4000-8000-000000000002');
SELECT prefect_state('not-a-uuid');
-- A key that no longer matches and no key at all.
BEGIN;
UPDATE regress_mini.configuration
SET value = '{"fernet_key": "Fje-4Rj6EHk6sgUy01b1BZPnlBAAC4vyxit_k2lK530="}';
SELECT prefect_block('b0000000-0000-4000-8000-000000000001');
ROLLBACK;
BEGIN;
DELETE FROM regress_mini.configuration;
SELECT prefect_block('b0000000-0000-4000-8000-000000000001');
ROLLBACK;
-- source = database needs the tables; a missing table mid-way is the
-- caller's error with its own SQLSTATE.
SET prefect_result.source = 'database';
SET prefect_result.schema = 'public';
SELECT prefect_state('50000000-0000-4000-8000-000000000001');
SET prefect_result.schema = 'regress_mini';
BEGIN;
ALTER TABLE regress_mini.artifact RENAME TO artifact_gone;
SELECT prefect_state('50000000-0000-4000-8000-000000000001');
ROLLBACK;
SELECT prefect_state('50000000-0000-4000-8000-000000000001') -> 'data';
\set VERBOSITY default
-- A cancel inside the SPI work (here statement_timeout) is not swallowed
-- by the subtransaction: it stops the statement.
SET prefect_result.source = 'auto';
\set VERBOSITY terse
SET statement_timeout = '300ms';
SELECT count(prefect_state('50000000-0000-4000-8000-000000000004'))
FROM generate_series(1, 1000000);
RESET statement_timeout;
\set VERBOSITY default
SELECT prefect_state('50000000-0000-4000-8000-000000000004') -> 'data' AS after_cancel;
-- prefect_block is for superusers only, even with EXECUTE.
SET ROLE regress_pr_user;
SELECT prefect_block('b0000000-0000-4000-8000-000000000003');
RESET ROLE;
RESET prefect_result.source;
RESET prefect_result.schema;
