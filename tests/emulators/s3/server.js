#!/usr/bin/env node
// server.js - s3rver behind a SigV4 verifier, on loopback, for tests.
//
//   node server.js --dir DIR [--port 0] [--port-file FILE]
//       [--region us-east-1] [--account AKID:SECRET[:TOKEN]]...
//       [--seed SEEDDIR] [--idle SECONDS] [--lifetime SECONDS] [--log FILE]
//
// s3rver 3.7.1 serves the S3 REST API from DIR but does not check
// signatures.  Every request first goes through verify() below, which
// recomputes the signature with AWS's own signer (@smithy/signature-v4)
// from the request as it arrived, and answers as S3 does when it does not
// match; only then is the request handed to s3rver, without its
// credentials.  Checked, as S3 checks them:
//   - header auth (Authorization: AWS4-HMAC-SHA256 ...) and presigned
//     URLs (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, ...);
//   - the access key id (403 InvalidAccessKeyId), the session token of a
//     temporary key (x-amz-security-token, 403 InvalidToken), the region
//     and service of the credential scope (400 AuthorizationHeaderMalformed
//     / 403 for presigned), the scope date against x-amz-date, the clock
//     (403 RequestTimeTooSkewed, more than 15 minutes), presigned expiry
//     (403 AccessDenied "Request has expired"), x-amz-content-sha256 on
//     header-signed requests (400 InvalidRequest when missing), and the
//     signature itself (403 SignatureDoesNotMatch);
//   - anonymous requests are refused (403 AccessDenied): no bucket here is
//     public.
// The canonical URI is the path as S3 computes it: each segment decoded
// and encoded again with RFC 3986 rules, so a client that signs a
// differently encoded path fails as it would against AWS.
//
// Paths are path-style (/bucket/key).  --seed SEEDDIR uploads
// SEEDDIR/<bucket>/<key...> (dot files skipped) before serving; every
// directory directly under SEEDDIR becomes a bucket.  The port is printed
// on stdout (one line) and written to --port-file once serving.  Stops on
// SIGTERM/SIGINT, after --idle seconds without a request (default 120) and
// after --lifetime seconds in all (default 900).
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const { SignatureV4 } = require('@smithy/signature-v4');
const { Hash } = require('@smithy/hash-node');
const S3rver = require('s3rver');

const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_S = 7 * 24 * 3600;

function usage(msg) {
  process.stderr.write(`server.js: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { port: 0, region: 'us-east-1', accounts: new Map(),
              idle: 120, lifetime: 900 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--dir') o.dir = v();
    else if (a === '--port') o.port = Number(v());
    else if (a === '--port-file') o.portFile = v();
    else if (a === '--region') o.region = v();
    else if (a === '--seed') o.seed = v();
    else if (a === '--idle') o.idle = Number(v());
    else if (a === '--lifetime') o.lifetime = Number(v());
    else if (a === '--log') o.log = v();
    else if (a === '--account') {
      const parts = v().split(':');
      if (parts.length < 2 || !parts[0] || !parts[1])
        usage('--account wants AKID:SECRET[:TOKEN]');
      o.accounts.set(parts[0], { secret: parts[1],
                                 token: parts.slice(2).join(':') || null });
    } else usage(`unknown argument ${a}`);
  }
  if (!o.dir) usage('--dir is required');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
let logStream = null;
if (opts.log) logStream = fs.createWriteStream(opts.log, { flags: 'a' });

function log(obj) {
  if (logStream) logStream.write(JSON.stringify(obj) + '\n');
}

function xmlEscape(s) {
  return String(s).replace(/[<>&'"]/g, c => ({ '<': '&lt;', '>': '&gt;',
    '&': '&amp;', "'": '&apos;', '"': '&quot;' }[c]));
}

class Refusal {
  constructor(status, code, message, extra) {
    this.status = status;
    this.code = code;
    this.message = message;
    this.extra = extra || {};
  }
}

function refuse(res, r, resource) {
  let body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
    `<Code>${r.code}</Code><Message>${xmlEscape(r.message)}</Message>`;
  for (const [k, val] of Object.entries(r.extra))
    body += `<${k}>${xmlEscape(val)}</${k}>`;
  body += `<Resource>${xmlEscape(resource)}</Resource>` +
    '<RequestId>0000000000000000</RequestId></Error>';
  res.writeHead(r.status, { 'Content-Type': 'application/xml',
                            'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

// RFC 3986 unreserved characters stay, everything else is %XX (upper case).
function rfc3986(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g,
    c => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// The path as S3 canonicalises it: decode each segment, encode it again.
function canonicalPath(rawPath) {
  return rawPath.split('/').map(seg => {
    let d;
    try {
      d = decodeURIComponent(seg);
    } catch (e) {
      throw new Refusal(400, 'InvalidURI', "Couldn't parse the specified URI.");
    }
    return rfc3986(d);
  }).join('/');
}

// Query string to a decoded object (the signer encodes it again).
function parseQuery(raw) {
  const q = {};
  if (!raw) return q;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const val = eq < 0 ? '' : part.slice(eq + 1);
    let dk, dv;
    try {
      dk = decodeURIComponent(k.replace(/\+/g, '%20'));
      dv = decodeURIComponent(val.replace(/\+/g, '%20'));
    } catch (e) {
      throw new Refusal(400, 'InvalidURI', "Couldn't parse the specified URI.");
    }
    q[dk] = dv;
  }
  return q;
}

// "20260101T000000Z" -> Date, or null.
function parseAmzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
  if (!m) return null;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

function parseAuthHeader(h) {
  const m = /^AWS4-HMAC-SHA256 (.*)$/.exec(h);
  if (!m)
    throw new Refusal(400, 'InvalidArgument', 'Unsupported Authorization Type');
  const parts = {};
  for (const p of m[1].split(',')) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    parts[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  if (!parts.Credential || !parts.SignedHeaders || !parts.Signature)
    throw new Refusal(400, 'AuthorizationHeaderMalformed', 'The authorization' +
      ' header is malformed; the authorization header requires three ' +
      'components: Credential, SignedHeaders, and Signature.');
  return parts;
}

// Credential "AKID/DATE/REGION/SERVICE/aws4_request": checks all but date.
function checkScope(cred, presigned) {
  const c = cred.split('/');
  const bad = (msg) => presigned
    ? new Refusal(403, 'AuthorizationQueryParametersError', msg)
    : new Refusal(400, 'AuthorizationHeaderMalformed', msg,
                  { Region: opts.region });
  if (c.length !== 5 || c[4] !== 'aws4_request')
    throw bad(`The authorization header is malformed; the Credential is ` +
              `mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/` +
              `aws4_request".`);
  const account = opts.accounts.get(c[0]);
  if (!account)
    throw new Refusal(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you ' +
      'provided does not exist in our records.', { AWSAccessKeyId: c[0] });
  if (c[2] !== opts.region)
    throw bad(`The authorization header is malformed; the region '${c[2]}' ` +
              `is wrong; expecting '${opts.region}'`);
  if (c[3] !== 's3')
    throw bad(`The authorization header is malformed; incorrect service ` +
              `"${c[3]}". This endpoint belongs to "s3".`);
  return { akid: c[0], date: c[1], region: c[2], account };
}

function checkToken(account, given) {
  if (account.token === null) {
    if (given !== undefined)
      throw new Refusal(400, 'InvalidToken', 'The provided token is ' +
        'malformed or otherwise invalid.');
    return;
  }
  if (given === undefined)
    throw new Refusal(403, 'InvalidAccessKeyId', 'The AWS Access Key Id ' +
      'you provided does not exist in our records.');
  if (given !== account.token)
    throw new Refusal(400, 'InvalidToken', 'The provided token is ' +
      'malformed or otherwise invalid.');
}

function signerFor(scope) {
  return new SignatureV4({
    credentials: { accessKeyId: scope.akid,
                   secretAccessKey: scope.account.secret,
                   sessionToken: scope.account.token || undefined },
    region: opts.region, service: 's3',
    sha256: Hash.bind(null, 'sha256'), uriEscapePath: false,
    applyChecksum: false,
  });
}

function mismatch(akid) {
  return new Refusal(403, 'SignatureDoesNotMatch', 'The request signature ' +
    'we calculated does not match the signature you provided. Check your ' +
    'key and signing method.', { AWSAccessKeyId: akid });
}

function hostParts(req) {
  const host = req.headers.host || '';
  const m = /^(.*?)(?::(\d+))?$/.exec(host);
  return { hostname: m[1], port: m[2] ? Number(m[2]) : undefined };
}

// Resolves with the query left for s3rver (auth parameters removed), or
// throws a Refusal.
async function verify(req) {
  const url = req.url;
  const qi = url.indexOf('?');
  const rawPath = qi < 0 ? url : url.slice(0, qi);
  const query = parseQuery(qi < 0 ? '' : url.slice(qi + 1));
  const cpath = canonicalPath(rawPath);
  const hp = hostParts(req);
  const now = Date.now();
  const auth = req.headers.authorization;

  if (auth === undefined && query['X-Amz-Algorithm'] === undefined)
    throw new Refusal(403, 'AccessDenied', 'Access Denied');

  if (auth !== undefined) {
    const parts = parseAuthHeader(auth);
    const scope = checkScope(parts.Credential, false);
    const date = parseAmzDate(req.headers['x-amz-date']);
    if (!date)
      throw new Refusal(403, 'AccessDenied', 'AWS authentication requires ' +
        'a valid Date or x-amz-date header');
    if (Math.abs(now - date.getTime()) > MAX_SKEW_MS)
      throw new Refusal(403, 'RequestTimeTooSkewed', 'The difference ' +
        'between the request time and the current time is too large.');
    if (req.headers['x-amz-date'].slice(0, 8) !== scope.date)
      throw new Refusal(400, 'AuthorizationHeaderMalformed', 'The ' +
        'authorization header is malformed; Invalid credential date. Date ' +
        'is not the same as X-Amz-Date.', { Region: opts.region });
    if (req.headers['x-amz-content-sha256'] === undefined)
      throw new Refusal(400, 'InvalidRequest', 'Missing required header ' +
        'for this request: x-amz-content-sha256');
    checkToken(scope.account, req.headers['x-amz-security-token']);
    const signed = parts.SignedHeaders.split(';');
    if (!signed.includes('host'))
      throw mismatch(scope.akid);
    const headers = {};
    for (const name of signed) {
      const val = req.headers[name];
      if (val === undefined) throw mismatch(scope.akid);
      headers[name] = Array.isArray(val) ? val.join(',') : String(val);
    }
    const out = await signerFor(scope).sign({
      method: req.method, protocol: 'http:', hostname: hp.hostname,
      port: hp.port, path: cpath, query, headers,
    }, { signingDate: date, signableHeaders: new Set(signed) });
    const want = /Signature=([0-9a-f]+)/.exec(out.headers.authorization)[1];
    const wantHeaders = /SignedHeaders=([^,]+)/
      .exec(out.headers.authorization)[1];
    if (want !== parts.Signature || wantHeaders !== parts.SignedHeaders)
      throw mismatch(scope.akid);
    return query;
  }

  // Presigned URL.
  if (query['X-Amz-Algorithm'] !== 'AWS4-HMAC-SHA256')
    throw new Refusal(400, 'AuthorizationQueryParametersError', 'X-Amz-' +
      'Algorithm only supports "AWS4-HMAC-SHA256"');
  for (const k of ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires',
                   'X-Amz-SignedHeaders', 'X-Amz-Signature'])
    if (query[k] === undefined)
      throw new Refusal(400, 'AuthorizationQueryParametersError',
        `Query-string authentication version 4 requires the ` +
        `X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, ` +
        `X-Amz-SignedHeaders, and X-Amz-Expires parameters.`);
  const scope = checkScope(query['X-Amz-Credential'], true);
  const date = parseAmzDate(query['X-Amz-Date']);
  const expires = Number(query['X-Amz-Expires']);
  if (!date || !Number.isInteger(expires) || expires < 0 ||
      expires > MAX_PRESIGN_S)
    throw new Refusal(400, 'AuthorizationQueryParametersError', 'X-Amz-' +
      'Date or X-Amz-Expires is not valid');
  if (date.getTime() - now > MAX_SKEW_MS)
    throw new Refusal(403, 'AccessDenied', 'Request is not valid yet');
  if (now > date.getTime() + expires * 1000)
    throw new Refusal(403, 'AccessDenied', 'Request has expired',
      { 'X-Amz-Expires': String(expires) });
  if (query['X-Amz-Date'].slice(0, 8) !== scope.date)
    throw mismatch(scope.akid);
  checkToken(scope.account, query['X-Amz-Security-Token']);
  const signed = query['X-Amz-SignedHeaders'].split(';');
  if (!signed.includes('host')) throw mismatch(scope.akid);
  const headers = {};
  for (const name of signed) {
    const val = req.headers[name];
    if (val === undefined) throw mismatch(scope.akid);
    headers[name] = Array.isArray(val) ? val.join(',') : String(val);
  }
  const rest = {};
  const auth_params = new Set(['X-Amz-Algorithm', 'X-Amz-Credential',
    'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature',
    'X-Amz-Security-Token']);
  for (const [k, val] of Object.entries(query))
    if (!auth_params.has(k)) rest[k] = val;
  // Presigned URLs sign UNSIGNED-PAYLOAD, as S3 expects; the hash is
  // neither a signed header nor a query parameter.
  const keep = new Set(signed.filter(h => h.startsWith('x-amz-')));
  keep.add('x-amz-content-sha256');
  const out = await signerFor(scope).presign({
    method: req.method, protocol: 'http:', hostname: hp.hostname,
    port: hp.port, path: cpath, query: { ...rest }, headers:
      { ...headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  }, { signingDate: date, expiresIn: expires,
       signableHeaders: new Set(signed), unhoistableHeaders: keep,
       unsignableHeaders: new Set(['x-amz-content-sha256']) });
  if (out.query['X-Amz-Signature'] !== query['X-Amz-Signature'])
    throw mismatch(scope.akid);
  return rest;
}

function stripAuth(req, rest) {
  const qi = req.url.indexOf('?');
  const rawPath = qi < 0 ? req.url : req.url.slice(0, qi);
  const qs = Object.entries(rest).map(([k, val]) =>
    val === '' ? rfc3986(k) : `${rfc3986(k)}=${rfc3986(val)}`).join('&');
  req.url = qs ? `${rawPath}?${qs}` : rawPath;
  for (const h of ['authorization', 'x-amz-security-token', 'x-amz-date',
                   'x-amz-content-sha256'])
    delete req.headers[h];
}

function walk(dir, prefix, out) {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    if (ent.name.startsWith('.')) continue;
    const full = path.join(dir, ent.name);
    const key = prefix ? `${prefix}/${ent.name}` : ent.name;
    if (ent.isDirectory()) walk(full, key, out);
    else if (ent.isFile()) out.push([key, full]);
  }
}

async function seed(app, seedDir) {
  let n = 0;
  for (const ent of fs.readdirSync(seedDir, { withFileTypes: true })) {
    if (!ent.isDirectory() || ent.name.startsWith('.')) continue;
    await app.store.putBucket(ent.name);
    const files = [];
    walk(path.join(seedDir, ent.name), '', files);
    for (const [key, full] of files) {
      await app.store.putObject({ bucket: ent.name, key,
        content: fs.readFileSync(full),
        metadata: { 'content-type': 'application/octet-stream' } });
      n++;
    }
  }
  return n;
}

async function main() {
  fs.mkdirSync(opts.dir, { recursive: true });
  const app = new S3rver({ directory: opts.dir, silent: true,
                           vhostBuckets: false, resetOnClose: false });
  if (opts.seed) await seed(app, opts.seed);
  const handler = app.callback();
  let last = Date.now();
  const server = http.createServer((req, res) => {
    last = Date.now();
    verify(req).then(rest => {
      log({ method: req.method, url: req.url.split('?')[0], verdict: 'ok' });
      stripAuth(req, rest);
      handler(req, res);
    }, e => {
      if (!(e instanceof Refusal)) {
        e = new Refusal(500, 'InternalError', 'We encountered an internal ' +
          'error. Please try again.');
      }
      log({ method: req.method, url: req.url.split('?')[0],
            verdict: e.code });
      req.resume();
      refuse(res, e, req.url.split('?')[0]);
    });
  });
  server.keepAliveTimeout = 2000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  const stop = (why) => {
    log({ stopping: why });
    server.close();
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const started = Date.now();
  setInterval(() => {
    if (Date.now() - last > opts.idle * 1000) stop('idle');
    else if (Date.now() - started > opts.lifetime * 1000) stop('lifetime');
  }, 500).unref();
  // Keep the process alive while the server is up (the interval is unref'd).
  process.stdout.write(`${port}\n`);
  if (opts.portFile) {
    fs.writeFileSync(opts.portFile + '.tmp', `${port}\n`);
    fs.renameSync(opts.portFile + '.tmp', opts.portFile);
  }
}

main().catch(e => {
  process.stderr.write(`server.js: ${e && e.stack || e}\n`);
  process.exit(1);
});
