#!/usr/bin/python3
"""fake_api.py - a throwaway Prefect API for the extension's tests.

    /usr/bin/python3 tests/pg/fake_api.py PORTFILE CASEDIR...

Binds 127.0.0.1 on a free port, writes the port to PORTFILE, and serves,
from the captured API replies in each CASEDIR/*/ (state.json,
flow_run.json, task_run.json, block_<id>.json):

  GET /api/flow_run_states/{id}   /api/task_run_states/{id}
  GET /api/flow_runs/{id}         /api/task_runs/{id}
  GET /api/block_documents/{id}
  anything else: 404 {"detail": "Not Found"}, as the server answers.

Under /slow/api/... every request waits 60 s before answering (for
statement_timeout tests); under /auth/api/... a request without
"Authorization: Bearer pnu_test" gets 401; under /status500/api/...
every request gets 500.  Runs until killed.
"""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROUTES = {}


def index(casedir):
    for case in sorted(os.listdir(casedir)):
        d = os.path.join(casedir, case)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            path = os.path.join(d, name)
            if not name.endswith(".json") or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                body = f.read()
            if name == "state.json":
                st = json.loads(body)
                kind = ("task_run_states" if st["state_details"].get(
                    "task_run_id") else "flow_run_states")
                ROUTES["/api/%s/%s" % (kind, st["id"])] = body
            elif name in ("flow_run.json", "parent_flow_run.json"):
                ROUTES["/api/flow_runs/%s" % json.loads(body)["id"]] = body
            elif name == "task_run.json":
                ROUTES["/api/task_runs/%s" % json.loads(body)["id"]] = body
            elif name.startswith("block_") and name.endswith(".json"):
                ROUTES["/api/block_documents/%s" % name[6:-5]] = body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path.startswith("/slow/"):
            time.sleep(60)
            path = path[5:]
        if path.startswith("/status500/"):
            self.send(500, b'{"exception_message":"Internal Server Error"}')
            return
        if path.startswith("/auth/"):
            if self.headers.get("Authorization") != "Bearer pnu_test":
                self.send(401, b'{"exception_message":"Unauthorized"}')
                return
            path = path[5:]
        body = ROUTES.get(path)
        if body is None:
            self.send(404, b'{"detail":"Not Found"}')
        else:
            self.send(200, body)


def main():
    portfile = sys.argv[1]
    for d in sys.argv[2:]:
        if os.path.isdir(d):
            index(d)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
