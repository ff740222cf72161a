#!/usr/bin/python3
"""Make the inputs of the prefect-curl CLI tests, and the JSON each one
must decode to, with CPython and cloudpickle.

    /usr/bin/python3 tests/cli/gen_inputs.py DIR

Every expected *.json file is written by Python's json module (compact
separators, UTF-8, one newline at the end, as prefect-curl prints), from
the same Python value that was pickled, so no expected output is typed
by hand.  The files are made at test time in a temporary DIR.
"""
import base64
import datetime
import io
import json
import os
import pickle
import sys
import uuid

import cloudpickle

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
from reference import to_json  # noqa: E402  (the contract's renderer)

# One value that exercises the plain JSON mapping without any class:
# text with escapes and non-ASCII, a big int, floats in repr's forms,
# a tuple (an array), nesting, empty containers.
VALUE = {
    "name": "prefect \u2713 r\u00e9sum\u00e9",
    "count": 42,
    "big": 2 ** 100,
    "neg": -7,
    "ratio": 0.1,
    "small": 1e-05,
    "huge": 1e30,
    "none": None,
    "flags": [True, False],
    "pair": (1, "two"),
    "nested": {"list": [1, [2, [3]]], "empty": {}, "emptylist": []},
    "ctrl": "tab\tnew\nquote\"back\\",
    "astral": "\u4e2d\U0001F600",
}

WHEN = datetime.datetime(2024, 1, 15, 13, 45, 30, 123456)
TYPED_VALUE = {"when": WHEN, "tags": {"only"}, "n": 1}


def dumps(obj, allow_nan=False):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=allow_nan) + "\n"


def typed_form(v):
    """The typed-mode JSON of TYPED_VALUE's kinds of values: Prefect's own
    {"__class__", "data"} envelope around the plain form."""
    if isinstance(v, datetime.datetime):
        return {"__class__": "datetime.datetime", "data": v.isoformat()}
    if isinstance(v, (set, frozenset)):
        return {"__class__": "builtins." + type(v).__name__,
                "data": [plain_form(x) for x in v]}
    if isinstance(v, dict):
        return {k: typed_form(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [typed_form(x) for x in v]
    return v


def plain_form(v):
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    if isinstance(v, (set, frozenset)):
        return [plain_form(x) for x in v]
    if isinstance(v, dict):
        return {k: plain_form(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain_form(x) for x in v]
    return v


def nan_form(v, how):
    if isinstance(v, list):
        return [nan_form(x, how) for x in v]
    if isinstance(v, float) and v != v:
        return {"null": None, "string": "NaN", "token": v}[how]
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        name = "Infinity" if v > 0 else "-Infinity"
        return {"null": None, "string": name, "token": v}[how]
    return v


def persistent_pickle():
    """A pickle with a persistent id, which the decoder must refuse."""
    class WithPid(pickle.Pickler):
        def persistent_id(self, obj):
            return "external-1" if obj == "stored elsewhere" else None

    buf = io.BytesIO()
    WithPid(buf, protocol=5).dump(["stored elsewhere"])
    return buf.getvalue()


def write(d, name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    kw = {} if isinstance(data, bytes) else {"encoding": "utf-8",
                                              "newline": ""}
    with open(os.path.join(d, name), mode, **kw) as f:
        f.write(data)


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)

    # Prefect's pickle serializer: cloudpickle, then base64.encodebytes.
    raw = cloudpickle.dumps(VALUE)
    b64 = base64.encodebytes(raw).decode("ascii")
    write(d, "value.pkl", raw)
    write(d, "value.b64", b64)
    write(d, "value.json", dumps(VALUE))
    # The same value in older protocols (0 has no header to sniff).
    write(d, "value.p0.pkl", pickle.dumps(VALUE, protocol=0))
    write(d, "value.p2.pkl", pickle.dumps(VALUE, protocol=2))
    # Prefect 3 ResultRecord: compact pydantic v2 JSON.
    record3 = {
        "metadata": {
            "storage_key": "/home/ana/.prefect/storage/c0ffee",
            "expiration": None,
            "serializer": {"type": "pickle", "picklelib": "cloudpickle",
                           "picklelib_version": None},
            "prefect_version": "3.4.1",
            "storage_block_id": None,
        },
        "result": b64,
    }
    write(d, "value.record3.json",
          json.dumps(record3, separators=(",", ":")))
    # Prefect 2 PersistedResultBlob: pydantic v1 JSON, ", " separators.
    blob2 = {
        "serializer": {"type": "pickle", "picklelib": "cloudpickle",
                       "picklelib_version": cloudpickle.__version__},
        "data": b64,
        "prefect_version": "2.10.0",
    }
    write(d, "value.blob2.json", json.dumps(blob2))

    write(d, "typed.pkl", cloudpickle.dumps(TYPED_VALUE))
    write(d, "typed.plain.json", dumps(plain_form(TYPED_VALUE)))
    write(d, "typed.typed.json", dumps(typed_form(TYPED_VALUE)))

    nans = [float("nan"), float("inf"), float("-inf"), 1.5]
    write(d, "nan.pkl", cloudpickle.dumps(nans))
    for how in ("null", "string", "token"):
        write(d, "nan.%s.json" % how,
              dumps(nan_form(nans, how), allow_nan=(how == "token")))

    deep = []
    for _ in range(60):
        deep = [deep]
    write(d, "deep.pkl", cloudpickle.dumps(deep))
    # Cut before STOP.  (Protocol 2: no FRAME, whose length would then
    # point past the end, which is reported as a limit instead.)
    write(d, "truncated.pkl", pickle.dumps(VALUE, protocol=2)[:-1])
    write(d, "persid.pkl", persistent_pickle())

    write(d, "text.txt", "hello, world\nthis is not a pickle \u2713\n")
    # Binary that is no pickle: a PNG signature and every byte value.
    write(d, "binary.bin", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    write(d, "empty.txt", b"")
    write(d, "big.txt", ("x" * 63 + "\n") * 1024)
    api(d)


# ---------------------------------------------------------------- API
# A small Prefect API, served by server.py from DIR/api, whose states
# point at result files in DIR/storage (3.x, absolute keys) and
# DIR/storage2 (a 2.x local-file-system block).  Ids are uuid5s of fixed
# names, so transcripts do not change from run to run.

HELLO = "hello world"
LIST2 = [1, 2.5, "three", None]
INLINE = {"rows": 3, "ok": True}
TOKEN = "pnu_TESTTOKEN0123456789"
BASIC = "prefect:s3cr3t-pass"


def uid(name):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "prefect-curl-test/" + name))


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def pickle_serializer(version=None):
    return {"type": "pickle", "picklelib": "cloudpickle",
            "picklelib_version": version}


def metadata3(path):
    return {"storage_key": path, "expiration": None,
            "serializer": pickle_serializer(), "prefect_version": "3.4.1",
            "storage_block_id": None}


def state(name, stype, data, flow_run, task_run=None, message=None):
    return {
        "id": uid("state/" + name),
        "type": stype,
        "name": stype.capitalize(),
        "timestamp": "2026-11-29T04:00:00.000000Z",
        "message": message,
        "data": data,
        "state_details": {"flow_run_id": flow_run, "task_run_id": task_run,
                          "child_flow_run_id": None, "scheduled_time": None,
                          "cache_key": None, "cache_expiration": None,
                          "untrackable_result": False, "pause_timeout": None,
                          "pause_reschedule": False, "refresh_cache": None,
                          "retriable": None, "transition_id": None},
    }


def run(name, st, task=False):
    r = {"id": uid("run/" + name), "name": "run-" + name,
         "flow_id": uid("flow"), "state_id": st["id"] if st else None,
         "state_type": st["type"] if st else None,
         "state_name": st["name"] if st else None,
         "parameters": {}, "tags": ["cli-test"], "state": st}
    if task:
        r["task_key"] = "say-" + name
        r["flow_run_id"] = uid("run/hello")
    return r


def api(d):
    store = os.path.join(d, "storage")
    store2 = os.path.join(d, "storage2")
    root = os.path.join(d, "api")
    for sub in ("flow_run_states", "task_run_states", "flow_runs",
                "task_runs", "block_documents"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    os.makedirs(store, exist_ok=True)
    os.makedirs(store2, exist_ok=True)

    def put(kind, obj):
        write(root, os.path.join(kind, obj["id"] + ".json"), compact(obj))

    # 3.4: a flow's result is the bare serializer output.
    hello_path = os.path.join(store, "4f1c2e3d5a6b7c8d9e0f1a2b3c4d5e6f")
    write(store, os.path.basename(hello_path),
          base64.encodebytes(cloudpickle.dumps(HELLO)))
    s_hello = state("hello", "COMPLETED", metadata3(hello_path),
                    uid("run/hello"))
    put("flow_run_states", s_hello)
    r_hello = run("hello", s_hello)
    put("flow_runs", r_hello)

    # 3.x task: a ResultRecord file.
    rec_path = os.path.join(store, "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d")
    rec = {"metadata": metadata3(rec_path),
           "result": base64.encodebytes(cloudpickle.dumps(VALUE)).decode()}
    write(store, os.path.basename(rec_path), compact(rec))
    md = metadata3(rec_path)
    md["serializer"] = {"type": "pickle"}     # what task states show
    s_task = state("task", "COMPLETED", md, uid("run/hello"),
                   task_run=uid("run/task"))
    put("task_run_states", s_task)
    put("task_runs", run("task", s_task, task=True))

    # 2.x: a reference to a local-file-system block, the file a blob.
    block = uid("block/local")
    key2 = "c0ffee0123456789abcdef0123456789"
    blob2 = {"serializer": pickle_serializer(cloudpickle.__version__),
             "data": base64.encodebytes(cloudpickle.dumps(LIST2)).decode(),
             "prefect_version": "2.20.25"}
    write(store2, key2, json.dumps(blob2))
    put("block_documents", {
        "id": block, "name": "anonymous-" + block[:8],
        "data": {"basepath": store2},
        "block_schema_id": uid("schema"), "block_type_id": uid("btype"),
        "block_type_name": "Local File System",
        "block_type": {"id": uid("btype"), "name": "Local File System",
                       "slug": "local-file-system"},
        "block_document_references": {}, "is_anonymous": True})
    s_v2 = state("v2", "COMPLETED",
                 {"type": "reference", "serializer_type": "pickle",
                  "storage_block_id": block, "storage_key": key2},
                 uid("run/v2"))
    put("flow_run_states", s_v2)
    r_v2 = run("v2", s_v2)
    put("flow_runs", r_v2)

    # A failed flow: the pickled exception, and the state's message.
    fail_path = os.path.join(store, "0badc0de0badc0de0badc0de0badc0de")
    exc = ValueError("boom")
    write(store, os.path.basename(fail_path),
          base64.encodebytes(cloudpickle.dumps(exc)))
    s_fail = state("failed", "FAILED", metadata3(fail_path),
                   uid("run/failed"),
                   message="Flow run encountered an exception: "
                           "ValueError: boom")
    put("flow_run_states", s_fail)
    r_fail = run("failed", s_fail)
    put("flow_runs", r_fail)

    # No result (persistence off), and an inline value.
    s_null = state("null", "COMPLETED", None, uid("run/null"))
    put("flow_run_states", s_null)
    r_null = run("null", s_null)
    put("flow_runs", r_null)
    s_inline = state("inline", "COMPLETED", INLINE, uid("run/inline"))
    put("flow_run_states", s_inline)
    r_nostate = run("nostate", None)
    put("flow_runs", r_nostate)

    # Written on another machine: the same file under another path.
    s_remote = state("remote", "COMPLETED", metadata3(
        "/srv/worker-7/.prefect/storage/" + os.path.basename(hello_path)),
        uid("run/remote"))
    put("flow_run_states", s_remote)

    # A file that names a missing result, and a block we cannot read.
    s_missing = state("missing", "COMPLETED",
                      metadata3(os.path.join(store, "does-not-exist")),
                      uid("run/missing"))
    put("flow_run_states", s_missing)
    smb = uid("block/smb")
    put("block_documents", {
        "id": smb, "name": "share", "data": {"share_path": "/r"},
        "block_type": {"slug": "smb"}, "block_document_references": {}})
    s_smb = state("smb", "COMPLETED",
                  {"type": "reference", "serializer_type": "pickle",
                   "storage_block_id": smb, "storage_key": "k"},
                  uid("run/smb"))
    put("flow_run_states", s_smb)

    # POST /api/flow_runs/filter answers with these runs, in this order.
    write(root, "flow_runs_filter.json",
          compact([r_hello, r_v2, r_null, r_nostate]))
    write(root, "TOKEN", TOKEN)
    write(root, "BASIC", BASIC)

    # What the tests compare with, from the same Python values.
    ids = {"s_hello": s_hello["id"], "r_hello": r_hello["id"],
           "s_task": s_task["id"], "r_task": uid("run/task"),
           "s_v2": s_v2["id"], "r_v2": r_v2["id"], "s_fail": s_fail["id"],
           "r_fail": r_fail["id"], "s_null": s_null["id"],
           "r_null": r_null["id"], "s_inline": s_inline["id"],
           "r_nostate": r_nostate["id"], "s_missing": s_missing["id"], "s_remote": s_remote["id"],
           "s_smb": s_smb["id"], "block": block, "token": TOKEN,
           "basic": BASIC, "store": store}
    with open(os.path.join(d, "ids.sh"), "w") as f:
        for k, v in ids.items():
            f.write("%s='%s'\n" % (k.upper(), v))
    exc_json = to_json(cloudpickle.dumps(exc))
    write(d, "hello.json", dumps(HELLO))
    write(d, "hello.txt", HELLO + "\n")
    write(d, "list2.json", dumps(LIST2))
    write(d, "inline.json", dumps(INLINE))
    write(d, "exc.json", exc_json + "\n")
    # --result over the filter reply: one line per run.
    write(d, "filter.result", HELLO + "\n" + dumps(LIST2) + "null\nnull\n")
    write(d, "filter.result-json",
          dumps(HELLO) + dumps(LIST2) + "null\nnull\n")


if __name__ == "__main__":
    main()
