#!/usr/bin/python3
"""A throwaway Prefect REST API for tests, on loopback only.

    /usr/bin/python3 tests/lib/prefect_api.py --data DIR [--port 0]
        [--port-file FILE] [--api-key KEY] [--auth-string USER:PASS]
        [--log FILE] [--idle SECONDS] [--lifetime SECONDS]
        [--workspace ACCOUNT/WORKSPACE] [--s3-origin URL]

It prints the port it listens on (one line) and writes it to --port-file
once it accepts connections.  It stops by itself after --idle seconds
without a request (default 120) or --lifetime seconds in all (default
900), and at once on SIGTERM or SIGINT.

Data (DIR), one JSON file per object, served byte for byte:
    flow_run_states/<id>.json   task_run_states/<id>.json
    flow_runs/<id>.json         task_runs/<id>.json
    block_documents/<id>.json   (as with include_secrets=true)
    s3/<bucket>/<key...>        objects for a path-style S3 GET
A run file without a "state" key gets its current state (state_id)
added.  "@@ORIGIN@@" in any served body becomes http://127.0.0.1:PORT,
and "@@S3_ORIGIN@@" the --s3-origin URL (an S3 emulator; default: the
same as @@ORIGIN@@, this server's own unsigned S3 route).

Routes (docs/prefect-results.md sections 1, 4.3 and 5), all also under
the Cloud prefix /api/accounts/{uuid}/workspaces/{uuid}:
    GET  /api/flow_run_states/{id}       GET /api/task_run_states/{id}
    GET  /api/flow_runs/{id}             GET /api/task_runs/{id}
    GET  /api/flow_run_states/?flow_run_id=ID
    GET  /api/task_run_states/?task_run_id=ID
    POST /api/flow_runs/filter           POST /api/task_runs/filter
    GET  /api/block_documents/{id}[?include_secrets=true]
    GET  /api/block_types/slug/{slug}/block_documents/name/{name}
    GET  /api/health, /api/admin/version
    GET  /<bucket>/<key>                 when DIR/s3/<bucket> exists
Secret fields (block_schema.fields.secret_fields, dotted, "*" wildcard)
read "********" unless include_secrets=true.

Auth.  Server paths: with --auth-string, "Authorization: Basic
base64(USER:PASS)" is required (Prefect's PREFECT_SERVER_API_AUTH_STRING);
else with --api-key, "Authorization: Bearer KEY".  Cloud paths always need
a Bearer token, equal to --api-key when one is given.  Failures are 401.

Faults, applied before auth (as a proxy in front of the API would):
  - a request header  X-Test-Fault: SPEC
  - a query parameter __fault=SPEC (removed before routing)
  - rules set by      POST /__faults__  {"rules": [RULE...]}  (replaces;
                      ?append=1 appends), GET (with hit counts), DELETE
SPEC is comma-separated k=v pairs: status=N, retry_after=S, sleep=S,
drop=1 (close without a reply), truncate=N (declare the full
Content-Length, send N bytes, close), times=N (apply to N requests,
default all), skip=N (let N pass first), body=TEXT.  Counters of header
and query faults are kept per distinct SPEC string, so a test that wants
its own counter adds a tag such as id=t1.  A RULE is a JSON object with
the same keys plus "path" (a substring of the request path) or "regex",
and "method".
GET /__requests__ returns the recent request log; DELETE clears it.

Requests are logged as JSON lines to --log, with the values of
Authorization and other credential headers replaced by their scheme.
"""
import argparse
import base64
import http.server
import ipaddress
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse

MAX_SLEEP = 60.0
SECRET_MASK = "********"
CLOUD_RE = re.compile(
    r"^/api/accounts/([0-9a-fA-F-]{36})/workspaces/([0-9a-fA-F-]{36})"
    r"(/.*)?$")
UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
    r"[0-9a-fA-F]{12}$")
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie",
                  "x-api-key", "x-amz-security-token")


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def truthy(v):
    return v is not None and v.lower() in ("true", "1", "yes")


class Fault:
    """One fault: what to do and how many requests it still applies to."""

    KEYS = ("status", "retry_after", "sleep", "drop", "truncate", "times",
            "skip", "body", "path", "regex", "method", "id")

    def __init__(self, d):
        for k in d:
            if k not in self.KEYS:
                raise ValueError("unknown fault key %r" % k)
        self.status = int(d["status"]) if d.get("status") is not None \
            else None
        self.retry_after = d.get("retry_after")
        self.sleep = min(float(d.get("sleep") or 0), MAX_SLEEP)
        self.drop = str(d.get("drop", "0")).lower() in ("1", "true")
        self.truncate = int(d["truncate"]) if d.get("truncate") is not None \
            else None
        t = d.get("times")
        self.times = None if t in (None, "", -1, "-1") else int(t)
        self.skip = int(d.get("skip") or 0)
        self.body = d.get("body")
        self.path = d.get("path")
        self.regex = re.compile(d["regex"]) if d.get("regex") else None
        self.method = (d.get("method") or "").upper() or None
        self.tag = d.get("id")
        self.seen = 0
        self.hits = 0

    @classmethod
    def parse_spec(cls, spec):
        d = {}
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            k, _, v = part.partition("=")
            d[k.strip()] = v.strip()
        return cls(d)

    def matches(self, method, path):
        if self.method and self.method != method:
            return False
        if self.path and self.path not in path:
            return False
        if self.regex and not self.regex.search(path):
            return False
        return True

    def take(self):
        """True when this request gets the fault (counts it)."""
        self.seen += 1
        if self.seen <= self.skip:
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        self.hits += 1
        return True

    def describe(self):
        d = {"hits": self.hits, "seen": self.seen}
        for k in ("status", "retry_after", "sleep", "drop", "truncate",
                  "times", "skip", "path", "method", "id"):
            v = getattr(self, "tag" if k == "id" else k)
            if v not in (None, False, 0, 0.0) or k == "hits":
                d[k] = v
        if self.regex:
            d["regex"] = self.regex.pattern
        return d


class State:
    """Everything the handlers share; guarded by one lock."""

    def __init__(self, args):
        self.data = os.path.abspath(args.data)
        self.api_key = args.api_key
        self.auth_string = args.auth_string
        self.workspace = None
        if args.workspace:
            acc, _, ws = args.workspace.partition("/")
            self.workspace = (acc.lower(), ws.lower())
        self.lock = threading.Lock()
        self.rules = []
        self.spec_faults = {}
        self.requests = []
        self.last_activity = time.monotonic()
        self.log = open(args.log, "a", encoding="utf-8") if args.log \
            else None
        self.origin = None
        self.s3_origin = (args.s3_origin or "").rstrip("/") or None

    def pick_fault(self, method, path, specs):
        with self.lock:
            for spec in specs:
                f = self.spec_faults.get(spec)
                if f is None:
                    f = self.spec_faults[spec] = Fault.parse_spec(spec)
                if f.take():
                    return f, "spec:" + spec
            for i, f in enumerate(self.rules):
                if f.matches(method, path) and f.take():
                    return f, "rule:%d" % i
        return None, None

    def record(self, entry):
        line = compact(entry)
        with self.lock:
            self.requests.append(entry)
            if len(self.requests) > 5000:
                del self.requests[:1000]
            if self.log:
                self.log.write(line + "\n")
                self.log.flush()


def redact_headers(headers):
    out = {}
    for k, v in headers.items():
        lk = k.lower()
        if lk in SECRET_HEADERS or lk.endswith("api-key") or \
                lk.endswith("token"):
            scheme = v.split(None, 1)[0] if " " in v.strip() else ""
            out[k] = (scheme + " " if scheme else "") + "[redacted]"
        else:
            out[k] = v
    return out


def mask_secrets(data, paths):
    """Replaces each dotted path (with * wildcards) by the mask."""
    def walk(node, parts):
        if not parts or not isinstance(node, dict):
            return
        head, rest = parts[0], parts[1:]
        keys = list(node.keys()) if head == "*" else [head]
        for k in keys:
            if k not in node:
                continue
            if rest:
                walk(node[k], rest)
            elif node[k] is not None:
                if isinstance(node[k], dict):
                    for kk in node[k]:
                        node[k][kk] = SECRET_MASK
                else:
                    node[k] = SECRET_MASK
    for p in paths or ():
        walk(data, p.split("."))
    return data


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "prefect-api-test/1"
    sys_version = ""
    st = None  # State, set in main()

    def log_message(self, *args):
        pass

    def setup(self):
        http.server.BaseHTTPRequestHandler.setup(self)
        # Headers and body go out in two writes: without this, Nagle's
        # algorithm and the client's delayed ACK add 40 ms to every
        # reply on a reused connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # ------------------------------------------------------------ I/O
    def _send(self, status, body, ctype="application/json", headers=(),
              truncate=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        if truncate is not None:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            if truncate is not None:
                self.wfile.write(body[:max(0, min(truncate, len(body) - 1))])
                self.wfile.flush()
                self._hard_close()
            else:
                self.wfile.write(body)
        self._status = status

    def _json(self, status, obj, headers=()):
        self._send(status, compact(obj), headers=headers)

    def _hard_close(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 16 << 20:
            raise ValueError("body too large")
        return self.rfile.read(n) if n > 0 else b""

    def _file(self, *parts):
        p = os.path.join(self.st.data, *parts)
        try:
            with open(p, "rb") as f:
                return f.read()
        except OSError:
            return None

    def _origin(self, body):
        if b"@@S3_ORIGIN@@" in body:
            body = body.replace(b"@@S3_ORIGIN@@", (
                self.st.s3_origin or self.st.origin).encode("ascii"))
        if b"@@ORIGIN@@" in body:
            body = body.replace(b"@@ORIGIN@@",
                                self.st.origin.encode("ascii"))
        return body

    def _load_all(self, kind):
        d = os.path.join(self.st.data, kind)
        out = []
        try:
            names = sorted(os.listdir(d))
        except OSError:
            return out
        for n in names:
            if not n.endswith(".json"):
                continue
            raw = self._file(kind, n)
            try:
                out.append(json.loads(self._origin(raw)))
            except ValueError:
                continue
        return out

    # ------------------------------------------------------------ entry
    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_PATCH(self):
        self._handle()

    def _handle(self):
        st = self.st
        t0 = time.monotonic()
        st.last_activity = t0
        self._status = None
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
        specs = [v for k, v in query if k == "__fault"]
        query = [(k, v) for k, v in query if k != "__fault"]
        hdr = self.headers.get("X-Test-Fault")
        if hdr:
            specs.insert(0, hdr)
        path = urllib.parse.unquote(url.path)
        fault_name = None
        auth = "-"
        try:
            if path.startswith("/__"):
                self._control(path, dict(query))
            else:
                fault, fault_name = st.pick_fault(self.command, path, specs)
                if not self._apply_fault(fault):
                    auth = self._route(url.path, path, dict(query),
                                       fault)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # a bug in a test server must be visible
            try:
                self._json(500, {"detail": "test server error: %s" % e})
            except OSError:
                pass
        finally:
            st.last_activity = time.monotonic()
            st.record({
                "t": round(time.time(), 3),
                "ms": round((time.monotonic() - t0) * 1000, 1),
                "method": self.command,
                "path": url.path,
                "query": urllib.parse.urlencode(query),
                "status": self._status,
                "fault": fault_name,
                "auth": auth,
                "headers": redact_headers(self.headers),
            })

    def _apply_fault(self, f):
        """Runs a fault; True when the request is answered (or dropped)."""
        if f is None:
            return False
        if f.sleep:
            time.sleep(f.sleep)
        if f.drop:
            self._status = "dropped"
            self._hard_close()
            return True
        if f.status is not None:
            headers = []
            if f.retry_after not in (None, ""):
                headers.append(("Retry-After", str(f.retry_after)))
            body = f.body if f.body is not None else compact(
                {"detail": "injected fault: status %d" % f.status})
            self._send(f.status, body, headers=headers,
                       truncate=f.truncate)
            return True
        return False  # sleep only, or truncate of the normal reply

    # ------------------------------------------------------------ control
    def _control(self, path, query):
        st = self.st
        if path == "/__faults__":
            if self.command == "POST":
                raw = self._read_body()
                try:
                    doc = json.loads(raw or b"{}")
                    rules = doc if isinstance(doc, list) else \
                        doc.get("rules", [])
                    new = [Fault(r) for r in rules]
                except (ValueError, TypeError, re.error) as e:
                    return self._json(400, {"detail": str(e)})
                with st.lock:
                    if truthy(query.get("append")):
                        st.rules.extend(new)
                    else:
                        st.rules = new
                        st.spec_faults = {}
            elif self.command == "DELETE":
                with st.lock:
                    st.rules = []
                    st.spec_faults = {}
            with st.lock:
                out = {"rules": [f.describe() for f in st.rules],
                       "specs": {k: f.describe()
                                 for k, f in st.spec_faults.items()}}
            return self._json(200, out)
        if path == "/__requests__":
            with st.lock:
                if self.command == "DELETE":
                    st.requests = []
                out = list(st.requests)
            return self._json(200, out)
        return self._json(404, {"detail": "Not Found"})

    # ------------------------------------------------------------ auth
    def _check_auth(self, cloud):
        """None when allowed, else the reason ('missing', 'bad')."""
        st = self.st
        h = self.headers.get("Authorization")
        if cloud:
            if not h:
                return "missing"
            scheme, _, cred = h.partition(" ")
            if scheme != "Bearer" or not cred:
                return "bad"
            if st.api_key is not None and cred.strip() != st.api_key:
                return "bad"
            return None
        if st.auth_string is not None:
            if not h:
                return "missing"
            scheme, _, cred = h.strip().partition(" ")
            if scheme != "Basic":
                return "bad"
            try:
                dec = base64.b64decode(cred.strip(), validate=True)
                dec = dec.decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return "bad"
            return None if dec == st.auth_string else "bad"
        if st.api_key is not None:
            if not h:
                return "missing"
            scheme, _, cred = h.partition(" ")
            if scheme != "Bearer" or cred.strip() != st.api_key:
                return "bad"
        return None

    # ------------------------------------------------------------ routes
    def _route(self, raw_path, path, query, fault):
        st = self.st
        cloud = False
        m = CLOUD_RE.match(path)
        if m:
            cloud = True
            if st.workspace and (m.group(1).lower(), m.group(2).lower()) \
                    != st.workspace:
                self._json(404, {"detail": "Not Found"})
                return "n/a"
            path = "/api" + (m.group(3) or "/")
        elif not path.startswith("/api/") and path != "/api":
            return self._s3(path, fault)
        why = self._check_auth(cloud)
        if why is not None:
            if cloud or st.auth_string is None:
                self._json(401, {"detail": "Invalid authentication "
                                           "credentials"})
            else:
                self._json(401, {"exception_message": "Unauthorized"})
            return why
        trunc = fault.truncate if fault is not None else None
        self._api(path, query, trunc)
        return "ok" if (st.api_key or st.auth_string or cloud) else "none"

    def _reply_raw(self, raw, trunc):
        self._send(200, self._origin(raw), truncate=trunc)

    def _reply_obj(self, obj, trunc):
        body = compact(obj)
        self._send(200, body, truncate=trunc)

    def _api(self, path, query, trunc):
        parts = [p for p in path.split("/")[2:]]
        trailing = path.endswith("/")
        if parts and parts[-1] == "":
            parts = parts[:-1]
        method = self.command
        nf = {"detail": "Not Found"}

        if parts == ["health"] and method == "GET":
            return self._reply_obj(True, trunc)
        if parts == ["admin", "version"] and method == "GET":
            return self._reply_obj("3.4.1", trunc)

        # states
        if len(parts) >= 1 and parts[0] in ("flow_run_states",
                                            "task_run_states"):
            kind = parts[0]
            what = "Flow run state" if kind[0] == "f" else "Task run state"
            if method != "GET":
                return self._json(405, {"detail": "Method Not Allowed"})
            if len(parts) == 1:
                key = "flow_run_id" if kind[0] == "f" else "task_run_id"
                rid = query.get(key)
                if rid is None:
                    return self._json(422, self._missing_query(key))
                if not UUID_RE.match(rid):
                    return self._json(422, self._bad_uuid(rid, key))
                states = [s for s in self._load_all(kind)
                          if (s.get("state_details") or {}).get(key)
                          == rid]
                states.sort(key=lambda s: s.get("timestamp") or "")
                return self._reply_obj(states, trunc)
            if len(parts) == 2 and not trailing:
                return self._one(kind, parts[1], what, trunc)
            return self._json(404, nf)

        # runs
        if len(parts) >= 1 and parts[0] in ("flow_runs", "task_runs"):
            kind = parts[0]
            what = "Flow run" if kind[0] == "f" else "Task run"
            if len(parts) == 2 and parts[1] == "filter":
                if method != "POST":
                    return self._json(405, {"detail": "Method Not Allowed"})
                return self._filter(kind, trunc)
            if len(parts) == 2 and method == "GET":
                return self._one(kind, parts[1], what, trunc, run=True)
            if len(parts) == 2:
                return self._json(405, {"detail": "Method Not Allowed"})
            return self._json(404, nf)

        # blocks
        if parts[:1] == ["block_documents"] and len(parts) == 2:
            if method != "GET":
                return self._json(405, {"detail": "Method Not Allowed"})
            bid = parts[1]
            if not UUID_RE.match(bid):
                return self._json(422, self._bad_uuid(bid, "id"))
            raw = self._file("block_documents", bid.lower() + ".json")
            if raw is None:
                return self._json(404, {"detail":
                                        "Block document not found"})
            return self._block(raw, truthy(query.get("include_secrets")),
                               trunc)
        if len(parts) == 6 and parts[0] == "block_types" and \
                parts[1] == "slug" and parts[3] == "block_documents" and \
                parts[4] == "name" and method == "GET":
            slug, name = parts[2], parts[5]
            for doc in self._load_all("block_documents"):
                if (doc.get("block_type") or {}).get("slug") == slug and \
                        doc.get("name") == name:
                    raw = self._file("block_documents",
                                     doc["id"].lower() + ".json")
                    return self._block(
                        raw, truthy(query.get("include_secrets")), trunc)
            return self._json(404, {"detail": "Block document not found"})
        return self._json(404, nf)

    def _missing_query(self, key):
        return {"exception_message": "Invalid request received.",
                "exception_detail": [{"type": "missing", "loc":
                                      ["query", key],
                                      "msg": "Field required",
                                      "input": None}],
                "request_body": None}

    def _bad_uuid(self, value, where):
        return {"exception_message": "Invalid request received.",
                "exception_detail": [{"type": "uuid_parsing",
                                      "loc": ["path", where],
                                      "msg": "Input should be a valid UUID",
                                      "input": value}],
                "request_body": None}

    def _one(self, kind, oid, what, trunc, run=False):
        if not UUID_RE.match(oid):
            return self._json(422, self._bad_uuid(oid, "id"))
        raw = self._file(kind, oid.lower() + ".json")
        if raw is None:
            return self._json(404, {"detail": "%s not found" % what})
        if run:
            obj = json.loads(raw)
            if "state" not in obj:
                return self._reply_obj(self._with_state(kind, obj), trunc)
        return self._reply_raw(raw, trunc)

    def _with_state(self, kind, run):
        skind = "flow_run_states" if kind == "flow_runs" else \
            "task_run_states"
        sid = run.get("state_id")
        st = None
        if sid:
            raw = self._file(skind, sid.lower() + ".json")
            if raw is not None:
                st = json.loads(self._origin(raw))
        run = dict(run)
        run["state"] = st
        return run

    def _block(self, raw, secrets, trunc):
        if secrets:
            return self._reply_raw(raw, trunc)
        doc = json.loads(self._origin(raw))
        fields = (doc.get("block_schema") or {}).get("fields") or {}
        mask_secrets(doc.get("data"), fields.get("secret_fields"))
        return self._reply_obj(doc, trunc)

    def _filter(self, kind, trunc):
        try:
            body = json.loads(self._read_body() or b"{}")
        except ValueError:
            return self._json(422, {"exception_message":
                                    "Invalid request received."})
        if not isinstance(body, dict):
            body = {}
        runs = [r if "state" in r else self._with_state(kind, r)
                for r in self._load_all(kind)]
        own = body.get(kind) or {}
        runs = [r for r in runs if self._match_run(r, own)]
        if kind == "task_runs":
            fr = body.get("flow_runs") or {}
            ids = ((fr.get("id") or {}).get("any_"))
            if ids is not None:
                ids = {i.lower() for i in ids}
                runs = [r for r in runs
                        if (r.get("flow_run_id") or "").lower() in ids]
        sort = body.get("sort") or "ID_DESC"
        field, _, order = sort.rpartition("_")
        field = field.lower() or "id"
        runs.sort(key=lambda r: str(r.get(field) or ""),
                  reverse=(order == "DESC"))
        off = int(body.get("offset") or 0)
        lim = int(body.get("limit") or 200)
        return self._reply_obj(runs[off:off + lim], trunc)

    @staticmethod
    def _match_run(r, flt):
        def any_of(val, spec):
            if spec is None:
                return True
            return val in spec
        idf = flt.get("id") or {}
        if idf.get("any_") is not None and \
                (r.get("id") or "").lower() not in \
                {i.lower() for i in idf["any_"]}:
            return False
        nm = flt.get("name") or {}
        if not any_of(r.get("name"), nm.get("any_")):
            return False
        if nm.get("like_") and nm["like_"].lower() not in \
                (r.get("name") or "").lower():
            return False
        stf = flt.get("state") or {}
        if not any_of(r.get("state_type"),
                      (stf.get("type") or {}).get("any_")):
            return False
        if not any_of(r.get("state_name"),
                      (stf.get("name") or {}).get("any_")):
            return False
        frf = flt.get("flow_run_id") or {}
        if frf.get("any_") is not None and \
                (r.get("flow_run_id") or "").lower() not in \
                {i.lower() for i in frf["any_"]}:
            return False
        return True

    # ------------------------------------------------------------ S3
    def _s3(self, path, fault):
        """Path-style GET/HEAD of DIR/s3/<bucket>/<key>.  Checks only
        that a SigV4 header names the bucket's access key id (the file
        DIR/s3/<bucket>/.access_key_id, when present): signatures are
        NOT verified."""
        trunc = fault.truncate if fault is not None else None
        segs = path.lstrip("/").split("/", 1)
        bucket = segs[0]
        key = segs[1] if len(segs) > 1 else ""
        bdir = os.path.join(self.st.data, "s3", bucket)
        if not bucket or bucket.startswith(".") or not os.path.isdir(bdir):
            self._json(404, {"detail": "Not Found"})
            return "n/a"
        akid = self._file("s3", bucket, ".access_key_id")
        if akid is not None:
            h = self.headers.get("Authorization") or ""
            want = "Credential=%s/" % akid.decode().strip()
            if not h.startswith("AWS4-HMAC-SHA256 ") or want not in h:
                self._send(403, _s3_error("AccessDenied", "Access Denied"),
                           ctype="application/xml")
                return "bad"
        full = os.path.normpath(os.path.join(bdir, key))
        if not full.startswith(bdir + os.sep) or os.path.basename(
                full).startswith(".") or not os.path.isfile(full):
            self._send(404, _s3_error("NoSuchKey", "The specified key "
                                      "does not exist."),
                       ctype="application/xml")
            return "ok"
        with open(full, "rb") as f:
            self._send(200, f.read(), ctype="application/octet-stream",
                       truncate=trunc)
        return "ok"


def _s3_error(code, msg):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
            '<Message>%s</Message></Error>' % (code, msg))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--api-key")
    ap.add_argument("--auth-string")
    ap.add_argument("--workspace")
    ap.add_argument("--log")
    ap.add_argument("--idle", type=float, default=120.0)
    ap.add_argument("--lifetime", type=float, default=900.0)
    ap.add_argument("--s3-origin")
    args = ap.parse_args(argv)
    if not ipaddress.ip_address(args.host).is_loopback:
        ap.error("--host must be a loopback address")
    if not os.path.isdir(args.data):
        ap.error("--data %s is not a directory" % args.data)

    st = State(args)
    Handler.st = st
    if ":" in args.host:
        Server.address_family = socket.AF_INET6
    srv = Server((args.host, args.port), Handler)
    port = srv.server_address[1]
    host = "[%s]" % args.host if ":" in args.host else args.host
    st.origin = "http://%s:%d" % (host, port)

    stopping = threading.Event()

    def stop(why):
        if not stopping.is_set():
            stopping.set()
            sys.stderr.write("prefect_api: stopping (%s)\n" % why)
            threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, lambda *a: stop("SIGTERM"))
    signal.signal(signal.SIGINT, lambda *a: stop("SIGINT"))
    t_start = time.monotonic()

    def watchdog():
        while not stopping.wait(0.2):
            now = time.monotonic()
            if now - st.last_activity > args.idle:
                stop("idle for %.0f s" % args.idle)
            elif now - t_start > args.lifetime:
                stop("lifetime of %.0f s reached" % args.lifetime)

    threading.Thread(target=watchdog, daemon=True).start()
    print(port, flush=True)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    try:
        srv.serve_forever(poll_interval=0.1)
    finally:
        srv.server_close()
        if st.log:
            st.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
