#!/usr/bin/python3
"""gen_prefect_db.py - a small prefect.db for test_source_sqlite.c.

    /usr/bin/python3 tests/unit/gen_prefect_db.py OUTDIR

Writes OUTDIR/prefect.db (WAL mode, as a Prefect server leaves it) with
the tables of docs/prefect-results.md section 6 in the shapes Prefect
2.20/3.4 create on SQLite (CHAR(36) ids, naive-UTC DATETIME text, JSON
as text written by json.dumps), and the result files its rows point at
under OUTDIR/storage and OUTDIR/blockstore.  Block documents are
Fernet-encrypted with the key in the configuration row ENCRYPTION_KEY,
as the server does; that needs python3-cryptography.  Without it the
script exits 3 and the test says SKIP.

Every id is fixed (the test names them); only the Fernet tokens differ
between runs (they carry a time and a random IV).
"""
import base64
import json
import os
import pickle
import sqlite3
import sys

try:
    from cryptography.fernet import Fernet
except ImportError:             # pragma: no cover
    sys.stderr.write("gen_prefect_db.py: python3-cryptography is missing\n")
    sys.exit(3)

KEY = "dGVzdC1rZXktZm9yLXByZWZlY3QtcmVzdWx0LTAwMDA="   # 32 bytes, urlsafe
TS = "2026-11-29 04:26:45.%06d"

SCHEMA = """
CREATE TABLE flow_run (
    id CHAR(36) NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL,
    name VARCHAR NOT NULL, state_type VARCHAR(9), state_name VARCHAR,
    state_id CHAR(36), flow_id CHAR(36) NOT NULL,
    CONSTRAINT pk_flow_run PRIMARY KEY (id));
CREATE TABLE task_run (
    id CHAR(36) NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL,
    name VARCHAR NOT NULL, state_type VARCHAR(9), state_name VARCHAR,
    state_id CHAR(36), flow_run_id CHAR(36), task_key VARCHAR NOT NULL,
    dynamic_key VARCHAR NOT NULL,
    CONSTRAINT pk_task_run PRIMARY KEY (id));
CREATE TABLE artifact (
    id CHAR(36) NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL,
    "key" VARCHAR, type VARCHAR, data JSON, metadata_ JSON,
    task_run_id CHAR(36), flow_run_id CHAR(36), description VARCHAR,
    CONSTRAINT pk_artifact PRIMARY KEY (id));
CREATE TABLE flow_run_state (
    id CHAR(36) NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL,
    type VARCHAR(9) NOT NULL, timestamp DATETIME NOT NULL, name VARCHAR NOT NULL,
    message VARCHAR, state_details JSON DEFAULT '{}' NOT NULL, data JSON,
    flow_run_id CHAR(36) NOT NULL, result_artifact_id CHAR(36),
    CONSTRAINT pk_flow_run_state PRIMARY KEY (id));
CREATE TABLE task_run_state (
    id CHAR(36) NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL,
    type VARCHAR(9) NOT NULL, timestamp DATETIME NOT NULL, name VARCHAR NOT NULL,
    message VARCHAR, state_details JSON DEFAULT '{}' NOT NULL, data JSON,
    task_run_id CHAR(36) NOT NULL, result_artifact_id CHAR(36),
    CONSTRAINT pk_task_run_state PRIMARY KEY (id));
CREATE TABLE block_type (
    id CHAR(36) NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL,
    name VARCHAR NOT NULL, slug VARCHAR NOT NULL, logo_url VARCHAR,
    documentation_url VARCHAR, description VARCHAR, code_example VARCHAR,
    is_protected BOOLEAN DEFAULT '0' NOT NULL,
    CONSTRAINT pk_block_type PRIMARY KEY (id));
CREATE UNIQUE INDEX uq_block_type__slug ON block_type (slug);
CREATE TABLE block_schema (
    id CHAR(36) NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL,
    fields JSON DEFAULT '{}' NOT NULL, checksum VARCHAR NOT NULL,
    block_type_id CHAR(36) NOT NULL, capabilities JSON DEFAULT '[]' NOT NULL,
    version VARCHAR DEFAULT 'non-versioned' NOT NULL,
    CONSTRAINT pk_block_schema PRIMARY KEY (id));
CREATE TABLE block_document (
    id CHAR(36) NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL,
    name VARCHAR NOT NULL, data JSON DEFAULT '{}' NOT NULL,
    block_schema_id CHAR(36) NOT NULL, block_type_id CHAR(36) NOT NULL,
    is_anonymous BOOLEAN DEFAULT '0' NOT NULL, block_type_name VARCHAR,
    CONSTRAINT pk_block_document PRIMARY KEY (id));
CREATE TABLE block_document_reference (
    id CHAR(36) NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL,
    name VARCHAR NOT NULL, parent_block_document_id CHAR(36) NOT NULL,
    reference_block_document_id CHAR(36) NOT NULL,
    CONSTRAINT pk_block_document_reference PRIMARY KEY (id));
CREATE TABLE configuration (
    id CHAR(36) NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL,
    "key" VARCHAR NOT NULL, value JSON NOT NULL,
    CONSTRAINT pk_configuration PRIMARY KEY (id));
CREATE UNIQUE INDEX uq_configuration__key ON configuration ("key");
"""


def uid(n):
    """A fixed UUIDv4-shaped id."""
    return "00000000-0000-4000-8000-%012x" % n


SER_JSON = {"type": "json", "jsonlib": "json",
            "object_encoder": "prefect.serializers.prefect_json_object_encoder",
            "object_decoder": "prefect.serializers.prefect_json_object_decoder",
            "dumps_kwargs": {}, "loads_kwargs": {}}
SER_PICKLE = {"type": "pickle", "picklelib": "cloudpickle",
              "picklelib_version": None}


class Db:
    def __init__(self, path):
        self.c = sqlite3.connect(path)
        self.c.execute("PRAGMA journal_mode=WAL")
        self.c.executescript(SCHEMA)
        self.n = 0

    def ts(self):
        self.n += 1
        return TS % self.n

    def row(self, table, **cols):
        now = self.ts()
        cols.setdefault("created", now)
        cols.setdefault("updated", now)
        names = ", ".join('"%s"' % k for k in cols)
        marks = ", ".join("?" for _ in cols)
        self.c.execute("INSERT INTO %s (%s) VALUES (%s)" % (table, names, marks),
                       [json.dumps(v) if isinstance(v, (dict, list)) else v
                        for v in cols.values()])

    def json_row(self, table, **cols):
        """JSON columns given as already-dumped text (or None)."""
        self.row(table, **cols)


def details(flow_run_id, task_run_id=None):
    return {"flow_run_id": flow_run_id, "task_run_id": task_run_id,
            "child_flow_run_id": None, "scheduled_time": None,
            "cache_key": None, "cache_expiration": None,
            "untrackable_result": False, "pause_timeout": None,
            "pause_reschedule": False, "pause_key": None,
            "run_input_keyset": None, "refresh_cache": None,
            "retriable": None, "transition_id": uid(0xfff),
            "task_parameters_id": None}


def main():
    out = sys.argv[1]
    storage = os.path.join(out, "storage")
    blockstore = os.path.join(out, "blockstore")
    os.makedirs(storage, exist_ok=True)
    os.makedirs(blockstore, exist_ok=True)
    path = os.path.join(out, "prefect.db")
    if os.path.exists(path):
        os.unlink(path)
    db = Db(path)
    fernet = Fernet(KEY.encode())

    def enc(fields):
        return fernet.encrypt(json.dumps(fields).encode()).decode()

    db.row("configuration", id=uid(0x900), key="ENCRYPTION_KEY",
           value={"fernet_key": KEY})

    # Block types, schemas, documents.
    types = {"local-file-system": "Local File System",
             "s3-bucket": "S3 Bucket", "aws-credentials": "AWS Credentials"}
    for i, (slug, name) in enumerate(sorted(types.items())):
        db.row("block_type", id=uid(0x800 + i), name=name, slug=slug)
        db.row("block_schema", id=uid(0x810 + i), checksum="sha256:%d" % i,
               block_type_id=uid(0x800 + i),
               fields={"block_type_slug": slug, "secret_fields": []})
    tid = {slug: uid(0x800 + i) for i, slug in enumerate(sorted(types))}
    sid = {slug: uid(0x810 + i) for i, slug in enumerate(sorted(types))}

    def block(n, slug, name, fields, anonymous=False, token=None):
        db.row("block_document", id=uid(n), name=name,
               data=json.dumps(token if token is not None else enc(fields)),
               block_schema_id=sid[slug], block_type_id=tid[slug],
               is_anonymous=1 if anonymous else 0,
               block_type_name=types[slug])

    # 0x700: the saved local storage of the 2.x-style reference.
    block(0x700, "local-file-system", "sample-results",
          {"basepath": blockstore})
    # 0x701 -> 0x702 -> 0x703: nested (s3-bucket, credentials, a child).
    block(0x701, "s3-bucket", "nested-parent",
          {"bucket_name": "bkt", "bucket_folder": "res"})
    block(0x702, "aws-credentials", "nested-child",
          {"aws_access_key_id": "AKIDEXAMPLE",
           "aws_secret_access_key": "s3cr3t", "region_name": None})
    block(0x703, "aws-credentials", "nested-grandchild", {})
    db.row("block_document_reference", id=uid(0x7a0), name="credentials",
           parent_block_document_id=uid(0x701),
           reference_block_document_id=uid(0x702))
    db.row("block_document_reference", id=uid(0x7a1), name="inner",
           parent_block_document_id=uid(0x702),
           reference_block_document_id=uid(0x703))
    # 0x704: a token with one character changed (fails the HMAC).
    good = enc({"basepath": blockstore})
    bad = good[:40] + ("A" if good[40] != "A" else "B") + good[41:]
    block(0x704, "local-file-system", "corrupted", None, token=bad)
    # 0x705 references itself: depth limit.
    block(0x705, "s3-bucket", "loop", {"bucket_name": "x"})
    db.row("block_document_reference", id=uid(0x7a2), name="credentials",
           parent_block_document_id=uid(0x705),
           reference_block_document_id=uid(0x705))

    def flow_state(n, run, typ, name, data=None, artifact=None, message=None):
        db.row("flow_run_state", id=uid(n), type=typ, timestamp=db.ts(),
               name=name, message=message,
               state_details=json.dumps(details(run)),
               data=data, flow_run_id=run, result_artifact_id=artifact)

    def task_state(n, run, flow_run, typ, name, data=None, artifact=None):
        db.row("task_run_state", id=uid(n), type=typ, timestamp=db.ts(),
               name=name, state_details=json.dumps(details(flow_run, run)),
               data=data, task_run_id=run, result_artifact_id=artifact)

    def artifact(n, data, run=None, task=None):
        db.row("artifact", id=uid(n), type="result", data=json.dumps(data),
               description="Result of type `x` persisted", flow_run_id=run,
               task_run_id=task)

    def flow_run(n, state, typ="COMPLETED", name="Completed"):
        db.row("flow_run", id=uid(n), name="run-%x" % n, state_type=typ,
               state_name=name, state_id=state, flow_id=uid(0x600))

    # 1. A 3.x flow: data NULL, metadata in the artifact, raw JSON file.
    (open(os.path.join(storage, "k3flow"), "w")
     .write(json.dumps({"rows": [1, 2, 3], "name": "sample"})))
    artifact(0x301, {"storage_key": os.path.join(storage, "k3flow"),
                     "expiration": None, "serializer": SER_JSON,
                     "prefect_version": "3.4.1", "storage_block_id": None},
             run=uid(0x101))
    flow_state(0x201, uid(0x101), "PENDING", "Pending")
    flow_state(0x202, uid(0x101), "COMPLETED", "Completed",
               artifact=uid(0x301))
    flow_run(0x101, uid(0x202))

    # 2. A 2.x flow: a reference through the saved block 0x700.
    blob = {"serializer": {"type": "pickle", "picklelib": "cloudpickle",
                           "picklelib_version": "2.2.1"},
            "data": base64.b64encode(pickle.dumps([1, "two", 3.5],
                                                  protocol=4)).decode(),
            "prefect_version": "2.20.25"}
    open(os.path.join(blockstore, "k2flow"), "w").write(json.dumps(blob))
    artifact(0x302, {"type": "reference", "serializer_type": "pickle",
                     "storage_block_id": uid(0x700), "storage_key": "k2flow"},
             run=uid(0x102))
    flow_state(0x203, uid(0x102), "COMPLETED", "Completed",
               artifact=uid(0x302))
    flow_run(0x102, uid(0x203))

    # 3. Migrated 2.x rows (before the artifact table): inline data
    #    with the artifact_* keys the 2.x client sent.
    flow_state(0x204, uid(0x103), "COMPLETED", "Completed",
               data=json.dumps({"type": "reference",
                                "serializer_type": "pickle",
                                "storage_block_id": uid(0x700),
                                "storage_key": "k2flow",
                                "artifact_type": "result",
                                "artifact_description": "Result of type "
                                "`list` persisted to: `k2flow`",
                                "artifact_key": None}))
    flow_run(0x103, uid(0x204))
    flow_state(0x205, uid(0x104), "COMPLETED", "Completed",
               data=json.dumps({"type": "literal", "value": True,
                                "artifact_type": "result",
                                "artifact_description": "Literal: `True`",
                                "artifact_key": None}))
    flow_run(0x104, uid(0x205))

    # 4. Falsy inline data: the artifact wins; without one, null.
    artifact(0x303, {"type": "literal", "value": False})
    flow_state(0x206, uid(0x105), "COMPLETED", "Completed", data="0",
               artifact=uid(0x303))
    flow_run(0x105, uid(0x206))
    flow_state(0x207, uid(0x106), "COMPLETED", "Completed", data="{}")
    flow_run(0x106, uid(0x207))
    # An inline value (set through the API by another client).
    flow_state(0x208, uid(0x107), "COMPLETED", "Completed",
               data=json.dumps({"answer": 42, "big": 10 ** 30}))
    flow_run(0x107, uid(0x208))

    # 5. A failed 3.x flow: the pickled exception, message set.
    open(os.path.join(storage, "k3fail"), "wb").write(
        pickle.dumps(ValueError("boom"), protocol=4))
    artifact(0x304, {"storage_key": os.path.join(storage, "k3fail"),
                     "expiration": None, "serializer": SER_PICKLE,
                     "prefect_version": "3.4.1", "storage_block_id": None})
    flow_state(0x209, uid(0x108), "FAILED", "Failed", artifact=uid(0x304),
               message="Flow run encountered an exception: "
                       "ValueError: boom")
    flow_run(0x108, uid(0x209), "FAILED", "Failed")

    # 6. A 3.x task: metadata inline in task_run_state (the recorder),
    #    a ResultRecord file.
    record = {"metadata": {"storage_key": os.path.join(storage, "k3task"),
                           "expiration": None, "serializer": SER_JSON,
                           "prefect_version": "3.4.1",
                           "storage_block_id": None},
              "result": json.dumps([1, 2, 3])}
    open(os.path.join(storage, "k3task"), "w").write(json.dumps(record))
    task_state(0x20a, uid(0x109), uid(0x101), "COMPLETED", "Completed",
               data=json.dumps({"storage_key":
                                os.path.join(storage, "k3task"),
                                "expiration": None,
                                "serializer": {"type": "json"},
                                "prefect_version": "3.4.1",
                                "storage_block_id": None}))
    db.row("task_run", id=uid(0x109), name="t-0", state_type="COMPLETED",
           state_name="Completed", state_id=uid(0x20a),
           flow_run_id=uid(0x101), task_key="t", dynamic_key="0")

    # 7. A flow run with no state yet.
    db.row("flow_run", id=uid(0x10a), name="fresh", flow_id=uid(0x600))

    db.c.commit()
    db.c.close()


if __name__ == "__main__":
    main()
