-- nan: jsonb has no NaN or Infinity, so prefect_result.nan decides:
-- null (default) or the strings "NaN", "Infinity", "-Infinity".
LOAD 'prefect_result';  -- its settings exist once the module is loaded
SHOW prefect_result.nan;
-- A JSON-serializer result with NaN tokens (Python's json.dumps).
SELECT prefect_decode(convert_to('{"x": NaN, "y": [Infinity, -Infinity, 1.5]}',
                                 'UTF8'), '{"type": "json"}');
-- A pickled float('nan') and a list of non-finite floats.
SELECT prefect_decode('\x8005950a00000000000000477ff80000000000002e'::bytea) AS nan_pickle;
SET prefect_result.nan = 'string';
SELECT prefect_decode(convert_to('{"x": NaN, "y": [Infinity, -Infinity, 1.5]}',
                                 'UTF8'), '{"type": "json"}');
SELECT prefect_decode('\x8005950a00000000000000477ff80000000000002e'::bytea) AS nan_pickle;
-- The jsonb value is a string, not a number.
SELECT jsonb_typeof(prefect_decode('\x8005950a00000000000000477ff80000000000002e'::bytea));
-- Bare tokens would not be jsonb: not an accepted value.
SET prefect_result.nan = 'token';
RESET prefect_result.nan;
SELECT prefect_decode('\x8005950a00000000000000477ff80000000000002e'::bytea) AS nan_reset;
