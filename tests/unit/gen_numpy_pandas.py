#!/usr/bin/python3
"""Cases for tests/unit/test_numpy_pandas.c, from numpy and pandas.

Writes tests/unit/data/numpy_pandas_cases.inc:
  - decode cases {name, pickle, length, typed, expected JSON or NULL,
    expected substring or NULL}: real pickles with the JSON of the
    contract's reference (tests/fixtures/reference.py), and pickles whose
    parts disagree (short buffers, bad dtypes, overlapping blocks) that
    must fall back to the generic form, or (codes out of range) be
    written without reading past their data;
  - datetime64 text cases {value, unit, multiplier, str(np.datetime64)}
    at the edges numpy itself wraps around.
Needs numpy 1.24 and pandas 1.5 (Debian 12).
Run: /usr/bin/python3 tests/unit/gen_numpy_pandas.py
"""
import os
import pickle
import pickletools
import sys

import numpy as np
import pandas as pd
from numpy.core.multiarray import _reconstruct

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
from gen_common import c_string, c_string_lines, write  # noqa: E402
import reference  # noqa: E402

ME = "tests/unit/gen_numpy_pandas.py"
UNITS = ["Y", "M", "W", None, "D", "h", "m", "s", "ms", "us", "ns", "ps",
         "fs", "as"]


class FakeDtype:
    """Pickles as numpy.dtype(s) with any BUILD state."""

    def __init__(self, s, state):
        self.s, self.state = s, state

    def __reduce__(self):
        return (np.dtype, (self.s, False, True), self.state)


class BadArray:
    """Pickles as _reconstruct(ndarray, ...) with any BUILD state."""

    def __init__(self, state):
        self.state = state

    def __reduce__(self):
        return (_reconstruct, (np.ndarray, (0,), b"b"), self.state)


def good_cases():
    df = pd.DataFrame({"a": [1, 2], "b": [1.5, np.nan], "c": ["x", None]})
    mixed = pd.DataFrame({
        "t": pd.to_datetime(["2024-01-01", "2024-07-01"])
               .tz_localize("Europe/Berlin"),
        "c": pd.Categorical(["a", None]),
        "i": pd.array([1, None], dtype="Int64"),
        "s": pd.array(["x", None], dtype="string")}, index=[10, 20])
    return [
        ("np_fortran_i4", np.asfortranarray(
            np.arange(6, dtype=">i4").reshape(2, 3)), 5),
        ("np_dates_p2", np.array(["2024-05-06", "NaT"], "M8[D]"), 2),
        ("np_ns", np.array(["2024-01-01T00:00:00.000000001"], "M8[ns]"), 4),
        ("np_durations", np.array([-82738999995, 0], "m8[us]"), 4),
        ("np_float16", np.array([1.5, 65504, np.inf], "f2"), 4),
        ("np_longdouble", np.array([1 / 3], "f16"), 4),
        ("np_complex", np.array([1 + 2j], "c8"), 4),
        ("np_text", np.array(["h\xe9", "a\"\n"], "U3"), 4),
        ("np_bytes", np.array([b"ab", b"c\0"], "S3"), 4),
        ("np_struct", np.array([(1, 2.5)], [("a", "<i4"), ("b", ">f8")]), 4),
        ("np_objects", np.array([[1, "x"], [None, 2.5]], object), 4),
        ("np_empty", np.zeros((2, 0)), 4),
        ("np_zero_d", np.array(7), 4),
        ("np_scalar", np.float32(1.5), 4),
        ("np_scalar_dt", np.datetime64("2024-05-06T12:30", "m"), 2),
        ("pd_records", df, 4),
        ("pd_split", mixed, 5),
        ("pd_series_split", pd.Series([1.5, None], index=["x", "y"],
                                      name="s"), 4),
        ("pd_series_tz", pd.Series(pd.to_datetime(
            ["2024-01-01", "2024-07-01"]).tz_localize("Europe/Berlin")), 4),
        ("pd_multiindex", pd.MultiIndex.from_arrays(
            [[1, None], ["a", "b"]]), 4),
        ("pd_timestamp", pd.Timestamp("2024-01-01 12:00:00.000000001"), 4),
        ("pd_timedelta", pd.Timedelta(1), 4),
    ]


def overlapping_blocks():
    """A DataFrame whose second block also claims column 0."""
    data = pickle.dumps(pd.DataFrame({"a": [1, 2], "b": [1.5, 2.5]}), 2)
    ops = list(pickletools.genops(data))
    b = bytearray(data)
    for i, (op, arg, pos) in enumerate(ops):
        if (op.name == "BININT1" and arg == 1
                and ops[i + 1][0].name == "BININT1" and ops[i + 1][1] == 2
                and ops[i + 3][0].name == "TUPLE3"):
            b[pos + 1] = 0
            b[ops[i + 1][2] + 1] = 1
            return bytes(b)
    raise SystemExit("slice(1, 2, 1) not found")


def bad_code():
    """A Categorical whose second code names no category."""
    data = pickle.dumps(pd.Series(pd.Categorical(["a", "b"])), 4)
    i = data.index(b"\x00\x01", data.index(b"i1"))
    b = bytearray(data)
    b[i + 1] = 9
    return bytes(b)


def bad_cases():
    recon = '"__reduce__":"numpy.core.multiarray._reconstruct"'
    f8 = np.dtype("f8")
    return [
        ("np_short_buffer", pickle.dumps(BadArray(
            (1, (3,), f8, False, b"\0" * 16)), 4), recon),
        ("np_huge_shape", pickle.dumps(BadArray(
            (1, (2**62, 2**62), f8, False, b"")), 4), recon),
        ("np_unknown_dtype", pickle.dumps(BadArray(
            (1, (1,), FakeDtype("x8", (3, "<", None, None, None, -1, -1, 0)),
             False, b"\0" * 8)), 4), recon),
        ("np_field_past_item", pickle.dumps(BadArray(
            (1, (1,), FakeDtype("V4", (3, "|", None, ("a",),
                                       {"a": (f8, 0)}, 4, 1, 16)),
             False, b"\0" * 4)), 4), recon),
        ("np_short_object_list", pickle.dumps(BadArray(
            (1, (3,), np.dtype("O"), False, [1, 2])), 4), recon),
        ("np_wrong_state", pickle.dumps(BadArray((1, (1,), f8)), 4), recon),
        ("pd_overlapping_blocks", overlapping_blocks(),
         '"_mgr":{"__reduce__":"pandas.core.internals.managers.'
         'BlockManager"'),
        # checked as written: a code naming no category is null
        ("pd_code_out_of_range", bad_code(), '["a",null]'),
    ]


def datetime_cases():
    out = []
    vals = [0, -1, 1, 719162, -719163, 2**62, -2**62, 2**63 - 1,
            -2**63 + 1, 123456789012345678]
    for u, name in enumerate(UNITS):
        if name is None:
            continue
        for v in vals:
            for num in (1, 7):
                s = str(np.datetime64(v, "%d%s" % (num, name)) if num > 1
                        else np.datetime64(v, name))
                out.append((v, u, num, s))
    return out


def main():
    lines = []
    for name, value, proto in good_cases():
        data = pickle.dumps(value, proto)
        for typed in (0, 1):
            want = reference.to_json(data, typed=bool(typed))
            lines.append("{ %s,\n%s,\n    %d, %d,\n%s, NULL },"
                         % (c_string(name.encode()), c_string_lines(data),
                            len(data), typed,
                            c_string_lines(want.encode("utf-8"))))
    for name, data, sub in bad_cases():
        lines.append("{ %s,\n%s,\n    %d, 0, NULL,\n%s },"
                     % (c_string(name.encode()), c_string_lines(data),
                        len(data), c_string_lines(sub.encode("utf-8"))))
    write(os.path.join(HERE, "data", "numpy_pandas_cases.inc"),
          ("{name, pickle, length, typed, JSON, substring} for "
           "numpy/pandas pickles.", ME), lines)
    lines = ["{ %dLL, %d, %d, %s }," % (v, u, n, c_string(s.encode()))
             for v, u, n, s in datetime_cases()]
    write(os.path.join(HERE, "data", "numpy_datetime_cases.inc"),
          ("{value, unit, multiplier, str(numpy.datetime64)} at the "
           "edges.", ME), lines)


if __name__ == "__main__":
    main()
