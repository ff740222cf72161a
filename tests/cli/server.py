#!/usr/bin/python3
"""A tiny HTTP server for the prefect-curl CLI tests, on loopback only.

    /usr/bin/python3 tests/cli/server.py PORTFILE DOCROOT [LIFETIME]

Binds 127.0.0.1 on a free port, writes the port number to PORTFILE once
it is listening, and exits by itself after LIFETIME seconds (default 60)
even if nobody stops it.  Routes:

    GET  /files/NAME          the file DOCROOT/NAME (404 if missing)
    GET  /status/CODE         that status, body "status CODE body\\n"
    GET  /redirect?to=PATH    302 to PATH
    GET  /stall               waits 5 s before answering (for -m tests)
    GET  /echo-header/NAME    body: the value of request header NAME
    ANY  /echo-request        body: method, then the request body
    ANY  /echo-query          body: method, then the query string
    GET  /flaky/KEY?fail=N&code=C&after=S
                              the first N requests for KEY answer status C
                              (default 503; Retry-After: S if given), the
                              next ones 200 "ok KEY"
    GET  /slow?size=N&ms=T    N bytes (Content-Length announced) sent in
                              pieces over about T milliseconds
  A small Prefect API, from DOCROOT/api (gen_inputs.py writes it):
    GET  /api/KIND/ID         DOCROOT/api/KIND/ID.json, KIND one of
                              flow_run_states, task_run_states, flow_runs,
                              task_runs, block_documents (query ignored);
                              404 {"detail": ...} when missing
    POST /api/flow_runs/filter   DOCROOT/api/flow_runs_filter.json
    /bearer/api/...           the same, answering 401 unless the request
                              has "Authorization: Bearer <DOCROOT/api/TOKEN>"
    /basic/api/...            the same, 401 unless Basic <DOCROOT/api/BASIC>
  Requests to the API are counted: GET /__count__/PREFIX gives how many
  API requests had paths starting with /PREFIX.
"""
import base64
import http.server
import os
import sys
import threading
import time
import urllib.parse

API_KINDS = ("flow_run_states", "task_run_states", "flow_runs", "task_runs",
             "block_documents")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    docroot = "."
    flaky = {}
    counts = {}
    lock = threading.Lock()

    def log_message(self, *args):  # keep the test output clean
        pass

    def reply(self, status, body, headers=()):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return True

    def secret(self, name):
        with open(os.path.join(self.docroot, "api", name)) as f:
            return f.read().strip()

    def api(self, url):
        """The Prefect API routes; None when the path is not one."""
        path = url.path
        want = None
        if path.startswith("/bearer/api/"):
            want = "Bearer " + self.secret("TOKEN")
            path = path[len("/bearer"):]
        elif path.startswith("/basic/api/"):
            want = "Basic " + base64.b64encode(
                self.secret("BASIC").encode()).decode()
            path = path[len("/basic"):]
        elif not path.startswith("/api/"):
            return False
        with self.lock:
            for pre in ("api", "bearer", "basic"):
                if url.path.startswith("/" + pre + "/"):
                    self.counts[pre] = self.counts.get(pre, 0) + 1
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        js = [("Content-Type", "application/json")]
        if want is not None and self.headers.get("Authorization") != want:
            return self.reply(401, '{"detail":"Unauthorized"}', js)
        parts = path.split("/")
        if path == "/api/flow_runs/filter" and self.command == "POST":
            name = "flow_runs_filter.json"
        elif len(parts) == 4 and parts[2] in API_KINDS:
            name = os.path.join(parts[2], os.path.basename(parts[3]) +
                                ".json")
        else:
            return self.reply(404, '{"detail":"Not Found"}', js)
        try:
            with open(os.path.join(self.docroot, "api", name), "rb") as f:
                data = f.read()
        except OSError:
            return self.reply(404, '{"detail":"%s not found."}'
                              % parts[2].rstrip("s").replace("_", " ")
                              .capitalize(), js)
        return self.reply(200, data, js)

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.split("/")
        if self.api(url):
            return None
        if len(parts) == 3 and parts[1] == "__count__":
            return self.reply(200, "%d\n" % self.counts.get(parts[2], 0))
        if url.path == "/echo-query":
            return self.reply(200, "%s\n%s\n" % (self.command, url.query))
        if len(parts) == 3 and parts[1] == "flaky":
            q = urllib.parse.parse_qs(url.query)
            fail = int(q.get("fail", ["1"])[0])
            code = int(q.get("code", ["503"])[0])
            with self.lock:
                seen = self.flaky.get(parts[2], 0)
                self.flaky[parts[2]] = seen + 1
            if seen < fail:
                hdrs = [("Retry-After", q["after"][0])] if "after" in q \
                    else []
                return self.reply(code, "try again\n", hdrs)
            return self.reply(200, "ok %s\n" % parts[2])
        if url.path == "/slow":
            q = urllib.parse.parse_qs(url.query)
            size = int(q.get("size", ["100000"])[0])
            ms = int(q.get("ms", ["1500"])[0])
            pieces = 30
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            for i in range(pieces):
                chunk = size // pieces + (size % pieces if i == 0 else 0)
                self.wfile.write(b"s" * chunk)
                self.wfile.flush()
                time.sleep(ms / 1000.0 / pieces)
            return None
        if url.path.startswith("/files/"):
            name = os.path.basename(url.path[len("/files/"):])
            try:
                with open(os.path.join(self.docroot, name), "rb") as f:
                    data = f.read()
            except OSError:
                return self.reply(404, "no such file\n")
            return self.reply(200, data,
                              [("Content-Type", "application/octet-stream")])
        if len(parts) == 3 and parts[1] == "status":
            code = int(parts[2])
            return self.reply(code, "status %d body\n" % code,
                              [("Content-Type", "text/plain")])
        if url.path == "/redirect":
            to = urllib.parse.parse_qs(url.query).get("to", ["/"])[0]
            return self.reply(302, "", [("Location", to)])
        if url.path == "/stall":
            time.sleep(5)
            return self.reply(200, "too late\n")
        if len(parts) == 3 and parts[1] == "echo-header":
            return self.reply(200, "%s\n" % self.headers.get(parts[2], ""))
        if url.path == "/echo-request":
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            return self.reply(200, self.command.encode() + b"\n" + body)
        return self.reply(404, "no route\n")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = route


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that time out (-m tests) or stop early (limits) reset
        # their connections; that is expected, not worth a traceback.
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def main():
    portfile, docroot = sys.argv[1], sys.argv[2]
    lifetime = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    Handler.docroot = docroot
    srv = Server(("127.0.0.1", 0), Handler)
    # Never outlive a test that forgot to stop us.
    threading.Timer(lifetime, lambda: os._exit(0)).start()
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
