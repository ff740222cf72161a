#!/usr/bin/python3
"""Generate common/fmt_pow10.h, the power-of-ten table of fmt_double.c.

For every decimal exponent k the shortest-double search needs, the table
holds g(k) = floor(10**-k / 2**e) + 1, a 128-bit integer in
[2**127, 2**128), with e = floor(log2(10**-k)) - 127.  Everything is
computed with exact Python integers.

Before writing anything the script proves, for every binary exponent q
of a finite double, the facts fmt_double.c relies on:
  - the integer formulas for floor(log10(2**q)), floor(log10(3/4 2**q))
    and floor(log2(10**x)) are exact over the whole range;
  - the pre-shift h lies in [1, 5], so every scaled significand fits in
    61 bits and the 64x128-bit products cannot overflow;
  - X = cp * 2**q / 10**k, for every integer cp that can occur, is
    never within 2**-64 below an integer unless it is one.  The table
    overestimates by less than 2**-67, so the integer part of the
    truncated product is floor(X).  A non-zero fraction in the product
    proves X is not an integer; a zero one is settled exactly by
    fmt_double.c (divisibility by 2 and 5), whose rule is checked here.
The bound uses the continued-fraction walk in min_residues(), which is
itself checked against brute force on small inputs.

Run: /usr/bin/python3 tests/tools/gen_fmt_tables.py [output.h]
"""
import random
import sys
from fractions import Fraction

K_MIN, K_MAX = -324, 292
Q_MIN, Q_MAX = -1074, 971
CP_MAX = (1 << 55) + 2          # largest 4c + 2
SHIFT = 20
LOG10_POW2_MUL = 315653 - 1     # floor(q log10 2) = (q * M) >> 20
LOG10_3Q_POW2_MUL = 315653      # floor(log10(3/4 2**q)), with the add
LOG10_3Q_POW2_ADD = -131072
LOG2_POW10_MUL = 3483294        # floor(x log2 10) = (x * M) >> 20


def floor_log10(x):
    """floor(log10(x)) for a positive Fraction, exactly."""
    k = len(str(x.numerator)) - len(str(x.denominator))
    while Fraction(10) ** k > x:
        k -= 1
    while Fraction(10) ** (k + 1) <= x:
        k += 1
    return k


def floor_log2(x):
    """floor(log2(x)) for a positive Fraction, exactly."""
    k = x.numerator.bit_length() - x.denominator.bit_length()
    while Fraction(2) ** k > x:
        k -= 1
    while Fraction(2) ** (k + 1) <= x:
        k += 1
    return k


def k_of(q, irregular):
    """The decimal exponent the C code derives from q (its formulas)."""
    if irregular:
        return (q * LOG10_3Q_POW2_MUL + LOG10_3Q_POW2_ADD) >> SHIFT
    return (q * LOG10_POW2_MUL) >> SHIFT


def flog2_pow10(x):
    return (x * LOG2_POW10_MUL) >> SHIFT


def min_residues(a, m, n):
    """(min a*x mod m, min (-a*x) mod m) over 1 <= x <= n.

    Requires gcd(a, m) == 1 and m > n, so no residue is 0.  Walks the
    intermediate fractions of a/m: p is the best x so far from below
    (residue dp), r the best from above (residue m - dr); each step adds
    as many copies of the better one to the other as keep it positive
    and x <= n.
    """
    a %= m
    xp, dp = 1, a
    xr, dr = 0, m
    while True:
        if dp < dr:
            t = min((dr - 1) // dp, (n - xr) // xp)
            if t == 0:
                break
            xr, dr = xr + t * xp, dr - t * dp
        else:
            t = min((dp - 1) // dr, (n - xp) // xr) if xr else 0
            if t == 0:
                break
            xp, dp = xp + t * xr, dp - t * dr
    return dp, dr


def self_test_min_residues():
    rng = random.Random(7)
    for _ in range(3000):
        m = rng.randrange(2, 400)
        a = rng.randrange(1, m)
        if Fraction(a, m).denominator != m:
            continue
        n = rng.randrange(1, m)
        res = [a * x % m for x in range(1, n + 1)]
        want = (min(res), min(m - r for r in res))
        got = min_residues(a, m, n)
        assert got == want, (a, m, n, got, want)


def pow10_g(k):
    """(g, e): 10**-k ~ g * 2**e, g = floor(10**-k / 2**e) + 1."""
    x = Fraction(10) ** -k
    e = floor_log2(x) - 127
    g = (x / Fraction(2) ** e).__floor__() + 1
    assert (1 << 127) <= g < (1 << 128), k
    return g, e


def check():
    self_test_min_residues()
    for q in range(Q_MIN, Q_MAX + 1):
        assert k_of(q, False) == floor_log10(Fraction(2) ** q), q
        if q > Q_MIN:
            assert k_of(q, True) == floor_log10(
                Fraction(3, 4) * Fraction(2) ** q), q
    for x in range(-K_MAX - 10, -K_MIN + 10):
        assert flog2_pow10(x) == floor_log2(Fraction(10) ** x), x
    worst = 0
    for q in range(Q_MIN, Q_MAX + 1):
        for irregular in (False, True):
            if irregular and q == Q_MIN:
                continue
            k = k_of(q, irregular)
            assert K_MIN <= k <= K_MAX
            g, e = pow10_g(k)
            h = q + flog2_pow10(-k) + 1
            assert h == q + e + 128 and 1 <= h <= 5, (q, h)
            assert (CP_MAX << h) < (1 << 61)
            r = Fraction(2) ** q / Fraction(10) ** k
            num, den = r.numerator, r.denominator
            if den <= (1 << 62):
                continue        # any non-integer is >= 1/den away
            _, hi = min_residues(num, den, CP_MAX)
            assert hi << 64 >= den, (q, irregular)
            worst = max(worst, den // hi)
    check_is_integer()
    return worst


def is_integer(cp, q, k):
    """The exactness rule of fmt_double.c (is_integer there)."""
    if k > 0:
        return k <= 24 and cp % 5 ** k == 0
    return q >= k or (cp & ((1 << (k - q)) - 1)) == 0


def check_is_integer():
    assert 5 ** 25 > CP_MAX
    rng = random.Random(11)
    for q in range(Q_MIN, Q_MAX + 1):
        for irregular in (False, True):
            k = k_of(q, irregular)
            assert k <= 0 or q >= k
            r = Fraction(2) ** q / Fraction(10) ** k
            cps = [rng.randrange(1, CP_MAX) for _ in range(4)]
            cps += [r.denominator * rng.randrange(1, 1 << 20)]
            cps += [(rng.randrange(1, 1 << 20) * 5 ** min(max(k, 0), 24))
                    << rng.randrange(0, 40)]
            for cp in cps:
                if cp > CP_MAX:
                    continue
                want = (cp * r).denominator == 1
                assert is_integer(cp, q, k) == want, (cp, q, k)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "common/fmt_pow10.h"
    worst = check()
    lines = [
        "/*",
        " * fmt_pow10.h - powers of ten for fmt_double.c.  Generated by",
        " * tests/tools/gen_fmt_tables.py, which also proves the bounds the",
        " * formatter relies on; edit the script, not this file.",
        " *",
        " * Row k - FMT_K_MIN is g = floor(10^-k / 2^e) + 1 as {high, low}",
        " * 64-bit halves, with e = floor(log2(10^-k)) - 127, so",
        " * 2^127 <= g < 2^128.",
        " * Closest approach of a non-integer scaled value to the integer",
        " * above it: 2^-%d or more." % (worst.bit_length()),
        " */",
        "#ifndef PR_FMT_POW10_H",
        "#define PR_FMT_POW10_H",
        "",
        "#include <stdint.h>",
        "",
        "#define FMT_K_MIN (%d)" % K_MIN,
        "#define FMT_K_MAX %d" % K_MAX,
        "#define FMT_LOG_SHIFT %d" % SHIFT,
        "#define FMT_LOG10_POW2_MUL %d" % LOG10_POW2_MUL,
        "#define FMT_LOG10_3Q_POW2_MUL %d" % LOG10_3Q_POW2_MUL,
        "#define FMT_LOG10_3Q_POW2_ADD (%d)" % LOG10_3Q_POW2_ADD,
        "#define FMT_LOG2_POW10_MUL %d" % LOG2_POW10_MUL,
        "",
        "static const uint64_t fmt_pow10[%d][2] = {" % (K_MAX - K_MIN + 1),
    ]
    for k in range(K_MIN, K_MAX + 1):
        g, _ = pow10_g(k)
        lines.append("    { 0x%016xU, 0x%016xU }, /* %d */"
                     % (g >> 64, g & ((1 << 64) - 1), k))
    lines += ["};", "", "#endif /* PR_FMT_POW10_H */", ""]
    with open(out, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
