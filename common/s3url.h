/*
 * s3url.h - internal: S3 object names and URLs for the S3 backend.
 *
 * libcurl 7.88 signs a URL as it is given (CURLOPT_AWS_SIGV4), and S3
 * checks the signature against the canonical form of the path, so the
 * URL must already be canonical: every key byte outside RFC 3986's
 * unreserved set percent-encoded with upper-case hex, '/' kept between
 * key segments.
 */
#ifndef PR_S3URL_H
#define PR_S3URL_H

#include <stddef.h>

#include "pr.h"

/* Appends s, RFC 3986 percent-encoded (A-Z a-z 0-9 - . _ ~ kept; '/'
 * kept too when keep_slash).  PR_ENOMEM, PR_ELIMIT from the buffer. */
pr_code pr_s3_encode(pr_buf *out, const char *s, int keep_slash,
                     pr_error *err);

/*
 * The object name for `key` under `folder` (bucket_folder), as
 * PurePosixPath(folder, key) joins them: an empty folder gives the key;
 * repeated '/' and "." segments go, as does a trailing '/'; an absolute
 * key replaces the folder.  With skip_prefixed (prefect-aws as of 3.8.3)
 * a key that already starts with "folder/" is not prefixed again.
 * Returns a pr_malloc'd string, NULL when out of memory.
 */
char *pr_s3_join(const char *folder, const char *key, int skip_prefixed);

/* Nonzero when `bucket` can be a host name label (virtual-hosted URLs):
 * 3 to 63 of [a-z0-9-], starting and ending alphanumeric, no dots. */
int pr_s3_dns_bucket(const char *bucket);

/*
 * The URL of an object.  endpoint NULL: AWS, virtual-hosted
 * (scheme://BUCKET.s3.REGION.amazonaws.com/KEY) when the bucket allows
 * it, else path-style; scheme https unless use_ssl is 0.  endpoint set
 * (MinIO, R2, a test server: "http://host:port[/path]", no query):
 * path-style, ENDPOINT/BUCKET/KEY.  Returns a pr_malloc'd string, or NULL
 * when out of memory.
 */
char *pr_s3_object_url(const char *endpoint, int use_ssl,
                       const char *region, const char *bucket,
                       const char *object);

#endif /* PR_S3URL_H */
