#!/usr/bin/python3
"""Generate prefect-jq's decoding tests from CPython (issue 6).

    /usr/bin/python3 tests/jq/gen_inputs.py

Writes, deterministically:
  tests/jq/decode.test        unpickle and prefect_decode cases: programs,
                              base64 inputs, and the values CPython expects
                              (tests/fixtures/reference.py renders each
                              pickle as docs/json-mapping.md says)
  tests/jq/resolve.test       prefect_result cases on Prefect 3 metadata
                              states whose storage_key is an absolute path
                              under $PJQ_DATA (tests/jq/run.sh copies
                              data/results/ there)
  tests/jq/data/results/*     the result files, as Prefect writes them
  tests/jq/data/results.jsonl one line per result file: name, the
                              serializer its state names, state type,
                              message, whether a task wrote it, and the
                              expected plain value

Needs Debian's python3-cloudpickle (always call /usr/bin/python3).
"""

import base64
import bz2
import datetime
import decimal
import json
import lzma
import os
import pickle
import sys
import uuid
import zlib

import cloudpickle

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
import reference  # noqa: E402  (the CPython reference of the contract)

UTC = datetime.timezone.utc
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))

# (name, value): every value pickled with protocols 0-5 and cloudpickle.
VALUES = [
    ("none", None),
    ("true", True),
    ("int", 42),
    ("negative", -7),
    ("bigint", 2 ** 70),
    ("float", 1.5),
    ("nan", float("nan")),
    ("inf", float("-inf")),
    ("text", "h\u00e9llo \u2603 \U0001f600"),
    ("empty_text", ""),
    ("bytes", b"\x00\xffbin"),
    ("list", [1, "two", 3.0, None, [True]]),
    ("tuple", (1, (2, 3))),
    ("dict", {"b": 1, "a": [None, {"c": "d"}]}),
    ("int_keys", {1: "one", 2: "two"}),
    ("tuple_keys", {(1, 2): "pair"}),
    ("set", {3, 1, 2}),
    ("datetime", datetime.datetime(2024, 1, 15, 13, 45, 30, 123456)),
    ("datetime_utc", datetime.datetime(2024, 1, 15, 13, 45, 30, tzinfo=UTC)),
    ("datetime_ist", datetime.datetime(2024, 7, 1, 12, 0, tzinfo=IST)),
    ("date", datetime.date(2024, 5, 6)),
    ("timedelta", datetime.timedelta(days=-1, seconds=3661)),
    ("decimal", decimal.Decimal("3.14159")),
    ("uuid", uuid.UUID("0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b")),
    ("complex", complex(1.5, -2)),
    ("exception", ValueError("bad value", 42)),
    ("nested", {"rows": [{"id": i, "ok": i % 2 == 0} for i in range(3)],
                "meta": {"when": datetime.date(2024, 1, 2)}}),
]


def b64(data):
    return base64.b64encode(data).decode("ascii")


def jq_string(s):
    return json.dumps(s)


def expected_of(pickled, typed=False):
    return reference.to_json(pickled, typed=typed)


def unpickle_cases():
    out = []
    for name, value in VALUES:
        seen = {}
        for proto in range(0, 6):
            seen["p%d" % proto] = pickle.dumps(value, protocol=proto)
        seen["cloudpickle"] = cloudpickle.dumps(value)
        for how, data in seen.items():
            out.append("# %s, %s\nunpickle\n%s\n%s\n"
                       % (name, how, jq_string(b64(data)),
                          expected_of(data)))
    return out


# ---- result files, as Prefect writes them (docs/prefect-results.md) -----

PICKLE_SER = {"type": "pickle", "picklelib": "cloudpickle",
              "picklelib_version": None}
JSON_SER = {"type": "json", "jsonlib": "json",
            "object_encoder":
                "prefect.serializers.prefect_json_object_encoder",
            "object_decoder":
                "prefect.serializers.prefect_json_object_decoder",
            "dumps_kwargs": {}, "loads_kwargs": {}}


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def metadata(key, serializer):
    return {"storage_key": key, "expiration": None, "serializer": serializer,
            "prefect_version": "3.4.1", "storage_block_id": None}


def pickle_text(value):
    return base64.encodebytes(cloudpickle.dumps(value)).decode("ascii")


def prefect_json(value):
    """What Prefect's JSON serializer writes for these values."""
    def enc(v):
        if isinstance(v, datetime.datetime):
            return {"__class__": "datetime.datetime",
                    "data": v.isoformat().replace("+00:00", "Z")}
        if isinstance(v, decimal.Decimal):
            return {"__class__": "decimal.Decimal", "data": str(v)}
        if isinstance(v, uuid.UUID):
            return {"__class__": "uuid.UUID", "data": str(v)}
        if isinstance(v, set):
            return {"__class__": "builtins.set", "data": sorted(v)}
        raise TypeError(type(v))
    return json.dumps(value, default=enc)


def unwrap(v):
    """Plain mode of the JSON serializer: envelopes become their data."""
    if isinstance(v, dict):
        if set(v) == {"__class__", "data"}:
            return unwrap(v["data"])
        return {k: unwrap(x) for k, x in v.items()}
    if isinstance(v, list):
        return [unwrap(x) for x in v]
    return v


RESULT_VALUE = {"rows": 3, "when": datetime.datetime(2024, 1, 15, 13, 45,
                                                     tzinfo=UTC),
                "total": decimal.Decimal("1234.50"), "tags": ["daily"]}
JSON_VALUE = {"a": 1, "when": datetime.datetime(2024, 1, 2, 3, 4, 5,
                                                tzinfo=UTC),
              "id": uuid.UUID("0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b"),
              "price": decimal.Decimal("1.50"), "tags": {"x"}}


def results():
    """(name, file bytes, state metadata serializer, state type, message,
    expected JSON text)."""
    out = []
    pk = cloudpickle.dumps(RESULT_VALUE)
    want = expected_of(pk)

    # 3.x task result: a ResultRecord.
    out.append(("record_pickle", compact({
        "metadata": metadata("@", PICKLE_SER),
        "result": pickle_text(RESULT_VALUE)}).encode(),
        {"type": "pickle"}, "COMPLETED", None, want))
    # 3.0.4+ flow result: the serializer's output alone.
    out.append(("raw_flow_pickle", pickle_text(RESULT_VALUE).encode(),
                PICKLE_SER, "COMPLETED", None, want))
    # 2.x PersistedResultBlob (pydantic v1 separators), stdlib pickle.
    out.append(("blob2_pickle", json.dumps({
        "serializer": {"type": "pickle", "picklelib": "pickle",
                       "picklelib_version": "4.0"},
        "data": base64.encodebytes(pickle.dumps(RESULT_VALUE)).decode(),
        "prefect_version": "2.10.0"}).encode(),
        {"type": "pickle"}, "COMPLETED", None,
        expected_of(pickle.dumps(RESULT_VALUE))))
    # JSON serializer record: envelopes are unwrapped in plain mode.
    out.append(("record_json", compact({
        "metadata": metadata("@", JSON_SER),
        "result": prefect_json(JSON_VALUE)}).encode(),
        {"type": "json"}, "COMPLETED", None,
        compact(unwrap(json.loads(prefect_json(JSON_VALUE))))))
    # compressed/pickle with lzma: base64(lzma(base64(pickle))).
    inner = pickle_text(RESULT_VALUE).encode()
    cser = {"type": "compressed/pickle", "serializer": PICKLE_SER,
            "compressionlib": "lzma"}
    out.append(("record_lzma_pickle", compact({
        "metadata": metadata("@", cser),
        "result": base64.encodebytes(lzma.compress(inner)).decode()}).encode(),
        {"type": "compressed/pickle"}, "COMPLETED", None, want))
    # compressed/json with zlib, raw (a flow result).
    zser = {"type": "compressed/json", "serializer": JSON_SER,
            "compressionlib": "zlib"}
    out.append(("raw_flow_zlib_json", base64.encodebytes(zlib.compress(
        prefect_json(JSON_VALUE).encode())),
        zser, "COMPLETED", None,
        compact(unwrap(json.loads(prefect_json(JSON_VALUE))))))
    # bz2 around pickle, explicit nested serializer.
    bser = {"type": "compressed", "serializer": PICKLE_SER,
            "compressionlib": "bz2"}
    out.append(("record_bz2_pickle", compact({
        "metadata": metadata("@", bser),
        "result": base64.encodebytes(bz2.compress(inner)).decode()}).encode(),
        {"type": "compressed"}, "COMPLETED", None, want))
    # A failed task: the file holds the exception.
    exc = ValueError("boom")
    out.append(("failed_task", compact({
        "metadata": metadata("@", PICKLE_SER),
        "result": pickle_text(exc)}).encode(),
        {"type": "pickle"}, "FAILED",
        "Task run encountered an exception ValueError: boom",
        expected_of(cloudpickle.dumps(exc))))
    # A tiny pickle of 42 (used by the overhead measurement too).
    out.append(("int42", pickle_text(42).encode(), PICKLE_SER, "COMPLETED",
                None, "42"))
    return out


def decode_cases(res):
    out = []
    for name, data, ser, _t, _m, want in res:
        full = None
        if name.startswith("raw_"):
            full = ser
        prog = "prefect_decode" if full is None else \
            "prefect_decode(%s)" % compact(full)
        out.append("# %s: base64 of the file\n%s\n%s\n%s\n"
                   % (name, prog, jq_string(b64(data)), want))
        if data.startswith(b"{") or name.startswith("raw_flow_pickle"):
            out.append("# %s: the file's own text\n%s\n%s\n%s\n"
                       % (name, prog, jq_string(data.decode()), want))
    return out


def resolve_cases(res):
    out = []
    for name, _data, ser, stype, message, want in res:
        meta = compact(metadata("@", ser)).replace(
            '"@"', '($ENV.PJQ_DATA + "/%s")' % name)
        # A task's state names its task run; 3.x flow results are raw.
        task = not (name.startswith("raw_") or name == "int42")
        details = ('{"flow_run_id": "0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b"'
                   '%s}' % (', "task_run_id": '
                            '"0199a7c2-0000-7000-8000-0000000000ff"'
                            if task else ""))
        state = ('{"id": "0199a7c2-0000-7000-8000-%012d", "type": "%s", '
                 '"name": "%s", "message": %s, "data": %s, '
                 '"state_details": %s}'
                 % (len(out), stype, stype.title(), json.dumps(message),
                    meta, details))
        if stype == "FAILED":
            out.append("# %s: raise_on_failure off gives the exception\n"
                       "%s | prefect_result({raise_on_failure: false})\n"
                       "null\n%s\n" % (name, state, want))
            out.append("# %s: by default a failed state raises\n"
                       "%s | try prefect_result catch [.error, .state_type, "
                       ".exception == %s]\nnull\n"
                       "[\"failed\",\"FAILED\",true]\n"
                       % (name, state, want))
            continue
        out.append("# %s: the whole state\n%s | prefect_result\nnull\n%s\n"
                   % (name, state, want))
        out.append("# %s: the state's data alone\n%s | prefect_result\n"
                   "null\n%s\n" % (name, meta, want))
        out.append("# %s: a run object carries its state\n"
                   "{\"id\": \"r\", \"state\": %s} | prefect_result\n"
                   "null\n%s\n" % (name, state, want))
    return out


HEADER = """\
# %s - GENERATED by tests/jq/gen_inputs.py from CPython; do not edit.
# jq's test format: program, input, expected outputs, blank line.

"""


def main():
    res = results()
    resdir = os.path.join(HERE, "data", "results")
    os.makedirs(resdir, exist_ok=True)
    for f in os.listdir(resdir):
        os.unlink(os.path.join(resdir, f))
    with open(os.path.join(HERE, "data", "results.jsonl"), "w") as idx:
        for name, data, ser, stype, message, want in res:
            with open(os.path.join(resdir, name), "wb") as f:
                f.write(data)
            idx.write(compact({"name": name, "serializer": ser,
                               "type": stype, "message": message,
                               "task": not (name.startswith("raw_") or
                                            name == "int42"),
                               "expected": json.loads(want)}) + "\n")
    with open(os.path.join(HERE, "decode.test"), "w") as f:
        f.write(HEADER % "decode.test")
        f.write("\n".join(unpickle_cases() + decode_cases(res)))
    with open(os.path.join(HERE, "resolve.test"), "w") as f:
        f.write(HEADER % "resolve.test")
        f.write("# Needs $PJQ_DATA: a directory holding data/results/*.\n\n")
        f.write("\n".join(resolve_cases(res)))


if __name__ == "__main__":
    main()
