#!/usr/bin/python3
"""gen_pg_inputs.py - inputs of the PostgreSQL benchmarks (bench/pg_bench.sh).

    /usr/bin/python3 bench/gen_pg_inputs.py OUTDIR NIDS

Writes, never committed:

  OUTDIR/ids-NIDS/   NIDS COMPLETED flow runs made by tests/e2e/gen_cases.py
                     (era D, Prefect 3.4.1, cloudpickle, a small list of
                     dicts, "local" storage: a relative storage key under
                     PREFECT_LOCAL_STORAGE_PATH, so no block lookup):
                       api/       the --data directory of
                                  tests/lib/prefect_api.py
                       storage/local/   the result files
                       ids.txt    the final state ids, one a line
  OUTDIR/big.pkl     ~50 MB: pickle protocol 5 of a list of dicts: the
                     rows of bench/gen_inputs.py's list_of_dicts, each
                     with ten more float fields

The cases come from the e2e generator itself rather than a copy of it, so
the states and files are the shapes the tests already check.  Each part
is only rewritten when a generator changed since it was made (a stamp
holds their hash), because 10,000 cases take ~15 s; ids-* directories of
another NIDS are removed.
"""

import hashlib
import os
import pickle
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, HERE)

BIG_BYTES = 50 * 1000 * 1000
# Every row costs two memo entries (its dict and its unique name), and
# the decoder stops at 2**20 entries (max_memo): gen_inputs.py's
# six-field rows scaled to 50 MB would need ~1.4M.  Wider rows keep the
# same kinds of value under the limit.
EXTRA_FIELDS = 10


def digest(*paths, extra=""):
    h = hashlib.sha256(extra.encode())
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def fresh(stamp, want, *files):
    try:
        with open(stamp) as f:
            if f.read().strip() != want:
                return False
    except OSError:
        return False
    return all(os.path.exists(p) for p in files)


def make_ids(out, nids, want):
    import gen_cases as g   # imports numpy and pandas: only when needed

    d = os.path.join(out, "ids-%d" % nids)
    for name in os.listdir(out):   # other sizes: 0.3 GB each at 10,000
        if name.startswith("ids-") and name != os.path.basename(d):
            shutil.rmtree(os.path.join(out, name), ignore_errors=True)
    shutil.rmtree(d, ignore_errors=True)
    world = g.World(d)
    cfg = g.pickle_cfg("cloudpickle", True)
    for i in range(nids):
        g.build(world, g.Case("bench-%05d" % i, "D", "3.4.1", "flow", cfg,
                              "list_dicts", "local"))
    with open(os.path.join(d, "ids.txt"), "w") as f:
        for c in world.cases:
            f.write(c["state_id"] + "\n")
    with open(os.path.join(d, ".stamp"), "w") as f:
        f.write(want + "\n")
    print("gen_pg_inputs.py: %d flow runs in %s" % (nids, d))


def make_big(out, want):
    import random

    import gen_inputs

    base = gen_inputs.list_of_dicts()      # ~10 MB of six-field rows
    rng = random.Random(5)
    # One string object per key: pickle memoizes by identity, so a key
    # built per row would be a memo entry per row.
    keys = ["m%d" % k for k in range(EXTRA_FIELDS)]

    def row(i):
        r = dict(base[i % len(base)], id=i, name="user-%07d" % i)
        for k in keys:
            r[k] = rng.random()
        return r

    # As gen_inputs.py does: size the list from a sample's pickled size.
    rows = [row(i) for i in range(2000)]
    n = int(BIG_BYTES * 2000 / len(pickle.dumps(rows, protocol=5)))
    rows += [row(i) for i in range(2000, n)]
    data = pickle.dumps(rows, protocol=5)
    path = os.path.join(out, "big.pkl")
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)
    with open(path + ".stamp", "w") as f:
        f.write(want + "\n")
    print("gen_pg_inputs.py: big.pkl %d bytes, %d rows"
          % (len(data), len(rows)))


def main(argv):
    if len(argv) != 2 or not argv[1].isdigit() or int(argv[1]) < 1:
        sys.stderr.write("usage: gen_pg_inputs.py OUTDIR NIDS\n")
        return 2
    out, nids = os.path.abspath(argv[0]), int(argv[1])
    os.makedirs(out, exist_ok=True)
    me = os.path.abspath(__file__)
    want = digest(me, os.path.join(ROOT, "tests", "e2e", "gen_cases.py"),
                  extra=str(nids))
    d = os.path.join(out, "ids-%d" % nids)
    if not fresh(os.path.join(d, ".stamp"), want,
                 os.path.join(d, "ids.txt")):
        make_ids(out, nids, want)
    want = digest(me, os.path.join(HERE, "gen_inputs.py"))
    big = os.path.join(out, "big.pkl")
    if not fresh(big + ".stamp", want, big):
        make_big(out, want)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
