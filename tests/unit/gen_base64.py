#!/usr/bin/python3
"""Expected results of pr_base64_decode, from base64.decodebytes.

Writes tests/unit/data/base64_cases.inc: {input, length, result, result
length, error} where error is 0 (decoded), 1 ("Incorrect padding") or 2
(a data length 1 more than a multiple of 4), and whether
pr_base64_looks_like should accept the input.
Run: /usr/bin/python3 tests/unit/gen_base64.py
"""
import base64
import binascii
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_common import c_string_lines, write  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ME = "tests/unit/gen_base64.py"
ALPHA = (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
         b"0123456789+/")
NOISE = b"\n\r \t=-_.!\x00\x80\xff"


def cases():
    rng = random.Random(3)
    out = [b"", b"QQ==", b"QQ=", b"QQ", b"Q", b"QUJD", b"QUJDR", b"QQ=x=",
           b"=QQ==", b"Q=Q==", b"QQ==QUJD", b"QUI=QQ==", b"Q\nQ\n=\n=",
           b"QUJDRA=", b"QUJDRA", b"QUJDR===", b"!!", b"====", b"QQ=\x00=",
           b"QUJ=", b"QUJ", b"Q===", b"QU===", b"QQ=QQQQ=", b"QQ=QQQQ==",
           b"-_-_", b"QUJD\r\n", b"\nQUJD", b"Zm9vYmFy", b"Zm9vYg"]
    for n in range(0, 40):
        raw = bytes(rng.randrange(256) for _ in range(n))
        enc = base64.encodebytes(raw)
        out.append(enc)
        out.append(enc.rstrip(b"=\n"))
        if enc:
            # noise sprinkled through valid data
            e = bytearray(enc)
            for _ in range(rng.randrange(1, 5)):
                e.insert(rng.randrange(len(e) + 1), rng.choice(NOISE))
            out.append(bytes(e))
    for n in range(1, 30):
        for _ in range(12):
            pool = ALPHA + b"====\n" if rng.random() < 0.7 else ALPHA + NOISE
            out.append(bytes(rng.choice(pool) for _ in range(n)))
    seen, res = set(), []
    for c in out:
        if c not in seen:
            seen.add(c)
            res.append(c)
    return res


def main():
    lines = []
    for c in cases():
        err, got = 0, b""
        try:
            got = base64.decodebytes(c)
        except binascii.Error as e:
            err = 2 if "1 more than a multiple of 4" in str(e) else 1
            assert err == 2 or "Incorrect padding" in str(e), e
        looks = int(all(ch in ALPHA + b"=\r\n" for ch in c))
        lines.append("{\n%s,\n    %d,\n%s,\n    %d, %d, %d },"
                     % (c_string_lines(c), len(c), c_string_lines(got),
                        len(got), err, looks))
    write(os.path.join(HERE, "data", "base64_cases.inc"),
          ("{input, length, decoded, length, error, looks_like} from "
           "base64.decodebytes.", ME), lines)
    print("%d cases" % len(lines))


if __name__ == "__main__":
    main()
