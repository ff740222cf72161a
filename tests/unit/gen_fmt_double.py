#!/usr/bin/python3
"""Expected output of pr_fmt_double, from Python's repr(float).

Writes two files under tests/unit/data/:
  fmt_double_cases.inc   edge cases as repr strings (the test reads each
                         back with strtod, which gives the same double)
  fmt_double_hashes.inc  for blocks of pseudo-random doubles that
                         test_fmt_double.c regenerates with the same
                         splitmix64 stream: count and FNV-1a of all
                         repr() + "\\n" of the block.
Run: /usr/bin/python3 tests/unit/gen_fmt_double.py
"""
import math
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_common import SplitMix64, fnv1a, write  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ME = "tests/unit/gen_fmt_double.py"
BLOCK = 100000


def from_bits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def to_bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def neighbours(x):
    b = to_bits(x)
    out = [x]
    if b > 0:
        out.append(from_bits(b - 1))
    if (b + 1) >> 52 != 0x7FF:
        out.append(from_bits(b + 1))
    return out


def edge_cases():
    xs = [0.0, -0.0, 5e-324, -5e-324, from_bits((1 << 52) - 1),
          2.2250738585072014e-308, 1.7976931348623157e308,
          -1.7976931348623157e308, 0.1, 0.2, 0.3, 0.1 + 0.2, 1 / 3, 2 / 3,
          math.pi, math.e, 1e23, 8.41e21, 5e-310, 123.0, 1.5, -1.5,
          9007199254740993.0, 2.0 ** 53 + 2, 123456789012345.0,
          1234567890123456.0, 12345678901234567.0, 0.000123, 1.23e-05]
    for e in range(-1074, 1024):
        xs += neighbours(2.0 ** e)
    for e in range(-323, 309):
        xs += neighbours(float("1e%d" % e))
    # Where repr switches between positional and scientific notation.
    for s in ("1e16", "9999999999999998.0", "1e-4", "1e-5", "9.9999e-5",
              "1e15", "0.001", "100", "1e22"):
        x = float(s)
        for y in neighbours(x):
            xs += neighbours(y)
    for n in list(range(0, 300)) + [10 ** k for k in range(1, 23)]:
        xs.append(float(n))
        xs.append(float(n) + 0.5)
    for d in range(1, 18):
        xs.append(float("0." + "9" * d))
        xs.append(float("9" * d))
    seen, out = set(), []
    for x in xs:
        for y in (x, -x) if x in (5e-324, 1.5, 0.1, 1e23) else (x,):
            r = repr(y)
            if r not in seen:
                seen.add(r)
                out.append(r)
    return out


def gen_block(kind, seed, count):
    """The doubles of one block; mirrored by gen_block() in the test."""
    rng = SplitMix64(seed)
    for _ in range(count):
        r = rng.next()
        if kind == 0:                   # any finite bit pattern
            while (r >> 52) & 0x7FF == 0x7FF:
                r = rng.next()
            yield from_bits(r)
        elif kind == 1:                 # uniform in [0, 1)
            yield (r >> 11) / 2.0 ** 53
        elif kind == 2:                 # integers of every size
            m = float(r >> (rng.next() & 63))
            yield -m if r & 1 else m
        elif kind == 3:                 # m / 10^j: short decimals
            m = r % 10 ** (1 + rng.next() % 15)
            yield m / float(10 ** (rng.next() % 23))
        elif kind == 4:                 # m * 10^j
            m = r % 10 ** (1 + rng.next() % 15)
            yield float(m) * float(10 ** (rng.next() % 23))
        elif kind == 5:                 # subnormals
            yield from_bits(r & ((1 << 52) - 1) | (r & (1 << 63)))
        elif kind == 6:                 # float32 values widened
            b = r & 0xFFFFFFFF
            while (b >> 23) & 0xFF == 0xFF:
                b = rng.next() & 0xFFFFFFFF
            yield struct.unpack("<f", struct.pack("<I", b))[0]
        else:                           # uniform in [-1e6, 1e6)
            yield ((r >> 11) / 2.0 ** 53 - 0.5) * 2e6


BLOCKS = [(kind, 1000 + 17 * i + kind, BLOCK)
          for kind in range(8) for i in range(3)]


def main():
    data = os.path.join(HERE, "data")
    cases = edge_cases()
    write(os.path.join(data, "fmt_double_cases.inc"),
          ("Python repr() of edge-case doubles.", ME),
          ['"%s",' % r for r in cases])
    lines = []
    for kind, seed, count in BLOCKS:
        h = 0xCBF29CE484222325
        for x in gen_block(kind, seed, count):
            h = fnv1a((repr(x) + "\n").encode(), h)
        lines.append("{ %d, %d, %d, 0x%016xU }," % (kind, seed, count, h))
    write(os.path.join(data, "fmt_double_hashes.inc"),
          ("{kind, seed, count, FNV-1a of repr lines} per block.", ME),
          lines)
    print("%d edge cases, %d hashed doubles"
          % (len(cases), sum(b[2] for b in BLOCKS)))


if __name__ == "__main__":
    main()
