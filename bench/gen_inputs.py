#!/usr/bin/python3
"""gen_inputs.py - write the benchmark inputs (never committed).

    /usr/bin/python3 bench/gen_inputs.py [OUTDIR]     (default build/bench)

Four values, each pickled by cloudpickle (protocol 5, as Prefect's default
serializer does) into NAME.pkl, and also as NAME.b64: base64.encodebytes of
the same bytes, which is how Prefect writes a pickled result file.

  list_of_dicts  ~10 MB: a list of dicts of str/int/float
  numpy_f64      numpy float64 array of 10**6 random values
  pandas_df      DataFrame of 100k rows x 5 columns (int, float, str, bool,
                 datetime64[ns])
  dataclasses    10**4 instances of a dataclass defined in __main__
                 (cloudpickle pickles the class by value)

Data is deterministic (fixed seeds).  Files are only rewritten when this
script changed since they were made (a stamp file holds its hash).
"""

import base64
import dataclasses
import hashlib
import os
import random
import sys

import cloudpickle

TARGET_LIST_BYTES = 10 * 1000 * 1000
NAMES = ("list_of_dicts", "numpy_f64", "pandas_df", "dataclasses")


@dataclasses.dataclass
class Measurement:
    sensor: str
    index: int
    value: float
    ok: bool
    tags: list


def list_of_dicts():
    rng = random.Random(1)
    cities = ["Berlin", "Lagos", "Lima", "Osaka", "Perth", "Quito",
              "Tunis", "Oslo"]

    def row(i):
        return {"id": i, "name": "user-%07d" % i,
                "score": round(rng.uniform(0, 100), 6),
                "city": cities[i % len(cities)],
                "visits": rng.randrange(0, 10 ** 6),
                "ratio": rng.random()}

    sample = cloudpickle.dumps([row(i) for i in range(2000)])
    n = max(1000, int(TARGET_LIST_BYTES * 2000 / len(sample)))
    rng.seed(1)
    return [row(i) for i in range(n)]


def numpy_f64():
    import numpy as np
    return np.random.default_rng(2).random(10 ** 6)


def pandas_df():
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(3)
    n = 100_000
    return pd.DataFrame({
        "count": rng.integers(0, 10 ** 9, n, dtype=np.int64),
        "price": rng.random(n) * 1000,
        "label": ["item-%d" % (i % 5000) for i in range(n)],
        "flag": rng.random(n) < 0.5,
        "when": pd.Timestamp("2024-01-01") +
        pd.to_timedelta(rng.integers(0, 365 * 86400, n), unit="s"),
    })


def dataclass_list():
    rng = random.Random(4)
    return [Measurement("s-%03d" % (i % 200), i, rng.gauss(0, 1),
                        i % 3 != 0, ["a", "b%d" % (i % 7)])
            for i in range(10 ** 4)]


MAKERS = {"list_of_dicts": list_of_dicts, "numpy_f64": numpy_f64,
          "pandas_df": pandas_df, "dataclasses": dataclass_list}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "build/bench"
    os.makedirs(out, exist_ok=True)
    with open(os.path.abspath(__file__), "rb") as f:
        me = hashlib.sha256(f.read()).hexdigest()
    stamp = os.path.join(out, ".inputs-stamp")
    fresh = os.path.exists(stamp) and open(stamp).read().strip() == me
    if fresh and all(os.path.exists(os.path.join(out, n + ext))
                     for n in NAMES for ext in (".pkl", ".b64")):
        return 0
    for name in NAMES:
        try:
            data = cloudpickle.dumps(MAKERS[name](), protocol=5)
        except ImportError as exc:
            print("gen_inputs.py: %s skipped: %s" % (name, exc),
                  file=sys.stderr)
            continue
        with open(os.path.join(out, name + ".pkl"), "wb") as f:
            f.write(data)
        with open(os.path.join(out, name + ".b64"), "wb") as f:
            f.write(base64.encodebytes(data))
        print("gen_inputs.py: %s.pkl %d bytes" % (name, len(data)))
    with open(stamp, "w") as f:
        f.write(me + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
