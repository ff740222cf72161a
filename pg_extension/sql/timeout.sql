-- timeout: statement_timeout (and so a cancel) stops a request that
-- would otherwise wait a minute: the core polls QueryCancelPending.
LOAD 'prefect_result';  -- its settings exist once the module is loaded
\getenv api_port PR_PG_API_PORT
\set slow_url 'http://127.0.0.1:' :api_port '/slow/api'
\set api_url 'http://127.0.0.1:' :api_port '/api'
SET prefect_result.source = 'api';
SET prefect_result.api_url = :'slow_url';
SELECT clock_timestamp() AS t0 \gset
SET statement_timeout = '1s';
SELECT prefect_result('00000000-0000-4000-8000-000000000000');
-- A cancel is never a row's error: it stops prefect_results.
SELECT * FROM prefect_results(ARRAY['00000000-0000-4000-8000-000000000000',
                                    '00000000-0000-4000-8000-000000000001']);
SELECT prefect_state('00000000-0000-4000-8000-000000000000');
RESET statement_timeout;
SELECT clock_timestamp() - :'t0'::timestamptz < interval '10 seconds'
    AS all_three_stopped_within_10s;
-- The backend and its client are fine afterwards.
SET prefect_result.api_url = :'api_url';
\set VERBOSITY sqlstate
SELECT prefect_result('00000000-0000-4000-8000-000000000000');
RESET prefect_result.api_url;
RESET prefect_result.source;
