/*
 * test_s3_url.c - canonical S3 URLs (libcurl signs the URL as given, so
 * it must already be what S3 canonicalises to) and bucket_folder joins
 * as prefect-aws does them before and as of 3.8.3.
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "pr.h"
#include "jsonw.h"
#include "s3url.h"

static void
check_encode(const char *in, int keep_slash, const char *want)
{
    pr_buf b;
    pr_error err;

    pr_buf_init(&b, 0);
    CHECK_EQ_INT(pr_s3_encode(&b, in, keep_slash, &err), PR_OK);
    CHECK_EQ_STR(b.data != NULL ? b.data : "", want);
    pr_buf_dispose(&b);
}

static void
check_join(const char *folder, const char *key, int skip,
           const char *want)
{
    char *got = pr_s3_join(folder, key, skip);

    CHECK(got != NULL);
    CHECK_EQ_STR(got != NULL ? got : "(null)", want);
    pr_free(got);
}

static void
check_url(const char *endpoint, int ssl, const char *region,
          const char *bucket, const char *object, const char *want)
{
    char *got = pr_s3_object_url(endpoint, ssl, region, bucket, object);

    CHECK(got != NULL);
    CHECK_EQ_STR(got != NULL ? got : "(null)", want);
    pr_free(got);
}

TEST(s3_encode_is_rfc3986_with_upper_hex)
{
    check_encode("abcXYZ019-._~", 1, "abcXYZ019-._~");
    check_encode("a b", 1, "a%20b");
    check_encode("a+b", 1, "a%2Bb");
    check_encode("(x)!*'", 1, "%28x%29%21%2A%27");
    check_encode("a/b/c", 1, "a/b/c");
    check_encode("a/b", 0, "a%2Fb");
    check_encode("=&?#%", 1, "%3D%26%3F%23%25");
    check_encode("caf\xc3\xa9 \xe2\x82\xac", 1, "caf%C3%A9%20%E2%82%AC");
    check_encode("\x01\x7f\xff", 1, "%01%7F%FF");
    check_encode("", 1, "");
}

TEST(s3_join_like_pure_posix_path)
{
    check_join(NULL, "abc", 1, "abc");
    check_join("", "abc", 0, "abc");
    check_join("results", "abc", 0, "results/abc");
    check_join("results/", "abc", 0, "results/abc");
    check_join("a//b/./c/", "k", 0, "a/b/c/k");
    check_join("results", "sub/./k//x", 0, "results/sub/k/x");
    check_join("results", "/abs/k", 0, "/abs/k");
    check_join("results", "k/", 0, "results/k");
    check_join("results", "a b+(1)!*.pkl", 0, "results/a b+(1)!*.pkl");
}

TEST(s3_join_versions_differ_on_prefixed_keys)
{
    /* before 3.8.3: always prefixed */
    check_join("results", "results/abc", 0, "results/results/abc");
    /* 3.8.3: a key already under the folder is kept */
    check_join("results", "results/abc", 1, "results/abc");
    check_join("results/", "results/abc", 1, "results/abc");
    check_join("a/b", "a/b/k", 1, "a/b/k");
    /* only a whole segment counts */
    check_join("results", "results2/abc", 1, "results/results2/abc");
    check_join("results", "resultsabc", 1, "results/resultsabc");
    check_join("results", "abc", 1, "results/abc");
}

TEST(s3_urls_path_and_virtual_style)
{
    check_url("http://127.0.0.1:9000", 0, "us-east-1", "bkt",
              "results/a b(1)+!*.pkl",
              "http://127.0.0.1:9000/bkt/results/a%20b%281%29%2B%21%2A.pkl");
    check_url("http://127.0.0.1:9000/", 1, "us-east-1", "bkt", "k",
              "http://127.0.0.1:9000/bkt/k");
    check_url("https://acc.r2.example/prefix/", 1, "auto", "bkt",
              "caf\xc3\xa9/x",
              "https://acc.r2.example/prefix/bkt/caf%C3%A9/x");
    check_url("minio:9000", 0, "us-east-1", "bkt", "k",
              "http://minio:9000/bkt/k");
    check_url("https://host?x=1", 1, "us-east-1", "bkt", "k",
              "https://host/bkt/k");
    check_url(NULL, 1, "eu-west-1", "my-bucket", "a/b c",
              "https://my-bucket.s3.eu-west-1.amazonaws.com/a/b%20c");
    check_url(NULL, 0, "us-east-1", "my.dotted.bucket", "k",
              "http://s3.us-east-1.amazonaws.com/my.dotted.bucket/k");
    check_url(NULL, 1, "us-east-1", "Upper_Bucket", "/lead",
              "https://s3.us-east-1.amazonaws.com/Upper_Bucket//lead");
}

TEST(s3_dns_bucket_names)
{
    CHECK(pr_s3_dns_bucket("abc"));
    CHECK(pr_s3_dns_bucket("my-bucket-1"));
    CHECK(!pr_s3_dns_bucket("ab"));
    CHECK(!pr_s3_dns_bucket("-abc"));
    CHECK(!pr_s3_dns_bucket("abc-"));
    CHECK(!pr_s3_dns_bucket("a.b.c"));
    CHECK(!pr_s3_dns_bucket("ABC"));
}

int
main(void)
{
    RUN(s3_encode_is_rfc3986_with_upper_hex);
    RUN(s3_join_like_pure_posix_path);
    RUN(s3_join_versions_differ_on_prefixed_keys);
    RUN(s3_urls_path_and_virtual_style);
    RUN(s3_dns_bucket_names);
    return unit_done();
}
