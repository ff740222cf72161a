#!/usr/bin/python3
"""token_server.py - a stand-in Microsoft identity platform for the Azure
tests: the OAuth 2.0 client-credentials grant on loopback.

    /usr/bin/python3 token_server.py --port-file F --tenant T
        --client-id C --client-secret S [--lifetime SECONDS]

POST /T/oauth2/v2.0/token with grant_type=client_credentials, the client
id and secret and scope https://storage.azure.com/.default answers
{"token_type": "Bearer", "expires_in": 3599, "access_token": JWT}, where
the JWT carries the issuer, audience and lifetime that Azurite's --oauth
basic mode checks (it does not check the signature).  A wrong secret
gets 401 invalid_client, a wrong tenant 400 invalid_request, as the
real endpoint answers.  Stops by itself after --lifetime seconds.
"""
import argparse
import base64
import http.server
import json
import os
import threading
import time
import urllib.parse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_jwt(tenant):
    now = int(time.time())
    head = {"alg": "RS256", "typ": "JWT"}
    body = {"aud": "https://storage.azure.com",
            "iss": "https://sts.windows.net/%s/" % tenant,
            "iat": now - 60, "nbf": now - 60, "exp": now + 3600,
            "tid": tenant, "oid": "00000000-0000-0000-0000-000000000001"}
    return ".".join([b64url(json.dumps(head).encode()),
                     b64url(json.dumps(body).encode()),
                     b64url(b"not-checked-by-azurite")])


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def reply(self, status, doc):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        a = self.server.args
        n = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(min(n, 65536))
                                           .decode("utf-8", "replace")))
        if self.path != "/%s/oauth2/v2.0/token" % a.tenant:
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "unknown tenant"})
        ctype = self.headers.get("Content-Type", "")
        if (not ctype.startswith("application/x-www-form-urlencoded") or
                form.get("grant_type") != "client_credentials" or
                form.get("scope") != "https://storage.azure.com/.default"):
            return self.reply(400, {"error": "invalid_request"})
        if (form.get("client_id") != a.client_id or
                form.get("client_secret") != a.client_secret):
            return self.reply(401, {"error": "invalid_client",
                                    "error_description": "AADSTS7000215: "
                                    "Invalid client secret provided."})
        self.reply(200, {"token_type": "Bearer", "expires_in": 3599,
                         "access_token": make_jwt(a.tenant)})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tenant", required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--client-secret", required=True)
    ap.add_argument("--lifetime", type=float, default=900.0)
    args = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.args = args
    threading.Timer(args.lifetime, srv.shutdown).start()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    srv.serve_forever()
    os._exit(0)


if __name__ == "__main__":
    main()
