#!/usr/bin/python3
"""Result files in every form Prefect writes, and the JSON they decode to.

Writes tests/unit/data/record/<name>.in (the bytes at a storage key) and
tests/unit/data/record/cases.inc (one row per case: input, serializer
given as the state's, options, expected code and JSON or message part),
read by tests/unit/test_record.c.

The files are built the way Prefect builds them (docs/prefect-results.md
sections 2 and 3): pickle payloads are base64.encodebytes() of
cloudpickle/pickle output, compressed payloads base64 of <lib>.compress()
of the inner serializer's output, 2.x blobs are pydantic v1 .json()
(json.dumps defaults: ", " and ": ", ASCII), 3.x records pydantic v2
compact UTF-8 JSON, DataDocuments pydantic v1.  Expected JSON for simple
pickled values is json.dumps with compact separators (the contract's
plain mapping for str/int/float/list/dict/None/bool); for JSON-serializer
payloads it is the payload with {"__class__","data"} envelopes unwrapped.
Run: /usr/bin/python3 tests/unit/gen_record_cases.py
"""
import base64
import bz2
import gzip
import json
import lzma
import os
import pickle
import sys
import zlib

import cloudpickle

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gen_common import c_string_lines, write  # noqa: E402

OUT = os.path.join(HERE, "data", "record")
ME = "tests/unit/gen_record_cases.py"
PREFECT2 = "2.20.25"
PREFECT3 = "3.4.1"

CODES = {"ok": "PR_OK", "format": "PR_EFORMAT", "limit": "PR_ELIMIT",
         "unsupported": "PR_EUNSUPPORTED", "invalid": "PR_EINVAL"}
NAN = {"null": "PR_NAN_NULL", "string": "PR_NAN_STRING",
       "token": "PR_NAN_TOKEN"}

# ------------------------------------------------------------ serializers
PICKLE = {"type": "pickle", "picklelib": "cloudpickle",
          "picklelib_version": None}
PICKLE2 = {"type": "pickle", "picklelib": "cloudpickle",
           "picklelib_version": "2.2.0"}
STDPICKLE = {"type": "pickle", "picklelib": "pickle",
             "picklelib_version": None}
JSONSER = {"type": "json", "jsonlib": "json",
           "object_encoder": "prefect.serializers.prefect_json_object_encoder",
           "object_decoder": "prefect.serializers.prefect_json_object_decoder",
           "dumps_kwargs": {}, "loads_kwargs": {}}
ORJSON = dict(JSONSER, jsonlib="orjson", object_encoder=None,
              object_decoder=None)


def compressed(inner, lib, type_="compressed"):
    return {"type": type_, "serializer": inner, "compressionlib": lib}


COMPRESSORS = {
    "lzma": lzma.compress,
    "zlib": zlib.compress,
    "bz2": bz2.compress,
    "gzip": lambda b: gzip.compress(b, mtime=0),
}


def dumps(ser, value):
    """The serializer's dumps(value): bytes, as Prefect writes them."""
    if isinstance(ser, str):
        ser = {"pickle": PICKLE, "json": JSONSER,
               "compressed/pickle": compressed(PICKLE, "lzma",
                                               "compressed/pickle"),
               "compressed/json": compressed(JSONSER, "lzma",
                                             "compressed/json")}[ser]
    t = ser["type"]
    if t == "pickle":
        lib = pickle if ser.get("picklelib") == "pickle" else cloudpickle
        return base64.encodebytes(lib.dumps(value))
    if t == "json":
        return value.encode() if isinstance(value, JsonText) else \
            json.dumps(value).encode()
    if t.startswith("compressed"):
        inner = ser.get("serializer") or t.split("/")[1]
        lib = ser.get("compressionlib") or "lzma"
        return base64.encodebytes(COMPRESSORS[lib](dumps(inner, value)))
    raise ValueError(t)


class JsonText(str):
    """A JSON serializer payload given as its exact text."""


class SerializerText(str):
    """A state serializer given as its exact (maybe broken) text."""


# ------------------------------------------------------------ file forms
def record3(ser, payload, key="c0ffee"):
    meta = {"storage_key": "/home/ana/.prefect/storage/" + key,
            "expiration": None, "serializer": ser,
            "prefect_version": PREFECT3, "storage_block_id": None}
    rec = {"metadata": meta, "result": payload.decode()}
    return json.dumps(rec, separators=(",", ":"),
                      ensure_ascii=False).encode()


def blob2(ser, payload):
    return json.dumps({"serializer": ser, "data": payload.decode(),
                       "prefect_version": PREFECT2}).encode()


def datadoc(encoding, blob):
    return json.dumps({"encoding": encoding, "blob": blob.decode()}).encode()


def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def unwrap(v):
    """The contract's plain mode for JSON-serializer values."""
    if isinstance(v, list):
        return [unwrap(x) for x in v]
    if isinstance(v, dict):
        if set(v) == {"__class__", "data"} and isinstance(v["__class__"],
                                                          str):
            return unwrap(v["data"])
        return {k: unwrap(x) for k, x in v.items()}
    return v


# ------------------------------------------------------------ values
VALUES = {
    "str": "hello \u00e9\u00e8 \U0001F680 \"q\" \\ \n",
    "int": 42,
    "bigint": -(10 ** 30) - 7,
    "float": 1.25,
    "list": [1, 2.5, "three", None, True, False],
    "dict": {"city": "Malm\u00f6", "tags": ["\u03b1", "\u03b2"],
             "n": {"x": 1, "y": [True, None]}, "empty": {}},
    "none": None,
}

cases = []


def case(name, data, want, code="ok", serializer=None, flow=0, typed=0,
         nan="null", max_input=0, max_output=0, max_depth=0):
    """want: the expected JSON text (ok) or a part of the message."""
    if isinstance(serializer, SerializerText):
        serializer = str(serializer)
    elif isinstance(serializer, (dict, str)):
        serializer = json.dumps(serializer)
    with open(os.path.join(OUT, name + ".in"), "wb") as f:
        f.write(data)
    cases.append((name, serializer, flow, typed, nan, max_input, max_output,
                  max_depth, code, want))


def value_cases():
    # Every file form x serializer x compression, rotating the values.
    sers = [
        ("pickle", PICKLE),
        ("stdpickle", STDPICKLE),
        ("json", JSONSER),
        ("orjson", ORJSON),
        ("cpickle_lzma", compressed(PICKLE, "lzma", "compressed/pickle")),
        ("cjson_lzma", compressed(JSONSER, "lzma", "compressed/json")),
        ("zlib_pickle", compressed(PICKLE, "zlib")),
        ("bz2_pickle", compressed(PICKLE, "bz2")),
        ("gzip_pickle", compressed(PICKLE, "gzip")),
        ("zlib_json", compressed(JSONSER, "zlib")),
        ("bz2_json", compressed(JSONSER, "bz2")),
        ("gzip_json", compressed(JSONSER, "gzip")),
    ]
    names = list(VALUES)
    k = 0
    for sname, ser in sers:
        for form in ("record3", "blob2", "rawflow", "rawtask"):
            vname = names[k % len(names)]
            k += 1
            v = VALUES[vname]
            payload = dumps(ser, v)
            name = "%s_%s_%s" % (form, sname, vname)
            want = compact(v)
            if form == "record3":
                case(name, record3(ser, payload), want)
            elif form == "blob2":
                s2 = json.loads(json.dumps(ser).replace(
                    '"picklelib_version": null',
                    '"picklelib_version": "2.2.0"'))
                case(name, blob2(s2, payload), want)
            elif form == "rawflow":
                case(name, payload, want, serializer=ser, flow=1)
            else:
                # key_storage tasks: raw bytes, the API's short type
                short = {"type": ser["type"]}
                case(name, payload, want, serializer=short)


def special_cases():
    dt = JsonText('{"__class__": "datetime.datetime", '
                  '"data": "2023-03-26T03:15:00+02:00"}')
    # -- the flow-result rule (section 8)
    case("flow_raw_json_envelope", dt.encode(),
         '"2023-03-26T03:15:00+02:00"', serializer=JSONSER, flow=1)
    case("flow_raw_json_envelope_typed", dt.encode(), compact(
        json.loads(dt)), serializer=JSONSER, flow=1, typed=1)
    looks_blob = JsonText('{"serializer": "json", "data": "[1, 2]"}')
    case("flow_raw_json_looks_like_blob", looks_blob.encode(),
         compact(json.loads(looks_blob)), serializer=JSONSER, flow=1)
    case("task_raw_json_looks_like_blob", looks_blob.encode(), "[1,2]",
         serializer=JSONSER, flow=0)
    case("flow_record_3_0_0", record3(PICKLE, dumps(PICKLE, "early")),
         '"early"', serializer=PICKLE, flow=1)
    case("flow_raw_json_data_no_serializer",
         b'{"data": {"__class__": "builtins.set", "data": [1]}}',
         '{"data":[1]}', serializer=JSONSER, flow=0)

    # -- serializer given in shorthand forms
    case("state_shorthand_compressed_pickle",
         dumps("compressed/pickle", [1, 2]), "[1,2]",
         serializer="compressed/pickle", flow=1)
    case("state_shorthand_json", b'{"a": 1}', '{"a":1}', serializer="json",
         flow=1)
    case("nested_serializer_string",
         record3({"type": "compressed", "serializer": "pickle",
                  "compressionlib": "bz2"},
                 base64.encodebytes(bz2.compress(dumps(PICKLE, 7)))), "7")
    case("blob2_serializer_string", blob2("json", b"[1, 2]"), "[1,2]")
    case("bare_compressed_detects_zlib",
         dumps(compressed(PICKLE, "zlib"), {"k": "v"}), '{"k":"v"}',
         serializer={"type": "compressed"})
    case("bare_compressed_detects_json",
         dumps(compressed(JSONSER, "bz2"), [NAN_LIST]), "[[1.5,null]]",
         serializer={"type": "compressed"})
    case("no_serializer_base64_pickle", dumps(PICKLE, "x"), '"x"')
    case("no_serializer_compressed", dumps(compressed(PICKLE, "lzma"), 3),
         "3")
    case("no_serializer_json", b'{"__class__": "uuid.UUID", "data": '
         b'"0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b"}',
         '"0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b"')
    case("no_serializer_raw_pickle_bytes", cloudpickle.dumps([1]), "[1]")
    case("no_serializer_unknown", b"\x00\x01binary", "cannot tell how",
         code="format")
    case("record_without_serializer_uses_state",
         json.dumps({"metadata": {"storage_key": "k"},
                     "result": "[3]"}).encode(), "[3]", serializer="json")
    case("record_file_serializer_wins",
         record3(PICKLE, dumps(PICKLE, "file")), '"file"',
         serializer={"type": "mymod.MySerializer"})

    # -- era A DataDocuments
    case("datadoc_cloudpickle",
         datadoc("cloudpickle", base64.encodebytes(cloudpickle.dumps(
             {"a": [1, 2]}))), '{"a":[1,2]}')
    case("datadoc_json", datadoc("json", json.dumps(
        {"x": 1.5}).encode()), '{"x":1.5}')
    case("datadoc_text", datadoc("text", "caf\u00e9\n".encode()),
         '"caf\u00e9\\n"')
    case("datadoc_unknown_encoding", datadoc("package-manifest", b"{}"),
         "DataDocument encoding 'package-manifest' is not supported",
         code="unsupported")

    # -- errors
    xz = dumps(compressed(PICKLE, "lzma"), "abc")
    wrong = record3(compressed(PICKLE, "zlib"), xz)
    case("wrong_compressionlib", wrong,
         "serializer says compressionlib 'zlib' but the data starts with "
         "the xz magic: the file was written with lzma", code="format")
    case("wrong_compressionlib_bz2",
         record3(compressed(PICKLE, "bz2"),
                 dumps(compressed(PICKLE, "gzip"), 1)),
         "serializer says compressionlib 'bz2' but the data starts with "
         "the gzip magic: the file was written with gzip", code="format")
    case("unknown_compressionlib",
         record3(compressed(PICKLE, "zstd"), xz),
         "compressionlib 'zstd' is not supported", code="unsupported")
    case("corrupt_base64", record3(PICKLE, b"gAWVD"),
         "record's result is not valid base64 text (pickle serializer): 5 "
         "data characters is 1 more than a multiple of 4", code="format")
    case("corrupt_base64_padding", record3(PICKLE, b"gAWVDA"),
         "incorrect padding", code="format")
    raw_xz = lzma.compress(base64.encodebytes(cloudpickle.dumps(
        list(range(200)))))
    case("truncated_xz", record3(compressed(PICKLE, "lzma"),
                                 base64.encodebytes(raw_xz[:-20])),
         "xz data is truncated", code="format")
    raw_z = zlib.compress(b"x" * 1000)
    case("truncated_zlib", dumps_b64(raw_z[:-6]),
         "zlib data is truncated", code="format",
         serializer=compressed(JSONSER, "zlib"))
    case("corrupt_bz2", dumps_b64(b"BZh9" + b"\x31\x41\x59" + b"junk" * 4),
         "bzip2 data is corrupt", code="format",
         serializer=compressed(PICKLE, "bz2"))
    case("not_xz_no_magic", dumps_b64(b"plain bytes, not xz at all"),
         "xz", code="format", serializer=compressed(PICKLE, "lzma"))
    bomb = zlib.compress(b"\0" * (4 << 20), 9)
    case("decompression_bomb_max_input", record3(compressed(
        JSONSER, "zlib"), base64.encodebytes(bomb)),
        "decompressing the zlib data would give more than 1048576 bytes "
        "(max_input)", code="limit", max_input=1 << 20)
    case("decompression_bomb_max_output", record3(compressed(
        JSONSER, "zlib"), base64.encodebytes(bomb)),
        "more than 65536 bytes (max_output)", code="limit",
        max_output=1 << 16)
    xzbomb = lzma.compress(b"\0" * (8 << 20))
    case("decompression_bomb_xz", dumps_b64(xzbomb),
         "decompressing the xz data would give more than 1048576 bytes "
         "(max_input)", code="limit", max_input=1 << 20,
         serializer={"type": "compressed"})
    bzbomb = bz2.compress(b"\0" * (8 << 20))
    case("decompression_bomb_bz2", dumps_b64(bzbomb),
         "decompressing the bzip2 data would give more than 1048576 "
         "bytes (max_input)", code="limit", max_input=1 << 20,
         serializer=compressed(PICKLE, "bz2"))
    case("unknown_serializer",
         record3({"type": "mymod.MySerializer", "x": 1}, b"abc"),
         "result serializer 'mymod.MySerializer' is not supported: only "
         "pickle, json and compressed serializers can be decoded without "
         "Python", code="unsupported")
    case("unknown_state_serializer_raw", b"abc",
         "result serializer 'mymod.MySerializer' is not supported",
         code="unsupported", serializer={"type": "mymod.MySerializer"})
    case("bad_state_serializer_json", b"abc",
         "the serializer given is not valid JSON", code="invalid",
         serializer=SerializerText('{"type":'))
    case("pickle_serializer_json_file", b'{"a": 1}',
         "is JSON, but the pickle serializer writes base64 text",
         code="format", serializer=PICKLE, flow=1)
    case("json_serializer_pickle_file", dumps(PICKLE, 1),
         "invalid JSON at byte 0", code="format", serializer=JSONSER,
         flow=1)
    rec = record3(PICKLE, dumps(PICKLE, list(range(50))))
    case("truncated_record", rec[:len(rec) // 2],
         "result file starts like a JSON record but is not valid JSON",
         code="format", serializer=PICKLE)
    case("record_larger_than_max_input", record3(PICKLE, dumps(PICKLE, 1)),
         "larger than 100 bytes (max_input)", code="limit", max_input=100)
    case("gzip_two_members", dumps_b64(
        gzip.compress(b"[1, ", mtime=0) + gzip.compress(b"2]", mtime=0)
        + b"\0\0"), "[1,2]", serializer=compressed(JSONSER, "gzip"))
    case("gzip_trailing_garbage", dumps_b64(
        gzip.compress(b"[1]", mtime=0) + b"junk"),
        "are not another gzip member", code="format",
        serializer=compressed(JSONSER, "gzip"))
    case("zlib_trailing_ignored", dumps_b64(zlib.compress(b"[1]") + b"zz"),
         "[1]", serializer=compressed(JSONSER, "zlib"))
    case("xz_two_streams", dumps_b64(lzma.compress(b"[1, ") +
                                     lzma.compress(b"2]")),
         "[1,2]", serializer=compressed(JSONSER, "lzma"))
    case("xz_trailing_junk_ignored", dumps_b64(lzma.compress(b"[1]") +
                                               b"junkjunk"),
         "[1]", serializer=compressed(JSONSER, "lzma"))
    # lzma.decompress refuses NUL padding after a stream, and so do we
    case("xz_nul_padding_refused", dumps_b64(lzma.compress(b"[1]") +
                                             b"\0" * 4),
         "xz data is truncated", code="format",
         serializer=compressed(JSONSER, "lzma"))
    case("bz2_two_streams_then_junk", dumps_b64(
        bz2.compress(b'"a') + bz2.compress(b'b"') + b"junk"),
        '"ab"', serializer=compressed(JSONSER, "bz2"))

    # -- the JSON serializer's text, as Python's json writes it
    case("nan_null", JsonText("[NaN, Infinity, -Infinity, 1.5]").encode(),
         "[null,null,null,1.5]", serializer=JSONSER, flow=1)
    case("nan_string", JsonText("[NaN, Infinity, -Infinity, 1.5]").encode(),
         '["NaN","Infinity","-Infinity",1.5]', serializer=JSONSER, flow=1,
         nan="string")
    case("nan_token", JsonText("[NaN, Infinity, -Infinity, 1.5]").encode(),
         "[NaN,Infinity,-Infinity,1.5]", serializer=JSONSER, flow=1,
         nan="token")
    case("nan_top_level_record",
         record3(JSONSER, json.dumps(float("nan")).encode()), '"NaN"',
         nan="string")
    nested = JsonText(json.dumps({
        "a": [{"__class__": "builtins.set", "data": [1, 2]},
              {"__class__": "uuid.UUID", "data": "0b5e8f7a"}],
        "b": {"__class__": "__main__.Model",
              "data": {"when": {"__class__": "datetime.date",
                                "data": "2024-01-02"},
                       "n": {"__class__": "decimal.Decimal",
                             "data": "1.50"}}},
        "c": {"__class__": "x", "data": 1, "extra": 2},
        "d": {"__class__": 5, "data": 1},
        "e": {"__class__": "only"},
        "f": {"data": 1, "__class__": "reversed.Order"},
        "g": {"__exc_type__": "builtins.ValueError", "message": "boom"},
    }))
    case("envelopes_plain", nested.encode(),
         compact(unwrap(json.loads(nested))), serializer=JSONSER, flow=1)
    case("envelopes_typed", nested.encode(), compact(json.loads(nested)),
         serializer=JSONSER, flow=1, typed=1)
    case("envelope_in_envelope", JsonText(
        '{"__class__": "a.B", "data": {"__class__": "c.D", "data": '
        '[{"__class__": "e.F", "data": "x"}]}}').encode(), '["x"]',
        serializer=JSONSER, flow=1)
    exc = JsonText('{"__exc_type__": "builtins.KeyError", '
                   '"message": "\'missing\'"}')
    case("exception_plain", exc.encode(), compact(json.loads(exc)),
         serializer=JSONSER, flow=1)
    case("exception_typed", exc.encode(), compact(json.loads(exc)),
         serializer=JSONSER, flow=1, typed=1)
    big = JsonText("[123456789012345678901234567890123456789, "
                   "-1000000000000000000000000000007, 1e400, 1E+2, "
                   "0.1000000000000000055511151231257827, -0.0, 0]")
    case("big_ints_exact", big.encode(),
         "[123456789012345678901234567890123456789,"
         "-1000000000000000000000000000007,1e400,1E+2,"
         "0.1000000000000000055511151231257827,-0.0,0]",
         serializer=JSONSER, flow=1)
    strs = JsonText('["caf\\u00e9", "\\ud83d\\ude80", "\\ud800", '
                    '"a\\u0001\\/b\\"\\\\", "\\udc00\\ud800x", '
                    '"tab\\there"]')
    case("string_escapes", strs.encode(),
         '["caf\u00e9","\U0001F680","\\ud800","a\\u0001/b\\"\\\\",'
         '"\\udc00\\ud800x","tab\\there"]', serializer=JSONSER, flow=1)
    case("raw_utf8_strings", '{"\u540d\u524d": "\u30c6\u30b9\u30c8"}'
         .encode(), '{"\u540d\u524d":"\u30c6\u30b9\u30c8"}',
         serializer=JSONSER, flow=1)
    deep = "[" * 1001 + "]" * 1001
    case("deep_json_past_max_depth", deep.encode(),
         "JSON nests deeper than 1000 levels at byte 1000 (max_depth)",
         code="limit", serializer=JSONSER, flow=1)
    ok_deep = "[" * 1000 + "]" * 1000
    case("deep_json_at_max_depth", ok_deep.encode(), ok_deep,
         serializer=JSONSER, flow=1)
    case("deep_json_small_limit", b'{"a": [[1]]}',
         "JSON nests deeper than 2 levels at byte 7 (max_depth)",
         code="limit", serializer=JSONSER, flow=1, max_depth=2)
    case("invalid_json_offset", b'{"a": [1, 2,, 3]}',
         "invalid JSON at byte 12: expected a value", code="format",
         serializer=JSONSER, flow=1)
    case("invalid_json_trailing", b'[1] [2]',
         "invalid JSON at byte 4: extra data after the JSON value",
         code="format", serializer=JSONSER, flow=1)
    case("invalid_json_utf8", b'["\xff"]',
         "invalid JSON at byte 2: invalid UTF-8 in a string",
         code="format", serializer=JSONSER, flow=1)
    case("invalid_json_control", b'["a\nb"]',
         "invalid JSON at byte 3: control character in a string",
         code="format", serializer=JSONSER, flow=1)
    case("invalid_json_in_record", record3(JSONSER, b'{"a": tru}'),
         "invalid JSON at byte 6: expected a value", code="format")
    case("json_whitespace_kept_out", b' \n{ "a" : [ 1 , { } , [ ] ] }\n ',
         '{"a":[1,{},[]]}', serializer=JSONSER, flow=1)


NAN_LIST = [1.5, float("nan")]


def dumps_b64(raw):
    return base64.encodebytes(raw)


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".in"):
            os.remove(os.path.join(OUT, f))
    value_cases()
    special_cases()
    lines = []
    for (name, ser, flow, typed, nan, mi, mo, md, code, want) in cases:
        lines.append("{ \"%s\",\n%s,\n    %d, %d, %s, %d, %d, %d, %s,\n%s },"
                     % (name, c_string_lines(ser.encode()) if ser
                        is not None else "    NULL", flow, typed, NAN[nan],
                        mi, mo, md, CODES[code],
                        c_string_lines(want.encode())))
    write(os.path.join(OUT, "cases.inc"),
          ("Result file cases for test_record.c (inputs: <name>.in).",
           ME), lines)
    print("%d cases" % len(lines))


if __name__ == "__main__":
    main()
