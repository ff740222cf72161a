#!/usr/bin/python3
"""gen_decode_inputs.py - write data/decode_cases.sql for sql/decode.sql.

Run with Debian's /usr/bin/python3 (it needs cloudpickle):

    /usr/bin/python3 pg_extension/gen_decode_inputs.py

Each case is the bytes Prefect would store for a value (a raw pickle,
base64 pickle lines, a 2.x PersistedResultBlob, a 3.x ResultRecord,
compressed serializers, the JSON serializer) and the JSON prefect_decode
must return for it.  The expected JSON is computed here by CPython from
the value itself, following the plain-mode contract
(shared docs/json-mapping.md): json.dumps for native values, isoformat()
for datetimes, str() for Decimal and UUID, base64 for bytes, NaN as null.
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

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                   "decode_cases.sql")

PICKLE_SER = {"type": "pickle", "picklelib": "cloudpickle",
              "picklelib_version": None}
JSON_SER = {"type": "json", "jsonlib": "json",
            "object_encoder": "prefect.serializers.prefect_json_object_encoder",
            "object_decoder": "prefect.serializers.prefect_json_object_decoder",
            "dumps_kwargs": {}, "loads_kwargs": {}}


def plain(v):
    """The plain-mode JSON value of v, computed by CPython."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, (set, frozenset)):
        return [plain(x) for x in v]        # iteration = stream order
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(v)).decode()}
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, datetime.timedelta):
        return v.total_seconds()
    if isinstance(v, (decimal.Decimal, uuid.UUID)):
        return str(v)
    raise TypeError(type(v))


VALUES = {
    "int_42": 42,
    "int_big": -(10 ** 30) - 7,
    "float_0_1": 0.1,
    "float_neg_zero": -0.0,
    "float_1e300": 1e300,
    "str_unicode": "stra\u00dfe \u540d\u524d \U0001F680",
    "none": None,
    "bool_true": True,
    "list_mixed": [1, 2.5, "three", None, False],
    "tuple_nested": (1, (2, (3, "x"))),
    "dict_nested": {"a": {"b": [1, {"c": None}]}, "empty": {}, "k": "v"},
    "dict_int_keys": {1: "one", 2: "two"},
    "set_ints": {5, 10, 15},
    "frozenset_strs": frozenset({"x"}),
    "bytes_nonzero": b"\x01abc\xff",
    "datetime_naive": datetime.datetime(2024, 1, 15, 13, 45, 30, 123456),
    "datetime_offset": datetime.datetime(
        2025, 3, 4, 5, 6, 7, 890123,
        tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))),
    "date": datetime.date(2024, 2, 29),
    "decimal": decimal.Decimal("3.14159"),
    "uuid": uuid.UUID("0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b"),
    "timedelta": datetime.timedelta(days=-1, seconds=3661, microseconds=5),
    "list_nan_inf": [float("nan"), float("inf"), -float("inf"), 1.0],
}


def b64lines(raw):
    return base64.encodebytes(raw)


def blob2(ser, data_text):
    return json.dumps({"serializer": ser, "data": data_text,
                       "prefect_version": "2.20.25"}).encode()


def record3(ser, result_text):
    meta = {"storage_key": "/tmp/x", "expiration": None, "serializer": ser,
            "prefect_version": "3.4.1", "storage_block_id": None}
    return json.dumps({"metadata": meta, "result": result_text},
                      separators=(",", ":")).encode()


def cases():
    out = []

    def add(name, data, serializer, expected, typed=False):
        out.append((name, data, serializer, expected, typed))

    for name, v in VALUES.items():
        exp = plain(v)
        cp = cloudpickle.dumps(v)
        add("cloudpickle_raw_" + name, cp, None, exp)
        add("cloudpickle_b64_" + name, b64lines(cp), None, exp)
        for proto in (2, 3, 4):
            add("pickle_p%d_%s" % (proto, name),
                pickle.dumps(v, protocol=proto), None, exp)
    v = VALUES["dict_nested"]
    exp = plain(v)
    cp = cloudpickle.dumps(v)
    add("blob2_pickle", blob2(dict(PICKLE_SER, picklelib_version="2.2.0"),
                              b64lines(cp).decode()), None, exp)
    add("record3_pickle", record3(PICKLE_SER, b64lines(cp).decode()), None,
        exp)
    add("raw_b64_with_serializer", b64lines(cp), PICKLE_SER, exp)
    for lib, comp in (("lzma", lzma.compress), ("zlib", zlib.compress),
                      ("bz2", bz2.compress), ("gzip", gzip.compress)):
        ser = {"type": "compressed/pickle", "serializer": PICKLE_SER,
               "compressionlib": lib}
        payload = b64lines(comp(b64lines(cp))).decode()
        add("blob2_compressed_pickle_" + lib, blob2(ser, payload), None, exp)
        add("raw_compressed_pickle_" + lib, payload.encode(), ser, exp)
    # The JSON serializer: envelopes unwrapped in plain mode, kept typed.
    jtext = json.dumps({"when": {"__class__": "datetime.datetime",
                                 "data": "2024-01-15T13:45:30+00:00"},
                        "n": [1, 2.5], "s": "x"})
    add("blob2_json", blob2(JSON_SER, jtext), None,
        {"when": "2024-01-15T13:45:30+00:00", "n": [1, 2.5], "s": "x"})
    add("blob2_json_typed", blob2(JSON_SER, jtext), None, json.loads(jtext),
        True)
    add("raw_json_with_serializer", jtext.encode(), JSON_SER,
        {"when": "2024-01-15T13:45:30+00:00", "n": [1, 2.5], "s": "x"})
    exc = json.dumps({"__exc_type__": "builtins.ValueError",
                      "message": "boom"})
    add("record3_json_exception", record3(JSON_SER, exc), None,
        json.loads(exc))
    ser = {"type": "compressed/json", "serializer": JSON_SER,
           "compressionlib": "lzma"}
    add("raw_compressed_json", b64lines(lzma.compress(jtext.encode())), ser,
        {"when": "2024-01-15T13:45:30+00:00", "n": [1, 2.5], "s": "x"})
    # A pickled exception renders as an instance of its class.
    add("cloudpickle_exception", cloudpickle.dumps(KeyError("missing")),
        None, {"__class__": "builtins.KeyError", "__args__": ["missing"]})
    # Typed mode keeps what JSON cannot say natively.
    add("typed_set", cloudpickle.dumps({5}), None,
        {"__class__": "builtins.set", "data": [5]}, True)
    add("typed_datetime", cloudpickle.dumps(VALUES["datetime_naive"]), None,
        {"__class__": "datetime.datetime",
         "data": VALUES["datetime_naive"].isoformat()}, True)
    return out


def sql_bytea(b):
    return "'\\x" + b.hex() + "'"


def sql_json(v):
    if v is None:
        return "NULL"
    return "'" + json.dumps(v).replace("'", "''") + "'"


def main():
    rows = cases()
    with open(OUT, "w") as f:
        f.write("-- decode_cases.sql - generated by gen_decode_inputs.py "
                "(CPython %s,\n-- cloudpickle %s): do not edit.\n"
                % (sys.version.split()[0], cloudpickle.__version__))
        f.write("CREATE TEMP TABLE decode_cases (name text PRIMARY KEY, "
                "data bytea, serializer jsonb, typed boolean, "
                "expected jsonb);\n")
        f.write("INSERT INTO decode_cases VALUES\n")
        for i, (name, data, ser, exp, typed) in enumerate(rows):
            f.write("('%s', %s, %s, %s, %s)%s\n" % (
                name, sql_bytea(data), sql_json(ser),
                "true" if typed else "false",
                "'" + json.dumps(exp).replace("'", "''") + "'",
                ";" if i == len(rows) - 1 else ","))
    print("wrote %d cases to %s" % (len(rows), OUT))


if __name__ == "__main__":
    main()
