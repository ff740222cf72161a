#!/usr/bin/python3
"""gen_tzdb_cases.py - write tests/unit/data/tzdb_cases.txt for test_tzdb.

Python's own zoneinfo is the oracle: for real zones of the system tz
database (Debian's tzdata package) and for small TZif files and POSIX TZ
footers made up here, it records the UTC offset Python computes at wall
times (both folds) and at UTC instants.  test_tzdb.c must agree with
every line.  Run with Debian's interpreter:

    /usr/bin/python3 tests/unit/gen_tzdb_cases.py

Output lines (numbers are seconds; "x" means Python raises because the
offset is 24 hours or more, which the C code reports as PR_EFORMAT):

    Z key size fnv      a zone of the system database; size and FNV-1a
                        64 of its file let the test skip a zone whose
                        file has changed since the cases were made
    L local off0 [off1] offset at a wall time with fold=0 and fold=1
                        (one number when both folds agree)
    U utc off           offset at a UTC instant (fromtimestamp)
    N key               a key the database does not have as a zone
    T name hex          a made-up TZif image; L and U lines follow
    F footer            a made-up v2 file whose only content is this TZ
                        footer (test_tzdb builds the same bytes)
    B name hex          a made-up image Python refuses: must be EFORMAT
    G footer            a footer Python refuses: must be EFORMAT
    O us text           datetime.isoformat() text of a UTC offset
"""

import datetime as dt
import io
import os
import random
import struct
import subprocess
import sys
import zoneinfo
from zoneinfo import _common

TZDIR = "/usr/share/zoneinfo"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "tzdb_cases.txt")

EPOCH = dt.datetime(1970, 1, 1)
EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
LO = int((dt.datetime(1800, 1, 1) - EPOCH).total_seconds())
HI = int((dt.datetime(2101, 1, 1) - EPOCH).total_seconds())
Y1 = int((dt.datetime(1, 1, 2) - EPOCH).total_seconds())
Y9999 = int((dt.datetime(9999, 12, 30) - EPOCH).total_seconds())

ZONES = [
    "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
    "Asia/Kolkata", "America/St_Johns", "Pacific/Apia",
    "Africa/Casablanca", "Europe/Dublin", "America/Sao_Paulo",
    "Asia/Tehran", "UTC", "Etc/GMT+5", "Etc/GMT-14", "Antarctica/Troll",
    "Pacific/Chatham", "America/Nuuk", "Asia/Gaza", "Asia/Jerusalem",
    "America/Santiago", "Pacific/Norfolk",
    "Atlantic/Azores", "America/Havana", "Asia/Beirut", "Africa/Cairo",
    "Europe/London", "Europe/Moscow", "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Pacific/Auckland", "Europe/Amsterdam", "Africa/Monrovia",
    "Asia/Manila", "America/Sitka", "Pacific/Kwajalein", "Europe/Lisbon",
    "America/Caracas", "Asia/Pyongyang", "Antarctica/Casey",
    "Asia/Shanghai", "Factory",
]

MISSING = ["Not/AZone", "Europe/Berlinx", "zone.tab", "tzdata.zi",
           "iso3166.tab", "America", "Etc", "posix/Nowhere"]


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xffffffffffffffff
    return h


def off_seconds(td):
    return td.days * 86400 + td.seconds


def local_offset(z, ls, fold):
    """ZoneInfo.utcoffset at wall time ls; None if Python cannot."""
    try:
        t = (EPOCH + dt.timedelta(seconds=ls)).replace(tzinfo=z, fold=fold)
    except OverflowError:
        return None
    try:
        return off_seconds(t.utcoffset())
    except ValueError:
        return "x"


def utc_offset(z, us):
    try:
        t = (EPOCH_UTC + dt.timedelta(seconds=us)).astimezone(z)
    except (OverflowError, ValueError):
        return None
    try:
        return off_seconds(t.utcoffset())
    except ValueError:
        return "x"


class Cases:
    def __init__(self, out):
        self.out = out
        self.nl = 0
        self.nu = 0

    def local(self, z, points):
        for ls in sorted(set(points)):
            a = local_offset(z, ls, 0)
            b = local_offset(z, ls, 1)
            if a is None or b is None:
                continue
            # One offset stands for both folds when they agree.
            if a == b:
                self.out.append(f"L {ls} {a}")
            else:
                self.out.append(f"L {ls} {a} {b}")
            self.nl += 1

    def utc(self, z, points):
        for us in sorted(set(points)):
            a = utc_offset(z, us)
            if a is None:
                continue
            self.out.append(f"U {us} {a}")
            self.nu += 1


def edges(points, lo=LO, hi=HI):
    """Each point and the second before it, within lo..hi."""
    res = []
    for p in points:
        for d in (-1, 0):
            if lo <= p + d <= hi:
                res.append(p + d)
    return res


def real_zone(cases, key, rnd):
    path = os.path.join(TZDIR, key)
    with open(path, "rb") as f:
        raw = f.read()
    z = zoneinfo.ZoneInfo.no_cache(key)
    cases.out.append(f"Z {key} {len(raw)} {fnv1a64(raw):016x}")
    idx, trans, utcoff, isdst, _abbr, _tz = _common.load_data(
        io.BytesIO(raw))

    walls, instants = [], []
    # Transitions written in the file, with every wall-clock reading of
    # them that Python's fold arithmetic might use.
    for i, t in enumerate(trans):
        offs = {utcoff[idx[i]]}
        offs.add(utcoff[idx[i - 1]] if i > 0 else utcoff[0])
        for o in offs:
            walls.append(t + o)
        instants.append(t)
        prev = utcoff[idx[i - 1]] if i > 0 else utcoff[0]
        instants.append(t + abs(prev - utcoff[idx[i]]))
    # Transitions made by the footer rule after the last one: scan the
    # UTC offset every 6 hours and home in on each change.
    start = max(trans[-1] + 1 if trans else LO, LO)
    t = start
    cur = utc_offset(z, t)
    while t < HI:
        nxt = min(t + 6 * 3600, HI)
        val = utc_offset(z, nxt)
        if val != cur:
            lo, hi = t, nxt
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if utc_offset(z, mid) == cur:
                    lo = mid
                else:
                    hi = mid
            instants += [hi, hi + abs(val - cur)]
            walls += [hi + cur, hi + val]
            cur = val
        t = nxt

    local_pts = edges(walls)
    utc_pts = edges(instants)
    local_pts += [rnd.randrange(LO, HI) for _ in range(120)]
    utc_pts += [rnd.randrange(LO, HI) for _ in range(80)]
    # A few across Python's whole range of years.
    local_pts += [rnd.randrange(Y1, Y9999) for _ in range(20)]
    utc_pts += [rnd.randrange(Y1, Y9999) for _ in range(20)]
    cases.local(z, local_pts)
    cases.utc(z, utc_pts)


# ---------------------------------------------------------------------
# Made-up TZif files

def tzif(trans=(), idx=(), types=((0, 0, 0),), chars=b"UTC\0",
         footer=b"", version=b"2", leaps=(), isstd=0, isut=0,
         tail=b""):
    """A TZif image; types are (utoff, isdst, abbrind)."""
    def block(tsize):
        hdr = (b"TZif" + version + b"\0" * 15 +
               struct.pack(">6l", isut, isstd, len(leaps), len(trans),
                           len(types), len(chars)))
        tf = ">l" if tsize == 4 else ">q"
        body = b"".join(struct.pack(tf, max(min(t, 2**31 - 1), -2**31)
                                    if tsize == 4 else t) for t in trans)
        body += bytes(idx)
        body += b"".join(struct.pack(">lbB", *ty) for ty in types)
        body += chars
        for occ, corr in leaps:
            body += struct.pack(tf, occ) + struct.pack(">l", corr)
        body += b"\0" * isstd + b"\0" * isut
        return hdr + body
    if version == b"\0":
        return block(4) + tail
    return block(4) + block(8) + b"\n" + footer + b"\n" + tail


def footer_file(footer):
    """The exact bytes test_tzdb builds for an F line."""
    return tzif(footer=footer)


def from_bytes(data):
    return zoneinfo.ZoneInfo.from_file(io.BytesIO(data))


def python_refuses(data):
    try:
        from_bytes(data)
    except (ValueError, struct.error, AssertionError, IndexError):
        return True
    return False


YEARS = [1, 2, 1800, 1899, 1969, 1970, 2000, 2023, 2024, 2037, 2038,
         2100, 2400, 9998, 9999]


def rule_points(footer, years, rnd):
    """Wall times and instants near the footer's transitions, using the
    pure-Python twin of the parser to find them (None if it cannot)."""
    from zoneinfo import _zoneinfo as pz
    try:
        rule = pz._parse_tz_str(footer.decode())
    except Exception:
        return [], []
    if not isinstance(rule, pz._TZStr):
        return [], []
    walls, instants = [], []
    std = off_seconds(rule.std.utcoff)
    dst = off_seconds(rule.dst.utcoff)
    diff = dst - std
    for y in years:
        try:
            s, e = rule.transitions(y)
        except Exception:
            continue
        for b in (s, e):
            walls += [b, b + diff, b - diff]
        instants += [s - std, e - dst, s - std + abs(diff),
                     e - dst + abs(diff)]
    return walls, instants


def synthetic_footer(cases, footer, rnd, years, nrandom):
    data = footer_file(footer)
    if python_refuses(data):
        cases.out.append("G " + footer.decode())
        return
    z = from_bytes(data)
    cases.out.append("F " + footer.decode())
    walls, instants = rule_points(footer, years, rnd)
    lo, hi = Y1, Y9999
    local_pts = edges(walls, lo, hi)
    utc_pts = edges(instants, lo, hi)
    local_pts += [rnd.randrange(LO, HI) for _ in range(nrandom)]
    utc_pts += [rnd.randrange(LO, HI) for _ in range(nrandom)]
    cases.local(z, local_pts)
    cases.utc(z, utc_pts)


FOOTERS = [
    b"CET-1CEST,M3.5.0,M10.5.0/3", b"<+0330>-3:30", b"JST-9",
    b"EST5EDT,M3.2.0,M11.1.0", b"IST-1GMT0,M10.5.0,M3.5.0/1",
    b"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", b"EET-2EEST,M3.4.4/50,M10.4.4/50",
    b"<-04>4<-03>,M9.1.6/24,M4.1.6/24", b"IST-2IDT,M3.4.4/26,M10.5.0",
    b"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
    b"<+00>0<+02>-2,M3.5.0/1,M10.5.0/3", b"NZST-12NZDT,M9.5.0,M4.1.0/3",
    b"AAA3BBB,J59/0,J365/2", b"AAA3BBB,J60/0,J300/2", b"AAA3BBB,J1,J365",
    b"AAA3BBB,0/0,365/2", b"AAA3BBB,59,300", b"AAA3BBB,0,365/25",
    b"AAA0BBB,0/0,J365/25", b"AAA3BBB,M3.2.0/-1:30,M11.1.0/99",
    b"AAA3BBB,M3.2.0/-99,M11.1.0/+2", b"AAA3BBB,M3.2.0/-1:30:15,M11.1.0",
    b"AAA5BBB4,M3.2.0,M11.1.0", b"AAA5BBB6,M3.2.0,M11.1.0",
    b"AAA5:00:30BBB4:00:15,M3.2.0/2:00:30,M11.1.0/1:59:59",
    b"<-0330>3:30<-0230>,M3.2.0/-1:30,M11.1.0/99", b"XXX-14", b"XXX+12",
    b"A0B,M1.1.0,M12.5.6/23:59:59", b"A0B,M12.5.6,M1.1.0",
    b"AAA24", b"AAA-24", b"AAA-24:59:59", b"AAA23:59:59",
    b"AAA-23BBB-24:30,M3.2.0,M11.1.0", b"<>0", b"<>3<>2,M3.2.0,M11.1.0",
    b"A3B,M2.5.0,M2.5.6", b"A3B,M2.5.4,M2.4.4", b"AAA3BBB,M3.2.0,M3.2.0",
    b"AAA3BBB,J365/23,J1/1", b"AAA3BBB2:30,M3.5.0/0,M10.5.0/0",
    b"AAA3BBB4,M3.2.0,M11.1.0", b"", b"UTC0", b"<+14>-14",
    # Rules near New Year, where Python's use of the UTC year (from UTC)
    # and the wall-clock year (from local time) shows.
    b"AAA-10BBB,J1/1,J365/23", b"AAA10BBB,J1/1,J365/23",
    b"AAA-12BBB-13,M1.1.0/0,M12.5.0/23", b"AAA11BBB,0/3,365/22",
    # Start and end at the same instant (from UTC) or wall time.
    b"AAA3BBB,M3.2.0/2,M3.2.0/3", b"AAA3BBB,M3.2.0,M3.2.0",
    # refused by Python
    b"AAA25", b"AAA3:5", b"AAA3BBB", b"AAA3BBB,M3.2.0",
    b"AAA3,M3.2.0,M11.1.0", b"AAA3BBB,M13.2.0,M11.1.0",
    b"AAA3BBB,M3.2.0,M011.1.0", b"AAA3BBB,J0,J365", b"AAA3BBB,J366,J365",
    b"AAA3BBB,0,366", b"AAA3BBB,M3.2.0/100,M11.1.0",
    b"AAA3BBB,M3.2.0/1:2,M11.1.0", b"AAA3BBB,M3.6.0,M11.1.0",
    b"AAA3BBB,M3.2.7,M11.1.0", b"<AAA3", b"<A A>3", b"3", b"AAA",
    b"AAA3BBB,M3.2.0,M11.1.0,", b"AAA3BBB,M3.2.0,M11.1.0/2:00:00:00",
    b"AAA3BBB,M3.2.0/,M11.1.0", b"AAA3BBB,M0.2.0,M11.1.0",
    b"AAA3 BBB,M3.2.0,M11.1.0", b"AAA3BBB,M3.2.0,M11.1.0x",
    b"AAA3x", b"AAA+", b"AAA3:", b"AAA3:0", b"AAA3BBB,M3.2,M11.1.0",
    b"AAA3BBB,M3..0,M11.1.0", b"AAA3BBB,J,J1", b"AAA3BBB,,M11.1.0",
]


def random_footer(rnd):
    def abbr():
        if rnd.random() < 0.9:
            return rnd.choice(["AAA", "BBB", "A", "<+03>", "<-0330>",
                               "<>", "<A+1>", "<a-b>", "ZZZZZZ"])
        return rnd.choice(["", "<AAA", "AB1", "<A_B>", "A B"])

    def num(lo, hi):
        v = rnd.randint(lo, hi)
        s = str(v)
        if rnd.random() < 0.05:
            s = "0" + s
        return s

    def hms(hmax, signed):
        s = ""
        if signed or rnd.random() < 0.3:
            s += rnd.choice(["", "+", "-"])
        s += num(0, hmax)
        r = rnd.random()
        if r < 0.4:
            s += ":" + "%02d" % rnd.randint(0, 70)
            if rnd.random() < 0.4:
                s += ":" + "%02d" % rnd.randint(0, 70)
        elif r < 0.42:
            s += ":" + str(rnd.randint(0, 9))
        return s

    def date():
        r = rnd.random()
        if r < 0.6:
            s = "M%s.%s.%s" % (num(1, 12) if rnd.random() < 0.95
                               else num(0, 13), num(1, 5)
                               if rnd.random() < 0.95 else num(0, 6),
                               num(0, 6) if rnd.random() < 0.95
                               else num(0, 7))
        elif r < 0.8:
            s = "J" + num(1, 365) if rnd.random() < 0.95 else num(0, 367)
        else:
            s = num(0, 365) if rnd.random() < 0.95 else num(0, 367)
        if rnd.random() < 0.6:
            s += "/" + hms(99 if rnd.random() < 0.95 else 110,
                           rnd.random() < 0.3)
        return s

    s = abbr() + hms(24 if rnd.random() < 0.95 else 26, False)
    if rnd.random() < 0.85:
        s += abbr()
        if rnd.random() < 0.5:
            s += hms(24 if rnd.random() < 0.95 else 26, False)
        s += "," + date() + "," + date()
    if rnd.random() < 0.03:
        s += rnd.choice([",", "x", " ", ":", "/1"])
    return s.encode()


def synthetic_files(cases, rnd):
    """Hand-made TZif images for the paths real zones rarely take."""
    T = 1000000000
    std_dst = [(3600, 0, 0), (7200, 1, 4)]
    chars = b"AAA\0BBB\0"
    files = {
        # type 0 is DST: "before" is the first standard type, and the
        # first transition's wall times use type 0's offset.
        "dst_first": tzif([T, T + 90 * 86400], [1, 0],
                          [(7200, 1, 4), (3600, 0, 0), (-3600, 0, 0)],
                          chars, b"AAA-1"),
        # ... and here "before" (3600), type 0 (7200) and the first
        # transition's type (-3600) all differ.
        "dst_first_b": tzif([T, T + 90 * 86400], [2, 1],
                            [(7200, 1, 4), (3600, 0, 0), (-3600, 0, 0)],
                            chars, b"AAA-1"),
        # Wall-time arrays far from sorted: bisect must probe exactly as
        # Python's does to give the same answers.
        "bisect_order": tzif([T + i * 3600 for i in range(9)],
                             [2, 0, 1, 1, 0, 2, 2, 4, 3],
                             [(-66200, 0, 0), (76400, 0, 4),
                              (-66100, 0, 0), (47400, 0, 4),
                              (26400, 0, 0)], chars, b"AAA0"),
        "all_dst": tzif([T], [1], [(7200, 1, 4), (10800, 1, 4)], chars,
                        b""),
        "first_type_odd": tzif([T, T + 1000], [2, 1],
                               [(-36000, 0, 0), (3600, 0, 0),
                                (7200, 0, 4)], chars, b"AAA-1"),
        # Two transitions an hour apart with big swings: the wall-time
        # arrays are not sorted and bisect must probe as Python does.
        "unsorted_walls": tzif([T, T + 3600, T + 7200], [1, 2, 0],
                               [(0, 0, 0), (36000, 0, 0), (-36000, 0, 4)],
                               chars, b"AAA0"),
        # The last transition is a fall-back the footer knows nothing of.
        "last_fallback": tzif([T - 86400 * 10, T], [1, 2],
                              [(3600, 0, 0), (7200, 0, 4), (3600, 0, 0)],
                              chars, b"AAA-1"),
        "last_fallback_nofooter": tzif([T - 86400 * 10, T], [1, 2],
                                       [(3600, 0, 0), (7200, 0, 4),
                                        (3600, 0, 0)], chars, b""),
        "one_trans_fallback": tzif([T], [1], [(7200, 0, 0), (3600, 0, 4)],
                                   chars, b"AAA-1"),
        "v1_only": tzif([T - 86400 * 200, T, T + 86400 * 180],
                        [1, 0, 1], std_dst, chars, version=b"\0"),
        "v1_digit": tzif([T], [1], std_dst, chars, version=b"1"),
        "v3": tzif([T], [1], std_dst, chars,
                   b"<+01>-1<+02>,M3.5.0/-1,M10.5.0/26", version=b"3"),
        "v4": tzif([T], [1], std_dst, chars,
                   b"CET-1CEST,M3.5.0,M10.5.0/3", version=b"4"),
        "v5_future": tzif([T], [1], std_dst, chars,
                          b"CET-1CEST,M3.5.0,M10.5.0/3", version=b"5"),
        "big_bang": tzif([-2**59, T], [0, 1], std_dst, chars,
                         b"CET-1CEST,M3.5.0,M10.5.0/3"),
        "no_types_footer": tzif([], [], [], b"", b"EST5EDT,M3.2.0,M11.1.0"),
        "seconds_offsets": tzif([-4000000000, -1000000000],
                                [1, 2], [(1172, 0, 0), (4772, 1, 4),
                                         (-2670, 0, 0)], chars,
                                b"<-004430>0:44:30"),
        "isdst_byte_2": tzif([T], [1], [(7200, 2, 4), (3600, 0, 0)],
                             chars, b""),
        "leaps_and_flags": tzif([T, T + 86400 * 100], [1, 0], std_dst,
                                chars, b"CET-1CEST,M3.5.0,M10.5.0/3",
                                leaps=[(78796800, 1), (94694401, 2)],
                                isstd=2, isut=2),
        "huge_offset_type": tzif([T], [1], [(3600, 0, 0), (90000, 0, 4)],
                                 chars, b""),
        "huge_footer": tzif([T], [0], std_dst, chars, b"AAA-24:30"),
        "trailing_bytes": tzif([T], [1], std_dst, chars, b"AAA-1",
                               tail=b"garbage after the footer"),
        "many": tzif(list(range(-2000000000, 2000000000, 9000000)),
                     [i % 3 for i in range(445)],
                     [(3600, 0, 0), (7200, 1, 4), (1800, 0, 0)], chars,
                     b"EST5EDT,M3.2.0,M11.1.0"),
        "neg_dst_rule": tzif([T], [0], [(3600, 0, 0)], chars,
                             b"IST-1GMT0,M10.5.0,M3.5.0/1"),
    }
    refused = {
        "bad_index": tzif([T], [5], std_dst, chars, b""),
        "bad_magic": b"TZiX" + tzif([T], [1], std_dst, chars, b"")[4:],
        "bad_version": b"TZifX" + tzif([T], [1], std_dst, chars, b"")[5:],
        "bad_footer": tzif([T], [1], std_dst, chars, b"AAA3BBB"),
        "truncated_header": tzif()[:30],
        "no_info": tzif([], [], [], b"", b""),
        "no_info_v1": tzif([], [], [], b"", version=b"\0"),
    }
    for name, data in files.items():
        assert not python_refuses(data), name
        z = from_bytes(data)
        cases.out.append(f"T {name} {data.hex()}")
        _i, trans, utcoff, _d, _a, tz = _common.load_data(io.BytesIO(data))
        walls, instants = [], []
        for t in trans:
            for o in set(utcoff):
                walls.append(t + o)
                instants.append(t + abs(o - utcoff[0]))
            instants.append(t)
        fw, fi = rule_points(tz or b"", YEARS, rnd)
        lo, hi = Y1, Y9999
        local_pts = edges(walls, lo, hi) + edges(fw, lo, hi)
        utc_pts = edges(instants, lo, hi) + edges(fi, lo, hi)
        local_pts += [rnd.randrange(LO, HI) for _ in range(100)]
        utc_pts += [rnd.randrange(LO, HI) for _ in range(100)]
        if name == "bisect_order":
            local_pts += list(range(T - 100000, T + 150000, 250))
        cases.local(z, local_pts)
        cases.utc(z, utc_pts)
    for name, data in refused.items():
        assert python_refuses(data), name
        cases.out.append(f"B {name} {data.hex()}")


def offsets(out, rnd):
    us_list = [0, 1, -1, 60 * 10**6, -60 * 10**6, 1800 * 10**6,
               -1800 * 10**6, 19800 * 10**6, 19815 * 10**6,
               -(19815 * 10**6), 1172 * 10**6, -2670 * 10**6,
               86399 * 10**6, -86399 * 10**6, 86399999999, -86399999999,
               19815250000, -19815000001, 999999, -999999, 59 * 10**6]
    us_list += [rnd.randrange(-86399999999, 86399999999) for _ in range(60)]
    us_list += [rnd.randrange(-86399, 86399) * 10**6 for _ in range(60)]
    for us in us_list:
        tz = dt.timezone(dt.timedelta(microseconds=us))
        text = dt.datetime(2000, 1, 1, tzinfo=tz).isoformat()[19:]
        out.append(f"O {us} {text}")


def main():
    if not os.path.isfile(os.path.join(TZDIR, "UTC")):
        sys.exit(f"{TZDIR} has no tz database: apt-get install tzdata")
    zoneinfo.reset_tzpath(to=[TZDIR])
    rnd = random.Random(20240701)
    version = "unknown"
    try:
        with open(os.path.join(TZDIR, "tzdata.zi")) as f:
            version = f.readline().split()[-1]
    except OSError:
        pass
    try:
        deb = subprocess.run(["dpkg-query", "-W", "-f=${Version}",
                              "tzdata"], capture_output=True, text=True,
                             check=False).stdout.strip()
    except OSError:
        deb = ""
    out = [
        "# tzdb_cases.txt - made by gen_tzdb_cases.py; do not edit",
        f"# tz database {version} (Debian tzdata {deb or 'unknown'}), "
        f"CPython {sys.version.split()[0]}",
    ]
    cases = Cases(out)
    for key in ZONES:
        real_zone(cases, key, random.Random(key))
    for key in MISSING:
        try:
            zoneinfo.ZoneInfo.no_cache(key)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError,
                IsADirectoryError, PermissionError):
            out.append(f"N {key}")
            continue
        raise SystemExit(f"{key} unexpectedly exists")
    synthetic_files(cases, rnd)
    for f in FOOTERS:
        synthetic_footer(cases, f, rnd, YEARS, 20)
    for _ in range(1500):
        yrs = [rnd.randint(1, 9999) if rnd.random() < 0.2
               else rnd.randint(1800, 2100)]
        synthetic_footer(cases, random_footer(rnd), rnd, yrs, 2)
    offsets(out, rnd)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")
    nf = sum(1 for line in out if line.startswith("F "))
    ng = sum(1 for line in out if line.startswith("G "))
    print(f"{OUT}: {len(ZONES)} zones, {cases.nl} local and {cases.nu} "
          f"UTC cases, {nf} footers accepted, {ng} refused")


if __name__ == "__main__":
    main()
