#!/usr/bin/python3
"""make_cases.py - Azure Blob cases for run-tests.sh, built from the e2e
cases, with the blobs uploaded to a running Azurite.

    /usr/bin/python3 make_cases.py E2E_CASES OUT ORIGIN OAUTH_ORIGIN CA_FILE

E2E_CASES is the output of tests/e2e/gen_cases.py; ORIGIN the blob
endpoint of an Azurite ("http://127.0.0.1:PORT"), OAUTH_ORIGIN that of
a second one in its OAuth mode, over HTTPS with the self-signed
certificate CA_FILE (in that mode Azurite answers a wrong SharedKey with
400 InvalidAuthenticationInfo, where Azure and plain Azurite say 403).
Every blob is uploaded to both.  Creates the containers and
uploads the blobs (PUT Blob signed with SharedKey, computed here with
hmac/hashlib: an implementation independent of the C one), makes
account SAS tokens (a valid one, one with a wrong signature, an expired
one), and writes OUT/api (data for tests/lib/prefect_api.py: the e2e
states plus new states whose results live in Azurite and the blocks that
point there), OUT/cases.tsv (name, state id, expected: "OK" + expect
file or "ERR code regex", environment: K=V;K=V or "-", where
"@@AUTHORITY@@" stands for token_server.py's URL) and OUT/secrets
(strings that must never be printed).  The service principal is the
TENANT, CLIENT_ID and CLIENT_SECRET below (token_server.py's arguments).
"""
import base64
import datetime
import hashlib
import hmac
import http.client
import os
import ssl
import sys
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import emu_cases  # noqa: E402

ACCOUNT = "devstoreaccount1"
# The storage emulator's documented account key (public, not a secret
# of anyone's; still checked to never be printed).
KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
       "K1SZFPTOtr/KBHBeksoGMGw==")
WRONG_KEY = base64.b64encode(b"not-the-account-key-0123456789ab").decode()
CONTAINER = "prc"
VERSION = "2021-08-06"
TENANT = "prtest-tenant"
CLIENT_ID = "pr-client-id"
CLIENT_SECRET = "azSp+Secret&Never=Print"
AUTHORITY = "@@AUTHORITY@@"
CA_FILE = None
NS = uuid.UUID("3c0b7e52-81d4-4f0e-b6a2-5f1d9e7a4c21")


def rfc1123(t=None):
    t = t or datetime.datetime.now(datetime.timezone.utc)
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
              "Sep", "Oct", "Nov", "Dec"]
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (
        days[t.weekday()], t.day, months[t.month - 1], t.year, t.hour,
        t.minute, t.second)


def string_to_sign(verb, headers, account, path, query):
    """Microsoft's SharedKey string to sign (Blob, 2009-09-19+)."""
    h = {k.lower(): v.strip() for k, v in headers.items()}
    std = ["content-encoding", "content-language", "content-length",
           "content-md5", "content-type", "date", "if-modified-since",
           "if-match", "if-none-match", "if-unmodified-since", "range"]
    parts = [verb]
    for name in std:
        v = h.get(name, "")
        if name == "content-length" and v == "0":
            v = ""
        parts.append(v)
    s = "\n".join(parts) + "\n"
    for name in sorted(k for k in h if k.startswith("x-ms-")):
        s += "%s:%s\n" % (name, " ".join(h[name].split()))
    s += "/" + account + path
    params = {}
    for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True):
        params.setdefault(k.lower(), []).append(v)
    for k in sorted(params):
        s += "\n%s:%s" % (k, ",".join(sorted(params[k])))
    return s


def sign(sts, key=KEY):
    mac = hmac.new(base64.b64decode(key), sts.encode("utf-8"),
                   hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def request(origin, verb, path, query="", body=b"", extra=None):
    """One SharedKey-signed request to Azurite; returns (status, body)."""
    u = urllib.parse.urlsplit(origin)
    headers = {"x-ms-date": rfc1123(), "x-ms-version": VERSION,
               "Content-Length": str(len(body))}
    headers.update(extra or {})
    sts = string_to_sign(verb, headers, ACCOUNT, path, query)
    headers["Authorization"] = "SharedKey %s:%s" % (ACCOUNT, sign(sts))
    if u.scheme == "https":
        conn = http.client.HTTPSConnection(
            u.hostname, u.port, timeout=30,
            context=ssl.create_default_context(cafile=CA_FILE))
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request(verb, path + ("?" + query if query else ""), body=body,
                 headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def blob_path(container, blob):
    return "/%s/%s/%s" % (ACCOUNT, container,
                          urllib.parse.quote(blob, safe="/~"))


def create_container(origin, name):
    st, data = request(origin, "PUT", "/%s/%s" % (ACCOUNT, name),
                       "restype=container")
    if st not in (201, 409):
        raise SystemExit("creating container %s: HTTP %d %s"
                         % (name, st, data[:200]))


def put_blob(origins, container, blob, data):
    for origin in origins:
        st, reply = request(origin, "PUT", blob_path(container, blob), "",
                            data, {"x-ms-blob-type": "BlockBlob",
                                   "Content-Type":
                                   "application/octet-stream"})
        if st != 201:
            raise SystemExit("uploading %s/%s: HTTP %d %s"
                             % (container, blob, st, reply[:200]))


def account_sas(expiry, key=KEY, perms="rl"):
    """An account SAS (version 2019-12-12 string to sign)."""
    fields = {"sv": "2019-12-12", "ss": "b", "srt": "sco", "sp": perms,
              "se": expiry, "spr": "https,http"}
    sts = "\n".join([ACCOUNT, fields["sp"], fields["ss"], fields["srt"],
                     "", fields["se"], "", fields["spr"], fields["sv"],
                     ""])
    fields["sig"] = sign(sts, key)
    return urllib.parse.urlencode(fields)


def when(hours):
    t = (datetime.datetime.now(datetime.timezone.utc) +
         datetime.timedelta(hours=hours))
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Out(emu_cases.Out):
    """emu_cases.Out; the bytes are uploaded to every origin."""
    bucket = CONTAINER

    def __init__(self, src, out, origins):
        super().__init__(src, out, NS)
        self.origins = origins

    def upload(self, container, blob, data):
        put_blob(self.origins, container, blob, data)

    def container(self, name, creds, folder=None, container=CONTAINER,
                  creds_name=None):
        """An azure-blob-storage-container whose credentials are a saved
        child block when creds_name is set (inlined, with a reference),
        else embedded."""
        refs = {}
        if creds_name is not None:
            cid = self.block(creds_name, "azure-blob-storage-credentials",
                             creds)
            refs = {"credentials": {"block_document": {
                "id": cid, "name": creds_name,
                "block_type": {"slug": "azure-blob-storage-credentials"},
                "is_anonymous": False, "block_document_references": {}}}}
        return self.block(name, "azure-blob-storage-container", {
            "container_name": container, "base_folder": folder,
            "credentials": creds}, refs)


PICKLE = "d-flow-pickle-list_dicts"
JSONC = "d-flow-json-dict_unicode"
LZMA = "d-flow-cpickle-lzma-dict_unicode"
V2 = "b-flow-pickle-dict_unicode"


def main(argv):
    global CA_FILE
    src, out = argv[0], argv[1]
    origin, oauth_origin = argv[2].rstrip("/"), argv[3].rstrip("/")
    CA_FILE = argv[4]
    o = Out(src, out, [origin, oauth_origin])
    create_container(origin, CONTAINER)
    create_container(oauth_origin, CONTAINER)
    endpoint = "%s/%s" % (origin, ACCOUNT)
    oauth_endpoint = "%s/%s" % (oauth_origin, ACCOUNT)
    conn = ("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;"
            "BlobEndpoint=%s;" % (ACCOUNT, KEY, endpoint))
    sas = account_sas(when(2))
    bad_sas = account_sas(when(2), key=WRONG_KEY)
    old_sas = account_sas(when(-2))

    ok = o.container("az-ok", {"connection_string": conn},
                     folder="results", creds_name="my-azure")
    o.state("ok-pickle", PICKLE, ok, "0f1e2d3c", "results/0f1e2d3c")
    o.state("ok-json", JSONC, ok, "ab12.json", "results/ab12.json")
    o.state("ok-compressed", LZMA, ok, "lzma-1", "results/lzma-1")
    for n, k in (("key-space", "a b c"), ("key-plus", "a+b=c"),
                 ("key-parens", "f(1)!*'~x"),
                 ("key-unicode", "caf\u00e9/\u20ac \u65e5\u672c"),
                 ("key-mixed", "d/x y+(z)&q=1.pkl"),
                 ("key-percent", "100%25 done")):
        o.state(n, PICKLE, ok, k, "results/" + k)
    nofolder = o.container("az-nofolder", {"connection_string": conn},
                           creds_name="my-azure-2")
    o.state("no-base-folder", PICKLE, nofolder, "top/k1", "top/k1")
    deep = o.container("az-deep", {"connection_string": conn},
                       folder="deep//er/", creds_name="my-azure-3")
    o.state("nested-base-folder", PICKLE, deep, "k2", "deep/er/k2")
    embedded = o.container("az-embedded", {
        "connection_string": conn.replace("AccountName", "accountname")},
        folder="results")
    o.state("embedded-creds", PICKLE, embedded, "k3", "results/k3")

    sas_conn = "BlobEndpoint=%s;SharedAccessSignature=%s" % (endpoint, sas)
    sb = o.container("az-sas", {"connection_string": sas_conn},
                     folder="results", creds_name="my-sas")
    o.state("sas-connection-string", PICKLE, sb, "0f1e2d3c")
    o.state("sas-key-unicode", PICKLE, sb, "caf\u00e9/\u20ac \u65e5\u672c")
    su = o.container("az-sas-url", {"account_url": endpoint + "?" + sas},
                     folder="results", creds_name="my-sas-url")
    o.state("sas-account-url", JSONC, su, "ab12.json")

    rfs = o.block("rfs-az", "remote-file-system", {
        "basepath": "az://%s/rfs/" % CONTAINER,
        "settings": {"connection_string": conn}})
    o.state("remote-file-system-az", JSONC, rfs, "/k4.json", "rfs/k4.json")
    rfs2 = o.block("rfs-abfs", "remote-file-system", {
        "basepath": "abfs://%s/rfs2" % CONTAINER,
        "settings": {"connection_string": sas_conn}})
    o.state("remote-file-system-abfs-sas", PICKLE, rfs2, "k5", "rfs2/k5")
    v2 = o.block("azure-v2", "azure", {
        "bucket_path": CONTAINER + "/v2",
        "azure_storage_connection_string": conn,
        "azure_storage_account_name": None,
        "azure_storage_account_key": None, "azure_storage_anon": True})
    o.state("azure-2x-block", V2, v2, "k6", "v2/k6")

    # Failures: the right code and message, never a secret.
    bad = o.container("az-bad-key", {"connection_string": conn.replace(
        KEY, WRONG_KEY)}, folder="results", creds_name="my-azure-bad")
    o.state("wrong-key", PICKLE, bad, "0f1e2d3c", expect="ERR 7 "
            "access denied reading az://prc/results/0f1e2d3c with the "
            "credentials of block 'my-azure-bad' \\(403 "
            "(AuthenticationFailed|AuthorizationFailure)\\).*"
            "hint=check the account key or SAS")
    bs = o.container("az-bad-sas", {"connection_string": sas_conn.replace(
        sas, bad_sas)}, folder="results", creds_name="my-sas-bad")
    o.state("wrong-sas", PICKLE, bs, "0f1e2d3c", expect="ERR 7 "
            "access denied reading az://prc/results/0f1e2d3c with the "
            "credentials of block 'my-sas-bad' \\(403 "
            "(AuthenticationFailed|AuthorizationFailure)\\).*"
            "hint=check the account key or SAS")
    es = o.container("az-old-sas", {"account_url": endpoint + "?" +
                                    old_sas}, folder="results",
                     creds_name="my-sas-expired")
    o.state("expired-sas", PICKLE, es, "0f1e2d3c", expect="ERR 7 "
            "access denied reading az://prc/results/0f1e2d3c .*"
            "\\(403 (AuthenticationFailed|AuthorizationFailure)\\).*"
            "hint=check the SAS in account_url \\(a SAS also expires\\)")
    o.state("missing-blob", PICKLE, ok, "no-such-key", expect="ERR 6 "
            "no blob az://prc/results/no-such-key \\(404 BlobNotFound\\)")
    nc = o.container("az-no-container", {"connection_string": conn},
                     container="nosuchcontainer", creds_name="my-azure-4")
    o.state("missing-container", PICKLE, nc, "k", expect="ERR 6 "
            "container 'nosuchcontainer' of az://nosuchcontainer/k does "
            "not exist \\(404 ContainerNotFound\\)")
    nonfs = o.container("az-no-creds", {"account_url": endpoint},
                        folder="results", creds_name="my-url-only")
    o.state("anonymous-private", PICKLE, nonfs, "0f1e2d3c",
            expect="ERR 7 access denied reading az://prc/results/0f1e2d3c "
            "with no credentials.*hint=the container is not public")

    # OAuth: a service principal's token from token_server.py.
    auth_env = "AZURE_AUTHORITY_HOST=" + AUTHORITY
    sp = o.container("az-sp", {"account_url": oauth_endpoint,
                               "client_id": CLIENT_ID, "tenant_id": TENANT,
                               "client_secret": CLIENT_SECRET},
                     folder="results", creds_name="my-sp")
    o.state("oauth-service-principal", PICKLE, sp, "0f1e2d3c", env=auth_env)
    o.state("oauth-key-unicode", PICKLE, sp, "caf\u00e9/\u20ac \u65e5\u672c",
            env=auth_env)
    o.state("oauth-missing-blob", PICKLE, sp, "nope", env=auth_env,
            expect="ERR 6 no blob az://prc/results/nope \\(404 "
            "BlobNotFound\\)")
    url_only = o.container("az-url-only", {"account_url": oauth_endpoint},
                           folder="results", creds_name="my-oauth-url")
    o.state("oauth-env-credential", PICKLE, url_only, "0f1e2d3c",
            env="%s;AZURE_CLIENT_ID=%s;AZURE_TENANT_ID=%s;"
                "AZURE_CLIENT_SECRET=%s" % (auth_env, CLIENT_ID, TENANT,
                                            CLIENT_SECRET))
    rfs3 = o.block("rfs-az-sp", "remote-file-system", {
        "basepath": "az://%s/rfs" % CONTAINER,
        "settings": {"account_name": ACCOUNT,
                     "account_host": oauth_endpoint.split("://", 1)[1],
                     "client_id": CLIENT_ID, "tenant_id": TENANT,
                     "client_secret": CLIENT_SECRET}})
    o.state("oauth-remote-file-system", JSONC, rfs3, "k4.json", env=auth_env)
    bsp = o.container("az-sp-bad", {"account_url": oauth_endpoint,
                                    "client_id": CLIENT_ID,
                                    "tenant_id": TENANT,
                                    "client_secret": "wrongSpSecret"},
                      folder="results", creds_name="my-sp-bad")
    o.state("oauth-wrong-secret", PICKLE, bsp, "0f1e2d3c", env=auth_env,
            expect="ERR 7 getting an OAuth token for "
            "azure-blob-storage-container block 'az-sp-bad' from "
            "http://127.0.0.1:[0-9]+/prtest-tenant/oauth2/v2.0/token: "
            "HTTP 401 \\(invalid_client\\).*hint=check client_id, "
            "tenant_id and client_secret")
    o.state("oauth-no-authority-env", PICKLE, sp, "0f1e2d3c",
            env="AZURE_AUTHORITY_HOST=http://127.0.0.1:9",
            expect="ERR 8 getting an OAuth token")
    nokey = o.container("az-bad-conn", {"connection_string":
                                        "AccountKey=%s" % KEY},
                        creds_name="my-broken")
    o.state("bad-connection-string", PICKLE, nokey, "k",
            expect="ERR 4 connection_string has neither AccountName nor "
            "BlobEndpoint")

    o.write_rows()
    sig = dict(urllib.parse.parse_qsl(sas))["sig"]
    secrets = [KEY, WRONG_KEY, sas, sig, urllib.parse.quote(sig, safe=""),
               dict(urllib.parse.parse_qsl(bad_sas))["sig"],
               dict(urllib.parse.parse_qsl(old_sas))["sig"],
               CLIENT_SECRET, urllib.parse.quote(CLIENT_SECRET, safe=""),
               "wrongSpSecret"]
    with open(os.path.join(out, "secrets"), "w") as f:
        f.write("\n".join(secrets) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
