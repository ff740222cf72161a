/*
 * test_http.c - the HTTP layer against a scripted loopback server run by
 * the test itself (loopback.h): retries on 429 (Retry-After) and 503,
 * dropped connections, timeouts, the body cap, cancellation, connection
 * reuse, error mapping and URL redaction.  Each case takes well under
 * two seconds.
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "loopback.h"
#include "pr.h"
#include "http.h"
#include "http_impl.h"
#include "jsonw.h"

#define SECRET "sv=2024&sig=TOPSECRET"

static char url[256];

static void
url_for(const lb_server *s, const char *path)
{
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
}

/* Fast retries and a short timeout, so failing cases stay quick. */
static void
quick_opts(pr_http_opts *o)
{
    pr_http_opts d = PR_HTTP_OPTS_INIT;

    *o = d;
    o->timeout_ms = 3000;
    o->connect_timeout_ms = 1000;
    o->retries = 3;
    o->retry_base_ms = 10;
    o->retry_max_wait_ms = 2000;
}

static pr_code
get(pr_http *h, long *status, pr_buf *body, const pr_http_opts *o,
    int accept_404, const char *const *headers, size_t nheaders,
    pr_error *err)
{
    pr_http_request req;

    memset(&req, 0, sizeof(req));
    req.url = url;
    req.action = "reading test thing 1a2b";
    req.opts = o;
    req.accept_404 = accept_404;
    req.headers = headers;
    req.nheaders = nheaders;
    pr_error_clear(err);
    *status = 0;
    return pr_http_get(h, status, body, &req, err);
}

TEST(http_get_200_body_and_headers)
{
    static const char *const hdrs[] = {
        "Authorization: Bearer pnu_key", "X-Team: data"
    };
    lb_server s;
    pr_http *h = NULL;
    pr_http_opts o;
    pr_buf body;
    pr_error err;
    long status;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 200, "Content-Type: application/json\r\n", "{\"ok\":1}");
    url_for(&s, "/api/flow_run_states/x");
    quick_opts(&o);
    CHECK_EQ_INT(pr_http_new(&h, &err), PR_OK);
    pr_buf_init(&body, 1000);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, hdrs, 2, &err), PR_OK);
    CHECK_EQ_INT(status, 200);
    CHECK_EQ_STR(body.data, "{\"ok\":1}");
    lb_stop(&s);
    CHECK(strstr(s.req[0], "GET /api/flow_run_states/x HTTP/1.1") != NULL);
    CHECK(strstr(s.req[0], "Authorization: Bearer pnu_key\r\n") != NULL);
    CHECK(strstr(s.req[0], "X-Team: data\r\n") != NULL);
    CHECK(strstr(s.req[0], "Accept: application/json\r\n") != NULL);
    CHECK(strstr(s.req[0], "User-Agent: prefect-result/") != NULL);
    pr_buf_dispose(&body);
    pr_http_free(h);
}

TEST(http_reuses_one_connection)
{
    lb_server s;
    pr_http *h = NULL;
    pr_http_opts o;
    pr_buf body;
    pr_error err;
    long status;
    int i;

    CHECK(lb_start(&s) == 0);
    for (i = 0; i < 3; i++)
        lb_add(&s, 200, NULL, "x");
    url_for(&s, "/a");
    quick_opts(&o);
    CHECK_EQ_INT(pr_http_new(&h, &err), PR_OK);
    pr_buf_init(&body, 0);
    for (i = 0; i < 3; i++) {
        body.len = 0;
        CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_OK);
    }
    lb_stop(&s);
    CHECK_EQ_INT(s.nreq, 3);
    CHECK_EQ_INT(s.accepts, 1);
    pr_buf_dispose(&body);
    pr_http_free(h);
}

TEST(http_429_honours_retry_after_seconds)
{
    lb_server s;
    pr_http *h = NULL;
    pr_http_opts o;
    pr_buf body;
    pr_error err;
    struct timespec t0;
    long status, ms;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 429, "Retry-After: 1\r\n", "slow down");
    lb_add(&s, 200, NULL, "done");
    url_for(&s, "/r");
    quick_opts(&o);
    CHECK_EQ_INT(pr_http_new(&h, &err), PR_OK);
    pr_buf_init(&body, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_OK);
    ms = lb_ms_since(&t0);
    CHECK(ms >= 950 && ms < 1900);
    CHECK_EQ_STR(body.data, "done");
    lb_stop(&s);
    CHECK_EQ_INT(s.nreq, 2);
    pr_buf_dispose(&body);
    pr_http_free(h);
}

TEST(http_429_retry_after_is_bounded)
{
    lb_server s;
    pr_http *h = NULL;
    pr_http_opts o;
    pr_buf body;
    pr_error err;
    struct timespec t0;
    long status, ms;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 429, "Retry-After: 3600\r\n", "");
    lb_add(&s, 429, "Retry-After: Wed, 21 Oct 2099 07:28:00 GMT\r\n", "");
    lb_add(&s, 200, NULL, "ok");
    url_for(&s, "/r");
    quick_opts(&o);
    o.retry_max_wait_ms = 150;
    CHECK_EQ_INT(pr_http_new(&h, &err), PR_OK);
    pr_buf_init(&body, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_OK);
    ms = lb_ms_since(&t0);
    CHECK(ms >= 280 && ms < 1500);
    lb_stop(&s);
    pr_buf_dispose(&body);
    pr_http_free(h);
}

TEST(http_503_then_200)
{
    lb_server s;
    pr_http *h = NULL;
    pr_http_opts o;
    pr_buf body;
    pr_error err;
    long status;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 503, NULL, "busy");
    lb_add(&s, 502, NULL, "gateway");
    lb_add(&s, 200, NULL, "fine");
    url_for(&s, "/r");
    quick_opts(&o);
    CHECK_EQ_INT(pr_http_new(&h, &err), PR_OK);
    pr_buf_init(&body, 0);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_OK);
    CHECK_EQ_STR(body.data, "fine");    /* error bodies are dropped */
    lb_stop(&s);
    CHECK_EQ_INT(s.nreq, 3);
    pr_buf_dispose(&body);
    pr_http_free(h);
}

TEST(http_gives_up_after_the_retries)
{
    lb_server s;
    pr_http *h = NULL;
    pr_http_opts o;
    pr_buf body;
    pr_error err;
    long status;
    int i;

    CHECK(lb_start(&s) == 0);
    for (i = 0; i < 3; i++)
        lb_add(&s, 504, NULL, "{\"detail\":\"upstream\\ntimed out\"}");
    url_for(&s, "/r");
    quick_opts(&o);
    o.retries = 2;
    CHECK_EQ_INT(pr_http_new(&h, &err), PR_OK);
    pr_buf_init(&body, 0);
    pr_buf_append(&body, "prefix", 6, &err);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_EHTTP);
    CHECK_EQ_INT(err.http_status, 504);
    CHECK(strstr(err.msg, "reading test thing 1a2b: HTTP 504 from "
                 "http://127.0.0.1:") != NULL);
    CHECK(strstr(err.msg, "after 3 attempts: upstream timed out") != NULL);
    CHECK(strstr(err.hint, "try again later") != NULL);
    CHECK_EQ_INT(body.len, 6);      /* back where it was */
    CHECK_EQ_STR(body.data, "prefix");
    lb_stop(&s);
    CHECK_EQ_INT(s.nreq, 3);
    pr_buf_dispose(&body);
    pr_http_free(h);
}

TEST(http_dropped_connection_is_retried)
{
    lb_server s;
    pr_http *h = NULL;
    pr_http_opts o;
    pr_buf body;
    pr_error err;
    long status;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 0, NULL, NULL);          /* closes without a reply */
    lb_add(&s, 200, NULL, "after drop");
    url_for(&s, "/r");
    quick_opts(&o);
    CHECK_EQ_INT(pr_http_new(&h, &err), PR_OK);
    pr_buf_init(&body, 0);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_OK);
    CHECK_EQ_STR(body.data, "after drop");

    /* Only dropped, every time: a network error naming the attempts.
     * (A fresh handle: libcurl itself retries once when a reused
     * connection turns out dead, which would take a step.) */
    pr_http_free(h);
    CHECK_EQ_INT(pr_http_new(&h, &err), PR_OK);
    lb_add(&s, 0, NULL, NULL);
    lb_add(&s, 0, NULL, NULL);
    o.retries = 1;
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_ENETWORK);
    CHECK_EQ_INT(err.curl_code, 52);    /* CURLE_GOT_NOTHING */
    CHECK(strstr(err.msg, "after 2 attempts") != NULL);
    lb_stop(&s);
    pr_buf_dispose(&body);
    pr_http_free(h);
}

TEST(http_timeout)
{
    lb_server s;
    pr_http *h = NULL;
    pr_http_opts o;
    pr_buf body;
    pr_error err;
    struct timespec t0;
    long status, ms;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 200, NULL, "too late")->delay_ms = 3000;
    url_for(&s, "/slow");
    quick_opts(&o);
    o.timeout_ms = 300;
    CHECK_EQ_INT(pr_http_new(&h, &err), PR_OK);
    pr_buf_init(&body, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_ETIMEOUT);
    ms = lb_ms_since(&t0);
    CHECK(ms >= 250 && ms < 1500);
    CHECK_EQ_INT(err.curl_code, 28);
    CHECK(strstr(err.msg, "within 300 ms") != NULL);
    lb_stop(&s);
    CHECK_EQ_INT(s.nreq, 1);            /* timeouts are not retried */
    pr_buf_dispose(&body);
    pr_http_free(h);
}

TEST(http_body_cap)
{
    static char big[5001];
    lb_server s;
    pr_http *h = NULL;
    pr_http_opts o;
    pr_buf body;
    pr_error err;
    long status;

    memset(big, 'x', sizeof(big) - 1);
    CHECK(lb_start(&s) == 0);
    lb_add(&s, 200, NULL, big);                 /* announced length */
    lb_add(&s, 200, NULL, big)->no_length = 1;  /* read until close */
    lb_add(&s, 200, NULL, big);
    url_for(&s, "/big");
    quick_opts(&o);
    CHECK_EQ_INT(pr_http_new(&h, &err), PR_OK);
    pr_buf_init(&body, 1000);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_ELIMIT);
    CHECK(strstr(err.msg, "larger than 1000 bytes (max_input)") != NULL);
    CHECK_EQ_INT(body.len, 0);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_ELIMIT);
    CHECK_EQ_INT(body.len, 0);
    body.max = 5000;
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_OK);
    CHECK_EQ_INT(body.len, 5000);
    lb_stop(&s);
    pr_buf_dispose(&body);
    pr_http_free(h);
}

TEST(http_status_mapping)
{
    lb_server s;
    pr_http *h = NULL;
    pr_http_opts o;
    pr_buf body;
    pr_error err;
    long status;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 404, NULL, "{\"detail\":\"Not Found\"}");
    lb_add(&s, 404, NULL, "{\"detail\":\"Not Found\"}");
    lb_add(&s, 401, NULL, "{\"detail\":\"Unauthorized\"}");
    lb_add(&s, 403, NULL, "");
    lb_add(&s, 422, NULL, "{\"detail\":\"Invalid id\"}");
    lb_add(&s, 302, "Location: http://elsewhere/\r\n", "");
    url_for(&s, "/s");
    quick_opts(&o);
    CHECK_EQ_INT(pr_http_new(&h, &err), PR_OK);
    pr_buf_init(&body, 0);
    CHECK_EQ_INT(get(h, &status, &body, &o, 1, NULL, 0, &err), PR_OK);
    CHECK_EQ_INT(status, 404);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_ENOTFOUND);
    CHECK_EQ_INT(err.http_status, 404);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_EAUTH);
    CHECK_EQ_INT(err.http_status, 401);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_EAUTH);
    CHECK_EQ_INT(err.http_status, 403);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_EHTTP);
    CHECK(strstr(err.msg, "HTTP 422") != NULL);
    CHECK(strstr(err.msg, "Invalid id") != NULL);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_EHTTP);
    CHECK(strstr(err.hint, "redirects are not followed") != NULL);
    lb_stop(&s);
    CHECK_EQ_INT(s.nreq, 6);            /* none of these is retried */
    pr_buf_dispose(&body);
    pr_http_free(h);
}

TEST(http_connection_refused)
{
    pr_http *h = NULL;
    pr_http_opts o;
    pr_buf body;
    pr_error err;
    struct timespec t0;
    long status;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/api", lb_dead_port());
    quick_opts(&o);
    CHECK_EQ_INT(pr_http_new(&h, &err), PR_OK);
    pr_buf_init(&body, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_ENETWORK);
    CHECK(lb_ms_since(&t0) < 1000);
    CHECK_EQ_INT(err.curl_code, 7);
    CHECK(strstr(err.msg, "reading test thing 1a2b") != NULL);
    CHECK(strstr(err.hint, "server is running") != NULL);
    pr_buf_dispose(&body);
    pr_http_free(h);
}

static int cancel_calls;
static struct timespec cancel_t0;

static int
cancel_soon(void *arg)
{
    (void)arg;
    return ++cancel_calls > 5;
}

/* Fires 300 ms after cancel_t0. */
static int
cancel_later(void *arg)
{
    (void)arg;
    return lb_ms_since(&cancel_t0) > 300;
}

TEST(http_cancel_during_wait_and_transfer)
{
    lb_server s;
    pr_http *h = NULL;
    pr_http_opts o;
    pr_buf body;
    pr_error err;
    struct timespec t0;
    long status;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 429, "Retry-After: 5\r\n", "");
    lb_add(&s, 200, NULL, "late")->delay_ms = 3000;
    url_for(&s, "/c");
    quick_opts(&o);
    o.retry_max_wait_ms = 10000;
    CHECK_EQ_INT(pr_http_new(&h, &err), PR_OK);
    pr_http_set_cancel(h, cancel_later, NULL);
    pr_buf_init(&body, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cancel_t0 = t0;
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err),
                 PR_ECANCELED);
    CHECK(lb_ms_since(&t0) < 1500);
    CHECK(strstr(err.msg, "waiting to retry") != NULL);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    cancel_t0 = t0;
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err),
                 PR_ECANCELED);
    CHECK(lb_ms_since(&t0) < 2000);
    CHECK_EQ_INT(err.curl_code, 42);    /* CURLE_ABORTED_BY_CALLBACK */
    lb_stop(&s);
    pr_buf_dispose(&body);
    pr_http_free(h);
}

TEST(http_errors_redact_the_url)
{
    lb_server s;
    pr_http *h = NULL;
    pr_http_opts o;
    pr_buf body;
    pr_error err;
    long status;

    CHECK(lb_start(&s) == 0);
    lb_add(&s, 500, NULL, "");
    snprintf(url, sizeof(url), "http://bob:hunter2@127.0.0.1:%d/c/blob?"
             SECRET, s.port);
    quick_opts(&o);
    CHECK_EQ_INT(pr_http_new(&h, &err), PR_OK);
    pr_buf_init(&body, 0);
    CHECK_EQ_INT(get(h, &status, &body, &o, 0, NULL, 0, &err), PR_EHTTP);
    CHECK(strstr(err.msg, "TOPSECRET") == NULL);
    CHECK(strstr(err.msg, "hunter2") == NULL);
    CHECK(strstr(err.msg, "bob") == NULL);
    CHECK(strstr(err.msg, "/c/blob") != NULL);
    lb_stop(&s);
    CHECK(strstr(s.req[0], "GET /c/blob?" SECRET) != NULL);
    pr_buf_dispose(&body);
    pr_http_free(h);
}

TEST(url_redact_forms)
{
    char b[64];

    CHECK_EQ_STR(pr_url_redact(b, sizeof(b), "https://u:p@h:1/a/b?sig=x#f"),
                 "https://h:1/a/b");
    CHECK_EQ_STR(pr_url_redact(b, sizeof(b), "http://h/a@b/c"),
                 "http://h/a@b/c");
    CHECK_EQ_STR(pr_url_redact(b, sizeof(b), "http://a@b@h/x"), "http://h/x");
    CHECK_EQ_STR(pr_url_redact(b, sizeof(b), "s3://bucket/k?X-Amz=1"),
                 "s3://bucket/k");
    CHECK_EQ_STR(pr_url_redact(b, sizeof(b), "user:pw@host/p"), "host/p");
    CHECK_EQ_STR(pr_url_redact(b, sizeof(b), "/plain/path?q"),
                 "/plain/path");
    CHECK_EQ_STR(pr_url_redact(b, sizeof(b), NULL), "");
    CHECK_EQ_STR(pr_url_redact(b, 8, "http://example.com/"), "http://");
    CHECK_EQ_STR(pr_url_redact(b, sizeof(b), "http://h?x=1"), "http://h");
}

TEST(wait_ms_sleeps_and_cancels)
{
    struct timespec t0;
    long ms;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(pr_wait_ms(60, NULL, NULL), 0);
    ms = lb_ms_since(&t0);
    CHECK(ms >= 55 && ms < 500);
    cancel_calls = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(pr_wait_ms(5000, cancel_soon, NULL), 1);
    CHECK(lb_ms_since(&t0) < 1000);
}

/* Backoff waits are jittered between half and all of the backoff (so
 * a batch's transfers do not retry in step), doubling each time; a
 * Retry-After is waited as asked. */
TEST(retry_wait_jitter)
{
    pr_http_opts o = PR_HTTP_OPTS_INIT;
    long backoff, w, lo = 1000000, hi = 0;
    int i;

    for (i = 0; i < 200; i++) {
        backoff = 1000;
        w = pr_http_retry_wait(&o, &backoff, -1);
        CHECK(w >= 500 && w <= 1000);
        CHECK_EQ_INT(backoff, 2000);
        lo = w < lo ? w : lo;
        hi = w > hi ? w : hi;
    }
    CHECK(hi - lo >= 100);      /* 200 draws spread over 500 ms */
    backoff = 1000;
    CHECK_EQ_INT(pr_http_retry_wait(&o, &backoff, 3), 3000);
}

int
main(void)
{
    RUN(http_get_200_body_and_headers);
    RUN(http_reuses_one_connection);
    RUN(http_429_honours_retry_after_seconds);
    RUN(http_429_retry_after_is_bounded);
    RUN(http_503_then_200);
    RUN(http_gives_up_after_the_retries);
    RUN(http_dropped_connection_is_retried);
    RUN(http_timeout);
    RUN(http_body_cap);
    RUN(http_status_mapping);
    RUN(http_connection_refused);
    RUN(http_cancel_during_wait_and_transfer);
    RUN(http_errors_redact_the_url);
    RUN(url_redact_forms);
    RUN(wait_ms_sleeps_and_cancels);
    RUN(retry_wait_jitter);
    return unit_done();
}
