#!/usr/bin/python3
"""gen_prefect_home.py - the demo PREFECT_HOME for `make demo`.

    /usr/bin/python3 tests/examples/gen_prefect_home.py [OUTDIR]

Writes OUTDIR (default tests/examples/prefect-home) as a Prefect 3.4
home looks after a few runs with no server configured:

    prefect.db          the server's SQLite database (tables as in
                        tests/unit/gen_prefect_db.py; rows as Prefect
                        writes them: flow results as metadata in the
                        artifact, task results inline in task_run_state)
    storage/<key>       the default local result storage
    block-results/<key> a saved, encrypted LocalFileSystem block's files

The writer is a fictional user "ana": paths inside the rows are under
/home/ana/.prefect, as Prefect writes absolute paths, so the demo reads
them with --remap-storage /home/ana/.prefect=<this directory>.

Output is deterministic (fixed ids, times, and Fernet IV), so the
committed files only change when this script does.  Needs Python's
stdlib and python3-cryptography (Debian 12).
"""
import base64
import hashlib
import hmac
import json
import lzma
import os
import pickle
import sqlite3
import struct
import sys

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "unit"))
from gen_prefect_db import SCHEMA  # noqa: E402  (the same table shapes)

WRITER_HOME = "/home/ana/.prefect"
KEY = base64.urlsafe_b64encode(hashlib.sha256(b"prefect-result demo")
                               .digest()).decode()
T0 = 1795926405           # 2026-11-29 04:26:45 UTC


def fernet(key, plaintext, when, iv):
    """A Fernet token, as cryptography's Fernet.encrypt_at_time makes it,
    with a chosen IV so the demo files are reproducible."""
    raw = base64.urlsafe_b64decode(key)
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext) + padder.finalize()
    enc = Cipher(algorithms.AES(raw[16:]), modes.CBC(iv)).encryptor()
    body = b"\x80" + struct.pack(">Q", when) + iv + enc.update(data) + \
        enc.finalize()
    mac = hmac.new(raw[:16], body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(body + mac).decode()


def uid(kind, n):
    """Fixed, UUIDv4-shaped ids: kind picks the block of numbers."""
    return "%08x-0000-4000-8000-%012x" % (0xd0000000 + kind, n)


SER_PICKLE = {"type": "pickle", "picklelib": "cloudpickle",
              "picklelib_version": None}
SER_JSON = {"type": "json", "jsonlib": "json",
            "object_encoder": "prefect.serializers.prefect_json_object_encoder",
            "object_decoder": "prefect.serializers.prefect_json_object_decoder",
            "dumps_kwargs": {}, "loads_kwargs": {}}
SER_LZMA = {"type": "compressed", "serializer": SER_PICKLE,
            "compressionlib": "lzma"}


def pickle_dumps(value):
    """PickleSerializer.dumps: base64 lines of the pickle."""
    return base64.encodebytes(pickle.dumps(value, protocol=5))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here,
                                                             "prefect-home")
    storage = os.path.join(out, "storage")
    blocks = os.path.join(out, "block-results")
    os.makedirs(storage, exist_ok=True)
    os.makedirs(blocks, exist_ok=True)
    dbfile = os.path.join(out, "prefect.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(dbfile + suffix):
            os.unlink(dbfile + suffix)
    db = sqlite3.connect(dbfile)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    clock = [0]

    def ts():
        clock[0] += 1
        return "2026-11-29 04:26:%02d.%06d" % (45 + clock[0] // 10,
                                               clock[0] * 1371 % 1000000)

    def row(table, **cols):
        now = ts()
        cols.setdefault("created", now)
        cols.setdefault("updated", now)
        db.execute("INSERT INTO %s (%s) VALUES (%s)" % (
            table, ", ".join('"%s"' % k for k in cols),
            ", ".join("?" for _ in cols)),
            [json.dumps(v) if isinstance(v, (dict, list)) else v
             for v in cols.values()])

    row("configuration", id=uid(9, 1), key="ENCRYPTION_KEY",
        value={"fernet_key": KEY})
    row("block_type", id=uid(8, 1), name="Local File System",
        slug="local-file-system")
    row("block_schema", id=uid(8, 2), checksum="sha256:demo",
        block_type_id=uid(8, 1),
        fields={"block_type_slug": "local-file-system", "secret_fields": []})
    block_id = uid(7, 1)
    token = fernet(KEY, json.dumps({"basepath": WRITER_HOME +
                                    "/block-results"}).encode(),
                   T0, hashlib.md5(b"iv").digest())
    row("block_document", id=block_id, name="demo-results",
        data=json.dumps(token), block_schema_id=uid(8, 2),
        block_type_id=uid(8, 1), is_anonymous=0,
        block_type_name="Local File System")

    def details(flow_run, task_run=None):
        return json.dumps({
            "flow_run_id": flow_run, "task_run_id": task_run,
            "child_flow_run_id": None, "scheduled_time": None,
            "cache_key": None, "cache_expiration": None, "deferred": None,
            "untrackable_result": False, "pause_timeout": None,
            "pause_reschedule": False, "pause_key": None,
            "run_input_keyset": None, "refresh_cache": None,
            "retriable": None, "transition_id": uid(6, clock[0]),
            "task_parameters_id": None, "traceparent": None})

    def metadata(key, serializer, block=None):
        return {"storage_key": key, "expiration": None,
                "serializer": serializer, "prefect_version": "3.4.1",
                "storage_block_id": block}

    def flow(n, name, typ, meta, message=None):
        run, state, art = uid(1, n), uid(2, n), uid(3, n)
        row("flow_run", id=run, name=name, state_type=typ,
            state_name=typ.title(), state_id=state, flow_id=uid(5, n))
        row("flow_run_state", id=uid(2, 0x100 + n), type="RUNNING",
            timestamp=ts(), name="Running", state_details=details(run),
            flow_run_id=run)
        row("artifact", id=art, type="result", data=meta,
            description="Result of type `object` persisted to: `%s`"
            % meta["storage_key"], flow_run_id=run)
        row("flow_run_state", id=state, type=typ, timestamp=ts(),
            name=typ.title(), message=message, state_details=details(run),
            flow_run_id=run, result_artifact_id=art)
        return state

    ids = {}
    # 1. A flow returning a dict, default pickle, default storage.
    key = "6f1e0c2a9b7d4e3f8a1b2c3d4e5f6071"
    open(os.path.join(storage, key), "wb").write(pickle_dumps(
        {"greeting": "hello", "count": 3, "ratio": 0.25}))
    ids["flow-pickle"] = flow(1, "quiet-otter", "COMPLETED", metadata(
        WRITER_HOME + "/storage/" + key, SER_PICKLE))
    # 2. JSON serializer.
    key = "0b8c4d2e6f1a4b3c9d8e7f6a5b4c3d2e"
    open(os.path.join(storage, key), "w").write(json.dumps(
        [{"id": 1, "name": "alpha"}, {"id": 2, "name": "beta"}]))
    ids["flow-json"] = flow(2, "brave-heron", "COMPLETED", metadata(
        WRITER_HOME + "/storage/" + key, SER_JSON))
    # 3. compressed/pickle (lzma).
    key = "a3f9c2d1e0b94c8d7e6f5a4b3c2d1e0f"
    open(os.path.join(storage, key), "wb").write(base64.encodebytes(
        lzma.compress(pickle_dumps(list(range(10))))))
    ids["flow-compressed"] = flow(3, "calm-lynx", "COMPLETED", metadata(
        WRITER_HOME + "/storage/" + key, SER_LZMA))
    # 4. A failed flow: the exception is the value.
    key = "f00dfeed00000000000000000000beef"
    open(os.path.join(storage, key), "wb").write(pickle_dumps(
        ValueError("the input was empty")))
    ids["flow-failed"] = flow(
        4, "grumpy-crow", "FAILED", metadata(WRITER_HOME + "/storage/" + key,
                                             SER_PICKLE),
        message="Flow run encountered an exception: ValueError: the input "
                "was empty")
    # 5. A result in the saved, encrypted LocalFileSystem block.
    key = "c0ffee00c0ffee00c0ffee00c0ffee00"
    open(os.path.join(blocks, key), "wb").write(pickle_dumps(
        {"stored_in": "demo-results", "ok": True}))
    ids["flow-block"] = flow(5, "witty-mole", "COMPLETED",
                             metadata(key, SER_PICKLE, block_id))
    # 6. A task inside flow 1: a ResultRecord, metadata inline in
    #    task_run_state (the task-run recorder writes it so).
    key = "5d41402abc4b2a76b9719d911017c592"
    meta = metadata(WRITER_HOME + "/storage/" + key, SER_PICKLE)
    open(os.path.join(storage, key), "w").write(json.dumps({
        "metadata": meta,
        "result": pickle_dumps(42).decode()}))
    trun, tstate = uid(4, 1), uid(4, 0x101)
    row("task_run", id=trun, name="add-0", state_type="COMPLETED",
        state_name="Completed", state_id=tstate, flow_run_id=uid(1, 1),
        task_key="add", dynamic_key="0")
    row("task_run_state", id=tstate, type="COMPLETED", timestamp=ts(),
        name="Completed", state_details=details(uid(1, 1), trun),
        data=json.dumps(dict(meta, serializer={"type": "pickle"})),
        task_run_id=trun)
    ids["task-pickle"] = tstate
    ids["task-run"] = trun
    ids["flow-run"] = uid(1, 1)
    ids["block"] = block_id
    db.commit()
    db.close()
    with open(os.path.join(out, "ids.json"), "w") as f:
        json.dump(ids, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
