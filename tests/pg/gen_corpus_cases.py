#!/usr/bin/python3
"""gen_corpus_cases.py - describe the shared result corpora to the
extension's regression tests.

    /usr/bin/python3 tests/pg/gen_corpus_cases.py OUT_SQL OUT_REMAP \
        STAGE_DIR PREFECT2_DIR PREFECT3_DIR

OUT_SQL creates table corpus_case: one row per case of both corpora
(ids, state type, the captured API state, and the value a reader must
get: truth.json's "json" for Prefect 2, "serializer_loads" for Prefect 3,
which is what the bytes mean even where Prefect 3.4.1 misreads its own
JSON flow results).  OUT_REMAP gets one line for prefect_result.path_remap:
each original absolute result path, as Prefect wrote it, mapped to the
file in the corpus case folder.  A remap applies to a storage block's
basepath, which many cases share, so files kept under a block are
copied to STAGE_DIR/<n>/<key> (the test run's temporary directory) and
the block's basepath is mapped there.
"""
import json
import os
import shutil
import sys


def q(s):
    if s is None:
        return "NULL"
    return "'" + str(s).replace("'", "''") + "'"


def qj(v):
    return q(json.dumps(v, ensure_ascii=False))


def main():
    out_sql, out_remap, stage, p2, p3 = sys.argv[1:6]
    rows, remap, bases = [], [], {}
    for corpus, short, root, schema in (
            ("prefect2", "p2", p2, "prefect2"),
            ("prefect3", "p3", p3, "prefect3")):
        if not os.path.isfile(os.path.join(root, "cases.json")):
            continue
        with open(os.path.join(root, "cases.json")) as f:
            index = json.load(f)
        for c in index:
            d = os.path.join(root, "cases", c["case"])
            with open(os.path.join(d, "truth.json")) as f:
                t = json.load(f)
            with open(os.path.join(d, "state.json")) as f:
                state = json.load(f)
            if corpus == "prefect3":
                src = t.get("serializer_loads") or {}
            else:
                src = t
            expected = src.get("json") if src.get("json_able") else None
            able = bool(src.get("json_able"))
            exc = (t.get("exception") or {}).get("type")
            present = t.get("result_file_present",
                            t.get("data_type") == "reference")
            orig = t.get("result_path_original")
            local = os.path.join(d, t.get("result_file") or "")
            if orig and t.get("result_file") and os.path.isfile(local):
                base = t.get("block_basepath")
                if t.get("storage_block_id") and base:
                    if base not in bases:
                        bases[base] = os.path.join(stage, str(len(bases)))
                        remap.append("%s=%s" % (base, bases[base]))
                    dst = os.path.join(bases[base],
                                       os.path.relpath(orig, base))
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    shutil.copyfile(local, dst)
                else:
                    remap.append("%s=%s" % (orig, local))
            run_id = t.get("task_run_id") or t.get("flow_run_id")
            rows.append("(%s)" % ", ".join([
                q(corpus), q(schema), q(short + "/" + c["case"]),
                q(c["backend"]),
                q(c["kind"]), q(t["state_id"]), q(run_id),
                q(t["state_type"]), "true" if present else "false",
                "true" if able else "false",
                qj(expected) + "::jsonb" if able else "NULL",
                q(exc), qj(state) + "::jsonb"]))
    with open(out_sql, "w") as f:
        f.write("CREATE TABLE corpus_case (corpus text, schema text, "
                "name text PRIMARY KEY, backend text, kind text, "
                "state_id text, run_id text, state_type text, "
                "file_present boolean, json_able boolean, expected jsonb, "
                "exception_type text, state jsonb);\n")
        if rows:
            f.write("INSERT INTO corpus_case VALUES\n")
            f.write(",\n".join(rows) + ";\n")
    with open(out_remap, "w") as f:
        f.write(",".join(remap) + "\n")
    print("%d cases, %d remap items, %d block basepaths staged"
          % (len(rows), len(remap), len(bases)))


if __name__ == "__main__":
    main()
