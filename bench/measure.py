#!/usr/bin/python3
"""measure.py - time the C decoder and CPython on the same inputs, side by
side, and print one table (bench/run.sh calls it after gen_inputs.py).

    /usr/bin/python3 bench/measure.py [--decoder PATH] [--runs N]
                                      [--typed] [DIR]

C: the whole pr-decode process (spawn, read, decode, write the JSON to
/dev/null); wall time and peak RSS of that process as bench/timeit (built
by run.sh into the input directory) reports them, best time of N runs.
Python: pickle.loads + json.dumps(default=hook) in this process, imports
already done, best of N; the hook turns numpy arrays and pandas frames
into lists/records and other objects into dicts or strings.
For .b64 inputs both sides also undo the base64 layer.

Targets: Python/C time >= 3x on list_of_dicts, >= 2x on the others; C peak
RSS <= 2 x (bytes in + bytes out).  A missed target prints MISSED; this
script always exits 0.
"""

import argparse
import base64
import dataclasses
import datetime
import decimal
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
import uuid

SPEED_TARGET = {"list_of_dicts": 3.0}
SPEED_DEFAULT = 2.0
RSS_TARGET = 2.0
ORDER = ("list_of_dicts", "numpy_f64", "pandas_df", "dataclasses")


def hook(o):
    """json.dumps default=: the conversions a Python user would write."""
    mod = type(o).__module__
    if mod.startswith("numpy"):
        return o.tolist() if hasattr(o, "tolist") else str(o)
    if mod.startswith("pandas"):
        if hasattr(o, "to_dict") and hasattr(o, "columns"):
            return o.to_dict("records")
        if hasattr(o, "isoformat"):
            return o.isoformat()
        if hasattr(o, "tolist"):
            return o.tolist()
        return str(o)
    if isinstance(o, (datetime.datetime, datetime.date, datetime.time)):
        return o.isoformat()
    if isinstance(o, datetime.timedelta):
        return o.total_seconds()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    if isinstance(o, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(o).decode()}
    if isinstance(o, (decimal.Decimal, uuid.UUID)):
        return str(o)
    if dataclasses.is_dataclass(o) or hasattr(o, "__dict__"):
        return vars(o)
    return str(o)


def python_once(path):
    """Seconds for read + (base64) + pickle.loads + json.dumps, and the
    length of the JSON text."""
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".b64"):
        data = base64.decodebytes(data)
    text = json.dumps(pickle.loads(data), default=hook)
    return time.perf_counter() - t0, len(text.encode())


def c_once(timeit, argv, out_path):
    """Wall seconds, peak RSS bytes and exit status of one decoder run."""
    res = subprocess.run([timeit, out_path] + argv, stdout=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, check=True)
    wall, rss_kb, code = res.stdout.split()
    return float(wall), int(rss_kb) * 1024, int(code)


def c_output(timeit, argv):
    """Runs the decoder once into a file; returns (json_bytes, error)."""
    with tempfile.NamedTemporaryFile() as out:
        _, _, code = c_once(timeit, argv, out.name)
        head = out.read(200)
        size = os.fstat(out.fileno()).st_size
    if head.startswith(b"OK "):
        return size - 3 - (1 if size > 3 else 0), None
    msg = head.split(b"\n")[0].decode("utf-8", "replace")
    return None, msg or "exit %d, no output" % code


def fmt_bytes(n):
    if n is None:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return ("%d %s" % (n, unit)) if unit == "B" else \
                ("%.1f %s" % (n, unit))
        n /= 1000.0
    return str(n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--decoder", default="build/tools/pr-decode")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--typed", action="store_true")
    ap.add_argument("--timeit", default=None,
                    help="the timeit wrapper (default DIR/timeit)")
    ap.add_argument("dir", nargs="?", default="build/bench")
    args = ap.parse_args()

    inputs = []
    for name in ORDER:
        for ext in (".pkl", ".b64"):
            p = os.path.join(args.dir, name + ext)
            if os.path.exists(p):
                inputs.append((name, p))
    if not inputs:
        print("bench: no inputs in %s (MISSED: nothing measured)" % args.dir)
        return 0

    decoder = os.path.abspath(args.decoder)
    timeit = os.path.abspath(args.timeit or os.path.join(args.dir, "timeit"))
    have_c = os.access(decoder, os.X_OK) and os.access(timeit, os.X_OK)
    if not have_c:
        print("bench: %s or %s missing: C columns empty (MISSED)"
              % (args.decoder, timeit))

    if have_c:
        base = os.path.join(args.dir, "baseline.pkl")
        with open(base, "wb") as f:
            f.write(pickle.dumps(None, protocol=5))
        _, base_rss, _ = c_once(timeit, [decoder, base], os.devnull)
        base_note = ("; the process alone (a 4-byte pickle) peaks at %s"
                     % fmt_bytes(base_rss))
    else:
        base_rss, base_note = 0, ""

    cols = ("input", "bytes in", "bytes out", "C s", "Python s",
            "Py/C", "target", "C peak RSS", "net/(in+out)", "target")
    rows, missed = [], 0
    for name, path in inputs:
        size_in = os.path.getsize(path)
        best_py, py_out, py_err = None, None, None
        try:
            for _ in range(args.runs):
                t, py_out = python_once(path)
                best_py = t if best_py is None else min(best_py, t)
        except Exception as exc:        # report, never fail the build
            py_err = "%s: %s" % (type(exc).__name__, exc)

        c_out, c_err, best_c, rss = None, None, None, None
        if have_c:
            argv = [decoder, "--stream"] + \
                (["--typed"] if args.typed else []) + \
                (["--sniff"] if path.endswith(".b64") else []) + [path]
            c_out, c_err = c_output(timeit, argv)
            if c_err is None:
                for _ in range(args.runs):
                    t, r, _ = c_once(timeit, argv, os.devnull)
                    best_c = t if best_c is None else min(best_c, t)
                    rss = r if rss is None else max(rss, r)

        speed_target = SPEED_TARGET.get(name, SPEED_DEFAULT)
        ratio = best_py / best_c if best_py and best_c else None
        speed_ok = ratio is not None and ratio >= speed_target
        # the decoder's own memory: peak RSS less what the process takes
        # before decoding anything (shared libraries, stack)
        rss_ratio = (rss - base_rss) / (size_in + c_out) \
            if rss and c_out else None
        rss_ok = rss_ratio is not None and rss_ratio <= RSS_TARGET
        missed += (not speed_ok) + (not rss_ok)
        rows.append((
            os.path.basename(path), fmt_bytes(size_in),
            fmt_bytes(c_out) if c_out is not None else
            "py " + fmt_bytes(py_out),
            "%.3f" % best_c if best_c else "-",
            "%.3f" % best_py if best_py else "-",
            "%.1fx" % ratio if ratio else "-",
            (">=%gx " % speed_target) + ("ok" if speed_ok else "MISSED"),
            fmt_bytes(rss),
            "%.2f" % rss_ratio if rss_ratio else "-",
            ("<=%g " % RSS_TARGET) + ("ok" if rss_ok else "MISSED")))
        for who, err in (("C", c_err), ("Python", py_err)):
            if err:
                rows.append(("  %s error: %s" % (who, err[:100]),) +
                            ("",) * (len(cols) - 1))


    widths = [max(len(str(r[i])) for r in rows + [cols]) for i in
              range(len(cols))]
    print("C: whole pr-decode process%s, best of %d; Python %s: "
          "pickle.loads + json.dumps in-process, best of %d"
          % (" --typed" if args.typed else "", args.runs,
             sys.version.split()[0], args.runs))
    for r in [cols] + rows:
        if r[0].startswith("  "):
            print(r[0])
            continue
        print("  ".join(str(v).rjust(w) if i and i not in (6, 9)
                        else str(v).ljust(w)
                        for i, (v, w) in enumerate(zip(r, widths))).rstrip())
    print("net/(in+out): peak RSS less the process's baseline, over input "
          "plus output bytes" + base_note)
    if missed:
        print("bench: %d target(s) MISSED" % missed)
    else:
        print("bench: every target met")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:            # benchmarks never fail the build
        print("bench: MISSED: %s: %s" % (type(exc).__name__, exc))
        sys.exit(0)
