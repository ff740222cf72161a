#!/usr/bin/python3
"""A Python stand-in for build/tools/pr-resolve, with the same command
line and output, written from docs/prefect-results.md alone.

    /usr/bin/python3 tests/e2e/pyresolve.py [--typed] [--info]
        [--set KEY=VALUE]... ID...

It exists to check the end-to-end harness (the test API, the generated
cases, the scripts) while the C core is being written, and as a second
opinion when the C side and a case disagree.  Per ID it prints
    OK <json>                   the value, as the contract renders it
    ERR <code> <message>        code numbers as in common/pr.h
and with --info one more line after each:
    INFO failed=0|1 has_value=0|1 state=TYPE kind=KIND

Configuration as pr_config_load reads it: PREFECT_API_URL,
PREFECT_API_KEY, PREFECT_API_AUTH_STRING (Basic, wins over the key),
PREFECT_PROFILE / PREFECT_PROFILES_PATH / PREFECT_HOME (profiles.toml;
the environment wins), PREFECT_LOCAL_STORAGE_PATH.  --set takes the keys
of pr_config_set: api_url, api_key, auth_string, home, local_storage,
remap (FROM=TO, repeatable), timeout_ms, retries, header.

Pickles are rendered by tests/fixtures/reference.py; nothing is
unpickled with Python's own loader.
"""
import base64
import bz2
import datetime
import gzip
import hashlib
import hmac
import http.client
import json
import lzma
import math
import os
import socket
import sys
import time
import tomllib
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
from reference import to_json, dumps as ref_dumps, RefError  # noqa: E402

OK, EINVAL, ENOMEM, ELIMIT, EFORMAT, EUNSUPPORTED, ENOTFOUND, EAUTH, \
    ENETWORK, ETIMEOUT, EHTTP, EIO = range(12)
RETRY_STATUS = (429, 502, 503, 504)


class Fail(Exception):
    def __init__(self, code, msg):
        Exception.__init__(self, msg)
        self.code = code
        self.msg = msg


# ---------------------------------------------------------------- config
def load_config(sets):
    env = os.environ
    home = env.get("PREFECT_HOME") or os.path.expanduser("~/.prefect")
    for k, v in sets:
        if k == "home":
            home = v
    prof_path = env.get("PREFECT_PROFILES_PATH") or \
        os.path.join(home, "profiles.toml")
    prof = {}
    try:
        with open(prof_path, "rb") as f:
            doc = tomllib.load(f)
        name = env.get("PREFECT_PROFILE") or doc.get("active")
        prof = (doc.get("profiles") or {}).get(name) or {}
    except (OSError, tomllib.TOMLDecodeError):
        pass

    def get(name):
        v = env.get(name)
        if v is None:
            v = prof.get(name)
        return v
    cfg = {
        "api_url": get("PREFECT_API_URL"),
        "api_key": get("PREFECT_API_KEY"),
        "auth_string": get("PREFECT_API_AUTH_STRING"),
        "local_storage": get("PREFECT_RESULTS_LOCAL_STORAGE_PATH") or
        get("PREFECT_LOCAL_STORAGE_PATH") or os.path.join(home, "storage"),
        "remap": [], "timeout_ms": 10000, "retries": 3, "headers": [],
    }
    for k, v in sets:
        if k in ("api_url", "api_key", "auth_string", "local_storage"):
            cfg[k] = v
        elif k == "remap":
            a, _, b = v.partition("=")
            cfg["remap"].append((a, b))
        elif k in ("timeout_ms", "retries"):
            cfg[k] = int(v)
        elif k == "header":
            n, _, hv = v.partition(":")
            cfg["headers"].append((n.strip(), hv.strip()))
        elif k == "home":
            pass
        else:
            raise Fail(EINVAL, "unknown setting '%s'" % k)
    return cfg


# ---------------------------------------------------------------- HTTP
def http_get(cfg, url, headers=(), what="request"):
    """GET with retries on 429/502/503/504 (Retry-After honoured) and on
    dropped connections.  Returns (status, body)."""
    u = urllib.parse.urlsplit(url)
    if u.scheme != "http":
        raise Fail(EUNSUPPORTED, "only http:// here, not %s" % u.scheme)
    path = u.path + ("?" + u.query if u.query else "")
    tries = cfg["retries"] + 1
    delay = 0.2
    last = None
    for attempt in range(tries):
        conn = http.client.HTTPConnection(
            u.hostname, u.port or 80, timeout=cfg["timeout_ms"] / 1000.0)
        try:
            conn.request("GET", path, headers=dict(headers))
            r = conn.getresponse()
            body = r.read()
            status = r.status
            ra = r.getheader("Retry-After")
        except socket.timeout:
            raise Fail(ETIMEOUT, "%s timed out after %d ms"
                       % (what, cfg["timeout_ms"]))
        except (http.client.IncompleteRead, http.client.RemoteDisconnected,
                ConnectionError) as e:
            last = Fail(ENETWORK, "%s failed: %s" % (what,
                                                     type(e).__name__))
            time.sleep(delay)
            delay *= 2
            continue
        except OSError as e:
            raise Fail(ENETWORK, "%s failed: %s" % (what, e.strerror))
        finally:
            conn.close()
        if status in RETRY_STATUS and attempt + 1 < tries:
            wait = delay
            if ra:
                try:
                    wait = max(wait, float(ra))
                except ValueError:
                    pass
            time.sleep(min(wait, 60))
            delay *= 2
            continue
        return status, body
    if last:
        raise last
    return status, body


def api_headers(cfg):
    h = list(cfg["headers"])
    if cfg["auth_string"]:
        h.append(("Authorization", "Basic " + base64.b64encode(
            cfg["auth_string"].encode()).decode()))
    elif cfg["api_key"]:
        h.append(("Authorization", "Bearer " + cfg["api_key"]))
    return h


def api_get(cfg, path, what):
    if not cfg["api_url"]:
        raise Fail(EINVAL, "no API URL: set PREFECT_API_URL")
    st, body = http_get(cfg, cfg["api_url"].rstrip("/") + path,
                        api_headers(cfg), what)
    if st == 200:
        try:
            return json.loads(body)
        except ValueError:
            raise Fail(EFORMAT, "%s: the reply is not JSON" % what)
    if st == 404:
        return None
    if st in (401, 403):
        raise Fail(EAUTH, "%s: the API refused the credentials (HTTP %d)"
                   % (what, st))
    raise Fail(EHTTP, "%s: HTTP %d" % (what, st))


# ---------------------------------------------------------------- storage
def sigv4_get(cfg, endpoint, bucket, key, akid, secret, region):
    u = urllib.parse.urlsplit(endpoint)
    path = "/" + urllib.parse.quote(bucket) + "/" + \
        urllib.parse.quote(key, safe="/~")
    now = datetime.datetime.now(datetime.timezone.utc)
    amzdate = now.strftime("%Y%m%dT%H%M%SZ")
    day = amzdate[:8]
    host = u.netloc
    payload_hash = hashlib.sha256(b"").hexdigest()
    canon = "\n".join(["GET", path, "", "host:" + host,
                       "x-amz-content-sha256:" + payload_hash,
                       "x-amz-date:" + amzdate, "",
                       "host;x-amz-content-sha256;x-amz-date",
                       payload_hash])
    scope = "%s/%s/s3/aws4_request" % (day, region)
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope,
                     hashlib.sha256(canon.encode()).hexdigest()])

    def h(k, m):
        return hmac.new(k, m.encode(), hashlib.sha256).digest()
    k = h(h(h(h(("AWS4" + secret).encode(), day), region), "s3"),
          "aws4_request")
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    auth = ("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=host;"
            "x-amz-content-sha256;x-amz-date, Signature=%s"
            % (akid, scope, sig))
    st, body = http_get(cfg, "%s://%s%s" % (u.scheme, host, path),
                        [("Authorization", auth),
                         ("x-amz-date", amzdate),
                         ("x-amz-content-sha256", payload_hash)],
                        "S3 GET")
    if st == 200:
        return body
    if st == 404:
        raise Fail(ENOTFOUND, "S3 object %s not found in %s"
                   % (key, bucket))
    if st in (401, 403):
        raise Fail(EAUTH, "S3 refused the credentials (HTTP %d)" % st)
    raise Fail(EHTTP, "S3 GET: HTTP %d" % st)


def read_local(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise Fail(ENOTFOUND, "result file %s does not exist" % path)
    except OSError as e:
        raise Fail(EIO, "cannot read %s: %s" % (path, e.strerror))


def fetch_bytes(cfg, key, block_id):
    if block_id is None:
        if os.path.isabs(key):
            for a, b in cfg["remap"]:
                if key == a or key.startswith(a.rstrip("/") + "/"):
                    key = b.rstrip("/") + key[len(a.rstrip("/")):]
                    break
            return read_local(key)
        return read_local(os.path.join(cfg["local_storage"], key))
    blk = api_get(cfg, "/block_documents/%s?include_secrets=true"
                  % block_id, "block document")
    if blk is None:
        raise Fail(ENOTFOUND, "storage block %s not found" % block_id)
    slug = (blk.get("block_type") or {}).get("slug")
    data = blk.get("data") or {}
    if slug == "local-file-system":
        base = os.path.expanduser(data.get("basepath") or ".")
        full = os.path.normpath(os.path.join(base, key))
        if not (full + "/").startswith(os.path.normpath(base) + "/"):
            raise Fail(EINVAL, "key %s is outside the block's basepath"
                       % key)
        return read_local(full)
    if slug == "s3-bucket":
        cr = data.get("credentials") or {}
        ep = (cr.get("aws_client_parameters") or {}).get("endpoint_url")
        folder = data.get("bucket_folder") or ""
        obj = folder.rstrip("/") + "/" + key if folder else key
        return sigv4_get(cfg, ep, data["bucket_name"], obj,
                         cr.get("aws_access_key_id"),
                         cr.get("aws_secret_access_key"),
                         cr.get("region_name") or "us-east-1")
    raise Fail(EUNSUPPORTED, "storage block %s is of type '%s', which is "
               "not supported" % (block_id, slug))


# ---------------------------------------------------------------- decode
def _unwrap(x):
    if isinstance(x, dict):
        if "__class__" in x and "data" in x and len(x) == 2:
            return _unwrap(x["data"])
        return {k: _unwrap(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_unwrap(v) for v in x]
    return x


def _nan_null(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _nan_null(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_nan_null(v) for v in x]
    return x


def json_value(text, typed):
    try:
        v = json.loads(text)
    except ValueError as e:
        raise Fail(EFORMAT, "JSON result does not parse: %s" % e)
    return ref_dumps(_nan_null(v if typed else _unwrap(v)))


def pickle_value(raw, typed):
    try:
        return to_json(raw, typed=typed)
    except RefError as e:
        code = {"format": EFORMAT, "limit": ELIMIT,
                "unsupported": EUNSUPPORTED}.get(e.code, EFORMAT)
        raise Fail(code, "pickle: %s" % e.msg)


def b64(data):
    try:
        return base64.b64decode(b"".join(data.split()), validate=True)
    except ValueError:
        raise Fail(EFORMAT, "payload is not base64")


def decompress(data, lib):
    magic = [(b"\xfd7zXZ\x00", "lzma"), (b"BZh", "bz2"),
             (b"\x1f\x8b", "gzip")]
    if lib is None:
        for m, n in magic:
            if data.startswith(m):
                lib = n
        if lib is None and data[:1] == b"\x78":
            lib = "zlib"
    fn = {"lzma": lzma.decompress, "zlib": zlib.decompress,
          "bz2": bz2.decompress, "gzip": gzip.decompress}.get(lib)
    if fn is None:
        raise Fail(EUNSUPPORTED, "compression '%s' is not supported" % lib)
    try:
        return fn(data)
    except Exception as e:
        raise Fail(EFORMAT, "%s data does not decompress: %s" % (lib, e))


def decode_payload(payload, ser, typed):
    t = (ser or {}).get("type", "pickle")
    if t == "pickle":
        return pickle_value(b64(payload), typed)
    if t == "json":
        return json_value(payload.decode("utf-8"), typed)
    if t in ("compressed", "compressed/pickle", "compressed/json"):
        inner = ser.get("serializer")
        data = decompress(b64(payload), ser.get("compressionlib"))
        if inner is None:
            if t != "compressed":
                inner = {"type": t.split("/")[1]}
            else:   # only the short type is known: look at the bytes
                inner = {"type": "pickle" if data[:2] == b"gA" else "json"}
        return decode_payload(data, inner, typed)
    raise Fail(EUNSUPPORTED, "serializer '%s' is not supported" % t)


def decode_file(raw, ser, flow_result, typed):
    try:
        obj = json.loads(raw)
    except ValueError:
        obj = None
    if isinstance(obj, dict):
        if "metadata" in obj and "result" in obj:
            return decode_payload(obj["result"].encode("utf-8"),
                                  obj["metadata"].get("serializer"), typed)
        if not flow_result and "serializer" in obj and "data" in obj:
            return decode_payload(obj["data"].encode("utf-8"),
                                  obj["serializer"], typed)
        if not flow_result and "encoding" in obj and "blob" in obj:
            if obj["encoding"] == "cloudpickle":
                return pickle_value(b64(obj["blob"].encode()), typed)
            if obj["encoding"] == "json":
                return json_value(obj["blob"], typed)
            raise Fail(EUNSUPPORTED, "DataDocument encoding '%s'"
                       % obj["encoding"])
    return decode_payload(raw, ser, typed)


def resolve_state(cfg, state, kind, typed):
    data = state.get("data")
    info = {"failed": state.get("type") in ("FAILED", "CRASHED"),
            "has_value": True, "state": state.get("type") or ""}
    if data is None:
        info["has_value"] = False
        return "null", info
    if isinstance(data, dict) and "storage_key" in data and \
            data.get("type") != "reference":
        raw = fetch_bytes(cfg, data["storage_key"],
                          data.get("storage_block_id"))
        return decode_file(raw, data.get("serializer"),
                           kind in ("flow run state", "flow run"),
                           typed), info
    if isinstance(data, dict) and data.get("type") == "reference":
        raw = fetch_bytes(cfg, data["storage_key"],
                          data.get("storage_block_id"))
        return decode_file(raw, {"type": data.get("serializer_type")},
                           False, typed), info
    if isinstance(data, dict) and data.get("type") in ("literal",
                                                       "unknown"):
        return ref_dumps(data.get("value")), info
    if isinstance(data, dict) and data.get("type") == "unpersisted":
        info["has_value"] = False
        raise Fail(ENOTFOUND, "the result was not persisted "
                   "(persist_result was off)")
    if isinstance(data, dict) and "encoding" in data and "blob" in data:
        if data["encoding"] != "result":
            raise Fail(EUNSUPPORTED, "inline DataDocument '%s'"
                       % data["encoding"])
        ref = json.loads(data["blob"])
        raw = fetch_bytes(cfg, ref["key"], ref.get("filesystem_document_id"))
        return decode_file(raw, None, False, typed), info
    return ref_dumps(_nan_null(data)), info


def get_state(cfg, oid):
    for path, kind in (("/flow_run_states/", "flow run state"),
                       ("/task_run_states/", "task run state"),
                       ("/flow_runs/", "flow run"),
                       ("/task_runs/", "task run")):
        obj = api_get(cfg, path + oid, kind)
        if obj is not None:
            if kind.endswith(" run"):
                obj = obj.get("state") or {"data": None}
            return obj, kind
    raise Fail(ENOTFOUND, "no flow run, task run or state has id %s" % oid)


def main(argv):
    typed = info_on = False
    sets = []
    ids = []
    it = iter(argv)
    for a in it:
        if a == "--typed":
            typed = True
        elif a == "--info":
            info_on = True
        elif a == "--set":
            k, _, v = next(it).partition("=")
            sets.append((k, v))
        elif a.startswith("-"):
            sys.stderr.write("usage: pyresolve.py [--typed] [--info] "
                             "[--set K=V]... ID...\n")
            return 2
        else:
            ids.append(a)
    try:
        cfg = load_config(sets)
    except Fail as e:
        print("ERR %d %s" % (e.code, e.msg))
        return 1
    bad = 0
    for oid in ids:
        info = {"failed": False, "has_value": False, "state": ""}
        kind = "-"
        try:
            state, kind = get_state(cfg, oid)
            text, info = resolve_state(cfg, state, kind, typed)
            print("OK " + text)
        except Fail as e:
            bad = 1
            print("ERR %d %s" % (e.code, e.msg.replace("\n", " ")))
        if info_on:
            print("INFO failed=%d has_value=%d state=%s kind=%s"
                  % (info["failed"], info["has_value"],
                     info["state"] or "-", kind.replace(" ", "_")))
        sys.stdout.flush()
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
