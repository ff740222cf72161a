#!/usr/bin/env node
// server.js - a GCS JSON API for prefect-result's tests: firebase-tools'
// storage emulator run in this process (its rules runtime, which needs
// Java and a download, is skipped), behind a gate that does what the
// emulator does not: service-account auth.
//
//   node server.js --keys FILE [--seed DIR] [--dir DIR] [--port-file F]
//       [--log F] [--idle S] [--lifetime S]
//
// POST /token takes a jwt-bearer grant as Google's token endpoint does
// (grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT)
// and verifies the JWT: RS256 under the public key registered for its
// iss (client_email), aud = this endpoint's URL, a devstorage scope,
// iat/exp current and at most an hour apart.  A good one gets a random
// access token valid for an hour; a bad one 400 invalid_grant, with
// Google's descriptions.  Every other request needs "Authorization:
// Bearer TOKEN" with a token issued here (401 otherwise), and a service
// account may read only the buckets listed for it (403 otherwise).
//
// --keys FILE: JSON [{"client_email", "public_key" (PEM), "buckets"}].
// --seed DIR: DIR/<bucket>/<object path> files are uploaded at start
// through the emulator's own upload route (POST /upload/storage/v1/b/B/o
// ?uploadType=media&name=...), with an admin token only this process
// knows.  The port is written to --port-file once everything is ready.
// Requests are logged as JSON lines (method, path, verdict; no token).
// Stops after --idle seconds without a request, --lifetime seconds in
// all, or on SIGTERM/SIGINT.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const http = require("http");
const os = require("os");
const path = require("path");

function args(argv) {
  const a = { idle: 120, lifetime: 900 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, "").replace(/-/g, "_");
    a[k] = argv[i + 1];
  }
  return a;
}

const A = args(process.argv.slice(2));
const DATA_DIR = A.dir || fs.mkdtempSync(path.join(os.tmpdir(), "gcs-"));
fs.mkdirSync(DATA_DIR, { recursive: true });
// The emulator keeps its blobs under os.tmpdir(): keep them in ours.
process.env.TMPDIR = DATA_DIR;

const { StorageEmulator } = require("firebase-tools/lib/emulator/storage");
const { createApp } = require("firebase-tools/lib/emulator/storage/server");
const { EmulatorRegistry } = require("firebase-tools/lib/emulator/registry");

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const SCOPES = [
  "https://www.googleapis.com/auth/devstorage.read_only",
  "https://www.googleapis.com/auth/devstorage.read_write",
  "https://www.googleapis.com/auth/devstorage.full_control",
  "https://www.googleapis.com/auth/cloud-platform",
];
const SKEW_S = 300;
const TOKEN_TTL_S = 3600;
const ADMIN = crypto.randomBytes(24).toString("base64url");

const accounts = new Map();
for (const k of JSON.parse(fs.readFileSync(A.keys, "utf8"))) {
  accounts.set(k.client_email, {
    key: crypto.createPublicKey(k.public_key),
    buckets: new Set(k.buckets || []),
  });
}
const tokens = new Map();    // token -> { email, expires }
const logFd = A.log ? fs.openSync(A.log, "a") : null;
let last = Date.now();
let origin = null;

function log(entry) {
  if (logFd !== null)
    fs.writeSync(logFd, JSON.stringify(entry) + "\n");
}

function reply(res, status, body, type) {
  const data = Buffer.from(typeof body === "string" ? body
                           : JSON.stringify(body));
  res.writeHead(status, { "Content-Type": type || "application/json",
                          "Content-Length": data.length });
  res.end(data);
}

function gcsError(res, status, message, reason) {
  reply(res, status, { error: { code: status, message,
    errors: [{ message, domain: "global", reason }] } });
}

function b64json(part) {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch (e) {
    return null;
  }
}

// Checks a JWT assertion; returns [email, null] or [null, description].
function verifyAssertion(jwt) {
  const parts = typeof jwt === "string" ? jwt.split(".") : [];
  if (parts.length !== 3)
    return [null, "Invalid JWT: Token must be a short-lived token and in a "
                  + "reasonable timeframe."];
  const head = b64json(parts[0]), claims = b64json(parts[1]);
  if (!head || !claims || head.alg !== "RS256")
    return [null, "Invalid JWT: the header must name RS256."];
  const acct = accounts.get(claims.iss);
  if (!acct)
    return [null, "Invalid grant: account not found"];
  const ok = crypto.verify("RSA-SHA256",
                           Buffer.from(parts[0] + "." + parts[1]),
                           acct.key, Buffer.from(parts[2], "base64url"));
  if (!ok)
    return [null, "Invalid JWT Signature."];
  if (claims.aud !== origin + "/token")
    return [null, "Invalid JWT: the audience must be " + origin + "/token"];
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.iat !== "number" || typeof claims.exp !== "number" ||
      claims.iat > now + SKEW_S || claims.exp < now - SKEW_S ||
      claims.exp - claims.iat > TOKEN_TTL_S || claims.exp <= claims.iat)
    return [null, "Invalid JWT: Token must be a short-lived token (60 "
                  + "minutes) and in a reasonable timeframe. Check your "
                  + "iat and exp values in the JWT claim."];
  const scopes = String(claims.scope || "").split(" ");
  if (!scopes.some((s) => SCOPES.includes(s)))
    return [null, "Invalid OAuth scope or ID token audience provided."];
  return [claims.iss, null];
}

function token(req, res) {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    if (form.get("grant_type") !== JWT_BEARER) {
      log({ method: req.method, path: "/token", verdict: "bad_grant_type" });
      return reply(res, 400, { error: "unsupported_grant_type",
                               error_description: "Invalid grant_type: "
                               + String(form.get("grant_type")) });
    }
    const [email, why] = verifyAssertion(form.get("assertion"));
    if (!email) {
      log({ method: req.method, path: "/token", verdict: "invalid_grant",
            why });
      return reply(res, 400, { error: "invalid_grant",
                               error_description: why });
    }
    const t = "ya29.test-" + crypto.randomBytes(24).toString("base64url");
    tokens.set(t, { email, expires: Date.now() + TOKEN_TTL_S * 1000 });
    log({ method: req.method, path: "/token", verdict: "issued", email });
    reply(res, 200, { access_token: t, expires_in: TOKEN_TTL_S - 1,
                      token_type: "Bearer" });
  });
}

// The bucket a storage request names, or null.
function bucketOf(url) {
  const m = /\/b\/([^/?]+)/.exec(url);
  return m ? decodeURIComponent(m[1]) : null;
}

function gate(app, req, res) {
  last = Date.now();
  const u = req.url.split("?")[0];
  if (req.method === "POST" && u === "/token")
    return token(req, res);
  const auth = req.headers.authorization || "";
  const m = /^Bearer (.+)$/.exec(auth);
  const entry = { method: req.method, path: u };
  if (m && m[1] === ADMIN) {
    req.headers.authorization = "Bearer owner";
    return app(req, res);
  }
  const t = m ? tokens.get(m[1]) : undefined;
  if (!t || t.expires < Date.now()) {
    entry.verdict = m ? "unknown_token" : "no_token";
    log(entry);
    return gcsError(res, 401, m ? "Invalid Credentials"
                    : "Anonymous caller does not have storage.objects.get "
                      + "access to the Google Cloud Storage object.",
                    m ? "authError" : "required");
  }
  const bucket = bucketOf(req.url);
  if (bucket !== null && !accounts.get(t.email).buckets.has(bucket)) {
    entry.verdict = "denied";
    log(entry);
    return gcsError(res, 403, t.email + " does not have storage.objects.get"
                    + " access to the Google Cloud Storage object.",
                    "forbidden");
  }
  entry.verdict = "ok";
  log(entry);
  return app(req, res);
}

function listFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory())
      out.push(...listFiles(p));
    else
      out.push(p);
  }
  return out;
}

function upload(bucket, name, data) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: "127.0.0.1", port: new URL(origin).port, method: "POST",
      path: "/upload/storage/v1/b/" + encodeURIComponent(bucket)
            + "/o?uploadType=media&name=" + encodeURIComponent(name),
      headers: { authorization: "Bearer " + ADMIN,
                 "content-type": "application/octet-stream",
                 "content-length": data.length },
    }, (res) => {
      res.resume();
      res.on("end", () => res.statusCode === 200 ? resolve()
        : reject(new Error("upload of " + name + ": " + res.statusCode)));
    });
    req.on("error", reject);
    req.end(data);
  });
}

async function main() {
  let app = null;
  const server = http.createServer((req, res) => {
    if (app === null)
      return gcsError(res, 503, "starting", "backendError");
    gate(app, req, res);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const port = server.address().port;
  origin = "http://127.0.0.1:" + port;
  const emu = new StorageEmulator({ projectId: "demo-prefect-result",
                                    host: "127.0.0.1", port,
                                    auto_download: false });
  // The emulator's start() boots the rules runtime (Java) and listens
  // itself: here only its app is wanted, served by the gate above.
  emu.start = async () => {
    app = await createApp("demo-prefect-result", emu);
  };
  await EmulatorRegistry.start(emu);
  if (A.seed && fs.existsSync(A.seed)) {
    for (const bdir of fs.readdirSync(A.seed)) {
      for (const f of listFiles(path.join(A.seed, bdir))) {
        const name = path.relative(path.join(A.seed, bdir), f)
          .split(path.sep).join("/");
        await upload(bdir, name, fs.readFileSync(f));
      }
    }
  }
  if (A.port_file) {
    fs.writeFileSync(A.port_file + ".tmp", String(port));
    fs.renameSync(A.port_file + ".tmp", A.port_file);
  }
  console.log(port);
  const started = Date.now();
  setInterval(() => {
    if (Date.now() - last > Number(A.idle) * 1000 ||
        Date.now() - started > Number(A.lifetime) * 1000)
      process.exit(0);
  }, 500).unref();
  const stop = () => process.exit(0);
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  setInterval(() => {}, 1 << 30);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
