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
"""
import http.server
import os
import sys
import threading
import time
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    docroot = "."

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

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.split("/")
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
