#!/usr/bin/python3
"""Writes end-to-end cases: Prefect states, runs, blocks and result files
made the way each Prefect version writes them, plus the JSON that a
reader must print for each.

    /usr/bin/python3 tests/e2e/gen_cases.py OUTDIR

Everything follows docs/prefect-results.md (the byte formats of sections
1-4) and the captured corpora (../shared/corpora/prefect{2,3}), whose
shapes these copy with our own ids, keys and values:

  era A  2.0-2.5   state {"encoding":"result","blob":"{\"key\"...}"};
                   file DataDocument {"encoding": "cloudpickle"|"json"}
  era B  2.6-2.20  {"type":"reference",...} + PersistedResultBlob file
                   (pydantic v1 separators); literal, unknown,
                   unpersisted states
  era C  3.0.0-1   reference with the 3.0 fields + ResultRecord file
                   whose metadata lacks storage_block_id
  era D  3.0.2+    bare ResultRecordMetadata; task files ResultRecord;
                   flow files raw serializer output (3.0.4+), records
                   before; key_storage tasks: raw file + separate
                   metadata under the key storage

OUTDIR receives:
  api/            the --data directory of tests/lib/prefect_api.py
  storage/        result files: null/ (absolute keys, no block),
                  local/ (relative keys, no block: PREFECT_LOCAL_STORAGE_PATH),
                  remap/ (keys written as another machine's absolute
                  paths), anon/ and named/ (local-file-system blocks),
                  keys/ (key_storage metadata)
  expect/NAME.plain, expect/NAME.typed   exact expected JSON text
  cases.json      one object per case (see Case.manifest)
  cases.tsv       name, state id, state kind, run id, run kind, expect
  env.sh          shell assignments the tests source (paths, secrets)

Expected JSON comes from Python itself: pickles through
tests/fixtures/reference.py (the contract's reference), JSON-serializer
text through json.loads plus the contract's envelope rule (plain mode
unwraps {"__class__","data"} to data, typed keeps it; NaN is null).
Ids are uuid5 of the case name, so a run is reproducible.
"""
import base64
import bz2
import datetime
import decimal
import gzip
import json
import lzma
import math
import os
import pickle
import sys
import uuid
import zlib

import cloudpickle
import numpy
import pandas

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
from reference import to_json, dumps as ref_dumps  # noqa: E402

NS = uuid.UUID("5f0c2b7e-8a43-4d55-9a1e-3c2b6d7e8f90")
REMAP_FROM = "/home/e2e-writer/.prefect/storage"
S3_BUCKET = "e2e-bucket"
S3_AKID = "AKIAE2EEXAMPLEKEY"
S3_SECRET = "e2eS3SecretDoNotPrint/K7MDENG"
BASE_TIME = datetime.datetime(2026, 11, 29, 4, 0, 0,
                              tzinfo=datetime.timezone.utc)


def uid(*parts):
    return str(uuid.uuid5(NS, "/".join(parts)))


def hexkey(*parts):
    return uuid.uuid5(NS, "key/" + "/".join(parts)).hex


# ---------------------------------------------------------------- values
class Boom(Exception):
    pass


def _values():
    tz530 = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    return {
        "str": "sample result",
        "hello": "hello world",
        "int": 7,
        "int_big": -(10 ** 30) - 7,
        "float": 0.1,
        "float_nan": float("nan"),
        "float_inf": float("inf"),
        "none": None,
        "true": True,
        "list_dicts": [{"id": 1, "name": "alpha", "ok": True},
                       {"id": 2, "name": "beta", "ok": False},
                       {"id": 3, "name": "gamma", "ok": None}],
        "dict_unicode": {"名前": "テスト", "nested": {
            "emoji": "🚀", "greek": "αβγ", "items": [1, 2.5, "straße"]},
            "empty": {}},
        "tuple": (1, "a", None),
        "set": {5, 10, 15},
        "frozenset": frozenset({"x", "y"}),
        "bytes": b"\x00abc",
        "datetime_utc": datetime.datetime(2024, 1, 2, 3, 4, 5, 600000,
                                          tzinfo=datetime.timezone.utc),
        "datetime_offset": datetime.datetime(2025, 3, 4, 5, 6, 7, 890123,
                                             tzinfo=tz530),
        "date": datetime.date(2024, 2, 29),
        "decimal": decimal.Decimal("1.50"),
        "uuid": uuid.UUID("0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b"),
        "numpy": numpy.array([[7, -8], [9, 10]], dtype=numpy.int64),
        "pandas": pandas.DataFrame({
            "when": pandas.to_datetime(["2025-01-01 00:00:00",
                                        "2025-06-30 12:34:56"]),
            "n": [1, 2]}),
        "record_lookalike": {"serializer": "not a serializer",
                             "data": [1, 2, 3]},
        "valueerror": ValueError("boom"),
        "keyerror": KeyError("missing"),
    }


VALUES = _values()


# ---------------------------------------------------------------- serializers
JSON_CFG = {"type": "json", "jsonlib": "json",
            "object_encoder":
            "prefect.serializers.prefect_json_object_encoder",
            "object_decoder":
            "prefect.serializers.prefect_json_object_decoder",
            "dumps_kwargs": {}, "loads_kwargs": {}}


def pickle_cfg(lib="cloudpickle", v3=True):
    ver = {"cloudpickle": "2.2.1", "pickle": None, "dill": "0.3.8"}[lib]
    return {"type": "pickle", "picklelib": lib,
            "picklelib_version": None if v3 else ver}


def compressed_cfg(inner, lib="lzma", shorthand=True):
    t = "compressed"
    if shorthand:
        t = "compressed/" + inner["type"]
    return {"type": t, "serializer": inner, "compressionlib": lib}


def qualname(cls):
    return "%s.%s" % (cls.__module__, cls.__qualname__)


def _jsonable(obj, v3):
    """pydantic's JSON form of a value Prefect's encoder wraps."""
    if isinstance(obj, datetime.datetime):
        s = obj.isoformat()
        if v3 and s.endswith("+00:00"):
            s = s[:-6] + "Z"       # pydantic v2 writes UTC as Z
        return s
    if isinstance(obj, datetime.date):
        return obj.isoformat()
    if isinstance(obj, decimal.Decimal):
        return str(obj) if v3 else float(obj)   # v1 encoded as float
    if isinstance(obj, uuid.UUID):
        return str(obj)
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    if isinstance(obj, bytes):
        return obj.decode("utf-8")
    raise TypeError("no JSON form for %r" % (obj,))


def json_encoder(v3):
    def enc(obj):
        if isinstance(obj, BaseException):
            return {"__exc_type__": qualname(type(obj)),
                    "message": str(obj)}
        return {"__class__": qualname(type(obj)),
                "data": _jsonable(obj, v3)}
    return enc


COMPRESS = {
    "lzma": lzma.compress,
    "zlib": zlib.compress,
    "bz2": bz2.compress,
    "gzip": lambda b: gzip.compress(b, mtime=0),
}


def ser_dumps(value, cfg, v3):
    """(payload bytes, innermost kind, innermost bytes) for a value."""
    t = cfg["type"]
    if t == "pickle":
        lib = cfg["picklelib"]
        if lib == "cloudpickle":
            raw = cloudpickle.dumps(value)
        elif lib == "dill":
            raw = pickle.dumps(value, protocol=4)   # dill's default
        else:
            raw = pickle.dumps(value)
        return base64.encodebytes(raw), "pickle", raw
    if t == "json":
        text = json.dumps(value, default=json_encoder(v3)).encode()
        return text, "json", text
    if t.startswith("compressed"):
        inner, kind, raw = ser_dumps(value, cfg["serializer"], v3)
        comp = COMPRESS[cfg["compressionlib"]](inner)
        return base64.encodebytes(comp), kind, raw
    raise ValueError(t)


# ---------------------------------------------------------------- expected
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


def expect_json_text(text, typed):
    v = json.loads(text)
    if not typed:
        v = _unwrap(v)
    return ref_dumps(_nan_null(v))


def expect_for(kind, raw, typed):
    if kind == "pickle":
        return to_json(raw, typed=typed)
    return expect_json_text(raw.decode("utf-8"), typed)


# ---------------------------------------------------------------- JSON forms
def v1_dumps(obj):
    """pydantic v1 .json(): json.dumps defaults (', ' and ': ')."""
    return json.dumps(obj)


def v2_dumps(obj):
    """pydantic v2 model_dump_json(): compact, UTF-8."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def api_dumps(obj):
    """The server's replies: compact, UTF-8."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def jsonb_order(obj):
    """PostgreSQL jsonb key order: shorter keys first, then bytewise."""
    if isinstance(obj, dict):
        keys = sorted(obj, key=lambda k: (len(k.encode()), k.encode()))
        return {k: jsonb_order(obj[k]) for k in keys}
    if isinstance(obj, list):
        return [jsonb_order(v) for v in obj]
    return obj


# ---------------------------------------------------------------- the world
class World:
    def __init__(self, out):
        self.out = os.path.abspath(out)
        self.api = os.path.join(self.out, "api")
        self.storage = os.path.join(self.out, "storage")
        self.tick = 0
        self.cases = []
        self.blocks = {}
        self.wrappers = {}
        for d in ("flow_run_states", "task_run_states", "flow_runs",
                  "task_runs", "block_documents"):
            os.makedirs(os.path.join(self.api, d), exist_ok=True)
        os.makedirs(os.path.join(self.out, "expect"), exist_ok=True)
        self.paths = {
            "null": os.path.join(self.storage, "null",
                                 "dir with space", "ünï"),
            "local": os.path.join(self.storage, "local"),
            "remap": os.path.join(self.storage, "remap"),
            "anon": os.path.join(self.storage, "anon"),
            "named": os.path.join(self.storage, "named"),
            "keys": os.path.join(self.storage, "keys"),
        }
        for p in self.paths.values():
            os.makedirs(p, exist_ok=True)
        self.named_block_3 = self.local_block("sample-results",
                                              self.paths["named"], v3=True)
        self.named_block_2 = self.local_block("sample-results-2x",
                                              self.paths["named"], v3=False)
        self.s3_block = self.s3_bucket_block()

    # time stamps, one step per call
    def ts(self, v3, step=0.0123):
        self.tick += 1
        t = BASE_TIME + datetime.timedelta(seconds=self.tick * step * 10)
        s = t.strftime("%Y-%m-%dT%H:%M:%S.%f")
        return s + ("Z" if v3 else "+00:00")

    def write(self, path, data):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(path, "wb") as f:
            f.write(data)

    def put_api(self, kind, oid, obj):
        self.write(os.path.join(self.api, kind, oid + ".json"),
                   api_dumps(obj))

    # ------------------------------------------------------------ blocks
    def _block_type(self, slug, name, v3):
        btid = uid("block_type", slug)
        return {"id": btid, "created": self.ts(v3), "updated": self.ts(v3),
                "name": name, "slug": slug, "logo_url": None,
                "documentation_url": None,
                "description": "%s (test double)" % name,
                "code_example": None, "is_protected": True}

    def _block_doc(self, name, slug, type_name, data, v3, anonymous=False,
                   secret_fields=(), refs=None, properties=None):
        bid = uid("block", name)
        bt = self._block_type(slug, type_name, v3)
        schema_id = uid("schema", slug)
        doc = {
            "id": bid, "created": self.ts(v3), "updated": self.ts(v3),
            "name": name, "data": data, "block_schema_id": schema_id,
            "block_schema": {
                "id": schema_id, "created": self.ts(v3),
                "updated": self.ts(v3),
                "checksum": "sha256:" + uuid.uuid5(NS, slug).hex * 2,
                "fields": {"title": type_name.replace(" ", ""),
                           "description": bt["description"],
                           "type": "object",
                           "properties": properties or {},
                           "block_type_slug": slug,
                           "secret_fields": list(secret_fields),
                           "block_schema_references": {}},
                "block_type_id": bt["id"], "block_type": bt,
                "capabilities": ["read-path", "write-path"],
                "version": "3.4.1" if v3 else "2.20.25"},
            "block_type_id": bt["id"], "block_type_name": type_name,
            "block_type": bt,
            "block_document_references": refs or {},
            "is_anonymous": anonymous,
        }
        self.put_api("block_documents", bid, doc)
        return doc

    def local_block(self, name, basepath, v3, anonymous=False):
        props = {"basepath": {"title": "Basepath", "type": "string"}}
        return self._block_doc(name, "local-file-system",
                               "Local File System",
                               {"basepath": basepath}, v3,
                               anonymous=anonymous, properties=props)

    def anon_block(self, run_name, v3):
        return self.local_block("anonymous-" + uid("anon", run_name),
                                self.paths["anon"], v3, anonymous=True)

    def s3_bucket_block(self):
        """s3-bucket whose credentials are a saved aws-credentials block:
        the child's data inlined, the reference recorded (section 4.3);
        the endpoint is this test API's own loopback S3, or the S3
        emulator given to prefect_api.py with --s3-origin."""
        creds_data = {
            "aws_access_key_id": S3_AKID,
            "aws_secret_access_key": S3_SECRET,
            "aws_session_token": None, "profile_name": None,
            "region_name": "us-east-1",
            "aws_client_parameters": {
                "api_version": None, "use_ssl": False, "verify": False,
                "verify_cert_path": None, "endpoint_url": "@@S3_ORIGIN@@",
                "config": None}}
        child = self._block_doc(
            "e2e-aws-creds", "aws-credentials", "AWS Credentials",
            creds_data, True,
            secret_fields=["aws_secret_access_key", "aws_session_token"])
        ref = {"credentials": {"block_document": {
            "id": child["id"], "name": child["name"],
            "block_type": child["block_type"], "is_anonymous": False,
            "block_document_references": {}}}}
        doc = self._block_doc(
            "e2e-s3-results", "s3-bucket", "S3 Bucket",
            {"bucket_name": S3_BUCKET, "bucket_folder": "results",
             "credentials": dict(creds_data)}, True,
            secret_fields=["credentials.aws_secret_access_key",
                           "credentials.aws_session_token"],
            refs=ref)
        self.write(os.path.join(self.api, "s3", S3_BUCKET,
                                ".access_key_id"), S3_AKID + "\n")
        return doc

    # ------------------------------------------------------------ runs
    def state_details(self, v3, flow_run_id, task_run_id, kind):
        d = {"flow_run_id": flow_run_id, "task_run_id": task_run_id,
             "child_flow_run_id": None, "scheduled_time": None,
             "cache_key": None, "cache_expiration": None}
        if v3:
            d["deferred"] = False if kind == "task" else None
        d.update({"untrackable_result": False, "pause_timeout": None,
                  "pause_reschedule": False, "pause_key": None,
                  "run_input_keyset": None, "refresh_cache": None,
                  "retriable": None,
                  "transition_id": uid("transition", flow_run_id,
                                       str(self.tick))
                  if kind == "flow" else None,
                  "task_parameters_id": None})
        if v3:
            d["traceparent"] = None
        return d

    def make_state(self, sid, stype, name, message, data, details, v3):
        return {"id": sid, "type": stype, "name": name,
                "timestamp": self.ts(v3), "message": message, "data": data,
                "state_details": details}

    def history(self, kind, v3, run_id, flow_run_id, task_run_id, skind,
                msg_empty):
        """The PENDING and RUNNING states (null data) before the final."""
        for stype, nm in (("PENDING", "Pending"), ("RUNNING", "Running")):
            s = self.make_state(uid("state", run_id, stype), stype, nm,
                                "" if msg_empty else None, None,
                                self.state_details(v3, flow_run_id,
                                                   task_run_id, kind), v3)
            self.put_api(skind, s["id"], s)

    def flow_run(self, run_id, name, state, v3, params=None):
        t0 = self.ts(v3)
        r = {"id": run_id, "created": t0, "updated": self.ts(v3),
             "name": name, "flow_id": uid("flow", name.split("-")[0]),
             "state_id": state["id"], "deployment_id": None,
             "deployment_version": None, "work_queue_id": None,
             "work_queue_name": None,
             "flow_version": uid("fv", name).replace("-", ""),
             "parameters": params or {}, "idempotency_key": None,
             "context": {},
             "empirical_policy": {"max_retries": 0,
                                  "retry_delay_seconds": 0.0, "retries": 0,
                                  "retry_delay": 0, "pause_keys": [],
                                  "resuming": False, "retry_type": None},
             "tags": ["e2e"]}
        if v3:
            r["labels"] = {"prefect.flow.id": r["flow_id"]}
        r.update({"parent_task_run_id": None,
                  "state_type": state["type"], "state_name": state["name"],
                  "run_count": 1, "expected_start_time": t0,
                  "next_scheduled_start_time": None, "start_time": t0,
                  "end_time": state["timestamp"], "total_run_time": 0.04,
                  "estimated_run_time": 0.04,
                  "estimated_start_time_delta": 0.01,
                  "auto_scheduled": False,
                  "infrastructure_document_id": None,
                  "infrastructure_pid": None, "created_by": None,
                  "work_pool_id": None, "work_pool_name": None,
                  "state": state, "job_variables": {}})
        self.put_api("flow_runs", run_id, r)
        return r

    def task_run(self, run_id, name, flow_run_id, state, v3):
        t0 = self.ts(v3)
        r = {"id": run_id, "created": t0, "updated": self.ts(v3),
             "name": name, "flow_run_id": flow_run_id,
             "task_key": "produce-" + uid("tk", name)[:8],
             "dynamic_key": "0", "cache_key": None,
             "cache_expiration": None, "task_version": None,
             "empirical_policy": {"max_retries": 0,
                                  "retry_delay_seconds": 0.0, "retries": 0,
                                  "retry_delay": 0,
                                  "retry_jitter_factor": None},
             "tags": []}
        if v3:
            r["labels"] = {}
        r.update({"state_id": state["id"], "task_inputs": {"case": []},
                  "state_type": state["type"], "state_name": state["name"],
                  "run_count": 1, "flow_run_run_count": 1,
                  "expected_start_time": t0,
                  "next_scheduled_start_time": None, "start_time": t0,
                  "end_time": state["timestamp"], "total_run_time": 0.007,
                  "estimated_run_time": 0.007,
                  "estimated_start_time_delta": 0.006, "state": state})
        self.put_api("task_runs", run_id, r)
        return r

    def wrapper_flow(self, group, v3):
        """The persist_result=False flow run that task cases ran in."""
        if group in self.wrappers:
            return self.wrappers[group]
        run_id = uid("wrapper", group)
        self.history("flow", v3, run_id, run_id, None, "flow_run_states",
                     False)
        final = self.make_state(uid("state", run_id, "final"), "COMPLETED",
                                "Completed", None, None,
                                self.state_details(v3, run_id, None,
                                                   "flow"), v3)
        self.put_api("flow_run_states", final["id"], final)
        self.flow_run(run_id, "wrapper-" + group, final, v3)
        self.wrappers[group] = run_id
        return run_id


# ---------------------------------------------------------------- cases
class Case:
    """One run whose final state points at a result.

    era      A, B, C or D; version: the prefect_version written
    kind     flow or task
    cfg      the full serializer config (None for eras A's own forms)
    value    a key of VALUES
    storage  null (absolute key, no block), local (relative key, no
             block), remap, anon, named, s3
    key      the storage key (relative to the storage), or None for a
             fresh hex key
    special  None, or: literal, unknown, unpersisted, inline, nodata,
             missing, keystorage, pg, expired
    """

    def __init__(self, name, era, version, kind, cfg, value, storage,
                 key=None, special=None, data_override=None,
                 era_a_encoding="cloudpickle", tags=()):
        self.name = name
        self.era = era
        self.version = version
        self.kind = kind
        self.cfg = cfg
        self.value = value
        self.storage = storage
        self.key = key
        self.special = special
        self.data_override = data_override
        self.era_a_encoding = era_a_encoding
        self.tags = list(tags)
        self.v3 = era in ("C", "D")
        self.failed = isinstance(VALUES.get(value), BaseException)
        self.needs = []


def build(world, c):
    v3 = c.v3
    ex = {"status": "ok", "has_value": True, "failed": c.failed,
          "err_codes": [], "err_match": "", "novalue_ok": False}
    run_id = uid("run", c.name)
    task_run_id = uid("taskrun", c.name) if c.kind == "task" else None
    flow_run_id = world.wrapper_flow(c.era + c.version, v3) \
        if c.kind == "task" else run_id
    if c.kind == "task":
        run_id = task_run_id
    sid = uid("state", run_id, "final")
    skind = "flow_run_states" if c.kind == "flow" else "task_run_states"
    rkind = "flow_runs" if c.kind == "flow" else "task_runs"

    value = VALUES.get(c.value)
    key = c.key or hexkey(c.name)
    block = None
    data = None
    plain = typed = None

    # where the file goes and what the state calls it
    if c.storage == "null":
        fpath = os.path.join(world.paths["null"], key)
        skey = fpath
    elif c.storage == "local":
        fpath = os.path.join(world.paths["local"], key)
        skey = key
        c.needs.append("local_storage")
    elif c.storage == "remap":
        fpath = os.path.join(world.paths["remap"], key)
        skey = REMAP_FROM + "/" + key
        c.needs.append("remap")
    elif c.storage == "anon":
        block = world.anon_block(c.name, v3)
        fpath = os.path.join(world.paths["anon"], key)
        skey = key
    elif c.storage == "named":
        block = world.named_block_3 if v3 else world.named_block_2
        fpath = os.path.join(world.paths["named"], key)
        skey = key
    elif c.storage == "s3":
        block = world.s3_block
        fpath = os.path.join(world.api, "s3", S3_BUCKET, "results", key)
        skey = key
        c.needs.append("s3")
    else:
        raise ValueError(c.storage)
    bid = block["id"] if block else None

    payload = None
    if c.cfg is not None and c.special not in ("literal", "unknown",
                                               "unpersisted", "inline",
                                               "nodata"):
        payload, pkind, praw = ser_dumps(value, c.cfg, v3)
        plain = expect_for(pkind, praw, False)
        typed = expect_for(pkind, praw, True)

    if c.era == "A":
        enc = c.era_a_encoding
        if enc == "cloudpickle":
            raw = cloudpickle.dumps(value)
            blob = base64.encodebytes(raw).decode()
            plain, typed = to_json(raw), to_json(raw, typed=True)
        else:
            text = json.dumps(value)
            blob = text
            plain = typed = expect_json_text(text, False)
        world.write(fpath, v1_dumps({"encoding": enc, "blob": blob}))
        data = {"encoding": "result", "blob": json.dumps(
            {"key": skey, "filesystem_document_id": bid})}
    elif c.era == "B":
        sp = c.special
        if sp == "literal":
            data = {"type": "literal", "value": c.data_override}
            plain = typed = ref_dumps(c.data_override)
        elif sp == "unknown":
            data = {"type": "unknown", "value": None}
            plain = typed = "null"
        elif sp == "unpersisted":
            data = {"type": "unpersisted"}
            # Python raises MissingResult; a reader may also report "no
            # value" (null, has_value=0) as long as it says nothing else
            ex.update(status="err", has_value=False, err_codes=[5, 6],
                      err_match="persist", novalue_ok=True)
        else:
            blob = {"serializer": c.cfg, "data": payload.decode(),
                    "prefect_version": c.version}
            if sp != "missing":
                world.write(fpath, v1_dumps(blob))
            data = {"type": "reference", "serializer_type": c.cfg["type"],
                    "storage_block_id": bid, "storage_key": skey}
    elif c.era == "C":
        meta = {"storage_key": skey, "expiration": None,
                "serializer": c.cfg, "prefect_version": c.version}
        world.write(fpath, v2_dumps({"metadata": meta,
                                     "result": payload.decode()}))
        data = {"type": "reference", "serializer_type": c.cfg["type"],
                "storage_key": skey, "storage_block_id": bid,
                "expiration": None, "serialize_to_none": False}
    else:  # D
        expiration = None
        if c.special == "expired":
            expiration = "2020-01-01T00:00:00Z"
        meta = {"storage_key": skey, "expiration": expiration,
                "serializer": c.cfg, "prefect_version": c.version,
                "storage_block_id": bid}
        if c.special == "nodata":
            data = None
            plain = typed = "null"
            ex["has_value"] = False
        elif c.special == "inline":
            data = c.data_override
            plain = typed = ref_dumps(c.data_override)
        else:
            vt = tuple(int(x) for x in c.version.split("."))
            raw_flow = c.kind == "flow" and vt >= (3, 0, 4)
            if c.special == "keystorage":
                world.write(fpath, payload)
                world.write(os.path.join(world.paths["keys"], key),
                            v2_dumps(meta))
            elif raw_flow:
                world.write(fpath, payload)
            elif c.special != "missing":
                world.write(fpath, v2_dumps({"metadata": meta,
                                             "result": payload.decode()}))
            data = dict(meta)
            if c.kind == "task":
                data["serializer"] = {"type": c.cfg["type"]}
            if c.special == "pg":
                data = jsonb_order(data)
    if c.special == "missing":
        ex.update(status="err", has_value=False, err_codes=[6, 11],
                  err_match="")

    # state messages as Prefect writes them
    if c.failed:
        exc = value
        if c.v3:
            msg = ("Flow run encountered an exception: %s: %s"
                   if c.kind == "flow" else
                   "Task run encountered an exception %s: %s") % (
                type(exc).__name__, exc)
        else:
            msg = "%s run encountered an exception. %s: %s" % (
                c.kind.capitalize(), type(exc).__name__, exc)
        stype, sname = "FAILED", "Failed"
    else:
        msg = "" if (c.v3 and c.kind == "task") else None
        stype, sname = "COMPLETED", "Completed"
    world.history(c.kind, v3, run_id, flow_run_id, task_run_id, skind,
                  c.v3 and c.kind == "task")
    details = world.state_details(v3, flow_run_id, task_run_id, c.kind)
    final = world.make_state(sid, stype, sname, msg, data, details, v3)
    world.put_api(skind, sid, final)
    if c.kind == "flow":
        world.flow_run(run_id, "e2e-" + c.name, final, v3,
                       params={"case": c.value})
    else:
        world.task_run(run_id, "e2e-" + c.name, flow_run_id, final, v3)

    for mode, text in (("plain", plain), ("typed", typed)):
        if ex["status"] == "ok":
            world.write(os.path.join(world.out, "expect",
                                     "%s.%s" % (c.name, mode)), text)
    man = {"name": c.name, "era": c.era, "version": c.version,
           "kind": c.kind, "state_id": sid, "state_kind": skind,
           "run_id": run_id, "run_kind": rkind,
           "flow_run_id": flow_run_id, "storage": c.storage,
           "storage_key": skey, "storage_block_id": bid,
           "file": fpath if c.special not in ("missing",) else None,
           "serializer": c.cfg["type"] if c.cfg else
           ("era-a/" + c.era_a_encoding if c.era == "A" else None),
           "value": c.value, "special": c.special, "needs": c.needs,
           "tags": c.tags, "state_type": stype, "message": msg}
    man.update(ex)
    world.cases.append(man)


def case_list():
    P3 = pickle_cfg("cloudpickle", True)
    P2 = pickle_cfg("cloudpickle", False)
    cases = []

    def add(*a, **k):
        cases.append(Case(*a, **k))

    # -- era D flows, 3.4.1: raw serializer output
    for v in ("str", "int", "int_big", "float", "float_nan", "none",
              "true", "list_dicts", "dict_unicode", "tuple", "set",
              "frozenset", "bytes", "datetime_utc", "datetime_offset",
              "date", "decimal", "uuid", "numpy", "pandas"):
        add("d-flow-pickle-" + v, "D", "3.4.1", "flow", P3, v, "null")
    add("d-flow-hello-world-raw", "D", "3.4.1", "flow", P3, "hello",
        "null", tags=["invalid-literal"])
    for v in ("dict_unicode", "datetime_offset", "numpy"):
        add("d-flow-stdpickle-" + v, "D", "3.4.1", "flow",
            pickle_cfg("pickle"), v, "null")
    for v in ("list_dicts", "set"):
        add("d-flow-dill-" + v, "D", "3.4.1", "flow",
            pickle_cfg("dill"), v, "null")
    for v in ("str", "int", "int_big", "float", "float_nan", "float_inf",
              "none", "list_dicts", "dict_unicode", "tuple", "set",
              "bytes", "datetime_utc", "datetime_offset", "date",
              "decimal", "uuid", "record_lookalike"):
        add("d-flow-json-" + v, "D", "3.4.1", "flow", JSON_CFG, v, "null")
    for v in ("dict_unicode", "numpy", "pandas"):
        add("d-flow-cpickle-lzma-" + v, "D", "3.4.1", "flow",
            compressed_cfg(P3, "lzma"), v, "null")
    for v in ("list_dicts", "datetime_utc"):
        add("d-flow-cjson-lzma-" + v, "D", "3.4.1", "flow",
            compressed_cfg(JSON_CFG, "lzma"), v, "null")
    for lib in ("zlib", "gzip", "bz2", "lzma"):
        for v in ("str", "set"):
            add("d-flow-compressed-pickle-%s-%s" % (lib, v), "D", "3.4.1",
                "flow", compressed_cfg(P3, lib, shorthand=False), v,
                "null")
        add("d-flow-compressed-json-%s-dict_unicode" % lib, "D", "3.4.1",
            "flow", compressed_cfg(JSON_CFG, lib, shorthand=False),
            "dict_unicode", "null")
    add("d-flow-pickle-failed", "D", "3.4.1", "flow", P3, "valueerror",
        "null")
    add("d-flow-json-failed", "D", "3.4.1", "flow", JSON_CFG,
        "valueerror", "null")
    # -- era D flows before 3.0.4 wrote records
    add("d303-flow-pickle-int", "D", "3.0.3", "flow", P3, "int", "null")
    add("d302-flow-pickle-dict_unicode", "D", "3.0.2", "flow", P3,
        "dict_unicode", "null")
    add("d303-flow-json-datetime_utc", "D", "3.0.3", "flow", JSON_CFG,
        "datetime_utc", "named")
    # -- era D tasks: records, the state shows only {"type": ...}
    for v in ("str", "dict_unicode", "pandas", "none"):
        add("d-task-pickle-" + v, "D", "3.4.1", "task", P3, v, "null")
    for v in ("decimal", "list_dicts", "float_nan", "datetime_utc"):
        add("d-task-json-" + v, "D", "3.4.1", "task", JSON_CFG, v, "null")
    add("d-task-cpickle-lzma-str", "D", "3.4.1", "task",
        compressed_cfg(P3, "lzma"), "str", "null")
    add("d-task-cjson-lzma-int", "D", "3.4.1", "task",
        compressed_cfg(JSON_CFG, "lzma"), "int", "null")
    for lib in ("zlib", "bz2", "gzip"):
        add("d-task-compressed-%s-set" % lib, "D", "3.4.1", "task",
            compressed_cfg(P3, lib, shorthand=False), "set", "null")
    add("d-task-pickle-failed", "D", "3.4.1", "task", P3, "valueerror",
        "null")
    add("d-task-json-failed", "D", "3.4.1", "task", JSON_CFG,
        "valueerror", "null")
    add("d-task-keystorage-pickle", "D", "3.4.1", "task", P3,
        "dict_unicode", "null", special="keystorage")
    add("d-task-keystorage-zlib", "D", "3.4.1", "task",
        compressed_cfg(P3, "zlib", shorthand=False), "str", "null",
        special="keystorage")
    add("d-task-keystorage-lzma-json", "D", "3.4.1", "task",
        compressed_cfg(JSON_CFG, "lzma"), "list_dicts", "null",
        special="keystorage")
    add("d-task-pg-keyorder", "D", "3.4.1", "task", P3, "int", "null",
        special="pg")
    add("d-task-expired", "D", "3.4.1", "task", P3, "str", "null",
        special="expired")
    add("d-flow-expired", "D", "3.4.1", "flow", P3, "int", "null",
        special="expired")
    add("d-task-missing-file", "D", "3.4.1", "task", P3, "str", "null",
        special="missing")
    add("d-flow-nodata", "D", "3.4.1", "flow", P3, "str", "null",
        special="nodata")
    add("d-flow-inline-int", "D", "3.4.1", "flow", P3, "int", "null",
        special="inline", data_override=42)
    add("d-flow-inline-object", "D", "3.4.1", "flow", P3, "int", "null",
        special="inline", data_override={"rows": 3, "ok": True})
    # -- storage variations
    add("d-task-named-block", "D", "3.4.1", "task", P3, "int", "named")
    add("d-flow-named-block-json", "D", "3.4.1", "flow", JSON_CFG,
        "dict_unicode", "named")
    add("d-task-key-slashes", "D", "3.4.1", "task", P3, "list_dicts",
        "named", key="custom/first/value.pkl")
    add("d-task-key-unicode", "D", "3.4.1", "task", P3, "str", "named",
        key="my flow/ünïcødé 🚀 result.pkl")
    add("d-flow-null-key-unicode", "D", "3.4.1", "flow", P3, "str",
        "null", key="sub dir/résultat ✓")
    add("d-flow-local-relative", "D", "3.4.1", "flow", P3, "str", "local")
    add("d-task-remap", "D", "3.4.1", "task", P3, "dict_unicode", "remap")
    add("d-task-s3-nested-block", "D", "3.4.1", "task", P3, "list_dicts",
        "s3")
    add("d-flow-s3-nested-block", "D", "3.4.1", "flow", JSON_CFG,
        "dict_unicode", "s3")
    # -- era C: 3.0.0 / 3.0.1 references and records
    add("c-flow-pickle-int", "C", "3.0.0", "flow", P3, "int", "null")
    add("c-flow-pickle-str", "C", "3.0.1", "flow", P3, "str", "null")
    add("c-task-json-dict_unicode", "C", "3.0.1", "task", JSON_CFG,
        "dict_unicode", "named")
    add("c-flow-cpickle-lzma-list", "C", "3.0.0", "flow",
        compressed_cfg(P3, "lzma"), "list_dicts", "named")
    add("c-flow-pickle-failed", "C", "3.0.0", "flow", P3, "valueerror",
        "null")
    # -- era B: 2.6-2.20 blobs behind anonymous (or named) blocks
    for v in ("str", "int", "float", "list_dicts", "dict_unicode",
              "datetime_offset", "numpy", "pandas", "frozenset", "bytes"):
        add("b-flow-pickle-" + v, "B", "2.20.25", "flow", P2, v, "anon")
    for v in ("str", "dict_unicode", "datetime_offset", "decimal",
              "bytes", "frozenset", "float_nan"):
        add("b-flow-json-" + v, "B", "2.10.0", "flow", JSON_CFG, v, "anon")
    add("b-flow-cpickle-lzma-dict", "B", "2.10.0", "flow",
        compressed_cfg(P2, "lzma"), "dict_unicode", "anon")
    add("b-flow-cjson-lzma-list", "B", "2.10.0", "flow",
        compressed_cfg(JSON_CFG, "lzma"), "list_dicts", "anon")
    add("b-flow-compressed-zlib-numpy", "B", "2.20.25", "flow",
        compressed_cfg(P2, "zlib", shorthand=False), "numpy", "anon")
    add("b-flow-compressed-bz2-str", "B", "2.7.0", "flow",
        compressed_cfg(P2, "bz2", shorthand=False), "str", "anon")
    add("b-task-pickle-datetime_offset", "B", "2.20.25", "task", P2,
        "datetime_offset", "anon")
    add("b-task-json-custom-key", "B", "2.20.25", "task", JSON_CFG,
        "list_dicts", "named", key="sample/first.json")
    add("b-task-pickle-key-unicode", "B", "2.20.25", "task", P2,
        "dict_unicode", "named", key="my flow/ünïcødé 🚀.pkl")
    add("b-flow-pickle-failed", "B", "2.20.25", "flow", P2, "keyerror",
        "anon")
    add("b-flow-json-failed", "B", "2.20.25", "flow", JSON_CFG, "keyerror",
        "anon")
    add("b-flow-pickle-old-2.6", "B", "2.6.0", "flow", P2, "int", "anon")
    for nm, lit in (("none", None), ("true", True), ("false", False),
                    ("uuid", "0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b")):
        add("b-flow-literal-" + nm, "B", "2.20.25", "flow", None, "none",
            "anon", special="literal", data_override=lit)
    add("b-flow-unknown", "B", "2.20.25", "flow", None, "none", "anon",
        special="unknown")
    add("b-flow-unpersisted", "B", "2.10.0", "flow", None, "none", "anon",
        special="unpersisted")
    add("b-flow-missing-file", "B", "2.20.25", "flow", P2, "str", "anon",
        special="missing")
    # -- era A: 2.0-2.5 DataDocuments
    add("a-flow-cloudpickle-int", "A", "2.5.0", "flow", None, "int",
        "anon")
    add("a-flow-cloudpickle-dict_unicode", "A", "2.3.0", "flow", None,
        "dict_unicode", "anon")
    add("a-task-cloudpickle-datetime", "A", "2.5.0", "task", None,
        "datetime_offset", "anon")
    add("a-flow-json-list_dicts", "A", "2.0.0", "flow", None, "list_dicts",
        "anon", era_a_encoding="json")
    add("a-flow-cloudpickle-failed", "A", "2.5.0", "flow", None,
        "valueerror", "anon")
    return cases


def self_check(world):
    """Facts the spec states about these bytes, checked with Python."""
    byname = {c["name"]: c for c in world.cases}
    c = byname["d-flow-hello-world-raw"]
    with open(c["file"], "rb") as f:
        raw = f.read()
    assert raw.startswith(b"gAW"), raw[:10]
    try:
        cloudpickle.loads(raw)
    except ValueError as e:
        assert "invalid literal for int()" in str(e), e
    else:
        raise AssertionError("raw base64 loaded as a pickle")
    assert cloudpickle.loads(base64.decodebytes(raw)) == "hello world"
    c = byname["d-flow-cpickle-lzma-dict_unicode"]
    with open(c["file"], "rb") as f:
        assert f.read().startswith(b"/Td6WFo")


def main(argv):
    if len(argv) != 1:
        sys.stderr.write("usage: gen_cases.py OUTDIR\n")
        return 2
    world = World(argv[0])
    names = set()
    for c in case_list():
        assert c.name not in names, c.name
        names.add(c.name)
        build(world, c)
    self_check(world)
    with open(os.path.join(world.out, "cases.json"), "w",
              encoding="utf-8") as f:
        json.dump(world.cases, f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(world.out, "cases.tsv"), "w",
              encoding="utf-8") as f:
        for c in world.cases:
            f.write("\t".join([c["name"], c["state_id"], c["state_kind"],
                               c["run_id"], c["run_kind"], c["status"],
                               ",".join(c["needs"]) or "-"]) + "\n")
    q = "'%s'"
    with open(os.path.join(world.out, "env.sh"), "w",
              encoding="utf-8") as f:
        f.write("# written by gen_cases.py\n")
        f.write("E2E_LOCAL_STORAGE=%s\n" % (q % world.paths["local"]))
        f.write("E2E_REMAP=%s\n" % (q % (REMAP_FROM + "=" +
                                          world.paths["remap"])))
        f.write("E2E_S3_SECRET=%s\n" % (q % S3_SECRET))
        f.write("E2E_NCASES=%d\n" % len(world.cases))
    print("%d cases in %s" % (len(world.cases), world.out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
