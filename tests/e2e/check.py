#!/usr/bin/python3
"""Compares what a front end printed with the cases gen_cases.py wrote.

    check.py resolve CASES_DIR OUTPUT MODE IDFIELD [NAME...]
        OUTPUT is pr-resolve --info output for the cases NAME... (all
        cases when none are given), in that order, resolved by IDFIELD
        (state_id or run_id); MODE is plain or typed.
    check.py curl CASES_DIR RUNDIR MODE IDFIELD [--failed-rc N] [NAME...]
        RUNDIR/NAME.out, .err and .rc are prefect-curl's stdout, stderr
        and exit code for the URL of IDFIELD of case NAME; a FAILED
        state must exit N (default 113; 0 with --allow-failed).
    check.py lines CASES_DIR OUTPUT MODE [NAME...]
        OUTPUT is prefect-curl --result-json output for NAME...: one
        line per case, exactly the expected JSON.

Prints "PASS <what>" or "FAIL <what>: <what differed>" per case and
nothing else, so that the calling script can count the lines; a case
that needs something listed in E2E_SKIP_NEEDS (comma-separated: s3,
remap, local_storage) gets "SKIP <what>: ..." instead.

resolve: an "ok" case must print exactly "OK " + expect/NAME.MODE (byte
for byte), and its INFO line must agree on failed= and has_value=; an
"err" case must print "ERR <code> ..." with a code from the case's
err_codes and, when the case names one, err_match in the message.

curl (the drop-in form: the state JSON with "data" replaced in place by
the decoded value and the original reference kept beside it): the output
must be one JSON document; the state object (the document, or its
"state" for a run) must keep every other key of the served state, its
"data" must equal the expected value (compared as parsed JSON), and,
when the served data was a reference, "_data_reference" (or the key
E2E_CURL_REF_KEY names; empty: any key) must hold it unchanged.  An
"err" case must exit non-zero (114 for a missing result file) and say
something on stderr.
"""
import json
import math
import os
import re
import sys


SKIP_NEEDS = {n for n in os.environ.get("E2E_SKIP_NEEDS", "").split(",")
              if n}


def load_cases(d, names):
    with open(os.path.join(d, "cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    if not names:
        return cases
    by = {c["name"]: c for c in cases}
    return [by[n] for n in names]


def skipped(c, what):
    """True (after a SKIP line) when E2E_SKIP_NEEDS names a need of c."""
    hit = SKIP_NEEDS.intersection(c.get("needs") or ())
    if hit:
        print("SKIP %s: needs %s, listed in E2E_SKIP_NEEDS"
              % (what, ",".join(sorted(hit))))
        return True
    return False


def expected(d, c, mode):
    with open(os.path.join(d, "expect", "%s.%s" % (c["name"], mode)),
              encoding="utf-8") as f:
        return f.read()


def short(s, n=300):
    s = s.replace("\n", "\\n")
    return s if len(s) <= n else s[:n] + "..."


def canon(v):
    """Parsed JSON for comparing: NaN and infinities as None."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: canon(x) for k, x in v.items()}
    if isinstance(v, list):
        return [canon(x) for x in v]
    return v


def check_err(c, code, msg):
    codes = c.get("err_codes") or []
    if codes and code not in codes:
        return "error code %d, expected one of %s (%s)" % (
            code, codes, short(msg, 200))
    if c.get("err_match") and not re.search(c["err_match"], msg, re.I):
        return "error message %r does not mention %r" % (
            short(msg, 200), c["err_match"])
    return None


def do_resolve(d, out, mode, idfield, names):
    cases = load_cases(d, names)
    with open(out, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    groups = []
    for ln in lines:
        if ln.startswith("OK ") or ln.startswith("ERR "):
            groups.append([ln, None])
        elif ln.startswith("INFO ") and groups and groups[-1][1] is None:
            groups[-1][1] = ln
    for i, c in enumerate(cases):
        what = "%s [%s by %s]" % (c["name"], mode, idfield)
        if skipped(c, what):
            continue
        if i >= len(groups):
            print("FAIL %s: no output line (%d lines for %d ids)"
                  % (what, len(groups), len(cases)))
            continue
        line, info = groups[i]
        info = dict(kv.split("=", 1) for kv in (info or "").split()[1:]
                    if "=" in kv)
        why = None
        if c["status"] == "ok":
            want = "OK " + expected(d, c, mode)
            if line != want:
                why = "printed %s, expected %s" % (short(line), short(want))
            elif info.get("failed") not in (None, str(int(c["failed"]))):
                why = "INFO failed=%s, expected %d" % (info["failed"],
                                                        c["failed"])
            elif info.get("has_value") not in (None,
                                               str(int(c["has_value"]))):
                why = "INFO has_value=%s, expected %d" % (
                    info["has_value"], c["has_value"])
        elif c.get("novalue_ok") and line == "OK null" and \
                info.get("has_value") == "0":
            why = None
        else:
            m = re.match(r"ERR (\d+) ?(.*)$", line)
            if not m:
                why = "printed %s, expected an error" % short(line)
            else:
                why = check_err(c, int(m.group(1)), m.group(2))
        print(("FAIL %s: %s" % (what, why)) if why else ("PASS " + what))


def served_state(d, c, idfield):
    kind = c["state_kind"]
    with open(os.path.join(d, "api", kind, c["state_id"] + ".json"),
              encoding="utf-8") as f:
        return json.load(f)


def do_curl(d, rundir, mode, idfield, names):
    refkey = os.environ.get("E2E_CURL_REF_KEY", "_data_reference") or None
    failed_rc = 113
    if names[:1] == ["--failed-rc"]:
        failed_rc = int(names[1])
        names = names[2:]
    for c in load_cases(d, names):
        what = "%s [prefect-curl %s by %s]" % (c["name"], mode, idfield)
        if skipped(c, what):
            continue
        base = os.path.join(rundir, c["name"])
        try:
            with open(base + ".out", "rb") as f:
                out = f.read()
            with open(base + ".err", "rb") as f:
                err = f.read()
            with open(base + ".rc") as f:
                rc = int(f.read().strip() or -1)
        except OSError as e:
            print("FAIL %s: no run output (%s)" % (what, e))
            continue
        if c["status"] != "ok" and c.get("novalue_ok") and rc == 0:
            # "no value": data null, the original kept beside it
            try:
                doc = json.loads(out)
                st = doc["state"] if isinstance(doc.get("state"), dict) \
                    else doc
                od = served_state(d, c, idfield)["data"]
                ok = st["data"] is None and (refkey is None or
                                             st.get(refkey) == od)
            except (ValueError, KeyError, TypeError, AttributeError):
                ok = False
            print(("PASS " + what) if ok else (
                "FAIL %s: exit 0 but not data null with the reference "
                "kept: %s" % (what, short(out.decode("utf-8",
                                                     "replace")))))
            continue
        if c["status"] != "ok":
            if c.get("special") == "missing" and rc != 114:
                print("FAIL %s: exit %d for a missing result file, "
                      "expected 114; stderr %s" % (
                          what, rc, short(err.decode("utf-8", "replace"))))
            elif rc == 0:
                print("FAIL %s: exit 0 for a result that cannot be read; "
                      "stdout %s" % (what, short(out.decode("utf-8",
                                                             "replace"))))
            elif not err.strip():
                print("FAIL %s: exit %d with nothing on stderr"
                      % (what, rc))
            else:
                print("PASS " + what)
            continue
        want_rc = failed_rc if c["failed"] else 0
        if rc != want_rc:
            print("FAIL %s: exit %d, expected %d; stderr %s" % (
                what, rc, want_rc, short(err.decode("utf-8", "replace"))))
            continue
        try:
            doc = json.loads(out)
        except ValueError as e:
            print("FAIL %s: stdout is not one JSON document (%s): %s"
                  % (what, e, short(out.decode("utf-8", "replace"))))
            continue
        # a run URL prints the run (its state under "state"); a bare
        # run id prints the state itself
        st = doc["state"] if isinstance(doc, dict) and \
            isinstance(doc.get("state"), dict) else doc
        orig = served_state(d, c, idfield)
        why = None
        if not isinstance(st, dict) or "data" not in st:
            why = "no state object with \"data\" in %s" % short(
                out.decode("utf-8", "replace"))
        else:
            want = canon(json.loads(expected(d, c, mode)))
            got = canon(st["data"])
            if got != want:
                why = "data is %s, expected %s" % (
                    short(json.dumps(st["data"], ensure_ascii=False)),
                    short(expected(d, c, mode)))
            for k, v in orig.items():
                if why is None and k != "data" and st.get(k) != v:
                    why = "key %r changed: %s" % (k, short(json.dumps(
                        st.get(k), ensure_ascii=False), 120))
            od = orig.get("data")
            if why is None and isinstance(od, dict) and (
                    "storage_key" in od or "type" in od or "blob" in od):
                if refkey:
                    if st.get(refkey) != od:
                        why = "%r does not hold the original reference" \
                            % refkey
                elif not any(k != "data" and v == od
                             for k, v in st.items()):
                    why = "the original reference is not kept beside " \
                        "\"data\""
        print(("FAIL %s: %s" % (what, why)) if why else ("PASS " + what))


def do_lines(d, out, mode, names):
    """One line per case, in order.  A case whose line is missing (the
    tool failed on it) must not make the next ones fail, so the lines
    are aligned with the expected ones first (difflib)."""
    import difflib
    cases = load_cases(d, names)
    with open(out, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    wants = [expected(d, c, mode) for c in cases]
    got_for = {}
    if len(lines) == len(wants):
        got_for = dict(enumerate(lines))
    else:
        sm = difflib.SequenceMatcher(None, wants, lines, autojunk=False)
        for a, b, n in sm.get_matching_blocks():
            for k in range(n):
                got_for[a + k] = lines[b + k]
    for i, c in enumerate(cases):
        what = "%s [prefect-curl --result-json %s]" % (c["name"], mode)
        if skipped(c, what):
            continue
        got = got_for.get(i)
        if got == wants[i]:
            print("PASS " + what)
        elif got is None:
            print("FAIL %s: no line for it (%d lines for %d ids), "
                  "expected %s" % (what, len(lines), len(wants),
                                   short(wants[i])))
        else:
            print("FAIL %s: line %d is %s, expected %s" % (
                what, i + 1, short(got), short(wants[i])))


def main(argv):
    if len(argv) >= 4 and argv[0] == "lines":
        do_lines(argv[1], argv[2], argv[3], argv[4:])
        return 0
    if len(argv) < 5 or argv[0] not in ("resolve", "curl"):
        sys.stderr.write(__doc__)
        return 2
    cmd, d, out, mode, idfield = argv[:5]
    names = argv[5:]
    if cmd == "resolve":
        do_resolve(d, out, mode, idfield, names)
    else:
        do_curl(d, out, mode, idfield, names)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
