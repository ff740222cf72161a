-- gucs: the prefect_result.* settings.
LOAD 'prefect_result';  -- its settings exist once the module is loaded
SELECT name, setting, unit, context, vartype
FROM pg_settings WHERE name LIKE 'prefect\_result.%' ORDER BY name;
-- Secrets: never listed, never shown, even to a superuser.
SET prefect_result.api_key = 'pnu_secret_key';
SET prefect_result.auth_string = 'user:secret';
SET prefect_result.encryption_key = 'Fje-4Rj6EHk6sgUy01b1BZPnlBAAC4vyxit_k2lK530=';
SHOW prefect_result.api_key;
SHOW prefect_result.auth_string;
SELECT current_setting('prefect_result.encryption_key');
SELECT count(*) AS listed FROM pg_settings
WHERE name IN ('prefect_result.api_key', 'prefect_result.auth_string',
               'prefect_result.encryption_key');
SELECT count(*) AS in_show_all FROM pg_show_all_settings()
WHERE setting LIKE '%secret%' OR setting LIKE '%Fje-4R%';
RESET prefect_result.api_key;
RESET prefect_result.auth_string;
RESET prefect_result.encryption_key;
SHOW prefect_result.api_key;
-- path_remap: a list of FROM=TO items.
SET prefect_result.path_remap = '/a/b=/c, "/with space=/d"';
SHOW prefect_result.path_remap;
SET prefect_result.path_remap = '/no/equals/sign';
SET prefect_result.path_remap = '=/empty/from';
RESET prefect_result.path_remap;
-- Enumerations and ranges.
SET prefect_result.source = 'database';
SET prefect_result.source = 'sqlite';
RESET prefect_result.source;
SET prefect_result.max_result_bytes = '10MB';
SHOW prefect_result.max_result_bytes;
SET prefect_result.max_result_bytes = '2GB';
RESET prefect_result.max_result_bytes;
SET prefect_result.timeout = '2s';
SHOW prefect_result.timeout;
RESET prefect_result.timeout;
-- The prefix is reserved.
SET prefect_result.no_such_setting = 1;
-- Non-superusers: decoding choices yes; where to connect, no; secrets
-- cannot even be read.
SET ROLE regress_pr_user;
SET prefect_result.typed = on;
SET prefect_result.nan = 'string';
SET prefect_result.source = 'api';
SET prefect_result.api_url = 'http://127.0.0.1:1/api';
SET prefect_result.schema = 'mine';
SET prefect_result.path_remap = '/=/';
SET prefect_result.encryption_key = 'x';
SHOW prefect_result.api_key;
RESET ROLE;
RESET prefect_result.typed;
RESET prefect_result.nan;
RESET prefect_result.source;
