#!/usr/bin/python3
"""make_cases.py - S3 cases for run-tests.sh, built from the e2e cases.

    /usr/bin/python3 make_cases.py E2E_CASES OUT

E2E_CASES is the output of tests/e2e/gen_cases.py.  Writes OUT/api (data
for tests/lib/prefect_api.py: the e2e states and runs, plus new states
whose results live in the S3 emulator and the blocks that point there),
OUT/seed/<bucket>/<object> (what server.js --seed uploads), OUT/aws/
(credentials and config files for the profile chain) and OUT/cases.tsv:
name, state id, expected ("OK" + expect file, or "ERR code regex"),
environment (K=V;K=V or -).  Block endpoints are "@@S3_ORIGIN@@".
"""
import os
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import emu_cases  # noqa: E402

BUCKET = "prb"
AKID = "AKIAS3TESTKEY"
SECRET = "s3TestSecretNeverPrint/Zx9"
TMP_AKID = "ASIAS3TEMPKEY"
TMP_SECRET = "s3TempSecretNeverPrint/Qq1"
TOKEN = "s3SessionTokenNeverPrint+abc=="
PROFILE_AKID = "AKIAS3PROFILEKEY"
PROFILE_SECRET = "s3ProfileSecretNeverPrint/Pp"
ENDPOINT = "@@S3_ORIGIN@@"
NS = uuid.UUID("6a1f0c3e-2b7d-4e59-9a51-0d7c2f3e8b10")


class Out(emu_cases.Out):
    """emu_cases.Out; the bytes go to OUT/seed/<bucket>/<object>."""
    bucket = BUCKET

    def __init__(self, src, out):
        super().__init__(src, out, NS)
        self.seed = os.path.join(out, "seed")

    def upload(self, bucket, obj, data):
        self.write(os.path.join(self.seed, bucket, obj), data)


def aws_creds(akid=AKID, secret=SECRET, token=None, region="us-east-1",
              profile=None, endpoint=ENDPOINT):
    return {"aws_access_key_id": akid, "aws_secret_access_key": secret,
            "aws_session_token": token, "profile_name": profile,
            "region_name": region,
            "aws_client_parameters": {
                "api_version": None, "use_ssl": False, "verify": False,
                "verify_cert_path": None, "endpoint_url": endpoint,
                "config": None}}


def s3_bucket(o, name, creds, folder="results", creds_name=None,
              creds_slug="aws-credentials", bucket=BUCKET, field=None):
    """An s3-bucket whose credentials are inlined; when creds_name is
    set, recorded as a reference to a saved child (section 4.3)."""
    refs = {}
    if creds_name is not None:
        cid = o.block(creds_name, creds_slug, creds)
        refs = {"credentials": {"block_document": {
            "id": cid, "name": creds_name,
            "block_type": {"slug": creds_slug}, "is_anonymous": False,
            "block_document_references": {}}}}
    data = {"bucket_name": bucket, "bucket_folder": folder,
            field or "credentials": creds}
    return o.block(name, "s3-bucket", data, refs)


PICKLE = "d-flow-pickle-list_dicts"
JSONC = "d-flow-json-dict_unicode"
LZMA = "d-flow-cpickle-lzma-dict_unicode"


def main(argv):
    o = Out(argv[0], argv[1])
    ok = s3_bucket(o, "s3-ok", aws_creds(), creds_name="my-aws")
    o.state("ok-pickle", PICKLE, ok, "0f1e2d3c", "results/0f1e2d3c")
    o.state("ok-json", JSONC, ok, "ab12.json", "results/ab12.json")
    o.state("ok-compressed", LZMA, ok, "lzma-1", "results/lzma-1")
    for n, k in (("key-space", "a b c"), ("key-plus", "a+b=c"),
                 ("key-parens", "f(1)!*'~x"),
                 ("key-unicode", "caf\u00e9/\u20ac \u65e5\u672c"),
                 ("key-mixed", "d/x y+(z).pkl")):
        o.state(n, PICKLE, ok, k, "results/" + k)
    o.state("folder-3.8.3-prefixed", PICKLE, ok, "results/pre1",
            "results/pre1")
    o.state("folder-old-double-prefix", PICKLE, ok, "results/old1",
            "results/results/old1")
    nofolder = s3_bucket(o, "s3-nofolder", aws_creds(), folder="",
                         creds_name="my-aws-2")
    o.state("no-folder", PICKLE, nofolder, "top/k1", "top/k1")
    tmp = s3_bucket(o, "s3-token", aws_creds(TMP_AKID, TMP_SECRET, TOKEN),
                    creds_name="my-temp")
    o.state("session-token", PICKLE, tmp, "tok1", "results/tok1")
    minio = {"block_type_slug": "minio-credentials",
             "minio_root_user": AKID, "minio_root_password": SECRET,
             "region_name": None, "aws_client_parameters": {
                 "endpoint_url": ENDPOINT, "use_ssl": False}}
    mb = s3_bucket(o, "s3-minio", minio, folder="m")
    o.state("minio-creds", PICKLE, mb, "k2", "m/k2")
    legacy = o.block("s3-legacy", "s3-bucket", {
        "bucket_name": BUCKET, "basepath": "legacy",
        "aws_credentials": {"aws_access_key_id": AKID,
                            "aws_secret_access_key": SECRET},
        "endpoint_url": ENDPOINT})
    o.state("legacy-fields", PICKLE, legacy, "k3", "legacy/k3")
    rfs = o.block("rfs-s3", "remote-file-system", {
        "basepath": "s3://%s/rfs/" % BUCKET,
        "settings": {"key": AKID, "secret": SECRET,
                     "client_kwargs": {"endpoint_url": ENDPOINT}}})
    o.state("remote-file-system", JSONC, rfs, "/k4.json", "rfs/k4.json")
    v2 = o.block("s3-v2", "s3", {"bucket_path": BUCKET + "/v2",
                                 "aws_access_key_id": AKID,
                                 "aws_secret_access_key": SECRET})
    o.state("s3-2x-block", PICKLE, v2, "k5", "v2/k5",
            env="AWS_ENDPOINT_URL_S3=@@S3_ORIGIN@@")
    empty = s3_bucket(o, "s3-empty-creds", aws_creds(None, None),
                      creds_name="no-keys")
    o.state("env-chain", PICKLE, empty, "k6", "results/k6",
            env="AWS_ACCESS_KEY_ID=%s;AWS_SECRET_ACCESS_KEY=%s"
            % (AKID, SECRET))
    prof = s3_bucket(o, "s3-profile", aws_creds(None, None, region=None,
                                                profile="e2e"),
                     creds_name="profile-keys")
    o.state("profile-chain", PICKLE, prof, "k7", "results/k7",
            env="AWS_SHARED_CREDENTIALS_FILE=@@AWS@@/credentials;"
                "AWS_CONFIG_FILE=@@AWS@@/config")
    o.state("aws-profile-env", PICKLE, empty, "k7b", "results/k7b",
            env="AWS_PROFILE=e2e;AWS_SHARED_CREDENTIALS_FILE="
                "@@AWS@@/credentials;AWS_CONFIG_FILE=@@AWS@@/config")
    o.write(os.path.join(o.out, "aws", "credentials"),
            "[default]\naws_access_key_id = WRONGDEFAULT\n"
            "aws_secret_access_key = wrong\n\n[e2e]\n"
            "aws_access_key_id = %s\naws_secret_access_key = %s\n"
            % (PROFILE_AKID, PROFILE_SECRET))
    o.write(os.path.join(o.out, "aws", "config"),
            "[default]\nregion = eu-west-1\n\n[profile e2e]\n"
            "region = us-east-1\n")

    # Failures: the right code and message, never a secret.
    bad = s3_bucket(o, "s3-bad-secret", aws_creds(secret="not-the-secret"),
                    creds_name="my-aws-bad")
    o.state("wrong-secret", PICKLE, bad, "0f1e2d3c", expect="ERR 7 "
            "access denied reading s3://prb/results/0f1e2d3c with the "
            "credentials of block 'my-aws-bad' \\(403 SignatureDoesNotMatch"
            "\\).*hint=check aws_secret_access_key")
    reg = s3_bucket(o, "s3-bad-region", aws_creds(region="eu-west-1"),
                    creds_name="my-aws-eu")
    o.state("wrong-region", PICKLE, reg, "0f1e2d3c", expect="ERR 7 "
            "\\(400 AuthorizationHeaderMalformed\\).*signed for region "
            "'eu-west-1'.*bucket is in 'us-east-1'")
    noreg = s3_bucket(o, "s3-no-region", aws_creds(None, None, region=None),
                      creds_name="no-keys-no-region")
    o.state("wrong-region-env", PICKLE, noreg, "0f1e2d3c",
            expect="ERR 7 AuthorizationHeaderMalformed.*from AWS_REGION",
            env="AWS_ACCESS_KEY_ID=%s;AWS_SECRET_ACCESS_KEY=%s;"
                "AWS_REGION=ap-south-1" % (AKID, SECRET))
    o.state("anonymous", PICKLE, empty, "0f1e2d3c", expect="ERR 7 "
            "with no credentials.*\\(403 AccessDenied\\).*not public")
    unk = s3_bucket(o, "s3-bad-id", aws_creds(akid="AKIANOSUCHKEY"),
                    creds_name="my-aws-unknown")
    o.state("unknown-key-id", PICKLE, unk, "0f1e2d3c", expect="ERR 7 "
            "\\(403 InvalidAccessKeyId\\).*check aws_access_key_id")
    notok = s3_bucket(o, "s3-no-token", aws_creds(TMP_AKID, TMP_SECRET),
                      creds_name="my-temp-no-token")
    o.state("token-missing", PICKLE, notok, "tok1", expect="ERR 7 "
            "InvalidAccessKeyId.*aws_session_token")
    o.state("missing-key", PICKLE, ok, "no-such-key", expect="ERR 6 "
            "no object s3://prb/results/no-such-key \\(404 NoSuchKey\\)")
    nob = s3_bucket(o, "s3-no-bucket", aws_creds(), bucket="nosuchbucket",
                    creds_name="my-aws-3")
    o.state("missing-bucket", PICKLE, nob, "k", expect="ERR 6 "
            "bucket of s3://nosuchbucket/results/k does not exist "
            "\\(404 NoSuchBucket\\)")
    o.write_rows()
    with open(os.path.join(o.out, "accounts"), "w") as f:
        f.write("%s:%s\n%s:%s:%s\n%s:%s\n" % (
            AKID, SECRET, TMP_AKID, TMP_SECRET, TOKEN, PROFILE_AKID,
            PROFILE_SECRET))
    with open(os.path.join(o.out, "secrets"), "w") as f:
        f.write("\n".join([SECRET, TMP_SECRET, TOKEN, PROFILE_SECRET,
                           "not-the-secret"]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
