#!/usr/bin/python3
"""gather_seeds.py - build the seed corpus of each fuzz target.

    /usr/bin/python3 fuzz/gather_seeds.py [OUT]     (default build-fuzz/corpus)

Puts seeds into OUT/<name>/ for each target fuzz_<name> (pickle, sniff,
result, json), each named by the SHA-1 of its bytes as libFuzzer names its own finds, so
a rerun adds nothing twice and keeps what earlier fuzzing found.  Sources,
each used when present (paths from the top directory):

  fuzz/corpus/{pickle,sniff,json}        small seeds from make_seeds.py
  tests/fixtures/data                    the fixture pickles
  tests/bad                              hostile inputs
  $PR_SHARED_DIR/corpora                 the shared corpora (default
                                         ../shared): copied at run time,
                                         never committed

Files over 1 MiB are left out to keep fuzzing fast.  Prints one line per
target.
"""

import hashlib
import os
import sys

MAX_SEED = 1 << 20

# API replies stored next to Prefect result files: not decoder input.
API_REPLIES = {"state.json", "flow_run.json", "task_run.json",
               "parent_flow_run.json", "states_history.json", "truth.json"}


def walk(top, keep=lambda path: True):
    """Files under top, sorted, non-empty and at most MAX_SEED bytes."""
    if not os.path.isdir(top):
        return []
    found = []
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            try:
                size = os.path.getsize(p)
            except OSError:
                continue
            if 0 < size <= MAX_SEED and os.path.isfile(p) and keep(p):
                found.append(p)
    return found


def is_pkl(p):
    return p.endswith(".pkl")


def is_json_text(p):
    """True when the file starts (after blanks) like a JSON container."""
    with open(p, "rb") as f:
        head = f.read(64).lstrip(b" \t\r\n")
    return head[:1] in (b"{", b"[")


def is_result_file(p):
    name = os.path.basename(p)
    return name not in API_REPLIES and not (name.startswith("block_") and
                                            name.endswith(".json"))


def add(out_dir, paths):
    """Puts paths into out_dir under their SHA-1; returns how many were
    new."""
    os.makedirs(out_dir, exist_ok=True)
    new = 0
    for p in paths:
        with open(p, "rb") as f:
            data = f.read()
        dest = os.path.join(out_dir, hashlib.sha1(data).hexdigest())
        if os.path.exists(dest):
            continue
        # A hard link when possible: the target only reads its seeds, and
        # libFuzzer replaces a file by unlinking it, never by writing to it.
        try:
            os.link(p, dest)
        except OSError:
            with open(dest, "wb") as f:
                f.write(data)
        new += 1
    return new


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "build-fuzz/corpus"
    shared = os.environ.get("PR_SHARED_DIR") or "../shared"
    corpora = os.path.join(shared, "corpora")
    results = (walk(os.path.join(corpora, "prefect2", "cases"),
                    is_result_file) +
               walk(os.path.join(corpora, "prefect3", "cases"),
                    is_result_file))
    file_forms = [
        ("own", walk("fuzz/corpus/sniff") + walk("fuzz/corpus/pickle")),
        ("fixtures", walk("tests/fixtures/data")),
        ("bad", walk("tests/bad", lambda p: not p.endswith(".md"))),
        ("shared", results + walk(os.path.join(corpora, "pickle",
                                               "prefect-sample"), is_pkl)),
    ]
    plan = {
        "pickle": [
            ("own", walk("fuzz/corpus/pickle")),
            ("fixtures", walk("tests/fixtures/data", is_pkl)),
            ("bad", walk("tests/bad", is_pkl)),
            ("shared", walk(os.path.join(corpora, "pickle"), is_pkl)),
        ],
        "sniff": file_forms,
        "result": file_forms,
        "json": [
            ("own", walk("fuzz/corpus/json") +
             walk("fuzz/corpus/sniff", is_json_text)),
            ("fixtures", walk("tests/fixtures/data", is_json_text)),
            ("shared", [p for p in results if is_json_text(p)]),
        ],
    }
    for target, sources in plan.items():
        target_dir = os.path.join(out, target)
        counts = ", ".join("%s %d" % (label, add(target_dir, paths))
                           for label, paths in sources)
        print("gather_seeds.py: %s: %d seeds (new: %s)"
              % (target, len(os.listdir(target_dir)), counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
