-- errors: decoding errors, each with its SQLSTATE.
LOAD 'prefect_result';  -- its settings exist once the module is loaded
\set VERBOSITY sqlstate
-- 22P03: not a pickle nor any Prefect file form.
SELECT prefect_decode('not a pickle'::bytea);
SELECT prefect_decode('\x8005'::bytea);
-- 0A000: a serializer only Python could run.
SELECT prefect_decode(convert_to('{"serializer": {"type": "my.custom"}, "data": "x", "prefect_version": "2.20.25"}', 'UTF8'));
-- 54000: each limit, named in the message.
SET prefect_result.max_result_bytes = '1kB';
SELECT prefect_decode(convert_to(repeat('a', 2000), 'UTF8'));
RESET prefect_result.max_result_bytes;
SET prefect_result.max_depth = 3;
SELECT prefect_decode('\x80049512000000000000005d945d945d945d945d944b0161616161612e'::bytea);
RESET prefect_result.max_depth;
SET prefect_result.max_output_bytes = '1kB';
SELECT prefect_decode(convert_to('"' || repeat('x', 3000) || '"', 'UTF8'), '{"type": "json"}');
RESET prefect_result.max_output_bytes;
-- 22P05: jsonb cannot store U+0000.
SELECT prefect_decode('\x80049507000000000000008c03610062942e'::bytea);
\set VERBOSITY default
-- The same, with their messages.
SELECT prefect_decode('not a pickle'::bytea);
SELECT prefect_decode(convert_to('{"serializer": {"type": "my.custom"}, "data": "x", "prefect_version": "2.20.25"}', 'UTF8'));
SET prefect_result.max_depth = 3;
SELECT prefect_decode('\x80049512000000000000005d945d945d945d945d944b0161616161612e'::bytea);
RESET prefect_result.max_depth;
SELECT prefect_decode('\x80049507000000000000008c03610062942e'::bytea);
