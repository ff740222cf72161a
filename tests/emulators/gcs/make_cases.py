#!/usr/bin/python3
"""make_cases.py - GCS cases for run-tests.sh, built from the e2e cases.

    /usr/bin/python3 make_cases.py E2E_CASES OUT

E2E_CASES is the output of tests/e2e/gen_cases.py.  Writes OUT/api (data
for tests/lib/prefect_api.py: the e2e states and runs, plus new states
whose results live in the GCS emulator and the blocks that point there),
OUT/seed/<bucket>/<object> (what server.js --seed uploads), OUT/keys.json
(the service accounts server.js accepts: public keys and buckets),
OUT/sa/*.json (key files for service_account_file and
GOOGLE_APPLICATION_CREDENTIALS), OUT/secrets (strings no output may
show) and OUT/cases.tsv: name, state id, expected ("OK" + expect file,
or "ERR code regex"), environment (K=V;K=V or -).  "@@GCS_ORIGIN@@" in
the api and sa files is the emulator's origin, put in by run-tests.sh
once it listens (token_uri is @@GCS_ORIGIN@@/token).

The RSA keys are made here, fresh each run (cryptography), so no private
key is committed.
"""
import json
import os
import sys
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import emu_cases  # noqa: E402

BUCKET = "prg"
ORIGIN = "@@GCS_ORIGIN@@"
READER = "prefect-reader@demo-prefect-result.iam.gserviceaccount.com"
OTHER = "prefect-other@demo-prefect-result.iam.gserviceaccount.com"
GHOST = "nobody@demo-prefect-result.iam.gserviceaccount.com"
NS = uuid.UUID("0c5e7a61-3f2d-4b8e-9d1a-6e2b7c4f9a03")


def new_key():
    k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = k.private_bytes(serialization.Encoding.PEM,
                          serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption()).decode()
    pub = k.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return pem, pub


def sa_info(email, pem, kid):
    """A service account key as Google issues it."""
    return {"type": "service_account", "project_id": "demo-prefect-result",
            "private_key_id": kid, "private_key": pem,
            "client_email": email, "client_id": "1234567890",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": ORIGIN + "/token",
            "auth_provider_x509_cert_url":
                "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/"
                                    "metadata/x509/" + email,
            "universe_domain": "googleapis.com"}


class Out(emu_cases.Out):
    """emu_cases.Out; the bytes go to OUT/seed/<bucket>/<object>."""
    bucket = BUCKET

    def __init__(self, src, out):
        super().__init__(src, out, NS)
        self.seed = os.path.join(out, "seed")

    def upload(self, bucket, obj, data):
        self.write(os.path.join(self.seed, bucket, obj), data)


def gcs_bucket(o, name, creds, folder="results", creds_name=None,
               bucket=BUCKET):
    """A gcs-bucket whose gcp-credentials are inlined; when creds_name is
    set, recorded as a reference to a saved child (section 4.3).
    bucket_folder is stored normalized, as prefect-gcp's validator
    leaves it."""
    refs = {}
    if creds_name is not None:
        cid = o.block(creds_name, "gcp-credentials", creds)
        refs = {"gcp_credentials": {"block_document": {
            "id": cid, "name": creds_name,
            "block_type": {"slug": "gcp-credentials"},
            "is_anonymous": False, "block_document_references": {}}}}
    if folder and not folder.endswith("/"):
        folder += "/"
    return o.block(name, "gcs-bucket", {"bucket": bucket,
                                        "bucket_folder": folder,
                                        "gcp_credentials": creds}, refs)


def creds(info=None, file=None):
    return {"service_account_info": info, "service_account_file": file,
            "project": "demo-prefect-result"}


PICKLE = "d-flow-pickle-list_dicts"
JSONC = "d-flow-json-dict_unicode"
LZMA = "d-flow-cpickle-lzma-dict_unicode"


def main(argv):
    o = Out(argv[0], argv[1])
    pem, pub = new_key()
    other_pem, other_pub = new_key()
    wrong_pem, _ = new_key()
    reader = sa_info(READER, pem, "k-reader-1")
    other = sa_info(OTHER, other_pem, "k-other-1")
    wrong = sa_info(READER, wrong_pem, "k-reader-old")
    ghost = sa_info(GHOST, wrong_pem, "k-ghost")
    sa_dir = os.path.join(o.out, "sa")
    o.write(os.path.join(sa_dir, "reader.json"), json.dumps(reader))

    ok = gcs_bucket(o, "gcs-ok", creds(reader), creds_name="my-gcp")
    o.state("ok-pickle", PICKLE, ok, "0f1e2d3c", "results/0f1e2d3c")
    o.state("ok-json", JSONC, ok, "ab12.json", "results/ab12.json")
    o.state("ok-compressed", LZMA, ok, "lzma-1", "results/lzma-1")
    for n, k in (("key-space", "a b c"), ("key-plus", "a+b=c"),
                 ("key-parens", "f(1)!*'~x;y"),
                 ("key-unicode", "caf\u00e9/\u20ac \u65e5\u672c"),
                 ("key-mixed", "d/x y+(z)%20.pkl")):
        o.state(n, PICKLE, ok, k, "results/" + k)
    o.state("folder-3.8.3-prefixed", PICKLE, ok, "results/pre1",
            "results/pre1")
    o.state("folder-old-double-prefix", PICKLE, ok, "results/old1",
            "results/results/old1")
    nofolder = gcs_bucket(o, "gcs-nofolder", creds(reader), folder="",
                          creds_name="my-gcp-2")
    o.state("no-folder", PICKLE, nofolder, "top/k1", "top/k1")
    deep = gcs_bucket(o, "gcs-deep", creds(reader), folder="a/b c",
                      creds_name="my-gcp-3")
    o.state("folder-with-space", JSONC, deep, "k2.json", "a/b c/k2.json")
    text = gcs_bucket(o, "gcs-info-text", creds(json.dumps(reader)))
    o.state("info-json-string", PICKLE, text, "k3", "results/k3")
    byfile = gcs_bucket(o, "gcs-file", creds(None, os.path.join(
        sa_dir, "reader.json")), creds_name="my-gcp-file")
    o.state("service-account-file", PICKLE, byfile, "k4", "results/k4")
    empty = gcs_bucket(o, "gcs-empty-creds", creds(), creds_name="no-keys")
    o.state("env-google-application-credentials", PICKLE, empty, "k5",
            "results/k5", env="GOOGLE_APPLICATION_CREDENTIALS=" +
            os.path.join(sa_dir, "reader.json"))
    v2 = o.block("gcs-v2", "gcs", {"bucket_path": BUCKET + "/v2",
                                   "service_account_info":
                                       json.dumps(reader),
                                   "project": "demo-prefect-result"})
    o.state("gcs-2x-block", PICKLE, v2, "k6", "v2/k6")
    rfs = o.block("rfs-gs", "remote-file-system", {
        "basepath": "gs://%s/rfs/" % BUCKET, "settings": {"token": reader}})
    o.state("remote-file-system-gs", JSONC, rfs, "/k7.json", "rfs/k7.json")
    rfs2 = o.block("rfs-gcs", "remote-file-system", {
        "basepath": "gcs://%s/rfs2" % BUCKET,
        "settings": {"token": os.path.join(sa_dir, "reader.json")}})
    o.state("remote-file-system-gcs-keyfile", PICKLE, rfs2, "k8",
            "rfs2/k8")

    # Failures: the right code and message, never a secret.
    bad = gcs_bucket(o, "gcs-bad-key", creds(wrong),
                     creds_name="gcp-bad-key")
    o.state("wrong-private-key", PICKLE, bad, "0f1e2d3c", expect="ERR 7 "
            "the token endpoint refused the service account key "
            + READER.replace(".", "\\.") + " \\(service_account_info of "
            "block 'gcp-bad-key'\\): 400 invalid_grant: Invalid JWT "
            "Signature.*hint=check private_key")
    unk = gcs_bucket(o, "gcs-unknown-account", creds(ghost),
                     creds_name="gcp-ghost")
    o.state("unknown-account", PICKLE, unk, "0f1e2d3c", expect="ERR 7 "
            "refused the service account key nobody@.*400 invalid_grant")
    oth = gcs_bucket(o, "gcs-other", creds(other), creds_name="gcp-other")
    o.state("no-permission", PICKLE, oth, "0f1e2d3c", expect="ERR 7 "
            "access denied reading gs://prg/results/0f1e2d3c with the "
            "credentials of block 'gcp-other' \\(403 prefect-other@.*"
            "hint=check the service account's permissions")
    o.state("anonymous", PICKLE, empty, "0f1e2d3c", expect="ERR 7 "
            "with no credentials.*\\(401 Anonymous caller.*not public")
    o.state("missing-object", PICKLE, ok, "no-such-key", expect="ERR 6 "
            "no object gs://prg/results/no-such-key \\(404 No such object")
    o.state("missing-key-file", PICKLE, empty, "0f1e2d3c", expect="ERR 6 "
            "cannot open the service account key file "
            "GOOGLE_APPLICATION_CREDENTIALS",
            env="GOOGLE_APPLICATION_CREDENTIALS=/nonexistent/sa.json")
    masked = gcs_bucket(o, "gcs-masked", creds("********"))
    o.state("secrets-masked", PICKLE, masked, "0f1e2d3c", expect="ERR 4 "
            "service_account_info of block 'gcs-masked' is not a JSON "
            "object.*include_secrets")

    o.write_rows()
    o.write(os.path.join(o.out, "keys.json"), json.dumps([
        {"client_email": READER, "public_key": pub, "buckets": [BUCKET]},
        {"client_email": OTHER, "public_key": other_pub, "buckets": []}]))
    # A line from the middle of each private key: enough to spot a leak.
    with open(os.path.join(o.out, "secrets"), "w") as f:
        for p in (pem, other_pem, wrong_pem):
            lines = p.strip().splitlines()
            f.write(lines[len(lines) // 2] + "\n")
        f.write("ya29.test-\n")     # every issued token starts so
        f.write("eyJhbGciOiJSUzI1NiIs\n")   # and every assertion
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
