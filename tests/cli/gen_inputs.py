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

import cloudpickle

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


if __name__ == "__main__":
    main()
