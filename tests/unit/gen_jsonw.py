#!/usr/bin/python3
"""Expected output of the JSON writers, from Python.

Writes under tests/unit/data/:
  jsonw_strings.inc  {input, expected} for pr_json_string: valid text
                     as json.dumps(s, ensure_ascii=False) writes it;
                     lone surrogates (surrogatepass bytes) as \\udXXX
                     and invalid bytes as \\ufffd, one per maximal bad
                     subpart as bytes.decode(errors='replace') splits
  jsonw_bigint.inc   explicit {bytes, decimal} edge cases, then per
                     pseudo-random case {size, top-byte mode, decimal
                     length, FNV-1a of the decimal} of
                     str(int.from_bytes(b, 'little', signed=True))
Run: /usr/bin/python3 tests/unit/gen_jsonw.py
"""
import codecs
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_common import SplitMix64, fnv1a, c_string_lines, write  # noqa

HERE = os.path.dirname(os.path.abspath(__file__))
ME = "tests/unit/gen_jsonw.py"


def lone_or_replace(exc):
    """surrogatepass for ED A0..BF xx, else one U+FFFD per bad part."""
    b, i = exc.object, exc.start
    if (i + 2 < len(b) and b[i] == 0xED and 0xA0 <= b[i + 1] <= 0xBF
            and 0x80 <= b[i + 2] <= 0xBF):
        cp = 0xD000 | (b[i + 1] & 0x3F) << 6 | (b[i + 2] & 0x3F)
        return chr(cp), i + 3
    return "\uFFFD", exc.end


codecs.register_error("test_lone_or_replace", lone_or_replace)


def expected(raw, marked):
    """JSON for raw bytes.  marked: U+FFFD in the text came from a bad
    byte (inputs with bad bytes never contain a real U+FFFD)."""
    text = raw.decode("utf-8", "test_lone_or_replace")
    out = json.dumps(text, ensure_ascii=False)
    res = []
    for ch in out:
        if 0xD800 <= ord(ch) < 0xE000:
            res.append("\\u%04x" % ord(ch))
        elif ch == "\uFFFD" and marked:
            res.append("\\ufffd")
        else:
            res.append(ch)
    return "".join(res).encode("utf-8", "surrogatepass")


VALID = (["a", "Z", " ", "~", "/", "'", "\x7f", '"', "\\", "\u00e9",
          "\u00df", "\u07ff", "\u0800", "\u20ac", "\u4e2d", "\uffff",
          "\ufffd", "\U00010000", "\U0001f600", "\U0010ffff",
          "hello world ", "abcdefgh", "0123456789"] +
         [chr(c) for c in range(32)])
BAD = [b"\x80", b"\xbf", b"\xc0\x80", b"\xc1", b"\xc2", b"\xe0\x80\x80",
       b"\xe0\xa0", b"\xe2\x82", b"\xed\xa0", b"\xf0\x80", b"\xf0\x90\x80",
       b"\xf4\x90\x80\x80", b"\xf5", b"\xff", b"\xfe", b"\xe2\x82A",
       b"\xed\xa0\x80", b"\xed\xb2\xa9", b"\xed\xbf\xbf", b"\xed\xa0\xbd"
       b"\xed\xb8\x80", b"\xed\x9f\xbf", b"\xf0\x9f\x98"]


def string_cases():
    rng = random.Random(5)
    cases = [b"", b"a", b"hello", b"\x00", b"\x7f", b"\"\\", b"\n\r\t\b\f",
             "caf\u00e9 \u4e2d\u6587 \U0001f600".encode()]
    for c in range(32):
        cases.append(bytes([c]))
    for length in list(range(1, 40)) + [63, 64, 65, 200, 1000]:
        for _ in range(3):
            s = "".join(rng.choice(VALID) for _ in range(length))
            cases.append(s.encode("utf-8"))
        # mostly ASCII with one special byte at each position class
        base = bytearray(rng.choice(b"abcdefghijklmnop") for _ in
                         range(length))
        base[rng.randrange(length)] = rng.choice(b"\"\\\n\x01\x1f\x7f")
        cases.append(bytes(base))
    bad_cases = []
    for length in range(1, 30):
        for _ in range(4):
            parts = []
            for _ in range(length):
                if rng.random() < 0.3:
                    parts.append(rng.choice(BAD))
                else:
                    s = rng.choice(VALID)
                    if s == "\ufffd":
                        s = "x"
                    parts.append(s.encode())
            bad_cases.append(b"".join(parts))
    out = [(c, expected(c, False)) for c in cases]
    out += [(c, expected(c, True)) for c in bad_cases]
    return out


BIG_EDGES = [b"", b"\x00", b"\x01", b"\x7f", b"\x80", b"\xff", b"\xff\xff",
             b"\x01\x00\x00", b"\x00\x80\xff", b"\xff\x7f", b"\x00\x80",
             b"\xff" * 8, b"\x00" * 7 + b"\x80",
             b"\xff" * 7 + b"\x7f", b"\xff" * 8 + b"\x00",
             b"\x00" * 8 + b"\x01", b"\x00" * 8 + b"\xff",
             b"\x01" + b"\x00" * 7 + b"\xff", b"\xff" * 7 + b"\x7f\x00",
             b"\x00" * 8 + b"\x80", b"\x00" * 299 + b"\x80",
             b"\xff" * 299 + b"\x7f", b"\x00" * 299 + b"\x01",
             b"\x00\xca\x9a\x3b", b"\x00\x00\x00\x00\x01",
             b"\x00\x00\xe8\x89\x04\x23\xc7\x8a", bytes(range(256))]


def gen_big(i):
    """Bytes of pseudo-random case i; mirrored by gen_big() in the test."""
    rng = SplitMix64(9000 + i)
    n = i % 301
    mode = i // 301
    b = bytearray(rng.next() & 0xFF for _ in range(n))
    if n:
        if mode == 1:
            b[-1] = 0x80        # most negative of its size
        elif mode == 2:
            b[-1] |= 0x80       # negative
        elif mode == 3:
            b[-1] &= 0x7F       # positive
    return bytes(b), n, mode


def main():
    data = os.path.join(HERE, "data")
    lines = []
    for raw, want in string_cases():
        lines.append("{\n%s,\n    %d,\n%s,\n    %d },"
                     % (c_string_lines(raw), len(raw),
                        c_string_lines(want), len(want)))
    write(os.path.join(data, "jsonw_strings.inc"),
          ("{input, length, expected JSON, length} for pr_json_string.",
           ME), lines)
    big = ["#ifdef JSONW_BIG_EDGES"]
    for raw in BIG_EDGES:
        big.append("{\n%s,\n    %d,\n%s },"
                   % (c_string_lines(raw), len(raw),
                      c_string_lines(str(int.from_bytes(
                          raw, "little", signed=True)).encode())))
    big.append("#else")
    for i in range(4 * 301):
        raw, n, mode = gen_big(i)
        dec = str(int.from_bytes(raw, "little", signed=True)).encode()
        big.append("{ %d, %d, %d, 0x%016xU }," % (n, mode, len(dec),
                                                 fnv1a(dec)))
    big.append("#endif")
    write(os.path.join(data, "jsonw_bigint.inc"),
          ("Expected decimals for pr_json_bigint.", ME), big)
    print("%d strings" % len(lines))


if __name__ == "__main__":
    main()
